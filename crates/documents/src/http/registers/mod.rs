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

mod incoming;
mod outgoing;

use incoming::{ActForm, act, incoming_one, incoming_one_with, incoming_page};
use outgoing::{
    create_draft, number, outgoing_one, outgoing_one_with, outgoing_page, replace, revoke, send,
    take_back, update,
};

/// The registers' pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/documents/outgoing", get(outgoing_page).post(create_draft))
        .route("/documents/outgoing/{id}", get(outgoing_one))
        .route("/documents/outgoing/{id}/number", post(number))
        .route("/documents/outgoing/{id}/send", post(send))
        .route("/documents/outgoing/{id}/revoke", post(revoke))
        .route("/documents/outgoing/{id}/take-back", post(take_back))
        .route("/documents/outgoing/{id}/update", post(update))
        .route("/documents/outgoing/{id}/replace", post(replace))
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

#[derive(Deserialize, Default)]
pub struct DoneParams {
    #[serde(default)]
    done: String,
}

#[derive(Deserialize)]
pub struct Empty {}

/// Where the registers' attachments are stored, by SHA-256: the node's file store
/// (`<data_dir>/files`, or S3 when configured).
fn file_store(state: &AppState) -> platform::files::FileStore {
    state.files.clone()
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
                    outgoing_one_with(
                        state,
                        auth,
                        &d,
                        id,
                        errors,
                        String::new(),
                        status,
                        String::new(),
                    )
                    .await
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
