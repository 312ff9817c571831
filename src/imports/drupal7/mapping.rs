//! How Drupal 7 things become masthead things, without touching storage:
//! roles to masthead roles, a node's revision to a story's state (section,
//! topics, byline, body and teaser, dates, status, kept fields), comments to
//! masthead comments, Drupal paths to old addresses.

use std::collections::{BTreeMap, HashMap};

use super::model::{Comment, FieldItem, Node, Revision, Term, User};
use crate::articles::fields::{self, FieldValue, KeptFields};
use crate::articles::{Article, BodyFormat, NewArticle, SectionRef, Slug, Status};

/// The field whose value and summary are a story's body and teaser.
pub(super) const BODY_FIELD: &str = "body";

/// A revision's body as Drupal stored it (its first value).
pub(super) fn raw_body(revision: &Revision) -> &str {
    revision
        .fields
        .get(BODY_FIELD)
        .and_then(|items| items.first())
        .and_then(|b| b.get("value"))
        .unwrap_or("")
}

/// masthead's role for a Drupal user's roles: `administrator` → admin, an
/// editor-like role (its name says editor, chief or publisher) → editor,
/// the rest → writer.
pub(super) fn role_of(user: &User) -> &'static str {
    let names: Vec<String> = user.roles.iter().map(|r| r.to_lowercase()).collect();
    if names.iter().any(|r| r == "administrator" || r == "admin") {
        "admin"
    } else if names
        .iter()
        .any(|r| r.contains("editor") || r.contains("chief") || r.contains("publisher"))
    {
        "editor"
    } else {
        "writer"
    }
}

/// What the mapping of a node needs to know of the rest of the site.
pub(super) struct Context {
    /// Term id → the section it became (section vocabulary only).
    pub sections: HashMap<i64, SectionRef>,
    /// Term id → topic name (every other vocabulary).
    pub topics: HashMap<i64, String>,
    /// Term reference fields (their values are sections or topics).
    pub term_fields: Vec<String>,
    /// Image and file fields (their values are media).
    pub media_fields: Vec<String>,
    /// uid → the name stories credit and the account's id.
    pub people: HashMap<i64, (String, Option<i64>)>,
    /// Where a node with no section term goes (named after its type).
    pub fallback_sections: HashMap<String, SectionRef>,
    /// Field types by name.
    pub field_types: HashMap<String, String>,
}

/// One revision of a node and where it stands in the node's history.
#[derive(Clone, Copy)]
pub(super) struct RevisionAt<'a> {
    pub revision: &'a Revision,
    /// The node's current revision (its dates and status are the node's).
    pub is_current: bool,
    /// Whether an earlier revision was published.
    pub published_before: bool,
    /// The body through the sanitizer.
    pub clean_body: &'a str,
}

/// A revision's state as a story, with the media references of its image
/// fields already resolved by the caller (`fid` → `media:N`) and its body
/// already through the sanitizer (`clean_body`).
pub(super) fn story_state(
    context: &Context,
    node: &Node,
    at: &RevisionAt<'_>,
    slug: &Slug,
    media: &HashMap<i64, String>,
) -> Result<Article, String> {
    let RevisionAt {
        revision,
        is_current,
        published_before,
        clean_body,
    } = *at;
    let mut section = None;
    let mut tags = Vec::new();
    for name in &context.term_fields {
        for item in revision.fields.get(name).into_iter().flatten() {
            let Some(tid) = item.get("tid").and_then(|t| t.parse::<i64>().ok()) else {
                continue;
            };
            if let Some(s) = context.sections.get(&tid) {
                section.get_or_insert_with(|| s.clone());
            } else if let Some(topic) = context.topics.get(&tid)
                && !tags.contains(topic)
            {
                tags.push(topic.clone());
            }
        }
    }
    let section = match section {
        Some(s) => s,
        None => context
            .fallback_sections
            .get(&node.node_type)
            .cloned()
            .ok_or_else(|| format!("no section for content type {:?}", node.node_type))?,
    };
    let body = revision
        .fields
        .get(BODY_FIELD)
        .and_then(|items| items.first());
    let teaser = body
        .and_then(|b| b.get("summary"))
        .filter(|s| !s.trim().is_empty())
        .map(str::to_owned);
    let mut article = NewArticle {
        section,
        slug: Some(slug.clone()),
        headline: revision.title.clone(),
        standfirst: String::new(),
        teaser,
        // The body goes in once it is sanitized (below), so it is cleaned
        // once, not again by the draft's own rendering.
        body_source: String::new(),
        body_format: BodyFormat::Html,
        dateline: String::new(),
        bylines: context
            .people
            .get(&node.uid)
            .map(|(name, _)| vec![name.clone()])
            .unwrap_or_default(),
        tags,
    }
    .into_draft(node.created)
    .map_err(|e| e.to_string())?;
    article.body_source = clean_body.to_owned();
    article.body_html = clean_body.to_owned();
    // The Metatag description is the story's standfirst (what masthead
    // shows under the headline and gives search engines as the page's
    // description), on the current state: the module keeps no history.
    if is_current && let Some(description) = &node.description {
        article.standfirst = description
            .chars()
            .take(crate::articles::limits::STANDFIRST_CHARS)
            .collect();
    }
    article.language = language_of(node).unwrap_or_default();
    article.check_limits().map_err(|e| e.to_string())?;
    let modified = if is_current {
        node.changed.max(revision.timestamp)
    } else {
        revision.timestamp
    };
    article.created_at = node.created;
    article.modified_at = modified;
    article.owner_id = context.people.get(&node.uid).and_then(|(_, id)| *id);
    let published = if is_current {
        node.status == 1
    } else {
        revision.status == 1
    };
    if published {
        article.status = Status::Published;
        article.first_published_at = Some(node.created);
        article.last_update_at = Some(if is_current {
            node.changed
        } else {
            revision.timestamp
        });
    } else if published_before {
        article.status = Status::Unpublished;
        article.first_published_at = Some(node.created);
        article.last_update_at = Some(revision.timestamp);
    }
    let mut lead = None;
    let mut more_media = Vec::new();
    for name in &context.media_fields {
        for item in revision.fields.get(name).into_iter().flatten() {
            let Some(reference) = item
                .get("fid")
                .and_then(|f| f.parse::<i64>().ok())
                .and_then(|fid| media.get(&fid))
            else {
                continue;
            };
            if lead.is_none() {
                lead = Some(reference.clone());
            } else {
                more_media.push(FieldValue::Link(format!("/{reference}")));
            }
        }
    }
    article.lead_image = lead;
    article.fields = kept_fields(context, node, revision);
    if !more_media.is_empty() {
        article
            .fields
            .insert("media".into(), FieldValue::List(more_media));
    }
    fields::check(&article.fields).map_err(|e| e.to_string())?;
    Ok(article)
}

/// A node's language as a language tag; `None` for Drupal's "und"
/// (undefined) and "zxx" (no language) or one that is not a tag: the story
/// is then in the site's language.
pub(super) fn language_of(node: &Node) -> Option<String> {
    match node.language.trim() {
        "" | "und" | "zxx" => None,
        tag => crate::languages::parse(tag).ok(),
    }
}

/// Every field with no home in a story or page, verbatim, and the node's
/// flags masthead has no place for (promoted, sticky, language, translation
/// set).
pub(super) fn kept_fields(context: &Context, node: &Node, revision: &Revision) -> KeptFields {
    let mut kept = KeptFields::new();
    for (name, items) in &revision.fields {
        if name == BODY_FIELD || context.term_fields.contains(name) {
            continue;
        }
        if context.media_fields.contains(name) {
            continue;
        }
        let field_type = context.field_types.get(name).map(String::as_str);
        let mut values: Vec<FieldValue> = Vec::new();
        for item in items {
            values.extend(item_values(field_type, name, item, &mut kept));
        }
        match values.len() {
            0 => {}
            1 => {
                kept.insert(name.clone(), values.remove(0));
            }
            _ => {
                kept.insert(name.clone(), FieldValue::List(values));
            }
        }
    }
    for (flag, value) in [("promote", revision.promote), ("sticky", revision.sticky)] {
        if value != 0 {
            kept.insert(
                format!("drupal_{flag}"),
                FieldValue::Number(value.to_string()),
            );
        }
    }
    if !node.language.is_empty() && node.language != "und" {
        kept.insert("language".into(), FieldValue::Text(node.language.clone()));
    }
    if node.tnid != 0 && node.tnid != node.nid {
        kept.insert(
            "translation_of".into(),
            FieldValue::Number(node.tnid.to_string()),
        );
    }
    kept.insert(
        "drupal_nid".into(),
        FieldValue::Number(node.nid.to_string()),
    );
    kept
}

/// One field item as kept values: a link field's URL as a link (its title
/// beside it as `<name>_title`), a number field's value as a number, any
/// other one-column value as text, and several columns as their JSON.
fn item_values(
    field_type: Option<&str>,
    name: &str,
    item: &FieldItem,
    kept: &mut KeptFields,
) -> Option<FieldValue> {
    match field_type {
        Some("link_field") => {
            if let Some(title) = item.get("title").filter(|t| !t.is_empty()) {
                kept.insert(format!("{name}_title"), FieldValue::Text(title.to_owned()));
            }
            let url = item.get("url")?;
            Some(
                if url.starts_with("http://") || url.starts_with("https://") {
                    FieldValue::Link(url.to_owned())
                } else {
                    FieldValue::Text(url.to_owned())
                },
            )
        }
        Some(t) if t.starts_with("number_") => {
            item.get("value").map(|v| FieldValue::Number(v.to_owned()))
        }
        _ => {
            if let Some(value) = item.get("value") {
                return Some(FieldValue::Text(value.to_owned()));
            }
            let set: BTreeMap<&String, &str> = item
                .columns
                .iter()
                .filter_map(|(k, v)| v.as_deref().map(|v| (k, v)))
                .collect();
            match set.len() {
                0 => None,
                1 => set
                    .values()
                    .next()
                    .map(|v| FieldValue::Text((*v).to_owned())),
                _ => Some(FieldValue::Text(
                    serde_json::to_string(&set).unwrap_or_default(),
                )),
            }
        }
    }
}

/// The slug a node's story gets: the last part of its newest alias (the
/// address readers knew), else its title's.
pub(super) fn slug_of(node: &Node, aliases: &[String]) -> Slug {
    aliases
        .last()
        .and_then(|a| a.rsplit('/').find(|part| !part.is_empty()))
        .map(Slug::from_title)
        .filter(|s| !s.as_str().is_empty())
        .unwrap_or_else(|| Slug::from_title(&node.title))
}

/// A comment's text: its subject as the first line unless the body begins
/// with it (Drupal fills an empty subject from the body), then the body
/// with its markup removed.
pub(super) fn comment_text(comment: &Comment) -> String {
    let body = plain_text(&comment.body);
    let subject = comment.subject.trim();
    if subject.is_empty() || body.starts_with(subject.trim_end_matches('…')) {
        body
    } else {
        format!("{subject}\n\n{body}")
    }
}

/// `1` published → approved; `0` → pending (Drupal's unpublished queue).
pub(super) fn comment_status(comment: &Comment) -> &'static str {
    if comment.status == 1 {
        "approved"
    } else {
        "pending"
    }
}

/// HTML to plain text: tags dropped (a paragraph or line break becomes a new
/// line), the common entities decoded.
fn plain_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    let mut tag = String::new();
    for c in html.chars() {
        match (in_tag, c) {
            (false, '<') => {
                in_tag = true;
                tag.clear();
            }
            (true, '>') => {
                in_tag = false;
                let name = tag.trim_start_matches('/').to_lowercase();
                if name.starts_with("br") || (tag.starts_with('/') && name.starts_with('p')) {
                    out.push('\n');
                }
            }
            (true, c) => tag.push(c),
            (false, c) => out.push(c),
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&")
        .trim()
        .to_owned()
}

/// Terms in an order where each parent comes before its children.
pub(super) fn parents_first(terms: &[Term]) -> Vec<&Term> {
    let mut placed: std::collections::HashSet<i64> = std::collections::HashSet::new();
    let mut ordered = Vec::with_capacity(terms.len());
    let mut left: Vec<&Term> = terms.iter().collect();
    while !left.is_empty() {
        let before = left.len();
        left.retain(|t| {
            let ready = t
                .parents
                .iter()
                .all(|p| *p == 0 || placed.contains(p) || !terms.iter().any(|o| o.tid == *p));
            if ready {
                placed.insert(t.tid);
                ordered.push(*t);
            }
            !ready
        });
        if left.len() == before {
            // A loop in the hierarchy: the rest come as they are.
            ordered.append(&mut left);
        }
    }
    ordered
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(roles: &[&str]) -> User {
        User {
            uid: 2,
            name: "x".into(),
            pass: String::new(),
            mail: String::new(),
            created: 0,
            status: 1,
            timezone: None,
            roles: roles.iter().map(|r| (*r).to_owned()).collect(),
        }
    }

    #[test]
    fn drupal_roles_become_admin_editor_or_writer() {
        assert_eq!(role_of(&user(&["administrator", "editor"])), "admin");
        assert_eq!(role_of(&user(&["Senior Editor"])), "editor");
        assert_eq!(role_of(&user(&["chief of staff"])), "editor");
        assert_eq!(role_of(&user(&["reporter"])), "writer");
        assert_eq!(role_of(&user(&[])), "writer");
    }

    #[test]
    fn comment_markup_becomes_plain_text_and_a_real_subject_is_kept() {
        let mut comment = Comment {
            cid: 1,
            pid: 0,
            nid: 1,
            uid: 0,
            subject: "Good summary".into(),
            hostname: String::new(),
            created: 0,
            changed: 0,
            status: 1,
            thread: "01/".into(),
            name: String::new(),
            mail: String::new(),
            homepage: String::new(),
            body: "<p>A &amp; B</p><p>C&lt;D</p>".into(),
        };
        assert_eq!(comment_text(&comment), "Good summary\n\nA & B\nC<D");
        comment.subject = "A & B".into();
        assert_eq!(comment_text(&comment), "A & B\nC<D");
    }

    #[test]
    fn parents_come_before_their_children() {
        let term = |tid, parent| Term {
            tid,
            vid: 1,
            name: tid.to_string(),
            description: String::new(),
            weight: 0,
            parents: vec![parent],
        };
        let terms = vec![term(3, 2), term(2, 1), term(1, 0)];
        let order: Vec<i64> = parents_first(&terms).iter().map(|t| t.tid).collect();
        assert_eq!(order, vec![1, 2, 3]);
    }
}
