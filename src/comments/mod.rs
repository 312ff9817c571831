//! Reader comments: readers post plain text under a story (when the site
//! allows it, off by default), each held for moderation; editors and
//! administrators approve, unpublish, mark as spam or delete them, each step
//! in the audit log, and close comments per story. Approved comments show
//! under the story, threaded, without JavaScript; an e-mail address is
//! never shown. A honeypot field and a rate limit per client address keep
//! scripts out; every refusal says why and stores nothing.

pub use crate::storage::CommentRow as Comment;

use crate::actor::Actor;
use crate::articles::Article;
use crate::audit;
use crate::languages::labels::Labels;
use crate::site::Site;
use crate::storage::{CommentLimit, NewComment, StorageError, Store};

/// Longest comment, in characters.
pub const BODY_CHARS: usize = 5_000;
/// Longest author name, in characters.
pub const NAME_CHARS: usize = 100;
/// Longest e-mail address and URL, in bytes.
pub const ADDRESS_BYTES: usize = 254;
/// Comments one client address may post per [`WINDOW`] seconds.
pub const PER_WINDOW: i64 = 3;
/// The rate limit's window, in seconds.
pub const WINDOW: i64 = 600;
/// Deepest reply nesting shown (deeper replies show at this depth).
pub const MAX_DEPTH: usize = 6;

/// What can go wrong with a comment.
#[derive(Debug, thiserror::Error)]
pub enum CommentError {
    #[error("comments are not open to readers on this site")]
    PostingOff,
    #[error("comments on this story are closed")]
    Closed,
    #[error("{0}")]
    Invalid(Invalid),
    #[error(
        "you have posted {PER_WINDOW} comments in the last {} minutes; please wait before posting again",
        WINDOW / 60
    )]
    TooMany,
    #[error("there is no such comment")]
    NotFound,
    #[error("only editors and administrators moderate comments")]
    Forbidden,
    #[error(transparent)]
    Storage(StorageError),
}

impl From<StorageError> for CommentError {
    fn from(error: StorageError) -> CommentError {
        match error {
            StorageError::Refused(why) if why == "rate limit" => CommentError::TooMany,
            StorageError::Refused(why) if why == "no such parent" => {
                CommentError::Invalid(Invalid::UnknownParent)
            }
            StorageError::Refused(why) => CommentError::Invalid(Invalid::Other(why)),
            other => CommentError::Storage(other),
        }
    }
}

/// What a reader typed.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct CommentInput {
    pub name: String,
    pub email: String,
    pub url: String,
    pub body: String,
    /// The comment this one replies to.
    pub parent: String,
    /// The honeypot: hidden from people, filled by scripts.
    pub website: String,
}

/// What posting did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Posted {
    /// Held for moderation.
    Held,
    /// Caught by the honeypot: kept as spam, answered as if held.
    Caught,
}

/// Why a reader's comment was not taken: shown to them in the story's
/// language ([`Invalid::explain`]), in English in logs and errors.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Invalid {
    #[error("write your name")]
    NoName,
    #[error("the name is longer than {NAME_CHARS} characters")]
    LongName,
    #[error("write an e-mail address like name@example.com (it is never shown)")]
    BadEmail,
    #[error("a web address starts with https:// or http://")]
    BadUrl,
    #[error("the comment is empty")]
    Empty,
    #[error("the comment is {0} characters long; at most {BODY_CHARS} fit")]
    TooLong(usize),
    #[error("the comment you reply to is not shown on this story")]
    UnknownParent,
    #[error("{0}")]
    Other(String),
}

impl Invalid {
    /// The reason in the words of `labels`.
    pub fn explain(&self, labels: &Labels) -> String {
        match self {
            Invalid::NoName => labels.comment_no_name.to_owned(),
            Invalid::LongName => labels
                .comment_long_name
                .replace("{max}", &NAME_CHARS.to_string()),
            Invalid::BadEmail => labels.comment_bad_email.to_owned(),
            Invalid::BadUrl => labels.comment_bad_url.to_owned(),
            Invalid::Empty => labels.comment_empty.to_owned(),
            Invalid::TooLong(chars) => labels
                .comment_too_long
                .replace("{chars}", &chars.to_string())
                .replace("{max}", &BODY_CHARS.to_string()),
            Invalid::UnknownParent => labels.comment_unknown_parent.to_owned(),
            Invalid::Other(why) => why.clone(),
        }
    }
}

/// How often a reader may post, in the words of `labels`.
pub fn too_many(labels: &Labels) -> String {
    labels
        .comment_too_many
        .replace("{count}", &PER_WINDOW.to_string())
        .replace("{minutes}", &(WINDOW / 60).to_string())
}

fn invalid(reason: Invalid) -> CommentError {
    CommentError::Invalid(reason)
}

/// A comment's fields once checked.
struct Checked {
    name: String,
    email: String,
    url: Option<String>,
    body: String,
    parent: Option<i64>,
}

impl CommentInput {
    /// The checked fields.
    fn checked(&self) -> Result<Checked, CommentError> {
        let name = self.name.trim();
        if name.is_empty() {
            return Err(invalid(Invalid::NoName));
        }
        if name.chars().count() > NAME_CHARS {
            return Err(invalid(Invalid::LongName));
        }
        let email = self.email.trim();
        let plausible = email.len() <= ADDRESS_BYTES
            && !email.contains(char::is_whitespace)
            && email.split_once('@').is_some_and(|(user, host)| {
                !user.is_empty() && host.contains('.') && !host.starts_with('.')
            });
        if !plausible {
            return Err(invalid(Invalid::BadEmail));
        }
        let url = self.url.trim();
        let url = if url.is_empty() {
            None
        } else if url.len() <= ADDRESS_BYTES
            && (url.starts_with("https://") || url.starts_with("http://"))
            && !url.contains(char::is_whitespace)
        {
            Some(url.to_owned())
        } else {
            return Err(invalid(Invalid::BadUrl));
        };
        let body = self.body.trim();
        if body.is_empty() {
            return Err(invalid(Invalid::Empty));
        }
        let chars = body.chars().count();
        if chars > BODY_CHARS {
            return Err(invalid(Invalid::TooLong(chars)));
        }
        let parent = match self.parent.trim() {
            "" => None,
            text => Some(text.parse().map_err(|_| invalid(Invalid::UnknownParent))?),
        };
        // Plain text only: control characters other than new lines go.
        let body: String = body
            .replace("\r\n", "\n")
            .chars()
            .filter(|c| !c.is_control() || *c == '\n')
            .collect();
        Ok(Checked {
            name: name.to_owned(),
            email: email.to_owned(),
            url,
            body,
            parent,
        })
    }
}

/// Posts a reader's comment under `article` (one readers may see) from
/// client `address` at `now`: held for moderation, or kept as spam when the
/// honeypot is filled.
pub async fn post(
    store: &Store,
    site: &Site,
    article: &Article,
    input: &CommentInput,
    address: &str,
    now: i64,
) -> Result<Posted, CommentError> {
    if !site.comments_posting {
        return Err(CommentError::PostingOff);
    }
    if store.comments_closed(article.id).await? {
        return Err(CommentError::Closed);
    }
    let Checked {
        name,
        email,
        url,
        body,
        parent,
    } = input.checked()?;
    let caught = !input.website.trim().is_empty();
    let comment = NewComment {
        article_id: article.id,
        parent_id: parent,
        author_name: &name,
        author_email: &email,
        author_url: url.as_deref(),
        body: &body,
        status: if caught { "spam" } else { "pending" },
        address,
    };
    let limit = CommentLimit {
        since: now - WINDOW,
        most: PER_WINDOW,
    };
    store.insert_comment(&comment, limit, now).await?;
    Ok(if caught { Posted::Caught } else { Posted::Held })
}

/// Whether readers may post under story `article_id` now.
pub async fn open_for(store: &Store, site: &Site, article_id: i64) -> Result<bool, CommentError> {
    Ok(site.comments_posting && !store.comments_closed(article_id).await?)
}

/// Whether comments on story `article_id` are closed.
pub async fn closed(store: &Store, article_id: i64) -> Result<bool, CommentError> {
    Ok(store.comments_closed(article_id).await?)
}

/// One approved comment as readers see it, with its replies.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Shown {
    pub id: i64,
    pub author_name: String,
    pub author_url: Option<String>,
    pub created_at: i64,
    /// The text's paragraphs (split at blank lines) and their lines.
    pub paragraphs: Vec<Vec<String>>,
    pub replies: Vec<Shown>,
}

/// Story `article_id`'s approved comments as threads, oldest first; a reply
/// whose parent is not shown starts a thread of its own.
pub async fn thread(store: &Store, article_id: i64) -> Result<Vec<Shown>, CommentError> {
    let rows = store.approved_comments(article_id).await?;
    let shown = |row: &Comment| Shown {
        id: row.id,
        author_name: row.author_name.clone(),
        author_url: row.author_url.clone(),
        created_at: row.created_at,
        paragraphs: row
            .body
            .split("\n\n")
            .map(|p| p.lines().map(str::to_owned).collect::<Vec<_>>())
            .filter(|p| !p.is_empty())
            .collect(),
        replies: Vec::new(),
    };
    fn attach(list: &mut [Shown], parent: i64, child: Shown, depth: usize) -> Result<(), Shown> {
        for item in list.iter_mut() {
            if item.id == parent {
                if depth + 1 >= MAX_DEPTH {
                    return Err(child);
                }
                item.replies.push(child);
                return Ok(());
            }
        }
        let mut child = child;
        for item in list.iter_mut() {
            match attach(&mut item.replies, parent, child, depth + 1) {
                Ok(()) => return Ok(()),
                Err(back) => child = back,
            }
        }
        Err(child)
    }
    let mut threads: Vec<Shown> = Vec::new();
    for row in &rows {
        let item = shown(row);
        match row.parent_id {
            Some(parent) => {
                if let Err(item) = attach(&mut threads, parent, item, 0) {
                    threads.push(item);
                }
            }
            None => threads.push(item),
        }
    }
    Ok(threads)
}

/// A moderation step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Approve,
    /// Back to pending: no longer shown.
    Unpublish,
    Spam,
    Delete,
}

impl Step {
    pub fn parse(text: &str) -> Option<Step> {
        Some(match text {
            "approve" => Step::Approve,
            "unpublish" => Step::Unpublish,
            "spam" => Step::Spam,
            "delete" => Step::Delete,
            _ => return None,
        })
    }

    fn status(self) -> &'static str {
        match self {
            Step::Approve => "approved",
            Step::Unpublish => "pending",
            Step::Spam => "spam",
            Step::Delete => "deleted",
        }
    }
}

/// Whether `actor` moderates: editors and administrators, and the operator
/// at the command line.
fn may_moderate(actor: &Actor) -> bool {
    match actor.role {
        Some(role) => role.can_edit_any(),
        None => actor.id.is_none(),
    }
}

/// Takes a moderation step on comment `id` for `actor`.
pub async fn moderate(
    store: &Store,
    actor: &Actor,
    id: i64,
    step: Step,
    now: i64,
) -> Result<Comment, CommentError> {
    if !may_moderate(actor) {
        return Err(CommentError::Forbidden);
    }
    let action = format!("comment.{}", step.status());
    let entry = audit::entry(
        actor,
        &action,
        &format!("comment:{id}"),
        serde_json::json!({ "status": step.status() }),
    );
    store
        .set_comment_status(id, step.status(), now, &entry)
        .await?
        .ok_or(CommentError::NotFound)
}

/// Closes or opens comments on story `article_id` for `actor`.
pub async fn set_closed(
    store: &Store,
    actor: &Actor,
    article_id: i64,
    closed: bool,
    now: i64,
) -> Result<(), CommentError> {
    if !may_moderate(actor) {
        return Err(CommentError::Forbidden);
    }
    let action = if closed {
        "comments.closed"
    } else {
        "comments.opened"
    };
    let entry = audit::entry(
        actor,
        action,
        &format!("article:{article_id}"),
        serde_json::json!({}),
    );
    Ok(store
        .set_comments_closed(article_id, closed, now, &entry)
        .await?)
}

/// The moderation queue: comments of `status` (all when `None`), newest
/// first, before comment `before`.
pub async fn queue(
    store: &Store,
    status: Option<&str>,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<Comment>, CommentError> {
    Ok(store
        .comments_by_status(status, before.unwrap_or(i64::MAX), limit)
        .await?)
}
