//! The agency's registers over HTTP: `/documents/outgoing` (list, search, draft form, a numbering
//! button per draft), `/documents/outgoing/{id}`, `/documents/incoming` (urgent first, overdue
//! marked), `/documents/incoming/{id}` with its actions as CSRF forms.
//!
//! Who: a user holding, in an agency's scope (`Scope::Agency`), the role `reporter` — the clerk
//! (văn thư): drafts, numbers, registers or rejects, attaches — or `approver` — the leader who
//! signs and assigns. Either may mark handling and close. The agency is the first agency grant
//! of one of these roles; its register is the one of the agency's electronic identifier
//! (registry's `edoc_2020`, else `edoc_qcvn`). Anyone else — another agency's users included —
//! gets 404 for every page and entry: another agency's register does not exist for them.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use platform::error::{AppError, AppResult};
use platform::i18n::{Lang, t_args};
use platform::identity::access::{Role, Scope};
use platform::web::form::{FormError, error_at};
use platform::web::format::fmt_ms;
use platform::web::render::render;
use platform::web::{AppState, Auth, CsrfForm, Ctx, Multipart, Path, Query};
use serde::Deserialize;

use crate::engine::registers::{self as engine, RegisterError, SearchForm, today_vn};
use crate::model::agency::AgencyId;
use crate::model::problem::Problem;
use crate::model::register::{
    DocType, DraftForm, IncomingAction, OutgoingState, field, is_overdue, parse_iso_date,
};
use crate::model::status::StatusCode as Status;
use crate::store::registers as store;

/// The registers' pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/documents/outgoing", get(outgoing_page).post(create_draft))
        .route("/documents/outgoing/{id}", get(outgoing_one))
        .route("/documents/outgoing/{id}/number", post(number))
        .route("/documents/outgoing/{id}/send", post(send))
        .route("/documents/outgoing/{id}/upload", post(upload_outgoing))
        .route("/documents/incoming", get(incoming_page))
        .route("/documents/incoming/{id}", get(incoming_one))
        .route("/documents/incoming/{id}/upload", post(upload_incoming))
        .route("/documents/incoming/{id}/{action}", post(act))
        .route("/documents/office", get(super::office::page))
        .route("/documents/office/{code}", post(super::office::save))
}

/// The caller's desk: the agency whose registers they keep, and what they may do there.
struct Desk {
    agency: AgencyId,
    clerk: bool,
    leader: bool,
}

async fn desk(state: &AppState, auth: &Auth) -> AppResult<Desk> {
    let p = &auth.principal;
    if !p.is_complete() {
        return Err(AppError::not_found());
    }
    let mut found: Option<(i64, bool, bool)> = None;
    for g in &p.grants {
        let Scope::Agency(a) = g.scope else { continue };
        let (c, l) = match g.role {
            Role::Reporter => (true, false),
            Role::Approver => (false, true),
            _ => continue,
        };
        match &mut found {
            None => found = Some((a, c, l)),
            Some((x, fc, fl)) if *x == a => {
                *fc |= c;
                *fl |= l;
            }
            Some(_) => {}
        }
    }
    let Some((agency_id, clerk, leader)) = found else {
        return Err(AppError::not_found());
    };
    let agency = registry::store::agency(&state.db, agency_id)
        .await?
        .and_then(|a| a.edoc_2020.or(a.edoc_qcvn))
        .and_then(|c| AgencyId::parse(&c).ok())
        .ok_or_else(AppError::not_found)?;
    Ok(Desk {
        agency,
        clerk,
        leader,
    })
}

fn field_label(lang: Lang, field: &str) -> String {
    let key = format!("doc_registers.field_{field}");
    let t = platform::i18n::t(lang, &key);
    if t == key { field.to_owned() } else { t }
}

/// A problem of the crate, in `lang`, beside its field.
fn form_errors(problems: &[Problem], lang: Lang) -> Vec<FormError> {
    problems
        .iter()
        .map(|p| {
            let mut args: Vec<(&str, String)> = p
                .args
                .iter()
                .map(|(k, v)| (k.as_str(), v.clone()))
                .collect();
            args.push(("path", field_label(lang, &p.path)));
            let text = t_args(lang, &format!("documents.{}", p.code), &args);
            if p.path.is_empty() {
                FormError { text, field: None }
            } else {
                FormError::at(p.path.clone(), text)
            }
        })
        .collect()
}

/// An engine error as a page answer: field problems to show, or an HTTP error.
fn problems_of(e: RegisterError, lang: Lang) -> Result<(StatusCode, Vec<FormError>), AppError> {
    match e {
        RegisterError::NotFound => Err(AppError::not_found()),
        RegisterError::Invalid(p) => Ok((StatusCode::UNPROCESSABLE_ENTITY, form_errors(&p, lang))),
        RegisterError::NoOffice | RegisterError::Conflict => Ok((
            StatusCode::CONFLICT,
            vec![FormError {
                text: platform::i18n::t(lang, &format!("documents.{}", e.code())),
                field: None,
            }],
        )),
        RegisterError::Db(d) => Err(AppError::from(d)),
        RegisterError::Files(f) => Err(AppError::internal(f.to_string())),
    }
}

fn status_label(ctx: &Ctx, code: &str) -> String {
    ctx.t(&format!("doc_registers.status_{code}"))
}

fn urgency_label(ctx: &Ctx, u: i64) -> String {
    ctx.t(&format!("doc_registers.urgency_{u}"))
}

fn type_label(ctx: &Ctx, t: i64) -> String {
    u32::try_from(t)
        .ok()
        .and_then(DocType::from_code)
        .map(|t| match ctx.lang {
            Lang::Vi => t.name_vi().to_owned(),
            _ => format!("{} ({})", t.name_en(), t.name_vi()),
        })
        .unwrap_or_default()
}

fn types(ctx: &Ctx) -> Vec<(String, String)> {
    DocType::all()
        .map(|t| (t.code().to_string(), type_label(ctx, i64::from(t.code()))))
        .collect()
}

/// One text input of the search form.
struct SearchField {
    id: &'static str,
    name: &'static str,
    value: String,
    label: String,
    date: bool,
}

fn search_fields(ctx: &Ctx, s: &SearchForm, party_key: &str) -> Vec<SearchField> {
    [
        (
            "q-number",
            "number",
            &s.number,
            "doc_registers.field_number",
        ),
        (
            "q-notation",
            "notation",
            &s.notation,
            "doc_registers.field_notation",
        ),
        (
            "q-subject",
            "subject",
            &s.subject,
            "doc_registers.field_subject",
        ),
        ("q-party", "party", &s.party, party_key),
        ("q-from", "from", &s.from, "doc_registers.field_from"),
        ("q-to", "to", &s.to, "doc_registers.field_to"),
    ]
    .into_iter()
    .map(|(id, name, value, label)| SearchField {
        id,
        name,
        value: value.clone(),
        label: ctx.t(label),
        date: matches!(name, "from" | "to"),
    })
    .collect()
}

/// One row of the outgoing register as a page shows it.
struct OutgoingView {
    id: i64,
    code: String,
    type_label: String,
    subject: String,
    recipients: String,
    urgency: String,
    urgent: bool,
    state: String,
    state_key: String,
    date: String,
    signer: String,
    summary: String,
    due_date: String,
    draft: bool,
    revoke_reason: String,
}

fn outgoing_view(ctx: &Ctx, o: &store::Outgoing) -> OutgoingView {
    OutgoingView {
        id: o.id,
        code: match (o.number, &o.notation) {
            (Some(n), Some(t)) => {
                crate::model::register::code_display(u32::try_from(n).unwrap_or(0), t)
            }
            _ => String::new(),
        },
        type_label: type_label(ctx, o.doc_type),
        subject: o.subject.clone(),
        recipients: o.recipient_codes().join(", "),
        urgency: urgency_label(ctx, o.urgency),
        urgent: o.urgency > 0,
        state: ctx.t(&format!("doc_registers.state_{}", o.state)),
        state_key: o.state.clone(),
        date: o.promulgation_date.clone().unwrap_or_default(),
        signer: format!("{} — {}", o.signer_name, o.signer_position),
        summary: o.summary.clone(),
        due_date: o.due_date.clone().unwrap_or_default(),
        draft: o.state == OutgoingState::Draft.as_str(),
        revoke_reason: o.revoke_reason.clone().unwrap_or_default(),
    }
}

#[derive(askama::Template)]
#[template(path = "documents_outgoing.html")]
struct OutgoingPage {
    ctx: Ctx,
    agency: String,
    rows: Vec<OutgoingView>,
    more: bool,
    search: SearchForm,
    search_fields: Vec<SearchField>,
    next_page: String,
    typed: DraftForm,
    types: Vec<(String, String)>,
    urgencies: Vec<(String, String)>,
    may_draft: bool,
    form_errors: Vec<FormError>,
    done: String,
    /// The office has no abbreviation yet: `Some(whether this reader may set it)`.
    office: Option<bool>,
}

impl OutgoingPage {
    fn error(&self, id: &str) -> Option<&str> {
        error_at(&self.form_errors, id)
    }
}

fn urgencies(ctx: &Ctx) -> Vec<(String, String)> {
    (0..=3)
        .map(|u| (u.to_string(), urgency_label(ctx, u)))
        .collect()
}

fn next_page_link(base: &str, s: &SearchForm, more: bool) -> String {
    if !more {
        return String::new();
    }
    let page = s.page.trim().parse::<i64>().unwrap_or(1) + 1;
    if page > engine::PAGE_LIMIT {
        return String::new();
    }
    let enc = |v: &str| {
        v.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect::<String>()
    };
    format!(
        "{base}?number={}&notation={}&subject={}&party={}&from={}&to={}&doc_type={}&page={page}",
        enc(&s.number),
        enc(&s.notation),
        enc(&s.subject),
        enc(&s.party),
        enc(&s.from),
        enc(&s.to),
        enc(&s.doc_type)
    )
}

#[derive(Deserialize, Default)]
pub struct ListParams {
    #[serde(flatten)]
    search: SearchForm,
    #[serde(default)]
    done: String,
}

#[allow(clippy::too_many_arguments)]
async fn outgoing_list(
    state: &AppState,
    auth: &Auth,
    d: &Desk,
    search: SearchForm,
    typed: DraftForm,
    mut errors: Vec<FormError>,
    done: String,
    status: StatusCode,
) -> AppResult<Response> {
    let ctx = auth.ctx.clone();
    // Without the office's abbreviation nothing can be numbered: say so, and where to set it.
    let office = if store::office(&state.db, &d.agency.short()).await?.is_some() {
        None
    } else {
        Some(super::office::may_set(state, auth, &d.agency).await)
    };
    let (rows, more) = match engine::search_outgoing(&state.db, &d.agency, &search).await {
        Ok(r) => r,
        Err(e) => {
            let (_, mut es) = problems_of(e, ctx.lang)?;
            for e in &mut es {
                e.field = e.field.take().map(|f| format!("q-{f}"));
            }
            errors.extend(es);
            (Vec::new(), false)
        }
    };
    let status = if errors.is_empty() {
        status
    } else {
        StatusCode::UNPROCESSABLE_ENTITY.max(status)
    };
    let mut res = render(OutgoingPage {
        agency: d.agency.to_string(),
        rows: rows.iter().map(|o| outgoing_view(&ctx, o)).collect(),
        next_page: next_page_link("/documents/outgoing", &search, more),
        more,
        search_fields: search_fields(&ctx, &search, "doc_registers.field_recipient"),
        search,
        typed,
        types: types(&ctx),
        urgencies: urgencies(&ctx),
        may_draft: d.clerk,
        form_errors: errors,
        done,
        office,
        ctx,
    })?;
    *res.status_mut() = status;
    Ok(res)
}

/// `/documents/outgoing`: the agency's outgoing register, its search and the draft form.
async fn outgoing_page(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<ListParams>,
) -> AppResult<Response> {
    let d = desk(&state, &auth).await?;
    outgoing_list(
        &state,
        &auth,
        &d,
        q.search,
        DraftForm::default(),
        Vec::new(),
        q.done,
        StatusCode::OK,
    )
    .await
}

/// Record a draft (clerks). Every problem beside its field, what was typed kept, nothing
/// written.
async fn create_draft(
    State(state): State<AppState>,
    auth: Auth,
    CsrfForm(form): CsrfForm<DraftForm>,
) -> AppResult<Response> {
    let d = desk(&state, &auth).await?;
    if !d.clerk {
        return Err(AppError::forbidden());
    }
    match engine::draft(&state.db, &d.agency, &form, &auth.actor(), today_vn()).await {
        Ok(id) => {
            Ok(Redirect::to(&format!("/documents/outgoing/{id}?done=drafted")).into_response())
        }
        Err(e) => {
            let (status, errors) = problems_of(e, auth.ctx.lang)?;
            outgoing_list(
                &state,
                &auth,
                &d,
                SearchForm::default(),
                form,
                errors,
                String::new(),
                status,
            )
            .await
        }
    }
}

#[derive(askama::Template)]
#[template(path = "documents_outgoing_one.html")]
struct OutgoingOne {
    ctx: Ctx,
    o: OutgoingView,
    files: Vec<(String, String, i64)>,
    may_number: bool,
    may_upload: bool,
    /// Numbered and not queued yet: the clerk may send it through the axis.
    may_send: bool,
    /// The package's way to the axis: (state, attempts, last error).
    delivery: Option<(String, i64, String)>,
    /// What each recipient answered: (time, recipient, status, staff, description).
    timeline: Vec<(String, String, String, String, String)>,
    form_errors: Vec<FormError>,
    done: String,
}

impl OutgoingOne {
    fn error(&self, id: &str) -> Option<&str> {
        error_at(&self.form_errors, id)
    }
}

async fn outgoing_one_with(
    state: &AppState,
    auth: &Auth,
    d: &Desk,
    id: i64,
    errors: Vec<FormError>,
    done: String,
    status: StatusCode,
) -> AppResult<Response> {
    let o = store::outgoing(&state.db, &d.agency.short(), id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let files = store::files(&state.db, store::Register::Outgoing, id)
        .await?
        .into_iter()
        .map(|f| (f.name, f.content_type, f.size))
        .collect();
    let ctx = auth.ctx.clone();
    let code = d.agency.short();
    let queued = crate::store::outbox::for_outgoing(&state.db, &code, id).await?;
    let delivery = queued.first().map(|q| {
        (
            ctx.t(&format!("doc_endpoint.delivery_{}", q.state)),
            q.attempts,
            q.last_error.clone().unwrap_or_default(),
        )
    });
    let timeline = crate::store::outbox::timeline(&state.db, &code, id)
        .await?
        .into_iter()
        .map(|t| {
            (
                fmt_ms(t.at),
                t.recipient,
                status_label(&ctx, &t.status),
                t.staff.unwrap_or_default(),
                t.description.unwrap_or_default(),
            )
        })
        .collect();
    let mut res = render(OutgoingOne {
        may_send: d.clerk && o.state == OutgoingState::Numbered.as_str() && queued.is_empty(),
        delivery,
        timeline,
        may_number: d.clerk && o.state == OutgoingState::Draft.as_str(),
        may_upload: d.clerk,
        o: outgoing_view(&ctx, &o),
        files,
        form_errors: errors,
        done,
        ctx,
    })?;
    *res.status_mut() = status;
    Ok(res)
}

#[derive(Deserialize, Default)]
pub struct DoneParams {
    #[serde(default)]
    done: String,
}

/// `/documents/outgoing/{id}`: one outgoing document (404 outside the caller's agency).
async fn outgoing_one(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(q): Query<DoneParams>,
) -> AppResult<Response> {
    let d = desk(&state, &auth).await?;
    outgoing_one_with(&state, &auth, &d, id, Vec::new(), q.done, StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct Empty {}

/// Give a draft its number (clerks).
async fn number(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Response> {
    let d = desk(&state, &auth).await?;
    if !d.clerk {
        return Err(AppError::forbidden());
    }
    match engine::number(&state.db, &d.agency, id, &auth.actor(), today_vn()).await {
        Ok(_) => {
            Ok(Redirect::to(&format!("/documents/outgoing/{id}?done=numbered")).into_response())
        }
        Err(e) => {
            let (status, errors) = problems_of(e, auth.ctx.lang)?;
            outgoing_one_with(&state, &auth, &d, id, errors, String::new(), status).await
        }
    }
}

/// Send a numbered document through the axis (clerks): its package is written and queued; the
/// job `documents.deliver` takes it to the axis (engine::endpoint).
async fn send(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Response> {
    use crate::engine::endpoint::{self, EndpointError};
    let d = desk(&state, &auth).await?;
    store::outgoing(&state.db, &d.agency.short(), id)
        .await?
        .ok_or_else(AppError::not_found)?;
    if !d.clerk {
        return Err(AppError::forbidden());
    }
    let files = file_store(&state);
    match endpoint::send(&state.db, &files, &d.agency, id, &auth.actor()).await {
        Ok(_) => Ok(Redirect::to(&format!("/documents/outgoing/{id}?done=queued")).into_response()),
        Err(EndpointError::NotFound) => Err(AppError::not_found()),
        Err(EndpointError::Invalid(p)) => {
            let errors = form_errors(&p, auth.ctx.lang);
            outgoing_one_with(
                &state,
                &auth,
                &d,
                id,
                errors,
                String::new(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(EndpointError::Db(e)) => Err(AppError::from(e)),
        Err(e) => Err(AppError::internal(e.to_string())),
    }
}

/// One row of the incoming register as a page shows it.
struct IncomingView {
    id: i64,
    code: String,
    type_name: String,
    subject: String,
    sender: String,
    date: String,
    urgency: String,
    urgent: bool,
    overdue: bool,
    status: String,
    status_code: String,
    due_date: String,
    incoming_number: String,
    assignee: String,
    received: String,
}

fn incoming_view(ctx: &Ctx, e: &store::Incoming) -> IncomingView {
    let status = Status::parse(&e.status).unwrap_or(Status::Arrived);
    let due = e.due_date.as_deref().and_then(parse_iso_date);
    IncomingView {
        id: e.id,
        code: format!("{}/{}", e.number, e.notation),
        type_name: e.type_name.clone(),
        subject: e.subject.clone(),
        sender: format!("{} ({})", e.sender_name, e.sender_code),
        date: e.promulgation_date.clone(),
        urgency: urgency_label(ctx, e.urgency),
        urgent: e.urgency > 0,
        overdue: is_overdue(due, status, today_vn()),
        status: status_label(ctx, &e.status),
        status_code: e.status.clone(),
        due_date: e.due_date.clone().unwrap_or_default(),
        incoming_number: e
            .incoming_number
            .map(|n| format!("{n:02}"))
            .unwrap_or_default(),
        assignee: e.assignee.clone().unwrap_or_default(),
        received: fmt_ms(e.received_at),
    }
}

#[derive(askama::Template)]
#[template(path = "documents_incoming.html")]
struct IncomingPage {
    ctx: Ctx,
    agency: String,
    rows: Vec<IncomingView>,
    more: bool,
    next_page: String,
    search: SearchForm,
    search_fields: Vec<SearchField>,
    types: Vec<(String, String)>,
    form_errors: Vec<FormError>,
}

impl IncomingPage {
    fn error(&self, id: &str) -> Option<&str> {
        error_at(&self.form_errors, id)
    }
}

/// `/documents/incoming`: the agency's incoming register, urgent first, overdue marked.
async fn incoming_page(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<ListParams>,
) -> AppResult<Response> {
    let d = desk(&state, &auth).await?;
    let ctx = auth.ctx.clone();
    let (rows, more, errors) = match engine::search_incoming(&state.db, &d.agency, &q.search).await
    {
        Ok((r, m)) => (r, m, Vec::new()),
        Err(e) => {
            let (_, mut es) = problems_of(e, ctx.lang)?;
            for e in &mut es {
                e.field = e.field.take().map(|f| format!("q-{f}"));
            }
            (Vec::new(), false, es)
        }
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut res = render(IncomingPage {
        agency: d.agency.to_string(),
        rows: rows.iter().map(|e| incoming_view(&ctx, e)).collect(),
        next_page: next_page_link("/documents/incoming", &q.search, more),
        more,
        search_fields: search_fields(&ctx, &q.search, "doc_registers.field_sender"),
        search: q.search,
        types: types(&ctx),
        form_errors: errors,
        ctx,
    })?;
    *res.status_mut() = status;
    Ok(res)
}

#[derive(askama::Template)]
#[template(path = "documents_incoming_one.html")]
struct IncomingOne {
    ctx: Ctx,
    e: IncomingView,
    history: Vec<(String, String, String, String)>,
    files: Vec<(String, String, i64)>,
    may_upload: bool,
    actions: Vec<&'static str>,
    typed: ActForm,
    form_errors: Vec<FormError>,
    done: String,
}

impl IncomingOne {
    fn error(&self, id: &str) -> Option<&str> {
        error_at(&self.form_errors, id)
    }
}

/// Which actions the caller may take on an entry at `status`: clerks register or reject and
/// leaders assign; either marks handling and closes.
fn actions_for(d: &Desk, status: Status) -> Vec<&'static str> {
    use crate::model::register::incoming_next;
    let mut v = Vec::new();
    for (name, target, allowed) in [
        ("register", Status::Accepted, d.clerk),
        ("reject", Status::Rejected, d.clerk),
        ("assign", Status::Assigned, d.leader),
        ("handle", Status::InProgress, d.clerk || d.leader),
        ("close", Status::Done, d.clerk || d.leader),
    ] {
        if allowed && incoming_next(status, target).is_ok() {
            v.push(name);
        }
    }
    v
}

#[allow(clippy::too_many_arguments)]
async fn incoming_one_with(
    state: &AppState,
    auth: &Auth,
    d: &Desk,
    id: i64,
    typed: ActForm,
    errors: Vec<FormError>,
    done: String,
    status: StatusCode,
) -> AppResult<Response> {
    let e = store::incoming(&state.db, &d.agency.short(), id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let ctx = auth.ctx.clone();
    let history = store::history(&state.db, id)
        .await?
        .into_iter()
        .map(|h| {
            (
                fmt_ms(h.at),
                status_label(&ctx, &h.status),
                h.actor,
                h.note.unwrap_or_default(),
            )
        })
        .collect();
    let files = store::files(&state.db, store::Register::Incoming, id)
        .await?
        .into_iter()
        .map(|f| (f.name, f.content_type, f.size))
        .collect();
    let current = Status::parse(&e.status).unwrap_or(Status::Arrived);
    let mut res = render(IncomingOne {
        actions: actions_for(d, current),
        may_upload: d.clerk,
        e: incoming_view(&ctx, &e),
        history,
        files,
        typed,
        form_errors: errors,
        done,
        ctx,
    })?;
    *res.status_mut() = status;
    Ok(res)
}

/// `/documents/incoming/{id}`: one incoming document, its statuses and the caller's actions.
async fn incoming_one(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(q): Query<DoneParams>,
) -> AppResult<Response> {
    let d = desk(&state, &auth).await?;
    incoming_one_with(
        &state,
        &auth,
        &d,
        id,
        ActForm::default(),
        Vec::new(),
        q.done,
        StatusCode::OK,
    )
    .await
}

/// An action's form.
#[derive(Deserialize, Default, Clone)]
pub struct ActForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    assignee: String,
    #[serde(default)]
    handling_days: String,
}

/// Register, reject, assign, handle or close. The status code the change produces is what the
/// axis side sends back to the sender; an impossible move or a bad field changes nothing.
async fn act(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, action)): Path<(i64, String)>,
    CsrfForm(form): CsrfForm<ActForm>,
) -> AppResult<Response> {
    let d = desk(&state, &auth).await?;
    let lang = auth.ctx.lang;
    let (a, allowed) = match action.as_str() {
        "register" => (IncomingAction::Register, d.clerk),
        "reject" => (
            IncomingAction::Reject {
                reason: form.reason.clone(),
            },
            d.clerk,
        ),
        "assign" => (
            IncomingAction::Assign {
                to: form.assignee.clone(),
            },
            d.leader,
        ),
        "handle" => (IncomingAction::Handle, d.clerk || d.leader),
        "close" => (IncomingAction::Close, d.clerk || d.leader),
        _ => return Err(AppError::not_found()),
    };
    // The entry must be the caller's agency's before anything else is said about it.
    store::incoming(&state.db, &d.agency.short(), id)
        .await?
        .ok_or_else(AppError::not_found)?;
    if !allowed {
        return Err(AppError::forbidden());
    }
    let days = match (form.handling_days.trim(), &a) {
        ("", _) | (_, IncomingAction::Register) => None,
        (s, IncomingAction::Assign { .. }) => match s.parse::<u32>() {
            Ok(n) => Some(n),
            Err(_) => {
                let errors = form_errors(
                    &[Problem::new(field::HANDLING_DAYS, "handling_days_invalid")
                        .arg("max", "365")],
                    lang,
                );
                return incoming_one_with(
                    &state,
                    &auth,
                    &d,
                    id,
                    form,
                    errors,
                    String::new(),
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await;
            }
        },
        _ => None,
    };
    let cal = reporting::query::holiday_calendar(&state.db).await?;
    match engine::act(
        &state.db,
        &d.agency,
        id,
        &a,
        days,
        &cal,
        &auth.actor(),
        today_vn(),
    )
    .await
    {
        Ok(done) => Ok(Redirect::to(&format!(
            "/documents/incoming/{id}?done={}",
            done.status.code()
        ))
        .into_response()),
        Err(e) => {
            let (status, errors) = problems_of(e, lang)?;
            incoming_one_with(&state, &auth, &d, id, form, errors, String::new(), status).await
        }
    }
}

/// Where the registers' attachments are stored: `<data_dir>/files`, by SHA-256.
fn file_store(state: &AppState) -> platform::files::FileStore {
    platform::files::FileStore::new(state.config.data_dir.join("files"))
}

/// The multipart form of an upload: its CSRF field and its one file.
async fn read_upload(auth: &Auth, multipart: &mut Multipart) -> AppResult<(String, Vec<u8>)> {
    let mut csrf = String::new();
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Some(field) = multipart.next_field().await? {
        match field.name().unwrap_or("") {
            "csrf" => csrf = field.text().await?,
            "file" => {
                let name = field.file_name().unwrap_or_default().to_owned();
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
            platform::error::Problem::new("csrf_failed"),
        ));
    }
    Ok(file.unwrap_or_default())
}

/// Attach a PDF, DOCX or XLSX to an entry (clerks; the entry must be the caller's agency's).
async fn upload(
    state: &AppState,
    auth: &Auth,
    which: store::Register,
    id: i64,
    multipart: &mut Multipart,
) -> AppResult<Response> {
    let d = desk(state, auth).await?;
    let (name, bytes) = read_upload(auth, multipart).await?;
    let base = match which {
        store::Register::Outgoing => "/documents/outgoing",
        store::Register::Incoming => "/documents/incoming",
    };
    let exists = match which {
        store::Register::Outgoing => store::outgoing(&state.db, &d.agency.short(), id)
            .await?
            .is_some(),
        store::Register::Incoming => store::incoming(&state.db, &d.agency.short(), id)
            .await?
            .is_some(),
    };
    if !exists {
        return Err(AppError::not_found());
    }
    if !d.clerk {
        return Err(AppError::forbidden());
    }
    let files = file_store(state);
    match engine::attach(
        &state.db,
        &files,
        &d.agency,
        which,
        id,
        &name,
        &bytes,
        &auth.actor(),
    )
    .await
    {
        Ok(_) => Ok(Redirect::to(&format!("{base}/{id}?done=attached")).into_response()),
        Err(e) => {
            let (status, errors) = problems_of(e, auth.ctx.lang)?;
            match which {
                store::Register::Outgoing => {
                    outgoing_one_with(state, auth, &d, id, errors, String::new(), status).await
                }
                store::Register::Incoming => {
                    incoming_one_with(
                        state,
                        auth,
                        &d,
                        id,
                        ActForm::default(),
                        errors,
                        String::new(),
                        status,
                    )
                    .await
                }
            }
        }
    }
}

/// `POST /documents/outgoing/{id}/upload` (multipart: `csrf`, `file`).
async fn upload_outgoing(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    mut multipart: Multipart,
) -> AppResult<Response> {
    upload(&state, &auth, store::Register::Outgoing, id, &mut multipart).await
}

/// `POST /documents/incoming/{id}/upload` (multipart: `csrf`, `file`).
async fn upload_incoming(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    mut multipart: Multipart,
) -> AppResult<Response> {
    upload(&state, &auth, store::Register::Incoming, id, &mut multipart).await
}
