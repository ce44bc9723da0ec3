//! The connected sites and their health: `sites` and `site_transitions` (migration 0023).

use platform::db::{Db, DbError, DbResult, Row, Tx};
use platform::params;

use crate::model::site::{Category, Site, SiteKind, SiteSpec, SiteState};

fn corrupt(column: &str, problem: impl Into<String>) -> DbError {
    DbError::Decode {
        column: column.to_owned(),
        problem: problem.into(),
    }
}

const COLUMNS: &str = "id, code, kind, category, name, unit_code, place, latitude, longitude, url, \
                       active, state, state_since, checked_at, finding";

fn site_of(row: &Row) -> DbResult<Site> {
    let kind: String = row.get("kind")?;
    let category: String = row.get("category")?;
    let state: String = row.get("state")?;
    Ok(Site {
        id: row.get("id")?,
        spec: SiteSpec {
            code: row.get("code")?,
            kind: SiteKind::parse(&kind)
                .ok_or_else(|| corrupt("kind", format!("unknown site kind {kind:?}")))?,
            category: Category::parse(&category)
                .ok_or_else(|| corrupt("category", format!("unknown category {category:?}")))?,
            name: row.get("name")?,
            unit_code: row.get("unit_code")?,
            place: row.get("place")?,
            latitude: row.get("latitude")?,
            longitude: row.get("longitude")?,
            url: row.get("url")?,
        },
        active: row.get("active")?,
        state: SiteState::parse(&state)
            .ok_or_else(|| corrupt("state", format!("unknown site state {state:?}")))?,
        state_since: row.get("state_since")?,
        checked_at: row.get("checked_at")?,
        finding: row.get("finding")?,
    })
}

/// Every site (at most [`crate::model::site::MAX_SITES`]), by kind then code; `kind` narrows.
pub async fn list(db: &Db, kind: Option<SiteKind>) -> DbResult<Vec<Site>> {
    let limit = crate::model::site::MAX_SITES;
    let rows = match kind {
        Some(k) => {
            let sql = format!("SELECT {COLUMNS} FROM sites WHERE kind = $1 ORDER BY code LIMIT $2");
            db.fetch_all(platform::db::Sql::trusted(sql), params![k.as_str(), limit])
                .await?
        }
        None => {
            let sql = format!("SELECT {COLUMNS} FROM sites ORDER BY kind, code LIMIT $1");
            db.fetch_all(platform::db::Sql::trusted(sql), params![limit])
                .await?
        }
    };
    rows.iter().map(site_of).collect()
}

/// The active sites, for the probe.
pub async fn active(db: &Db) -> DbResult<Vec<Site>> {
    let sql = format!("SELECT {COLUMNS} FROM sites WHERE active = $1 ORDER BY id LIMIT $2");
    db.fetch_all(
        platform::db::Sql::trusted(sql),
        params![true, crate::model::site::MAX_SITES],
    )
    .await?
    .iter()
    .map(site_of)
    .collect()
}

/// One site by id.
pub async fn get(db: &Db, id: i64) -> DbResult<Option<Site>> {
    let sql = format!("SELECT {COLUMNS} FROM sites WHERE id = $1");
    db.fetch_optional(platform::db::Sql::trusted(sql), params![id])
        .await?
        .as_ref()
        .map(site_of)
        .transpose()
}

/// One site by code.
pub async fn by_code(tx: &mut Tx, code: &str) -> DbResult<Option<Site>> {
    let sql = format!("SELECT {COLUMNS} FROM sites WHERE code = $1");
    tx.fetch_optional(platform::db::Sql::trusted(sql), params![code])
        .await?
        .as_ref()
        .map(site_of)
        .transpose()
}

/// How many sites there are.
pub async fn count(tx: &mut Tx) -> DbResult<i64> {
    tx.fetch_one("SELECT COUNT(*) AS n FROM sites", params![])
        .await?
        .get("n")
}

/// Store a new site (state unknown); its id.
pub async fn insert(tx: &mut Tx, spec: &SiteSpec, now: i64) -> DbResult<i64> {
    tx.fetch_one(
        "INSERT INTO sites (code, kind, category, name, unit_code, place, latitude, longitude, \
         url, active, state, finding, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'unknown', '', $11, $11) RETURNING id",
        params![
            spec.code.as_str(),
            spec.kind.as_str(),
            spec.category.as_str(),
            spec.name.as_str(),
            spec.unit_code.as_deref(),
            spec.place.as_str(),
            spec.latitude,
            spec.longitude,
            spec.url.as_str(),
            true,
            now
        ],
    )
    .await?
    .get("id")
}

/// Record in `site_transitions` that site `id` becomes unknown at `at` — when its URL is not
/// `url` any more, if given — unless its recorded history ends in unknown already: the
/// availability board then leaves the time until the next probe out, rather than counting it in
/// the state before the reset. Runs just before the reset, in the same transaction.
async fn record_reset(tx: &mut Tx, id: i64, at: i64, url: Option<&str>) -> DbResult<u64> {
    let last = "COALESCE((SELECT t.state FROM site_transitions t WHERE t.site_id = s.id \
                ORDER BY t.at DESC, t.id DESC LIMIT 1), 'unknown') <> 'unknown'";
    match url {
        Some(url) => {
            let sql = format!(
                "INSERT INTO site_transitions (site_id, at, state, finding) \
                 SELECT s.id, $2, 'unknown', '' FROM sites s \
                 WHERE s.id = $1 AND s.url <> $3 AND {last}"
            );
            tx.execute(platform::db::Sql::trusted(sql), params![id, at, url])
                .await
        }
        None => {
            let sql = format!(
                "INSERT INTO site_transitions (site_id, at, state, finding) \
                 SELECT s.id, $2, 'unknown', '' FROM sites s WHERE s.id = $1 AND {last}"
            );
            tx.execute(platform::db::Sql::trusted(sql), params![id, at])
                .await
        }
    }
}

/// Change a site's description. A changed URL makes its state unknown until the next probe
/// (recorded as a transition).
pub async fn update(tx: &mut Tx, id: i64, spec: &SiteSpec, now: i64) -> DbResult<u64> {
    record_reset(tx, id, now, Some(spec.url.as_str())).await?;
    tx.execute(
        "UPDATE sites SET state = CASE WHEN url = $9 THEN state ELSE 'unknown' END, \
         state_since = CASE WHEN url = $9 THEN state_since ELSE NULL END, \
         code = $1, kind = $2, category = $3, name = $4, unit_code = $5, place = $6, \
         latitude = $7, longitude = $8, url = $9, updated_at = $10 WHERE id = $11",
        params![
            spec.code.as_str(),
            spec.kind.as_str(),
            spec.category.as_str(),
            spec.name.as_str(),
            spec.unit_code.as_deref(),
            spec.place.as_str(),
            spec.latitude,
            spec.longitude,
            spec.url.as_str(),
            now,
            id
        ],
    )
    .await
}

/// Turn a site's probing on or off; its state is unknown until probed again (recorded as a
/// transition: a site turned off is not watched).
pub async fn set_active(tx: &mut Tx, id: i64, active: bool, now: i64) -> DbResult<u64> {
    record_reset(tx, id, now, None).await?;
    tx.execute(
        "UPDATE sites SET active = $1, state = 'unknown', state_since = NULL, updated_at = $2 \
         WHERE id = $3",
        params![active, now, id],
    )
    .await
}

/// Record what the probe found at `at`. When the state changed, the change is kept in
/// `site_transitions` and the previous state is returned (so the caller raises its alert once):
/// the update only applies while the site is still in the state the caller read, so two nodes
/// probing at once record one transition.
pub async fn record_probe(
    tx: &mut Tx,
    site: &Site,
    state: SiteState,
    finding: &str,
    at: i64,
) -> DbResult<Option<SiteState>> {
    if state == site.state {
        tx.execute(
            "UPDATE sites SET checked_at = $1, finding = $2 WHERE id = $3",
            params![at, finding, site.id],
        )
        .await?;
        return Ok(None);
    }
    let changed = tx
        .execute(
            "UPDATE sites SET state = $1, state_since = $2, checked_at = $2, finding = $3 \
             WHERE id = $4 AND state = $5",
            params![state.as_str(), at, finding, site.id, site.state.as_str()],
        )
        .await?;
    if changed == 0 {
        return Ok(None);
    }
    tx.execute(
        "INSERT INTO site_transitions (site_id, at, state, finding) VALUES ($1, $2, $3, $4)",
        params![site.id, at, state.as_str(), finding],
    )
    .await?;
    Ok(Some(site.state))
}

/// One change of a site's state.
#[derive(Debug, Clone, PartialEq)]
pub struct Transition {
    pub site_id: i64,
    pub at: i64,
    pub state: SiteState,
    pub finding: String,
}

/// The changes of every site since `from` (ms), plus the last change before it for each site (so
/// a window's start state is known), by site then time; at most `limit` rows.
pub async fn transitions_since(db: &Db, from: i64, limit: i64) -> DbResult<Vec<Transition>> {
    db.fetch_all(
        "SELECT t.site_id, t.at, t.state, t.finding FROM site_transitions t \
         WHERE t.at >= $1 OR t.id = (SELECT p.id FROM site_transitions p \
           WHERE p.site_id = t.site_id AND p.at < $1 ORDER BY p.at DESC, p.id DESC LIMIT 1) \
         ORDER BY t.site_id, t.at, t.id LIMIT $2",
        params![from, limit],
    )
    .await?
    .iter()
    .map(|r| {
        let state: String = r.get("state")?;
        Ok(Transition {
            site_id: r.get("site_id")?,
            at: r.get("at")?,
            state: SiteState::parse(&state)
                .ok_or_else(|| corrupt("state", format!("unknown site state {state:?}")))?,
            finding: r.get("finding")?,
        })
    })
    .collect()
}
