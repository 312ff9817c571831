//! `App`: what every request and job shares: storage, the renderer, the
//! process configuration and the clock.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use crate::cache::{Follower, PageCache, SettingsMemo};
use crate::config::Config;
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
#[derive(Debug, Default)]
pub struct Clock {
    fixed: Option<AtomicI64>,
}

impl Clock {
    pub fn system() -> Clock {
        Clock { fixed: None }
    }

    pub fn fixed(unix_seconds: i64) -> Clock {
        Clock {
            fixed: Some(AtomicI64::new(unix_seconds)),
        }
    }

    /// Now, in Unix seconds.
    pub fn now(&self) -> i64 {
        match &self.fixed {
            Some(t) => t.load(Ordering::Relaxed),
            None => jiff::Timestamp::now().as_second(),
        }
    }

    /// Moves a fixed clock; the system clock ignores it.
    pub fn set(&self, unix_seconds: i64) {
        if let Some(t) = &self.fixed {
            t.store(unix_seconds, Ordering::Relaxed);
        }
    }
}

impl App {
    pub fn new(store: Store, config: Config, clock: Clock) -> App {
        let renderer = Renderer::new(config.theme_dir.clone());
        let page_cache = PageCache::new(config.page_cache, config.page_cache_mb << 20);
        crate::ops::metrics::install();
        let outbound = crate::outbound::Outbound::new(config.outbound.clone());
        App {
            inner: Arc::new(Inner {
                store,
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

    fn purge_webhook(&self) -> Option<(&crate::outbound::Outbound, &str)> {
        let url = self.config().purge_webhook.as_deref()?;
        Some((self.outbound(), url))
    }

    fn health(&self) -> &Health {
        App::health(self)
    }
}
