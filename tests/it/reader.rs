//! Reader pages over real HTTP.

use crate::on_both;
use crate::support::{Backend, SEED, spawn, text_blocks};

on_both!(
    the_article_page_shows_every_line_of_the_seed_in_order,
    unknown_sections_and_stories_get_the_404_page,
    section_fronts_list_newest_first_and_paginate,
    the_home_page_groups_latest_stories_by_section,
);

async fn the_article_page_shows_every_line_of_the_seed_in_order(backend: Backend) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    let (status, html) = app
        .get_text("/world/us-to-send-560-additional-troops-to-iraq")
        .await;
    assert_eq!(status, 200);
    let blocks = text_blocks(&html);
    let expected: Vec<String> = SEED
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect();
    assert!(expected.contains(&"Last update: Mon, 11/07/2016 - 23:09".to_owned()));
    // Each seed line is a whole block of the page, and they come in order.
    let mut position = 0;
    for line in &expected {
        match blocks[position..].iter().position(|b| b == line) {
            Some(offset) => position += offset + 1,
            None => panic!(
                "{line:?} is not a block after position {position} of the page; blocks: {blocks:#?}"
            ),
        }
    }
    let document = scraper::Html::parse_document(&html);
    let h1 = scraper::Selector::parse("h1").unwrap();
    assert_eq!(document.select(&h1).count(), 1, "one h1");
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    for landmark in ["<header", "<nav", "<main", "<footer"] {
        assert!(html.contains(landmark), "missing {landmark}");
    }
    let canonical = document
        .select(&scraper::Selector::parse("link[rel=canonical]").unwrap())
        .next()
        .unwrap();
    assert_eq!(
        canonical.attr("href"),
        Some("http://news.example/world/us-to-send-560-additional-troops-to-iraq")
    );
}

async fn unknown_sections_and_stories_get_the_404_page(backend: Backend) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    for path in [
        "/nowhere",
        "/world/no-such-story",
        "/nowhere/us-to-send-560-additional-troops-to-iraq",
        "/a/b/c",
        "/world?after=garbage",
    ] {
        let (status, html) = app.get_text(path).await;
        assert_eq!(status, 404, "{path}");
        assert!(html.contains("<h1>Page not found</h1>"), "{path}: {html}");
        assert!(
            html.contains("<nav aria-label=\"Sections\">"),
            "the 404 page is a themed page"
        );
    }
}

async fn section_fronts_list_newest_first_and_paginate(backend: Backend) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    let (status, html) = app.get_text("/world").await;
    assert_eq!(status, 200);
    let blocks = text_blocks(&html);
    assert_eq!(
        blocks.iter().filter(|b| b.as_str() == "World").count(),
        2,
        "nav item and h1: {blocks:?}"
    );
    let headlines: Vec<_> = scraper::Html::parse_document(&html)
        .select(&scraper::Selector::parse(".stories h2 a").unwrap())
        .map(|a| a.text().collect::<String>())
        .collect();
    assert_eq!(headlines.len(), 6);
    assert_eq!(
        headlines[0],
        "Trump vows to return power to the people in inaugural speech"
    );
    assert_eq!(headlines[5], "US to send 560 additional troops to Iraq");
    assert!(
        !html.contains("Older stories"),
        "six stories fit on one page"
    );
    let (status, _) = app.get_text("/world/").await;
    assert_eq!(status, 308);
}

async fn the_home_page_groups_latest_stories_by_section(backend: Backend) {
    let Some(app) = spawn(backend, true).await else {
        return;
    };
    let (status, html) = app.get_text("/").await;
    assert_eq!(status, 200);
    let blocks = text_blocks(&html);
    assert!(blocks.contains(&"The Daily Masthead".to_owned()));
    let world = blocks.iter().position(|b| b == "World").unwrap();
    assert!(
        blocks[world..]
            .iter()
            .any(|b| b == "Trump vows to return power to the people in inaugural speech")
    );
    let document = scraper::Html::parse_document(&html);
    assert_eq!(
        document
            .select(&scraper::Selector::parse("h1").unwrap())
            .count(),
        1
    );
    assert_eq!(
        document
            .select(&scraper::Selector::parse(".front-section .story").unwrap())
            .count(),
        5
    );
}
