//! `/cabinet/bodies/{code}`: a body — its rules, its members (paged: a council may have
//! thousands), its opinion forms and sessions; the secretariat appoints and ends members,
//! drafts forms and plans sessions from here.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use platform::error::{AppError, AppResult};
use platform::i18n::t;
use platform::web::admin::render;
use platform::web::{AppState, Auth, CsrfForm, Ctx, Path, Query};
use serde::Deserialize;

use super::common::{Standing, refused, standing};
use crate::engine::bodies::{self as engine, Appointment};
use crate::engine::forms::{self as forms_engine, Draft};
use crate::engine::sessions::{self as sessions_engine, Plan};
use crate::model::kinds::SessionKind;
use crate::model::{day_label, iso, time_label, vn_day};
use crate::store::bodies::{self as store, Body};
use crate::store::{forms, sessions};

/// Members per page.
pub const PAGE: i64 = 50;
/// Most forms and sessions listed.
const LISTED: i64 = 50;

pub struct MemberRow {
    pub id: i64,
    pub name: String,
    pub username: String,
    pub role: String,
    pub chair: bool,
    pub voting: bool,
    pub period: String,
    pub current: bool,
}

pub struct Row {
    pub href: String,
    pub label: String,
    pub status: String,
    pub when: String,
}

#[derive(Template)]
#[template(path = "cabinet_body.html")]
struct BodyPage {
    ctx: Ctx,
    code: String,
    name: String,
    rules: String,
    members: Vec<MemberRow>,
    total: i64,
    page: i64,
    pages: i64,
    forms: Vec<Row>,
    sessions: Vec<Row>,
    secretariat: bool,
    agencies: Vec<(i64, String)>,
    today: String,
}

#[derive(Deserialize)]
pub struct PageQuery {
    #[serde(default)]
    page: Option<i64>,
}

pub async fn load(state: &AppState, auth: &Auth, code: &str) -> AppResult<Standing> {
    let body = store::by_code(&state.db, code)
        .await?
        .ok_or_else(AppError::not_found)?;
    standing(state, auth, body).await
}

fn rules_label(lang: platform::i18n::Lang, b: &Body) -> String {
    let r = &b.rules;
    platform::i18n::t_args(
        lang,
        "cabinet.rules",
        &[
            ("quorum", format!("{}/{}", r.quorum.num, r.quorum.den)),
            ("majority", format!("{}/{}", r.majority.num, r.majority.den)),
            ("days", r.answer_days.to_string()),
            ("papers", r.papers_days.to_string()),
        ],
    )
}

/// `GET /cabinet/bodies/{code}`.
pub async fn page(
    State(state): State<AppState>,
    auth: Auth,
    Path(code): Path<String>,
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    let s = load(&state, &auth, &code).await?;
    let lang = auth.ctx.lang;
    let db = &state.db;
    let today = iso(vn_day(platform::db::now_ms()));
    let page = q.page.unwrap_or(1).clamp(1, 10_000);
    let (rows, total) = store::page(db, s.body.id, (page - 1) * PAGE, PAGE).await?;
    let members = rows
        .into_iter()
        .map(|m| MemberRow {
            id: m.id,
            current: m.in_office(&today),
            role: m.role(lang).to_owned(),
            name: m.name,
            username: m.username,
            chair: m.chair,
            voting: m.voting,
            period: format!(
                "{} – {}",
                day_label(&m.from_day),
                m.to_day.as_deref().map(day_label).unwrap_or_default()
            ),
        })
        .collect();
    let forms = forms::of_body(db, s.body.id, LISTED)
        .await?
        .into_iter()
        .map(|f| Row {
            href: format!("/cabinet/forms/{}", f.id),
            label: match &f.number {
                Some(n) => format!("{n} · {}", f.title),
                None => f.title.clone(),
            },
            status: t(lang, &format!("cab_form_status.{}", f.status.code())),
            when: f.deadline.as_deref().map(day_label).unwrap_or_default(),
        })
        .collect();
    let sessions = sessions::of_body(db, s.body.id, LISTED)
        .await?
        .into_iter()
        .map(|x| Row {
            href: format!("/cabinet/sessions/{}", x.id),
            label: x.title.clone(),
            status: t(lang, &format!("cab_session_status.{}", x.status.code())),
            when: time_label(x.starts_at),
        })
        .collect();
    let agencies = if s.secretariat {
        let mut a: Vec<(i64, String)> = registry::store::agency_codes(db)
            .await?
            .into_iter()
            .collect();
        a.sort_by(|x, y| x.1.cmp(&y.1));
        a
    } else {
        Vec::new()
    };
    render(BodyPage {
        code: s.body.code.clone(),
        name: s.body.name(lang).to_owned(),
        rules: rules_label(lang, &s.body),
        members,
        total,
        page,
        pages: ((total + PAGE - 1) / PAGE).max(1),
        forms,
        sessions,
        secretariat: s.secretariat,
        agencies,
        today,
        ctx: auth.ctx,
    })
}

#[derive(Deserialize)]
pub struct AppointForm {
    username: String,
    role_vi: String,
    role_en: String,
    #[serde(default)]
    chair: Option<String>,
    #[serde(default)]
    non_voting: Option<String>,
    from_day: String,
    #[serde(default)]
    assistant: String,
    #[serde(default)]
    position: Option<i64>,
}

/// `POST /cabinet/bodies/{code}/members`.
pub async fn appoint(
    State(state): State<AppState>,
    auth: Auth,
    Path(code): Path<String>,
    CsrfForm(f): CsrfForm<AppointForm>,
) -> AppResult<Response> {
    let s = load(&state, &auth, &code).await?;
    if !s.secretariat {
        return Err(AppError::forbidden());
    }
    engine::appoint(
        &state.db,
        &auth.actor(),
        &s.body,
        &Appointment {
            username: &f.username,
            role_vi: &f.role_vi,
            role_en: &f.role_en,
            chair: f.chair.is_some(),
            voting: f.non_voting.is_none(),
            from_day: &f.from_day,
            assistant: Some(f.assistant.as_str()),
            position: f.position.unwrap_or(100).clamp(0, 100_000),
        },
    )
    .await
    .map_err(refused)?;
    Ok(Redirect::to(&format!("/cabinet/bodies/{code}")).into_response())
}

#[derive(Deserialize)]
pub struct EndForm {
    to_day: String,
}

/// `POST /cabinet/bodies/{code}/members/{id}/end`.
pub async fn end(
    State(state): State<AppState>,
    auth: Auth,
    Path((code, id)): Path<(String, i64)>,
    CsrfForm(f): CsrfForm<EndForm>,
) -> AppResult<Response> {
    let s = load(&state, &auth, &code).await?;
    if !s.secretariat {
        return Err(AppError::forbidden());
    }
    engine::end(&state.db, &auth.actor(), &s.body, id, &f.to_day)
        .await
        .map_err(refused)?;
    Ok(Redirect::to(&format!("/cabinet/bodies/{code}")).into_response())
}

#[derive(Deserialize)]
pub struct NewFormForm {
    title: String,
    question: String,
    lead_agency: i64,
}

/// `POST /cabinet/bodies/{code}/forms`: a new draft opinion form.
pub async fn new_form(
    State(state): State<AppState>,
    auth: Auth,
    Path(code): Path<String>,
    CsrfForm(f): CsrfForm<NewFormForm>,
) -> AppResult<Response> {
    let s = load(&state, &auth, &code).await?;
    if !s.secretariat {
        return Err(AppError::forbidden());
    }
    let id = forms_engine::create(
        &state.db,
        &auth.actor(),
        &s.body,
        &Draft {
            lead_agency_id: f.lead_agency,
            title: &f.title,
            question: &f.question,
        },
        platform::db::now_ms(),
    )
    .await
    .map_err(refused)?;
    Ok(Redirect::to(&format!("/cabinet/forms/{id}")).into_response())
}

#[derive(Deserialize)]
pub struct PlanForm {
    kind: String,
    title: String,
    /// `YYYY-MM-DDTHH:MM`, Vietnam's time (a `datetime-local` input).
    starts_at: String,
    #[serde(default)]
    place: String,
}

/// Reads `YYYY-MM-DDTHH:MM` (Vietnam's time) as Unix milliseconds.
pub fn parse_local(s: &str) -> Option<i64> {
    let (d, t) = s.trim().split_once('T')?;
    let day = crate::model::parse_iso(d)?;
    let (h, m) = t.split_once(':')?;
    let time = time::Time::from_hms(h.parse().ok()?, m.get(..2)?.parse().ok()?, 0).ok()?;
    Some(
        time::PrimitiveDateTime::new(day, time)
            .assume_offset(crate::model::VIETNAM)
            .unix_timestamp()
            * 1000,
    )
}

/// `POST /cabinet/bodies/{code}/sessions`: plans a session.
pub async fn plan(
    State(state): State<AppState>,
    auth: Auth,
    Path(code): Path<String>,
    CsrfForm(f): CsrfForm<PlanForm>,
) -> AppResult<Response> {
    let s = load(&state, &auth, &code).await?;
    if !s.secretariat {
        return Err(AppError::forbidden());
    }
    let Some(kind) = SessionKind::parse(f.kind.trim()) else {
        return Err(AppError::invalid(
            platform::error::Problem::new("cab_bad_kind").field("kind"),
        ));
    };
    let Some(starts_at) = parse_local(&f.starts_at) else {
        return Err(AppError::invalid(
            platform::error::Problem::new("cab_bad_time").field("starts_at"),
        ));
    };
    let id = sessions_engine::plan(
        &state.db,
        &auth.actor(),
        &s.body,
        &Plan {
            kind,
            title: &f.title,
            starts_at,
            place: &f.place,
        },
        platform::db::now_ms(),
    )
    .await
    .map_err(refused)?;
    Ok(Redirect::to(&format!("/cabinet/sessions/{id}")).into_response())
}
