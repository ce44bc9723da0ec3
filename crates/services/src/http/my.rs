//! The applicant's dossiers: `/services/my` (drafts and dossiers, newest first) and
//! `/services/my/{id}` — the timeline, the working days left, what is asked of them (papers to
//! add, fees to pay), the result, the rating, and every official's access to the dossier (from
//! the audit chain). The applicant's actions: attach a paper, say the papers are added, pay,
//! withdraw, rate. Only the person who filed a dossier sees it: anyone else gets 404.

use askama::Template;
use axum::Extension;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use platform::error::{AppError, AppResult, Problem};
use platform::i18n::{Lang, t, t_args};
use platform::web::admin::render;
use platform::web::form::FormError;
use platform::web::{AppState, Citizen, CsrfForm, Ctx, Multipart, Path};
use serde::Deserialize;

use super::catalogue::money;
use super::common::{
    MAX_PAPERS, NoFields, PaperRow, citizen_actor, download, env_of, own, papers_of, refused,
};
use super::payments::PaymentConfig;
use crate::engine::dossiers::{self as engine, Details, Refused};
use crate::model::clock;
use crate::model::dossier::{Dossier, Status};
use crate::model::workflow::Action;
use crate::store::dossiers as store;

/// The largest paper, in bytes.
pub const MAX_PAPER_BYTES: u64 = 10 * 1024 * 1024;
/// Longest paper name kept, in characters.
const MAX_NAME: usize = 200;
/// Most dossiers the list shows.
pub const MAX_LISTED: i64 = 100;
/// Most officials' accesses shown.
const MAX_ACCESSES: usize = 50;

fn day_label(d: time::Date) -> String {
    format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year())
}

fn time_label(ms: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        .to_offset(crate::model::vntime::VIETNAM);
    format!(
        "{:02}:{:02} {:02}/{:02}/{}",
        t.hour(),
        t.minute(),
        t.day(),
        u8::from(t.month()),
        t.year()
    )
}

fn status_name(lang: Lang, d: &Dossier) -> String {
    match d.status {
        Some(s) => t(lang, &format!("svc_status.s{}", s.number())),
        None => t(lang, "svc_my.draft"),
    }
}

pub struct ListRow {
    pub href: String,
    pub code: String,
    pub procedure: String,
    pub applicant: String,
    pub status: String,
    pub due: String,
    pub left: String,
}

#[derive(Template)]
#[template(path = "services_my.html")]
struct ListPage {
    ctx: Ctx,
    rows: Vec<ListRow>,
    more: bool,
}

/// What is left of the statutory time, in words (`3 working days left`, `2 working days late`).
fn left_label(lang: Lang, cal: &reporting::model::period::HolidayCalendar, d: &Dossier) -> String {
    let running = matches!(
        d.status,
        Some(Status::Registered | Status::Accepted | Status::Processing)
    );
    match (d.due_date, running) {
        (Some(due), true) => {
            let n = clock::remaining(cal, engine::vn_day(platform::db::now_ms()), due);
            if n >= 0 {
                t_args(lang, "svc_my.days_left", &[("n", n.to_string())])
            } else {
                t_args(lang, "svc_my.days_late", &[("n", (-n).to_string())])
            }
        }
        (Some(_), false) if d.stopped_on.is_some() => t(lang, "svc_my.clock_stopped"),
        _ => String::new(),
    }
}

/// `GET /services/my`.
pub async fn list(State(state): State<AppState>, ctx: Ctx, c: Citizen) -> AppResult<Response> {
    let lang = ctx.lang;
    let mut ds = store::of_applicant(&state.db, c.user_id, MAX_LISTED + 1).await?;
    let more = ds.len() as i64 > MAX_LISTED;
    ds.truncate(MAX_LISTED as usize);
    let cal = reporting::query::holiday_calendar(&state.db).await?;
    let rows = ds
        .iter()
        .map(|d| ListRow {
            href: if d.status.is_some() {
                format!("/services/my/{}", d.id)
            } else {
                format!("/services/my/{}/edit", d.id)
            },
            code: d.code.clone().unwrap_or_else(|| t(lang, "svc_my.no_code")),
            procedure: format!("{} · {}", d.procedure_code, d.procedure_name),
            applicant: d.applicant.name.clone(),
            status: status_name(lang, d),
            due: d.due_date.map(day_label).unwrap_or_default(),
            left: left_label(lang, &cal, d),
        })
        .collect();
    render(ListPage { ctx, rows, more })
}

pub struct Step {
    pub at: String,
    pub what: String,
    pub status: String,
    pub note: String,
}

pub struct Access {
    pub at: String,
    pub who: String,
    pub what: String,
}

#[derive(Template)]
#[template(path = "services_my_dossier.html")]
struct DossierPage {
    ctx: Ctx,
    id: i64,
    code: String,
    procedure: String,
    applicant: String,
    agency: String,
    status: u8,
    status_name: String,
    received: String,
    appointment: String,
    left: String,
    reason: String,
    fee: String,
    fee_due: bool,
    fee_paid: bool,
    papers: Vec<PaperRow>,
    can_add_papers: bool,
    can_withdraw: bool,
    result: Option<String>,
    rated: Option<(u8, String)>,
    can_rate: bool,
    steps: Vec<Step>,
    accesses: Vec<Access>,
    form_errors: Vec<FormError>,
}

/// The dossier's page with `form_errors` (a paper refused, a rating not taken).
async fn dossier_page(
    state: &AppState,
    ctx: Ctx,
    d: &Dossier,
    form_errors: Vec<FormError>,
) -> AppResult<Response> {
    let lang = ctx.lang;
    let db = &state.db;
    let cal = reporting::query::holiday_calendar(db).await?;
    let agency = registry::store::agency(db, d.agency_id)
        .await?
        .map(|a| a.name(lang).to_owned())
        .unwrap_or_default();
    let steps = store::events(db, d.id)
        .await?
        .into_iter()
        .rev()
        .map(|e| Step {
            at: time_label(e.at),
            what: t(lang, &format!("svc_dossiers.action_{}", e.action)),
            status: u8::try_from(e.status_to)
                .ok()
                .filter(|n| *n > 0)
                .map(|n| t(lang, &format!("svc_status.s{n}")))
                .unwrap_or_default(),
            note: e.note,
        })
        .collect();
    // Officials' reads and changes of the dossier, from the audit chain (the applicant's own
    // steps are on the timeline).
    let accesses = engine::accesses(db, d)
        .await?
        .into_iter()
        .filter(|e| e.actor_id.is_some() && e.actor_id != d.applicant.user_id)
        .take(MAX_ACCESSES)
        .map(|e| Access {
            at: time_label(e.at),
            who: e.actor_name.clone(),
            what: t(
                lang,
                &format!("audit_page.action_{}", e.action.replace('.', "_")),
            ),
        })
        .collect();
    let rated = crate::store::ratings::of_dossier(db, d.id).await?;
    let status = d.status.map_or(0, |s| s.number());
    let can_rate = d.status == Some(Status::Returned) && rated.is_none();
    let bad = !form_errors.is_empty();
    let mut res = render(DossierPage {
        id: d.id,
        code: d.code.clone().unwrap_or_default(),
        procedure: format!("{} · {}", d.procedure_code, d.procedure_name),
        applicant: d.applicant.name.clone(),
        agency,
        status,
        status_name: status_name(lang, d),
        received: d.received_at.map(time_label).unwrap_or_default(),
        appointment: d.due_date.map(day_label).unwrap_or_default(),
        left: left_label(lang, &cal, d),
        reason: d.reason.clone(),
        fee: money(lang, d.fee_vnd),
        fee_due: d.fee_vnd > 0 && !d.fee_paid && payable(d),
        fee_paid: d.fee_vnd > 0 && d.fee_paid,
        papers: papers_of(state, d).await?,
        can_add_papers: d.status == Some(Status::AdditionRequested),
        can_withdraw: crate::model::workflow::next(
            d.status.unwrap_or(Status::Returned),
            Action::Withdraw,
        )
        .is_ok(),
        result: d.result_name.clone().filter(|_| d.result_sha256.is_some()),
        rated,
        can_rate,
        steps,
        accesses,
        form_errors,
        ctx,
    })?;
    if bad {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

/// Whether the fees can be paid now: with the draft, or while the dossier runs (the desk may
/// ask for them: status 6).
fn payable(d: &Dossier) -> bool {
    matches!(
        d.status,
        None | Some(
            Status::Registered
                | Status::Accepted
                | Status::Processing
                | Status::AdditionRequested
                | Status::PaymentRequested
        )
    )
}

/// `GET /services/my/{id}`: a draft goes to its form.
pub async fn dossier(
    State(state): State<AppState>,
    ctx: Ctx,
    c: Citizen,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let d = own(&state, &c, id).await?;
    if d.status.is_none() {
        return Ok(Redirect::to(&format!("/services/my/{id}/edit")).into_response());
    }
    dossier_page(&state, ctx, &d, Vec::new()).await
}

/// The paper's name as kept: the file's own name without a path, at most [`MAX_NAME`]
/// characters, control characters refused.
fn paper_name(raw: Option<&str>) -> Result<String, &'static str> {
    let raw = raw.unwrap_or_default();
    let base = raw.rsplit(['/', '\\']).next().unwrap_or_default().trim();
    if base.is_empty() {
        return Err("svc_paper_name");
    }
    if platform::web::extract::refused_char(base).is_some() {
        return Err("svc_paper_name");
    }
    Ok(base.chars().take(MAX_NAME).collect())
}

/// `POST /services/my/{id}/papers` (multipart: `csrf`, `file`): a scanned paper attached to a
/// draft, or to a dossier whose desk asked for more (status 5).
pub async fn add_paper(
    State(state): State<AppState>,
    ctx: Ctx,
    c: Citizen,
    Path(id): Path<i64>,
    mut multipart: Multipart,
) -> AppResult<Response> {
    let mut csrf = String::new();
    let mut file: Option<(Option<String>, Vec<u8>)> = None;
    while let Some(field) = multipart.next_field().await? {
        match field.name().unwrap_or("") {
            "csrf" => csrf = field.text().await?,
            "file" => {
                let name = field.file_name().map(str::to_owned);
                file = Some((name, field.bytes().await?.to_vec()));
            }
            _ => {}
        }
    }
    if ctx.csrf.len() < 32
        || !platform::web::ctx::constant_time_eq(csrf.as_bytes(), ctx.csrf.as_bytes())
    {
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            Problem::new("csrf_failed"),
        ));
    }
    let d = own(&state, &c, id).await?;
    let draft = d.status.is_none();
    if !draft && d.status != Some(Status::AdditionRequested) {
        return Err(refused(Refused::NotDraft));
    }
    let lang = ctx.lang;
    let problem = |code: &str| {
        vec![FormError::at(
            "paper-file",
            t(lang, &format!("error.{code}")),
        )]
    };
    let held = store::files(&state.db, d.id).await?.len();
    let outcome = match file {
        None => Err(problem("svc_paper_missing")),
        Some((_, bytes)) if bytes.is_empty() => Err(problem("svc_paper_missing")),
        Some((_, bytes)) if bytes.len() as u64 > MAX_PAPER_BYTES => Err(problem("svc_paper_large")),
        Some(_) if held >= MAX_PAPERS => Err(problem("svc_paper_many")),
        Some((name, bytes)) => match paper_name(name.as_deref()) {
            Err(code) => Err(problem(code)),
            Ok(name) => Ok((name, bytes)),
        },
    };
    let (name, bytes) = match outcome {
        Ok(x) => x,
        Err(errors) if draft => {
            return super::apply::review_page(&state, ctx, &c, &d, errors).await;
        }
        Err(errors) => return dossier_page(&state, ctx, &d, errors).await,
    };
    let stored = state
        .files
        .put(&mut bytes.as_slice(), MAX_PAPER_BYTES)
        .await
        .map_err(AppError::internal)?;
    engine::add_paper(
        &state.db,
        &citizen_actor(&c, &ctx),
        &d,
        &name,
        &stored.key,
        i64::try_from(stored.size).unwrap_or(i64::MAX),
        platform::db::now_ms(),
    )
    .await?;
    let back = if draft {
        format!("/services/my/{id}/review#papers")
    } else {
        format!("/services/my/{id}#papers")
    };
    Ok(Redirect::to(&back).into_response())
}

async fn act(
    state: &AppState,
    ctx: &Ctx,
    c: &Citizen,
    d: &Dossier,
    action: Action,
    reason: &str,
) -> AppResult<Response> {
    let env = env_of(state).await?;
    engine::act(
        &state.db,
        &env,
        &citizen_actor(c, ctx),
        d.id,
        action,
        &Details {
            reason: reason.to_owned(),
            ..Default::default()
        },
        platform::db::now_ms(),
    )
    .await?
    .map_err(refused)?;
    Ok(Redirect::to(&format!("/services/my/{}", d.id)).into_response())
}

/// `POST /services/my/{id}/papers-added`: the papers the desk asked for are attached; the
/// clock runs again (5 → 4).
pub async fn papers_added(
    State(state): State<AppState>,
    ctx: Ctx,
    c: Citizen,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> AppResult<Response> {
    let d = own(&state, &c, id).await?;
    act(&state, &ctx, &c, &d, Action::PapersAdded, "").await
}

#[derive(Deserialize)]
pub struct ReasonForm {
    #[serde(default)]
    reason: String,
}

/// `POST /services/my/{id}/withdraw`: the applicant withdraws the dossier, with a reason (7).
pub async fn withdraw(
    State(state): State<AppState>,
    ctx: Ctx,
    c: Citizen,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<ReasonForm>,
) -> AppResult<Response> {
    let d = own(&state, &c, id).await?;
    let reason = f.reason.trim();
    if reason.is_empty() || reason.chars().count() > platform::web::limits::MAX_TEXT_CHARS {
        let e = FormError::at("withdraw-reason", t(ctx.lang, "error.svc_dossier_reason"));
        return dossier_page(&state, ctx, &d, vec![e]).await;
    }
    act(&state, &ctx, &c, &d, Action::Withdraw, reason).await
}

/// `POST /services/my/{id}/pay`: to the payment gateway for the dossier's fees.
pub async fn pay(
    State(state): State<AppState>,
    ctx: Ctx,
    c: Citizen,
    headers: HeaderMap,
    cfg: Option<Extension<PaymentConfig>>,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> AppResult<Response> {
    let Some(Extension(cfg)) = cfg else {
        return Err(AppError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            Problem::new("payment_unavailable"),
        ));
    };
    let d = own(&state, &c, id).await?;
    if d.fee_vnd <= 0 || d.fee_paid || !payable(&d) {
        return Err(AppError::conflict(Problem::new("svc_fee_not_due")));
    }
    let base = super::common::site_base(&state, &headers);
    let url = crate::engine::payments::start(
        &state.db,
        &cfg.gateway,
        &citizen_actor(&c, &ctx),
        &crate::engine::payments::Due {
            dossier_id: d.id,
            dossier_code: d.code.as_deref().unwrap_or_default(),
            agency_id: Some(d.agency_id),
            amount_vnd: d.fee_vnd,
        },
        &format!("{base}/services/payments/return"),
        ctx.lang.code(),
        ctx.ip.as_deref().unwrap_or("127.0.0.1"),
        platform::db::now_ms(),
    )
    .await?;
    // A page with a link, not a redirect: the site's CSP (`form-action 'self'`) forbids a form's
    // answer to send the browser to another origin, and the gateway is one.
    let amount = money(ctx.lang, d.fee_vnd);
    render(ToGateway {
        ctx,
        id: d.id,
        amount,
        url,
    })
}

#[derive(Template)]
#[template(path = "services_to_gateway.html")]
struct ToGateway {
    ctx: Ctx,
    id: i64,
    amount: String,
    url: String,
}

#[derive(Deserialize)]
pub struct RateForm {
    #[serde(default)]
    stars: String,
    #[serde(default)]
    comment: String,
}

/// `POST /services/my/{id}/rate`: 1–5 stars and a comment, once the result is returned.
pub async fn rate(
    State(state): State<AppState>,
    ctx: Ctx,
    c: Citizen,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<RateForm>,
) -> AppResult<Response> {
    let d = own(&state, &c, id).await?;
    let lang = ctx.lang;
    let r = match crate::model::rating::parse(&f.stars, &f.comment) {
        Ok(r) => r,
        Err(bad) => {
            let errors = bad
                .iter()
                .map(|b| {
                    FormError::at(
                        format!("rate-{}", b.field),
                        t(lang, &format!("error.{}", b.code)),
                    )
                })
                .collect();
            return dossier_page(&state, ctx, &d, errors).await;
        }
    };
    let Some(status) = d.status else {
        return Err(AppError::not_found());
    };
    let done = crate::engine::ratings::rate(
        &state.db,
        &citizen_actor(&c, &ctx),
        crate::engine::ratings::Rated {
            dossier_id: d.id,
            agency_id: Some(d.agency_id),
            status,
        },
        &r,
        platform::db::now_ms(),
    )
    .await?;
    if let Err(e) = done {
        return Err(AppError::conflict(Problem::new(e.code())));
    }
    Ok(Redirect::to(&format!("/services/my/{id}#rating")).into_response())
}

/// `GET /services/my/{id}/files/{n}`: a paper attached to the dossier, or its result.
pub async fn file(
    State(state): State<AppState>,
    c: Citizen,
    Path((id, n)): Path<(i64, usize)>,
) -> AppResult<Response> {
    let d = own(&state, &c, id).await?;
    let files = store::files(&state.db, d.id).await?;
    let f = n
        .checked_sub(1)
        .and_then(|i| files.get(i))
        .ok_or_else(AppError::not_found)?;
    download(&state, &f.name, &f.sha256).await
}
