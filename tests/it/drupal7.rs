//! Importing a Drupal 7 site (issue 12) from a real MariaDB: each test
//! loads `tests/fixtures/drupal7` (Drupal 7's own table definitions and a
//! small news site) into a database of its own and drops it after. On both
//! masthead backends: the seed story renders as the seed page, with its
//! three revisions, topics, comments and image; the `page` node is a page; old addresses answer 301;
//! the missing image is reported; a re-run changes nothing; an imported
//! user signs in over HTTP with their Drupal password, which is then stored
//! as Argon2id. From the binary: databases that are not Drupal 7 and
//! unreachable ones exit 2 with one line.

use std::path::{Path, PathBuf};

use masthead::articles;
use masthead::imports::drupal7::{self, Options};
use masthead::imports::report::Report;
use masthead::storage::Store;
use sqlx::mysql::MySqlPoolOptions;

use crate::on_both;
use crate::support::procs;
use crate::support::{Backend, NOW, SEED, spawn, text_blocks};

on_both!(
    the_drupal_site_becomes_stories_with_their_history_comments_and_addresses,
    an_imported_drupal_user_signs_in_with_their_drupal_password,
    an_import_killed_mid_run_and_run_again_equals_an_uninterrupted_one,
    translations_metatag_descriptions_and_kept_drupal_paths_come_along,
    one_broken_node_among_new_ones_is_refused_alone_with_its_row,
);

/// 400 more stories of 3 revisions each in World, beside the fixture's
/// (MariaDB's sequence tables number them).
const MORE_NODES: &str = "\
INSERT INTO node (nid, vid, type, language, title, uid, status, created, changed, comment, promote, sticky, tnid, translate) \
 SELECT 100 + seq, 1000 + seq * 3, 'article', 'und', CONCAT('Generated story ', seq), 3, 1, 1400000000 + seq * 600, \
 1400000000 + seq * 600 + 7200, 2, 1, 0, 0, 0 FROM seq_1_to_400;
INSERT INTO node_revision (nid, vid, uid, title, log, timestamp, status, comment, promote, sticky) \
 SELECT 100 + s.seq, 998 + s.seq * 3 + r.seq, 3, CONCAT('Generated story ', s.seq), CONCAT('Revision ', r.seq + 1), \
 1400000000 + s.seq * 600 + r.seq * 3600, 1, 2, 1, 0 FROM seq_1_to_400 s JOIN seq_0_to_2 r;
INSERT INTO field_revision_body (entity_type, bundle, deleted, entity_id, revision_id, language, delta, body_value, body_summary, body_format) \
 SELECT 'node', 'article', 0, 100 + s.seq, 998 + s.seq * 3 + r.seq, 'und', 0, CONCAT('<p>Story ', s.seq, ', take ', r.seq, '.</p>'), '', 'filtered_html' \
 FROM seq_1_to_400 s JOIN seq_0_to_2 r;
INSERT INTO field_data_body SELECT * FROM field_revision_body WHERE entity_id > 100 AND revision_id = 1000 + (entity_id - 100) * 3;
INSERT INTO field_revision_field_section (entity_type, bundle, deleted, entity_id, revision_id, language, delta, field_section_tid) \
 SELECT 'node', 'article', 0, 100 + s.seq, 998 + s.seq * 3 + r.seq, 'und', 0, 10 FROM seq_1_to_400 s JOIN seq_0_to_2 r;
INSERT INTO field_data_field_section SELECT * FROM field_revision_field_section WHERE entity_id > 100 AND revision_id = 1000 + (entity_id - 100) * 3;
INSERT INTO comment (pid, nid, uid, subject, hostname, created, changed, status, thread, name, mail, homepage, language) \
 SELECT 0, 100 + seq, 0, 'A reader', '127.0.0.1', 1400000000 + seq * 600 + 60, 1400000000 + seq * 600 + 60, 1, '01/', 'Reader', '', '', 'und' FROM seq_1_to_400";

const SERVER: &str = "mysql://root@127.0.0.1:3306";
const SCHEMA: &str = include_str!("../fixtures/drupal7/schema.sql");
const DATA: &str = include_str!("../fixtures/drupal7/data.sql");
const SEED_PATH: &str = "/world/us-send-560-additional-troops-iraq";

/// A MariaDB database of one test, dropped when the value goes.
struct DrupalDb {
    name: String,
}

impl DrupalDb {
    fn url(&self) -> String {
        format!("{SERVER}/{}", self.name)
    }

    /// A new database holding `sql` (statements separated by `;` at line
    /// ends); `None` when MariaDB is not there outside CI.
    async fn with(sql: &[&str]) -> Option<DrupalDb> {
        let server = match MySqlPoolOptions::new()
            .max_connections(1)
            .connect(&format!("{SERVER}/mysql"))
            .await
        {
            Ok(pool) => pool,
            Err(e) if std::env::var("CI").as_deref() == Ok("true") => {
                panic!("MariaDB at 127.0.0.1:3306 is needed in CI: {e}")
            }
            Err(e) => {
                eprintln!("SKIPPED: no MariaDB at 127.0.0.1:3306 ({e})");
                return None;
            }
        };
        let mut random = [0u8; 6];
        getrandom::fill(&mut random).unwrap();
        let name = format!(
            "masthead_d7_{}",
            random
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        );
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "CREATE DATABASE `{name}` CHARACTER SET utf8mb4"
        )))
        .execute(&server)
        .await
        .unwrap();
        server.close().await;
        let db = DrupalDb { name };
        let pool = MySqlPoolOptions::new()
            .max_connections(1)
            .connect(&db.url())
            .await
            .unwrap();
        for script in sql {
            for statement in script.split(";\n").filter(|s| !only_comments(s)) {
                sqlx::raw_sql(sqlx::AssertSqlSafe(statement.to_owned()))
                    .execute(&pool)
                    .await
                    .unwrap_or_else(|e| panic!("{e}: {statement}"));
            }
        }
        pool.close().await;
        Some(db)
    }

    async fn fixture() -> Option<DrupalDb> {
        DrupalDb::with(&[SCHEMA, DATA]).await
    }
}

fn only_comments(statement: &str) -> bool {
    statement
        .lines()
        .all(|l| l.trim().is_empty() || l.trim_start().starts_with("--"))
}

impl Drop for DrupalDb {
    fn drop(&mut self) {
        let name = self.name.clone();
        // Drop runs outside async: a thread of its own with a runtime.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                if let Ok(pool) = MySqlPoolOptions::new()
                    .max_connections(1)
                    .connect(&format!("{SERVER}/mysql"))
                    .await
                {
                    let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS `{name}`"
                    )))
                    .execute(&pool)
                    .await;
                    pool.close().await;
                }
            });
        })
        .join();
    }
}

fn files_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/drupal7/files")
}

async fn import(store: &Store, data_dir: &Path, db: &DrupalDb, dry_run: bool) -> Report {
    import_keeping(store, data_dir, db, dry_run, false).await
}

async fn import_keeping(
    store: &Store,
    data_dir: &Path,
    db: &DrupalDb,
    dry_run: bool,
    keep_paths: bool,
) -> Report {
    let options = Options {
        source: db.url(),
        files: Some(files_dir()),
        section_vocabulary: None,
        dry_run,
        show_progress: false,
        keep_paths,
    };
    let media = masthead::media::MediaFiles::new(data_dir);
    drupal7::import(store, &media, &options, NOW)
        .await
        .unwrap_or_else(|e| panic!("import failed: {e}"))
}

async fn the_drupal_site_becomes_stories_with_their_history_comments_and_addresses(
    backend: Backend,
) {
    let Some(db) = DrupalDb::fixture().await else {
        return;
    };
    let Some(app) = spawn(backend, false).await else {
        return;
    };
    let store = app.store();

    // A dry run reads everything and writes nothing.
    let dry = import(store, app.db.dir.path(), &db, true).await;
    assert_eq!(dry.counts["node"].imported, 11, "{dry}");
    assert!(
        articles::visible_list(store, None, NOW, None, None, 100)
            .await
            .unwrap()
            .is_empty()
    );

    let report = import(store, app.db.dir.path(), &db, false).await;
    let text = report.to_string();
    assert_eq!(
        report.counts["node"].imported, 11,
        "ten stories, a page: {text}"
    );
    // New stories went in together (the fast path), none one by one.
    assert!(report.grouped > 0 && report.ungrouped == 0, "{text}");
    assert_eq!(report.counts["user"].imported, 5, "{text}");
    assert_eq!(report.counts["term"].imported, 7, "{text}");
    assert_eq!(report.counts["file"].imported, 1, "{text}");
    assert!(!report.has_failures(), "{text}");
    assert!(
        text.contains("the vocabulary \"Sections\" became the sections"),
        "{text}"
    );
    // The Business story's image is not under --files: named with its node and path.
    assert!(
        text.lines().any(|l| l.contains("node nid=8")
            && l.contains("public://2016/07/trading-floor.jpg")
            && l.contains("missing")),
        "{text}"
    );

    // The seed story reads exactly as the seed page: every line in order,
    // its Last update in the site's time zone and date format from Drupal.
    let (status, html) = app.get_text(SEED_PATH).await;
    assert_eq!(status, 200, "{html}");
    let blocks = text_blocks(&html);
    let expected: Vec<String> = SEED
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect();
    let mut position = 0;
    for line in &expected {
        match blocks[position..].iter().position(|b| b == line) {
            Some(offset) => position += offset + 1,
            None => panic!("{line:?} is not a block after {position}; blocks: {blocks:#?}"),
        }
    }
    assert!(html.contains("The Seed Chronicle"), "the site name");
    // Comments: the published thread shows, the unpublished one does not.
    assert!(html.contains("A clear account of the deployment."));
    assert!(html.contains("Glad it helped."));
    assert!(!html.contains("Visit my shop."));

    let id = app
        .store()
        .article_at_path(SEED_PATH)
        .await
        .unwrap()
        .expect("the seed story");
    let story = articles::find(store, id).await.unwrap().unwrap();
    assert_eq!(story.revision, 3);
    assert_eq!(story.bylines, vec!["tom".to_owned()]);
    assert_eq!(
        story.tags,
        vec!["Iraq".to_owned(), "Islamic State".to_owned()]
    );
    assert_eq!(story.last_update_at, Some(1_468_271_340));
    assert_eq!(story.first_published_at, Some(1_468_271_340 - 3 * 3600));
    assert!(
        story
            .lead_image
            .as_deref()
            .is_some_and(|r| r.starts_with("media:"))
    );
    let media = masthead::media::lead_image(store, &story)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(media.alt, "Qayyarah airbase, south of Mosul");
    assert_eq!(media.caption, "The airbase recaptured on Saturday");
    let fields = articles::fields::plain(&story.fields);
    assert_eq!(
        fields["field_subtitle"],
        "Carter in Baghdad to discuss retaking Mosul"
    );
    assert_eq!(fields["field_source"], "https://www.defense.gov/News/");
    assert_eq!(fields["field_source_title"], "US Department of Defense");
    assert_eq!(fields["drupal_nid"], "1");
    // Every Drupal revision, with its author, time and log message.
    let history = articles::revisions::list(store, id).await.unwrap();
    let mut logs: Vec<(&str, &str, i64)> = history
        .iter()
        .map(|r| (r.author.as_str(), r.message.as_str(), r.created_at))
        .collect();
    logs.sort_by_key(|l| l.2);
    assert_eq!(
        logs,
        vec![
            ("tom", "First version.", 1_468_271_340 - 3 * 3600),
            (
                "maria",
                "Added the White House reaction.",
                1_468_271_340 - 2 * 3600
            ),
            ("maria", "Copy edit; the Baghdad attacks.", 1_468_271_340),
        ]
    );

    // More from World: the five related stories, newest first.
    let more = articles::more_from(store, &story, NOW).await.unwrap();
    assert_eq!(
        more.iter().map(|a| a.headline.as_str()).collect::<Vec<_>>()[..2],
        [
            "Trump vows to return power to the people in inaugural speech",
            "Donald Trump sworn in as US president"
        ]
    );

    // The topic tree and the comment thread.
    let iraq = store.topic_by_slug("iraq").await.unwrap().unwrap();
    let middle_east = store.topic_by_slug("middle-east").await.unwrap().unwrap();
    assert_eq!(iraq.parent_id, Some(middle_east.id));
    let comments = store.approved_comments(id).await.unwrap();
    assert_eq!(comments.len(), 3);
    let reply = comments.iter().find(|c| c.body.contains("Glad")).unwrap();
    let first = comments
        .iter()
        .find(|c| c.body.contains("clear account"))
        .unwrap();
    assert_eq!(reply.parent_id, Some(first.id));
    let pending = store
        .comments_by_status(Some("pending"), i64::MAX, 10)
        .await
        .unwrap();
    assert_eq!(pending.len(), 1);
    assert!(pending[0].body.contains("Buy cheap watches"));

    // Drupal's addresses answer 301 to the new ones.
    for (old, new) in [
        ("/node/1", SEED_PATH),
        ("/news/world/us-send-560-additional-troops-iraq", SEED_PATH),
        ("/old/iraq-troops", SEED_PATH),
        ("/taxonomy/term/2", "/topics/iraq"),
        ("/tags/iraq", "/topics/iraq"),
        ("/taxonomy/term/10", "/world"),
        ("/world-news", "/world"),
        ("/users/tom", "/people/tom"),
        ("/node/9", "/about"),
    ] {
        let page = app.session().get(old).await;
        assert_eq!(page.status(), 301, "{old}");
        let location = page.location().unwrap_or_default();
        assert!(location.ends_with(new), "{old} -> {location}, not {new}");
    }

    // The `page` node is a standalone page at its alias.
    let (status, about) = app.get_text("/about").await;
    assert_eq!(status, 200, "{about}");
    assert!(about.contains("We report the news."), "{about}");

    // Users: roles mapped, the blocked one disabled, Drupal hashes kept.
    let tom = store
        .user_by_email("tom@chronicle.example")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(tom.role, "writer");
    assert!(tom.password_hash.as_deref().unwrap().starts_with("$S$D"));
    let maria = store
        .user_by_email("maria@chronicle.example")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(maria.role, "editor");
    let admin = store
        .user_by_email("admin@chronicle.example")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(admin.role, "admin");
    let blocked = store
        .user_by_email("blocked@chronicle.example")
        .await
        .unwrap()
        .unwrap();
    assert!(blocked.disabled_at.is_some());

    // Running it again changes nothing and duplicates nothing.
    let again = import(store, app.db.dir.path(), &db, false).await;
    assert_eq!(again.counts["node"].unchanged, 11, "{again}");
    assert_eq!(again.counts["node"].imported, 0, "{again}");
    assert_eq!(
        again.counts.get("file").map_or(0, |c| c.imported),
        0,
        "{again}"
    );
    let visible = articles::visible_list(store, None, NOW, None, None, 100)
        .await
        .unwrap();
    assert_eq!(visible.len(), 9, "ten stories, one a draft");
    assert_eq!(store.approved_comments(id).await.unwrap().len(), 3);
}

async fn translations_metatag_descriptions_and_kept_drupal_paths_come_along(backend: Backend) {
    let Some(db) = DrupalDb::fixture().await else {
        return;
    };
    let Some(app) = spawn(backend, false).await else {
        return;
    };
    let store = app.store();
    let report = import_keeping(store, app.db.dir.path(), &db, false, true).await;
    let text = report.to_string();
    assert!(!report.has_failures(), "{text}");
    assert!(
        text.contains("1 sticky and 9 promoted nodes: kept as the drupal_sticky"),
        "{text}"
    );

    // --keep-paths: the seed story lives at its Drupal alias; node/1 and the
    // Redirect module's old path lead there, and so does its section address.
    let kept = "/news/world/us-send-560-additional-troops-iraq";
    let (status, html) = app.get_text(kept).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("US to send 560 additional troops to Iraq"));
    for old in ["/node/1", "/old/iraq-troops", SEED_PATH] {
        let page = app.session().get(old).await;
        assert_eq!(page.status(), 301, "{old}");
        let location = page.location().unwrap_or_default();
        assert!(location.ends_with(kept), "{old} -> {location}");
    }
    // A story without an alias keeps its masthead address.
    let stories = articles::visible_list(store, None, NOW, None, None, 100)
        .await
        .unwrap();
    let by_headline = |h: &str| stories.iter().find(|a| a.headline == h).unwrap().clone();
    assert_eq!(
        by_headline("Donald Trump sworn in as US president").canonical_path,
        None
    );

    // The translation set (tnid 10): the German story is linked with the
    // English one, and each page names the other.
    let en = by_headline("Aleppo in numbers");
    let de = by_headline("Aleppo in Zahlen");
    assert_eq!((en.language.as_str(), de.language.as_str()), ("en", "de"));
    assert!(en.translation_set.is_some());
    assert_eq!(en.translation_set, de.translation_set);
    let (_, en_page) = app.get_text(&en.path()).await;
    assert!(
        en_page.contains("hreflang=\"de\"") && en_page.contains(&de.path()),
        "{en_page}"
    );

    // Metatag descriptions: the story's standfirst (its page's description),
    // the page's description.
    let trump = by_headline("Trump vows to return power to the people in inaugural speech");
    assert_eq!(
        trump.standfirst,
        "Donald Trump’s inaugural address, line by line."
    );
    let (_, trump_page) = app.get_text(&trump.path()).await;
    assert!(
        trump_page.contains(
            "<meta name=\"description\" content=\"Donald Trump’s inaugural address, line by line.\">"
        ),
        "{trump_page}"
    );
    let (status, about) = app.get_text("/about").await;
    assert_eq!(status, 200, "{about}");
    assert!(
        about.contains("<meta name=\"description\" content=\"Who we are and how we report.\">"),
        "{about}"
    );
    // Sticky and promoted stay as kept fields.
    let fields = articles::fields::plain(&trump.fields);
    assert_eq!(fields["drupal_sticky"], "1");
    assert_eq!(fields["drupal_promote"], "1");

    // Run again: nothing changes, the links and kept paths stay.
    let again = import_keeping(store, app.db.dir.path(), &db, false, true).await;
    assert_eq!(again.counts["node"].unchanged, 11, "{again}");
    let (status, _) = app.get_text(kept).await;
    assert_eq!(status, 200);
}

async fn an_imported_drupal_user_signs_in_with_their_drupal_password(backend: Backend) {
    let Some(db) = DrupalDb::fixture().await else {
        return;
    };
    let Some(app) = spawn(backend, false).await else {
        return;
    };
    import(app.store(), app.db.dir.path(), &db, false).await;

    // tom's password is the one make_data.py hashed with Drupal 7's $S$.
    let session = app.session();
    let page = session
        .sign_in("tom@chronicle.example", "reporter in baghdad x")
        .await;
    assert_ne!(page.status(), 303, "a wrong password is refused");
    let page = session
        .sign_in("tom@chronicle.example", "reporter in baghdad")
        .await;
    assert_eq!(page.status(), 303, "{}", page.text());
    let tom = app
        .store()
        .user_by_email("tom@chronicle.example")
        .await
        .unwrap()
        .unwrap();
    let hash = tom.password_hash.unwrap();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    // The new hash verifies the same password next time.
    let page = app
        .session()
        .sign_in("tom@chronicle.example", "reporter in baghdad")
        .await;
    assert_eq!(page.status(), 303);

    // An account Drupal 7 upgraded from Drupal 6 (U$S$), with a short password.
    let page = app
        .session()
        .sign_in("olga@chronicle.example", "old password")
        .await;
    assert_eq!(page.status(), 303, "{}", page.text());
    // A blocked Drupal user stays out even with the right password.
    let page = app
        .session()
        .sign_in("blocked@chronicle.example", "blocked for good")
        .await;
    assert_ne!(page.status(), 303);
}

async fn an_import_killed_mid_run_and_run_again_equals_an_uninterrupted_one(backend: Backend) {
    let Some(db) = DrupalDb::with(&[SCHEMA, DATA, MORE_NODES]).await else {
        return;
    };
    let (Some(killed), Some(whole)) = (
        crate::support::store(backend).await,
        crate::support::store(backend).await,
    ) else {
        return;
    };
    let source = format!("drupal7:127.0.0.1:3306/{}", db.name);
    let url = db.url();
    let files = files_dir();
    let args = [
        "import",
        "drupal7",
        "--source",
        &url,
        "--files",
        files.to_str().unwrap(),
    ];
    let nodes =
        |rows: &[masthead::storage::LedgerRow]| rows.iter().filter(|r| r.kind == "node").count();

    // Killed once some nodes are in, then run again to the end.
    let mut command = procs::masthead();
    command.arg("--data-dir").arg(killed.dir.path());
    if let Some(database) = &killed.database_url {
        command.arg("--database-url").arg(database);
    }
    let mut child = command
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    let mut stored = 0;
    while started.elapsed() < std::time::Duration::from_secs(120) {
        stored = nodes(&killed.store.ledger(&source).await.unwrap());
        if stored >= 20 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(stored >= 20, "the import did not get going");
    let after_kill = nodes(&killed.store.ledger(&source).await.unwrap());
    assert!(after_kill < 411, "the import ended before it was killed");
    let output = procs::run(killed.dir.path(), killed.database_url.as_deref(), &args);
    assert!(output.status.success(), "{}", procs::describe(&output));
    let report = String::from_utf8_lossy(&output.stdout);
    let line = report.lines().find(|l| l.starts_with("node ")).unwrap();
    let numbers: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .map(|n| n.parse().unwrap())
        .collect();
    assert_eq!(numbers[0] + numbers[2], 411, "{report}");
    assert!(numbers[2] as usize >= after_kill, "{report}");

    // Uninterrupted, into another database: the same result.
    let output = procs::run(whole.dir.path(), whole.database_url.as_deref(), &args);
    assert!(output.status.success(), "{}", procs::describe(&output));
    let (a, b) = (
        crate::wordpress::snapshot(&killed).await,
        crate::wordpress::snapshot(&whole).await,
    );
    let only_a: Vec<_> = a.difference(&b).take(5).collect();
    let only_b: Vec<_> = b.difference(&a).take(5).collect();
    assert!(
        only_a.is_empty() && only_b.is_empty(),
        "killed run has {only_a:?}, whole run has {only_b:?}"
    );
    assert!(a.iter().filter(|l| l.starts_with("story|")).count() >= 410);
}

#[tokio::test]
async fn databases_that_are_not_drupal_7_and_unreachable_ones_exit_2_with_one_line() {
    let Some(not_drupal) = DrupalDb::with(&["CREATE TABLE wp_posts (id INT)"]).await else {
        return;
    };
    let drupal6 = DrupalDb::with(&[
        "CREATE TABLE `system` (name VARCHAR(255), type VARCHAR(12), schema_version INT);\n\
         CREATE TABLE node_revisions (nid INT, vid INT)",
    ])
    .await
    .unwrap();
    let drupal8 = DrupalDb::with(&[
        "CREATE TABLE key_value (name VARCHAR(128));\nCREATE TABLE node_field_data (nid INT)",
    ])
    .await
    .unwrap();
    let data = tempfile::tempdir().unwrap();
    let dir = data.path();
    for (source, expected) in [
        (not_drupal.url(), "has no `system` table"),
        (drupal6.url(), "Drupal 6"),
        (drupal8.url(), "Drupal 8 or later"),
        (
            "mysql://root@127.0.0.1:1/drupal".to_owned(),
            "cannot reach the Drupal database 127.0.0.1:1/drupal",
        ),
        ("postgres://x/y".to_owned(), "is not a mysql://"),
    ] {
        let output = procs::run(dir, None, &["import", "drupal7", "--source", &source]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{source}: {}",
            procs::describe(&output)
        );
        assert!(stderr.contains(expected), "{source}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    }
}

/// `--dry-run` writes nothing, not even a database: on SQLite a data folder
/// without one stays without one (the run reads a temporary copy), and a
/// PostgreSQL database that is not migrated is refused (exit 2), left
/// without a table.
#[tokio::test]
async fn a_dry_run_creates_and_migrates_no_database() {
    let Some(db) = DrupalDb::fixture().await else {
        return;
    };
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().join("site");
    let output = procs::run(
        &dir,
        None,
        &["import", "drupal7", "--source", &db.url(), "--dry-run"],
    );
    assert!(output.status.success(), "{}", procs::describe(&output));
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        report.contains("(dry run: nothing was written)"),
        "{report}"
    );
    assert!(
        report
            .lines()
            .any(|l| l.starts_with("node ") && l.contains(" 11")),
        "{report}"
    );
    assert!(!dir.join("masthead.db").exists(), "no database was made");

    let server = match sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect(&crate::support::postgres_url())
        .await
    {
        Ok(pool) => pool,
        Err(e) if crate::support::in_ci() => panic!("PostgreSQL is needed in CI: {e}"),
        Err(e) => {
            eprintln!("SKIPPED the PostgreSQL half: {e}");
            return;
        }
    };
    let schema = format!("dry_{}", &db.name["masthead_d7_".len()..]);
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&server)
        .await
        .unwrap();
    let url = crate::support::db::schema_url(&schema);
    let output = procs::run(
        &dir,
        Some(&url),
        &["import", "drupal7", "--source", &db.url(), "--dry-run"],
    );
    let tables: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = $1",
    )
    .bind(&schema)
    .fetch_one(&server)
    .await
    .unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
        .execute(&server)
        .await
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(2),
        "{}",
        procs::describe(&output)
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("not migrated"), "{stderr}");
    assert_eq!(tables, 0, "the dry run made no table");
}

/// Twenty new stories written together (the bulk path); node 107's
/// address is taken twice over (by node 103, and with its node id by node
/// 105), so the bulk write fails, the nodes go in one by one, and only node
/// 107 is refused, named by its row.
async fn one_broken_node_among_new_ones_is_refused_alone_with_its_row(backend: Backend) {
    let more = MORE_NODES.replace("seq_1_to_400", "seq_1_to_20");
    let titles = "UPDATE node SET title = 'Generated story 3' WHERE nid = 107;
UPDATE node_revision SET title = 'Generated story 3' WHERE nid = 107;
UPDATE node SET title = 'Generated story 3 107' WHERE nid = 105;
UPDATE node_revision SET title = 'Generated story 3 107' WHERE nid = 105";
    let Some(db) = DrupalDb::with(&[SCHEMA, DATA, &more, titles]).await else {
        return;
    };
    let Some(app) = crate::support::store(backend).await else {
        return;
    };
    let report = import(&app.store, app.dir.path(), &db, false).await;
    let counts = report.counts_of("node");
    let problems: Vec<_> = report
        .problems
        .iter()
        .filter(|p| p.item.kind == "node")
        .collect();
    assert_eq!(problems.len(), 1, "{report}");
    assert_eq!(problems[0].item.source_id, "107", "{report}");
    assert_eq!(
        problems[0].item.place.to_string(),
        "node nid=107",
        "{report}"
    );
    assert_eq!(counts.failed, 1, "{report}");
    assert!(report.ungrouped > 0, "{report}");
    let source = format!("drupal7:127.0.0.1:3306/{}", db.name);
    let ledger = app.store.ledger(&source).await.unwrap();
    for nid in (101..=120).filter(|n| *n != 107) {
        let row = ledger
            .iter()
            .find(|r| r.kind == "node" && r.source_id == nid.to_string())
            .unwrap_or_else(|| panic!("node {nid} is not stored: {report}"));
        let story = articles::find(&app.store, row.target_id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(story.revision, 3, "node {nid}");
        let revisions = app.store.revisions(row.target_id).await.unwrap();
        assert_eq!(revisions.len(), 3, "node {nid}");
    }
    assert!(
        !ledger
            .iter()
            .any(|r| r.kind == "node" && r.source_id == "107"),
        "{report}"
    );
    // Every generated node's comment came along, but node 107's.
    let comments = ledger.iter().filter(|r| r.kind == "comment").count();
    let again = import(&app.store, app.dir.path(), &db, false).await;
    assert_eq!(again.counts_of("node").failed, 1, "{again}");
    assert_eq!(
        app.store
            .ledger(&source)
            .await
            .unwrap()
            .iter()
            .filter(|r| r.kind == "comment")
            .count(),
        comments,
        "{again}"
    );
}
