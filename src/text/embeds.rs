//! Which links masthead embeds, and which player addresses each provider may
//! be framed from: the allow-list the body sanitizer applies to stored
//! embeds (`<figure data-embed="..." data-embed-src="...">`) and that the
//! oEmbed fetcher and the reader rendering share. Pure rules, no I/O.

use reqwest::Url;

/// One provider of embeds.
#[derive(Debug, PartialEq, Eq)]
pub struct Provider {
    /// The name a stored embed carries (`data-embed`).
    pub name: &'static str,
    /// What readers and editors are told (`YouTube`).
    pub label: &'static str,
    /// The hosts whose pages a link of this provider lives on.
    link_hosts: &'static [&'static str],
    /// The hosts its player may be framed from (empty for Mastodon: the
    /// instance's own host, see [`frame_allowed`]).
    pub frame_hosts: &'static [&'static str],
}

/// The allow-list.
pub const PROVIDERS: &[Provider] = &[
    Provider {
        name: "youtube",
        label: "YouTube",
        link_hosts: &[
            "youtube.com",
            "www.youtube.com",
            "m.youtube.com",
            "youtu.be",
        ],
        frame_hosts: &["www.youtube.com", "www.youtube-nocookie.com"],
    },
    Provider {
        name: "vimeo",
        label: "Vimeo",
        link_hosts: &["vimeo.com", "www.vimeo.com"],
        frame_hosts: &["player.vimeo.com"],
    },
    Provider {
        name: "x",
        label: "X",
        link_hosts: &[
            "x.com",
            "www.x.com",
            "twitter.com",
            "www.twitter.com",
            "mobile.twitter.com",
        ],
        frame_hosts: &["platform.twitter.com"],
    },
    Provider {
        name: "instagram",
        label: "Instagram",
        link_hosts: &["instagram.com", "www.instagram.com"],
        frame_hosts: &["www.instagram.com"],
    },
    Provider {
        name: "tiktok",
        label: "TikTok",
        link_hosts: &["tiktok.com", "www.tiktok.com"],
        frame_hosts: &["www.tiktok.com"],
    },
    Provider {
        name: "bluesky",
        label: "Bluesky",
        link_hosts: &["bsky.app"],
        frame_hosts: &["embed.bsky.app"],
    },
    Provider {
        name: "mastodon",
        label: "Mastodon",
        link_hosts: &[],
        frame_hosts: &[],
    },
    Provider {
        name: "soundcloud",
        label: "SoundCloud",
        link_hosts: &["soundcloud.com", "www.soundcloud.com", "m.soundcloud.com"],
        frame_hosts: &["w.soundcloud.com"],
    },
    Provider {
        name: "spotify",
        label: "Spotify",
        link_hosts: &["open.spotify.com"],
        frame_hosts: &["open.spotify.com"],
    },
];

/// The provider named `name`.
pub fn by_name(name: &str) -> Option<&'static Provider> {
    PROVIDERS.iter().find(|p| p.name == name)
}

/// Whether `path` is a Mastodon status (`/@user/123`), on any instance.
fn mastodon_status(path: &str) -> bool {
    let mut parts = path.trim_end_matches('/').split('/').skip(1);
    matches!(
        (parts.next(), parts.next(), parts.next()),
        (Some(user), Some(id), None)
            if user.len() > 1 && user.starts_with('@') && !id.is_empty()
                && id.bytes().all(|b| b.is_ascii_digit())
    )
}

/// The provider a link an editor pasted belongs to, if masthead embeds it:
/// an http(s) address on one of a provider's hosts with a path that names
/// a post or a player (a home page is not an embed), or a Mastodon status
/// on any instance (recognised by its `/@user/<number>` address).
pub fn provider_of(link: &str) -> Option<&'static Provider> {
    let url = Url::parse(link.trim()).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    let host = url.host_str()?.to_ascii_lowercase();
    let path = url.path();
    let provider = PROVIDERS
        .iter()
        .find(|p| p.link_hosts.contains(&host.as_str()))?;
    let named = match provider.name {
        "youtube" => {
            path == "/watch" && url.query_pairs().any(|(k, v)| k == "v" && !v.is_empty())
                || (host == "youtu.be" && path.len() > 1)
                || path.starts_with("/shorts/")
                || path.starts_with("/live/")
        }
        "vimeo" => {
            path.len() > 1
                && path[1..]
                    .bytes()
                    .take_while(|b| *b != b'/')
                    .all(|b| b.is_ascii_digit())
        }
        "x" => path.contains("/status/"),
        "instagram" => ["/p/", "/reel/", "/tv/"]
            .iter()
            .any(|p| path.starts_with(p)),
        "tiktok" => path.contains("/video/"),
        "bluesky" => path.starts_with("/profile/") && path.contains("/post/"),
        "soundcloud" => path.trim_matches('/').split('/').count() >= 2,
        "spotify" => [
            "/track/",
            "/album/",
            "/playlist/",
            "/episode/",
            "/show/",
            "/artist/",
        ]
        .iter()
        .any(|p| path.starts_with(p)),
        _ => false,
    };
    named.then_some(provider)
}

/// The Mastodon provider for a status link, on any instance.
pub fn mastodon_of(link: &str) -> Option<&'static Provider> {
    let url = Url::parse(link.trim()).ok()?;
    (matches!(url.scheme(), "http" | "https")
        && url.host_str().is_some()
        && mastodon_status(url.path()))
    .then(|| by_name("mastodon"))
    .flatten()
}

/// Whether the player address `src` may be framed for an embed of
/// `provider` whose link is `link`: https only, on one of the provider's
/// frame hosts; a Mastodon player only on the status's own instance, at
/// the status's `/embed` address.
pub fn frame_allowed(provider: &str, link: &str, src: &str) -> bool {
    let (Some(provider), Ok(src)) = (by_name(provider), Url::parse(src)) else {
        return false;
    };
    if src.scheme() != "https" || src.port().is_some() || !src.username().is_empty() {
        return false;
    }
    let Some(host) = src.host_str() else {
        return false;
    };
    if provider.name == "mastodon" {
        let Ok(link) = Url::parse(link) else {
            return false;
        };
        return link.host_str() == Some(host)
            && src
                .path()
                .strip_suffix("/embed")
                .is_some_and(mastodon_status);
    }
    provider.frame_hosts.contains(&host)
}

/// Whether `src` is a player address of some provider (the body sanitizer
/// sees one attribute at a time; [`frame_allowed`] decides with the whole
/// embed when it is shown).
pub fn frame_plausible(src: &str) -> bool {
    let Ok(url) = Url::parse(src) else {
        return false;
    };
    if url.scheme() != "https" || url.port().is_some() || !url.username().is_empty() {
        return false;
    }
    let Some(host) = url.host_str() else {
        return false;
    };
    PROVIDERS.iter().any(|p| p.frame_hosts.contains(&host))
        || url
            .path()
            .strip_suffix("/embed")
            .is_some_and(mastodon_status)
}

/// How readers see an embed: a placeholder with the provider's link that
/// loads the player only when the reader asks (nothing is fetched from the
/// provider before: the default, for readers' privacy), or the player in a
/// sandboxed iframe straight away.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum EmbedDisplay {
    #[default]
    ClickToLoad,
    Frame,
}

/// The reader CSP's `frame-src`: every provider's fixed player hosts
/// (Mastodon players live on each instance's own host, which no fixed list
/// can name: a page with one names its instance, [`instance_frame_host`]).
pub fn frame_src() -> String {
    PROVIDERS
        .iter()
        .flat_map(|p| p.frame_hosts)
        .map(|host| format!("https://{host}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The host a page's CSP must add to its `frame-src` to frame `src`, a
/// player of `provider` that lives on its instance's own host (Mastodon):
/// https on the default port, a plain DNS name (letters, digits, dots and
/// hyphens only, so it can never break out of the CSP header). Whether the
/// embed may be framed at all is [`frame_allowed`]'s answer.
pub fn instance_frame_host(provider: &str, src: &str) -> Option<String> {
    if provider != "mastodon" {
        return None;
    }
    let url = Url::parse(src).ok()?;
    if url.scheme() != "https" || url.port().is_some() || !url.username().is_empty() {
        return None;
    }
    let host = url.host_str()?;
    let plain = host.contains('.')
        && host
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-');
    (plain && url.domain().is_some()).then(|| host.to_owned())
}

/// Whether the reader CSP lets a page frame `src`: https on one of the
/// fixed player hosts.
pub fn in_reader_csp(src: &str) -> bool {
    Url::parse(src).is_ok_and(|url| {
        url.scheme() == "https"
            && url.port().is_none()
            && url
                .host_str()
                .is_some_and(|host| PROVIDERS.iter().any(|p| p.frame_hosts.contains(&host)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_of_each_provider_are_recognised_and_others_are_not() {
        for (link, name) in [
            ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", "youtube"),
            ("https://youtu.be/dQw4w9WgXcQ", "youtube"),
            ("https://www.youtube.com/shorts/abc", "youtube"),
            ("https://vimeo.com/76979871", "vimeo"),
            ("https://x.com/nasa/status/1234567890", "x"),
            ("https://twitter.com/nasa/status/1234567890", "x"),
            ("https://www.instagram.com/p/Cabc123/", "instagram"),
            (
                "https://www.tiktok.com/@scout2015/video/6718335390845095173",
                "tiktok",
            ),
            ("https://bsky.app/profile/bsky.app/post/3k2abc", "bluesky"),
            ("https://soundcloud.com/artist/track-name", "soundcloud"),
            (
                "https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC",
                "spotify",
            ),
        ] {
            assert_eq!(provider_of(link).map(|p| p.name), Some(name), "{link}");
        }
        for link in [
            "https://www.youtube.com/",
            "https://evil.example/watch?v=x",
            "javascript:alert(1)",
            "https://vimeo.com/about",
            "https://x.com/nasa",
            "ftp://open.spotify.com/track/x",
        ] {
            assert_eq!(provider_of(link), None, "{link}");
        }
        assert_eq!(
            mastodon_of("https://mastodon.social/@Gargron/109123456789").map(|p| p.name),
            Some("mastodon")
        );
        assert_eq!(mastodon_of("https://mastodon.social/about"), None);
    }

    #[test]
    fn players_are_framed_only_from_their_providers_hosts() {
        assert!(frame_allowed(
            "youtube",
            "",
            "https://www.youtube-nocookie.com/embed/abc"
        ));
        assert!(frame_allowed(
            "vimeo",
            "",
            "https://player.vimeo.com/video/76979871"
        ));
        assert!(!frame_allowed(
            "youtube",
            "",
            "http://www.youtube.com/embed/abc"
        ));
        assert!(!frame_allowed(
            "youtube",
            "",
            "https://player.vimeo.com/video/1"
        ));
        assert!(!frame_allowed(
            "youtube",
            "",
            "https://www.youtube.com:8443/embed/abc"
        ));
        assert!(!frame_allowed(
            "nosuch",
            "",
            "https://www.youtube.com/embed/abc"
        ));
        let status = "https://mastodon.social/@Gargron/109123456789";
        assert!(frame_allowed(
            "mastodon",
            status,
            "https://mastodon.social/@Gargron/109123456789/embed"
        ));
        assert!(!frame_allowed(
            "mastodon",
            status,
            "https://evil.example/@Gargron/109123456789/embed"
        ));
        assert!(frame_plausible("https://evil.example/@a/1/embed"));
        assert!(!frame_plausible("https://evil.example/player"));
        assert!(!frame_plausible("javascript:alert(1)"));
    }

    #[test]
    fn an_instance_host_is_named_only_when_it_is_a_plain_https_name() {
        assert_eq!(
            instance_frame_host("mastodon", "https://mastodon.social/@a/1/embed").as_deref(),
            Some("mastodon.social")
        );
        for src in [
            "http://mastodon.social/@a/1/embed",
            "https://mastodon.social:8443/@a/1/embed",
            "https://127.0.0.1/@a/1/embed",
            "https://localhost/@a/1/embed",
            "https://u@mastodon.social/@a/1/embed",
            "https://xn--bcher-kva.example;script-src/@a/1/embed",
            "not a url",
        ] {
            assert_eq!(instance_frame_host("mastodon", src), None, "{src}");
        }
        assert_eq!(
            instance_frame_host("youtube", "https://www.youtube.com/embed/a"),
            None
        );
    }
}
