//! `/services/desk/{id}`: one dossier at the one-stop desk — the applicant (identity number shown
//! to the officials who handle it), the form's answers, the papers, the timeline, the clock, and
//! a button for exactly the actions the dossier's status allows (`model::workflow`). Each read
//! is audited (the applicant sees it); each action is one transaction through the engine.
//!
//! Who may do what, in the dossier's agency (or its province): reading needs `ViewData`; the
//! desk's processing (accept, refuse, transfer, ask for papers or fees, record them, return the
//! result, withdraw on request, apologise with a new date) needs `SubmitData` (the desk
//! official's role, Reporter); approving the result and stopping need `ApproveData` (the
//! leader's role, Approver). Another agency's dossier is a 404.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use platform::error::{AppError, AppResult, Problem};
use platform::i18n::{Lang, t};
use platform::identity::access::{Permission, Target};
use platform::web::admin::render;
use platform::web::form::FormError;
use platform::web::{AppState, Auth, CsrfForm, Multipart, Path};
use serde::Deserialize;

use super::catalogue::money;
use super::common::{PaperRow, download, env_of, papers_of, refused, shown, typed_of};
use crate::engine::dossiers::{self as engine, Details};
use crate::model::clock;
use crate::model::dossier::{Dossier, Status};
use crate::model::workflow::{self, Action};
use crate::store::dossiers as store;

/// The largest result document, in bytes.
pub const MAX_RESULT_BYTES: u64 = 20 * 1024 * 1024;

async fn target_of(state: &AppState, d: &Dossier) -> AppResult<Target> {
    let unit = registry::store::agency(&state.db, d.agency_id)
        .await?
        .and_then(|a| a.unit_id);
    Ok(Target {
        national: false,
        agency: Some(d.agency_id),
        units: unit.into_iter().collect(),
    })
}

/// The dossier, if the official may read it (else 404: another agency's dossiers are not
/// acknowledged).
async fn readable(state: &AppState, auth: &Auth, id: i64) -> AppResult<(Dossier, Target)> {
    let d = store::get(&state.db, id)
        .await?
        .filter(|d| d.status.is_some())
        .ok_or_else(AppError::not_found)?;
    let target = target_of(state, &d).await?;
    if !auth.principal.allowed(Permission::ViewData, &target) {
        return Err(AppError::not_found());
    }
    Ok((d, target))
}

/// The permission an action needs.
pub fn permission_for(a: Action) -> Permission {
    if a.needs_approver() {
        Permission::ApproveData
    } else {
        Permission::SubmitData
    }
}

pub struct ActionView {
    pub code: &'static str,
    pub label: String,
    pub needs_reason: bool,
}

pub struct StepView {
    pub at: String,
    pub what: String,
    pub who: String,
    pub status: String,
    pub note: String,
}

pub struct AnswerView {
    pub label: String,
    pub value: String,
}

#[derive(Template)]
#[template(path = "services_desk_dossier.html")]
struct Page {
    ctx: platform::web::Ctx,
    id: i64,
    code: String,
    procedure: String,
    channel: String,
    status: u8,
    status_name: String,
    applicant: String,
    business: bool,
    identifier: String,
    phone: String,
    email: String,
    address: String,
    received: String,
    appointment: String,
    left: String,
    late: bool,
    reason: String,
    holder_note: String,
    fee: String,
    fee_paid: bool,
    answers: Vec<AnswerView>,
    papers: Vec<PaperRow>,
    actions: Vec<ActionView>,
    can_return: bool,
    can_apologise: bool,
    steps: Vec<StepView>,
    forms: Vec<(&'static str, String)>,
    form_errors: Vec<FormError>,
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

async fn page(
    state: &AppState,
    auth: Auth,
    d: &Dossier,
    target: &Target,
    form_errors: Vec<FormError>,
) -> AppResult<Response> {
    let lang = auth.ctx.lang;
    let db = &state.db;
    let Some(status) = d.status else {
        return Err(AppError::not_found());
    };
    let cal = reporting::query::holiday_calendar(db).await?;
    let today = engine::vn_day(platform::db::now_ms());
    let running = matches!(
        status,
        Status::Accepted | Status::Processing | Status::Registered
    );
    let left_n = d.due_date.map(|due| clock::remaining(&cal, today, due));
    let left = match (left_n, running) {
        (Some(n), true) if n >= 0 => {
            platform::i18n::t_args(lang, "svc_my.days_left", &[("n", n.to_string())])
        }
        (Some(n), true) => {
            platform::i18n::t_args(lang, "svc_my.days_late", &[("n", (-n).to_string())])
        }
        (Some(_), false) if d.stopped_on.is_some() => t(lang, "svc_my.clock_stopped"),
        _ => String::new(),
    };
    let v = crate::query::version(db, d.version_id).await?;
    let answers = match &v {
        Some(v) => {
            let view = v.form.view(lang, &typed_of(&d.form_data), &[]);
            view.pages
                .iter()
                .flat_map(|p| p.sections.iter())
                .flat_map(|s| s.fields.iter())
                .map(|f| AnswerView {
                    label: f.label.clone(),
                    value: shown(lang, f),
                })
                .collect()
        }
        None => Vec::new(),
    };
    let allowed = |a: Action| auth.principal.allowed(permission_for(a), target);
    let actions = workflow::possible(status)
        .into_iter()
        .filter(|a| *a != Action::Return && allowed(*a))
        .map(|a| ActionView {
            code: a.code(),
            label: t(lang, &format!("svc_dossiers.action_{}", a.code())),
            needs_reason: a.needs_reason(),
        })
        .collect();
    let steps = store::events(db, d.id)
        .await?
        .into_iter()
        .map(|e| StepView {
            at: time_label(e.at),
            what: t(lang, &format!("svc_dossiers.action_{}", e.action)),
            who: e.actor_name,
            status: u8::try_from(e.status_to)
                .ok()
                .filter(|n| *n > 0)
                .map(|n| format!("{n}. {}", t(lang, &format!("svc_status.s{n}"))))
                .unwrap_or_default(),
            note: e.note,
        })
        .collect();
    let mut forms = vec![("01", t(lang, "svc_dossiers.form_01"))];
    if status == Status::AdditionRequested || !d.reason.is_empty() {
        forms.push(("02", t(lang, "svc_dossiers.form_02")));
    }
    if status == Status::NotAccepted {
        forms.push(("03", t(lang, "svc_dossiers.form_03")));
    }
    if d.reason.is_empty() || status != Status::NotAccepted {
        // 04 once an apology was made: the appointment is the new one.
        if d.events > 0
            && store::events(db, d.id)
                .await?
                .iter()
                .any(|e| e.action == engine::APOLOGY)
        {
            forms.push(("04", t(lang, "svc_dossiers.form_04")));
        }
    }
    forms.push(("05", t(lang, "svc_dossiers.form_05")));
    let bad = !form_errors.is_empty();
    let mut res = render(Page {
        id: d.id,
        code: d.code.clone().unwrap_or_default(),
        procedure: format!("{} · {}", d.procedure_code, d.procedure_name),
        channel: t(lang, &format!("svc_desk.channel_{}", d.channel.number())),
        status: status.number(),
        status_name: t(lang, &format!("svc_status.s{}", status.number())),
        applicant: d.applicant.name.clone(),
        business: d.applicant.business,
        identifier: d.applicant.identifier.clone(),
        phone: d.applicant.phone.clone(),
        email: d.applicant.email.clone(),
        address: d.applicant.address.clone(),
        received: d.received_at.map(time_label).unwrap_or_default(),
        appointment: d.due_date.map(|x| lang.date(x)).unwrap_or_default(),
        left,
        late: running && left_n.is_some_and(|n| n <= 0),
        reason: d.reason.clone(),
        holder_note: d.holder_note.clone(),
        fee: money(lang, d.fee_vnd),
        fee_paid: d.fee_paid,
        answers,
        papers: papers_of(state, d).await?,
        actions,
        can_return: status == Status::Processed && allowed(Action::Return),
        can_apologise: matches!(status, Status::Accepted | Status::Processing)
            && left_n.is_some_and(|n| n <= 0)
            && allowed(Action::Transfer),
        steps,
        forms,
        form_errors,
        ctx: auth.ctx,
    })?;
    if bad {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

/// `GET /services/desk/{id}`.
pub async fn show(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let (d, target) = readable(&state, &auth, id).await?;
    engine::viewed(&state.db, &auth.actor(), &d).await?;
    page(&state, auth, &d, &target, Vec::new()).await
}

#[derive(Deserialize)]
pub struct ActForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    holder_note: String,
}

const MAX_NOTE: usize = 300;

/// `POST /services/desk/{id}/act`: one of the desk's actions.
pub async fn act(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<ActForm>,
) -> AppResult<Response> {
    let (d, target) = readable(&state, &auth, id).await?;
    let lang = auth.ctx.lang;
    let Some(action) = Action::parse(f.action.trim()).filter(|a| *a != Action::Return) else {
        return Err(AppError::invalid(
            Problem::new("svc_desk_action").field("action"),
        ));
    };
    auth.require(permission_for(action), &target)?;
    let reason = f.reason.trim();
    let field = format!("reason-{}", action.code());
    if action.needs_reason() && reason.is_empty() {
        let e = FormError::at(field, t(lang, "error.svc_dossier_reason"));
        return page(&state, auth, &d, &target, vec![e]).await;
    }
    if reason.chars().count() > platform::web::limits::MAX_TEXT_CHARS
        || f.holder_note.chars().count() > MAX_NOTE
    {
        let e = FormError::at(field, t(lang, "svc_desk.too_long"));
        return page(&state, auth, &d, &target, vec![e]).await;
    }
    let env = env_of(&state).await?;
    let done = engine::act(
        &state.db,
        &env,
        &auth.actor(),
        id,
        action,
        &Details {
            reason: reason.to_owned(),
            holder_note: f.holder_note.trim().to_owned(),
            ..Default::default()
        },
        platform::db::now_ms(),
    )
    .await?;
    if let Err(r) = done {
        return Err(refused(r));
    }
    Ok(Redirect::to(&format!("/services/desk/{id}")).into_response())
}

#[derive(Deserialize)]
pub struct ApologyForm {
    #[serde(default)]
    new_date: String,
    #[serde(default)]
    reason: String,
}

/// `POST /services/desk/{id}/apology`: a late dossier gets a new appointment (form 04).
pub async fn apology(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<ApologyForm>,
) -> AppResult<Response> {
    let (d, target) = readable(&state, &auth, id).await?;
    auth.require(Permission::SubmitData, &target)?;
    let lang = auth.ctx.lang;
    let date = time::Date::parse(
        f.new_date.trim(),
        time::macros::format_description!("[year]-[month]-[day]"),
    );
    let Ok(date) = date else {
        let e = FormError::at("new-date", t(lang, "svc_desk.date_invalid"));
        return page(&state, auth, &d, &target, vec![e]).await;
    };
    if f.reason.chars().count() > platform::web::limits::MAX_TEXT_CHARS {
        let e = FormError::at("apology-reason", t(lang, "svc_desk.too_long"));
        return page(&state, auth, &d, &target, vec![e]).await;
    }
    let env = env_of(&state).await?;
    let done = engine::apologise(
        &state.db,
        &env,
        &auth.actor(),
        id,
        date,
        &f.reason,
        platform::db::now_ms(),
    )
    .await?;
    match done {
        Ok(_) => Ok(Redirect::to(&format!("/services/desk/{id}")).into_response()),
        Err(r @ (engine::Refused::ReasonNeeded | engine::Refused::NewDateTooEarly)) => {
            let field = if r == engine::Refused::ReasonNeeded {
                "apology-reason"
            } else {
                "new-date"
            };
            let e = FormError::at(field, t(lang, &format!("error.{}", r.code())));
            page(&state, auth, &d, &target, vec![e]).await
        }
        Err(r) => Err(refused(r)),
    }
}

/// `POST /services/desk/{id}/return` (multipart: `csrf`, `file`): the result document — the
/// decision or licence the agency signed with its own signing tool — stored by its SHA-256 and
/// returned to the applicant (9 → 10).
pub async fn return_result(
    State(state): State<AppState>,
    auth: Auth,
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
    if auth.ctx.csrf.len() < 32
        || !platform::web::ctx::constant_time_eq(csrf.as_bytes(), auth.ctx.csrf.as_bytes())
    {
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            Problem::new("csrf_failed"),
        ));
    }
    let (d, target) = readable(&state, &auth, id).await?;
    auth.require(permission_for(Action::Return), &target)?;
    let lang = auth.ctx.lang;
    let name = file
        .as_ref()
        .and_then(|(n, _)| n.as_deref())
        .map(|n| {
            n.rsplit(['/', '\\'])
                .next()
                .unwrap_or_default()
                .trim()
                .to_owned()
        })
        .unwrap_or_default();
    let bytes = file.map(|(_, b)| b).unwrap_or_default();
    let problem = if bytes.is_empty() {
        Some("error.svc_paper_missing")
    } else if bytes.len() as u64 > MAX_RESULT_BYTES {
        Some("svc_desk.result_large")
    } else if name.is_empty() || platform::web::extract::refused_char(&name).is_some() {
        Some("error.svc_paper_name")
    } else {
        None
    };
    if let Some(key) = problem {
        let e = FormError::at("result-file", t(lang, key));
        return page(&state, auth, &d, &target, vec![e]).await;
    }
    let stored = state
        .files
        .put(&mut bytes.as_slice(), MAX_RESULT_BYTES)
        .await
        .map_err(AppError::internal)?;
    let name: String = name.chars().take(200).collect();
    let env = env_of(&state).await?;
    let now = platform::db::now_ms();
    let done = engine::act(
        &state.db,
        &env,
        &auth.actor(),
        id,
        Action::Return,
        &Details {
            result: Some((name, stored.key.clone())),
            result_size: i64::try_from(stored.size).unwrap_or(i64::MAX),
            ..Default::default()
        },
        now,
    )
    .await?;
    if let Err(r) = done {
        return Err(refused(r));
    }
    Ok(Redirect::to(&format!("/services/desk/{id}")).into_response())
}

/// `GET /services/desk/{id}/files/{n}`: a paper or the result.
pub async fn file(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, n)): Path<(i64, usize)>,
) -> AppResult<Response> {
    let (d, _) = readable(&state, &auth, id).await?;
    let files = store::files(&state.db, d.id).await?;
    let f = n
        .checked_sub(1)
        .and_then(|i| files.get(i))
        .ok_or_else(AppError::not_found)?;
    download(&state, &f.name, &f.sha256).await
}

/// `GET /services/desk/{id}/forms/{form}`: forms 01–05 as PDFs.
pub async fn form_pdf(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, form)): Path<(i64, String)>,
) -> AppResult<Response> {
    use crate::engine::slips;
    let (d, _) = readable(&state, &auth, id).await?;
    let lang: Lang = auth.ctx.lang;
    let bytes = match form.trim_end_matches(".pdf") {
        "01" => slips::receipt(lang, &d, None),
        "02" => slips::request_papers(lang, &d),
        "03" => slips::refusal(lang, &d),
        "04" => match d.due_date {
            Some(due) => slips::apology(lang, &d, due),
            None => return Err(AppError::not_found()),
        },
        "05" => {
            let events = store::events(&state.db, d.id).await?;
            slips::control_sheet(lang, &d, &events)
        }
        _ => return Err(AppError::not_found()),
    }
    .map_err(AppError::internal)?;
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/pdf".to_owned(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"mau-{}.pdf\"",
                    form.trim_end_matches(".pdf")
                ),
            ),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "services_desk_new.html")]
struct NewPage {
    ctx: platform::web::Ctx,
    agency: i64,
    values: NewForm,
    form_errors: Vec<FormError>,
    recorded: Option<(i64, String, String)>,
}

#[derive(Deserialize, Default, Clone)]
pub struct NewForm {
    #[serde(default)]
    agency: Option<i64>,
    #[serde(default)]
    procedure: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    identifier: String,
    #[serde(default)]
    business: Option<String>,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    address: String,
}

#[derive(Deserialize, Default)]
pub struct NewQuery {
    agency: Option<i64>,
}

fn new_page(
    auth: Auth,
    agency: i64,
    values: NewForm,
    form_errors: Vec<FormError>,
    recorded: Option<(i64, String, String)>,
) -> AppResult<Response> {
    let bad = !form_errors.is_empty();
    let mut res = render(NewPage {
        ctx: auth.ctx,
        agency,
        values,
        form_errors,
        recorded,
    })?;
    if bad {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

/// `GET /services/desk/new`: record a paper dossier received at the desk or by post.
pub async fn new_get(
    State(_state): State<AppState>,
    auth: Auth,
    platform::web::Query(q): platform::web::Query<NewQuery>,
) -> AppResult<Response> {
    let agency = super::desk::agency_of(&auth, q.agency)?;
    auth.require(
        Permission::SubmitData,
        &Target {
            agency: Some(agency),
            ..Default::default()
        },
    )?;
    new_page(auth, agency, NewForm::default(), Vec::new(), None)
}

/// `POST /services/desk/new`: recorded and accepted at once (status 2) with its code, the
/// lookup secret shown once and form 01.
pub async fn new_post(
    State(state): State<AppState>,
    auth: Auth,
    CsrfForm(f): CsrfForm<NewForm>,
) -> AppResult<Response> {
    let agency = super::desk::agency_of(&auth, f.agency)?;
    let target = Target {
        agency: Some(agency),
        ..Default::default()
    };
    auth.require(Permission::SubmitData, &target)?;
    let lang = auth.ctx.lang;
    let mut errors = Vec::new();
    let v = match crate::query::published_version(&state.db, f.procedure.trim()).await? {
        Some(v) if f.procedure.trim().len() <= 40 => Some(v),
        _ => {
            errors.push(FormError::at(
                "procedure",
                t(lang, "svc_desk.procedure_unknown"),
            ));
            None
        }
    };
    let channel = match f.channel.as_str() {
        "1" => Some(crate::model::dossier::Channel::Desk),
        "3" => Some(crate::model::dossier::Channel::Post),
        _ => {
            errors.push(FormError::at(
                "channel-1",
                t(lang, "svc_desk.channel_required"),
            ));
            None
        }
    };
    let name = f.name.trim();
    if name.chars().count() < 2 || name.chars().count() > 200 {
        errors.push(FormError::at("name", t(lang, "svc_desk.name_required")));
    }
    let business = f.business.is_some();
    let id_ok = if business {
        platform::identity::citizen::valid_tax_code(f.identifier.trim())
    } else {
        platform::identity::citizen::valid_personal_id(f.identifier.trim())
    };
    if !id_ok {
        errors.push(FormError::at(
            "identifier",
            t(lang, "svc_desk.identifier_invalid"),
        ));
    }
    for (field, value, max) in [
        ("phone", &f.phone, 20),
        ("email", &f.email, 254),
        ("address", &f.address, 300),
    ] {
        if value.chars().count() > max {
            errors.push(FormError::at(field, t(lang, "svc_desk.too_long")));
        }
    }
    let (Some(v), Some(channel), true) = (v, channel, errors.is_empty()) else {
        return new_page(auth, agency, f, errors, None);
    };
    let filing = engine::Filing {
        applicant: crate::model::dossier::Applicant {
            user_id: None,
            business,
            identifier: f.identifier.trim().to_owned(),
            name: name.to_owned(),
            phone: f.phone.trim().to_owned(),
            email: f.email.trim().to_owned(),
            address: f.address.trim().to_owned(),
        },
        agency_id: agency,
        summary: v.spec.name_vi.clone(),
        form_data: serde_json::json!({}),
        lang,
    };
    let env = env_of(&state).await?;
    let s = engine::record_at_desk(
        &state.db,
        &env,
        &auth.actor(),
        &v,
        channel,
        &filing,
        platform::db::now_ms(),
    )
    .await?;
    new_page(
        auth,
        agency,
        NewForm::default(),
        Vec::new(),
        Some((s.id, s.code, s.secret)),
    )
}

#[derive(Deserialize)]
pub struct SecretForm {
    #[serde(default)]
    secret: String,
}

/// `POST /services/desk/{id}/receipt`: form 01 with the secret shown when it was recorded
/// (checked against its digest).
pub async fn receipt(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<SecretForm>,
) -> AppResult<Response> {
    let (d, _) = readable(&state, &auth, id).await?;
    let code = d.code.clone().unwrap_or_default();
    let hash = store::by_code(&state.db, &code).await?.and_then(|(_, h)| h);
    let secret = f.secret.trim().to_ascii_uppercase();
    if secret.len() > 64 || !engine::secret_matches(hash.as_deref(), &secret) {
        return Err(AppError::invalid(
            Problem::new("svc_lookup_not_found").field("secret"),
        ));
    }
    let bytes = crate::engine::slips::receipt(auth.ctx.lang, &d, Some(&secret))
        .map_err(AppError::internal)?;
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/pdf".to_owned(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                "attachment; filename=\"mau-01.pdf\"".to_owned(),
            ),
        ],
        bytes,
    )
        .into_response())
}
