//! Issue 11, item 1: standalone pages and the site menu. An editor writes a
//! page in the admin; readers see it at its own address once published (and
//! in the sitemap), never in feeds or on fronts; a moved page keeps its old
//! address answering 301; revisions restore; a stale save is refused with
//! the editor's text kept; an address that belongs to something else is
//! refused naming it. The menu links pages (following them when they move),
//! sections and other sites, and every cached page shows the new menu.

use masthead::accounts::Role;

use crate::on_both;
use crate::support::{Backend, Session, TestApp, spawn};

on_both!(
    an_editor_publishes_pages_readers_find_them_at_their_address_and_nowhere_else,
    a_moved_page_keeps_its_old_address_and_an_old_revision_restores,
    addresses_others_own_are_refused_and_nothing_is_stored,
    the_site_menu_links_pages_sections_and_other_sites_on_every_page,
    masthead_check_reports_pages_whose_stored_data_disagrees,
);

/// Saves a page through the admin form: (status, the page's editor path or
/// the refusal's body).
async fn save(editor: &Session, action: &str, fields: &[(&str, &str)]) -> (u16, String) {
    let mut form: Vec<(&str, &str)> = vec![("format", "markdown"), ("status", "published")];
    for (k, v) in fields {
        form.retain(|(key, _)| key != k);
        form.push((k, v));
    }
    let page = editor.post_form(action, &form).await;
    match page.status() {
        303 => (303, page.location().unwrap_or_default().to_owned()),
        status => (status, page.into_text()),
    }
}

/// The id in an editor path like `/admin/pages/3?notice=created`.
fn id_of(location: &str) -> i64 {
    location
        .trim_start_matches("/admin/pages/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap_or_else(|_| panic!("an editor address: {location}"))
}

/// Status, body and `Location` of `GET path` by a reader (the encodings
/// test asks for pages in gzip and brotli too).
async fn reader(app: &TestApp, path: &str) -> (u16, String, Option<String>) {
    let page = app.session().get(path).await;
    let location = page.location().map(str::to_owned);
    (page.status(), page.into_text(), location)
}

async fn an_editor_publishes_pages_readers_find_them_at_their_address_and_nowhere_else(
    backend: Backend,
) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    let (_, editor) = app.session_as(Role::Editor).await;
    let (status, location) = save(
        &editor,
        "/admin/pages",
        &[
            ("title", "About Zanzibar News"),
            ("path", "/about"),
            (
                "body",
                "We report **without fear**.\n\n<script>alert(1)</script>",
            ),
            ("description", "Who we are."),
            ("status", "draft"),
        ],
    )
    .await;
    assert_eq!(status, 303, "{location}");
    let about = id_of(&location);
    assert_eq!(reader(&app, "/about").await.0, 404, "a draft is not shown");

    let edit = editor.get(&location).await;
    assert_eq!(edit.status(), 200);
    let revision = edit.attrs("input[name=revision]", "value");
    assert_eq!(revision, ["1"]);
    let (status, location) = save(
        &editor,
        &format!("/admin/pages/{about}"),
        &[
            ("title", "About Zanzibar News"),
            ("path", "/about"),
            (
                "body",
                "We report **without fear**.\n\n<script>alert(1)</script>",
            ),
            ("description", "Who we are."),
            ("revision", "1"),
            ("message", "Ready"),
        ],
    )
    .await;
    assert_eq!(status, 303, "{location}");
    let (status, html, _) = reader(&app, "/about").await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("<h1>About Zanzibar News</h1>"), "{html}");
    assert!(html.contains("<strong>without fear</strong>"), "{html}");
    assert!(!html.contains("alert(1)"), "the sanitizer ran: {html}");
    assert!(
        html.contains(r#"<link rel="canonical" href="http://news.example/about">"#),
        "{html}"
    );
    assert!(html.contains(r#"<meta name="description" content="Who we are.">"#));

    // A child page, and a grandchild three parts deep.
    let (status, location) = save(
        &editor,
        "/admin/pages",
        &[
            ("title", "Our team"),
            ("path", "/about/team"),
            ("parent", &about.to_string()),
            ("body", "Editors and reporters."),
        ],
    )
    .await;
    assert_eq!(status, 303, "{location}");
    let team = id_of(&location);
    let (status, location) = save(
        &editor,
        "/admin/pages",
        &[
            ("title", "Berlin bureau"),
            ("path", "/about/team/berlin"),
            ("parent", &team.to_string()),
            ("body", "Our office in Berlin."),
        ],
    )
    .await;
    assert_eq!(status, 303, "{location}");
    let (status, html, _) = reader(&app, "/about/team/berlin").await;
    assert_eq!(status, 200, "{html}");
    let crumbs = crate::support::html::select(&html, "nav.breadcrumbs a");
    assert_eq!(crumbs, ["About Zanzibar News", "Our team", "Berlin bureau"]);
    let (_, html, _) = reader(&app, "/about").await;
    assert_eq!(
        crate::support::html::select(&html, "nav.subpages a"),
        ["Our team"],
        "the parent lists its published children (after a render that was cached)"
    );
    assert_eq!(
        reader(&app, "/about/team/").await.0,
        301,
        "a trailing slash"
    );

    // In the sitemap with its last change; never in feeds, fronts or the home page.
    let (_, sitemap, _) = reader(&app, "/sitemaps/sections.xml").await;
    for path in ["/about", "/about/team", "/about/team/berlin"] {
        assert!(
            sitemap.contains(&format!("<loc>http://news.example{path}</loc><lastmod>")),
            "{path}: {sitemap}"
        );
    }
    for path in [
        "/",
        "/world",
        "/feeds/rss.xml",
        "/feeds/atom.xml",
        "/feeds/feed.json",
        "/api/v1/stories",
    ] {
        let (status, body, _) = reader(&app, path).await;
        assert_eq!(status, 200, "{path}");
        assert!(
            !body.contains("Zanzibar News") && !body.contains("Berlin bureau"),
            "{path} shows a page: {body}"
        );
    }

    // The API lists the published pages; one page carries its body.
    let (status, listed) = app.session().get_json("/api/v1/pages").await;
    assert_eq!(status, 200);
    let paths: Vec<&str> = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["/about", "/about/team", "/about/team/berlin"]);
    let (status, one) = app
        .session()
        .get_json(&format!("/api/v1/pages/{about}"))
        .await;
    assert_eq!(status, 200, "{one}");
    assert_eq!(one["url"], "http://news.example/about");
    assert!(
        one["body_html"]
            .as_str()
            .unwrap()
            .contains("<strong>without fear</strong>")
    );

    // Unpublished, it is gone for readers (and from the sitemap and the API).
    let (status, location) = save(
        &editor,
        &format!("/admin/pages/{team}"),
        &[
            ("title", "Our team"),
            ("path", "/about/team"),
            ("parent", &about.to_string()),
            ("body", "Editors and reporters."),
            ("status", "unpublished"),
            ("revision", "1"),
        ],
    )
    .await;
    assert_eq!(status, 303, "{location}");
    assert_eq!(reader(&app, "/about/team").await.0, 404);
    let (_, html, _) = reader(&app, "/about").await;
    assert!(
        crate::support::html::select(&html, "nav.subpages a").is_empty(),
        "the cached parent was purged: {html}"
    );
    let (_, sitemap, _) = reader(&app, "/sitemaps/sections.xml").await;
    assert!(!sitemap.contains("/about/team<"), "{sitemap}");
    let (status, _) = app
        .session()
        .get_json(&format!("/api/v1/pages/{team}"))
        .await;
    assert_eq!(status, 404);
    let (_, listed) = app.session().get_json("/api/v1/pages").await;
    assert_eq!(listed["data"].as_array().unwrap().len(), 2);
    assert!(
        app.audit_log()
            .await
            .iter()
            .filter(|e| e.action == "page.created")
            .count()
            == 3
    );

    // A page in Arabic reads right to left, with Arabic labels.
    let (status, location) = save(
        &editor,
        "/admin/pages",
        &[
            ("title", "من نحن"),
            ("path", "/ar/about"),
            ("language", "ar"),
            ("body", "نحن غرفة أخبار."),
        ],
    )
    .await;
    assert_eq!(status, 303, "{location}");
    let (_, html, _) = reader(&app, "/ar/about").await;
    assert!(html.contains(r#"<html lang="ar" dir="rtl">"#), "{html}");
    let (_, html, _) = reader(&app, "/about").await;
    assert!(
        html.contains(r#"<html lang="en""#),
        "the site's language: {html}"
    );

    // Writers do not manage pages.
    let (_, writer) = app.session_as(Role::Writer).await;
    assert_eq!(writer.get("/admin/pages").await.status(), 403);
    let (status, _) = save(
        &writer,
        "/admin/pages",
        &[("title", "Mine"), ("path", "/mine"), ("body", "x")],
    )
    .await;
    assert_eq!(status, 403);
}

async fn a_moved_page_keeps_its_old_address_and_an_old_revision_restores(backend: Backend) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    let (_, editor) = app.session_as(Role::Editor).await;
    let fields = |path: &'static str, revision: &'static str| {
        vec![
            ("title", "Contact"),
            ("path", path),
            ("body", "Write to the desk."),
            ("revision", revision),
        ]
    };
    let (_, location) = save(&editor, "/admin/pages", &fields("/contact", "")).await;
    let id = id_of(&location);
    let action = format!("/admin/pages/{id}");
    let (status, body) = save(&editor, &action, &fields("/contact-us", "1")).await;
    assert_eq!(status, 303, "{body}");
    let (status, _, to) = reader(&app, "/contact").await;
    assert_eq!((status, to.as_deref()), (301, Some("/contact-us")));
    assert_eq!(reader(&app, "/contact-us").await.0, 200);

    // A save based on revision 1 after revision 2: refused, text kept.
    let mut stale = fields("/contact-us", "1");
    stale[2] = ("body", "My careful rewrite of the contact page.");
    let (status, body) = save(&editor, &action, &stale).await;
    assert_eq!(status, 409, "{body}");
    assert!(body.contains("saved by someone else"), "{body}");
    assert!(
        body.contains("My careful rewrite of the contact page."),
        "the editor's text is in the form again: {body}"
    );
    let (_, html, _) = reader(&app, "/contact-us").await;
    assert!(html.contains("Write to the desk.") && !html.contains("careful rewrite"));

    // Revisions: both listed; restoring 1 moves it back, and the old
    // address (now /contact-us) redirects, with no loop.
    let list = editor.get(&format!("/admin/pages/{id}/revisions")).await;
    assert_eq!(list.select("tbody tr").len(), 2, "{}", list.text());
    let one = editor.get(&format!("/admin/pages/{id}/revisions/1")).await;
    assert!(one.text().contains("/contact<"), "{}", one.text());
    let restored = editor
        .post_form(
            &format!("/admin/pages/{id}/revisions/1/restore"),
            &[("revision", "2")],
        )
        .await;
    assert_eq!(restored.status(), 303, "{}", restored.text());
    assert_eq!(reader(&app, "/contact").await.0, 200);
    let (status, _, to) = reader(&app, "/contact-us").await;
    assert_eq!((status, to.as_deref()), (301, Some("/contact")));
    let list = editor.get(&format!("/admin/pages/{id}/revisions")).await;
    assert!(
        list.text().contains("Restored revision 1"),
        "{}",
        list.text()
    );
    assert!(
        app.audit_log().await.iter().any(
            |e| e.action == "page.updated" && e.details.contains(r#""old_path":"/contact-us""#)
        )
    );
}

async fn addresses_others_own_are_refused_and_nothing_is_stored(backend: Backend) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    let (_, editor) = app.session_as(Role::Editor).await;
    let added = editor
        .post_form(
            "/admin/redirects",
            &[("old_path", "/node/7"), ("target", "/world")],
        )
        .await;
    assert_eq!(added.status(), 303, "{}", added.text());
    let (status, _) = save(
        &editor,
        "/admin/pages",
        &[("title", "About"), ("path", "/about"), ("body", "x")],
    )
    .await;
    assert_eq!(status, 303);
    for (path, names) in [
        ("/world", "the section \"World\""),
        ("/world/anything", "the section \"World\""),
        (
            "/world/us-to-send-560-additional-troops-to-iraq",
            "the story \"US to send 560 additional troops to Iraq\"",
        ),
        ("/about", "the page \"About\""),
        ("/node/7", "an old address that redirects to /world"),
        ("/admin/about", "an address the site answers itself"),
        ("/topics/about", "an address the site answers itself"),
        ("/", "not an address for a page"),
        ("/a page", "not an address for a page"),
    ] {
        let (status, body) = save(
            &editor,
            "/admin/pages",
            &[("title", "Taken"), ("path", path), ("body", "Kept text 42")],
        )
        .await;
        assert_eq!(status, 422, "{path}: {body}");
        assert!(
            body.contains(&names.replace('"', "&quot;")) || body.contains(names),
            "{path}: names {names}: {body}"
        );
        assert!(body.contains("Kept text 42"), "{path}: the text is kept");
    }
    let pages = masthead::pages::list(app.store()).await.unwrap();
    assert_eq!(pages.len(), 1, "nothing half-stored");

    // A page cannot be its own grandparent.
    let about = &pages[0];
    let (_, location) = save(
        &editor,
        "/admin/pages",
        &[
            ("title", "Child"),
            ("path", "/about/child"),
            ("parent", &about.id.to_string()),
            ("body", "x"),
        ],
    )
    .await;
    let child = id_of(&location);
    let (status, body) = save(
        &editor,
        &format!("/admin/pages/{}", about.id),
        &[
            ("title", "About"),
            ("path", "/about"),
            ("parent", &child.to_string()),
            ("body", "x"),
            ("revision", "1"),
        ],
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("its own parent"), "{body}");

    // The other way round: a section or a redirect where a page lives.
    let actor = masthead::actor::Actor::command_line();
    let section =
        masthead::sections::create(app.store(), &actor, "About", None, crate::support::NOW).await;
    assert!(
        matches!(&section, Err(masthead::sections::SectionError::Refused(why)) if why.contains("the page \"About\"")),
        "{section:?}"
    );
    let redirect = editor
        .post_form(
            "/admin/redirects",
            &[("old_path", "/about/child"), ("target", "/world")],
        )
        .await;
    assert_eq!(redirect.status(), 422, "{}", redirect.text());
    assert!(
        redirect.text().contains("the page &quot;Child&quot;")
            || redirect.text().contains("the page \"Child\"")
    );
}

async fn the_site_menu_links_pages_sections_and_other_sites_on_every_page(backend: Backend) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    let (_, editor) = app.session_as(Role::Editor).await;
    // Pages readers have seen (and the cache holds) before the menu exists.
    let story = "/world/us-to-send-560-additional-troops-to-iraq";
    for path in ["/", "/world", story] {
        let (_, html, _) = reader(&app, path).await;
        assert!(!html.contains("site-menu"), "{path}: no menu yet");
    }
    let (_, location) = save(
        &editor,
        "/admin/pages",
        &[("title", "About"), ("path", "/about"), ("body", "x")],
    )
    .await;
    let about = id_of(&location);
    let refused = editor
        .post_form(
            "/admin/menu",
            &[("links", "About us | /about\nNowhere | /no/such/place\n")],
        )
        .await;
    assert_eq!(refused.status(), 422, "{}", refused.text());
    assert!(
        refused
            .text()
            .contains("line 2: nothing answers at /no/such/place"),
        "{}",
        refused.text()
    );
    assert!(refused.text().contains("Nowhere | /no/such/place"), "kept");
    let saved = editor
        .post_form(
            "/admin/menu",
            &[(
                "links",
                "About us | /about\nWorld news | /world\nArchive | https://archive.example/2016\n",
            )],
        )
        .await;
    assert_eq!(saved.status(), 303, "{}", saved.text());
    let expected = [
        ("About us".to_owned(), "/about".to_owned()),
        ("World news".to_owned(), "/world".to_owned()),
        (
            "Archive".to_owned(),
            "https://archive.example/2016".to_owned(),
        ),
    ];
    for path in ["/", "/world", story, "/about", "/search?q=troops"] {
        let (_, html, _) = reader(&app, path).await;
        let labels = crate::support::html::select(&html, "nav.site-menu a");
        let hrefs = crate::support::html::attrs(&html, "nav.site-menu a", "href");
        let links: Vec<(String, String)> = labels.into_iter().zip(hrefs).collect();
        assert_eq!(links, expected, "{path}: {html}");
    }

    // The page moves: its link follows. Unpublished: its link is hidden.
    let (status, body) = save(
        &editor,
        &format!("/admin/pages/{about}"),
        &[
            ("title", "About"),
            ("path", "/who-we-are"),
            ("body", "x"),
            ("revision", "1"),
        ],
    )
    .await;
    assert_eq!(status, 303, "{body}");
    let (_, html, _) = reader(&app, story).await;
    assert_eq!(
        crate::support::html::attrs(&html, "nav.site-menu a", "href")[0],
        "/who-we-are"
    );
    let (status, body) = save(
        &editor,
        &format!("/admin/pages/{about}"),
        &[
            ("title", "About"),
            ("path", "/who-we-are"),
            ("body", "x"),
            ("revision", "2"),
            ("status", "unpublished"),
        ],
    )
    .await;
    assert_eq!(status, 303, "{body}");
    let (_, html, _) = reader(&app, "/").await;
    assert_eq!(
        crate::support::html::select(&html, "nav.site-menu a"),
        ["World news", "Archive"]
    );
    let menu = editor.get("/admin/menu").await;
    assert!(
        menu.text().contains("About us | /who-we-are"),
        "the editor still sees the hidden link: {}",
        menu.text()
    );
    assert!(
        app.audit_log()
            .await
            .iter()
            .any(|e| e.action == "menu.updated")
    );
}

async fn masthead_check_reports_pages_whose_stored_data_disagrees(backend: Backend) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    let actor = masthead::actor::Actor::command_line();
    let input = |title: &str, path: &str| masthead::pages::PageInput {
        title: title.into(),
        path: path.into(),
        body_source: "Who *we* are.".into(),
        status: "published".into(),
        ..Default::default()
    };
    let mut ids = Vec::new();
    for (title, path) in [("About", "/about"), ("Jobs", "/jobs"), ("Terms", "/terms")] {
        let page = masthead::pages::save(
            app.store(),
            &actor,
            None,
            &input(title, path),
            crate::support::NOW,
        )
        .await
        .unwrap();
        ids.push(page.id);
    }
    let findings = |report: masthead::ops::checks::Report| -> Vec<String> {
        assert!(
            report.checked.iter().any(|c| c == "3 pages"),
            "{:?}",
            report.checked
        );
        report
            .findings
            .iter()
            .filter(|f| f.problem.contains("page"))
            .map(|f| f.problem.clone())
            .collect()
    };
    let clean = masthead::ops::checks::run(app.store(), app.db.dir.path())
        .await
        .unwrap();
    assert_eq!(findings(clean), Vec::<String>::new());
    // Hand edits: a body that no longer matches, a counter ahead of its
    // revisions, a section put where a page lives.
    crate::one_way::behind_the_apps_back(
        &app,
        &[
            &format!("UPDATE pages SET body_html = '<p>edited</p>' WHERE id = {}", ids[0]),
            &format!("UPDATE pages SET revision = 7 WHERE id = {}", ids[1]),
            "INSERT INTO sections (slug, name, position, created_at, updated_at) VALUES ('terms', 'Terms', 9, 0, 0)",
        ],
    )
    .await;
    let report = masthead::ops::checks::run(app.store(), app.db.dir.path())
        .await
        .unwrap();
    assert_eq!(
        findings(report),
        [
            format!("page {} (/about)'s HTML no longer matches its text", ids[0]),
            format!(
                "page {} says it is at revision 7 but its newest stored revision is 1",
                ids[1]
            ),
            format!(
                "page {} lives at /terms, under the section /terms, which hides it from readers",
                ids[2]
            ),
        ]
    );
}
