//! Live blogs (issue 16, item 2): storage on both backends, the desk
//! (writers on their own stories, editors on all, CSRF), the reader page
//! (newest first, key events, anchors, permalinks, 50 a page), `live.json`
//! from the page cache and purged by a post, the posts feed (feedparser),
//! the `LiveBlogPosting` JSON-LD (schema), and the write API.

use masthead::accounts::{Role, User};
use masthead::articles::{self, Article, BodyFormat, NewArticle, SectionRef, Status};
use masthead::audit::Actor;
use masthead::live::{self, PostInput};

use crate::newsroom::section;
use crate::on_both;
use crate::support::{Backend, NOW, TestApp, spawn};
use crate::validators;

on_both!(posts_are_stored_in_order_with_their_events_and_audit);
on_both!(the_desk_lets_writers_post_on_their_own_stories_only);
on_both!(readers_see_posts_newest_first_with_key_events_and_anchors);
on_both!(live_json_is_served_from_the_cache_and_purged_by_a_post);
on_both!(the_posts_feed_and_the_json_ld_pass_their_validators);
on_both!(the_write_api_posts_edits_and_deletes_with_role_checks);

/// A published story owned by `owner` (the writer whose story it is).
pub async fn owned_story(app: &TestApp, headline: &str, owner: Option<&User>) -> Article {
    let world = section(&app.db.store, "World").await;
    let mut article = NewArticle {
        section: SectionRef {
            id: world.id,
            slug: world.slug.clone(),
            name: world.name.clone(),
        },
        slug: None,
        headline: headline.to_owned(),
        standfirst: "Follow the day as it happens.".into(),
        teaser: None,
        body_source: "The story so far.".into(),
        body_format: BodyFormat::Markdown,
        dateline: String::new(),
        bylines: vec!["Desk Reporter".into()],
        tags: Vec::new(),
    }
    .into_draft(NOW - 7200)
    .unwrap();
    article.status = Status::Published;
    article.first_published_at = Some(NOW - 3600);
    article.last_update_at = Some(NOW - 3600);
    article.owner_id = owner.map(|u| u.id);
    articles::create(&app.db.store, article, "test", "created by a test")
        .await
        .unwrap()
}

/// An editor acting with no account (other modules' tests start live blogs as one).
pub(crate) fn editor() -> Actor {
    Actor {
        id: None,
        name: "Ed Itor".into(),
        audit_name: "Ed Itor".into(),
        role: Some(Role::Editor),
        address: None,
    }
}

fn text(body: &str) -> PostInput {
    PostInput {
        body: body.into(),
        ..PostInput::default()
    }
}

async fn posts_are_stored_in_order_with_their_events_and_audit(backend: Backend) {
    let Some(app) = spawn(backend, false).await else {
        return;
    };
    let store = &app.db.store;
    let article = owned_story(&app, "Election night", None).await;
    let ed = editor();
    let refused = live::add(store, &ed, article.id, &text("Too early"), NOW).await;
    assert!(
        matches!(refused, Err(live::LiveError::NotLive)),
        "{refused:?}"
    );
    live::start(store, &ed, article.id, NOW).await.unwrap();
    assert!(matches!(
        live::start(store, &ed, article.id, NOW).await,
        Err(live::LiveError::AlreadyLive)
    ));
    let first = live::add(
        store,
        &ed,
        article.id,
        &text("<p>Polls close</p>"),
        NOW + 10,
    )
    .await
    .unwrap();
    let second = live::add(
        store,
        &ed,
        article.id,
        &PostInput {
            headline: "First result".into(),
            key_event: true,
            ..text("<p>The north <em>declares</em></p>")
        },
        NOW + 20,
    )
    .await
    .unwrap();
    assert_eq!(second.author_name, "Ed Itor");
    let shown = live::posts(store, article.id, 0, 10).await.unwrap();
    assert_eq!(
        shown.iter().map(|p| p.id).collect::<Vec<_>>(),
        [second.id, first.id],
        "newest first"
    );
    let keys = live::key_events(store, article.id).await.unwrap();
    assert_eq!(keys.iter().map(|p| p.id).collect::<Vec<_>>(), [second.id]);
    let edited = live::edit(
        store,
        &ed,
        article.id,
        first.id,
        &text("<p>Polls have closed</p>"),
        NOW + 30,
    )
    .await
    .unwrap();
    assert_eq!(edited.body_html, "<p>Polls have closed</p>");
    assert_eq!(edited.posted_at, NOW + 10, "an edit keeps the post's time");
    live::delete(store, &ed, article.id, first.id, NOW + 40)
        .await
        .unwrap();
    assert_eq!(store.live_post_count(article.id).await.unwrap(), 1);
    let blog = live::set_ended(store, &ed, article.id, true, NOW + 50)
        .await
        .unwrap();
    assert_eq!(blog.ended_at, Some(NOW + 50));
    let blog = live::set_ended(store, &ed, article.id, false, NOW + 60)
        .await
        .unwrap();
    assert_eq!(blog.ended_at, None);
    // Every step is in the changes feed, tagged for the live blog's pages.
    let events = store.events_after(0, 100).await.unwrap();
    let live_events: Vec<_> = events
        .iter()
        .filter(|e| e.kind.starts_with("live."))
        .collect();
    assert_eq!(
        live_events
            .iter()
            .map(|e| e.kind.as_str())
            .collect::<Vec<_>>(),
        [
            "live.started",
            "live.post_added",
            "live.post_added",
            "live.post_edited",
            "live.post_deleted",
            "live.ended",
            "live.reopened"
        ]
    );
    let tag = format!("live:{}", article.id);
    assert!(live_events.iter().all(|e| e.tag_list().contains(&tag)));
    // And in the audit log, the deleted post's text kept.
    let audit = store.audit_entries(None, 100).await.unwrap();
    let deleted = audit
        .iter()
        .find(|a| a.action == "live.post_deleted")
        .expect("a deletion is audited");
    assert_eq!(deleted.subject, format!("live_post:{}", first.id));
    assert!(
        deleted.details.contains("Polls have closed"),
        "{}",
        deleted.details
    );
    assert!(
        audit
            .iter()
            .any(|a| a.action == "live.post_added"
                && a.subject == format!("live_post:{}", second.id))
    );
}

async fn the_desk_lets_writers_post_on_their_own_stories_only(backend: Backend) {
    let Some(app) = spawn(backend, false).await else {
        return;
    };
    let (writer, wren) = app.new_account("wren@news.example", Role::Writer).await;
    let own = owned_story(&app, "The writer's live blog", Some(&writer)).await;
    let other = owned_story(&app, "Somebody else's live blog", None).await;
    let desk = format!("/admin/stories/{}/live", own.id);
    let page = wren.get(&desk).await;
    assert_eq!(page.status(), 200);
    assert!(page.text().contains("Make this story a live blog"));
    let started = wren.post_form(&desk, &[("action", "start")]).await;
    assert_eq!(started.status(), 303);
    let posted = wren
        .post_form(
            &format!("{desk}/posts"),
            &[
                ("headline", "Doors open"),
                (
                    "body",
                    "<p>The hall <strong>fills</strong> up<script>x()</script></p>",
                ),
            ],
        )
        .await;
    assert_eq!(posted.status(), 303, "{}", posted.text());
    let posts = live::posts(&app.db.store, own.id, 0, 10).await.unwrap();
    assert_eq!(posts.len(), 1);
    assert!(!posts[0].body_html.contains("script"));
    assert_eq!(posts[0].created_by, Some(writer.id));
    // A writer cannot name someone else as the author: refused, text kept.
    let renamed = wren
        .post_form(
            &format!("{desk}/posts"),
            &[("body", "<p>Kept text</p>"), ("author", "Somebody Else")],
        )
        .await;
    assert_eq!(renamed.status(), 403);
    assert!(
        renamed
            .text()
            .contains("only an editor can show someone else")
    );
    assert!(renamed.text().contains("Kept text"));
    // Another's story: no start, no post.
    let other_desk = format!("/admin/stories/{}/live", other.id);
    assert_eq!(
        wren.post_form(&other_desk, &[("action", "start")])
            .await
            .status(),
        403
    );
    let (_, ed) = app.new_account("ed@news.example", Role::Editor).await;
    assert_eq!(
        ed.post_form(&other_desk, &[("action", "start")])
            .await
            .status(),
        303
    );
    let refused = wren
        .post_form(
            &format!("{other_desk}/posts"),
            &[("body", "<p>Not mine</p>")],
        )
        .await;
    assert_eq!(refused.status(), 403);
    // An editor shows an agency as the author and pins the post.
    let agency = ed
        .post_form(
            &format!("{other_desk}/posts"),
            &[
                ("body", "<p>Wire copy</p>"),
                ("author", "Agency"),
                ("key_event", "on"),
            ],
        )
        .await;
    assert_eq!(agency.status(), 303);
    let wire = &live::posts(&app.db.store, other.id, 0, 10).await.unwrap()[0];
    assert_eq!(
        (wire.author_name.as_str(), wire.key_event),
        ("Agency", true)
    );
    let unpin = ed
        .post_form(
            &format!("{other_desk}/posts/{}/pin", wire.id),
            &[("key_event", "0")],
        )
        .await;
    assert_eq!(unpin.status(), 303);
    // A form posted from another site changes nothing (CSRF).
    let cross = ed
        .send(
            ed.client()
                .post(ed.url(&format!("{other_desk}/posts/{}/delete", wire.id)))
                .header("sec-fetch-site", "cross-site"),
        )
        .await;
    assert_eq!(cross.status(), 403);
    assert_eq!(app.db.store.live_post_count(other.id).await.unwrap(), 1);
    let deleted = ed
        .post(&format!("{other_desk}/posts/{}/delete", wire.id))
        .await;
    assert_eq!(deleted.status(), 303);
    assert_eq!(app.db.store.live_post_count(other.id).await.unwrap(), 0);
    let audit = app.audit_log().await;
    assert!(audit.iter().any(|a| a.action == "live.post_deleted"));
    // Readers are never let into the desk.
    assert_eq!(app.session().get(&desk).await.status(), 303);
}

/// A live blog with `n` posts, every third one a key event.
async fn live_blog(app: &TestApp, headline: &str, n: i64) -> (Article, Vec<live::Post>) {
    let article = owned_story(app, headline, None).await;
    let store = &app.db.store;
    live::start(store, &editor(), article.id, NOW - 3000)
        .await
        .unwrap();
    let mut posts = Vec::new();
    for i in 0..n {
        let input = PostInput {
            headline: if i % 3 == 0 {
                format!("Key moment {i}")
            } else {
                String::new()
            },
            key_event: i % 3 == 0,
            posted_at: Some(NOW - 3000 + i * 60),
            ..text(&format!("<p>Update number {i} from the scene.</p>"))
        };
        posts.push(
            live::add(store, &editor(), article.id, &input, NOW - 3000 + i * 60)
                .await
                .unwrap(),
        );
    }
    app.app.sync_changes().await;
    (article, posts)
}

async fn readers_see_posts_newest_first_with_key_events_and_anchors(backend: Backend) {
    let Some(app) = spawn(backend, false).await else {
        return;
    };
    let (article, posts) = live_blog(&app, "A long day", 55).await;
    let page = app.get(&article.path()).await;
    assert_eq!(page.status(), 200);
    let ids = page.attrs(".live-post", "id");
    assert_eq!(ids.len(), 50, "50 posts a page");
    assert_eq!(ids[0], format!("post-{}", posts[54].id), "newest first");
    let keys = page.attrs(".key-events a", "href");
    assert_eq!(keys[0], format!("#post-{}", posts[54].id));
    assert_eq!(keys.len(), 19);
    assert!(page.text().contains("src=\"/static/live.js\""));
    let older = page.attrs(".live-blog .pager a[rel=next]", "href");
    assert_eq!(older, [format!("{}?page=2#live", article.path())]);
    // The second page has the rest, and no polling.
    let second = app.get(&format!("{}?page=2", article.path())).await;
    assert_eq!(second.attrs(".live-post", "id").len(), 5);
    assert!(!second.text().contains("live.js"));
    assert_eq!(
        app.get(&format!("{}?page=3", article.path()))
            .await
            .status(),
        404
    );
    // A permalink lands on the post's anchor, on the page that shows it.
    let newest = app
        .get(&format!("{}/posts/{}", article.path(), posts[54].id))
        .await;
    assert_eq!(newest.status(), 303);
    assert_eq!(
        newest.location(),
        Some(format!("{}#post-{}", article.path(), posts[54].id).as_str())
    );
    let oldest = app
        .get(&format!("{}/posts/{}", article.path(), posts[0].id))
        .await;
    assert_eq!(
        oldest.location(),
        Some(format!("{}?page=2#post-{}", article.path(), posts[0].id).as_str())
    );
    assert_eq!(
        app.get(&format!("{}/posts/999999", article.path()))
            .await
            .status(),
        404
    );
    // Ending the coverage says so.
    live::set_ended(&app.db.store, &editor(), article.id, true, NOW)
        .await
        .unwrap();
    app.app.sync_changes().await;
    let ended = app.get(&article.path()).await;
    assert!(
        ended.text().contains("This live coverage ended on"),
        "{}",
        ended.text()
    );
}

async fn live_json_is_served_from_the_cache_and_purged_by_a_post(backend: Backend) {
    let Some(app) = spawn(backend, false).await else {
        return;
    };
    let (article, posts) = live_blog(&app, "Storm watch", 3).await;
    let url = format!("{}/live.json", article.path());
    let first = app.get(&url).await;
    assert_eq!(first.status(), 200);
    let keys = first.header("surrogate-key").unwrap().to_owned();
    assert!(keys.contains(&format!("live:{}", article.id)), "{keys}");
    let json = first.json();
    assert_eq!(json["posts"][0]["id"], posts[2].id);
    assert!(
        json["posts"][0]["html"]
            .as_str()
            .unwrap()
            .contains("Update number 2")
    );
    assert_eq!(json["live"], true);
    // Revalidation is a 304 from the cache.
    let etag = first.header("etag").unwrap().to_owned();
    let again = app
        .cookieless()
        .get_with(&url, &[("if-none-match", etag.as_str())])
        .await;
    assert_eq!(again.status(), 304);
    // A new post purges it: the next poll shows it.
    let added = live::add(
        &app.db.store,
        &editor(),
        article.id,
        &text("<p>The storm arrives</p>"),
        NOW,
    )
    .await
    .unwrap();
    let after = app.get(&url).await.json();
    assert_eq!(after["posts"][0]["id"], added.id);
    let since = app
        .get(&format!("{url}?since={}", posts[2].id))
        .await
        .json();
    assert_eq!(since["posts"].as_array().unwrap().len(), 1);
    assert_eq!(app.get(&format!("{url}?since=x")).await.status(), 400);
    // A story that is no live blog has no live.json.
    let plain = owned_story(&app, "Just a story", None).await;
    app.app.sync_changes().await;
    assert_eq!(
        app.get(&format!("{}/live.json", plain.path()))
            .await
            .status(),
        404
    );
}

async fn the_posts_feed_and_the_json_ld_pass_their_validators(backend: Backend) {
    let Some(app) = spawn(backend, false).await else {
        return;
    };
    let (article, posts) = live_blog(&app, "Summit day", 4).await;
    for format in masthead::feeds::Format::ALL {
        let path = format!("{}/live/{}", article.path(), format.file_name());
        let page = app.get(&path).await;
        assert_eq!(page.status(), 200, "{path}");
        if format == masthead::feeds::Format::Json {
            continue;
        }
        let Some(parsed) = validators::feed(page.text().as_bytes()) else {
            return;
        };
        let entries = parsed["entries"].as_array().unwrap();
        assert_eq!(entries.len(), 4);
        assert!(
            entries[0]["link"]
                .as_str()
                .unwrap()
                .ends_with(&format!("#post-{}", posts[3].id)),
            "{parsed}"
        );
    }
    live::set_ended(&app.db.store, &editor(), article.id, true, NOW)
        .await
        .unwrap();
    app.app.sync_changes().await;
    let page = app.get(&article.path()).await;
    let html = page.text().to_owned();
    let Some(blocks) = validators::json_ld("live-blog-posting.schema.json", &html) else {
        return;
    };
    let posting = &blocks[0];
    assert_eq!(posting["@type"], "LiveBlogPosting");
    assert_eq!(posting["liveBlogUpdate"].as_array().unwrap().len(), 4);
    assert_eq!(posting["liveBlogUpdate"][0]["@type"], "BlogPosting");
    assert_eq!(posting["liveBlogUpdate"][0]["headline"], "Key moment 3");
    assert!(posting["coverageEndTime"].is_string());
}

async fn the_write_api_posts_edits_and_deletes_with_role_checks(backend: Backend) {
    let Some(app) = spawn(backend, false).await else {
        return;
    };
    let store = &app.db.store;
    let token = |email: &'static str, role: Role| async move {
        let actor = Actor::anonymous("test", None);
        let (user, _) =
            masthead::accounts::create_user(store, &actor, email, email, role, None, NOW)
                .await
                .unwrap();
        let t = masthead::accounts::api_tokens::create(store, &user, "test", NOW)
            .await
            .unwrap();
        (user, t.secret)
    };
    let (writer, writer_token) = token("wire@news.example", Role::Writer).await;
    let (_, editor_token) = token("chief@news.example", Role::Editor).await;
    let own = owned_story(&app, "Wire-fed live blog", Some(&writer)).await;
    let other = owned_story(&app, "The editor's live blog", None).await;
    let api = app.cookieless();
    let (post, patch, delete, get) = (
        reqwest::Method::POST,
        reqwest::Method::PATCH,
        reqwest::Method::DELETE,
        reqwest::Method::GET,
    );
    let posts = format!("/api/v1/stories/{}/live-posts", own.id);
    let body = r#"{"body":"<p>Wire: talks begin</p>","key_event":true}"#;
    assert_eq!(
        api.api(post.clone(), &posts, None, Some(body))
            .await
            .status(),
        401
    );
    let (status, json) = api
        .api(post.clone(), &posts, Some(&writer_token), Some(body))
        .await
        .status_json();
    assert_eq!(
        (status, json["error"]["code"].as_str()),
        (409, Some("conflict")),
        "{json}"
    );
    let start = format!("/api/v1/stories/{}/live", own.id);
    let (status, _) = api
        .api(
            post.clone(),
            &start,
            Some(&writer_token),
            Some(r#"{"action":"start"}"#),
        )
        .await
        .status_json();
    assert_eq!(status, 200);
    let (status, created) = api
        .api(post.clone(), &posts, Some(&writer_token), Some(body))
        .await
        .status_json();
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["author"], "wire@news.example");
    assert_eq!(created["key_event"], true);
    let id = created["id"].as_i64().unwrap();
    let one = format!("{posts}/{id}");
    let (status, edited) = api
        .api(
            patch.clone(),
            &one,
            Some(&writer_token),
            Some(r#"{"headline":"Talks begin"}"#),
        )
        .await
        .status_json();
    assert_eq!(status, 200);
    assert_eq!(edited["headline"], "Talks begin");
    assert_eq!(
        edited["body_html"], "<p>Wire: talks begin</p>",
        "unsent fields stay"
    );
    let (status, bad) = api
        .api(
            patch.clone(),
            &one,
            Some(&writer_token),
            Some(r#"{"colour":"red"}"#),
        )
        .await
        .status_json();
    assert_eq!(status, 400);
    assert!(bad["error"]["message"].as_str().unwrap().contains("colour"));
    let (status, listed) = api
        .api(get.clone(), &posts, Some(&writer_token), None)
        .await
        .status_json();
    assert_eq!(status, 200);
    assert_eq!(listed["posts"].as_array().unwrap().len(), 1);
    // The writer cannot post on another's story; the editor can.
    let others = format!("/api/v1/stories/{}/live-posts", other.id);
    api.api(
        post.clone(),
        &format!("/api/v1/stories/{}/live", other.id),
        Some(&editor_token),
        Some(r#"{"action":"start"}"#),
    )
    .await;
    let (status, _) = api
        .api(post.clone(), &others, Some(&writer_token), Some(body))
        .await
        .status_json();
    assert_eq!(status, 403);
    let (status, _) = api
        .api(post.clone(), &others, Some(&editor_token), Some(body))
        .await
        .status_json();
    assert_eq!(status, 201);
    assert_eq!(
        api.api(delete.clone(), &one, Some(&writer_token), None)
            .await
            .status(),
        204
    );
    assert_eq!(
        api.api(delete.clone(), &one, Some(&writer_token), None)
            .await
            .status(),
        404
    );
    let openapi = api.get("/api/v1/openapi.json").await.json();
    assert!(openapi["paths"]["/stories/{id}/live-posts"]["post"].is_object());
    assert!(openapi["paths"]["/stories/{id}/live-posts/{post}"]["delete"].is_object());
}
