//! The connected sites' status board: `/operations/sites/health` ("Tình trạng điểm kết nối") and
//! its JSON twin `/api/v1/operations/sites/health`. Signed-in officials only: where the cameras
//! are and whether they work is not public.

use axum::extract::State;
use axum::response::Response;
use platform::error::AppResult;
use platform::i18n::{Lang, t_args};
use platform::web::admin::{fmt_ms, render};
use platform::web::{AppState, Auth, Ctx, Json};
use reporting::model::format::format_number;

use crate::model::health::describe_stored;
use crate::model::site::{SiteKind, SiteState};
use crate::query::{self, HealthBoard, SiteHealth};

/// The most sites the page lists (the counts cover them all).
pub const MAX_LISTED: usize = 1000;

/// The board, from the node's read cache (a change of state publishes on `sites`).
async fn board(state: &AppState) -> AppResult<std::sync::Arc<HealthBoard>> {
    Ok(state
        .cache
        .get_or_compute(
            "operations.sites.health",
            query::health(&state.db, platform::db::now_ms()),
        )
        .await?)
}

/// A fraction as a percentage with two decimals, rounded down (a site down for a minute in a
/// month is not "100,00 %"); "None yet" when no time was known.
fn pct(f: Option<f64>, lang: Lang) -> String {
    match f {
        Some(f) => {
            let floored = (f * 10_000.0).floor() / 100.0;
            format!("{} %", format_number(floored, 2, lang))
        }
        None => platform::i18n::t(lang, "ops_health.no_value"),
    }
}

struct Row {
    code: String,
    name: String,
    kind: String,
    state: &'static str,
    state_label: String,
    since: String,
    checked: String,
    finding: String,
    day: String,
    month: String,
}

fn row(ctx: &Ctx, s: &SiteHealth) -> Row {
    let lang = ctx.lang;
    Row {
        code: s.code.clone(),
        name: s.name.clone(),
        kind: match s.kind {
            SiteKind::Camera => ctx.t("ops_health.kind_camera"),
            SiteKind::Conference => ctx.t("ops_health.kind_conference"),
        },
        state: match s.state {
            SiteState::Up => "on_time",
            SiteState::Down => "overdue",
            SiteState::Unknown => "not_yet",
        },
        state_label: match s.state {
            SiteState::Up => ctx.t("ops_health.state_up"),
            SiteState::Down => ctx.t("ops_health.state_down"),
            SiteState::Unknown => ctx.t("ops_health.state_unknown"),
        },
        since: s.state_since.map(fmt_ms).unwrap_or_default(),
        checked: s.checked_at.map(fmt_ms).unwrap_or_default(),
        finding: if s.finding.is_empty() {
            String::new()
        } else {
            describe_stored(&s.finding, lang)
        },
        day: pct(s.availability_day, lang),
        month: pct(s.availability_month, lang),
    }
}

#[derive(askama::Template)]
#[template(path = "sites_health.html")]
struct HealthPage {
    ctx: Ctx,
    rows: Vec<Row>,
    summary: String,
    more: usize,
    more_text: String,
    incomplete: bool,
}

/// `/operations/sites/health`: every active site, down first.
pub async fn page(State(state): State<AppState>, auth: Auth) -> AppResult<Response> {
    let ctx = auth.ctx;
    let b = board(&state).await?;
    let rows: Vec<Row> = b
        .sites
        .iter()
        .take(MAX_LISTED)
        .map(|s| row(&ctx, s))
        .collect();
    let more = b.sites.len().saturating_sub(MAX_LISTED);
    let lang = ctx.lang;
    render(HealthPage {
        summary: t_args(
            lang,
            "ops_health.summary",
            &[
                ("up", b.up.to_string()),
                ("down", b.down.to_string()),
                ("unknown", b.unknown.to_string()),
            ],
        ),
        more_text: t_args(lang, "ops_health.more", &[("n", more.to_string())]),
        more,
        incomplete: b.incomplete,
        rows,
        ctx,
    })
}

/// The connected sites' health: every active camera and video-conference point with its state
/// as the probe last found it (every minute), since when, what it found, and its availability
/// over the last 24 hours and 30 days (the fraction of the time its state was known that it
/// was up: time before its first check is left out), down first. Signed-in callers only.
#[utoipa::path(get, path = "/api/v1/operations/sites/health", tag = "operations",
    operation_id = "sites_health",
    responses((status = 200, description = "The status board", body = HealthBoard),
              (status = 401, description = "Not signed in", body = platform::error::ErrorEnvelope)))]
pub async fn health_json(
    State(state): State<AppState>,
    _auth: Auth,
) -> AppResult<Json<HealthBoard>> {
    let b = board(&state).await?;
    Ok(Json(HealthBoard::clone(&b)))
}
