//! Curated fronts and the breaking-news banner (issue 16, item 1): the
//! order readers see, pins and the banner running out with no write (also
//! from the page cache), purges of exactly the changed fronts, embargoed
//! and unpublished pins never shown, the admin's keyboard-only editor with
//! its preview, role checks, the API round trip and the audit entries.

use masthead::accounts::Role;
use masthead::actor::Actor;
use masthead::articles::{self, Article, BodyFormat, NewArticle, SectionRef, Status};
use masthead::fronts::{self, BannerInput, Front};
use masthead::storage::NewPin;

use crate::newsroom::section;
use crate::on_both;
use crate::support::{Backend, NOW, TestApp, spawn};

on_both!(
    pinned_stories_lead_the_front_in_order_and_are_not_listed_twice,
    a_pin_runs_out_by_itself_even_on_a_cached_page,
    arranging_a_front_purges_exactly_that_front,
    the_banner_shows_escaped_on_every_reader_page_and_runs_out,
    an_embargoed_or_unpublished_pinned_story_never_shows,
    writers_may_not_arrange_fronts_or_set_the_banner,
    the_admin_arranges_with_the_keyboard_previews_and_publishes_with_an_audit_entry,
    the_api_round_trips_an_arrangement_and_the_banner,
);

/// An editor acting with no account.
fn editor() -> Actor {
    Actor {
        id: None,
        name: "Ed Itor".into(),
        audit_name: "Ed Itor".into(),
        role: Some(Role::Editor),
        address: None,
    }
}

/// A story in section `name` published `ago` seconds before [`NOW`]
/// (`status` and `embargo` as given).
async fn story(
    app: &TestApp,
    name: &str,
    headline: &str,
    ago: i64,
    status: Status,
    embargo: Option<i64>,
) -> Article {
    let s = section(&app.db.store, name).await;
    let mut article = NewArticle {
        section: SectionRef {
            id: s.id,
            slug: s.slug.clone(),
            name: s.name.clone(),
        },
        slug: None,
        headline: headline.to_owned(),
        standfirst: String::new(),
        teaser: None,
        body_source: format!("{headline}, the body."),
        body_format: BodyFormat::Markdown,
        dateline: String::new(),
        bylines: vec![],
        tags: vec![],
    }
    .into_draft(NOW - ago - 60)
    .unwrap();
    if status == Status::Published {
        article.mark_published(NOW - ago);
    }
    article.status = status;
    article.embargo_until = embargo;
    articles::create(&app.db.store, article, "test", "created by a test")
        .await
        .unwrap()
}

pub async fn published(app: &TestApp, name: &str, headline: &str, ago: i64) -> Article {
    story(app, name, headline, ago, Status::Published, None).await
}

fn pins(list: &[(&Article, Option<i64>)]) -> Vec<NewPin> {
    list.iter()
        .map(|(a, until)| NewPin {
            article_id: a.id,
            until: *until,
        })
        .collect()
}

async fn arrange(app: &TestApp, front: &str, list: &[(&Article, Option<i64>)]) {
    let front = Front::find(&app.db.store, front).await.unwrap();
    fronts::arrange(&app.db.store, &editor(), &front, &pins(list), NOW)
        .await
        .unwrap();
}

/// Where `needle` first appears in `html` (panics when it does not).
fn at(html: &str, needle: &str) -> usize {
    html.find(needle)
        .unwrap_or_else(|| panic!("{needle:?} is not on the page"))
}

async fn pinned_stories_lead_the_front_in_order_and_are_not_listed_twice(backend: Backend) {
    let Some(app) = spawn(backend, false).await else {
        return;
    };
    let oldest = published(&app, "World", "Oldest world story", 3000).await;
    let middle = published(&app, "World", "Middle world story", 2000).await;
    let newest = published(&app, "World", "Newest world story", 1000).await;
    let sport = published(&app, "Sport", "Cup final tonight", 500).await;
    arrange(&app, "home", &[(&oldest, None), (&sport, None)]).await;
    arrange(&app, "world", &[(&middle, None)]).await;

    let home = app.get("/").await;
    assert_eq!(home.status(), 200);
    let lead = home.select(".lead-story a");
    assert_eq!(lead, ["Oldest world story"], "{}", home.text());
    assert_eq!(home.select(".top-stories a"), ["Cup final tonight"]);
    let html = home.text();
    // Lead, then the top story, then the rest newest first, each once.
    assert!(at(html, "Oldest world story") < at(html, "Cup final tonight"));
    assert!(at(html, "Cup final tonight") < at(html, "Newest world story"));
    assert!(at(html, "Newest world story") < at(html, "Middle world story"));
    for article in [&oldest, &sport, &newest, &middle] {
        let href = format!("href=\"{}\"", article.path());
        assert_eq!(html.matches(&href).count(), 1, "{href} once on /");
    }

    let world = app.get("/world").await;
    assert_eq!(world.select(".lead-story a"), ["Middle world story"]);
    let html = world.text();
    assert!(at(html, "Middle world story") < at(html, "Newest world story"));
    assert!(at(html, "Newest world story") < at(html, "Oldest world story"));
    assert_eq!(
        html.matches(&format!("href=\"{}\"", middle.path())).count(),
        1
    );
}

async fn a_pin_runs_out_by_itself_even_on_a_cached_page(backend: Backend) {
    let Some(app) = spawn(backend, false).await else {
        return;
    };
    assert!(app.app.page_cache().enabled());
    let first = published(&app, "World", "Pinned until six", 3000).await;
    let second = published(&app, "World", "Pinned all day", 2000).await;
    arrange(&app, "home", &[(&first, Some(NOW + 60)), (&second, None)]).await;
    let home = app.get("/").await;
    assert_eq!(home.select(".lead-story a"), ["Pinned until six"]);
    // Served from the cache now.
    assert!(app.app.page_cache().get("/").is_some());
    assert_eq!(
        app.get("/").await.select(".lead-story a"),
        ["Pinned until six"]
    );

    app.app.clock().set(NOW + 60);
    let home = app.get("/").await;
    assert_eq!(
        home.select(".lead-story a"),
        ["Pinned all day"],
        "{}",
        home.text()
    );
    // The story itself is still on the page, in its place among the rest.
    assert!(home.text().contains("Pinned until six"));
    assert!(home.select(".top-stories a").is_empty());
}

async fn arranging_a_front_purges_exactly_that_front(backend: Backend) {
    let Some(app) = spawn(backend, false).await else {
        return;
    };
    let world = published(&app, "World", "A world story", 3000).await;
    published(&app, "Sport", "A sport story", 2000).await;
    let cache = app.app.page_cache();
    let fill = || async {
        for path in ["/", "/world", "/sport", world.path().as_str()] {
            assert_eq!(app.get(path).await.status(), 200, "{path}");
        }
        app.app.sync_changes().await;
        for path in ["/", "/world", "/sport"] {
            assert!(cache.get(path).is_some(), "{path} cached");
        }
    };
    fill().await;
    arrange(&app, "world", &[(&world, None)]).await;
    app.app.sync_changes().await;
    assert!(
        cache.get("/world").is_none(),
        "the arranged front is purged"
    );
    assert!(cache.get("/").is_some(), "home is kept");
    assert!(cache.get("/sport").is_some(), "another section is kept");

    fill().await;
    arrange(&app, "home", &[(&world, None)]).await;
    app.app.sync_changes().await;
    assert!(cache.get("/").is_none());
    assert!(cache.get("/world").is_some() && cache.get("/sport").is_some());

    // The banner is on every reader page: it purges them all.
    fill().await;
    let input = BannerInput {
        text: "Storm warning".into(),
        link: String::new(),
        until: None,
    };
    fronts::set_banner(&app.db.store, &editor(), Some(&input), NOW)
        .await
        .unwrap();
    app.app.sync_changes().await;
    for path in ["/", "/world", "/sport", world.path().as_str()] {
        assert!(cache.get(path).is_none(), "{path} purged by the banner");
    }
}

async fn the_banner_shows_escaped_on_every_reader_page_and_runs_out(backend: Backend) {
    let Some(app) = spawn(backend, false).await else {
        return;
    };
    let world = published(&app, "World", "Polling day", 3000).await;
    for path in ["/", "/world", world.path().as_str()] {
        assert!(app.get(path).await.select(".breaking-banner").is_empty());
    }
    let input = BannerInput {
        text: "<script>alert(1)</script> Polls close at 22:00".into(),
        link: world.path(),
        until: Some(NOW + 600),
    };
    fronts::set_banner(&app.db.store, &editor(), Some(&input), NOW)
        .await
        .unwrap();
    for path in ["/", "/world", world.path().as_str(), "/corrections"] {
        let page = app.get(path).await;
        assert_eq!(page.status(), 200, "{path}");
        assert_eq!(
            page.attrs(".breaking-banner a", "href"),
            [world.path()],
            "{path}"
        );
        assert!(
            page.text()
                .contains("&lt;script&gt;alert(1)&lt;/script&gt; Polls close")
        );
        assert!(!page.text().contains("<script>alert(1)"));
    }
    // A page that does not exist carries it too.
    assert_eq!(
        app.get("/world/no-such-story")
            .await
            .select(".breaking-banner")
            .len(),
        1
    );

    app.app.clock().set(NOW + 600);
    for path in ["/", "/world", world.path().as_str()] {
        let page = app.get(path).await;
        assert!(
            page.select(".breaking-banner").is_empty(),
            "{path} after its end"
        );
    }
}

async fn an_embargoed_or_unpublished_pinned_story_never_shows(backend: Backend) {
    let Some(app) = spawn(backend, false).await else {
        return;
    };
    let shown = published(&app, "World", "Readers may see this", 3000).await;
    let embargoed = story(
        &app,
        "World",
        "Embargoed budget secret",
        2000,
        Status::Published,
        Some(NOW + 3600),
    )
    .await;
    let draft = story(
        &app,
        "World",
        "Draft scoop secret",
        1000,
        Status::Draft,
        None,
    )
    .await;
    arrange(
        &app,
        "home",
        &[(&embargoed, None), (&draft, None), (&shown, None)],
    )
    .await;
    arrange(&app, "world", &[(&draft, None), (&embargoed, None)]).await;
    for path in ["/", "/world"] {
        let page = app.get(path).await;
        assert!(!page.text().contains("secret"), "{path}: {}", page.text());
    }
    assert_eq!(
        app.get("/").await.select(".lead-story a"),
        ["Readers may see this"]
    );
    // Nor in the preview an editor sees.
    let (_, desk) = app.session_as(Role::Editor).await;
    let form = [
        ("story_0", embargoed.id.to_string()),
        ("story_1", shown.id.to_string()),
        ("action", "preview".to_owned()),
    ];
    let preview = desk.post_form("/admin/fronts/home", &form).await;
    assert_eq!(preview.status(), 200);
    assert!(!preview.text().contains("secret"));
    assert_eq!(preview.select(".lead-story a"), ["Readers may see this"]);
}

async fn writers_may_not_arrange_fronts_or_set_the_banner(backend: Backend) {
    let Some(app) = spawn(backend, false).await else {
        return;
    };
    let article = published(&app, "World", "A story", 3000).await;
    let (writer, session) = app.session_as(Role::Writer).await;
    assert_eq!(session.get("/admin/fronts").await.status(), 403);
    assert_eq!(session.get("/admin/fronts/home").await.status(), 403);
    let form = [
        ("story_0", article.id.to_string()),
        ("action", "publish".to_owned()),
    ];
    assert_eq!(
        session
            .post_form("/admin/fronts/home", &form)
            .await
            .status(),
        403
    );
    let banner = [("action", "set"), ("text", "Hacked")];
    assert_eq!(
        session
            .post_form("/admin/fronts/banner", &banner)
            .await
            .status(),
        403
    );
    let actor = Actor::from(&writer);
    let refused = fronts::arrange(&app.db.store, &actor, &Front::Home, &[], NOW).await;
    assert!(matches!(refused, Err(fronts::FrontError::Forbidden(_))));
    let token = masthead::accounts::api_tokens::create(&app.db.store, &writer, "t", NOW)
        .await
        .unwrap()
        .secret;
    let api = app.cookieless();
    let body = format!(r#"{{"pins":[{{"story":{}}}]}}"#, article.id);
    let put = api
        .api(
            reqwest::Method::PUT,
            "/api/v1/fronts/home",
            Some(&token),
            Some(&body),
        )
        .await;
    assert_eq!(put.status(), 403, "{}", put.text());
    let put = api
        .api(
            reqwest::Method::PUT,
            "/api/v1/banner",
            Some(&token),
            Some(r#"{"text":"x"}"#),
        )
        .await;
    assert_eq!(put.status(), 403);
    assert!(
        fronts::pins(&app.db.store, &Front::Home)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(fronts::banner(&app.db.store).await.unwrap().is_none());
    assert!(app.get("/").await.select(".lead-story").is_empty());
}

async fn the_admin_arranges_with_the_keyboard_previews_and_publishes_with_an_audit_entry(
    backend: Backend,
) {
    let Some(app) = spawn(backend, false).await else {
        return;
    };
    let first = published(&app, "World", "First pick", 3000).await;
    let second = published(&app, "World", "Second pick", 2000).await;
    let (_, desk) = app.session_as(Role::Editor).await;
    let list = desk.get("/admin/fronts").await;
    assert_eq!(list.status(), 200);
    assert!(
        list.attrs("a", "href")
            .contains(&"/admin/fronts/world".to_owned())
    );
    assert_eq!(desk.get("/admin/fronts/nowhere").await.status(), 404);

    // The editor loads its script from the site itself (the admin CSP has
    // no inline script); without it the buttons below post the form.
    let editor = desk.get("/admin/fronts/home").await;
    assert!(
        editor
            .text()
            .contains(r#"<script src="/static/admin-fronts.js" defer></script>"#)
    );
    let csp = editor.header("content-security-policy").unwrap_or_default();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    let script = app.get("/static/admin-fronts.js").await;
    assert_eq!(script.status(), 200);
    assert!(
        script
            .header("content-type")
            .unwrap_or_default()
            .starts_with("text/javascript")
    );
    assert!(script.text().contains("front-announce"));

    // Add by number, then by address; each step posts the pending list.
    let added = desk
        .post_form(
            "/admin/fronts/home",
            &[("add", first.id.to_string()), ("action", "add".into())],
        )
        .await;
    assert_eq!(added.status(), 200, "{}", added.text());
    let form = [
        ("story_0", first.id.to_string()),
        ("until_0", "".into()),
        ("add", second.path()),
        ("action", "add".into()),
    ];
    let added = desk.post_form("/admin/fronts/home", &form).await;
    assert_eq!(
        added.attrs("input[name^=story_]", "value"),
        [first.id.to_string(), second.id.to_string()]
    );
    // Move the second up: it leads now. Nothing is live yet.
    let form = [
        ("story_0", first.id.to_string()),
        ("story_1", second.id.to_string()),
        ("until_1", "".into()),
        ("action", "up:1".into()),
    ];
    let moved = desk.post_form("/admin/fronts/home", &form).await;
    assert_eq!(
        moved.attrs("input[name^=story_]", "value"),
        [second.id.to_string(), first.id.to_string()]
    );
    // "Make lead" without the script: the same through the server.
    let mut lead = form.to_vec();
    lead[3].1 = "lead:1".into();
    let led = desk.post_form("/admin/fronts/home", &lead).await;
    assert_eq!(
        led.attrs("input[name^=story_]", "value"),
        [second.id.to_string(), first.id.to_string()]
    );
    assert!(app.get("/").await.select(".lead-story").is_empty());

    let pending = [
        ("story_0", second.id.to_string()),
        ("until_0", "".to_owned()),
        ("story_1", first.id.to_string()),
        ("until_1", "2026-11-24T23:00".to_owned()),
    ];
    let mut preview = pending.to_vec();
    preview.push(("action", "preview".into()));
    let shown = desk.post_form("/admin/fronts/home", &preview).await;
    assert_eq!(shown.status(), 200);
    assert_eq!(shown.select(".lead-story a"), ["Second pick"]);
    assert!(
        shown
            .header("cache-control")
            .unwrap_or_default()
            .contains("no-store")
    );
    assert!(
        app.get("/").await.select(".lead-story").is_empty(),
        "preview is not live"
    );

    // An end in the past is refused with the list kept.
    let mut late = pending.to_vec();
    late[3].1 = "2020-01-01T10:00".into();
    late.push(("action", "publish".into()));
    let refused = desk.post_form("/admin/fronts/home", &late).await;
    assert_eq!(refused.status(), 422, "{}", refused.text());
    assert!(refused.text().contains("past"));

    let mut publish = pending.to_vec();
    publish.push(("action", "publish".into()));
    let done = desk.post_form("/admin/fronts/home", &publish).await;
    assert_eq!(done.status(), 303, "{}", done.text());
    let home = app.get("/").await;
    assert_eq!(home.select(".lead-story a"), ["Second pick"]);
    assert_eq!(home.select(".top-stories a"), ["First pick"]);
    let stored = fronts::pins(&app.db.store, &Front::Home).await.unwrap();
    assert_eq!(stored.len(), 2);
    assert!(stored[1].until.is_some_and(|t| t > NOW));

    let log = app.audit_log().await;
    let entry = log
        .iter()
        .find(|e| e.action == "front.arranged")
        .expect("an audit entry");
    assert_eq!(entry.subject, "home");
    assert!(entry.actor.contains("editor"), "{}", entry.actor);
    assert!(entry.details.contains(&second.id.to_string()));

    // The banner through the admin, audited too.
    let banner = [
        ("action", "set"),
        ("text", "Polls close at 22:00"),
        ("link", "/world"),
        ("until", "23:30"),
    ];
    let set = desk.post_form("/admin/fronts/banner", &banner).await;
    assert_eq!(set.status(), 303, "{}", set.text());
    assert_eq!(
        app.get("/world").await.select(".breaking-banner a"),
        ["Polls close at 22:00"]
    );
    let cleared = desk
        .post_form("/admin/fronts/banner", &[("action", "clear")])
        .await;
    assert_eq!(cleared.status(), 303);
    assert!(
        app.get("/world")
            .await
            .select(".breaking-banner")
            .is_empty()
    );
    let log = app.audit_log().await;
    assert!(log.iter().any(|e| e.action == "banner.set"));
    assert!(log.iter().any(|e| e.action == "banner.cleared"));
}

async fn the_api_round_trips_an_arrangement_and_the_banner(backend: Backend) {
    let Some(app) = spawn(backend, false).await else {
        return;
    };
    let first = published(&app, "World", "First by API", 3000).await;
    let second = published(&app, "World", "Second by API", 2000).await;
    let (editor, _) = app.session_as(Role::Editor).await;
    let token = masthead::accounts::api_tokens::create(&app.db.store, &editor, "t", NOW)
        .await
        .unwrap()
        .secret;
    let api = app.cookieless();
    let body = format!(
        r#"{{"pins":[{{"story":{}}},{{"story":{},"until":{}}}]}}"#,
        second.id,
        first.id,
        NOW + 3600
    );
    let put = api
        .api(
            reqwest::Method::PUT,
            "/api/v1/world",
            Some(&token),
            Some(&body),
        )
        .await;
    assert_eq!(put.status(), 404);
    let put = api
        .api(
            reqwest::Method::PUT,
            "/api/v1/fronts/world",
            Some(&token),
            Some(&body),
        )
        .await;
    assert_eq!(put.status(), 200, "{}", put.text());
    let (status, got) = api
        .api(
            reqwest::Method::GET,
            "/api/v1/fronts/world",
            Some(&token),
            None,
        )
        .await
        .status_json();
    assert_eq!(status, 200);
    assert_eq!(got["front"], "world");
    assert_eq!(got["pins"][0]["story"], second.id);
    assert_eq!(got["pins"][0]["until"], serde_json::Value::Null);
    assert_eq!(got["pins"][1]["story"], first.id);
    assert_eq!(got["pins"][1]["until"], NOW + 3600);
    assert_eq!(got["pins"][1]["shown"], true);
    assert_eq!(
        app.get("/world").await.select(".lead-story a"),
        ["Second by API"]
    );

    // A story twice, and no such front or story, are refused.
    let twice = format!(r#"{{"pins":[{{"story":{0}}},{{"story":{0}}}]}}"#, first.id);
    let refused = api
        .api(
            reqwest::Method::PUT,
            "/api/v1/fronts/world",
            Some(&token),
            Some(&twice),
        )
        .await;
    assert_eq!(refused.status(), 422, "{}", refused.text());
    let refused = api
        .api(
            reqwest::Method::GET,
            "/api/v1/fronts/nowhere",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(refused.status(), 404);
    let refused = api
        .api(
            reqwest::Method::PUT,
            "/api/v1/fronts/home",
            Some(&token),
            Some(r#"{"pins":[{"story":999999}]}"#),
        )
        .await;
    assert_eq!(refused.status(), 404);
    assert_eq!(
        api.api(reqwest::Method::GET, "/api/v1/fronts/home", None, None)
            .await
            .status(),
        401
    );

    let banner = format!(
        r#"{{"text":"Breaking: polls close","link":"{}","until":{}}}"#,
        first.path(),
        NOW + 60
    );
    let (status, got) = api
        .api(
            reqwest::Method::PUT,
            "/api/v1/banner",
            Some(&token),
            Some(&banner),
        )
        .await
        .status_json();
    assert_eq!(status, 200, "{got}");
    assert_eq!(got["banner"]["text"], "Breaking: polls close");
    assert_eq!(got["banner"]["shown"], true);
    let bad = api
        .api(
            reqwest::Method::PUT,
            "/api/v1/banner",
            Some(&token),
            Some(r#"{"text":"x","link":"javascript:alert(1)"}"#),
        )
        .await;
    assert_eq!(bad.status(), 422);
    let (_, got) = api
        .api(reqwest::Method::GET, "/api/v1/banner", Some(&token), None)
        .await
        .status_json();
    assert_eq!(got["banner"]["link"], first.path());
    let (status, got) = api
        .api(
            reqwest::Method::DELETE,
            "/api/v1/banner",
            Some(&token),
            None,
        )
        .await
        .status_json();
    assert_eq!(status, 200);
    assert_eq!(got["banner"], serde_json::Value::Null);

    let log = app.audit_log().await;
    assert!(
        log.iter()
            .any(|e| e.action == "front.arranged" && e.subject == "section:world")
    );
    let openapi = api.get("/api/v1/openapi.json").await.json();
    assert!(openapi["paths"]["/fronts/{front}"]["put"].is_object());
    assert!(openapi["paths"]["/banner"]["delete"].is_object());
}
