//! Administrative actions on accounts, grants and API tokens, with their rules checked here, in
//! the domain, whichever way the request came in (the admin pages today, an API later):
//!
//! - they need a person signed in with a session that completed the second factor — never an
//!   API token, never a password-only session;
//! - the caller must hold the permission within the scope acted on, at a rank at least that of
//!   the role acted on ([`access::may_act_on`]): no one creates, resets, disables, grants, revokes
//!   or mints a token for a role above their own or outside their scope;
//! - managing an account means managing every grant it holds.
//!
//! The command line (`egov admin …`) acts with the database's credentials and calls the
//! unchecked functions of [`crate::identity`] directly: whoever runs it already owns the data.

use crate::audit::Actor;
use crate::error::{AppError, AppResult, Problem};
use axum::http::StatusCode;

use super::access::{self, Grant, Permission, Refusal, Role, Scope, Target};
use super::{Directory, NewUser, User, tokens};
use crate::db::Db;

/// How the caller proved who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    /// A web session; `two_factor` when its sign-in passed a TOTP code of an enrolled second
    /// factor.
    Session { two_factor: bool },
    /// An API token (for other systems' data exchange, never for administration).
    Token,
}

/// Who asks for an administrative action.
#[derive(Debug, Clone)]
pub struct Caller<'a> {
    pub actor: Actor,
    pub grants: &'a [Grant],
    pub credential: Credential,
}

impl Caller<'_> {
    /// Administration needs a session that completed the second factor.
    pub fn require_admin_session(&self) -> AppResult<()> {
        match self.credential {
            Credential::Session { two_factor: true } => Ok(()),
            Credential::Session { two_factor: false } => Err(AppError::new(
                StatusCode::FORBIDDEN,
                Problem::new("two_factor_required"),
            )),
            Credential::Token => Err(AppError::new(
                StatusCode::FORBIDDEN,
                Problem::new("admin_needs_session"),
            )),
        }
    }
}

fn refused(r: Refusal) -> AppError {
    match r {
        Refusal::OutOfScope => AppError::forbidden(),
        Refusal::RoleAbove => AppError::new(StatusCode::FORBIDDEN, Problem::new("role_above_own")),
    }
}

/// Every grant a user holds, each with the target its scope stands for.
pub async fn held(db: &Db, dir: &dyn Directory, user_id: i64) -> AppResult<Vec<(Role, Target)>> {
    let mut out = Vec::new();
    for g in super::grants_of(db, dir, user_id).await? {
        let t = super::scope_target(dir, g.scope)
            .await?
            .unwrap_or_else(Target::national);
        out.push((g.role, t));
    }
    Ok(out)
}

/// May `caller` see and manage this user (every grant it holds is one the caller could hand
/// out)? Used to list users, so it does not check the session.
pub async fn may_manage_user(
    db: &Db,
    dir: &dyn Directory,
    grants: &[Grant],
    user_id: i64,
) -> AppResult<Result<(), Refusal>> {
    Ok(access::may_manage(grants, &held(db, dir, user_id).await?))
}

/// The checks before acting on an existing account: a complete administrative session, the
/// account exists, the caller outranks it within scope; `not_self` for actions one does not take
/// on one's own account (disable, enable, reset).
async fn guard_user(
    db: &Db,
    dir: &dyn Directory,
    caller: &Caller<'_>,
    user_id: i64,
    not_self: bool,
) -> AppResult<User> {
    caller.require_admin_session()?;
    let user = super::get_user(db, user_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    may_manage_user(db, dir, caller.grants, user_id)
        .await?
        .map_err(refused)?;
    if not_self && caller.actor.user_id == Some(user_id) {
        return Err(AppError::conflict(Problem::new("cannot_change_self")));
    }
    Ok(user)
}

/// The account as shown to an administrator (the page that also shows a temporary password).
pub async fn view_user(
    db: &Db,
    dir: &dyn Directory,
    caller: &Caller<'_>,
    user_id: i64,
) -> AppResult<User> {
    guard_user(db, dir, caller, user_id, false).await
}

async fn check_assign(
    dir: &dyn Directory,
    caller: &Caller<'_>,
    permission: Permission,
    role: Role,
    scope: Scope,
) -> AppResult<()> {
    let target = super::scope_target(dir, scope)
        .await?
        .ok_or_else(|| AppError::invalid(Problem::new("scope_not_found").field("scope_code")))?;
    access::may_act_on(caller.grants, permission, role, &target).map_err(refused)
}

/// Create an account with one grant the caller may hand out.
pub async fn create_user(
    db: &Db,
    dir: &dyn Directory,
    caller: &Caller<'_>,
    new: NewUser,
    role: Role,
    scope: Scope,
) -> AppResult<i64> {
    caller.require_admin_session()?;
    check_assign(dir, caller, Permission::ManageUsers, role, scope).await?;
    super::create_user(db, &caller.actor, new, Some((role, scope))).await
}

/// Add a grant the caller may hand out to an account the caller manages.
pub async fn add_grant(
    db: &Db,
    dir: &dyn Directory,
    caller: &Caller<'_>,
    user_id: i64,
    role: Role,
    scope: Scope,
) -> AppResult<i64> {
    guard_user(db, dir, caller, user_id, false).await?;
    check_assign(dir, caller, Permission::ManageUsers, role, scope).await?;
    super::add_grant(db, &caller.actor, user_id, role, scope).await
}

/// Revoke one of the grants of an account the caller manages.
pub async fn revoke_grant(
    db: &Db,
    dir: &dyn Directory,
    caller: &Caller<'_>,
    user_id: i64,
    grant_id: i64,
) -> AppResult<()> {
    guard_user(db, dir, caller, user_id, false).await?;
    let grants = super::grants_of(db, dir, user_id).await?;
    let g = grants
        .iter()
        .find(|g| g.id == grant_id)
        .ok_or_else(AppError::not_found)?;
    check_assign(dir, caller, Permission::ManageUsers, g.role, g.scope).await?;
    super::revoke_grant(db, &caller.actor, grant_id).await
}

/// Disable or re-enable an account the caller manages (not one's own).
pub async fn set_active(
    db: &Db,
    dir: &dyn Directory,
    caller: &Caller<'_>,
    user_id: i64,
    active: bool,
) -> AppResult<User> {
    guard_user(db, dir, caller, user_id, true).await?;
    super::set_active(db, &caller.actor, user_id, active).await
}

/// Give an account the caller manages a generated temporary password (to be changed at the next
/// sign-in); returns it, to be shown once.
pub async fn reset_password(
    db: &Db,
    dir: &dyn Directory,
    caller: &Caller<'_>,
    user_id: i64,
) -> AppResult<String> {
    guard_user(db, dir, caller, user_id, true).await?;
    let password = super::password::generate();
    super::set_password(db, &caller.actor, user_id, &password, true).await?;
    Ok(password)
}

/// Mint an API token carrying a role the caller may hand out within its scope; returns its id and
/// the secret.
pub async fn create_token(
    db: &Db,
    dir: &dyn Directory,
    caller: &Caller<'_>,
    name: &str,
    role: Role,
    scope: Scope,
    days: i64,
) -> AppResult<(i64, String)> {
    caller.require_admin_session()?;
    check_assign(dir, caller, Permission::ManageTokens, role, scope).await?;
    tokens::create(db, &caller.actor, name, role, scope, days).await
}

/// May the caller see and revoke this token (its role and scope are ones it could mint)?
pub async fn may_manage_token(
    dir: &dyn Directory,
    grants: &[Grant],
    token: &tokens::ApiToken,
) -> AppResult<bool> {
    let (Some(role), Some(scope)) = (Role::parse(&token.role), token.scope()) else {
        return Ok(false);
    };
    let target = super::scope_target(dir, scope)
        .await?
        .unwrap_or_else(Target::national);
    Ok(access::may_act_on(grants, Permission::ManageTokens, role, &target).is_ok())
}

/// Revoke a token the caller could have minted.
pub async fn revoke_token(
    db: &Db,
    dir: &dyn Directory,
    caller: &Caller<'_>,
    id: i64,
) -> AppResult<()> {
    caller.require_admin_session()?;
    let t = tokens::get(db, id).await?.ok_or_else(AppError::not_found)?;
    let (Some(role), Some(scope)) = (Role::parse(&t.role), t.scope()) else {
        return Err(AppError::not_found());
    };
    check_assign(dir, caller, Permission::ManageTokens, role, scope).await?;
    tokens::revoke(db, &caller.actor, id).await
}
