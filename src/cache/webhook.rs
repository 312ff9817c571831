//! The purge webhook: after each batch of changes, `POST <url>` with
//! `{"tags": [...]}` so a CDN (or a script in front of one) can purge by
//! surrogate key. Plain HTTP/1.1 over a TCP connection (the hook is usually a
//! local relay); failures are logged and never block readers.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

const TIMEOUT: Duration = Duration::from_secs(5);

/// Why a webhook call failed.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error("the purge webhook {0:?} is not an http:// URL")]
    Url(String),
    #[error("the purge webhook failed: {0}")]
    Io(#[from] std::io::Error),
    #[error("the purge webhook timed out")]
    Timeout,
    #[error("the purge webhook answered {0:?}")]
    Status(String),
}

/// Calls the webhook in the background.
pub fn call(url: String, tags: Vec<String>) {
    tokio::spawn(async move {
        if let Err(error) = post(&url, &tags).await {
            tracing::warn!(error = %error, "purge webhook");
        }
    });
}

/// Splits `http://host[:port][/path]` into (host:port, host, path).
fn parse(url: &str) -> Option<(String, String, String)> {
    let rest = url.strip_prefix("http://")?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    if authority.is_empty() || authority.contains('@') {
        return None;
    }
    let address = if authority
        .rsplit_once(':')
        .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
    {
        authority.to_owned()
    } else {
        format!("{authority}:80")
    };
    Some((address, authority.to_owned(), path.to_owned()))
}

/// Posts the tags and waits for a 2xx status line.
pub async fn post(url: &str, tags: &[String]) -> Result<(), WebhookError> {
    let (address, host, path) = parse(url).ok_or_else(|| WebhookError::Url(url.to_owned()))?;
    let body = serde_json::json!({ "tags": tags }).to_string();
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\nUser-Agent: masthead\r\n\r\n{body}",
        body.len()
    );
    let exchange = async {
        let mut stream = tokio::net::TcpStream::connect(&address).await?;
        stream.write_all(request.as_bytes()).await?;
        let mut head = [0u8; 64];
        let n = stream.read(&mut head).await?;
        Ok::<_, std::io::Error>(String::from_utf8_lossy(&head[..n]).into_owned())
    };
    let answer = tokio::time::timeout(TIMEOUT, exchange)
        .await
        .map_err(|_| WebhookError::Timeout)??;
    let status = answer.lines().next().unwrap_or("").to_owned();
    if status
        .split(' ')
        .nth(1)
        .is_some_and(|code| code.starts_with('2'))
    {
        Ok(())
    } else {
        Err(WebhookError::Status(status))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webhook_urls_are_split_into_address_host_and_path() {
        assert_eq!(
            parse("http://cdn.local:8081/purge"),
            Some((
                "cdn.local:8081".into(),
                "cdn.local:8081".into(),
                "/purge".into()
            ))
        );
        assert_eq!(
            parse("http://relay"),
            Some(("relay:80".into(), "relay".into(), "/".into()))
        );
        assert_eq!(parse("https://cdn.example/purge"), None);
        assert_eq!(parse("http://user:pw@cdn/purge"), None);
    }

    #[tokio::test]
    async fn the_webhook_posts_the_tags_as_json() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/purge", listener.local_addr().unwrap());
        let server = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut buf = vec![0u8; 4096];
            let n = socket.read(&mut buf).await.unwrap();
            socket
                .write_all(b"HTTP/1.1 204 No Content\r\n\r\n")
                .await
                .unwrap();
            String::from_utf8_lossy(&buf[..n]).into_owned()
        });
        post(&url, &["article:1".into(), "home".into()])
            .await
            .unwrap();
        let request = server.await.unwrap();
        assert!(request.starts_with("POST /purge HTTP/1.1\r\n"), "{request}");
        assert!(
            request.ends_with("{\"tags\":[\"article:1\",\"home\"]}"),
            "{request}"
        );
    }
}
