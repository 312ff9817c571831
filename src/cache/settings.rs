//! Site settings, the section list and the site menu kept in memory: every
//! page shows them, so reading them from the database on each render was
//! most of a miss's queries. Forgotten when the changes feed carries `site`,
//! `sections`, `menu` or `banner` (the breaking-news banner); a load that raced such a change is used once, not
//! kept.

use std::sync::Arc;
use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::pages::PageError;
use crate::pages::menu::{self, MenuLink};
use crate::sections::{self, Section, SectionError};
use crate::site::{Site, SiteError};
use crate::storage::Store;

/// The in-memory copies.
#[derive(Debug, Default)]
pub(crate) struct SettingsMemo {
    site: Slot<Site>,
    sections: Slot<Vec<Section>>,
    menu: Slot<Vec<MenuLink>>,
    banner: Slot<Option<crate::fronts::Banner>>,
}

#[derive(Debug)]
struct Slot<T> {
    /// Bumped when the value is forgotten.
    generation: AtomicU64,
    value: RwLock<Option<Arc<T>>>,
}

impl<T> Default for Slot<T> {
    fn default() -> Self {
        Slot {
            generation: AtomicU64::new(0),
            value: RwLock::new(None),
        }
    }
}

impl<T> Slot<T> {
    async fn get<E, F>(&self, load: F) -> Result<Arc<T>, E>
    where
        F: Future<Output = Result<T, E>>,
    {
        if let Some(value) = &*self.value.read().unwrap_or_else(|e| e.into_inner()) {
            return Ok(value.clone());
        }
        let generation = self.generation.load(Ordering::Acquire);
        let value = Arc::new(load.await?);
        let mut slot = self.value.write().unwrap_or_else(|e| e.into_inner());
        if self.generation.load(Ordering::Acquire) == generation {
            *slot = Some(value.clone());
        }
        Ok(value)
    }

    fn forget(&self) {
        let mut slot = self.value.write().unwrap_or_else(|e| e.into_inner());
        self.generation.fetch_add(1, Ordering::AcqRel);
        *slot = None;
    }
}

impl SettingsMemo {
    /// The site's settings.
    pub(crate) async fn site(&self, store: &Store) -> Result<Arc<Site>, SiteError> {
        self.site.get(Site::load(store)).await
    }

    /// Every section in display order.
    pub(crate) async fn sections(&self, store: &Store) -> Result<Arc<Vec<Section>>, SectionError> {
        self.sections.get(sections::list(store)).await
    }

    /// The site menu's links readers see.
    pub(crate) async fn menu(&self, store: &Store) -> Result<Arc<Vec<MenuLink>>, PageError> {
        self.menu.get(menu::links(store)).await
    }

    /// The breaking-news banner as stored (it may have run out).
    pub(crate) async fn banner(
        &self,
        store: &Store,
    ) -> Result<Arc<Option<crate::fronts::Banner>>, crate::fronts::FrontError> {
        self.banner.get(crate::fronts::banner(store)).await
    }

    /// Forgets what a change with these tags may have changed.
    pub(crate) fn forget<S: AsRef<str>>(&self, tags: &[S]) {
        for tag in tags {
            match tag.as_ref() {
                "site" => self.site.forget(),
                "sections" => self.sections.forget(),
                "menu" => self.menu.forget(),
                "banner" => self.banner.forget(),
                _ => {}
            }
        }
    }
}
