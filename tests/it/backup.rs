//! Backup and restore with the real binary, on both databases: a backup
//! taken while the site serves restores to a site serving byte-identical
//! pages; damaged archives and non-empty targets are refused; a restore
//! killed at any moment leaves the old site or the new one, never a mix;
//! `masthead check` names what is wrong.

use masthead::app::{App, Clock};
use masthead::config::Config;
use masthead::site::Site;
use masthead::storage::Store;

use crate::on_both;
use crate::support::procs;
use crate::support::{self, Backend, NOW, Session};

on_both!(
    a_backup_taken_while_serving_restores_to_a_site_serving_identical_pages,
    a_damaged_backup_is_refused_and_leaves_the_target_empty,
    check_names_what_is_wrong_and_exits_non_zero,
    a_restore_killed_at_any_moment_leaves_the_old_site_or_the_new_one,
);

/// Where a restore goes: a fresh data folder, and for PostgreSQL a fresh
/// schema.
async fn empty_target(backend: Backend) -> (tempfile::TempDir, Option<String>) {
    match backend {
        Backend::Sqlite => (tempfile::tempdir().unwrap(), None),
        Backend::Postgres => {
            let db = support::store(backend).await.expect("postgres");
            db.store.close().await;
            let url = db.database_url.clone();
            (db.dir, url)
        }
    }
}

/// Every public page of a site, as (path, status, content type, bytes).
async fn pages(base: &str, paths: &[String]) -> Vec<(String, u16, String, Vec<u8>)> {
    // A reader without cookies that sees redirects as they are.
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let reader = Session::at_with(base, client);
    let mut out = Vec::new();
    for path in paths {
        let response = reader.get(path).await;
        let kind = response
            .header("content-type")
            .unwrap_or_default()
            .to_owned();
        out.push((
            path.clone(),
            response.status(),
            kind,
            response.bytes().to_vec(),
        ));
    }
    out
}

async fn a_backup_taken_while_serving_restores_to_a_site_serving_identical_pages(backend: Backend) {
    let Some(source) = support::spawn(backend, true).await else {
        return;
    };
    let store = source.app.store();
    let site = Site::load(store).await.unwrap();
    masthead::imports::import_text(
        store,
        &site,
        "markets.txt",
        &procs::page("Markets rally after the vote", "Business", 3),
        NOW,
    )
    .await
    .unwrap();
    // People: a profile written by an editor, and a guest credited by a
    // story (filed in the story's save).
    let actor = masthead::actor::Actor::command_line();
    let profile = masthead::people::PersonInput {
        name: "Ann Reporter".into(),
        bio: "Covers markets.".into(),
        ..Default::default()
    };
    masthead::people::create(store, &actor, &profile, NOW)
        .await
        .unwrap();
    let mut credited = masthead::articles::visible_list(store, None, NOW, None, None, 1)
        .await
        .unwrap()
        .remove(0);
    credited.bylines = vec!["Ann Reporter".into(), "Guest Writer".into()];
    credited.modified_at = NOW;
    let revision = credited.revision;
    assert!(
        store
            .update_article(
                &credited.to_row(),
                revision,
                masthead::storage::NewRevision {
                    author: "test",
                    message: "bylines",
                    snapshot: credited.snapshot(),
                },
                &[],
                None,
            )
            .await
            .unwrap()
    );
    archive_content(&source).await;
    let media_file = source.db.dir.path().join("media/ab/abcdef.jpg");
    std::fs::create_dir_all(media_file.parent().unwrap()).unwrap();
    let image: Vec<u8> = (0..=255u8).cycle().take(10_000).collect();
    std::fs::write(&media_file, &image).unwrap();

    let work = tempfile::tempdir().unwrap();
    let archive = work.path().join("site.tar");
    let (data, url, target) = (
        source.db.dir.path().to_owned(),
        source.db.database_url.clone(),
        archive.clone(),
    );
    let backup = tokio::task::spawn_blocking(move || {
        procs::run(&data, url.as_deref(), &["backup", target.to_str().unwrap()])
    });
    // Readers keep reading while the backup runs.
    while !backup.is_finished() {
        assert_eq!(source.get("/").await.status(), 200);
    }
    let output = backup.await.unwrap();
    assert!(output.status.success(), "{}", procs::describe(&output));

    let (target_dir, target_url) = empty_target(backend).await;
    let restore = |force: bool| {
        let mut args = vec!["restore", archive.to_str().unwrap()];
        if force {
            args.push("--force");
        }
        procs::run(target_dir.path(), target_url.as_deref(), &args)
    };
    let output = restore(false);
    assert!(output.status.success(), "{}", procs::describe(&output));
    let again = restore(false);
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("--force"),
        "{}",
        procs::describe(&again)
    );
    let forced = restore(true);
    assert!(forced.status.success(), "{}", procs::describe(&forced));
    let check = procs::run(target_dir.path(), target_url.as_deref(), &["check"]);
    assert!(check.status.success(), "{}", procs::describe(&check));
    assert_eq!(
        std::fs::read(target_dir.path().join("media/ab/abcdef.jpg")).unwrap(),
        image
    );

    let restored = Store::open(target_url.as_deref(), target_dir.path())
        .await
        .unwrap();
    let mut config = Config::for_data_dir(target_dir.path());
    config.database_url = target_url.clone();
    let app = App::new(restored.clone(), config, Clock::fixed(NOW));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(masthead::http::serve(app, listener, std::future::pending()));

    let mut paths: Vec<String> = vec![
        "/".into(),
        "/static/site.css".into(),
        "/no/such-page".into(),
        "/people/ann-reporter".into(),
        "/people/guest-writer".into(),
        "/feeds/people/guest-writer/atom.xml".into(),
        "/topics/baghdad".into(),
        "/topics/iraq".into(),
        "/feeds/topics/iraq/rss.xml".into(),
        "/node/560".into(),
    ];
    for section in masthead::sections::list(store).await.unwrap() {
        paths.push(format!("/{}", section.slug));
    }
    let stories = masthead::articles::visible_list(store, None, NOW, None, None, 1000)
        .await
        .unwrap();
    assert_eq!(stories.len(), 10);
    paths.extend(stories.iter().map(|a| a.path()));
    let before = pages(&source.url(""), &paths).await;
    let after = pages(&format!("http://{address}"), &paths).await;
    for (a, b) in before.iter().zip(&after) {
        assert_eq!(a.1, b.1, "status of {}", a.0);
        assert_eq!(a.2, b.2, "content type of {}", a.0);
        assert!(a.3 == b.3, "{} differs after restore", a.0);
    }
    assert_eq!(
        restored.last_event_id().await.unwrap(),
        store.last_event_id().await.unwrap()
    );
    // The people, their profiles and filings came back as they were.
    let people = masthead::people::list(store).await.unwrap();
    assert_eq!(people.len(), 2);
    assert_eq!(masthead::people::list(&restored).await.unwrap(), people);
    let page = after
        .iter()
        .find(|p| p.0 == "/people/ann-reporter")
        .expect("the person page was read");
    assert_eq!(page.1, 200);
    assert!(String::from_utf8_lossy(&page.3).contains("Covers markets."));
    // The archive's own rows came back: topics with their tree, comments
    // with their thread, redirects with their hits, kept fields.
    let topic = masthead::topics::find(&restored, "baghdad")
        .await
        .unwrap()
        .unwrap();
    let parent = masthead::topics::find(&restored, "iraq")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(topic.parent_id, Some(parent.id));
    assert_eq!(
        masthead::comments::queue(&restored, Some("approved"), None, 10)
            .await
            .unwrap()
            .len(),
        2
    );
    let story = masthead::articles::visible_by_path(
        &restored,
        "world",
        "us-to-send-560-additional-troops-to-iraq",
        NOW,
    )
    .await
    .unwrap()
    .unwrap();
    assert!(story.fields.contains_key("legacy_nid"));
    assert_eq!(
        restored
            .redirect_at("/node/560")
            .await
            .unwrap()
            .unwrap()
            .hits,
        store.redirect_at("/node/560").await.unwrap().unwrap().hits
    );
}

/// Topics (a child made before its parent, so a restore in id order would
/// meet the child first), a story filed under them with a kept field, an
/// approved comment and its reply, and a redirect.
async fn archive_content(app: &support::TestApp) {
    use masthead::articles::fields::FieldValue;
    let store = app.store();
    let actor = masthead::audit::Actor::command_line();
    let input = |name: &str| masthead::topics::TopicInput {
        name: name.into(),
        ..Default::default()
    };
    let child = masthead::topics::create(store, &actor, &input("Baghdad"), NOW)
        .await
        .unwrap();
    let parent = masthead::topics::create(store, &actor, &input("Iraq"), NOW)
        .await
        .unwrap();
    let mut nested = input("Baghdad");
    nested.parent_id = Some(parent.id);
    masthead::topics::update(store, &actor, child.id, &nested, NOW)
        .await
        .unwrap();
    let story = masthead::articles::visible_by_path(
        store,
        "world",
        "us-to-send-560-additional-troops-to-iraq",
        NOW,
    )
    .await
    .unwrap()
    .unwrap();
    let mut filed = story.clone();
    filed.tags = vec!["Iraq".into(), "Baghdad".into()];
    filed
        .fields
        .insert("legacy_nid".into(), FieldValue::Number("560".into()));
    let record = masthead::articles::revisions::SaveRecord {
        author: "test",
        message: "Archive",
        event: "article.fixed",
        extras: &Default::default(),
    };
    masthead::articles::revisions::save(store, &story, filed, story.revision, record, NOW)
        .await
        .unwrap();
    let site = Site::load(store).await.unwrap();
    let mut settings = site.settings();
    settings.comments_posting = true;
    let site = masthead::site::save(store, &settings, NOW).await.unwrap();
    let story = masthead::articles::find(store, story.id)
        .await
        .unwrap()
        .unwrap();
    let comment = masthead::comments::CommentInput {
        name: "Ann".into(),
        email: "ann@example.com".into(),
        body: "First.".into(),
        ..Default::default()
    };
    masthead::comments::post(store, &site, &story, &comment, "192.0.2.1", NOW)
        .await
        .unwrap();
    let first = masthead::comments::queue(store, None, None, 1)
        .await
        .unwrap()[0]
        .id;
    let step = masthead::comments::Step::Approve;
    masthead::comments::moderate(store, &actor, first, step, NOW)
        .await
        .unwrap();
    let reply = masthead::comments::CommentInput {
        parent: first.to_string(),
        body: "Second.".into(),
        ..comment
    };
    masthead::comments::post(store, &site, &story, &reply, "192.0.2.1", NOW)
        .await
        .unwrap();
    let second = masthead::comments::queue(store, None, None, 1)
        .await
        .unwrap()[0]
        .id;
    masthead::comments::moderate(store, &actor, second, step, NOW)
        .await
        .unwrap();
    masthead::redirects::add(store, &actor, "/node/560", &story.path(), NOW)
        .await
        .unwrap();
    app.app.sync_changes().await;
    assert_eq!(app.get("/node/560").await.status(), 301);
}

async fn a_damaged_backup_is_refused_and_leaves_the_target_empty(backend: Backend) {
    let Some(source) = support::spawn(backend, true).await else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let archive = work.path().join("site.tar");
    let output = procs::run(
        source.db.dir.path(),
        source.db.database_url.as_deref(),
        &["backup", archive.to_str().unwrap()],
    );
    assert!(output.status.success(), "{}", procs::describe(&output));
    let mut bytes = std::fs::read(&archive).unwrap();
    // Inside the first file's data (after its 512-byte header).
    bytes[2000] ^= 0xff;
    std::fs::write(&archive, &bytes).unwrap();

    let (target_dir, target_url) = empty_target(backend).await;
    let output = procs::run(
        target_dir.path(),
        target_url.as_deref(),
        &["restore", archive.to_str().unwrap()],
    );
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("damaged"), "{stderr}");
    assert!(!target_dir.path().join("masthead.db").exists() || backend == Backend::Postgres);
    if let Some(url) = target_url {
        let store = Store::open_postgres(&url).await.unwrap();
        assert!(!store.postgres_has_data().await.unwrap());
    }
}

async fn check_names_what_is_wrong_and_exits_non_zero(backend: Backend) {
    let Some(source) = support::spawn(backend, true).await else {
        return;
    };
    let (dir, url) = (source.db.dir.path(), source.db.database_url.as_deref());
    let output = procs::run(dir, url, &["check"]);
    assert!(output.status.success(), "{}", procs::describe(&output));
    assert!(String::from_utf8_lossy(&output.stdout).contains("everything is in order"));

    let id = masthead::articles::visible_list(source.app.store(), None, NOW, None, None, 1)
        .await
        .unwrap()[0]
        .id;
    tamper(dir, url, id).await;
    let output = procs::run(dir, url, &["check"]);
    assert!(!output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains(&format!(
            "article {id}'s page shows HTML that no longer matches its text"
        )) && stdout.contains(&format!("article {id} says it is at revision 7")),
        "{}",
        procs::describe(&output)
    );
    assert!(stdout.contains("what to do:"), "{stdout}");
}

/// What a botched manual edit of the database does: HTML that no longer
/// matches the article's text, and a revision counter past its revisions.
async fn tamper(dir: &std::path::Path, url: Option<&str>, id: i64) {
    let sql = "UPDATE articles SET body_html = '<p>edited by hand</p>', revision = 7 WHERE id = $1";
    match url {
        None => {
            let pool = sqlx::SqlitePool::connect(&format!(
                "sqlite://{}",
                dir.join("masthead.db").display()
            ))
            .await
            .unwrap();
            sqlx::query(sql).bind(id).execute(&pool).await.unwrap();
            pool.close().await;
        }
        Some(url) => {
            let pool = sqlx::PgPool::connect(url).await.unwrap();
            sqlx::query(sql).bind(id).execute(&pool).await.unwrap();
            pool.close().await;
        }
    }
}

/// What a reader and an operator would notice of a site: its visible
/// headlines and its last change; and its media files with their bytes.
async fn fingerprint(dir: &std::path::Path, url: Option<&str>) -> (String, Vec<String>) {
    let store = Store::open(url, dir).await.expect("the site opens");
    let mut headlines: Vec<String> =
        masthead::articles::visible_list(&store, None, NOW, None, None, 1000)
            .await
            .unwrap()
            .into_iter()
            .map(|a| a.headline)
            .collect();
    headlines.sort();
    let last_event = store.last_event_id().await.unwrap();
    store.close().await;
    let mut media = Vec::new();
    let root = dir.join("media");
    let mut stack = vec![root.clone()];
    while let Some(folder) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let bytes = std::fs::read(&path).unwrap();
                let name = path.strip_prefix(&root).unwrap().display().to_string();
                media.push(format!("{name}:{}:{}", bytes.len(), bytes[0]));
            }
        }
    }
    media.sort();
    let database = format!(
        "{} stories: {headlines:?}; last event {last_event}",
        headlines.len()
    );
    (database, media)
}

/// A site with `stories` imported pages and one media file, backed up.
async fn backed_up_site(backend: Backend, name: &str, stories: usize, out: &std::path::Path) {
    let source = support::spawn(backend, true).await.expect("checked");
    let store = source.app.store();
    let site = Site::load(store).await.unwrap();
    for i in 0..stories {
        masthead::imports::import_text(
            store,
            &site,
            &format!("{name}-{i}.txt"),
            &procs::page(&format!("{name} story {i}"), "Business", 1),
            NOW,
        )
        .await
        .unwrap();
    }
    let file = source
        .db
        .dir
        .path()
        .join(format!("media/{name}/{name}.jpg"));
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, vec![name.as_bytes()[0]; 5000 * stories]).unwrap();
    let output = procs::run(
        source.db.dir.path(),
        source.db.database_url.as_deref(),
        &["backup", out.to_str().unwrap()],
    );
    assert!(output.status.success(), "{}", procs::describe(&output));
}

async fn a_restore_killed_at_any_moment_leaves_the_old_site_or_the_new_one(backend: Backend) {
    if support::store(backend).await.is_none() {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let (old, new) = (work.path().join("old.tar"), work.path().join("new.tar"));
    backed_up_site(backend, "old", 2, &old).await;
    backed_up_site(backend, "new", 40, &new).await;
    let (target_dir, target_url) = empty_target(backend).await;
    let (dir, url) = (target_dir.path(), target_url.as_deref());
    let restore = |archive: &std::path::Path| {
        let output = procs::run(dir, url, &["restore", "--force", archive.to_str().unwrap()]);
        assert!(output.status.success(), "{}", procs::describe(&output));
    };
    restore(&new);
    let new_site = fingerprint(dir, url).await;
    let started = std::time::Instant::now();
    restore(&old);
    let took = started.elapsed().max(std::time::Duration::from_millis(50));
    let old_site = fingerprint(dir, url).await;
    assert_ne!(old_site, new_site);

    let kills = std::env::var("RESTORE_KILLS")
        .ok()
        .and_then(|k| k.parse().ok())
        .unwrap_or(8u64);
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    eprintln!("restore kills on {backend:?}: {kills}, seed {seed}, a whole restore {took:?}");
    let mut random = crate::crash::Random(seed);
    let (mut kept, mut replaced) = (0, 0);
    for round in 0..kills {
        // Anywhere from before the process starts to after it finishes.
        let delay =
            std::time::Duration::from_micros(random.below(took.as_micros() as u64 * 13 / 10));
        let mut command = procs::masthead();
        command.arg("--data-dir").arg(dir);
        if let Some(url) = url {
            command.arg("--database-url").arg(url);
        }
        let mut child = command
            .args(["restore", "--force", new.to_str().unwrap()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        let _ = child.kill();
        child.wait().unwrap();

        let (database, media) = fingerprint(dir, url).await;
        let was = if database == old_site.0 {
            kept += 1;
            &old_site
        } else if database == new_site.0 {
            replaced += 1;
            &new_site
        } else {
            panic!(
                "round {round}, killed after {delay:?} (seed {seed}): the database is neither \
                 the old one nor the new one:\n{database}\nold: {}\nnew: {}",
                old_site.0, new_site.0
            );
        };
        // Every media file of the site it is, unchanged; besides them, only
        // files of the other site (added before the commit, or not yet
        // removed after it), never a damaged one.
        for file in &was.1 {
            assert!(
                media.contains(file),
                "round {round} (seed {seed}): {file} is missing"
            );
        }
        for file in &media {
            assert!(
                old_site.1.contains(file) || new_site.1.contains(file),
                "round {round} (seed {seed}): {file} is from neither site"
            );
        }
        let check = procs::run(dir, url, &["check"]);
        assert!(
            check.status.success(),
            "round {round}: {}",
            procs::describe(&check)
        );
        // The site opens and serves its home page.
        let store = Store::open(url, dir).await.unwrap();
        let mut config = Config::for_data_dir(dir);
        config.database_url = target_url.clone();
        let app = App::new(store.clone(), config, Clock::fixed(NOW));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(masthead::http::serve(app, listener, async {
            let _ = stopped.await;
        }));
        // A plain client, following redirects as a browser does.
        let home = Session::at_with(&format!("http://{address}"), reqwest::Client::new())
            .get("/")
            .await;
        assert_eq!(home.status(), 200, "round {round}");
        let expect = if database == old_site.0 {
            "old story"
        } else {
            "new story"
        };
        assert!(home.text().contains(expect), "round {round}");
        let _ = stop.send(());
        let _ = server.await;
        store.close().await;
        // Back to the old site for the next round.
        if database == new_site.0 {
            restore(&old);
        }
    }
    eprintln!("restore kills on {backend:?}: {kept} left the old site, {replaced} the new one");
    // A later restore clears what killed ones left behind.
    restore(&new);
    assert_eq!(fingerprint(dir, url).await, new_site);
    let leftovers: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(".restore-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
