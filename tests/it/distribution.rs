//! Feeds, sitemaps, structured data and ninjs over real HTTP, each checked
//! by an independent validator (see `validators.rs`), not by masthead.

use masthead::articles::Correction;
use masthead::feeds::sitemaps;
use masthead::site::Site;

use crate::newsroom::{Story, section, story};
use crate::on_both;
use crate::support::{Backend, NOW, TestApp, spawn};
use crate::validators;

on_both!(
    feeds_parse_cleanly_with_dates_authors_categories_and_images,
    full_text_and_the_websub_hub_are_site_settings,
    pages_advertise_their_feeds,
    sitemaps_validate_against_the_official_schemas,
    article_pages_carry_valid_news_article_json_ld_and_link_previews,
    stories_are_served_as_valid_ninjs,
);

/// `[year, month, day, hour, minute, second]` in UTC, as feedparser gives it.
fn utc(unix_seconds: i64) -> serde_json::Value {
    let t = jiff::Timestamp::from_second(unix_seconds)
        .unwrap()
        .to_zoned_datetime(jiff::tz::TimeZone::UTC);
    serde_json::json!([
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    ])
}

async fn troops_story(app: &TestApp) -> masthead::articles::Article {
    let world = section(&app.db.store, "World").await;
    story(
        &app.db.store,
        &world,
        Story {
            headline: "Troops head to Iraq",
            standfirst: "Five hundred more soldiers are on their way.",
            body: "The first paragraph of the story.\n\nA second paragraph with *emphasis*.",
            published_at: Some(NOW - 3600),
            updated_at: Some(NOW - 600),
            bylines: &["Ann Reporter", "Bo Writer"],
            tags: &["Iraq", "Middle East"],
            lead_image: Some("/media/troops.jpg"),
            corrections: vec![Correction {
                at: NOW - 600,
                note: "An earlier version misstated the number of troops.".into(),
            }],
            ..Story::default()
        },
    )
    .await
}

async fn get_bytes(app: &TestApp, path: &str) -> (u16, String, Vec<u8>) {
    let response = app.get(path).await;
    let kind = response
        .header("content-type")
        .unwrap_or_default()
        .to_owned();
    (response.status(), kind, response.bytes().to_vec())
}

async fn feeds_parse_cleanly_with_dates_authors_categories_and_images(backend: Backend) {
    let Some(app) = spawn(backend, false).await else {
        return;
    };
    troops_story(&app).await;
    let business = section(&app.db.store, "Business").await;
    story(
        &app.db.store,
        &business,
        Story {
            headline: "Markets rally",
            ..Story::default()
        },
    )
    .await;
    for path in [
        "/feeds/rss.xml",
        "/feeds/atom.xml",
        "/feeds/world/rss.xml",
        "/feeds/world/atom.xml",
        "/feeds/topics/middle-east/rss.xml",
        "/feeds/topics/middle-east/atom.xml",
    ] {
        let (status, kind, body) = get_bytes(&app, path).await;
        assert_eq!(status, 200, "{path}");
        assert!(kind.starts_with(if path.ends_with("rss.xml") {
            "application/rss+xml"
        } else {
            "application/atom+xml"
        }));
        let Some(feed) = validators::feed(&body) else {
            return;
        };
        let entries = feed["entries"].as_array().unwrap();
        let titles: Vec<_> = entries
            .iter()
            .map(|e| e["title"].as_str().unwrap())
            .collect();
        if path.starts_with("/feeds/world") || path.starts_with("/feeds/topics/") {
            assert_eq!(titles, ["Troops head to Iraq"], "{path}");
        } else {
            assert_eq!(titles.len(), 2, "{path}");
        }
        let entry = entries
            .iter()
            .find(|e| e["title"] == "Troops head to Iraq")
            .unwrap();
        assert_eq!(
            entry["link"], "http://news.example/world/troops-head-to-iraq",
            "{path}"
        );
        assert_eq!(
            entry["published_parsed"],
            utc(NOW - 3600),
            "first publication, {path}"
        );
        if path.ends_with("atom.xml") {
            assert_eq!(
                entry["updated_parsed"],
                utc(NOW - 600),
                "editorial update, {path}"
            );
            assert_eq!(
                entry["enclosures"],
                serde_json::json!(["http://news.example/media/troops.jpg"])
            );
        } else {
            assert_eq!(
                entry["media"],
                serde_json::json!(["http://news.example/media/troops.jpg"])
            );
        }
        assert_eq!(
            entry["authors"],
            serde_json::json!(["Ann Reporter", "Bo Writer"]),
            "{path}"
        );
        assert_eq!(
            entry["tags"],
            serde_json::json!(["World", "Iraq", "Middle East"]),
            "{path}"
        );
        assert_eq!(
            entry["summary"], "The first paragraph of the story.",
            "teaser, {path}"
        );
        assert_eq!(
            entry["content"],
            serde_json::json!([]),
            "no full text by default, {path}"
        );
        assert!(
            entry["id"]
                .as_str()
                .unwrap()
                .starts_with("tag:news.example,2026:article:")
        );
    }
    for path in [
        "/feeds/feed.json",
        "/feeds/world/feed.json",
        "/feeds/topics/middle-east/feed.json",
    ] {
        let (status, kind, body) = get_bytes(&app, path).await;
        assert_eq!(
            (status, kind.as_str()),
            (200, "application/feed+json; charset=utf-8")
        );
        let Some(feed) = validators::json_schema("jsonfeed-1.1.schema.json", &body) else {
            return;
        };
        let items = feed["items"].as_array().unwrap();
        let item = items
            .iter()
            .find(|i| i["title"] == "Troops head to Iraq")
            .unwrap();
        assert_eq!(item["date_published"], "2026-11-24T11:00:00Z");
        assert_eq!(item["date_modified"], "2026-11-24T11:50:00Z");
        assert_eq!(item["authors"][0]["name"], "Ann Reporter");
        assert_eq!(item["image"], "http://news.example/media/troops.jpg");
        assert_eq!(item["content_text"], "The first paragraph of the story.");
    }
    for path in [
        "/feeds/nowhere/rss.xml",
        "/feeds/world/feed.xml",
        "/feeds/index.html",
        "/feeds/topics/nowhere/rss.xml",
    ] {
        assert_eq!(app.get(path).await.status(), 404, "{path}");
    }
}

async fn full_text_and_the_websub_hub_are_site_settings(backend: Backend) {
    let Some(app) = spawn(backend, false).await else {
        return;
    };
    troops_story(&app).await;
    let mut settings = Site::load(&app.db.store).await.unwrap().settings();
    settings.feed_full_text = true;
    settings.websub_hub = Some("https://hub.example/".into());
    masthead::site::save(&app.db.store, &settings, NOW)
        .await
        .unwrap();
    let (_, _, rss) = get_bytes(&app, "/feeds/rss.xml").await;
    let (_, _, atom) = get_bytes(&app, "/feeds/atom.xml").await;
    let (_, _, json) = get_bytes(&app, "/feeds/feed.json").await;
    let Some(rss) = validators::feed(&rss) else {
        return;
    };
    let content = rss["entries"][0]["content"][0].as_str().unwrap();
    assert!(
        content.contains("<p>A second paragraph with <em>emphasis</em>.</p>"),
        "{content}"
    );
    let Some(atom) = validators::feed(&atom) else {
        return;
    };
    assert!(
        atom["entries"][0]["content"][0]
            .as_str()
            .unwrap()
            .contains("<em>emphasis</em>")
    );
    let links = atom["links"].as_array().unwrap();
    assert!(
        links
            .iter()
            .any(|l| l["rel"] == "hub" && l["href"] == "https://hub.example/"),
        "{links:?}"
    );
    assert!(
        links
            .iter()
            .any(|l| l["rel"] == "self" && l["href"] == "http://news.example/feeds/atom.xml")
    );
    let Some(json) = validators::json_schema("jsonfeed-1.1.schema.json", &json) else {
        return;
    };
    assert_eq!(
        json["hubs"],
        serde_json::json!([{ "type": "WebSub", "url": "https://hub.example/" }])
    );
    assert!(
        json["items"][0]["content_html"]
            .as_str()
            .unwrap()
            .contains("<em>emphasis</em>")
    );
}

async fn pages_advertise_their_feeds(backend: Backend) {
    let Some(app) = spawn(backend, false).await else {
        return;
    };
    troops_story(&app).await;
    let alternates = |html: &str| -> Vec<(String, String)> {
        let document = scraper::Html::parse_document(html);
        let selector = scraper::Selector::parse("link[rel=alternate]").unwrap();
        document
            .select(&selector)
            .map(|l| {
                (
                    l.attr("type").unwrap().to_owned(),
                    l.attr("href").unwrap().to_owned(),
                )
            })
            .collect()
    };
    let (_, home) = app.get_text("/").await;
    assert_eq!(
        alternates(&home),
        [
            (
                "application/rss+xml".to_owned(),
                "/feeds/rss.xml".to_owned()
            ),
            ("application/atom+xml".into(), "/feeds/atom.xml".into()),
            ("application/feed+json".into(), "/feeds/feed.json".into()),
        ]
    );
    for path in ["/world", "/world/troops-head-to-iraq"] {
        let (_, html) = app.get_text(path).await;
        let links = alternates(&html);
        assert_eq!(links.len(), 6, "{path}");
        assert!(links.contains(&(
            "application/atom+xml".into(),
            "/feeds/world/atom.xml".into()
        )));
    }
}

/// The `<loc>`s of a sitemap or index.
fn locs(xml: &str) -> Vec<String> {
    xml.split("<loc>")
        .skip(1)
        .map(|s| s.split("</loc>").next().unwrap().to_owned())
        .collect()
}

async fn sitemaps_validate_against_the_official_schemas(backend: Backend) {
    let Some(app) = spawn(backend, false).await else {
        return;
    };
    troops_story(&app).await;
    let world = section(&app.db.store, "World").await;
    story(
        &app.db.store,
        &world,
        Story {
            headline: "An old story",
            published_at: Some(NOW - 5 * 86400),
            ..Story::default()
        },
    )
    .await;
    // A published page (a non-ASCII address, percent-encoded in the URL)
    // and a draft one.
    let actor = masthead::actor::Actor::command_line();
    for (path, status) in [("/über-uns", "published"), ("/draft-page", "draft")] {
        let input = masthead::pages::PageInput {
            title: "About".into(),
            path: path.into(),
            body_source: "Who we are.".into(),
            status: status.into(),
            ..Default::default()
        };
        masthead::pages::save(&app.db.store, &actor, None, &input, NOW)
            .await
            .expect("a page");
    }
    let (status, kind, index) = get_bytes(&app, "/sitemap.xml").await;
    assert_eq!(
        (status, kind.as_str()),
        (200, "application/xml; charset=utf-8")
    );
    if validators::xsd("siteindex.xsd", &index).is_none() {
        return;
    }
    let files = locs(std::str::from_utf8(&index).unwrap());
    assert_eq!(
        files,
        [
            "http://news.example/sitemaps/sections.xml",
            "http://news.example/sitemaps/articles-1.xml",
            "http://news.example/sitemaps/news.xml"
        ]
    );
    let mut all = Vec::new();
    for file in &files {
        let path = file.strip_prefix("http://news.example").unwrap();
        let (status, _, body) = get_bytes(&app, path).await;
        assert_eq!(status, 200, "{path}");
        let schema = if path.ends_with("news.xml") {
            "news-sitemap.xsd"
        } else {
            "sitemap.xsd"
        };
        validators::xsd(schema, &body);
        all.push((path.to_owned(), String::from_utf8(body).unwrap()));
    }
    assert_eq!(
        locs(&all[0].1),
        [
            "http://news.example/",
            "http://news.example/world",
            "http://news.example/topics/iraq",
            "http://news.example/topics/middle-east",
            // The troops story's people.
            "http://news.example/people/ann-reporter",
            "http://news.example/people/bo-writer",
            // Published pages, never drafts.
            "http://news.example/%C3%BCber-uns"
        ]
    );
    assert_eq!(
        locs(&all[1].1),
        [
            "http://news.example/world/troops-head-to-iraq",
            "http://news.example/world/an-old-story"
        ]
    );
    assert!(
        all[1].1.contains("<lastmod>2026-11-24T11:50:00Z</lastmod>"),
        "editorial update"
    );
    // The news sitemap holds only the last 48 hours.
    assert_eq!(
        locs(&all[2].1),
        ["http://news.example/world/troops-head-to-iraq"]
    );
    assert!(
        all[2]
            .1
            .contains("<news:publication_date>2026-11-24T11:00:00Z</news:publication_date>")
    );
    assert_eq!(app.get("/sitemaps/articles-2.xml").await.status(), 404);
    let (status, robots) = app.get_text("/robots.txt").await;
    assert_eq!(status, 200);
    assert!(robots.contains("Sitemap: http://news.example/sitemap.xml\n"));
    assert!(robots.contains("Sitemap: http://news.example/sitemaps/news.xml\n"));

    // Split into files of at most `size` URLs: five stories, two per file.
    for i in 0..3 {
        story(
            &app.db.store,
            &world,
            Story {
                headline: &format!("Filler {i}"),
                ..Story::default()
            },
        )
        .await;
    }
    let site = Site::load(&app.db.store).await.unwrap();
    let index = sitemaps::index(&app.db.store, &site, NOW, 2).await.unwrap();
    validators::xsd("siteindex.xsd", &index);
    let index = String::from_utf8(index).unwrap();
    assert!(index.contains("/sitemaps/articles-3.xml"));
    assert!(!index.contains("/sitemaps/articles-4.xml"));
    let mut seen = Vec::new();
    for number in 1..=3 {
        let stream = sitemaps::articles(&app.db.store, &site, number, NOW, 2)
            .await
            .unwrap()
            .unwrap();
        let chunks: Vec<_> = futures_util::StreamExt::collect::<Vec<_>>(stream).await;
        let body: Vec<u8> = chunks
            .into_iter()
            .flat_map(|c| c.unwrap().to_vec())
            .collect();
        validators::xsd("sitemap.xsd", &body);
        let urls = locs(std::str::from_utf8(&body).unwrap());
        assert_eq!(urls.len(), if number < 3 { 2 } else { 1 });
        seen.extend(urls);
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 5, "every story once: {seen:?}");
    assert!(
        sitemaps::articles(&app.db.store, &site, 4, NOW, 2)
            .await
            .unwrap()
            .is_none()
    );
}

async fn article_pages_carry_valid_news_article_json_ld_and_link_previews(backend: Backend) {
    let Some(app) = spawn(backend, false).await else {
        return;
    };
    troops_story(&app).await;
    let (status, html) = app.get_text("/world/troops-head-to-iraq").await;
    assert_eq!(status, 200);
    let Some(blocks) = validators::json_ld("news-article.schema.json", &html) else {
        return;
    };
    assert_eq!(blocks.len(), 1);
    let ld = &blocks[0];
    assert_eq!(ld["headline"], "Troops head to Iraq");
    assert_eq!(
        ld["image"],
        serde_json::json!(["http://news.example/media/troops.jpg"])
    );
    assert_eq!(ld["datePublished"], "2026-11-24T11:00:00Z");
    assert_eq!(ld["dateModified"], "2026-11-24T11:50:00Z");
    // Each byline is a Person whose url is their page, in byline order.
    for (n, (name, slug)) in [("Ann Reporter", "ann-reporter"), ("Bo Writer", "bo-writer")]
        .into_iter()
        .enumerate()
    {
        assert_eq!(ld["author"][n]["@type"], "Person");
        assert_eq!(ld["author"][n]["name"], name);
        assert_eq!(
            ld["author"][n]["url"],
            format!("http://news.example/people/{slug}")
        );
    }
    assert_eq!(ld["publisher"]["name"], "The Daily Masthead");
    assert_eq!(
        ld["correction"][0]["text"],
        "An earlier version misstated the number of troops."
    );
    // The story's topics, in its order: named, and what each is about (its
    // topic page), validated by the schema as schema.org Things.
    assert_eq!(ld["keywords"], serde_json::json!(["Iraq", "Middle East"]));
    assert_eq!(
        ld["about"],
        serde_json::json!([
            { "@type": "Thing", "name": "Iraq", "url": "http://news.example/topics/iraq" },
            { "@type": "Thing", "name": "Middle East", "url": "http://news.example/topics/middle-east" },
        ])
    );
    let (status, topic_page) = app.get_text("/topics/middle-east").await;
    assert_eq!(status, 200, "the about URL is the topic's page");
    assert!(topic_page.contains("Troops head to Iraq"));
    let document = scraper::Html::parse_document(&html);
    let meta = |selector: &str| {
        document
            .select(&scraper::Selector::parse(selector).unwrap())
            .map(|m| m.attr("content").unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(meta("meta[property='og:title']"), ["Troops head to Iraq"]);
    assert_eq!(meta("meta[property='og:type']"), ["article"]);
    assert_eq!(
        meta("meta[property='og:url']"),
        ["http://news.example/world/troops-head-to-iraq"]
    );
    assert_eq!(
        meta("meta[property='og:image']"),
        ["http://news.example/media/troops.jpg"]
    );
    assert_eq!(
        meta("meta[property='og:description']"),
        ["Five hundred more soldiers are on their way."]
    );
    assert_eq!(
        meta("meta[property='article:modified_time']"),
        ["2026-11-24T11:50:00Z"]
    );
    assert_eq!(meta("meta[name='twitter:card']"), ["summary_large_image"]);
    let canonical = document
        .select(&scraper::Selector::parse("link[rel=canonical]").unwrap())
        .map(|l| l.attr("href").unwrap().to_owned())
        .collect::<Vec<_>>();
    assert_eq!(canonical, ["http://news.example/world/troops-head-to-iraq"]);
    // The author URL is the author's page, listing their stories.
    let (status, by) = app.get_text("/people/ann-reporter").await;
    assert_eq!(status, 200);
    assert!(by.contains("Troops head to Iraq"));
}

async fn stories_are_served_as_valid_ninjs(backend: Backend) {
    let Some(app) = spawn(backend, false).await else {
        return;
    };
    let article = troops_story(&app).await;
    let (status, kind, body) =
        get_bytes(&app, &format!("/api/v1/stories/{}/ninjs", article.id)).await;
    assert_eq!((status, kind.as_str()), (200, "application/json"));
    let Some(item) = validators::json_schema("ninjs-schema_2.2.json", &body) else {
        return;
    };
    assert_eq!(item["headlines"][0]["value"], "Troops head to Iraq");
    assert_eq!(item["by"], "Ann Reporter, Bo Writer");
    assert_eq!(item["people"][0]["name"], "Ann Reporter");
    assert_eq!(item["people"][0]["rel"], "author");
    assert_eq!(
        item["people"][1]["uri"],
        "http://news.example/people/bo-writer"
    );
    assert_eq!(item["firstcreated"], "2026-11-24T11:00:00Z");
    assert_eq!(item["versioncreated"], "2026-11-24T11:50:00Z");
    assert_eq!(item["pubstatus"], "usable");
    assert!(
        item["bodies"][0]["value"]
            .as_str()
            .unwrap()
            .contains("<em>emphasis</em>")
    );
    assert_eq!(
        item["associations"][0]["renditions"][0]["href"],
        "http://news.example/media/troops.jpg"
    );
    // The section, then each topic in the story's order, with its page's
    // address as the subject's uri (validated as a URI by the schema).
    assert_eq!(
        item["subjects"],
        serde_json::json!([
            { "name": "World", "rel": "section", "uri": "http://news.example/world" },
            { "name": "Iraq", "rel": "tag", "uri": "http://news.example/topics/iraq" },
            { "name": "Middle East", "rel": "tag", "uri": "http://news.example/topics/middle-east" },
        ])
    );
}
