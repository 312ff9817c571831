//! Issue 10, item 1: every public surface answers a complete, parseable
//! body whether the client asks for gzip, brotli or no compression, over one
//! keep-alive TCP connection per coding (a crawler's way). The article
//! sitemap streamed its body and panicked the worker under compression.

use std::io::Read;

use crate::on_both;
use crate::raw_http::{Connection, RawResponse};
use crate::support::{Backend, spawn};

on_both!(every_public_surface_decodes_and_parses_in_every_coding);

/// The body after undoing its `Content-Encoding`.
pub fn decode(path: &str, response: &RawResponse) -> Vec<u8> {
    let mut out = Vec::new();
    match response.header("content-encoding") {
        None | Some("identity") => out = response.body.clone(),
        Some("gzip") => {
            flate2::read::GzDecoder::new(&response.body[..])
                .read_to_end(&mut out)
                .unwrap_or_else(|e| panic!("{path}: broken gzip body: {e}"));
        }
        Some("br") => {
            brotli::Decompressor::new(&response.body[..], 4096)
                .read_to_end(&mut out)
                .unwrap_or_else(|e| panic!("{path}: broken brotli body: {e}"));
        }
        Some(other) => panic!("{path}: unexpected content-encoding {other}"),
    }
    out
}

/// Panics unless `bytes` is one well-formed XML document: every element
/// closed, nothing after the root.
fn assert_well_formed_xml(path: &str, bytes: &[u8]) {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(bytes);
    let (mut depth, mut roots) = (0usize, 0usize);
    loop {
        match reader.read_event() {
            Ok(Event::Start(_)) => {
                if depth == 0 {
                    roots += 1;
                }
                depth += 1;
            }
            Ok(Event::End(_)) => depth -= 1,
            Ok(Event::Empty(_)) if depth == 0 => roots += 1,
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!(
                "{path}: not well-formed XML at byte {}: {e}\n{}",
                reader.buffer_position(),
                String::from_utf8_lossy(bytes)
            ),
        }
    }
    assert!(
        depth == 0 && roots == 1,
        "{path}: truncated XML (depth {depth}, {roots} roots):\n{}",
        String::from_utf8_lossy(bytes)
    );
}

/// The `<loc>` values of a sitemap, as paths on this site.
fn locations(xml: &str) -> Vec<String> {
    xml.split("<loc>")
        .skip(1)
        .filter_map(|rest| rest.split("</loc>").next())
        .map(|url| {
            let after_scheme = url.split_once("://").map_or(url, |(_, r)| r);
            after_scheme
                .find('/')
                .map_or("/".to_owned(), |i| after_scheme[i..].to_owned())
        })
        .collect()
}

/// Fetches `path` on `connection` with `coding` and checks the decoded body
/// parses as what the path serves; returns the decoded text.
async fn check(connection: &mut Connection, coding: &str, path: &str) -> (String, bool) {
    let response = connection
        .get(path, &[("Accept-Encoding", coding)])
        .await
        .unwrap_or_else(|e| panic!("Accept-Encoding: {coding}: {e}"));
    assert_eq!(response.status, 200, "{path} with {coding}");
    let compressed = response.header("content-encoding").is_some();
    if coding == "identity" {
        assert!(
            !compressed,
            "{path}: compressed although identity was asked"
        );
    } else if compressed {
        assert_eq!(response.header("content-encoding"), Some(coding), "{path}");
    }
    let body = decode(path, &response);
    let text = String::from_utf8(body).unwrap_or_else(|_| panic!("{path}: body is not UTF-8"));
    let kind = response.header("content-type").unwrap_or("").to_owned();
    if path.ends_with(".json") || path.starts_with("/api/") {
        serde_json::from_str::<serde_json::Value>(&text)
            .unwrap_or_else(|e| panic!("{path} with {coding}: not JSON: {e}\n{text}"));
    } else if path.ends_with(".xml") {
        assert_well_formed_xml(&format!("{path} with {coding}"), text.as_bytes());
    } else if kind.starts_with("text/html") {
        assert!(
            text.trim_end().ends_with("</html>") && text.contains("The Daily Masthead"),
            "{path} with {coding}: incomplete page:\n{text}"
        );
    }
    (text, compressed)
}

async fn every_public_surface_decodes_and_parses_in_every_coding(backend: Backend) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    // The newest story gets a topic and a byline, so their pages and feeds
    // have something to serve.
    let newest =
        masthead::articles::visible_list(app.store(), None, crate::support::NOW, None, None, 1)
            .await
            .unwrap()
            .remove(0);
    let mut filed = newest.clone();
    filed.tags = vec!["Iraq".into()];
    filed.bylines = vec!["Jane Doe".into()];
    let record = masthead::articles::revisions::SaveRecord {
        author: "test",
        message: "Topic and byline",
        event: "article.fixed",
        extras: &Default::default(),
    };
    masthead::articles::revisions::save(
        app.store(),
        &newest,
        filed,
        newest.revision,
        record,
        crate::support::NOW,
    )
    .await
    .unwrap();
    // A page, and an older story that keeps a moved site's address.
    let actor = masthead::actor::Actor::command_line();
    let about = masthead::pages::PageInput {
        title: "About us".into(),
        path: "/about".into(),
        body_source: "Who we are.".into(),
        status: "published".into(),
        ..Default::default()
    };
    let about = masthead::pages::save(app.store(), &actor, None, &about, crate::support::NOW)
        .await
        .unwrap();
    let older =
        masthead::articles::visible_list(app.store(), None, crate::support::NOW, None, None, 3)
            .await
            .unwrap()
            .remove(2);
    let mut kept = older.clone();
    kept.canonical_path = Some("/2016/07/11/kept-address".into());
    let record = masthead::articles::revisions::SaveRecord {
        author: "test",
        message: "Old site's address",
        event: "article.fixed",
        extras: &Default::default(),
    };
    masthead::articles::revisions::save(
        app.store(),
        &older,
        kept,
        older.revision,
        record,
        crate::support::NOW,
    )
    .await
    .unwrap();
    // The newest story is a live blog with a post, so its updates and its
    // posts feeds have something to serve.
    let desk = crate::live::editor();
    masthead::live::start(app.store(), &desk, newest.id, crate::support::NOW)
        .await
        .unwrap();
    let post = masthead::live::PostInput {
        body: "<p>Polls have closed.</p>".into(),
        ..Default::default()
    };
    masthead::live::add(app.store(), &desk, newest.id, &post, crate::support::NOW)
        .await
        .unwrap();
    let live = newest.path();
    app.app.sync_changes().await;
    // Addresses found the way a client finds them.
    let stories = app.get("/api/v1/stories").await.json();
    let first = &stories["data"][0];
    let id = first["id"].as_i64().expect("a story id");
    let article = first["path"].as_str().expect("a story path").to_owned();
    let section = first["section"]["slug"]
        .as_str()
        .expect("a section")
        .to_owned();
    let word = first["headline"]
        .as_str()
        .unwrap_or_default()
        .split(|c: char| !c.is_alphanumeric())
        .max_by_key(|w| w.len())
        .unwrap_or_default()
        .to_owned();
    // As pages write it (HTML-escaped).
    let headline = first["headline"]
        .as_str()
        .expect("a headline")
        .replace('&', "&amp;")
        .replace('\'', "&#x27;")
        .replace('"', "&quot;");

    for coding in ["gzip", "br", "identity"] {
        // One connection for every request of this coding: a worker that
        // panics drops it, and the next request says so.
        let mut connection = Connection::open(app.address).await.unwrap();
        let mut compressed = Vec::new();
        let mut paths: Vec<String> = [
            "/".to_owned(),
            format!("/{section}"),
            article.clone(),
            "/feeds/rss.xml".into(),
            "/feeds/atom.xml".into(),
            "/feeds/feed.json".into(),
            format!("/feeds/{section}/rss.xml"),
            format!("/feeds/{section}/atom.xml"),
            format!("/feeds/{section}/feed.json"),
            "/robots.txt".into(),
            format!("/search?q={word}"),
            "/static/site.css".into(),
            "/healthz".into(),
            "/api/v1/openapi.json".into(),
            "/api/v1/stories".into(),
            format!("/api/v1/stories/{id}"),
            format!("/api/v1/stories/{id}/ninjs"),
            "/api/v1/sections".into(),
            "/api/v1/topics".into(),
            "/api/v1/people".into(),
            "/topics/iraq".into(),
            "/feeds/topics/iraq/rss.xml".into(),
            "/feeds/topics/iraq/atom.xml".into(),
            "/feeds/topics/iraq/feed.json".into(),
            "/people/jane-doe".into(),
            "/feeds/people/jane-doe/rss.xml".into(),
            "/feeds/people/jane-doe/atom.xml".into(),
            "/feeds/people/jane-doe/feed.json".into(),
            format!("/api/v1/search?q={word}"),
            "/about".into(),
            "/2016/07/11/kept-address".into(),
            "/api/v1/pages".into(),
            format!("/api/v1/pages/{}", about.id),
            "/corrections".into(),
            "/feeds/corrections/rss.xml".into(),
            "/feeds/corrections/atom.xml".into(),
            "/feeds/corrections/feed.json".into(),
            format!("{article}/changes"),
            format!("{live}/live.json"),
            format!("{live}/live/rss.xml"),
            format!("{live}/live/atom.xml"),
            format!("{live}/live/feed.json"),
        ]
        .into();
        let (index, _) = check(&mut connection, coding, "/sitemap.xml").await;
        let files = locations(&index);
        assert!(
            files.iter().any(|f| f.starts_with("/sitemaps/articles-"))
                && files.iter().any(|f| f == "/sitemaps/news.xml"),
            "the index lists the article and news sitemaps: {files:?}"
        );
        paths.extend(files);
        for path in &paths {
            let (text, was_compressed) = check(&mut connection, coding, path).await;
            if was_compressed {
                compressed.push(path.clone());
            }
            if path.starts_with("/sitemaps/articles-") {
                assert!(
                    text.contains(&article),
                    "{path} with {coding} lists {article}:\n{text}"
                );
            }
            if path.starts_with("/search") {
                assert!(text.contains(&word), "{path} with {coding} finds {word}");
            }
            if path == "/" || *path == format!("/{section}") {
                assert!(
                    text.contains(&headline),
                    "{path} with {coding} shows {headline}"
                );
            }
            if path == "/robots.txt" {
                assert!(text.contains("Sitemap:"), "{text}");
            }
        }
        if coding != "identity" {
            assert!(
                compressed
                    .iter()
                    .any(|p| p.starts_with("/sitemaps/articles-"))
                    && compressed.iter().any(|p| p == "/"),
                "with {coding}, the pages are compressed: {compressed:?}"
            );
        }
    }
}
