//! Video-conference sessions over HTTP (`/operations/conferences`): today's and the coming
//! sessions, scheduling, editing and cancelling one (national administrators), a point's
//! confirmation ("Xác nhận tham dự", by an official whose scope covers the point's unit) and the
//! attendance recorded after it started; the wall's block of today's sessions.

use std::collections::HashMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use platform::error::{AppError, AppResult, Problem};
use platform::i18n::t_args;
use platform::web::admin::render;
use platform::web::form::{FormError, error_at};
use platform::web::{AppState, Auth, CsrfForm, Ctx, Path, Query};
use serde::Deserialize;

use crate::engine::conferences::{self as engine, may_confirm, may_schedule};
use crate::engine::sites::{SiteError, target_of, units};
use crate::model::conference::{Session, SessionDraft, day_of, hhmm, ymd};
use crate::store::conferences as store;

/// How far ahead the list looks, in days.
const AHEAD_DAYS: i64 = 60;

/// A session as a list shows it.
pub struct SessionRow {
    pub id: i64,
    pub title: String,
    pub day: String,
    pub time: String,
    pub chair: String,
    pub cancelled: bool,
    pub today: bool,
    /// "3/5 điểm cầu đã xác nhận".
    pub confirmed_text: String,
}

fn session_row(ctx: &Ctx, s: &Session, today: (i64, i64)) -> SessionRow {
    SessionRow {
        id: s.id,
        title: s.title.clone(),
        day: ymd(s.starts_at),
        time: format!("{}–{}", hhmm(s.starts_at), hhmm(s.ends_at)),
        chair: s.chair.clone(),
        cancelled: s.cancelled_at.is_some(),
        today: s.starts_at < today.1 && s.ends_at >= today.0,
        confirmed_text: t_args(
            ctx.lang,
            "ops_sites.confirmed_of",
            &[
                ("confirmed", s.confirmed().to_string()),
                ("total", s.points.len().to_string()),
            ],
        ),
    }
}

/// The wall's block: today's sessions for a signed-in official or a display signed in with
/// its scope (none for the public).
pub async fn wall_block(state: &AppState, ctx: &Ctx) -> AppResult<Vec<SessionRow>> {
    if ctx.complete().is_none() {
        return Ok(Vec::new());
    }
    today(state, ctx).await
}

/// Today's sessions (Vietnam time), not cancelled, by start (at most 200).
pub async fn today(state: &AppState, ctx: &Ctx) -> AppResult<Vec<SessionRow>> {
    let now = platform::db::now_ms();
    let day = day_of(now);
    let sessions = store::between(&state.db, day.0, day.1).await?;
    Ok(sessions
        .iter()
        .filter(|s| s.cancelled_at.is_none())
        .map(|s| session_row(ctx, s, day))
        .collect())
}

/// What the session form held when it was sent (checkboxes `point_{id}`).
#[derive(Default, Clone)]
pub struct Typed {
    pub title: String,
    pub day: String,
    pub start: String,
    pub end: String,
    pub chair: String,
    pub host: String,
    pub points: Vec<i64>,
}

impl Typed {
    fn of_form(f: &HashMap<String, String>) -> Typed {
        let g = |k: &str| f.get(k).cloned().unwrap_or_default();
        // A point field that names no number stands for a point that does not exist.
        let mut points: Vec<i64> = f
            .keys()
            .filter_map(|k| k.strip_prefix("point_"))
            .map(|id| id.parse().unwrap_or(-1))
            .collect();
        points.sort_unstable();
        Typed {
            title: g("title"),
            day: g("day"),
            start: g("start"),
            end: g("end"),
            chair: g("chair"),
            host: g("host"),
            points,
        }
    }
    fn of(s: &Session) -> Typed {
        Typed {
            title: s.title.clone(),
            day: ymd(s.starts_at),
            start: hhmm(s.starts_at),
            end: hhmm(s.ends_at),
            chair: s.chair.clone(),
            host: s.host_site_id.map(|h| h.to_string()).unwrap_or_default(),
            points: s.points.iter().map(|p| p.site_id).collect(),
        }
    }
    fn draft(&self) -> SessionDraft {
        SessionDraft {
            title: self.title.clone(),
            day: self.day.clone(),
            start: self.start.clone(),
            end: self.end.clone(),
            chair: self.chair.clone(),
            host: self.host.clone(),
            points: self.points.clone(),
        }
    }
}

#[derive(askama::Template)]
#[template(path = "conferences.html")]
struct ListPage {
    ctx: Ctx,
    sessions: Vec<SessionRow>,
    may_schedule: bool,
    /// The form (only for those who may schedule).
    edit: Option<i64>,
    typed: Typed,
    points: Vec<(i64, String)>,
    notice: Option<String>,
    form_errors: Vec<FormError>,
}

impl ListPage {
    fn error(&self, id: &str) -> Option<&str> {
        error_at(&self.form_errors, id)
    }
    fn chosen(&self, id: &i64) -> bool {
        self.typed.points.contains(id)
    }
    fn is_host(&self, id: &i64) -> bool {
        self.typed.host == id.to_string()
    }
}

async fn point_options(state: &AppState) -> AppResult<Vec<(i64, String)>> {
    let mut v: Vec<(i64, String)> = engine::points(&state.db)
        .await?
        .into_values()
        .map(|s| (s.id, format!("{} ({})", s.spec.name, s.spec.code)))
        .collect();
    v.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(v)
}

#[allow(clippy::too_many_arguments)]
async fn list_with(
    state: &AppState,
    auth: &Auth,
    edit: Option<i64>,
    typed: Typed,
    notice: Option<String>,
    form_errors: Vec<FormError>,
    status: StatusCode,
) -> AppResult<Response> {
    let ctx = auth.ctx.clone();
    let now = platform::db::now_ms();
    let day = day_of(now);
    let sessions = store::between(&state.db, day.0, day.0 + AHEAD_DAYS * 86_400_000)
        .await?
        .iter()
        .map(|s| session_row(&ctx, s, day))
        .collect();
    let mut res = render(ListPage {
        sessions,
        may_schedule: may_schedule(&auth.principal.grants),
        edit,
        typed,
        points: point_options(state).await?,
        notice,
        form_errors,
        ctx,
    })?;
    *res.status_mut() = status;
    Ok(res)
}

#[derive(Deserialize)]
pub struct DoneParams {
    done: Option<String>,
}

fn done_notice(ctx: &Ctx, done: Option<&str>) -> Option<String> {
    match done {
        Some("scheduled") => Some(ctx.t("ops_sites.conference_scheduled")),
        Some("updated") => Some(ctx.t("ops_sites.conference_updated")),
        Some("cancelled") => Some(ctx.t("ops_sites.conference_cancelled")),
        Some("confirmed") => Some(ctx.t("ops_sites.conference_confirmed")),
        Some("attendance") => Some(ctx.t("ops_sites.attendance_saved")),
        _ => None,
    }
}

/// `/operations/conferences`: today's and the coming sessions; the form to schedule one.
pub async fn list_page(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<DoneParams>,
) -> AppResult<Response> {
    let notice = done_notice(&auth.ctx, q.done.as_deref());
    let typed = Typed {
        day: ymd(platform::db::now_ms()),
        ..Default::default()
    };
    list_with(
        &state,
        &auth,
        None,
        typed,
        notice,
        Vec::new(),
        StatusCode::OK,
    )
    .await
}

fn form_errors(problems: &[Problem], lang: platform::i18n::Lang) -> Vec<FormError> {
    let named: Vec<Problem> = problems
        .iter()
        .map(|p| crate::http::sites::named(p, lang))
        .collect();
    FormError::from_problems(&named, lang, "")
}

fn require_scheduler(auth: &Auth) -> AppResult<()> {
    if !may_schedule(&auth.principal.grants) {
        return Err(AppError::forbidden());
    }
    auth.principal
        .admin_caller(auth.actor())
        .require_admin_session()
}

async fn refused(
    state: &AppState,
    auth: &Auth,
    edit: Option<i64>,
    typed: Typed,
    e: SiteError,
) -> AppResult<Response> {
    match e {
        SiteError::Invalid(problems) => {
            let errors = form_errors(&problems, auth.ctx.lang);
            list_with(
                state,
                auth,
                edit,
                typed,
                None,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        SiteError::OutOfScope => Err(AppError::forbidden()),
        SiteError::NotFound => Err(AppError::not_found()),
        SiteError::Db(e) => Err(AppError::from(e)),
    }
}

/// Schedule a session.
pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    CsrfForm(form): CsrfForm<HashMap<String, String>>,
) -> AppResult<Response> {
    require_scheduler(&auth)?;
    let typed = Typed::of_form(&form);
    match engine::create(
        &state.db,
        &auth.actor(),
        &auth.principal.grants,
        &typed.draft(),
    )
    .await
    {
        Ok(id) => Ok(
            Redirect::to(&format!("/operations/conferences/{id}?done=scheduled")).into_response(),
        ),
        Err(e) => refused(&state, &auth, None, typed, e).await,
    }
}

/// `/operations/conferences/{id}/edit`: the form holding the session.
pub async fn edit_page(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    require_scheduler(&auth)?;
    let s = store::get(&state.db, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    list_with(
        &state,
        &auth,
        Some(id),
        Typed::of(&s),
        None,
        Vec::new(),
        StatusCode::OK,
    )
    .await
}

/// Change a session.
pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<HashMap<String, String>>,
) -> AppResult<Response> {
    require_scheduler(&auth)?;
    let typed = Typed::of_form(&form);
    match engine::update(
        &state.db,
        &auth.actor(),
        &auth.principal.grants,
        id,
        &typed.draft(),
    )
    .await
    {
        Ok(()) => {
            Ok(Redirect::to(&format!("/operations/conferences/{id}?done=updated")).into_response())
        }
        Err(e) => refused(&state, &auth, Some(id), typed, e).await,
    }
}

fn plain(e: SiteError, ctx: &Ctx) -> AppError {
    match e {
        SiteError::OutOfScope => AppError::forbidden(),
        SiteError::NotFound => AppError::not_found(),
        SiteError::Db(e) => AppError::from(e),
        SiteError::Invalid(problems) => {
            let named = problems
                .iter()
                .map(|p| crate::http::sites::named(p, ctx.lang))
                .collect();
            AppError::many(StatusCode::CONFLICT, named)
        }
    }
}

/// Cancel a session.
pub async fn cancel(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<HashMap<String, String>>,
) -> AppResult<Response> {
    require_scheduler(&auth)?;
    engine::cancel(&state.db, &auth.actor(), &auth.principal.grants, id)
        .await
        .map_err(|e| plain(e, &auth.ctx))?;
    Ok(Redirect::to(&format!("/operations/conferences/{id}?done=cancelled")).into_response())
}

/// A point's agency confirms it will attend.
pub async fn confirm(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, site)): Path<(i64, i64)>,
    CsrfForm(_): CsrfForm<HashMap<String, String>>,
) -> AppResult<Response> {
    engine::confirm(&state.db, &auth.actor(), &auth.principal.grants, id, site)
        .await
        .map_err(|e| plain(e, &auth.ctx))?;
    Ok(Redirect::to(&format!("/operations/conferences/{id}?done=confirmed")).into_response())
}

/// Record attendance: `attended_{site}` = `yes` or `no` for each point.
pub async fn attendance(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<HashMap<String, String>>,
) -> AppResult<Response> {
    require_scheduler(&auth)?;
    let mut marks = Vec::new();
    for (k, v) in &form {
        let Some(site) = k.strip_prefix("attended_") else {
            continue;
        };
        let site: i64 = site.parse().map_err(|_| {
            AppError::invalid(
                Problem::new("param_invalid")
                    .field(k.clone())
                    .arg("value", site),
            )
        })?;
        let yes = match v.as_str() {
            "yes" => true,
            "no" => false,
            "" => continue,
            other => {
                return Err(AppError::invalid(
                    Problem::new("param_invalid")
                        .field(k.clone())
                        .arg("value", other),
                ));
            }
        };
        marks.push((site, yes));
    }
    engine::record_attendance(&state.db, &auth.actor(), &auth.principal.grants, id, &marks)
        .await
        .map_err(|e| plain(e, &auth.ctx))?;
    Ok(Redirect::to(&format!("/operations/conferences/{id}?done=attendance")).into_response())
}

/// A point as the session's page shows it.
pub struct PointRow {
    pub site_id: i64,
    pub code: String,
    pub name: String,
    pub host: bool,
    pub confirmed: String,
    pub may_confirm: bool,
    /// "yes", "no" or "".
    pub attended: &'static str,
}

#[derive(askama::Template)]
#[template(path = "conference.html")]
struct SessionPage {
    ctx: Ctx,
    session: SessionRow,
    points: Vec<PointRow>,
    may_schedule: bool,
    started: bool,
    notice: Option<String>,
}

/// `/operations/conferences/{id}`: a session with its points, their confirmation and
/// attendance.
pub async fn session_page(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(q): Query<DoneParams>,
) -> AppResult<Response> {
    let s = store::get(&state.db, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let ctx = auth.ctx.clone();
    let codes: Vec<&str> = s
        .points
        .iter()
        .filter_map(|p| p.unit_code.as_deref())
        .collect();
    let targets = units(&state.db, &codes).await?;
    let grants = &auth.principal.grants;
    let points = s
        .points
        .iter()
        .map(|p| PointRow {
            site_id: p.site_id,
            code: p.code.clone(),
            name: p.name.clone(),
            host: s.host_site_id == Some(p.site_id),
            confirmed: match (&p.confirmed_by, p.confirmed_at) {
                (Some(by), Some(at)) => t_args(
                    ctx.lang,
                    "ops_sites.confirmed_by",
                    &[
                        ("name", by.clone()),
                        ("at", platform::web::admin::fmt_ms(at)),
                    ],
                ),
                _ => String::new(),
            },
            may_confirm: p.confirmed_at.is_none()
                && s.cancelled_at.is_none()
                && may_confirm(grants, &target_of(&targets, p.unit_code.as_deref())),
            attended: match p.attended {
                Some(true) => "yes",
                Some(false) => "no",
                None => "",
            },
        })
        .collect();
    let now = platform::db::now_ms();
    render(SessionPage {
        session: session_row(&ctx, &s, day_of(now)),
        points,
        may_schedule: may_schedule(grants) && auth.principal.two_factor_done(),
        started: s.starts_at <= now,
        notice: done_notice(&ctx, q.done.as_deref()),
        ctx,
    })
}

/// The sessions' pages.
pub fn router() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/operations/conferences", get(list_page).post(create))
        .route(
            "/operations/conferences/{id}",
            get(session_page).post(update),
        )
        .route("/operations/conferences/{id}/edit", get(edit_page))
        .route("/operations/conferences/{id}/cancel", post(cancel))
        .route("/operations/conferences/{id}/attendance", post(attendance))
        .route(
            "/operations/conferences/{id}/points/{site}/confirm",
            post(confirm),
        )
}
