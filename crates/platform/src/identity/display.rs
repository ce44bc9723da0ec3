//! Wall displays (màn hình tường) of the operations center: a screen signs in once with a display
//! token that an administrator created (shown once, stored as its SHA-256 only, used once, valid
//! for [`ACTIVATION_DAYS`]), and gets a long-lived display session kept in the database, so it
//! stays signed in across restarts and on every node. A display is view-only: it reads the
//! operations center's pages and read-only API ([`may_visit`]), never submits anything (the
//! request context refuses every unsafe method from a display session), and carries at most the
//! viewer role. Revoking a display ends its sessions at once. Create and revoke are audited.

use serde::Serialize;
use serde_json::json;

use super::access::{Grant, Role, Scope};
use super::{Directory, sessions};
use crate::audit::{self, Actor, Change};
use crate::db::{Db, DbResult, Row, now_ms};
use crate::error::{AppError, AppResult, Problem};
use crate::params;

/// The display session's cookie.
pub const COOKIE: &str = "egov_display";
/// A display token's prefix (tells it apart from an API token).
pub const PREFIX: &str = "egovd_";
/// Days an unused display token stays valid.
pub const ACTIVATION_DAYS: i64 = 7;
/// The display cookie's lifetime (browsers cap cookies at 400 days); the session itself lasts
/// until the display is revoked.
pub const COOKIE_MAX_AGE_S: i64 = 400 * 86_400;
/// Longest display name, in characters.
pub const MAX_NAME: usize = 100;
/// At most this many displays are listed.
pub const MAX_LISTED: i64 = 200;

/// What a display session may open: the wall, the operations center's pages and read-only API,
/// the live stream and the assets. Elsewhere the display counts as an anonymous reader.
pub fn may_visit(path: &str) -> bool {
    ["/wall", "/operations", "/api/v1/operations", "/api/v1/live"]
        .iter()
        .any(|p| {
            path == *p || path.starts_with(&format!("{p}/")) || path.starts_with(&format!("{p}?"))
        })
        || path.starts_with("/assets/")
}

/// A wall display.
#[derive(Debug, Clone, Serialize)]
pub struct Display {
    pub id: i64,
    pub name: String,
    pub playlist_id: Option<i64>,
    pub scope_kind: Option<String>,
    pub scope_id: Option<i64>,
    pub created_at: i64,
    pub activated_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub activation_expires_at: Option<i64>,
    /// The token has been used (or never can be again).
    pub activation_used: bool,
}

impl Display {
    fn from_row(r: &Row) -> DbResult<Self> {
        Ok(Display {
            id: r.get("id")?,
            name: r.get("name")?,
            playlist_id: r.get("playlist_id")?,
            scope_kind: r.get("scope_kind")?,
            scope_id: r.get("scope_id")?,
            created_at: r.get("created_at")?,
            activated_at: r.get("activated_at")?,
            revoked_at: r.get("revoked_at")?,
            activation_expires_at: r.get("activation_expires_at")?,
            activation_used: r.get::<Option<String>>("activation_hash")?.is_none(),
        })
    }
    /// The scope its viewer role covers; `None`: public figures only.
    pub fn scope(&self) -> Option<Scope> {
        Scope::from_parts(self.scope_kind.as_deref()?, self.scope_id)
    }
    pub fn is_live(&self) -> bool {
        self.revoked_at.is_none()
    }
}

/// Control characters (C0 but TAB, LF, CR; DEL; C1) are refused at the edge.
fn control_char(s: &str) -> Option<char> {
    s.chars()
        .find(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
}

/// Create a display; returns its id and the one-time token (never stored, never shown again).
pub async fn create(
    db: &Db,
    actor: &Actor,
    name: &str,
    playlist_id: Option<i64>,
    scope: Option<Scope>,
) -> AppResult<(i64, String)> {
    let name = name.trim();
    if let Some(c) = control_char(name) {
        return Err(AppError::invalid(
            Problem::new("text_control_char")
                .field("name")
                .arg("field", "name")
                .arg("char", format!("U+{:04X}", c as u32)),
        ));
    }
    if name.is_empty() || name.chars().count() > MAX_NAME {
        return Err(AppError::invalid(
            Problem::new("wall_display_name_invalid")
                .field("name")
                .arg("max", MAX_NAME),
        ));
    }
    let token = format!("{PREFIX}{}", sessions::random_token());
    let now = now_ms();
    let mut tx = db.begin().await?;
    let row = tx
        .fetch_one(
            "INSERT INTO displays (name, playlist_id, scope_kind, scope_id, activation_hash, activation_expires_at, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            params![
                name,
                playlist_id,
                scope.map(|s| s.kind()),
                scope.and_then(|s| s.id()),
                sessions::token_hash(&token),
                now + ACTIVATION_DAYS * 86_400_000,
                actor.user_id,
                now
            ],
        )
        .await?;
    let id: i64 = row.get("id")?;
    audit::append(
        &mut tx,
        actor,
        Change {
            action: "display.create",
            object_type: "display",
            object_id: id.to_string(),
            before: None,
            after: Some(json!({"name": name, "playlist_id": playlist_id, "scope": scope, "role": scope.map(|_| Role::Viewer)})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok((id, token))
}

pub async fn get(db: &Db, id: i64) -> DbResult<Option<Display>> {
    db.fetch_optional("SELECT * FROM displays WHERE id = $1", params![id])
        .await?
        .as_ref()
        .map(Display::from_row)
        .transpose()
}

/// The newest displays first, at most [`MAX_LISTED`].
pub async fn list(db: &Db) -> DbResult<Vec<Display>> {
    db.fetch_all(
        "SELECT * FROM displays ORDER BY id DESC LIMIT $1",
        params![MAX_LISTED],
    )
    .await?
    .iter()
    .map(Display::from_row)
    .collect()
}

/// Exchange a display token for a display session: the token must be the live, unused, unexpired
/// token of a display that is not revoked; it is used up in the same statement (so two browsers
/// cannot both use it). Returns the display and the session's secret for the cookie.
pub async fn activate(
    db: &Db,
    token: &str,
    ip: Option<String>,
) -> AppResult<Option<(Display, String)>> {
    let token = token.trim();
    if !token.starts_with(PREFIX) || token.len() > 200 {
        return Ok(None);
    }
    let now = now_ms();
    let mut tx = db.begin().await?;
    let Some(row) = tx
        .fetch_optional(
            "UPDATE displays SET activation_hash = NULL, activated_at = $1 \
             WHERE activation_hash = $2 AND activation_expires_at > $1 AND revoked_at IS NULL \
             RETURNING *",
            params![now, sessions::token_hash(token)],
        )
        .await?
    else {
        return Ok(None);
    };
    let display = Display::from_row(&row)?;
    let secret = sessions::random_token();
    tx.execute(
        "INSERT INTO display_sessions (id_hash, display_id, created_at, last_seen_at) VALUES ($1, $2, $3, $3)",
        params![sessions::token_hash(&secret), display.id, now],
    )
    .await?;
    audit::append(
        &mut tx,
        &Actor {
            user_id: None,
            name: format!("display:{}", display.id),
            ip,
        },
        Change {
            action: "display.activate",
            object_type: "display",
            object_id: display.id.to_string(),
            before: None,
            after: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Some((display, secret)))
}

/// The live display for a display-session cookie. Refreshes `last_seen_at` at most once a minute.
pub async fn lookup(db: &Db, secret: &str) -> DbResult<Option<Display>> {
    let hash = sessions::token_hash(secret);
    let Some(r) = db
        .fetch_optional(
            "SELECT d.*, s.last_seen_at AS session_seen FROM display_sessions s \
             JOIN displays d ON d.id = s.display_id WHERE s.id_hash = $1 AND d.revoked_at IS NULL",
            params![&hash],
        )
        .await?
    else {
        return Ok(None);
    };
    let now = now_ms();
    let seen: i64 = r.get("session_seen")?;
    if now - seen > 60_000 {
        db.execute(
            "UPDATE display_sessions SET last_seen_at = $1 WHERE id_hash = $2",
            params![now, &hash],
        )
        .await?;
    }
    Ok(Some(Display::from_row(&r)?))
}

/// Revoke a display: its sessions end at once and its unused token can no longer be used.
pub async fn revoke(db: &Db, actor: &Actor, id: i64) -> AppResult<()> {
    let mut tx = db.begin().await?;
    let n = tx
        .execute(
            "UPDATE displays SET revoked_at = $1, activation_hash = NULL WHERE id = $2 AND revoked_at IS NULL",
            params![now_ms(), id],
        )
        .await?;
    if n == 0 {
        return Err(AppError::not_found());
    }
    let ended = tx
        .execute(
            "DELETE FROM display_sessions WHERE display_id = $1",
            params![id],
        )
        .await?;
    audit::append(
        &mut tx,
        actor,
        Change {
            action: "display.revoke",
            object_type: "display",
            object_id: id.to_string(),
            before: None,
            after: Some(json!({"revoked": true, "sessions_ended": ended})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The grants a display carries: the viewer role within its scope, or none (public figures).
/// Never a role that enters, approves or administers anything.
pub async fn grants_of(dir: &dyn Directory, d: &Display) -> DbResult<Vec<Grant>> {
    let Some(scope) = d.scope() else {
        return Ok(Vec::new());
    };
    let scope_unit = match scope {
        Scope::Agency(a) => dir.agency_unit(a).await?,
        Scope::Unit(u) => Some(u),
        Scope::National => None,
    };
    Ok(vec![Grant {
        id: -1_000_000 - d.id,
        role: Role::Viewer,
        scope,
        scope_unit,
    }])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_display_visits_the_operations_center_only() {
        for p in [
            "/wall",
            "/wall/activate",
            "/operations",
            "/operations/wall",
            "/operations/dashboards/3",
            "/api/v1/operations/overview",
            "/api/v1/live",
            "/assets/wall.js",
        ] {
            assert!(may_visit(p), "{p}");
        }
        for p in [
            "/",
            "/admin/users",
            "/reporting",
            "/wallet",
            "/api/v1/data",
            "/operationsx",
        ] {
            assert!(!may_visit(p), "{p}");
        }
    }
}
