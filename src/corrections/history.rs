//! A story's public history, read from its revisions: when it was first
//! published, each editorial update (with its revision message as the note)
//! and each correction (with its note, and what the headline, standfirst
//! and text said before and after it, against the version readers were
//! last told about). Silent fixes, drafts and refused saves are not news to
//! readers and never appear.

use serde::Serialize;
use similar::{ChangeTag, TextDiff};

use crate::articles::revisions::{Revision, RevisionKind};
use crate::articles::{Article, ArticleError, Status};
use crate::storage::Store;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    FirstPublished,
    Update,
    Correction,
}

/// One changed line of a field, or a gap of unchanged ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Line {
    /// `same`, `removed`, `added`, or `gap` (unchanged lines left out).
    pub change: &'static str,
    pub text: String,
}

/// What a correction changed in one field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    /// `headline`, `standfirst` or `body`.
    pub field: &'static str,
    pub lines: Vec<Line>,
}

/// One entry of the history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    pub kind: EntryKind,
    pub at: i64,
    pub note: String,
    /// For a correction, what it changed (empty when only the note was
    /// added); its position among the story's corrections in `number`.
    pub changes: Vec<FieldChange>,
    pub number: usize,
}

/// The public history of `article` (which readers may see), oldest first.
pub async fn of_story(store: &Store, article: &Article) -> Result<Vec<Entry>, ArticleError> {
    let revisions = store
        .revisions(article.id)
        .await?
        .into_iter()
        .map(Revision::from_row)
        .collect::<Result<Vec<_>, _>>()?;
    let saved: Vec<&Article> = revisions
        .iter()
        .filter(|r| r.kind == RevisionKind::Saved)
        .map(|r| &r.article)
        .collect();
    let messages: Vec<&str> = revisions
        .iter()
        .filter(|r| r.kind == RevisionKind::Saved)
        .map(|r| r.message.as_str())
        .collect();
    Ok(entries(&saved, &messages))
}

/// The entries the saved revisions `states` (oldest first, each with its
/// message) make.
pub fn entries(states: &[&Article], messages: &[&str]) -> Vec<Entry> {
    let mut out = Vec::new();
    // The version readers were last told about, and the previous state.
    let mut told: Option<&Article> = None;
    let mut previous: Option<&Article> = None;
    for (n, state) in states.iter().copied().enumerate() {
        let before = previous.replace(state);
        if state.status != Status::Published {
            continue;
        }
        let Some(shown) = told else {
            if let Some(at) = state.first_published_at {
                out.push(Entry {
                    kind: EntryKind::FirstPublished,
                    at,
                    note: String::new(),
                    changes: Vec::new(),
                    number: 0,
                });
                told = Some(state);
            }
            continue;
        };
        let Some(before) = before.filter(|b| b.status == Status::Published) else {
            // Published again after being taken down: not an update.
            continue;
        };
        if state.corrections.len() > before.corrections.len() {
            let changes = changes(shown, state);
            for (i, correction) in state.corrections.iter().enumerate() {
                if i < before.corrections.len() {
                    continue;
                }
                out.push(Entry {
                    kind: EntryKind::Correction,
                    at: correction.at,
                    note: correction.note.clone(),
                    changes: changes.clone(),
                    number: i + 1,
                });
            }
            told = Some(state);
        } else if state.last_update_at.is_some() && state.last_update_at != before.last_update_at {
            out.push(Entry {
                kind: EntryKind::Update,
                at: state.last_update_at.unwrap_or_default(),
                note: messages.get(n).copied().unwrap_or_default().to_owned(),
                changes: Vec::new(),
                number: 0,
            });
            told = Some(state);
        }
    }
    out
}

/// What changed in the headline, standfirst and text from `old` to `new`.
fn changes(old: &Article, new: &Article) -> Vec<FieldChange> {
    [
        ("headline", old.headline.clone(), new.headline.clone()),
        ("standfirst", old.standfirst.clone(), new.standfirst.clone()),
        (
            "body",
            paragraphs(&old.body_html),
            paragraphs(&new.body_html),
        ),
    ]
    .into_iter()
    .filter(|(_, a, b)| a != b)
    .map(|(field, a, b)| FieldChange {
        field,
        lines: line_diff(&a, &b),
    })
    .collect()
}

/// Unchanged lines kept around each change.
const CONTEXT: usize = 1;

/// A line diff with unchanged runs cut to [`CONTEXT`] lines either side of
/// a change (a `gap` line stands for the rest).
fn line_diff(old: &str, new: &str) -> Vec<Line> {
    let old = format!("{old}\n");
    let new = format!("{new}\n");
    let all: Vec<Line> = TextDiff::from_lines(&old, &new)
        .iter_all_changes()
        .map(|c| Line {
            change: match c.tag() {
                ChangeTag::Equal => "same",
                ChangeTag::Delete => "removed",
                ChangeTag::Insert => "added",
            },
            text: c.value().trim_end_matches(['\n', '\r']).to_owned(),
        })
        .collect();
    let near_change = |i: usize| {
        let from = i.saturating_sub(CONTEXT);
        let to = (i + CONTEXT).min(all.len().saturating_sub(1));
        (from..=to).any(|j| all[j].change != "same")
    };
    let mut out = Vec::new();
    for (i, line) in all.iter().enumerate() {
        if line.change != "same" || near_change(i) {
            out.push(line.clone());
        } else if out.last().is_none_or(|l: &Line| l.change != "gap") {
            out.push(Line {
                change: "gap",
                text: String::new(),
            });
        }
    }
    out
}

/// The text of sanitized body HTML, one paragraph (block) per line, as
/// readers read it: tags dropped, entities decoded.
pub fn paragraphs(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        text.push_str(&rest[..at]);
        let end = rest[at..].find('>').map_or(rest.len(), |e| at + e + 1);
        let tag = rest[at + 1..end.saturating_sub(1).max(at + 1)].to_ascii_lowercase();
        let name = tag.trim_start_matches('/');
        let name = name
            .split([' ', '/', '\n', '\t'])
            .next()
            .unwrap_or_default();
        if matches!(
            name,
            "p" | "br"
                | "li"
                | "h1"
                | "h2"
                | "h3"
                | "h4"
                | "h5"
                | "h6"
                | "blockquote"
                | "pre"
                | "tr"
                | "figcaption"
                | "div"
        ) {
            text.push('\n');
        }
        rest = &rest[end..];
    }
    text.push_str(rest);
    let decoded = text
        .replace("&nbsp;", " ")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    decoded
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests;
