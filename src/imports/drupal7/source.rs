//! The Drupal 7 database as a source: the connection, the check that it is
//! Drupal 7, and every query the importer makes of it. Nodes are read in
//! batches by node id, each batch with a handful of queries (its revisions,
//! one per field table, its comments), never a query per node or per field
//! value, so a large site reads at the speed of the database.
//!
//! Numbers are read through `CAST(... AS SIGNED)` and text through
//! `CAST(... AS CHAR)`: Drupal's columns are a mix of signed, unsigned,
//! text and blob types that differ between Drupal versions and MySQL
//! flavours, and the casts give one type for each.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::str::FromStr;
use std::time::Duration;

use sqlx::Row;
use sqlx::mysql::{MySqlConnectOptions, MySqlPool, MySqlPoolOptions, MySqlRow};

use super::error::Drupal7Error;
use super::model::{
    Alias, Comment, Field, FieldItem, File, Node, Redirect, Revision, SiteVariables, Term, User,
    Vocabulary,
};

type Result<T> = std::result::Result<T, Drupal7Error>;

/// How long a connection may take before the database counts as unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// An open Drupal 7 database.
pub struct Source {
    pool: MySqlPool,
    /// `host:port/database`, without user or password, for messages.
    target: String,
    tables: HashSet<String>,
    /// Whether the Metatag module's `metatag` table has `revision_id`
    /// (7.x-1.0 and later); `None` without the table.
    metatag_revisions: Option<bool>,
    fields: Vec<Field>,
}

/// Connects to `url` (`mysql://USER[:PASSWORD]@HOST[:PORT]/DATABASE`) and
/// checks that it holds a Drupal 7 site.
pub async fn open(url: &str) -> Result<Source> {
    if !(url.starts_with("mysql://") || url.starts_with("mariadb://")) {
        return Err(Drupal7Error::BadUrl(redact(url)));
    }
    let url = url.replacen("mariadb://", "mysql://", 1);
    let options =
        MySqlConnectOptions::from_str(&url).map_err(|_| Drupal7Error::BadUrl(redact(&url)))?;
    let Some(database) = options.get_database().map(str::to_owned) else {
        return Err(Drupal7Error::BadUrl(redact(&url)));
    };
    let target = format!("{}:{}/{database}", options.get_host(), options.get_port());
    let pool = MySqlPoolOptions::new()
        .max_connections(2)
        .acquire_timeout(CONNECT_TIMEOUT)
        .connect_with(options)
        .await
        .map_err(|e| Drupal7Error::Unreachable {
            target: target.clone(),
            reason: one_line(&e.to_string()),
        })?;
    let tables: HashSet<String> = sqlx::query_scalar(
        "SELECT CAST(TABLE_NAME AS CHAR) FROM information_schema.TABLES \
         WHERE TABLE_SCHEMA = DATABASE()",
    )
    .fetch_all(&pool)
    .await
    .map_err(Drupal7Error::query("the list of tables"))?
    .into_iter()
    .collect();
    let mut source = Source {
        pool,
        target,
        tables,
        fields: Vec::new(),
        metatag_revisions: None,
    };
    source.check_drupal7().await?;
    source.fields = source.read_fields().await?;
    if source.has("metatag") {
        let columns: Vec<String> = sqlx::query_scalar(
            "SELECT CAST(COLUMN_NAME AS CHAR) FROM information_schema.COLUMNS \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'metatag'",
        )
        .fetch_all(&source.pool)
        .await
        .map_err(Drupal7Error::query("the columns of metatag"))?;
        source.metatag_revisions = Some(columns.iter().any(|c| c == "revision_id"));
    }
    Ok(source)
}

impl Source {
    /// `host:port/database`.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// The node fields stored in SQL (`field_config`), with their columns.
    pub fn fields(&self) -> &[Field] {
        &self.fields
    }

    fn has(&self, table: &str) -> bool {
        self.tables.contains(table)
    }

    fn not_drupal7(&self, why: impl Into<String>) -> Drupal7Error {
        Drupal7Error::NotDrupal7 {
            target: self.target.clone(),
            why: why.into(),
        }
    }

    async fn check_drupal7(&self) -> Result<()> {
        if self.has("node_field_data") || self.has("key_value") {
            return Err(self.not_drupal7(
                "it looks like Drupal 8 or later (it has node_field_data or key_value tables)",
            ));
        }
        if !self.has("system") {
            return Err(self.not_drupal7("it has no `system` table"));
        }
        if self.has("node_revisions") {
            return Err(self.not_drupal7("it looks like Drupal 6 (it has a node_revisions table)"));
        }
        let version: Option<i64> = sqlx::query_scalar(
            "SELECT CAST(schema_version AS SIGNED) FROM system \
             WHERE name = 'system' AND type = 'module'",
        )
        .fetch_optional(&self.pool)
        .await
        .map_err(Drupal7Error::query("system.module's schema version"))?;
        match version {
            Some(v) if (7000..8000).contains(&v) => {}
            Some(v) => {
                return Err(self.not_drupal7(format!(
                    "system.module's schema version is {v}, Drupal 7's are 7000 to 7999"
                )));
            }
            None => return Err(self.not_drupal7("the system table does not list system.module")),
        }
        for table in ["node", "node_revision", "users", "variable", "field_config"] {
            if !self.has(table) {
                return Err(self.not_drupal7(format!("its `{table}` table is missing")));
            }
        }
        Ok(())
    }

    async fn read_fields(&self) -> Result<Vec<Field>> {
        let rows = sqlx::query(
            "SELECT CAST(c.field_name AS CHAR), CAST(c.type AS CHAR), CAST(c.module AS CHAR), \
             CAST(i.bundle AS CHAR) \
             FROM field_config c JOIN field_config_instance i ON i.field_id = c.id \
             WHERE c.deleted = 0 AND i.deleted = 0 AND i.entity_type = 'node' \
             AND c.storage_type = 'field_sql_storage' ORDER BY c.id, i.id",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(Drupal7Error::query("the field definitions"))?;
        let mut fields: Vec<Field> = Vec::new();
        for row in rows {
            let name = text(&row, 0);
            let bundle = text(&row, 3);
            if let Some(field) = fields.iter_mut().find(|f| f.name == name) {
                field.bundles.push(bundle);
                continue;
            }
            fields.push(Field {
                name,
                field_type: text(&row, 1),
                module: text(&row, 2),
                columns: Vec::new(),
                bundles: vec![bundle],
            });
        }
        // Field and column names go into SQL text: only machine names (what
        // Drupal allows for them) are read; the rest are left out.
        fields.retain(|f| machine_name(&f.name) && self.has(&format!("field_revision_{}", f.name)));
        for field in &mut fields {
            let prefix = format!("{}_", field.name);
            let columns: Vec<String> = sqlx::query_scalar(
                "SELECT CAST(COLUMN_NAME AS CHAR) FROM information_schema.COLUMNS \
                 WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION",
            )
            .bind(format!("field_revision_{}", field.name))
            .fetch_all(&self.pool)
            .await
            .map_err(Drupal7Error::query(format!(
                "the columns of {}",
                field.name
            )))?;
            field.columns = columns
                .into_iter()
                .filter_map(|c| c.strip_prefix(&prefix).map(str::to_owned))
                .filter(|c| machine_name(c))
                .collect();
        }
        Ok(fields)
    }

    /// The site name, slogan, time zone and date formats.
    pub async fn variables(&self) -> Result<SiteVariables> {
        let rows = sqlx::query(
            "SELECT CAST(name AS CHAR), value FROM variable WHERE name IN \
             ('site_name', 'site_slogan', 'date_default_timezone') OR name LIKE 'date\\_format\\_%'",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(Drupal7Error::query("variable"))?;
        let mut site = SiteVariables::default();
        for row in rows {
            let name = text(&row, 0);
            let value: Vec<u8> = row.try_get(1).unwrap_or_default();
            let Some(value) = php_string(&value) else {
                continue;
            };
            match name.as_str() {
                "site_name" => site.site_name = Some(value),
                "site_slogan" => site.slogan = Some(value),
                "date_default_timezone" => site.time_zone = Some(value),
                other => {
                    if let Some(kind) = other.strip_prefix("date_format_") {
                        site.date_formats.insert(kind.to_owned(), value);
                    }
                }
            }
        }
        Ok(site)
    }

    /// Every user but the anonymous one, with their role names.
    pub async fn users(&self) -> Result<Vec<User>> {
        let rows = sqlx::query(
            "SELECT CAST(uid AS SIGNED), CAST(name AS CHAR), CAST(pass AS CHAR), \
             CAST(mail AS CHAR), CAST(created AS SIGNED), CAST(status AS SIGNED), \
             CAST(timezone AS CHAR) FROM users WHERE uid > 0 ORDER BY uid",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(Drupal7Error::query("users"))?;
        let mut roles: HashMap<i64, Vec<String>> = HashMap::new();
        if self.has("users_roles") && self.has("role") {
            let rows = sqlx::query(
                "SELECT CAST(ur.uid AS SIGNED), CAST(r.name AS CHAR) FROM users_roles ur \
                 JOIN role r ON r.rid = ur.rid ORDER BY ur.uid, r.weight, r.rid",
            )
            .fetch_all(&self.pool)
            .await
            .map_err(Drupal7Error::query("users_roles"))?;
            for row in rows {
                roles.entry(int(&row, 0)).or_default().push(text(&row, 1));
            }
        }
        Ok(rows
            .iter()
            .map(|row| {
                let uid = int(row, 0);
                User {
                    uid,
                    name: text(row, 1),
                    pass: text(row, 2),
                    mail: text(row, 3),
                    created: int(row, 4),
                    status: int(row, 5),
                    timezone: row.try_get::<Option<String>, _>(6).ok().flatten(),
                    roles: roles.remove(&uid).unwrap_or_default(),
                }
            })
            .collect())
    }

    /// Every vocabulary.
    pub async fn vocabularies(&self) -> Result<Vec<Vocabulary>> {
        if !self.has("taxonomy_vocabulary") {
            return Ok(Vec::new());
        }
        let rows = sqlx::query(
            "SELECT CAST(vid AS SIGNED), CAST(name AS CHAR), CAST(machine_name AS CHAR), \
             CAST(description AS CHAR) FROM taxonomy_vocabulary ORDER BY weight, vid",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(Drupal7Error::query("taxonomy_vocabulary"))?;
        Ok(rows
            .iter()
            .map(|row| Vocabulary {
                vid: int(row, 0),
                name: text(row, 1),
                machine_name: text(row, 2),
                description: text(row, 3),
            })
            .collect())
    }

    /// Every term, parents before children within a vocabulary where the
    /// hierarchy allows (by term id otherwise), with its parents.
    pub async fn terms(&self) -> Result<Vec<Term>> {
        if !self.has("taxonomy_term_data") {
            return Ok(Vec::new());
        }
        let rows = sqlx::query(
            "SELECT CAST(tid AS SIGNED), CAST(vid AS SIGNED), CAST(name AS CHAR), \
             CAST(description AS CHAR), CAST(weight AS SIGNED) FROM taxonomy_term_data ORDER BY tid",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(Drupal7Error::query("taxonomy_term_data"))?;
        let mut parents: HashMap<i64, Vec<i64>> = HashMap::new();
        if self.has("taxonomy_term_hierarchy") {
            let rows = sqlx::query(
                "SELECT CAST(tid AS SIGNED), CAST(parent AS SIGNED) FROM taxonomy_term_hierarchy \
                 ORDER BY tid, parent",
            )
            .fetch_all(&self.pool)
            .await
            .map_err(Drupal7Error::query("taxonomy_term_hierarchy"))?;
            for row in rows {
                parents.entry(int(&row, 0)).or_default().push(int(&row, 1));
            }
        }
        Ok(rows
            .iter()
            .map(|row| {
                let tid = int(row, 0);
                Term {
                    tid,
                    vid: int(row, 1),
                    name: text(row, 2),
                    description: text(row, 3),
                    weight: int(row, 4),
                    parents: parents.remove(&tid).unwrap_or_default(),
                }
            })
            .collect())
    }

    /// Every `url_alias` row, oldest first (Drupal answers the newest alias
    /// of a path; every one of them is an old address).
    pub async fn aliases(&self) -> Result<Vec<Alias>> {
        if !self.has("url_alias") {
            return Ok(Vec::new());
        }
        let rows = sqlx::query(
            "SELECT CAST(pid AS SIGNED), CAST(source AS CHAR), CAST(alias AS CHAR), \
             CAST(language AS CHAR) FROM url_alias ORDER BY pid",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(Drupal7Error::query("url_alias"))?;
        Ok(rows
            .iter()
            .map(|row| Alias {
                pid: int(row, 0),
                source: text(row, 1),
                alias: text(row, 2),
                language: text(row, 3),
            })
            .collect())
    }

    /// The Redirect module's enabled redirects, if it is installed.
    pub async fn redirects(&self) -> Result<Vec<Redirect>> {
        if !self.has("redirect") {
            return Ok(Vec::new());
        }
        let rows = sqlx::query(
            "SELECT CAST(rid AS SIGNED), CAST(source AS CHAR), CAST(redirect AS CHAR), \
             CAST(status_code AS SIGNED) FROM redirect WHERE status = 1 ORDER BY rid",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(Drupal7Error::query("redirect"))?;
        Ok(rows
            .iter()
            .map(|row| Redirect {
                rid: int(row, 0),
                source: text(row, 1),
                redirect: text(row, 2),
                status_code: int(row, 3),
            })
            .collect())
    }

    /// The managed files with these ids.
    pub async fn files(&self, fids: &[i64]) -> Result<HashMap<i64, File>> {
        if fids.is_empty() || !self.has("file_managed") {
            return Ok(HashMap::new());
        }
        let sql = format!(
            "SELECT CAST(fid AS SIGNED), CAST(filename AS CHAR), CAST(uri AS CHAR), \
             CAST(filemime AS CHAR), CAST(filesize AS SIGNED) FROM file_managed WHERE fid IN ({})",
            placeholders(fids.len())
        );
        let rows = bind_all(sqlx::query(sqlx::AssertSqlSafe(sql.as_str())), fids)
            .fetch_all(&self.pool)
            .await
            .map_err(Drupal7Error::query("file_managed"))?;
        Ok(rows
            .iter()
            .map(|row| {
                let fid = int(row, 0);
                let file = File {
                    fid,
                    filename: text(row, 1),
                    uri: text(row, 2),
                    filemime: text(row, 3),
                    filesize: int(row, 4),
                };
                (fid, file)
            })
            .collect())
    }

    /// How nodes use each vocabulary, to find the one a news site files
    /// its sections in: for each vocabulary id, how many nodes have exactly
    /// one of its terms and how many have more, over every term reference
    /// field; and how many nodes of `story_types` there are.
    pub async fn vocabulary_use(
        &self,
        story_types: &[String],
    ) -> Result<(HashMap<i64, (i64, i64)>, i64)> {
        let mut per_node: HashMap<(i64, i64), i64> = HashMap::new();
        for field in self
            .fields
            .iter()
            .filter(|f| f.field_type == "taxonomy_term_reference")
        {
            let sql = format!(
                "SELECT CAST(f.entity_id AS SIGNED), CAST(t.vid AS SIGNED), COUNT(*) \
                 FROM `field_data_{0}` f JOIN taxonomy_term_data t ON t.tid = f.`{0}_tid` \
                 WHERE f.entity_type = 'node' AND f.deleted = 0 GROUP BY f.entity_id, t.vid",
                field.name
            );
            if !self.has(&format!("field_data_{}", field.name)) {
                continue;
            }
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                .fetch_all(&self.pool)
                .await
                .map_err(Drupal7Error::query(format!("field_data_{}", field.name)))?;
            for row in &rows {
                *per_node.entry((int(row, 0), int(row, 1))).or_default() += int(row, 2);
            }
        }
        let mut use_of: HashMap<i64, (i64, i64)> = HashMap::new();
        for ((_, vid), count) in per_node {
            let entry = use_of.entry(vid).or_default();
            if count == 1 {
                entry.0 += 1;
            } else {
                entry.1 += 1;
            }
        }
        let mut stories = 0;
        if !story_types.is_empty() {
            let sql = format!(
                "SELECT COUNT(*) FROM node WHERE type IN ({})",
                placeholders(story_types.len())
            );
            let mut query = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.as_str()));
            for t in story_types {
                query = query.bind(t);
            }
            stories = query
                .fetch_one(&self.pool)
                .await
                .map_err(Drupal7Error::query("node types"))?;
        }
        Ok((use_of, stories))
    }

    /// The node types (`node_type`), machine name and human name.
    pub async fn node_types(&self) -> Result<Vec<(String, String)>> {
        let sql = if self.has("node_type") {
            "SELECT CAST(type AS CHAR), CAST(name AS CHAR) FROM node_type ORDER BY type"
        } else {
            "SELECT DISTINCT CAST(type AS CHAR), CAST(type AS CHAR) FROM node ORDER BY type"
        };
        let rows = sqlx::query(sql)
            .fetch_all(&self.pool)
            .await
            .map_err(Drupal7Error::query("node_type"))?;
        Ok(rows.iter().map(|r| (text(r, 0), text(r, 1))).collect())
    }

    /// How many items a run goes through: nodes, users, terms and files
    /// (for the progress display).
    pub async fn item_count(&self) -> Result<i64> {
        let mut total = 0;
        for (table, filter) in [
            ("node", ""),
            ("users", " WHERE uid > 0"),
            ("taxonomy_term_data", ""),
            ("file_managed", ""),
        ] {
            if !self.has(table) {
                continue;
            }
            let sql = format!("SELECT COUNT(*) FROM {table}{filter}");
            let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .fetch_one(&self.pool)
                .await
                .map_err(Drupal7Error::query(table))?;
            total += n;
        }
        Ok(total)
    }

    /// Up to `limit` nodes with ids above `after`, in id order, each with
    /// every revision, every revision's field values and the comments.
    pub async fn nodes_after(&self, after: i64, limit: i64) -> Result<Vec<Node>> {
        let rows = sqlx::query(
            "SELECT CAST(nid AS SIGNED), CAST(COALESCE(vid, 0) AS SIGNED), CAST(type AS CHAR), \
             CAST(language AS CHAR), CAST(title AS CHAR), CAST(uid AS SIGNED), \
             CAST(status AS SIGNED), CAST(created AS SIGNED), CAST(changed AS SIGNED), \
             CAST(comment AS SIGNED), CAST(promote AS SIGNED), CAST(sticky AS SIGNED), \
             CAST(tnid AS SIGNED) FROM node WHERE nid > ? ORDER BY nid LIMIT ?",
        )
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(Drupal7Error::query(format!("the nodes after nid {after}")))?;
        let mut nodes: Vec<Node> = rows
            .iter()
            .map(|row| Node {
                nid: int(row, 0),
                vid: int(row, 1),
                node_type: text(row, 2),
                language: text(row, 3),
                title: text(row, 4),
                uid: int(row, 5),
                status: int(row, 6),
                created: int(row, 7),
                changed: int(row, 8),
                comment: int(row, 9),
                promote: int(row, 10),
                sticky: int(row, 11),
                tnid: int(row, 12),
                description: None,
                revisions: Vec::new(),
                comments: Vec::new(),
            })
            .collect();
        if nodes.is_empty() {
            return Ok(nodes);
        }
        let nids: Vec<i64> = nodes.iter().map(|n| n.nid).collect();
        let index: HashMap<i64, usize> = nids.iter().enumerate().map(|(i, n)| (*n, i)).collect();
        let (first, last) = (nids[0], nids[nids.len() - 1]);
        let what = |table: &str| format!("{table} for nodes {first} to {last}");

        let sql = format!(
            "SELECT CAST(nid AS SIGNED), CAST(vid AS SIGNED), CAST(uid AS SIGNED), \
             CAST(title AS CHAR), CAST(log AS CHAR), CAST(timestamp AS SIGNED), \
             CAST(status AS SIGNED), CAST(promote AS SIGNED), CAST(sticky AS SIGNED) \
             FROM node_revision WHERE nid IN ({}) ORDER BY nid, vid",
            placeholders(nids.len())
        );
        let rows = bind_all(sqlx::query(sqlx::AssertSqlSafe(sql.as_str())), &nids)
            .fetch_all(&self.pool)
            .await
            .map_err(Drupal7Error::query(what("node_revision")))?;
        let mut revision_at: HashMap<i64, (usize, usize)> = HashMap::new();
        for row in &rows {
            let nid = int(row, 0);
            let Some(&n) = index.get(&nid) else { continue };
            let node = &mut nodes[n];
            revision_at.insert(int(row, 1), (n, node.revisions.len()));
            node.revisions.push(Revision {
                vid: int(row, 1),
                uid: int(row, 2),
                title: text(row, 3),
                log: text(row, 4),
                timestamp: int(row, 5),
                status: int(row, 6),
                promote: int(row, 7),
                sticky: int(row, 8),
                fields: BTreeMap::new(),
            });
        }

        let types: HashSet<String> = nodes.iter().map(|n| n.node_type.clone()).collect();
        for field in &self.fields {
            if !field.bundles.iter().any(|b| types.contains(b)) || field.columns.is_empty() {
                continue;
            }
            let columns: Vec<String> = field
                .columns
                .iter()
                .map(|c| format!("CAST(`{}_{c}` AS CHAR)", field.name))
                .collect();
            let sql = format!(
                "SELECT CAST(entity_id AS SIGNED), CAST(revision_id AS SIGNED), \
                 CAST(delta AS SIGNED), CAST(language AS CHAR), {} FROM `field_revision_{}` \
                 WHERE entity_type = 'node' AND deleted = 0 AND entity_id IN ({}) \
                 ORDER BY entity_id, revision_id, delta",
                columns.join(", "),
                field.name,
                placeholders(nids.len())
            );
            let rows = bind_all(sqlx::query(sqlx::AssertSqlSafe(sql.as_str())), &nids)
                .fetch_all(&self.pool)
                .await
                .map_err(Drupal7Error::query(what(&format!(
                    "field_revision_{}",
                    field.name
                ))))?;
            for row in &rows {
                let Some(&(n, r)) = revision_at.get(&int(row, 1)) else {
                    continue;
                };
                let item = FieldItem {
                    delta: int(row, 2),
                    language: text(row, 3),
                    columns: field
                        .columns
                        .iter()
                        .enumerate()
                        .map(|(i, c)| (c.clone(), row.try_get(4 + i).ok().flatten()))
                        .collect(),
                };
                nodes[n].revisions[r]
                    .fields
                    .entry(field.name.clone())
                    .or_default()
                    .push(item);
            }
        }

        if let Some(revisions) = self.metatag_revisions {
            let sql = format!(
                "SELECT CAST(entity_id AS SIGNED), {}, data FROM metatag \
                 WHERE entity_type = 'node' AND entity_id IN ({}) ORDER BY entity_id, 2",
                if revisions {
                    "CAST(revision_id AS SIGNED)"
                } else {
                    "CAST(0 AS SIGNED)"
                },
                placeholders(nids.len())
            );
            let rows = bind_all(sqlx::query(sqlx::AssertSqlSafe(sql.as_str())), &nids)
                .fetch_all(&self.pool)
                .await
                .map_err(Drupal7Error::query(what("metatag")))?;
            // Rows come oldest revision first: the newest wins, unless the
            // current revision's own row comes along.
            let mut current_found: HashSet<i64> = HashSet::new();
            for row in &rows {
                let nid = int(row, 0);
                let Some(&n) = index.get(&nid) else { continue };
                if current_found.contains(&nid) {
                    continue;
                }
                let data: Vec<u8> = row.try_get(2).unwrap_or_default();
                let Some(description) = metatag_description(&data) else {
                    continue;
                };
                nodes[n].description = Some(description);
                if int(row, 1) == nodes[n].vid {
                    current_found.insert(nid);
                }
            }
        }

        if self.has("comment") {
            let body = self.has("field_data_comment_body");
            let sql = format!(
                "SELECT CAST(c.cid AS SIGNED), CAST(c.pid AS SIGNED), CAST(c.nid AS SIGNED), \
                 CAST(c.uid AS SIGNED), CAST(c.subject AS CHAR), CAST(c.hostname AS CHAR), \
                 CAST(c.created AS SIGNED), CAST(c.changed AS SIGNED), CAST(c.status AS SIGNED), \
                 CAST(c.thread AS CHAR), CAST(c.name AS CHAR), CAST(c.mail AS CHAR), \
                 CAST(c.homepage AS CHAR), {} FROM comment c {} \
                 WHERE c.nid IN ({}) ORDER BY c.nid, c.cid",
                if body {
                    "CAST(b.comment_body_value AS CHAR)"
                } else {
                    "NULL"
                },
                if body {
                    "LEFT JOIN field_data_comment_body b ON b.entity_type = 'comment' \
                     AND b.entity_id = c.cid AND b.deleted = 0 AND b.delta = 0"
                } else {
                    ""
                },
                placeholders(nids.len())
            );
            let rows = bind_all(sqlx::query(sqlx::AssertSqlSafe(sql.as_str())), &nids)
                .fetch_all(&self.pool)
                .await
                .map_err(Drupal7Error::query(what("comment")))?;
            for row in &rows {
                let Some(&n) = index.get(&int(row, 2)) else {
                    continue;
                };
                nodes[n].comments.push(Comment {
                    cid: int(row, 0),
                    pid: int(row, 1),
                    nid: int(row, 2),
                    uid: int(row, 3),
                    subject: text(row, 4),
                    hostname: text(row, 5),
                    created: int(row, 6),
                    changed: int(row, 7),
                    status: int(row, 8),
                    thread: text(row, 9),
                    name: text(row, 10),
                    mail: text(row, 11),
                    homepage: text(row, 12),
                    body: text(row, 13),
                });
            }
        }
        Ok(nodes)
    }

    /// The translation sets (`tnid`): each set's node to every node in it
    /// (itself included), for the nodes that have one.
    pub async fn translation_sets(&self) -> Result<HashMap<i64, Vec<i64>>> {
        let rows: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT CAST(nid AS SIGNED), CAST(tnid AS SIGNED) FROM node WHERE tnid <> 0 ORDER BY nid",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(Drupal7Error::query("the translation sets"))?;
        let mut sets: HashMap<i64, Vec<i64>> = HashMap::new();
        for (nid, tnid) in rows {
            sets.entry(tnid).or_default().push(nid);
        }
        Ok(sets)
    }

    /// Closes the connections.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

fn int(row: &MySqlRow, i: usize) -> i64 {
    row.try_get::<Option<i64>, _>(i).ok().flatten().unwrap_or(0)
}

fn text(row: &MySqlRow, i: usize) -> String {
    row.try_get::<Option<String>, _>(i)
        .ok()
        .flatten()
        .unwrap_or_default()
}

/// Lowercase letters, digits and underscores: safe inside backquotes.
fn machine_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn placeholders(n: usize) -> String {
    vec!["?"; n].join(", ")
}

fn bind_all<'q>(
    mut query: sqlx::query::Query<'q, sqlx::MySql, sqlx::mysql::MySqlArguments>,
    ids: &'q [i64],
) -> sqlx::query::Query<'q, sqlx::MySql, sqlx::mysql::MySqlArguments> {
    for id in ids {
        query = query.bind(*id);
    }
    query
}

/// A PHP-serialized scalar as `variable_set` stores it: a string
/// (`s:5:"hello";`, the length in bytes), an integer or a float, as text;
/// `None` for anything else (arrays, objects, booleans).
pub(super) fn php_string(value: &[u8]) -> Option<String> {
    match value {
        [b's', b':', rest @ ..] => {
            let colon = rest.iter().position(|&b| b == b':')?;
            let len: usize = std::str::from_utf8(&rest[..colon]).ok()?.parse().ok()?;
            let body = rest.get(colon + 1..)?;
            let text = body.strip_prefix(b"\"")?.get(..len)?;
            if body.get(len + 1..len + 3) != Some(b"\";") {
                return None;
            }
            String::from_utf8(text.to_vec()).ok()
        }
        [b'i' | b'd', b':', rest @ ..] => {
            let text = std::str::from_utf8(rest.strip_suffix(b";")?).ok()?;
            Some(text.to_owned())
        }
        _ => None,
    }
}

/// The `description` of a Metatag module `data` value, a PHP-serialized
/// array (`a:1:{s:11:"description";a:1:{s:5:"value";s:9:"A summary";}}`);
/// `None` when it has none, or an empty one.
pub(super) fn metatag_description(data: &[u8]) -> Option<String> {
    let (value, _) = php_value(data)?;
    let PhpValue::Array(tags) = value else {
        return None;
    };
    let (_, description) = tags.into_iter().find(|(k, _)| k == "description")?;
    let text = match description {
        PhpValue::Array(inner) => match inner.into_iter().find(|(k, _)| k == "value")?.1 {
            PhpValue::Text(text) => text,
            _ => return None,
        },
        PhpValue::Text(text) => text,
        PhpValue::Other => return None,
    };
    let text = text.trim().to_owned();
    (!text.is_empty()).then_some(text)
}

/// A PHP-serialized value, as far as metatag data needs it.
enum PhpValue {
    Text(String),
    Array(Vec<(String, PhpValue)>),
    Other,
}

/// Reads one PHP-serialized value at the start of `data`; returns it and
/// the bytes it took.
fn php_value(data: &[u8]) -> Option<(PhpValue, usize)> {
    let number_end = |from: usize, end: u8| -> Option<(usize, usize)> {
        let stop = from + data.get(from..)?.iter().position(|&b| b == end)?;
        let n = std::str::from_utf8(&data[from..stop]).ok()?.parse().ok()?;
        Some((n, stop + 1))
    };
    match data.first()? {
        b's' => {
            let (len, at) = number_end(2, b':')?;
            let text = data.get(at + 1..at + 1 + len)?;
            let end = at + 1 + len;
            if data.get(end..end + 2) != Some(b"\";") {
                return None;
            }
            Some((
                PhpValue::Text(String::from_utf8_lossy(text).into_owned()),
                end + 2,
            ))
        }
        b'i' | b'd' | b'b' => {
            let stop = data.iter().position(|&b| b == b';')?;
            let text = std::str::from_utf8(&data[2..stop]).ok()?.to_owned();
            Some((PhpValue::Text(text), stop + 1))
        }
        b'N' => Some((PhpValue::Other, 2)),
        b'a' => {
            let (count, at) = number_end(2, b':')?;
            let mut at = at;
            if data.get(at) != Some(&b'{') {
                return None;
            }
            at += 1;
            let mut items = Vec::with_capacity(count.min(64));
            for _ in 0..count {
                let (key, used) = php_value(data.get(at..)?)?;
                at += used;
                let (value, used) = php_value(data.get(at..)?)?;
                at += used;
                let key = match key {
                    PhpValue::Text(key) => key,
                    _ => return None,
                };
                items.push((key, value));
            }
            if data.get(at) != Some(&b'}') {
                return None;
            }
            Some((PhpValue::Array(items), at + 1))
        }
        _ => None,
    }
}

/// The URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            let user = credentials.split(':').next().unwrap_or_default();
            format!("{}{user}@{}", &url[..scheme + 3], &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn php_serialized_strings_are_read_by_their_byte_length() {
        assert_eq!(
            php_string(br#"s:13:"Europe/Berlin";"#).as_deref(),
            Some("Europe/Berlin")
        );
        // Multi-byte characters count as their bytes, quotes inside are kept.
        assert_eq!(
            php_string("s:11:\"Caf\u{e9} \"Berl\";".as_bytes()).as_deref(),
            Some("Caf\u{e9} \"Berl")
        );
        assert_eq!(php_string(b"i:42;").as_deref(), Some("42"));
        assert_eq!(php_string(b"b:1;"), None);
        assert_eq!(php_string(b"a:0:{}"), None);
        // A wrong length is not guessed at.
        assert_eq!(php_string(br#"s:4:"Berlin";"#), None);
    }

    #[test]
    fn a_metatag_description_is_read_from_its_serialized_array() {
        let data = r#"a:2:{s:5:"title";a:1:{s:5:"value";s:9:"[node:ti]";}s:11:"description";a:1:{s:5:"value";s:14:"Café — news";}}"#;
        assert_eq!(
            metatag_description(data.as_bytes()).as_deref(),
            Some("Café — news")
        );
        assert_eq!(
            metatag_description(br#"a:1:{s:5:"title";a:1:{s:5:"value";s:1:"x";}}"#),
            None
        );
        assert_eq!(
            metatag_description(br#"a:1:{s:11:"description";a:1:{s:5:"value";s:0:"";}}"#),
            None
        );
        assert_eq!(metatag_description(b"not serialized"), None);
        // A length that runs past the end is refused, not read beyond it.
        assert_eq!(
            metatag_description(br#"a:1:{s:11:"description";s:99:"x";}"#),
            None
        );
    }

    #[test]
    fn messages_never_show_the_password() {
        assert_eq!(
            redact("mysql://drupal:s3cret@db.example:3306/site"),
            "mysql://drupal@db.example:3306/site"
        );
        assert_eq!(redact("postgres://x"), "postgres://x");
    }
}
