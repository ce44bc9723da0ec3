//! The public catalogue of procedures (no sign-in needed): `/services` (search with facets,
//! paged), a procedure's page `/services/procedures/{code}` with everything a citizen needs, its
//! online form `/services/procedures/{code}/form` (shown and checked: what was typed comes back
//! with a message per field; dossiers save it), and a paper's form file.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use platform::error::{AppError, AppResult, Problem};
use platform::i18n::{Lang, t, t_args};
use platform::web::admin::render;
use platform::web::form::FormError;
use platform::web::{AppState, CsrfForm, Ctx, Path, Query};
use serde::Deserialize;

use crate::model::form::FormView;
use crate::model::procedure::{Level, OnlineLevel};
use crate::query::{self, ProcedureVersion, Search};

/// Procedures on a page of the catalogue.
pub const PER_PAGE: i64 = 20;
/// The longest search text.
pub const MAX_Q: usize = 200;

/// Whole đồng with the reader's thousands separator (`50.000 đ`, `50,000 VND`); 0 is "free".
pub fn money(lang: Lang, n: i64) -> String {
    if n == 0 {
        return t(lang, "services_catalogue.free");
    }
    let digits = n.to_string();
    let sep = if lang == Lang::Vi { '.' } else { ',' };
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    t_args(lang, "services_catalogue.money", &[("n", out)])
}

pub fn level_label(lang: Lang, l: Level) -> String {
    t(lang, &format!("services_catalogue.level_{}", l.code()))
}

pub fn online_label(lang: Lang, o: OnlineLevel) -> String {
    t(lang, &format!("services_catalogue.online_{}", o.code()))
}

pub fn days_label(lang: Lang, n: i64) -> String {
    t_args(lang, "services_catalogue.days", &[("n", n.to_string())])
}

/// `?q=&field=&agency=&level=&online=` of a search, with the page (pages) or limit and offset
/// (API).
#[derive(Deserialize, Default, Clone, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Words of the code or the name (diacritics and case do not matter).
    pub q: Option<String>,
    /// A field's code (`ho_tich`).
    pub field: Option<String>,
    /// The implementing agency's code in the registry (`btp`).
    pub agency: Option<String>,
    /// `central`, `province` or `commune`.
    pub level: Option<String>,
    /// `full`, `partial` or `none`.
    pub online: Option<String>,
    /// 1–100 (default 20).
    pub limit: Option<i64>,
    /// From 0 (default 0).
    pub offset: Option<i64>,
    /// The page, from 1 (pages only).
    #[param(ignore)]
    pub page: Option<i64>,
}

fn param_invalid(field: &'static str, value: impl ToString) -> AppError {
    AppError::invalid(
        Problem::new("param_invalid")
            .field(field)
            .arg("value", value),
    )
}

fn some(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// Check a search's parameters: unknown values are refused (422 naming the parameter).
pub async fn parse_search(state: &AppState, p: &SearchParams) -> AppResult<Search> {
    let q = some(&p.q).unwrap_or_default();
    if q.chars().count() > MAX_Q {
        return Err(AppError::invalid(
            Problem::new("text_too_long")
                .field("q")
                .arg("field", "q")
                .arg("length", q.chars().count())
                .arg("max", MAX_Q),
        ));
    }
    let field = match some(&p.field) {
        None => None,
        Some(f) => {
            if !query::fields(&state.db).await?.iter().any(|x| x.code == f) {
                return Err(param_invalid("field", f));
            }
            Some(f)
        }
    };
    let agency_id = match some(&p.agency) {
        None => None,
        Some(a) => Some(
            registry::store::agency_by_any_code(&state.db, &a)
                .await?
                .ok_or_else(|| param_invalid("agency", &a))?
                .id,
        ),
    };
    let level = match some(&p.level) {
        None => None,
        Some(l) => Some(Level::parse(&l).ok_or_else(|| param_invalid("level", &l))?),
    };
    let online = match some(&p.online) {
        None => None,
        Some(o) => Some(OnlineLevel::parse(&o).ok_or_else(|| param_invalid("online", &o))?),
    };
    let limit = p.limit.unwrap_or(PER_PAGE);
    if !(1..=100).contains(&limit) {
        return Err(param_invalid("limit", limit));
    }
    let offset = match p.page {
        Some(page) if (1..=100_000).contains(&page) => (page - 1) * limit,
        Some(page) => return Err(param_invalid("page", page)),
        None => p.offset.unwrap_or(0),
    };
    if !(0..=10_000_000).contains(&offset) {
        return Err(param_invalid("offset", offset));
    }
    Ok(Search {
        q,
        field,
        agency_id,
        level,
        online,
        limit,
        offset,
    })
}

struct Item {
    code: String,
    name: String,
    field: String,
    level: String,
    online: String,
    days: String,
    fee: String,
}

struct FacetLink {
    label: String,
    count: i64,
    href: String,
    current: bool,
}

#[derive(askama::Template)]
#[template(path = "services_catalogue.html")]
struct CataloguePage {
    ctx: Ctx,
    q: String,
    field: String,
    agency: String,
    level: String,
    online: String,
    field_options: Vec<(String, String)>,
    level_options: Vec<(String, String)>,
    online_options: Vec<(String, String)>,
    facets: Vec<(String, Vec<FacetLink>)>,
    items: Vec<Item>,
    count_text: String,
    page_text: String,
    prev: Option<String>,
    next: Option<String>,
}

fn href(pairs: &[(&str, &str)]) -> String {
    let q: Vec<String> = pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", platform::web::ctx::urlencode(v)))
        .collect();
    if q.is_empty() {
        "/services".into()
    } else {
        format!("/services?{}", q.join("&"))
    }
}

/// `/services`: search the published catalogue.
pub async fn catalogue_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(p): Query<SearchParams>,
) -> AppResult<Response> {
    let lang = ctx.lang;
    let s = parse_search(
        &state,
        &SearchParams {
            limit: None,
            offset: None,
            ..p.clone()
        },
    )
    .await?;
    let found = query::search(&state.db, &s, lang).await?;
    let fields = query::fields(&state.db).await?;
    let field_name = |code: &str| {
        fields
            .iter()
            .find(|f| f.code == code)
            .map(|f| f.name(lang).to_owned())
            .unwrap_or_else(|| code.to_owned())
    };
    let cur = [
        ("q", s.q.clone()),
        ("field", s.field.clone().unwrap_or_default()),
        ("agency", some(&p.agency).unwrap_or_default()),
        (
            "level",
            s.level.map(|l| l.code().to_owned()).unwrap_or_default(),
        ),
        (
            "online",
            s.online.map(|o| o.code().to_owned()).unwrap_or_default(),
        ),
    ];
    let with = |key: &str, value: &str, page: i64| {
        let page = if page > 1 {
            page.to_string()
        } else {
            String::new()
        };
        let mut pairs: Vec<(&str, &str)> = cur
            .iter()
            .map(|(k, v)| (*k, if *k == key { value } else { v.as_str() }))
            .collect();
        pairs.push(("page", &page));
        href(&pairs)
    };
    let agencies = registry::store::list_agencies(&state.db, None, None, None).await?;
    let facet = |key: &str, items: &[query::FacetCount]| -> Vec<FacetLink> {
        items
            .iter()
            .map(|f| {
                let value = if key == "agency" {
                    agencies
                        .iter()
                        .find(|a| a.id.to_string() == f.value)
                        .map(|a| a.code.clone())
                        .unwrap_or_default()
                } else {
                    f.value.clone()
                };
                let current = cur.iter().any(|(k, v)| *k == key && *v == value);
                FacetLink {
                    label: f.label.clone(),
                    count: f.count,
                    href: with(key, if current { "" } else { &value }, 1),
                    current,
                }
            })
            .collect()
    };
    let facets = vec![
        (
            t(lang, "services_catalogue.field"),
            facet("field", &found.facets.field),
        ),
        (
            t(lang, "services_catalogue.agency"),
            facet("agency", &found.facets.agency),
        ),
        (
            t(lang, "services_catalogue.level"),
            facet("level", &found.facets.level),
        ),
        (
            t(lang, "services_catalogue.online"),
            facet("online", &found.facets.online),
        ),
    ];
    let page = s.offset / s.limit + 1;
    let pages = ((found.total + s.limit - 1) / s.limit).max(1);
    render(CataloguePage {
        q: s.q.clone(),
        field: s.field.clone().unwrap_or_default(),
        agency: some(&p.agency).unwrap_or_default(),
        level: s.level.map(|l| l.code().to_owned()).unwrap_or_default(),
        online: s.online.map(|o| o.code().to_owned()).unwrap_or_default(),
        field_options: fields
            .iter()
            .map(|f| (f.code.clone(), f.name(lang).to_owned()))
            .collect(),
        level_options: Level::ALL
            .iter()
            .map(|l| (l.code().to_owned(), level_label(lang, *l)))
            .collect(),
        online_options: OnlineLevel::ALL
            .iter()
            .map(|o| (o.code().to_owned(), online_label(lang, *o)))
            .collect(),
        facets,
        items: found
            .items
            .iter()
            .map(|i| Item {
                code: i.code.clone(),
                name: if lang == Lang::Vi {
                    i.name_vi.clone()
                } else {
                    i.name_en.clone()
                },
                field: field_name(&i.field),
                level: level_label(lang, i.level),
                online: online_label(lang, i.online_level),
                days: days_label(lang, i.processing_days),
                fee: money(lang, i.fee_vnd),
            })
            .collect(),
        count_text: t_args(
            lang,
            "services_catalogue.count",
            &[("n", found.total.to_string())],
        ),
        page_text: t_args(
            lang,
            "services_catalogue.page",
            &[("page", page.to_string()), ("pages", pages.to_string())],
        ),
        prev: (page > 1).then(|| with("", "", page - 1)),
        next: (page < pages).then(|| with("", "", page + 1)),
        ctx,
    })
}

struct PaperView {
    name: String,
    originals: i64,
    copies: i64,
    file_href: Option<String>,
    file_name: String,
}

#[derive(askama::Template)]
#[template(path = "services_procedure.html")]
struct ProcedurePage {
    ctx: Ctx,
    code: String,
    version: i64,
    name: String,
    field: String,
    level: String,
    agency: String,
    days: String,
    fee: String,
    fees_note: String,
    online: String,
    assurance: String,
    result: String,
    legal_basis: String,
    papers: Vec<PaperView>,
    has_form: bool,
    /// Offered online: a citizen may apply here.
    online_apply: bool,
}

/// The published version of a procedure, or 404.
pub async fn published_or_404(state: &AppState, code: &str) -> AppResult<ProcedureVersion> {
    if code.len() > 40 {
        return Err(AppError::not_found());
    }
    query::published_version(&state.db, code)
        .await?
        .ok_or_else(AppError::not_found)
}

/// `/services/procedures/{code}`: everything a citizen needs to know about a procedure.
pub async fn procedure_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> AppResult<Response> {
    let v = published_or_404(&state, &code).await?;
    let lang = ctx.lang;
    let s = &v.spec;
    let fields = query::fields(&state.db).await?;
    let agency = match v.agency_id {
        Some(a) => registry::store::agency(&state.db, a)
            .await?
            .map(|a| a.name(lang).to_owned())
            .unwrap_or_default(),
        None => t_args(
            lang,
            "services_catalogue.every_agency",
            &[("level", level_label(lang, s.level))],
        ),
    };
    let vi = lang == Lang::Vi;
    render(ProcedurePage {
        code: s.code.clone(),
        version: v.version,
        name: if vi {
            s.name_vi.clone()
        } else {
            s.name_en.clone()
        },
        field: fields
            .iter()
            .find(|f| f.code == s.field)
            .map(|f| f.name(lang).to_owned())
            .unwrap_or_else(|| s.field.clone()),
        level: level_label(lang, s.level),
        agency,
        days: days_label(lang, s.processing_days),
        fee: money(lang, s.fee_vnd),
        fees_note: s.fees_note.clone(),
        online: online_label(lang, s.online_level),
        assurance: t(
            lang,
            &format!("services_catalogue.assurance_{}", s.min_assurance),
        ),
        result: if vi {
            s.result_vi.clone()
        } else {
            s.result_en.clone()
        },
        legal_basis: s.legal_basis.clone(),
        papers: s
            .papers
            .iter()
            .enumerate()
            .map(|(i, p)| PaperView {
                name: if vi {
                    p.name_vi.clone()
                } else {
                    p.name_en.clone()
                },
                originals: p.originals,
                copies: p.copies,
                file_href: p
                    .form_file
                    .as_ref()
                    .map(|_| format!("/services/procedures/{}/papers/{}/form-file", s.code, i + 1)),
                file_name: p
                    .form_file
                    .as_ref()
                    .map(|f| f.name.clone())
                    .unwrap_or_default(),
            })
            .collect(),
        has_form: !v.form.is_empty(),
        online_apply: s.online_level != OnlineLevel::None,
        ctx,
    })
}

#[derive(askama::Template)]
#[template(path = "services_form.html")]
struct FormPage {
    ctx: Ctx,
    code: String,
    name: String,
    title: String,
    form: FormView,
    form_errors: Vec<FormError>,
    notice: Option<String>,
}

fn form_page(
    ctx: Ctx,
    v: &ProcedureVersion,
    typed: &BTreeMap<String, String>,
    errors: &[crate::model::form::FieldError],
    notice: Option<String>,
) -> AppResult<Response> {
    let lang = ctx.lang;
    let form = v.form.view(lang, typed, errors);
    let name = if lang == Lang::Vi {
        v.spec.name_vi.clone()
    } else {
        v.spec.name_en.clone()
    };
    let mut res = render(FormPage {
        code: v.spec.code.clone(),
        title: t_args(
            lang,
            "services_catalogue.form_title",
            &[("name", name.clone())],
        ),
        name,
        form_errors: form.errors.clone(),
        form,
        notice,
        ctx,
    })?;
    if !errors.is_empty() {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

/// `/services/procedures/{code}/form`: the online form, empty.
pub async fn form_get(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> AppResult<Response> {
    let v = published_or_404(&state, &code).await?;
    if v.form.is_empty() {
        return Err(AppError::not_found());
    }
    form_page(ctx, &v, &BTreeMap::new(), &[], None)
}

/// The form sent: checked; the form again with a message per field, or a notice that it is
/// complete (a dossier keeps it: see the dossiers' pages).
pub async fn form_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    CsrfForm(typed): CsrfForm<BTreeMap<String, String>>,
) -> AppResult<Response> {
    let v = published_or_404(&state, &code).await?;
    if v.form.is_empty() {
        return Err(AppError::not_found());
    }
    match v.form.validate(&typed) {
        Ok(_) => {
            let notice = Some(t(ctx.lang, "services_catalogue.form_complete"));
            form_page(ctx, &v, &typed, &[], notice)
        }
        Err(errors) => form_page(ctx, &v, &typed, &errors, None),
    }
}

/// `/services/procedures/{code}/papers/{n}/form-file`: a paper's form file (the blank to fill).
pub async fn form_file(
    State(state): State<AppState>,
    Path((code, n)): Path<(String, usize)>,
) -> AppResult<Response> {
    let v = published_or_404(&state, &code).await?;
    let Some(f) = n
        .checked_sub(1)
        .and_then(|i| v.spec.papers.get(i))
        .and_then(|p| p.form_file.clone())
    else {
        return Err(AppError::not_found());
    };
    platform::web::attachment(&state, &f.name, &f.sha256).await
}
