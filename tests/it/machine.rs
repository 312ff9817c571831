//! Issue 17: when the machine runs out. A full disk (a small tmpfs holding
//! the SQLite data folder, the media folder or a backup target) while an
//! editor saves and readers read; a clock that jumps; the image pipeline's
//! memory under concurrent uploads and a decompression bomb.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use masthead::accounts::Role;
use masthead::app::Clock;
use masthead::articles::{self, Status};
use masthead::publishing::{self, scheduler};

use crate::media::{encode, picture, png_bomb, post_upload};
use crate::on_both;
use crate::ops::SmallDisk;
use crate::stories::{signed_in, story_form, world};
use crate::support::{self, Backend, NOW, Session, TestApp, procs};

on_both!(a_clock_that_jumps_publishes_nothing_early_or_twice_and_keeps_sessions);

/// What the editor reads when the disk is full.
const CANNOT_STORE: &str = "The server cannot store changes right now; your text is kept here.";
const TROOPS: &str = "/world/us-to-send-560-additional-troops-to-iraq";

/// Fills the filesystem of `dir` to the last byte; the filler's path.
pub fn fill_disk(dir: &Path) -> PathBuf {
    let path = dir.join("filler");
    let mut file = std::fs::File::create(&path).expect("the filler");
    for chunk in [1 << 16, 4096, 512, 1] {
        let bytes = vec![0u8; chunk];
        while file.write_all(&bytes).is_ok() {}
    }
    let _ = file.flush();
    path
}

/// Empties SQLite's write-ahead log, so that the next write needs new space
/// on disk (otherwise a small write could reuse the log's old pages).
pub async fn empty_the_log(data_dir: &Path) {
    use sqlx::Connection;
    let url = format!("sqlite://{}", data_dir.join("masthead.db").display());
    let mut connection = sqlx::SqliteConnection::connect(&url).await.unwrap();
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&mut connection)
        .await
        .unwrap();
    connection.close().await.unwrap();
}

/// A body large enough to need new pages of the database, marked `mark`.
fn long_body(mark: &str) -> String {
    let paragraph = format!("{mark} kept word for word. ");
    let mut body = String::new();
    while body.len() < 96 * 1024 {
        body.push_str(&paragraph);
        body.push_str("\n\n");
    }
    body
}

/// Files of the media folder, temporary ones included.
fn media_files(data_dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let root = data_dir.join("media");
    let Ok(shards) = std::fs::read_dir(&root) else {
        return out;
    };
    for shard in shards.flatten() {
        if let Ok(files) = std::fs::read_dir(shard.path()) {
            out.extend(
                files
                    .flatten()
                    .map(|f| f.file_name().to_string_lossy().into_owned()),
            );
        }
    }
    out
}

async fn save(
    session: &Session,
    id: i64,
    section: &str,
    body: &str,
    revision: &str,
) -> (u16, String) {
    let mut form = story_form(section, "Harbour reopens", body);
    form.push(("revision", revision));
    let page = session
        .post_form(&format!("/admin/stories/{id}"), &form)
        .await;
    (page.status(), page.into_text())
}

/// Readers reading `paths` in a loop until `stop`: (served, failed).
fn readers(app: &TestApp, stop: Arc<AtomicBool>) -> tokio::task::JoinHandle<(u64, Vec<String>)> {
    let urls: Vec<String> = ["/", "/world", TROOPS].iter().map(|p| app.url(p)).collect();
    let client = app.client.clone();
    tokio::spawn(async move {
        let served = AtomicU64::new(0);
        let mut failed = Vec::new();
        while !stop.load(Ordering::Relaxed) {
            for url in &urls {
                match client.get(url).send().await {
                    Ok(r) if r.status() == 200 => {
                        served.fetch_add(1, Ordering::Relaxed);
                    }
                    Ok(r) => failed.push(format!("{url}: {}", r.status())),
                    Err(e) => failed.push(format!("{url}: {e}")),
                }
            }
        }
        (served.load(Ordering::Relaxed), failed)
    })
}

#[tokio::test]
async fn a_full_disk_refuses_saves_keeps_every_text_and_recovers_without_a_restart() {
    let Some(disk) = SmallDisk::mount("48m") else {
        return;
    };
    let db = support::sqlite_store_in(disk.path()).await;
    let data = db.dir.path().to_owned();
    let app = support::serve(db, true, |_| {}, Clock::fixed(NOW)).await;
    let (eve, _) = signed_in(&app, "eve@example.org", Role::Editor).await;
    let section = world(&app).await;
    let created = eve
        .post_form(
            "/admin/stories",
            &story_form(&section, "Harbour reopens", "First draft."),
        )
        .await;
    assert_eq!(created.status(), 303);
    let id: i64 = created
        .location()
        .unwrap()
        .trim_start_matches("/admin/stories/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    for path in ["/", "/world", TROOPS] {
        assert_eq!(app.get(path).await.status(), 200, "{path}");
    }

    empty_the_log(&data).await;
    let filler = fill_disk(disk.path());
    let full_at = Instant::now();
    let stop = Arc::new(AtomicBool::new(false));
    let reading = readers(&app, stop.clone());

    // Every save is refused with the form as sent, never a stack trace.
    let mut refused = 0;
    let mut last = String::new();
    for i in 0..4 {
        last = long_body(&format!("Paragraph {i} written while the disk was full"));
        let (status, html) = save(&eve, id, &section, &last, "1").await;
        assert_eq!(status, 503, "{}", &html[..html.len().min(2000)]);
        assert!(html.contains(CANNOT_STORE), "{}", &html[..2000]);
        assert!(
            html.contains(&format!(
                "Paragraph {i} written while the disk was full kept word for word."
            )),
            "the text is not in the form"
        );
        assert!(
            html.contains("value=\"Harbour reopens\""),
            "the headline is lost"
        );
        assert!(
            !html.contains("sqlite") && !html.contains("SQLITE"),
            "a cause is shown"
        );
        refused += 1;
    }
    // A new story too.
    let body = long_body("A new story written while the disk was full");
    let page = eve
        .post_form(
            "/admin/stories",
            &story_form(&section, "Storm warning", &body),
        )
        .await;
    assert_eq!(page.status(), 503);
    assert!(page.text().contains(CANNOT_STORE));
    assert!(page.text().contains("value=\"Storm warning\""));
    assert!(
        page.text()
            .contains("A new story written while the disk was full kept")
    );
    refused += 1;
    // Publishing shows the editor with the stored story and the message.
    let page = eve.post(&format!("/admin/stories/{id}/publish")).await;
    assert_eq!(page.status(), 503, "{}", page.text());
    assert!(page.text().contains(CANNOT_STORE));
    refused += 1;
    // An upload leaves no file, whole or partial, and no record.
    let image = encode(&picture(640, 480), "png");
    let page = post_upload(&eve, true, "harbour.png", &image, "The harbour").await;
    assert_eq!(page.status(), 503, "{}", page.text());
    assert!(page.text().contains("unavailable"), "{}", page.text());
    assert_eq!(media_files(&data), Vec::<String>::new());
    assert!(
        masthead::media::list(app.store(), None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    refused += 1;
    // Readers were served all along.
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.store(true, Ordering::Relaxed);
    let (served, failed) = reading.await.unwrap();
    assert!(failed.is_empty(), "readers were refused: {failed:?}");
    assert!(served > 0);
    let full_for = full_at.elapsed();
    let stored = articles::find(app.store(), id).await.unwrap().unwrap();
    assert_eq!(
        stored.body_source, "First draft.",
        "a refused save changed the story"
    );

    // Space returns: the same text saves, without a restart.
    std::fs::remove_file(&filler).unwrap();
    let freed = Instant::now();
    let (status, html) = save(&eve, id, &section, &last, "1").await;
    let recovered = freed.elapsed();
    assert_eq!(status, 303, "{}", &html[..html.len().min(2000)]);
    let stored = articles::find(app.store(), id).await.unwrap().unwrap();
    assert_eq!(
        stored.body_source.trim(),
        last.trim(),
        "the text saved is not the text sent"
    );
    let page = eve.post(&format!("/admin/stories/{id}/publish")).await;
    assert_eq!(page.status(), 303);
    let page = post_upload(&eve, true, "harbour.png", &image, "The harbour").await;
    assert_eq!(page.status(), 201, "{}", page.text());
    let check = procs::run(&data, None, &["check"]);
    assert!(check.status.success(), "{}", procs::describe(&check));
    eprintln!(
        "FIGURES disk full: {served} reader requests served while full ({:.1} s), 0 refused; \
         {refused} writes refused (503); 0 writes lost; time to recover after space was freed: \
         {} ms (first save)",
        full_for.as_secs_f64(),
        recovered.as_millis()
    );
}

#[tokio::test]
async fn a_backup_to_a_full_disk_fails_clearly_and_leaves_no_archive() {
    let Some(disk) = SmallDisk::mount("8m") else {
        return;
    };
    let site = tempfile::tempdir().unwrap();
    let page = site.path().join("page.txt");
    std::fs::write(
        &page,
        procs::page("Markets rally after the vote", "Business", 3),
    )
    .unwrap();
    let import = procs::run(
        site.path(),
        None,
        &["import", "text", page.to_str().unwrap()],
    );
    assert!(import.status.success(), "{}", procs::describe(&import));
    let filler = fill_disk(disk.path());
    let target = disk.path().join("site.tar");
    let output = procs::run(site.path(), None, &["backup", target.to_str().unwrap()]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        (stderr.contains("No space left on device") || stderr.contains("disk is full"))
            && stderr.contains(&target.display().to_string()),
        "{stderr}"
    );
    let left: Vec<_> = std::fs::read_dir(disk.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, vec!["filler".to_owned()], "something was left behind");
    // With space again, the same command works.
    std::fs::remove_file(&filler).unwrap();
    let output = procs::run(site.path(), None, &["backup", target.to_str().unwrap()]);
    assert!(output.status.success(), "{}", procs::describe(&output));
    assert!(target.is_file());
}

fn editor() -> publishing::Actor {
    publishing::Actor {
        id: None,
        name: "editor".into(),
        audit_name: "editor".into(),
        role: Some(Role::Editor),
        address: None,
    }
}

/// A story scheduled an hour after `now`.
async fn scheduled(store: &masthead::storage::Store, now: i64, headline: &str) -> i64 {
    let section = masthead::sections::find(store, "world")
        .await
        .unwrap()
        .unwrap();
    let actor = editor();
    let fields = publishing::StoryFields {
        headline: headline.into(),
        body: "A paragraph.".into(),
        section_id: section.id,
        bylines: "Jane Doe".into(),
        ..publishing::StoryFields::default()
    };
    let draft = publishing::create(store, &actor, &fields, "", now)
        .await
        .unwrap();
    publishing::schedule(store, &actor, draft.id, now + 3600, now)
        .await
        .unwrap();
    draft.id
}

async fn a_clock_that_jumps_publishes_nothing_early_or_twice_and_keeps_sessions(backend: Backend) {
    let Some(db) = support::store(backend).await else {
        return;
    };
    let app = support::serve(db, true, |_| {}, Clock::system()).await;
    let clock = app.app.clock();
    let start = app.app.now();
    let (eve, _) = signed_in(&app, "eve@example.org", Role::Editor).await;
    let due = scheduled(app.store(), start, "Due in an hour").await;
    // A story published with its embargo an hour away.
    let actor = editor();
    let section = masthead::sections::find(app.store(), "world")
        .await
        .unwrap()
        .unwrap();
    let fields = publishing::StoryFields {
        headline: "Embargoed for an hour".into(),
        body: "A paragraph.".into(),
        section_id: section.id,
        bylines: "Jane Doe".into(),
        embargo_until: Some(start + 3600),
        ..publishing::StoryFields::default()
    };
    let embargoed = publishing::create(app.store(), &actor, &fields, "", start)
        .await
        .unwrap()
        .id;
    publishing::publish(app.store(), &actor, embargoed, start)
        .await
        .unwrap();
    let path = articles::find(app.store(), embargoed)
        .await
        .unwrap()
        .unwrap()
        .path();
    app.app.sync_changes().await;
    assert_eq!(app.get(&path).await.status(), 404, "embargoed");

    // The node's clock jumps a month ahead (past any session's lifetime).
    clock.skew_system(30 * 86_400);
    let report = scheduler::pass(app.store(), clock).await.unwrap();
    assert!(report.published.is_empty(), "{report:?}");
    assert!(report.embargoes_lifted.is_empty(), "{report:?}");
    assert!(
        (app.app.now() - start).abs() < 60,
        "masthead followed the jump"
    );
    let story = articles::find(app.store(), due).await.unwrap().unwrap();
    assert_eq!(story.status, Status::Scheduled);
    app.app.sync_changes().await;
    assert_eq!(
        app.get(&path).await.status(),
        404,
        "the embargo lifted early"
    );
    assert_eq!(
        eve.get("/admin/stories").await.status(),
        200,
        "the session broke"
    );

    // The story falls due (on masthead's time), and is published once...
    let report = scheduler::tick(app.store(), start + 3601).await.unwrap();
    assert_eq!(report.published, vec![due]);
    // ...the clock jumps back a month: nothing is published again.
    clock.skew_system(-30 * 86_400);
    let report = scheduler::pass(app.store(), clock).await.unwrap();
    assert!(report.published.is_empty(), "{report:?}");
    let report = scheduler::tick(app.store(), start + 3602).await.unwrap();
    assert!(report.published.is_empty(), "published twice: {report:?}");
    let revisions = articles::revisions::list(app.store(), due).await.unwrap();
    assert_eq!(
        revisions
            .iter()
            .filter(|r| r.author == scheduler::AUTHOR)
            .count(),
        1
    );
    assert_eq!(
        eve.get("/admin/stories").await.status(),
        200,
        "the session broke"
    );
    // Back to the right time: followed again.
    clock.skew_system(0);
    scheduler::pass(app.store(), clock).await.unwrap();
    assert!((app.app.now() - start).abs() < 60);
}

#[tokio::test]
async fn on_postgresql_the_scheduler_keeps_the_databases_time_not_the_nodes() {
    let Some(db) = support::store(Backend::Postgres).await else {
        return;
    };
    // This node's clock has been a day ahead since it started.
    let app = support::serve(db, true, |_| {}, Clock::system_skewed(86_400)).await;
    let real = jiff::Timestamp::now().as_second();
    assert!(app.app.now() - real > 86_000);
    let due = scheduled(app.store(), real, "Due in an hour").await;
    let report = scheduler::pass(app.store(), app.app.clock()).await.unwrap();
    assert!(
        report.published.is_empty(),
        "published on the node's clock: {report:?}"
    );
    // Pages and sessions follow the database's time too.
    assert!(
        (app.app.now() - real).abs() < 60,
        "{} vs {real}",
        app.app.now()
    );
    let story = articles::find(app.store(), due).await.unwrap().unwrap();
    assert_eq!(story.status, Status::Scheduled);
}

#[tokio::test]
async fn uploads_share_one_memory_budget_and_a_bomb_is_refused_from_its_header() {
    let Some(app) = support::spawn(Backend::Sqlite, false).await else {
        return;
    };
    let (eve, _) = signed_in(&app, "eve@example.org", Role::Editor).await;
    let page = post_upload(&eve, true, "bomb.png", &png_bomb(), "A bomb").await;
    assert_eq!(page.status(), 422, "{}", page.text());
    assert!(page.text().contains("100000x100000"), "{}", page.text());
    let mut uploads = Vec::new();
    for i in 0..4u32 {
        let image = encode(&picture(800 + i, 600), "png");
        let session = eve.clone();
        uploads.push(tokio::spawn(async move {
            post_upload(&session, true, "big.png", &image, "A picture")
                .await
                .status()
        }));
    }
    for upload in uploads {
        assert_eq!(upload.await.unwrap(), 201);
    }
    let peak = masthead::media::image_memory_peak();
    assert!(
        peak > 0 && peak <= masthead::media::IMAGE_MEMORY_BUDGET,
        "{peak}"
    );
    eprintln!(
        "FIGURES image memory reserved at most: {} MiB of {} MiB",
        peak >> 20,
        masthead::media::IMAGE_MEMORY_BUDGET >> 20
    );
}
