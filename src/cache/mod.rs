//! The page cache: rendered public pages (with precompressed variants) keyed
//! by path, each tagged with what it shows, purged by tag as the changes feed
//! reports changes. Concurrent misses for one page render once, and a render
//! that raced a purge of one of its tags is served but never stored, so a
//! purged page cannot come back stale.
//!
//! `follow` is the consumer that reads the changes feed and purges; it also
//! purges when an embargo lifts, a change no event announces.

mod entry;
pub(crate) mod follow;
mod settings;
pub(crate) mod webhook;

pub(crate) use entry::{Coding, Entry, Page, parse_http_date};
pub(crate) use follow::Follower;
pub(crate) use settings::SettingsMemo;

use std::collections::{HashMap, HashSet, VecDeque};
use std::future::Future;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use tokio::sync::OnceCell;

/// How many recent purges are remembered to check racing renders against.
/// A render older than the oldest remembered purge is not stored.
const RECENT_PURGES: usize = 256;

/// What a render for a miss produced: a page to cache, or something else
/// (a redirect, an error page) answered once and not cached.
pub enum Rendered<R> {
    Page(Page),
    Other(R),
}

/// The purge record of [`PageCache::clear`]: every tag.
const ALL: &str = "*";

type Flight = Arc<OnceCell<Option<Arc<Entry>>>>;

/// The page cache; one per process, shared through `App`.
#[derive(Debug)]
pub struct PageCache {
    enabled: bool,
    max_bytes: usize,
    state: RwLock<State>,
    inflight: Mutex<HashMap<String, Flight>>,
    /// Incremented by every purge; a render remembers it when it starts.
    epoch: AtomicU64,
    /// A coarse clock for recency (incremented on each insert).
    tick: AtomicU64,
    /// Unix seconds of the next embargo lift among published stories
    /// (`i64::MAX` when none): a hit at or after it must wait for the purge.
    next_lift: AtomicI64,
}

#[derive(Debug, Default)]
struct State {
    entries: HashMap<Box<str>, Arc<Entry>>,
    by_tag: HashMap<Box<str>, HashSet<Box<str>>>,
    bytes: usize,
    /// (epoch after the purge, tags purged), oldest first.
    recent: VecDeque<(u64, Vec<String>)>,
}

impl PageCache {
    /// A cache holding at most about `max_bytes` of pages; a disabled cache
    /// stores nothing and renders every request.
    pub fn new(enabled: bool, max_bytes: usize) -> PageCache {
        PageCache {
            enabled,
            max_bytes,
            state: RwLock::default(),
            inflight: Mutex::default(),
            epoch: AtomicU64::new(0),
            tick: AtomicU64::new(0),
            next_lift: AtomicI64::new(i64::MAX),
        }
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// The page cached under `key`, if any. Allocation-free.
    pub fn get(&self, key: &str) -> Option<Arc<Entry>> {
        let state = self.state.read().unwrap_or_else(|e| e.into_inner());
        let entry = state.entries.get(key)?;
        entry.touch(self.tick.load(Ordering::Relaxed));
        Some(entry.clone())
    }

    /// Whether an embargo lift is due at `now`, so that cached lists may be
    /// stale until [`follow::Follower::lift_embargoes`] has purged them.
    pub fn lift_due(&self, now: i64) -> bool {
        now >= self.next_lift.load(Ordering::Relaxed)
    }

    pub(crate) fn set_next_lift(&self, at: Option<i64>) {
        self.next_lift
            .store(at.unwrap_or(i64::MAX), Ordering::Relaxed);
    }

    /// The page under `key`, rendering it with `render` on a miss. Concurrent
    /// misses for one key wait for a single render. `now` stamps the entry.
    pub async fn get_or_render<R, F, Fut>(
        &self,
        key: &str,
        now: i64,
        render: F,
    ) -> Result<Arc<Entry>, R>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Rendered<R>>,
    {
        if !self.enabled {
            return match render().await {
                Rendered::Page(page) => Ok(Arc::new(Entry::new(page, now, false))),
                Rendered::Other(other) => Err(other),
            };
        }
        if let Some(entry) = self.get(key) {
            crate::ops::metrics::page_cache_hit(None);
            return Ok(entry);
        }
        let flight = {
            let mut inflight = self.inflight.lock().unwrap_or_else(|e| e.into_inner());
            inflight.entry(key.to_owned()).or_default().clone()
        };
        let mut render = Some(render);
        let mut own: Option<R> = None;
        let result = flight
            .get_or_init(|| async {
                let started = self.epoch.load(Ordering::Acquire);
                let render = render.take().expect("the render runs once");
                crate::ops::metrics::page_cache_miss();
                match render().await {
                    Rendered::Page(page) => {
                        let entry = Arc::new(Entry::new(page, now, true));
                        self.insert(key, entry.clone(), started);
                        Some(entry)
                    }
                    Rendered::Other(other) => {
                        own = Some(other);
                        None
                    }
                }
            })
            .await
            .clone();
        {
            let mut inflight = self.inflight.lock().unwrap_or_else(|e| e.into_inner());
            if inflight.get(key).is_some_and(|f| Arc::ptr_eq(f, &flight)) {
                inflight.remove(key);
            }
        }
        match (result, own, render) {
            (Some(entry), _, _) => Ok(entry),
            (None, Some(other), _) => Err(other),
            // Another request's render found no page (404, redirect): answer
            // this one from its own render.
            (None, None, Some(render)) => match render().await {
                Rendered::Page(page) => Ok(Arc::new(Entry::new(page, now, true))),
                Rendered::Other(other) => Err(other),
            },
            (None, None, None) => unreachable!("a render that ran left its answer"),
        }
    }

    /// Stores `entry` under `key` unless one of its tags was purged since
    /// the render started at purge epoch `started`.
    fn insert(&self, key: &str, entry: Arc<Entry>, started: u64) {
        let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
        let now_epoch = self.epoch.load(Ordering::Acquire);
        if now_epoch != started {
            let remembered = state
                .recent
                .front()
                .is_some_and(|(epoch, _)| *epoch <= started + 1);
            let raced = state.recent.iter().any(|(epoch, tags)| {
                *epoch > started
                    && tags
                        .iter()
                        .any(|t| t == ALL || entry.tags.iter().any(|e| **e == **t))
            });
            if raced || !remembered {
                return;
            }
        }
        // Reads after this insert touch with a later tick than the insert's.
        entry.touch(self.tick.fetch_add(2, Ordering::Relaxed) + 1);
        state.remove(key);
        state.bytes += entry.size();
        for tag in &entry.tags {
            state
                .by_tag
                .entry(tag.clone())
                .or_default()
                .insert(key.into());
        }
        state.entries.insert(key.into(), entry);
        if state.bytes > self.max_bytes {
            state.evict(self.max_bytes - self.max_bytes / 10);
        }
    }

    /// Removes every page tagged with one of `tags`; returns how many.
    pub fn purge<S: AsRef<str>>(&self, tags: &[S]) -> usize {
        if tags.is_empty() {
            return 0;
        }
        let removed = {
            let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
            let epoch = self.epoch.fetch_add(1, Ordering::AcqRel) + 1;
            state
                .recent
                .push_back((epoch, tags.iter().map(|t| t.as_ref().to_owned()).collect()));
            if state.recent.len() > RECENT_PURGES {
                state.recent.pop_front();
            }
            let mut removed = 0;
            for tag in tags {
                let Some(keys) = state.by_tag.remove(tag.as_ref()) else {
                    continue;
                };
                for key in keys {
                    removed += usize::from(state.remove(&key));
                }
            }
            removed
        };
        crate::ops::metrics::page_cache_purged(removed as u64);
        // Requests arriving from now on must not join a render that may
        // have read the database before the change.
        self.inflight
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        removed
    }

    /// Removes every page.
    pub fn clear(&self) {
        let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
        let epoch = self.epoch.fetch_add(1, Ordering::AcqRel) + 1;
        state.entries.clear();
        state.by_tag.clear();
        state.bytes = 0;
        state.recent.push_back((epoch, vec![ALL.to_owned()]));
        if state.recent.len() > RECENT_PURGES {
            state.recent.pop_front();
        }
    }

    /// Bytes the cached pages take, as the budget counts them (every
    /// variant's body, the tags and headers, a fixed overhead each).
    pub fn bytes(&self) -> usize {
        self.state.read().unwrap_or_else(|e| e.into_inner()).bytes
    }

    /// The budget [`PageCache::bytes`] stays within.
    pub fn budget(&self) -> usize {
        self.max_bytes
    }

    /// Number of cached pages.
    pub fn len(&self) -> usize {
        self.state
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .entries
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every cached key, for tests and diagnostics.
    pub fn keys(&self) -> Vec<String> {
        let state = self.state.read().unwrap_or_else(|e| e.into_inner());
        state.entries.keys().map(|k| k.to_string()).collect()
    }
}

impl State {
    /// Removes one entry and its tag index lines.
    fn remove(&mut self, key: &str) -> bool {
        let Some(entry) = self.entries.remove(key) else {
            return false;
        };
        self.bytes = self.bytes.saturating_sub(entry.size());
        for tag in &entry.tags {
            if let Some(keys) = self.by_tag.get_mut(tag) {
                keys.remove(key);
                if keys.is_empty() {
                    self.by_tag.remove(tag);
                }
            }
        }
        true
    }

    /// Evicts the least recently used entries until at most `target` bytes
    /// remain (sorting once per tenth of the budget, not per insert).
    fn evict(&mut self, target: usize) {
        let mut by_age: Vec<(u64, Box<str>)> = self
            .entries
            .iter()
            .map(|(k, e)| (e.last_used.load(Ordering::Relaxed), k.clone()))
            .collect();
        by_age.sort_unstable();
        for (_, key) in by_age {
            if self.bytes <= target {
                break;
            }
            self.remove(&key);
        }
    }
}

#[cfg(test)]
mod tests;
