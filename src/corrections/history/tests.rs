use super::*;
use crate::articles::{BodyFormat, Correction, NewArticle, SectionRef};

fn draft(body: &str) -> Article {
    NewArticle {
        section: SectionRef {
            id: 1,
            slug: "world".into(),
            name: "World".into(),
        },
        slug: None,
        headline: "Troops leave".into(),
        standfirst: String::new(),
        teaser: None,
        body_source: body.into(),
        body_format: BodyFormat::Markdown,
        dateline: String::new(),
        bylines: Vec::new(),
        tags: Vec::new(),
    }
    .into_draft(10)
    .unwrap()
}

fn with_body(article: &Article, body: &str) -> Article {
    let mut next = article.clone();
    next.body_source = body.into();
    next.render_body();
    next
}

#[test]
fn drafts_and_silent_fixes_never_appear_and_a_correction_shows_the_text_before_and_after() {
    let first = draft("The army left on Monday.\n\nIt was raining.");
    let edited = with_body(&first, "The army left on Monday.\n\nIt was raining hard.");
    let mut published = edited.clone();
    published.mark_published(100);
    let silent = with_body(
        &published,
        "The army left on Tuesday.\n\nIt was raining hard.",
    );
    let mut corrected = silent.clone();
    corrected.corrections.push(Correction {
        at: 300,
        note: "The army left on Tuesday, not Monday.".into(),
    });
    corrected.last_update_at = Some(300);
    let mut updated = with_body(
        &corrected,
        "The army left on Tuesday.\n\nIt was raining hard.\n\nMore soon.",
    );
    updated.last_update_at = Some(400);
    let states = [&first, &edited, &published, &silent, &corrected, &updated];
    let messages = [
        "Created",
        "Saved",
        "Published",
        "Silent fix",
        "Correction",
        "New quotes",
    ];
    let history = entries(&states, &messages);
    let kinds: Vec<_> = history.iter().map(|e| (e.kind, e.at)).collect();
    assert_eq!(
        kinds,
        [
            (EntryKind::FirstPublished, 100),
            (EntryKind::Correction, 300),
            (EntryKind::Update, 400)
        ]
    );
    let correction = &history[1];
    assert_eq!(correction.note, "The army left on Tuesday, not Monday.");
    assert_eq!(correction.number, 1);
    assert_eq!(correction.changes.len(), 1);
    let body = &correction.changes[0];
    assert_eq!(body.field, "body");
    let shown: Vec<_> = body
        .lines
        .iter()
        .map(|l| (l.change, l.text.as_str()))
        .collect();
    assert_eq!(
        shown,
        [
            ("removed", "The army left on Monday."),
            ("added", "The army left on Tuesday."),
            ("same", "It was raining hard."),
        ]
    );
    assert_eq!(history[2].note, "New quotes");
}

#[test]
fn publishing_again_after_unpublishing_is_not_an_update() {
    let mut published = draft("Text.");
    published.mark_published(100);
    let mut down = published.clone();
    down.status = Status::Unpublished;
    let mut again = down.clone();
    again.status = Status::Published;
    let history = entries(
        &[&published, &down, &again],
        &["Published", "Unpublished", "Published"],
    );
    assert_eq!(history.len(), 1);
}

#[test]
fn long_unchanged_runs_are_cut_to_a_gap() {
    let old = "a\nb\nc\nd\ne";
    let new = "a\nb\nc\nd\nE";
    let lines = line_diff(old, new);
    let shown: Vec<_> = lines.iter().map(|l| l.change).collect();
    assert_eq!(shown, ["gap", "same", "removed", "added"]);
}

#[test]
fn paragraphs_are_the_text_readers_read() {
    assert_eq!(
        paragraphs("<p>One &amp; <em>two</em></p>\n<ul><li>three</li></ul><p>four<br>five</p>"),
        "One & two\nthree\nfour\nfive"
    );
}
