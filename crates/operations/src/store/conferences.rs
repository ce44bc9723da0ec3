//! Video-conference sessions and their points: `conference_sessions` and `conference_points`
//! (migration 0023).

use std::collections::HashMap;

use platform::db::{Db, DbResult, Row, Tx};
use platform::params;

use crate::model::conference::{Point, Session, SessionSpec};

/// Most sessions a list holds.
pub const MAX_LISTED: i64 = 200;

fn session_of(r: &Row) -> DbResult<Session> {
    Ok(Session {
        id: r.get("id")?,
        title: r.get("title")?,
        starts_at: r.get("starts_at")?,
        ends_at: r.get("ends_at")?,
        chair: r.get("chair")?,
        host_site_id: r.get("host_site_id")?,
        cancelled_at: r.get("cancelled_at")?,
        created_by: r.get("created_by")?,
        points: Vec::new(),
    })
}

const SESSION_COLUMNS: &str =
    "id, title, starts_at, ends_at, chair, host_site_id, cancelled_at, created_by";

async fn with_points(db: &Db, mut sessions: Vec<Session>) -> DbResult<Vec<Session>> {
    if sessions.is_empty() {
        return Ok(sessions);
    }
    let ids: Vec<String> = sessions.iter().map(|s| s.id.to_string()).collect();
    // Ids are integers read from the database: safe to inline.
    let sql = format!(
        "SELECT p.session_id, p.site_id, s.code, s.name, s.unit_code, p.confirmed_at, \
         p.confirmed_by, p.attended FROM conference_points p JOIN sites s ON s.id = p.site_id \
         WHERE p.session_id IN ({}) ORDER BY s.code",
        ids.join(",")
    );
    let rows = db
        .fetch_all(platform::db::Sql::trusted(sql), params![])
        .await?;
    let mut by: HashMap<i64, Vec<Point>> = HashMap::new();
    for r in &rows {
        by.entry(r.get("session_id")?).or_default().push(Point {
            site_id: r.get("site_id")?,
            code: r.get("code")?,
            name: r.get("name")?,
            unit_code: r.get("unit_code")?,
            confirmed_at: r.get("confirmed_at")?,
            confirmed_by: r.get("confirmed_by")?,
            attended: r.get("attended")?,
        });
    }
    for s in &mut sessions {
        s.points = by.remove(&s.id).unwrap_or_default();
    }
    Ok(sessions)
}

/// Sessions ending at or after `from` and starting before `to` (ms), by start, at most
/// [`MAX_LISTED`], with their points.
pub async fn between(db: &Db, from: i64, to: i64) -> DbResult<Vec<Session>> {
    let sql = format!(
        "SELECT {SESSION_COLUMNS} FROM conference_sessions WHERE ends_at >= $1 AND starts_at < $2 \
         ORDER BY starts_at, id LIMIT $3"
    );
    let rows = db
        .fetch_all(
            platform::db::Sql::trusted(sql),
            params![from, to, MAX_LISTED],
        )
        .await?;
    let sessions = rows.iter().map(session_of).collect::<DbResult<Vec<_>>>()?;
    with_points(db, sessions).await
}

/// One session with its points.
pub async fn get(db: &Db, id: i64) -> DbResult<Option<Session>> {
    let sql = format!("SELECT {SESSION_COLUMNS} FROM conference_sessions WHERE id = $1");
    let Some(row) = db
        .fetch_optional(platform::db::Sql::trusted(sql), params![id])
        .await?
    else {
        return Ok(None);
    };
    Ok(with_points(db, vec![session_of(&row)?]).await?.pop())
}

/// Store a new session and its points; its id.
pub async fn insert(tx: &mut Tx, spec: &SessionSpec, by: &str, now: i64) -> DbResult<i64> {
    let id: i64 = tx
        .fetch_one(
            "INSERT INTO conference_sessions (title, starts_at, ends_at, chair, host_site_id, \
             created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            params![
                spec.title.as_str(),
                spec.starts_at,
                spec.ends_at,
                spec.chair.as_str(),
                spec.host_site_id,
                now,
                by
            ],
        )
        .await?
        .get("id")?;
    for p in &spec.points {
        tx.execute(
            "INSERT INTO conference_points (session_id, site_id) VALUES ($1, $2)",
            params![id, *p],
        )
        .await?;
    }
    Ok(id)
}

/// Change a session; points that stay keep their confirmation, new ones start unconfirmed.
pub async fn update(tx: &mut Tx, id: i64, spec: &SessionSpec) -> DbResult<()> {
    tx.execute(
        "UPDATE conference_sessions SET title = $1, starts_at = $2, ends_at = $3, chair = $4, \
         host_site_id = $5 WHERE id = $6",
        params![
            spec.title.as_str(),
            spec.starts_at,
            spec.ends_at,
            spec.chair.as_str(),
            spec.host_site_id,
            id
        ],
    )
    .await?;
    let kept: Vec<i64> = tx
        .fetch_all(
            "SELECT site_id FROM conference_points WHERE session_id = $1",
            params![id],
        )
        .await?
        .iter()
        .map(|r| r.get("site_id"))
        .collect::<DbResult<_>>()?;
    for old in kept.iter().filter(|k| !spec.points.contains(k)) {
        tx.execute(
            "DELETE FROM conference_points WHERE session_id = $1 AND site_id = $2",
            params![id, *old],
        )
        .await?;
    }
    for new in spec.points.iter().filter(|p| !kept.contains(p)) {
        tx.execute(
            "INSERT INTO conference_points (session_id, site_id) VALUES ($1, $2)",
            params![id, *new],
        )
        .await?;
    }
    Ok(())
}

/// Cancel a session (once); how many rows changed.
pub async fn cancel(tx: &mut Tx, id: i64, now: i64) -> DbResult<u64> {
    tx.execute(
        "UPDATE conference_sessions SET cancelled_at = $1 WHERE id = $2 AND cancelled_at IS NULL",
        params![now, id],
    )
    .await
}

/// A point confirms it will attend (once); how many rows changed.
pub async fn confirm(tx: &mut Tx, id: i64, site_id: i64, by: &str, now: i64) -> DbResult<u64> {
    tx.execute(
        "UPDATE conference_points SET confirmed_at = $1, confirmed_by = $2 \
         WHERE session_id = $3 AND site_id = $4 AND confirmed_at IS NULL",
        params![now, by, id, site_id],
    )
    .await
}

/// Record whether a point attended.
pub async fn set_attended(tx: &mut Tx, id: i64, site_id: i64, attended: bool) -> DbResult<u64> {
    tx.execute(
        "UPDATE conference_points SET attended = $1 WHERE session_id = $2 AND site_id = $3",
        params![attended, id, site_id],
    )
    .await
}
