//! The purge webhook: after each batch of changes, `POST <url>` with
//! `{"tags": [...]}` so a CDN (or a script in front of one) can purge by
//! surrogate key. It goes through the guarded outbound client (http or
//! https; a relay on loopback or a private network must be allowed with
//! `--outbound-allow`); failures are logged and never block readers.

use crate::outbound::{Outbound, OutboundError};

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
}

/// Calls the webhook in the background.
pub(crate) fn call(client: Outbound, url: String, tags: Vec<String>) {
    tokio::spawn(async move {
        if let Err(error) = post(&client, &url, &tags).await {
            tracing::warn!(error = %error, "purge webhook");
        }
    });
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
