//! The lead image in the story editor: the chooser (the selected image with
//! its thumbnail and editable alt text, caption and credit; recent uploads
//! from the library as radio buttons) and the image in the preview. Works
//! without JavaScript.

use serde::Serialize;

use super::form::{StoryForm, form_text};
use crate::app::App;
use crate::http::admin::CurrentUser;
use crate::media::{self, DerivativeFormat, Media, MediaError};
use crate::rendering::views::{self, ImageView};

/// Recent uploads offered in the editor's library.
const LIBRARY_SIZE: i64 = 12;

/// An image as the chooser shows it.
#[derive(Debug, Serialize)]
pub(super) struct ImageChoice {
    id: i64,
    reference: String,
    thumbnail: String,
    width: u32,
    height: u32,
    caption: String,
    credit: String,
    alt: String,
    selected: bool,
    /// Whether this user may change the image's text (editors and
    /// administrators any image, writers their own uploads).
    editable: bool,
}

/// The lead-image part of the editor page.
#[derive(Debug, Serialize, Default)]
pub(super) struct LeadImagePanel {
    /// The image the form refers to, when it is in the library.
    selected: Option<ImageChoice>,
    /// A lead image that is not an uploaded image (an old address, or a
    /// reference to an image that no longer exists), kept as a choice.
    other: Option<String>,
    library: Vec<ImageChoice>,
    /// Where the upload button sends the editor back to: `new` or the id.
    upload_target: String,
}

/// The role rule is the domain's ([`media::may_edit_text`]).
fn may_edit_text(current: &CurrentUser, media: &Media) -> bool {
    media::may_edit_text(&current.actor(), media)
}

fn choice(current: &CurrentUser, media: &Media, selected: bool) -> ImageChoice {
    ImageChoice {
        id: media.id,
        reference: media.reference(),
        thumbnail: media
            .derivatives_of(DerivativeFormat::Jpeg)
            .first()
            .map(|d| media.url(d))
            .unwrap_or_else(|| media.original_url()),
        width: media.width,
        height: media.height,
        caption: media.caption.clone(),
        credit: media.credit.clone(),
        alt: media.alt.clone(),
        selected,
        editable: may_edit_text(current, media),
    }
}

/// The image the form's lead image refers to, if it is an uploaded one.
async fn selected_media(app: &App, form: &StoryForm) -> Result<Option<Media>, MediaError> {
    match media::parse_reference(&form.lead_image) {
        Some(id) => media::find(app.store(), id).await,
        None => Ok(None),
    }
}

/// Builds the chooser, and fills the form's image text from the image when
/// the form does not hold text of its own for the selected image (a story
/// just opened, or another image chosen before the last save).
pub(super) async fn panel(
    app: &App,
    current: &CurrentUser,
    story: Option<i64>,
    form: &mut StoryForm,
) -> Result<LeadImagePanel, MediaError> {
    let selected = selected_media(app, form).await?;
    let reference = form.lead_image.trim().to_owned();
    if let Some(m) = &selected
        && form.lead_text_for.trim() != reference
    {
        form.lead_alt = m.alt.clone();
        form.lead_caption = m.caption.clone();
        form.lead_credit = m.credit.clone();
        form.lead_text_for = reference.clone();
    }
    let mut library: Vec<ImageChoice> = media::list(app.store(), None, LIBRARY_SIZE)
        .await?
        .iter()
        .map(|m| choice(current, m, m.reference() == reference))
        .collect();
    if let Some(m) = &selected
        && !library.iter().any(|c| c.id == m.id)
    {
        library.insert(0, choice(current, m, true));
    }
    Ok(LeadImagePanel {
        selected: selected.as_ref().map(|m| choice(current, m, true)),
        other: (selected.is_none() && !reference.is_empty()).then_some(reference),
        library,
        upload_target: story.map_or_else(|| "new".to_owned(), |id| id.to_string()),
    })
}

/// The lead image of the preview: the selected image with the text typed in
/// the editor, shown as the reader page shows it.
pub(super) async fn preview_image(
    app: &App,
    form: &StoryForm,
) -> Result<Option<ImageView>, MediaError> {
    let Some(media) = selected_media(app, form).await? else {
        return Ok(None);
    };
    let mut view = views::image_view(&media);
    if let Some(text) = form_text(form) {
        view.alt = text.alt.trim().to_owned();
        view.caption = text.caption.trim().to_owned();
        view.credit = text.credit.trim().to_owned();
    }
    Ok(Some(view))
}
