//! Video-conference sessions: schedule, edit, cancel (the center's operators: national system
//! and agency administrators), a point's confirmation (an official of the point's unit: an
//! administrator or approver whose scope covers it) and attendance — each in one transaction with
//! its audit entry.

use std::collections::HashMap;

use platform::audit::{self, Actor, Change};
use platform::db::{Db, DbError};
use platform::error::Problem;
use platform::identity::access::{Grant, Role, Target};
use serde_json::json;

use crate::engine::sites::{SiteError, may_write, target_of, units};
use crate::model::conference::{Session, SessionDraft, SessionSpec};
use crate::model::site::{Site, SiteKind};
use crate::store::conferences as store;

/// May these grants schedule sessions and record attendance? National administrators.
pub fn may_schedule(grants: &[Grant]) -> bool {
    may_write(grants, &Target::national())
}

/// May these grants confirm for a point of `target`? An administrator or approver whose scope
/// contains the point's unit (a viewer, a reporter, or an official of another or a lower unit
/// may not).
pub fn may_confirm(grants: &[Grant], target: &Target) -> bool {
    grants.iter().any(|g| {
        matches!(
            g.role,
            Role::SystemAdmin | Role::AgencyAdmin | Role::Approver
        ) && g.contains(target)
    })
}

/// The active conference points, by id.
pub async fn points(db: &Db) -> Result<HashMap<i64, Site>, DbError> {
    Ok(crate::store::sites::list(db, Some(SiteKind::Conference))
        .await?
        .into_iter()
        .filter(|s| s.active)
        .map(|s| (s.id, s))
        .collect())
}

fn snapshot(spec: &SessionSpec) -> serde_json::Value {
    serde_json::to_value(spec).unwrap_or_default()
}

async fn checked(db: &Db, draft: &SessionDraft) -> Result<SessionSpec, SiteError> {
    let points = points(db).await?;
    draft
        .check(|id| points.contains_key(&id))
        .map_err(SiteError::Invalid)
}

/// The live topic of video-conference sessions: the wall's block of today's sessions follows it.
pub const TOPIC: &str = "conferences";

/// Tell open pages a session changed (in the change's transaction: sent only if it commits).
async fn announce(tx: &mut platform::db::Tx, id: i64, event: &str) -> Result<(), DbError> {
    platform::live::publish(tx, TOPIC, &json!({"id": id, "event": event})).await?;
    Ok(())
}

/// Schedule a session (audited); its id.
pub async fn create(
    db: &Db,
    actor: &Actor,
    grants: &[Grant],
    draft: &SessionDraft,
) -> Result<i64, SiteError> {
    if !may_schedule(grants) {
        return Err(SiteError::OutOfScope);
    }
    let spec = checked(db, draft).await?;
    let mut tx = db.begin().await?;
    let id = store::insert(&mut tx, &spec, &actor.name, platform::db::now_ms()).await?;
    audit::append(
        &mut tx,
        actor,
        Change {
            action: "conference.create",
            object_type: "conference",
            object_id: id.to_string(),
            before: None,
            after: Some(snapshot(&spec)),
        },
    )
    .await?;
    announce(&mut tx, id, "create").await?;
    tx.commit().await?;
    Ok(id)
}

/// Edit a session that is not cancelled (audited).
pub async fn update(
    db: &Db,
    actor: &Actor,
    grants: &[Grant],
    id: i64,
    draft: &SessionDraft,
) -> Result<(), SiteError> {
    if !may_schedule(grants) {
        return Err(SiteError::OutOfScope);
    }
    let Some(old) = store::get(db, id).await? else {
        return Err(SiteError::NotFound);
    };
    if old.cancelled_at.is_some() {
        return Err(SiteError::Invalid(vec![Problem::new(
            "conference_cancelled",
        )]));
    }
    let spec = checked(db, draft).await?;
    let mut tx = db.begin().await?;
    store::update(&mut tx, id, &spec).await?;
    audit::append(
        &mut tx,
        actor,
        Change {
            action: "conference.update",
            object_type: "conference",
            object_id: id.to_string(),
            before: Some(json!({
                "title": old.title, "starts_at": old.starts_at, "ends_at": old.ends_at,
                "chair": old.chair, "host_site_id": old.host_site_id,
                "points": old.points.iter().map(|p| p.site_id).collect::<Vec<_>>(),
            })),
            after: Some(snapshot(&spec)),
        },
    )
    .await?;
    announce(&mut tx, id, "update").await?;
    tx.commit().await?;
    Ok(())
}

/// Cancel a session (audited).
pub async fn cancel(db: &Db, actor: &Actor, grants: &[Grant], id: i64) -> Result<(), SiteError> {
    if !may_schedule(grants) {
        return Err(SiteError::OutOfScope);
    }
    let mut tx = db.begin().await?;
    if store::cancel(&mut tx, id, platform::db::now_ms()).await? == 0 {
        return Err(if store::get(db, id).await?.is_some() {
            SiteError::Invalid(vec![Problem::new("conference_cancelled")])
        } else {
            SiteError::NotFound
        });
    }
    audit::append(
        &mut tx,
        actor,
        Change {
            action: "conference.cancel",
            object_type: "conference",
            object_id: id.to_string(),
            before: Some(json!({"cancelled": false})),
            after: Some(json!({"cancelled": true})),
        },
    )
    .await?;
    announce(&mut tx, id, "cancel").await?;
    tx.commit().await?;
    Ok(())
}

/// The session and its point `site_id`, or NotFound.
async fn session_point(db: &Db, id: i64, site_id: i64) -> Result<(Session, Site), SiteError> {
    let Some(session) = store::get(db, id).await? else {
        return Err(SiteError::NotFound);
    };
    if !session.points.iter().any(|p| p.site_id == site_id) {
        return Err(SiteError::NotFound);
    }
    let Some(site) = crate::store::sites::get(db, site_id).await? else {
        return Err(SiteError::NotFound);
    };
    Ok((session, site))
}

/// A point's agency confirms it will attend (audited); refused to anyone outside its scope.
pub async fn confirm(
    db: &Db,
    actor: &Actor,
    grants: &[Grant],
    id: i64,
    site_id: i64,
) -> Result<(), SiteError> {
    let (session, site) = session_point(db, id, site_id).await?;
    let code = site.spec.unit_code.as_deref();
    let units = units(db, &code.into_iter().collect::<Vec<_>>()).await?;
    if !may_confirm(grants, &target_of(&units, code)) {
        return Err(SiteError::OutOfScope);
    }
    if session.cancelled_at.is_some() {
        return Err(SiteError::Invalid(vec![Problem::new(
            "conference_cancelled",
        )]));
    }
    let mut tx = db.begin().await?;
    if store::confirm(&mut tx, id, site_id, &actor.name, platform::db::now_ms()).await? == 0 {
        return Ok(());
    }
    audit::append(
        &mut tx,
        actor,
        Change {
            action: "conference.confirm",
            object_type: "conference",
            object_id: id.to_string(),
            before: Some(json!({"point": site.spec.code, "confirmed": false})),
            after: Some(json!({"point": site.spec.code, "confirmed": true})),
        },
    )
    .await?;
    announce(&mut tx, id, "confirm").await?;
    tx.commit().await?;
    Ok(())
}

/// Record whether each point attended, after the session started (audited).
pub async fn record_attendance(
    db: &Db,
    actor: &Actor,
    grants: &[Grant],
    id: i64,
    attended: &[(i64, bool)],
) -> Result<(), SiteError> {
    if !may_schedule(grants) {
        return Err(SiteError::OutOfScope);
    }
    let Some(session) = store::get(db, id).await? else {
        return Err(SiteError::NotFound);
    };
    if session.starts_at > platform::db::now_ms() {
        return Err(SiteError::Invalid(vec![Problem::new(
            "conference_not_started",
        )]));
    }
    let mut tx = db.begin().await?;
    let mut changed = Vec::new();
    for (site_id, yes) in attended {
        let Some(p) = session.points.iter().find(|p| p.site_id == *site_id) else {
            continue;
        };
        if p.attended != Some(*yes) {
            store::set_attended(&mut tx, id, *site_id, *yes).await?;
            changed.push(json!({"point": p.code, "attended": yes}));
        }
    }
    if changed.is_empty() {
        return Ok(());
    }
    audit::append(
        &mut tx,
        actor,
        Change {
            action: "conference.attendance",
            object_type: "conference",
            object_id: id.to_string(),
            before: None,
            after: Some(json!({ "points": changed })),
        },
    )
    .await?;
    announce(&mut tx, id, "attendance").await?;
    tx.commit().await?;
    Ok(())
}
