//! Embeds and body images (issue 13, items 3 and 4), against real local
//! servers: the oEmbed fetcher refuses loopback, private, link-local and
//! non-http addresses (literal and behind a redirect); the resolver reads
//! only a checked iframe `src` and the title from a local oEmbed server
//! allowed through the outbound allow list, and degrades to the link when
//! anything fails; `POST /admin/embeds/resolve` is for editors and
//! administrators; reader pages show an embed as a click-to-load
//! placeholder (the default) or a sandboxed iframe under a CSP that frames
//! only the providers' player hosts, and a library image as a `<picture>`
//! drawn from its media row (a missing row keeps the stored caption).

use std::net::SocketAddr;

use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use masthead::accounts::Role;
use masthead::media::oembed::{self, OembedError};
use masthead::outbound::{Outbound, OutboundError, Policy};
use masthead::text::embeds::EmbedDisplay;

use crate::media::{encode, picture, post_upload};
use crate::on_both;
use crate::stories::{signed_in, story_form, world};
use crate::support::{Backend, Session, TestApp, spawn, spawn_with};

on_both!(
    readers_see_embeds_as_placeholders_and_library_images_as_pictures,
    embeds_are_sandboxed_frames_when_the_site_says_frame,
    a_mastodon_post_is_framed_from_its_own_instance_named_in_the_page_csp,
);

async fn serve(router: axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    address
}

fn redirect_to(location: &'static str) -> axum::response::Response {
    (
        StatusCode::TEMPORARY_REDIRECT,
        [(header::LOCATION, location)],
    )
        .into_response()
}

/// An oEmbed server on loopback: a good answer (with a script beside the
/// iframe), one whose iframe is on a host no provider frames from, and
/// redirects to forbidden addresses.
fn oembed_server() -> axum::Router {
    use axum::routing::get;
    let json = |body: serde_json::Value| {
        (
            [(header::CONTENT_TYPE, "application/json")],
            body.to_string(),
        )
            .into_response()
    };
    axum::Router::new()
        .route(
            "/good",
            get(move || async move {
                json(serde_json::json!({
                    "type": "video",
                    "title": "Harbour <b>reopens</b>\n at dawn",
                    "html": "<script src=\"https://evil.example/x.js\"></script><iframe width=\"560\" src=\"https://www.youtube-nocookie.com/embed/abc?feature=oembed&amp;rel=0\" onload=\"alert(1)\"></iframe>",
                }))
            }),
        )
        .route(
            "/evil",
            get(move || async move {
                json(serde_json::json!({
                    "title": "Looks fine",
                    "html": "<iframe src=\"https://evil.example/embed/abc\"></iframe>",
                }))
            }),
        )
        .route("/huge", get(|| async { "x".repeat(200 * 1024) }))
        .route(
            "/to-metadata",
            get(|| async { redirect_to("http://169.254.169.254/latest/meta-data/") }),
        )
        .route(
            "/to-private",
            get(|| async { redirect_to("http://10.0.0.5/oembed") }),
        )
        .route(
            "/to-loopback",
            get(|| async { redirect_to("http://[::1]:9/oembed") }),
        )
        .route(
            "/to-file",
            get(|| async { redirect_to("file:///etc/passwd") }),
        )
}

const LINK: &str = "https://www.youtube.com/watch?v=abc";

#[tokio::test]
async fn the_oembed_fetcher_refuses_special_and_non_http_addresses() {
    let server = serve(oembed_server()).await;
    // The local server is allowed; nothing else special is.
    let outbound = Outbound::new(Policy::parse(false, &["127.0.0.1".into()]).unwrap());
    for (path, expected) in [
        ("/to-metadata", "169.254.169.254 is a link-local address"),
        ("/to-private", "10.0.0.5 is a private address"),
        ("/to-loopback", "::1 is a loopback address"),
        ("/to-file", "not an http:// or https:// address"),
    ] {
        let error = oembed::fetch(&outbound, &format!("http://{server}{path}"))
            .await
            .unwrap_err();
        assert!(
            matches!(error, OembedError::Outbound(OutboundError::Refused { .. })),
            "{path}: {error:?}"
        );
        assert!(error.to_string().contains(expected), "{path}: {error}");
    }
    // Loopback itself, without the allow list.
    let strict = Outbound::new(Policy::default());
    let error = oembed::fetch(&strict, &format!("http://{server}/good"))
        .await
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("127.0.0.1 is a loopback address"),
        "{error}"
    );
    for url in [
        "ftp://127.0.0.1/oembed",
        "file:///etc/passwd",
        "gopher://127.0.0.1/",
    ] {
        let error = oembed::fetch(&outbound, url).await.unwrap_err();
        assert!(matches!(error, OembedError::NotHttp(_)), "{url}: {error:?}");
        assert_eq!(
            error.to_string(),
            format!("refused to fetch {url}: not an http:// or https:// address")
        );
    }
    // The size cap.
    let error = oembed::fetch(&outbound, &format!("http://{server}/huge"))
        .await
        .unwrap_err();
    assert!(
        matches!(error, OembedError::Outbound(OutboundError::TooLarge { .. })),
        "{error:?}"
    );

    // The resolver degrades every refusal to the link, never an error.
    let resolved = oembed::resolve_with(
        &outbound,
        LINK,
        Some(&format!("http://{server}/to-metadata")),
    )
    .await;
    assert_eq!(resolved.provider, Some("youtube"));
    assert_eq!(resolved.src, None);
    assert_eq!(resolved.href, LINK);
    assert_eq!(resolved.title, LINK);
    assert!(
        resolved
            .note
            .as_deref()
            .is_some_and(|n| n.contains("link-local")),
        "{resolved:?}"
    );
}

#[tokio::test]
async fn the_resolver_keeps_only_a_checked_player_and_a_plain_title() {
    let server = serve(oembed_server()).await;
    let outbound = Outbound::new(Policy::parse(false, &["127.0.0.1".into()]).unwrap());
    let good = oembed::resolve_with(&outbound, LINK, Some(&format!("http://{server}/good"))).await;
    assert_eq!(good.provider, Some("youtube"));
    assert_eq!(
        good.src.as_deref(),
        Some("https://www.youtube-nocookie.com/embed/abc?feature=oembed&rel=0")
    );
    assert_eq!(good.title, "Harbour reopens at dawn");
    assert_eq!(good.note, None);
    let json = serde_json::to_value(&good).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "provider": "youtube",
            "src": "https://www.youtube-nocookie.com/embed/abc?feature=oembed&rel=0",
            "href": LINK,
            "title": "Harbour reopens at dawn",
        })
    );

    // A player on a host the provider is not framed from is dropped.
    let evil = oembed::resolve_with(&outbound, LINK, Some(&format!("http://{server}/evil"))).await;
    assert_eq!(evil.src, None);
    assert_eq!(evil.title, "Looks fine");

    // A link masthead does not embed stays a link, fetching nothing.
    let other = oembed::resolve(&outbound, "https://example.com/page").await;
    assert_eq!(other.provider, None);
    assert_eq!(other.src, None);
    assert_eq!(other.title, "https://example.com/page");
}

#[tokio::test]
async fn the_resolve_route_is_for_editors_and_never_fails_on_the_network() {
    let Some(app) = spawn(Backend::Sqlite, true).await else {
        return;
    };
    let (editor, _) = signed_in(&app, "edi@example.org", Role::Editor).await;
    let (writer, _) = signed_in(&app, "wri@example.org", Role::Writer).await;
    // The test machine's outbound policy refuses nothing public but has no
    // network: the answer is the link, ready to insert.
    let answer = ask(&editor, "https://vimeo.com/76979871").await;
    assert_eq!(answer.status(), 200, "{}", answer.text());
    let json = answer.json();
    assert_eq!(json["provider"], "vimeo");
    assert_eq!(json["href"], "https://vimeo.com/76979871");
    assert!(json["title"].is_string());
    if let Some(src) = json["src"].as_str() {
        assert!(src.starts_with("https://player.vimeo.com/"), "{src}");
    }
    assert_eq!(
        answer.header("cache-control"),
        Some("private, no-store"),
        "an admin answer"
    );
    assert_eq!(
        ask(&writer, "https://vimeo.com/76979871").await.status(),
        403
    );
    let anonymous = app.session();
    let refused = ask(&anonymous, "https://vimeo.com/76979871").await;
    assert!(
        matches!(refused.status(), 303 | 401),
        "{}",
        refused.status()
    );
    // Sent from another site: refused by the CSRF layer.
    let cross = editor
        .send(
            editor
                .client()
                .post(editor.url("/admin/embeds/resolve"))
                .header("origin", "https://evil.example")
                .header("sec-fetch-site", "cross-site")
                .json(&serde_json::json!({ "url": "https://vimeo.com/1" })),
        )
        .await;
    assert_eq!(cross.status(), 403);
}

/// Asks the resolver about `url` as `session`, from the site's own pages.
async fn ask(session: &Session, url: &str) -> crate::support::Page {
    let request = session
        .client()
        .post(session.url("/admin/embeds/resolve"))
        .header("origin", session.url("").trim_end_matches('/'))
        .json(&serde_json::json!({ "url": url }));
    session.send(request).await
}

/// A body as the rich editor writes it: an embed, a library image and an
/// image whose media row does not exist.
fn body(media_id: i64) -> String {
    format!(
        "<p>Before the video.</p>\
         <figure data-embed=\"youtube\" data-embed-src=\"https://www.youtube-nocookie.com/embed/abc\"><a href=\"https://www.youtube.com/watch?v=abc\">Harbour at dawn</a></figure>\
         <figure data-media-id=\"{media_id}\"><img src=\"/media/stale-640.jpg\" alt=\"Stored alt\"><figcaption>Stored caption</figcaption></figure>\
         <figure data-media-id=\"999999\"><img src=\"/media/gone-640.jpg\" alt=\"A lost image\"><figcaption>Kept caption of a lost image</figcaption></figure>\
         <p>After.</p>"
    )
}

/// Uploads an image with its text and publishes a story with [`body`];
/// answers the story's page path and the image's id.
async fn publish_story(app: &TestApp) -> (String, i64, Session) {
    let (editor, _) = signed_in(app, "edi@example.org", Role::Editor).await;
    let png = encode(&picture(900, 600), "png");
    let uploaded = post_upload(&editor, true, "quay.png", &png, "Boats moored at a quay").await;
    assert_eq!(uploaded.status(), 201, "{}", uploaded.text());
    let media_id = uploaded.json()["id"].as_i64().unwrap();
    let section = world(app).await;
    let body = body(media_id);
    let form = story_form(&section, "Harbour reopens", &body);
    let created = editor.post_form("/admin/stories", &form).await;
    assert_eq!(created.status(), 303, "{}", created.text());
    let path = created
        .location()
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let published = editor.post(&format!("{path}/publish")).await;
    assert_eq!(published.status(), 303, "{}", published.text());
    ("/world/harbour-reopens".to_owned(), media_id, editor)
}

async fn readers_see_embeds_as_placeholders_and_library_images_as_pictures(backend: Backend) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    let (path, media_id, editor) = publish_story(&app).await;
    let page = app.session().get(&path).await;
    assert_eq!(page.status(), 200);
    let csp = page.header("content-security-policy").unwrap().to_owned();
    assert!(
        csp.contains("frame-src https://www.youtube.com https://www.youtube-nocookie.com https://player.vimeo.com"),
        "{csp}"
    );
    assert!(csp.contains("script-src 'self';"), "{csp}");
    assert!(!csp.contains("unsafe"), "{csp}");
    let html = page.text();
    // Click to load: the provider's link and a button the script shows;
    // no frame until then.
    assert!(!html.contains("<iframe"), "{html}");
    assert!(html.contains("<script src=\"/static/embeds.js\" defer></script>"));
    assert_eq!(
        page.attrs("figure.embed-deferred", "data-embed-frame"),
        vec!["https://www.youtube-nocookie.com/embed/abc"]
    );
    assert!(html.contains(
        "YouTube: <a href=\"https://www.youtube.com/watch?v=abc\" rel=\"noopener noreferrer\">Harbour at dawn</a>"
    ));
    assert_eq!(
        page.select("figure.embed-deferred button.embed-load").len(),
        1
    );
    let script = app.session().get("/static/embeds.js").await;
    assert_eq!(script.status(), 200);
    assert!(
        script
            .text()
            .contains("allow-scripts allow-same-origin allow-popups allow-presentation")
    );

    // The library image from its row: WebP and JPEG srcsets, its size, the
    // row's alt text, caption and credit.
    let pictures = page.select("figure.body-image picture");
    assert_eq!(pictures.len(), 1, "{html}");
    let webp = page.attrs("figure.body-image source[type=\"image/webp\"]", "srcset");
    assert!(
        webp[0].contains(".webp 320w") || webp[0].contains("w, /media/"),
        "{webp:?}"
    );
    let img = page.attrs("figure.body-image img", "alt");
    assert_eq!(img, vec!["Boats moored at a quay"]);
    assert!(!page.attrs("figure.body-image img", "srcset")[0].is_empty());
    assert!(!page.attrs("figure.body-image img", "width")[0].is_empty());
    assert!(
        html.contains("<figcaption>A caption <span class=\"credit\">Staff</span></figcaption>"),
        "{html}"
    );
    // The image whose row is gone keeps its figure and caption.
    assert!(html.contains("<figure data-media-id=\"999999\"><img src=\"/media/gone-640.jpg\" alt=\"A lost image\"><figcaption>Kept caption of a lost image</figcaption></figure>"), "{html}");

    // Changing the image's text purges the page: readers see it at once.
    let changed = editor
        .post_form(
            &format!("/admin/media/{media_id}"),
            &[
                ("alt", "Boats at the quay, new alt"),
                ("caption", "New caption"),
                ("credit", "Staff"),
            ],
        )
        .await;
    assert_eq!(changed.status(), 303);
    app.app.sync_changes().await;
    let again = app.session().get(&path).await;
    assert_eq!(
        again.attrs("figure.body-image img", "alt"),
        vec!["Boats at the quay, new alt"]
    );
    assert!(
        again
            .text()
            .contains("<figcaption>New caption <span class=\"credit\">Staff</span></figcaption>")
    );
}

async fn embeds_are_sandboxed_frames_when_the_site_says_frame(backend: Backend) {
    let Some(app) = spawn_with(backend, true, |config| config.embeds = EmbedDisplay::Frame).await
    else {
        return;
    };
    let (path, _, _) = publish_story(&app).await;
    let page = app.session().get(&path).await;
    assert_eq!(page.status(), 200);
    let html = page.text();
    assert!(!html.contains("/static/embeds.js"));
    assert_eq!(
        page.attrs("figure.embed-youtube iframe", "src"),
        vec!["https://www.youtube-nocookie.com/embed/abc"]
    );
    assert_eq!(
        page.attrs("figure.embed-youtube iframe", "sandbox"),
        vec!["allow-scripts allow-same-origin allow-popups allow-presentation"]
    );
    assert_eq!(
        page.attrs("figure.embed-youtube iframe", "loading"),
        vec!["lazy"]
    );
    assert_eq!(
        page.attrs("figure.embed-youtube iframe", "title"),
        vec!["Harbour at dawn"]
    );
}

/// The `frame-src` of a page's CSP, its sources in order.
fn frame_src(csp: &str) -> Vec<String> {
    csp.split(';')
        .map(str::trim)
        .find_map(|d| d.strip_prefix("frame-src "))
        .unwrap_or_default()
        .split(' ')
        .map(str::to_owned)
        .collect()
}

async fn a_mastodon_post_is_framed_from_its_own_instance_named_in_the_page_csp(backend: Backend) {
    let Some(app) = spawn_with(backend, true, |config| config.embeds = EmbedDisplay::Frame).await
    else {
        return;
    };
    let (editor, _) = signed_in(&app, "edi@example.org", Role::Editor).await;
    let section = world(&app).await;
    // A status on one instance, and a player claiming another instance's
    // host (not framed: the player must be the status's own).
    let body = "<p>The minister replied.</p>\
        <figure data-embed=\"mastodon\" data-embed-src=\"https://social.example.net/@minister/1122334455/embed\"><a href=\"https://social.example.net/@minister/1122334455\">The minister's reply</a></figure>\
        <figure data-embed=\"mastodon\" data-embed-src=\"https://evil.example.com/@minister/1/embed\"><a href=\"https://social.example.net/@minister/1\">A forged player</a></figure>\
        <p>After.</p>";
    let form = story_form(&section, "Minister replies", body);
    let created = editor.post_form("/admin/stories", &form).await;
    assert_eq!(created.status(), 303, "{}", created.text());
    let path = created
        .location()
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(editor.post(&format!("{path}/publish")).await.status(), 303);

    // The first request renders the page (a miss), the second is a hit
    // answered by the fast path: both carry the page's own policy.
    for round in ["miss", "hit"] {
        let page = app.session().get("/world/minister-replies").await;
        assert_eq!(page.status(), 200, "{round}");
        let csp = page.header("content-security-policy").unwrap().to_owned();
        let frames = frame_src(&csp);
        assert_eq!(frames[0], "https://social.example.net", "{round}: {csp}");
        assert!(
            frames.contains(&"https://www.youtube.com".to_owned()),
            "{round}: {csp}"
        );
        assert!(!csp.contains("evil.example.com"), "{round}: {csp}");
        assert!(
            csp.contains("script-src 'self';") && !csp.contains("unsafe"),
            "{csp}"
        );
        assert_eq!(
            page.attrs("figure.embed-mastodon iframe", "src"),
            vec!["https://social.example.net/@minister/1122334455/embed"],
            "{round}"
        );
        assert_eq!(
            page.attrs("figure.embed-mastodon iframe", "sandbox"),
            vec!["allow-scripts allow-same-origin allow-popups allow-presentation"]
        );
        // The forged player shows as its link only.
        assert!(page.text().contains(
            "<a href=\"https://social.example.net/@minister/1\" rel=\"noopener noreferrer\">A forged player</a>"
        ));
    }
    // As a browser asks (compressed, answered from the cache): the same.
    let page = app
        .session()
        .get_with(
            "/world/minister-replies",
            &[("accept-encoding", "gzip, br")],
        )
        .await;
    assert_eq!(page.header("content-encoding"), Some("br"));
    assert_eq!(
        frame_src(page.header("content-security-policy").unwrap())[0],
        "https://social.example.net"
    );
    // Other pages keep the site-wide policy, without the instance.
    let home = app.session().get("/").await;
    assert!(
        !home
            .header("content-security-policy")
            .unwrap()
            .contains("social.example.net")
    );
}
