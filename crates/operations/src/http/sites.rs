//! The registry of connected sites (điểm kết nối) over HTTP: the list (`/operations/sites`,
//! filtered by kind, category and unit), a site's page with the slot its live video plays in (or
//! a conference point's join link), the create / edit / turn off–on forms, the CSV import and
//! export, and the JSON twins (`GET /api/v1/operations/sites`,
//! `POST /api/v1/operations/sites/import`).
//!
//! Officials read (any complete sign-in; the public never sees a camera); system administrators
//! write, and agency administrators for sites of units within their scope.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use platform::error::{AppError, AppResult, Problem};
use platform::i18n::{Lang, t_args};
use platform::web::admin::{fmt_ms, render};
use platform::web::form::{FormError, error_at};
use platform::web::{AppState, Auth, Bytes, CsrfForm, Ctx, Json, Multipart, Path, Query};
use serde::{Deserialize, Serialize};

use crate::engine::sites::{self as engine, Imported, SiteError};
use crate::model::site::{Category, Site, SiteDraft, SiteKind, SiteState};
use crate::store::sites as store;

/// The most sites a page lists (the count covers them all).
pub const MAX_LISTED: usize = 500;

pub(crate) fn kind_label(ctx: &Ctx, k: SiteKind) -> String {
    ctx.t(&format!("ops_sites.kind_{}", k.as_str()))
}

pub(crate) fn category_label(ctx: &Ctx, c: Category) -> String {
    ctx.t(&format!("ops_sites.category_{}", c.as_str()))
}

/// The state as an icon (hidden from screen readers) and its text.
pub(crate) fn state_view(
    ctx: &Ctx,
    s: SiteState,
    active: bool,
) -> (&'static str, &'static str, String) {
    if !active {
        return ("○", "status-not_yet", ctx.t("ops_sites.state_off"));
    }
    match s {
        SiteState::Up => ("✔", "status-on_time", ctx.t("ops_sites.state_up")),
        SiteState::Down => ("✖", "status-missing", ctx.t("ops_sites.state_down")),
        SiteState::Unknown => ("?", "status-not_yet", ctx.t("ops_sites.state_unknown")),
    }
}

/// The field labels, for messages that name their field.
fn field_label(lang: Lang, field: &str) -> String {
    let key = format!("ops_sites.field_{field}");
    let text = platform::i18n::t(lang, &key);
    if text == key { field.to_owned() } else { text }
}

/// A problem's field named in the reader's language where its message says `{field}`.
pub(crate) fn named(p: &Problem, lang: Lang) -> Problem {
    let mut p = p.clone();
    if !p.args.iter().any(|(k, _)| *k == "field")
        && let Some(f) = p.field.clone()
    {
        let column = p
            .args
            .iter()
            .find(|(k, _)| *k == "column")
            .map(|(_, v)| v.clone())
            .unwrap_or(f);
        p.args.push(("field", field_label(lang, &column)));
    }
    p
}

/// Form errors of a site's form (fields keep their ids).
fn form_errors(problems: &[Problem], lang: Lang) -> Vec<FormError> {
    let named: Vec<Problem> = problems.iter().map(|p| named(p, lang)).collect();
    FormError::from_problems(&named, lang, "")
}

/// Errors of an import: each row's problem prefixed with its line and column.
fn import_errors(problems: &[Problem], lang: Lang) -> Vec<FormError> {
    platform::error::bounded(problems)
        .iter()
        .map(|p| {
            let p = named(p, lang);
            let arg = |k: &str| p.args.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone());
            let text = match (arg("line"), arg("column")) {
                (Some(line), Some(column)) if !column.is_empty() => t_args(
                    lang,
                    "ops_sites.row_error",
                    &[
                        ("line", line),
                        ("column", column),
                        ("detail", p.detail(lang)),
                    ],
                ),
                _ => p.detail(lang),
            };
            FormError { text, field: None }
        })
        .collect()
}

/// A site as the list shows it.
pub(crate) struct SiteRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub category: String,
    pub unit: String,
    pub place: String,
    pub icon: &'static str,
    pub state_class: &'static str,
    pub state: String,
    pub since: String,
    pub active: bool,
}

fn row(ctx: &Ctx, s: &Site) -> SiteRow {
    let (icon, state_class, state) = state_view(ctx, s.state, s.active);
    SiteRow {
        id: s.id,
        code: s.spec.code.clone(),
        name: s.spec.name.clone(),
        kind: kind_label(ctx, s.spec.kind),
        category: category_label(ctx, s.spec.category),
        unit: s.spec.unit_code.clone().unwrap_or_default(),
        place: s.spec.place.clone(),
        icon,
        state_class,
        state,
        since: s.state_since.map(fmt_ms).unwrap_or_default(),
        active: s.active,
    }
}

/// `?kind=&category=&unit=` of a list of sites.
#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// `camera` or `conference`.
    kind: Option<String>,
    /// `admin_centre`, `border_gate`, `dam` or `other`.
    category: Option<String>,
    /// A registry unit code (sites of that unit).
    unit: Option<String>,
    /// `done=created|updated|imported` (pages only).
    #[serde(default)]
    #[param(ignore)]
    done: Option<String>,
}

struct Filter {
    kind: Option<SiteKind>,
    category: Option<Category>,
    unit: Option<String>,
}

fn param_invalid(field: &'static str, value: &str) -> AppError {
    AppError::invalid(
        Problem::new("param_invalid")
            .field(field)
            .arg("value", value),
    )
}

fn parse_filter(q: &ListParams) -> AppResult<Filter> {
    let some = |s: &Option<String>| {
        s.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let kind = match some(&q.kind) {
        None => None,
        Some(k) => Some(SiteKind::parse(&k).ok_or_else(|| param_invalid("kind", &k))?),
    };
    let category = match some(&q.category) {
        None => None,
        Some(c) => Some(
            Category::ALL
                .into_iter()
                .find(|x| x.as_str() == c)
                .ok_or_else(|| param_invalid("category", &c))?,
        ),
    };
    let unit = some(&q.unit);
    if let Some(u) = &unit
        && (u.chars().count() > crate::model::site::MAX_CODE
            || platform::web::extract::refused_char(u).is_some())
    {
        return Err(param_invalid("unit", u));
    }
    Ok(Filter {
        kind,
        category,
        unit,
    })
}

async fn filtered(state: &AppState, f: &Filter) -> AppResult<Vec<Site>> {
    Ok(store::list(&state.db, f.kind)
        .await?
        .into_iter()
        .filter(|s| f.category.is_none_or(|c| s.spec.category == c))
        .filter(|s| {
            f.unit
                .as_deref()
                .is_none_or(|u| s.spec.unit_code.as_deref() == Some(u))
        })
        .collect())
}

fn grants(auth: &Auth) -> &[platform::identity::access::Grant] {
    &auth.principal.grants
}

#[derive(askama::Template)]
#[template(path = "sites.html")]
struct ListPage {
    ctx: Ctx,
    rows: Vec<SiteRow>,
    count_text: String,
    kinds: Vec<(&'static str, String)>,
    categories: Vec<(&'static str, String)>,
    kind: String,
    category: String,
    unit: String,
    may_write: bool,
    notice: Option<String>,
    form_errors: Vec<FormError>,
}

/// `/operations/sites`: the cameras and conference points, filtered, with their state.
pub async fn list_page(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<ListParams>,
) -> AppResult<Response> {
    let f = parse_filter(&q)?;
    let ctx = auth.ctx.clone();
    let sites = filtered(&state, &f).await?;
    let notice = match q.done.as_deref() {
        Some("created") => Some(ctx.t("ops_sites.done_created")),
        Some("updated") => Some(ctx.t("ops_sites.done_updated")),
        _ => None,
    };
    render(ListPage {
        count_text: t_args(
            ctx.lang,
            "ops_sites.count",
            &[
                ("shown", sites.len().min(MAX_LISTED).to_string()),
                ("total", sites.len().to_string()),
            ],
        ),
        rows: sites
            .iter()
            .take(MAX_LISTED)
            .map(|s| row(&ctx, s))
            .collect(),
        kinds: SiteKind::ALL
            .into_iter()
            .map(|k| (k.as_str(), kind_label(&ctx, k)))
            .collect(),
        categories: Category::ALL
            .into_iter()
            .map(|c| (c.as_str(), category_label(&ctx, c)))
            .collect(),
        kind: f.kind.map(|k| k.as_str().to_owned()).unwrap_or_default(),
        category: f
            .category
            .map(|c| c.as_str().to_owned())
            .unwrap_or_default(),
        unit: f.unit.unwrap_or_default(),
        may_write: engine::may_write_some(grants(&auth)),
        notice,
        form_errors: Vec::new(),
        ctx,
    })
}

/// What the site form held when it was sent.
#[derive(Deserialize, Default, Clone)]
pub struct SiteForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    unit_code: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    latitude: String,
    #[serde(default)]
    longitude: String,
    #[serde(default)]
    url: String,
}

impl SiteForm {
    fn draft(&self) -> SiteDraft {
        SiteDraft {
            code: self.code.clone(),
            kind: self.kind.clone(),
            category: self.category.clone(),
            name: self.name.clone(),
            unit_code: self.unit_code.clone(),
            place: self.place.clone(),
            latitude: self.latitude.clone(),
            longitude: self.longitude.clone(),
            url: self.url.clone(),
        }
    }
    fn of(s: &Site) -> SiteForm {
        let c = |x: Option<f64>| x.map(|x| x.to_string()).unwrap_or_default();
        SiteForm {
            code: s.spec.code.clone(),
            kind: s.spec.kind.as_str().to_owned(),
            category: s.spec.category.as_str().to_owned(),
            name: s.spec.name.clone(),
            unit_code: s.spec.unit_code.clone().unwrap_or_default(),
            place: s.spec.place.clone(),
            latitude: c(s.spec.latitude),
            longitude: c(s.spec.longitude),
            url: s.spec.url.clone(),
        }
    }
}

#[derive(askama::Template)]
#[template(path = "sites_form.html")]
struct FormPage {
    ctx: Ctx,
    /// None: a new site.
    id: Option<i64>,
    typed: SiteForm,
    kinds: Vec<(&'static str, String)>,
    categories: Vec<(&'static str, String)>,
    form_errors: Vec<FormError>,
}

impl FormPage {
    fn error(&self, id: &str) -> Option<&str> {
        error_at(&self.form_errors, id)
    }
}

fn form_page(
    ctx: Ctx,
    id: Option<i64>,
    typed: SiteForm,
    form_errors: Vec<FormError>,
    status: StatusCode,
) -> AppResult<Response> {
    let mut res = render(FormPage {
        kinds: SiteKind::ALL
            .into_iter()
            .map(|k| (k.as_str(), kind_label(&ctx, k)))
            .collect(),
        categories: Category::ALL
            .into_iter()
            .map(|c| (c.as_str(), category_label(&ctx, c)))
            .collect(),
        id,
        typed,
        form_errors,
        ctx,
    })?;
    *res.status_mut() = status;
    Ok(res)
}

/// Writing needs an administrator's session that passed the second factor.
fn require_writer(auth: &Auth) -> AppResult<()> {
    if !engine::may_write_some(grants(auth)) {
        return Err(AppError::forbidden());
    }
    auth.principal
        .admin_caller(auth.actor())
        .require_admin_session()
}

/// `/operations/sites/new`: the form for a new site.
pub async fn new_page(auth: Auth) -> AppResult<Response> {
    require_writer(&auth)?;
    let typed = SiteForm {
        kind: "camera".into(),
        category: "admin_centre".into(),
        ..Default::default()
    };
    form_page(auth.ctx, None, typed, Vec::new(), StatusCode::OK)
}

/// The answer to a refused change: the form again with every problem, nothing written.
fn refused(ctx: Ctx, id: Option<i64>, form: SiteForm, e: SiteError) -> AppResult<Response> {
    match e {
        SiteError::Invalid(problems) => {
            let errors = form_errors(&problems, ctx.lang);
            form_page(ctx, id, form, errors, StatusCode::UNPROCESSABLE_ENTITY)
        }
        SiteError::OutOfScope => Err(AppError::forbidden()),
        SiteError::NotFound => Err(AppError::not_found()),
        SiteError::Db(e) => Err(AppError::from(e)),
    }
}

/// Create a site.
pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    CsrfForm(form): CsrfForm<SiteForm>,
) -> AppResult<Response> {
    require_writer(&auth)?;
    match engine::create(&state.db, &auth.actor(), grants(&auth), &form.draft()).await {
        Ok(id) => Ok(Redirect::to(&format!("/operations/sites/{id}?done=created")).into_response()),
        Err(e) => refused(auth.ctx, None, form, e),
    }
}

async fn site_or_404(state: &AppState, id: i64) -> AppResult<Site> {
    store::get(&state.db, id)
        .await?
        .ok_or_else(AppError::not_found)
}

/// `/operations/sites/{id}/edit`: the form holding the site.
pub async fn edit_page(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    require_writer(&auth)?;
    let site = site_or_404(&state, id).await?;
    if !engine::may_write(grants(&auth), &engine::site_target(&state.db, &site).await?) {
        return Err(AppError::forbidden());
    }
    form_page(
        auth.ctx,
        Some(id),
        SiteForm::of(&site),
        Vec::new(),
        StatusCode::OK,
    )
}

/// Change a site.
pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<SiteForm>,
) -> AppResult<Response> {
    require_writer(&auth)?;
    match engine::update(&state.db, &auth.actor(), grants(&auth), id, &form.draft()).await {
        Ok(()) => Ok(Redirect::to(&format!("/operations/sites/{id}?done=updated")).into_response()),
        Err(e) => refused(auth.ctx, Some(id), form, e),
    }
}

#[derive(Deserialize)]
pub struct ActiveForm {
    active: bool,
}

/// Turn a site off or on.
pub async fn set_active(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<ActiveForm>,
) -> AppResult<Response> {
    require_writer(&auth)?;
    match engine::set_active(&state.db, &auth.actor(), grants(&auth), id, form.active).await {
        Ok(()) => Ok(Redirect::to(&format!("/operations/sites/{id}")).into_response()),
        Err(SiteError::NotFound) => Err(AppError::not_found()),
        Err(SiteError::OutOfScope) => Err(AppError::forbidden()),
        Err(SiteError::Db(e)) => Err(AppError::from(e)),
        Err(e) => Err(AppError::internal(e)),
    }
}

#[derive(askama::Template)]
#[template(path = "site.html")]
struct SitePage {
    ctx: Ctx,
    site: SiteRow,
    camera: bool,
    url: String,
    latitude: String,
    longitude: String,
    checked: String,
    finding: String,
    may_write: bool,
    notice: Option<String>,
}

#[derive(Deserialize)]
pub struct DoneParams {
    done: Option<String>,
}

/// `/operations/sites/{id}`: a site's description and the slot where its video plays (a
/// camera) or its join link (a conference point).
pub async fn site_page(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(q): Query<DoneParams>,
) -> AppResult<Response> {
    let site = site_or_404(&state, id).await?;
    let ctx = auth.ctx.clone();
    let may_write = engine::may_write(grants(&auth), &engine::site_target(&state.db, &site).await?)
        && auth.principal.two_factor_done();
    let notice = match q.done.as_deref() {
        Some("created") => Some(ctx.t("ops_sites.done_created")),
        Some("updated") => Some(ctx.t("ops_sites.done_updated")),
        _ => None,
    };
    let c = |x: Option<f64>| x.map(|x| x.to_string()).unwrap_or_default();
    render(SitePage {
        camera: site.spec.kind == SiteKind::Camera,
        url: site.spec.url.clone(),
        latitude: c(site.spec.latitude),
        longitude: c(site.spec.longitude),
        checked: site.checked_at.map(fmt_ms).unwrap_or_default(),
        finding: site.finding.clone(),
        site: row(&ctx, &site),
        may_write,
        notice,
        ctx,
    })
}

/// `/operations/sites/export.csv`: the sites as the import reads them.
pub async fn export(State(state): State<AppState>, auth: Auth) -> AppResult<Response> {
    let _ = auth;
    let sites = store::list(&state.db, None).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"diem-ket-noi.csv\"",
            ),
        ],
        crate::model::sites_csv::write(&sites),
    )
        .into_response())
}

#[derive(askama::Template)]
#[template(path = "sites_import.html")]
struct ImportPage {
    ctx: Ctx,
    notice: Option<String>,
    form_errors: Vec<FormError>,
}

fn import_page_with(
    ctx: Ctx,
    notice: Option<String>,
    form_errors: Vec<FormError>,
    status: StatusCode,
) -> AppResult<Response> {
    let mut res = render(ImportPage {
        ctx,
        notice,
        form_errors,
    })?;
    *res.status_mut() = status;
    Ok(res)
}

/// `/operations/sites/import`: the upload form.
pub async fn import_page(auth: Auth) -> AppResult<Response> {
    require_writer(&auth)?;
    import_page_with(auth.ctx, None, Vec::new(), StatusCode::OK)
}

fn imported_text(lang: Lang, r: &Imported) -> String {
    t_args(
        lang,
        "ops_sites.imported",
        &[
            ("rows", r.rows.to_string()),
            ("inserted", r.inserted.to_string()),
            ("updated", r.updated.to_string()),
            ("unchanged", r.unchanged.to_string()),
        ],
    )
}

/// How many problems a (possibly cut) list stands for.
fn problem_total(problems: &[Problem]) -> usize {
    problems
        .iter()
        .map(|p| {
            if p.code == platform::error::TRUNCATED {
                p.args
                    .iter()
                    .find(|(k, _)| *k == "more")
                    .and_then(|(_, v)| v.parse().ok())
                    .unwrap_or(0)
            } else {
                1
            }
        })
        .sum()
}

/// Import a CSV file from the form (multipart, with the CSRF field): all rows or none.
pub async fn import_form(
    State(state): State<AppState>,
    auth: Auth,
    mut multipart: Multipart,
) -> AppResult<Response> {
    let mut csrf = String::new();
    let mut file: Option<Vec<u8>> = None;
    while let Some(field) = multipart.next_field().await? {
        match field.name().unwrap_or("") {
            "csrf" => csrf = field.text().await?,
            "file" => file = Some(field.bytes().await?.to_vec()),
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
    require_writer(&auth)?;
    let ctx = auth.ctx.clone();
    let lang = ctx.lang;
    let Some(bytes) = file.filter(|b| !b.is_empty()) else {
        let e = FormError::at("file", Problem::new("site_csv_empty").detail(lang));
        return import_page_with(ctx, None, vec![e], StatusCode::UNPROCESSABLE_ENTITY);
    };
    match engine::import(&state.db, &auth.actor(), grants(&auth), &bytes, false).await {
        Ok(r) => import_page_with(
            ctx,
            Some(imported_text(lang, &r)),
            Vec::new(),
            StatusCode::OK,
        ),
        Err(SiteError::Invalid(problems)) => {
            let mut errors = vec![FormError::at(
                "file",
                t_args(
                    lang,
                    "ops_sites.import_refused",
                    &[("n", problem_total(&problems).to_string())],
                ),
            )];
            errors.extend(import_errors(&problems, lang));
            import_page_with(ctx, None, errors, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(SiteError::OutOfScope) => Err(AppError::forbidden()),
        Err(SiteError::NotFound) => Err(AppError::not_found()),
        Err(SiteError::Db(e)) => Err(AppError::from(e)),
    }
}

/// The sites, as the API lists them.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SiteList {
    /// By kind then code; at most 5,000.
    pub items: Vec<Site>,
    pub meta: SiteListMeta,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SiteListMeta {
    pub total: usize,
}

/// The connected sites (cameras and video-conference points) with their state, filtered by
/// kind, category and unit. Signed-in officials only.
#[utoipa::path(get, path = "/api/v1/operations/sites", tag = "operations",
    operation_id = "list_sites",
    params(ListParams),
    responses((status = 200, description = "The sites", body = SiteList),
              (status = 401, description = "Not signed in", body = platform::error::ErrorEnvelope),
              (status = 422, description = "An unknown kind or category", body = platform::error::ErrorEnvelope)))]
pub async fn list_json(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<ListParams>,
) -> AppResult<Json<SiteList>> {
    let _ = auth;
    let f = parse_filter(&q)?;
    let items = filtered(&state, &f).await?;
    Ok(Json(SiteList {
        meta: SiteListMeta { total: items.len() },
        items,
    }))
}

/// `?dry_run=` of an import.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    /// Check and report what would change, write nothing.
    #[serde(default)]
    dry_run: bool,
}

/// Is the body declared as CSV (or undeclared)?
fn is_csv(headers: &axum::http::HeaderMap) -> bool {
    let Some(ct) = headers.get(header::CONTENT_TYPE) else {
        return true;
    };
    let ct = ct.to_str().unwrap_or("").to_ascii_lowercase();
    let essence = ct.split(';').next().unwrap_or("").trim();
    matches!(essence, "text/csv" | "application/csv" | "text/plain" | "")
}

/// Import sites from a CSV file (`code,kind,category,name,unit_code,place,latitude,longitude,url`,
/// UTF-8): all rows or none, each matched by code. System administrators, and agency
/// administrators for sites of units within their scope.
#[utoipa::path(post, path = "/api/v1/operations/sites/import", tag = "operations",
    operation_id = "import_sites",
    params(ImportParams),
    request_body(content = String, content_type = "text/csv", description = "The sites file"),
    responses((status = 200, description = "Imported whole (or checked, with dry_run)", body = Imported),
              (status = 401, description = "Not signed in", body = platform::error::ErrorEnvelope),
              (status = 403, description = "Not an administrator", body = platform::error::ErrorEnvelope),
              (status = 415, description = "Not a CSV body", body = platform::error::ErrorEnvelope),
              (status = 422, description = "Rejected whole: every problem listed by row and column", body = platform::error::ErrorEnvelope)))]
pub async fn import_json(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<ImportParams>,
    headers: axum::http::HeaderMap,
    Bytes(body): Bytes,
) -> AppResult<Json<Imported>> {
    if !engine::may_write_some(grants(&auth)) {
        return Err(AppError::forbidden());
    }
    if auth.principal.token.is_none() {
        auth.principal
            .admin_caller(auth.actor())
            .require_admin_session()?;
    }
    if !is_csv(&headers) {
        return Err(AppError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Problem::new("site_csv_content_type"),
        ));
    }
    match engine::import(&state.db, &auth.actor(), grants(&auth), &body, q.dry_run).await {
        Ok(r) => Ok(Json(r)),
        Err(SiteError::Invalid(problems)) => {
            let lang = auth.ctx.lang;
            Err(AppError::many(
                StatusCode::UNPROCESSABLE_ENTITY,
                problems.iter().map(|p| named(p, lang)).collect(),
            ))
        }
        Err(SiteError::OutOfScope) => Err(AppError::forbidden()),
        Err(SiteError::NotFound) => Err(AppError::not_found()),
        Err(SiteError::Db(e)) => Err(AppError::from(e)),
    }
}

/// The registry's pages.
pub fn router() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/operations/sites", get(list_page).post(create))
        .route("/operations/sites/new", get(new_page))
        .route("/operations/sites/export.csv", get(export))
        .route(
            "/operations/sites/import",
            get(import_page).post(import_form),
        )
        .route("/operations/sites/{id}", get(site_page).post(update))
        .route("/operations/sites/{id}/edit", get(edit_page))
        .route("/operations/sites/{id}/active", post(set_active))
}
