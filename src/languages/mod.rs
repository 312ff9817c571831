//! Languages: a story's language as a BCP 47 tag (parsed once, in one
//! spelling), which way its script runs, and the words reader pages show in
//! it ([`labels`]).

pub mod labels;

pub use labels::{Labels, for_language};

/// Why a language tag was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the language {0:?} is not a language tag such as en, fr, ar or pt-BR (letters and digits \
     in parts joined by -)"
)]
pub struct InvalidLanguage(pub String);

/// A BCP 47 language tag in its usual spelling: the language lowercase
/// (`fr`), a script in title case (`zh-Hant`), a region uppercase (`pt-BR`),
/// other subtags lowercase. `fr_ca` is read as `fr-CA`.
pub fn parse(text: &str) -> Result<String, InvalidLanguage> {
    let invalid = || InvalidLanguage(text.to_owned());
    let text = text.trim();
    let mut parts = text.split(['-', '_']);
    let language = parts.next().unwrap_or_default();
    if !(2..=8).contains(&language.len()) || !language.chars().all(|c| c.is_ascii_alphabetic()) {
        return Err(invalid());
    }
    let mut tag = language.to_ascii_lowercase();
    for part in parts {
        if part.is_empty() || part.len() > 8 || !part.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(invalid());
        }
        tag.push('-');
        match part.len() {
            2 if part.chars().all(|c| c.is_ascii_alphabetic()) => {
                tag.push_str(&part.to_ascii_uppercase())
            }
            4 if part.chars().all(|c| c.is_ascii_alphabetic()) => {
                tag.push_str(&part[..1].to_ascii_uppercase());
                tag.push_str(&part[1..].to_ascii_lowercase());
            }
            _ => tag.push_str(&part.to_ascii_lowercase()),
        }
    }
    Ok(tag)
}

/// The language subtag of `tag` (`pt` of `pt-BR`), lowercase.
pub fn primary(tag: &str) -> String {
    tag.split(['-', '_'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// Languages written right to left.
const RIGHT_TO_LEFT: &[&str] = &[
    "ar", "he", "iw", "fa", "ur", "yi", "ps", "sd", "ug", "dv", "ckb",
];

/// Whether text in `tag` runs right to left (Arabic, Hebrew, Persian, Urdu...).
pub fn is_rtl(tag: &str) -> bool {
    let tag = tag.to_ascii_lowercase();
    // A script subtag decides over the language (`az-Arab`, `pa-Arab`).
    if tag
        .split(['-', '_'])
        .skip(1)
        .any(|p| p == "arab" || p == "hebr")
    {
        return true;
    }
    RIGHT_TO_LEFT.contains(&primary(&tag).as_str())
}

/// `rtl` or `ltr`, for an HTML `dir` attribute.
pub fn direction(tag: &str) -> &'static str {
    if is_rtl(tag) { "rtl" } else { "ltr" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_kept_in_their_usual_spelling() {
        assert_eq!(parse("FR").unwrap(), "fr");
        assert_eq!(parse("pt_br").unwrap(), "pt-BR");
        assert_eq!(parse("zh-hant-tw").unwrap(), "zh-Hant-TW");
        assert_eq!(parse(" ar ").unwrap(), "ar");
        assert_eq!(parse("es-419").unwrap(), "es-419");
    }

    #[test]
    fn what_is_not_a_tag_is_refused_with_what_was_typed() {
        for bad in ["", "e", "english language", "fr-", "12", "fr--ca", "fr-<b>"] {
            let error = parse(bad).unwrap_err();
            assert!(error.to_string().contains(&format!("{bad:?}")), "{bad}");
        }
    }

    #[test]
    fn arabic_hebrew_persian_and_urdu_run_right_to_left() {
        for tag in ["ar", "ar-EG", "he", "fa", "ur", "az-Arab"] {
            assert!(is_rtl(tag), "{tag}");
            assert_eq!(direction(tag), "rtl");
        }
        for tag in ["en", "fr", "arn", "az", "zh-Hant"] {
            assert!(!is_rtl(tag), "{tag}");
            assert_eq!(direction(tag), "ltr");
        }
    }
}
