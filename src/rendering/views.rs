//! View models: what each reader page shows, computed from the site and its
//! stories, with dates already formatted in the site's time zone and format.

use serde::Serialize;

use crate::articles::Article;
use crate::media::{DerivativeFormat, Media};
use crate::site::Site;
use crate::storage::SectionRow;

/// Site-wide values every page shows, and the language the page is in:
/// the site's, or an article page's story's.
#[derive(Debug, Serialize)]
pub(crate) struct SiteView<'a> {
    pub name: &'a str,
    /// The site's language (feeds keep it).
    pub language: &'a str,
    pub base_url: &'a str,
    /// The page's language, for `<html lang>`.
    pub lang: &'a str,
    /// `rtl` or `ltr`, for `<html dir>`.
    pub dir: &'static str,
    /// The reader-facing words in the page's language (handed to the
    /// templates as a value built once per language, not per page).
    #[serde(serialize_with = "labels_value")]
    pub labels: &'static crate::languages::Labels,
    /// The site menu (empty: none shown).
    pub menu: &'a [crate::pages::menu::MenuLink],
    /// The breaking-news banner, when one shows.
    pub banner: Option<&'a crate::fronts::Banner>,
}

/// Serializes a language's labels as the template value built for it once:
/// 94 strings copied into a fresh map on every page were a tenth of an
/// uncached page's rendering.
fn labels_value<S: serde::Serializer>(
    labels: &&'static crate::languages::Labels,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    static VALUES: std::sync::LazyLock<Vec<minijinja::Value>> = std::sync::LazyLock::new(|| {
        crate::languages::labels::ALL
            .iter()
            .map(|labels| minijinja::Value::from(minijinja::value::Serde(labels)))
            .collect()
    });
    match crate::languages::labels::ALL
        .iter()
        .position(|known| std::ptr::eq(*known, *labels))
    {
        Some(i) => VALUES[i].serialize(serializer),
        None => labels.serialize(serializer),
    }
}

/// One entry of the section navigation.
#[derive(Debug, Serialize)]
pub(crate) struct NavItem<'a> {
    pub slug: &'a str,
    pub name: &'a str,
    pub current: bool,
}

/// A story in a list: linked title and teaser.
#[derive(Debug, Serialize)]
pub(crate) struct StoryItem {
    pub headline: String,
    pub path: String,
    pub teaser: String,
    pub published: String,
    pub published_iso: String,
}

/// A correction as readers see it.
#[derive(Debug, Serialize)]
pub(crate) struct CorrectionView {
    pub date: String,
    pub iso: String,
    pub note: String,
}

/// The article page's story.
#[derive(Debug, Serialize)]
pub(crate) struct ArticleView<'a> {
    pub headline: &'a str,
    pub standfirst: &'a str,
    /// The body as readers see it: the stored body, or (the story page)
    /// with its library images and embeds drawn (`rendering::body`).
    pub body_html: std::borrow::Cow<'a, str>,
    /// The body has click-to-load embeds: the page loads their script.
    pub embeds_script: bool,
    pub dateline: &'a str,
    /// The byline names in order, each linked to its person's page when
    /// the story is filed under one (see [`bylines`]).
    pub bylines: Vec<BylineView>,
    pub section: &'a crate::articles::SectionRef,
    pub url: String,
    pub last_update: String,
    pub last_update_iso: String,
    pub corrections: Vec<CorrectionView>,
    /// The story's public history (`<address>/changes`), linked once it has
    /// more than its first publication to show.
    pub changes_path: Option<String>,
    /// schema.org `NewsArticle` JSON-LD, escaped for a script element.
    pub json_ld: String,
    /// Open Graph and Twitter card tags.
    pub meta: Vec<crate::rendering::structured_data::MetaTag>,
    /// The lead image, when the story has one (set by the caller, which
    /// loads it: see [`image_view`]).
    pub lead_image: Option<ImageView>,
    /// The topics the story is filed under, linked to their pages.
    pub topics: Vec<TopicLink>,
    /// Kept fields for theme templates: `article.fields.<name>` is the
    /// value's text (a list of texts for a list).
    pub fields: serde_json::Map<String, serde_json::Value>,
    /// The story's language tag.
    pub language: &'a str,
    /// The story in each language readers may read it in, itself included
    /// (`<link rel="alternate" hreflang>`); empty without a translation
    /// readers may see (set by the caller).
    pub alternates: Vec<AlternateView>,
}

/// One language a story can be read in.
#[derive(Debug, Serialize)]
pub(crate) struct AlternateView {
    /// The BCP 47 tag, for `hreflang` and `lang`.
    pub language: String,
    /// The language's own name (`Français`, `العربية`).
    pub name: String,
    /// `rtl` or `ltr`.
    pub dir: &'static str,
    /// The absolute URL.
    pub href: String,
    /// The page being shown.
    pub current: bool,
}

/// The alternates of a story `current` among its readable `translations`.
pub(crate) fn alternates(
    site: &Site,
    current: i64,
    translations: &[crate::articles::translations::Translation],
) -> Vec<AlternateView> {
    translations
        .iter()
        .map(|t| AlternateView {
            language: t.language.clone(),
            name: crate::languages::labels::endonym(&t.language),
            dir: crate::languages::direction(&t.language),
            href: format!("{}{}", site.base_url, t.path),
            current: t.id == current,
        })
        .collect()
}

/// An image as a responsive `<picture>`: WebP and JPEG `srcset`s over the
/// derivative widths, intrinsic size, alt text, caption and credit.
#[derive(Debug, Serialize)]
pub(crate) struct ImageView {
    pub src: String,
    pub srcset: String,
    pub webp_srcset: String,
    pub sizes: &'static str,
    pub width: u32,
    pub height: u32,
    pub alt: String,
    pub caption: String,
    pub credit: String,
}

/// How wide an article image is shown: the text column (44rem less padding)
/// on wide screens, the viewport less padding otherwise.
pub(crate) const ARTICLE_IMAGE_SIZES: &str = "(min-width: 44rem) 42rem, calc(100vw - 2rem)";

/// The lead image view of an uploaded image.
pub(crate) fn image_view(media: &Media) -> ImageView {
    let srcset = |format| {
        media
            .derivatives_of(format)
            .iter()
            .map(|d| format!("{} {}w", media.url(d), d.width))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let jpegs = media.derivatives_of(DerivativeFormat::Jpeg);
    // The fallback `src`: the widest JPEG up to 1024 pixels.
    let fallback = jpegs
        .iter()
        .rev()
        .find(|d| d.width <= 1024)
        .or(jpegs.first());
    let (src, width, height) = match fallback {
        Some(d) => (media.url(d), d.width, d.height),
        None => (media.original_url(), media.width, media.height),
    };
    ImageView {
        src,
        srcset: srcset(DerivativeFormat::Jpeg),
        webp_srcset: srcset(DerivativeFormat::Webp),
        sizes: ARTICLE_IMAGE_SIZES,
        width,
        height,
        alt: media.alt.clone(),
        caption: media.caption.clone(),
        credit: media.credit.clone(),
    }
}

/// The context of the article page.
#[derive(Debug, Serialize)]
pub(crate) struct ArticlePage<'a> {
    pub site: SiteView<'a>,
    pub nav: Vec<NavItem<'a>>,
    pub article: ArticleView<'a>,
    pub more: Vec<StoryItem>,
    /// Feeds the page advertises with `<link rel="alternate">`.
    pub feeds: Vec<crate::feeds::FeedLink>,
    /// The story's comments, when the site shows them.
    pub comments: Option<CommentsView>,
    /// The live blog, when the story is one.
    pub live: Option<crate::rendering::live::LiveView>,
}

/// A story's comments as readers see them.
#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct CommentsView {
    pub threads: Vec<CommentView>,
    pub count: usize,
    /// Readers may post (the site allows it and the story is open).
    pub open: bool,
    /// Where the form posts.
    pub action: String,
}

/// One approved comment: no e-mail address, ever.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct CommentView {
    pub id: i64,
    pub author_name: String,
    pub author_url: Option<String>,
    pub date: String,
    pub iso: String,
    pub paragraphs: Vec<Vec<String>>,
    pub replies: Vec<CommentView>,
}

/// The comment threads as readers see them.
pub(crate) fn comment_views(site: &Site, threads: &[crate::comments::Shown]) -> Vec<CommentView> {
    threads
        .iter()
        .map(|c| CommentView {
            id: c.id,
            author_name: c.author_name.clone(),
            author_url: c.author_url.clone(),
            date: site.format_date(c.created_at, "medium"),
            iso: iso(site, c.created_at),
            paragraphs: c.paragraphs.clone(),
            replies: comment_views(site, &c.replies),
        })
        .collect()
}

/// The context of the page a reader sees after posting a comment (or
/// when it was refused, with what they typed).
#[derive(Debug, Serialize)]
pub(crate) struct CommentPage<'a> {
    pub site: SiteView<'a>,
    pub nav: Vec<NavItem<'a>>,
    pub title: &'a str,
    pub message: String,
    pub story_path: String,
    pub story_headline: &'a str,
    /// The form again (with the text kept) when the comment was refused.
    pub form: Option<crate::comments::CommentInput>,
    pub action: String,
}

/// A section's block on the home page.
#[derive(Debug, Serialize)]
pub(crate) struct SectionGroup<'a> {
    pub section: &'a SectionRow,
    pub stories: Vec<StoryItem>,
}

/// The context of the home page.
#[derive(Debug, Serialize)]
pub(crate) struct HomePage<'a> {
    pub site: SiteView<'a>,
    pub nav: Vec<NavItem<'a>>,
    pub url: String,
    /// The story an editor put first (see `crate::fronts`).
    pub lead: Option<StoryItem>,
    /// The top stories the editor pinned after the lead.
    pub top: Vec<StoryItem>,
    pub groups: Vec<SectionGroup<'a>>,
    pub feeds: Vec<crate::feeds::FeedLink>,
}

/// The context of a section front.
#[derive(Debug, Serialize)]
pub(crate) struct SectionPage<'a> {
    pub site: SiteView<'a>,
    pub nav: Vec<NavItem<'a>>,
    pub section: &'a SectionRow,
    pub url: String,
    pub page: u32,
    /// The story an editor put first (first page only).
    pub lead: Option<StoryItem>,
    /// The top stories pinned after the lead (first page only).
    pub top: Vec<StoryItem>,
    pub stories: Vec<StoryItem>,
    pub older: Option<String>,
    pub newer: Option<String>,
    pub feeds: Vec<crate::feeds::FeedLink>,
}

/// One name of a byline: linked to the person's page when there is one.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct BylineView {
    pub name: String,
    pub path: Option<String>,
}

/// A story's byline names in order, each linked to the person of `people`
/// (the people the story is filed under) it names; a name no person has
/// (a deleted person's) stays plain text.
pub(crate) fn bylines(names: &[String], people: &[crate::people::Person]) -> Vec<BylineView> {
    names
        .iter()
        .map(|name| BylineView {
            name: name.clone(),
            path: people
                .iter()
                .find(|p| p.name.to_lowercase() == name.to_lowercase())
                .map(|p| crate::people::path(&p.slug)),
        })
        .collect()
}

/// The context of a person's page: their profile and the newest stories
/// crediting them, a page at a time.
#[derive(Debug, Serialize)]
pub(crate) struct PersonPage<'a> {
    pub site: SiteView<'a>,
    pub nav: Vec<NavItem<'a>>,
    pub person: &'a crate::people::Person,
    pub photo: Option<ImageView>,
    pub url: String,
    pub page: u32,
    pub stories: Vec<StoryItem>,
    pub older: Option<String>,
    pub newer: Option<String>,
    pub feeds: Vec<crate::feeds::FeedLink>,
}

/// How wide a person's photo is shown.
pub(crate) const PHOTO_SIZES: &str = "10rem";

/// A link to a topic's page.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct TopicLink {
    pub name: String,
    pub path: String,
}

impl From<&crate::topics::Topic> for TopicLink {
    fn from(topic: &crate::topics::Topic) -> TopicLink {
        TopicLink {
            name: topic.name.clone(),
            path: crate::topics::path(&topic.slug),
        }
    }
}

/// The context of a topic page: the newest stories filed under it, a page
/// at a time.
#[derive(Debug, Serialize)]
pub(crate) struct TopicPage<'a> {
    pub site: SiteView<'a>,
    pub nav: Vec<NavItem<'a>>,
    pub topic: &'a crate::topics::Topic,
    /// The broader topic, when it has one.
    pub parent: Option<TopicLink>,
    pub url: String,
    pub page: u32,
    pub stories: Vec<StoryItem>,
    pub older: Option<String>,
    pub newer: Option<String>,
    pub feeds: Vec<crate::feeds::FeedLink>,
}

/// A link to a page: its title and address.
#[derive(Debug, Serialize)]
pub(crate) struct PageLink {
    pub title: String,
    pub path: String,
}

impl From<&crate::pages::Page> for PageLink {
    fn from(page: &crate::pages::Page) -> PageLink {
        PageLink {
            title: page.title.clone(),
            path: page.path.clone(),
        }
    }
}

/// The context of a standalone page (About, Contact): its published
/// parents as breadcrumbs and its published children.
#[derive(Debug, Serialize)]
pub(crate) struct StandalonePage<'a> {
    pub site: SiteView<'a>,
    pub nav: Vec<NavItem<'a>>,
    pub url: String,
    pub page: &'a crate::pages::Page,
    pub ancestors: Vec<PageLink>,
    pub children: Vec<PageLink>,
}

/// The context of an error page.
#[derive(Debug, Serialize)]
pub(crate) struct ErrorPage<'a> {
    pub site: SiteView<'a>,
    pub nav: Vec<NavItem<'a>>,
    pub title: &'a str,
    pub message: &'a str,
    /// Shown for failures of ours, so a report can be matched to the log.
    pub request_id: Option<&'a str>,
}

impl<'a> SiteView<'a> {
    /// A page in the site's language.
    pub(crate) fn new(site: &'a Site) -> SiteView<'a> {
        SiteView::in_language(site, &site.language)
    }

    /// A page in `language` (a story's), the site's when empty.
    pub(crate) fn in_language(site: &'a Site, language: &'a str) -> SiteView<'a> {
        let lang = if language.is_empty() {
            site.language.as_str()
        } else {
            language
        };
        SiteView {
            name: &site.name,
            language: &site.language,
            base_url: &site.base_url,
            lang,
            dir: crate::languages::direction(lang),
            labels: crate::languages::for_language(lang),
            menu: &[],
            banner: None,
        }
    }

    /// With the site menu's `links`.
    pub(crate) fn with_menu(self, links: &'a [crate::pages::menu::MenuLink]) -> SiteView<'a> {
        SiteView {
            menu: links,
            ..self
        }
    }

    /// With the breaking-news banner, if one shows.
    pub(crate) fn with_banner(self, banner: Option<&'a crate::fronts::Banner>) -> SiteView<'a> {
        SiteView { banner, ..self }
    }
}

/// The navigation, marking `current` (a section slug) as the current page.
pub(crate) fn nav<'a>(sections: &'a [SectionRow], current: Option<&str>) -> Vec<NavItem<'a>> {
    sections
        .iter()
        .map(|s| NavItem {
            slug: &s.slug,
            name: &s.name,
            current: current == Some(s.slug.as_str()),
        })
        .collect()
}

/// An ISO 8601 time in the site's zone, for `<time datetime>`.
pub(crate) fn iso(site: &Site, unix_seconds: i64) -> String {
    site.format_date(unix_seconds, "c")
}

/// A story as a list item.
pub(crate) fn story_item(site: &Site, article: &Article) -> StoryItem {
    let published = article.first_published_at.unwrap_or(article.created_at);
    StoryItem {
        headline: article.headline.clone(),
        path: article.path(),
        teaser: article.teaser_text(site.teaser_length),
        published: site.format_date(published, "medium"),
        published_iso: iso(site, published),
    }
}

/// The article page's story.
pub(crate) fn article_view<'a>(site: &'a Site, article: &'a Article) -> ArticleView<'a> {
    let updated = article
        .last_update_at
        .or(article.first_published_at)
        .unwrap_or(article.modified_at);
    ArticleView {
        headline: &article.headline,
        standfirst: &article.standfirst,
        body_html: article.body_html.as_str().into(),
        embeds_script: false,
        dateline: &article.dateline,
        bylines: bylines(&article.bylines, &[]),
        section: &article.section,
        url: format!("{}{}", site.base_url, article.path()),
        last_update: site.format_date(updated, "medium"),
        last_update_iso: iso(site, updated),
        corrections: article
            .corrections
            .iter()
            .map(|c| CorrectionView {
                date: site.format_date(c.at, "medium"),
                iso: iso(site, c.at),
                note: c.note.clone(),
            })
            .collect(),
        changes_path: (!article.corrections.is_empty()
            || article.last_update_at > article.first_published_at)
            .then(|| crate::corrections::changes_path(article)),
        // Filled by the story page, which knows the lead image's address,
        // the topics and the people (a preview has neither).
        json_ld: String::new(),
        meta: Vec::new(),
        lead_image: None,
        topics: Vec::new(),
        fields: crate::articles::fields::plain(&article.fields),
        language: if article.language.is_empty() {
            &site.language
        } else {
            &article.language
        },
        alternates: Vec::new(),
    }
}
