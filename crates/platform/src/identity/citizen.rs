//! Citizens and businesses: accounts linked to identities at the national identity provider
//! (`identity::oidc`), their sessions, the level of assurance kept with a session, and the
//! business a person acts for (the delegation).
//!
//! The rule that keeps officials' powers apart: a citizen's session lives in its own table and
//! cookie ([`COOKIE`], `citizen_sessions`); the request context never reads grants from it. An
//! official who signs in through the provider gets their own account (matched by the personal
//! identity number), but that session carries no role: grants count only in a session signed in
//! with password and second factor (`identity::sessions`).

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::audit::{self, Actor, Change};
use crate::config::Config;
use crate::db::{Db, DbResult, Row, Tx, now_ms};
use crate::error::{AppError, AppResult, Problem};
use crate::params;

use super::sessions::{random_token, token_hash};

/// The cookie of a citizen's session.
pub const COOKIE: &str = "egov_citizen";
/// The cookie that binds a sign-in under way to the browser that started it.
pub const PENDING_COOKIE: &str = "egov_oidc";
/// How long a sign-in may take at the provider.
pub const PENDING_TTL_MS: i64 = 10 * 60_000;
/// The issuer of the demo's identities (`egov demo` only).
pub const DEMO_ISSUER: &str = "urn:egov:demo";
/// At most this many businesses are kept for one person (the provider's list is cut there).
pub const MAX_REPRESENTATIONS: usize = 50;
/// A password hash no password matches (not a PHC string): accounts made for citizens have no
/// password sign-in.
pub const NO_PASSWORD: &str = "!no-password:citizen";

/// A business a person may act for: its tax code (10 digits, or 10 + `-` + 3 for a branch), its
/// name and the person's role (e.g. `legal_representative`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Representation {
    pub tax_code: String,
    pub name: String,
    pub role: String,
}

/// A Vietnamese tax code: 10 digits, or 10 digits, `-` and 3 digits (a branch).
pub fn valid_tax_code(s: &str) -> bool {
    let digits = |p: &str, n: usize| p.len() == n && p.bytes().all(|b| b.is_ascii_digit());
    match s.split_once('-') {
        None => digits(s, 10),
        Some((main, branch)) => digits(main, 10) && digits(branch, 3),
    }
}

/// A citizen identity number (căn cước): 12 digits.
pub fn valid_personal_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// An identity number as lists show it: the first four and last two digits (`0010******45`).
pub fn mask_personal_id(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= 6 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 2..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 6))
}

/// A short text from a provider, cleaned: control characters dropped, trimmed, at most `max`
/// characters.
fn clean(s: &str, max: usize) -> String {
    s.chars()
        // Control characters (C0, DEL, C1) never reach a page or the database.
        .filter(|c| !c.is_control())
        .take(max)
        .collect::<String>()
        .trim()
        .to_owned()
}

/// The businesses of a provider's claim, each checked: a valid tax code, a name and a role;
/// anything else is left out (and counted, for the log). At most [`MAX_REPRESENTATIONS`].
pub fn parse_representations(v: Option<&serde_json::Value>) -> (Vec<Representation>, usize) {
    let Some(serde_json::Value::Array(items)) = v else {
        return (Vec::new(), 0);
    };
    let mut out: Vec<Representation> = Vec::new();
    let mut dropped = 0;
    for item in items {
        let field = |k: &str| item.get(k).and_then(|v| v.as_str()).map(|s| clean(s, 200));
        match (field("tax_code"), field("name"), field("role")) {
            (Some(tax_code), Some(name), Some(role))
                if valid_tax_code(&tax_code)
                    && !name.is_empty()
                    && !role.is_empty()
                    && !out.iter().any(|r| r.tax_code == tax_code)
                    && out.len() < MAX_REPRESENTATIONS =>
            {
                out.push(Representation {
                    tax_code,
                    name,
                    role: clean(&role, 64),
                });
            }
            _ => dropped += 1,
        }
    }
    (out, dropped)
}

/// What the provider (or the demo) vouches for, the ID token already validated.
#[derive(Debug, Clone)]
pub struct VerifiedIdentity {
    pub issuer: String,
    pub subject: String,
    pub name: String,
    pub personal_id: Option<String>,
    pub acr: Option<String>,
    /// 1 or 2.
    pub assurance: u8,
    pub representations: Vec<Representation>,
}

/// A live citizen session.
#[derive(Debug, Clone)]
pub struct CitizenSession {
    pub id_hash: String,
    pub user_id: i64,
    pub name: String,
    pub personal_id: Option<String>,
    pub assurance: u8,
    pub representations: Vec<Representation>,
    pub acting_for: Option<Representation>,
    /// The person has chosen (themselves or a business) since signing in.
    pub delegation_chosen: bool,
    pub created_at: i64,
    pub last_seen_at: i64,
}

fn actor_for(user_id: i64, name: &str, ip: Option<String>) -> Actor {
    Actor {
        user_id: Some(user_id),
        name: format!("citizen:{name}"),
        ip,
    }
}

/// Find or make the account of a verified identity, in `tx`: the identity's link if it has one;
/// else the account recording the same personal identity number (an official's account too: one
/// person, one account), then linked; else a new citizen account (no password, no grants).
/// Returns the user id and whether the account is active.
async fn link_or_create(
    tx: &mut Tx,
    id: &VerifiedIdentity,
    is_demo: bool,
    ip: Option<String>,
) -> AppResult<(i64, i64, bool)> {
    let now = now_ms();
    if let Some(r) = tx
        .fetch_optional(
            "SELECT i.id, i.user_id, u.is_active FROM user_identities i JOIN users u ON u.id = i.user_id \
             WHERE i.issuer = $1 AND i.subject = $2",
            params![&id.issuer, &id.subject],
        )
        .await?
    {
        let identity_id: i64 = r.get("id")?;
        tx.execute(
            "UPDATE user_identities SET last_login_at = $1 WHERE id = $2",
            params![now, identity_id],
        )
        .await?;
        return Ok((r.get("user_id")?, identity_id, r.get("is_active")?));
    }
    let existing = match &id.personal_id {
        Some(pid) => {
            tx.fetch_optional(
                "SELECT id, is_active FROM users WHERE personal_id = $1",
                params![pid],
            )
            .await?
        }
        None => None,
    };
    let (user_id, active, created) = match existing {
        Some(r) => (r.get::<i64>("id")?, r.get::<bool>("is_active")?, false),
        None => {
            let username = format!("citizen.{}", &hex::encode(rand::random::<[u8; 8]>()));
            let display_name = if id.name.is_empty() {
                id.personal_id
                    .as_deref()
                    .map(mask_personal_id)
                    .unwrap_or_else(|| "—".into())
            } else {
                id.name.clone()
            };
            let r = tx
                .fetch_one(
                    "INSERT INTO users (username, display_name, password_hash, personal_id, is_active, must_change_password, is_demo, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
                    params![&username, &display_name, NO_PASSWORD, id.personal_id.clone(), true, false, is_demo, now],
                )
                .await?;
            (r.get::<i64>("id")?, true, true)
        }
    };
    let identity_id: i64 = tx
        .fetch_one(
            "INSERT INTO user_identities (user_id, issuer, subject, created_at, last_login_at) \
             VALUES ($1, $2, $3, $4, $4) RETURNING id",
            params![user_id, &id.issuer, &id.subject, now],
        )
        .await?
        .get("id")?;
    audit::append(
        tx,
        &actor_for(user_id, &id.name, ip),
        Change {
            action: if created {
                "identity.citizen_create"
            } else {
                "identity.citizen_link"
            },
            object_type: "user",
            object_id: user_id.to_string(),
            before: None,
            after: Some(json!({
                "issuer": id.issuer, "subject": id.subject,
                "personal_id": id.personal_id.as_deref().map(mask_personal_id),
            })),
        },
    )
    .await?;
    Ok((user_id, identity_id, active))
}

/// Sign a verified identity in: its account found or made ([`link_or_create`]), a citizen
/// session opened with its level of assurance and the businesses it may act for, all audited in
/// one transaction. Returns the session token (for [`COOKIE`]).
pub async fn sign_in(
    db: &Db,
    cfg: &Config,
    id: &VerifiedIdentity,
    ip: Option<String>,
    user_agent: Option<String>,
) -> AppResult<String> {
    if !matches!(id.assurance, 1 | 2) {
        return Err(AppError::internal("assurance level outside 1..=2"));
    }
    let mut tx = db.begin().await?;
    let is_demo = id.issuer == DEMO_ISSUER;
    let (user_id, identity_id, active) = link_or_create(&mut tx, id, is_demo, ip.clone()).await?;
    if !active {
        return Err(AppError::new(
            axum::http::StatusCode::FORBIDDEN,
            Problem::new("citizen_account_disabled"),
        ));
    }
    let token = random_token();
    let now = now_ms();
    tx.execute(
        "INSERT INTO citizen_sessions (id_hash, user_id, identity_id, assurance, acr, representations, delegation_chosen, created_at, last_seen_at, expires_at, ip, user_agent) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9, $10, $11)",
        params![
            token_hash(&token),
            user_id,
            identity_id,
            i64::from(id.assurance),
            id.acr.clone(),
            serde_json::to_string(&id.representations).map_err(AppError::internal)?,
            id.representations.is_empty(),
            now,
            now + cfg.session_ttl_minutes * 60_000,
            ip.clone(),
            user_agent.map(|u| u.chars().take(200).collect::<String>())
        ],
    )
    .await?;
    audit::append(
        &mut tx,
        &actor_for(user_id, &id.name, ip),
        Change {
            action: "identity.citizen_login",
            object_type: "user",
            object_id: user_id.to_string(),
            before: None,
            after: Some(json!({
                "issuer": id.issuer, "assurance": id.assurance, "acr": id.acr,
                "representations": id.representations.len(),
            })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(token)
}

fn session_from_row(r: &Row) -> DbResult<CitizenSession> {
    let reps: String = r.get("representations")?;
    let acting_tax_code: Option<String> = r.get("acting_tax_code")?;
    let acting_for = match acting_tax_code {
        Some(tax_code) => Some(Representation {
            tax_code,
            name: r.get::<Option<String>>("acting_name")?.unwrap_or_default(),
            role: r.get::<Option<String>>("acting_role")?.unwrap_or_default(),
        }),
        None => None,
    };
    Ok(CitizenSession {
        id_hash: r.get("id_hash")?,
        user_id: r.get("user_id")?,
        name: r.get("display_name")?,
        personal_id: r.get("personal_id")?,
        assurance: u8::try_from(r.get::<i64>("assurance")?).unwrap_or(1),
        representations: serde_json::from_str(&reps).unwrap_or_default(),
        acting_for,
        delegation_chosen: r.get("delegation_chosen")?,
        created_at: r.get("created_at")?,
        last_seen_at: r.get("last_seen_at")?,
    })
}

/// The citizen session of a cookie token, if it exists, has not expired nor idled out, and its
/// account is active. Refreshes `last_seen_at` at most once a minute.
pub async fn lookup(db: &Db, cfg: &Config, token: &str) -> DbResult<Option<CitizenSession>> {
    let now = now_ms();
    let Some(r) = db
        .fetch_optional(
            "SELECT s.*, u.display_name, u.personal_id FROM citizen_sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.id_hash = $1 AND s.expires_at > $2 AND s.last_seen_at > $3 AND u.is_active",
            params![
                token_hash(token),
                now,
                now - cfg.session_idle_minutes * 60_000
            ],
        )
        .await?
    else {
        return Ok(None);
    };
    let s = session_from_row(&r)?;
    if now - s.last_seen_at > 60_000 {
        db.execute(
            "UPDATE citizen_sessions SET last_seen_at = $1 WHERE id_hash = $2",
            params![now, &s.id_hash],
        )
        .await?;
    }
    Ok(Some(s))
}

/// Act as oneself (`None`) or for one of the businesses the provider listed for this session
/// (by tax code); audited. A tax code not in the session's list is refused.
pub async fn choose_delegation(
    db: &Db,
    session: &CitizenSession,
    tax_code: Option<&str>,
    ip: Option<String>,
) -> AppResult<Option<Representation>> {
    let chosen = match tax_code.map(str::trim).filter(|t| !t.is_empty()) {
        None => None,
        Some(t) => {
            if !valid_tax_code(t) {
                return Err(AppError::invalid(
                    Problem::new("tax_code_invalid")
                        .field("tax_code")
                        .arg("value", t.chars().take(20).collect::<String>()),
                ));
            }
            let Some(r) = session.representations.iter().find(|r| r.tax_code == t) else {
                return Err(AppError::invalid(
                    Problem::new("representation_unknown").field("tax_code"),
                ));
            };
            Some(r.clone())
        }
    };
    let mut tx = db.begin().await?;
    tx.execute(
        "UPDATE citizen_sessions SET acting_tax_code = $1, acting_name = $2, acting_role = $3, delegation_chosen = $4 WHERE id_hash = $5",
        params![
            chosen.as_ref().map(|r| r.tax_code.clone()),
            chosen.as_ref().map(|r| r.name.clone()),
            chosen.as_ref().map(|r| r.role.clone()),
            true,
            &session.id_hash
        ],
    )
    .await?;
    audit::append(
        &mut tx,
        &actor_for(session.user_id, &session.name, ip),
        Change {
            action: "identity.delegation",
            object_type: "user",
            object_id: session.user_id.to_string(),
            before: session.acting_for.as_ref().map(|r| json!(r)),
            after: chosen.as_ref().map(|r| json!(r)),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(chosen)
}

/// End a citizen session (audited).
pub async fn sign_out(db: &Db, session: &CitizenSession, ip: Option<String>) -> AppResult<()> {
    let mut tx = db.begin().await?;
    tx.execute(
        "DELETE FROM citizen_sessions WHERE id_hash = $1",
        params![&session.id_hash],
    )
    .await?;
    audit::append(
        &mut tx,
        &actor_for(session.user_id, &session.name, ip),
        Change {
            action: "identity.citizen_logout",
            object_type: "user",
            object_id: session.user_id.to_string(),
            before: None,
            after: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Remove expired citizen sessions and sign-ins under way (a periodic job).
pub async fn purge_expired(db: &Db) -> DbResult<u64> {
    let now = now_ms();
    let a = db
        .execute(
            "DELETE FROM citizen_sessions WHERE expires_at < $1",
            params![now],
        )
        .await?;
    let b = db
        .execute(
            "DELETE FROM oidc_pending WHERE expires_at < $1",
            params![now],
        )
        .await?;
    Ok(a + b)
}

// ---------------------------------------------------------------------------------------------
// Sign-ins under way

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A sign-in under way, as stored.
#[derive(Debug, Clone)]
pub struct Pending {
    pub pkce_verifier: String,
    pub nonce: String,
    pub next_url: String,
}

/// Keep a sign-in under way; returns the browser-binding token for [`PENDING_COOKIE`].
pub async fn save_pending(db: &Db, state: &str, pending: &Pending) -> DbResult<String> {
    let browser = random_token();
    let now = now_ms();
    db.execute(
        "INSERT INTO oidc_pending (state_hash, browser_hash, pkce_verifier, nonce, next_url, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        params![
            token_hash(state),
            token_hash(&browser),
            &pending.pkce_verifier,
            &pending.nonce,
            &pending.next_url,
            now,
            now + PENDING_TTL_MS
        ],
    )
    .await?;
    Ok(browser)
}

/// Take (and so end: single use) the sign-in under way for `state`, if it has not expired and
/// was started by this browser (`browser`: the [`PENDING_COOKIE`] value).
pub async fn take_pending(db: &Db, state: &str, browser: &str) -> DbResult<Option<Pending>> {
    let Some(r) = db
        .fetch_optional(
            "DELETE FROM oidc_pending WHERE state_hash = $1 RETURNING browser_hash, pkce_verifier, nonce, next_url, expires_at",
            params![token_hash(state)],
        )
        .await?
    else {
        return Ok(None);
    };
    let bound: String = r.get("browser_hash")?;
    let expires: i64 = r.get("expires_at")?;
    if expires <= now_ms() || !constant_time_eq(bound.as_bytes(), token_hash(browser).as_bytes()) {
        return Ok(None);
    }
    Ok(Some(Pending {
        pkce_verifier: r.get("pkce_verifier")?,
        nonce: r.get("nonce")?,
        next_url: r.get("next_url")?,
    }))
}

// ---------------------------------------------------------------------------------------------
// The person's own data

/// A session as the person's data page lists it.
#[derive(Debug, Clone, Serialize)]
pub struct SessionView {
    pub kind: &'static str,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub assurance: Option<i64>,
}

/// A linked identity.
#[derive(Debug, Clone, Serialize)]
pub struct IdentityView {
    pub issuer: String,
    pub subject: String,
    pub created_at: i64,
    pub last_login_at: i64,
}

/// An audit entry about the person (their account as object, or they as actor).
#[derive(Debug, Clone, Serialize)]
pub struct AuditView {
    pub seq: i64,
    pub at: i64,
    pub actor_name: String,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
}

/// Everything stored about a person that the data page shows and the export holds.
#[derive(Debug, Clone, Serialize)]
pub struct PersonalData {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub personal_id: Option<String>,
    pub created_at: i64,
    pub identities: Vec<IdentityView>,
    pub sessions: Vec<SessionView>,
    pub audit: Vec<AuditView>,
}

/// At most this many sessions and audit entries are listed (the newest).
pub const DATA_LIST_LIMIT: i64 = 100;

/// What is stored about `user_id` (lists bounded by [`DATA_LIST_LIMIT`], newest first).
pub async fn personal_data(db: &Db, user_id: i64) -> AppResult<PersonalData> {
    let u = db
        .fetch_optional(
            "SELECT id, username, display_name, email, personal_id, created_at FROM users WHERE id = $1",
            params![user_id],
        )
        .await?
        .ok_or_else(AppError::not_found)?;
    let identities = db
        .fetch_all(
            "SELECT issuer, subject, created_at, last_login_at FROM user_identities WHERE user_id = $1 ORDER BY id LIMIT 50",
            params![user_id],
        )
        .await?
        .iter()
        .map(|r| {
            Ok(IdentityView {
                issuer: r.get("issuer")?,
                subject: r.get("subject")?,
                created_at: r.get("created_at")?,
                last_login_at: r.get("last_login_at")?,
            })
        })
        .collect::<DbResult<Vec<_>>>()?;
    let mut sessions = Vec::new();
    for r in db
        .fetch_all(
            "SELECT created_at, last_seen_at, ip, user_agent, assurance FROM citizen_sessions WHERE user_id = $1 ORDER BY created_at DESC LIMIT $2",
            params![user_id, DATA_LIST_LIMIT],
        )
        .await?
    {
        sessions.push(SessionView {
            kind: "citizen",
            created_at: r.get("created_at")?,
            last_seen_at: r.get("last_seen_at")?,
            ip: r.get("ip")?,
            user_agent: r.get("user_agent")?,
            assurance: Some(r.get("assurance")?),
        });
    }
    for r in db
        .fetch_all(
            "SELECT created_at, last_seen_at, ip, user_agent FROM sessions WHERE user_id = $1 ORDER BY created_at DESC LIMIT $2",
            params![user_id, DATA_LIST_LIMIT],
        )
        .await?
    {
        sessions.push(SessionView {
            kind: "official",
            created_at: r.get("created_at")?,
            last_seen_at: r.get("last_seen_at")?,
            ip: r.get("ip")?,
            user_agent: r.get("user_agent")?,
            assurance: None,
        });
    }
    sessions.sort_by_key(|s| std::cmp::Reverse(s.created_at));
    sessions.truncate(DATA_LIST_LIMIT as usize);
    let audit = db
        .fetch_all(
            "SELECT seq, at, actor_name, action, object_type, object_id FROM audit_log \
             WHERE (object_type = 'user' AND object_id = $1) OR actor_id = $2 ORDER BY seq DESC LIMIT $3",
            params![user_id.to_string(), user_id, DATA_LIST_LIMIT],
        )
        .await?
        .iter()
        .map(|r| {
            Ok(AuditView {
                seq: r.get("seq")?,
                at: r.get("at")?,
                actor_name: r.get("actor_name")?,
                action: r.get("action")?,
                object_type: r.get("object_type")?,
                object_id: r.get("object_id")?,
            })
        })
        .collect::<DbResult<Vec<_>>>()?;
    Ok(PersonalData {
        user_id,
        username: u.get("username")?,
        display_name: u.get("display_name")?,
        email: u.get("email")?,
        personal_id: u.get("personal_id")?,
        created_at: u.get("created_at")?,
        identities,
        sessions,
        audit,
    })
}

/// The person's data for download, the export audited (in one transaction with its reading).
pub async fn export_personal_data(
    db: &Db,
    session: &CitizenSession,
    ip: Option<String>,
) -> AppResult<PersonalData> {
    let data = personal_data(db, session.user_id).await?;
    let mut tx = db.begin().await?;
    audit::append(
        &mut tx,
        &actor_for(session.user_id, &session.name, ip),
        Change {
            action: "identity.data_export",
            object_type: "user",
            object_id: session.user_id.to_string(),
            before: None,
            after: Some(
                json!({"sessions": data.sessions.len(), "audit_entries": data.audit.len()}),
            ),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(data)
}

/// Record (or clear) an account's citizen identity number: an official's account that records it
/// is the account the same person gets when signing in through the provider. Audited.
pub async fn set_personal_id(
    db: &Db,
    actor: &Actor,
    user_id: i64,
    personal_id: Option<&str>,
) -> AppResult<()> {
    if let Some(p) = personal_id
        && !valid_personal_id(p)
    {
        return Err(AppError::invalid(
            Problem::new("personal_id_invalid").field("personal_id"),
        ));
    }
    let mut tx = db.begin().await?;
    let taken = match personal_id {
        Some(p) => tx
            .fetch_optional(
                "SELECT id FROM users WHERE personal_id = $1 AND id <> $2",
                params![p, user_id],
            )
            .await?
            .is_some(),
        None => false,
    };
    if taken {
        return Err(AppError::conflict(
            Problem::new("personal_id_taken").field("personal_id"),
        ));
    }
    let n = tx
        .execute(
            "UPDATE users SET personal_id = $1 WHERE id = $2",
            params![personal_id, user_id],
        )
        .await?;
    if n == 0 {
        return Err(AppError::not_found());
    }
    audit::append(
        &mut tx,
        actor,
        Change {
            action: "identity.personal_id",
            object_type: "user",
            object_id: user_id.to_string(),
            before: None,
            after: Some(json!({"personal_id": personal_id.map(mask_personal_id)})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The demo's people

/// A person of the demo sign-in (`egov demo` only).
#[derive(Debug, Clone, Copy)]
pub struct DemoPerson {
    pub subject: &'static str,
    pub name: &'static str,
    pub personal_id: &'static str,
    pub assurance: u8,
    /// (tax code, business name, role)
    pub represents: &'static [(&'static str, &'static str, &'static str)],
}

/// The demo's citizens: one at level 1, one at level 2, one business representative.
pub const DEMO_PEOPLE: &[DemoPerson] = &[
    DemoPerson {
        subject: "demo-citizen-1",
        name: "Nguyễn Văn An",
        personal_id: "001090000011",
        assurance: 1,
        represents: &[],
    },
    DemoPerson {
        subject: "demo-citizen-2",
        name: "Trần Thị Bình",
        personal_id: "001085000022",
        assurance: 2,
        represents: &[],
    },
    DemoPerson {
        subject: "demo-business",
        name: "Lê Văn Cường",
        personal_id: "001080000033",
        assurance: 2,
        represents: &[
            (
                "0101234567",
                "Công ty TNHH Ánh Dương",
                "legal_representative",
            ),
            (
                "0101234567-001",
                "Chi nhánh Hà Nội – Công ty TNHH Ánh Dương",
                "authorised",
            ),
        ],
    },
];

impl DemoPerson {
    pub fn identity(&self) -> VerifiedIdentity {
        VerifiedIdentity {
            issuer: DEMO_ISSUER.into(),
            subject: self.subject.into(),
            name: self.name.into(),
            personal_id: Some(self.personal_id.into()),
            acr: Some(format!("demo:{}", self.assurance)),
            assurance: self.assurance,
            representations: self
                .represents
                .iter()
                .map(|(t, n, r)| Representation {
                    tax_code: (*t).into(),
                    name: (*n).into(),
                    role: (*r).into(),
                })
                .collect(),
        }
    }
}

/// Make the demo's citizens' accounts (linked to the demo issuer), if not there yet.
pub async fn seed_demo_people(db: &Db) -> AppResult<usize> {
    let mut made = 0;
    for p in DEMO_PEOPLE {
        let mut tx = db.begin().await?;
        let known = tx
            .fetch_optional(
                "SELECT id FROM user_identities WHERE issuer = $1 AND subject = $2",
                params![DEMO_ISSUER, p.subject],
            )
            .await?
            .is_some();
        if !known {
            link_or_create(&mut tx, &p.identity(), true, None).await?;
            made += 1;
        }
        tx.commit().await?;
    }
    Ok(made)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tax_codes_are_ten_digits_or_a_branch() {
        for ok in ["0101234567", "0101234567-001"] {
            assert!(valid_tax_code(ok), "{ok}");
        }
        for bad in [
            "010123456",
            "01012345678",
            "0101234567-01",
            "0101234567-0011",
            "010123456a",
            "0101234567-",
            "-001",
            "",
        ] {
            assert!(!valid_tax_code(bad), "{bad}");
        }
    }

    #[test]
    fn identity_numbers_are_masked_in_lists() {
        assert_eq!(mask_personal_id("001090000045"), "0010******45");
        assert!(valid_personal_id("001090000045"));
        assert!(!valid_personal_id("00109000004"));
        assert!(!valid_personal_id("00109000004x"));
    }

    #[test]
    fn only_well_formed_representations_are_kept() {
        let v = serde_json::json!([
            {"tax_code": "0101234567", "name": "A", "role": "legal_representative"},
            {"tax_code": "123", "name": "B", "role": "x"},
            {"tax_code": "0101234567", "name": "dup", "role": "x"},
            {"tax_code": "0101234567-002", "name": "C\u{7}", "role": "authorised"},
            "not an object",
        ]);
        let (reps, dropped) = parse_representations(Some(&v));
        assert_eq!(dropped, 3);
        assert_eq!(reps.len(), 2);
        assert_eq!(reps[1].name, "C");
    }

    #[test]
    fn no_password_matches_a_citizen_account() {
        assert!(!super::super::password::verify("", NO_PASSWORD));
        assert!(!super::super::password::verify(NO_PASSWORD, NO_PASSWORD));
    }
}
