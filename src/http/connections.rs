//! Accepting and serving TCP connections (issue 10): our own accept loop
//! over hyper's HTTP/1.1 connections instead of `axum::serve`, which has no
//! header-read or idle timeout and keeps every connection forever. It owns:
//!
//! - the header-read timeout (a connection that has not sent a complete
//!   first request in time is closed) and the idle keep-alive timeout;
//! - the connection cap: when full, the connection idle the longest (no
//!   request in flight; still reading headers counts as idle) is closed to
//!   make room, so floods of silent sockets cannot lock readers out;
//! - the `masthead_http_connections_open` gauge;
//! - graceful shutdown with a bounded drain;
//! - raising the open-files soft limit at start ([`raise_open_files_limit`]).
//!
//! The slow-body timeout is a tower layer in `http::router`: it needs the
//! request, which only exists once the headers are complete.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{ConnectInfo, Request};
use axum::response::Response;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::sync::{Notify, watch};
use tokio::time::Instant;

/// The gauge of connections open now.
pub(crate) const CONNECTIONS_OPEN: &str = "masthead_http_connections_open";
/// Connections closed to make room under the cap.
pub(crate) const CONNECTIONS_SHED: &str = "masthead_http_connections_shed_total";

/// Open files kept free under the limit for the database, media files,
/// logs and the metrics listener when the connection cap is derived from it.
pub(crate) const RESERVED_FILES: u64 = 256;
/// The connection cap when the open-files limit allows more.
pub(crate) const DEFAULT_MAX_CONNECTIONS: usize = 10_000;

/// How long connections may wait, and how many may be open.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// From accepting a connection to its first complete request header.
    pub header_read: Duration,
    /// Between the end of a response and the next request's first byte...
    /// and its complete header (a keep-alive connection doing nothing).
    pub idle: Duration,
    pub max_connections: usize,
}

/// Raises the soft open-files limit to the hard limit (each connection is a
/// file; distributions default the soft limit to 1,024) and returns the soft
/// limit now in force, or `None` where it cannot be read.
pub(crate) fn raise_open_files_limit() -> Option<u64> {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let mut limit = getrlimit(Resource::Nofile);
    // `None` is "unlimited".
    if let (Some(before), Some(hard)) = (limit.current, limit.maximum)
        && before < hard
    {
        limit.current = Some(hard);
        match setrlimit(Resource::Nofile, limit) {
            Ok(()) => tracing::info!(
                before,
                now = hard,
                "raised the open-files limit to the hard limit"
            ),
            Err(error) => {
                tracing::warn!(%error, before, hard, "cannot raise the open-files limit");
                limit.current = Some(before);
            }
        }
    }
    limit.current
}

/// Connections the kernel queues before they are accepted. Tokio's
/// default of 1,024 overflows under a burst of connects, and a dropped SYN
/// is retried only after a second: every reader would wait that long.
const LISTEN_BACKLOG: u32 = 4096;

/// A listener on `address` with a backlog for bursts ([`LISTEN_BACKLOG`];
/// the kernel caps it at `net.core.somaxconn`).
pub(crate) fn listen(address: SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    let socket = if address.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    // A restarted server can bind while old connections sit in TIME_WAIT.
    socket.set_reuseaddr(true)?;
    socket.bind(address)?;
    socket.listen(LISTEN_BACKLOG)
}

/// The soft open-files limit in force (`None`: unlimited or unknown).
pub(crate) fn open_files_limit() -> Option<u64> {
    rustix::process::getrlimit(rustix::process::Resource::Nofile).current
}

/// The cap when none is configured: [`DEFAULT_MAX_CONNECTIONS`], or fewer
/// when the open-files limit would run out first.
pub(crate) fn default_max_connections(open_files: Option<u64>) -> usize {
    match open_files {
        Some(files) => {
            (files.saturating_sub(RESERVED_FILES).max(16) as usize).min(DEFAULT_MAX_CONNECTIONS)
        }
        None => DEFAULT_MAX_CONNECTIONS,
    }
}

/// One open connection, as the cap and the watchdog see it.
struct Conn {
    /// Requests being answered now.
    busy: AtomicUsize,
    /// Requests answered or started on it.
    requests: AtomicU64,
    /// Milliseconds since the server started when it last became idle.
    idle_since: AtomicU64,
    /// Chosen to be closed to make room.
    shed: AtomicBool,
    close: Notify,
    /// A request started or finished: the watchdog recomputes its deadline.
    activity: Notify,
}

struct Registry {
    started: Instant,
    next_id: AtomicU64,
    conns: Mutex<HashMap<u64, Arc<Conn>>>,
    empty: Notify,
    shed_since_log: AtomicU64,
    last_shed_log: AtomicU64,
}

impl Registry {
    fn now_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Arc<Conn>>> {
        // A panic while holding the map cannot leave it inconsistent (every
        // change is one insert or remove).
        self.conns.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn add(&self) -> (u64, Arc<Conn>) {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let conn = Arc::new(Conn {
            busy: AtomicUsize::new(0),
            requests: AtomicU64::new(0),
            idle_since: AtomicU64::new(self.now_ms()),
            shed: AtomicBool::new(false),
            close: Notify::new(),
            activity: Notify::new(),
        });
        let mut conns = self.lock();
        conns.insert(id, conn.clone());
        metrics::gauge!(CONNECTIONS_OPEN).set(conns.len() as f64);
        (id, conn)
    }

    fn remove(&self, id: u64) {
        let mut conns = self.lock();
        conns.remove(&id);
        metrics::gauge!(CONNECTIONS_OPEN).set(conns.len() as f64);
        if conns.is_empty() {
            self.empty.notify_waiters();
        }
    }

    /// Connections counted against the cap (those already told to close are
    /// on their way out).
    fn open(&self) -> usize {
        self.lock()
            .values()
            .filter(|c| !c.shed.load(Ordering::Relaxed))
            .count()
    }

    /// Closes the connection idle the longest; `false` when every
    /// connection is answering a request.
    fn shed_idlest(&self) -> bool {
        let victim = {
            let conns = self.lock();
            conns
                .values()
                .filter(|c| c.busy.load(Ordering::Relaxed) == 0 && !c.shed.load(Ordering::Relaxed))
                .min_by_key(|c| c.idle_since.load(Ordering::Relaxed))
                .cloned()
        };
        let Some(victim) = victim else { return false };
        victim.shed.store(true, Ordering::Relaxed);
        victim.close.notify_one();
        metrics::counter!(CONNECTIONS_SHED).increment(1);
        // One log line a second at most: a flood sheds thousands.
        let shed = self.shed_since_log.fetch_add(1, Ordering::Relaxed) + 1;
        let now = self.now_ms();
        let last = self.last_shed_log.load(Ordering::Relaxed);
        if (now.saturating_sub(last) >= 1000 || last == 0)
            && self
                .last_shed_log
                .compare_exchange(last, now.max(1), Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            self.shed_since_log.store(0, Ordering::Relaxed);
            tracing::warn!(
                shed,
                idle_seconds =
                    now.saturating_sub(victim.idle_since.load(Ordering::Relaxed)) as f64 / 1000.0,
                "at the connection cap: closed the connections idle the longest to make room"
            );
        }
        true
    }
}

/// Marks a connection busy for as long as one request is being answered.
struct Busy {
    conn: Arc<Conn>,
    registry: Arc<Registry>,
}

impl Busy {
    fn start(conn: &Arc<Conn>, registry: &Arc<Registry>) -> Busy {
        conn.busy.fetch_add(1, Ordering::Relaxed);
        conn.requests.fetch_add(1, Ordering::Relaxed);
        conn.activity.notify_one();
        Busy {
            conn: conn.clone(),
            registry: registry.clone(),
        }
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.conn
            .idle_since
            .store(self.registry.now_ms(), Ordering::Relaxed);
        self.conn.busy.fetch_sub(1, Ordering::Relaxed);
        self.conn.activity.notify_one();
    }
}

/// Serves `service` on `listener` until `shutdown` completes, then stops
/// accepting, lets requests in flight finish for at most `drain` and
/// abandons the rest. Handlers see the peer as `ConnectInfo<SocketAddr>`.
pub(crate) async fn serve<S>(
    listener: tokio::net::TcpListener,
    service: S,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
    drain: Duration,
) -> std::io::Result<()>
where
    S: tower::Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send,
{
    let registry = Arc::new(Registry {
        started: Instant::now(),
        next_id: AtomicU64::new(0),
        conns: Mutex::new(HashMap::new()),
        empty: Notify::new(),
        shed_since_log: AtomicU64::new(0),
        last_shed_log: AtomicU64::new(0),
    });
    metrics::gauge!(CONNECTIONS_OPEN).set(0.0);
    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of files (EMFILE) or a connection reset before
                    // accept: make room and try again rather than stop.
                    tracing::warn!(%error, "cannot accept a connection");
                    registry.shed_idlest();
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        if registry.open() >= limits.max_connections && !registry.shed_idlest() {
            tracing::warn!(
                %remote,
                max = limits.max_connections,
                "refused a connection: at the connection cap and every connection is answering a request"
            );
            continue;
        }
        let (id, conn) = registry.add();
        tokio::spawn(run_connection(
            stream,
            remote,
            service.clone(),
            conn,
            id,
            registry.clone(),
            limits,
            stop_rx.clone(),
        ));
    }
    drop(listener);
    let _ = stop_tx.send(true);
    let drained = async {
        loop {
            let empty = registry.empty.notified();
            if registry.lock().is_empty() {
                return;
            }
            empty.await;
        }
    };
    if tokio::time::timeout(drain, drained).await.is_err() {
        tracing::warn!(
            seconds = drain.as_secs_f64(),
            "requests still in flight after the shutdown timeout were abandoned"
        );
    }
    Ok(())
}

#[allow(
    clippy::too_many_arguments,
    reason = "one call site, all parts of one connection"
)]
async fn run_connection<S>(
    stream: tokio::net::TcpStream,
    remote: SocketAddr,
    service: S,
    conn: Arc<Conn>,
    id: u64,
    registry: Arc<Registry>,
    limits: Limits,
    mut stop: watch::Receiver<bool>,
) where
    S: tower::Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send,
{
    let _ = stream.set_nodelay(true);
    let hyper_service = {
        let conn = conn.clone();
        let registry = registry.clone();
        hyper::service::service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
            let busy = Busy::start(&conn, &registry);
            let service = service.clone();
            async move {
                let mut request = request.map(Body::new);
                request.extensions_mut().insert(ConnectInfo(remote));
                let response = tower::ServiceExt::oneshot(service, request).await;
                drop(busy);
                response
            }
        })
    };
    let connection = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        // hyper's own header timer also runs between keep-alive requests,
        // which would cut idle connections at `header_read`: the watchdog
        // below enforces both limits instead.
        .header_read_timeout(None)
        .keep_alive(true)
        .serve_connection(TokioIo::new(stream), hyper_service)
        .with_upgrades();
    tokio::pin!(connection);
    let mut stopping = *stop.borrow();
    if stopping {
        connection.as_mut().graceful_shutdown();
    }
    loop {
        // A connection with no request in flight may wait for the header
        // of its first request `header_read`, for its next one `idle`.
        let busy = conn.busy.load(Ordering::Relaxed) > 0;
        let allowed = if conn.requests.load(Ordering::Relaxed) == 0 {
            limits.header_read
        } else {
            limits.idle
        };
        let idle_for = Duration::from_millis(
            registry
                .now_ms()
                .saturating_sub(conn.idle_since.load(Ordering::Relaxed)),
        );
        let wait = if busy {
            limits.idle
        } else {
            allowed.saturating_sub(idle_for)
        };
        tokio::select! {
            result = connection.as_mut() => {
                if let Err(error) = result {
                    tracing::debug!(%remote, %error, "connection ended with an error");
                }
                break;
            }
            () = conn.close.notified() => break,
            () = conn.activity.notified() => {}
            changed = stop.changed(), if !stopping => {
                stopping = true;
                if changed.is_ok() {
                    connection.as_mut().graceful_shutdown();
                }
            }
            () = tokio::time::sleep(wait), if !busy => {
                if conn.busy.load(Ordering::Relaxed) == 0 {
                    tracing::debug!(%remote, seconds = allowed.as_secs_f64(), "closed an idle connection");
                    break;
                }
            }
        }
    }
    registry.remove(id);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_cap_leaves_files_for_the_database_and_logs() {
        assert_eq!(default_max_connections(Some(1024)), 768);
        assert_eq!(
            default_max_connections(Some(1_048_576)),
            DEFAULT_MAX_CONNECTIONS
        );
        assert_eq!(default_max_connections(None), DEFAULT_MAX_CONNECTIONS);
        assert_eq!(default_max_connections(Some(100)), 16);
    }
}
