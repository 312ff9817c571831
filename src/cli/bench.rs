//! `masthead bench ...` (hidden): the benchmark's helpers. `generate` bulk
//! loads realistic stories across eight sections and prints the addresses
//! the benchmark requests; `publish` publishes stories as another node
//! would (straight into the database) and times until the served pages
//! show them.

use std::time::{Duration, Instant};

use anyhow::Context;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::articles::{self, BodyFormat, NewArticle, SectionRef, Slug};
use crate::config::Config;
use crate::storage::ArticleRow;

const SECTIONS: [(&str, &str); 8] = [
    ("world", "World"),
    ("politics", "Politics"),
    ("business", "Business"),
    ("technology", "Technology"),
    ("science", "Science"),
    ("sport", "Sport"),
    ("culture", "Culture"),
    ("opinion", "Opinion"),
];
/// Stories per transaction while loading.
const BATCH: usize = 10_000;
/// One story every five minutes, going back from an hour ago.
const INTERVAL: i64 = 300;

const SUBJECTS: &[&str] = &[
    "Government",
    "Central bank",
    "Union leaders",
    "City council",
    "Scientists",
    "Health officials",
    "Prime minister",
    "Opposition",
    "Investors",
    "Farmers",
    "Regulators",
    "Court",
    "Police",
    "Researchers",
    "Voters",
    "Tech giant",
    "Carmaker",
    "Airline",
    "Striking workers",
    "Museum",
];
const VERBS: &[&str] = &[
    "announces",
    "rejects",
    "backs",
    "delays",
    "unveils",
    "warns over",
    "approves",
    "questions",
    "extends",
    "cuts",
    "doubles",
    "defends",
    "scraps",
    "launches",
    "investigates",
    "welcomes",
];
const OBJECTS: &[&str] = &[
    "new budget plan",
    "interest rates",
    "pension reform",
    "rail strike",
    "climate targets",
    "housing scheme",
    "trade deal",
    "vaccine rollout",
    "energy prices",
    "border checks",
    "school funding",
    "tax changes",
    "water supply",
    "election date",
    "data rules",
    "fishing quotas",
];
const QUALIFIERS: &[&str] = &[
    "after talks collapse",
    "amid protests",
    "for second year",
    "despite warnings",
    "ahead of summit",
    "in surprise move",
    "as costs soar",
    "after long delay",
    "in close vote",
    "following review",
];
const WORDS: &[&str] = &[
    "the",
    "minister",
    "said",
    "on",
    "Monday",
    "that",
    "plans",
    "would",
    "be",
    "announced",
    "later",
    "this",
    "week",
    "after",
    "months",
    "of",
    "negotiations",
    "with",
    "regional",
    "leaders",
    "and",
    "business",
    "groups",
    "who",
    "have",
    "called",
    "for",
    "clearer",
    "rules",
    "officials",
    "expect",
    "the",
    "measures",
    "to",
    "affect",
    "thousands",
    "of",
    "households",
    "across",
    "country",
    "while",
    "critics",
    "argue",
    "costs",
    "will",
    "rise",
    "sharply",
    "in",
    "coming",
    "years",
    "according",
    "figures",
    "published",
    "by",
    "statistics",
    "office",
    "spokesperson",
    "declined",
    "comment",
    "further",
    "details",
    "are",
    "expected",
    "next",
    "month",
    "when",
    "parliament",
    "returns",
    "from",
    "its",
    "summer",
    "recess",
    "analysts",
    "say",
    "market",
    "reaction",
    "has",
    "been",
    "muted",
    "so",
    "far",
    "but",
    "pressure",
    "is",
    "growing",
    "residents",
    "gathered",
    "outside",
    "town",
    "hall",
    "demanding",
    "answers",
];
const CITIES: &[&str] = &[
    "BERLIN", "PARIS", "LONDON", "NAIROBI", "TOKYO", "LIMA", "CAIRO", "OTTAWA", "SYDNEY", "DELHI",
];

/// A small deterministic generator (xorshift), so every run loads the same site.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
    fn range(&mut self, low: usize, high: usize) -> usize {
        low + (self.next() % (high - low) as u64) as usize
    }
}

/// The words bodies are written in, and how often each comes: the word of
/// rank `r` with a probability proportional to `1 / r` (Zipf's law, which
/// real text follows), so a search meets common words found in most
/// stories and rare ones found in a few, as on a real archive.
struct Vocabulary {
    words: Vec<String>,
    /// `cumulative[r]`: the probability of a word of rank `r` or better.
    cumulative: Vec<f64>,
}

impl Vocabulary {
    fn new(words: Vec<String>) -> Vocabulary {
        let mut total = 0.0;
        let mut cumulative: Vec<f64> = (1..=words.len())
            .map(|rank| {
                total += 1.0 / rank as f64;
                total
            })
            .collect();
        for c in &mut cumulative {
            *c /= total;
        }
        Vocabulary { words, cumulative }
    }

    /// The built-in words, in their order as ranks.
    fn builtin() -> Vocabulary {
        Vocabulary::new(WORDS.iter().map(|w| (*w).to_owned()).collect())
    }

    /// The lowercase alphabetic words of a word list (at most 50,000),
    /// ranked in a fixed shuffled order, so every run writes the same text.
    fn from_file(path: &std::path::Path) -> anyhow::Result<Vocabulary> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the word list {}", path.display()))?;
        let mut words: Vec<String> = text
            .lines()
            .map(str::trim)
            .filter(|w| w.len() >= 2 && w.bytes().all(|b| b.is_ascii_lowercase()))
            .map(str::to_owned)
            .collect();
        words.dedup();
        anyhow::ensure!(
            words.len() >= 100,
            "the word list {} has {} usable words (lowercase, letters only); at least 100 are needed",
            path.display(),
            words.len()
        );
        let mut rng = Rng(0x5DEE_CE66_D1CE_4E5B);
        for i in (1..words.len()).rev() {
            words.swap(i, (rng.next() % (i as u64 + 1)) as usize);
        }
        words.truncate(50_000);
        Ok(Vocabulary::new(words))
    }

    fn pick(&self, rng: &mut Rng) -> &str {
        let u = (rng.next() >> 11) as f64 / (1u64 << 53) as f64;
        let rank = self.cumulative.partition_point(|&c| c < u);
        &self.words[rank.min(self.words.len() - 1)]
    }
}

/// A paragraph of plain words: one sentence or more, no Markdown syntax.
fn paragraph(rng: &mut Rng, vocabulary: &Vocabulary) -> String {
    let words = rng.range(40, 70);
    let mut text = String::new();
    let mut sentence_start = true;
    for i in 0..words {
        let word = vocabulary.pick(rng);
        if sentence_start {
            let mut chars = word.chars();
            let first = chars.next().map(|c| c.to_ascii_uppercase()).unwrap_or(' ');
            text.push(first);
            text.push_str(chars.as_str());
        } else {
            text.push_str(word);
        }
        sentence_start = i % 14 == 13 || i + 1 == words;
        text.push_str(if sentence_start { ". " } else { " " });
    }
    text.trim_end().to_owned()
}

/// The `n`-th generated story (0 is the oldest) in `section`, published at `at`.
fn story(n: usize, section: &SectionRef, at: i64, vocabulary: &Vocabulary) -> ArticleRow {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (n as u64).wrapping_mul(0x2545_F491_4F6C_DD1D));
    rng.next();
    let headline = format!(
        "{} {} {} {}",
        rng.pick(SUBJECTS),
        rng.pick(VERBS),
        rng.pick(OBJECTS),
        rng.pick(QUALIFIERS)
    );
    let paragraphs: Vec<String> = (0..rng.range(4, 7))
        .map(|_| paragraph(&mut rng, vocabulary))
        .collect();
    let body_source = paragraphs.join("\n\n");
    // What the Markdown renderer makes of plain paragraphs (a test checks).
    let body_html: String = paragraphs.iter().map(|p| format!("<p>{p}</p>\n")).collect();
    let slug = format!("{}-{n}", Slug::from_title(&headline));
    ArticleRow {
        id: 0,
        section_id: section.id,
        section_slug: section.slug.clone(),
        section_name: section.name.clone(),
        slug,
        standfirst: paragraphs[0].split(". ").next().unwrap_or("").to_owned(),
        headline,
        teaser: None,
        body_source,
        body_format: "markdown".into(),
        body_html,
        dateline: rng.pick(CITIES).to_owned(),
        bylines: format!("[\"{} staff\"]", section.name),
        tags: "[]".into(),
        other_sections: "[]".into(),
        lead_image: None,
        corrections: "[]".into(),
        status: "published".into(),
        scheduled_at: None,
        embargo_until: None,
        first_published_at: Some(at),
        last_update_at: Some(at),
        modified_at: at,
        created_at: at,
        revision: 1,
        owner_id: None,
        fields: "{}".into(),
        language: "en".into(),
        translation_set: None,
        canonical_path: None,
        live_blog: false,
        translation_link: None,
        topics: Vec::new(),
        people: Vec::new(),
    }
}

/// Loads `stories` generated stories and prints (JSON) the load time and
/// the addresses to benchmark.
pub(crate) async fn generate(
    config: &Config,
    stories: usize,
    words: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    let vocabulary = match words {
        Some(path) => Vocabulary::from_file(path)?,
        None => Vocabulary::builtin(),
    };
    let store = super::open(config).await?;
    super::serve::ensure_site(&store, config, false).await?;
    let mut sections = Vec::new();
    for (slug, name) in SECTIONS {
        let section = match crate::sections::find(&store, slug).await? {
            Some(s) => s,
            None => {
                let actor = crate::actor::Actor::command_line();
                crate::sections::create(&store, &actor, name, Some(slug), 0).await?
            }
        };
        sections.push(SectionRef {
            id: section.id,
            slug: section.slug,
            name: section.name,
        });
    }
    let newest = jiff::Timestamp::now().as_second() - 3600;
    let started = Instant::now();
    let mut batch = Vec::with_capacity(BATCH);
    for n in 0..stories {
        let at = newest - (stories - 1 - n) as i64 * INTERVAL;
        batch.push(story(n, &sections[n % sections.len()], at, &vocabulary));
        if batch.len() == BATCH || n + 1 == stories {
            store.bulk_load_articles(&batch).await?;
            batch.clear();
            if (n + 1) % 100_000 == 0 {
                eprintln!("  {} stories loaded in {:.0?}", n + 1, started.elapsed());
            }
        }
    }
    store.analyze().await?;
    let seconds = started.elapsed().as_secs_f64();
    let world = &sections[0];
    let now = jiff::Timestamp::now().as_second();
    let newest_world = articles::visible_list(&store, Some(world.id), now, None, None, 2).await?;
    let (article, sibling) = match newest_world.as_slice() {
        [a, b, ..] => (a.path(), b.path()),
        _ => anyhow::bail!("no stories were generated"),
    };
    // Page 1,000 of the World front, or its last page on a small site.
    let per_section = stories.div_ceil(sections.len()) as i64;
    let deep = (per_section.saturating_sub(1) / 20 + 1).min(1000);
    let cursor = match deep {
        1 => None,
        _ => store.bench_cursor(world.id, (deep - 1) * 20 - 1).await?,
    };
    let deep_page = match cursor {
        Some(c) => format!("/world?after={}.{}&page={deep}", c.published_at, c.id),
        None => "/world".to_owned(),
    };
    // Two words for the search benchmark: one of the commonest (in most
    // stories) and one of rank 200 (in about one story in ten).
    let search = format!(
        "/search?q={}+{}",
        vocabulary.words[9.min(vocabulary.words.len() - 1)],
        vocabulary.words[199.min(vocabulary.words.len() - 1)]
    );
    store.close().await;
    println!(
        "{}",
        serde_json::json!({
            "stories": stories, "load_seconds": seconds, "article": article,
            "sibling": sibling, "section": "/world", "deep_page": deep_page, "deep_page_number": deep,
            "search": search,
        })
    );
    Ok(())
}

/// GETs `path` from `address` and returns the status and body.
async fn get(address: &str, path: &str) -> anyhow::Result<(u16, String)> {
    let mut stream = tokio::net::TcpStream::connect(address).await?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await?;
    let answer = String::from_utf8_lossy(&answer);
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Ok((status, answer.into_owned()))
}

/// Publishes `runs` World stories straight into the database (as another
/// node or process would) and prints how long each took to show on the
/// story's page, the World front and a sibling's "More from" block, served
/// by the masthead at `target`.
pub(crate) async fn publish(config: &Config, target: &str, runs: usize) -> anyhow::Result<()> {
    let store = super::open(config).await?;
    let world = crate::sections::find(&store, "world")
        .await?
        .context("no World section: run `masthead bench generate` first")?;
    let section = SectionRef {
        id: world.id,
        slug: world.slug,
        name: world.name,
    };
    let mut times = Vec::with_capacity(runs);
    for run in 0..runs {
        let now = jiff::Timestamp::now().as_second();
        let sibling = articles::visible_list(&store, Some(section.id), now, None, None, 1)
            .await?
            .pop()
            .context("no World story")?
            .path();
        // Warm the cache so the measurement includes the purge.
        for path in ["/world", sibling.as_str()] {
            get(target, path).await?;
        }
        let headline = format!("Breaking bench story {run} at {now}");
        let mut article = NewArticle {
            section: section.clone(),
            slug: None,
            headline: headline.clone(),
            standfirst: String::new(),
            teaser: None,
            body_source: "Published by the benchmark.".into(),
            body_format: BodyFormat::Markdown,
            dateline: String::new(),
            bylines: vec![],
            tags: vec![],
        }
        .into_draft(now)?;
        article.mark_published(now);
        let article = articles::create(&store, article, "bench", "publish").await?;
        let published = Instant::now();
        let mut pending = vec![article.path(), "/world".to_owned(), sibling];
        while !pending.is_empty() {
            anyhow::ensure!(
                published.elapsed() < Duration::from_secs(10),
                "{pending:?} did not show the story within 10 s"
            );
            let mut still = Vec::new();
            for path in pending {
                let (status, body) = get(target, &path).await?;
                if status != 200 || !body.contains(&headline) {
                    still.push(path);
                }
            }
            pending = still;
        }
        times.push(published.elapsed().as_secs_f64() * 1000.0);
        // A pause of random length, so that publishing does not lock into
        // the phase of the server's polling.
        let jitter = u64::from(jiff::Timestamp::now().subsec_nanosecond().unsigned_abs()) % 100;
        tokio::time::sleep(Duration::from_millis(150 + jitter)).await;
    }
    store.close().await;
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    println!(
        "{}",
        serde_json::json!({ "runs": runs, "median_ms": at(0.5), "p90_ms": at(0.9), "max_ms": at(1.0) })
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_bodies_are_what_the_markdown_renderer_makes_of_them() {
        let section = SectionRef {
            id: 1,
            slug: "world".into(),
            name: "World".into(),
        };
        for n in [0, 1, 999_999] {
            let row = story(n, &section, 0, &Vocabulary::builtin());
            assert_eq!(
                row.body_html,
                crate::text::markdown::to_html(&row.body_source)
            );
            assert!(Slug::parse(&row.slug).is_ok(), "{}", row.slug);
        }
        assert_ne!(
            story(1, &section, 0, &Vocabulary::builtin()).headline,
            story(2, &section, 0, &Vocabulary::builtin()).headline
        );
    }
}
