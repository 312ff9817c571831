//! `masthead api-token create|list|revoke`: personal tokens for the write
//! API. The secret is printed once, on standard output, and never stored.

use anyhow::Context;
use clap::Subcommand;

use crate::accounts::api_tokens;
use crate::config::Config;

#[derive(Debug, Subcommand)]
pub enum ApiTokenCommand {
    /// Create a token acting as this user (with the user's role); prints the secret once.
    Create {
        #[arg(long)]
        email: String,
        /// What the token is for, e.g. "wire importer".
        #[arg(long)]
        name: String,
    },
    /// List a user's tokens: id, name, created, last used, revoked.
    List { email: String },
    /// Revoke one of a user's tokens.
    Revoke { email: String, id: i64 },
}

pub(super) async fn run(config: &Config, command: ApiTokenCommand) -> anyhow::Result<()> {
    let store = super::open(config).await?;
    let now = jiff::Timestamp::now().as_second();
    let user = |email: String| {
        let store = store.clone();
        async move {
            crate::accounts::find_by_email(&store, &email)
                .await
                .with_context(|| format!("no account {email}"))
        }
    };
    match command {
        ApiTokenCommand::Create { email, name } => {
            let user = user(email).await?;
            let token = api_tokens::create(&store, &user, &name, now).await?;
            eprintln!(
                "token {} for {} ({}); it is shown only now:",
                token.id, user.email, user.role
            );
            println!("{}", token.secret);
        }
        ApiTokenCommand::List { email } => {
            let user = user(email).await?;
            for t in api_tokens::list(&store, &user).await? {
                let state = if t.revoked_at.is_some() {
                    "revoked"
                } else {
                    "active"
                };
                println!(
                    "{}\t{}\t{}\tcreated {}\tlast used {}",
                    t.id,
                    state,
                    t.name,
                    t.created_at,
                    t.last_used_at.map_or("never".into(), |t| t.to_string())
                );
            }
        }
        ApiTokenCommand::Revoke { email, id } => {
            let user = user(email).await?;
            api_tokens::revoke(&store, &user, id, now).await?;
            println!("token {id} revoked");
        }
    }
    store.close().await;
    Ok(())
}
