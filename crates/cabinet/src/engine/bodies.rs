//! Members over time: appoint (with role, voting right, chair, assistant), end a membership, a
//! member's own Ed25519 key.

use platform::audit::{self, Actor, Change};
use platform::db::Db;
use serde_json::json;

use super::{Error, Result};
use crate::model::{ballot, iso, parse_iso};
use crate::store::bodies::{self as store, Body, Member, NewMember};

/// A new member of `body`.
pub struct Appointment<'a> {
    pub username: &'a str,
    pub role_vi: &'a str,
    pub role_en: &'a str,
    pub chair: bool,
    pub voting: bool,
    pub from_day: &'a str,
    pub assistant: Option<&'a str>,
    pub position: i64,
}

/// Appoints a member; a new chair ends nobody's chairmanship by itself, but a body has one chair
/// in office at a time.
pub async fn appoint(db: &Db, actor: &Actor, body: &Body, a: &Appointment<'_>) -> Result<i64> {
    let role_vi = super::line("role_vi", a.role_vi, 200)?;
    let role_en = super::line("role_en", a.role_en, 200)?;
    let Some(from) = parse_iso(a.from_day.trim()) else {
        return Err(Error::Invalid {
            field: "from_day",
            code: "cab_bad_day",
        });
    };
    let Some(user) = platform::identity::find_user(db, a.username.trim()).await? else {
        return Err(Error::Invalid {
            field: "username",
            code: "cab_unknown_user",
        });
    };
    let assistant = match a.assistant.map(str::trim).filter(|s| !s.is_empty()) {
        Some(name) => Some(
            platform::identity::find_user(db, name)
                .await?
                .ok_or(Error::Invalid {
                    field: "assistant",
                    code: "cab_unknown_user",
                })?
                .id,
        ),
        None => None,
    };
    let day = iso(from);
    let current = store::in_office(db, body.id, &day).await?;
    if current.iter().any(|m| m.user_id == user.id) {
        return Err(Error::Invalid {
            field: "username",
            code: "cab_already_member",
        });
    }
    if a.chair && current.iter().any(|m| m.chair) {
        return Err(Error::Invalid {
            field: "chair",
            code: "cab_one_chair",
        });
    }
    let mut tx = db.begin().await?;
    let id = store::insert_member(
        &mut tx,
        &NewMember {
            body_id: body.id,
            user_id: user.id,
            role_vi: &role_vi,
            role_en: &role_en,
            position: a.position,
            chair: a.chair,
            voting: a.voting,
            from_day: &day,
            assistant_id: assistant,
        },
    )
    .await?;
    audit::append(
        &mut tx,
        actor,
        Change {
            action: "cabinet.member_appointed",
            object_type: "cab_body",
            object_id: body.id.to_string(),
            before: None,
            after: Some(json!({"member": id, "user": user.username, "role": role_vi,
                "chair": a.chair, "voting": a.voting, "from": day})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Ends a membership on `day` (the member is in office that day, not after).
pub async fn end(db: &Db, actor: &Actor, body: &Body, member_id: i64, day: &str) -> Result<()> {
    let Some(m) = store::get_member(db, member_id).await? else {
        return Err(Error::NotFound);
    };
    if m.body_id != body.id {
        return Err(Error::NotFound);
    }
    let Some(d) = parse_iso(day.trim()) else {
        return Err(Error::Invalid {
            field: "to_day",
            code: "cab_bad_day",
        });
    };
    let mut tx = db.begin().await?;
    if store::end_member(&mut tx, member_id, &iso(d)).await? == 0 {
        return Err(Error::WrongState);
    }
    audit::append(
        &mut tx,
        actor,
        Change {
            action: "cabinet.member_ended",
            object_type: "cab_body",
            object_id: body.id.to_string(),
            before: Some(json!({"member": member_id, "user": m.username})),
            after: Some(json!({"to": iso(d)})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Registers (or with None removes) the user's own Ed25519 public key, for all their seats.
pub async fn set_sign_key(
    db: &Db,
    actor: &Actor,
    user_id: i64,
    public_key_hex: Option<&str>,
) -> Result<()> {
    let key = public_key_hex.map(|k| k.trim().to_ascii_lowercase());
    if let Some(k) = &key
        && !ballot::member_key_ok(k)
    {
        return Err(Error::Invalid {
            field: "sign_key",
            code: "cab_bad_sign_key",
        });
    }
    let mut tx = db.begin().await?;
    store::set_sign_key(&mut tx, user_id, key.as_deref()).await?;
    audit::append(
        &mut tx,
        actor,
        Change {
            action: "cabinet.sign_key_set",
            object_type: "user",
            object_id: user_id.to_string(),
            before: None,
            after: Some(json!({"sign_key": key})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The user's seat in `body` on `day`, if any.
pub async fn seat(db: &Db, body_id: i64, user_id: i64, day: &str) -> Result<Option<Member>> {
    Ok(store::of_user(db, user_id, day)
        .await?
        .into_iter()
        .find(|m| m.body_id == body_id))
}

/// The chair in office on `day`.
pub async fn chair(db: &Db, body_id: i64, day: &str) -> Result<Option<Member>> {
    Ok(store::in_office(db, body_id, day)
        .await?
        .into_iter()
        .find(|m| m.chair))
}
