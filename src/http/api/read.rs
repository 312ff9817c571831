//! Read endpoints: published stories, one story (JSON or ninjs), sections
//! and search. Every query goes through the reader functions, so the API
//! shows exactly what the site shows.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::json_with_etag;
use crate::app::App;
use crate::articles::{self, Article, ListCursor};
use crate::http::Problem;
use crate::search::{self, SearchError, SearchParams};
use crate::sections;
use crate::site::Site;
use crate::topics;

const DEFAULT_LIMIT: i64 = 20;
const MAX_LIMIT: i64 = 100;

/// A story as the API shows it.
#[derive(Debug, Serialize)]
pub(super) struct StoryJson {
    pub id: i64,
    pub url: String,
    pub path: String,
    pub section: SectionJson,
    pub headline: String,
    pub standfirst: String,
    pub teaser: String,
    pub body_html: String,
    pub dateline: String,
    pub bylines: Vec<String>,
    /// The people the bylines name, in their order, with their pages.
    pub people: Vec<PersonRefJson>,
    pub tags: Vec<String>,
    pub lead_image: Option<String>,
    pub corrections: Vec<CorrectionJson>,
    pub published_at: String,
    pub updated_at: String,
    pub revision: i64,
    /// Kept fields: extra named values with their kinds.
    pub fields: articles::fields::KeptFields,
    /// The story's language, a BCP 47 tag.
    pub language: String,
    /// The story in the other languages readers may read it in.
    pub translations: Vec<TranslationJson>,
}

/// A translation of a story readers may see.
#[derive(Debug, Serialize)]
pub(super) struct TranslationJson {
    pub id: i64,
    pub language: String,
    pub headline: String,
    pub url: String,
    pub path: String,
}

/// A byline's person, as a story names them.
#[derive(Debug, Serialize)]
pub(super) struct PersonRefJson {
    pub name: String,
    pub slug: String,
    pub url: String,
}

#[derive(Debug, Serialize)]
pub(super) struct SectionJson {
    pub slug: String,
    pub name: String,
}

#[derive(Debug, Serialize)]
pub(super) struct CorrectionJson {
    pub at: String,
    pub note: String,
}

pub(super) fn rfc3339(unix_seconds: i64) -> String {
    jiff::Timestamp::from_second(unix_seconds)
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// A story as JSON; `image` is its lead image's resolved absolute URL,
/// `related` the people its bylines name (see [`credits`]) and its
/// translations readers may see (see [`translations`]).
pub(super) fn story_json(
    site: &Site,
    a: &Article,
    image: Option<String>,
    related: (Vec<PersonRefJson>, Vec<TranslationJson>),
) -> StoryJson {
    let (people, translations) = related;
    let published = a.first_published_at.unwrap_or(a.created_at);
    StoryJson {
        id: a.id,
        url: format!("{}{}", site.base_url, a.path()),
        path: a.path(),
        section: SectionJson {
            slug: a.section.slug.clone(),
            name: a.section.name.clone(),
        },
        headline: a.headline.clone(),
        standfirst: a.standfirst.clone(),
        teaser: a.teaser_text(site.teaser_length),
        body_html: a.body_html.clone(),
        dateline: a.dateline.clone(),
        bylines: a.bylines.clone(),
        people,
        tags: a.tags.clone(),
        lead_image: image,
        corrections: a
            .corrections
            .iter()
            .map(|c| CorrectionJson {
                at: rfc3339(c.at),
                note: c.note.clone(),
            })
            .collect(),
        published_at: rfc3339(published),
        updated_at: rfc3339(a.last_update_at.unwrap_or(published).max(published)),
        revision: a.revision,
        fields: a.fields.clone(),
        language: if a.language.is_empty() {
            site.language.clone()
        } else {
            a.language.clone()
        },
        translations,
    }
}

/// The other stories of `article`'s translation set readers may see now.
async fn translations(
    app: &App,
    site: &Site,
    article: &Article,
) -> Result<Vec<TranslationJson>, Problem> {
    let all = articles::translations::visible(app.store(), article, app.now()).await?;
    Ok(all
        .into_iter()
        .filter(|t| t.id != article.id)
        .map(|t| TranslationJson {
            url: format!("{}{}", site.base_url, t.path),
            id: t.id,
            language: t.language,
            headline: t.headline,
            path: t.path,
        })
        .collect())
}

/// The people a story's bylines name, in byline order.
async fn credits(app: &App, site: &Site, article: &Article) -> Result<Vec<PersonRefJson>, Problem> {
    let people = crate::people::of_story(app.store(), article.id).await?;
    Ok(people
        .into_iter()
        .map(|p| PersonRefJson {
            url: format!("{}{}", site.base_url, crate::people::path(&p.slug)),
            name: p.name,
            slug: p.slug,
        })
        .collect())
}

/// The resolved lead image URL of a story.
async fn image(app: &App, site: &Site, article: &Article) -> Result<Option<String>, Problem> {
    crate::feeds::image_url(app.store(), site, article)
        .await
        .map_err(Problem::internal)
}

/// A page of a list.
#[derive(Debug, Serialize)]
pub(super) struct Page<T> {
    pub data: Vec<T>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

fn query_error(rejection: QueryRejection) -> Problem {
    Problem::bad_request(rejection.body_text())
}

fn limit(value: Option<i64>) -> Result<i64, Problem> {
    match value {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Some(n) => Err(Problem::bad_request(format!(
            "limit must be between 1 and {MAX_LIMIT}, not {n}"
        ))),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct StoriesQuery {
    section: Option<String>,
    topic: Option<String>,
    person: Option<String>,
    cursor: Option<String>,
    limit: Option<i64>,
}

/// `GET /api/v1/stories`: published stories, newest first.
pub(super) async fn stories(
    State(app): State<App>,
    headers: HeaderMap,
    query: Result<Query<StoriesQuery>, QueryRejection>,
) -> Result<Response, Problem> {
    let Query(query) = query.map_err(query_error)?;
    let limit = limit(query.limit)?;
    let cursor = match query.cursor.as_deref() {
        Some(text) => Some(parse_cursor(text).ok_or_else(|| {
            Problem::bad_request(format!("cursor {text:?} is not one this API gave out"))
        })?),
        None => None,
    };
    let section_id = match query.section.as_deref() {
        Some(slug) => Some(
            sections::find(app.store(), slug)
                .await?
                .ok_or_else(|| Problem::not_found(format!("there is no section {slug:?}")))?
                .id,
        ),
        None => None,
    };
    let site = Site::load(app.store()).await?;
    let filters = [
        section_id.is_some(),
        query.topic.is_some(),
        query.person.is_some(),
    ];
    if filters.iter().filter(|f| **f).count() > 1 {
        return Err(Problem::bad_request(
            "ask for one of a section, a topic or a person",
        ));
    }
    let mut list = match (query.topic.as_deref(), query.person.as_deref()) {
        (None, Some(slug)) => {
            let person = crate::people::find(app.store(), slug)
                .await?
                .ok_or_else(|| Problem::not_found(format!("there is no person {slug:?}")))?;
            articles::visible_person_list(app.store(), person.id, app.now(), cursor, limit + 1)
                .await?
        }
        (Some(slug), _) => {
            // A topic only hidden stories name answers as one that does not
            // exist: its name could tell what is coming.
            let topic = topics::shown(app.store(), slug, app.now())
                .await?
                .ok_or_else(|| Problem::not_found(format!("there is no topic {slug:?}")))?;
            articles::visible_topic_list(app.store(), topic.id, app.now(), cursor, limit + 1)
                .await?
        }
        (None, None) => {
            articles::visible_list(app.store(), section_id, app.now(), cursor, None, limit + 1)
                .await?
        }
    };
    let more = list.len() as i64 > limit;
    list.truncate(limit as usize);
    let next_cursor = more
        .then(|| list.last().map(|a| a.cursor()))
        .flatten()
        .map(|c| format!("{}.{}", c.published_at, c.id));
    let mut data = Vec::with_capacity(list.len());
    for a in &list {
        let related = (
            credits(&app, &site, a).await?,
            translations(&app, &site, a).await?,
        );
        data.push(story_json(&site, a, image(&app, &site, a).await?, related));
    }
    let page = Page { data, next_cursor };
    Ok(json_with_etag(&headers, &page))
}

fn parse_cursor(text: &str) -> Option<ListCursor> {
    let (published_at, id) = text.split_once('.')?;
    Some(ListCursor {
        published_at: published_at.parse().ok()?,
        id: id.parse().ok()?,
    })
}

/// The story with this id, if readers may see it now.
async fn visible_story(app: &App, id: &str) -> Result<(Site, Article), Problem> {
    let not_found = || Problem::not_found(format!("there is no published story {id:?}"));
    let id: i64 = id.parse().map_err(|_| not_found())?;
    let article = articles::find(app.store(), id)
        .await?
        .filter(|a| a.is_visible(app.now()))
        .ok_or_else(not_found)?;
    Ok((Site::load(app.store()).await?, article))
}

/// `GET /api/v1/stories/{id}`.
pub(super) async fn story(
    State(app): State<App>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let (site, article) = visible_story(&app, &id).await?;
    let image = image(&app, &site, &article).await?;
    Ok(json_with_etag(
        &headers,
        &story_json(
            &site,
            &article,
            image,
            (
                credits(&app, &site, &article).await?,
                translations(&app, &site, &article).await?,
            ),
        ),
    ))
}

/// `GET /api/v1/stories/{id}/ninjs`.
pub(super) async fn story_ninjs(
    State(app): State<App>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let (site, article) = visible_story(&app, &id).await?;
    let image = image(&app, &site, &article).await?;
    let filed = topics::of_story(app.store(), article.id).await?;
    let people = crate::people::of_story(app.store(), article.id).await?;
    Ok(json_with_etag(
        &headers,
        &super::ninjs::item(&site, &article, image.as_deref(), &filed, &people),
    ))
}

/// `GET /api/v1/sections`.
pub(super) async fn sections(
    State(app): State<App>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let list = sections::list(app.store()).await?;
    let data: Vec<SectionJson> = list
        .into_iter()
        .map(|s| SectionJson {
            slug: s.slug,
            name: s.name,
        })
        .collect();
    Ok(json_with_etag(
        &headers,
        &Page {
            data,
            next_cursor: None,
        },
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SearchQuery {
    q: Option<String>,
    section: Option<String>,
    topic: Option<String>,
    person: Option<String>,
    from: Option<String>,
    to: Option<String>,
    by: Option<String>,
    cursor: Option<String>,
    limit: Option<i64>,
}

/// A search hit.
#[derive(Debug, Serialize)]
pub(super) struct HitJson {
    pub score: f64,
    /// The headline as HTML: text escaped, matches in `<mark>`.
    pub headline_html: String,
    /// A passage of the body as HTML: text escaped, matches in `<mark>`.
    pub snippet_html: String,
    pub story: StoryJson,
}

/// `GET /api/v1/search`.
pub(super) async fn search(
    State(app): State<App>,
    headers: HeaderMap,
    query: Result<Query<SearchQuery>, QueryRejection>,
) -> Result<Response, Problem> {
    let Query(query) = query.map_err(query_error)?;
    let limit = limit(query.limit)?;
    let offset = match query.cursor.as_deref() {
        Some(text) => text
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .ok_or_else(|| {
                Problem::bad_request(format!("cursor {text:?} is not one this API gave out"))
            })?,
        None => 0,
    };
    let site = Site::load(app.store()).await?;
    let params = SearchParams {
        text: query.q.unwrap_or_default(),
        section: query.section,
        topic: query.topic,
        person: query.person,
        from: query.from,
        to: query.to,
        byline: query.by,
        offset,
        limit,
    };
    let results = search::search(app.store(), &site, &params, app.now())
        .await
        .map_err(|e| match e {
            SearchError::UnknownSection(_)
            | SearchError::UnknownTopic(_)
            | SearchError::UnknownPerson(_)
            | SearchError::InvalidDate { .. } => Problem::bad_request(e.to_string()),
            other => Problem::internal(other),
        })?;
    let mut data = Vec::with_capacity(results.hits.len());
    for h in results.hits {
        let image = image(&app, &site, &h.article).await?;
        data.push(HitJson {
            score: h.score,
            headline_html: h.headline_html,
            snippet_html: h.snippet_html,
            story: story_json(
                &site,
                &h.article,
                image,
                (
                    credits(&app, &site, &h.article).await?,
                    translations(&app, &site, &h.article).await?,
                ),
            ),
        });
    }
    let page = Page {
        next_cursor: results.more.then(|| (offset + limit).to_string()),
        data,
    };
    Ok(json_with_etag(&headers, &page))
}

#[derive(Debug, Serialize)]
struct TopicJson {
    slug: String,
    name: String,
    description: String,
    url: String,
    parent: Option<String>,
}

/// `GET /api/v1/topics`: the topics readers can browse (with a story they
/// may see), by name.
pub(super) async fn topic_list(
    State(app): State<App>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let site = Site::load(app.store()).await?;
    let in_view: std::collections::HashSet<String> = topics::in_view(app.store(), app.now())
        .await?
        .into_iter()
        .collect();
    let all = topics::list(app.store()).await?;
    let slug_of = |id: i64| all.iter().find(|t| t.id == id).map(|t| t.slug.clone());
    let data: Vec<TopicJson> = all
        .iter()
        .filter(|t| in_view.contains(&t.slug))
        .map(|t| TopicJson {
            slug: t.slug.clone(),
            name: t.name.clone(),
            description: t.description.clone(),
            url: format!("{}{}", site.base_url, topics::path(&t.slug)),
            parent: t.parent_id.and_then(slug_of),
        })
        .collect();
    Ok(json_with_etag(
        &headers,
        &Page {
            data,
            next_cursor: None,
        },
    ))
}

/// A reader's approved comment, with its approved replies; the e-mail
/// address is never shown.
#[derive(Debug, Serialize)]
pub(super) struct CommentJson {
    id: i64,
    author_name: String,
    author_url: Option<String>,
    /// RFC 3339.
    created_at: String,
    /// Plain text, paragraphs separated by blank lines.
    text: String,
    replies: Vec<CommentJson>,
}

fn comment_json(shown: &crate::comments::Shown) -> CommentJson {
    CommentJson {
        id: shown.id,
        author_name: shown.author_name.clone(),
        author_url: shown.author_url.clone(),
        created_at: rfc3339(shown.created_at),
        text: shown
            .paragraphs
            .iter()
            .map(|lines| lines.join("\n"))
            .collect::<Vec<_>>()
            .join("\n\n"),
        replies: shown.replies.iter().map(comment_json).collect(),
    }
}

/// `GET /api/v1/stories/{id}/comments`: the story's approved comments as
/// threads, oldest first, when the site shows comments (an empty list when
/// it does not).
pub(super) async fn story_comments(
    State(app): State<App>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let (site, article) = visible_story(&app, &id).await?;
    let data = if site.comments_shown {
        crate::comments::thread(app.store(), article.id)
            .await?
            .iter()
            .map(comment_json)
            .collect()
    } else {
        Vec::new()
    };
    Ok(json_with_etag(
        &headers,
        &Page {
            data,
            next_cursor: None,
        },
    ))
}
