//! Publishing: the editorial workflow (draft → in review → scheduled →
//! published → unpublished), who may do what to which story, editorial
//! updates versus silent fixes, corrections, restores, and the scheduler.
//!
//! Role rules are expressed over a plain [`Actor`] (account id, name, role)
//! so any login system can hand one in: writers write and submit their own
//! drafts; editors and admins may do everything.

mod actions;
pub mod checks;
mod fields;
pub mod scheduler;
pub(crate) mod story_writes;

pub use actions::{
    check_story, checks_for, correct, create, publish, publish_now, restore, save, schedule,
    submit, unpublish, withdraw,
};
pub use fields::{StoryFields, format_local_time, parse_local_time};

use serde::Serialize;

use crate::articles::revisions::SaveError;
use crate::articles::{Article, ArticleError, Status};

/// The newsroom roles are the accounts' roles.
pub use crate::accounts::Role;

/// Who is acting (the crate's one [`Actor`](crate::actor)).
pub use crate::actor::Actor;

/// Something done to a story.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Edit,
    Submit,
    Withdraw,
    Schedule,
    Publish,
    Unpublish,
    Correct,
    Restore,
}

impl Action {
    fn verb(self) -> &'static str {
        match self {
            Action::Edit => "edit",
            Action::Submit => "submit for review",
            Action::Withdraw => "return to draft",
            Action::Schedule => "schedule",
            Action::Publish => "publish",
            Action::Unpublish => "unpublish",
            Action::Correct => "add a correction to",
            Action::Restore => "restore a revision of",
        }
    }
}

/// Whether an update to a published story is news to readers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UpdateKind {
    /// A substantive update: moves `Last update`.
    Editorial,
    /// A typo or technical fix: `Last update` stays.
    SilentFix,
}

impl UpdateKind {
    pub fn parse(text: &str) -> Option<UpdateKind> {
        match text {
            "editorial" => Some(UpdateKind::Editorial),
            "silent_fix" | "silent" => Some(UpdateKind::SilentFix),
            _ => None,
        }
    }
}

/// Why a workflow step did not happen.
#[derive(Debug, thiserror::Error)]
pub enum WorkflowError {
    #[error("there is no such story")]
    NotFound,
    #[error("{0}")]
    Forbidden(String),
    #[error("a story that is {} cannot be {}", status_name(*.from), past(*.action))]
    InvalidTransition { from: Status, action: Action },
    #[error(
        "this story is published: choose whether this is an editorial update (moves \"Last update\") or a silent fix"
    )]
    UpdateKindRequired,
    #[error("{0}")]
    Invalid(String),
    /// The pre-publish check found blocking failures (listed); nothing was
    /// written.
    #[error("this story cannot be {} yet: {}", past(*.action), checks::describe(.failures))]
    ChecksFailed {
        action: Action,
        failures: Vec<checks::Outcome>,
    },
    /// The pre-publish check could not run (a failure of ours).
    #[error(transparent)]
    Checks(checks::CheckError),
    #[error(transparent)]
    Save(SaveError),
}

impl From<SaveError> for WorkflowError {
    fn from(error: SaveError) -> WorkflowError {
        match error {
            // A rule the save's transaction checked (one story per language
            // of a translation set): the editor's to fix.
            SaveError::Article(ArticleError::Refused(why)) => WorkflowError::Invalid(why),
            other => WorkflowError::Save(other),
        }
    }
}

impl From<ArticleError> for WorkflowError {
    fn from(error: ArticleError) -> WorkflowError {
        match error {
            ArticleError::EmptyHeadline | ArticleError::TooLarge(_) => {
                WorkflowError::Invalid(error.to_string())
            }
            ArticleError::InvalidSlug(e) => WorkflowError::Invalid(e.to_string()),
            ArticleError::Taken(what) => {
                WorkflowError::Invalid(format!("{what} already exists: choose another address"))
            }
            ArticleError::Refused(why) => WorkflowError::Invalid(why),
            other => WorkflowError::Save(SaveError::Article(other)),
        }
    }
}

impl From<crate::storage::StorageError> for WorkflowError {
    fn from(error: crate::storage::StorageError) -> WorkflowError {
        ArticleError::from(error).into()
    }
}

impl From<crate::sections::SectionError> for WorkflowError {
    fn from(error: crate::sections::SectionError) -> WorkflowError {
        WorkflowError::Invalid(error.to_string())
    }
}

/// How a status reads in a sentence.
pub fn status_name(status: Status) -> &'static str {
    match status {
        Status::Draft => "a draft",
        Status::Review => "in review",
        Status::Scheduled => "scheduled",
        Status::Published => "published",
        Status::Unpublished => "unpublished",
    }
}

fn past(action: Action) -> &'static str {
    match action {
        Action::Edit => "edited",
        Action::Submit => "submitted for review",
        Action::Withdraw => "returned to draft",
        Action::Schedule => "scheduled",
        Action::Publish => "published",
        Action::Unpublish => "unpublished",
        Action::Correct => "corrected",
        Action::Restore => "restored",
    }
}

/// Whether `actor` may do `action` to `article` as it is now: the role rule
/// first, then whether the story's status allows the step at all.
pub fn check(actor: &Actor, article: &Article, action: Action) -> Result<(), WorkflowError> {
    if !actor.can_edit_any() {
        let own = actor.owns(article.owner_id);
        let forbidden = |why: &str| Err(WorkflowError::Forbidden(why.to_owned()));
        match action {
            Action::Schedule | Action::Publish | Action::Unpublish | Action::Correct => {
                return forbidden(&format!(
                    "writers cannot {} a story: ask an editor",
                    action.verb()
                ));
            }
            _ if !own => {
                return forbidden(&format!(
                    "writers can {} only their own stories",
                    action.verb()
                ));
            }
            Action::Edit | Action::Restore
                if !matches!(article.status, Status::Draft | Status::Review) =>
            {
                return forbidden(&format!(
                    "this story is {}: only an editor can change it now",
                    status_name(article.status)
                ));
            }
            _ => {}
        }
    }
    if allowed_from(article.status, action) {
        Ok(())
    } else {
        Err(WorkflowError::InvalidTransition {
            from: article.status,
            action,
        })
    }
}

/// The workflow's transitions: which statuses each step may start from.
pub fn allowed_from(status: Status, action: Action) -> bool {
    use Status::*;
    match action {
        Action::Edit | Action::Restore => true,
        Action::Submit => matches!(status, Draft | Unpublished),
        Action::Withdraw => matches!(status, Review | Scheduled),
        Action::Schedule => matches!(status, Draft | Review | Scheduled | Unpublished),
        Action::Publish => matches!(status, Draft | Review | Scheduled | Unpublished),
        Action::Unpublish => status == Published,
        Action::Correct => status == Published,
    }
}

/// The steps `actor` may take on `article` now, for the editor's buttons.
pub fn available(actor: &Actor, article: &Article) -> Vec<Action> {
    [
        Action::Submit,
        Action::Withdraw,
        Action::Schedule,
        Action::Publish,
        Action::Unpublish,
        Action::Correct,
    ]
    .into_iter()
    .filter(|a| check(actor, article, *a).is_ok())
    .collect()
}

/// Whether `actor` may edit (or restore) `article`.
pub fn can_edit(actor: &Actor, article: &Article) -> bool {
    check(actor, article, Action::Edit).is_ok()
}

#[cfg(test)]
mod tests;
