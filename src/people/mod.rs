//! People: the profiles bylines link to (name, slug, short bio, photo, an
//! optional newsroom account), browsed by readers at `/people/<slug>` with
//! their feeds. A story names its people, in order, in its `bylines`;
//! saving it files it under them in the save's transaction, a new name
//! becoming a guest contributor (a person without an account). Editors and
//! administrators create, edit, re-slug, merge and delete people; each
//! change writes its audit entry in its own transaction, rewrites the names
//! the stories keep, and keeps old addresses answering with a redirect.
//! Deleting a person keeps the name on their stories as plain text.

pub use crate::storage::{PersonFields, PersonName, PersonRow as Person};

use crate::actor::Actor;
use crate::articles::{InvalidSlug, Slug};
use crate::audit;
use crate::storage::{StorageError, Store};

/// Longest name, in characters.
pub const NAME_CHARS: usize = 120;
/// Longest bio, in characters: a short note, not a page.
pub const BIO_CHARS: usize = 1_000;

/// What can go wrong with a person.
#[derive(Debug, thiserror::Error)]
pub enum PersonError {
    #[error("the name is empty")]
    EmptyName,
    #[error("the name is longer than {NAME_CHARS} characters")]
    NameTooLong,
    #[error("the bio is longer than {BIO_CHARS} characters")]
    BioTooLong,
    #[error("the photo must be an image of the media library, written media:<id>")]
    InvalidPhoto,
    #[error(transparent)]
    InvalidSlug(#[from] InvalidSlug),
    #[error("{0} already exists")]
    Taken(String),
    #[error("{0}")]
    Refused(String),
    #[error("there is no such person")]
    NotFound,
    #[error("a person cannot be merged into themselves")]
    MergeIntoItself,
    #[error("only editors and administrators manage people")]
    Forbidden,
    #[error(transparent)]
    Storage(StorageError),
}

impl From<StorageError> for PersonError {
    fn from(error: StorageError) -> PersonError {
        match error {
            StorageError::Conflict(what) => PersonError::Taken(what),
            StorageError::Refused(why) => PersonError::Refused(why),
            other => PersonError::Storage(other),
        }
    }
}

pub use crate::articles::person_name as name_of;

/// The address of a person's page.
pub fn path(slug: &str) -> String {
    format!("/people/{slug}")
}

/// Every person, by name.
pub async fn list(store: &Store) -> Result<Vec<Person>, PersonError> {
    Ok(store.people().await?)
}

/// The slugs of the people readers can browse at `now`: those with a story
/// they may see.
pub async fn in_view(store: &Store, now: i64) -> Result<Vec<String>, PersonError> {
    Ok(store.people_in_view(now).await?)
}

/// The person at `/people/<slug>`.
pub async fn find(store: &Store, slug: &str) -> Result<Option<Person>, PersonError> {
    Ok(store.person_by_slug(slug).await?)
}

/// The person with this id.
pub async fn get(store: &Store, id: i64) -> Result<Option<Person>, PersonError> {
    Ok(store.person(id).await?)
}

/// Where an old person address (a slug before a rename or a merge) points now.
pub async fn redirect(store: &Store, old_slug: &str) -> Result<Option<String>, PersonError> {
    Ok(store.person_redirect(old_slug).await?.map(|s| path(&s)))
}

/// The people story `article_id` is filed under, in its byline order.
pub async fn of_story(store: &Store, article_id: i64) -> Result<Vec<Person>, PersonError> {
    Ok(store.people_of(article_id).await?)
}

/// The people each of `article_ids` credits, in byline order, by story id
/// (one read for a whole feed).
pub async fn of_stories(
    store: &Store,
    article_ids: &[i64],
) -> Result<std::collections::HashMap<i64, Vec<Person>>, PersonError> {
    let mut out: std::collections::HashMap<i64, Vec<Person>> = Default::default();
    for credit in store.people_of_many(article_ids).await? {
        out.entry(credit.article_id)
            .or_default()
            .push(credit.person);
    }
    Ok(out)
}

/// Whether readers may see a person's page at all: when a story they may
/// see credits them, or an editor wrote their profile (a guest named only
/// by drafts or embargoed stories is not shown: the name could tell what
/// is coming).
pub fn is_shown(person: &Person, has_visible_story: bool) -> bool {
    has_visible_story || !person.bio.is_empty() || person.photo.is_some()
}

/// A story's byline names as its people have them: a name that files under
/// an existing person (another case, or an old slug of a renamed one)
/// becomes that person's name, and names of one person appear once.
pub async fn canonical_names(store: &Store, names: &[String]) -> Result<Vec<String>, PersonError> {
    let mut out: Vec<String> = Vec::with_capacity(names.len());
    for name in names {
        let name = name.trim();
        if name.is_empty() {
            continue;
        }
        let canonical = match store.existing_person(&name_of(name)).await? {
            Some(person) => person.name,
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

/// Files the stories saved before people existed under the people their
/// plain-text bylines name (creating them), at the first start after the
/// migration that made people, and after restoring an older backup.
/// Returns how many stories it filed.
pub async fn file_old_bylines(store: &Store) -> Result<usize, PersonError> {
    let mut filed = 0;
    loop {
        let batch = store.file_pending_bylines(name_of, 200).await?;
        if batch == 0 {
            return Ok(filed);
        }
        filed += batch;
    }
}

/// What an editor typed for a person.
#[derive(Debug, Clone, Default)]
pub struct PersonInput {
    pub name: String,
    /// Empty: made from the name.
    pub slug: String,
    pub bio: String,
    /// `media:<id>`, or empty for none.
    pub photo: String,
    pub user_id: Option<i64>,
}

impl PersonInput {
    fn fields(&self) -> Result<PersonFields, PersonError> {
        let name = self.name.trim();
        if name.is_empty() {
            return Err(PersonError::EmptyName);
        }
        if name.chars().count() > NAME_CHARS {
            return Err(PersonError::NameTooLong);
        }
        let bio = self.bio.trim();
        if bio.chars().count() > BIO_CHARS {
            return Err(PersonError::BioTooLong);
        }
        let slug = match self.slug.trim() {
            "" => Slug::from_title(name),
            typed => Slug::parse(typed)?,
        };
        let (photo, photo_id) = match self.photo.trim() {
            "" => (None, None),
            typed => {
                let id = crate::media::parse_reference(typed).ok_or(PersonError::InvalidPhoto)?;
                (Some(format!("media:{id}")), Some(id))
            }
        };
        Ok(PersonFields {
            slug: slug.as_str().to_owned(),
            name: name.to_owned(),
            bio: bio.to_owned(),
            photo,
            photo_id,
            user_id: self.user_id,
        })
    }
}

/// Whether `actor` may manage people: editors and administrators, and the
/// operator at the command line.
fn may_manage(actor: &Actor) -> bool {
    match actor.role {
        Some(role) => role.can_edit_any(),
        None => actor.id.is_none(),
    }
}

fn subject(id: i64) -> String {
    format!("person:{id}")
}

/// Creates a person for `actor`.
pub async fn create(
    store: &Store,
    actor: &Actor,
    input: &PersonInput,
    now: i64,
) -> Result<Person, PersonError> {
    if !may_manage(actor) {
        return Err(PersonError::Forbidden);
    }
    let fields = input.fields()?;
    let entry = |person: &Person| {
        let details = serde_json::json!({ "slug": person.slug, "name": person.name });
        audit::entry(actor, "person.created", &subject(person.id), details)
    };
    Ok(store.create_person(&fields, now, entry).await?)
}

/// Changes person `id` for `actor`: a new name is written into their
/// stories' bylines, a new slug keeps the old address answering with a
/// redirect.
pub async fn update(
    store: &Store,
    actor: &Actor,
    id: i64,
    input: &PersonInput,
    now: i64,
) -> Result<Person, PersonError> {
    if !may_manage(actor) {
        return Err(PersonError::Forbidden);
    }
    let fields = input.fields()?;
    let entry = |before: &Person, after: &Person| {
        let details = serde_json::json!({
            "slug": after.slug, "name": after.name,
            "old_slug": before.slug, "old_name": before.name,
            "bio_changed": before.bio != after.bio,
            "photo": after.photo, "user_id": after.user_id,
        });
        audit::entry(actor, "person.updated", &subject(id), details)
    };
    store
        .update_person(id, &fields, now, entry)
        .await?
        .ok_or(PersonError::NotFound)
}

/// Merges person `from` into `into` for `actor`: their stories move, their
/// addresses redirect, and `from` is gone.
pub async fn merge(
    store: &Store,
    actor: &Actor,
    from: i64,
    into: i64,
    now: i64,
) -> Result<Person, PersonError> {
    if !may_manage(actor) {
        return Err(PersonError::Forbidden);
    }
    if from == into {
        return Err(PersonError::MergeIntoItself);
    }
    let entry = |source: &Person, target: &Person| {
        let details = serde_json::json!({
            "from": source.id, "from_slug": source.slug, "from_name": source.name,
            "into_slug": target.slug, "stories_moved": source.stories,
        });
        audit::entry(actor, "person.merged", &subject(target.id), details)
    };
    store
        .merge_people(from, into, now, entry)
        .await?
        .ok_or(PersonError::NotFound)
}

/// Deletes person `id` for `actor`: their page goes, their stories keep
/// the name as plain text.
pub async fn delete(
    store: &Store,
    actor: &Actor,
    id: i64,
    now: i64,
) -> Result<Person, PersonError> {
    if !may_manage(actor) {
        return Err(PersonError::Forbidden);
    }
    let entry = |person: &Person| {
        let details = serde_json::json!({ "slug": person.slug, "name": person.name, "stories": person.stories });
        audit::entry(actor, "person.deleted", &subject(id), details)
    };
    store
        .delete_person(id, now, entry)
        .await?
        .ok_or(PersonError::NotFound)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_photo_is_a_media_reference_and_a_bio_is_short() {
        let input = |photo: &str, bio: &str| PersonInput {
            name: "Ann Reporter".into(),
            photo: photo.into(),
            bio: bio.into(),
            ..PersonInput::default()
        };
        let fields = input(" media:7 ", "").fields().unwrap();
        assert_eq!(
            (
                fields.slug.as_str(),
                fields.photo.as_deref(),
                fields.photo_id
            ),
            ("ann-reporter", Some("media:7"), Some(7))
        );
        assert!(matches!(
            input("http://x/a.jpg", "").fields(),
            Err(PersonError::InvalidPhoto)
        ));
        assert!(matches!(
            input("", &"a".repeat(BIO_CHARS + 1)).fields(),
            Err(PersonError::BioTooLong)
        ));
    }
}
