//! `egov admin`: users, their grants and API tokens from the command line (the first system
//! administrator is made here).

use anyhow::Context;
use clap::{Args, Subcommand};
use platform::i18n::Lang;
use platform::identity::access::{Role, Scope};
use platform::identity::{self, Directory, NewUser, tokens};

#[derive(Subcommand)]
pub enum AdminCommand {
    /// Users.
    #[command(subcommand)]
    User(UserCommand),
    /// API tokens for other agencies' systems.
    #[command(subcommand)]
    Token(TokenCommand),
}

#[derive(Args)]
pub struct GrantArgs {
    /// system_admin, agency_admin, reporter, approver or viewer.
    #[arg(long)]
    role: String,
    /// national, unit:CODE (e.g. unit:40) or agency:CODE (e.g. agency:byt, agency:ubnd-40).
    #[arg(long, default_value = "national")]
    scope: String,
}

#[derive(Subcommand)]
pub enum UserCommand {
    /// Create a user; a generated password is printed once (the user must change it).
    Create {
        #[arg(long)]
        username: String,
        /// Full name.
        #[arg(long)]
        name: String,
        #[arg(long)]
        email: Option<String>,
        #[command(flatten)]
        grant: GrantArgs,
    },
    /// List users.
    List,
    /// Disable a user and end their sessions.
    Disable { username: String },
    /// Set a new generated password (printed once) and end the user's sessions.
    ResetPassword { username: String },
    /// Grant a role within a scope.
    Grant {
        username: String,
        #[command(flatten)]
        grant: GrantArgs,
    },
}

#[derive(Subcommand)]
pub enum TokenCommand {
    /// Create a token; the secret is printed once and stored only as a hash.
    Create {
        /// What the token is for, e.g. "Hệ thống báo cáo Sở KH&ĐT Nghệ An".
        #[arg(long)]
        name: String,
        #[command(flatten)]
        grant: GrantArgs,
        /// Days until it expires (1–730).
        #[arg(long, default_value_t = 90)]
        days: i64,
    },
    /// Revoke a token by id.
    Revoke { id: i64 },
}

async fn parse_grant(db: &platform::db::Db, g: &GrantArgs) -> anyhow::Result<(Role, Scope)> {
    let role = Role::parse(&g.role).with_context(|| format!("unknown role {}", g.role))?;
    let (kind, code) = g.scope.split_once(':').unwrap_or((g.scope.as_str(), ""));
    let dir = registry::RegistryDirectory { db: db.clone() };
    let scope = dir.find_scope(kind, code).await?.with_context(|| {
        format!(
            "unknown scope {} (use national, unit:CODE or agency:CODE)",
            g.scope
        )
    })?;
    Ok((role, scope))
}

fn problems(e: platform::AppError) -> anyhow::Error {
    let msgs: Vec<String> = e
        .problems
        .iter()
        .map(|p| format!("{} / {}", p.detail(Lang::Vi), p.detail(Lang::En)))
        .collect();
    anyhow::anyhow!("{}", msgs.join("; "))
}

pub async fn admin(db: &platform::db::Db, cmd: AdminCommand) -> anyhow::Result<()> {
    let actor = super::actor();
    let find = |u: String| async move {
        identity::find_user(db, &u)
            .await?
            .with_context(|| format!("no user {u}"))
    };
    match cmd {
        AdminCommand::User(UserCommand::Create {
            username,
            name,
            email,
            grant,
        }) => {
            let grant = parse_grant(db, &grant).await?;
            let password = identity::password::generate();
            let id = identity::create_user(
                db,
                &actor,
                NewUser {
                    username: username.clone(),
                    display_name: name,
                    email,
                    password: password.clone(),
                    locale: None,
                    must_change_password: true,
                    is_demo: false,
                },
                Some(grant),
            )
            .await
            .map_err(problems)?;
            println!(
                "created user {username} (id {id}); initial password (change at first sign-in): {password}"
            );
        }
        AdminCommand::User(UserCommand::List) => {
            for u in identity::list_users(db).await? {
                println!(
                    "{}\t{}\t{}\t{}",
                    u.username,
                    u.display_name,
                    if u.is_active { "active" } else { "disabled" },
                    if u.totp_enabled { "2fa" } else { "-" }
                );
            }
        }
        AdminCommand::User(UserCommand::Disable { username }) => {
            let u = find(username).await?;
            identity::set_active(db, &actor, u.id, false)
                .await
                .map_err(problems)?;
            println!("disabled {}", u.username);
        }
        AdminCommand::User(UserCommand::ResetPassword { username }) => {
            let u = find(username).await?;
            let password = identity::password::generate();
            identity::set_password(db, &actor, u.id, &password, true)
                .await
                .map_err(problems)?;
            println!(
                "new password for {} (change at next sign-in): {password}",
                u.username
            );
        }
        AdminCommand::User(UserCommand::Grant { username, grant }) => {
            let u = find(username).await?;
            let (role, scope) = parse_grant(db, &grant).await?;
            identity::add_grant(db, &actor, u.id, role, scope)
                .await
                .map_err(problems)?;
            println!("granted {} to {}", role.as_str(), u.username);
        }
        AdminCommand::Token(TokenCommand::Create { name, grant, days }) => {
            let (role, scope) = parse_grant(db, &grant).await?;
            let (id, secret) = tokens::create(db, &actor, &name, role, scope, days)
                .await
                .map_err(problems)?;
            println!("token {id} created; it is shown only now:\n{secret}");
        }
        AdminCommand::Token(TokenCommand::Revoke { id }) => {
            tokens::revoke(db, &actor, id).await.map_err(problems)?;
            println!("token {id} revoked");
        }
    }
    Ok(())
}
