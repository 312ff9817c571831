//! One cached page: the rendered bytes, their gzip and brotli variants
//! (compressed once, when the page is rendered), validators and the tags the
//! page depends on, with every response header prebuilt so that serving a
//! hit copies reference-counted values and formats nothing.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::Bytes;
use axum::http::HeaderValue;

/// A rendered page as a handler produces it, before it is cached.
#[derive(Debug, Clone)]
pub struct Page {
    pub body: String,
    /// `text/html; charset=utf-8`, `application/rss+xml`...
    pub content_type: &'static str,
    /// What the page shows, as the changes feed names it (`article:42`,
    /// `section:world`, `home`, `feed`, `site`, `sections`).
    pub tags: Vec<String>,
    /// The page's own Content-Security-Policy, when the site-wide one is not
    /// enough (a story framing a Mastodon instance's player); served with
    /// every hit.
    pub csp: Option<HeaderValue>,
}

impl Page {
    /// An HTML page.
    pub fn html(body: String, tags: Vec<String>) -> Page {
        Page {
            body,
            content_type: "text/html; charset=utf-8",
            tags,
            csp: None,
        }
    }
}

/// A content coding a client may accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    Identity,
    Gzip,
    Brotli,
}

/// One representation of a page.
#[derive(Debug, Clone)]
pub struct Variant {
    pub body: Bytes,
    /// A strong validator, distinct per coding as RFC 9110 requires.
    pub etag: HeaderValue,
    pub content_length: HeaderValue,
}

/// A cached page.
#[derive(Debug)]
pub struct Entry {
    pub identity: Variant,
    /// `None` when the page was not precompressed (cache disabled).
    pub gzip: Option<Variant>,
    pub brotli: Option<Variant>,
    pub content_type: HeaderValue,
    pub last_modified: HeaderValue,
    /// Unix seconds of `last_modified`, for `If-Modified-Since`.
    pub modified_at: i64,
    /// The tags, space separated, for a CDN's purge by key.
    pub surrogate_key: HeaderValue,
    pub tags: Vec<Box<str>>,
    /// [`Page::csp`].
    pub csp: Option<HeaderValue>,
    /// Recency for eviction: a tick of the cache's clock, updated on hits.
    pub(super) last_used: AtomicU64,
}

/// gzip level: 6 is zlib's default, a fair trade for pages compressed once.
const GZIP_LEVEL: u32 = 6;
/// brotli quality: 11 is ~30x slower than 5 for a few percent less on a
/// 10 KB page, and a miss (a freshly published story) must stay fast.
const BROTLI_QUALITY: u32 = 5;
const BROTLI_WINDOW: u32 = 22;

impl Entry {
    /// Builds an entry rendered at `now` (Unix seconds); `compress` also
    /// makes the gzip and brotli variants.
    pub fn new(page: Page, now: i64, compress: bool) -> Entry {
        let hash = xxhash_rust::xxh3::xxh3_64(page.body.as_bytes());
        let identity = Bytes::from(page.body);
        let (gzip, brotli) = if compress {
            (
                Some(variant(gzip(&identity), hash, "-gz")),
                Some(variant(brotli(&identity), hash, "-br")),
            )
        } else {
            (None, None)
        };
        let surrogate_key = page.tags.join(" ");
        Entry {
            identity: variant(identity, hash, ""),
            gzip,
            brotli,
            content_type: HeaderValue::from_static(page.content_type),
            last_modified: http_date(now),
            modified_at: now,
            surrogate_key: HeaderValue::from_str(&surrogate_key)
                .unwrap_or_else(|_| HeaderValue::from_static("")),
            tags: page.tags.into_iter().map(String::into_boxed_str).collect(),
            csp: page.csp,
            last_used: AtomicU64::new(0),
        }
    }

    /// The variant for `coding`, falling back to identity.
    pub fn variant(&self, coding: Coding) -> (&Variant, Coding) {
        match coding {
            Coding::Brotli if self.brotli.is_some() => {
                (self.brotli.as_ref().expect("checked"), Coding::Brotli)
            }
            Coding::Gzip if self.gzip.is_some() => {
                (self.gzip.as_ref().expect("checked"), Coding::Gzip)
            }
            _ => (&self.identity, Coding::Identity),
        }
    }

    /// Whether `etag` (an entity tag as a client sends it, `W/` prefix
    /// allowed) names one of this page's representations.
    pub fn has_etag(&self, etag: &[u8]) -> bool {
        let etag = etag.strip_prefix(b"W/").unwrap_or(etag);
        [
            Some(&self.identity),
            self.gzip.as_ref(),
            self.brotli.as_ref(),
        ]
        .into_iter()
        .flatten()
        .any(|v| v.etag.as_bytes() == etag)
    }

    /// Bytes this entry holds, for the cache's memory budget.
    pub fn size(&self) -> usize {
        let len = |v: &Option<Variant>| v.as_ref().map_or(0, |v| v.body.len());
        // Each tag is held twice: by the entry and by the tag index.
        let tags: usize = self.tags.iter().map(|t| 2 * t.len() + 64).sum();
        self.identity.body.len()
            + len(&self.gzip)
            + len(&self.brotli)
            + tags
            + self.surrogate_key.len()
            + self.csp.as_ref().map_or(0, HeaderValue::len)
            + 256
    }

    pub(super) fn touch(&self, tick: u64) {
        // A relaxed store of a coarse clock: no contention worth a lock.
        if self.last_used.load(Ordering::Relaxed) != tick {
            self.last_used.store(tick, Ordering::Relaxed);
        }
    }
}

fn variant(body: Bytes, hash: u64, suffix: &str) -> Variant {
    Variant {
        etag: HeaderValue::from_str(&format!("\"{hash:016x}{suffix}\"")).expect("hex is ASCII"),
        content_length: HeaderValue::from(body.len()),
        body,
    }
}

fn gzip(data: &[u8]) -> Bytes {
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(data.len() / 3),
        flate2::Compression::new(GZIP_LEVEL),
    );
    encoder.write_all(data).expect("writing to memory");
    Bytes::from(encoder.finish().expect("writing to memory"))
}

fn brotli(data: &[u8]) -> Bytes {
    let mut out = Vec::with_capacity(data.len() / 3);
    {
        let mut writer =
            brotli::CompressorWriter::new(&mut out, 4096, BROTLI_QUALITY, BROTLI_WINDOW);
        writer.write_all(data).expect("writing to memory");
    }
    Bytes::from(out)
}

/// An IMF-fixdate (`Tue, 24 Nov 2026 12:00:00 GMT`).
pub(super) fn http_date(unix_seconds: i64) -> HeaderValue {
    let text = jiff::Timestamp::from_second(unix_seconds)
        .map(|t| t.strftime("%a, %d %b %Y %H:%M:%S GMT").to_string())
        .unwrap_or_else(|_| "Thu, 01 Jan 1970 00:00:00 GMT".into());
    HeaderValue::from_str(&text).expect("a date is ASCII")
}

/// Parses an IMF-fixdate into Unix seconds.
pub(crate) fn parse_http_date(text: &str) -> Option<i64> {
    jiff::fmt::strtime::parse("%a, %d %b %Y %H:%M:%S GMT", text.trim())
        .ok()?
        .to_datetime()
        .ok()?
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp().as_second())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(body: &str) -> Page {
        Page::html(body.into(), vec!["article:1".into(), "site".into()])
    }

    #[test]
    fn compressed_variants_decompress_to_the_page() {
        use std::io::Read;
        let body = "<p>Old man goes fishing again</p>".repeat(50);
        let entry = Entry::new(page(&body), 0, true);
        let mut text = String::new();
        flate2::read::GzDecoder::new(&entry.gzip.as_ref().unwrap().body[..])
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(text, body);
        let mut text = String::new();
        brotli::Decompressor::new(&entry.brotli.as_ref().unwrap().body[..], 4096)
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(text, body);
        assert!(entry.gzip.as_ref().unwrap().body.len() < body.len() / 5);
    }

    #[test]
    fn each_coding_has_its_own_strong_etag_and_all_validate() {
        let entry = Entry::new(page("hello"), 0, true);
        let tags = [
            entry.identity.etag.clone(),
            entry.gzip.as_ref().unwrap().etag.clone(),
            entry.brotli.as_ref().unwrap().etag.clone(),
        ];
        assert_ne!(tags[0], tags[1]);
        assert_ne!(tags[1], tags[2]);
        for tag in &tags {
            assert!(tag.to_str().unwrap().starts_with('"'));
            assert!(entry.has_etag(tag.as_bytes()));
        }
        assert!(entry.has_etag(format!("W/{}", tags[0].to_str().unwrap()).as_bytes()));
        assert!(!entry.has_etag(b"\"other\""));
        assert_eq!(entry.surrogate_key, "article:1 site");
    }

    #[test]
    fn http_dates_round_trip() {
        let value = http_date(1_795_521_600);
        assert_eq!(value, "Tue, 24 Nov 2026 12:00:00 GMT");
        assert_eq!(
            parse_http_date(value.to_str().unwrap()),
            Some(1_795_521_600)
        );
        assert_eq!(parse_http_date("yesterday"), None);
    }
}
