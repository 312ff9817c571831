//! Autosaves and presence: what a person's open editor holds (one row per
//! person and draft) and who has which editor open. Both are one statement
//! each, outside the changes feed: neither is content readers see, and a
//! heartbeat every few seconds must not wake every node's consumers or wait
//! on the writers' lock.

use super::{Result, Store, with_db};

/// A stored autosave.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AutosaveRow {
    pub user_id: i64,
    /// `story:42`, or `story:new` for a story never saved yet.
    pub draft: String,
    /// The revision the editor was opened at (0 for a new story).
    pub based_on: i64,
    /// The whole form, as JSON.
    pub form: String,
    pub saved_at: i64,
}

/// Someone with a draft's editor open.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PresenceRow {
    pub user_id: i64,
    pub name: String,
    pub since: i64,
    pub last_seen: i64,
}

impl Store {
    /// Stores `row` as its person's autosave of its draft, replacing theirs.
    pub async fn put_autosave(&self, row: &AutosaveRow) -> Result<()> {
        with_db!(self, pool => sqlx::query(
            "INSERT INTO autosaves (user_id, draft, based_on, form, saved_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (user_id, draft) DO UPDATE SET based_on = excluded.based_on, \
             form = excluded.form, saved_at = excluded.saved_at",
        )
        .bind(row.user_id).bind(&row.draft).bind(row.based_on).bind(&row.form).bind(row.saved_at)
        .execute(pool).await?.rows_affected());
        Ok(())
    }

    /// The autosave of `draft` by `user_id`, if any.
    pub async fn autosave(&self, user_id: i64, draft: &str) -> Result<Option<AutosaveRow>> {
        Ok(with_db!(self, pool => sqlx::query_as(
            "SELECT user_id, draft, based_on, form, saved_at FROM autosaves WHERE user_id = $1 AND draft = $2",
        )
        .bind(user_id).bind(draft).fetch_optional(pool).await?))
    }

    /// Deletes the autosave of `draft` by `user_id`; whether there was one.
    pub async fn delete_autosave(&self, user_id: i64, draft: &str) -> Result<bool> {
        let done = with_db!(self, pool => sqlx::query(
            "DELETE FROM autosaves WHERE user_id = $1 AND draft = $2",
        )
        .bind(user_id).bind(draft).execute(pool).await?.rows_affected());
        Ok(done > 0)
    }

    /// Records that `user_id` has `draft` open at `now`: since `now` when
    /// they were not seen after `gone_before`, else since when they were.
    pub async fn heartbeat(
        &self,
        user_id: i64,
        draft: &str,
        now: i64,
        gone_before: i64,
    ) -> Result<()> {
        with_db!(self, pool => sqlx::query(
            "INSERT INTO presence (user_id, draft, since, last_seen) VALUES ($1, $2, $3, $3) \
             ON CONFLICT (user_id, draft) DO UPDATE SET last_seen = excluded.last_seen, \
             since = CASE WHEN presence.last_seen < $4 THEN excluded.since ELSE presence.since END",
        )
        .bind(user_id).bind(draft).bind(now).bind(gone_before)
        .execute(pool).await?.rows_affected());
        Ok(())
    }

    /// Records that `user_id` closed `draft`'s editor.
    pub async fn leave(&self, user_id: i64, draft: &str) -> Result<()> {
        with_db!(self, pool => sqlx::query("DELETE FROM presence WHERE user_id = $1 AND draft = $2")
            .bind(user_id).bind(draft).execute(pool).await?.rows_affected());
        Ok(())
    }

    /// Who was seen with `draft` open at or after `seen_since`, earliest
    /// first, with their names.
    pub async fn present(&self, draft: &str, seen_since: i64) -> Result<Vec<PresenceRow>> {
        Ok(with_db!(self, pool => sqlx::query_as(
            "SELECT p.user_id, u.name, p.since, p.last_seen FROM presence p \
             JOIN users u ON u.id = p.user_id \
             WHERE p.draft = $1 AND p.last_seen >= $2 ORDER BY p.since, p.user_id",
        )
        .bind(draft).bind(seen_since).fetch_all(pool).await?))
    }
}
