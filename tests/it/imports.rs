//! Importing pages in the seed's text format.

use masthead::articles;

use crate::on_both;
use crate::support::{Backend, NOW, SEED, demo_site, store};

on_both!(
    the_seed_becomes_a_section_a_story_and_its_related_stories,
    a_malformed_page_names_its_line_and_imports_nothing
);

async fn the_seed_becomes_a_section_a_story_and_its_related_stories(backend: Backend) {
    let Some(db) = store(backend).await else {
        return;
    };
    let site = demo_site(&db.store).await;
    let report = masthead::imports::import_text(&db.store, &site, "seed-page.txt", SEED, NOW)
        .await
        .unwrap();
    assert_eq!(report.section, "World");
    assert_eq!(report.related_added, 5);
    let story = articles::find(&db.store, report.story)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(story.headline, "US to send 560 additional troops to Iraq");
    assert_eq!(story.section.slug, "world");
    // 11 July 2016 23:09 in Berlin (CEST, UTC+2).
    assert_eq!(story.last_update_at, Some(1_468_271_340));
    assert_eq!(
        site.format_date(story.last_update_at.unwrap(), "medium"),
        "Mon, 11/07/2016 - 23:09"
    );
    let more = articles::more_from(&db.store, &story, NOW).await.unwrap();
    let titles: Vec<_> = more.iter().map(|a| a.headline.as_str()).collect();
    assert_eq!(
        titles[0],
        "Trump vows to return power to the people in inaugural speech"
    );
    assert_eq!(titles.len(), 5);
    assert!(
        more.iter()
            .all(|a| a.first_published_at > story.first_published_at),
        "related stories are newer"
    );
    assert_eq!(
        more[0].teaser.as_deref(),
        Some(
            "US President Donald Trump on Friday vowed to take power away from Washington bureaucrats and politicians and give..."
        )
    );
    // Importing the same page again is refused and adds nothing.
    let error = masthead::imports::import_text(&db.store, &site, "again.txt", SEED, NOW)
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains("already on the site"), "{error}");
    assert_eq!(
        articles::visible_list(&db.store, None, NOW, None, None, 100)
            .await
            .unwrap()
            .len(),
        6
    );
}

async fn a_malformed_page_names_its_line_and_imports_nothing(backend: Backend) {
    let Some(db) = store(backend).await else {
        return;
    };
    let site = demo_site(&db.store).await;
    let broken = SEED.replace(
        "Last update: Mon, 11/07/2016 - 23:09",
        "Last update: yesterday",
    );
    let error = masthead::imports::import_text(&db.store, &site, "broken.txt", &broken, NOW)
        .await
        .unwrap_err()
        .to_string();
    assert!(error.starts_with("broken.txt: line 29:"), "{error}");
    assert!(
        masthead::sections::list(&db.store)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        articles::visible_list(&db.store, None, i64::MAX, None, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
}
