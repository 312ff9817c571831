//! `masthead user add|list|disable|enable|reset-password`, for scripts and
//! for the operator, and the setup link printed at the first start.

use std::io::Read;

use anyhow::Context;
use clap::Subcommand;

use crate::accounts::{self, Role};
use crate::audit::Actor;
use crate::config::Config;
use crate::storage::Store;

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account. Without --password-stdin, prints a one-time link
    /// where the user sets their password.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// admin, editor or writer
        #[arg(long)]
        role: String,
        /// Read the password from standard input (one line).
        #[arg(long)]
        password_stdin: bool,
    },
    /// List accounts: email, role, status, name.
    List,
    /// Disable an account and sign it out everywhere.
    Disable { email: String },
    /// Enable a disabled account again.
    Enable { email: String },
    /// Print a one-time link to set a new password, or read the new
    /// password from standard input. Signs the account out everywhere.
    ResetPassword {
        email: String,
        /// Read the new password from standard input (one line).
        #[arg(long)]
        password_stdin: bool,
    },
}

fn read_password() -> anyhow::Result<String> {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .context("cannot read the password from standard input")?;
    Ok(text.trim_end_matches(['\n', '\r']).to_owned())
}

/// The public address links start with: the configured base URL, else the
/// site's, else the listen address.
async fn base_url(store: &Store, config: &Config) -> anyhow::Result<String> {
    if let Some(base) = &config.base_url {
        return Ok(base.trim_end_matches('/').to_owned());
    }
    Ok(match store.site().await? {
        Some(site) => site.base_url.trim_end_matches('/').to_owned(),
        None => config.public_base_url(),
    })
}

pub(super) async fn run(config: &Config, command: UserCommand) -> anyhow::Result<()> {
    let store = super::open(config).await?;
    let now = jiff::Timestamp::now().as_second();
    let actor = Actor::command_line();
    let result = async {
        match command {
            UserCommand::Add {
                email,
                name,
                role,
                password_stdin,
            } => {
                let role = Role::parse(&role)?;
                let password = if password_stdin {
                    Some(read_password()?)
                } else {
                    None
                };
                let (user, token) = accounts::create_user(
                    &store,
                    &actor,
                    &email,
                    &name,
                    role,
                    password.as_deref(),
                    now,
                )
                .await?;
                println!("created {} ({}) as {}", user.email, user.name, user.role);
                if let Some(token) = token {
                    println!(
                        "set-password link (one use, 7 days): {}/admin/password/{}",
                        base_url(&store, config).await?,
                        token.plain
                    );
                }
            }
            UserCommand::List => {
                for user in accounts::list(&store).await? {
                    let status = if user.disabled {
                        "disabled"
                    } else if user.has_password {
                        "active"
                    } else {
                        "invited"
                    };
                    println!("{}\t{}\t{}\t{}", user.email, user.role, status, user.name);
                }
            }
            UserCommand::Disable { email } => {
                let user = accounts::find_by_email(&store, &email).await?;
                accounts::set_disabled(&store, &actor, user.id, true, now).await?;
                println!("disabled {} and ended its sessions", user.email);
            }
            UserCommand::Enable { email } => {
                let user = accounts::find_by_email(&store, &email).await?;
                accounts::set_disabled(&store, &actor, user.id, false, now).await?;
                println!("enabled {}", user.email);
            }
            UserCommand::ResetPassword {
                email,
                password_stdin,
            } => {
                let user = accounts::find_by_email(&store, &email).await?;
                if password_stdin {
                    let password = read_password()?;
                    accounts::set_password(&store, &actor, &user, &password, now).await?;
                    println!(
                        "set a new password for {} and ended its sessions",
                        user.email
                    );
                } else {
                    let token = accounts::reset_link(&store, &actor, user.id, now).await?;
                    println!(
                        "password-reset link for {} (one use, 24 hours): {}/admin/password/{}",
                        user.email,
                        base_url(&store, config).await?,
                        token.plain
                    );
                }
            }
        }
        anyhow::Ok(())
    };
    let result = result.await;
    store.close().await;
    result
}

/// While no administrator exists, makes a new one-time setup link and
/// prints it (log and standard output). `base` is the public address.
pub(super) async fn announce_setup(
    store: &Store,
    base: &str,
    now: i64,
) -> anyhow::Result<Option<String>> {
    if !accounts::needs_setup(store).await? {
        return Ok(None);
    }
    let token = accounts::create_setup_token(store, now).await?;
    let link = format!("{}/admin/setup/{}", base.trim_end_matches('/'), token.plain);
    // The link holds a secret token: it goes to the operator's terminal
    // (stdout), never into the logs a shipper collects.
    tracing::info!("no administrator yet: the one-time setup link is printed on standard output");
    println!(
        "\nNo administrator yet. Create the first one here (the link works once, for 24 hours):\n\n    {link}\n"
    );
    Ok(Some(link))
}

#[cfg(test)]
mod tests {
    use crate::cli::{Cli, Command};
    use clap::Parser;

    #[test]
    fn user_add_takes_email_name_role_and_password_stdin() {
        let cli = Cli::try_parse_from([
            "masthead",
            "user",
            "add",
            "--email",
            "a@b.c",
            "--name",
            "Ana",
            "--role",
            "editor",
            "--password-stdin",
        ])
        .unwrap();
        match cli.command {
            Command::User(super::UserCommand::Add {
                email,
                role,
                password_stdin,
                ..
            }) => {
                assert_eq!(email, "a@b.c");
                assert_eq!(role, "editor");
                assert!(password_stdin);
            }
            other => panic!("parsed as {other:?}"),
        }
    }
}
