//! WebSub publisher pings: a changes-feed consumer that, when the site names
//! a hub, tells it which feeds changed (`hub.mode=publish`). It keeps a
//! cursor in the database and only moves it after the hub accepted every
//! ping, so a ping missed while the hub or masthead was down is retried.
//! Each round claims the cursor (`Store::claim_consumer`): with several
//! nodes, one pings the hub for a change, not every node.
//! A change pings the site's feeds, the feeds of each section it names
//! (`section:<slug>`) and of each topic (`topic:<slug>`).

use std::collections::BTreeSet;
use std::time::Duration;

use super::{Format, feed_path, topic_feed_path};
use crate::outbound::{Outbound, OutboundError};
use crate::site::{Site, SiteError};
use crate::storage::{EventRow, StorageError, Store};

/// The consumer's name in `distribution_cursors`.
pub const CONSUMER: &str = "websub";
/// Events read per round.
const BATCH: i64 = 500;
/// A hub answers a ping with a status and little else: read at most this.
const ANSWER_LIMIT: usize = 64 * 1024;

/// Why a round of pings did not complete.
#[derive(Debug, thiserror::Error)]
pub enum WebSubError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Site(#[from] SiteError),
    #[error("the WebSub hub could not be pinged: {0}")]
    Unreachable(#[from] OutboundError),
    #[error("the WebSub hub answered {status} to the ping for {feed}")]
    Refused { status: u16, feed: String },
}

/// The feeds (absolute URLs) that the events change.
pub fn feeds_touched(site: &Site, events: &[EventRow]) -> BTreeSet<String> {
    let mut urls = BTreeSet::new();
    for event in events {
        let tags = event.tag_list();
        let publishing = event.kind.contains("publish") || event.kind.contains("correct");
        if !(publishing || tags.iter().any(|t| t == "feed")) {
            continue;
        }
        for format in Format::ALL {
            urls.insert(format!("{}{}", site.base_url, feed_path(None, format)));
        }
        for tag in &tags {
            let feed = |format| match (tag.strip_prefix("section:"), tag.strip_prefix("topic:")) {
                (Some(section), _) => Some(feed_path(Some(section), format)),
                (_, Some(topic)) => Some(topic_feed_path(topic, format)),
                _ => None,
            };
            for path in Format::ALL.into_iter().filter_map(feed) {
                urls.insert(format!("{}{}", site.base_url, path));
            }
        }
    }
    urls
}

/// Handles the events after the cursor: pings the hub for every feed they
/// change, then moves the cursor. Returns how many events were handled.
/// The round holds the consumer's claim, so with several nodes one pings
/// and the others find nothing to do (0) until it is done.
pub async fn run_once(store: &Store, client: &Outbound, now: i64) -> Result<usize, WebSubError> {
    let Some(claim) = store.claim_consumer(CONSUMER, now).await? else {
        return Ok(0);
    };
    match ping_after(store, client, claim.cursor).await {
        Ok(Some((last, handled))) => {
            store.release_consumer(claim, last, now).await?;
            Ok(handled)
        }
        Ok(None) => {
            store.abandon_consumer(claim).await?;
            Ok(0)
        }
        Err(error) => {
            store.abandon_consumer(claim).await?;
            Err(error)
        }
    }
}

/// Pings the hub for the events after `cursor`: the last event's id and
/// how many were handled, `None` when there were none.
async fn ping_after(
    store: &Store,
    client: &Outbound,
    cursor: i64,
) -> Result<Option<(i64, usize)>, WebSubError> {
    let events = store.events_after(cursor, BATCH).await?;
    let Some(last) = events.last().map(|e| e.id) else {
        return Ok(None);
    };
    let site = Site::load(store).await?;
    if let Some(hub) = &site.websub_hub {
        for feed in feeds_touched(&site, &events) {
            let ping = client
                .post(hub)
                .form(&[("hub.mode", "publish"), ("hub.url", feed.as_str())]);
            let reply = client.send(ping, ANSWER_LIMIT).await?;
            if !reply.status.is_success() {
                return Err(WebSubError::Refused {
                    status: reply.status.as_u16(),
                    feed,
                });
            }
        }
    }
    Ok(Some((last, events.len())))
}

/// Follows the changes feed until the process ends, backing off while the
/// hub fails. It beats `job` every round (a failing hub does not make the
/// site unready) and reports its cursor.
pub async fn run(store: Store, client: Outbound, job: crate::ops::health::JobHandle) {
    let mut delay = Duration::from_secs(1);
    loop {
        let round = run_once(&store, &client, jiff::Timestamp::now().as_second()).await;
        match store.distribution_cursor(CONSUMER).await {
            Ok(cursor) => job.set_cursor(cursor),
            Err(_) => job.beat(),
        }
        match round {
            Ok(handled) if handled > 0 => {
                delay = Duration::from_secs(1);
                continue;
            }
            Ok(_) => delay = Duration::from_secs(1),
            Err(error) => {
                tracing::warn!(%error, retry_in = ?delay, "WebSub ping failed; will retry");
                delay = (delay * 2).min(Duration::from_secs(300));
            }
        }
        tokio::time::sleep(delay).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> Site {
        Site::from_row(crate::storage::SiteRow {
            name: "The Daily Masthead".into(),
            base_url: "https://news.example".into(),
            language: "en".into(),
            time_zone: "UTC".into(),
            date_formats: "{}".into(),
            teaser_length: 200,
            feed_full_text: false,
            websub_hub: Some("https://hub.example/".into()),
            comments_shown: true,
            comments_posting: false,
            check_severities: "{}".into(),
            created_at: 0,
            updated_at: 0,
        })
        .unwrap()
    }

    fn event(kind: &str, tags: &[&str]) -> EventRow {
        EventRow {
            id: 1,
            created_at: 0,
            kind: kind.into(),
            subject: "article:7".into(),
            tags: serde_json::to_string(tags).unwrap(),
            payload: "{}".into(),
        }
    }

    fn paths(urls: BTreeSet<String>) -> Vec<String> {
        urls.iter()
            .map(|u| u.trim_start_matches("https://news.example").to_owned())
            .collect()
    }

    #[test]
    fn publishing_a_story_filed_under_topics_pings_their_feeds_too() {
        let published = event(
            "article.published",
            &[
                "article:7",
                "section:world",
                "home",
                "feed",
                "topic:climate",
                "topic:arctic",
            ],
        );
        assert_eq!(
            paths(feeds_touched(&site(), &[published])),
            [
                "/feeds/atom.xml",
                "/feeds/feed.json",
                "/feeds/rss.xml",
                "/feeds/topics/arctic/atom.xml",
                "/feeds/topics/arctic/feed.json",
                "/feeds/topics/arctic/rss.xml",
                "/feeds/topics/climate/atom.xml",
                "/feeds/topics/climate/feed.json",
                "/feeds/topics/climate/rss.xml",
                "/feeds/world/atom.xml",
                "/feeds/world/feed.json",
                "/feeds/world/rss.xml",
            ]
        );
    }

    #[test]
    fn a_change_no_feed_shows_pings_nothing_and_the_topics_list_tag_is_no_topic() {
        // A draft saved under a topic: its event names the topic page, but
        // no feed changes.
        let draft = event("article.updated", &["article:7", "topic:climate"]);
        assert!(feeds_touched(&site(), &[draft]).is_empty());
        // A topic's rename changes its feed's title (the event has `feed`);
        // `topics` names the topic list, not a topic.
        let renamed = event("topic.updated", &["topics", "feed", "topic:climate-crisis"]);
        let touched = paths(feeds_touched(&site(), &[renamed]));
        assert!(touched.contains(&"/feeds/topics/climate-crisis/rss.xml".to_owned()));
        assert!(
            !touched
                .iter()
                .any(|p| p.contains("/topics/s/") || p.ends_with("topics"))
        );
    }
}
