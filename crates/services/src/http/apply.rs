//! A citizen (or a business, through its representative) applies online, one step a page:
//! `/services/procedures/{code}/apply` (who applies, where), `/services/my/{id}/edit` (the
//! procedure's form and how to reach the applicant, saved as a draft whatever is typed),
//! `/services/my/{id}/review` (papers attached, fees paid if wished, submitted), then the receipt
//! (form 01) with the lookup secret shown once. Drafts belong to the person who started them:
//! anyone else gets 404.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use platform::error::{AppError, AppResult, Problem};
use platform::i18n::{Lang, t, t_args};
use platform::web::admin::render;
use platform::web::form::FormError;
use platform::web::{AppState, Citizen, CsrfForm, Ctx, Path};
use serde::Deserialize;

use super::catalogue::{money, published_or_404};
use super::common::{
    NoFields, PaperRow, citizen_actor, env_of, own, papers_of, refused, shown, typed_of, version_of,
};
use crate::engine::dossiers::{self as engine, Filing};
use crate::model::dossier::{Applicant, Dossier};
use crate::model::procedure::OnlineLevel;
use crate::query::ProcedureVersion;
use crate::store::dossiers as store;

/// Names of the applicant's contact fields on the form page (never a form field's name: those
/// are the procedure's, checked by `model::form`).
const PHONE: &str = "applicant_phone";
const EMAIL: &str = "applicant_email";
const ADDRESS: &str = "applicant_address";
const MAX_ADDRESS: usize = 300;

pub struct AgencyOption {
    pub id: i64,
    pub name: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "services_apply_start.html")]
struct StartPage {
    ctx: Ctx,
    code: String,
    name: String,
    applicant: String,
    business: bool,
    /// The procedure's own agency, or empty when the applicant chooses.
    fixed_agency: String,
    agencies: Vec<AgencyOption>,
    /// The sign-in's level is below the procedure's: a notice and a link to sign in again.
    level_needed: Option<String>,
    form_errors: Vec<FormError>,
}

fn name_in(lang: Lang, v: &ProcedureVersion) -> String {
    if lang == Lang::Vi {
        v.spec.name_vi.clone()
    } else {
        v.spec.name_en.clone()
    }
}

fn level_needed(lang: Lang, c: &Citizen, need: u8) -> Option<String> {
    (c.assurance < need).then(|| {
        t_args(
            lang,
            "svc_apply.level_needed",
            &[
                ("level", need.to_string()),
                ("current", c.assurance.to_string()),
            ],
        )
    })
}

fn who(c: &Citizen) -> (String, bool) {
    match &c.acting_for {
        Some(b) => (format!("{} ({})", b.name, b.tax_code), true),
        None => (c.name.clone(), false),
    }
}

/// The agencies a procedure without one of its own is filed with: the provinces' People's
/// Committees in office today (their public administration service centres).
async fn choices(state: &AppState, lang: Lang, selected: i64) -> AppResult<Vec<AgencyOption>> {
    Ok(registry::store::list_agencies(
        &state.db,
        Some(registry::Day::today()),
        Some("provincial_committee"),
        None,
    )
    .await?
    .into_iter()
    .map(|a| AgencyOption {
        id: a.id,
        name: a.name(lang).to_owned(),
        selected: a.id == selected,
    })
    .collect())
}

async fn start_page(
    state: &AppState,
    ctx: Ctx,
    c: &Citizen,
    v: &ProcedureVersion,
    selected: i64,
    form_errors: Vec<FormError>,
) -> AppResult<Response> {
    let lang = ctx.lang;
    let (applicant, business) = who(c);
    let fixed_agency = match v.agency_id {
        Some(a) => registry::store::agency(&state.db, a)
            .await?
            .map(|a| a.name(lang).to_owned())
            .unwrap_or_default(),
        None => String::new(),
    };
    let agencies = if v.agency_id.is_none() {
        choices(state, lang, selected).await?
    } else {
        Vec::new()
    };
    let need = u8::try_from(v.spec.min_assurance).unwrap_or(2);
    let status = if form_errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut res = render(StartPage {
        code: v.spec.code.clone(),
        name: name_in(lang, v),
        applicant,
        business,
        fixed_agency,
        agencies,
        level_needed: level_needed(lang, c, need),
        form_errors,
        ctx,
    })?;
    *res.status_mut() = status;
    Ok(res)
}

async fn online_or_404(state: &AppState, code: &str) -> AppResult<ProcedureVersion> {
    let v = published_or_404(state, code).await?;
    if v.spec.online_level == OnlineLevel::None {
        return Err(AppError::not_found());
    }
    Ok(v)
}

/// `GET /services/procedures/{code}/apply`: who applies, and where.
pub async fn start_get(
    State(state): State<AppState>,
    ctx: Ctx,
    c: Citizen,
    Path(code): Path<String>,
) -> AppResult<Response> {
    let v = online_or_404(&state, &code).await?;
    start_page(&state, ctx, &c, &v, 0, Vec::new()).await
}

#[derive(Deserialize)]
pub struct StartForm {
    #[serde(default)]
    agency: String,
}

/// `POST /services/procedures/{code}/apply`: the draft is made; on to its form.
pub async fn start_post(
    State(state): State<AppState>,
    ctx: Ctx,
    c: Citizen,
    Path(code): Path<String>,
    CsrfForm(f): CsrfForm<StartForm>,
) -> AppResult<Response> {
    let v = online_or_404(&state, &code).await?;
    let agency_id = match v.agency_id {
        Some(a) => a,
        None => {
            let chosen: Option<i64> = f.agency.trim().parse().ok();
            let ok = match chosen {
                Some(id) => choices(&state, ctx.lang, id)
                    .await?
                    .iter()
                    .any(|a| a.id == id),
                None => false,
            };
            match chosen {
                Some(id) if ok => id,
                _ => {
                    let e = FormError::at("agency", t(ctx.lang, "svc_apply.agency_required"));
                    return start_page(&state, ctx, &c, &v, 0, vec![e]).await;
                }
            }
        }
    };
    let (identifier, name, business) = match &c.acting_for {
        Some(b) => (b.tax_code.clone(), b.name.clone(), true),
        None => (
            c.personal_id.clone().unwrap_or_default(),
            c.name.clone(),
            false,
        ),
    };
    let filing = Filing {
        applicant: Applicant {
            user_id: Some(c.user_id),
            business,
            identifier,
            name,
            ..Default::default()
        },
        agency_id,
        summary: v.spec.name_vi.clone(),
        form_data: serde_json::json!({}),
        lang: ctx.lang,
    };
    let env = env_of(&state).await?;
    let actor = citizen_actor(&c, &ctx);
    let id = engine::save_draft(
        &state.db,
        &env,
        &actor,
        &v,
        None,
        &filing,
        platform::db::now_ms(),
    )
    .await?
    .map_err(refused)?;
    Ok(Redirect::to(&format!("/services/my/{id}/edit")).into_response())
}

#[derive(Template)]
#[template(path = "services_apply_edit.html")]
struct EditPage {
    ctx: Ctx,
    id: i64,
    name: String,
    applicant: String,
    form: crate::model::form::FormView,
    phone: String,
    email: String,
    address: String,
    phone_error: Option<String>,
    email_error: Option<String>,
    address_error: Option<String>,
    notice: Option<String>,
    form_errors: Vec<FormError>,
}

struct Contacts {
    phone: String,
    email: String,
    address: String,
    errors: Vec<(&'static str, String)>,
}

fn check_contacts(lang: Lang, typed: &BTreeMap<String, String>) -> Contacts {
    let get = |k: &str| {
        typed
            .get(k)
            .map(|s| s.trim().to_owned())
            .unwrap_or_default()
    };
    let (phone, email, address) = (get(PHONE), get(EMAIL), get(ADDRESS));
    let mut errors = Vec::new();
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    if !phone.is_empty()
        && (!(9..=15).contains(&digits)
            || !phone
                .chars()
                .all(|c| c.is_ascii_digit() || " +.-".contains(c)))
    {
        errors.push((PHONE, t(lang, "svc_apply.phone_invalid")));
    }
    let email_ok = email.len() <= 254
        && email
            .split_once('@')
            .is_some_and(|(a, d)| !a.is_empty() && d.contains('.') && !d.starts_with('.'))
        && !email.chars().any(char::is_whitespace);
    if !email.is_empty() && !email_ok {
        errors.push((EMAIL, t(lang, "svc_apply.email_invalid")));
    }
    if phone.is_empty() && email.is_empty() {
        errors.push((EMAIL, t(lang, "svc_apply.contact_required")));
    }
    if address.chars().count() > MAX_ADDRESS {
        errors.push((
            ADDRESS,
            t_args(
                lang,
                "svc_apply.address_long",
                &[("max", MAX_ADDRESS.to_string())],
            ),
        ));
    }
    Contacts {
        phone,
        email,
        address,
        errors,
    }
}

#[allow(clippy::too_many_arguments)]
fn edit_page(
    ctx: Ctx,
    d: &Dossier,
    v: &ProcedureVersion,
    typed: &BTreeMap<String, String>,
    field_errors: &[crate::model::form::FieldError],
    contacts: &Contacts,
    notice: Option<String>,
) -> AppResult<Response> {
    let lang = ctx.lang;
    let form = v.form.view(lang, typed, field_errors);
    let err_of = |k: &str| {
        contacts
            .errors
            .iter()
            .find(|(f, _)| *f == k)
            .map(|(_, m)| m.clone())
    };
    let mut form_errors = form.errors.clone();
    for (f, m) in &contacts.errors {
        form_errors.push(FormError::at(f.replace('_', "-"), m.clone()));
    }
    let bad = !form_errors.is_empty();
    let mut res = render(EditPage {
        id: d.id,
        name: name_in(lang, v),
        applicant: d.applicant.name.clone(),
        form,
        phone: contacts.phone.clone(),
        email: contacts.email.clone(),
        address: contacts.address.clone(),
        phone_error: err_of(PHONE),
        email_error: err_of(EMAIL),
        address_error: err_of(ADDRESS),
        notice,
        form_errors,
        ctx,
    })?;
    if bad {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

async fn draft_of(state: &AppState, c: &Citizen, id: i64) -> AppResult<Result<Dossier, Response>> {
    let d = own(state, c, id).await?;
    if d.status.is_some() {
        return Ok(Err(
            Redirect::to(&format!("/services/my/{id}")).into_response()
        ));
    }
    Ok(Ok(d))
}

/// `GET /services/my/{id}/edit`: the draft's form, as last saved.
pub async fn edit_get(
    State(state): State<AppState>,
    ctx: Ctx,
    c: Citizen,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let d = match draft_of(&state, &c, id).await? {
        Ok(d) => d,
        Err(r) => return Ok(r),
    };
    let v = version_of(&state, &d).await?;
    let contacts = Contacts {
        phone: d.applicant.phone.clone(),
        email: d.applicant.email.clone(),
        address: d.applicant.address.clone(),
        errors: Vec::new(),
    };
    edit_page(ctx, &d, &v, &typed_of(&d.form_data), &[], &contacts, None)
}

/// `POST /services/my/{id}/edit`: saved as typed (a draft may be incomplete); with
/// `intent=continue` and nothing wrong, on to the papers and the submission.
pub async fn edit_post(
    State(state): State<AppState>,
    ctx: Ctx,
    c: Citizen,
    Path(id): Path<i64>,
    CsrfForm(mut typed): CsrfForm<BTreeMap<String, String>>,
) -> AppResult<Response> {
    let d = match draft_of(&state, &c, id).await? {
        Ok(d) => d,
        Err(r) => return Ok(r),
    };
    let v = version_of(&state, &d).await?;
    let lang = ctx.lang;
    typed.remove("csrf");
    let intent = typed.remove("intent").unwrap_or_default();
    let contacts = check_contacts(lang, &typed);
    for k in [PHONE, EMAIL, ADDRESS] {
        typed.remove(k);
    }
    let checked = v.form.validate(&typed);
    let data = match &checked {
        Ok(value) => value.clone(),
        Err(_) => serde_json::Value::Object(
            typed
                .iter()
                .map(|(k, s)| (k.clone(), serde_json::Value::String(s.clone())))
                .collect(),
        ),
    };
    let mut applicant = d.applicant.clone();
    applicant.phone = contacts.phone.clone();
    applicant.email = contacts.email.clone();
    applicant.address = contacts.address.clone();
    let filing = Filing {
        applicant,
        agency_id: d.agency_id,
        summary: d.summary.clone(),
        form_data: data,
        lang,
    };
    let env = env_of(&state).await?;
    engine::save_draft(
        &state.db,
        &env,
        &citizen_actor(&c, &ctx),
        &v,
        Some(id),
        &filing,
        platform::db::now_ms(),
    )
    .await?
    .map_err(refused)?;
    let field_errors = checked.err().unwrap_or_default();
    let complete = field_errors.is_empty() && contacts.errors.is_empty();
    if intent == "continue" && complete {
        return Ok(Redirect::to(&format!("/services/my/{id}/review")).into_response());
    }
    let notice = (intent != "continue").then(|| t(lang, "svc_apply.saved"));
    if intent != "continue" {
        // Saving keeps what was typed without judging it yet: the problems show when the
        // applicant goes on.
        let quiet = Contacts {
            errors: Vec::new(),
            ..contacts
        };
        return edit_page(ctx, &d, &v, &typed, &[], &quiet, notice);
    }
    edit_page(ctx, &d, &v, &typed, &field_errors, &contacts, None)
}

pub struct Answer {
    pub label: String,
    pub value: String,
}

#[derive(Template)]
#[template(path = "services_apply_review.html")]
struct ReviewPage {
    ctx: Ctx,
    id: i64,
    name: String,
    applicant: String,
    agency: String,
    answers: Vec<Answer>,
    needed: Vec<String>,
    papers: Vec<PaperRow>,
    max_papers: usize,
    fee: String,
    fee_due: bool,
    fee_paid: bool,
    level_needed: Option<String>,
    form_errors: Vec<FormError>,
}

/// The review page of a draft, with `errors` (a paper refused, something missing).
pub async fn review_page(
    state: &AppState,
    ctx: Ctx,
    c: &Citizen,
    d: &Dossier,
    form_errors: Vec<FormError>,
) -> AppResult<Response> {
    let lang = ctx.lang;
    let v = version_of(state, d).await?;
    let view = v.form.view(lang, &typed_of(&d.form_data), &[]);
    let answers = view
        .pages
        .iter()
        .flat_map(|p| p.sections.iter())
        .flat_map(|s| s.fields.iter())
        .map(|f| Answer {
            label: f.label.clone(),
            value: shown(lang, f),
        })
        .collect();
    let agency = registry::store::agency(&state.db, d.agency_id)
        .await?
        .map(|a| a.name(lang).to_owned())
        .unwrap_or_default();
    let need = u8::try_from(v.spec.min_assurance).unwrap_or(2);
    let bad = !form_errors.is_empty();
    let mut res = render(ReviewPage {
        id: d.id,
        name: name_in(lang, &v),
        applicant: d.applicant.name.clone(),
        agency,
        answers,
        needed: v
            .spec
            .papers
            .iter()
            .map(|p| {
                if lang == Lang::Vi {
                    p.name_vi.clone()
                } else {
                    p.name_en.clone()
                }
            })
            .collect(),
        papers: papers_of(state, d).await?,
        max_papers: super::common::MAX_PAPERS,
        fee: money(lang, d.fee_vnd),
        fee_due: d.fee_vnd > 0 && !d.fee_paid,
        fee_paid: d.fee_vnd > 0 && d.fee_paid,
        level_needed: level_needed(lang, c, need),
        form_errors,
        ctx,
    })?;
    if bad {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

/// `GET /services/my/{id}/review`.
pub async fn review_get(
    State(state): State<AppState>,
    ctx: Ctx,
    c: Citizen,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let d = match draft_of(&state, &c, id).await? {
        Ok(d) => d,
        Err(r) => return Ok(r),
    };
    review_page(&state, ctx, &c, &d, Vec::new()).await
}

#[derive(Template)]
#[template(path = "services_apply_done.html")]
struct DonePage {
    ctx: Ctx,
    id: i64,
    code: String,
    secret: String,
    appointment: String,
}

/// `POST /services/my/{id}/submit`: the form complete, the papers attached, the sign-in's level
/// enough: submitted (status 1), with its code and the lookup secret shown once.
pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    c: Citizen,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> AppResult<Response> {
    let d = match draft_of(&state, &c, id).await? {
        Ok(d) => d,
        Err(r) => return Ok(r),
    };
    let v = version_of(&state, &d).await?;
    c.require_assurance(u8::try_from(v.spec.min_assurance).unwrap_or(2))?;
    let lang = ctx.lang;
    let typed = typed_of(&d.form_data);
    if let Err(errors) = v.form.validate(&typed) {
        let contacts = Contacts {
            phone: d.applicant.phone.clone(),
            email: d.applicant.email.clone(),
            address: d.applicant.address.clone(),
            errors: Vec::new(),
        };
        return edit_page(ctx, &d, &v, &typed, &errors, &contacts, None);
    }
    if !v.spec.papers.is_empty() && store::files(&state.db, d.id).await?.is_empty() {
        let e = FormError::at("paper-file", t(lang, "svc_apply.papers_required"));
        return review_page(&state, ctx, &c, &d, vec![e]).await;
    }
    let env = env_of(&state).await?;
    let now = platform::db::now_ms();
    let s = engine::submit(
        &state.db,
        &env,
        &citizen_actor(&c, &ctx),
        &v,
        id,
        c.assurance,
        now,
    )
    .await?
    .map_err(refused)?;
    let d = store::get(&state.db, s.id)
        .await?
        .ok_or_else(AppError::not_found)?;
    render(DonePage {
        id: s.id,
        code: s.code,
        secret: s.secret,
        appointment: d
            .due_date
            .map(|x| format!("{:02}/{:02}/{}", x.day(), u8::from(x.month()), x.year()))
            .unwrap_or_default(),
        ctx,
    })
}

fn pdf(bytes: Vec<u8>, name: &str) -> Response {
    (
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/pdf".to_owned(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// `GET /services/my/{id}/receipt.pdf`: form 01 (without the secret, which is not kept).
pub async fn receipt_get(
    State(state): State<AppState>,
    ctx: Ctx,
    c: Citizen,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let d = own(&state, &c, id).await?;
    if d.code.is_none() {
        return Err(AppError::not_found());
    }
    let bytes = crate::engine::slips::receipt(ctx.lang, &d, None).map_err(AppError::internal)?;
    Ok(pdf(bytes, "mau-01.pdf"))
}

#[derive(Deserialize)]
pub struct SecretForm {
    #[serde(default)]
    secret: String,
}

/// `POST /services/my/{id}/receipt`: form 01 with the secret the submission page showed (it is
/// checked against its digest: the secret itself is never stored).
pub async fn receipt_post(
    State(state): State<AppState>,
    ctx: Ctx,
    c: Citizen,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<SecretForm>,
) -> AppResult<Response> {
    let d = own(&state, &c, id).await?;
    let Some(code) = d.code.as_deref() else {
        return Err(AppError::not_found());
    };
    let hash = store::by_code(&state.db, code).await?.and_then(|(_, h)| h);
    let secret = f.secret.trim().to_ascii_uppercase();
    if secret.len() > 64 || !engine::secret_matches(hash.as_deref(), &secret) {
        return Err(AppError::invalid(
            Problem::new("svc_lookup_not_found").field("secret"),
        ));
    }
    let bytes =
        crate::engine::slips::receipt(ctx.lang, &d, Some(&secret)).map_err(AppError::internal)?;
    Ok(pdf(bytes, "mau-01.pdf"))
}
