//! Autosaves and presence (issue 13): what a person's open editor held a few
//! seconds ago, kept in the database per person and draft so a closed tab or
//! a crashed laptop loses nothing; and who has a story's editor open, from
//! heartbeats, so every node of a cluster sees every editor. An autosave is
//! never a revision: a real save deletes it.

use std::collections::BTreeMap;

use crate::articles::limits::{self, LimitError};
use crate::storage::{AutosaveRow, PresenceRow, StorageError, Store};

/// How often an open editor says it is still there, in seconds.
pub const HEARTBEAT_SECONDS: i64 = 5;
/// An editor not heard from for this long has left (a closed laptop).
pub const GONE_AFTER_SECONDS: i64 = 4 * HEARTBEAT_SECONDS;
/// Longest value of a field other than the body, in bytes.
pub const FIELD_BYTES: usize = 64 * 1024;
/// Most fields one autosave keeps.
pub const MAX_FIELDS: usize = 64;

/// Which editor an autosave or a presence belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Draft {
    /// A story never saved yet (one per person: reopening "new story"
    /// offers it).
    NewStory,
    Story(i64),
}

impl Draft {
    /// The key the database keeps.
    pub fn key(self) -> String {
        match self {
            Draft::NewStory => "story:new".into(),
            Draft::Story(id) => format!("story:{id}"),
        }
    }
}

/// An editor's form as autosaved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Autosave {
    /// The revision the editor was opened at (0 for a new story).
    pub based_on: i64,
    /// Every field of the form by name, as typed.
    pub fields: BTreeMap<String, String>,
    pub saved_at: i64,
}

/// Why an autosave was not kept.
#[derive(Debug, thiserror::Error)]
pub enum AutosaveError {
    #[error("not autosaved: {0}")]
    TooLarge(#[from] LimitError),
    #[error("not autosaved: the field {field} is {length} bytes; the limit is {limit} bytes")]
    FieldTooLarge {
        field: String,
        length: usize,
        limit: usize,
    },
    #[error("not autosaved: the form has {count} fields; the limit is {limit}")]
    TooManyFields { count: usize, limit: usize },
    #[error("the autosave of {draft} is unreadable: {reason}")]
    Corrupt { draft: String, reason: String },
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Checks a form against the limits a save has: the body's size, and a
/// generous bound on every other field and on their number (the nesting of
/// the body is checked when it is rendered or saved, not here: an autosave
/// keeps what was typed).
pub fn check(fields: &BTreeMap<String, String>) -> Result<(), AutosaveError> {
    if fields.len() > MAX_FIELDS {
        return Err(AutosaveError::TooManyFields {
            count: fields.len(),
            limit: MAX_FIELDS,
        });
    }
    for (name, value) in fields {
        if name == "body" {
            if value.len() > limits::BODY_BYTES {
                return Err(LimitError::BodyTooLarge {
                    length: value.len(),
                    limit: limits::BODY_BYTES,
                }
                .into());
            }
        } else if value.len() > FIELD_BYTES || name.len() > 100 {
            return Err(AutosaveError::FieldTooLarge {
                field: name.chars().take(100).collect(),
                length: value.len(),
                limit: FIELD_BYTES,
            });
        }
    }
    Ok(())
}

/// Keeps `fields` as `user_id`'s autosave of `draft`, replacing the last.
pub async fn keep(
    store: &Store,
    user_id: i64,
    draft: Draft,
    based_on: i64,
    fields: &BTreeMap<String, String>,
    now: i64,
) -> Result<Autosave, AutosaveError> {
    check(fields)?;
    let form = serde_json::to_string(fields).map_err(|e| AutosaveError::Corrupt {
        draft: draft.key(),
        reason: e.to_string(),
    })?;
    store
        .put_autosave(&AutosaveRow {
            user_id,
            draft: draft.key(),
            based_on,
            form,
            saved_at: now,
        })
        .await?;
    Ok(Autosave {
        based_on,
        fields: fields.clone(),
        saved_at: now,
    })
}

/// `user_id`'s autosave of `draft`, if any (never anyone else's).
pub async fn find(
    store: &Store,
    user_id: i64,
    draft: Draft,
) -> Result<Option<Autosave>, AutosaveError> {
    let Some(row) = store.autosave(user_id, &draft.key()).await? else {
        return Ok(None);
    };
    let fields = serde_json::from_str(&row.form).map_err(|e| AutosaveError::Corrupt {
        draft: row.draft.clone(),
        reason: e.to_string(),
    })?;
    Ok(Some(Autosave {
        based_on: row.based_on,
        fields,
        saved_at: row.saved_at,
    }))
}

/// Deletes `user_id`'s autosave of `draft` (after a real save, or when they
/// discard it); whether there was one.
pub async fn discard(store: &Store, user_id: i64, draft: Draft) -> Result<bool, StorageError> {
    store.delete_autosave(user_id, &draft.key()).await
}

/// Someone else with the same editor open.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Editing {
    pub user_id: i64,
    pub name: String,
    /// Unix seconds.
    pub since: i64,
}

/// Records a heartbeat of `user_id` in `draft`'s editor and answers who
/// else has it open.
pub async fn heartbeat(
    store: &Store,
    user_id: i64,
    draft: Draft,
    now: i64,
) -> Result<Vec<Editing>, StorageError> {
    store
        .heartbeat(user_id, &draft.key(), now, now - GONE_AFTER_SECONDS)
        .await?;
    others(store, user_id, draft, now).await
}

/// Who besides `user_id` has `draft`'s editor open.
pub async fn others(
    store: &Store,
    user_id: i64,
    draft: Draft,
    now: i64,
) -> Result<Vec<Editing>, StorageError> {
    let rows = store
        .present(&draft.key(), now - GONE_AFTER_SECONDS)
        .await?;
    Ok(rows
        .into_iter()
        .filter(|r: &PresenceRow| r.user_id != user_id)
        .map(|r| Editing {
            user_id: r.user_id,
            name: r.name,
            since: r.since,
        })
        .collect())
}

/// Records that `user_id` closed `draft`'s editor.
pub async fn leave(store: &Store, user_id: i64, draft: Draft) -> Result<(), StorageError> {
    store.leave(user_id, &draft.key()).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_over_the_save_limit_is_refused_naming_the_body() {
        let mut fields = BTreeMap::new();
        fields.insert("body".to_owned(), "x".repeat(limits::BODY_BYTES + 1));
        let error = check(&fields).unwrap_err().to_string();
        assert!(error.contains("body"), "{error}");
    }

    #[test]
    fn another_field_over_its_limit_is_refused_by_name() {
        let mut fields = BTreeMap::new();
        fields.insert("headline".to_owned(), "x".repeat(FIELD_BYTES + 1));
        let error = check(&fields).unwrap_err().to_string();
        assert!(error.contains("headline"), "{error}");
    }

    #[test]
    fn drafts_have_distinct_keys() {
        assert_eq!(Draft::Story(42).key(), "story:42");
        assert_ne!(Draft::NewStory.key(), Draft::Story(0).key());
    }
}
