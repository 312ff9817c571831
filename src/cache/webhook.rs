//! The purge webhook: after each batch of changes, `POST <url>` with
//! `{"tags": [...]}` so a CDN (or a script in front of one) can purge by
//! surrogate key. It goes through the guarded outbound client (http or
//! https; a relay on loopback or a private network must be allowed with
//! `--outbound-allow`); failures are logged, retried, and never block readers.
//!
//! It is a changes-feed consumer of its own, apart from each node's page
//! cache: its cursor lives in the database and each round claims it
//! (`Store::claim_consumer`), so with several nodes one node calls the
//! webhook for a change, not every node. Embargoes lifting reach it as the
//! scheduler's `article.embargo_lifted` events. The cursor moves only after
//! the webhook answered 2xx: a failed call is made again.

use std::collections::BTreeSet;
use std::time::Duration;

use tokio::sync::Notify;

use crate::ops::health::JobHandle;
use crate::outbound::{Outbound, OutboundError};
use crate::storage::{StorageError, Store};

/// The consumer's name in `distribution_cursors`.
pub(crate) const CONSUMER: &str = "purge-webhook";
/// Events read per round.
const BATCH: i64 = 500;
/// A round runs when the page cache purged something on this node (woken)
/// and at least this often (retries, changes missed by a sleeping node).
const POLL: Duration = Duration::from_secs(2);
/// A purge answer is a status line and a short body at most.
const ANSWER_LIMIT: usize = 64 * 1024;

/// Why a webhook call failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum WebhookError {
    #[error("the purge webhook {0:?} is not an http:// or https:// URL")]
    Url(String),
    #[error("the purge webhook failed: {0}")]
    Outbound(#[from] OutboundError),
    #[error("the purge webhook answered {0}")]
    Status(reqwest::StatusCode),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// One round: claims the cursor, calls the webhook once with the tags of
/// the events after it, then moves the cursor. Returns how many events it
/// handled (0 when another node holds the claim or nothing changed).
pub(crate) async fn run_once(
    store: &Store,
    client: &Outbound,
    url: &str,
    now: i64,
) -> Result<usize, WebhookError> {
    let Some(claim) = store.claim_consumer(CONSUMER, now).await? else {
        return Ok(0);
    };
    match purge_after(store, client, url, claim.cursor).await {
        Ok(Some((last, handled))) => {
            store.release_consumer(claim, last, now).await?;
            Ok(handled)
        }
        Ok(None) => {
            // Nothing to say: the cursor is left alone.
            store.abandon_consumer(claim).await?;
            Ok(0)
        }
        Err(error) => {
            store.abandon_consumer(claim).await?;
            Err(error)
        }
    }
}

/// Calls the webhook with the tags of the events after `cursor`: the last
/// event's id and how many were handled, `None` when there were none.
async fn purge_after(
    store: &Store,
    client: &Outbound,
    url: &str,
    cursor: i64,
) -> Result<Option<(i64, usize)>, WebhookError> {
    let events = store.events_after(cursor, BATCH).await?;
    let mut tags = BTreeSet::new();
    for event in &events {
        tags.extend(event.tag_list());
    }
    let Some(last) = events.last().map(|e| e.id) else {
        return Ok(None);
    };
    let tags: Vec<String> = tags.into_iter().collect();
    if !tags.is_empty() {
        post(client, url, &tags).await?;
        tracing::debug!(?tags, "purge webhook called");
    }
    Ok(Some((last, events.len())))
}

/// Calls the webhook for every change until the process ends: a round each
/// time `wake` fires (the page cache purged something) and every [`POLL`],
/// backing off while the webhook fails. The cursor starts at the end of the
/// feed the first time (a new CDN has nothing stale of the past).
pub(crate) async fn run(
    store: Store,
    client: Outbound,
    url: String,
    wake: &Notify,
    job: JobHandle,
) {
    let now = || jiff::Timestamp::now().as_second();
    loop {
        let started = async {
            store
                .start_consumer(CONSUMER, store.last_event_id().await?, now())
                .await
        };
        match started.await {
            Ok(()) => break,
            Err(error) => {
                tracing::warn!(%error, "cannot start the purge webhook's cursor; retrying");
                job.beat();
                tokio::time::sleep(POLL).await;
            }
        }
    }
    let mut delay = POLL;
    loop {
        let round = run_once(&store, &client, &url, now()).await;
        match store.distribution_cursor(CONSUMER).await {
            Ok(cursor) => job.set_cursor(cursor),
            Err(_) => job.beat(),
        }
        match round {
            // More may have come while the webhook answered.
            Ok(handled) if handled > 0 => {
                delay = POLL;
                continue;
            }
            Ok(_) => delay = POLL,
            Err(error) => {
                tracing::warn!(%error, retry_in = ?delay, "purge webhook failed; will retry");
                delay = (delay * 2).min(Duration::from_secs(120));
            }
        }
        tokio::select! {
            _ = wake.notified() => {},
            _ = tokio::time::sleep(delay) => {},
        }
    }
}

/// Posts the tags and waits for a 2xx answer.
pub(crate) async fn post(
    client: &Outbound,
    url: &str,
    tags: &[String],
) -> Result<(), WebhookError> {
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(WebhookError::Url(url.to_owned()));
    }
    let body = serde_json::json!({ "tags": tags }).to_string();
    let request = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body);
    let reply = client.send(request, ANSWER_LIMIT).await?;
    if reply.status.is_success() {
        Ok(())
    } else {
        Err(WebhookError::Status(reply.status))
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;
    use crate::outbound::Policy;

    fn loopback_allowed() -> Outbound {
        Outbound::new(Policy::parse(false, &["127.0.0.1".into()]).unwrap())
    }

    #[tokio::test]
    async fn only_http_and_https_webhooks_are_called() {
        let error = post(&loopback_allowed(), "ftp://cdn.example/purge", &[])
            .await
            .unwrap_err();
        assert!(
            error.to_string().contains("not an http:// or https://"),
            "{error}"
        );
    }

    #[tokio::test]
    async fn the_webhook_posts_the_tags_as_json() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/purge", listener.local_addr().unwrap());
        let server = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut request = Vec::new();
            let mut buf = vec![0u8; 4096];
            // Reads until the JSON body has arrived (headers and body may
            // come in separate packets).
            while !request.ends_with(b"]}") {
                let n = socket.read(&mut buf).await.unwrap();
                assert!(n > 0, "the client closed early");
                request.extend_from_slice(&buf[..n]);
            }
            socket
                .write_all(b"HTTP/1.1 204 No Content\r\n\r\n")
                .await
                .unwrap();
            String::from_utf8_lossy(&request).into_owned()
        });
        post(
            &loopback_allowed(),
            &url,
            &["article:1".into(), "home".into()],
        )
        .await
        .unwrap();
        let request = server.await.unwrap();
        assert!(request.starts_with("POST /purge HTTP/1.1\r\n"), "{request}");
        assert!(
            request.ends_with("{\"tags\":[\"article:1\",\"home\"]}"),
            "{request}"
        );
    }

    #[tokio::test]
    async fn a_webhook_on_loopback_is_refused_unless_allowed() {
        let error = post(
            &Outbound::new(Policy::default()),
            "http://127.0.0.1:9/purge",
            &[],
        )
        .await
        .unwrap_err();
        assert!(
            error
                .to_string()
                .contains("127.0.0.1 is a loopback address"),
            "{error}"
        );
    }
}
