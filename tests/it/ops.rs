//! Operations as an operator meets them: `/metrics` read by a Prometheus
//! parser, `/readyz` following the database and background jobs, logs
//! without secrets, SIGTERM draining requests, one server per data folder,
//! and a database from a newer masthead refused.

use std::time::Duration;

use masthead::app::{App, Clock};
use masthead::config::Config;
use masthead::storage::Store;
use openmetrics_parser::{PrometheusType, PrometheusValue};
use tokio::net::TcpListener;

use crate::support::procs::{self, Server};
use crate::support::{self, Backend, NOW, Page, Session};

#[tokio::test]
async fn metrics_are_prometheus_text_with_requests_by_route_template() {
    let Some(app) = support::spawn(Backend::Sqlite, true).await else {
        return;
    };
    for path in [
        "/",
        "/world",
        "/world/us-to-send-560-additional-troops-to-iraq",
        "/nowhere/at-all",
    ] {
        app.get(path).await;
    }
    let (status, text) = app.get_text("/metrics").await;
    assert_eq!(status, 200);
    let scrape = openmetrics_parser::prometheus::parse_prometheus(&text)
        .unwrap_or_else(|e| panic!("the scrape is not Prometheus text ({e}):\n{text}"));
    let family = |name: &str| {
        scrape
            .families
            .get(name)
            .unwrap_or_else(|| panic!("{name} missing:\n{text}"))
    };
    let requests = family("masthead_http_requests_total");
    assert_eq!(requests.family_type, PrometheusType::Counter);
    let counted = |route: &str, status: &str| {
        requests.iter_samples().any(|sample| {
            let labels = sample.get_labelset().unwrap();
            labels.get_label_value("route") == Some(route)
                && labels.get_label_value("status") == Some(status)
                && matches!(&sample.value, PrometheusValue::Counter(c) if c.value.as_f64() >= 1.0)
        })
    };
    assert!(counted("/{section}/{slug}", "200"), "{text}");
    assert!(counted("/{section}/{slug}", "404"), "{text}");
    assert!(counted("/{section}", "200"), "{text}");
    assert!(counted("/", "200"), "{text}");
    // The raw path never becomes a label: cardinality stays bounded.
    assert!(!text.contains("us-to-send-560"), "{text}");
    let latency = family("masthead_http_request_duration_seconds");
    assert_eq!(latency.family_type, PrometheusType::Histogram);
    assert!(latency.iter_samples().any(|sample| matches!(
        &sample.value,
        PrometheusValue::Histogram(h) if h.buckets.len() > 5 && h.count.unwrap_or(0) >= 1
    )));
    for name in [
        "masthead_db_pool_connections",
        "masthead_db_pool_max_connections",
        "masthead_page_cache_hits_total",
        "masthead_page_cache_misses_total",
        "masthead_page_cache_purges_total",
        "masthead_changes_feed_last_event_id",
        "masthead_page_cache_bytes",
        "masthead_page_cache_budget_bytes",
        "masthead_page_cache_pages",
        "masthead_disk_free_bytes",
    ] {
        family(name);
    }

    // Through a reverse proxy the loopback peer is the proxy: no metrics.
    let proxied = app
        .cookieless()
        .get_with("/metrics", &[("x-forwarded-for", "203.0.113.7")])
        .await;
    assert_eq!(proxied.status(), 404);
}

#[tokio::test]
async fn feed_consumer_lag_and_a_silent_job_show_in_metrics_and_readiness() {
    let Some(app) = support::spawn(Backend::Sqlite, true).await else {
        return;
    };
    let (status, body) = app.get_text("/readyz").await;
    assert_eq!(status, 200, "{body}");
    let last = app.app.store().last_event_id().await.unwrap();
    assert!(last > 2);
    let consumer = app
        .app
        .health()
        .register("test-feed-consumer", Duration::from_secs(3600));
    consumer.set_cursor(last - 2);
    let (_, text) = app.get_text("/metrics").await;
    assert!(
        text.contains(
            "masthead_changes_feed_consumer_lag_events{consumer=\"test-feed-consumer\"} 2"
        ),
        "{text}"
    );
    let stuck = app.app.health().register("test-scheduler", Duration::ZERO);
    tokio::time::sleep(Duration::from_millis(20)).await;
    let (status, body) = app.get_text("/readyz").await;
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("FAIL job test-scheduler"), "{body}");
    stuck.deregister();
    let (status, body) = app.get_text("/readyz").await;
    assert_eq!(status, 200, "{body}");
}

/// A TCP relay to PostgreSQL that the test can cut and restore.
async fn relay(listener: TcpListener, upstream: String) {
    let mut connections = tokio::task::JoinSet::new();
    while let Ok((mut inbound, _)) = listener.accept().await {
        let upstream = upstream.clone();
        connections.spawn(async move {
            if let Ok(mut outbound) = tokio::net::TcpStream::connect(&upstream).await {
                let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
            }
        });
    }
}

#[tokio::test]
async fn readyz_fails_while_the_database_is_unreachable_and_recovers() {
    let Some(db) = support::store(Backend::Postgres).await else {
        return;
    };
    let site = support::demo_site(&db.store).await;
    masthead::imports::import_text(&db.store, &site, "seed-page.txt", support::SEED, NOW)
        .await
        .expect("import seed");
    let url = db.database_url.clone().unwrap();
    let rest = url.split_once('@').map_or(url.as_str(), |(_, r)| r);
    let host_port = rest.split('/').next().unwrap();
    let upstream = if host_port.contains(':') {
        host_port.to_owned()
    } else {
        format!("{host_port}:5432")
    };
    let relay_listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let relay_address = relay_listener.local_addr().unwrap();
    let mut relay_task = tokio::spawn(relay(relay_listener, upstream.clone()));
    let store = Store::open_postgres(&url.replacen(host_port, &relay_address.to_string(), 1))
        .await
        .unwrap();
    let app = App::new(
        store,
        Config::for_data_dir(db.dir.path()),
        Clock::fixed(NOW),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(masthead::http::serve(app, listener, std::future::pending()));
    let operator = Session::at_with(&format!("http://{address}"), reqwest::Client::new());
    let readyz = || operator.get_text("/readyz");
    let (status, body) = readyz().await;
    assert_eq!(status, 200, "{body}");
    // Readers' pages, cached before the outage.
    const STORY: &str = "/world/us-to-send-560-additional-troops-to-iraq";
    let reader = Session::at_with(&format!("http://{address}"), reqwest::Client::new());
    for path in ["/", STORY] {
        assert_eq!(reader.get(path).await.status(), 200, "{path}");
    }

    relay_task.abort();
    let _ = (&mut relay_task).await;
    let (status, body) = readyz().await;
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("FAIL database unreachable"), "{body}");
    // Liveness is about the process, not the database.
    let live = operator.get("/healthz").await;
    assert_eq!(live.status(), 200);
    // Cached pages are still served; the rest is a themed 503 that says to
    // come back (never a 500, a stack trace or a hang).
    for path in ["/", STORY] {
        let page = reader.get(path).await;
        assert_eq!(page.status(), 200, "{path} from the cache");
        assert!(page.text().contains("<h1>") || path == "/", "{path}");
    }
    let search = reader.get("/search?q=troops").await;
    assert_eq!(search.status(), 503, "{}", search.text());
    assert_eq!(search.header("retry-after"), Some("10"));
    assert!(
        search.text().contains("Temporarily unavailable") && search.text().contains("<html"),
        "a themed page: {}",
        search.text()
    );
    let api = reader.get("/api/v1/stories?section=world").await;
    assert_eq!(api.status(), 503, "{}", api.text());
    assert_eq!(api.json()["error"]["code"], "unavailable");

    let relay_listener = TcpListener::bind(relay_address).await.unwrap();
    tokio::spawn(relay(relay_listener, upstream));
    let mut recovered = false;
    for _ in 0..100 {
        if readyz().await.0 == 200 {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(recovered, "/readyz did not recover: {}", readyz().await.1);
    assert_eq!(
        reader.get("/search?q=troops").await.status(),
        200,
        "readers too"
    );
}

#[tokio::test]
async fn logs_of_a_session_carry_request_ids_and_never_secrets() {
    const PASSWORD: &str = "correct-horse-battery-staple-91";
    const SESSION: &str = "sess-5f1b2c9e0d7a4e3b";
    const TOKEN: &str = "tok-a94f0c1d88e2b7c3";
    for format in ["text", "json"] {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("server.log");
        let mut server = Server::start(
            &dir.path().join("data"),
            None,
            &["--log-format", format],
            &[("RUST_LOG", "debug")],
            &log,
        );
        assert!(
            server.wait_ready(Duration::from_secs(60)).await,
            "{}",
            server.logs()
        );
        // The first administrator, made through the one-time setup link the
        // first start printed on standard output.
        let stdout = server.stdout();
        let setup_token = stdout
            .split("/admin/setup/")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or_else(|| panic!("no setup link on standard output:\n{stdout}"))
            .to_owned();
        assert!(setup_token.len() > 8);
        let origin = server.url("");
        // Forms are sent as a browser sends them from the site's own pages.
        let same_origin = [
            ("origin", origin.as_str()),
            ("sec-fetch-site", "same-origin"),
        ];
        let first = Session::at(&origin);
        let setup_path = format!("/admin/setup/{setup_token}");
        assert_eq!(first.get(&setup_path).await.status(), 200);
        let setup = first
            .post_form_with(
                &setup_path,
                &[
                    ("name", "Ed"),
                    ("email", "ed@example.com"),
                    ("password", PASSWORD),
                    ("password_confirm", PASSWORD),
                ],
                &same_origin,
            )
            .await;
        assert_eq!(setup.status(), 303, "setup");
        let setup_session = cookie_value(&setup);
        // Then a sign-in with the password, as on any other day.
        let admin = Session::at(&origin);
        let login = admin
            .post_form_with(
                "/admin/login",
                &[("email", "ed@example.com"), ("password", PASSWORD)],
                &same_origin,
            )
            .await;
        assert!(
            (300..400).contains(&login.status()),
            "login: {}",
            login.status()
        );
        let session_value = cookie_value(&login);
        assert!(session_value.len() > 8);
        let dashboard = admin.get("/admin").await;
        assert_eq!(dashboard.status(), 200);
        let write = admin
            .post_form_with(
                "/admin/sections",
                &[("name", "Culture")],
                &[("origin", origin.as_str())],
            )
            .await;
        assert!(write.status() < 400, "section write: {}", write.status());
        // A story written and published through the story desk.
        let new_story = admin.get("/admin/stories/new").await.into_text();
        let section = new_story
            .split("id=\"section\"")
            .nth(1)
            .and_then(|rest| rest.split("<option value=\"").nth(1))
            .and_then(|rest| rest.split('"').next())
            .expect("a section to choose")
            .to_owned();
        let created = admin
            .post_form_with(
                "/admin/stories",
                &[
                    ("headline", "Logs stay clean"),
                    ("body", "Nothing secret is written down."),
                    ("section", section.as_str()),
                ],
                &same_origin,
            )
            .await;
        assert_eq!(created.status(), 303, "create a story");
        let story = created
            .location()
            .unwrap()
            .split('?')
            .next()
            .unwrap()
            .to_owned();
        let published = admin
            .post_with(&format!("{story}/publish"), &same_origin)
            .await;
        assert_eq!(published.status(), 303, "publish");
        let article = admin.get("/world/logs-stay-clean").await;
        assert_eq!(article.status(), 200);
        // Through a proxy, /metrics is for administrators only.
        let metrics = admin
            .get_with("/metrics", &[("x-forwarded-for", "203.0.113.7")])
            .await;
        assert_eq!(metrics.status(), 200);
        assert!(metrics.text().contains("masthead_http_requests_total"));

        // One request at a time, no cookies kept, as a script sends them.
        let script = Session::at_with(&origin, reqwest::Client::new());
        let forged_session = format!("masthead_session={SESSION}");
        let answers = [
            script
                .post_form(
                    "/login",
                    &[("email", "editor@example.com"), ("password", PASSWORD)],
                )
                .await,
            // No trusted proxies: a forged X-Forwarded-For never reaches the logs.
            script
                .get_with(
                    "/",
                    &[
                        ("x-forwarded-for", "203.0.113.66"),
                        ("cookie", forged_session.as_str()),
                    ],
                )
                .await,
            script
                .get_with(
                    "/world/us-to-send-560-additional-troops-to-iraq",
                    &[("cookie", forged_session.as_str())],
                )
                .await,
            script
                .api(
                    reqwest::Method::POST,
                    "/api/articles",
                    Some(TOKEN),
                    Some(r#"{"headline":"x"}"#),
                )
                .await,
            script.get(&format!("/world?token={TOKEN}")).await,
        ];
        let mut ids = Vec::new();
        for response in answers {
            let id = response.header("x-request-id").unwrap().to_owned();
            ids.push((id, response.status()));
        }
        server.signal("TERM");
        assert_eq!(server.wait_exit(Duration::from_secs(30)).await, Some(0));
        let logs = server.logs();
        for secret in [
            PASSWORD,
            SESSION,
            TOKEN,
            session_value.as_str(),
            setup_session.as_str(),
            setup_token.as_str(),
        ] {
            let leaks: Vec<&str> = logs.lines().filter(|l| l.contains(secret)).collect();
            assert!(
                leaks.is_empty(),
                "{format} logs contain the secret {secret:?}:\n{}",
                leaks.join("\n")
            );
        }
        for (id, status) in &ids {
            let line = logs
                .lines()
                .find(|l| l.contains(id.as_str()) && l.contains("finished processing request"))
                .unwrap_or_else(|| panic!("no response line for request {id}:\n{logs}"));
            assert!(line.contains(&status.to_string()), "{line}");
            // The client's address, the TCP peer, as the audit log has it.
            assert!(
                line.contains("client") && line.contains("127.0.0.1"),
                "{line}"
            );
            assert!(!line.contains("203.0.113.66"), "{line}");
        }
        if format == "json" {
            for line in logs.lines() {
                let value: serde_json::Value =
                    serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
                // Every line logged while answering a request names it.
                if value.get("spans").is_some_and(|s| {
                    s.as_array()
                        .is_some_and(|a| a.iter().any(|s| s["name"] == "request"))
                }) {
                    assert!(value["span"]["id"].is_string(), "{line}");
                }
            }
        }
    }
}

#[tokio::test]
async fn sigterm_lets_a_request_in_flight_finish_then_exits_zero() {
    let Some(db) = support::store(Backend::Postgres).await else {
        return;
    };
    let url = db.database_url.clone().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(
        dir.path(),
        Some(&url),
        &[],
        &[],
        &dir.path().join("server.log"),
    );
    assert!(
        server.wait_ready(Duration::from_secs(60)).await,
        "{}",
        server.logs()
    );
    let blocker = sqlx::PgPool::connect(&url).await.unwrap();
    // Hold every reader of the sections table: the home page waits.
    let mut lock = blocker.begin().await.unwrap();
    sqlx::query("LOCK TABLE sections IN ACCESS EXCLUSIVE MODE")
        .execute(&mut *lock)
        .await
        .unwrap();
    let home = server.url("/");
    let in_flight = tokio::spawn(async move {
        let response = reqwest::get(home).await?;
        let status = response.status().as_u16();
        Ok::<_, reqwest::Error>((status, response.text().await?))
    });
    wait_for_a_blocked_query(&blocker).await;

    server.signal("TERM");
    // It stops accepting...
    let address = format!("127.0.0.1:{}", server.port);
    let mut refused = false;
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(&address).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(refused, "new connections are still accepted after SIGTERM");
    // ...but waits for the request it is answering.
    assert!(server.child.try_wait().unwrap().is_none(), "exited early");
    lock.rollback().await.unwrap();
    let (status, body) = in_flight
        .await
        .unwrap()
        .expect("the request in flight completes");
    assert_eq!(status, 200);
    assert!(body.contains("</html>"));
    assert_eq!(server.wait_exit(Duration::from_secs(30)).await, Some(0));

    // A request that never finishes does not hold the process past the timeout.
    let mut server = Server::start(
        dir.path(),
        Some(&url),
        &["--shutdown-timeout", "1"],
        &[],
        &dir.path().join("server2.log"),
    );
    assert!(
        server.wait_ready(Duration::from_secs(60)).await,
        "{}",
        server.logs()
    );
    let mut lock = blocker.begin().await.unwrap();
    sqlx::query("LOCK TABLE sections IN ACCESS EXCLUSIVE MODE")
        .execute(&mut *lock)
        .await
        .unwrap();
    let stuck = tokio::spawn(reqwest::get(server.url("/")));
    wait_for_a_blocked_query(&blocker).await;
    server.signal("TERM");
    let code = server.wait_exit(Duration::from_secs(60)).await;
    lock.rollback().await.unwrap();
    assert_eq!(code, Some(0), "{}", server.logs());
    assert!(server.logs().contains("abandoned"), "{}", server.logs());
    let _ = stuck.await;
}

async fn wait_for_a_blocked_query(pool: &sqlx::PgPool) {
    for _ in 0..400 {
        let waiting: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM pg_locks WHERE NOT granted")
            .fetch_one(pool)
            .await
            .unwrap();
        if waiting > 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the request never reached the database");
}

#[tokio::test]
async fn a_second_server_on_the_same_data_folder_is_refused_naming_the_first() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut first = Server::start(&data, None, &[], &[], &dir.path().join("first.log"));
    assert!(
        first.wait_ready(Duration::from_secs(60)).await,
        "{}",
        first.logs()
    );
    let port = procs::free_port().to_string();
    let output = procs::run(
        &data,
        None,
        &["serve", "--listen", &format!("127.0.0.1:{port}")],
    );
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("pid {}", first.child.id()))
            && stderr.contains(&data.display().to_string()),
        "{stderr}"
    );
    // Commands that only write through the database still run alongside.
    let page = dir.path().join("page.txt");
    std::fs::write(&page, procs::page("Alongside the server", "Local", 1)).unwrap();
    let import = procs::run(&data, None, &["import", "text", page.to_str().unwrap()]);
    assert!(import.status.success(), "{}", procs::describe(&import));
}

#[tokio::test]
async fn a_database_migrated_by_a_newer_masthead_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let output = procs::run(dir.path(), None, &["migrate"]);
    assert!(output.status.success(), "{}", procs::describe(&output));
    let pool = sqlx::SqlitePool::connect(&format!(
        "sqlite://{}",
        dir.path().join("masthead.db").display()
    ))
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (29991231000000, 'from the future', TRUE, X'00', 0)",
    )
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
    let output = procs::run(dir.path(), None, &["serve", "--listen", "127.0.0.1:0"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("migrated by a newer masthead") && stderr.contains("29991231000000"),
        "{stderr}"
    );
}

/// The value of the first cookie an answer sets.
fn cookie_value(page: &Page) -> String {
    page.headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .next()
        .and_then(|c| {
            c.split(';')
                .next()
                .and_then(|kv| kv.split_once('='))
                .map(|(_, v)| v.to_owned())
        })
        .expect("a session cookie")
}

/// A tmpfs of `size` mounted for one test, unmounted when dropped.
pub(crate) struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    /// Mounts one (needs root, as in CI); `None` (skipped loudly) where the
    /// machine does not allow it, except in CI.
    pub(crate) fn mount(size: &str) -> Option<SmallDisk> {
        let dir = tempfile::tempdir().expect("temp dir");
        let mounted = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .status()
            .is_ok_and(|s| s.success());
        if !mounted {
            if support::in_ci() {
                panic!("mounting a tmpfs (as root) is required in CI for the disk tests");
            }
            eprintln!("SKIPPED: cannot mount a tmpfs here (not root?)");
            return None;
        }
        Some(SmallDisk { dir })
    }

    pub(crate) fn path(&self) -> &std::path::Path {
        self.dir.path()
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

#[tokio::test]
async fn readiness_and_metrics_report_the_data_folders_free_space() {
    let Some(disk) = SmallDisk::mount("160m") else {
        return;
    };
    let data = disk.path().to_owned();
    let Some(app) = support::spawn_with(Backend::Sqlite, true, move |config| {
        config.data_dir = data;
    })
    .await
    else {
        return;
    };
    let free = |text: &str| -> f64 {
        let line = text
            .lines()
            .find(|l| l.starts_with("masthead_disk_free_bytes{folder=\"data\"}"))
            .unwrap_or_else(|| panic!("no free space of the data folder:\n{text}"));
        line.rsplit(' ').next().unwrap().parse().unwrap()
    };
    let (status, body) = app.get_text("/readyz").await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("ok data folder: 160.0 MiB free"), "{body}");
    let (_, text) = app.get_text("/metrics").await;
    assert!(free(&text) > 150.0 * 1024.0 * 1024.0, "{text}");
    assert!(
        text.contains("masthead_disk_size_bytes{folder=\"media\"}"),
        "{text}"
    );

    // Filled to 10 MiB free: a warning an operator can act on, and still
    // ready (readers keep reading while writes are refused).
    let filler = disk.path().join("filler");
    std::fs::write(&filler, vec![7u8; 150 * 1024 * 1024]).unwrap();
    let (status, body) = app.get_text("/readyz").await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains("WARN data folder: 10.0 MiB free of 160.0 MiB (below 100.0 MiB)"),
        "{body}"
    );
    let (_, text) = app.get_text("/metrics").await;
    assert!(free(&text) < 11.0 * 1024.0 * 1024.0, "{text}");
    assert_eq!(app.get("/world").await.status(), 200, "readers read");

    // Space returns: so does the plain line, without a restart.
    std::fs::remove_file(&filler).unwrap();
    let (_, body) = app.get_text("/readyz").await;
    assert!(body.contains("ok data folder"), "{body}");
}
