//! The changes-feed consumer: follows `events` with a cursor and purges the
//! page cache (and the in-memory site settings and sections) by the tags
//! each change carries, then wakes the purge webhook's consumer
//! ([`super::webhook`], one call per change across nodes). It also
//! purges when an embargo lifts, since no event marks that moment: the
//! story's page, its section, home, the feeds and its topics' pages; and
//! when a front's pin or the breaking-news banner runs out.
//!
//! It runs as a background task polling every [`POLL`], is woken at once
//! by [`Follower::wake`] and, on PostgreSQL, by any node's commit (LISTEN/
//! NOTIFY). Writes made by this process are purged before its next read:
//! the store counts commits, and a read that finds the count moved catches
//! up first (read-your-writes, at the cost of one atomic load per hit).

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::{Mutex, Notify};

use super::PageCache;
use crate::ops::health::Health;
use crate::storage::{StorageError, Store};

/// What the consumer works with, provided by the process (`App`), so that
/// the cache depends on what it uses and not on the whole application.
pub trait Host: Send + Sync {
    fn store(&self) -> &Store;
    /// Now, in Unix seconds.
    fn now(&self) -> i64;
    fn page_cache(&self) -> &PageCache;
    /// Drops the in-memory site settings and sections these tags touch.
    fn forget_settings(&self, tags: &[String]);
    fn health(&self) -> &Health;
}

/// How often the feed is polled for changes made by other processes.
pub(crate) const POLL: Duration = Duration::from_millis(50);
/// Events read per query.
const BATCH: i64 = 500;

/// Where the consumer is in the feed.
#[derive(Debug, Default)]
struct Cursor {
    started: bool,
    /// The last event id handled.
    after: i64,
    /// Every embargo lifting at or before this time (Unix seconds) has
    /// been purged.
    lifted_through: i64,
}

/// The next moment after `after` when pages change with no write: an
/// embargo lifts, or a front's pin or the banner runs out.
async fn next_lift(store: &Store, after: i64) -> Result<Option<i64>, StorageError> {
    let embargo = store.next_embargo_lift(after).await?;
    let front = store.next_front_expiry(after).await?;
    Ok(match (embargo, front) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    })
}

/// The consumer's state, shared by the background task and writers.
#[derive(Debug, Default)]
pub struct Follower {
    cursor: Mutex<Cursor>,
    wake: Notify,
    /// `Store::commits` when the feed was last read.
    seen_commits: AtomicU64,
    /// Fired after each purge: the purge webhook's consumer looks then.
    purged: Notify,
}

impl Follower {
    /// Whether this process committed a write since the feed was last
    /// read: its pages must be purged before the next read (one atomic load).
    pub fn behind(&self, store: &Store) -> bool {
        store.commits() != self.seen_commits.load(Ordering::Acquire)
    }

    /// The last event handled.
    pub async fn cursor(&self) -> i64 {
        self.cursor.lock().await.after
    }

    /// Fires after each purge of this node's cache (the purge webhook's
    /// consumer waits on it).
    pub fn purged(&self) -> &Notify {
        &self.purged
    }

    /// Asks the background task to look at the feed now.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Handles every event not yet handled and every embargo lifted by
    /// `app.now()`. The first call only records where the feed is (the
    /// cache starts empty, so there is nothing to catch up on).
    pub async fn catch_up(&self, app: &impl Host) -> Result<(), StorageError> {
        let mut cursor = self.cursor.lock().await;
        let store = app.store();
        let now = app.now();
        // Read before the feed: a commit after this point leaves us behind.
        let commits = store.commits();
        if !cursor.started {
            cursor.after = store.last_event_id().await?;
            cursor.lifted_through = now;
            cursor.started = true;
            app.page_cache().set_next_lift(next_lift(store, now).await?);
            self.seen_commits.store(commits, Ordering::Release);
            return Ok(());
        }
        let mut tags = BTreeSet::new();
        loop {
            let events = store.events_after(cursor.after, BATCH).await?;
            let Some(last) = events.last() else { break };
            cursor.after = last.id;
            for event in &events {
                tags.extend(event.tag_list());
            }
            if (events.len() as i64) < BATCH {
                break;
            }
        }
        let changed = !tags.is_empty();
        if now > cursor.lifted_through && app.page_cache().lift_due(now) {
            for (id, section) in store.embargoes_lifted(cursor.lifted_through, now).await? {
                tags.extend([
                    format!("article:{id}"),
                    format!("section:{section}"),
                    "home".to_owned(),
                    "feed".to_owned(),
                ]);
                // The pages of its topics and people list it now too.
                tags.extend(store.filed_page_tags(id).await?);
            }
            // A pin or the banner that ran out: its front, or every page.
            tags.extend(store.fronts_expired(cursor.lifted_through, now).await?);
            cursor.lifted_through = now;
        }
        if changed || app.page_cache().lift_due(now) {
            // A change may set or move an embargo: find the next lift again.
            app.page_cache()
                .set_next_lift(next_lift(store, cursor.lifted_through).await?);
        }
        if !tags.is_empty() {
            let tags: Vec<String> = tags.into_iter().collect();
            app.forget_settings(&tags);
            let purged = app.page_cache().purge(&tags);
            tracing::debug!(?tags, purged, "purged pages");
            self.purged.notify_one();
        }
        self.seen_commits.store(commits, Ordering::Release);
        Ok(())
    }

    /// Follows the feed until `shutdown` completes.
    pub async fn run(&self, app: &impl Host, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        // Polls every 50 ms: silence for seconds means it is stuck.
        let job = app.health().register("page-cache", Duration::from_secs(10));
        let mut listener = match app.store().listen_changes().await {
            Ok(listener) => listener,
            Err(error) => {
                tracing::warn!(error = %error, "cannot listen for other nodes' changes; polling");
                None
            }
        };
        loop {
            let notified = async {
                match listener.as_mut() {
                    Some(listener) => listener.recv().await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = &mut shutdown => return,
                _ = tokio::time::sleep(POLL) => {},
                _ = self.wake.notified() => {},
                result = notified => {
                    if let Err(error) = result {
                        // Polling goes on; the listener reconnects on its next use.
                        tracing::warn!(error = %error, "change notifications interrupted");
                        tokio::time::sleep(POLL).await;
                    }
                }
            }
            match self.catch_up(app).await {
                Ok(()) => job.set_cursor(self.cursor().await),
                Err(error) => {
                    tracing::warn!(error = %error, "cannot read the changes feed; retrying");
                }
            }
        }
    }
}
