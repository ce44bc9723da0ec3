//! API tokens for other agencies' systems: shown once, stored hashed, scoped, expiring, revocable.

use super::*;

pub const PREFIX: &str = "egov_";

#[derive(Debug, Clone, Serialize)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    pub token_prefix: String,
    pub role: String,
    pub scope_kind: String,
    pub scope_id: Option<i64>,
    pub created_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
    pub last_used_at: Option<i64>,
}

impl ApiToken {
    fn from_row(r: &Row) -> DbResult<Self> {
        Ok(ApiToken {
            id: r.get("id")?,
            name: r.get("name")?,
            token_prefix: r.get("token_prefix")?,
            role: r.get("role")?,
            scope_kind: r.get("scope_kind")?,
            scope_id: r.get("scope_id")?,
            created_at: r.get("created_at")?,
            expires_at: r.get("expires_at")?,
            revoked_at: r.get("revoked_at")?,
            last_used_at: r.get("last_used_at")?,
        })
    }
    pub fn scope(&self) -> Option<Scope> {
        Scope::from_parts(&self.scope_kind, self.scope_id)
    }
    pub fn is_live(&self, now: i64) -> bool {
        self.revoked_at.is_none() && self.expires_at > now
    }
}

/// Create a token; returns its id and the secret, which is never stored and never shown again.
pub async fn create(
    db: &Db,
    actor: &Actor,
    name: &str,
    role: Role,
    scope: Scope,
    days: i64,
) -> AppResult<(i64, String)> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::invalid(
            Problem::new("token_name_invalid").field("name"),
        ));
    }
    if role == Role::SystemAdmin {
        return Err(AppError::invalid(
            Problem::new("token_role_invalid").field("role"),
        ));
    }
    if !(1..=730).contains(&days) {
        return Err(AppError::invalid(
            Problem::new("token_days_invalid")
                .field("days")
                .arg("max", 730),
        ));
    }
    let secret = format!("{PREFIX}{}", sessions::random_token());
    let now = now_ms();
    let mut tx = db.begin().await?;
    let row = tx
        .fetch_one(
            "INSERT INTO api_tokens (name, token_hash, token_prefix, role, scope_kind, scope_id, created_by, created_at, expires_at) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) RETURNING id",
            params![name, sessions::token_hash(&secret), &secret[..12], role.as_str(), scope.kind(), scope.id(), actor.user_id, now, now + days * 86_400_000],
        )
        .await?;
    let id: i64 = row.get("id")?;
    audit::append(
        &mut tx,
        actor,
        Change {
            action: "token.create",
            object_type: "api_token",
            object_id: id.to_string(),
            before: None,
            after: Some(json!({"name": name, "role": role, "scope": scope, "days": days, "prefix": &secret[..12]})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok((id, secret))
}

pub async fn get(db: &Db, id: i64) -> DbResult<Option<ApiToken>> {
    db.fetch_optional("SELECT * FROM api_tokens WHERE id = $1", params![id])
        .await?
        .as_ref()
        .map(ApiToken::from_row)
        .transpose()
}

pub async fn list(db: &Db) -> DbResult<Vec<ApiToken>> {
    db.fetch_all("SELECT * FROM api_tokens ORDER BY id DESC", params![])
        .await?
        .iter()
        .map(ApiToken::from_row)
        .collect()
}

/// The live token for a presented secret; records its use (at most once a minute).
pub async fn authenticate(db: &Db, secret: &str) -> DbResult<Option<ApiToken>> {
    if !secret.starts_with(PREFIX) {
        return Ok(None);
    }
    let now = now_ms();
    let Some(t) = db
        .fetch_optional(
            "SELECT * FROM api_tokens WHERE token_hash = $1",
            params![sessions::token_hash(secret)],
        )
        .await?
        .as_ref()
        .map(ApiToken::from_row)
        .transpose()?
    else {
        return Ok(None);
    };
    if !t.is_live(now) {
        return Ok(None);
    }
    if t.last_used_at.is_none_or(|u| now - u > 60_000) {
        db.execute(
            "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2",
            params![now, t.id],
        )
        .await?;
    }
    Ok(Some(t))
}

pub async fn revoke(db: &Db, actor: &Actor, id: i64) -> AppResult<()> {
    let mut tx = db.begin().await?;
    let n = tx
        .execute(
            "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
            params![now_ms(), id],
        )
        .await?;
    if n == 0 {
        return Err(AppError::not_found());
    }
    audit::append(
        &mut tx,
        actor,
        Change {
            action: "token.revoke",
            object_type: "api_token",
            object_id: id.to_string(),
            before: None,
            after: Some(json!({"revoked": true})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The grant a token carries, resolved like a user's.
pub async fn grant_of(dir: &dyn Directory, t: &ApiToken) -> DbResult<Vec<Grant>> {
    let (Some(role), Some(scope)) = (Role::parse(&t.role), t.scope()) else {
        return Ok(Vec::new());
    };
    let scope_unit = match scope {
        Scope::Agency(a) => dir.agency_unit(a).await?,
        Scope::Unit(u) => Some(u),
        Scope::National => None,
    };
    Ok(vec![Grant {
        id: -t.id,
        role,
        scope,
        scope_unit,
    }])
}
