//! The guarded outbound client against real local servers: special
//! addresses refused (literal, resolved, and after a redirect), answers
//! capped, and https spoken with TLS.

use std::io::Read;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use masthead::outbound::{Outbound, OutboundError, Policy};

/// Only the test servers' loopback address is allowed.
fn loopback_only() -> Outbound {
    Outbound::new(Policy::parse(false, &["127.0.0.1".into()]).unwrap())
}

async fn serve(router: axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    address
}

fn redirect_to(location: &'static str) -> impl IntoResponse {
    (
        StatusCode::TEMPORARY_REDIRECT,
        [(header::LOCATION, location)],
    )
}

#[tokio::test]
async fn a_redirect_from_an_allowed_server_to_a_forbidden_address_is_refused() {
    let router = axum::Router::new()
        .route("/ok", axum::routing::get(|| async { "fine" }))
        .route(
            "/metadata",
            axum::routing::get(|| async {
                redirect_to("http://169.254.169.254/latest/meta-data/")
            }),
        )
        .route(
            "/mapped",
            axum::routing::get(|| async { redirect_to("http://[::ffff:10.0.0.5]/") }),
        )
        .route(
            "/file",
            axum::routing::get(|| async { redirect_to("file:///etc/passwd") }),
        )
        .route(
            "/hop/{n}",
            axum::routing::get(
                |axum::extract::Path(n): axum::extract::Path<u32>| async move {
                    (
                        StatusCode::FOUND,
                        [(header::LOCATION, format!("/hop/{}", n + 1))],
                    )
                },
            ),
        );
    let server = serve(router).await;
    let client = loopback_only();

    let reply = client
        .send(client.get(&format!("http://{server}/ok")), 1024)
        .await
        .unwrap();
    assert_eq!(&reply.body[..], b"fine", "the allowed server is reached");

    for (path, expected) in [
        ("/metadata", "169.254.169.254 is a link-local address"),
        ("/mapped", "::ffff:10.0.0.5 is a private address"),
        ("/file", "not an http:// or https:// address"),
        ("/hop/0", "redirects more than 5 times"),
    ] {
        let error = client
            .send(client.get(&format!("http://{server}{path}")), 1024)
            .await
            .unwrap_err();
        assert!(
            matches!(error, OutboundError::Refused { .. }),
            "{path}: {error:?}"
        );
        let message = error.to_string();
        assert!(
            message.starts_with("refused to fetch ") && message.contains(expected),
            "{path}: {message}"
        );
    }
}

#[tokio::test]
async fn a_private_literal_address_is_refused_by_default() {
    let client = Outbound::new(Policy::default());
    for (url, expected) in [
        (
            "http://10.0.0.5/hub",
            "refused to fetch http://10.0.0.5/hub: 10.0.0.5 is a private address; \
             set --outbound-allow-private (or list it in --outbound-allow) to allow it",
        ),
        (
            "https://[::1]:8443/",
            "refused to fetch https://[::1]:8443/: ::1 is a loopback address; \
             set --outbound-allow-private (or list it in --outbound-allow) to allow it",
        ),
        (
            "http://[::ffff:192.168.0.1]/",
            "::ffff:192.168.0.1 is a private address",
        ),
        ("http://0.0.0.0:8080/", "0.0.0.0 is an unspecified address"),
    ] {
        let error = client.send(client.post(url), 1024).await.unwrap_err();
        assert!(error.to_string().contains(expected), "{url}: {error}");
    }
}

#[tokio::test]
async fn a_name_resolving_to_loopback_is_refused_when_connecting() {
    // The check runs on what DNS answers, not on how the address looks.
    let server = serve(axum::Router::new().route("/", axum::routing::get(|| async { "x" }))).await;
    let client = Outbound::new(Policy::default());
    let url = format!("http://localhost:{}/", server.port());
    let error = client.send(client.get(&url), 1024).await.unwrap_err();
    assert!(matches!(error, OutboundError::Refused { .. }), "{error:?}");
    assert!(
        error.to_string().contains("is a loopback address"),
        "{error}"
    );
    // Allowing the name (as a local hub would be) lets it through.
    let client = Outbound::new(Policy::parse(false, &["localhost".into()]).unwrap());
    let reply = client.send(client.get(&url), 1024).await.unwrap();
    assert_eq!(&reply.body[..], b"x");
}

#[tokio::test]
async fn a_too_large_answer_is_cut_with_a_clear_error() {
    const LIMIT: usize = 64 * 1024;
    let router = axum::Router::new()
        .route(
            "/declared",
            axum::routing::get(|| async { vec![b'a'; LIMIT + 1] }),
        )
        .route(
            "/streamed",
            axum::routing::get(|| async {
                // Chunked, no Content-Length: only counting while reading
                // can stop it.
                let chunks = (0..64).map(|_| Ok::<_, std::io::Error>(vec![b'a'; 16 * 1024]));
                axum::body::Body::from_stream(futures_util::stream::iter(chunks))
            }),
        )
        .route("/exact", axum::routing::get(|| async { vec![b'a'; LIMIT] }));
    let server = serve(router).await;
    let client = loopback_only();
    for path in ["/declared", "/streamed"] {
        let url = format!("http://{server}{path}");
        let error = client.send(client.get(&url), LIMIT).await.unwrap_err();
        assert!(
            matches!(error, OutboundError::TooLarge { .. }),
            "{path}: {error:?}"
        );
        assert_eq!(
            error.to_string(),
            format!(
                "{url} answered more than {LIMIT} bytes; stopped reading (the limit is {LIMIT})"
            )
        );
    }
    let reply = client
        .send(client.get(&format!("http://{server}/exact")), LIMIT)
        .await
        .unwrap();
    assert_eq!(
        reply.body.len(),
        LIMIT,
        "an answer at the limit is read whole"
    );
}

/// A TLS server on loopback with a self-signed certificate for localhost
/// and 127.0.0.1 (tests/fixtures/tls); it handshakes once per connection.
fn tls_server() -> SocketAddr {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/tls");
    let cert = CertificateDer::from_pem_file(format!("{dir}/self-signed.crt")).unwrap();
    let key = PrivateKeyDer::from_pem_file(format!("{dir}/self-signed.key")).unwrap();
    let config = Arc::new(
        rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .unwrap(),
    );
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for socket in listener.incoming().flatten() {
            let connection = rustls::ServerConnection::new(config.clone()).unwrap();
            let mut stream = rustls::StreamOwned::new(connection, socket);
            // The client gives up during the handshake; nothing to answer.
            let _ = stream.read(&mut [0u8; 1024]);
        }
    });
    address
}

#[tokio::test]
async fn https_is_spoken_with_tls_and_an_unknown_certificate_is_refused() {
    let server = tls_server();
    let client = loopback_only();
    let url = format!("https://127.0.0.1:{}/hub", server.port());
    let error = client.send(client.post(&url), 1024).await.unwrap_err();
    assert!(matches!(error, OutboundError::Failed { .. }), "{error:?}");
    let message = error.to_string();
    // A client without TLS would say the scheme is not supported; this one
    // completes the handshake far enough to judge the certificate.
    assert!(
        message.contains("invalid peer certificate") && message.contains("UnknownIssuer"),
        "{message}"
    );
}
