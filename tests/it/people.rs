//! Issue 11, item 3: people as readers and editors meet them, over real
//! HTTP on both backends. A co-bylined story links each byline, in order,
//! to a person page; person pages and their feeds list the visible stories
//! crediting them and never a draft or an embargoed one; a rename answers
//! 301 from the old address and the story pages show the new name; a new
//! bio purges the person page and their story pages; a taken address is
//! refused naming its owner; writers cannot manage people; merging moves
//! the stories, deleting keeps the name as plain text; plain-text bylines
//! saved before people existed become people; person pages page by keyset;
//! a photo must be a library image and an account has one profile.

use masthead::accounts::Role;
use masthead::articles;

use crate::on_both;
use crate::stories::{story_form, world};
use crate::support::{Backend, Session, TestApp, select, spawn, text_of};

on_both!(
    a_co_bylined_story_is_on_both_person_pages_and_feeds_and_a_draft_or_embargo_on_none,
    renaming_a_person_redirects_the_old_address_and_their_stories_show_the_new_name,
    a_new_bio_purges_the_person_page_and_their_story_pages,
    a_taken_address_is_refused_naming_its_owner_and_writers_cannot_manage_people,
    merging_moves_the_stories_and_deleting_keeps_the_name_as_plain_text,
    plain_text_bylines_saved_before_people_existed_become_people,
    a_person_page_pages_by_keyset_like_a_section_front,
    a_photo_must_be_a_library_image_and_an_account_has_one_profile,
    masthead_check_reports_credits_that_disagree_with_the_bylines,
);

/// Creates a story through the desk credited to `bylines` (one per line);
/// publishes it when asked, after `embargo` when one is given. Returns
/// its id.
async fn story(
    app: &TestApp,
    session: &Session,
    headline: &str,
    bylines: &str,
    publish: bool,
    embargo: &str,
) -> i64 {
    let section = world(app).await;
    let mut form = story_form(&section, headline, "The body of the story.");
    for field in form.iter_mut() {
        match field.0 {
            "bylines" => field.1 = bylines,
            "embargo" => field.1 = embargo,
            _ => {}
        }
    }
    let created = session.post_form("/admin/stories", &form).await;
    assert_eq!(
        created.status(),
        303,
        "create {headline}: {}",
        created.text()
    );
    let id: i64 = created
        .location()
        .unwrap()
        .trim_start_matches("/admin/stories/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    if publish {
        let published = session
            .post_form(&format!("/admin/stories/{id}/publish"), &[("x", "")])
            .await;
        assert_eq!(
            published.status(),
            303,
            "publish {headline}: {}",
            published.text()
        );
    }
    id
}

/// `GET path` as a browser asks for it; (status, text, location).
async fn reader(app: &TestApp, path: &str) -> (u16, String, Option<String>) {
    let page = app
        .session()
        .get_with(path, &[("Accept", "text/html,application/xhtml+xml")])
        .await;
    let location = page.location().map(str::to_owned);
    (page.status(), page.into_text(), location)
}

async fn person_id(app: &TestApp, slug: &str) -> i64 {
    masthead::people::find(app.store(), slug)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("a person at /people/{slug}"))
        .id
}

async fn path_of(app: &TestApp, id: i64) -> String {
    articles::find(app.store(), id)
        .await
        .unwrap()
        .unwrap()
        .path()
}

/// Saves person `id` through the admin as `session`.
async fn save_person(
    session: &Session,
    id: i64,
    name: &str,
    slug: &str,
    bio: &str,
) -> crate::support::Page {
    session
        .post_form(
            &format!("/admin/people/{id}"),
            &[
                ("name", name),
                ("slug", slug),
                ("bio", bio),
                ("photo", ""),
                ("user", ""),
            ],
        )
        .await
}

async fn a_co_bylined_story_is_on_both_person_pages_and_feeds_and_a_draft_or_embargo_on_none(
    backend: Backend,
) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    let (_, editor) = app.session_as(Role::Editor).await;
    let both = story(
        &app,
        &editor,
        "Glaciers retreat again",
        "Ann Reporter\nBo Writer",
        true,
        "",
    )
    .await;
    story(
        &app,
        &editor,
        "Secret melt report",
        "ann reporter",
        false,
        "",
    )
    .await;
    story(
        &app,
        &editor,
        "Embargoed findings",
        "Ann Reporter",
        true,
        "2030-01-01T10:00",
    )
    .await;
    story(&app, &editor, "Who buys whom", "Cy Newcomer", false, "").await;

    // The story page links each byline, in order, and reads as before.
    let (status, page, _) = reader(&app, &path_of(&app, both).await).await;
    assert_eq!(status, 200);
    assert_eq!(
        crate::support::html::attrs(&page, "p.byline a[rel=author]", "href"),
        ["/people/ann-reporter", "/people/bo-writer"]
    );
    assert_eq!(text_of(&page, "p.byline"), "By Ann Reporter, Bo Writer");

    for (slug, name) in [("ann-reporter", "Ann Reporter"), ("bo-writer", "Bo Writer")] {
        let (status, page, _) = reader(&app, &format!("/people/{slug}")).await;
        assert_eq!(status, 200, "{slug}: {page}");
        assert_eq!(text_of(&page, "main h1"), name);
        assert!(page.contains("Glaciers retreat again"), "{slug}: {page}");
        for leak in ["Secret melt report", "Embargoed findings"] {
            assert!(!page.contains(leak), "{slug} leaked {leak:?}: {page}");
        }
        assert!(page.contains(&format!(r#"href="/feeds/people/{slug}/rss.xml""#)));
        for feed in ["rss.xml", "atom.xml", "feed.json"] {
            let (status, body, _) = reader(&app, &format!("/feeds/people/{slug}/{feed}")).await;
            assert_eq!(status, 200, "{slug} {feed}");
            assert!(body.contains("Glaciers retreat again"), "{feed}: {body}");
            for leak in ["Secret melt report", "Embargoed findings"] {
                assert!(!body.contains(leak), "{slug} {feed} leaked {leak:?}");
            }
        }
    }
    // The draft's other spelling files under the same guest person, who
    // has no account.
    let ann = masthead::people::find(app.store(), "ann-reporter")
        .await
        .unwrap()
        .unwrap();
    assert_eq!((ann.stories, ann.user_id), (3, None));
    // A guest only a draft names is not shown, nor their feed, nor in the API.
    assert_eq!(reader(&app, "/people/cy-newcomer").await.0, 404);
    assert_eq!(
        reader(&app, "/feeds/people/cy-newcomer/rss.xml").await.0,
        404
    );
    assert_eq!(reader(&app, "/people/no-such-person").await.0, 404);
    let (_, sitemap, _) = reader(&app, "/sitemaps/sections.xml").await;
    assert!(sitemap.contains("/people/ann-reporter</loc>"), "{sitemap}");
    assert!(!sitemap.contains("cy-newcomer"), "{sitemap}");
    let listed = app.get("/api/v1/people").await.json();
    let slugs: Vec<&str> = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["slug"].as_str().unwrap())
        .collect();
    assert_eq!(slugs, ["ann-reporter", "bo-writer"]);
    assert_eq!(
        listed["data"][0]["url"],
        "http://news.example/people/ann-reporter"
    );
    assert_eq!(app.get("/api/v1/people/cy-newcomer").await.status(), 404);
    let stories = app.get("/api/v1/stories?person=ann-reporter").await.json();
    let headlines: Vec<&str> = stories["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["headline"].as_str().unwrap())
        .collect();
    assert_eq!(headlines, ["Glaciers retreat again"]);
    let people: Vec<&str> = stories["data"][0]["people"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["url"].as_str().unwrap())
        .collect();
    assert_eq!(
        people,
        [
            "http://news.example/people/ann-reporter",
            "http://news.example/people/bo-writer"
        ]
    );
    // Feed entries link their authors' pages.
    let (_, atom, _) = reader(&app, "/feeds/people/bo-writer/atom.xml").await;
    assert!(
        atom.contains("<author><name>Ann Reporter</name><uri>http://news.example/people/ann-reporter</uri></author>"),
        "{atom}"
    );
    let json = app.get("/feeds/people/bo-writer/feed.json").await.json();
    assert_eq!(
        json["items"][0]["authors"][1]["url"],
        "http://news.example/people/bo-writer"
    );
    // The ninjs item names both, each with their page.
    let ninjs = app
        .get(&format!("/api/v1/stories/{both}/ninjs"))
        .await
        .json();
    assert_eq!(ninjs["by"], "Ann Reporter, Bo Writer");
    assert_eq!(
        ninjs["people"][1]["uri"],
        "http://news.example/people/bo-writer"
    );

    // The embargo lifting puts the story on the (cached) person page.
    // 2030-01-03, after the embargo in any site time zone.
    app.app.clock().set(1_893_628_800);
    app.app.sync_changes().await;
    let (_, page, _) = reader(&app, "/people/ann-reporter").await;
    assert!(page.contains("Embargoed findings"), "{page}");
}

async fn renaming_a_person_redirects_the_old_address_and_their_stories_show_the_new_name(
    backend: Backend,
) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    let (_, editor) = app.session_as(Role::Editor).await;
    let id = story(
        &app,
        &editor,
        "Floods in the delta",
        "Ann Reporter\nBo Writer",
        true,
        "",
    )
    .await;
    let ann = person_id(&app, "ann-reporter").await;
    let path = path_of(&app, id).await;
    // Both cached before the rename.
    assert_eq!(reader(&app, "/people/ann-reporter").await.0, 200);
    assert_eq!(reader(&app, &path).await.0, 200);

    let renamed = save_person(&editor, ann, "Ann Lee", "ann-lee", "").await;
    assert_eq!(renamed.status(), 303, "{}", renamed.text());
    app.app.sync_changes().await;

    let (status, _, location) = reader(&app, "/people/ann-reporter").await;
    assert_eq!(status, 301, "the old address redirects");
    assert_eq!(location.as_deref(), Some("/people/ann-lee"));
    let (status, page, _) = reader(&app, "/people/ann-lee").await;
    assert_eq!(status, 200);
    assert_eq!(text_of(&page, "main h1"), "Ann Lee");
    assert!(page.contains("Floods in the delta"));

    let article = articles::find(app.store(), id).await.unwrap().unwrap();
    assert_eq!(article.bylines, ["Ann Lee", "Bo Writer"]);
    let (_, page, _) = reader(&app, &path).await;
    assert_eq!(
        select(&page, "p.byline a"),
        ["Ann Lee", "Bo Writer"],
        "the cached story page was purged"
    );
    assert_eq!(
        crate::support::html::attrs(&page, "p.byline a", "href"),
        ["/people/ann-lee", "/people/bo-writer"]
    );
    // A byline that still says the old name files under the renamed person.
    let refiled = story(
        &app,
        &editor,
        "Drought in the south",
        "Ann Reporter",
        true,
        "",
    )
    .await;
    let refiled = articles::find(app.store(), refiled).await.unwrap().unwrap();
    assert_eq!(refiled.bylines, ["Ann Lee"]);

    let audit = app.audit_log().await;
    let entry = audit
        .iter()
        .find(|e| e.action == "person.updated")
        .expect("the rename is in the audit log");
    assert_eq!(entry.subject, format!("person:{ann}"));
    assert!(
        entry.details.contains("\"old_slug\":\"ann-reporter\""),
        "{}",
        entry.details
    );
}

async fn a_new_bio_purges_the_person_page_and_their_story_pages(backend: Backend) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    let (_, editor) = app.session_as(Role::Editor).await;
    let id = story(&app, &editor, "Markets calm", "Ann Reporter", true, "").await;
    let path = path_of(&app, id).await;
    let ann = person_id(&app, "ann-reporter").await;
    let (_, person, _) = reader(&app, "/people/ann-reporter").await;
    assert!(select(&person, "p.person-bio").is_empty());
    let (_, page, _) = reader(&app, &path).await;
    assert!(!page.contains("Covers markets"), "{page}");

    let bio = "Covers markets & money from Frankfurt.";
    let saved = save_person(&editor, ann, "Ann Reporter", "ann-reporter", bio).await;
    assert_eq!(saved.status(), 303, "{}", saved.text());
    app.app.sync_changes().await;

    let (_, person, _) = reader(&app, "/people/ann-reporter").await;
    assert_eq!(
        select(&person, "p.person-bio"),
        [bio],
        "the person page was purged"
    );
    let (_, page, _) = reader(&app, &path).await;
    let document = scraper::Html::parse_document(&page);
    let ld: serde_json::Value = serde_json::from_str(
        &document
            .select(&scraper::Selector::parse(r#"script[type="application/ld+json"]"#).unwrap())
            .next()
            .unwrap()
            .inner_html(),
    )
    .unwrap();
    assert_eq!(
        ld["author"][0]["description"], bio,
        "the story page was purged"
    );
    assert_eq!(ld["author"][0]["@type"], "Person");
    assert_eq!(
        ld["author"][0]["url"],
        "http://news.example/people/ann-reporter"
    );
    // The bio is plain text and length-limited.
    let long = "a".repeat(masthead::people::BIO_CHARS + 1);
    let refused = save_person(&editor, ann, "Ann Reporter", "ann-reporter", &long).await;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().contains("bio is longer than"));
}

async fn a_taken_address_is_refused_naming_its_owner_and_writers_cannot_manage_people(
    backend: Backend,
) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    let (_, writer) = app.session_as(Role::Writer).await;
    let (_, editor) = app.session_as(Role::Editor).await;
    for name in ["Ann Reporter", "Bo Writer"] {
        let created = editor
            .post_form("/admin/people", &[("name", name), ("slug", "")])
            .await;
        assert_eq!(created.status(), 303, "{name}: {}", created.text());
    }
    let bo = person_id(&app, "bo-writer").await;
    let taken = save_person(&editor, bo, "Bo Writer", "ann-reporter", "").await;
    assert_eq!(taken.status(), 409, "{}", taken.text());
    assert!(
        taken.text().contains("Ann Reporter") && taken.text().contains("/people/ann-reporter"),
        "the refusal names the owner: {}",
        taken.text()
    );
    // An editor's redirect may not take a person's address either.
    let redirect = editor
        .post_form(
            "/admin/redirects",
            &[("old_path", "/people/bo-writer"), ("target", "/world")],
        )
        .await;
    assert_eq!(redirect.status(), 422, "{}", redirect.text());
    assert!(
        redirect
            .text()
            .contains("the address of the person &quot;Bo Writer&quot;"),
        "{}",
        redirect.text()
    );
    // An old person address nothing lives at may redirect anywhere.
    let redirect = editor
        .post_form(
            "/admin/redirects",
            &[("old_path", "/people/old-columnist"), ("target", "/world")],
        )
        .await;
    assert_eq!(redirect.status(), 303, "{}", redirect.text());
    let (status, _, location) = reader(&app, "/people/old-columnist").await;
    assert_eq!((status, location.as_deref()), (301, Some("/world")));
    let duplicate = editor
        .post_form(
            "/admin/people",
            &[("name", "Another Ann"), ("slug", "ann-reporter")],
        )
        .await;
    assert_eq!(duplicate.status(), 409);
    assert_eq!(
        masthead::people::get(app.store(), bo)
            .await
            .unwrap()
            .unwrap()
            .slug,
        "bo-writer",
        "nothing changed"
    );

    // Writers are refused, and nothing they send is stored.
    assert_eq!(writer.get("/admin/people").await.status(), 403);
    let refused = writer
        .post_form("/admin/people", &[("name", "Writer's friend")])
        .await;
    assert_eq!(refused.status(), 403);
    assert_eq!(save_person(&writer, bo, "Bo", "bo", "").await.status(), 403);
    assert_eq!(
        writer
            .post_form(&format!("/admin/people/{bo}/delete"), &[("x", "")])
            .await
            .status(),
        403
    );
    assert_eq!(masthead::people::list(app.store()).await.unwrap().len(), 2);
    let audit = app.audit_log().await;
    assert_eq!(
        audit
            .iter()
            .filter(|e| e.action.starts_with("person."))
            .count(),
        2,
        "the two creations, audited"
    );
    // The editor's page lists them; the writer's nav does not offer it.
    let page = editor.get("/admin/people").await;
    assert_eq!(page.status(), 200);
    assert!(page.text().contains("/people/bo-writer"));
    assert!(!writer.get("/admin").await.text().contains("/admin/people"));
}

async fn merging_moves_the_stories_and_deleting_keeps_the_name_as_plain_text(backend: Backend) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    let (_, editor) = app.session_as(Role::Editor).await;
    let typo = story(&app, &editor, "Heat and power", "Ann Reportr", true, "").await;
    let right = story(&app, &editor, "Ice sheets thin", "Ann Reporter", true, "").await;
    let from = person_id(&app, "ann-reportr").await;
    let into = person_id(&app, "ann-reporter").await;
    let merged = editor
        .post_form(
            &format!("/admin/people/{from}/merge"),
            &[("into", into.to_string())],
        )
        .await;
    assert_eq!(merged.status(), 303, "{}", merged.text());
    app.app.sync_changes().await;
    let (status, _, location) = reader(&app, "/people/ann-reportr").await;
    assert_eq!(
        (status, location.as_deref()),
        (301, Some("/people/ann-reporter"))
    );
    let (_, page, _) = reader(&app, "/people/ann-reporter").await;
    assert!(page.contains("Heat and power") && page.contains("Ice sheets thin"));
    let article = articles::find(app.store(), typo).await.unwrap().unwrap();
    assert_eq!(article.bylines, ["Ann Reporter"]);

    // Deleting the person: their page goes, the stories keep the credit
    // as plain text, and saving a story does not bring the person back.
    let path = path_of(&app, right).await;
    reader(&app, &path).await;
    let deleted = editor
        .post_form(&format!("/admin/people/{into}/delete"), &[("x", "")])
        .await;
    assert_eq!(deleted.status(), 303, "{}", deleted.text());
    app.app.sync_changes().await;
    assert_eq!(reader(&app, "/people/ann-reporter").await.0, 404);
    assert_eq!(reader(&app, "/people/ann-reportr").await.0, 404);
    let (status, page, _) = reader(&app, &path).await;
    assert_eq!(status, 200);
    assert_eq!(text_of(&page, "p.byline"), "By Ann Reporter");
    assert!(select(&page, "p.byline a").is_empty(), "{page}");
    let before = articles::find(app.store(), right).await.unwrap().unwrap();
    let saved = editor
        .post_form(
            &format!("/admin/stories/{right}"),
            &[
                ("headline", "Ice sheets thin fast"),
                ("standfirst", "What happened"),
                ("teaser", ""),
                ("body", "The body of the story."),
                ("section", &before.section.id.to_string()),
                ("slug", before.slug.as_str()),
                ("dateline", "BAGHDAD"),
                ("bylines", "Ann Reporter"),
                ("tags", "iraq"),
                ("lead_image", ""),
                ("embargo", ""),
                ("message", "a silent fix"),
                ("revision", &before.revision.to_string()),
                ("update_kind", "silent_fix"),
            ],
        )
        .await;
    assert!([200, 303].contains(&saved.status()), "{}", saved.text());
    let after = articles::find(app.store(), right).await.unwrap().unwrap();
    assert_eq!(after.headline, "Ice sheets thin fast", "the save happened");
    assert!(
        masthead::people::find(app.store(), "ann-reporter")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        app.audit_log()
            .await
            .iter()
            .any(|e| e.action == "person.deleted")
    );
}

async fn plain_text_bylines_saved_before_people_existed_become_people(backend: Backend) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    let (_, editor) = app.session_as(Role::Editor).await;
    let id = story(
        &app,
        &editor,
        "An old story",
        "José Müller\nAnn Reporter",
        true,
        "",
    )
    .await;
    // The state the people migration finds: bylines as plain text, no
    // people, every story with a byline listed (its own statement).
    let statements = [
        "DELETE FROM article_people",
        "DELETE FROM people",
        "INSERT INTO byline_filings_pending (article_id) \
         SELECT id FROM articles WHERE bylines <> '[]' ORDER BY id",
    ];
    match &app.db.database_url {
        Some(url) => {
            use sqlx::Connection;
            let mut db = sqlx::PgConnection::connect(url).await.unwrap();
            for sql in statements {
                sqlx::query(sql).execute(&mut db).await.unwrap();
            }
        }
        None => {
            use sqlx::Connection;
            let file = app.db.dir.path().join("masthead.db");
            let mut db = sqlx::SqliteConnection::connect(&format!("sqlite://{}", file.display()))
                .await
                .unwrap();
            for sql in statements {
                sqlx::query(sql).execute(&mut db).await.unwrap();
            }
        }
    }
    assert!(
        masthead::people::list(app.store())
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        masthead::people::file_old_bylines(app.store())
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        masthead::people::file_old_bylines(app.store())
            .await
            .unwrap(),
        0,
        "once"
    );
    let filed: Vec<(String, String)> = masthead::people::of_story(app.store(), id)
        .await
        .unwrap()
        .into_iter()
        .map(|p| (p.name, p.slug))
        .collect();
    assert_eq!(
        filed,
        [
            ("José Müller".to_owned(), "jose-muller".to_owned()),
            ("Ann Reporter".to_owned(), "ann-reporter".to_owned())
        ]
    );
    app.app.sync_changes().await;
    let (status, page, _) = reader(&app, "/people/jose-muller").await;
    assert_eq!(status, 200);
    assert!(page.contains("An old story"));
    let (_, page, _) = reader(&app, &path_of(&app, id).await).await;
    assert_eq!(
        crate::support::html::attrs(&page, "p.byline a", "href"),
        ["/people/jose-muller", "/people/ann-reporter"]
    );
}

async fn a_person_page_pages_by_keyset_like_a_section_front(backend: Backend) {
    let Some(app) = spawn(backend, false).await else {
        return;
    };
    let store = app.store();
    let world = crate::newsroom::section(store, "World").await;
    let headlines: Vec<String> = (0..21).map(|n| format!("Dispatch number {n}")).collect();
    for (n, headline) in headlines.iter().enumerate() {
        crate::newsroom::story(
            store,
            &world,
            crate::newsroom::Story {
                headline,
                bylines: &["Ann Reporter"],
                published_at: Some(crate::support::NOW - 10_000 + n as i64),
                ..Default::default()
            },
        )
        .await;
    }
    let (status, first, _) = reader(&app, "/people/ann-reporter").await;
    assert_eq!(status, 200);
    let listed = select(&first, "ul.stories h3 a");
    assert_eq!(listed.len(), 20);
    assert_eq!(listed[0], "Dispatch number 20", "newest first");
    let older = crate::support::html::attrs(&first, "a[rel=next]", "href");
    assert_eq!(older.len(), 1, "{first}");
    let (status, second, _) = reader(&app, &older[0]).await;
    assert_eq!(status, 200);
    assert_eq!(select(&second, "ul.stories h3 a"), ["Dispatch number 0"]);
    assert_eq!(
        crate::support::html::attrs(&second, "a[rel=prev]", "href"),
        ["/people/ann-reporter"]
    );
    assert!(text_of(&second, "title").contains("(page 2)"));
}

async fn a_photo_must_be_a_library_image_and_an_account_has_one_profile(backend: Backend) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    let (account, editor) = app.session_as(Role::Editor).await;
    let image = crate::cache_props::upload_image(&app.db).await;
    let photo = format!("media:{image}");
    let user = account.id.to_string();
    let create = |name: &'static str, photo: String, user: String| {
        let editor = &editor;
        async move {
            editor
                .post_form(
                    "/admin/people",
                    &[
                        ("name", name.to_owned()),
                        ("slug", String::new()),
                        ("bio", "On staff.".to_owned()),
                        ("photo", photo),
                        ("user", user),
                    ],
                )
                .await
        }
    };
    let missing = create("Ann Reporter", "media:99999".into(), String::new()).await;
    assert_eq!(missing.status(), 422, "{}", missing.text());
    assert!(missing.text().contains("no image media:99999"));
    let created = create("Ann Reporter", photo.clone(), user.clone()).await;
    assert_eq!(created.status(), 303, "{}", created.text());
    // One account, one profile: the refusal names the profile it has.
    let again = create("Ann R.", String::new(), user).await;
    assert_eq!(again.status(), 409, "{}", again.text());
    assert!(again.text().contains("Ann Reporter"), "{}", again.text());

    let ann = masthead::people::find(app.store(), "ann-reporter")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (ann.photo.as_deref(), ann.user_id),
        (Some(photo.as_str()), Some(account.id))
    );
    // A profile with a photo and a bio is shown before any story credits it.
    let (status, page, _) = reader(&app, "/people/ann-reporter").await;
    assert_eq!(status, 200, "{page}");
    let src = crate::support::html::attrs(&page, "img.person-photo", "src");
    assert_eq!(src.len(), 1, "{page}");
    assert!(src[0].starts_with("/media/"), "{src:?}");
    assert_eq!(
        crate::support::html::attrs(&page, "img.person-photo", "alt"),
        ["Soldiers on a runway"]
    );
    let api = app.get("/api/v1/people/ann-reporter").await.json();
    assert_eq!(api["bio"], "On staff.");
    assert!(
        api["photo"]
            .as_str()
            .unwrap()
            .starts_with("http://news.example/media/")
    );
    // The image's new text purges the person page.
    let text = masthead::media::MediaText {
        caption: String::new(),
        credit: String::new(),
        alt: "Ann at her desk".into(),
    };
    masthead::media::update_text(app.store(), image, text, crate::support::NOW)
        .await
        .unwrap();
    app.app.sync_changes().await;
    let (_, page, _) = reader(&app, "/people/ann-reporter").await;
    assert_eq!(
        crate::support::html::attrs(&page, "img.person-photo", "alt"),
        ["Ann at her desk"]
    );
}

/// The problems `masthead check` reports about bylines and credits.
async fn credit_findings(app: &TestApp) -> Vec<String> {
    let report = masthead::ops::checks::run(app.store(), app.db.dir.path())
        .await
        .unwrap();
    assert!(
        report
            .checked
            .iter()
            .any(|c| c.starts_with("bylines and people of")),
        "{:?}",
        report.checked
    );
    report
        .findings
        .iter()
        .filter(|f| f.problem.contains("credit"))
        .map(|f| {
            assert!(f.fix.contains("save it again"), "{f}");
            f.problem.clone()
        })
        .collect()
}

async fn masthead_check_reports_credits_that_disagree_with_the_bylines(backend: Backend) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    let (_, editor) = app.session_as(Role::Editor).await;
    let one = story(
        &app,
        &editor,
        "Floods",
        "Ada Lovelace\nGrace Hopper",
        true,
        "",
    )
    .await;
    let two = story(&app, &editor, "Drought", "Grace Hopper", true, "").await;
    // A renamed person still answers to the old name in stored bylines.
    let grace = person_id(&app, "grace-hopper").await;
    let renamed = save_person(&editor, grace, "Rear Admiral Hopper", "admiral-hopper", "").await;
    assert_eq!(renamed.status(), 303, "{}", renamed.text());
    assert_eq!(credit_findings(&app).await, Vec::<String>::new());

    // Botched hand edits: story one's credits in the wrong order, story
    // two's credit gone.
    let ada = person_id(&app, "ada-lovelace").await;
    crate::one_way::behind_the_apps_back(
        &app,
        &[
            &format!("UPDATE article_people SET position = 5 WHERE article_id = {one} AND person_id = {ada}"),
            &format!("DELETE FROM article_people WHERE article_id = {two}"),
        ],
    )
    .await;
    let mut found = credit_findings(&app).await;
    found.sort();
    let ada_label = "\"Ada Lovelace\" (/people/ada-lovelace)";
    let grace_label = "\"Rear Admiral Hopper\" (/people/admiral-hopper)";
    assert_eq!(
        found,
        [
            format!(
                "article {one}'s bylines name [{ada_label}, {grace_label}] but it credits [{grace_label}, {ada_label}]"
            ),
            format!("article {two}'s bylines name [{grace_label}] but it credits []"),
        ]
    );
    // Saving each again, as the fix says, credits them as their bylines say.
    for id in [one, two] {
        let article = articles::find(app.store(), id).await.unwrap().unwrap();
        let record = articles::revisions::SaveRecord {
            author: "test",
            message: "Fix credits",
            event: "article.fixed",
            extras: &Default::default(),
        };
        articles::revisions::save(
            app.store(),
            &article,
            article.clone(),
            article.revision,
            record,
            crate::support::NOW,
        )
        .await
        .unwrap();
    }
    assert_eq!(credit_findings(&app).await, Vec::<String>::new());
}
