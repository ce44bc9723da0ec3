//! The connected sites' probe (the `operations.sites` job, every minute): each active camera's
//! playlist is fetched and judged (answers 200, reads, is live, newest segment younger than
//! 3 × its target duration), each conference point's join URL must answer below 500. Probes run
//! concurrently, at most [`CONCURRENCY`] at once, each within [`SITE_TIMEOUT`], so 500 sites take
//! seconds. What each found is recorded; a change of state is kept as a transition, published on
//! the `sites` live topic, and — between up and down — raised as a `site_down` / `site_up` alert
//! (once per change, e-mailed to the rules of that kind) in the same transaction.

use std::time::Duration;

use futures_util::StreamExt;
use platform::db::Db;
use platform::http_client::{HttpClient, Limits};
use serde_json::json;

use crate::engine::alerts::{AlertError, raise_in, site_recipients};
use crate::model::alerts::{Finding as AlertFinding, Kind};
use crate::model::health::{Finding, http_date_ms, judge_answer, judge_stream};
use crate::model::hls::{self, Playlist};
use crate::model::site::{Site, SiteKind, SiteState};
use crate::store::alerts as alert_store;
use crate::store::sites as store;

/// The live topic pages showing sites follow.
pub const TOPIC: &str = "sites";
/// Most probes in flight at once.
pub const CONCURRENCY: usize = 16;
/// Longest a site's probe may take (a master playlist costs three requests).
pub const SITE_TIMEOUT: Duration = Duration::from_secs(10);

/// The client the probe uses: 3 s to connect, 5 s per request, playlists up to 1 MiB.
pub fn client() -> HttpClient {
    HttpClient::new(Limits::default())
}

/// What a round found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Round {
    pub probed: usize,
    pub up: usize,
    pub down: usize,
    /// Sites whose state changed.
    pub changed: usize,
    /// Alerts raised (changes between up and down).
    pub alerts: usize,
}

/// Probe one site now: its state and what was found (no database).
pub async fn probe(client: &HttpClient, site: &Site) -> (SiteState, Finding) {
    let work = async {
        match site.spec.kind {
            SiteKind::Camera => probe_stream(client, &site.spec.url).await,
            SiteKind::Conference => match client.get(&site.spec.url).await {
                Ok(res) => judge_answer(res.status.as_u16()),
                Err(e) => (SiteState::Down, Finding::of_fetch(&e)),
            },
        }
    };
    match tokio::time::timeout(SITE_TIMEOUT, work).await {
        Ok(r) => r,
        Err(_) => (
            SiteState::Down,
            Finding::Timeout(SITE_TIMEOUT.as_millis() as u64),
        ),
    }
}

/// Fetch a playlist: 200 and readable, or the finding that says why not.
async fn playlist(client: &HttpClient, url: &str) -> Result<Playlist, Finding> {
    let res = client.get(url).await.map_err(|e| Finding::of_fetch(&e))?;
    if res.status.as_u16() != 200 {
        return Err(Finding::Http(res.status.as_u16()));
    }
    hls::parse(&res.body).map_err(Finding::Playlist)
}

async fn probe_stream(client: &HttpClient, url: &str) -> (SiteState, Finding) {
    let down = |f| (SiteState::Down, f);
    let (media, media_url) = match playlist(client, url).await {
        Err(f) => return down(f),
        Ok(Playlist::Media(m)) => (m, url.to_owned()),
        Ok(Playlist::Master(variants)) => {
            // The first variant (RFC 8216 lists them in the server's order of preference).
            let Some(v) = variants.first().and_then(|v| hls::resolve(url, &v.uri)) else {
                return down(Finding::InvalidUrl);
            };
            match playlist(client, &v).await {
                Err(f) => return down(f),
                Ok(Playlist::Master(_)) => return down(Finding::NestedMaster),
                Ok(Playlist::Media(m)) => (m, v),
            }
        }
    };
    // The newest segment's Last-Modified, when its server gives one.
    let mut last_modified = None;
    if !media.ended
        && let Some(seg) = media
            .newest()
            .and_then(|s| hls::resolve(&media_url, &s.uri))
        && let Ok(res) = client.head(&seg).await
        && res.status.is_success()
    {
        last_modified = res
            .header(axum::http::header::LAST_MODIFIED)
            .and_then(http_date_ms);
    }
    judge_stream(&media, last_modified, platform::db::now_ms())
}

/// Probe every active site and record what each found; see the module's comment.
pub async fn run(db: &Db, client: &HttpClient) -> Result<Round, AlertError> {
    let sites = store::active(db).await?;
    if sites.is_empty() {
        return Ok(Round::default());
    }
    let rules = alert_store::active_rules(db).await?;
    let results: Vec<(Site, SiteState, Finding, i64)> = futures_util::stream::iter(sites)
        .map(|site| async move {
            let (state, finding) = probe(client, &site).await;
            (site, state, finding, platform::db::now_ms())
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    let mut round = Round::default();
    for (site, state, finding, at) in results {
        round.probed += 1;
        match state {
            SiteState::Up => round.up += 1,
            SiteState::Down => round.down += 1,
            SiteState::Unknown => {}
        }
        let (changed, alerted) = record(db, &rules, &site, state, &finding, at).await?;
        round.changed += usize::from(changed);
        round.alerts += usize::from(alerted);
    }
    Ok(round)
}

/// Record one probe; when the state changed, its live event and (between up and down, or a new
/// site found down) its alert, all in one transaction.
async fn record(
    db: &Db,
    rules: &[crate::model::alerts::Rule],
    site: &Site,
    state: SiteState,
    finding: &Finding,
    at: i64,
) -> Result<(bool, bool), AlertError> {
    let stored = finding.encode();
    let mut tx = db.begin().await?;
    let Some(previous) = store::record_probe(&mut tx, site, state, &stored, at).await? else {
        tx.commit().await?;
        return Ok((false, false));
    };
    // The live stream is public: the event says only that something changed (pages fetch
    // what their reader may see again), never which site or where.
    platform::live::publish(&mut tx, TOPIC, &json!({"event": "changed"})).await?;
    let kind = match (previous, state) {
        (_, SiteState::Down) => Some(Kind::SiteDown),
        (SiteState::Down, SiteState::Up) => Some(Kind::SiteUp),
        _ => None,
    };
    let mut alerted = false;
    if let Some(kind) = kind {
        let (rule_id, recipients) = site_recipients(rules, kind);
        let f = AlertFinding {
            rule_id,
            kind,
            subject: site.spec.code.clone(),
            period: at.to_string(),
            value: None,
            threshold: None,
            detail: json!({
                "name": site.spec.name, "code": site.spec.code,
                "site_kind": site.spec.kind.as_str(), "at": at, "finding": stored,
            }),
        };
        alerted = raise_in(&mut tx, &f, &recipients, at).await?.is_some();
    }
    tx.commit().await?;
    tracing::info!(
        site = %site.spec.code,
        from = previous.as_str(),
        to = state.as_str(),
        finding = %stored,
        "site state changed"
    );
    Ok((true, alerted))
}
