//! `/cabinet/forms/{id}`: an opinion form — its question and dossier, who answered so far (live),
//! the member's answer confirmed with a passkey, the chair's approval and conclusion, the
//! synthesis as a page and a PDF.

use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use platform::error::{AppError, AppResult, Problem};
use platform::i18n::{Lang, t, t_args};
use platform::web::admin::render;
use platform::web::{AppState, Auth, CsrfForm, Ctx, Multipart, Path};
use serde::Deserialize;

use super::common::{
    MAX_CREDENTIAL, Standing, refused, relying_party, require_two_factor, size_label, standing,
    upload,
};
use crate::engine::forms::{self as engine, AnswerInput, Synthesis};
use crate::model::kinds::{Answer, FormStatus, PaperKind};
use crate::model::{day_label, time_label};
use crate::store::bodies as bodies_store;
use crate::store::forms::{self as store, Form};

async fn load(state: &AppState, auth: &Auth, id: i64) -> AppResult<(Form, Standing)> {
    let form = store::get(&state.db, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let body = bodies_store::get(&state.db, form.body_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let s = standing(state, auth, body).await?;
    // A draft is the drafters' and the chair's until it is issued.
    if matches!(form.status, FormStatus::Draft | FormStatus::Submitted)
        && !(s.secretariat || s.chair())
    {
        return Err(AppError::not_found());
    }
    Ok((form, s))
}

pub struct PaperRow {
    pub href: String,
    pub kind: String,
    pub name: String,
    pub size: String,
}

#[derive(Template)]
#[template(path = "cabinet_form.html")]
struct FormPage {
    ctx: Ctx,
    id: i64,
    body_href: String,
    body_name: String,
    number: String,
    title: String,
    question: String,
    status: String,
    status_code: String,
    deadline: String,
    lead_agency: String,
    papers: Vec<PaperRow>,
    answered: u32,
    total: u32,
    can_edit: bool,
    can_issue: bool,
    can_answer: bool,
    can_conclude: bool,
    frozen: bool,
    mine: Option<(String, String, i64)>,
    conclusion: String,
    resolution: String,
    kinds: Vec<(String, String)>,
}

fn answer_label(lang: Lang, a: Answer) -> String {
    t(lang, &format!("cab_answer.{}", a.code()))
}

/// `GET /cabinet/forms/{id}`.
pub async fn show(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let (form, s) = load(&state, &auth, id).await?;
    let lang = auth.ctx.lang;
    let db = &state.db;
    let papers = store::papers(db, id)
        .await?
        .into_iter()
        .map(|p| PaperRow {
            href: format!("/cabinet/forms/{id}/papers/{}", p.n),
            kind: t(lang, &format!("cab_paper.{}", p.kind.code())),
            name: p.name,
            size: size_label(p.size),
        })
        .collect();
    let syn = engine::synthesis(db, &s.body, &form)
        .await
        .map_err(refused)?;
    let now = platform::db::now_ms();
    let today = crate::model::iso(crate::model::vn_day(now));
    let frozen = form.deadline.as_deref().is_some_and(|d| today.as_str() > d);
    let my_line = s
        .seat
        .as_ref()
        .and_then(|m| syn.lines.iter().find(|l| l.member.id == m.id));
    let mine = my_line
        .and_then(|l| l.answer.as_ref())
        .map(|a| (answer_label(lang, a.answer), a.opinion.clone(), a.version));
    let recipient = my_line.is_some();
    let can_answer = recipient
        && match form.status {
            FormStatus::Issued => !(frozen && mine.is_some()),
            FormStatus::Closed => mine.is_none(),
            _ => false,
        };
    let lead_agency = registry::store::agency(db, form.lead_agency_id)
        .await?
        .map(|a| a.name(lang).to_owned())
        .unwrap_or_default();
    render(FormPage {
        id,
        body_href: format!("/cabinet/bodies/{}", s.body.code),
        body_name: s.body.name(lang).to_owned(),
        number: form.number.clone().unwrap_or_default(),
        title: form.title.clone(),
        question: form.question.clone(),
        status: t(lang, &format!("cab_form_status.{}", form.status.code())),
        status_code: form.status.code().to_owned(),
        deadline: form.deadline.as_deref().map(day_label).unwrap_or_default(),
        lead_agency,
        papers,
        answered: syn.agree + syn.disagree + syn.other,
        total: syn.total,
        can_edit: s.secretariat && form.status == FormStatus::Draft,
        can_issue: s.chair() && form.status == FormStatus::Submitted,
        can_answer,
        can_conclude: s.chair()
            && (form.status == FormStatus::Closed
                || (form.status == FormStatus::Issued && (frozen || syn.none == 0))),
        frozen,
        mine,
        conclusion: form.conclusion.clone(),
        resolution: form.resolution.clone().unwrap_or_default(),
        kinds: PaperKind::ALL
            .iter()
            .map(|k| {
                (
                    k.code().to_owned(),
                    t(lang, &format!("cab_paper.{}", k.code())),
                )
            })
            .collect(),
        ctx: auth.ctx,
    })
}

/// `POST /cabinet/forms/{id}/papers` (multipart: `kind`, `file`).
pub async fn add_paper(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> AppResult<Response> {
    let (name, bytes, fields) = upload(&auth, multipart).await?;
    let (form, s) = load(&state, &auth, id).await?;
    if !s.secretariat {
        return Err(AppError::forbidden());
    }
    let kind = fields
        .iter()
        .find(|(k, _)| k == "kind")
        .and_then(|(_, v)| PaperKind::parse(v.trim()))
        .ok_or_else(|| AppError::invalid(Problem::new("cab_bad_kind").field("kind")))?;
    engine::add_paper(
        &state.db,
        &state.files,
        &auth.actor(),
        &form,
        kind,
        &name,
        &mut bytes.as_slice(),
    )
    .await
    .map_err(refused)?;
    Ok(Redirect::to(&format!("/cabinet/forms/{id}")).into_response())
}

/// `GET /cabinet/forms/{id}/papers/{n}`.
pub async fn paper(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, n)): Path<(i64, i64)>,
) -> AppResult<Response> {
    load(&state, &auth, id).await?;
    let p = store::papers(&state.db, id)
        .await?
        .into_iter()
        .find(|p| p.n == n)
        .ok_or_else(AppError::not_found)?;
    platform::web::attachment(&state, &p.name, &p.sha256).await
}

#[derive(Deserialize)]
pub struct Empty {}

/// `POST /cabinet/forms/{id}/submit`: the draft goes to the chair.
pub async fn submit(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Response> {
    let (form, s) = load(&state, &auth, id).await?;
    if !s.secretariat {
        return Err(AppError::forbidden());
    }
    engine::submit(&state.db, &auth.actor(), &form, platform::db::now_ms())
        .await
        .map_err(refused)?;
    Ok(Redirect::to(&format!("/cabinet/forms/{id}")).into_response())
}

/// `POST /cabinet/forms/{id}/issue`: the chair approves and issues.
pub async fn issue(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Response> {
    require_two_factor(&auth)?;
    let (form, s) = load(&state, &auth, id).await?;
    engine::issue(
        &state.db,
        &auth.actor(),
        &s.body,
        &form,
        platform::db::now_ms(),
    )
    .await
    .map_err(refused)?;
    Ok(Redirect::to(&format!("/cabinet/forms/{id}")).into_response())
}

#[derive(Deserialize)]
pub struct ChallengeForm {
    #[serde(default)]
    answer: String,
    #[serde(default)]
    opinion: String,
}

/// `POST /cabinet/forms/{id}/challenge`: a passkey confirmation for the member's answer — the
/// ceremony, the options for `navigator.credentials.get`, and the canonical text the answer will
/// have (for a member who signs with their own key).
pub async fn challenge(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<ChallengeForm>,
) -> AppResult<Response> {
    let user = require_two_factor(&auth)?;
    let (form, s) = load(&state, &auth, id).await?;
    let Some(seat) = s.seat.clone() else {
        return Err(AppError::forbidden());
    };
    let (rp, _) = relying_party(&state, &headers)?;
    let now = platform::db::now_ms();
    let (ceremony, options) = crate::engine::passkeys::start_confirmation(
        &state.db,
        &rp,
        user,
        &format!("answer:{id}"),
        now,
    )
    .await
    .map_err(refused)?;
    let canonical = match Answer::parse(f.answer.trim()) {
        Some(a) => engine::next_canonical(&state.db, &form, &seat, a, &f.opinion)
            .await
            .map_err(refused)?,
        None => String::new(),
    };
    Ok(axum::Json(serde_json::json!({
        "ceremony": ceremony, "options": options, "canonical": canonical
    }))
    .into_response())
}

#[derive(Deserialize)]
pub struct AnswerForm {
    answer: String,
    #[serde(default)]
    opinion: String,
    #[serde(default)]
    ceremony: String,
    #[serde(default)]
    credential: String,
    #[serde(default)]
    member_sig: String,
}

/// `POST /cabinet/forms/{id}/answer`.
pub async fn answer(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<AnswerForm>,
) -> AppResult<Response> {
    let user = require_two_factor(&auth)?;
    load(&state, &auth, id).await?;
    let Some(answer) = Answer::parse(f.answer.trim()) else {
        return Err(AppError::invalid(
            Problem::new("cab_bad_answer").field("answer"),
        ));
    };
    if f.credential.is_empty() || f.credential.len() > MAX_CREDENTIAL {
        return Err(AppError::invalid(
            Problem::new("cab_ceremony").field("credential"),
        ));
    }
    let (rp, _) = relying_party(&state, &headers)?;
    engine::answer(
        &state.db,
        &rp,
        &auth.actor(),
        user,
        id,
        &AnswerInput {
            answer,
            opinion: &f.opinion,
            ceremony: f.ceremony.trim(),
            credential: &f.credential,
            member_sig: &f.member_sig,
        },
        platform::db::now_ms(),
    )
    .await
    .map_err(refused)?;
    Ok(Redirect::to(&format!("/cabinet/forms/{id}#my-answer")).into_response())
}

#[derive(Deserialize)]
pub struct ConcludeForm {
    conclusion: String,
}

/// `POST /cabinet/forms/{id}/conclude`: the chair's conclusion and the resolution's number.
pub async fn conclude(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<ConcludeForm>,
) -> AppResult<Response> {
    require_two_factor(&auth)?;
    let (form, s) = load(&state, &auth, id).await?;
    engine::conclude(
        &state.db,
        &auth.actor(),
        &s.body,
        &form,
        &f.conclusion,
        platform::db::now_ms(),
    )
    .await
    .map_err(refused)?;
    Ok(Redirect::to(&format!("/cabinet/forms/{id}/synthesis")).into_response())
}

pub struct LineRow {
    pub name: String,
    pub role: String,
    pub answer: String,
    pub answer_code: String,
    pub opinion: String,
    pub at: String,
    pub late: bool,
}

#[derive(Template)]
#[template(path = "cabinet_synthesis.html")]
struct SynthesisPage {
    ctx: Ctx,
    id: i64,
    number: String,
    title: String,
    body_name: String,
    summary: String,
    outcome: String,
    passed: bool,
    agree: u32,
    disagree: u32,
    other: u32,
    none: u32,
    total: u32,
    lines: Vec<LineRow>,
    conclusion: String,
    resolution: String,
}

fn outcome_label(lang: Lang, s: &Synthesis) -> String {
    let key = match (s.passed, s.by_tie) {
        (true, false) => "cabinet.passed",
        (true, true) => "cabinet.passed_by_tie",
        (false, _) => "cabinet.not_passed",
    };
    t_args(
        lang,
        key,
        &[
            ("agree", s.agree.to_string()),
            ("total", s.total.to_string()),
            ("needed", s.needed.to_string()),
        ],
    )
}

fn lines_of(lang: Lang, s: &Synthesis) -> Vec<LineRow> {
    s.lines
        .iter()
        .map(|l| LineRow {
            name: l.member.name.clone(),
            role: l.member.role(lang).to_owned(),
            answer: l
                .answer
                .as_ref()
                .map(|a| answer_label(lang, a.answer))
                .unwrap_or_else(|| t(lang, "cab_answer.none")),
            answer_code: l
                .answer
                .as_ref()
                .map(|a| a.answer.code().to_owned())
                .unwrap_or_else(|| "none".into()),
            opinion: l
                .answer
                .as_ref()
                .map(|a| a.opinion.clone())
                .unwrap_or_default(),
            at: l
                .answer
                .as_ref()
                .map(|a| time_label(a.answered_at))
                .unwrap_or_default(),
            late: l.late,
        })
        .collect()
}

/// `GET /cabinet/forms/{id}/synthesis`.
pub async fn synthesis(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let (form, s) = load(&state, &auth, id).await?;
    let lang = auth.ctx.lang;
    let syn = engine::synthesis(&state.db, &s.body, &form)
        .await
        .map_err(refused)?;
    render(SynthesisPage {
        id,
        number: form.number.clone().unwrap_or_default(),
        title: form.title.clone(),
        body_name: s.body.name(lang).to_owned(),
        summary: t_args(
            lang,
            "cabinet.synthesis_summary",
            &[
                ("agree", syn.agree.to_string()),
                ("disagree", syn.disagree.to_string()),
                ("other", syn.other.to_string()),
                ("none", syn.none.to_string()),
                ("total", syn.total.to_string()),
            ],
        ),
        outcome: outcome_label(lang, &syn),
        passed: syn.passed,
        agree: syn.agree,
        disagree: syn.disagree,
        other: syn.other,
        none: syn.none,
        total: syn.total,
        lines: lines_of(lang, &syn),
        conclusion: form.conclusion.clone(),
        resolution: form.resolution.clone().unwrap_or_default(),
        ctx: auth.ctx,
    })
}

/// `GET /cabinet/forms/{id}/synthesis.pdf`: the synthesis as a PDF; its SHA-256 is given in the
/// `X-Content-SHA256` header (see docs/cabinet.md on what "signed" means here).
pub async fn synthesis_pdf(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let (form, s) = load(&state, &auth, id).await?;
    let lang = auth.ctx.lang;
    let syn = engine::synthesis(&state.db, &s.body, &form)
        .await
        .map_err(refused)?;
    let mut pdf = platform::pdf::Pdf::new(
        &t(lang, "cabinet.synthesis"),
        if lang == Lang::En { "en" } else { "vi" },
        &format!(
            "{} · {}",
            s.body.name(lang),
            form.number.clone().unwrap_or_default()
        ),
    );
    pdf.title(&format!(
        "{} {}",
        t(lang, "cabinet.synthesis"),
        form.number.clone().unwrap_or_default()
    ));
    pdf.paragraph(&form.title);
    pdf.paragraph(&t_args(
        lang,
        "cabinet.synthesis_summary",
        &[
            ("agree", syn.agree.to_string()),
            ("disagree", syn.disagree.to_string()),
            ("other", syn.other.to_string()),
            ("none", syn.none.to_string()),
            ("total", syn.total.to_string()),
        ],
    ));
    pdf.heading(&outcome_label(lang, &syn));
    pdf.heading(&t(lang, "cabinet.answers"));
    for l in lines_of(lang, &syn) {
        let mut line = format!("{} ({}): {}", l.name, l.role, l.answer);
        if !l.opinion.is_empty() {
            line.push_str(&format!(" — «{}»", l.opinion));
        }
        pdf.bullet(&line);
    }
    if !form.conclusion.is_empty() {
        pdf.heading(&t(lang, "cabinet.conclusion"));
        pdf.paragraph(&form.conclusion);
        pdf.paragraph(&format!(
            "{} {}",
            t(lang, "cabinet.resolution"),
            form.resolution.clone().unwrap_or_default()
        ));
    }
    let bytes = pdf.finish().map_err(AppError::internal)?;
    let sha = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(&bytes))
    };
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/pdf".to_owned(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"tong-hop-{id}.pdf\""),
            ),
            (axum::http::HeaderName::from_static("x-content-sha256"), sha),
        ],
        bytes,
    )
        .into_response())
}
