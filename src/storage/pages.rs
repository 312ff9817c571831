//! Standalone pages and the site menu: the page rows with their revisions,
//! and the ordered menu links. A save writes the page, its revision, the
//! redirect a change of address leaves behind, the event and the audit entry
//! in one transaction; a save based on an older revision than the stored one
//! is refused with nothing written.

use super::audit::NewAuditEntry;
use super::backend::Backend;
use super::events::NewEvent;
use super::{Result, StorageError, Store, in_transaction, with_db};

/// A page as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize, serde::Deserialize)]
pub struct PageRow {
    pub id: i64,
    pub path: String,
    pub parent_id: Option<i64>,
    pub title: String,
    pub description: String,
    pub body_source: String,
    pub body_format: String,
    pub body_html: String,
    /// `None`: the site's language.
    pub language: Option<String>,
    /// Kept fields as JSON (see `articles::fields`).
    pub fields: String,
    pub status: String,
    pub first_published_at: Option<i64>,
    pub modified_at: i64,
    pub created_at: i64,
    pub revision: i64,
}

/// What an editor sets on a page; a revision's snapshot is this as JSON.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PageFields {
    pub path: String,
    pub parent_id: Option<i64>,
    pub title: String,
    pub description: String,
    pub body_source: String,
    pub body_format: String,
    pub body_html: String,
    pub language: Option<String>,
    pub fields: String,
    pub status: String,
}

/// One revision of a page.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct PageRevisionRow {
    pub id: i64,
    pub page_id: i64,
    pub number: i64,
    pub author: String,
    pub message: String,
    pub created_at: i64,
    pub snapshot: String,
}

/// A save of a page: the fields, the revision it was based on (`None` for
/// a new page), and who saved it with what message.
#[derive(Debug, Clone)]
pub struct PageSave<'a> {
    pub fields: &'a PageFields,
    pub base_revision: Option<i64>,
    pub author: &'a str,
    pub message: &'a str,
}

/// A link of the site menu as stored, with the page it points at joined in.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct MenuItemRow {
    pub position: i64,
    pub label: String,
    pub page_id: Option<i64>,
    pub href: Option<String>,
    pub page_path: Option<String>,
    pub page_status: Option<String>,
}

/// A link of the site menu to store: a page (followed when it moves) or
/// an address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMenuItem {
    pub label: String,
    pub page_id: Option<i64>,
    pub href: Option<String>,
}

const SELECT: &str = "SELECT id, path, parent_id, title, description, body_source, body_format, \
     body_html, language, fields, status, first_published_at, modified_at, created_at, revision FROM pages";

const MENU_SELECT: &str = "SELECT m.position, m.label, m.page_id, m.href, p.path AS page_path, \
     p.status AS page_status FROM menu_items m LEFT JOIN pages p ON p.id = m.page_id";

/// The cache tag of a page.
pub(super) fn page_tag(id: i64) -> String {
    format!("page:{id}")
}

impl Store {
    /// Every page, by path.
    pub async fn pages(&self) -> Result<Vec<PageRow>> {
        let sql = format!("{SELECT} ORDER BY path");
        Ok(with_db!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await?))
    }

    /// The page with this id.
    pub async fn page(&self, id: i64) -> Result<Option<PageRow>> {
        let sql = format!("{SELECT} WHERE id = $1");
        Ok(
            with_db!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id).fetch_optional(pool).await?),
        )
    }

    /// The page at `path`, in any status.
    pub async fn page_at(&self, path: &str) -> Result<Option<PageRow>> {
        let sql = format!("{SELECT} WHERE path = $1");
        Ok(
            with_db!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(path).fetch_optional(pool).await?),
        )
    }

    /// The published pages under `parent`, by title.
    pub async fn published_children(&self, parent: i64) -> Result<Vec<PageRow>> {
        let sql =
            format!("{SELECT} WHERE parent_id = $1 AND status = 'published' ORDER BY title, id");
        Ok(
            with_db!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(parent).fetch_all(pool).await?),
        )
    }

    /// The paths and last changes of the published pages, by path (the
    /// sitemap's).
    pub async fn published_pages(&self) -> Result<Vec<(String, i64)>> {
        Ok(with_db!(self, pool => sqlx::query_as(
            "SELECT path, modified_at FROM pages WHERE status = 'published' ORDER BY path")
            .fetch_all(pool).await?))
    }

    /// A page's revisions, newest first.
    pub async fn page_revisions(&self, page_id: i64) -> Result<Vec<PageRevisionRow>> {
        Ok(with_db!(self, pool => sqlx::query_as(
            "SELECT id, page_id, number, author, message, created_at, snapshot FROM page_revisions \
             WHERE page_id = $1 ORDER BY number DESC")
            .bind(page_id).fetch_all(pool).await?))
    }

    /// Revision `number` of a page.
    pub async fn page_revision(
        &self,
        page_id: i64,
        number: i64,
    ) -> Result<Option<PageRevisionRow>> {
        Ok(with_db!(self, pool => sqlx::query_as(
            "SELECT id, page_id, number, author, message, created_at, snapshot FROM page_revisions \
             WHERE page_id = $1 AND number = $2")
            .bind(page_id).bind(number).fetch_optional(pool).await?))
    }

    /// Creates (`id` `None`) or saves page `id` with its revision, the
    /// redirect a change of address leaves, the event and the audit entry
    /// `audit` makes of (before, after), in one transaction. Refused
    /// (`Refused`, nothing written) when the save is based on an older
    /// revision than the stored one, when the path belongs to something else
    /// (named), and when the parent would make a loop. `None` when page `id`
    /// does not exist.
    pub async fn save_page(
        &self,
        id: Option<i64>,
        save: &PageSave<'_>,
        now: i64,
        audit: impl FnOnce(Option<&PageRow>, &PageRow) -> NewAuditEntry,
    ) -> Result<Option<PageRow>> {
        in_transaction!(self, tx => {
            let Some((before, after)) = write_page(&mut tx, id, save, now).await? else {
                return Ok(None);
            };
            Backend::insert_audit(&mut tx, now, &[audit(before.as_ref(), &after)]).await?;
            Ok::<Option<PageRow>, StorageError>(Some(after))
        })
    }

    /// The site menu, in order.
    pub async fn menu_items(&self) -> Result<Vec<MenuItemRow>> {
        let sql = format!("{MENU_SELECT} ORDER BY m.position");
        Ok(with_db!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await?))
    }

    /// What lives at `path`, named for an editor, if anything does.
    pub async fn path_owner(&self, path: &str) -> Result<Option<String>> {
        Ok(with_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let found = Backend::path_owner(&mut tx, path).await?;
            tx.rollback().await?;
            found
        }))
    }

    /// Replaces the site menu by `items` (in order) with the audit entry, in
    /// one transaction.
    pub async fn replace_menu(
        &self,
        items: &[NewMenuItem],
        now: i64,
        audit: &NewAuditEntry,
    ) -> Result<Vec<MenuItemRow>> {
        in_transaction!(self, tx => {
            sqlx::query("DELETE FROM menu_items").execute(&mut *tx).await?;
            for (position, item) in (1_i64..).zip(items) {
                sqlx::query("INSERT INTO menu_items (position, label, page_id, href) VALUES ($1, $2, $3, $4)")
                    .bind(position).bind(&item.label).bind(item.page_id).bind(item.href.as_deref())
                    .execute(&mut *tx).await?;
            }
            let event = NewEvent {
                kind: "menu.updated".into(),
                subject: "menu".into(),
                tags: vec!["menu".into()],
                payload: serde_json::json!({ "links": items.len() }),
            };
            Backend::insert_events(&mut tx, now, &[event]).await?;
            Backend::insert_audit(&mut tx, now, std::slice::from_ref(audit)).await?;
            let sql = format!("{MENU_SELECT} ORDER BY m.position");
            let rows: Vec<MenuItemRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(&mut *tx).await?;
            Ok::<Vec<MenuItemRow>, StorageError>(rows)
        })
    }
}

/// Creates (`id` `None`) or saves page `id` with its revision, the redirect
/// a change of address leaves and the event, inside an open transaction
/// (see `Store::save_page`). Returns the page before and after; `None` when
/// page `id` does not exist.
pub(super) async fn write_page<DB: Backend>(
    tx: &mut sqlx::Transaction<'_, DB>,
    id: Option<i64>,
    save: &PageSave<'_>,
    now: i64,
) -> Result<Option<(Option<PageRow>, PageRow)>>
where
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    i64: sqlx::Type<DB> + for<'q> sqlx::Encode<'q, DB> + for<'r> sqlx::Decode<'r, DB>,
    Option<i64>: for<'q> sqlx::Encode<'q, DB>,
    String: sqlx::Type<DB> + for<'q> sqlx::Encode<'q, DB> + for<'r> sqlx::Decode<'r, DB>,
    Option<String>: for<'q> sqlx::Encode<'q, DB>,
    str: sqlx::Type<DB>,
    for<'s, 'q> &'s str: sqlx::Encode<'q, DB>,
    usize: sqlx::ColumnIndex<DB::Row>,
    PageRow: for<'r> sqlx::FromRow<'r, DB::Row>,
{
    let fields = save.fields;
    let snapshot = serde_json::to_string(fields).expect("page fields serialize");

    let sql = format!("{SELECT} WHERE id = $1");
    let before: Option<PageRow> = match id {
        Some(id) => {
            let row: Option<PageRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                .bind(id)
                .fetch_optional(&mut **tx)
                .await?;
            let Some(row) = row else { return Ok(None) };
            if save.base_revision != Some(row.revision) {
                return Err(StorageError::Refused(format!(
                    "this page was saved by someone else since you opened it (it is at revision {}, you started from {}); your text is kept below: copy what you need, then reload the page",
                    row.revision,
                    save.base_revision
                        .map_or_else(|| "none".to_owned(), |n| n.to_string())
                )));
            }
            Some(row)
        }
        None => None,
    };
    let moved = before.as_ref().is_none_or(|b| b.path != fields.path);
    if moved {
        DB::refuse_page_path(tx, &fields.path, before.as_ref().map(|b| b.path.as_str())).await?;
    }
    if let Some(parent) = fields.parent_id {
        // A new page has no id yet, so no loop: only the parent's
        // existence is checked.
        DB::refuse_page_loop(tx, id.unwrap_or(0), parent).await?;
    }
    let published = fields.status == "published";
    let first_published = match &before {
        Some(b) => b.first_published_at.or(published.then_some(now)),
        None => published.then_some(now),
    };
    let revision = before.as_ref().map_or(1, |b| b.revision + 1);
    let page_id: i64 = match &before {
                Some(b) => {
                    sqlx::query(
                        "UPDATE pages SET path = $1, parent_id = $2, title = $3, description = $4, body_source = $5, \
                         body_format = $6, body_html = $7, language = $8, fields = $9, status = $10, \
                         first_published_at = $11, modified_at = $12, revision = $13 WHERE id = $14")
                        .bind(&fields.path).bind(fields.parent_id).bind(&fields.title).bind(&fields.description)
                        .bind(&fields.body_source).bind(&fields.body_format).bind(&fields.body_html)
                        .bind(&fields.language).bind(&fields.fields).bind(&fields.status)
                        .bind(first_published).bind(now).bind(revision).bind(b.id)
                        .execute(&mut **tx).await?;
                    b.id
                }
                None => sqlx::query_scalar(
                    "INSERT INTO pages (path, parent_id, title, description, body_source, body_format, body_html, \
                     language, fields, status, first_published_at, modified_at, created_at, revision) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13) RETURNING id")
                    .bind(&fields.path).bind(fields.parent_id).bind(&fields.title).bind(&fields.description)
                    .bind(&fields.body_source).bind(&fields.body_format).bind(&fields.body_html)
                    .bind(&fields.language).bind(&fields.fields).bind(&fields.status)
                    .bind(first_published).bind(now).bind(revision)
                    .fetch_one(&mut **tx).await?,
            };
    if let Some(before) = before.as_ref().filter(|b| b.path != fields.path) {
        // The old address answers with a 301 to the new one, and
        // redirects that led to the old one now lead straight here.
        sqlx::query("UPDATE redirects SET target_path = $1 WHERE target_path = $2")
            .bind(&fields.path)
            .bind(&before.path)
            .execute(&mut **tx)
            .await?;
        sqlx::query(
            "INSERT INTO redirects (old_path, target_path, created_at) VALUES ($1, $2, $3)",
        )
        .bind(&before.path)
        .bind(&fields.path)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    sqlx::query(
        "INSERT INTO page_revisions (page_id, number, author, message, created_at, snapshot) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(page_id)
    .bind(revision)
    .bind(save.author)
    .bind(save.message)
    .bind(now)
    .bind(&snapshot)
    .execute(&mut **tx)
    .await?;
    let after: PageRow = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(page_id)
        .fetch_one(&mut **tx)
        .await?;
    let mut tags = vec!["pages".to_owned(), page_tag(page_id)];
    // A parent lists its published children: old and new parents.
    for parent in [before.as_ref().and_then(|b| b.parent_id), after.parent_id]
        .into_iter()
        .flatten()
    {
        tags.push(page_tag(parent));
    }
    let in_menu: Option<i64> =
        sqlx::query_scalar("SELECT position FROM menu_items WHERE page_id = $1 LIMIT 1")
            .bind(page_id)
            .fetch_optional(&mut **tx)
            .await?;
    if in_menu.is_some() {
        tags.push("menu".to_owned());
    }
    let event = NewEvent {
        kind: if before.is_some() {
            "page.updated"
        } else {
            "page.created"
        }
        .into(),
        subject: page_tag(page_id),
        tags,
        payload: serde_json::json!({
            "id": page_id, "path": after.path, "status": after.status, "revision": after.revision,
            "old_path": before.as_ref().map(|b| b.path.clone()),
        }),
    };
    DB::insert_events(tx, now, &[event]).await?;
    Ok(Some((before, after)))
}
