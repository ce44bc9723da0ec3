//! The connected sites' status board (bảng tình trạng điểm kết nối): each active site's state as
//! the probe last found it, since when, and its availability over the last 24 hours and 30 days
//! (from its recorded changes; time before its first check left out), sites down first.

use platform::db::{Db, DbResult};
use serde::Serialize;

use crate::model::availability::{Availability, DAY_MS, MONTH_MS, availability};
use crate::model::site::{Category, Site, SiteKind, SiteState};
use crate::store::sites as store;

/// Most changes of state read for the board (30 days of every site); beyond it the board says
/// its availabilities are incomplete.
pub const MAX_TRANSITIONS: i64 = 200_000;

/// One site on the board.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SiteHealth {
    pub code: String,
    pub name: String,
    pub kind: SiteKind,
    pub category: Category,
    pub unit_code: Option<String>,
    pub state: SiteState,
    /// Since when (ms since the epoch) the site has been in its state.
    pub state_since: Option<i64>,
    /// The last check (ms since the epoch).
    pub checked_at: Option<i64>,
    /// What the last check found, as a stable code with its figures (`stale:41000:2`,
    /// `http:404`, `refused`…).
    pub finding: String,
    /// Fraction of the known time up over the last 24 hours (0–1); null when no time is known.
    pub availability_day: Option<f64>,
    /// The same over the last 30 days.
    pub availability_month: Option<f64>,
    /// Known time in the last 24 hours and 30 days (ms): what the fractions are of.
    pub known_day_ms: i64,
    pub known_month_ms: i64,
}

/// The board.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HealthBoard {
    /// Down first, then not checked yet, then up; by code within each.
    pub sites: Vec<SiteHealth>,
    pub up: usize,
    pub down: usize,
    pub unknown: usize,
    /// When it was composed (ms since the epoch).
    pub at: i64,
    /// True when more changes of state than could be read fell in the last 30 days (the
    /// availabilities of some sites are then incomplete).
    pub incomplete: bool,
}

fn rank(s: SiteState) -> u8 {
    match s {
        SiteState::Down => 0,
        SiteState::Unknown => 1,
        SiteState::Up => 2,
    }
}

/// Compose the board at `now` (ms).
pub async fn health(db: &Db, now: i64) -> DbResult<HealthBoard> {
    let sites: Vec<Site> = store::list(db, None)
        .await?
        .into_iter()
        .filter(|s| s.active)
        .collect();
    let transitions = store::transitions_since(db, now - MONTH_MS, MAX_TRANSITIONS).await?;
    let incomplete = transitions.len() as i64 >= MAX_TRANSITIONS;
    let mut by_site: std::collections::HashMap<i64, Vec<(i64, SiteState)>> = Default::default();
    for t in &transitions {
        by_site.entry(t.site_id).or_default().push((t.at, t.state));
    }
    let mut out: Vec<SiteHealth> = sites
        .into_iter()
        .map(|s| {
            let changes = by_site.get(&s.id).map(Vec::as_slice).unwrap_or(&[]);
            let day: Availability = availability(changes, now - DAY_MS, now);
            let month = availability(changes, now - MONTH_MS, now);
            SiteHealth {
                code: s.spec.code,
                name: s.spec.name,
                kind: s.spec.kind,
                category: s.spec.category,
                unit_code: s.spec.unit_code,
                state: s.state,
                state_since: s.state_since,
                checked_at: s.checked_at,
                finding: s.finding,
                availability_day: day.fraction(),
                availability_month: month.fraction(),
                known_day_ms: day.known_ms,
                known_month_ms: month.known_ms,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        rank(a.state)
            .cmp(&rank(b.state))
            .then_with(|| a.code.cmp(&b.code))
    });
    let count = |st: SiteState| out.iter().filter(|s| s.state == st).count();
    Ok(HealthBoard {
        up: count(SiteState::Up),
        down: count(SiteState::Down),
        unknown: count(SiteState::Unknown),
        sites: out,
        at: now,
        incomplete,
    })
}

/// The sites down now or that went down in the 24 hours before `now`, for the daily brief:
/// (site, when it went down, when it came back up if it did), down-now first.
pub async fn outages(db: &Db, now: i64) -> DbResult<Vec<Outage>> {
    let sites = store::list(db, None).await?;
    let from = now - DAY_MS;
    let transitions = store::transitions_since(db, from, MAX_TRANSITIONS).await?;
    let mut by_site: std::collections::HashMap<i64, Vec<&store::Transition>> = Default::default();
    for t in &transitions {
        by_site.entry(t.site_id).or_default().push(t);
    }
    let mut out = Vec::new();
    for s in sites.iter().filter(|s| s.active) {
        let mine = by_site.get(&s.id).map(Vec::as_slice).unwrap_or(&[]);
        // Each time it went down in the window, and when it came back.
        let mut i = 0;
        while i < mine.len() {
            let t = mine[i];
            if t.state == SiteState::Down && t.at >= from {
                let back = mine[i + 1..]
                    .iter()
                    .find(|n| n.state == SiteState::Up)
                    .map(|n| n.at);
                out.push(Outage {
                    code: s.spec.code.clone(),
                    name: s.spec.name.clone(),
                    kind: s.spec.kind,
                    down_at: t.at,
                    up_at: back,
                    finding: t.finding.clone(),
                });
            }
            i += 1;
        }
        // Down since before the window and still down.
        if s.state == SiteState::Down && !out.iter().any(|o| o.code == s.spec.code) {
            out.push(Outage {
                code: s.spec.code.clone(),
                name: s.spec.name.clone(),
                kind: s.spec.kind,
                down_at: s.state_since.unwrap_or(from),
                up_at: None,
                finding: s.finding.clone(),
            });
        }
    }
    out.sort_by(|a, b| {
        a.up_at
            .is_some()
            .cmp(&b.up_at.is_some())
            .then(a.down_at.cmp(&b.down_at))
            .then_with(|| a.code.cmp(&b.code))
    });
    Ok(out)
}

/// A site that went down.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outage {
    pub code: String,
    pub name: String,
    pub kind: SiteKind,
    /// When it went down (ms).
    pub down_at: i64,
    /// When it came back up (ms), None while still down.
    pub up_at: Option<i64>,
    /// What the probe found when it went down (stored form).
    pub finding: String,
}
