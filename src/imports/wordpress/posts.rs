//! A WordPress post as a masthead story: the primary category (Yoast's
//! choice, else the first) as its section, the other categories and the
//! tags as topics, the author as byline, the status (publish → published,
//! future → scheduled, draft/pending → draft/in review, private and
//! password-protected → unpublished, reported), the content converted and
//! sanitized (what the sanitizer removed and unknown shortcodes reported),
//! the excerpt or the text before `<!--more-->` as teaser, the featured
//! image as lead image, postmeta as kept fields, the permalink as an old
//! address, and the comments (see [`super::comments`]).

use std::collections::HashMap;

use super::catalog::{People, topic_slug};
use super::content::{self, Image};
use super::library::meta;
use super::{Catalog, MAPPING_VERSION, WordPressError, item_name, parse_date, value};
use crate::articles::fields::{self, FieldValue, KeptFields};
use crate::articles::{Article, BodyFormat, NewArticle, SectionRef, Slug, Status, revisions};
use crate::imports::cleaning;
use crate::imports::ledger::{Decision, digest};
use crate::imports::report::ItemName;
use crate::imports::run::Run;
use crate::imports::wxr::Item;
use crate::site::Site;
use crate::storage::{
    ImportBatch, ImportRevision, ImportedComment, ImportedStory, LaterRevision, LedgerKey,
    StorageError, Store,
};

/// Postmeta WordPress keeps for itself, mapped elsewhere or meaningless
/// outside it.
const INTERNAL_META: &[&str] = &[
    "_edit_lock",
    "_edit_last",
    "_thumbnail_id",
    "_wp_old_slug",
    "_wp_old_date",
    "_pingme",
    "_encloseme",
    "_wp_trash_meta_status",
    "_wp_trash_meta_time",
    "_wp_desired_post_slug",
    "_yoast_wpseo_primary_category",
];

/// What mapping posts needs from the rest of the export.
pub(super) struct Posts {
    tz: jiff::tz::TimeZone,
    people: People,
    /// A category's term id to its slug (Yoast names the primary by id).
    category_ids: HashMap<String, String>,
    /// An attachment's file under `wp-content/uploads` to its post id.
    uploads: HashMap<String, String>,
    /// The pages read, stored after the posts (parents first).
    pub(super) pages: Vec<Item>,
    /// A section's slug to its stored name, read once per run.
    section_names: HashMap<String, String>,
    /// New posts waiting to be written together (see [`Posts::flush`]),
    /// each with its write; every other write flushes them first, so the
    /// database sees the writes in the export's order.
    pending: Vec<(PendingPost, ImportedStory)>,
}

/// New posts written together through the batch's bulk path at most.
const BULK: usize = 100;

impl Posts {
    pub(super) fn new(
        site: &Site,
        catalog: &Catalog,
        people: People,
        uploads: HashMap<String, String>,
    ) -> Posts {
        let category_ids = catalog
            .terms
            .iter()
            .filter(|(kind, _)| *kind == "category")
            .filter_map(|(_, t)| Some((value(&t.term_id)?.to_owned(), value(&t.slug)?.to_owned())))
            .collect();
        Posts {
            tz: site.time_zone.clone(),
            people,
            category_ids,
            uploads,
            pages: Vec::new(),
            section_names: HashMap::new(),
            pending: Vec::new(),
        }
    }

    /// Imports one item that is not an attachment.
    pub(super) async fn import(
        &mut self,
        store: &Store,
        batch: &mut ImportBatch<'_>,
        run: &mut Run,
        item: &Item,
    ) -> Result<(), WordPressError> {
        let post_type = value(&item.post_type).unwrap_or("post").to_owned();
        let id = value(&item.post_id).unwrap_or_default().to_owned();
        let name = item_name(&post_type, &id, item.position);
        match post_type.as_str() {
            "post" => {}
            "page" => {
                self.pages.push(item.clone());
                return Ok(());
            }
            other => {
                run.skip(name, format!("the post type {other:?} is not imported"));
                return Ok(());
            }
        }
        if id.is_empty() {
            run.fail(name, "a post without a post id");
            return Ok(());
        }
        let status = value(&item.status).unwrap_or("draft");
        let status = match status {
            "publish" => Status::Published,
            "future" => Status::Scheduled,
            "draft" => Status::Draft,
            "pending" => Status::Review,
            "private" => Status::Unpublished,
            other => {
                run.skip(name, format!("the status {other:?} is not imported"));
                return Ok(());
            }
        };
        let lead = match meta(item, "_thumbnail_id") {
            Some(att) => match run.ledger.target("attachment", att) {
                Some((_, media)) => Some(media),
                None => {
                    run.report.note(
                        &name,
                        format!(
                            "the featured image (attachment {att}) is not in the media library"
                        ),
                    );
                    None
                }
            },
            None => None,
        };
        let images = self.images(store, run, item).await?;
        let moved = self.moved_files(store, run, item).await?;
        let byline = value(&item.creator).map(|login| {
            self.people
                .get(login)
                .cloned()
                .unwrap_or_else(|| login.to_owned())
        });
        let mut positionless = item.clone();
        positionless.position = crate::imports::wxr::Position { line: 0, column: 0 };
        let context = format!("{positionless:?}|{lead:?}|{byline:?}|{images:?}|{moved:?}");
        let item_digest = digest(MAPPING_VERSION, context.as_bytes());
        let key = run.key("post", &id);
        // The same post twice in one export (merged exports): the first
        // copy may still wait to be written, unknown to the ledger; write it
        // first, so the second is decided against it and never made a
        // second story.
        if self.pending.iter().any(|(p, _)| p.key == key) {
            self.flush(batch, run).await?;
        }
        let decision = run.decide("post", &id, &item_digest);
        if let Decision::Unchanged { .. } = decision {
            run.unchanged("post");
            for comment in &item.comments {
                if value(&comment.id).is_some() {
                    run.report
                        .count("comment", crate::imports::report::Outcome::Unchanged);
                }
            }
            return Ok(());
        }
        let section = self.section(store, batch, run, item).await?;
        let story = self.story(run, &name, item, section, status, byline, lead, &images);
        let story = match story {
            Ok(mut story) => {
                story.body_source = moved_to_library(&story.body_source, &moved);
                story.render_body();
                story
            }
            Err(reason) => {
                run.fail(name, reason);
                return Ok(());
            }
        };
        let comments = super::comments::of_post(run, &name, &id, item, &self.tz);
        let find = async |id| {
            crate::articles::find(store, id)
                .await
                .map_err(|e| StorageError::Corrupt(e.to_string()))
        };
        let before = match decision {
            Decision::Changed { id } => match find(id).await? {
                Some(story) => Some(story),
                None => {
                    // Written earlier in this run, in the batch still open
                    // (the same post twice in the export), which other
                    // connections see once it commits.
                    self.flush(batch, run).await?;
                    batch.commit().await?;
                    find(id).await?
                }
            },
            _ => None,
        };
        let post = PendingPost {
            old_paths: old_paths(item, &id),
            name,
            id,
            key,
            item_digest,
            decision,
            story,
            before,
            comments,
        };
        if post.before.is_none() && !run.dry_run && post.story.translation_link.is_none() {
            let mut story = post.story.clone();
            let first = prepare(post.write(&post.story), &mut story, None, run.now);
            if first.row.canonical_path.is_none() {
                self.pending.push((post, first));
                if self.pending.len() >= BULK {
                    self.flush(batch, run).await?;
                }
                return Ok(());
            }
        }
        self.flush(batch, run).await?;
        write_post(batch, run, post).await
    }

    /// Writes the pending new stories: together through the batch's bulk
    /// path, else (a write of one failed, nothing of them is written) each
    /// through the per-item path, which refuses a broken one alone.
    pub(super) async fn flush(
        &mut self,
        batch: &mut ImportBatch<'_>,
        run: &mut Run,
    ) -> Result<(), WordPressError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let pending = std::mem::take(&mut self.pending);
        let items: Vec<(&ImportedStory, &[LaterRevision])> =
            pending.iter().map(|(_, first)| (first, &[][..])).collect();
        if let Some(ids) = batch.new_stories(&items).await? {
            for ((post, _), id) in pending.iter().zip(ids) {
                for (comment, decision) in &post.comments {
                    run.counted(&comment.key, *decision, "comment", 0, &comment.digest);
                }
                run.stored(&post.key, post.decision, "article", id, &post.item_digest);
            }
            run.grouped(pending.len(), true);
            return Ok(());
        }
        drop(items);
        run.grouped(pending.len(), false);
        for (post, _) in pending {
            write_post(batch, run, post).await?;
        }
        Ok(())
    }

    /// The content's links to files of the old site's uploads folder that
    /// are in the media library now: old URL to the library's.
    pub(super) async fn moved_files(
        &self,
        store: &Store,
        run: &Run,
        item: &Item,
    ) -> Result<Vec<(String, String)>, WordPressError> {
        let mut moved = Vec::new();
        let Some(text) = value(&item.content) else {
            return Ok(moved);
        };
        for url in upload_urls(text) {
            let Some(att) = upload_of(&url).and_then(|rel| self.uploads.get(&rel)) else {
                continue;
            };
            let Some((_, media_id)) = run.ledger.target("attachment", att) else {
                continue;
            };
            if let Some(media) = crate::media::find(store, media_id)
                .await
                .map_err(|e| StorageError::Corrupt(e.to_string()))?
                && !moved.iter().any(|(old, _)| *old == url)
            {
                moved.push((url, media.original_url()));
            }
        }
        Ok(moved)
    }

    /// The images the content's galleries and captions name.
    pub(super) async fn images(
        &self,
        store: &Store,
        run: &Run,
        item: &Item,
    ) -> Result<HashMap<String, Image>, WordPressError> {
        let mut images = HashMap::new();
        let Some(text) = value(&item.content) else {
            return Ok(images);
        };
        for att in content::attachment_ids(text) {
            let Some((_, media_id)) = run.ledger.target("attachment", &att) else {
                continue;
            };
            if let Some(media) = crate::media::find(store, media_id)
                .await
                .map_err(|e| StorageError::Corrupt(e.to_string()))?
            {
                images.insert(
                    att,
                    Image {
                        url: media.original_url(),
                        alt: media.alt.clone(),
                        caption: media.caption.clone(),
                    },
                );
            }
        }
        Ok(images)
    }

    /// The story's section: the primary category, made on first use.
    async fn section(
        &mut self,
        store: &Store,
        batch: &mut ImportBatch<'_>,
        run: &mut Run,
        item: &Item,
    ) -> Result<SectionRef, WordPressError> {
        let categories: Vec<_> = item
            .terms()
            .filter(|c| c.domain.as_deref() == Some("category"))
            .collect();
        let primary = meta(item, "_yoast_wpseo_primary_category")
            .and_then(|id| self.category_ids.get(id))
            .and_then(|slug| {
                categories
                    .iter()
                    .find(|c| c.nicename.as_deref() == Some(slug))
            })
            .or(categories.first());
        let (wp_slug, name) = match primary {
            Some(c) => (
                c.nicename.clone().unwrap_or_default(),
                c.name.trim().to_owned(),
            ),
            None => ("uncategorized".to_owned(), "Uncategorized".to_owned()),
        };
        let slug = topic_slug(&wp_slug, &name);
        let name = if name.is_empty() { slug.clone() } else { name };
        let section_digest = digest(MAPPING_VERSION, name.as_bytes());
        let decision = run.decide("section", &slug, &section_digest);
        let id = match decision {
            Decision::Unchanged { id } | Decision::Changed { id } => id,
            Decision::New if run.dry_run => 0,
            Decision::New => {
                self.flush(batch, run).await?;
                let key = run.key("section", &slug);
                let id = batch
                    .section(&key, &section_digest, &slug, &name, run.now)
                    .await?;
                run.counted(&key, decision, "section", id, &section_digest);
                id
            }
        };
        // The section's name as stored (an editor may have renamed it),
        // read once per run.
        let name = match self.section_names.get(&slug) {
            Some(stored) => stored.clone(),
            None => {
                let stored = store.section_by_slug(&slug).await?.map_or(name, |s| s.name);
                self.section_names.insert(slug.clone(), stored.clone());
                stored
            }
        };
        Ok(SectionRef { id, slug, name })
    }

    /// The story the post becomes (id 0, before storage).
    #[allow(clippy::too_many_arguments)]
    fn story(
        &self,
        run: &mut Run,
        name: &ItemName,
        item: &Item,
        section: SectionRef,
        mut status: Status,
        byline: Option<String>,
        lead: Option<i64>,
        images: &HashMap<String, Image>,
    ) -> Result<Article, String> {
        let converted = content::convert(value(&item.content).unwrap_or_default(), images);
        for code in &converted.unknown {
            run.report
                .note(name, format!("unknown shortcode {code} kept as text"));
        }
        for att in &converted.missing {
            run.report.note(
                name,
                format!("attachment {att} named in the content is not in the media library"),
            );
        }
        let (html, removed) = cleaning::sanitize(&converted.html);
        let html = with_alt(&html);
        run.report.cleaned(name, removed);
        let teaser = match value(&item.excerpt) {
            Some(excerpt) => Some(text_of(excerpt)),
            None => converted.before_more.as_deref().map(text_of),
        }
        .map(|t| shorten(&t, crate::articles::limits::STANDFIRST_CHARS));
        let topics = topics(item, &section.name);
        let headline = value(&item.title).map(text_of).unwrap_or_else(|| {
            run.report.note(name, "no title: imported as \"Untitled\"");
            "Untitled".to_owned()
        });
        let slug = value(&item.post_name)
            .map(|s| topic_slug(s, &headline))
            .filter(|s| !s.is_empty())
            .and_then(|s| Slug::parse(&s).ok());
        let mut article = NewArticle {
            section,
            slug,
            headline: shorten(&headline, crate::articles::limits::HEADLINE_CHARS),
            standfirst: String::new(),
            teaser,
            body_source: html,
            body_format: BodyFormat::Html,
            dateline: String::new(),
            bylines: byline.into_iter().collect(),
            tags: topics,
        }
        .into_draft(run.now)
        .map_err(|e| e.to_string())?;
        if value(&item.post_password).is_some() {
            status = Status::Unpublished;
            run.report
                .note(name, "password-protected: imported unpublished");
        }
        let date = parse_date(value(&item.post_date_gmt), &jiff::tz::TimeZone::UTC)
            .or_else(|| parse_date(value(&item.post_date), &self.tz));
        match status {
            Status::Published => article.mark_published(date.unwrap_or(run.now)),
            Status::Scheduled => {
                article.status = Status::Scheduled;
                article.scheduled_at = Some(date.unwrap_or(run.now));
            }
            other => article.status = other,
        }
        article.lead_image = lead.map(|id| format!("media:{id}"));
        article.fields = kept_fields(item);
        if let Err(e) = fields::check(&article.fields) {
            run.report.note(name, format!("postmeta not kept: {e}"));
            article.fields = KeptFields::new();
        }
        Ok(article)
    }
}

/// A post ready to be written (see [`write_post`]).
struct PendingPost {
    name: ItemName,
    id: String,
    key: LedgerKey,
    item_digest: String,
    decision: Decision,
    story: Article,
    before: Option<Article>,
    old_paths: Vec<String>,
    comments: Vec<(ImportedComment, Decision)>,
}

impl PendingPost {
    /// The write of `story` (before [`prepare`]).
    fn write(&self, story: &Article) -> ImportedStory {
        ImportedStory {
            key: self.key.clone(),
            digest: self.item_digest.clone(),
            row: story.to_row(),
            expected_revision: None,
            revision: ImportRevision {
                author: "import".into(),
                message: format!("Imported from WordPress post {}", self.id),
                snapshot: String::new(),
            },
            events: Vec::new(),
            old_paths: self.old_paths.clone(),
            comments: self.comments.iter().map(|(c, _)| c.clone()).collect(),
        }
    }
}

/// Writes one post item by item (retrying once with the post id in its
/// address when the address is taken) and reports it.
async fn write_post(
    batch: &mut ImportBatch<'_>,
    run: &mut Run,
    post: PendingPost,
) -> Result<(), WordPressError> {
    let (name, id, decision, before) = (&post.name, &post.id, post.decision, &post.before);
    let mut story = post.story.clone();
    for attempt in 0..2 {
        if attempt == 1 {
            // The address is taken by another story: keep the post id.
            story.slug = Slug::from_title(&format!("{} {id}", story.slug));
        }
        let write = prepare(post.write(&story), &mut story, before.as_ref(), run.now);
        if run.dry_run {
            break;
        }
        match batch.story(&write).await {
            Ok(Some(article)) => {
                story.id = article;
                break;
            }
            Ok(None) => {
                run.fail(
                    name.clone(),
                    "the story was edited in masthead during the import; run it again",
                );
                return Ok(());
            }
            Err(StorageError::Conflict(what)) if attempt == 0 => {
                tracing::debug!(%what, "address taken; retrying with the post id");
            }
            Err(StorageError::Conflict(what)) => {
                run.fail(name.clone(), format!("{what} already exists"));
                return Ok(());
            }
            Err(other) => return Err(other.into()),
        }
    }
    for (comment, decision) in &post.comments {
        run.counted(&comment.key, *decision, "comment", 0, &comment.digest);
    }
    run.stored(&post.key, decision, "article", story.id, &post.item_digest);
    Ok(())
}

/// The write of `story` as a new story, or over `before`.
fn prepare(
    mut write: ImportedStory,
    story: &mut Article,
    before: Option<&Article>,
    now: i64,
) -> ImportedStory {
    story.modified_at = now;
    match before {
        Some(before) => {
            story.id = before.id;
            story.created_at = before.created_at;
            story.revision = before.revision + 1;
            story.owner_id = before.owner_id;
            write.expected_revision = Some(before.revision);
            write.events = vec![revisions::change_event(before, story, "article.imported")];
            write.revision.snapshot = story.snapshot();
        }
        None => {
            story.id = 0;
            story.revision = 1;
            let (revision, events) = story.creation_records("import", "");
            write.revision.snapshot = revision.snapshot;
            write.events = events;
        }
    }
    write.row = story.to_row();
    write
}

/// The post's categories other than the primary one, then its tags, as
/// topic names (each once), within the story's limit.
fn topics(item: &Item, primary: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let mut chars = 0;
    let mut skipped_primary = false;
    for term in item.terms() {
        let domain = term.domain.as_deref().unwrap_or_default();
        if !matches!(domain, "category" | "post_tag" | "tag") {
            continue;
        }
        let name = term.name.trim().to_owned();
        if name.is_empty() || names.iter().any(|n| n.eq_ignore_ascii_case(&name)) {
            continue;
        }
        if domain == "category" && !skipped_primary && name == primary {
            skipped_primary = true;
            continue;
        }
        chars += name.chars().count();
        if chars > crate::articles::limits::LIST_CHARS {
            break;
        }
        names.push(name);
    }
    names
}

/// Postmeta as kept fields: `_`-prefixed keys get `wp` in front (a field
/// name starts with a letter), other characters become `_`; a key given
/// several times is a list.
pub(super) fn kept_fields(item: &Item) -> KeptFields {
    let mut fields = KeptFields::new();
    for m in &item.meta {
        if INTERNAL_META.contains(&m.key.as_str()) {
            continue;
        }
        let mut name: String = m
            .key
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
            name = format!("wp{name}");
        }
        name.truncate(fields::NAME_CHARS);
        let value = FieldValue::Text(m.value.clone());
        match fields.remove(&name) {
            None => {
                fields.insert(name, value);
            }
            Some(FieldValue::List(mut items)) => {
                items.push(value);
                fields.insert(name, FieldValue::List(items));
            }
            Some(first) => {
                fields.insert(name, FieldValue::List(vec![first, value]));
            }
        }
    }
    fields
}

/// The post's old addresses: its permalink's path, and `/?p=<id>` (which
/// WordPress answers for every post, and is the permalink of a site without
/// pretty permalinks).
fn old_paths(item: &Item, post_id: &str) -> Vec<String> {
    let mut paths: Vec<String> = Vec::new();
    if let Some(link) = value(&item.link) {
        let query = link
            .split_once('?')
            .and_then(|(_, q)| crate::redirects::query_path(q));
        let path = crate::redirects::normalize(link).ok().filter(|p| p != "/");
        paths.extend(query.or(path));
    }
    let by_id = format!("/?p={post_id}");
    if !paths.contains(&by_id) {
        paths.push(by_id);
    }
    paths
}

/// The URLs in `content` that point into a `wp-content/uploads` folder.
fn upload_urls(content: &str) -> Vec<String> {
    content
        .split(['"', '\'', ' ', '\n', '(', ')', '<', '>'])
        .filter(|piece| {
            piece.contains("/wp-content/uploads/")
                && (piece.starts_with("http://")
                    || piece.starts_with("https://")
                    || piece.starts_with('/'))
        })
        .map(str::to_owned)
        .collect()
}

/// The file under `uploads` an URL names, without the size WordPress gives
/// its resized copies (`boat-300x200.png` is `boat.png`).
fn upload_of(url: &str) -> Option<String> {
    let at = url.find("/wp-content/uploads/")?;
    let rel = &url[at + "/wp-content/uploads/".len()..];
    let rel = rel.split(['?', '#']).next()?;
    let rel = percent_encoding::percent_decode_str(rel).decode_utf8_lossy();
    let (stem, ext) = rel.rsplit_once('.')?;
    let stem = match stem.rsplit_once('-') {
        Some((base, size))
            if size
                .split_once('x')
                .is_some_and(|(w, h)| is_digits(w) && is_digits(h)) =>
        {
            base
        }
        _ => stem,
    };
    Some(format!("{stem}.{ext}"))
}

fn is_digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

/// `html` with each moved file's old URL (in an attribute) the library's.
pub(super) fn moved_to_library(html: &str, moved: &[(String, String)]) -> String {
    let mut html = html.to_owned();
    for (old, new) in moved {
        let old = old.replace('&', "&amp;");
        html = html.replace(&format!("\"{old}\""), &format!("\"{new}\""));
    }
    html
}

/// Sanitized HTML with `alt=""` on every image that has none (an image
/// without alt is invalid HTML; an empty one says it is decorative).
pub(super) fn with_alt(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find("<img") {
        let end = rest[at..].find('>').map_or(rest.len(), |e| at + e);
        let tag = &rest[at..end];
        out.push_str(&rest[..at]);
        out.push_str(tag);
        if !tag.contains(" alt=\"") {
            out.push_str(" alt=\"\"");
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// The text of an HTML fragment: tags dropped, the common entities
/// decoded, white space collapsed.
fn text_of(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                text.push(' ');
            }
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    let text = text
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#039;", "'")
        .replace("&amp;", "&");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// At most `chars` characters.
fn shorten(text: &str, chars: usize) -> String {
    text.chars().take(chars).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_resized_copy_names_the_uploaded_file() {
        assert_eq!(
            upload_of("https://old.example/wp-content/uploads/2016/07/boat-300x200.png"),
            Some("2016/07/boat.png".to_owned())
        );
        assert_eq!(
            upload_of("/wp-content/uploads/2016/07/my-boat.jpg?x=1"),
            Some("2016/07/my-boat.jpg".to_owned())
        );
        assert_eq!(
            upload_urls("<img src=\"https://old.example/wp-content/uploads/a.png\"> x"),
            vec!["https://old.example/wp-content/uploads/a.png".to_owned()]
        );
    }

    #[test]
    fn images_without_alt_get_an_empty_one() {
        assert_eq!(
            with_alt("<p><img src=\"a.jpg\"><img src=\"b.jpg\" alt=\"B\"></p>"),
            "<p><img src=\"a.jpg\" alt=\"\"><img src=\"b.jpg\" alt=\"B\"></p>"
        );
    }

    #[test]
    fn the_text_of_a_teaser_has_no_markup() {
        assert_eq!(
            text_of("<p>Hello <b>world</b> &amp; all</p>\n"),
            "Hello world & all"
        );
    }
}
