//! Topics (tags): what stories are about, browsed by readers at
//! `/topics/<slug>` with their feeds. A story names its topics in its
//! `tags`; saving it files it under them (creating new ones), in the save's
//! transaction. Editors and administrators create, rename, re-slug, merge and
//! delete topics; each change writes its audit entry in its own
//! transaction, rewrites the names the stories keep, and keeps old
//! addresses answering with a redirect.

pub use crate::storage::{TopicFields, TopicName, TopicRow as Topic};

use crate::actor::Actor;
use crate::articles::{InvalidSlug, Slug};
use crate::audit;
use crate::storage::{StorageError, Store};

/// Longest topic name, in characters.
pub const NAME_CHARS: usize = 120;
/// Longest topic description, in characters.
pub const DESCRIPTION_CHARS: usize = 2_000;

/// What can go wrong with a topic.
#[derive(Debug, thiserror::Error)]
pub enum TopicError {
    #[error("the topic name is empty")]
    EmptyName,
    #[error("the topic name is longer than {NAME_CHARS} characters")]
    NameTooLong,
    #[error("the description is longer than {DESCRIPTION_CHARS} characters")]
    DescriptionTooLong,
    #[error(transparent)]
    InvalidSlug(#[from] InvalidSlug),
    #[error("{0} already exists")]
    Taken(String),
    #[error("{0}")]
    Refused(String),
    #[error("there is no such topic")]
    NotFound,
    #[error("a topic cannot be merged into itself")]
    MergeIntoItself,
    #[error("only editors and administrators manage topics")]
    Forbidden,
    #[error(transparent)]
    Storage(StorageError),
}

impl From<StorageError> for TopicError {
    fn from(error: StorageError) -> TopicError {
        match error {
            StorageError::Conflict(what) => TopicError::Taken(what),
            StorageError::Refused(why) => TopicError::Refused(why),
            other => TopicError::Storage(other),
        }
    }
}

pub use crate::articles::topic_name as name_of;

/// The address of a topic's page.
pub fn path(slug: &str) -> String {
    format!("/topics/{slug}")
}

/// Every topic, by name.
pub async fn list(store: &Store) -> Result<Vec<Topic>, TopicError> {
    Ok(store.topics().await?)
}

/// The slugs of the topics readers can browse at `now`: those with a story
/// they may see.
pub async fn in_view(store: &Store, now: i64) -> Result<Vec<String>, TopicError> {
    Ok(store.topics_in_view(now).await?)
}

/// Up to `limit` topics whose name starts with `prefix`, for the editor's
/// suggestions.
pub async fn suggest(store: &Store, prefix: &str, limit: i64) -> Result<Vec<Topic>, TopicError> {
    let prefix = prefix.trim();
    if prefix.is_empty() {
        return Ok(Vec::new());
    }
    Ok(store.topics_starting(prefix, limit).await?)
}

/// The topic at `/topics/<slug>`.
pub async fn find(store: &Store, slug: &str) -> Result<Option<Topic>, TopicError> {
    Ok(store.topic_by_slug(slug).await?)
}

/// The topic at `/topics/<slug>` as readers may see it at `now`: `None`
/// when there is none, and when only stories they may not see name it and
/// no editor described it (its name could tell what is coming), so its
/// page, feeds and filters answer as for a topic that does not exist.
pub async fn shown(store: &Store, slug: &str, now: i64) -> Result<Option<Topic>, TopicError> {
    Ok(store.topic_in_view(slug, now).await?)
}

/// The topic with this id.
pub async fn get(store: &Store, id: i64) -> Result<Option<Topic>, TopicError> {
    Ok(store.topic(id).await?)
}

/// Where an old topic address (a slug before a rename or a merge) points now.
pub async fn redirect(store: &Store, old_slug: &str) -> Result<Option<String>, TopicError> {
    Ok(store.topic_redirect(old_slug).await?.map(|s| path(&s)))
}

/// The topic `slug` names: its own, or an old slug of a renamed or merged
/// topic.
pub async fn find_or_redirected(store: &Store, slug: &str) -> Result<Option<Topic>, TopicError> {
    match store.topic_redirect(slug).await? {
        Some(current) => find(store, &current).await,
        None => find(store, slug).await,
    }
}

/// The topics story `article_id` is filed under, in its order.
pub async fn of_story(store: &Store, article_id: i64) -> Result<Vec<Topic>, TopicError> {
    Ok(store.topics_of(article_id).await?)
}

/// A story's topic names as the topics have them: a name that files under
/// an existing topic (another case, a slug or an old slug of it) becomes
/// that topic's name, and names of one topic appear once, so the story
/// shows the names readers see on the topic pages.
pub async fn canonical_names(store: &Store, names: &[String]) -> Result<Vec<String>, TopicError> {
    let mut out: Vec<String> = Vec::with_capacity(names.len());
    for name in names {
        let name = name.trim();
        if name.is_empty() {
            continue;
        }
        let canonical = match store.existing_topic(&name_of(name)).await? {
            Some(topic) => topic.name,
            None => name.to_owned(),
        };
        if !out
            .iter()
            .any(|n| n.to_lowercase() == canonical.to_lowercase())
        {
            out.push(canonical);
        }
    }
    Ok(out)
}

/// What an editor typed for a topic.
#[derive(Debug, Clone, Default)]
pub struct TopicInput {
    pub name: String,
    /// Empty: made from the name.
    pub slug: String,
    pub description: String,
    pub parent_id: Option<i64>,
}

impl TopicInput {
    fn fields(&self) -> Result<TopicFields, TopicError> {
        let name = self.name.trim();
        if name.is_empty() {
            return Err(TopicError::EmptyName);
        }
        if name.chars().count() > NAME_CHARS {
            return Err(TopicError::NameTooLong);
        }
        let description = self.description.trim();
        if description.chars().count() > DESCRIPTION_CHARS {
            return Err(TopicError::DescriptionTooLong);
        }
        let slug = match self.slug.trim() {
            "" => Slug::from_title(name),
            typed => Slug::parse(typed)?,
        };
        Ok(TopicFields {
            slug: slug.as_str().to_owned(),
            name: name.to_owned(),
            description: description.to_owned(),
            parent_id: self.parent_id,
        })
    }
}

/// Whether `actor` may manage topics: editors and administrators, and the
/// operator at the command line.
fn may_manage(actor: &Actor) -> bool {
    match actor.role {
        Some(role) => role.can_edit_any(),
        None => actor.id.is_none(),
    }
}

fn subject(id: i64) -> String {
    format!("topic:{id}")
}

/// Creates a topic for `actor`.
pub async fn create(
    store: &Store,
    actor: &Actor,
    input: &TopicInput,
    now: i64,
) -> Result<Topic, TopicError> {
    if !may_manage(actor) {
        return Err(TopicError::Forbidden);
    }
    let fields = input.fields()?;
    let entry = |topic: &Topic| {
        let details = serde_json::json!({ "slug": topic.slug, "name": topic.name });
        audit::entry(actor, "topic.created", &subject(topic.id), details)
    };
    Ok(store.create_topic(&fields, now, entry).await?)
}

/// Changes topic `id` for `actor`: a new name is written into its stories,
/// a new slug keeps the old address answering with a redirect.
pub async fn update(
    store: &Store,
    actor: &Actor,
    id: i64,
    input: &TopicInput,
    now: i64,
) -> Result<Topic, TopicError> {
    if !may_manage(actor) {
        return Err(TopicError::Forbidden);
    }
    let fields = input.fields()?;
    let entry = |before: &Topic, after: &Topic| {
        let details = serde_json::json!({
            "slug": after.slug, "name": after.name,
            "old_slug": before.slug, "old_name": before.name,
        });
        audit::entry(actor, "topic.updated", &subject(id), details)
    };
    store
        .update_topic(id, &fields, now, entry)
        .await?
        .ok_or(TopicError::NotFound)
}

/// Merges topic `from` into `into` for `actor`: its stories move, its
/// addresses redirect, and it is gone.
pub async fn merge(
    store: &Store,
    actor: &Actor,
    from: i64,
    into: i64,
    now: i64,
) -> Result<Topic, TopicError> {
    if !may_manage(actor) {
        return Err(TopicError::Forbidden);
    }
    if from == into {
        return Err(TopicError::MergeIntoItself);
    }
    let entry = |source: &Topic, target: &Topic| {
        let details = serde_json::json!({
            "from": source.id, "from_slug": source.slug, "from_name": source.name,
            "into_slug": target.slug, "stories_moved": source.stories,
        });
        audit::entry(actor, "topic.merged", &subject(target.id), details)
    };
    store
        .merge_topics(from, into, now, entry)
        .await?
        .ok_or(TopicError::NotFound)
}

/// Deletes topic `id` for `actor`: stories keep their other topics.
pub async fn delete(store: &Store, actor: &Actor, id: i64, now: i64) -> Result<Topic, TopicError> {
    if !may_manage(actor) {
        return Err(TopicError::Forbidden);
    }
    let entry = |topic: &Topic| {
        let details =
            serde_json::json!({ "slug": topic.slug, "name": topic.name, "stories": topic.stories });
        audit::entry(actor, "topic.deleted", &subject(id), details)
    };
    store
        .delete_topic(id, now, entry)
        .await?
        .ok_or(TopicError::NotFound)
}
