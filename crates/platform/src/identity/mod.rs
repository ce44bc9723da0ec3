//! Identity and access for officials: accounts, grants, sessions, API tokens, second factor.
//! Every change here is audited in the same transaction.

pub mod access;
pub mod citizen;
pub mod display;
pub mod manage;
pub mod oidc;
pub mod password;
pub mod sealed;
pub mod sessions;
pub mod throttle;
pub mod tokens;
pub mod totp;

use std::sync::Arc;

use serde::Serialize;
use serde_json::json;

use crate::audit::{self, Actor, Change};
use crate::db::{Db, DbResult, Row, now_ms};
use crate::error::{AppError, AppResult, Problem};
use crate::jobs::BoxFuture;
use crate::params;
use access::{Grant, Role, Scope, Target};

/// Wrong second-factor codes after which a half-signed-in session ends.
pub const MAX_TOTP_PER_SESSION: i64 = 5;

/// What identity needs to know about units and agencies, provided by the registry (the platform
/// does not depend on the registry crate).
pub trait Directory: Send + Sync {
    /// The unit an agency stands for (a provincial People's Committee → its province).
    fn agency_unit(&self, agency_id: i64) -> BoxFuture<DbResult<Option<i64>>>;
    /// The unit and its ancestors, nearest first; empty if the unit does not exist.
    fn unit_chain(&self, unit_id: i64) -> BoxFuture<DbResult<Vec<i64>>>;
    /// A human label for a scope, e.g. "Nghệ An" or "Bộ Y tế".
    fn scope_label(&self, scope: Scope, lang: crate::i18n::Lang) -> BoxFuture<DbResult<String>>;
    /// Resolve a scope written by a person: kind `agency` with an agency code (or electronic
    /// identifier), or kind `unit` with a unit code valid today.
    fn find_scope(&self, kind: &str, code: &str) -> BoxFuture<DbResult<Option<Scope>>>;
}

pub type DirectoryRef = Arc<dyn Directory>;

/// The target a scope itself stands for (to check "may this admin grant within that scope").
pub async fn scope_target(dir: &dyn Directory, scope: Scope) -> DbResult<Option<Target>> {
    Ok(match scope {
        Scope::National => Some(Target::national()),
        Scope::Agency(a) => {
            let unit = dir.agency_unit(a).await?;
            let units = match unit {
                Some(u) => dir.unit_chain(u).await?,
                None => Vec::new(),
            };
            Some(Target {
                national: false,
                agency: Some(a),
                units,
            })
        }
        Scope::Unit(u) => {
            let units = dir.unit_chain(u).await?;
            (!units.is_empty()).then_some(Target {
                national: false,
                agency: None,
                units,
            })
        }
    })
}

/// An account (tài khoản cán bộ).
#[derive(Debug, Clone, Serialize)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub locale: Option<String>,
    pub is_active: bool,
    pub must_change_password: bool,
    pub totp_enabled: bool,
    /// The second-factor secret as stored: sealed with the configured key ([`sealed`]).
    #[serde(skip)]
    pub totp_secret: Option<String>,
    #[serde(skip)]
    pub password_hash: String,
    pub created_at: i64,
}

impl User {
    fn from_row(r: &Row) -> DbResult<User> {
        Ok(User {
            id: r.get("id")?,
            username: r.get("username")?,
            display_name: r.get("display_name")?,
            email: r.get("email")?,
            locale: r.get("locale")?,
            is_active: r.get("is_active")?,
            must_change_password: r.get("must_change_password")?,
            totp_enabled: r.get("totp_enabled")?,
            totp_secret: r.get("totp_secret")?,
            password_hash: r.get("password_hash")?,
            created_at: r.get("created_at")?,
        })
    }

    /// The second-factor secret itself, opened with the configured key.
    pub fn totp_secret_with(&self, key: Option<&sealed::SecretKey>) -> Option<String> {
        sealed::open_stored(key, self.id, self.totp_secret.as_deref()?)
    }

    /// What the audit log records of a user: never the hash or the second-factor secret.
    pub fn audit_view(&self) -> serde_json::Value {
        json!({
            "username": self.username, "display_name": self.display_name, "email": self.email,
            "locale": self.locale, "is_active": self.is_active,
            "must_change_password": self.must_change_password, "totp_enabled": self.totp_enabled,
        })
    }
}

pub async fn get_user(db: &Db, id: i64) -> DbResult<Option<User>> {
    db.fetch_optional("SELECT * FROM users WHERE id = $1", params![id])
        .await?
        .as_ref()
        .map(User::from_row)
        .transpose()
}

pub async fn find_user(db: &Db, username: &str) -> DbResult<Option<User>> {
    db.fetch_optional(
        "SELECT * FROM users WHERE username = $1",
        params![normalize_username(username)],
    )
    .await?
    .as_ref()
    .map(User::from_row)
    .transpose()
}

pub async fn list_users(db: &Db) -> DbResult<Vec<User>> {
    db.fetch_all("SELECT * FROM users ORDER BY username", params![])
        .await?
        .iter()
        .map(User::from_row)
        .collect()
}

pub fn normalize_username(s: &str) -> String {
    s.trim().to_lowercase()
}

/// Usernames: 3–64 of a-z, 0-9, '.', '_', '-'.
pub fn check_username(s: &str) -> Result<String, Problem> {
    let u = normalize_username(s);
    let ok_chars = u
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
    if u.len() < 3 || u.len() > 64 || !ok_chars {
        return Err(Problem::new("username_invalid").field("username"));
    }
    Ok(u)
}

/// The active grants of a user, agency scopes resolved to their units.
pub async fn grants_of(db: &Db, dir: &dyn Directory, user_id: i64) -> DbResult<Vec<Grant>> {
    let rows = db
        .fetch_all(
            "SELECT id, role, scope_kind, scope_id FROM grants WHERE user_id = $1 AND revoked_at IS NULL ORDER BY id",
            params![user_id],
        )
        .await?;
    grants_from_rows(dir, &rows).await
}

async fn grants_from_rows(dir: &dyn Directory, rows: &[Row]) -> DbResult<Vec<Grant>> {
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let role: String = r.get("role")?;
        let kind: String = r.get("scope_kind")?;
        let (Some(role), Some(scope)) = (
            Role::parse(&role),
            Scope::from_parts(&kind, r.get("scope_id")?),
        ) else {
            continue;
        };
        let scope_unit = match scope {
            Scope::Agency(a) => dir.agency_unit(a).await?,
            Scope::Unit(u) => Some(u),
            Scope::National => None,
        };
        out.push(Grant {
            id: r.get("id")?,
            role,
            scope,
            scope_unit,
        });
    }
    Ok(out)
}

/// A new account.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub password: String,
    pub locale: Option<String>,
    pub must_change_password: bool,
    /// Made by `egov demo` (its password is published in a file).
    pub is_demo: bool,
}

/// Active accounts made by `egov demo`; `egov serve` refuses to start while there are any.
pub async fn active_demo_users(db: &Db) -> DbResult<i64> {
    db.fetch_one(
        "SELECT COUNT(*) AS n FROM users WHERE is_demo AND is_active",
        params![],
    )
    .await?
    .get("n")
}

/// Create an account and, optionally, its first grant, in one audited transaction.
pub async fn create_user(
    db: &Db,
    actor: &Actor,
    new: NewUser,
    grant: Option<(Role, Scope)>,
) -> AppResult<i64> {
    let username = check_username(&new.username).map_err(AppError::invalid)?;
    let display_name = new.display_name.trim().to_owned();
    if display_name.is_empty() || display_name.chars().count() > 200 {
        return Err(AppError::invalid(
            Problem::new("display_name_invalid").field("display_name"),
        ));
    }
    password::check_policy(&new.password, &username).map_err(AppError::invalid)?;
    let hash = password::hash(&new.password);
    let mut tx = db.begin().await?;
    let now = now_ms();
    let row = tx
        .fetch_optional(
            "INSERT INTO users (username, display_name, email, password_hash, locale, is_active, must_change_password, is_demo, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) ON CONFLICT (username) DO NOTHING RETURNING id",
            params![&username, &display_name, new.email.clone(), hash, new.locale.clone(), true, new.must_change_password, new.is_demo, now],
        )
        .await?;
    let Some(row) = row else {
        return Err(AppError::conflict(
            Problem::new("username_taken").field("username"),
        ));
    };
    let id: i64 = row.get("id")?;
    audit::append(
        &mut tx,
        actor,
        Change {
            action: "user.create",
            object_type: "user",
            object_id: id.to_string(),
            before: None,
            after: Some(json!({"username": username, "display_name": display_name, "email": new.email, "must_change_password": new.must_change_password})),
        },
    )
    .await?;
    if let Some((role, scope)) = grant {
        insert_grant(&mut tx, actor, id, role, scope).await?;
    }
    tx.commit().await?;
    Ok(id)
}

async fn insert_grant(
    tx: &mut crate::db::Tx,
    actor: &Actor,
    user_id: i64,
    role: Role,
    scope: Scope,
) -> AppResult<i64> {
    if role == Role::SystemAdmin && scope != Scope::National {
        return Err(AppError::invalid(
            Problem::new("system_admin_is_national").field("scope"),
        ));
    }
    let row = tx
        .fetch_one(
            "INSERT INTO grants (user_id, role, scope_kind, scope_id, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            params![user_id, role.as_str(), scope.kind(), scope.id(), now_ms(), actor.user_id],
        )
        .await?;
    let id: i64 = row.get("id")?;
    audit::append(
        tx,
        actor,
        Change {
            action: "grant.create",
            object_type: "user",
            object_id: user_id.to_string(),
            before: None,
            after: Some(json!({"grant_id": id, "role": role, "scope": scope})),
        },
    )
    .await?;
    Ok(id)
}

/// Add a grant to an existing user.
pub async fn add_grant(
    db: &Db,
    actor: &Actor,
    user_id: i64,
    role: Role,
    scope: Scope,
) -> AppResult<i64> {
    let mut tx = db.begin().await?;
    let id = insert_grant(&mut tx, actor, user_id, role, scope).await?;
    tx.commit().await?;
    Ok(id)
}

/// Revoke a grant (kept, marked revoked).
pub async fn revoke_grant(db: &Db, actor: &Actor, grant_id: i64) -> AppResult<()> {
    let mut tx = db.begin().await?;
    let Some(r) = tx
        .fetch_optional(
            "UPDATE grants SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL RETURNING user_id, role, scope_kind, scope_id",
            params![now_ms(), grant_id],
        )
        .await?
    else {
        return Err(AppError::not_found());
    };
    let user_id: i64 = r.get("user_id")?;
    audit::append(
        &mut tx,
        actor,
        Change {
            action: "grant.revoke",
            object_type: "user",
            object_id: user_id.to_string(),
            before: Some(json!({"grant_id": grant_id, "role": r.get::<String>("role")?, "scope_kind": r.get::<String>("scope_kind")?, "scope_id": r.get::<Option<i64>>("scope_id")?})),
            after: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Apply an audited update to one user row: `set` is a fixed SQL fragment, `params` its values
/// (the user id is appended last).
async fn update_user(
    db: &Db,
    actor: &Actor,
    user_id: i64,
    action: &str,
    set: &'static str,
    mut p: Vec<crate::db::Value>,
    end_sessions: bool,
) -> AppResult<User> {
    let before = get_user(db, user_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let mut tx = db.begin().await?;
    p.push(user_id.into());
    let sql = format!(
        "UPDATE users SET {set}, updated_at = {} WHERE id = ${}",
        now_ms(),
        p.len()
    );
    tx.execute(crate::db::Sql::trusted(sql), p).await?;
    let after_row = tx
        .fetch_one("SELECT * FROM users WHERE id = $1", params![user_id])
        .await?;
    let after = User::from_row(&after_row)?;
    audit::append(
        &mut tx,
        actor,
        Change {
            action,
            object_type: "user",
            object_id: user_id.to_string(),
            before: Some(before.audit_view()),
            after: Some(after.audit_view()),
        },
    )
    .await?;
    if end_sessions {
        tx.execute("DELETE FROM sessions WHERE user_id = $1", params![user_id])
            .await?;
    }
    tx.commit().await?;
    Ok(after)
}

/// Disable or re-enable an account; disabling ends its sessions.
pub async fn set_active(db: &Db, actor: &Actor, user_id: i64, active: bool) -> AppResult<User> {
    let action = if active {
        "user.enable"
    } else {
        "user.disable"
    };
    let user = update_user(
        db,
        actor,
        user_id,
        action,
        "is_active = $1",
        params![active],
        !active,
    )
    .await?;
    throttle::reset_account(db, &user.username, user.id).await?;
    Ok(user)
}

/// Set a new password (by an administrator: `must_change` forces a change at next login). Ends
/// every session of the user.
pub async fn set_password(
    db: &Db,
    actor: &Actor,
    user_id: i64,
    new_password: &str,
    must_change: bool,
) -> AppResult<User> {
    let user = get_user(db, user_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    password::check_policy(new_password, &user.username).map_err(AppError::invalid)?;
    let user = update_user(
        db,
        actor,
        user_id,
        "user.password",
        "password_hash = $1, must_change_password = $2",
        params![password::hash(new_password), must_change],
        true,
    )
    .await?;
    throttle::reset_account(db, &user.username, user.id).await?;
    Ok(user)
}

/// Remember a user's interface language. Not audited: it is the user's own display preference,
/// no record anyone relies on, and the chain is kept forever — an entry per click on the
/// language switch would bury the changes of record.
pub async fn set_locale(db: &Db, user_id: i64, locale: &str) -> DbResult<()> {
    db.execute(
        "UPDATE users SET locale = $1 WHERE id = $2 AND (locale IS NULL OR locale <> $1)",
        params![locale, user_id],
    )
    .await?;
    Ok(())
}

/// Store a (not yet confirmed) second-factor secret, sealed with `key`.
pub async fn set_totp_secret(
    db: &Db,
    key: &sealed::SecretKey,
    actor: &Actor,
    user_id: i64,
    secret: &str,
) -> AppResult<User> {
    update_user(
        db,
        actor,
        user_id,
        "user.totp_pending",
        "totp_secret = $1, totp_enabled = $2",
        params![key.seal(user_id, secret), false],
        false,
    )
    .await
}

pub async fn enable_totp(db: &Db, actor: &Actor, user_id: i64) -> AppResult<User> {
    update_user(
        db,
        actor,
        user_id,
        "user.totp_enable",
        "totp_enabled = $1",
        params![true],
        false,
    )
    .await
}

/// Why a login was refused. Unknown and known usernames get the same answers: both go through
/// the same throttling, and a password is hashed for both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginRefused {
    BadCredentials,
    /// Too many attempts: refused without checking; try again after this many seconds.
    Throttled {
        retry_after_s: i64,
    },
}

/// Check a username and password. The attempt is first counted on three keys
/// ([`throttle`]): this account from this address, this address, and this account from
/// addresses it never signed in from; while any of them waits, the attempt is refused without a
/// check. Failures and successes of existing accounts are audited.
pub async fn authenticate(
    db: &Db,
    username: &str,
    password_attempt: &str,
    ip: Option<String>,
) -> AppResult<Result<User, LoginRefused>> {
    let now = now_ms();
    let address = ip.clone().unwrap_or_else(|| "-".into());
    let pair = throttle::pair_key(username, &address);
    let by_address = throttle::address_key(&address);
    let account = throttle::account_key(username);
    let mut claimed: Vec<&str> = Vec::new();
    let mut refused = None;
    let mut known = false;
    for (key, policy) in [
        (&pair, &throttle::PAIR),
        (&by_address, &throttle::ADDRESS),
        (&account, &throttle::ACCOUNT),
    ] {
        if key == &account && known {
            // The owner's own address: an attack from elsewhere does not hold it up.
            continue;
        }
        match throttle::claim(db, key, policy, now).await? {
            throttle::Claim::Allowed { known: k, .. } => {
                known |= key == &pair && k;
                claimed.push(key);
            }
            throttle::Claim::Refused { retry_after_ms } => {
                refused = Some(retry_after_ms);
                break;
            }
        }
    }
    if let Some(ms) = refused {
        for key in claimed {
            throttle::release(db, key).await?;
        }
        return Ok(Err(LoginRefused::Throttled {
            retry_after_s: (ms + 999) / 1000,
        }));
    }
    let user = find_user(db, &throttle::counted_name(username)).await?;
    // An unknown name is checked against a dummy hash: the answer takes as long.
    let hash = user
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| password::dummy_hash().to_owned());
    let attempt = password_attempt.to_owned();
    let matches = tokio::task::spawn_blocking(move || password::verify(&attempt, &hash))
        .await
        .map_err(AppError::internal)?;
    let Some(user) = user else {
        return Ok(Err(LoginRefused::BadCredentials));
    };
    let ok = matches && user.is_active;
    if ok {
        throttle::succeed(db, &pair, now, true).await?;
        throttle::release(db, &by_address).await?;
        throttle::succeed(db, &account, now, false).await?;
    }
    let actor = Actor {
        user_id: Some(user.id),
        name: user.username.clone(),
        ip,
    };
    let mut tx = db.begin().await?;
    audit::append(
        &mut tx,
        &actor,
        Change {
            action: if ok { "login.success" } else { "login.failure" },
            object_type: "user",
            object_id: user.id.to_string(),
            before: None,
            after: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(if ok {
        Ok(user)
    } else {
        Err(LoginRefused::BadCredentials)
    })
}

/// Why a second-factor code was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TotpRefused {
    /// Wrong, or already used (a code is accepted once: RFC 6238 §5.2).
    Invalid,
    /// Too many wrong codes in this session ([`MAX_TOTP_PER_SESSION`]): it has ended.
    SessionEnded,
    /// Too many wrong codes for the account: refused without a check.
    Throttled { retry_after_s: i64 },
}

/// Check a second-factor code of a half-signed-in session: counted per session (the session ends
/// at the [`MAX_TOTP_PER_SESSION`]th wrong code) and per account ([`throttle::TOTP`]) before the
/// check; a code's time step is accepted once per user, whichever the session. Failures are
/// audited. On success the caller marks the session.
pub async fn check_second_factor(
    db: &Db,
    key: Option<&sealed::SecretKey>,
    user: &User,
    session_hash: &str,
    code: &str,
    ip: Option<String>,
) -> AppResult<Result<(), TotpRefused>> {
    let now = now_ms();
    let Some(row) = db
        .fetch_optional(
            "UPDATE sessions SET totp_failures = totp_failures + 1              WHERE id_hash = $1 AND totp_failures < $2 RETURNING totp_failures",
            params![session_hash, MAX_TOTP_PER_SESSION],
        )
        .await?
    else {
        sessions::delete(db, session_hash).await?;
        return Ok(Err(TotpRefused::SessionEnded));
    };
    let attempt: i64 = row.get("totp_failures")?;
    let totp_key = throttle::totp_key(user.id);
    if let throttle::Claim::Refused { retry_after_ms } =
        throttle::claim(db, &totp_key, &throttle::TOTP, now).await?
    {
        return Ok(Err(TotpRefused::Throttled {
            retry_after_s: (retry_after_ms + 999) / 1000,
        }));
    }
    if user.totp_enabled && consume_code(db, key, user, code).await? {
        throttle::succeed(db, &totp_key, now, false).await?;
        return Ok(Ok(()));
    }
    let ended = attempt >= MAX_TOTP_PER_SESSION;
    let mut tx = db.begin().await?;
    audit::append(
        &mut tx,
        &Actor {
            user_id: Some(user.id),
            name: user.username.clone(),
            ip,
        },
        Change {
            action: "login.totp_failure",
            object_type: "user",
            object_id: user.id.to_string(),
            before: None,
            after: Some(json!({"attempt": attempt, "session_ended": ended})),
        },
    )
    .await?;
    if ended {
        tx.execute(
            "DELETE FROM sessions WHERE id_hash = $1",
            params![session_hash],
        )
        .await?;
    }
    tx.commit().await?;
    Ok(Err(if ended {
        TotpRefused::SessionEnded
    } else {
        TotpRefused::Invalid
    }))
}

/// Accept a code of the user's (possibly pending) secret once: its time step must be later than
/// the last one accepted, which it then becomes, in one conditional update (so two sessions
/// cannot both use it).
pub async fn consume_code(
    db: &Db,
    key: Option<&sealed::SecretKey>,
    user: &User,
    code: &str,
) -> AppResult<bool> {
    let Some(secret) = user.totp_secret_with(key) else {
        return Ok(false);
    };
    let Some(step) = totp::matched_step(&secret, code) else {
        return Ok(false);
    };
    let n = db
        .execute(
            "UPDATE users SET totp_last_step = $1 WHERE id = $2              AND (totp_last_step IS NULL OR totp_last_step < $1)",
            params![step as i64, user.id],
        )
        .await?;
    Ok(n == 1)
}

/// Check a code while enrolling a second factor: counted per account like a sign-in code, and
/// accepted once.
pub async fn check_enrolment_code(
    db: &Db,
    key: Option<&sealed::SecretKey>,
    user: &User,
    code: &str,
) -> AppResult<Result<(), TotpRefused>> {
    let now = now_ms();
    let totp_key = throttle::totp_key(user.id);
    if let throttle::Claim::Refused { retry_after_ms } =
        throttle::claim(db, &totp_key, &throttle::TOTP, now).await?
    {
        return Ok(Err(TotpRefused::Throttled {
            retry_after_s: (retry_after_ms + 999) / 1000,
        }));
    }
    if consume_code(db, key, user, code).await? {
        throttle::succeed(db, &totp_key, now, false).await?;
        Ok(Ok(()))
    } else {
        Ok(Err(TotpRefused::Invalid))
    }
}
