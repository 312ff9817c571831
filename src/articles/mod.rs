//! Articles: the story itself, its status and visibility, and saving one as a
//! full immutable revision with its changes-feed events.

pub mod fields;
pub mod limits;
pub mod revisions;
mod slugs;
pub mod translations;

pub use slugs::{InvalidSlug, Slug};

use serde::{Deserialize, Serialize};

use crate::storage::{
    ArticleRow, Columns, NewEvent, NewRevision, StorageError, Store, WriteExtras,
};
use crate::text::markdown;

/// Where a story is in the editorial workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Draft,
    Review,
    Scheduled,
    Published,
    Unpublished,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Review => "review",
            Status::Scheduled => "scheduled",
            Status::Published => "published",
            Status::Unpublished => "unpublished",
        }
    }

    pub fn parse(text: &str) -> Option<Status> {
        Some(match text {
            "draft" => Status::Draft,
            "review" => Status::Review,
            "scheduled" => Status::Scheduled,
            "published" => Status::Published,
            "unpublished" => Status::Unpublished,
            _ => return None,
        })
    }
}

/// How the body source is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BodyFormat {
    Markdown,
    Html,
}

/// A dated note shown to readers under a corrected story.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Correction {
    pub at: i64,
    pub note: String,
}

/// The primary section of an article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SectionRef {
    pub id: i64,
    pub slug: String,
    pub name: String,
}

/// A story with every field, as a revision records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Article {
    pub id: i64,
    pub section: SectionRef,
    pub slug: Slug,
    pub headline: String,
    pub standfirst: String,
    /// A hand-written teaser; when absent the automatic one is shown.
    pub teaser: Option<String>,
    pub body_source: String,
    pub body_format: BodyFormat,
    pub body_html: String,
    pub dateline: String,
    pub bylines: Vec<String>,
    pub tags: Vec<String>,
    pub other_sections: Vec<i64>,
    pub lead_image: Option<String>,
    pub corrections: Vec<Correction>,
    pub status: Status,
    pub scheduled_at: Option<i64>,
    pub embargo_until: Option<i64>,
    pub first_published_at: Option<i64>,
    /// The editorial update time readers see as "Last update".
    pub last_update_at: Option<i64>,
    /// The technical modified time of the last save.
    pub modified_at: i64,
    pub created_at: i64,
    pub revision: i64,
    /// The account that created the story; writers may edit only their own.
    #[serde(default)]
    pub owner_id: Option<i64>,
    /// Extra named values with no field of their own (see [`fields`]).
    #[serde(default)]
    pub fields: fields::KeptFields,
    /// The story's language, a BCP 47 tag (see [`crate::languages`]); empty
    /// on a new story until it is stored with the site's.
    #[serde(default)]
    pub language: String,
    /// The translation set the story is in (the id of one of its stories),
    /// as of this revision.
    #[serde(default)]
    pub translation_set: Option<i64>,
    /// How the next save changes the translation set (`None` keeps it).
    #[serde(skip)]
    pub translation_link: Option<crate::storage::TranslationLink>,
    /// A custom canonical path (a moved site's `/2016/07/11/slug`): the
    /// story's address instead of `/<section>/<slug>`.
    #[serde(default)]
    pub canonical_path: Option<String>,
    /// Whether the story is a live blog (its posts and coverage live in
    /// `live`); read with the story, not part of its revisions.
    #[serde(skip)]
    pub live_blog: bool,
}

/// What can go wrong with an article.
#[derive(Debug, thiserror::Error)]
pub enum ArticleError {
    #[error("the headline is empty")]
    EmptyHeadline,
    #[error(transparent)]
    TooLarge(#[from] limits::LimitError),
    #[error(transparent)]
    InvalidSlug(#[from] InvalidSlug),
    #[error("{0} already exists")]
    Taken(String),
    /// A rule checked in the write's transaction refused it (a translation
    /// set that already has the story's language); nothing was written.
    #[error("{0}")]
    Refused(String),
    #[error("the story was changed by someone else since revision {0}")]
    Conflict(i64),
    #[error("stored story {id} is unreadable: {reason}")]
    Corrupt { id: i64, reason: String },
    #[error(transparent)]
    Storage(StorageError),
}

impl From<StorageError> for ArticleError {
    fn from(error: StorageError) -> ArticleError {
        match error {
            StorageError::Conflict(what) => ArticleError::Taken(what),
            StorageError::Refused(why) => ArticleError::Refused(why),
            other => ArticleError::Storage(other),
        }
    }
}

impl Article {
    /// The canonical path: the custom one, or `/<section>/<slug>`.
    pub fn path(&self) -> String {
        match &self.canonical_path {
            Some(path) => path.clone(),
            None => self.section_path(),
        }
    }

    /// The address every story has by its section and slug,
    /// `/<section>/<slug>`; with a custom canonical path it answers 301.
    pub fn section_path(&self) -> String {
        format!("/{}/{}", self.section.slug, self.slug)
    }

    /// Whether readers may see the story at `now`.
    pub fn is_visible(&self, now: i64) -> bool {
        self.status == Status::Published && self.embargo_until.is_none_or(|t| t <= now)
    }

    /// The teaser readers see: the hand-written one, or the body's first
    /// paragraph trimmed the way Drupal 7 Views trims it.
    pub fn teaser_text(&self, max_length: usize) -> String {
        match &self.teaser {
            Some(teaser) if !teaser.trim().is_empty() => teaser.clone(),
            _ => crate::text::teasers::from_html(&self.body_html, max_length),
        }
    }

    /// Parses a stored row.
    pub fn from_row(row: ArticleRow) -> Result<Article, ArticleError> {
        let id = row.id;
        let corrupt = |reason: String| ArticleError::Corrupt { id, reason };
        let json = |field: &str, text: &str| -> Result<serde_json::Value, ArticleError> {
            serde_json::from_str(text).map_err(|e| corrupt(format!("{field}: {e}")))
        };
        let list = |field: &str, text: &str| -> Result<Vec<String>, ArticleError> {
            serde_json::from_value(json(field, text)?).map_err(|e| corrupt(format!("{field}: {e}")))
        };
        Ok(Article {
            id,
            section: SectionRef {
                id: row.section_id,
                slug: row.section_slug,
                name: row.section_name,
            },
            slug: Slug::parse(&row.slug).map_err(|e| corrupt(e.to_string()))?,
            headline: row.headline,
            standfirst: row.standfirst,
            teaser: row.teaser,
            body_format: match row.body_format.as_str() {
                "html" => BodyFormat::Html,
                _ => BodyFormat::Markdown,
            },
            body_source: row.body_source,
            body_html: row.body_html,
            dateline: row.dateline,
            bylines: list("bylines", &row.bylines)?,
            tags: list("tags", &row.tags)?,
            other_sections: serde_json::from_value(json("other_sections", &row.other_sections)?)
                .map_err(|e| corrupt(format!("other_sections: {e}")))?,
            lead_image: row.lead_image,
            corrections: serde_json::from_value(json("corrections", &row.corrections)?)
                .map_err(|e| corrupt(format!("corrections: {e}")))?,
            status: Status::parse(&row.status)
                .ok_or_else(|| corrupt(format!("status {:?}", row.status)))?,
            scheduled_at: row.scheduled_at,
            embargo_until: row.embargo_until,
            first_published_at: row.first_published_at,
            last_update_at: row.last_update_at,
            modified_at: row.modified_at,
            created_at: row.created_at,
            revision: row.revision,
            owner_id: row.owner_id,
            fields: serde_json::from_value(json("fields", &row.fields)?)
                .map_err(|e| corrupt(format!("fields: {e}")))?,
            language: row.language,
            translation_set: row.translation_set,
            canonical_path: row.canonical_path,
            live_blog: row.live_blog,
            translation_link: None,
        })
    }

    /// The row to store.
    pub fn to_row(&self) -> ArticleRow {
        ArticleRow {
            id: self.id,
            section_id: self.section.id,
            section_slug: self.section.slug.clone(),
            section_name: self.section.name.clone(),
            slug: self.slug.to_string(),
            headline: self.headline.clone(),
            standfirst: self.standfirst.clone(),
            teaser: self.teaser.clone(),
            body_source: self.body_source.clone(),
            body_format: match self.body_format {
                BodyFormat::Markdown => "markdown".into(),
                BodyFormat::Html => "html".into(),
            },
            body_html: self.body_html.clone(),
            dateline: self.dateline.clone(),
            bylines: json(&self.bylines),
            tags: json(&self.tags),
            other_sections: json(&self.other_sections),
            lead_image: self.lead_image.clone(),
            corrections: json(&self.corrections),
            status: self.status.as_str().into(),
            scheduled_at: self.scheduled_at,
            embargo_until: self.embargo_until,
            first_published_at: self.first_published_at,
            last_update_at: self.last_update_at,
            modified_at: self.modified_at,
            created_at: self.created_at,
            revision: self.revision,
            owner_id: self.owner_id,
            fields: json(&self.fields),
            language: self.language.clone(),
            translation_set: self.translation_set,
            canonical_path: self.canonical_path.clone(),
            live_blog: self.live_blog,
            translation_link: self.translation_link,
            topics: self.tags.iter().map(|t| topic_name(t)).collect(),
            people: self.bylines.iter().map(|n| person_name(n)).collect(),
        }
    }

    /// Renders the body source to sanitized HTML.
    /// Checks every written field against `limits` (the slug is checked
    /// where an editor types it).
    pub fn check_limits(&self) -> Result<(), limits::LimitError> {
        use limits::*;
        check_chars("headline", &self.headline, HEADLINE_CHARS)?;
        check_chars("standfirst", &self.standfirst, STANDFIRST_CHARS)?;
        check_chars(
            "teaser",
            self.teaser.as_deref().unwrap_or_default(),
            STANDFIRST_CHARS,
        )?;
        check_chars("dateline", &self.dateline, DATELINE_CHARS)?;
        check_chars("bylines", &self.bylines.concat(), LIST_CHARS)?;
        check_chars("tags", &self.tags.concat(), LIST_CHARS)?;
        check_body(&self.body_source)
    }

    pub fn render_body(&mut self) {
        self.body_html = match self.body_format {
            BodyFormat::Markdown => markdown::to_html(&self.body_source),
            BodyFormat::Html => markdown::sanitize(&self.body_source),
        };
    }

    /// The full snapshot a revision stores.
    pub fn snapshot(&self) -> String {
        serde_json::to_string(self).expect("an article serializes")
    }

    /// The cache tags a change to this story in its current state touches:
    /// its page, and when readers can see it, its section's lists, the home
    /// page and the feeds.
    pub fn tags_touched(&self) -> Vec<String> {
        let mut tags = vec![format!("article:{}", self.id)];
        if self.status == Status::Published {
            tags.extend([
                format!("section:{}", self.section.slug),
                "home".into(),
                "feed".into(),
            ]);
        }
        tags
    }

    /// The cache tags a save from `before` to `self` touches: both states'
    /// tags, so unpublishing a story or moving it to another section purges
    /// the lists it leaves as well as those it joins. Every save of an
    /// existing story must carry these tags in its event.
    pub fn change_tags(&self, before: &Article) -> Vec<String> {
        let mut tags = self.tags_touched();
        for tag in before.tags_touched() {
            if !tags.contains(&tag) {
                tags.push(tag);
            }
        }
        tags
    }
}

/// Serializes a list field to the JSON text storage keeps.
fn json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("a list serializes")
}

/// A new story as an editor or an import writes it.
#[derive(Debug, Clone)]
pub struct NewArticle {
    pub section: SectionRef,
    pub slug: Option<Slug>,
    pub headline: String,
    pub standfirst: String,
    pub teaser: Option<String>,
    pub body_source: String,
    pub body_format: BodyFormat,
    pub dateline: String,
    pub bylines: Vec<String>,
    pub tags: Vec<String>,
}

impl NewArticle {
    /// A draft built from this input at `now`; `id` is assigned on insert.
    pub fn into_draft(self, now: i64) -> Result<Article, ArticleError> {
        let headline = self.headline.trim().to_owned();
        if headline.is_empty() {
            return Err(ArticleError::EmptyHeadline);
        }
        let mut article = Article {
            id: 0,
            slug: self.slug.unwrap_or_else(|| Slug::from_title(&headline)),
            section: self.section,
            headline,
            standfirst: self.standfirst,
            teaser: self.teaser.filter(|t| !t.trim().is_empty()),
            body_source: self.body_source,
            body_format: self.body_format,
            body_html: String::new(),
            dateline: self.dateline,
            bylines: self.bylines,
            tags: self.tags,
            other_sections: Vec::new(),
            lead_image: None,
            corrections: Vec::new(),
            status: Status::Draft,
            scheduled_at: None,
            embargo_until: None,
            first_published_at: None,
            last_update_at: None,
            modified_at: now,
            created_at: now,
            revision: 1,
            owner_id: None,
            fields: Default::default(),
            language: String::new(),
            translation_set: None,
            translation_link: None,
            canonical_path: None,
            live_blog: false,
        };
        // Before rendering: an oversized or too deeply nested body is
        // refused without being parsed.
        article.check_limits()?;
        article.render_body();
        Ok(article)
    }
}

impl Article {
    /// Marks the story published at `published_at`; the first publication
    /// sets the editorial update time too.
    pub fn mark_published(&mut self, published_at: i64) {
        self.status = Status::Published;
        self.first_published_at.get_or_insert(published_at);
        self.last_update_at.get_or_insert(published_at);
    }

    /// The first revision and events of a new story (the id is filled in by
    /// storage where `{id}` appears).
    pub fn creation_records<'a>(
        &self,
        author: &'a str,
        message: &'a str,
    ) -> (NewRevision<'a>, Vec<NewEvent>) {
        let mut tags = vec!["article:{id}".to_owned()];
        if self.status == Status::Published {
            tags.extend([
                format!("section:{}", self.section.slug),
                "home".into(),
                "feed".into(),
            ]);
        }
        let event = NewEvent {
            kind: if self.status == Status::Published {
                "article.published"
            } else {
                "article.created"
            }
            .into(),
            subject: "article:{id}".into(),
            tags,
            payload: serde_json::json!({ "section": self.section.slug, "slug": self.slug, "status": self.status }),
        };
        (
            NewRevision {
                author,
                message,
                snapshot: self.snapshot(),
            },
            vec![event],
        )
    }
}

/// Stores a new story as revision 1 and returns it with its id.
pub async fn create(
    store: &Store,
    article: Article,
    author: &str,
    message: &str,
) -> Result<Article, ArticleError> {
    create_with(store, article, author, message, &WriteExtras::default()).await
}

/// [`create`], recording `extras` (audit entries, an image's text) in the
/// same transaction.
pub async fn create_with(
    store: &Store,
    mut article: Article,
    author: &str,
    message: &str,
    extras: &WriteExtras,
) -> Result<Article, ArticleError> {
    if article.language.is_empty() {
        article.language = match store.site().await? {
            Some(site) => site.language,
            None => "en".into(),
        };
    }
    let (revision, events) = article.creation_records(author, message);
    article.id = store
        .insert_article_with(&article.to_row(), revision, &events, extras)
        .await?;
    Ok(article)
}

/// How a story files topic `name`: the name, and the slug a new topic of
/// that name gets.
pub fn topic_name(name: &str) -> crate::storage::TopicName {
    crate::storage::TopicName {
        name: name.to_owned(),
        slug: Slug::from_title(name).as_str().to_owned(),
    }
}

/// How a story files byline `name`: the name, and the slug a new person
/// of that name gets.
pub fn person_name(name: &str) -> crate::storage::PersonName {
    crate::storage::PersonName {
        name: name.to_owned(),
        slug: Slug::from_title(name).as_str().to_owned(),
    }
}

/// Loads a story by id, in any status.
pub async fn find(store: &Store, id: i64) -> Result<Option<Article>, ArticleError> {
    store.article(id).await?.map(Article::from_row).transpose()
}

/// The story at `/<section>/<slug>` if readers may see it at `now`.
pub async fn visible_by_path(
    store: &Store,
    section: &str,
    slug: &str,
    now: i64,
) -> Result<Option<Article>, ArticleError> {
    store
        .visible_article_by_path(section, slug, now)
        .await?
        .map(Article::from_row)
        .transpose()
}

/// The story readers may see at `now` that keeps the custom canonical path
/// `path` (as requested, percent-encoded; a trailing slash is ignored).
pub async fn visible_at_canonical(
    store: &Store,
    path: &str,
    now: i64,
) -> Result<Option<Article>, ArticleError> {
    let Ok(path) = crate::redirects::normalize(path) else {
        return Ok(None);
    };
    store
        .visible_article_by_canonical(&path, now)
        .await?
        .map(Article::from_row)
        .transpose()
}

/// Newest stories readers may see at `now`, in one section or all, after
/// `cursor`, leaving out `except`.
pub async fn visible_list(
    store: &Store,
    section_id: Option<i64>,
    now: i64,
    cursor: Option<ListCursor>,
    except: Option<i64>,
    limit: i64,
) -> Result<Vec<Article>, ArticleError> {
    store
        .visible_articles(Columns::Whole, section_id, now, cursor, except, limit)
        .await?
        .into_iter()
        .map(Article::from_row)
        .collect()
}

/// [`visible_list`] as list items: what a title, a teaser, a date and an
/// address need, without the Markdown source, bylines, topics, corrections
/// or kept fields (each left empty), which such a list neither reads nor
/// decodes.
pub async fn visible_items(
    store: &Store,
    section_id: Option<i64>,
    now: i64,
    cursor: Option<ListCursor>,
    except: Option<i64>,
    limit: i64,
) -> Result<Vec<Article>, ArticleError> {
    store
        .visible_articles(Columns::ListItem, section_id, now, cursor, except, limit)
        .await?
        .into_iter()
        .map(Article::from_row)
        .collect()
}

/// Newest stories readers may see at `now` filed under topic `topic_id`,
/// after `cursor`.
pub async fn visible_topic_list(
    store: &Store,
    topic_id: i64,
    now: i64,
    cursor: Option<ListCursor>,
    limit: i64,
) -> Result<Vec<Article>, ArticleError> {
    store
        .visible_topic_articles(Columns::Whole, topic_id, now, cursor, limit)
        .await?
        .into_iter()
        .map(Article::from_row)
        .collect()
}

/// [`visible_topic_list`] as list items: what a title, a teaser, a date and an
/// address need, without the Markdown source, bylines, topics, corrections
/// or kept fields (each left empty), which such a list neither reads nor
/// decodes.
pub async fn visible_topic_items(
    store: &Store,
    topic_id: i64,
    now: i64,
    cursor: Option<ListCursor>,
    limit: i64,
) -> Result<Vec<Article>, ArticleError> {
    store
        .visible_topic_articles(Columns::ListItem, topic_id, now, cursor, limit)
        .await?
        .into_iter()
        .map(Article::from_row)
        .collect()
}

/// Newest stories readers may see at `now` filed under person
/// `person_id`, after `cursor`.
pub async fn visible_person_list(
    store: &Store,
    person_id: i64,
    now: i64,
    cursor: Option<ListCursor>,
    limit: i64,
) -> Result<Vec<Article>, ArticleError> {
    store
        .visible_person_articles(Columns::Whole, person_id, now, cursor, limit)
        .await?
        .into_iter()
        .map(Article::from_row)
        .collect()
}

/// [`visible_person_list`] as list items: what a title, a teaser, a date and an
/// address need, without the Markdown source, bylines, topics, corrections
/// or kept fields (each left empty), which such a list neither reads nor
/// decodes.
pub async fn visible_person_items(
    store: &Store,
    person_id: i64,
    now: i64,
    cursor: Option<ListCursor>,
    limit: i64,
) -> Result<Vec<Article>, ArticleError> {
    store
        .visible_person_articles(Columns::ListItem, person_id, now, cursor, limit)
        .await?
        .into_iter()
        .map(Article::from_row)
        .collect()
}

/// The "More from `<Section>`" block: the five newest other stories readers
/// may see in the story's primary section, newest first.
pub async fn more_from(
    store: &Store,
    article: &Article,
    now: i64,
) -> Result<Vec<Article>, ArticleError> {
    visible_items(
        store,
        Some(article.section.id),
        now,
        None,
        Some(article.id),
        5,
    )
    .await
}

impl Article {
    /// The keyset cursor that continues a list after this story.
    pub fn cursor(&self) -> ListCursor {
        ListCursor {
            published_at: self.first_published_at.unwrap_or(0),
            id: self.id,
        }
    }
}

pub use crate::storage::ListCursor;
