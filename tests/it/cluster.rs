//! Several nodes (issue 15): three `masthead serve` processes on one
//! PostgreSQL schema behind nginx, media in the S3 store (see
//! `support::cluster`). What one node takes in, every node shows at once;
//! scheduled stories are published once; a session, the throttle and the
//! cross-site check hold on every node; a killed node loses no acknowledged
//! write and a rolling restart fails no reader; nodes started together on an
//! empty database set it up once; a PostgreSQL restart makes nodes unready
//! for its length only, and they serve fresh pages after it unaided.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use masthead::accounts::{self, FREE_FAILURES_PER_PAIR, Role};
use masthead::actor::Actor;
use masthead::publishing::{self, StoryFields};
use masthead::storage::Store;

use crate::media::{encode, picture, post_upload};
use crate::support::cluster::{Cluster, Hub, Options};
use crate::support::db::TestStore;
use crate::support::pg_server::PgServer;
use crate::support::{NOW, PASSWORD, Session};

/// How long a change may take to show on every node before the test fails
/// (the target is 100 ms; CI machines are slow and shared).
const VISIBLE_WITHIN: Duration = Duration::from_secs(3);

/// An account with `role` and the password [`PASSWORD`].
async fn account(store: &Store, email: &str, role: Role) -> accounts::User {
    accounts::create_user(
        store,
        &Actor::command_line(),
        email,
        email,
        role,
        Some(PASSWORD),
        NOW,
    )
    .await
    .unwrap()
    .0
}

/// An editor's API token.
async fn editor_token(store: &Store) -> String {
    let editor = account(store, "desk@news.example", Role::Editor).await;
    accounts::api_tokens::create(store, &editor, "cluster", NOW)
        .await
        .unwrap()
        .secret
}

async fn world(store: &Store) -> i64 {
    masthead::sections::create(store, &Actor::command_line(), "World", None, NOW)
        .await
        .unwrap()
        .id
}

/// A draft made through `base` with the API: its id and path.
async fn draft(api: &Session, token: &str, headline: &str) -> (i64, String) {
    let body = serde_json::json!({
        "section": "world",
        "headline": headline,
        "body": format!("What happened at {headline}."),
        "bylines": ["Ann Reporter"],
    });
    let created = api.post_json("/api/v1/stories", token, &body).await;
    assert_eq!(created.status(), 201, "{}", created.text());
    let json = created.json();
    (
        json["id"].as_i64().unwrap(),
        json["path"].as_str().unwrap().to_owned(),
    )
}

fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

/// The median and 99th percentile of `samples`, in milliseconds.
fn median_p99(samples: &mut [Duration]) -> (f64, f64) {
    samples.sort();
    let at = |q: f64| {
        let i = ((samples.len() as f64 - 1.0) * q).round() as usize;
        samples[i].as_secs_f64() * 1000.0
    };
    (at(0.5), at(0.99))
}

#[tokio::test]
async fn what_one_node_takes_in_every_node_serves_at_once() {
    let Some(cluster) = Cluster::start().await else {
        return;
    };
    let store = &cluster.db.store;
    world(store).await;
    let token = editor_token(store).await;
    let plain = reqwest::Client::new();
    let fetch = async |url: String| {
        let answer = plain.get(&url).send().await.expect("request");
        let status = answer.status().as_u16();
        (status, answer.text().await.unwrap_or_default())
    };
    let lists = ["/", "/world", "/feeds/rss.xml", "/feeds/world/rss.xml"];

    // A story published through node A is on B's and C's article page,
    // section front, home and feeds: cached pages purged by NOTIFY.
    let mut delays = Vec::new();
    for round in 0..5 {
        let via = round % 3;
        let headline = format!("Harbour reopens after storm number {round}");
        let (id, path) = draft(&Session::at(&cluster.url("")), &token, &headline).await;
        let others: Vec<usize> = (0..3).filter(|&i| i != via).collect();
        // Every page cached on the other nodes before the story appears.
        for &i in &others {
            for page in lists {
                for _ in 0..2 {
                    let (status, text) = fetch(cluster.node_url(i, page)).await;
                    assert_eq!(status, 200, "{page} on node {i}");
                    assert!(!text.contains(&headline), "{page} on node {i}");
                }
            }
            assert_eq!(fetch(cluster.node_url(i, &path)).await.0, 404);
        }
        let published = Session::at(&cluster.node_url(via, ""))
            .api(
                reqwest::Method::POST,
                &format!("/api/v1/stories/{id}/publish"),
                Some(&token),
                None,
            )
            .await;
        assert_eq!(published.status(), 200, "{}", published.text());
        let started = Instant::now();
        'visible: loop {
            let mut missing = Vec::new();
            for &i in &others {
                for page in lists.iter().copied().chain([path.as_str()]) {
                    let (status, text) = fetch(cluster.node_url(i, page)).await;
                    if status != 200 || !text.contains(&headline) {
                        missing.push(format!("{page} on node {i} ({status})"));
                    }
                }
            }
            if missing.is_empty() {
                delays.push(started.elapsed());
                break 'visible;
            }
            assert!(
                started.elapsed() < VISIBLE_WITHIN,
                "not visible after {VISIBLE_WITHIN:?}: {missing:?}\n{}",
                cluster.logs()
            );
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }
    let (median, p99) = median_p99(&mut delays);
    eprintln!(
        "publish to visible on the other nodes: median {median:.1} ms, max {p99:.1} ms over {}",
        delays.len()
    );

    // An image uploaded through A is served by B and C, byte for byte.
    let writer = Session::at(&cluster.node_url(0, ""));
    account(store, "photo@news.example", Role::Writer).await;
    assert_eq!(
        writer
            .sign_in("photo@news.example", PASSWORD)
            .await
            .status(),
        303
    );
    let png = encode(&picture(900, 600), "png");
    let uploaded = post_upload(&writer, true, "quay.png", &png, "The quay at dawn").await;
    assert_eq!(uploaded.status(), 201, "{}", uploaded.text());
    let image = masthead::media::find(store, uploaded.json()["id"].as_i64().unwrap())
        .await
        .unwrap()
        .unwrap();
    let addresses: Vec<String> = std::iter::once(image.original_url())
        .chain(image.derivatives.iter().map(|d| image.url(d)))
        .collect();
    assert!(addresses.len() > 1, "{addresses:?}");
    for address in &addresses {
        let on_a = plain
            .get(cluster.node_url(0, address))
            .send()
            .await
            .unwrap();
        assert_eq!(on_a.status(), 200, "{address} on A");
        let bytes = on_a.bytes().await.unwrap();
        for i in [1, 2] {
            let answer = plain
                .get(cluster.node_url(i, address))
                .send()
                .await
                .unwrap();
            assert_eq!(answer.status(), 200, "{address} on node {i}");
            assert!(
                answer.bytes().await.unwrap() == bytes,
                "{address} on node {i}"
            );
        }
    }
    for node in &cluster.nodes {
        assert!(!node.dir.join("media").exists(), "media on a node's disk");
    }
}

#[tokio::test]
async fn a_session_the_sign_in_throttle_and_the_cross_site_check_hold_on_every_node() {
    let Some(cluster) = Cluster::start().await else {
        return;
    };
    let store = &cluster.db.store;
    account(store, "editor@news.example", Role::Editor).await;
    // One browser: its cookie jar serves every node (cookies ignore ports).
    let browser = Session::at(&cluster.node_url(0, ""));
    assert_eq!(
        browser
            .sign_in("editor@news.example", PASSWORD)
            .await
            .status(),
        303
    );
    let on = |i: usize| Session::at_with(&cluster.node_url(i, ""), browser.client().clone());
    assert_eq!(on(1).get("/admin").await.status(), 200, "signed in on B");
    // A form sent from the site's own pages (the balancer's origin) to B.
    let same_site = [
        ("origin", cluster.base.as_str()),
        ("sec-fetch-site", "same-origin"),
    ];
    let made = on(1)
        .post_form_with(
            "/admin/sections",
            &[("name", "Harbour"), ("slug", "")],
            &same_site,
        )
        .await;
    assert_eq!(made.status(), 303, "{}", made.text());
    assert!(
        masthead::sections::list(store)
            .await
            .unwrap()
            .iter()
            .any(|s| s.name == "Harbour")
    );
    // The same form from another site, sent to C, is refused.
    let forged = on(2)
        .post_form_with(
            "/admin/sections",
            &[("name", "Forged"), ("slug", "")],
            &[
                ("origin", "https://evil.example"),
                ("sec-fetch-site", "cross-site"),
            ],
        )
        .await;
    assert_eq!(forged.status(), 403, "{}", forged.text());
    // Signing out on C ends the session on A and B too.
    assert_eq!(
        on(2).post_with("/admin/logout", &same_site).await.status(),
        303
    );
    for i in [0, 1] {
        let answer = on(i).get("/admin").await;
        assert_eq!(answer.status(), 303, "node {i} still knows the session");
    }

    // Failures through every node count together.
    account(store, "target@news.example", Role::Writer).await;
    for n in 0..=FREE_FAILURES_PER_PAIR {
        let script = Session::at_with(
            &cluster.node_url(n as usize % 3, ""),
            reqwest::Client::new(),
        );
        let answer = script.sign_in("target@news.example", "wrong").await;
        assert_eq!(answer.status(), 401, "attempt {n}");
    }
    for i in 0..3 {
        let script = Session::at_with(&cluster.node_url(i, ""), reqwest::Client::new());
        let answer = script.sign_in("target@news.example", PASSWORD).await;
        assert_eq!(answer.status(), 429, "node {i} lets the attacker go on");
    }
}

fn editor() -> Actor {
    Actor {
        id: None,
        name: "editor".into(),
        audit_name: "editor".into(),
        role: Some(Role::Editor),
        address: None,
    }
}

/// `count` drafts in `section`, then each scheduled for the same second a
/// moment later; their ids and that second.
async fn schedule(store: &Store, section: i64, count: usize, label: &str) -> (Vec<i64>, i64) {
    let mut ids = Vec::new();
    for n in 0..count {
        let fields = StoryFields {
            headline: format!("{label} story {n}"),
            body: "Due at the top of the minute.".into(),
            section_id: section,
            bylines: "Ann Reporter".into(),
            ..StoryFields::default()
        };
        let draft = publishing::create(store, &editor(), &fields, "", now())
            .await
            .unwrap();
        ids.push(draft.id);
    }
    // Far enough ahead for 20 schedules on a loaded CI machine.
    let at = now() + 4;
    for id in &ids {
        publishing::schedule(store, &editor(), *id, at, now())
            .await
            .unwrap();
    }
    (ids, at)
}

/// Waits until every story of `ids` is published (at most `limit`).
async fn wait_published(cluster: &Cluster, ids: &[i64], limit: Duration) {
    let started = Instant::now();
    loop {
        let mut pending = Vec::new();
        for id in ids {
            let story = masthead::articles::find(&cluster.db.store, *id)
                .await
                .unwrap()
                .unwrap();
            if story.status != masthead::articles::Status::Published {
                pending.push(*id);
            }
        }
        if pending.is_empty() {
            return;
        }
        assert!(
            started.elapsed() < limit,
            "still scheduled: {pending:?}\n{}",
            cluster.logs()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Each story of `ids` has exactly one publication event and one audit
/// entry.
async fn published_once(store: &Store, ids: &[i64]) {
    let events = store.events_after(0, 100_000).await.unwrap();
    let audit = masthead::audit::list(store, None, 10_000).await.unwrap();
    for id in ids {
        let subject = format!("article:{id}");
        let published = events
            .iter()
            .filter(|e| e.kind == "article.published" && e.subject == subject)
            .count();
        assert_eq!(published, 1, "{subject}: publication events");
        let entries = audit
            .iter()
            .filter(|e| e.action == "story.published" && e.subject == subject)
            .count();
        assert_eq!(entries, 1, "{subject}: audit entries");
    }
}

/// The tags of each call the purge webhook received.
fn purge_calls(cdn: &Hub) -> Vec<Vec<String>> {
    cdn.pings()
        .iter()
        .map(|body| {
            let json: serde_json::Value = serde_json::from_str(body).expect("a JSON purge");
            json["tags"]
                .as_array()
                .expect("tags")
                .iter()
                .map(|t| t.as_str().unwrap().to_owned())
                .collect()
        })
        .collect()
}

/// The feeds a story in World changes, as the hub receives their pings.
fn world_pings(base: &str) -> Vec<String> {
    let mut pings: Vec<String> = [
        "atom.xml",
        "feed.json",
        "rss.xml",
        "world/atom.xml",
        "world/feed.json",
        "world/rss.xml",
    ]
    .iter()
    .map(|feed| {
        let url = format!("{base}/feeds/{feed}");
        let encoded: String = url
            .replace('%', "%25")
            .replace(':', "%3A")
            .replace('/', "%2F");
        format!("hub.mode=publish&hub.url={encoded}")
    })
    .collect();
    pings.sort();
    pings
}

#[tokio::test]
async fn scheduled_stories_are_published_and_announced_once_by_three_nodes_even_when_one_is_killed()
{
    // A slow hub and a slow CDN: rounds from several nodes would overlap.
    let (hub_url, hub) = Hub::start(Duration::from_millis(150)).await;
    let (cdn_url, cdn) = Hub::start(Duration::from_millis(150)).await;
    let Some(mut cluster) = Cluster::start_with(Options {
        websub_hub: Some(hub_url),
        purge_webhook: Some(cdn_url),
        ..Options::default()
    })
    .await
    else {
        return;
    };
    let store = cluster.db.store.clone();
    let section = world(&store).await;
    let token = editor_token(&store).await;
    let expected = world_pings(&cluster.base);

    // One story published: one ping per feed it changes, from one node.
    let api = Session::at(&cluster.url(""));
    let (id, _) = draft(&api, &token, "A single story").await;
    let published = api
        .api(
            reqwest::Method::POST,
            &format!("/api/v1/stories/{id}/publish"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(published.status(), 200, "{}", published.text());
    let started = Instant::now();
    while hub.pings().len() < expected.len() && started.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Every node polls each second: give the others time to ping too.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let mut pings = hub.pings();
    pings.sort();
    assert_eq!(pings, expected, "every feed pinged once, by one node");
    // And the CDN was asked once to purge the story's pages, not by each
    // node (every node's page cache purged it and woke its webhook).
    let story = format!("article:{id}");
    let purges = purge_calls(&cdn);
    let publish_purges: Vec<_> = purges
        .iter()
        .filter(|tags| tags.contains(&story) && tags.iter().any(|t| t == "home"))
        .collect();
    assert_eq!(
        publish_purges.len(),
        1,
        "one purge call for the publish: {purges:?}\n{}",
        cluster.logs()
    );

    // Stories due at the same second, three nodes running.
    let (calm, _) = schedule(&store, section, 20, "Calm").await;
    wait_published(&cluster, &calm, Duration::from_secs(10)).await;
    published_once(&store, &calm).await;
    // Each change reaches the CDN in one call: no story is named in more
    // calls than it has events (three nodes calling would triple them).
    let started = Instant::now();
    let last = *calm.last().unwrap();
    while !purge_calls(&cdn)
        .iter()
        .any(|tags| tags.contains(&format!("article:{last}")) && tags.iter().any(|t| t == "home"))
    {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{:?}",
            purge_calls(&cdn)
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let events = store.events_after(0, 100_000).await.unwrap();
    let purges = purge_calls(&cdn);
    for id in &calm {
        let tag = format!("article:{id}");
        let named = events
            .iter()
            .filter(|e| e.tag_list().contains(&tag))
            .count();
        let calls = purges.iter().filter(|tags| tags.contains(&tag)).count();
        assert!(
            (1..=named).contains(&calls),
            "{tag}: {calls} purge calls for {named} events: {purges:?}"
        );
    }

    // And again, one node killed as they fall due.
    let (stormy, at) = schedule(&store, section, 20, "Stormy").await;
    let wait = (at * 1000 - jiff::Timestamp::now().as_millisecond()).max(0) as u64;
    tokio::time::sleep(Duration::from_millis(wait)).await;
    cluster.kill(2).await;
    wait_published(&cluster, &stormy, Duration::from_secs(10)).await;
    published_once(&store, &stormy).await;
    for id in calm.iter().chain(&stormy) {
        let by_scheduler = masthead::articles::revisions::list(&store, *id)
            .await
            .unwrap()
            .into_iter()
            .filter(|r| r.author == publishing::scheduler::AUTHOR)
            .count();
        assert_eq!(by_scheduler, 1, "article {id}: scheduler revisions");
    }
    // The hub heard of them (at least once: a node killed between its
    // pings and its cursor leaves them to be sent again).
    let started = Instant::now();
    loop {
        let pings = hub.pings();
        let counts: BTreeMap<&String, usize> =
            pings.iter().fold(BTreeMap::new(), |mut counts, ping| {
                *counts.entry(ping).or_default() += 1;
                counts
            });
        if expected
            .iter()
            .all(|feed| counts.get(feed).copied().unwrap_or(0) >= 2)
        {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{counts:?}\n{}",
            cluster.logs()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Requests sent and failed by a load running in the background.
#[derive(Default)]
struct Tally {
    sent: AtomicUsize,
    failed: AtomicUsize,
}

/// Readers fetching `paths` through the balancer until `stop`.
fn readers(
    cluster: &Cluster,
    paths: &[&str],
    tasks: usize,
    stop: &Arc<AtomicBool>,
) -> (Arc<Tally>, Vec<tokio::task::JoinHandle<Vec<String>>>) {
    let tally = Arc::new(Tally::default());
    let urls: Vec<String> = paths.iter().map(|p| cluster.url(p)).collect();
    let handles = (0..tasks)
        .map(|t| {
            let (tally, stop, urls) = (tally.clone(), stop.clone(), urls.clone());
            tokio::spawn(async move {
                let client = reqwest::Client::new();
                let mut failures = Vec::new();
                let mut n = t;
                while !stop.load(Ordering::Relaxed) {
                    let url = &urls[n % urls.len()];
                    n += 1;
                    tally.sent.fetch_add(1, Ordering::Relaxed);
                    let outcome = match client.get(url).send().await {
                        Ok(answer) if answer.status() == 200 => {
                            answer.bytes().await.map(|_| ()).map_err(|e| e.to_string())
                        }
                        Ok(answer) => Err(format!("{url}: {}", answer.status())),
                        Err(error) => Err(format!("{url}: {error}")),
                    };
                    if let Err(error) = outcome {
                        tally.failed.fetch_add(1, Ordering::Relaxed);
                        failures.push(error);
                    }
                }
                failures
            })
        })
        .collect();
    (tally, handles)
}

#[tokio::test]
async fn a_killed_node_loses_no_acknowledged_write_and_a_rolling_restart_fails_no_reader() {
    let Some(mut cluster) = Cluster::start().await else {
        return;
    };
    let store = cluster.db.store.clone();
    world(&store).await;
    let token = editor_token(&store).await;
    let api = Session::at(&cluster.url(""));
    let (id, path) = draft(&api, &token, "The quay reopens").await;
    let published = api
        .api(
            reqwest::Method::POST,
            &format!("/api/v1/stories/{id}/publish"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(published.status(), 200);
    let pages = ["/", "/world", path.as_str(), "/feeds/rss.xml"];

    // Writers and readers through the balancer; node 1 killed meanwhile.
    let stop = Arc::new(AtomicBool::new(false));
    let (read, reading) = readers(&cluster, &pages, 2, &stop);
    let acknowledged = Arc::new(std::sync::Mutex::new(Vec::new()));
    let refused = Arc::new(AtomicUsize::new(0));
    let writing: Vec<_> = (0..4)
        .map(|w| {
            let (stop, token, base) = (stop.clone(), token.clone(), cluster.url(""));
            let (acknowledged, refused) = (acknowledged.clone(), refused.clone());
            tokio::spawn(async move {
                let client = reqwest::Client::new();
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    let headline = format!("Wire copy {w}-{n}");
                    n += 1;
                    let body = serde_json::json!({
                        "section": "world", "headline": headline, "body": "Filed.",
                    });
                    let answer = client
                        .post(format!("{base}/api/v1/stories"))
                        .bearer_auth(&token)
                        .json(&body)
                        .send()
                        .await;
                    let id = match answer {
                        Ok(answer) if answer.status() == 201 => answer
                            .json::<serde_json::Value>()
                            .await
                            .ok()
                            .and_then(|json| json["id"].as_i64()),
                        _ => None,
                    };
                    match id {
                        Some(id) => acknowledged.lock().unwrap().push((id, headline)),
                        None => _ = refused.fetch_add(1, Ordering::Relaxed),
                    }
                }
            })
        })
        .collect();
    // Some writes before the kill, and some after it (through the others).
    let writes = || acknowledged.lock().unwrap().len();
    let until = async |count: usize| {
        let started = Instant::now();
        while writes() < count {
            assert!(
                started.elapsed() < Duration::from_secs(15),
                "{} writes acknowledged, {} refused",
                writes(),
                refused.load(Ordering::Relaxed)
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    until(10).await;
    cluster.kill(1).await;
    let at_kill = writes();
    until(at_kill + 10).await;
    stop.store(true, Ordering::Relaxed);
    for task in writing {
        task.await.unwrap();
    }
    let mut read_failures = Vec::new();
    for task in reading {
        read_failures.extend(task.await.unwrap());
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    let failed_writes = refused.load(Ordering::Relaxed);
    let mut lost = Vec::new();
    for (id, headline) in &acknowledged {
        match masthead::articles::find(&store, *id).await.unwrap() {
            Some(story) if story.headline == *headline => {}
            other => lost.push((id, headline, other.map(|s| s.headline))),
        }
    }
    eprintln!(
        "kill -9 under load: {} writes acknowledged, {failed_writes} refused, {} lost; \
         readers {} requests, {} failed {read_failures:?}",
        acknowledged.len(),
        lost.len(),
        read.sent.load(Ordering::Relaxed),
        read.failed.load(Ordering::Relaxed),
    );
    assert!(lost.is_empty(), "acknowledged writes lost: {lost:?}");
    cluster.restart(1).await;

    // A rolling restart under a read load: no reader sees it.
    let stop = Arc::new(AtomicBool::new(false));
    let (read, reading) = readers(&cluster, &pages, 4, &stop);
    tokio::time::sleep(Duration::from_millis(200)).await;
    for i in 0..3 {
        cluster.terminate(i).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
        cluster.restart(i).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    stop.store(true, Ordering::Relaxed);
    let mut failures = Vec::new();
    for task in reading {
        failures.extend(task.await.unwrap());
    }
    let sent = read.sent.load(Ordering::Relaxed);
    eprintln!(
        "rolling restart: {sent} reader requests, {} failed",
        failures.len()
    );
    assert!(sent > 100, "{sent} requests");
    assert!(
        failures.is_empty(),
        "{} of {sent} failed: {failures:?}\n{}",
        failures.len(),
        cluster.logs()
    );
}

#[tokio::test]
async fn three_nodes_started_at_once_on_an_empty_database_set_it_up_once() {
    let Some(cluster) = Cluster::start_with(Options {
        empty_database: true,
        demo: true,
        ..Options::default()
    })
    .await
    else {
        return;
    };
    let url = cluster.db.database_url.clone().unwrap();
    let mut db = <sqlx::PgConnection as sqlx::Connection>::connect(&url)
        .await
        .unwrap();
    let migrations: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version")
            .fetch_all(&mut db)
            .await
            .unwrap();
    let embedded = sqlx::migrate!("./migrations/postgres").iter().count();
    assert_eq!(migrations.len(), embedded, "each migration applied once");
    let sites: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM site")
        .fetch_one(&mut db)
        .await
        .unwrap();
    assert_eq!(sites, 1);
    let twice: Vec<(String, i64)> = sqlx::query_as(
        "SELECT headline, COUNT(*) FROM articles GROUP BY headline HAVING COUNT(*) > 1",
    )
    .fetch_all(&mut db)
    .await
    .unwrap();
    assert!(twice.is_empty(), "demo imported more than once: {twice:?}");
    let stories: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM articles")
        .fetch_one(&mut db)
        .await
        .unwrap();
    assert!(stories > 0, "no demo newsroom");
    let created = cluster.logs().matches("created the demo newsroom").count();
    assert_eq!(created, 1, "{}", cluster.logs());
    // And the site works through the balancer.
    let home = reqwest::get(cluster.url("/")).await.unwrap();
    assert_eq!(home.status(), 200);
}

/// Readers that time each answer: the slowest, and the statuses seen.
#[derive(Default)]
struct Timed {
    slowest: std::sync::Mutex<Duration>,
    statuses: std::sync::Mutex<BTreeMap<String, usize>>,
}

#[tokio::test]
async fn postgresql_restarted_under_load_makes_nodes_unready_and_they_recover_by_themselves() {
    // A server of this test's own: the shared one serves other tests.
    let Some(pg) = PgServer::start() else {
        return;
    };
    masthead::outbound::install_tls_provider();
    let store = Store::open_postgres(&pg.url()).await.expect("open");
    store.migrate().await.expect("migrate");
    let db = TestStore {
        store,
        dir: tempfile::tempdir().unwrap(),
        database_url: Some(pg.url()),
    };
    let Some(cluster) = Cluster::start_with(Options {
        database: Some(db),
        ..Options::default()
    })
    .await
    else {
        return;
    };
    let store = cluster.db.store.clone();
    world(&store).await;
    let token = editor_token(&store).await;
    let api = Session::at(&cluster.url(""));
    let (id, path) = draft(&api, &token, "Before the outage").await;
    let publish = async |id: i64| {
        api.api(
            reqwest::Method::POST,
            &format!("/api/v1/stories/{id}/publish"),
            Some(&token),
            None,
        )
        .await
    };
    assert_eq!(publish(id).await.status(), 200);
    let pages = ["/", "/world", path.as_str()];
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    // Every node has the pages cached.
    for i in 0..3 {
        for page in pages {
            let answer = client.get(cluster.node_url(i, page)).send().await.unwrap();
            assert_eq!(answer.status(), 200, "{page} on node {i}");
        }
    }

    // Readers through the balancer all along, timing every answer.
    let stop = Arc::new(AtomicBool::new(false));
    let timed = Arc::new(Timed::default());
    let reading: Vec<_> = (0..3)
        .map(|t| {
            let (stop, timed, client) = (stop.clone(), timed.clone(), client.clone());
            let urls: Vec<String> = pages.iter().map(|p| cluster.url(p)).collect();
            tokio::spawn(async move {
                let mut n = t;
                while !stop.load(Ordering::Relaxed) {
                    let started = Instant::now();
                    let outcome = match client.get(&urls[n % urls.len()]).send().await {
                        Ok(answer) => answer.status().as_u16().to_string(),
                        Err(error) => format!("error: {error}"),
                    };
                    n += 1;
                    let took = started.elapsed();
                    {
                        let mut slowest = timed.slowest.lock().unwrap();
                        *slowest = (*slowest).max(took);
                    }
                    *timed.statuses.lock().unwrap().entry(outcome).or_default() += 1;
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(200)).await;

    pg.stop();
    let stopped = Instant::now();
    // Each node says it is not ready, and still answers readers quickly:
    // a cached page, or a clean 503.
    for i in 0..3 {
        loop {
            let answer = client
                .get(cluster.node_url(i, "/readyz"))
                .send()
                .await
                .unwrap();
            if answer.status() == 503 {
                break;
            }
            assert!(
                stopped.elapsed() < Duration::from_secs(10),
                "node {i} still ready: {}",
                answer.text().await.unwrap_or_default()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        for page in pages {
            let started = Instant::now();
            let status = client
                .get(cluster.node_url(i, page))
                .send()
                .await
                .unwrap()
                .status();
            assert!(
                status == 200 || status == 503,
                "{page} on node {i} during the outage: {status}"
            );
            assert!(
                started.elapsed() < Duration::from_secs(6),
                "{page} on node {i} took {:?}",
                started.elapsed()
            );
        }
    }
    let unready_after = stopped.elapsed();
    tokio::time::sleep(Duration::from_millis(500)).await;

    pg.resume();
    let resumed = Instant::now();
    for i in 0..3 {
        loop {
            let answer = client.get(cluster.node_url(i, "/readyz")).send().await;
            if answer.is_ok_and(|a| a.status() == 200) {
                break;
            }
            assert!(
                resumed.elapsed() < Duration::from_secs(15),
                "node {i} not ready again after {:?}\n{}",
                resumed.elapsed(),
                cluster.logs()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    let ready_after = resumed.elapsed();
    let outage = stopped.elapsed();

    // A story published now shows on every node: no node serves the pages
    // it cached before the outage.
    let (id, path) = draft(&api, &token, "After the outage").await;
    let published = publish(id).await;
    assert_eq!(published.status(), 200, "{}", published.text());
    let started = Instant::now();
    loop {
        let mut missing = Vec::new();
        for i in 0..3 {
            for page in ["/", "/world", path.as_str()] {
                let answer = client.get(cluster.node_url(i, page)).send().await.unwrap();
                let status = answer.status();
                if status != 200 || !answer.text().await.unwrap().contains("After the outage") {
                    missing.push(format!("{page} on node {i} ({status})"));
                }
            }
        }
        if missing.is_empty() {
            break;
        }
        assert!(
            started.elapsed() < VISIBLE_WITHIN,
            "stale after the outage: {missing:?}\n{}",
            cluster.logs()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let visible_after = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    for task in reading {
        task.await.unwrap();
    }
    let slowest = *timed.slowest.lock().unwrap();
    let statuses = timed.statuses.lock().unwrap().clone();
    eprintln!(
        "PostgreSQL restart: every node unready {:.0} ms after the stop, ready {:.0} ms after \
         the start (outage {:.1} s), a new story on every node {:.0} ms after its publish; \
         readers {statuses:?}, slowest {:.0} ms",
        unready_after.as_secs_f64() * 1000.0,
        ready_after.as_secs_f64() * 1000.0,
        outage.as_secs_f64(),
        visible_after.as_secs_f64() * 1000.0,
        slowest.as_secs_f64() * 1000.0,
    );
    assert!(
        statuses.keys().all(|s| s == "200" || s == "503"),
        "readers saw {statuses:?}"
    );
    assert!(
        slowest < Duration::from_secs(6),
        "a reader waited {slowest:?}"
    );
    assert!(cluster.nodes.iter().all(|n| n.is_running()));
}
