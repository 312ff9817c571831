//! Topics in headless Chromium (issue 11, item 2): an editor files a story
//! under a new topic from the story editor, the Topics field offering the
//! existing topics as they type (the editor's script fills the field's
//! list from `/admin/topics/suggest`); the new topic's page lists the
//! story once it is published; the editor renames the topic in
//! `/admin/topics`, and a reader at the old address lands on the new one.

use std::time::Duration;

use fantoccini::{Client, Locator};
use masthead::accounts::Role;

use crate::browser::{browser, driver, fill, press, sign_in, text};
use crate::support::{Backend, NOW, create_user, spawn};

/// The options of the Topics field's suggestion list, as (value, label),
/// once they are `expected` (the script fetches them as the editor types);
/// what they are after two seconds otherwise.
async fn suggestions(browser: &Client, expected: &[(&str, &str)]) -> Vec<(String, String)> {
    let wanted: Vec<(String, String)> = expected
        .iter()
        .map(|(v, l)| ((*v).to_owned(), (*l).to_owned()))
        .collect();
    let mut seen = Vec::new();
    for _ in 0..80 {
        // Read in one script run: the editor's script replaces the options
        // as answers arrive.
        let options = browser
            .execute(
                "return Array.from(document.querySelectorAll('#topic-suggestions option'))\
                 .map(function (o) { return [o.value, o.label]; });",
                vec![],
            )
            .await
            .unwrap();
        seen = serde_json::from_value(options).unwrap();
        if seen == wanted {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    seen
}

/// Types `keys` at the end of the Topics field, as an editor does.
async fn type_in_topics(browser: &Client, keys: &str) {
    browser
        .find(Locator::Css("#tags"))
        .await
        .unwrap()
        .send_keys(keys)
        .await
        .unwrap();
}

#[tokio::test]
async fn an_editor_creates_a_topic_from_the_story_editor_and_renames_it() {
    let Some(driver) = driver().await else {
        return;
    };
    let Some(app) = spawn(Backend::Sqlite, true).await else {
        return;
    };
    create_user(&app, "editor@news.example", Role::Editor).await;
    // Topics the site has already; one of them starts as the new one does.
    for name in ["Climate", "Glaciers"] {
        masthead::topics::create(
            app.store(),
            &masthead::actor::Actor::command_line(),
            &masthead::topics::TopicInput {
                name: name.into(),
                ..Default::default()
            },
            NOW,
        )
        .await
        .unwrap();
    }
    let editor = browser(&driver).await;
    sign_in(&app, &editor, "editor@news.example").await;
    editor.goto(&app.url("/admin/stories/new")).await.unwrap();
    fill(&editor, "#headline", "The ice is on the move").await;
    fill(&editor, "#body", "The glacier moved a metre in a week.").await;
    editor
        .find(Locator::Css("#section"))
        .await
        .unwrap()
        .select_by_label("World")
        .await
        .unwrap();

    // Typing offers the existing topics that start with what was typed,
    // completing the last name of the list.
    type_in_topics(&editor, "cl").await;
    assert_eq!(
        suggestions(&editor, &[("Climate", "Climate (0)")]).await,
        [("Climate".to_owned(), "Climate (0)".to_owned())],
        "the field's list holds the suggestions"
    );
    editor
        .find(Locator::Css("#tags"))
        .await
        .unwrap()
        .clear()
        .await
        .unwrap();
    type_in_topics(&editor, "Climate, Gl").await;
    assert_eq!(
        suggestions(&editor, &[("Climate, Glaciers", "Glaciers (0)")]).await,
        [("Climate, Glaciers".to_owned(), "Glaciers (0)".to_owned())]
    );
    // A name no topic has yet: nothing is offered, and saving creates it.
    type_in_topics(&editor, "acier watch").await;
    assert_eq!(suggestions(&editor, &[]).await, []);
    press(&editor, "Save").await;
    assert_eq!(text(&editor, ".notice").await, "Story created.");
    press(&editor, "Publish now").await;
    assert_eq!(text(&editor, "#story-status").await, "published");
    let topic = masthead::topics::find(app.store(), "glacier-watch")
        .await
        .unwrap()
        .expect("the save created the topic");
    assert_eq!(topic.name, "Glacier watch");

    // Readers find the story on the new topic's page.
    editor
        .goto(&app.url("/topics/glacier-watch"))
        .await
        .unwrap();
    assert_eq!(text(&editor, "main h1").await, "Glacier watch");
    assert!(
        editor
            .source()
            .await
            .unwrap()
            .contains("The ice is on the move")
    );

    // The editor renames it in the topic manager, address and all.
    editor.goto(&app.url("/admin/topics")).await.unwrap();
    let id = topic.id;
    fill(&editor, &format!("#name-{id}"), "Glacier monitoring").await;
    fill(&editor, &format!("#slug-{id}"), "glacier-monitoring").await;
    press(&editor, "Save Glacier watch").await;
    assert!(
        text(&editor, ".notice")
            .await
            .starts_with("The topic is saved."),
        "{}",
        editor.source().await.unwrap()
    );

    // The old address lands on the new one.
    editor
        .goto(&app.url("/topics/glacier-watch"))
        .await
        .unwrap();
    assert_eq!(
        editor.current_url().await.unwrap().path(),
        "/topics/glacier-monitoring"
    );
    assert_eq!(text(&editor, "main h1").await, "Glacier monitoring");
    assert!(
        editor
            .source()
            .await
            .unwrap()
            .contains("The ice is on the move")
    );
    editor.close().await.unwrap();
}
