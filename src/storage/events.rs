//! The changes feed: an append-only `events` table with strictly increasing
//! ids. Every write appends its events inside its own transaction, so a
//! consumer that keeps a cursor (page cache, search index, webhooks) sees
//! every change exactly once, even across restarts.

use super::{Result, Store, with_db};

/// An event to append. `tags` name what the change touches, as the page
/// cache and a CDN understand them (`article:42`, `section:world`, `home`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    pub kind: String,
    pub subject: String,
    pub tags: Vec<String>,
    pub payload: serde_json::Value,
}

impl NewEvent {
    /// `events` with `{id}` in their subject and tags replaced by `id`, for
    /// events prepared before the row they describe had its id.
    pub(super) fn with_id(events: &[NewEvent], id: i64) -> Vec<NewEvent> {
        let id = id.to_string();
        events
            .iter()
            .map(|e| NewEvent {
                subject: e.subject.replace("{id}", &id),
                tags: e.tags.iter().map(|t| t.replace("{id}", &id)).collect(),
                ..e.clone()
            })
            .collect()
    }
}

/// One event of the feed as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct EventRow {
    pub id: i64,
    pub created_at: i64,
    pub kind: String,
    pub subject: String,
    pub tags: String,
    pub payload: String,
}

impl EventRow {
    /// The tags of this event.
    pub fn tag_list(&self) -> Vec<String> {
        serde_json::from_str(&self.tags).unwrap_or_default()
    }
}

impl Store {
    /// Events after `after_id`, oldest first, at most `limit`.
    pub async fn events_after(&self, after_id: i64, limit: i64) -> Result<Vec<EventRow>> {
        Ok(with_db!(self, pool => sqlx::query_as(
            "SELECT id, created_at, kind, subject, tags, payload FROM events WHERE id > $1 ORDER BY id LIMIT $2")
            .bind(after_id).bind(limit).fetch_all(pool).await?))
    }

    /// The id of the newest event, or 0 when the feed is empty.
    pub async fn last_event_id(&self) -> Result<i64> {
        Ok(with_db!(self, pool => sqlx::query_scalar::<_, Option<i64>>("SELECT MAX(id) FROM events")
            .fetch_one(pool).await?)
        .unwrap_or(0))
    }
}
