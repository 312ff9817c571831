//! Curated fronts and the breaking-news banner. Editors (and
//! administrators) arrange the home page and each section front: the first
//! pin leads, the next ones are the top stories, and the rest of the front
//! stays newest first without them. A pin may run out at a time of day
//! ("until 18:00"). The banner (text, link, optional end) runs across every
//! reader page.
//!
//! Every change writes its audit entry and an event in its own transaction.
//! The event is tagged with the front's cache tag (`home`,
//! `section:<slug>`) or, for the banner, `banner` (which every reader page
//! carries), so exactly the changed pages are purged; the moment a pin or
//! the banner runs out is purged by the page cache's follower, as an
//! embargo lift is. Readers never see a pinned story they could not see
//! otherwise (the storage uses the reader condition).

use crate::accounts::Role;
use crate::actor::Actor;
use crate::articles::{self, Article, ArticleError};
use crate::sections::{self, SectionError};
use crate::storage::{BannerRow, NewAuditEntry, NewEvent, NewPin, PinRow, StorageError, Store};

/// The most pins a front takes: the lead and the top stories.
pub const MAX_PINS: usize = 12;
/// The longest banner text, in characters.
pub const BANNER_CHARS: usize = 300;
/// The longest banner link.
pub const LINK_CHARS: usize = 2_000;

/// A pin as stored.
pub type Pin = PinRow;
/// The banner as stored.
pub type Banner = BannerRow;

/// Why a front or banner step did not happen.
#[derive(Debug, thiserror::Error)]
pub enum FrontError {
    #[error("there is no front called {0:?}: use \"home\" or a section's address")]
    NoFront(String),
    #[error("there is no story {0:?}")]
    NoStory(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Article(#[from] ArticleError),
    #[error(transparent)]
    Section(#[from] SectionError),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// A front: the home page or a section's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Front {
    Home,
    Section { slug: String, name: String },
}

impl Front {
    /// The front `name` names: `home`, or an existing section's slug.
    pub async fn find(store: &Store, name: &str) -> Result<Front, FrontError> {
        if name == "home" {
            return Ok(Front::Home);
        }
        match sections::find(store, name).await? {
            Some(section) => Ok(Front::Section {
                slug: section.slug,
                name: section.name,
            }),
            None => Err(FrontError::NoFront(name.to_owned())),
        }
    }

    /// Its key in storage, which is also the cache tag of its page.
    pub fn key(&self) -> String {
        match self {
            Front::Home => "home".to_owned(),
            Front::Section { slug, .. } => format!("section:{slug}"),
        }
    }

    /// How addresses name it: `home` or the section's slug.
    pub fn name(&self) -> &str {
        match self {
            Front::Home => "home",
            Front::Section { slug, .. } => slug,
        }
    }

    /// What editors call it.
    pub fn title(&self) -> String {
        match self {
            Front::Home => "Home page".to_owned(),
            Front::Section { name, .. } => format!("{name} front"),
        }
    }

    /// The reader address of the front.
    pub fn path(&self) -> String {
        match self {
            Front::Home => "/".to_owned(),
            Front::Section { slug, .. } => format!("/{slug}"),
        }
    }
}

/// Whether `actor` may arrange fronts and set the banner: editors and
/// administrators.
pub fn may_arrange(actor: &Actor) -> bool {
    actor.role.is_some_and(Role::can_manage_sections)
}

fn check_role(actor: &Actor) -> Result<(), FrontError> {
    if may_arrange(actor) {
        Ok(())
    } else {
        Err(FrontError::Forbidden(
            "only editors and administrators arrange fronts".into(),
        ))
    }
}

/// `front`'s pins in order, as the editor arranged them.
pub async fn pins(store: &Store, front: &Front) -> Result<Vec<Pin>, FrontError> {
    Ok(store.front_pins(&front.key()).await?)
}

/// The pinned stories of `front` readers see at `now`, in order (the lead
/// first): pins run out and stories readers may not see are left out.
pub async fn shown(store: &Store, front: &Front, now: i64) -> Result<Vec<Article>, FrontError> {
    store
        .visible_front_articles(&front.key(), now)
        .await?
        .into_iter()
        .map(|row| Article::from_row(row).map_err(FrontError::from))
        .collect()
}

/// The story `text` names (its number, address or URL).
pub async fn story_named(store: &Store, text: &str) -> Result<Article, FrontError> {
    articles::translations::find_named(store, text)
        .await?
        .ok_or_else(|| FrontError::NoStory(text.trim().to_owned()))
}

/// Checks an arrangement: not too long, no story twice, every story there,
/// every end in the future.
pub async fn check(store: &Store, pins: &[NewPin], now: i64) -> Result<(), FrontError> {
    if pins.len() > MAX_PINS {
        return Err(FrontError::Invalid(format!(
            "a front takes at most {MAX_PINS} pinned stories (a lead and {} top stories)",
            MAX_PINS - 1
        )));
    }
    for (i, pin) in pins.iter().enumerate() {
        if pins[..i].iter().any(|p| p.article_id == pin.article_id) {
            return Err(FrontError::Invalid(format!(
                "story {} is pinned twice",
                pin.article_id
            )));
        }
        if articles::find(store, pin.article_id).await?.is_none() {
            return Err(FrontError::NoStory(pin.article_id.to_string()));
        }
        if pin.until.is_some_and(|until| until <= now) {
            return Err(FrontError::Invalid(format!(
                "the pin of story {} would end in the past",
                pin.article_id
            )));
        }
    }
    Ok(())
}

/// Replaces `front`'s arrangement with `pins` (the first leads).
pub async fn arrange(
    store: &Store,
    actor: &Actor,
    front: &Front,
    pins: &[NewPin],
    now: i64,
) -> Result<(), FrontError> {
    check_role(actor)?;
    check(store, pins, now).await?;
    let key = front.key();
    let list: Vec<serde_json::Value> = pins
        .iter()
        .map(|p| serde_json::json!({ "story": p.article_id, "until": p.until }))
        .collect();
    let event = NewEvent {
        kind: "front.arranged".into(),
        subject: key.clone(),
        tags: vec![key.clone()],
        payload: serde_json::json!({ "front": front.name(), "pins": list }),
    };
    let audit: NewAuditEntry = crate::audit::entry(
        actor,
        "front.arranged",
        &key,
        serde_json::json!({ "front": front.name(), "pins": list }),
    );
    store
        .arrange_front(&key, pins, actor.id, now, &event, &audit)
        .await?;
    Ok(())
}

/// When a pin or the banner typed in the admin ends: empty for never, a
/// date and time (`2026-12-02T18:00`) or a time of day (`18:00`: its next
/// occurrence), in the site's time zone `tz`.
pub fn parse_until(
    text: &str,
    tz: &jiff::tz::TimeZone,
    now: i64,
) -> Result<Option<i64>, FrontError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let invalid = || {
        FrontError::Invalid(format!(
            "{text:?} is not a time like 18:00 or 2026-12-02T18:00"
        ))
    };
    // jiff reads the time of a whole date and time too: only a bare time
    // of day is one.
    let bare_time = !text.contains(['-', 'T', ' ']);
    if let Some(time) = bare_time
        .then(|| text.parse::<jiff::civil::Time>().ok())
        .flatten()
    {
        let now = jiff::Timestamp::from_second(now).map_err(|_| invalid())?;
        let today = tz.to_datetime(now).date();
        let mut at = tz
            .to_timestamp(today.to_datetime(time))
            .map_err(|_| invalid())?;
        if at <= now {
            let tomorrow = today.tomorrow().map_err(|_| invalid())?;
            at = tz
                .to_timestamp(tomorrow.to_datetime(time))
                .map_err(|_| invalid())?;
        }
        return Ok(Some(at.as_second()));
    }
    crate::publishing::parse_local_time(text, tz).map_err(|_| invalid())
}

/// A banner as typed or sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BannerInput {
    pub text: String,
    /// A site address (`/world/a-story`) or an `http(s)://` link; empty for
    /// none.
    pub link: String,
    pub until: Option<i64>,
}

/// The banner, if one is set and has not run out at `now`.
pub fn showing(banner: Option<&Banner>, now: i64) -> Option<&Banner> {
    banner.filter(|b| b.until.is_none_or(|until| until > now))
}

/// The banner as stored (it may have run out).
pub async fn banner(store: &Store) -> Result<Option<Banner>, FrontError> {
    Ok(store.banner().await?)
}

fn check_banner(input: &BannerInput, now: i64) -> Result<(), FrontError> {
    let text = input.text.trim();
    if text.is_empty() {
        return Err(FrontError::Invalid("the banner needs a text".into()));
    }
    if text.chars().count() > BANNER_CHARS {
        return Err(FrontError::Invalid(format!(
            "the banner text is longer than {BANNER_CHARS} characters"
        )));
    }
    let link = input.link.trim();
    let safe = link.is_empty()
        || (link.starts_with('/') && !link.starts_with("//"))
        || link.starts_with("https://")
        || link.starts_with("http://");
    if !safe || link.len() > LINK_CHARS || link.chars().any(char::is_whitespace) {
        return Err(FrontError::Invalid(
            "the banner link must be a site address (/world/a-story) or an http(s):// link".into(),
        ));
    }
    if input.until.is_some_and(|until| until <= now) {
        return Err(FrontError::Invalid(
            "the banner would end in the past".into(),
        ));
    }
    Ok(())
}

/// Sets the banner (`Some`) or takes it down (`None`).
pub async fn set_banner(
    store: &Store,
    actor: &Actor,
    input: Option<&BannerInput>,
    now: i64,
) -> Result<(), FrontError> {
    check_role(actor)?;
    if let Some(input) = input {
        check_banner(input, now)?;
    }
    let details = match input {
        Some(b) => {
            serde_json::json!({ "text": b.text.trim(), "link": b.link.trim(), "until": b.until })
        }
        None => serde_json::json!({ "cleared": true }),
    };
    let event = NewEvent {
        kind: if input.is_some() {
            "banner.set"
        } else {
            "banner.cleared"
        }
        .into(),
        subject: "banner".into(),
        tags: vec!["banner".into()],
        payload: details.clone(),
    };
    let action = if input.is_some() {
        "banner.set"
    } else {
        "banner.cleared"
    };
    let audit = crate::audit::entry(actor, action, "banner", details);
    let stored = input.map(|b| (b.text.trim(), b.link.trim(), b.until));
    store.set_banner(stored, now, &event, &audit).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(text: &str, link: &str) -> BannerInput {
        BannerInput {
            text: text.into(),
            link: link.into(),
            until: None,
        }
    }

    #[test]
    fn a_banner_links_only_to_the_site_or_the_web() {
        assert!(check_banner(&input("Polls close", "/politics/polls"), 0).is_ok());
        assert!(check_banner(&input("Polls close", "https://example.org/x"), 0).is_ok());
        assert!(check_banner(&input("Polls close", ""), 0).is_ok());
        assert!(check_banner(&input("Polls close", "javascript:alert(1)"), 0).is_err());
        assert!(check_banner(&input("Polls close", "//evil.example"), 0).is_err());
        assert!(check_banner(&input("  ", "/x"), 0).is_err());
    }

    #[test]
    fn a_time_of_day_is_its_next_occurrence_in_the_site_time_zone() {
        let tz = jiff::tz::TimeZone::get("Europe/Berlin").unwrap();
        // 2026-12-02 16:00 in Berlin.
        let now = 1_796_223_600;
        assert_eq!(parse_until("18:00", &tz, now).unwrap(), Some(now + 7200));
        assert_eq!(
            parse_until("15:00", &tz, now).unwrap(),
            Some(now + 23 * 3600)
        );
        assert_eq!(parse_until("", &tz, now).unwrap(), None);
        assert_eq!(
            parse_until("2026-12-02T10:00", &tz, now).unwrap(),
            Some(now - 6 * 3600)
        );
        assert!(parse_until("soon", &tz, now).is_err());
    }

    #[test]
    fn a_banner_that_ran_out_is_not_shown() {
        let banner = Banner {
            text: "Storm".into(),
            link: String::new(),
            until: Some(100),
            updated_at: 0,
        };
        assert!(showing(Some(&banner), 99).is_some());
        assert!(showing(Some(&banner), 100).is_none());
    }
}
