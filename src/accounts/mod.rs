//! Accounts: users and their roles (what each may do), Argon2id passwords,
//! database-stored sessions, sign-in with back-off and known devices, one-time setup and
//! set-password links. HTTP and CLI call these; SQL lives in `storage::users`.

pub mod api_tokens;
mod devices;
mod passwords;
mod sessions;
mod throttle;
mod tokens;
mod users;

pub use devices::{DEVICE_COOKIE, DEVICE_LIFETIME_SECS, MAX_DEVICE_TOKENS};
pub use throttle::{
    FIRST_WAIT_SECS, FORGET_FAILURES_AFTER_SECS, FREE_FAILURES_PER_ACCOUNT,
    FREE_FAILURES_PER_ADDRESS, FREE_FAILURES_PER_PAIR, MAX_WAIT_SECS, wait_after,
};

pub use passwords::{MIN_PASSWORD_CHARS, hash_password, verify_password};
pub use sessions::{
    Login, SESSION_COOKIE, SESSION_LIFETIME_SECS, Session, log_in, log_out, log_out_everywhere,
    session_user,
};
pub use tokens::{Token, hash_token};
pub use users::{
    INVITE_LIFETIME_SECS, RESET_LIFETIME_SECS, SETUP_LIFETIME_SECS, create_first_admin,
    create_setup_token, create_user, find_by_email, list, needs_setup, password_link_user,
    reset_link, set_disabled, set_password, set_password_with_token, set_role, setup_token_valid,
};

use crate::storage::{StorageError, UserRow};

/// What a user may do. Administrators do everything, including users and
/// site settings; editors publish and edit anything; writers write and edit
/// their own drafts and submit them for review, but cannot publish.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Editor,
    Writer,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::Editor, Role::Writer];

    /// The stored and command-line name: `admin`, `editor`, `writer`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Editor => "editor",
            Role::Writer => "writer",
        }
    }

    /// The name people read: `Administrator`, `Editor`, `Writer`.
    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Administrator",
            Role::Editor => "Editor",
            Role::Writer => "Writer",
        }
    }

    pub fn parse(text: &str) -> Result<Role, AccountError> {
        match text.trim().to_ascii_lowercase().as_str() {
            "admin" | "administrator" => Ok(Role::Admin),
            "editor" => Ok(Role::Editor),
            "writer" => Ok(Role::Writer),
            other => Err(AccountError::UnknownRole(other.to_owned())),
        }
    }

    /// Create, change and disable accounts.
    pub fn can_manage_users(self) -> bool {
        self == Role::Admin
    }

    /// Change the site settings.
    pub fn can_manage_settings(self) -> bool {
        self == Role::Admin
    }

    /// Read the audit log.
    pub fn can_read_audit(self) -> bool {
        self == Role::Admin
    }

    /// Create, rename and reorder sections.
    pub fn can_manage_sections(self) -> bool {
        matches!(self, Role::Admin | Role::Editor)
    }

    /// Publish, schedule and unpublish stories.
    pub fn can_publish(self) -> bool {
        matches!(self, Role::Admin | Role::Editor)
    }

    /// Edit stories written by anyone.
    pub fn can_edit_any(self) -> bool {
        matches!(self, Role::Admin | Role::Editor)
    }

    /// Whether `user_id` in this role may edit an article written by
    /// `author_id` (`None`: no known author, e.g. imported stories).
    pub fn can_edit(self, user_id: i64, author_id: Option<i64>) -> bool {
        self.can_edit_any() || author_id == Some(user_id)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A user account, parsed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub disabled: bool,
    pub has_password: bool,
    pub created_at: i64,
}

impl User {
    pub fn from_row(row: UserRow) -> Result<User, AccountError> {
        Ok(User {
            role: Role::parse(&row.role).map_err(|_| {
                AccountError::Storage(StorageError::Corrupt(format!(
                    "user {} has role {:?}",
                    row.id, row.role
                )))
            })?,
            id: row.id,
            email: row.email,
            name: row.name,
            disabled: row.disabled_at.is_some(),
            has_password: row.password_hash.is_some(),
            created_at: row.created_at,
        })
    }

    /// Whether this user may edit an article written by `author_id`.
    pub fn can_edit(&self, author_id: Option<i64>) -> bool {
        self.role.can_edit(self.id, author_id)
    }

    /// How the audit log names this user.
    pub fn audit_name(&self) -> String {
        format!("{} <{}>", self.name, self.email)
    }
}

/// What can go wrong with accounts; callers branch on these.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("unknown role {0:?}: use admin, editor or writer")]
    UnknownRole(String),
    #[error("{0:?} is not an email address")]
    InvalidEmail(String),
    #[error("the name is empty")]
    EmptyName,
    #[error("the password must have at least {MIN_PASSWORD_CHARS} characters")]
    PasswordTooShort,
    #[error("the password is too long (at most 1024 characters)")]
    PasswordTooLong,
    #[error("the two passwords differ")]
    PasswordMismatch,
    #[error("an account for {0} already exists")]
    EmailTaken(String),
    #[error("no account for {0}")]
    NoSuchUser(String),
    #[error("this link is not valid: it was already used, has expired, or never existed")]
    InvalidLink,
    #[error("the last administrator cannot be disabled or lose the administrator role")]
    LastAdmin,
    #[error("you cannot change your own role or disable your own account")]
    OwnAccount,
    #[error("the email or password is wrong")]
    WrongCredentials,
    #[error("this account is disabled; ask an administrator")]
    Disabled,
    #[error(
        "too many failed sign-in attempts: wait {} and try again (after {})",
        throttle::wait_text(*retry_after),
        throttle::clock_text(*until)
    )]
    Throttled {
        /// Seconds to wait (the `Retry-After` header).
        retry_after: i64,
        /// When the wait ends, Unix seconds.
        until: i64,
    },
    #[error("password hashing failed: {0}")]
    Hashing(String),
    #[error(transparent)]
    Storage(StorageError),
}

impl From<StorageError> for AccountError {
    fn from(error: StorageError) -> AccountError {
        match error {
            StorageError::Conflict(what) => {
                AccountError::EmailTaken(what.trim_start_matches("an account for ").to_owned())
            }
            other => AccountError::Storage(other),
        }
    }
}

impl AccountError {
    /// Whether the person filling a form caused this (shown to them), as
    /// opposed to a failure of the system (logged, 500).
    pub fn is_user_error(&self) -> bool {
        !matches!(self, AccountError::Hashing(_) | AccountError::Storage(_))
    }
}

/// Normalizes an email address: trimmed, lower-case, `local@domain`.
pub fn parse_email(text: &str) -> Result<String, AccountError> {
    let email = text.trim().to_lowercase();
    let valid = match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && !email.chars().any(|c| c.is_whitespace() || c.is_control())
                && email.len() <= 254
        }
        None => false,
    };
    if valid {
        Ok(email)
    } else {
        Err(AccountError::InvalidEmail(text.trim().to_owned()))
    }
}

/// A display name: trimmed, not empty.
pub fn parse_name(text: &str) -> Result<String, AccountError> {
    let name = text.trim();
    if name.is_empty() {
        return Err(AccountError::EmptyName);
    }
    Ok(name.chars().take(200).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_administrators_manage_users_settings_and_the_audit_log() {
        assert!(
            Role::Admin.can_manage_users()
                && Role::Admin.can_manage_settings()
                && Role::Admin.can_read_audit()
        );
        for role in [Role::Editor, Role::Writer] {
            assert!(
                !role.can_manage_users() && !role.can_manage_settings() && !role.can_read_audit()
            );
        }
    }

    #[test]
    fn editors_publish_and_writers_do_not() {
        assert!(Role::Admin.can_publish());
        assert!(Role::Editor.can_publish());
        assert!(!Role::Writer.can_publish());
    }

    #[test]
    fn a_writer_edits_only_their_own_articles() {
        assert!(Role::Writer.can_edit(7, Some(7)));
        assert!(!Role::Writer.can_edit(7, Some(8)));
        assert!(!Role::Writer.can_edit(7, None));
        assert!(Role::Editor.can_edit(7, Some(8)));
        assert!(Role::Admin.can_edit(7, None));
    }

    #[test]
    fn roles_parse_from_their_names_in_any_case() {
        assert_eq!(Role::parse("Editor").unwrap(), Role::Editor);
        assert_eq!(Role::parse("administrator").unwrap(), Role::Admin);
        assert!(Role::parse("owner").is_err());
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()).unwrap(), role);
        }
    }

    #[test]
    fn emails_are_trimmed_and_lower_cased_and_need_an_at_sign() {
        assert_eq!(
            parse_email("  Ana@Example.COM ").unwrap(),
            "ana@example.com"
        );
        assert!(parse_email("ana").is_err());
        assert!(parse_email("@example.com").is_err());
        assert!(parse_email("ana@").is_err());
        assert!(parse_email("a na@example.com").is_err());
    }
}
