//! Kept fields: the extra named values a story carries besides its own
//! fields (a Drupal field or a WordPress custom field with no home in
//! masthead, a desk's own data), each a text, number, date, link or a list
//! of these. They are part of the story: saved in every revision, in
//! backups, in the API, editable in the editor and available to theme
//! templates as `article.fields.<name>`.
//!
//! The editor writes them as text, one value per line:
//!
//! ```text
//! source: Reuters
//! word_count (number): 1250
//! print_date (date): 2016-07-12
//! original (link): https://example.com/story/1
//! regions[]: Middle East
//! regions[]: Europe
//! ```
//!
//! `name[]` lines are the items of a list, in order (so a list of one stays
//! a list). A backslash escapes a new line (`\n`) and itself (`\\`) in a
//! value, so every stored value round-trips through the text unchanged.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A story's kept fields, by name.
pub type KeptFields = BTreeMap<String, FieldValue>;

/// Most kept fields on one story.
pub const MAX_FIELDS: usize = 200;
/// Longest field name, in characters.
pub const NAME_CHARS: usize = 64;
/// Most characters of all values of one story together.
pub const VALUE_CHARS: usize = 100_000;
/// Most items in one list.
pub const LIST_ITEMS: usize = 500;

/// One kept value. Numbers and dates keep the text they were written as
/// (checked to be one), so nothing is rounded or reformatted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "lowercase")]
pub enum FieldValue {
    Text(String),
    /// A decimal number, as written (`1250`, `-3.5`, `1e6`).
    Number(String),
    /// A calendar date (`2016-07-12`), a local date and time
    /// (`2016-07-12T09:30`) or an instant (`2016-07-12T09:30:00Z`).
    Date(String),
    /// An `http://` or `https://` URL, or a path on this site (`/about`).
    Link(String),
    /// Items of the kinds above, in order.
    List(Vec<FieldValue>),
}

/// Why kept fields were refused; names the line of the editor's text, or
/// the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    #[error(
        "kept fields, line {line}: {reason} (write `name: value`, `name (number): 12`, \
         `name (date): 2016-07-12`, `name (link): https://…`, or `name[]: value` for each \
         item of a list)"
    )]
    Line { line: usize, reason: String },
    #[error("kept field {name:?}: {reason}")]
    Field { name: String, reason: String },
    #[error("a story keeps at most {MAX_FIELDS} fields")]
    TooMany,
    #[error("the kept fields are longer than {VALUE_CHARS} characters together")]
    TooLong,
}

impl FieldValue {
    fn kind(&self) -> &'static str {
        match self {
            FieldValue::Text(_) => "text",
            FieldValue::Number(_) => "number",
            FieldValue::Date(_) => "date",
            FieldValue::Link(_) => "link",
            FieldValue::List(_) => "list",
        }
    }

    /// A scalar of `kind` holding `text`, or why `text` is not one.
    fn scalar(kind: &str, text: &str) -> Result<FieldValue, String> {
        let value = match kind {
            "text" => FieldValue::Text(text.to_owned()),
            "number" => FieldValue::Number(text.trim().to_owned()),
            "date" => FieldValue::Date(text.trim().to_owned()),
            "link" => FieldValue::Link(text.trim().to_owned()),
            other => {
                return Err(format!(
                    "{other:?} is not a kind of field (text, number, date or link)"
                ));
            }
        };
        value.check_scalar()?;
        Ok(value)
    }

    /// Checks a value that is not a list.
    fn check_scalar(&self) -> Result<(), String> {
        match self {
            FieldValue::Text(_) => Ok(()),
            FieldValue::Number(text) => {
                let ok = !text.is_empty()
                    && text.parse::<f64>().is_ok_and(f64::is_finite)
                    && !text.contains(|c: char| c.is_ascii_alphabetic() && c != 'e' && c != 'E');
                if ok {
                    Ok(())
                } else {
                    Err(format!("{text:?} is not a number"))
                }
            }
            FieldValue::Date(text) => {
                let ok = text.parse::<jiff::civil::Date>().is_ok()
                    || text.parse::<jiff::civil::DateTime>().is_ok()
                    || text.parse::<jiff::Timestamp>().is_ok();
                if ok {
                    Ok(())
                } else {
                    Err(format!(
                        "{text:?} is not a date like 2016-07-12 or 2016-07-12T09:30:00Z"
                    ))
                }
            }
            FieldValue::Link(text) => {
                let path = text.starts_with('/') && !text.starts_with("//");
                let web = (text.starts_with("http://") || text.starts_with("https://"))
                    && text.len() > "https://".len();
                if (path || web) && !text.contains(char::is_whitespace) {
                    Ok(())
                } else {
                    Err(format!(
                        "{text:?} is not an http:// or https:// address or a path like /about"
                    ))
                }
            }
            FieldValue::List(_) => Err("a list cannot hold lists".into()),
        }
    }

    /// Checks this value (a list's items too).
    fn check(&self) -> Result<(), String> {
        match self {
            FieldValue::List(items) => {
                if items.len() > LIST_ITEMS {
                    return Err(format!("a list holds at most {LIST_ITEMS} items"));
                }
                items.iter().try_for_each(FieldValue::check_scalar)
            }
            other => other.check_scalar(),
        }
    }

    fn chars(&self) -> usize {
        match self {
            FieldValue::Text(t)
            | FieldValue::Number(t)
            | FieldValue::Date(t)
            | FieldValue::Link(t) => t.chars().count(),
            FieldValue::List(items) => items.iter().map(FieldValue::chars).sum(),
        }
    }

    /// The value as a theme template reads it: the text, or a list of texts.
    fn plain(&self) -> serde_json::Value {
        match self {
            FieldValue::Text(t)
            | FieldValue::Number(t)
            | FieldValue::Date(t)
            | FieldValue::Link(t) => serde_json::Value::String(t.clone()),
            FieldValue::List(items) => items.iter().map(FieldValue::plain).collect(),
        }
    }
}

/// Why `name` is not a field name, if it is not: a letter, then letters,
/// digits, `_` or `-`, at most [`NAME_CHARS`].
fn name_problem(name: &str) -> Option<String> {
    let ok = name.len() <= NAME_CHARS
        && name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    (!ok).then(|| {
        format!(
            "{name:?} is not a field name: start with a letter, then letters, digits, _ or -, \
             at most {NAME_CHARS}"
        )
    })
}

/// Checks every name and value and the limits.
pub fn check(fields: &KeptFields) -> Result<(), FieldError> {
    if fields.len() > MAX_FIELDS {
        return Err(FieldError::TooMany);
    }
    let mut total = 0;
    for (name, value) in fields {
        let problem = name_problem(name).or_else(|| value.check().err());
        if let Some(reason) = problem {
            return Err(FieldError::Field {
                name: name.clone(),
                reason,
            });
        }
        total += value.chars();
    }
    if total > VALUE_CHARS {
        return Err(FieldError::TooLong);
    }
    Ok(())
}

/// The fields as a theme template reads them: name to text (or list of
/// texts).
pub fn plain(fields: &KeptFields) -> serde_json::Map<String, serde_json::Value> {
    fields
        .iter()
        .map(|(name, value)| (name.clone(), value.plain()))
        .collect()
}

fn escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace("\r\n", "\\n")
        .replace('\n', "\\n")
}

fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('\\') => out.push('\\'),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

fn line(out: &mut String, name: &str, list: bool, value: &FieldValue) {
    out.push_str(name);
    if list {
        out.push_str("[]");
    }
    if !matches!(value, FieldValue::Text(_)) {
        out.push_str(" (");
        out.push_str(value.kind());
        out.push(')');
    }
    out.push_str(": ");
    if let FieldValue::Text(t) | FieldValue::Number(t) | FieldValue::Date(t) | FieldValue::Link(t) =
        value
    {
        out.push_str(&escape(t));
    }
    out.push('\n');
}

/// The fields as the editor shows them (see the module's docs).
pub fn to_text(fields: &KeptFields) -> String {
    let mut out = String::new();
    for (name, value) in fields {
        match value {
            FieldValue::List(items) => {
                for item in items {
                    line(&mut out, name, true, item);
                }
            }
            scalar => line(&mut out, name, false, scalar),
        }
    }
    out
}

/// Reads the editor's text back (see the module's docs); an error names the
/// line and what is wrong with it.
pub fn parse_text(text: &str) -> Result<KeptFields, FieldError> {
    let mut fields = KeptFields::new();
    for (n, raw) in text.lines().enumerate() {
        let at = |reason: String| FieldError::Line {
            line: n + 1,
            reason,
        };
        if raw.trim().is_empty() {
            continue;
        }
        let Some((head, value)) = raw.split_once(':') else {
            return Err(at("there is no `:` between the name and the value".into()));
        };
        let value = unescape(value.strip_prefix(' ').unwrap_or(value));
        let head = head.trim();
        let (head, kind) = match head.strip_suffix(')').and_then(|h| h.rsplit_once('(')) {
            Some((name, kind)) => (name.trim(), kind.trim().to_ascii_lowercase()),
            None => (head, "text".to_owned()),
        };
        let (name, list) = match head.strip_suffix("[]") {
            Some(name) => (name.trim(), true),
            None => (head, false),
        };
        if let Some(problem) = name_problem(name) {
            return Err(at(problem));
        }
        let value = FieldValue::scalar(&kind, &value).map_err(at)?;
        match (fields.get_mut(name), list) {
            (None, false) => {
                fields.insert(name.to_owned(), value);
            }
            (None, true) => {
                fields.insert(name.to_owned(), FieldValue::List(vec![value]));
            }
            (Some(FieldValue::List(items)), true) => items.push(value),
            (Some(_), _) => {
                return Err(at(format!(
                    "{name:?} is written twice; write `{name}[]:` on each line for a list"
                )));
            }
        }
    }
    check(&fields)?;
    Ok(fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> KeptFields {
        KeptFields::from([
            (
                "source".into(),
                FieldValue::Text("Reuters: \\ wire\nsecond line".into()),
            ),
            ("word_count".into(), FieldValue::Number("1250".into())),
            ("print_date".into(), FieldValue::Date("2016-07-12".into())),
            (
                "original".into(),
                FieldValue::Link("https://example.com/s/1".into()),
            ),
            (
                "regions".into(),
                FieldValue::List(vec![FieldValue::Text("Middle East".into())]),
            ),
            (
                "printed".into(),
                FieldValue::List(vec![
                    FieldValue::Date("2016-07-12T09:30:00Z".into()),
                    FieldValue::Date("2016-07-13".into()),
                ]),
            ),
        ])
    }

    #[test]
    fn every_kind_of_value_round_trips_through_the_editors_text() {
        let fields = sample();
        check(&fields).unwrap();
        let text = to_text(&fields);
        assert!(text.contains("word_count (number): 1250\n"), "{text}");
        assert!(text.contains("regions[]: Middle East\n"), "{text}");
        assert!(
            text.contains(r"source: Reuters: \\ wire\nsecond line"),
            "{text}"
        );
        assert_eq!(parse_text(&text).unwrap(), fields);
    }

    #[test]
    fn stored_json_names_the_kind_of_each_value() {
        let json = serde_json::to_value(sample()).unwrap();
        assert_eq!(
            json["word_count"],
            serde_json::json!({"type": "number", "value": "1250"})
        );
        assert_eq!(json["regions"]["type"], "list");
        let back: KeptFields = serde_json::from_value(json).unwrap();
        assert_eq!(back, sample());
    }

    #[test]
    fn a_bad_line_is_refused_with_its_number_and_the_reason() {
        let cases = [
            ("a: 1\nno colon here", 2, "no `:`"),
            ("count (number): twelve", 1, "not a number"),
            ("when (date): 12/07/2016", 1, "not a date"),
            ("site (link): javascript:alert(1)", 1, "not an http"),
            ("9lives: x", 1, "not a field name"),
            ("kind (colour): red", 1, "not a kind of field"),
            ("a: 1\na: 2", 2, "written twice"),
        ];
        for (text, line, reason) in cases {
            match parse_text(text) {
                Err(FieldError::Line { line: l, reason: r }) => {
                    assert_eq!(l, line, "{text}");
                    assert!(r.contains(reason), "{text}: {r}");
                }
                other => panic!("{text}: {other:?}"),
            }
        }
        assert_eq!(parse_text("\n  \n").unwrap(), KeptFields::new());
    }

    #[test]
    fn limits_hold() {
        let many: KeptFields = (0..=MAX_FIELDS)
            .map(|i| (format!("f{i}"), FieldValue::Text("x".into())))
            .collect();
        assert_eq!(check(&many), Err(FieldError::TooMany));
        let long = KeptFields::from([("a".into(), FieldValue::Text("x".repeat(VALUE_CHARS + 1)))]);
        assert_eq!(check(&long), Err(FieldError::TooLong));
        let nested =
            KeptFields::from([("a".into(), FieldValue::List(vec![FieldValue::List(vec![])]))]);
        assert!(matches!(check(&nested), Err(FieldError::Field { .. })));
    }

    #[test]
    fn templates_read_plain_values() {
        let plain = plain(&sample());
        assert_eq!(plain["word_count"], "1250");
        assert_eq!(
            plain["printed"],
            serde_json::json!(["2016-07-12T09:30:00Z", "2016-07-13"])
        );
    }
}
