//! Sections. Every change writes its audit entry in its own transaction, so
//! a change and its record commit together or not at all.

use super::audit::NewAuditEntry;
use super::backend::Backend;
use super::events::NewEvent;
use super::{Result, StorageError, Store, in_transaction, with_db};

/// A section as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct SectionRow {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub position: i64,
}

impl Store {
    /// Every section in display order.
    pub async fn sections(&self) -> Result<Vec<SectionRow>> {
        Ok(with_db!(self, pool => sqlx::query_as(
            "SELECT id, slug, name, position FROM sections ORDER BY position, id")
            .fetch_all(pool).await?))
    }

    /// The section with this slug.
    pub async fn section_by_slug(&self, slug: &str) -> Result<Option<SectionRow>> {
        Ok(with_db!(self, pool => sqlx::query_as(
            "SELECT id, slug, name, position FROM sections WHERE slug = $1")
            .bind(slug).fetch_optional(pool).await?))
    }

    /// Creates a section last in order, with the audit entry `audit` makes
    /// of the new row, in one transaction; a taken slug is a conflict.
    pub async fn create_section(
        &self,
        slug: &str,
        name: &str,
        now: i64,
        audit: impl FnOnce(&SectionRow) -> NewAuditEntry,
    ) -> Result<SectionRow> {
        in_transaction!(self, tx => {
            let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM sections WHERE slug = $1")
                .bind(slug).fetch_optional(&mut *tx).await?;
            if taken.is_some() {
                return Err(StorageError::Conflict(format!("a section with the address /{slug}")));
            }
            let id = Backend::ensure_section(&mut tx, slug, name, now).await?;
            let section: SectionRow = sqlx::query_as("SELECT id, slug, name, position FROM sections WHERE id = $1")
                .bind(id).fetch_one(&mut *tx).await?;
            Backend::insert_audit(&mut tx, now, &[audit(&section)]).await?;
            Ok::<SectionRow, StorageError>(section)
        })
    }
}

impl Store {
    /// Renames a section (its address stays), with the audit entry `audit`
    /// makes of the renamed row, in one transaction; `None` (and no entry)
    /// when it does not exist.
    pub async fn rename_section(
        &self,
        id: i64,
        name: &str,
        now: i64,
        audit: impl FnOnce(&SectionRow) -> NewAuditEntry,
    ) -> Result<Option<SectionRow>> {
        in_transaction!(self, tx => {
            let section: Option<SectionRow> = sqlx::query_as(
                "UPDATE sections SET name = $1, updated_at = $2 WHERE id = $3 RETURNING id, slug, name, position")
                .bind(name).bind(now).bind(id).fetch_optional(&mut *tx).await?;
            if let Some(s) = &section {
                let event = NewEvent {
                    kind: "section.renamed".into(),
                    subject: format!("section:{}", s.slug),
                    tags: vec!["sections".into(), "home".into(), format!("section:{}", s.slug)],
                    payload: serde_json::json!({ "id": s.id, "slug": s.slug, "name": s.name }),
                };
                Backend::insert_events(&mut tx, now, &[event]).await?;
                Backend::insert_audit(&mut tx, now, &[audit(s)]).await?;
            }
            Ok::<Option<SectionRow>, StorageError>(section)
        })
    }

    /// Swaps a section with its neighbour before (`up`) or after it in
    /// display order, with the audit entry `audit`, in one transaction;
    /// `false` (and no entry) when it does not exist or is already at that end.
    pub async fn move_section(
        &self,
        id: i64,
        up: bool,
        now: i64,
        audit: &NewAuditEntry,
    ) -> Result<bool> {
        in_transaction!(self, tx => {
            let order: Vec<(i64, i64)> = sqlx::query_as("SELECT id, position FROM sections ORDER BY position, id")
                .fetch_all(&mut *tx).await?;
            let Some(at) = order.iter().position(|(i, _)| *i == id) else {
                return Ok(false);
            };
            let other = if up { at.checked_sub(1) } else { Some(at + 1).filter(|o| *o < order.len()) };
            let Some(other) = other else {
                return Ok(false);
            };
            // Renumber everything 1..n in the new order, so equal positions
            // left by older data cannot make the swap a no-op.
            let mut ids: Vec<i64> = order.iter().map(|(i, _)| *i).collect();
            ids.swap(at, other);
            for (n, section_id) in ids.iter().enumerate() {
                sqlx::query("UPDATE sections SET position = $1, updated_at = $2 WHERE id = $3")
                    .bind(n as i64 + 1).bind(now).bind(section_id).execute(&mut *tx).await?;
            }
            let event = NewEvent {
                kind: "section.reordered".into(),
                subject: "sections".into(),
                tags: vec!["sections".into(), "home".into()],
                payload: serde_json::json!({ "order": ids }),
            };
            Backend::insert_events(&mut tx, now, &[event]).await?;
            Backend::insert_audit(&mut tx, now, std::slice::from_ref(audit)).await?;
            Ok::<bool, StorageError>(true)
        })
    }
}
