//! Dashboards (`ops_dashboards`), playlists (`ops_playlists`, `ops_playlist_entries`).

use platform::db::{Db, DbResult, Row, Tx, now_ms};
use platform::params;

use crate::model::dashboard::{Audience, Entry, MAX_LISTED, Widget, parse_widgets};

/// A stored dashboard.
#[derive(Debug, Clone)]
pub struct Dashboard {
    pub id: i64,
    /// `overview`, `compliance` for the shipped ones (their names are translated).
    pub builtin: Option<String>,
    pub name: String,
    pub audience: Audience,
    pub widgets: Vec<Widget>,
}

fn dashboard(r: &Row) -> DbResult<Dashboard> {
    let kind: String = r.get("audience")?;
    let role: Option<String> = r.get("audience_role")?;
    let scope: Option<String> = r.get("audience_scope")?;
    let widgets: String = r.get("widgets")?;
    Ok(Dashboard {
        id: r.get("id")?,
        builtin: r.get("builtin")?,
        name: r.get("name")?,
        // A row the database's checks let through but this version does not know is shown to
        // signed-in readers only, never to the public.
        audience: Audience::from_parts(&kind, role.as_deref(), scope.as_deref())
            .unwrap_or(Audience::SignedIn),
        widgets: parse_widgets(&widgets).unwrap_or_default(),
    })
}

pub async fn get(db: &Db, id: i64) -> DbResult<Option<Dashboard>> {
    db.fetch_optional("SELECT * FROM ops_dashboards WHERE id = $1", params![id])
        .await?
        .as_ref()
        .map(dashboard)
        .transpose()
}

/// Dashboards by id, at most [`MAX_LISTED`].
pub async fn list(db: &Db) -> DbResult<Vec<Dashboard>> {
    db.fetch_all(
        "SELECT * FROM ops_dashboards ORDER BY id LIMIT $1",
        params![MAX_LISTED],
    )
    .await?
    .iter()
    .map(dashboard)
    .collect()
}

pub async fn insert(
    tx: &mut Tx,
    name: &str,
    audience: &Audience,
    widgets_json: &str,
) -> DbResult<i64> {
    let now = now_ms();
    tx.fetch_one(
        "INSERT INTO ops_dashboards (name, audience, audience_role, audience_scope, widgets, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
        params![
            name,
            audience.kind(),
            audience.role().map(|r| r.as_str()),
            audience.scope(),
            widgets_json,
            now
        ],
    )
    .await?
    .get("id")
}

/// Update a dashboard; false if there is none.
pub async fn update(
    tx: &mut Tx,
    id: i64,
    name: &str,
    audience: &Audience,
    widgets_json: &str,
) -> DbResult<bool> {
    Ok(tx
        .execute(
            "UPDATE ops_dashboards SET name = $1, audience = $2, audience_role = $3, audience_scope = $4, widgets = $5, updated_at = $6 WHERE id = $7",
            params![
                name,
                audience.kind(),
                audience.role().map(|r| r.as_str()),
                audience.scope(),
                widgets_json,
                now_ms(),
                id
            ],
        )
        .await?
        == 1)
}

/// A playlist and its entries in order.
#[derive(Debug, Clone)]
pub struct Playlist {
    pub id: i64,
    pub name: String,
    pub entries: Vec<Entry>,
}

pub async fn playlist(db: &Db, id: i64) -> DbResult<Option<Playlist>> {
    let Some(r) = db
        .fetch_optional(
            "SELECT id, name FROM ops_playlists WHERE id = $1",
            params![id],
        )
        .await?
    else {
        return Ok(None);
    };
    let entries = db
        .fetch_all(
            "SELECT dashboard_id, seconds FROM ops_playlist_entries WHERE playlist_id = $1 ORDER BY position",
            params![id],
        )
        .await?
        .iter()
        .map(|e| {
            Ok(Entry {
                dashboard_id: e.get("dashboard_id")?,
                seconds: e.get("seconds")?,
            })
        })
        .collect::<DbResult<Vec<_>>>()?;
    Ok(Some(Playlist {
        id: r.get("id")?,
        name: r.get("name")?,
        entries,
    }))
}

/// The first playlist (the shipped default), if any.
pub async fn first_playlist(db: &Db) -> DbResult<Option<i64>> {
    db.fetch_optional("SELECT MIN(id) AS id FROM ops_playlists", params![])
        .await?
        .map(|r| r.get::<Option<i64>>("id"))
        .transpose()
        .map(Option::flatten)
}

/// Playlists (id, name) by id, at most [`MAX_LISTED`].
pub async fn playlists(db: &Db) -> DbResult<Vec<(i64, String)>> {
    db.fetch_all(
        "SELECT id, name FROM ops_playlists ORDER BY id LIMIT $1",
        params![MAX_LISTED],
    )
    .await?
    .iter()
    .map(|r| Ok((r.get("id")?, r.get("name")?)))
    .collect()
}

/// Which of `ids` name no dashboard.
pub async fn missing_dashboards(db: &Db, ids: &[i64]) -> DbResult<Vec<i64>> {
    let mut missing = Vec::new();
    for id in ids {
        if get(db, *id).await?.is_none() && !missing.contains(id) {
            missing.push(*id);
        }
    }
    Ok(missing)
}

pub async fn insert_playlist(tx: &mut Tx, name: &str, entries: &[Entry]) -> DbResult<i64> {
    let now = now_ms();
    let id: i64 = tx
        .fetch_one(
            "INSERT INTO ops_playlists (name, created_at, updated_at) VALUES ($1, $2, $2) RETURNING id",
            params![name, now],
        )
        .await?
        .get("id")?;
    for (pos, e) in entries.iter().enumerate() {
        tx.execute(
            "INSERT INTO ops_playlist_entries (playlist_id, position, dashboard_id, seconds) VALUES ($1, $2, $3, $4)",
            params![id, pos as i64, e.dashboard_id, e.seconds],
        )
        .await?;
    }
    Ok(id)
}

/// Replace a playlist's name and entries; false if there is none.
pub async fn update_playlist(
    tx: &mut Tx,
    id: i64,
    name: &str,
    entries: &[Entry],
) -> DbResult<bool> {
    if tx
        .execute(
            "UPDATE ops_playlists SET name = $1, updated_at = $2 WHERE id = $3",
            params![name, now_ms(), id],
        )
        .await?
        != 1
    {
        return Ok(false);
    }
    tx.execute(
        "DELETE FROM ops_playlist_entries WHERE playlist_id = $1",
        params![id],
    )
    .await?;
    for (pos, e) in entries.iter().enumerate() {
        tx.execute(
            "INSERT INTO ops_playlist_entries (playlist_id, position, dashboard_id, seconds) VALUES ($1, $2, $3, $4)",
            params![id, pos as i64, e.dashboard_id, e.seconds],
        )
        .await?;
    }
    Ok(true)
}
