//! Issue 17, item 1 in headless Chromium: the editor saves while the disk
//! holding the SQLite data folder is full (a tmpfs mounted for the test, as
//! root), reads that the server cannot store changes and that the text is
//! kept, finds every word still in the form, and saves it as it is once
//! space is freed: no restart, nothing retyped.

use masthead::accounts::Role;
use masthead::app::Clock;

use crate::browser::{browser, driver, fill, press, sign_in, text, value};
use crate::machine::{empty_the_log, fill_disk};
use crate::ops::SmallDisk;
use crate::support::{self, NOW, create_user};

#[tokio::test]
async fn the_editor_keeps_the_text_through_a_full_disk_and_saves_it_once_space_returns() {
    let Some(disk) = SmallDisk::mount("48m") else {
        return;
    };
    let Some(driver) = driver().await else {
        return;
    };
    let db = support::sqlite_store_in(disk.path()).await;
    let data = db.dir.path().to_owned();
    let app = support::serve(db, true, |_| {}, Clock::fixed(NOW)).await;
    create_user(&app, "editor@news.example", Role::Editor).await;
    let editor = browser(&driver).await;
    sign_in(&app, &editor, "editor@news.example").await;
    editor.goto(&app.url("/admin/stories/new")).await.unwrap();
    fill(&editor, "#headline", "Harbour reopens after the storm").await;
    fill(&editor, "#body", "Fishing boats returned at dawn.").await;
    press(&editor, "Save").await;
    assert!(text(&editor, "main").await.contains("Story created."));
    let url = editor.current_url().await.unwrap();
    let id: i64 = url
        .path()
        .trim_start_matches("/admin/stories/")
        .parse()
        .unwrap();

    // The disk fills while the editor writes on.
    empty_the_log(&data).await;
    let filler = fill_disk(disk.path());
    let typed = "Fishing boats returned at dawn. The harbour master said the quay would stay open all night.";
    fill(&editor, "#body", typed).await;
    fill(&editor, "#headline", "Harbour reopens, quay open all night").await;
    press(&editor, "Save").await;
    let shown = text(&editor, "main").await;
    assert!(
        shown.contains("The server cannot store changes right now; your text is kept here."),
        "{shown}"
    );
    assert_eq!(value(&editor, "#body").await, format!("<p>{typed}</p>"));
    assert_eq!(
        value(&editor, "#headline").await,
        "Harbour reopens, quay open all night"
    );
    let stored = masthead::articles::find(app.store(), id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.body_source, "<p>Fishing boats returned at dawn.</p>");

    // Space is freed: the same form saves as it is.
    std::fs::remove_file(&filler).unwrap();
    press(&editor, "Save").await;
    assert!(text(&editor, "main").await.contains("Saved."));
    assert_eq!(value(&editor, "#body").await, format!("<p>{typed}</p>"));
    let stored = masthead::articles::find(app.store(), id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.body_source, format!("<p>{typed}</p>"));
    assert_eq!(stored.headline, "Harbour reopens, quay open all night");
}
