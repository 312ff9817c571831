//! The live blog benchmark's client (issue 16, item 2; run by
//! `bench/live/run`, see bench/README.md): N readers, each on its own
//! keep-alive connection, poll one live blog's `live.json` the way
//! `static/live.js` does (every `poll_ms`, revalidating with the ETag), while
//! a writer adds a post through the API once a second. It reports how late
//! each post reached the last reader (and the readers' spread), the answers
//! (200, 304, errors), and, given the server's pid, the server's CPU over
//! the posting phase and its peak resident memory.
//!
//! The readers speak minimal HTTP/1.1 over plain TCP (no pool, no
//! compression), so the client spends as little as it can of the cores it
//! shares with the server.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use serde::Deserialize;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

#[derive(Debug, Parser)]
#[command(about = "Readers polling one live blog while posts arrive (bench/live/run)")]
struct Args {
    /// The server, e.g. http://127.0.0.1:28280
    #[arg(long)]
    base: String,
    /// An editor's API token (`masthead api-token create`).
    #[arg(long)]
    token: String,
    /// Readers, each with its own connection.
    #[arg(long, default_value_t = 5000)]
    readers: usize,
    /// Posts to add, one every `--interval-ms`.
    #[arg(long, default_value_t = 60)]
    posts: usize,
    #[arg(long, default_value_t = 1000)]
    interval_ms: u64,
    /// Over how long the readers connect (the listen backlog is finite).
    #[arg(long, default_value_t = 5000)]
    ramp_ms: u64,
    /// The server's process id, for its CPU time and peak memory.
    #[arg(long)]
    server_pid: Option<u32>,
    /// `getconf CLK_TCK`: the unit of /proc/PID/stat's CPU times.
    #[arg(long, default_value_t = 100)]
    clk_tck: u64,
}

/// What every reader adds to.
#[derive(Default)]
struct Counts {
    requests: AtomicU64,
    ok: AtomicU64,
    not_modified: AtomicU64,
    errors: AtomicU64,
    /// Readers that have had one good answer.
    ready: AtomicU64,
}

/// The part of `live.json` a reader needs.
#[derive(Deserialize)]
struct Updates {
    poll_ms: Option<u64>,
    posts: Vec<PostId>,
}

#[derive(Deserialize)]
struct PostId {
    id: i64,
}

/// One answer: status, ETag, body.
struct Answer {
    status: u16,
    etag: Option<String>,
    body: Vec<u8>,
    close: bool,
}

async fn read_answer(stream: &mut BufReader<TcpStream>) -> std::io::Result<Answer> {
    let bad = |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_owned());
    let mut line = String::new();
    if stream.read_line(&mut line).await? == 0 {
        return Err(bad("the server closed the connection"));
    }
    let status = line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad("no status line"))?;
    let (mut length, mut chunked, mut etag, mut close) = (None, false, None, false);
    loop {
        line.clear();
        if stream.read_line(&mut line).await? == 0 {
            return Err(bad("closed inside the headers"));
        }
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        let Some((name, value)) = header.split_once(':') else {
            continue;
        };
        let value = value.trim();
        match name.to_ascii_lowercase().as_str() {
            "content-length" => length = value.parse::<usize>().ok(),
            "transfer-encoding" => chunked = value.eq_ignore_ascii_case("chunked"),
            "etag" => etag = Some(value.to_owned()),
            "connection" => close = value.eq_ignore_ascii_case("close"),
            _ => {}
        }
    }
    let mut body = Vec::new();
    if chunked {
        loop {
            line.clear();
            stream.read_line(&mut line).await?;
            let size = usize::from_str_radix(line.trim().split(';').next().unwrap_or(""), 16)
                .map_err(|_| bad("a broken chunk size"))?;
            let start = body.len();
            body.resize(start + size + 2, 0);
            stream.read_exact(&mut body[start..]).await?;
            body.truncate(start + size);
            if size == 0 {
                break;
            }
        }
    } else if let Some(n) = length {
        body.resize(n, 0);
        stream.read_exact(&mut body).await?;
    } else if status != 304 && status != 204 {
        stream.read_to_end(&mut body).await?;
        close = true;
    }
    Ok(Answer {
        status,
        etag,
        body,
        close,
    })
}

/// One reader: polls until `stop`, and returns when it first saw each post
/// (by post id).
async fn reader(
    address: SocketAddr,
    path: String,
    start_after: Duration,
    counts: Arc<Counts>,
    stop: Arc<AtomicBool>,
) -> Vec<(i64, Instant)> {
    tokio::time::sleep(start_after).await;
    let mut seen = Vec::new();
    let mut newest = 0i64;
    let mut etag: Option<String> = None;
    let mut poll = Duration::from_millis(1000);
    let mut connection: Option<BufReader<TcpStream>> = None;
    let mut ready = false;
    while !stop.load(Ordering::Relaxed) {
        if connection.is_none() {
            match TcpStream::connect(address).await {
                Ok(stream) => {
                    let _ = stream.set_nodelay(true);
                    connection = Some(BufReader::new(stream));
                }
                Err(_) => {
                    counts.errors.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    continue;
                }
            }
        }
        let stream = connection.as_mut().expect("connected above");
        let mut request =
            format!("GET {path} HTTP/1.1\r\nHost: {address}\r\nAccept: application/json\r\n");
        if let Some(tag) = &etag {
            request.push_str(&format!("If-None-Match: {tag}\r\n"));
        }
        request.push_str("\r\n");
        counts.requests.fetch_add(1, Ordering::Relaxed);
        let answer = match stream.get_mut().write_all(request.as_bytes()).await {
            Ok(()) => read_answer(stream).await,
            Err(e) => Err(e),
        };
        let arrived = Instant::now();
        match answer {
            Ok(answer) if answer.status == 200 => {
                counts.ok.fetch_add(1, Ordering::Relaxed);
                if let Ok(updates) = serde_json::from_slice::<Updates>(&answer.body) {
                    let top = newest;
                    for post in &updates.posts {
                        if post.id > top {
                            seen.push((post.id, arrived));
                            newest = newest.max(post.id);
                        }
                    }
                    if let Some(ms) = updates.poll_ms {
                        poll = Duration::from_millis(ms.max(100));
                    }
                    etag = answer.etag;
                } else {
                    counts.errors.fetch_add(1, Ordering::Relaxed);
                }
                if answer.close {
                    connection = None;
                }
            }
            Ok(answer) if answer.status == 304 => {
                counts.not_modified.fetch_add(1, Ordering::Relaxed);
                if answer.close {
                    connection = None;
                }
            }
            Ok(_) | Err(_) => {
                counts.errors.fetch_add(1, Ordering::Relaxed);
                connection = None;
            }
        }
        if !ready && etag.is_some() {
            ready = true;
            counts.ready.fetch_add(1, Ordering::Relaxed);
        }
        // As live.js: the next poll a full interval after this answer.
        tokio::time::sleep(poll).await;
    }
    seen
}

/// The CPU seconds (user + system) of process `pid` so far.
fn cpu_seconds(pid: &str, clk_tck: u64) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may hold spaces), from field 3.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split(' ').collect();
    let ticks = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / clk_tck as f64)
}

/// A line of /proc/PID/status in MiB (`VmHWM`, `VmRSS`).
fn memory_mib(pid: &str, field: &str) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// The API's answer as JSON, or why not.
async fn api(
    client: &reqwest::Client,
    args: &Args,
    path: &str,
    body: serde_json::Value,
) -> anyhow::Result<serde_json::Value> {
    let response = client
        .post(format!("{}/api/v1{path}", args.base))
        .bearer_auth(&args.token)
        .json(&body)
        .send()
        .await?;
    let status = response.status();
    let text = response.text().await?;
    anyhow::ensure!(status.is_success(), "POST {path} answered {status}: {text}");
    Ok(serde_json::from_str(&text)?)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let address: SocketAddr = args
        .base
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .parse()
        .map_err(|e| anyhow::anyhow!("--base must be http://IP:PORT: {e}"))?;
    // reqwest is built without a TLS provider of its own (plain HTTP here).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::new();

    // The live blog: a story in World, published, its coverage started.
    let story = api(
        &client,
        &args,
        "/stories",
        serde_json::json!({
            "section": "world",
            "headline": format!("Live: the benchmark {}", std::process::id()),
            "body": "Readers follow this live blog under load.",
            "bylines": ["Bench"],
        }),
    )
    .await?;
    let id = story["id"].as_i64().context("a story id")?;
    let story_path = story["path"].as_str().context("a story path")?.to_owned();
    api(
        &client,
        &args,
        &format!("/stories/{id}/publish"),
        serde_json::json!({}),
    )
    .await?;
    api(
        &client,
        &args,
        &format!("/stories/{id}/live"),
        serde_json::json!({ "action": "start" }),
    )
    .await?;
    let updates = format!("{story_path}/live.json");
    eprintln!(
        "live blog {story_path}: {} readers connecting over {} ms",
        args.readers, args.ramp_ms
    );

    let counts = Arc::new(Counts::default());
    let stop = Arc::new(AtomicBool::new(false));
    let mut readers = Vec::with_capacity(args.readers);
    for i in 0..args.readers {
        let start_after =
            Duration::from_millis(args.ramp_ms * i as u64 / args.readers.max(1) as u64);
        readers.push(tokio::spawn(reader(
            address,
            updates.clone(),
            start_after,
            counts.clone(),
            stop.clone(),
        )));
    }
    let waiting = Instant::now();
    while (counts.ready.load(Ordering::Relaxed) as usize) < args.readers
        && waiting.elapsed() < Duration::from_millis(args.ramp_ms) + Duration::from_secs(60)
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let ready = counts.ready.load(Ordering::Relaxed);
    eprintln!(
        "{ready} readers polling after {:.1} s",
        waiting.elapsed().as_secs_f64()
    );
    // A few rounds of polls at rest first, so the posting phase is steady.
    tokio::time::sleep(Duration::from_secs(3)).await;

    let pid = args.server_pid.map(|p| p.to_string());
    let cpu_before = pid.as_deref().and_then(|p| cpu_seconds(p, args.clk_tck));
    let requests_before = counts.requests.load(Ordering::Relaxed);
    let phase = Instant::now();
    let mut sent: Vec<(i64, Instant, Duration)> = Vec::with_capacity(args.posts);
    for k in 0..args.posts {
        let due = phase + Duration::from_millis(args.interval_ms * k as u64);
        tokio::time::sleep_until(due.into()).await;
        let at = Instant::now();
        let post = api(
            &client,
            &args,
            &format!("/stories/{id}/live-posts"),
            serde_json::json!({
                "headline": format!("Bench post {k}"),
                "body": format!("<p>Post {k} of the benchmark: the count goes on.</p>"),
            }),
        )
        .await?;
        let post_id = post["id"].as_i64().context("a post id")?;
        sent.push((post_id, at, at.elapsed()));
    }
    // Every reader's next poll or two.
    tokio::time::sleep(Duration::from_millis(3 * args.interval_ms.max(1000))).await;
    let phase_seconds = phase.elapsed().as_secs_f64();
    let cpu_after = pid.as_deref().and_then(|p| cpu_seconds(p, args.clk_tck));
    let requests_during = counts.requests.load(Ordering::Relaxed) - requests_before;
    stop.store(true, Ordering::Relaxed);
    let mut seen_by_reader = Vec::with_capacity(readers.len());
    for r in readers {
        seen_by_reader.push(r.await?);
    }

    // How late each post reached each reader, from the moment it was sent.
    let mut last_per_post = Vec::new();
    let mut all = Vec::new();
    let mut missed = 0usize;
    for (post_id, at, _) in &sent {
        let mut last = 0f64;
        for seen in &seen_by_reader {
            match seen.iter().find(|(id, _)| id == post_id) {
                Some((_, when)) => {
                    let late = when.saturating_duration_since(*at).as_secs_f64() * 1000.0;
                    last = last.max(late);
                    all.push(late);
                }
                None => missed += 1,
            }
        }
        last_per_post.push(last);
    }
    let sort = |v: &mut Vec<f64>| v.sort_by(|a, b| a.total_cmp(b));
    sort(&mut last_per_post);
    sort(&mut all);
    let mut acks: Vec<f64> = sent
        .iter()
        .map(|(_, _, d)| d.as_secs_f64() * 1000.0)
        .collect();
    sort(&mut acks);
    let server_cpu = match (cpu_before, cpu_after) {
        (Some(a), Some(b)) => Some((b - a) / phase_seconds * 100.0),
        _ => None,
    };
    let hwm = pid.as_deref().and_then(|p| memory_mib(p, "VmHWM:"));
    let rss = pid.as_deref().and_then(|p| memory_mib(p, "VmRSS:"));
    let client_cpu = cpu_seconds("self", args.clk_tck);

    println!(
        "readers: {} ({ready} polling before the first post)",
        args.readers
    );
    println!(
        "posts: {}, one every {} ms; the API acknowledged each in p50 {:.1} ms, max {:.1} ms",
        sent.len(),
        args.interval_ms,
        percentile(&acks, 0.5),
        percentile(&acks, 1.0)
    );
    println!(
        "how late a post reached the LAST reader (from its POST): median {:.0} ms, p95 {:.0} ms, max {:.0} ms",
        percentile(&last_per_post, 0.5),
        percentile(&last_per_post, 0.95),
        percentile(&last_per_post, 1.0)
    );
    println!(
        "how late a post reached a reader (every reader and post): p50 {:.0} ms, p99 {:.0} ms; never seen: {missed} of {}",
        percentile(&all, 0.5),
        percentile(&all, 0.99),
        sent.len() * args.readers
    );
    println!(
        "polls: {} in all ({:.0}/s while posting), 200: {}, 304: {}, errors: {}",
        counts.requests.load(Ordering::Relaxed),
        requests_during as f64 / phase_seconds,
        counts.ok.load(Ordering::Relaxed),
        counts.not_modified.load(Ordering::Relaxed),
        counts.errors.load(Ordering::Relaxed)
    );
    if let Some(cpu) = server_cpu {
        println!("server CPU while posting: {cpu:.0}% of one core ({phase_seconds:.0} s)");
    }
    if let (Some(hwm), Some(rss)) = (hwm, rss) {
        println!("server memory: peak RSS {hwm:.1} MiB (VmHWM), {rss:.1} MiB at the end");
    }
    if let Some(cpu) = client_cpu {
        println!("this client's CPU: {cpu:.1} s in all");
    }
    println!(
        "{}",
        serde_json::json!({
            "readers": args.readers,
            "ready": ready,
            "posts": sent.len(),
            "last_reader_ms": { "p50": percentile(&last_per_post, 0.5), "p95": percentile(&last_per_post, 0.95), "max": percentile(&last_per_post, 1.0) },
            "reader_ms": { "p50": percentile(&all, 0.5), "p99": percentile(&all, 0.99) },
            "missed": missed,
            "errors": counts.errors.load(Ordering::Relaxed),
            "server_cpu_percent": server_cpu,
            "server_peak_rss_mib": hwm,
        })
    );
    Ok(())
}
