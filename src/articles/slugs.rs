//! `Slug`: the last part of an article's or section's address, parsed once.

use std::fmt;

/// A URL slug: lowercase ASCII letters, digits and single dashes, no dash at
/// either end, at most 120 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Slug(String);

/// Why a text is not a slug.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a valid address: use lowercase letters, digits and dashes")]
pub struct InvalidSlug(pub String);

impl Slug {
    /// Accepts a text that already is a slug.
    pub fn parse(text: &str) -> Result<Slug, InvalidSlug> {
        let ok = !text.is_empty()
            && text.len() <= 120
            && !text.starts_with('-')
            && !text.ends_with('-')
            && !text.contains("--")
            && text
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if ok {
            Ok(Slug(text.to_owned()))
        } else {
            Err(InvalidSlug(text.to_owned()))
        }
    }

    /// Makes a slug from a headline or name (transliterating non-ASCII text),
    /// cut at a dash so it stays under the length limit.
    pub fn from_title(title: &str) -> Slug {
        // "Aleppo’s" reads as one word: drop apostrophes rather than dash them.
        let title: String = title
            .chars()
            .filter(|c| !matches!(c, '\'' | '’' | 'ʼ'))
            .collect();
        let mut slug = slug::slugify(title);
        if slug.len() > 80 {
            let cut = slug[..80].rfind('-').unwrap_or(80);
            slug.truncate(cut);
        }
        if slug.is_empty() {
            slug = "story".into();
        }
        Slug(slug)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Slug {
    type Error = InvalidSlug;
    fn try_from(text: String) -> Result<Slug, InvalidSlug> {
        Slug::parse(&text)
    }
}

impl From<Slug> for String {
    fn from(slug: Slug) -> String {
        slug.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_headline_becomes_a_readable_slug() {
        assert_eq!(
            Slug::from_title("US to send 560 additional troops to Iraq").as_str(),
            "us-to-send-560-additional-troops-to-iraq"
        );
        assert_eq!(
            Slug::from_title("Aleppo’s Old City, “destroyed”").as_str(),
            "aleppos-old-city-destroyed"
        );
    }

    #[test]
    fn text_with_capitals_spaces_or_double_dashes_is_not_a_slug() {
        for bad in ["", "World", "a b", "a--b", "-a", "a-", "ä", "a/b"] {
            assert!(Slug::parse(bad).is_err(), "{bad:?}");
        }
        assert!(Slug::parse("world-2").is_ok());
    }

    proptest! {
        #[test]
        fn every_title_gives_a_valid_slug(title in ".{0,200}") {
            let slug = Slug::from_title(&title);
            prop_assert!(Slug::parse(slug.as_str()).is_ok(), "{:?} -> {:?}", title, slug);
        }
    }
}
