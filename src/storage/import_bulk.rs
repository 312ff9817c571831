//! The bulk path of import batches: a run of NEW stories (not in the
//! ledger, no custom address, no translation link) written with a handful of
//! multi-row statements for the whole run instead of ~30 statements per
//! story. The rows written are the ones the per-item path
//! (`ImportBatch::story_history`) writes, in the same order (ids are given
//! out in item order, topics and people are found or made in item order),
//! so a run written in bulk and one written item by item end the same.
//!
//! It is all or nothing: the caller runs it in a savepoint of its own and
//! rolls it back when it fails or declines (`Ok(None)`: something in the run
//! would need the per-item path's order of checks, e.g. an old address that
//! another story of the run takes), then writes the run item by item, so a
//! broken item is still refused and reported alone.

use std::collections::{HashMap, HashSet};

use sqlx::{AssertSqlSafe, ColumnIndex, Decode, Encode, Executor, Transaction, Type};

use super::articles::FIELDS;
use super::backend::{Backend, with_page_tags};
use super::drupal7::LaterRevision;
use super::events::NewEvent;
use super::imports::{ImportedStory, LedgerKey};
use super::translations::with_article_tags;
use super::{Result, StorageError};

/// Rows per multi-row statement at most (its parameters stay far below
/// SQLite's 32,766 and PostgreSQL's 65,535 for every table here).
const ROWS: usize = 400;

/// `($n+1, ..., $n+cols)` for each of `rows` rows (numbered from 1), each
/// row's text given by `row(first)` where `first` is its first number.
fn values(rows: usize, cols: usize, row: impl Fn(usize) -> String) -> String {
    (0..rows)
        .map(|r| row(r * cols + 1))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `text` for `DB`: on SQLite every `$n` becomes `?` (each `$n` of these
/// statements appears once, in order). SQLite finds a numbered
/// parameter's name by walking a list of them, so binding a statement of
/// thousands of `$n` takes time quadratic in their number; plain `?` ones
/// are bound in order without that.
fn for_db<DB: sqlx::Database>(text: String) -> AssertSqlSafe<String> {
    if DB::NAME != "SQLite" {
        return AssertSqlSafe(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) {
            while chars.peek().is_some_and(char::is_ascii_digit) {
                chars.next();
            }
            out.push('?');
        } else {
            out.push(c);
        }
    }
    AssertSqlSafe(out)
}

/// `($first, ..., $first+cols-1)`.
fn plain(first: usize, cols: usize) -> String {
    let cells: Vec<String> = (first..first + cols).map(|n| format!("${n}")).collect();
    format!("({})", cells.join(", "))
}

/// Topics and people (name, slug → id, slug) found or made by the bulk
/// writes of the open batch: while it holds the write lock nobody else
/// changes them, so it is cleared at every commit.
#[derive(Debug, Default)]
pub(super) struct Names {
    topics: HashMap<(String, String), (i64, String)>,
    people: HashMap<(String, String), (i64, String)>,
}

/// Writes `items` (new stories with their later revisions) in bulk inside
/// an open savepoint; returns their ids in order, or `Ok(None)` when the run
/// must go item by item instead (the caller rolls the savepoint back).
pub(super) async fn new_stories<DB: Backend>(
    tx: &mut Transaction<'_, DB>,
    items: &[(&ImportedStory, &[LaterRevision])],
    names: &mut Names,
) -> Result<Option<Vec<i64>>>
where
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    i64: Type<DB> + for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB>,
    Option<i64>: for<'q> Encode<'q, DB>,
    String: Type<DB> + for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB>,
    Option<String>: for<'q> Encode<'q, DB>,
    str: Type<DB>,
    for<'s, 'q> &'s str: Encode<'q, DB>,
    usize: ColumnIndex<DB::Row>,
{
    if items.is_empty() {
        return Ok(Some(Vec::new()));
    }
    let postgres = DB::NAME == "PostgreSQL";
    // What the bulk path does not do: saves over a stored story, custom
    // addresses, translation links.
    for (story, later) in items {
        let newest = later.last().map_or(&story.row, |l| &l.row);
        if story.expected_revision.is_some()
            || newest.canonical_path.is_some()
            || newest.translation_link.is_some()
        {
            return Ok(None);
        }
    }
    // Comments: none may be in the ledger already (that is an update);
    // parents are found in the ledger or among the run's comments.
    let mut keys: Vec<&LedgerKey> = Vec::new();
    for (story, _) in items {
        for comment in &story.comments {
            keys.push(&comment.key);
            keys.extend(comment.parent.as_ref());
        }
    }
    let known = ledger_ids(tx, &keys).await?;
    if items
        .iter()
        .flat_map(|(s, _)| &s.comments)
        .any(|c| known.contains_key(&c.key))
    {
        return Ok(None);
    }

    let site_language = if items
        .iter()
        .any(|(s, l)| l.last().map_or(&s.row, |l| &l.row).language.is_empty())
    {
        Some(DB::site_language(tx).await?)
    } else {
        None
    };

    // Ids in item order, as the per-item path gives them out.
    let article_ids = next_ids(tx, "articles", items.len()).await?;
    let comment_count = items.iter().map(|(s, _)| s.comments.len()).sum();
    let comment_ids = next_ids(tx, "comments", comment_count).await?;

    // Topics and people: found or made in item order (each name once).
    // (Kept for the next runs of the batch only when this one is written.)
    let mut topics = names.topics.clone();
    let mut people = names.people.clone();
    let mut made: HashSet<String> = HashSet::new();
    let mut filings_t: Vec<(i64, i64, i64)> = Vec::new();
    let mut filings_p: Vec<(i64, i64, i64)> = Vec::new();
    let mut touched: Vec<(Vec<String>, Vec<String>)> = Vec::new();
    for ((story, later), id) in items.iter().zip(&article_ids) {
        let row = later.last().map_or(&story.row, |l| &l.row);
        let mut filed = Vec::new();
        let mut slugs_t = Vec::new();
        for (position, topic) in row.topics.iter().enumerate() {
            let name = (topic.name.clone(), topic.slug.clone());
            let (topic_id, slug) = match topics.get(&name) {
                Some(found) => found.clone(),
                None => {
                    // Found by name (or made), a topic stays the one its
                    // name finds: kept. Found by slug or an old slug, it may
                    // not (a topic of that name made later wins): asked again.
                    let by_name: Option<(i64, String)> = sqlx::query_as(
                        "SELECT id, slug FROM topics WHERE lower(name) = lower($1) ORDER BY id LIMIT 1",
                    )
                    .bind(&topic.name)
                    .fetch_optional(&mut **tx)
                    .await?;
                    let (found, keep) = match by_name {
                        Some(found) => (found, true),
                        None => match DB::find_topic(tx, topic).await? {
                            Some(found) => (found, false),
                            None => {
                                let id: i64 = sqlx::query_scalar(
                                "INSERT INTO topics (slug, name, description, parent_id, created_at, updated_at) \
                                 VALUES ($1, $2, '', NULL, $3, $3) RETURNING id",
                            )
                            .bind(&topic.slug)
                            .bind(&topic.name)
                            .bind(row.modified_at)
                            .fetch_one(&mut **tx)
                            .await?;
                                made.insert(format!("/topics/{}", topic.slug));
                                ((id, topic.slug.clone()), true)
                            }
                        },
                    };
                    if keep {
                        topics.insert(name, found.clone());
                    }
                    found
                }
            };
            if filed.contains(&topic_id) {
                continue;
            }
            filings_t.push((*id, topic_id, position as i64));
            filed.push(topic_id);
            if !slugs_t.contains(&slug) {
                slugs_t.push(slug);
            }
        }
        let mut filed = Vec::new();
        let mut slugs_p = Vec::new();
        for (position, person) in row.people.iter().enumerate() {
            let name = (person.name.clone(), person.slug.clone());
            let (person_id, slug) = match people.get(&name) {
                Some(found) => found.clone(),
                None => {
                    // As for topics: kept when found by name or made.
                    let by_name: Option<(i64, String)> = sqlx::query_as(
                        "SELECT id, slug FROM people WHERE lower(name) = lower($1) ORDER BY id LIMIT 1",
                    )
                    .bind(&person.name)
                    .fetch_optional(&mut **tx)
                    .await?;
                    let (found, keep) = match by_name {
                        Some(found) => (found, true),
                        None => match DB::find_person(tx, person).await? {
                            Some(found) => (found, false),
                            None => {
                                let slug = DB::free_person_slug(tx, &person.slug).await?;
                                let id: i64 = sqlx::query_scalar(
                                "INSERT INTO people (slug, name, bio, photo, user_id, created_at, updated_at) \
                                 VALUES ($1, $2, '', NULL, NULL, $3, $3) RETURNING id",
                            )
                            .bind(&slug)
                            .bind(&person.name)
                            .bind(row.modified_at)
                            .fetch_one(&mut **tx)
                            .await?;
                                made.insert(format!("/people/{slug}"));
                                ((id, slug), true)
                            }
                        },
                    };
                    if keep {
                        people.insert(name, found.clone());
                    }
                    found
                }
            };
            if filed.contains(&person_id) {
                continue;
            }
            filings_p.push((*id, person_id, position as i64));
            filed.push(person_id);
            if !slugs_p.contains(&slug) {
                slugs_p.push(slug);
            }
        }
        touched.push((slugs_t, slugs_p));
    }

    // The stories, at their newest state and revision number.
    let override_ids = if postgres {
        " OVERRIDING SYSTEM VALUE"
    } else {
        ""
    };
    let rows: Vec<(i64, &super::ArticleRow, i64)> = items
        .iter()
        .zip(&article_ids)
        .map(|((story, later), id)| {
            (
                *id,
                later.last().map_or(&story.row, |l| &l.row),
                later.len() as i64 + 1,
            )
        })
        .collect();
    let language = |row: &super::ArticleRow| -> String {
        site_language
            .clone()
            .unwrap_or_else(|| row.language.clone())
    };
    for part in rows.chunks(ROWS / 4) {
        let sql = format!(
            "INSERT INTO articles (id, {FIELDS}, created_at, revision, translation_set){override_ids} VALUES {}",
            // id, the 23 fields, created_at (= modified_at), revision.
            values(part.len(), 26, |n| {
                let cells: Vec<String> = (n..n + 26).map(|k| format!("${k}")).collect();
                format!("({}, NULL)", cells.join(", "))
            })
        );
        let mut query = sqlx::query(for_db::<DB>(sql));
        for (id, row, revision) in part {
            query = if row.language.is_empty() {
                let mut row = (*row).clone();
                row.language = language(&row);
                DB::bind_fields(query.bind(*id), &row)
            } else {
                DB::bind_fields(query.bind(*id), row)
            }
            .bind(row.modified_at)
            .bind(*revision);
        }
        query.execute(&mut **tx).await?;
    }

    // Revisions: the newest first (as the per-item path inserts it), then
    // the earlier ones, oldest first.
    let mut revisions: Vec<(i64, i64, &str, &str, i64, String)> = Vec::new();
    for ((story, later), id) in items.iter().zip(&article_ids) {
        let count = later.len() as i64 + 1;
        let (row, revision) = match later.last() {
            Some(last) => (&last.row, &last.revision),
            None => (&story.row, &story.revision),
        };
        revisions.push((
            *id,
            count,
            &revision.author,
            &revision.message,
            row.modified_at,
            revision.snapshot.clone(),
        ));
        if !later.is_empty() {
            let earlier = std::iter::once((&story.row, &story.revision)).chain(
                later[..later.len() - 1]
                    .iter()
                    .map(|l| (&l.row, &l.revision)),
            );
            for (number, (row, revision)) in (1..).zip(earlier) {
                let snapshot =
                    revision
                        .snapshot
                        .replacen("{\"id\":0,", &format!("{{\"id\":{id},"), 1);
                revisions.push((
                    *id,
                    number,
                    &revision.author,
                    &revision.message,
                    row.modified_at,
                    snapshot,
                ));
            }
        }
    }
    for part in revisions.chunks(ROWS) {
        let sql = format!(
            "INSERT INTO revisions (article_id, number, author, message, created_at, snapshot) VALUES {}",
            values(part.len(), 6, |n| plain(n, 6))
        );
        let mut query = sqlx::query(for_db::<DB>(sql));
        for (id, number, author, message, at, snapshot) in part {
            query = query
                .bind(*id)
                .bind(*number)
                .bind(*author)
                .bind(*message)
                .bind(*at)
                .bind(snapshot.as_str());
        }
        query.execute(&mut **tx).await?;
    }
    for (table, column, part) in filings_t
        .chunks(ROWS)
        .map(|p| ("article_topics", "topic_id", p))
        .chain(
            filings_p
                .chunks(ROWS)
                .map(|p| ("article_people", "person_id", p)),
        )
    {
        let sql = format!(
            "INSERT INTO {table} (article_id, {column}, position) VALUES {}",
            values(part.len(), 3, |n| plain(n, 3))
        );
        let mut query = sqlx::query(for_db::<DB>(sql));
        for (article, other, position) in part {
            query = query.bind(*article).bind(*other).bind(*position);
        }
        query.execute(&mut **tx).await?;
    }

    // Old addresses: each story's own address, and who owns each old one
    // (read once for the run, after the stories are in).
    let section_ids: Vec<i64> = rows.iter().map(|(_, row, _)| row.section_id).collect();
    let sections = section_slugs(tx, &section_ids).await?;
    let paths: Vec<String> = rows
        .iter()
        .map(|(_, row, _)| {
            format!(
                "/{}/{}",
                sections.get(&row.section_id).map_or("", String::as_str),
                row.slug
            )
        })
        .collect();
    let mut old: Vec<&str> = items
        .iter()
        .flat_map(|(s, _)| s.old_paths.iter().map(String::as_str))
        .collect();
    old.sort_unstable();
    old.dedup();
    // Checked item by item, an old address would not yet see a story, topic
    // or person that a later item of the run makes: such a run goes item by
    // item.
    let addresses: HashSet<&str> = paths.iter().map(String::as_str).collect();
    for ((story, _), path) in items.iter().zip(&paths) {
        if story
            .old_paths
            .iter()
            .any(|o| o != path && (addresses.contains(o.as_str()) || made.contains(o)))
        {
            return Ok(None);
        }
    }
    let owned = owned_paths(tx, &old).await?;
    let mut redirects: Vec<(&str, i64, i64)> = Vec::new();
    let mut seen: HashSet<&str> = HashSet::new();
    for (((story, later), id), path) in items.iter().zip(&article_ids).zip(&paths) {
        let modified_at = later.last().map_or(&story.row, |l| &l.row).modified_at;
        for old in &story.old_paths {
            if old == path || owned.contains(old.as_str()) {
                continue;
            }
            if !seen.insert(old) {
                // Two of the run's stories claim it: the per-item path's
                // order of upserts decides.
                return Ok(None);
            }
            redirects.push((old, *id, modified_at));
        }
    }
    for part in redirects.chunks(ROWS) {
        let sql = format!(
            "INSERT INTO redirects (old_path, article_id, created_at) VALUES {} \
             ON CONFLICT (old_path) DO UPDATE SET article_id = excluded.article_id, target_path = NULL",
            values(part.len(), 3, |n| plain(n, 3))
        );
        let mut query = sqlx::query(for_db::<DB>(sql));
        for (old, id, at) in part {
            query = query.bind(*old).bind(*id).bind(*at);
        }
        query.execute(&mut **tx).await?;
    }

    // Comments with their ledger rows, the events, the stories' ledger rows.
    let mut comment_rows = Vec::new();
    let mut ledger: Vec<(&LedgerKey, &str, i64, &str, i64)> = Vec::new();
    let mut events: Vec<(i64, NewEvent)> = Vec::new();
    let mut this_run: HashMap<&LedgerKey, i64> = HashMap::new();
    let mut next_comment = comment_ids.iter();
    for (((story, later), id), (slugs_t, slugs_p)) in items.iter().zip(&article_ids).zip(&touched) {
        let modified_at = later.last().map_or(&story.row, |l| &l.row).modified_at;
        let story_events = with_page_tags(NewEvent::with_id(&story.events, *id), slugs_t, slugs_p);
        for event in with_article_tags(story_events, &[]) {
            events.push((modified_at, event));
        }
        let mut shown = false;
        for comment in &story.comments {
            let comment_id = *next_comment.next().expect("an id per comment");
            let parent = match &comment.parent {
                Some(key) => this_run
                    .get(key)
                    .copied()
                    .or_else(|| known.get(key).copied()),
                None => None,
            };
            this_run.insert(&comment.key, comment_id);
            comment_rows.push((comment_id, *id, parent, comment));
            ledger.push((
                &comment.key,
                "comment",
                comment_id,
                &comment.digest,
                modified_at,
            ));
            shown |= comment.status == "approved";
        }
        if shown {
            events.push((
                modified_at,
                NewEvent {
                    kind: "comments.imported".into(),
                    subject: format!("article:{id}"),
                    tags: vec![super::comments::comments_tag(*id)],
                    payload: serde_json::json!({ "article": id }),
                },
            ));
        }
        ledger.push((&story.key, "article", *id, &story.digest, modified_at));
    }
    for part in comment_rows.chunks(ROWS / 2) {
        let sql = format!(
            "INSERT INTO comments (id, article_id, parent_id, author_name, author_email, author_url, body, \
             status, kind, address, created_at, updated_at){override_ids} VALUES {}",
            values(part.len(), 12, |n| plain(n, 12))
        );
        let mut query = sqlx::query(for_db::<DB>(sql));
        for (comment_id, article, parent, comment) in part {
            query = query
                .bind(*comment_id)
                .bind(*article)
                .bind(*parent)
                .bind(comment.author_name.as_str())
                .bind(comment.author_email.as_str())
                .bind(comment.author_url.clone())
                .bind(comment.body.as_str())
                .bind(comment.status.as_str())
                .bind(comment.kind.as_str())
                .bind(comment.address.clone())
                .bind(comment.created_at)
                .bind(comment.created_at);
        }
        query.execute(&mut **tx).await?;
    }
    for part in events.chunks(ROWS) {
        let sql = format!(
            "INSERT INTO events (created_at, kind, subject, tags, payload) VALUES {}",
            values(part.len(), 5, |n| plain(n, 5))
        );
        let mut query = sqlx::query(for_db::<DB>(sql));
        for (at, event) in part {
            query = query
                .bind(*at)
                .bind(event.kind.as_str())
                .bind(event.subject.as_str())
                .bind(serde_json::to_string(&event.tags).expect("tags serialize"))
                .bind(event.payload.to_string());
        }
        query.execute(&mut **tx).await?;
    }
    let mut seen_keys: HashSet<&LedgerKey> = HashSet::new();
    if !ledger.iter().all(|(key, ..)| seen_keys.insert(key)) {
        // One key twice: the per-item path's order of upserts decides.
        return Ok(None);
    }
    for part in ledger.chunks(ROWS) {
        let sql = format!(
            "INSERT INTO import_ledger (source, kind, source_id, target_kind, target_id, digest, \
             imported_at, updated_at) VALUES {} \
             ON CONFLICT (source, kind, source_id) DO UPDATE SET target_kind = excluded.target_kind, \
             target_id = excluded.target_id, digest = excluded.digest, updated_at = excluded.updated_at",
            values(part.len(), 8, |n| plain(n, 8))
        );
        let mut query = sqlx::query(for_db::<DB>(sql));
        for (key, kind, target, digest, at) in part {
            query = query
                .bind(key.source.as_str())
                .bind(key.kind.as_str())
                .bind(key.source_id.as_str())
                .bind(*kind)
                .bind(*target)
                .bind(*digest)
                .bind(*at)
                .bind(*at);
        }
        query.execute(&mut **tx).await?;
    }
    names.topics = topics;
    names.people = people;
    Ok(Some(article_ids))
}

/// `n` new ids of `table`, ascending, as its next inserts would get them
/// (the batch holds the write lock, so nobody else takes them meanwhile).
async fn next_ids<DB: Backend>(
    tx: &mut Transaction<'_, DB>,
    table: &str,
    n: usize,
) -> Result<Vec<i64>>
where
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    i64: Type<DB> + for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB>,
    Option<i64>: for<'q> Encode<'q, DB>,
    String: Type<DB> + for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB>,
    Option<String>: for<'q> Encode<'q, DB>,
    str: Type<DB>,
    for<'s, 'q> &'s str: Encode<'q, DB>,
    usize: ColumnIndex<DB::Row>,
{
    if n == 0 {
        return Ok(Vec::new());
    }
    if DB::NAME == "PostgreSQL" {
        // Identity columns: their sequence hands the ids out in order.
        let sql = format!(
            "SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, $1) ORDER BY 1"
        );
        Ok(sqlx::query_scalar(AssertSqlSafe(sql))
            .bind(n as i64)
            .fetch_all(&mut **tx)
            .await?)
    } else {
        // AUTOINCREMENT: after the highest id ever given out.
        let sql = format!(
            "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = '{table}'), 0), \
             COALESCE((SELECT MAX(id) FROM {table}), 0))"
        );
        let last: i64 = sqlx::query_scalar(AssertSqlSafe(sql))
            .fetch_one(&mut **tx)
            .await?;
        Ok((last + 1..=last + n as i64).collect())
    }
}

/// The ids the ledger names for `keys` (those it has).
async fn ledger_ids<'k, DB: Backend>(
    tx: &mut Transaction<'_, DB>,
    keys: &[&'k LedgerKey],
) -> Result<HashMap<&'k LedgerKey, i64>>
where
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    i64: Type<DB> + for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB>,
    Option<i64>: for<'q> Encode<'q, DB>,
    String: Type<DB> + for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB>,
    Option<String>: for<'q> Encode<'q, DB>,
    str: Type<DB>,
    for<'s, 'q> &'s str: Encode<'q, DB>,
    usize: ColumnIndex<DB::Row>,
{
    let mut groups: HashMap<(&str, &str), Vec<&'k LedgerKey>> = HashMap::new();
    for key in keys {
        groups
            .entry((key.source.as_str(), key.kind.as_str()))
            .or_default()
            .push(key);
    }
    let mut found = HashMap::new();
    for ((source, kind), keys) in groups {
        for part in keys.chunks(ROWS) {
            let sql = format!(
                "SELECT source_id, target_id FROM import_ledger WHERE source = $1 AND kind = $2 \
                 AND source_id IN ({})",
                (3..3 + part.len())
                    .map(|n| format!("${n}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            let mut query = sqlx::query_as::<_, (String, i64)>(for_db::<DB>(sql))
                .bind(source)
                .bind(kind);
            for key in part {
                query = query.bind(key.source_id.as_str());
            }
            for (source_id, id) in query.fetch_all(&mut **tx).await? {
                if let Some(key) = part.iter().find(|k| k.source_id == source_id) {
                    found.insert(*key, id);
                }
            }
        }
    }
    Ok(found)
}

/// Section id → slug for `ids`.
async fn section_slugs<DB: Backend>(
    tx: &mut Transaction<'_, DB>,
    ids: &[i64],
) -> Result<HashMap<i64, String>>
where
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    i64: Type<DB> + for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB>,
    Option<i64>: for<'q> Encode<'q, DB>,
    String: Type<DB> + for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB>,
    Option<String>: for<'q> Encode<'q, DB>,
    str: Type<DB>,
    for<'s, 'q> &'s str: Encode<'q, DB>,
    usize: ColumnIndex<DB::Row>,
{
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let sql = format!(
        "SELECT id, slug FROM sections WHERE id IN ({})",
        (1..=ids.len())
            .map(|n| format!("${n}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut query = sqlx::query_as::<_, (i64, String)>(for_db::<DB>(sql));
    for id in &ids {
        query = query.bind(*id);
    }
    let found: HashMap<i64, String> = query.fetch_all(&mut **tx).await?.into_iter().collect();
    if found.len() != ids.len() {
        return Err(StorageError::Refused(
            "a story of the run names a section that does not exist".into(),
        ));
    }
    Ok(found)
}

/// Which of `paths` something lives at (as `Backend::path_owner` tells it,
/// for many paths at once).
async fn owned_paths<'p, DB: Backend>(
    tx: &mut Transaction<'_, DB>,
    paths: &[&'p str],
) -> Result<HashSet<&'p str>>
where
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    i64: Type<DB> + for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB>,
    Option<i64>: for<'q> Encode<'q, DB>,
    String: Type<DB> + for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB>,
    Option<String>: for<'q> Encode<'q, DB>,
    str: Type<DB>,
    for<'s, 'q> &'s str: Encode<'q, DB>,
    usize: ColumnIndex<DB::Row>,
{
    let mut owned: HashSet<&'p str> = HashSet::new();
    // Lists of texts looked up with `column IN (...)`.
    async fn present<DB: Backend>(
        tx: &mut Transaction<'_, DB>,
        select: &str,
        texts: &[String],
    ) -> Result<HashSet<String>>
    where
        for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
        i64: Type<DB> + for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB>,
        Option<i64>: for<'q> Encode<'q, DB>,
        String: Type<DB> + for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB>,
        Option<String>: for<'q> Encode<'q, DB>,
        str: Type<DB>,
        for<'s, 'q> &'s str: Encode<'q, DB>,
        usize: ColumnIndex<DB::Row>,
    {
        let mut found = HashSet::new();
        for part in texts.chunks(ROWS) {
            let sql = format!(
                "{select} IN ({})",
                (1..=part.len())
                    .map(|n| format!("${n}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            let mut query = sqlx::query_scalar::<_, String>(for_db::<DB>(sql));
            for text in part {
                query = query.bind(text.as_str());
            }
            found.extend(query.fetch_all(&mut **tx).await?);
        }
        Ok(found)
    }
    let all: Vec<String> = paths.iter().map(|p| (*p).to_owned()).collect();
    let pages = present(tx, "SELECT path FROM pages WHERE path", &all).await?;
    let canonical = present(
        tx,
        "SELECT canonical_path FROM articles WHERE canonical_path",
        &all,
    )
    .await?;
    let parts = |path: &str| -> Vec<String> {
        path.trim_start_matches('/')
            .split('/')
            .map(str::to_owned)
            .collect()
    };
    let mut first: Vec<String> = Vec::new();
    let mut topic_slugs: Vec<String> = Vec::new();
    let mut person_slugs: Vec<String> = Vec::new();
    for path in paths {
        match parts(path).as_slice() {
            [one] => first.push(one.clone()),
            [t, slug] if t == "topics" => topic_slugs.push(slug.clone()),
            [p, slug] if p == "people" => person_slugs.push(slug.clone()),
            [section, _] => first.push(section.clone()),
            _ => {}
        }
    }
    let sections = present(tx, "SELECT slug FROM sections WHERE slug", &first).await?;
    let topics = present(tx, "SELECT slug FROM topics WHERE slug", &topic_slugs).await?;
    let people = present(tx, "SELECT slug FROM people WHERE slug", &person_slugs).await?;
    // Stories at /<section>/<slug>, for the sections that exist.
    let mut stories: Vec<String> = Vec::new();
    for path in paths {
        if let [section, slug] = parts(path).as_slice()
            && section != "topics"
            && section != "people"
            && sections.contains(section)
        {
            stories.push(format!("{section}/{slug}"));
        }
    }
    let mut at = HashSet::new();
    for part in stories.chunks(ROWS / 2) {
        let sql = format!(
            "SELECT s.slug || '/' || a.slug FROM articles a JOIN sections s ON s.id = a.section_id \
             WHERE {}",
            (0..part.len())
                .map(|n| format!("(s.slug = ${} AND a.slug = ${})", 2 * n + 1, 2 * n + 2))
                .collect::<Vec<_>>()
                .join(" OR ")
        );
        let mut query = sqlx::query_scalar::<_, String>(for_db::<DB>(sql));
        for story in part {
            let (section, slug) = story.split_once('/').expect("section/slug");
            query = query.bind(section).bind(slug);
        }
        at.extend(query.fetch_all(&mut **tx).await?);
    }
    for path in paths {
        let owner = pages.contains(*path)
            || canonical.contains(*path)
            || match parts(path).as_slice() {
                [one] if one.is_empty() => true,
                [section] => sections.contains(section),
                [t, slug] if t == "topics" => topics.contains(slug),
                [p, slug] if p == "people" => people.contains(slug),
                [section, slug] => at.contains(&format!("{section}/{slug}")),
                _ => false,
            };
        if owner {
            owned.insert(path);
        }
    }
    Ok(owned)
}
