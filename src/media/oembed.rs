//! oEmbed: what an editor's pasted link of an allow-listed provider
//! (`crate::text::embeds`) becomes in a story. The provider's oEmbed
//! endpoint is fetched through [`Outbound`] (http/https only, no loopback,
//! private or link-local address, redirects re-checked, a size cap and a
//! timeout), and its answer is never trusted: of the HTML it returns only
//! an `<iframe src>` is read, and kept only when
//! [`embeds::frame_allowed`] says the provider may be framed from there;
//! the title is kept as plain text. Whatever fails (no network, a refusal,
//! a bad answer), the link still resolves, to itself with its title or its
//! address: the embed degrades to a link, never to an error.

use reqwest::Url;
use serde::{Deserialize, Serialize};

use crate::outbound::{Outbound, OutboundError};
use crate::text::embeds::{self, Provider};

/// Most bytes of an oEmbed answer read (real ones are a few KiB).
pub const MAX_ANSWER_BYTES: usize = 64 * 1024;
/// Longest title kept, in characters.
const MAX_TITLE_CHARS: usize = 300;

/// What a link resolves to: the embed node the editor inserts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Resolved {
    /// The allow-listed provider (`youtube`), or `None` for a link
    /// masthead does not embed (it stays a plain link).
    pub provider: Option<&'static str>,
    /// The player's address, checked with [`embeds::frame_allowed`]; `None`
    /// when there is none to frame (the embed shows as its link).
    pub src: Option<String>,
    /// The link as pasted.
    pub href: String,
    /// The provider's title, or the link itself.
    pub title: String,
    /// Why the provider's answer was not used, for the editor's status line
    /// (and the log); `None` when it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Why fetching an oEmbed answer failed.
#[derive(Debug, thiserror::Error)]
pub enum OembedError {
    #[error(transparent)]
    Outbound(#[from] OutboundError),
    #[error("refused to fetch {0}: not an http:// or https:// address")]
    NotHttp(String),
    #[error("{url} answered HTTP {status}")]
    Status { url: String, status: u16 },
    #[error("{url} did not answer oEmbed JSON: {reason}")]
    NotJson { url: String, reason: String },
}

/// The fields of an oEmbed answer masthead reads (the rest is ignored).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Answer {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub html: Option<String>,
}

/// The oEmbed endpoint of `provider` for `link` (Mastodon's is on the
/// status's own instance), or `None` for a provider without a public one
/// (Instagram's needs a Facebook app token).
pub fn endpoint(provider: &Provider, link: &str) -> Option<String> {
    let base = match provider.name {
        "youtube" => "https://www.youtube.com/oembed".to_owned(),
        "vimeo" => "https://vimeo.com/api/oembed.json".to_owned(),
        "x" => "https://publish.twitter.com/oembed".to_owned(),
        "tiktok" => "https://www.tiktok.com/oembed".to_owned(),
        "bluesky" => "https://embed.bsky.app/oembed".to_owned(),
        "soundcloud" => "https://soundcloud.com/oembed".to_owned(),
        "spotify" => "https://open.spotify.com/oembed".to_owned(),
        "mastodon" => {
            let url = Url::parse(link).ok()?;
            format!("https://{}/api/oembed", url.host_str()?)
        }
        _ => return None,
    };
    Some(with_link(&base, link))
}

/// `base?url=<link>&format=json`.
fn with_link(base: &str, link: &str) -> String {
    let mut url = match Url::parse(base) {
        Ok(url) => url,
        Err(_) => return base.to_owned(),
    };
    url.query_pairs_mut()
        .append_pair("url", link)
        .append_pair("format", "json");
    url.to_string()
}

/// Fetches and parses one oEmbed answer at `url` through `outbound`.
pub async fn fetch(outbound: &Outbound, url: &str) -> Result<Answer, OembedError> {
    if !Url::parse(url).is_ok_and(|u| matches!(u.scheme(), "http" | "https")) {
        return Err(OembedError::NotHttp(url.to_owned()));
    }
    let request = outbound
        .get(url)
        .header(reqwest::header::ACCEPT, "application/json");
    let reply = outbound.send(request, MAX_ANSWER_BYTES).await?;
    if !reply.status.is_success() {
        return Err(OembedError::Status {
            url: reply.url.to_string(),
            status: reply.status.as_u16(),
        });
    }
    serde_json::from_slice(&reply.body).map_err(|e| OembedError::NotJson {
        url: reply.url.to_string(),
        reason: e.to_string(),
    })
}

/// Resolves a pasted link: fetches its provider's oEmbed answer and keeps
/// only a checked player address and the title.
pub async fn resolve(outbound: &Outbound, link: &str) -> Resolved {
    resolve_with(outbound, link, None).await
}

/// [`resolve`], asking `endpoint_base` (with `?url=<link>&format=json`)
/// instead of the provider's own endpoint: for tests against a local server.
pub async fn resolve_with(
    outbound: &Outbound,
    link: &str,
    endpoint_base: Option<&str>,
) -> Resolved {
    let link = link.trim().to_owned();
    let Some(provider) = embeds::provider_of(&link).or_else(|| embeds::mastodon_of(&link)) else {
        return Resolved {
            provider: None,
            src: None,
            title: link.clone(),
            href: link,
            note: Some("masthead does not embed links of this site: it stays a link".into()),
        };
    };
    let url = match endpoint_base {
        Some(base) => Some(with_link(base, &link)),
        None => endpoint(provider, &link),
    };
    let answer = match url {
        Some(url) => fetch(outbound, &url).await.map_err(|e| e.to_string()),
        // No public endpoint: the player address made from the link is
        // all there is.
        None => Ok(Answer::default()),
    };
    let (answer, note) = match answer {
        Ok(answer) => (answer, None),
        Err(reason) => {
            tracing::info!(%link, %reason, "oEmbed failed; the embed stays a link");
            (
                Answer::default(),
                Some(format!("the embed stays a link: {reason}")),
            )
        }
    };
    let title = answer
        .title
        .as_deref()
        .map(plain_title)
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| link.clone());
    let src = if note.is_some() {
        None
    } else {
        answer
            .html
            .as_deref()
            .and_then(iframe_src)
            .filter(|src| embeds::frame_allowed(provider.name, &link, src))
            .or_else(|| player_of(provider, &link, answer.html.as_deref()))
            .filter(|src| embeds::frame_allowed(provider.name, &link, src))
    };
    let note = match (&note, &src) {
        (None, None) => Some(format!(
            "{} gave no player masthead may frame: the embed shows as a link",
            provider.label
        )),
        _ => note,
    };
    Resolved {
        provider: Some(provider.name),
        src,
        href: link,
        title,
        note,
    }
}

/// A title as plain text: tags dropped, whitespace folded, at most
/// [`MAX_TITLE_CHARS`] characters (it is escaped wherever it is shown).
fn plain_title(raw: &str) -> String {
    let mut text = String::with_capacity(raw.len());
    let mut in_tag = false;
    for c in raw.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if in_tag => {}
            c if c.is_control() => text.push(' '),
            c => text.push(c),
        }
    }
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(MAX_TITLE_CHARS)
        .collect()
}

/// The `src` of the first `<iframe>` in an oEmbed answer's HTML, entities
/// decoded; nothing else of that HTML is ever used.
pub fn iframe_src(html: &str) -> Option<String> {
    let lower = html.to_ascii_lowercase();
    let start = lower.find("<iframe")?;
    let end = start + lower[start..].find('>')?;
    let tag = &html[start..end];
    let tag_lower = &lower[start..end];
    let mut from = 0;
    while let Some(at) = tag_lower[from..].find("src") {
        let at = from + at;
        from = at + 3;
        // A whole attribute name: `src`, not `data-src`.
        if !tag_lower[..at].ends_with(|c: char| c.is_whitespace()) {
            continue;
        }
        let rest = tag[at + 3..].trim_start();
        let Some(rest) = rest.strip_prefix('=') else {
            continue;
        };
        let rest = rest.trim_start();
        let value = match rest.chars().next()? {
            q @ ('"' | '\'') => rest[1..].split(q).next()?,
            _ => rest.split(|c: char| c.is_whitespace()).next()?,
        };
        return Some(decode_entities(value));
    }
    None
}

/// The few entities an attribute value in oEmbed HTML carries.
fn decode_entities(value: &str) -> String {
    value
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The player address of providers whose oEmbed HTML is a quote and a
/// script rather than an iframe (X, Instagram, TikTok, Bluesky), made from
/// the link (and, for Bluesky, the post's `at://` address in the answer).
fn player_of(provider: &Provider, link: &str, html: Option<&str>) -> Option<String> {
    let url = Url::parse(link).ok()?;
    let segments: Vec<&str> = url.path_segments()?.filter(|s| !s.is_empty()).collect();
    let after = |name: &str| {
        segments
            .iter()
            .position(|s| *s == name)
            .and_then(|i| segments.get(i + 1))
            .copied()
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    match provider.name {
        "x" => after("status")
            .filter(|id| digits(id))
            .map(|id| format!("https://platform.twitter.com/embed/Tweet.html?id={id}")),
        "instagram" => {
            let code = after("p")
                .or_else(|| after("reel"))
                .or_else(|| after("tv"))?;
            code.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
                .then(|| format!("https://www.instagram.com/p/{code}/embed"))
        }
        "tiktok" => after("video")
            .filter(|id| digits(id))
            .map(|id| format!("https://www.tiktok.com/embed/v2/{id}")),
        "bluesky" => {
            let html = html?;
            let at = html.find("at://did:")?;
            let uri: String = html[at + 5..]
                .chars()
                .take_while(|c| {
                    c.is_ascii_alphanumeric() || matches!(c, ':' | '.' | '/' | '_' | '-')
                })
                .collect();
            let mut parts = uri.split('/');
            let (did, collection, rkey) = (parts.next()?, parts.next()?, parts.next()?);
            (collection == "app.bsky.feed.post" && parts.next().is_none())
                .then(|| format!("https://embed.bsky.app/embed/{did}/app.bsky.feed.post/{rkey}"))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_iframe_src_is_read_from_the_html() {
        assert_eq!(
            iframe_src(
                r#"<script>x</script><iframe width="200" data-src="https://evil/" src="https://www.youtube.com/embed/abc?feature=oembed&amp;x=1" allowfullscreen></iframe>"#
            )
            .as_deref(),
            Some("https://www.youtube.com/embed/abc?feature=oembed&x=1")
        );
        assert_eq!(
            iframe_src("<IFRAME SRC='https://w.soundcloud.com/player/?url=1'>").as_deref(),
            Some("https://w.soundcloud.com/player/?url=1")
        );
        assert_eq!(iframe_src("<blockquote>no frame</blockquote>"), None);
    }

    #[test]
    fn titles_are_plain_text() {
        assert_eq!(
            plain_title("  A <b>bold</b>\n title <img src=x onerror=alert(1)>"),
            "A bold title"
        );
        assert_eq!(plain_title(&"x".repeat(400)).len(), MAX_TITLE_CHARS);
    }

    #[test]
    fn endpoints_carry_the_link_and_players_are_made_for_script_providers() {
        let youtube = embeds::by_name("youtube").unwrap();
        assert_eq!(
            endpoint(youtube, "https://youtu.be/abc").as_deref(),
            Some("https://www.youtube.com/oembed?url=https%3A%2F%2Fyoutu.be%2Fabc&format=json")
        );
        let mastodon = embeds::by_name("mastodon").unwrap();
        assert_eq!(
            endpoint(mastodon, "https://mastodon.social/@a/1").as_deref(),
            Some(
                "https://mastodon.social/api/oembed?url=https%3A%2F%2Fmastodon.social%2F%40a%2F1&format=json"
            )
        );
        assert_eq!(endpoint(embeds::by_name("instagram").unwrap(), "x"), None);
        let x = embeds::by_name("x").unwrap();
        assert_eq!(
            player_of(x, "https://x.com/nasa/status/123", None).as_deref(),
            Some("https://platform.twitter.com/embed/Tweet.html?id=123")
        );
        let bluesky = embeds::by_name("bluesky").unwrap();
        assert_eq!(
            player_of(
                bluesky,
                "https://bsky.app/profile/a.b/post/3k",
                Some(r#"<blockquote data-bluesky-uri="at://did:plc:abc/app.bsky.feed.post/3k">"#)
            )
            .as_deref(),
            Some("https://embed.bsky.app/embed/did:plc:abc/app.bsky.feed.post/3k")
        );
    }
}
