//! Crash safety, proven with the real binary: imports run as separate
//! processes against a served data folder, and an editor signed in with a
//! real session creates, publishes and edits stories through the story desk,
//! while the test SIGKILLs the server and the importers at random moments.
//! Afterwards every import that was acknowledged (its process exited 0) is
//! on the site, every desk write answered 303 is in the database (headline,
//! revision, publication), the database passes
//! its integrity check, the changes feed has an event for every story and
//! (on SQLite) no hole, and no import is half-done.
//!
//! `CRASH_KILLS` (default 20) sets the number of kills on SQLite and
//! `CRASH_KILLS_POSTGRES` on PostgreSQL (default half of it), `CRASH_SEED`
//! replays a run; `bench/crash` runs 200 kills on each.

use std::collections::HashSet;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::Duration;

use masthead::articles::Slug;
use masthead::storage::Store;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use crate::desk_writer::{self, Desk};
use crate::support::procs::{self, Server};
use crate::support::{self, Backend, Session};

/// Related stories per imported page: a page is 1 + RELATED stories.
const RELATED: usize = 2;
/// Importers running at once.
const WRITERS: usize = 2;

/// A small deterministic random source (xorshift64*), so a failing run can
/// be replayed from its seed.
pub(crate) struct Random(pub(crate) u64);

impl Random {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// One import in flight.
struct Writer {
    child: Child,
    page: usize,
}

fn section_of(page: usize) -> String {
    format!("Crash {page}")
}

fn title_of(page: usize) -> String {
    format!("Story {page} of the crash test")
}

fn start_writer(data: &Path, url: Option<&str>, pages: &Path, page: usize) -> Writer {
    let file = pages.join(format!("page-{page}.txt"));
    std::fs::write(
        &file,
        procs::page(&title_of(page), &section_of(page), RELATED),
    )
    .unwrap();
    let mut command = procs::masthead();
    command.arg("--data-dir").arg(data);
    if let Some(url) = url {
        command.arg("--database-url").arg(url);
    }
    let child = command
        .args(["import", "text"])
        .arg(&file)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(pages.join(format!("page-{page}.err"))).unwrap())
        .spawn()
        .expect("spawn an importer");
    Writer { child, page }
}

#[tokio::test]
async fn acknowledged_writes_survive_sigkill_on_sqlite() {
    let kills = env_number("CRASH_KILLS", 20);
    crash_run(Backend::Sqlite, kills).await;
}

#[tokio::test]
async fn acknowledged_writes_survive_sigkill_on_postgres() {
    // PostgreSQL itself is not killed (its durability is its own); this
    // proves masthead's writes are atomic and acknowledged only once committed.
    // Half as many by default (CI's minute); `bench/crash` asks for as many.
    let kills = env_number("CRASH_KILLS_POSTGRES", env_number("CRASH_KILLS", 20) / 2);
    crash_run(Backend::Postgres, kills).await;
}

async fn crash_run(backend: Backend, kills: u64) {
    let (dir, url) = match backend {
        Backend::Sqlite => (tempfile::tempdir().unwrap(), None),
        Backend::Postgres => {
            let Some(db) = support::store(backend).await else {
                return;
            };
            db.store.close().await;
            (db.dir, db.database_url)
        }
    };
    let url = url.as_deref();
    let seed = env_number(
        "CRASH_SEED",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64
            | 1,
    );
    eprintln!("crash test on {backend:?}: {kills} kills, CRASH_SEED={seed}");
    let mut random = Random(seed);
    let data = dir.path().join("data");
    let pages = dir.path().join("pages");
    std::fs::create_dir_all(&pages).unwrap();
    let log = dir.path().join("server.log");
    let mut server = Server::start(&data, url, &[], &[], &log);
    assert!(
        server.wait_ready(Duration::from_secs(60)).await,
        "{}",
        server.logs()
    );

    // An editor writes through the story desk the whole time.
    add_desk_editor(&data, url);
    let desk = Desk {
        base: Arc::new(Mutex::new(server.url(""))),
        stop: Arc::new(AtomicBool::new(false)),
    };
    let desk_task = tokio::spawn(desk.clone().run());

    let mut acknowledged: HashSet<usize> = HashSet::new();
    let mut attempted = 0usize;
    let mut writers: Vec<Writer> = Vec::new();
    let (mut server_kills, mut writer_kills) = (0u64, 0u64);
    // A reader of whichever server is up (its port changes on each restart).
    let client = reqwest::Client::new();
    let reader = |server: &Server| Session::at_with(&server.url(""), client.clone());
    while server_kills + writer_kills < kills {
        while writers.len() < WRITERS {
            writers.push(start_writer(&data, url, &pages, attempted));
            attempted += 1;
        }
        tokio::time::sleep(Duration::from_millis(random.below(200))).await;
        reap(&mut writers, &mut acknowledged, &pages);
        match random.below(10) {
            0..=5 if !writers.is_empty() => {
                let i = random.below(writers.len() as u64) as usize;
                let mut writer = writers.swap_remove(i);
                // Exited already? Then it counts by its exit status.
                match writer.child.try_wait().unwrap() {
                    Some(_) => {
                        writers.push(writer);
                        reap(&mut writers, &mut acknowledged, &pages);
                    }
                    None => {
                        writer.child.kill().unwrap();
                        writer.child.wait().unwrap();
                        writer_kills += 1;
                    }
                }
            }
            6..=8 => {
                server.signal("KILL");
                server.wait_exit(Duration::from_secs(30)).await;
                server_kills += 1;
                server = Server::start(&data, url, &[], &[], &log);
                assert!(
                    server.wait_ready(Duration::from_secs(60)).await,
                    "the server did not come back after a kill:\n{}",
                    server.logs()
                );
                *desk.base.lock().unwrap() = server.url("");
            }
            _ => {
                let response = reader(&server).get("/").await;
                assert_eq!(response.status(), 200);
            }
        }
    }
    while !writers.is_empty() {
        tokio::time::sleep(Duration::from_millis(20)).await;
        reap(&mut writers, &mut acknowledged, &pages);
    }
    desk.stop.store(true, Ordering::SeqCst);
    let ledger = desk_task.await.expect("the desk writer");
    eprintln!(
        "{attempted} imports started, {} acknowledged; {} desk writes sent, {} acknowledged; \
         {server_kills} server and {writer_kills} importer kills",
        acknowledged.len(),
        ledger.attempted,
        ledger.acknowledged,
    );
    assert!(!acknowledged.is_empty(), "no import ever finished");
    assert!(
        ledger.acknowledged > 0,
        "no desk write was ever acknowledged"
    );

    // Every acknowledged story is on the site, as readers see it.
    for &page in &acknowledged {
        let path = format!(
            "/{}/{}",
            Slug::from_title(&section_of(page)),
            Slug::from_title(&title_of(page))
        );
        let response = reader(&server).get(&path).await;
        assert_eq!(
            response.status(),
            200,
            "acknowledged story {path} is missing"
        );
    }

    let store = Store::open(url, &data).await.unwrap();
    ledger.verify(&store).await;
    assert_eq!(
        store.integrity_problems().await.unwrap(),
        Vec::<String>::new()
    );
    // No import is half-done: a page's section has all its stories or none.
    for page in 0..attempted {
        let slug = Slug::from_title(&section_of(page)).to_string();
        let count = match masthead::sections::find(&store, &slug).await.unwrap() {
            Some(section) => masthead::articles::visible_list(
                &store,
                Some(section.id),
                i64::MAX,
                None,
                None,
                100,
            )
            .await
            .unwrap()
            .len(),
            None => 0,
        };
        assert!(
            count == 0 || count == 1 + RELATED,
            "import {page} is half-done: {count} stories"
        );
        assert!(
            count > 0 || !acknowledged.contains(&page),
            "acknowledged import {page} is gone"
        );
    }
    // Every story has its changes-feed event, in id order.
    let events = store.events_after(0, 1_000_000).await.unwrap();
    let subjects: HashSet<&str> = events.iter().map(|e| e.subject.as_str()).collect();
    let stories = masthead::articles::visible_list(&store, None, i64::MAX, None, None, 100_000)
        .await
        .unwrap();
    for story in &stories {
        assert!(
            subjects.contains(format!("article:{}", story.id).as_str()),
            "story {} has no changes-feed event",
            story.id
        );
    }
    assert!(events.windows(2).all(|w| w[0].id < w[1].id));
    if backend == Backend::Sqlite {
        // SQLite hands out ids inside the transaction: a rolled-back write
        // leaves no hole, so any hole would be a lost event.
        assert_eq!(store.event_gaps().await.unwrap(), Vec::<(i64, i64)>::new());
    }
    store.close().await;

    let check = procs::run(&data, url, &["check"]);
    assert!(check.status.success(), "{}", procs::describe(&check));
}

/// Collects importers that exited: an exit 0 is an acknowledged write; an
/// importer nobody killed must not fail (concurrent writers wait their turn).
fn reap(writers: &mut Vec<Writer>, acknowledged: &mut HashSet<usize>, pages: &Path) {
    writers.retain_mut(|writer| match writer.child.try_wait().unwrap() {
        Some(status) => {
            assert!(
                status.success(),
                "import {} failed without being killed: {}",
                writer.page,
                std::fs::read_to_string(pages.join(format!("page-{}.err", writer.page)))
                    .unwrap_or_default()
            );
            acknowledged.insert(writer.page);
            false
        }
        None => true,
    });
}

/// Creates the desk writer's editor account, as an operator does.
fn add_desk_editor(data: &Path, url: Option<&str>) {
    use std::io::Write;
    let mut command = procs::masthead();
    command.arg("--data-dir").arg(data);
    if let Some(url) = url {
        command.arg("--database-url").arg(url);
    }
    let mut add = command
        .args([
            "user",
            "add",
            "--email",
            desk_writer::EMAIL,
            "--name",
            "Desk",
            "--role",
            "editor",
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(add.stdin.take().unwrap(), "{}", desk_writer::PASSWORD).unwrap();
    let added = add.wait_with_output().unwrap();
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
}
