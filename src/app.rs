//! `App`: what every request and job shares: storage, the media store, the
//! renderer, the process configuration and the clock.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::cache::{Follower, PageCache, SettingsMemo};
use crate::config::Config;
use crate::media::MediaFiles;
use crate::ops::health::Health;
use crate::rendering::Renderer;
use crate::sections::{Section, SectionError};
use crate::site::{Site, SiteError};
use crate::storage::Store;

/// Shared state, cheap to clone.
#[derive(Clone, Debug)]
pub struct App {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    store: Store,
    media: MediaFiles,
    renderer: Renderer,
    config: Config,
    clock: Clock,
    // The read path's caches (src/cache): pages, settings, feed consumer.
    page_cache: PageCache,
    settings: SettingsMemo,
    follower: Follower,
    health: Health,
    // Every outbound request (WebSub, purge webhook) goes through this one.
    outbound: crate::outbound::Outbound,
}

/// The time source: the system clock, or a fixed time set by tests.
///
/// The system clock is read through a monotonic anchor: `now` is the wall
/// time at the last anchoring plus the monotonic time elapsed since, so a
/// wall clock that jumps (a wrong NTP step, an operator's `date -s`) does not
/// move masthead's time. That is what keeps a scheduled story from being
/// published early, an embargo from lifting early, and sessions from
/// expiring all at once. [`Clock::follow_system`] (every scheduler pass)
/// re-anchors to the wall clock while the two agree to within
/// [`JUMP_SECONDS`], so ordinary drift and slewing are followed, and logs
/// a jump once without following it. On PostgreSQL the scheduler anchors
/// to the database's `now()` instead ([`Clock::anchor`]), so every node
/// shares the database's time whatever its own clock says.
#[derive(Debug)]
pub struct Clock {
    kind: ClockKind,
}

#[derive(Debug)]
enum ClockKind {
    Fixed(AtomicI64),
    System(Mutex<Anchor>),
}

/// A wall-clock reading and the monotonic instant it was taken at.
#[derive(Debug)]
struct Anchor {
    at: Instant,
    unix_ms: i64,
    /// Seconds added to every reading of the wall clock: how tests make the
    /// node's clock jump (see [`Clock::skew_system`]).
    skew: i64,
    /// Whether the current disagreement with the wall clock was logged.
    warned: bool,
}

/// A wall clock that moves this far from masthead's time between two
/// passes of the scheduler has jumped, and is not followed.
pub const JUMP_SECONDS: i64 = 5;

impl Anchor {
    fn wall_ms(&self) -> i64 {
        jiff::Timestamp::now().as_millisecond() + self.skew * 1000
    }

    fn now_ms(&self) -> i64 {
        self.unix_ms + i64::try_from(self.at.elapsed().as_millis()).unwrap_or(i64::MAX / 2)
    }
}

impl Default for Clock {
    fn default() -> Clock {
        Clock::system()
    }
}

impl Clock {
    pub fn system() -> Clock {
        Clock::system_skewed(0)
    }

    /// The system clock as a node whose wall clock is `skew` seconds off
    /// would read it (tests of a wrong clock).
    pub fn system_skewed(skew: i64) -> Clock {
        Clock {
            kind: ClockKind::System(Mutex::new(Anchor {
                at: Instant::now(),
                unix_ms: jiff::Timestamp::now().as_millisecond() + skew * 1000,
                skew,
                warned: false,
            })),
        }
    }

    pub fn fixed(unix_seconds: i64) -> Clock {
        Clock {
            kind: ClockKind::Fixed(AtomicI64::new(unix_seconds)),
        }
    }

    fn anchor_lock(anchor: &Mutex<Anchor>) -> std::sync::MutexGuard<'_, Anchor> {
        anchor
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Now, in Unix seconds.
    pub fn now(&self) -> i64 {
        match &self.kind {
            ClockKind::Fixed(t) => t.load(Ordering::Relaxed),
            ClockKind::System(anchor) => Clock::anchor_lock(anchor).now_ms().div_euclid(1000),
        }
    }

    /// Moves a fixed clock; the system clock ignores it.
    pub fn set(&self, unix_seconds: i64) {
        if let ClockKind::Fixed(t) = &self.kind {
            t.store(unix_seconds, Ordering::Relaxed);
        }
    }

    /// Makes the node's wall clock read `skew` seconds off from now on, as
    /// a clock that jumps does (tests); a fixed clock ignores it.
    pub fn skew_system(&self, skew: i64) {
        if let ClockKind::System(anchor) = &self.kind {
            Clock::anchor_lock(anchor).skew = skew;
        }
    }

    /// Re-anchors to the wall clock unless it jumped: while the two agree
    /// to within [`JUMP_SECONDS`] the wall clock's reading is taken (drift
    /// and slewing are followed); past that, masthead keeps its own time
    /// and logs the jump once (a restart adopts the wall clock). Returns the
    /// disagreement in seconds.
    pub fn follow_system(&self) -> i64 {
        let ClockKind::System(anchor) = &self.kind else {
            return 0;
        };
        let mut anchor = Clock::anchor_lock(anchor);
        let wall = anchor.wall_ms();
        let ours = anchor.now_ms();
        let off = (wall - ours) / 1000;
        if off.abs() <= JUMP_SECONDS {
            anchor.at = Instant::now();
            anchor.unix_ms = wall;
            anchor.warned = false;
        } else if !anchor.warned {
            anchor.warned = true;
            tracing::warn!(
                jump_seconds = off,
                "the system clock jumped; masthead keeps its own time (restart to adopt the system clock)"
            );
        }
        off
    }

    /// Anchors to a trusted time (the database's `now()`, in Unix
    /// milliseconds): followed whatever the node's wall clock says.
    pub fn anchor(&self, unix_ms: i64) {
        if let ClockKind::System(anchor) = &self.kind {
            let mut anchor = Clock::anchor_lock(anchor);
            anchor.at = Instant::now();
            anchor.unix_ms = unix_ms;
            anchor.warned = false;
        }
    }
}

impl App {
    /// An app whose media store is the one `config` names (tests and tools:
    /// `serve` opens the store first, to fail with its reason, and calls
    /// [`App::with_media`]).
    pub fn new(store: Store, config: Config, clock: Clock) -> App {
        let media = MediaFiles::open(config.media_store.as_deref(), &config.data_dir)
            .unwrap_or_else(|error| panic!("{error}"));
        App::with_media(store, media, config, clock)
    }

    pub fn with_media(store: Store, media: MediaFiles, config: Config, clock: Clock) -> App {
        let renderer = Renderer::new(config.theme_dir.clone());
        let page_cache = PageCache::new(config.page_cache, config.page_cache_mb << 20);
        crate::ops::metrics::install();
        let outbound = crate::outbound::Outbound::new(config.outbound.clone());
        App {
            inner: Arc::new(Inner {
                store,
                media,
                renderer,
                config,
                clock,
                page_cache,
                settings: SettingsMemo::default(),
                follower: Follower::default(),
                health: Health::default(),
                outbound,
            }),
        }
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// Where media files live (`--media-store`).
    pub fn media(&self) -> &MediaFiles {
        &self.inner.media
    }

    pub fn renderer(&self) -> &Renderer {
        &self.inner.renderer
    }

    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The guarded client for everything masthead fetches or calls.
    pub fn outbound(&self) -> &crate::outbound::Outbound {
        &self.inner.outbound
    }

    pub fn clock(&self) -> &Clock {
        &self.inner.clock
    }

    pub fn now(&self) -> i64 {
        self.inner.clock.now()
    }

    /// The page cache of public pages.
    pub fn page_cache(&self) -> &PageCache {
        &self.inner.page_cache
    }

    /// The changes-feed consumer that purges the caches.
    pub fn follower(&self) -> &Follower {
        &self.inner.follower
    }

    /// Purges what changed since the last look at the changes feed. Reads
    /// call it themselves when this process has committed a write since
    /// (see `Follower::behind`); tests and jobs may call it directly.
    pub async fn sync_changes(&self) {
        if let Err(error) = self.inner.follower.catch_up(self).await {
            tracing::warn!(error = %error, "cannot read the changes feed");
        }
    }

    /// The site's settings (kept in memory until they change).
    pub async fn site(&self) -> Result<Arc<Site>, SiteError> {
        self.inner.settings.site(&self.inner.store).await
    }

    /// Every section in display order (kept in memory until they change).
    pub async fn sections(&self) -> Result<Arc<Vec<Section>>, SectionError> {
        self.inner.settings.sections(&self.inner.store).await
    }

    /// The site menu's links readers see (kept in memory until it or a
    /// page in it changes).
    pub async fn menu(
        &self,
    ) -> Result<Arc<Vec<crate::pages::menu::MenuLink>>, crate::pages::PageError> {
        self.inner.settings.menu(&self.inner.store).await
    }

    /// The breaking-news banner if it shows now (kept in memory until it
    /// changes; one that ran out is left out).
    pub async fn banner(&self) -> Result<Option<crate::fronts::Banner>, crate::fronts::FrontError> {
        let banner = self.inner.settings.banner(&self.inner.store).await?;
        Ok(crate::fronts::showing(banner.as_ref().as_ref(), self.now()).cloned())
    }

    /// Forgets in-memory settings a change with these tags touched.
    pub fn forget_settings<S: AsRef<str>>(&self, tags: &[S]) {
        self.inner.settings.forget(tags);
    }

    /// Background jobs' heartbeats and cursors (see `ops::health`).
    pub fn health(&self) -> &Health {
        &self.inner.health
    }
}

/// The page cache's changes-feed consumer works with these parts only.
impl crate::cache::follow::Host for App {
    fn store(&self) -> &Store {
        App::store(self)
    }

    fn now(&self) -> i64 {
        App::now(self)
    }

    fn page_cache(&self) -> &PageCache {
        App::page_cache(self)
    }

    fn forget_settings(&self, tags: &[String]) {
        App::forget_settings(self, tags)
    }

    fn health(&self) -> &Health {
        App::health(self)
    }
}
