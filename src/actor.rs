//! `Actor`: who does something, as every domain operation sees it. One type
//! for the workflow's role rules, revisions (the author's name) and the
//! audit log (name and email as they were, and the address acted from), so
//! the story desk, the API and the command line hand the domain the same
//! thing and the domain writes the same records for each.

use crate::accounts::{Role, User};

/// Who is acting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The account, when a person acts; `None` for the command line, a
    /// background job or an anonymous visitor (such as a failed sign-in).
    pub id: Option<i64>,
    /// The name revisions record as their author.
    pub name: String,
    /// How the audit log names the actor: name and email as they were at the
    /// time (kept even if the account changes later).
    pub audit_name: String,
    /// The account's role; `None` acts with no newsroom rights at all.
    pub role: Option<Role>,
    /// Where the request came from, for the audit log.
    pub address: Option<String>,
}

impl From<&User> for Actor {
    /// A user acting through a channel with no client address (an API
    /// token); see [`Actor::user`] for a signed-in user.
    fn from(user: &User) -> Actor {
        Actor {
            id: Some(user.id),
            name: user.name.clone(),
            audit_name: user.audit_name(),
            role: Some(user.role),
            address: None,
        }
    }
}

impl Actor {
    /// A signed-in user acting from `address`.
    pub fn user(user: &User, address: &str) -> Actor {
        Actor {
            address: Some(address.to_owned()),
            ..Actor::from(user)
        }
    }

    /// Someone without an account yet (or not signed in) acting from
    /// `address`, named `name` in the audit log.
    pub fn anonymous(name: impl Into<String>, address: Option<&str>) -> Actor {
        let name = name.into();
        Actor {
            id: None,
            audit_name: name.clone(),
            name,
            role: None,
            address: address.map(str::to_owned),
        }
    }

    /// The operator at the command line.
    pub fn command_line() -> Actor {
        Actor::anonymous("command line", None)
    }

    /// A background job such as the scheduler.
    pub fn system(job: &str) -> Actor {
        Actor::anonymous(job, None)
    }

    /// Whether the actor's role may edit and publish any story (editors and
    /// administrators).
    pub fn can_edit_any(&self) -> bool {
        self.role.is_some_and(|r| r.can_edit_any())
    }

    /// Whether `owner` (a story's or an image's) is this actor's account.
    pub fn owns(&self, owner: Option<i64>) -> bool {
        self.id.is_some() && owner == self.id
    }
}
