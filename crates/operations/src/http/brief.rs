//! The daily brief's pages: the latest published brief and the archive for officials; the draft,
//! its news items, opening paragraph, publication and subscribers for editors.
//!
//! Editors (biên tập điểm tin) are officials who may approve data nationally or manage the
//! catalogue (the operations center's staff at the Government Office); readers are signed-in
//! officials. A refused form comes back (422) with its errors linked to their fields and what was
//! typed kept; every successful POST redirects (303).

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use platform::error::{AppError, AppResult, Problem};
use platform::i18n::Lang;
use platform::identity::access::{Permission, Target};
use platform::web::admin::render;
use platform::web::form::FormError;
use platform::web::{AppState, Auth, CsrfForm, Path};
use reporting::model::format::format_number;
use serde::Deserialize;

use crate::engine::brief::{self as engine, BriefError};
use crate::model::brief::{BriefContent, NewsInput};
use crate::store::briefs;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/operations/brief", get(latest))
        .route("/operations/brief/archive", get(archive))
        .route("/operations/brief/compose", post(compose))
        .route("/operations/brief/subscribers", post(subscribers))
        .route("/operations/brief/{day}", get(show))
        .route("/operations/brief/{day}/pdf", get(pdf))
        .route("/operations/brief/{day}/lead", post(lead))
        .route("/operations/brief/{day}/news", post(add_news))
        .route(
            "/operations/brief/{day}/news/{id}/delete",
            post(remove_news),
        )
        .route("/operations/brief/{day}/publish", post(publish))
}

/// May this official edit and publish briefs?
fn is_editor(auth: &Auth) -> bool {
    let national = Target::national();
    auth.principal.allowed(Permission::ApproveData, &national)
        || auth
            .principal
            .allowed(Permission::ManageCatalogue, &national)
}

fn require_editor(auth: &Auth) -> AppResult<()> {
    if is_editor(auth) {
        Ok(())
    } else {
        Err(AppError::forbidden())
    }
}

/// A day in the address: YYYY-MM-DD, else not found.
fn parse_day(s: &str) -> AppResult<time::Date> {
    time::Date::parse(s, &time::format_description::well_known::Iso8601::DATE)
        .map_err(|_| AppError::not_found())
}

fn engine_error(e: BriefError) -> AppError {
    match e {
        BriefError::Invalid(problems) => AppError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            problems,
            cause: None,
        },
        BriefError::Published => {
            AppError::new(StatusCode::CONFLICT, Problem::new("brief_published"))
        }
        BriefError::NotFound => AppError::not_found(),
        BriefError::Db(e) => e.into(),
        BriefError::Query(e) => AppError::internal(e),
    }
}

struct NewsView {
    id: i64,
    title: String,
    source: String,
    summary: String,
    link: Option<String>,
}

#[derive(askama::Template)]
#[template(path = "brief.html")]
struct BriefPage {
    ctx: platform::web::Ctx,
    day: String,
    day_label: String,
    draft: bool,
    editor: bool,
    lead: String,
    sections: Sections,
    news: Vec<NewsView>,
    subscribers: Vec<String>,
    form_errors: Vec<FormError>,
    typed: NewsInput,
    published: String,
}

#[derive(Default)]
struct Sections {
    received: Vec<(String, String, String, String)>,
    received_more: usize,
    movements: Vec<(String, String)>,
    targets: Vec<(String, &'static str, String)>,
    late: Vec<String>,
    deadlines: Vec<String>,
    sites: Vec<String>,
}

fn name(lang: Lang, vi: &str, en: &str) -> String {
    if lang == Lang::En { en } else { vi }.to_owned()
}

fn period_label(id: &str, lang: Lang) -> String {
    reporting::Period::parse(id)
        .map(|p| p.label(lang.code()))
        .unwrap_or_else(|_| id.to_owned())
}

fn date_label(iso: &str, lang: Lang) -> String {
    parse_day(iso)
        .map(|d| lang.date(d))
        .unwrap_or_else(|_| iso.to_owned())
}

fn sections(c: &BriefContent, lang: Lang) -> Sections {
    let t = |key: &str, args: &[(&str, String)]| platform::i18n::t_args(lang, key, args);
    Sections {
        received: c
            .received
            .iter()
            .map(|r| {
                (
                    r.template.clone(),
                    format!("{} ({})", r.unit_name, r.unit_code),
                    period_label(&r.period, lang),
                    platform::web::format::fmt_ms(r.decided_at),
                )
            })
            .collect(),
        received_more: c.received_more,
        movements: c
            .movements
            .iter()
            .map(|m| {
                (
                    name(lang, &m.name_vi, &m.name_en),
                    format!(
                        "{}{} %",
                        if m.change_pct >= 0.0 { "+" } else { "" },
                        format_number(m.change_pct, 1, lang)
                    ),
                )
            })
            .collect(),
        targets: c
            .targets
            .iter()
            .map(|x| {
                let key: &'static str = match x.status.as_str() {
                    "on_track" => "on_track",
                    "at_risk" => "at_risk",
                    _ => "off_track",
                };
                (
                    name(lang, &x.name_vi, &x.name_en),
                    key,
                    t(
                        &format!("operations.target_{key}"),
                        &[("pct", format_number(x.target_pct, 1, lang))],
                    ),
                )
            })
            .collect(),
        late: c
            .late
            .iter()
            .map(|l| {
                t(
                    "brief.late_item",
                    &[
                        ("template", name(lang, &l.name_vi, &l.name_en)),
                        ("period", period_label(&l.period, lang)),
                        ("overdue", l.overdue.to_string()),
                        ("late", l.late.to_string()),
                        ("expected", l.expected.to_string()),
                        ("deadline", date_label(&l.deadline, lang)),
                    ],
                )
            })
            .collect(),
        deadlines: c
            .deadlines
            .iter()
            .map(|d| {
                t(
                    "brief.deadline_item",
                    &[
                        ("template", name(lang, &d.name_vi, &d.name_en)),
                        ("period", period_label(&d.period, lang)),
                        ("deadline", date_label(&d.deadline, lang)),
                    ],
                )
            })
            .collect(),
        sites: site_lines(c, lang),
    }
}

/// The "sites down" lines: each outage with its times and finding, then how many more.
fn site_lines(c: &BriefContent, lang: Lang) -> Vec<String> {
    let t = |key: &str, args: &[(&str, String)]| platform::i18n::t_args(lang, key, args);
    let at = platform::web::format::fmt_ms;
    let mut lines: Vec<String> = c
        .sites
        .iter()
        .map(|s| {
            let who = [("name", s.name.clone()), ("code", s.code.clone())];
            match s.up_at {
                None => t(
                    "ops_health.brief_down_now",
                    &[
                        who[0].clone(),
                        who[1].clone(),
                        ("since", at(s.down_at)),
                        (
                            "finding",
                            crate::model::health::describe_stored(&s.finding, lang),
                        ),
                    ],
                ),
                Some(up) => t(
                    "ops_health.brief_came_back",
                    &[
                        who[0].clone(),
                        who[1].clone(),
                        ("down", at(s.down_at)),
                        ("up", at(up)),
                    ],
                ),
            }
        })
        .collect();
    if c.sites_more > 0 {
        lines.push(t("ops_health.more", &[("n", c.sites_more.to_string())]));
    }
    lines
}

async fn page(
    state: &AppState,
    auth: Auth,
    row: briefs::BriefRow,
    form_errors: Vec<FormError>,
    typed: NewsInput,
) -> AppResult<Response> {
    let editor = is_editor(&auth);
    let draft = row.status == "draft";
    if draft && !editor {
        return Err(AppError::not_found());
    }
    let lang = auth.ctx.lang;
    let content: BriefContent = serde_json::from_str(&row.content).map_err(AppError::internal)?;
    let news = briefs::news(&state.db, row.id)
        .await?
        .into_iter()
        .map(|n| NewsView {
            id: n.id,
            title: n.title,
            source: n.source,
            summary: n.summary,
            link: n.link,
        })
        .collect();
    let subscribers = if editor {
        briefs::subscribers(&state.db).await?
    } else {
        Vec::new()
    };
    let status = if form_errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut res = render(BriefPage {
        day_label: date_label(&row.day, lang),
        day: row.day.clone(),
        draft,
        editor,
        lead: row.lead.clone(),
        sections: sections(&content, lang),
        news,
        subscribers,
        form_errors,
        typed,
        published: row
            .published_at
            .map(platform::web::format::fmt_ms)
            .unwrap_or_default(),
        ctx: auth.ctx,
    })?;
    *res.status_mut() = status;
    Ok(res)
}

/// `/operations/brief`: the latest published brief (editors: today's draft if there is one).
async fn latest(State(state): State<AppState>, auth: Auth) -> AppResult<Response> {
    if is_editor(&auth)
        && let Some(b) = briefs::by_day(&state.db, &engine::today().to_string()).await?
    {
        return page(&state, auth, b, Vec::new(), NewsInput::default()).await;
    }
    match briefs::latest_published(&state.db).await? {
        Some(b) => page(&state, auth, b, Vec::new(), NewsInput::default()).await,
        None => render(EmptyPage {
            editor: is_editor(&auth),
            ctx: auth.ctx,
        }),
    }
}

#[derive(askama::Template)]
#[template(path = "brief_empty.html")]
struct EmptyPage {
    ctx: platform::web::Ctx,
    editor: bool,
}

async fn show(
    State(state): State<AppState>,
    auth: Auth,
    Path(day): Path<String>,
) -> AppResult<Response> {
    let day = parse_day(&day)?.to_string();
    let b = briefs::by_day(&state.db, &day)
        .await?
        .ok_or_else(AppError::not_found)?;
    page(&state, auth, b, Vec::new(), NewsInput::default()).await
}

#[derive(askama::Template)]
#[template(path = "brief_archive.html")]
struct ArchivePage {
    ctx: platform::web::Ctx,
    rows: Vec<(String, String, String)>,
}

async fn archive(State(state): State<AppState>, auth: Auth) -> AppResult<Response> {
    let lang = auth.ctx.lang;
    let rows = briefs::archive(&state.db, 100, 0)
        .await?
        .into_iter()
        .map(|b| {
            (
                b.day.clone(),
                date_label(&b.day, lang),
                b.published_at
                    .map(platform::web::format::fmt_ms)
                    .unwrap_or_default(),
            )
        })
        .collect();
    render(ArchivePage {
        ctx: auth.ctx,
        rows,
    })
}

async fn compose(
    State(state): State<AppState>,
    auth: Auth,
    CsrfForm(_): CsrfForm<serde_json::Value>,
) -> AppResult<Response> {
    require_editor(&auth)?;
    let day = engine::today();
    engine::compose(&state.db, &auth.ctx.actor(), day)
        .await
        .map_err(engine_error)?;
    Ok(Redirect::to(&format!("/operations/brief/{day}")).into_response())
}

#[derive(Deserialize)]
struct LeadForm {
    #[serde(default)]
    lead: String,
}

async fn lead(
    State(state): State<AppState>,
    auth: Auth,
    Path(day): Path<String>,
    CsrfForm(f): CsrfForm<LeadForm>,
) -> AppResult<Response> {
    require_editor(&auth)?;
    let day = parse_day(&day)?.to_string();
    match engine::set_lead(&state.db, &auth.ctx.actor(), &day, &f.lead).await {
        Ok(()) => Ok(Redirect::to(&format!("/operations/brief/{day}")).into_response()),
        Err(BriefError::Invalid(problems)) => {
            refused(&state, auth, &day, problems, NewsInput::default()).await
        }
        Err(e) => Err(engine_error(e)),
    }
}

/// The draft again with the problems of a refused form and what was typed.
async fn refused(
    state: &AppState,
    auth: Auth,
    day: &str,
    problems: Vec<Problem>,
    typed: NewsInput,
) -> AppResult<Response> {
    let b = briefs::by_day(&state.db, day)
        .await?
        .ok_or_else(AppError::not_found)?;
    let errors = FormError::from_problems(&problems, auth.ctx.lang, "");
    page(state, auth, b, errors, typed).await
}

async fn add_news(
    State(state): State<AppState>,
    auth: Auth,
    Path(day): Path<String>,
    CsrfForm(n): CsrfForm<NewsInput>,
) -> AppResult<Response> {
    require_editor(&auth)?;
    let day = parse_day(&day)?.to_string();
    match engine::add_news(&state.db, &auth.ctx.actor(), &day, &n).await {
        Ok(_) => Ok(Redirect::to(&format!("/operations/brief/{day}#news")).into_response()),
        Err(BriefError::Invalid(problems)) => refused(&state, auth, &day, problems, n).await,
        Err(e) => Err(engine_error(e)),
    }
}

async fn remove_news(
    State(state): State<AppState>,
    auth: Auth,
    Path((day, id)): Path<(String, i64)>,
    CsrfForm(_): CsrfForm<serde_json::Value>,
) -> AppResult<Response> {
    require_editor(&auth)?;
    let day = parse_day(&day)?.to_string();
    engine::remove_news(&state.db, &auth.ctx.actor(), &day, id)
        .await
        .map_err(engine_error)?;
    Ok(Redirect::to(&format!("/operations/brief/{day}#news")).into_response())
}

async fn publish(
    State(state): State<AppState>,
    auth: Auth,
    Path(day): Path<String>,
    CsrfForm(_): CsrfForm<serde_json::Value>,
) -> AppResult<Response> {
    require_editor(&auth)?;
    let date = parse_day(&day)?;
    let day = date.to_string();
    // The e-mail: in Vietnamese (the brief's language), with its address and sections.
    let b = briefs::by_day(&state.db, &day)
        .await?
        .ok_or_else(AppError::not_found)?;
    let content: BriefContent = serde_json::from_str(&b.content).map_err(AppError::internal)?;
    let news = briefs::news(&state.db, b.id).await?;
    let (subject, body) = email(&b.lead, &content, &news, date);
    engine::publish(&state.db, &auth.ctx.actor(), &day, &subject, &body)
        .await
        .map_err(engine_error)?;
    Ok(Redirect::to(&format!("/operations/brief/{day}")).into_response())
}

/// The brief's sections as titled lists of lines, for e-mail and PDF (the page draws its own).
fn outline(s: &Sections, lang: Lang) -> Vec<(String, Vec<String>)> {
    let t = |k: &str| platform::i18n::t(lang, k);
    vec![
        (
            t("brief.received_title"),
            s.received
                .iter()
                .map(|(tpl, u, p, at)| format!("{tpl} · {u} · {p} ({at})"))
                .collect(),
        ),
        (
            t("brief.movements_title"),
            s.movements
                .iter()
                .map(|(n, c)| format!("{n}: {c} {}", t("brief.on_last_year")))
                .collect(),
        ),
        (
            t("brief.targets_title"),
            s.targets
                .iter()
                .map(|(n, _, x)| format!("{n}: {x}"))
                .collect(),
        ),
        (t("brief.late_title"), s.late.clone()),
        (t("brief.deadlines_title"), s.deadlines.clone()),
        (t("ops_health.brief_title"), s.sites.clone()),
    ]
}

/// The brief as plain text for e-mail (Vietnamese).
fn email(
    lead: &str,
    c: &BriefContent,
    news: &[briefs::NewsRow],
    day: time::Date,
) -> (String, String) {
    let lang = Lang::Vi;
    let s = sections(c, lang);
    let t = |k: &str| platform::i18n::t(lang, k);
    let mut body = String::new();
    if !lead.is_empty() {
        body.push_str(lead);
        body.push_str("\n\n");
    }
    let mut section = |title: &str, lines: Vec<String>| {
        if !lines.is_empty() {
            body.push_str(title);
            body.push('\n');
            for l in lines {
                body.push_str("- ");
                body.push_str(&l);
                body.push('\n');
            }
            body.push('\n');
        }
    };
    for (title, lines) in outline(&s, lang) {
        section(&title, lines);
    }
    section(
        &t("brief.news_title"),
        news.iter()
            .map(|n| {
                let link = n
                    .link
                    .as_deref()
                    .map(|l| format!(" ({l})"))
                    .unwrap_or_default();
                format!("{} — {}: {}{link}", n.title, n.source, n.summary)
            })
            .collect(),
    );
    body.push_str(&format!("/operations/brief/{day}\n"));
    let subject = platform::i18n::t_args(lang, "brief.email_subject", &[("day", lang.date(day))]);
    (subject, body)
}

/// `/operations/brief/{day}/pdf`: the brief as an A4 PDF in the reader's language (fonts
/// embedded), for printing and filing.
async fn pdf(
    State(state): State<AppState>,
    auth: Auth,
    Path(day): Path<String>,
) -> AppResult<Response> {
    let date = parse_day(&day)?;
    let day = date.to_string();
    let b = briefs::by_day(&state.db, &day)
        .await?
        .ok_or_else(AppError::not_found)?;
    if b.status == "draft" && !is_editor(&auth) {
        return Err(AppError::not_found());
    }
    let lang = auth.ctx.lang;
    let content: BriefContent = serde_json::from_str(&b.content).map_err(AppError::internal)?;
    let news = briefs::news(&state.db, b.id).await?;
    let s = sections(&content, lang);
    let t = |k: &str| platform::i18n::t(lang, k);
    let title = format!("{} — {}", t("brief.title"), lang.date(date));
    let mut doc = platform::pdf::Pdf::new(&title, lang.code(), &t("app.name"));
    doc.title(&title);
    if b.status == "draft" {
        doc.note(&t("brief.draft"));
    }
    if !b.lead.is_empty() {
        doc.paragraph(&b.lead);
    }
    for (heading, items) in outline(&s, lang) {
        doc.heading(&heading);
        if items.is_empty() {
            doc.paragraph(&t("brief.none"));
        }
        for i in items {
            doc.bullet(&i);
        }
    }
    doc.heading(&t("brief.news_title"));
    if news.is_empty() {
        doc.paragraph(&t("brief.no_news"));
    }
    for n in &news {
        doc.bullet(&format!("{} — {}", n.title, n.source));
        doc.paragraph(&n.summary);
        if let Some(l) = &n.link {
            doc.note(l);
        }
    }
    let bytes = doc.finish().map_err(AppError::internal)?;
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/pdf".to_owned(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("inline; filename=\"diem-tin-{day}.pdf\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Deserialize)]
struct SubscriberForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    action: String,
}

async fn subscribers(
    State(state): State<AppState>,
    auth: Auth,
    CsrfForm(f): CsrfForm<SubscriberForm>,
) -> AppResult<Response> {
    require_editor(&auth)?;
    let remove = f.action == "remove";
    let day = engine::today().to_string();
    match engine::subscription(&state.db, &auth.ctx.actor(), &f.email, remove).await {
        Ok(()) => Ok(Redirect::to(&format!("/operations/brief/{day}#subscribers")).into_response()),
        Err(BriefError::Invalid(problems)) if briefs::by_day(&state.db, &day).await?.is_some() => {
            refused(&state, auth, &day, problems, NewsInput::default()).await
        }
        Err(e) => Err(engine_error(e)),
    }
}
