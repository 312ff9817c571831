//! Importing WordPress exports (issue 12): WordPress's own test exports
//! (`fixtures/wordpress/`) and generated ones, on both backends: counts,
//! statuses, the topic tree, people and their accounts, comments (pingbacks
//! kept as such), attachments as media and the featured image as lead
//! image, old addresses answering 301, refused files with their line and
//! column (exit code 2 from the binary), re-runs that change nothing, and
//! an import SIGKILLed mid-run and run again ending equal to an
//! uninterrupted one.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use masthead::articles::{self, Status};
use masthead::imports::report::Report;
use masthead::imports::wordpress::{self, Options, WordPressError};
use masthead::storage::Store;

use crate::on_both;
use crate::support::procs;
use crate::support::{Backend, NOW, TestStore, demo_site, spawn, store};

on_both!(
    the_small_export_becomes_stories_topics_people_and_comments,
    every_fixture_imports_and_broken_ones_are_refused_with_their_place,
    attachments_shortcodes_statuses_and_comments_are_carried,
    an_import_killed_mid_run_and_run_again_equals_an_uninterrupted_one,
    a_dry_run_reads_everything_writes_nothing_and_reports_to_a_file,
    fetch_media_downloads_missing_attachments_only_where_the_policy_allows,
    one_broken_post_among_new_ones_is_refused_alone_with_its_place,
    a_post_repeated_in_the_export_is_one_story,
);

async fn fetch_media_downloads_missing_attachments_only_where_the_policy_allows(backend: Backend) {
    let Some(db) = store(backend).await else {
        return;
    };
    // The old site, on loopback: it serves the image.
    let image = png(40, 30);
    let router = axum::Router::new().route(
        "/wp-content/uploads/2016/07/boat.png",
        axum::routing::get(move || async move { image.clone() }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let old_site = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    let items = format!(
        r#"<item><title>Boat</title><wp:post_id>50</wp:post_id><wp:post_type>attachment</wp:post_type>
<wp:status>inherit</wp:status><wp:attachment_url>{old_site}/wp-content/uploads/2016/07/boat.png</wp:attachment_url>
<wp:postmeta><wp:meta_key>_wp_attachment_image_alt</wp:meta_key><wp:meta_value>A boat</wp:meta_value></wp:postmeta></item>
<item><title>Gone</title><wp:post_id>52</wp:post_id><wp:post_type>attachment</wp:post_type>
<wp:status>inherit</wp:status><wp:attachment_url>{old_site}/wp-content/uploads/2016/07/gone.png</wp:attachment_url></item>
{}"#,
        post(
            51,
            "publish",
            "With a picture.",
            "<wp:postmeta><wp:meta_key>_thumbnail_id</wp:meta_key><wp:meta_value>50</wp:meta_value></wp:postmeta>"
        )
    );
    let file = db.dir.path().join("export.xml");
    std::fs::write(&file, export(&items)).unwrap();
    let site = demo_site(&db.store).await;
    let run = |policy: masthead::outbound::Policy| Options {
        file: file.clone(),
        uploads: None,
        dry_run: false,
        media: masthead::media::MediaFiles::new(db.dir.path()),
        fetch: Some(masthead::outbound::Outbound::new(policy)),
    };
    // Loopback is refused by default: reported, nothing fetched.
    let report = wordpress::import(&db.store, &site, &run(Default::default()), false, NOW)
        .await
        .unwrap();
    assert_eq!(report.counts_of("attachment").skipped, 2, "{report}");
    assert!(report.to_string().contains("refused to fetch"), "{report}");
    // Allowed: the image comes in, the missing one is reported with its
    // answer, and the story gets its lead image.
    let policy = masthead::outbound::Policy::parse(true, &[]).unwrap();
    let report = wordpress::import(&db.store, &site, &run(policy), false, NOW)
        .await
        .unwrap();
    assert_eq!(report.counts_of("attachment").imported, 1, "{report}");
    assert_eq!(report.counts_of("attachment").skipped, 1, "{report}");
    assert!(report.to_string().contains("404"), "{report}");
    assert_eq!(report.counts_of("post").updated, 1, "{report}");
    let story = story_of(&db.store, "wordpress:https://gazette.example", "51").await;
    let media_id = masthead::media::parse_reference(story.lead_image.as_deref().unwrap()).unwrap();
    let media = masthead::media::find(&db.store, media_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (media.width, media.height, media.alt.as_str()),
        (40, 30, "A boat")
    );
}

async fn a_dry_run_reads_everything_writes_nothing_and_reports_to_a_file(backend: Backend) {
    let Some(db) = store(backend).await else {
        return;
    };
    let dir = db.dir.path();
    let uploads = dir.join("uploads");
    let file = dir.join("gazette.xml");
    std::fs::write(&file, rich_export(&uploads)).unwrap();
    let report_file = dir.join("report.txt");
    let before = table_counts(&db).await;
    let output = procs::run(
        dir,
        db.database_url.as_deref(),
        &[
            "import",
            "wordpress",
            file.to_str().unwrap(),
            "--uploads",
            uploads.to_str().unwrap(),
            "--dry-run",
            "--report",
            report_file.to_str().unwrap(),
        ],
    );
    assert!(output.status.success(), "{}", procs::describe(&output));
    let report = std::fs::read_to_string(&report_file).unwrap();
    assert_eq!(
        report,
        String::from_utf8_lossy(&output.stdout),
        "the file is the printed report"
    );
    assert!(
        report.contains("(dry run: nothing was written)"),
        "{report}"
    );
    let post = report.lines().find(|l| l.starts_with("post ")).unwrap();
    assert_eq!(post.split_whitespace().nth(1), Some("5"), "{report}");
    assert!(report.contains("attachment 52 ("), "{report}");
    assert_eq!(table_counts(&db).await, before, "a dry run writes nothing");
    assert!(
        db.store.site().await.unwrap().is_none(),
        "not even the site settings"
    );
    assert!(!dir.join("media").exists(), "no media file either");
}

pub(crate) fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/wordpress")
        .join(name)
}

pub(crate) async fn import(
    store: &Store,
    data_dir: &Path,
    file: &Path,
    uploads: Option<&Path>,
) -> Result<Report, WordPressError> {
    let site = demo_site(store).await;
    let options = Options {
        file: file.to_owned(),
        uploads: uploads.map(Path::to_owned),
        dry_run: false,
        media: masthead::media::MediaFiles::new(data_dir),
        fetch: None,
    };
    wordpress::import(store, &site, &options, false, NOW).await
}

/// The story that post `post_id` of `source` became.
async fn story_of(store: &Store, source: &str, post_id: &str) -> articles::Article {
    let row = store
        .ledger(source)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.kind == "post" && r.source_id == post_id)
        .unwrap_or_else(|| panic!("post {post_id} is not in the ledger"));
    articles::find(store, row.target_id).await.unwrap().unwrap()
}

async fn the_small_export_becomes_stories_topics_people_and_comments(backend: Backend) {
    let Some(app) = spawn(backend, false).await else {
        return;
    };
    let store = app.store().clone();
    let dir = app.db.dir.path().to_owned();
    let report = import(&store, &dir, &fixture("small-export.xml"), None)
        .await
        .unwrap();
    let text = report.to_string();
    assert_eq!(report.counts_of("post").imported, 6, "{text}");
    assert_eq!(report.counts_of("page").imported, 5, "{text}");
    assert_eq!(report.counts_of("category").imported, 30, "{text}");
    assert_eq!(report.counts_of("tag").imported, 3, "{text}");
    assert_eq!(report.counts_of("author").imported, 3, "{text}");
    assert_eq!(report.counts_of("comment").imported, 1, "{text}");
    assert!(!report.has_failures(), "{text}");
    // The new posts went in together (the fast path), none one by one.
    assert_eq!((report.grouped, report.ungrouped), (6, 0), "{text}");
    let source = "wordpress:http://localhost";

    let hello = story_of(&store, source, "1").await;
    assert_eq!(hello.headline, "Hello world!");
    assert_eq!(hello.status, Status::Published);
    assert_eq!(hello.slug.as_str(), "hello-world");
    // 2011-01-18 07:40:14 GMT.
    assert_eq!(hello.first_published_at, Some(1_295_336_414));
    assert_eq!(hello.bylines, vec!["author".to_owned()]);
    let private = story_of(&store, source, "13").await;
    assert_eq!(private.status, Status::Unpublished);
    // 27 categories: the first is the section, the other 26 are topics.
    let many = story_of(&store, source, "22").await;
    assert_eq!(many.tags.len(), 26, "{:?}", many.tags);
    assert!(
        store
            .section_by_slug(&many.section.slug)
            .await
            .unwrap()
            .is_some()
    );

    // The category tree: foo-bar is a child of bar.
    let bar = masthead::topics::find(&store, "bar")
        .await
        .unwrap()
        .unwrap();
    let foo_bar = masthead::topics::find(&store, "foo-bar")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(foo_bar.parent_id, Some(bar.id));

    // The comment, approved, under its story.
    let comments = store.approved_comments(hello.id).await.unwrap();
    assert_eq!(comments.len(), 1);
    assert_eq!(comments[0].author_name, "Mr WordPress");
    assert_eq!(comments[0].kind, "comment");

    // Authors: people with accounts, each with a working set-password link.
    let people = masthead::people::list(&store).await.unwrap();
    assert_eq!(people.len(), 3, "{people:?}");
    assert_eq!(report.links.len(), 3, "{text}");
    let users = store.users().await.unwrap();
    assert!(users.iter().all(|u| u.password_hash.is_none()), "{users:?}");
    let link = &report.links[0].link;
    let path = &link[link.find("/admin/password/").unwrap()..];
    assert_eq!(app.get(path).await.status(), 200, "GET {path}");

    // Old addresses answer 301 to the stories; the story is there.
    app.app.sync_changes().await;
    let page = app.get("/?p=1").await;
    assert_eq!(page.status(), 301);
    assert_eq!(page.location(), Some(hello.path().as_str()));
    assert_eq!(app.get(&hello.path()).await.status(), 200);
    // The private story is not shown, so its old address is no address.
    assert_eq!(app.get("/?p=13").await.status(), 200);

    // Pages under their parents (the child comes first in the file), each
    // old address answering; the draft page without a slug gets one.
    let pages = masthead::pages::list(&store).await.unwrap();
    let by_title = |t: &str| {
        pages
            .iter()
            .find(|p| p.title == t)
            .unwrap_or_else(|| panic!("no page {t:?}: {pages:?}"))
    };
    let parent = by_title("Parent Page");
    let child = by_title("Child Page");
    assert_eq!(child.parent_id, Some(parent.id));
    assert_eq!(child.path, "/parent-page/child-page");
    assert_eq!(by_title("Draft Page").status, "draft");
    assert_eq!(by_title("Draft Page").path, "/draft-page");
    let page = app.get("/?page_id=4").await;
    assert_eq!(page.status(), 301);
    assert_eq!(page.location(), Some("/parent-page/child-page"));
    let page = app.get("/parent-page/child-page").await;
    assert_eq!(page.status(), 200);
    assert!(page.text().contains("Child Page"));

    // Again: everything unchanged, nothing duplicated.
    let counts = table_counts(&app.db).await;
    let again = import(&store, &dir, &fixture("small-export.xml"), None)
        .await
        .unwrap();
    assert_eq!(again.counts_of("post").unchanged, 6, "{again}");
    assert_eq!(again.counts_of("comment").unchanged, 1, "{again}");
    assert_eq!(again.counts_of("category").unchanged, 30, "{again}");
    assert_eq!(again.counts_of("page").unchanged, 5, "{again}");
    assert_eq!(again.counts_of("post").imported, 0, "{again}");
    assert!(again.links.is_empty());
    assert_eq!(table_counts(&app.db).await, counts);
}

/// The text rows `sql` selects, on the test's own connection to its
/// database.
async fn texts(db: &TestStore, sql: &str) -> Vec<String> {
    let sql = sqlx::AssertSqlSafe(sql.to_owned());
    match &db.database_url {
        Some(url) => {
            let pool = sqlx::PgPool::connect(url).await.unwrap();
            let rows = sqlx::query_scalar(sql).fetch_all(&pool).await.unwrap();
            pool.close().await;
            rows
        }
        None => {
            let url = format!("sqlite://{}", db.dir.path().join("masthead.db").display());
            let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
            let rows = sqlx::query_scalar(sql).fetch_all(&pool).await.unwrap();
            pool.close().await;
            rows
        }
    }
}

/// Rows of the tables an import writes.
async fn table_counts(db: &TestStore) -> Vec<String> {
    let mut counts = Vec::new();
    for table in [
        "articles",
        "revisions",
        "comments",
        "topics",
        "people",
        "users",
        "sections",
        "redirects",
        "media",
        "import_ledger",
        "article_topics",
        "article_people",
    ] {
        let sql = format!("SELECT '{table} ' || CAST(COUNT(*) AS TEXT) FROM {table}");
        counts.extend(texts(db, &sql).await);
    }
    counts
}

async fn every_fixture_imports_and_broken_ones_are_refused_with_their_place(backend: Backend) {
    let Some(db) = store(backend).await else {
        return;
    };
    // Each export on a database of its own: several are of the same site
    // (http://localhost) with the same post ids.
    for (file, posts, pages) in [
        ("valid-wxr-1.0.xml", 3, 3),
        ("valid-wxr-1.1.xml", 1, 1),
        ("slashes.xml", 1, 0),
        ("wxr-utf-8-challenges.xml", 1, 0),
        ("crazy-cdata-escaped.xml", 1, 0),
        ("namespace-edge-cases.xml", 5, 0),
    ] {
        let Some(db) = store(backend).await else {
            return;
        };
        let dir = db.dir.path().to_owned();
        let report = import(&db.store, &dir, &fixture(file), None).await.unwrap();
        assert_eq!(report.counts_of("post").imported, posts, "{file}: {report}");
        assert_eq!(report.counts_of("page").imported, pages, "{file}: {report}");
        if file == "slashes.xml" {
            // Backslashes survive.
            let story = story_of(&db.store, "wordpress:http://localhost", "1").await;
            assert!(story.body_html.contains('\\'), "{}", story.body_html);
        }
    }
    let dir = db.dir.path().to_owned();

    let before = table_counts(&db).await;
    for (file, line, column) in [
        ("malformed.xml", 90, 1),
        ("missing-version-tag.xml", 35, 2),
        ("crazy-cdata.xml", 18, 70),
    ] {
        match import(&db.store, &dir, &fixture(file), None).await {
            Err(WordPressError::Export { source, .. }) => {
                assert_eq!(
                    (source.position.line, source.position.column),
                    (line, column),
                    "{file}: {source}"
                );
            }
            other => panic!("{file}: {other:?}"),
        }
    }
    assert_eq!(
        table_counts(&db).await,
        before,
        "a refused file stores nothing"
    );

    // The binary says it in one line and exits with 2.
    for file in ["malformed.xml", "missing-version-tag.xml"] {
        let path = fixture(file);
        let output = procs::run(
            &dir,
            db.database_url.as_deref(),
            &["import", "wordpress", path.to_str().unwrap()],
        );
        assert_eq!(
            output.status.code(),
            Some(2),
            "{}",
            procs::describe(&output)
        );
        let stderr = String::from_utf8_lossy(&output.stderr);
        let last = stderr.lines().last().unwrap_or_default();
        assert!(
            last.starts_with("error: ") && last.contains("line "),
            "{stderr}"
        );
    }
}

/// A PNG of `width` x `height`.
pub(crate) fn png(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x * 7) as u8, (y * 5) as u8, ((x + y) * 3) as u8])
    });
    let mut bytes = Vec::new();
    image::DynamicImage::ImageRgb8(image)
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .unwrap();
    bytes
}

/// A WXR 1.2 export of `posts` items, wrapped around the channel header.
pub(crate) fn export(items: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:wfw="http://wellformedweb.org/CommentAPI/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
<title>Gazette</title>
<link>https://gazette.example</link>
<wp:wxr_version>1.2</wp:wxr_version>
<wp:base_site_url>https://gazette.example</wp:base_site_url>
<wp:base_blog_url>https://gazette.example</wp:base_blog_url>
<wp:author><wp:author_id>2</wp:author_id><wp:author_login><![CDATA[ann]]></wp:author_login><wp:author_email><![CDATA[ann@gazette.example]]></wp:author_email><wp:author_display_name><![CDATA[Ann Reporter]]></wp:author_display_name></wp:author>
<wp:category><wp:term_id>3</wp:term_id><wp:category_nicename>world</wp:category_nicename><wp:category_parent></wp:category_parent><wp:cat_name><![CDATA[World]]></wp:cat_name></wp:category>
<wp:category><wp:term_id>4</wp:term_id><wp:category_nicename>europe</wp:category_nicename><wp:category_parent>world</wp:category_parent><wp:cat_name><![CDATA[Europe]]></wp:cat_name></wp:category>
<wp:tag><wp:term_id>5</wp:term_id><wp:tag_slug>boats</wp:tag_slug><wp:tag_name><![CDATA[Boats]]></wp:tag_name></wp:tag>
{items}
</channel>
</rss>
"#
    )
}

/// One post item.
pub(crate) fn post(id: u32, status: &str, content: &str, extra: &str) -> String {
    format!(
        r#"<item>
<title>Story {id} of the gazette</title>
<link>https://gazette.example/2016/07/story-{id}/</link>
<pubDate>Mon, 11 Jul 2016 21:09:00 +0000</pubDate>
<dc:creator><![CDATA[ann]]></dc:creator>
<content:encoded><![CDATA[{content}]]></content:encoded>
<excerpt:encoded><![CDATA[]]></excerpt:encoded>
<wp:post_id>{id}</wp:post_id>
<wp:post_date>2016-07-11 23:09:00</wp:post_date>
<wp:post_date_gmt>2016-07-11 21:09:00</wp:post_date_gmt>
<wp:post_name>story-{id}</wp:post_name>
<wp:status>{status}</wp:status>
<wp:post_parent>0</wp:post_parent>
<wp:post_type>post</wp:post_type>
<wp:post_password></wp:post_password>
<category domain="category" nicename="world"><![CDATA[World]]></category>
<category domain="category" nicename="europe"><![CDATA[Europe]]></category>
<category domain="post_tag" nicename="boats"><![CDATA[Boats]]></category>
{extra}
</item>"#
    )
}

pub(crate) fn comment(id: u32, parent: u32, approved: &str, kind: &str, text: &str) -> String {
    format!(
        r#"<wp:comment><wp:comment_id>{id}</wp:comment_id><wp:comment_author><![CDATA[Reader {id}]]></wp:comment_author><wp:comment_author_email>r{id}@example.org</wp:comment_author_email><wp:comment_author_IP>192.0.2.{id}</wp:comment_author_IP><wp:comment_date>2016-07-12 10:00:00</wp:comment_date><wp:comment_date_gmt>2016-07-12 08:00:{id:02}</wp:comment_date_gmt><wp:comment_content><![CDATA[{text}]]></wp:comment_content><wp:comment_approved>{approved}</wp:comment_approved><wp:comment_type>{kind}</wp:comment_type><wp:comment_parent>{parent}</wp:comment_parent><wp:comment_user_id>0</wp:comment_user_id></wp:comment>"#
    )
}

/// An export with an image attachment, a post using it as featured image,
/// in a caption and a gallery, with a teaser break, an unknown shortcode,
/// a script, an event handler, a `javascript:` link and a comment thread;
/// plus a post in each other status. Writes the image under `uploads`.
pub(crate) fn rich_export(uploads: &Path) -> String {
    std::fs::create_dir_all(uploads.join("2016/07")).unwrap();
    std::fs::write(uploads.join("2016/07/boat.png"), png(64, 48)).unwrap();
    let attachment = r#"<item>
<title>Boat</title>
<link>https://gazette.example/boat/</link>
<excerpt:encoded><![CDATA[The boat at dawn]]></excerpt:encoded>
<wp:post_id>50</wp:post_id>
<wp:post_type>attachment</wp:post_type>
<wp:status>inherit</wp:status>
<wp:attachment_url>https://gazette.example/wp-content/uploads/2016/07/boat.png</wp:attachment_url>
<wp:postmeta><wp:meta_key>_wp_attached_file</wp:meta_key><wp:meta_value><![CDATA[2016/07/boat.png]]></wp:meta_value></wp:postmeta>
<wp:postmeta><wp:meta_key>_wp_attachment_image_alt</wp:meta_key><wp:meta_value><![CDATA[A fishing boat]]></wp:meta_value></wp:postmeta>
</item>
<item>
<title>Missing</title>
<wp:post_id>52</wp:post_id>
<wp:post_type>attachment</wp:post_type>
<wp:status>inherit</wp:status>
<wp:attachment_url>https://gazette.example/wp-content/uploads/2016/07/gone.jpg</wp:attachment_url>
</item>"#;
    let content = "The fleet came home.\n<!--more-->\nIt was late.\n\n\
        [caption id=\"attachment_50\" align=\"alignnone\" width=\"64\"]<img src=\"https://gazette.example/wp-content/uploads/2016/07/boat.png\" alt=\"A fishing boat\" width=\"64\" height=\"48\"> The boat at dawn[/caption]\n\n\
        [gallery ids=\"50\"]\n\n[contact-form-7 id=\"9\"]\n\n\
        <img src=\"https://gazette.example/wp-content/uploads/2016/07/boat-32x24.png\" alt=\"Small boat\">\n\n\
        <p onclick=\"steal()\">Click <a href=\"javascript:alert(1)\">here</a><script>alert(1)</script></p>";
    let comments = [
        comment(1, 0, "1", "", "First!"),
        comment(2, 1, "1", "", "A reply to the first."),
        comment(3, 0, "0", "", "Waiting for moderation."),
        comment(4, 0, "spam", "", "Buy things."),
        comment(5, 0, "1", "pingback", "Another site linked here."),
    ]
    .concat();
    let extra = format!(
        "<wp:postmeta><wp:meta_key>_thumbnail_id</wp:meta_key><wp:meta_value>50</wp:meta_value></wp:postmeta>\
         <wp:postmeta><wp:meta_key>source</wp:meta_key><wp:meta_value><![CDATA[Reuters]]></wp:meta_value></wp:postmeta>{comments}"
    );
    let items = [
        attachment.to_owned(),
        post(51, "publish", content, &extra),
        post(60, "future", "Tomorrow.", ""),
        post(61, "draft", "Not yet.", ""),
        post(62, "pending", "Please review.", ""),
        post(
            63,
            "publish",
            "Secret.",
            "<wp:post_password>hunter2</wp:post_password>",
        ),
    ]
    .join("\n");
    export(&items)
}

async fn attachments_shortcodes_statuses_and_comments_are_carried(backend: Backend) {
    let Some(app) = spawn(backend, false).await else {
        return;
    };
    let store = app.store().clone();
    let dir = app.db.dir.path().to_owned();
    let uploads = dir.join("uploads");
    let file = dir.join("gazette.xml");
    std::fs::write(&file, rich_export(&uploads)).unwrap();
    let report = import(&store, &dir, &file, Some(&uploads)).await.unwrap();
    let text = report.to_string();
    assert_eq!(report.counts_of("attachment").imported, 1, "{text}");
    assert_eq!(report.counts_of("attachment").skipped, 1, "{text}");
    assert!(text.contains("attachment 52 ("), "{text}");
    assert!(text.contains("gone.jpg"), "{text}");
    assert!(text.contains("post 51 (line "), "{text}");
    assert!(
        text.contains("1 script, 1 event handler, 1 javascript: link"),
        "{text}"
    );
    assert!(
        text.contains("unknown shortcode [contact-form-7] kept as text"),
        "{text}"
    );
    assert!(text.contains("post 63 ("), "{text}");
    assert!(
        text.contains("password-protected: imported unpublished"),
        "{text}"
    );
    let source = "wordpress:https://gazette.example";

    let story = story_of(&store, source, "51").await;
    assert_eq!(story.section.slug, "world");
    assert_eq!(story.tags, vec!["Europe".to_owned(), "Boats".to_owned()]);
    assert_eq!(story.bylines, vec!["Ann Reporter".to_owned()]);
    assert_eq!(story.teaser.as_deref(), Some("The fleet came home."));
    let media_id: i64 =
        masthead::media::parse_reference(story.lead_image.as_deref().unwrap()).unwrap();
    let media = masthead::media::find(&store, media_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(media.alt, "A fishing boat");
    assert_eq!(media.caption, "The boat at dawn");
    assert!(
        story
            .body_html
            .contains("<figcaption>The boat at dawn</figcaption>"),
        "{}",
        story.body_html
    );
    assert!(
        story.body_html.contains(&media.original_url()),
        "gallery: {}",
        story.body_html
    );
    assert!(
        story.body_html.contains("[contact-form-7 id=\"9\"]"),
        "{}",
        story.body_html
    );
    assert!(!story.body_html.contains("script") && !story.body_html.contains("onclick"));
    assert!(
        story.body_html.contains("<p>It was late.</p>"),
        "{}",
        story.body_html
    );
    assert!(matches!(
        story.fields.get("source"),
        Some(articles::fields::FieldValue::Text(t)) if t == "Reuters"
    ));

    for (id, status) in [
        ("60", Status::Scheduled),
        ("61", Status::Draft),
        ("62", Status::Review),
        ("63", Status::Unpublished),
    ] {
        assert_eq!(
            story_of(&store, source, id).await.status,
            status,
            "post {id}"
        );
    }
    assert_eq!(
        story_of(&store, source, "60").await.scheduled_at,
        Some(1_468_271_340)
    );

    // Comments: statuses, the thread, the pingback kept as one.
    let all = store.comments_by_status(None, i64::MAX, 100).await.unwrap();
    let mut seen: Vec<(String, String, String, bool)> = all
        .iter()
        .map(|c| {
            (
                c.author_name.clone(),
                c.status.clone(),
                c.kind.clone(),
                c.parent_id.is_some(),
            )
        })
        .collect();
    seen.sort();
    let expected = [
        ("Reader 1", "approved", "comment", false),
        ("Reader 2", "approved", "comment", true),
        ("Reader 3", "pending", "comment", false),
        ("Reader 4", "spam", "comment", false),
        ("Reader 5", "approved", "pingback", false),
    ]
    .map(|(a, s, k, p)| (a.to_owned(), s.to_owned(), k.to_owned(), p));
    assert_eq!(seen, expected);

    // The old permalink answers 301; the story's page shows its image.
    app.app.sync_changes().await;
    let page = app.get("/2016/07/story-51").await;
    assert_eq!(page.status(), 301);
    assert_eq!(page.location(), Some(story.path().as_str()));
    let page = app.get(&story.path()).await;
    assert_eq!(page.status(), 200);
    assert!(page.text().contains("First!"), "the approved comment shows");
    assert!(!page.text().contains("Buy things."), "spam does not");
    // Search and the feed have it at once.
    let page = app.get("/search?q=fleet").await;
    assert!(page.text().contains("Story 51 of the gazette"), "search");
    let (status, feed) = app.get_text("/feeds/rss.xml").await;
    assert_eq!(status, 200);
    assert!(feed.contains("Story 51 of the gazette"), "feed: {feed}");
    assert!(
        !feed.contains("Story 63 of the gazette"),
        "the password-protected one is not shown"
    );

    // A story whose WordPress post changed is updated, not duplicated.
    let edited = std::fs::read_to_string(&file)
        .unwrap()
        .replace("Tomorrow.", "Tomorrow, edited.");
    std::fs::write(&file, edited).unwrap();
    let again = import(&store, &dir, &file, Some(&uploads)).await.unwrap();
    assert_eq!(again.counts_of("post").updated, 1, "{again}");
    assert_eq!(again.counts_of("post").unchanged, 4, "{again}");
    assert_eq!(again.counts_of("attachment").unchanged, 1, "{again}");
    let scheduled = story_of(&store, source, "60").await;
    assert!(scheduled.body_html.contains("Tomorrow, edited."));
    assert_eq!(scheduled.revision, 2);
}

/// Everything an import leaves that readers or editors see, in an order
/// that does not depend on ids.
pub(crate) async fn snapshot(db: &TestStore) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for sql in [
        "SELECT 'story|' || s.slug || '|' || a.slug || '|' || a.headline || '|' || a.status || '|' \
         || a.tags || '|' || a.bylines || '|' || a.body_html || '|' || COALESCE(a.teaser, '') || '|' \
         || COALESCE(CAST(a.first_published_at AS TEXT), '') || '|' || CAST(a.revision AS TEXT) \
         FROM articles a JOIN sections s ON s.id = a.section_id",
        "SELECT 'comment|' || a.slug || '|' || c.author_name || '|' || c.body || '|' || c.status \
         || '|' || c.kind || '|' || COALESCE(p.author_name, '') || '|' || CAST(c.created_at AS TEXT) \
         FROM comments c JOIN articles a ON a.id = c.article_id LEFT JOIN comments p ON p.id = c.parent_id",
        "SELECT 'redirect|' || r.old_path || '|' || a.slug FROM redirects r JOIN articles a ON a.id = r.article_id",
        "SELECT 'topic|' || t.slug || '|' || t.name || '|' || COALESCE(p.slug, '') \
         FROM topics t LEFT JOIN topics p ON p.id = t.parent_id",
        "SELECT 'filed|' || a.slug || '|' || t.slug || '|' || CAST(f.position AS TEXT) \
         FROM article_topics f JOIN articles a ON a.id = f.article_id JOIN topics t ON t.id = f.topic_id",
        "SELECT 'byline|' || a.slug || '|' || p.slug FROM article_people f \
         JOIN articles a ON a.id = f.article_id JOIN people p ON p.id = f.person_id",
        "SELECT 'person|' || slug || '|' || name || '|' || CASE WHEN user_id IS NULL THEN 'no' ELSE 'yes' END FROM people",
        "SELECT 'user|' || email || '|' || name || '|' || role FROM users",
        "SELECT 'section|' || slug || '|' || name FROM sections",
        "SELECT 'ledger|' || kind || '|' || source_id || '|' || target_kind || '|' || digest FROM import_ledger",
    ] {
        out.extend(texts(db, sql).await);
    }
    out
}

/// `posts` posts, each with two comments, one a reply.
fn large_export(posts: u32) -> String {
    let items: Vec<String> = (1..=posts)
        .map(|id| {
            let comments = comment(id * 10, 0, "1", "", "A comment.")
                + &comment(id * 10 + 1, id * 10, "1", "", "A reply.");
            post(
                id,
                "publish",
                &format!("Paragraph one of {id}.\n\nParagraph two."),
                &comments,
            )
        })
        .collect();
    export(&items.join("\n"))
}

async fn an_import_killed_mid_run_and_run_again_equals_an_uninterrupted_one(backend: Backend) {
    let (Some(killed), Some(whole)) = (store(backend).await, store(backend).await) else {
        return;
    };
    let posts = 400;
    let file = killed.dir.path().join("large.xml");
    std::fs::write(&file, large_export(posts)).unwrap();
    let source = "wordpress:https://gazette.example";
    let args = ["import", "wordpress", file.to_str().unwrap()];

    // Killed once some posts are in, run again to the end.
    let mut command = procs::masthead();
    command.arg("--data-dir").arg(killed.dir.path());
    if let Some(url) = &killed.database_url {
        command.arg("--database-url").arg(url);
    }
    let mut child = command
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    let mut stored = 0;
    while started.elapsed() < Duration::from_secs(120) {
        stored = killed
            .store
            .ledger(source)
            .await
            .unwrap()
            .iter()
            .filter(|r| r.kind == "post")
            .count();
        if stored >= 20 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(stored >= 20, "the import did not get going");
    let after_kill = killed
        .store
        .ledger(source)
        .await
        .unwrap()
        .iter()
        .filter(|r| r.kind == "post")
        .count();
    assert!(
        after_kill < posts as usize,
        "the import ended before it was killed ({after_kill} posts)"
    );
    let output = procs::run(killed.dir.path(), killed.database_url.as_deref(), &args);
    assert!(output.status.success(), "{}", procs::describe(&output));
    let report = String::from_utf8_lossy(&output.stdout);
    let unchanged_line = report
        .lines()
        .find(|l| l.starts_with("post "))
        .unwrap()
        .to_owned();
    let numbers: Vec<u64> = unchanged_line
        .split_whitespace()
        .skip(1)
        .map(|n| n.parse().unwrap())
        .collect();
    assert_eq!(numbers[0] + numbers[2], u64::from(posts), "{report}");
    assert!(numbers[2] as usize >= after_kill, "{report}");

    // Uninterrupted, into another database.
    let output = procs::run(whole.dir.path(), whole.database_url.as_deref(), &args);
    assert!(output.status.success(), "{}", procs::describe(&output));

    let (a, b) = (snapshot(&killed).await, snapshot(&whole).await);
    assert_eq!(a.len(), b.len());
    let only_a: Vec<_> = a.difference(&b).take(5).collect();
    let only_b: Vec<_> = b.difference(&a).take(5).collect();
    assert!(
        only_a.is_empty() && only_b.is_empty(),
        "killed run has {only_a:?}, whole run has {only_b:?}"
    );
    assert_eq!(table_counts(&killed).await, table_counts(&whole).await);
}

/// Ten new posts written together (the bulk path); post 7's address is
/// taken twice over (by post 3, and with its id by post 5's), so the bulk
/// write fails, the posts go in one by one, and only post 7 is refused,
/// with its line in the export.
async fn one_broken_post_among_new_ones_is_refused_alone_with_its_place(backend: Backend) {
    let Some(db) = store(backend).await else {
        return;
    };
    let dir = db.dir.path().to_owned();
    let items: Vec<String> = (1..=10)
        .map(|id| {
            let item = post(
                id,
                "publish",
                &format!("Paragraph of {id}."),
                &comment(id * 10, 0, "1", "", "A comment."),
            );
            match id {
                5 => item.replace("<wp:post_name>story-5<", "<wp:post_name>story-3-7<"),
                7 => item.replace("<wp:post_name>story-7<", "<wp:post_name>story-3<"),
                _ => item,
            }
        })
        .collect();
    let text = export(&items.join("\n"));
    let lines: Vec<&str> = text.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.contains("<wp:post_id>7</wp:post_id>"))
        .unwrap();
    let item_line = lines[..at]
        .iter()
        .rposition(|l| l.starts_with("<item>"))
        .unwrap()
        + 1;
    let file = dir.join("broken.xml");
    std::fs::write(&file, &text).unwrap();
    let report = import(&db.store, &dir, &file, None).await.unwrap();
    assert_eq!(report.counts_of("post").imported, 9, "{report}");
    assert_eq!(report.counts_of("post").failed, 1, "{report}");
    assert_eq!(report.counts_of("comment").imported, 9, "{report}");
    // The broken post's group was written one post at a time.
    assert!(report.ungrouped > 0, "{report}");
    let problem = report
        .problems
        .iter()
        .find(|p| p.item.kind == "post")
        .unwrap();
    assert_eq!(problem.item.source_id, "7", "{report}");
    assert!(problem.reason.contains("already exists"), "{report}");
    assert!(
        problem
            .item
            .to_string()
            .contains(&format!("line {item_line},")),
        "{} (line {item_line})",
        problem.item
    );
    let source = "wordpress:https://gazette.example";
    for id in [1, 2, 3, 4, 5, 6, 8, 9, 10] {
        let story = story_of(&db.store, source, &id.to_string()).await;
        assert!(story.body_html.contains(&format!("Paragraph of {id}.")));
    }
    let stories = texts(&db, "SELECT slug FROM articles ORDER BY slug").await;
    assert_eq!(stories.len(), 9, "{stories:?}");
    assert!(stories.contains(&"story-3-7".to_owned()), "{stories:?}");
    // Run again: nothing changes, post 7 is refused again.
    let again = import(&db.store, &dir, &file, None).await.unwrap();
    assert_eq!(again.counts_of("post").unchanged, 9, "{again}");
    assert_eq!(again.counts_of("post").failed, 1, "{again}");
}

/// A merged export can hold a post twice: the second copy, waiting in the
/// same group of new posts as the first, updates it or is unchanged; it is
/// never a second story.
async fn a_post_repeated_in_the_export_is_one_story(backend: Backend) {
    let Some(db) = store(backend).await else {
        return;
    };
    let dir = db.dir.path().to_owned();
    let one = post(
        1,
        "publish",
        "Paragraph of 1.",
        &comment(10, 0, "1", "", "A comment."),
    );
    let two = post(2, "publish", "Paragraph of 2.", "");
    let again = one.clone();
    let changed = post(2, "publish", "Paragraph of 2, corrected.", "");
    let file = dir.join("repeated.xml");
    std::fs::write(&file, export(&[one, two, again, changed].join("\n"))).unwrap();
    let report = import(&db.store, &dir, &file, None).await.unwrap();
    let posts = report.counts_of("post");
    assert_eq!(
        (posts.imported, posts.updated, posts.unchanged, posts.failed),
        (2, 1, 1, 0),
        "{report}"
    );
    let stories = texts(&db, "SELECT slug FROM articles ORDER BY slug").await;
    assert_eq!(stories, ["story-1", "story-2"], "{report}");
    let source = "wordpress:https://gazette.example";
    let corrected = story_of(&db.store, source, "2").await;
    assert!(corrected.body_html.contains("Paragraph of 2, corrected."));
    let comments = texts(&db, "SELECT body FROM comments").await;
    assert_eq!(comments.len(), 1, "{comments:?}");
}
