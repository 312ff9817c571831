use super::facts::{attribute, internal_path, media_hash, start_tags};
use super::*;
use crate::articles::{BodyFormat, NewArticle, SectionRef};

const NOW: i64 = 1_800_000_000;

fn story(headline: &str, body: &str) -> Article {
    let mut article = NewArticle {
        section: SectionRef {
            id: 1,
            slug: "world".into(),
            name: "World".into(),
        },
        slug: None,
        headline: headline.into(),
        standfirst: "What happened, in a sentence.".into(),
        teaser: None,
        body_source: body.into(),
        body_format: BodyFormat::Markdown,
        dateline: String::new(),
        bylines: vec!["Ann Lee".into()],
        tags: Vec::new(),
    }
    .into_draft(NOW - 100)
    .unwrap();
    article.id = 9;
    article
}

fn good_data() -> serde_json::Value {
    serde_json::json!({
        "headline": "Troops leave",
        "image": ["https://news.example/media/a-1200.jpg"],
        "datePublished": "2027-01-15T08:00:00Z",
        "author": [{"@type": "Person", "name": "Ann Lee"}],
        "publisher": {"@type": "NewsMediaOrganization", "name": "The Daily"},
    })
}

fn facts(article: &Article) -> Facts<'_> {
    Facts {
        article,
        now: NOW,
        scheduling_at: None,
        lead_image: LeadImage::Found {
            alt: "Soldiers at dawn".into(),
            credit: "Photo: AP".into(),
            width: 1600,
        },
        inline_images: Vec::new(),
        broken_links: Vec::new(),
        duplicates: Vec::new(),
        structured_data: good_data(),
    }
}

/// The problems of one check over `facts`, with default severities.
fn problems_of(facts: &Facts<'_>, check: Check) -> Vec<String> {
    evaluate(facts, &Severities::default())
        .results
        .into_iter()
        .find(|o| o.check == check)
        .unwrap()
        .problems
}

#[test]
fn a_complete_story_passes_every_check() {
    let article = story("Troops leave", "Text.");
    let report = evaluate(&facts(&article), &Severities::default());
    let failed: Vec<_> = report.failures().collect();
    assert!(failed.is_empty(), "{failed:?}");
    assert!(report.blocking().is_empty());
}

#[test]
fn a_headline_over_110_characters_blocks_and_over_70_warns() {
    let long = "word ".repeat(23); // 115 characters, 114 trimmed
    let article = story(&long, "Text.");
    let f = facts(&article);
    let report = evaluate(&f, &Severities::default());
    let blocking = report.blocking();
    assert_eq!(blocking.len(), 1);
    assert_eq!(blocking[0].check, Check::HeadlineLength);
    assert!(blocking[0].problems[0].contains("114 characters"));
    assert!(problems_of(&f, Check::HeadlineSearchLength)[0].contains("about the first 70"));
    let medium = story(&"x".repeat(80), "Text.");
    assert!(problems_of(&facts(&medium), Check::HeadlineLength).is_empty());
    assert_eq!(
        problems_of(&facts(&medium), Check::HeadlineSearchLength).len(),
        1
    );
}

#[test]
fn a_missing_standfirst_is_named() {
    let mut article = story("Troops leave", "Text.");
    article.standfirst = "  ".into();
    assert!(problems_of(&facts(&article), Check::Description)[0].contains("no standfirst"));
}

#[test]
fn every_image_needs_alt_text_and_a_credit() {
    let article = story("Troops leave", "Text.");
    let mut f = facts(&article);
    f.lead_image = LeadImage::Found {
        alt: String::new(),
        credit: String::new(),
        width: 1600,
    };
    f.inline_images = vec![
        InlineImage {
            src: "/media/abc-640.webp".into(),
            alt: "A map".into(),
            credit: Some(String::new()),
        },
        InlineImage {
            src: "https://elsewhere.example/x.jpg".into(),
            alt: String::new(),
            credit: None,
        },
        InlineImage {
            src: "/media/def-640.webp".into(),
            alt: "Fine".into(),
            credit: Some("Reuters".into()),
        },
    ];
    let problems = problems_of(&f, Check::ImageText);
    assert_eq!(problems.len(), 5, "{problems:?}");
    assert!(problems[0].contains("lead image has no alt text"));
    assert!(problems[1].contains("lead image has no credit"));
    assert!(problems[2].contains("/media/abc-640.webp in the text has no credit"));
    assert!(problems[3].contains("x.jpg in the text has no alt text"));
    assert!(problems[4].contains("not from the media library"));
    f.lead_image = LeadImage::Unknown("media:77".into());
    assert!(problems_of(&f, Check::ImageText)[0].contains("media:77 is not in the media library"));
}

#[test]
fn the_lead_image_must_be_at_least_1200_pixels_wide() {
    let article = story("Troops leave", "Text.");
    let mut f = facts(&article);
    f.lead_image = LeadImage::Found {
        alt: "a".into(),
        credit: "b".into(),
        width: 800,
    };
    assert!(problems_of(&f, Check::LeadImageSize)[0].contains("800 pixels wide"));
    f.lead_image = LeadImage::None;
    assert!(problems_of(&f, Check::LeadImageSize)[0].contains("no lead image"));
}

#[test]
fn each_broken_internal_link_is_listed() {
    let article = story("Troops leave", "Text.");
    let mut f = facts(&article);
    f.broken_links = vec!["/world/draft-story".into()];
    assert_eq!(
        problems_of(&f, Check::InternalLinks),
        vec!["the link to /world/draft-story does not lead to a published story"]
    );
}

#[test]
fn a_byline_and_a_section_are_needed() {
    let mut article = story("Troops leave", "Text.");
    article.bylines.clear();
    article.section.id = 0;
    let f = facts(&article);
    assert_eq!(problems_of(&f, Check::Byline), vec!["there is no byline"]);
    assert_eq!(problems_of(&f, Check::Section), vec!["there is no section"]);
}

#[test]
fn a_scheduled_time_in_the_past_blocks() {
    let article = story("Troops leave", "Text.");
    let mut f = facts(&article);
    f.scheduling_at = Some(NOW - 1);
    let report = evaluate(&f, &Severities::default());
    assert_eq!(report.blocking()[0].check, Check::ScheduledTime);
    f.scheduling_at = Some(NOW + 3600);
    assert!(problems_of(&f, Check::ScheduledTime).is_empty());
}

#[test]
fn an_embargo_that_has_lifted_is_flagged_before_publication() {
    let mut article = story("Troops leave", "Text.");
    article.embargo_until = Some(NOW - 60);
    assert_eq!(problems_of(&facts(&article), Check::Embargo).len(), 1);
    article.embargo_until = Some(NOW + 60);
    assert!(problems_of(&facts(&article), Check::Embargo).is_empty());
}

#[test]
fn a_recent_story_with_the_same_headline_is_named() {
    let article = story("Troops leave", "Text.");
    let mut f = facts(&article);
    f.duplicates = vec![(4, "published".into())];
    assert!(problems_of(&f, Check::DuplicateHeadline)[0].starts_with("story 4 (published)"));
}

#[test]
fn structured_data_needs_an_image_a_person_and_a_publisher_name() {
    let article = story("Troops leave", "Text.");
    let mut f = facts(&article);
    f.structured_data = serde_json::json!({
        "headline": "Troops leave",
        "datePublished": "2027-01-15T08:00:00Z",
        "author": [{"@type": "NewsMediaOrganization", "name": "The Daily"}],
        "publisher": {"name": ""},
    });
    let problems = problems_of(&f, Check::StructuredData);
    assert_eq!(problems.len(), 3, "{problems:?}");
    assert!(problems[0].contains("no image"));
    assert!(problems[1].contains("add a byline"));
    assert!(problems[2].contains("publisher has no name"));
}

#[test]
fn the_site_chooses_each_checks_severity() {
    let mut article = story("Troops leave", "Text.");
    article.bylines.clear();
    let f = facts(&article);
    assert!(evaluate(&f, &Severities::default()).blocking().is_empty());
    let mut severities = Severities::default();
    severities.set(Check::Byline, Severity::Blocking);
    severities.set(Check::HeadlineLength, Severity::Warning);
    let stored = severities.to_json();
    let read = Severities::from_json(&stored).unwrap();
    assert_eq!(read, severities);
    assert_eq!(read.of(Check::HeadlineLength), Severity::Warning);
    assert_eq!(evaluate(&f, &read).blocking()[0].check, Check::Byline);
    // A name a newer version stored is ignored, not an error.
    let read = Severities::from_json(r#"{"byline":"blocking","future_check":"blocking"}"#).unwrap();
    assert_eq!(read.of(Check::Byline), Severity::Blocking);
}

#[test]
fn tags_and_attributes_are_read_from_sanitized_html() {
    let html = r#"<p><a href="/world/a?x=1&amp;y=2" rel="noopener noreferrer">A</a> <abbr>B</abbr>
<img src="/media/0123456789abcdef0123-640.webp" alt="A &quot;map&quot;"></p>"#;
    let links = start_tags(html, "a");
    assert_eq!(links.len(), 1);
    assert_eq!(attribute(&links[0], "href").unwrap(), "/world/a?x=1&y=2");
    let images = start_tags(html, "img");
    assert_eq!(attribute(&images[0], "alt").unwrap(), "A \"map\"");
    assert_eq!(
        media_hash(&attribute(&images[0], "src").unwrap(), "https://n.example").unwrap(),
        "0123456789abcdef0123"
    );
}

#[test]
fn internal_links_are_site_paths_or_the_base_url() {
    let base = "https://news.example";
    assert_eq!(internal_path("/world/a#top", base).unwrap(), "/world/a");
    assert_eq!(
        internal_path("https://news.example/world/a?x", base).unwrap(),
        "/world/a"
    );
    assert_eq!(internal_path("https://news.example", base).unwrap(), "/");
    assert_eq!(internal_path("https://news.example.org/a", base), None);
    assert_eq!(internal_path("//cdn.example/a", base), None);
    assert_eq!(internal_path("#notes", base), None);
    assert_eq!(internal_path("mailto:desk@news.example", base), None);
}
