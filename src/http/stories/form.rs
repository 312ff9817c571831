//! The story editor's form as sent: every field as text, so a save that
//! fails for any reason can show it again exactly; and what it means for
//! the domain (the story's fields, the lead image's text).

use serde::{Deserialize, Serialize};

use crate::articles::{Article, BodyFormat};
use crate::media::MediaText;
use crate::publishing::{StoryFields, WorkflowError, format_local_time, parse_local_time};
use crate::site::Site;
use crate::text::markdown;

/// The editor's form as sent: every field as text, so a save that fails for
/// any reason can show it again exactly.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub(super) struct StoryForm {
    pub(super) headline: String,
    pub(super) standfirst: String,
    pub(super) teaser: String,
    pub(super) body: String,
    /// How `body` is written (hidden): `html` from the rich editor (and
    /// the HTML source textarea without JavaScript); `markdown` or empty
    /// keeps the old meaning, Markdown.
    pub(super) format: String,
    pub(super) section: String,
    pub(super) slug: String,
    /// A custom canonical path; empty for `/<section>/<slug>`.
    pub(super) canonical_path: String,
    pub(super) dateline: String,
    pub(super) bylines: String,
    pub(super) tags: String,
    pub(super) lead_image: String,
    /// Alt text, caption and credit of the selected lead image as typed in
    /// the editor; saved onto the image with the story.
    pub(super) lead_alt: String,
    pub(super) lead_caption: String,
    pub(super) lead_credit: String,
    /// The lead image the three fields above were filled for (hidden), so
    /// text typed for one image never lands on another one chosen since.
    pub(super) lead_text_for: String,
    /// `datetime-local` in the site's time zone.
    pub(super) embargo: String,
    /// The revision the editor opened (hidden).
    pub(super) revision: String,
    pub(super) message: String,
    /// `editorial` or `silent_fix` when saving a published story.
    pub(super) update_kind: String,
    /// Kept fields, one `name (kind): value` per line.
    pub(super) fields: String,
    /// The story's language tag.
    pub(super) language: String,
    /// The story this one translates (number or address); empty for none.
    pub(super) translation_of: String,
    /// What `translation_of` said when the form was opened (hidden): only a
    /// change of it links or unlinks, so a form opened before another story
    /// joined this one's set never undoes that.
    pub(super) translation_was: String,
}

impl StoryForm {
    /// The body's format as sent (`None`: the story keeps its own).
    pub(super) fn body_format(&self) -> Option<BodyFormat> {
        match self.format.trim() {
            "html" => Some(BodyFormat::Html),
            "markdown" => Some(BodyFormat::Markdown),
            _ => None,
        }
    }

    /// The body as readers would see it.
    pub(super) fn body_html(&self) -> String {
        match self.body_format() {
            Some(BodyFormat::Html) => markdown::sanitize(&self.body),
            _ => markdown::to_html(&self.body),
        }
    }

    /// The form showing a stored story. A Markdown body opens converted
    /// once to the HTML readers see (the rich editor edits HTML), and is
    /// saved as HTML from then on.
    pub(super) fn of(article: &Article, site: &Site) -> StoryForm {
        let fields = StoryFields::of(article);
        StoryForm {
            headline: fields.headline,
            standfirst: fields.standfirst,
            teaser: fields.teaser,
            body: match article.body_format {
                BodyFormat::Markdown => markdown::to_html(&fields.body),
                BodyFormat::Html => fields.body,
            },
            format: "html".into(),
            section: fields.section_id.to_string(),
            slug: fields.slug,
            canonical_path: fields.canonical_path.unwrap_or_default(),
            dateline: fields.dateline,
            bylines: fields.bylines,
            tags: fields.tags,
            lead_image: fields.lead_image,
            lead_alt: String::new(),
            lead_caption: String::new(),
            lead_credit: String::new(),
            lead_text_for: String::new(),
            embargo: fields
                .embargo_until
                .map(|t| format_local_time(t, &site.time_zone))
                .unwrap_or_default(),
            revision: article.revision.to_string(),
            message: String::new(),
            update_kind: String::new(),
            fields: fields.fields,
            language: fields.language,
            translation_of: String::new(),
            translation_was: String::new(),
        }
    }

    /// [`StoryForm::of`] a stored story, naming the story it translates
    /// (another of its translation set) by address.
    pub(super) async fn of_stored(
        store: &crate::storage::Store,
        article: &Article,
        site: &Site,
    ) -> Result<StoryForm, crate::articles::ArticleError> {
        let mut form = StoryForm::of(article, site);
        let others = crate::articles::translations::of(store, article).await?;
        if let Some(other) = others.first() {
            form.translation_of = other.path.clone();
            form.translation_was = other.path.clone();
        }
        Ok(form)
    }

    pub(super) fn fields(&self, site: &Site) -> Result<StoryFields, WorkflowError> {
        Ok(StoryFields {
            headline: self.headline.clone(),
            standfirst: self.standfirst.clone(),
            teaser: self.teaser.clone(),
            body: self.body.clone(),
            body_format: self.body_format(),
            section_id: self
                .section
                .trim()
                .parse()
                .map_err(|_| WorkflowError::Invalid("choose a section".into()))?,
            slug: self.slug.clone(),
            dateline: self.dateline.clone(),
            bylines: self.bylines.clone(),
            tags: self.tags.clone(),
            lead_image: self.lead_image.clone(),
            embargo_until: parse_local_time(&self.embargo, &site.time_zone)?,
            lead_image_text: form_text(self),
            fields: self.fields.clone(),
            language: self.language.clone(),
            translation_of: (self.translation_of.trim() != self.translation_was.trim())
                .then(|| self.translation_of.clone()),
            canonical_path: Some(self.canonical_path.clone()),
        })
    }
}

/// The image text the form holds for its selected image, if it holds any:
/// saved onto the image with the story, in the story's transaction, once
/// the story's checks pass (`publishing::save`).
pub(super) fn form_text(form: &StoryForm) -> Option<MediaText> {
    let reference = form.lead_image.trim();
    (!reference.is_empty() && form.lead_text_for.trim() == reference).then(|| MediaText {
        caption: form.lead_caption.clone(),
        credit: form.lead_credit.clone(),
        alt: form.lead_alt.clone(),
    })
}
