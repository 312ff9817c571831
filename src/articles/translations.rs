//! Translations of a story: the story an editor names as the one a story
//! translates (by number or address), and the stories of its translation
//! set as the editor, the API and the article page show them.

use super::{Article, ArticleError, find};
use crate::storage::{Store, TranslationRow};

/// One story of a translation set.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Translation {
    pub id: i64,
    /// Its BCP 47 language tag.
    pub language: String,
    pub headline: String,
    /// `/<section>/<slug>`.
    pub path: String,
    pub status: String,
}

impl From<TranslationRow> for Translation {
    fn from(row: TranslationRow) -> Translation {
        Translation {
            path: format!("/{}/{}", row.section_slug, row.slug),
            id: row.id,
            language: row.language,
            headline: row.headline,
            status: row.status,
        }
    }
}

/// The story `text` names: its number (`12`), its address (`/world/a-story`)
/// or its full URL. `None` when no story is there.
pub async fn find_named(store: &Store, text: &str) -> Result<Option<Article>, ArticleError> {
    let text = text.trim();
    if let Ok(id) = text.trim_start_matches('#').parse::<i64>() {
        return find(store, id).await;
    }
    // A full URL: its path.
    let path = match text.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("", |i| &rest[i..]),
        None => text,
    };
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let mut parts = path.trim_matches('/').split('/');
    let (Some(section), Some(slug), None) = (parts.next(), parts.next(), parts.next()) else {
        return Ok(None);
    };
    store
        .article_by_path(section, slug)
        .await?
        .map(Article::from_row)
        .transpose()
}

/// The other stories of `article`'s translation set, in any status.
pub async fn of(store: &Store, article: &Article) -> Result<Vec<Translation>, ArticleError> {
    let Some(set) = article.translation_set else {
        return Ok(Vec::new());
    };
    Ok(store
        .translations(set)
        .await?
        .into_iter()
        .filter(|t| t.id != article.id)
        .map(Translation::from)
        .collect())
}

/// The stories of `article`'s translation set readers may see at `now`,
/// the story itself included (an article page's `hreflang` alternates);
/// empty when it has no translation readers may see.
pub async fn visible(
    store: &Store,
    article: &Article,
    now: i64,
) -> Result<Vec<Translation>, ArticleError> {
    let Some(set) = article.translation_set else {
        return Ok(Vec::new());
    };
    let all: Vec<Translation> = store
        .visible_translations(set, now)
        .await?
        .into_iter()
        .map(Translation::from)
        .collect();
    Ok(if all.iter().any(|t| t.id != article.id) {
        all
    } else {
        Vec::new()
    })
}
