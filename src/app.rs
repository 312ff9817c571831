//! `App`: what every request and job shares: storage, the renderer, the
//! process configuration and the clock.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use crate::config::Config;
use crate::health::Health;
use crate::rendering::Renderer;
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
    health: Health,
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
        crate::metrics::install();
        App {
            inner: Arc::new(Inner {
                store,
                renderer,
                config,
                clock,
                health: Health::default(),
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

    pub fn clock(&self) -> &Clock {
        &self.inner.clock
    }

    pub fn now(&self) -> i64 {
        self.inner.clock.now()
    }

    /// Background jobs' heartbeats and cursors (see [`crate::health`]).
    pub fn health(&self) -> &Health {
        &self.inner.health
    }
}
