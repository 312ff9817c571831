//! An image's caption, credit and alt text as the story editor changes them:
//! who may change them, the change a story save carries (recorded in the
//! story's own transaction, so a refused save changes no image), and the
//! publish rule checked against the text being saved.

use super::{Media, MediaError, MediaText, find, parse_reference};
use crate::actor::Actor;
use crate::articles::Article;
use crate::storage::{MediaTextUpdate, NewEvent, Store};

/// Whether `actor` may change `media`'s text: editors and administrators
/// any image, writers their own uploads.
pub fn may_edit_text(actor: &Actor, media: &Media) -> bool {
    actor.can_edit_any() || actor.owns(media.uploaded_by)
}

/// New text for an uploaded image, to save with a story.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextChange {
    pub media: Media,
    /// Trimmed.
    pub text: MediaText,
}

impl TextChange {
    /// The row update and its changes-feed event (pages showing the image
    /// are tagged `media:<id>`).
    pub fn records(&self) -> (MediaTextUpdate, NewEvent) {
        let id = self.media.id;
        (
            MediaTextUpdate {
                id,
                caption: self.text.caption.clone(),
                credit: self.text.credit.clone(),
                alt: self.text.alt.clone(),
            },
            NewEvent {
                kind: "media.updated".into(),
                subject: format!("media:{id}"),
                tags: vec![format!("media:{id}")],
                payload: serde_json::json!({}),
            },
        )
    }
}

/// The change `text` makes to the image `reference` names, when there is an
/// uploaded image there, the text differs and `actor` may change it; text
/// for an image the actor may not change is left alone.
pub async fn text_change(
    store: &Store,
    actor: &Actor,
    reference: &str,
    text: &MediaText,
) -> Result<Option<TextChange>, MediaError> {
    let Some(id) = parse_reference(reference) else {
        return Ok(None);
    };
    let Some(media) = find(store, id).await? else {
        return Ok(None);
    };
    let text = text.clone().trimmed();
    let stored = MediaText {
        caption: media.caption.clone(),
        credit: media.credit.clone(),
        alt: media.alt.clone(),
    };
    if text == stored || !may_edit_text(actor, &media) {
        return Ok(None);
    }
    Ok(Some(TextChange { media, text }))
}

/// The publish rule ([`super::check_publishable`]) with `pending` text
/// applied, as it will be once the story is saved with it.
pub async fn check_publishable_with(
    store: &Store,
    article: &Article,
    pending: Option<&TextChange>,
) -> Result<(), MediaError> {
    let Some(reference) = article
        .lead_image
        .as_deref()
        .filter(|r| !r.trim().is_empty())
    else {
        return Ok(());
    };
    let media = match parse_reference(reference) {
        Some(id) => match pending.filter(|p| p.media.id == id) {
            Some(p) => Some(Media {
                alt: p.text.alt.clone(),
                ..p.media.clone()
            }),
            None => find(store, id).await?,
        },
        None => None,
    };
    let media = media.ok_or_else(|| MediaError::UnknownLeadImage(reference.to_owned()))?;
    if media.alt.trim().is_empty() {
        return Err(MediaError::MissingAlt);
    }
    Ok(())
}
