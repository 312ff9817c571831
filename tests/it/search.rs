//! Search: relevance, filters, highlighting, pagination, and the same
//! results from SQLite FTS5 and PostgreSQL full-text search.

use masthead::articles::Status;
use masthead::search::{self, SearchParams};
use masthead::site::Site;
use masthead::storage::Store;

use crate::newsroom::{Story, section, story};
use crate::on_both;
use crate::support::{Backend, NOW, demo_site, spawn, store};

on_both!(
    the_search_page_and_api_rank_filter_highlight_and_paginate,
    the_search_page_and_api_filter_by_topic,
    the_search_page_and_api_filter_by_person,
);

const DAY: i64 = 86_400;

/// The same newsroom on any backend.
async fn newsroom(store: &Store) {
    let world = section(store, "World").await;
    let business = section(store, "Business").await;
    let filler = "Officials met on Tuesday to discuss the week ahead. ".repeat(8);
    story(
        store,
        &world,
        Story {
            headline: "Budget vote delayed again",
            body: "Lawmakers postponed the decision until next month.",
            published_at: Some(NOW - 2 * 3600),
            ..Story::default()
        },
    )
    .await;
    let mention = format!("{filler}Later the talk turned briefly to the budget. {filler}");
    story(
        store,
        &world,
        Story {
            headline: "Sports roundup",
            body: &mention,
            published_at: Some(NOW - 3600),
            ..Story::default()
        },
    )
    .await;
    story(
        store,
        &world,
        Story {
            headline: "Weather turns cold",
            body: &filler,
            ..Story::default()
        },
    )
    .await;
    story(
        store,
        &business,
        Story {
            headline: "Budgets squeezed in business",
            standfirst: "Companies cut spending.",
            published_at: Some(NOW - 10 * DAY),
            ..Story::default()
        },
    )
    .await;
    story(
        store,
        &world,
        Story {
            headline: "Budget secret",
            status: Status::Draft,
            published_at: None,
            ..Story::default()
        },
    )
    .await;
    story(
        store,
        &world,
        Story {
            headline: "Budget embargoed",
            embargo_until: Some(NOW + DAY),
            ..Story::default()
        },
    )
    .await;
}

async fn headlines(store: &Store, site: &Site, params: SearchParams) -> Vec<String> {
    let params = SearchParams {
        limit: if params.limit == 0 { 20 } else { params.limit },
        ..params
    };
    search::search(store, site, &params, NOW)
        .await
        .unwrap()
        .hits
        .into_iter()
        .map(|h| h.article.headline)
        .collect()
}

fn words(text: &str) -> SearchParams {
    SearchParams {
        text: text.into(),
        ..SearchParams::default()
    }
}

#[tokio::test]
async fn both_backends_rank_filter_and_stem_alike() {
    let mut results = Vec::new();
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(db) = store(backend).await else {
            continue;
        };
        let site = demo_site(&db.store).await;
        newsroom(&db.store).await;
        let s = &db.store;
        let budget = headlines(s, &site, words("budget")).await;
        // Headline matches rank above a single mention in a long body; the
        // draft and the embargoed story never appear.
        assert_eq!(budget.len(), 3, "{backend:?}: {budget:?}");
        assert_eq!(budget.last().unwrap(), "Sports roundup", "{backend:?}");
        assert!(budget[..2].contains(&"Budget vote delayed again".to_owned()));
        assert!(
            budget[..2].contains(&"Budgets squeezed in business".to_owned()),
            "stemming"
        );
        let world = headlines(
            s,
            &site,
            SearchParams {
                section: Some("world".into()),
                ..words("budget")
            },
        )
        .await;
        assert_eq!(
            world,
            ["Budget vote delayed again", "Sports roundup"],
            "{backend:?}"
        );
        let old = headlines(
            s,
            &site,
            SearchParams {
                from: Some("2026-11-01".into()),
                to: Some("2026-11-20".into()),
                ..words("budgets")
            },
        )
        .await;
        assert_eq!(old, ["Budgets squeezed in business"], "{backend:?}");
        let phrase = headlines(s, &site, words("\"vote delayed\" -sports")).await;
        assert_eq!(phrase, ["Budget vote delayed again"], "{backend:?}");
        let either = headlines(s, &site, words("weather or lawmakers")).await;
        let hostile = headlines(s, &site, words("budget\" OR NEAR(* AND")).await;
        assert!(
            headlines(s, &site, words("secret")).await.is_empty(),
            "{backend:?}"
        );
        assert!(
            headlines(s, &site, words("embargoed")).await.is_empty(),
            "{backend:?}"
        );
        let mut sets = vec![budget, world, old, phrase, either, hostile];
        for set in sets.iter_mut().skip(4) {
            set.sort();
        }
        sets[0].sort();
        results.push(sets);
    }
    if let [sqlite, postgres] = results.as_slice() {
        assert_eq!(sqlite, postgres, "the same results on both backends");
    }
}

async fn the_search_page_and_api_rank_filter_highlight_and_paginate(backend: Backend) {
    let Some(app) = spawn(backend, false).await else {
        return;
    };
    newsroom(&app.db.store).await;
    let (status, html) = app.get_text("/search?q=budget&section=world").await;
    assert_eq!(status, 200);
    let document = scraper::Html::parse_document(&html);
    let hits: Vec<String> = document
        .select(&scraper::Selector::parse(".search-results h2").unwrap())
        .map(|h| h.inner_html())
        .collect();
    assert_eq!(hits.len(), 2, "{html}");
    assert!(
        hits[0].contains("<mark>Budget</mark> vote delayed again"),
        "{hits:?}"
    );
    let snippets: Vec<String> = document
        .select(&scraper::Selector::parse(".search-results .teaser").unwrap())
        .map(|p| p.inner_html())
        .collect();
    assert!(snippets[1].contains("<mark>budget</mark>"), "{snippets:?}");
    let (status, html) = app.get_text("/search?q=budget&from=yesterday").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("from must be a date written YYYY-MM-DD"),
        "{html}"
    );
    let (_, html) = app
        .get_text("/search?q=%3Cscript%3Ealert(1)%3C/script%3E")
        .await;
    assert!(!html.contains("<script>alert"), "the query is escaped");
    // Found by the search_query fuzz target, twice: a hundred exclusions once
    // nested FTS5's brackets a hundred deep and overflowed its parser (a 500),
    // and then 256 chained NOTs passed FTS5's 256-level expression tree.
    let exclusions: String = (0..300).map(|i| format!("+-w{i}")).collect();
    let (status, html) = app.get_text(&format!("/search?q=budget{exclusions}")).await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("<mark>Budget</mark> vote delayed again"),
        "{html}"
    );

    // The API pages through the same hits with a cursor.
    let mut seen = Vec::new();
    let mut url = "/api/v1/search?q=budget&limit=1".to_owned();
    loop {
        let page = app.get(&url).await.json();
        let hit = &page["data"][0];
        let marked = format!("{}{}", hit["headline_html"], hit["snippet_html"]).to_lowercase();
        assert!(marked.contains("<mark>budget"), "{hit}");
        seen.push(hit["story"]["headline"].as_str().unwrap().to_owned());
        match page["next_cursor"].as_str() {
            Some(cursor) => url = format!("/api/v1/search?q=budget&limit=1&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 3, "{seen:?}");
    assert_eq!(seen[2], "Sports roundup");
    let response = app.get("/api/v1/search?q=budget&section=nowhere").await;
    assert_eq!(response.status(), 400);
    let body = response.json();
    assert_eq!(body["error"]["code"], "bad_request");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("nowhere")
    );
}

/// Stories filed under topics: two about politics (one of them about the
/// economy too), one about sport, and two hidden ones (a draft, and an
/// embargoed story that alone names "Secret plans").
async fn topic_newsroom(store: &Store) {
    let world = section(store, "World").await;
    let hidden = |headline, tags, status, embargo_until| Story {
        headline,
        tags,
        bylines: &["Secret Sam"],
        status,
        embargo_until,
        published_at: (status == Status::Published).then_some(NOW - 60),
        ..Story::default()
    };
    let stories = [
        Story {
            headline: "Budget vote delayed again",
            tags: &["Politics"],
            bylines: &["Ann Reporter"],
            published_at: Some(NOW - 2 * 3600),
            ..Story::default()
        },
        Story {
            headline: "Budgets squeezed in business",
            tags: &["Economy", "Politics"],
            bylines: &["Bo Writer", "Ann Reporter"],
            published_at: Some(NOW - 10 * DAY),
            ..Story::default()
        },
        Story {
            headline: "Budget talk at the stadium",
            tags: &["Sport"],
            bylines: &["Bo Writer"],
            published_at: Some(NOW - 3600),
            ..Story::default()
        },
        hidden("Budget draft", &["Politics"], Status::Draft, None),
        hidden(
            "Budget embargoed",
            &["Politics", "Secret plans"],
            Status::Published,
            Some(NOW + DAY),
        ),
    ];
    for s in stories {
        story(store, &world, s).await;
    }
}

fn hit_headlines(html: &str) -> Vec<String> {
    crate::support::select(html, ".search-results h2 a")
}

fn api_headlines(page: &serde_json::Value) -> Vec<String> {
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["story"]["headline"].as_str().unwrap().to_owned())
        .collect()
}

async fn the_search_page_and_api_filter_by_topic(backend: Backend) {
    let Some(app) = spawn(backend, false).await else {
        return;
    };
    topic_newsroom(&app.db.store).await;

    // Words within a topic: the stadium story mentions the budget but is
    // about sport; the draft and the embargoed story never appear.
    let (status, html) = app.get_text("/search?q=budget&topic=politics").await;
    assert_eq!(status, 200);
    let mut hits = hit_headlines(&html);
    hits.sort();
    assert_eq!(
        hits,
        ["Budget vote delayed again", "Budgets squeezed in business"],
        "{html}"
    );
    assert_eq!(
        crate::support::text_of(&html, ".search-topic"),
        "Stories about Politics"
    );
    // A new search from this page keeps the topic.
    assert_eq!(
        crate::support::html::attrs(&html, "form.search input[name=topic]", "value"),
        ["politics"]
    );
    // The topic alone lists its stories newest first.
    let (_, html) = app.get_text("/search?topic=politics").await;
    assert_eq!(
        hit_headlines(&html),
        ["Budget vote delayed again", "Budgets squeezed in business"]
    );
    let (_, html) = app.get_text("/search?q=budget&topic=economy").await;
    assert_eq!(hit_headlines(&html), ["Budgets squeezed in business"]);

    // The API: the same filter, the same hits.
    let page = app
        .get("/api/v1/search?q=budget&topic=politics")
        .await
        .json();
    let mut hits = api_headlines(&page);
    hits.sort();
    assert_eq!(
        hits,
        ["Budget vote delayed again", "Budgets squeezed in business"]
    );
    let page = app.get("/api/v1/search?topic=sport").await.json();
    assert_eq!(api_headlines(&page), ["Budget talk at the stadium"]);

    // A topic that only the embargoed story names is as unknown as one that
    // does not exist: its name could tell what is coming.
    for slug in ["secret-plans", "nowhere"] {
        let response = app
            .get(&format!("/api/v1/search?q=budget&topic={slug}"))
            .await;
        assert_eq!(response.status(), 400, "{slug}");
        let body = response.json();
        assert_eq!(body["error"]["code"], "bad_request");
        assert_eq!(
            body["error"]["message"],
            format!("there is no topic \"{slug}\""),
            "{slug}"
        );
        let (status, html) = app
            .get_text(&format!("/search?q=budget&topic={slug}"))
            .await;
        assert_eq!(status, 200);
        assert!(html.contains("there is no topic"), "{html}");
        assert!(hit_headlines(&html).is_empty(), "{slug}: {html}");
        assert!(!html.contains("Secret plans"), "{html}");
    }

    // After a rename the old slug still filters, by the topic it became.
    let politics = masthead::topics::find(app.store(), "politics")
        .await
        .unwrap()
        .unwrap();
    masthead::topics::update(
        app.store(),
        &masthead::actor::Actor::command_line(),
        politics.id,
        &masthead::topics::TopicInput {
            name: "Policy".into(),
            slug: "policy".into(),
            ..Default::default()
        },
        NOW,
    )
    .await
    .unwrap();
    for slug in ["politics", "policy"] {
        let page = app
            .get(&format!("/api/v1/search?q=budget&topic={slug}"))
            .await
            .json();
        assert_eq!(api_headlines(&page).len(), 2, "{slug}: {page}");
    }
    let (_, html) = app.get_text("/search?q=budget&topic=politics").await;
    assert_eq!(
        crate::support::text_of(&html, ".search-topic"),
        "Stories about Policy"
    );

    // The topic page searches within its topic.
    let (status, html) = app.get_text("/topics/policy").await;
    assert_eq!(status, 200);
    assert_eq!(
        crate::support::html::attrs(&html, "form.topic-search input[name=topic]", "value"),
        ["policy"]
    );
}

async fn the_search_page_and_api_filter_by_person(backend: Backend) {
    let Some(app) = spawn(backend, false).await else {
        return;
    };
    topic_newsroom(&app.db.store).await;
    // Co-bylined stories count for each of their people.
    let (status, html) = app.get_text("/search?q=budget&person=ann-reporter").await;
    assert_eq!(status, 200);
    let mut hits = hit_headlines(&html);
    hits.sort();
    assert_eq!(
        hits,
        ["Budget vote delayed again", "Budgets squeezed in business"],
        "{html}"
    );
    assert_eq!(
        crate::support::text_of(&html, ".search-person"),
        "Stories by Ann Reporter"
    );
    assert_eq!(
        crate::support::html::attrs(&html, "form.search input[name=person]", "value"),
        ["ann-reporter"],
        "a new search keeps the person"
    );
    let (_, html) = app.get_text("/search?person=bo-writer").await;
    assert_eq!(
        hit_headlines(&html),
        ["Budget talk at the stadium", "Budgets squeezed in business"],
        "newest first"
    );
    let (_, html) = app
        .get_text("/search?person=bo-writer&topic=politics")
        .await;
    assert_eq!(hit_headlines(&html), ["Budgets squeezed in business"]);
    let page = app
        .get("/api/v1/search?q=budget&person=bo-writer")
        .await
        .json();
    let mut hits = api_headlines(&page);
    hits.sort();
    assert_eq!(
        hits,
        ["Budget talk at the stadium", "Budgets squeezed in business"]
    );
    // The person page searches their stories.
    let (_, person) = app.get_text("/people/bo-writer").await;
    assert_eq!(
        crate::support::html::attrs(&person, "form.person-search input[name=person]", "value"),
        ["bo-writer"]
    );
    // Someone only hidden stories credit is as unknown as no one.
    for slug in ["secret-sam", "nobody"] {
        let response = app.get(&format!("/api/v1/search?person={slug}")).await;
        assert_eq!(response.status(), 400, "{slug}");
        assert_eq!(
            response.json()["error"]["message"],
            format!("there is no person \"{slug}\"")
        );
        let (status, html) = app
            .get_text(&format!("/search?q=budget&person={slug}"))
            .await;
        assert_eq!(status, 200);
        assert!(hit_headlines(&html).is_empty(), "{slug}: {html}");
        assert!(html.contains("there is no person"), "{html}");
    }
}
