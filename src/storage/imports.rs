//! Imports' writes: the ledger (`import_ledger`: which source item became
//! which row, with the digest of the source item) and the item writes of the
//! importers. Each item write runs atomically with its ledger row (in a
//! transaction of its own here, or in a savepoint of an import batch, see
//! `storage::import_batches`), so an import killed at any moment leaves
//! every item either wholly stored and recorded, or not at all, and a re-run
//! picks up exactly where it stopped. Stories go through the same statements the editor's saves use
//! (revisions, events with their cache tags, topic and people filing, the
//! search index's triggers), so pages, feeds and search are right the
//! moment a write commits.

use sqlx::Transaction;

use super::articles::ArticleRow;
use super::backend::Backend;
use super::events::NewEvent;
use super::media::MediaRow;
use super::pages::{PageFields, PageSave, write_page};
use super::{Result, StorageError, Store, in_transaction, with_db};

/// One item of an import source: `source` names the site (`wordpress:<site
/// url>`, `drupal7:<database>`), `kind` what the item is there (`post`,
/// `attachment`, `comment`, `category`, `author`, `node`...), `source_id`
/// its id in the source.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LedgerKey {
    pub source: String,
    pub kind: String,
    pub source_id: String,
}

impl LedgerKey {
    pub fn new(source: &str, kind: &str, source_id: &str) -> LedgerKey {
        LedgerKey {
            source: source.to_owned(),
            kind: kind.to_owned(),
            source_id: source_id.to_owned(),
        }
    }
}

/// A ledger row: what a source item became, and the digest of the item as
/// it was when stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LedgerRow {
    pub source: String,
    pub kind: String,
    pub source_id: String,
    /// `article`, `media`, `comment`, `topic`, `section`, `person`, `user`...
    pub target_kind: String,
    pub target_id: i64,
    pub digest: String,
    pub imported_at: i64,
    pub updated_at: i64,
}

/// The revision an imported story's write records.
#[derive(Debug, Clone)]
pub struct ImportRevision {
    pub author: String,
    pub message: String,
    pub snapshot: String,
}

/// A story to store with its ledger row: inserted (`expected_revision`
/// `None`) or saved over `expected_revision` of story `row.id`.
#[derive(Debug, Clone)]
pub struct ImportedStory {
    pub key: LedgerKey,
    pub digest: String,
    pub row: ArticleRow,
    pub expected_revision: Option<i64>,
    pub revision: ImportRevision,
    /// The write's events; on an insert `{id}` becomes the new id.
    pub events: Vec<NewEvent>,
    /// Old addresses (`/2016/07/hello-world/`) that answer 301 to the story.
    pub old_paths: Vec<String>,
    /// The story's comments, each with its own ledger row, in an order where
    /// a parent comes before its replies or not at all.
    pub comments: Vec<ImportedComment>,
}

/// A comment of an imported story. `parent` is the ledger key of the comment
/// it replies to.
#[derive(Debug, Clone)]
pub struct ImportedComment {
    pub key: LedgerKey,
    pub digest: String,
    pub parent: Option<LedgerKey>,
    pub author_name: String,
    pub author_email: String,
    pub author_url: Option<String>,
    pub body: String,
    /// `approved`, `pending`, `spam` or `deleted`.
    pub status: String,
    /// `comment`, `pingback` or `trackback`.
    pub kind: String,
    pub address: Option<String>,
    pub created_at: i64,
}

/// A topic to store with its ledger row; `parent` is the ledger key of its
/// parent topic, which must be stored first (else the topic is top-level).
#[derive(Debug, Clone)]
pub struct ImportedTopic {
    pub key: LedgerKey,
    pub digest: String,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub parent: Option<LedgerKey>,
}

/// A person (and optionally an account with a one-time set-password token)
/// to store with its ledger row.
#[derive(Debug, Clone)]
pub struct ImportedPerson {
    pub key: LedgerKey,
    pub digest: String,
    pub slug: String,
    pub name: String,
    pub bio: String,
    pub account: Option<ImportedAccount>,
}

/// An account an import creates for a person, without a password.
#[derive(Debug, Clone)]
pub struct ImportedAccount {
    pub email: String,
    /// `admin`, `editor` or `writer`.
    pub role: String,
    /// The hash of a set-password token to store with a new account.
    pub token_hash: String,
    pub token_expires_at: i64,
    /// `Some(hash)` keeps a password hash the source had (Drupal's).
    pub password_hash: Option<String>,
}

/// A page to store with its ledger row; `parent` is the ledger key of its
/// parent page, stored first (else the page is top-level). `fields.parent_id`
/// is set from it.
#[derive(Debug, Clone)]
pub struct ImportedPage {
    pub key: LedgerKey,
    pub digest: String,
    pub fields: PageFields,
    pub parent: Option<LedgerKey>,
    /// Old addresses (`/?page_id=2`, `/about-us/`) that answer 301.
    pub old_paths: Vec<String>,
    pub message: String,
}

/// What storing a person did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPerson {
    pub person_id: i64,
    /// The account linked to the person, and whether this write created it
    /// (only then is the set-password token valid).
    pub account: Option<(i64, bool)>,
}

impl Store {
    /// Every ledger row of `source`.
    pub async fn ledger(&self, source: &str) -> Result<Vec<LedgerRow>> {
        Ok(with_db!(self, pool => sqlx::query_as(
            "SELECT source, kind, source_id, target_kind, target_id, digest, imported_at, updated_at \
             FROM import_ledger WHERE source = $1 ORDER BY kind, source_id")
            .bind(source).fetch_all(pool).await?))
    }

    /// Records `key` as having become `target_kind` `target_id`, alone (for
    /// an item whose write happened in an earlier transaction of its own).
    pub async fn put_ledger(
        &self,
        key: &LedgerKey,
        target_kind: &str,
        target_id: i64,
        digest: &str,
        now: i64,
    ) -> Result<()> {
        in_transaction!(self, tx => {
            Backend::ledger_put(&mut tx, key, target_kind, target_id, digest, now).await?;
            Ok::<(), StorageError>(())
        })
    }

    /// Makes sure section `slug` exists (named `name` when created) and
    /// records it for `key`, in one transaction; returns its id.
    pub async fn import_section(
        &self,
        key: &LedgerKey,
        digest: &str,
        slug: &str,
        name: &str,
        now: i64,
    ) -> Result<i64> {
        let mut batch = self.import_batch();
        let id = batch.section(key, digest, slug, name, now).await?;
        batch.commit().await?;
        Ok(id)
    }

    /// Stores a topic with its ledger row: the topic the ledger names is
    /// updated, else a topic of that slug is taken over, else one is made.
    pub async fn import_topic(&self, topic: &ImportedTopic, now: i64) -> Result<i64> {
        in_transaction!(self, tx => {
            let parent = match &topic.parent {
                Some(key) => Backend::ledger_target(&mut tx, key).await?.map(|(_, id, _)| id),
                None => None,
            };
            let known = Backend::ledger_target(&mut tx, &topic.key).await?.map(|(_, id, _)| id);
            let existing = match known {
                Some(id) => Some(id),
                None => sqlx::query_scalar("SELECT id FROM topics WHERE slug = $1")
                    .bind(&topic.slug).fetch_optional(&mut *tx).await?,
            };
            let id: i64 = match existing {
                Some(id) => {
                    if let Some(parent) = parent {
                        Backend::refuse_topic_loop(&mut tx, id, parent).await?;
                    }
                    sqlx::query("UPDATE topics SET name = $1, description = $2, parent_id = $3, updated_at = $4 WHERE id = $5")
                        .bind(&topic.name).bind(&topic.description).bind(parent).bind(now).bind(id)
                        .execute(&mut *tx).await?;
                    id
                }
                None => sqlx::query_scalar(
                    "INSERT INTO topics (slug, name, description, parent_id, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $5) RETURNING id")
                    .bind(&topic.slug).bind(&topic.name).bind(&topic.description).bind(parent).bind(now)
                    .fetch_one(&mut *tx).await?,
            };
            let event = NewEvent {
                kind: "topic.imported".into(),
                subject: format!("topic:{}", topic.slug),
                tags: vec![super::topics::topic_tag(&topic.slug), "topics".into()],
                payload: serde_json::json!({ "id": id, "slug": topic.slug, "name": topic.name }),
            };
            Backend::insert_events(&mut tx, now, &[event]).await?;
            Backend::ledger_put(&mut tx, &topic.key, "topic", id, &topic.digest, now).await?;
            Ok::<i64, StorageError>(id)
        })
    }

    /// Stores a person, and the account when given, with the ledger row: the
    /// person the ledger names is updated, else a person of that name is
    /// taken over, else one is made. An account whose e-mail exists is
    /// linked, not made again.
    pub async fn import_person(&self, person: &ImportedPerson, now: i64) -> Result<StoredPerson> {
        in_transaction!(self, tx => {
            let account = match &person.account {
                Some(account) => Some(import_account(&mut tx, account, &person.name, now).await?),
                None => None,
            };
            let user_id = account.map(|(id, _)| id);
            let known = Backend::ledger_target(&mut tx, &person.key).await?.map(|(_, id, _)| id);
            let existing = match known {
                Some(id) => Some(id),
                None => sqlx::query_scalar(
                    "SELECT id FROM people WHERE lower(name) = lower($1) ORDER BY id LIMIT 1")
                    .bind(&person.name).fetch_optional(&mut *tx).await?,
            };
            // An account already linked to another person stays with it.
            let user_id = match user_id {
                Some(user) => {
                    let other: Option<i64> = sqlx::query_scalar(
                        "SELECT id FROM people WHERE user_id = $1 AND id <> $2")
                        .bind(user).bind(existing.unwrap_or(0)).fetch_optional(&mut *tx).await?;
                    other.is_none().then_some(user)
                }
                None => None,
            };
            let (person_id, slug) = match existing {
                Some(id) => {
                    let slug: String = sqlx::query_scalar(
                        "UPDATE people SET bio = $1, user_id = COALESCE($2, user_id), updated_at = $3 \
                         WHERE id = $4 RETURNING slug")
                        .bind(&person.bio).bind(user_id).bind(now).bind(id)
                        .fetch_one(&mut *tx).await?;
                    (id, slug)
                }
                None => {
                    let slug = Backend::free_person_slug(&mut tx, &person.slug).await?;
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO people (slug, name, bio, photo, user_id, created_at, updated_at) \
                         VALUES ($1, $2, $3, NULL, $4, $5, $5) RETURNING id")
                        .bind(&slug).bind(&person.name).bind(&person.bio).bind(user_id).bind(now)
                        .fetch_one(&mut *tx).await?;
                    (id, slug)
                }
            };
            let event = NewEvent {
                kind: "person.imported".into(),
                subject: format!("person:{slug}"),
                tags: vec![super::people::person_tag(&slug), "people".into()],
                payload: serde_json::json!({ "id": person_id, "slug": slug, "name": person.name }),
            };
            Backend::insert_events(&mut tx, now, &[event]).await?;
            Backend::ledger_put(&mut tx, &person.key, "person", person_id, &person.digest, now).await?;
            Ok::<StoredPerson, StorageError>(StoredPerson { person_id, account })
        })
    }

    /// Stores an image's media row (its files are already stored by content
    /// hash) with its ledger row: the row the ledger names gets the new
    /// text, else a new row is made.
    pub async fn import_media(
        &self,
        key: &LedgerKey,
        digest: &str,
        row: &MediaRow,
        now: i64,
    ) -> Result<i64> {
        let mut batch = self.import_batch();
        let id = batch.media(key, digest, row, now).await?;
        batch.commit().await?;
        Ok(id)
    }

    /// Stores a page (a new revision of the page the ledger names, else a
    /// new page) with its old addresses and ledger row, in one transaction.
    /// Refused (`Refused`, nothing written) when its address belongs to
    /// something else.
    pub async fn import_page(&self, page: &ImportedPage, now: i64) -> Result<i64> {
        in_transaction!(self, tx => {
            let parent = match &page.parent {
                Some(key) => Backend::ledger_target(&mut tx, key).await?.map(|(_, id, _)| id),
                None => None,
            };
            let fields = PageFields { parent_id: parent, ..page.fields.clone() };
            let known = Backend::ledger_target(&mut tx, &page.key).await?.map(|(_, id, _)| id);
            let base: Option<i64> = match known {
                Some(id) => sqlx::query_scalar("SELECT revision FROM pages WHERE id = $1")
                    .bind(id).fetch_optional(&mut *tx).await?,
                None => None,
            };
            let id = known.filter(|_| base.is_some());
            let save = PageSave { fields: &fields, base_revision: base, author: "import", message: &page.message };
            let Some((_, after)) = write_page(&mut tx, id, &save, now).await? else {
                return Err(StorageError::Corrupt("an imported page disappeared during its save".into()));
            };
            for old in &page.old_paths {
                if *old == after.path || Backend::path_owner(&mut tx, old).await?.is_some() {
                    continue;
                }
                sqlx::query(
                    "INSERT INTO redirects (old_path, target_path, created_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (old_path) DO UPDATE SET target_path = excluded.target_path, article_id = NULL")
                    .bind(old).bind(&after.path).bind(now)
                    .execute(&mut *tx).await?;
            }
            Backend::ledger_put(&mut tx, &page.key, "page", after.id, &page.digest, now).await?;
            Ok::<i64, StorageError>(after.id)
        })
    }

    /// Stores a story with its revision, events, old addresses, comments and
    /// their ledger rows, and its own ledger row, in one transaction.
    /// Returns the story's id; `Ok(None)` when the story was saved by
    /// someone else since `expected_revision` (nothing is written).
    pub async fn import_story(&self, story: &ImportedStory) -> Result<Option<i64>> {
        let mut batch = self.import_batch();
        let id = batch.story(story).await?;
        batch.commit().await?;
        Ok(id)
    }
}

/// The account `account` names: the existing one with its e-mail, or a new
/// one without a password and with its set-password token. Returns its id
/// and whether it was made here.
async fn import_account<DB: Backend>(
    tx: &mut Transaction<'_, DB>,
    account: &ImportedAccount,
    name: &str,
    now: i64,
) -> Result<(i64, bool)>
where
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    i64: sqlx::Type<DB> + for<'q> sqlx::Encode<'q, DB> + for<'r> sqlx::Decode<'r, DB>,
    Option<i64>: for<'q> sqlx::Encode<'q, DB>,
    String: sqlx::Type<DB> + for<'q> sqlx::Encode<'q, DB> + for<'r> sqlx::Decode<'r, DB>,
    Option<String>: for<'q> sqlx::Encode<'q, DB>,
    str: sqlx::Type<DB>,
    for<'s, 'q> &'s str: sqlx::Encode<'q, DB>,
    usize: sqlx::ColumnIndex<DB::Row>,
{
    let existing: Option<i64> =
        sqlx::query_scalar("SELECT id FROM users WHERE lower(email) = lower($1)")
            .bind(&account.email)
            .fetch_optional(&mut **tx)
            .await?;
    if let Some(id) = existing {
        return Ok((id, false));
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO users (email, name, role, password_hash, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
    )
    .bind(&account.email)
    .bind(name)
    .bind(&account.role)
    .bind(&account.password_hash)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    if account.password_hash.is_none() {
        sqlx::query(
            "INSERT INTO account_tokens (token_hash, purpose, user_id, created_at, expires_at) \
             VALUES ($1, 'password', $2, $3, $4)",
        )
        .bind(&account.token_hash)
        .bind(id)
        .bind(now)
        .bind(account.token_expires_at)
        .execute(&mut **tx)
        .await?;
    }
    let audit = super::audit::NewAuditEntry {
        actor_id: None,
        actor: "import".into(),
        action: "user.imported".into(),
        subject: format!("user:{id}"),
        details: serde_json::json!({ "email": account.email, "role": account.role }),
        address: None,
    };
    DB::insert_audit(tx, now, std::slice::from_ref(&audit)).await?;
    Ok((id, true))
}

/// Stores (or updates, when its ledger row names it) one comment of story
/// `article_id` with its ledger row. Returns whether it shows to readers.
pub(super) async fn import_comment<DB: Backend>(
    tx: &mut Transaction<'_, DB>,
    article_id: i64,
    comment: &ImportedComment,
    now: i64,
) -> Result<bool>
where
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    i64: sqlx::Type<DB> + for<'q> sqlx::Encode<'q, DB> + for<'r> sqlx::Decode<'r, DB>,
    Option<i64>: for<'q> sqlx::Encode<'q, DB>,
    String: sqlx::Type<DB> + for<'q> sqlx::Encode<'q, DB> + for<'r> sqlx::Decode<'r, DB>,
    Option<String>: for<'q> sqlx::Encode<'q, DB>,
    str: sqlx::Type<DB>,
    for<'s, 'q> &'s str: sqlx::Encode<'q, DB>,
    usize: sqlx::ColumnIndex<DB::Row>,
{
    let parent = match &comment.parent {
        Some(key) => DB::ledger_target(tx, key).await?.map(|(_, id, _)| id),
        None => None,
    };
    let known = DB::ledger_target(tx, &comment.key)
        .await?
        .map(|(_, id, _)| id);
    let id: i64 = match known {
        Some(id) => {
            sqlx::query(
                "UPDATE comments SET parent_id = $1, author_name = $2, author_email = $3, author_url = $4, \
                 body = $5, status = $6, kind = $7, updated_at = $8 WHERE id = $9",
            )
            .bind(parent)
            .bind(&comment.author_name)
            .bind(&comment.author_email)
            .bind(&comment.author_url)
            .bind(&comment.body)
            .bind(&comment.status)
            .bind(&comment.kind)
            .bind(now)
            .bind(id)
            .execute(&mut **tx)
            .await?;
            id
        }
        None => {
            sqlx::query_scalar(
                "INSERT INTO comments (article_id, parent_id, author_name, author_email, author_url, body, \
                 status, kind, address, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
            )
            .bind(article_id)
            .bind(parent)
            .bind(&comment.author_name)
            .bind(&comment.author_email)
            .bind(&comment.author_url)
            .bind(&comment.body)
            .bind(&comment.status)
            .bind(&comment.kind)
            .bind(&comment.address)
            .bind(comment.created_at)
            .fetch_one(&mut **tx)
            .await?
        }
    };
    DB::ledger_put(tx, &comment.key, "comment", id, &comment.digest, now).await?;
    Ok(comment.status == "approved")
}
