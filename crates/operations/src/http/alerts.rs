//! Alerts over HTTP: the list (`/operations/alerts`, open or acknowledged, with their history),
//! acknowledging one (a CSRF form; national approvers and system administrators), the rules
//! (`/operations/alerts/rules`, national system administrators) and the overview's section.
//!
//! Who sees an alert: one about an indicator, whoever may read that indicator's national
//! figures (anyone for a public one); one about missing reports, signed-in officials (like the
//! compliance board's names).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use platform::error::{AppError, AppResult};
use platform::i18n::{Lang, t_args};
use platform::identity::access::{Permission, Target};
use platform::web::admin::{fmt_ms, render};
use platform::web::form::{FormError, error_at};
use platform::web::{AppState, Auth, CsrfForm, Ctx, Json, Path, Query};
use reporting::model::indicator::Indicator;
use reporting::model::number::{Notation, read_number};
use serde::{Deserialize, Serialize};

use crate::engine::alerts::{self as engine, AlertError, NewRule};
use crate::model::alerts::{Alert, Kind, State as Filter, describe, parse_recipients, units_named};
use crate::store::alerts as store;

/// The most alerts a list shows (the count covers them all).
pub const MAX_LISTED: i64 = 100;
/// The most open alerts the overview shows.
pub const OVERVIEW_ALERTS: usize = 5;
/// The most rules the rules page lists.
const MAX_RULES: i64 = 200;
/// The longest recipient list accepted, in characters.
const MAX_RECIPIENTS_CHARS: usize = 6_000;

/// One alert as a page shows it.
pub struct AlertView {
    pub id: i64,
    pub kind: &'static str,
    pub kind_label: String,
    pub text: String,
    pub units: Vec<String>,
    pub units_more: usize,
    pub raised: String,
    pub open: bool,
    pub acknowledged: String,
}

/// May the caller acknowledge alerts? National approvers and system administrators.
fn may_acknowledge(ctx: &Ctx) -> bool {
    ctx.complete()
        .is_some_and(|p| p.allowed(Permission::ApproveData, &Target::national()))
}

fn may_manage_rules(ctx: &Ctx) -> bool {
    ctx.complete()
        .is_some_and(|p| p.allowed(Permission::ManageCatalogue, &Target::national()))
}

fn kind_label(ctx: &Ctx, kind: Kind) -> String {
    match kind {
        Kind::Above => ctx.t("alerts.kind_above"),
        Kind::Below => ctx.t("alerts.kind_below"),
        Kind::OffTarget => ctx.t("alerts.kind_off_target"),
        Kind::YoyChange => ctx.t("alerts.kind_yoy_change"),
        Kind::ReportMissing => ctx.t("alerts.kind_report_missing"),
        Kind::SiteDown => ctx.t("ops_health.kind_site_down"),
        Kind::SiteUp => ctx.t("ops_health.kind_site_up"),
    }
}

fn period_label(id: &str, lang: Lang) -> String {
    reporting::Period::parse(id)
        .map(|p| p.label(lang.code()))
        .unwrap_or_else(|_| id.to_owned())
}

/// May the caller see this alert?
fn visible(ctx: &Ctx, catalogue: &[Indicator], a: &Alert) -> bool {
    if a.kind.watches_indicator() {
        catalogue
            .iter()
            .find(|i| i.code == a.subject)
            .is_some_and(|i| reporting::model::access::may_view_national(ctx.complete(), i))
    } else {
        ctx.complete().is_some()
    }
}

fn view(ctx: &Ctx, a: &Alert) -> AlertView {
    let lang = ctx.lang;
    let units = units_named(&a.detail);
    let total = a.detail["units_total"].as_u64().unwrap_or(0) as usize;
    AlertView {
        id: a.id,
        kind: a.kind.as_str(),
        kind_label: kind_label(ctx, a.kind),
        text: describe(
            a.kind,
            a.value,
            a.threshold,
            &a.detail,
            &period_label(&a.period, lang),
            lang,
        ),
        units_more: total.saturating_sub(units.len()),
        units,
        raised: fmt_ms(a.raised_at),
        open: a.acknowledged_at.is_none(),
        acknowledged: match (&a.acknowledged_by, a.acknowledged_at) {
            (Some(by), Some(at)) => t_args(
                lang,
                "alerts.acknowledged_by",
                &[("name", by.clone()), ("at", fmt_ms(at))],
            ),
            _ => String::new(),
        },
    }
}

/// The open alerts the caller may see, newest first, at most [`OVERVIEW_ALERTS`], and how many
/// more there are; read through the node's read cache (a raised alert publishes a live event,
/// which moves the data version).
pub async fn overview_section(state: &AppState, ctx: &Ctx) -> AppResult<(Vec<AlertView>, usize)> {
    let open = state
        .cache
        .get_or_compute(
            "operations.alerts.open",
            store::list(&state.db, Filter::Open, MAX_LISTED),
        )
        .await?;
    let catalogue = reporting::query::shared_catalogue(&state.cache, &state.db).await?;
    let shown: Vec<&Alert> = open
        .0
        .iter()
        .filter(|a| visible(ctx, &catalogue, a))
        .collect();
    let more = shown.len().saturating_sub(OVERVIEW_ALERTS);
    Ok((
        shown
            .into_iter()
            .take(OVERVIEW_ALERTS)
            .map(|a| view(ctx, a))
            .collect(),
        more,
    ))
}

#[derive(askama::Template)]
#[template(path = "alerts.html")]
struct AlertsPage {
    ctx: Ctx,
    filter: &'static str,
    filters: Vec<(&'static str, String)>,
    alerts: Vec<AlertView>,
    total: i64,
    may_acknowledge: bool,
    may_manage_rules: bool,
    form_errors: Vec<FormError>,
}

/// `?state=` of a list of alerts.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// `open` (default), `acknowledged` or `all`.
    state: Option<String>,
}

/// The alerts the caller may see.
#[derive(Serialize, utoipa::ToSchema)]
pub struct AlertList {
    /// Newest first, at most 100 before the caller's visibility is applied.
    pub items: Vec<Alert>,
    pub meta: AlertMeta,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AlertMeta {
    /// Alerts in this state, whoever may see them.
    pub total: i64,
    pub limit: i64,
    pub state: String,
}

/// Alerts raised by the operations center's rules, newest first: open ones by default, or
/// acknowledged ones with who acknowledged them and when, or all. An alert on an indicator is
/// listed for whoever may read that indicator's national figures; one on missing reports for
/// signed-in callers.
#[utoipa::path(get, path = "/api/v1/operations/alerts", tag = "operations",
    operation_id = "list_alerts",
    params(ListParams),
    responses((status = 200, description = "The alerts", body = AlertList),
              (status = 422, description = "An unknown state", body = platform::error::ErrorEnvelope)))]
pub async fn list_json(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListParams>,
) -> AppResult<Json<AlertList>> {
    let filter = parse_filter(q.state.as_deref())?;
    let (alerts, total) = store::list(&state.db, filter, MAX_LISTED).await?;
    let catalogue = reporting::query::shared_catalogue(&state.cache, &state.db).await?;
    Ok(Json(AlertList {
        items: alerts
            .into_iter()
            .filter(|a| visible(&ctx, &catalogue, a))
            .collect(),
        meta: AlertMeta {
            total,
            limit: MAX_LISTED,
            state: filter.as_str().to_owned(),
        },
    }))
}

fn parse_filter(raw: Option<&str>) -> AppResult<Filter> {
    match raw {
        None => Ok(Filter::Open),
        Some(s) => Filter::parse(s).ok_or_else(|| {
            AppError::invalid(
                platform::error::Problem::new("param_invalid")
                    .field("state")
                    .arg("value", s),
            )
        }),
    }
}

async fn list_page(
    state: &AppState,
    ctx: Ctx,
    filter: Filter,
    form_errors: Vec<FormError>,
    status: StatusCode,
) -> AppResult<Response> {
    let (alerts, total) = store::list(&state.db, filter, MAX_LISTED).await?;
    let catalogue = reporting::query::shared_catalogue(&state.cache, &state.db).await?;
    let alerts = alerts
        .iter()
        .filter(|a| visible(&ctx, &catalogue, a))
        .map(|a| view(&ctx, a))
        .collect();
    let filters = Filter::ALL
        .into_iter()
        .map(|f| {
            (
                f.as_str(),
                match f {
                    Filter::Open => ctx.t("alerts.filter_open"),
                    Filter::Acknowledged => ctx.t("alerts.filter_acknowledged"),
                    Filter::All => ctx.t("alerts.filter_all"),
                },
            )
        })
        .collect();
    let mut res = render(AlertsPage {
        filter: filter.as_str(),
        filters,
        alerts,
        total,
        may_acknowledge: may_acknowledge(&ctx),
        may_manage_rules: may_manage_rules(&ctx),
        form_errors,
        ctx,
    })?;
    *res.status_mut() = status;
    Ok(res)
}

/// `/operations/alerts`: open alerts (or acknowledged, or all), newest first, with who
/// acknowledged each and when.
pub async fn page(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<ListParams>,
) -> AppResult<Response> {
    let filter = parse_filter(q.state.as_deref())?;
    list_page(&state, auth.ctx, filter, Vec::new(), StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct AckForm {
    state: Option<String>,
}

/// Acknowledge an alert. Without the permission, or when the alert is gone or acknowledged
/// already, the list comes back with the reason (nothing changes).
pub async fn acknowledge(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<AckForm>,
) -> AppResult<Response> {
    let filter = parse_filter(form.state.as_deref()).unwrap_or(Filter::Open);
    let ctx = auth.ctx.clone();
    if !may_acknowledge(&ctx) {
        // About the form as a whole: this caller has no button to link to.
        let e = FormError {
            text: ctx.t("alerts.err_ack_forbidden"),
            field: None,
        };
        return list_page(&state, ctx, filter, vec![e], StatusCode::FORBIDDEN).await;
    }
    match engine::acknowledge(&state.db, &auth.actor(), id).await {
        Ok(_) => Ok(
            Redirect::to(&format!("/operations/alerts?state={}", filter.as_str())).into_response(),
        ),
        Err(AlertError::Db(e)) => Err(AppError::from(e)),
        Err(e) => {
            let (status, key) = match e {
                AlertError::NotFound => (StatusCode::NOT_FOUND, "alerts.err_not_found"),
                _ => (StatusCode::CONFLICT, "alerts.err_already_acknowledged"),
            };
            let e = FormError {
                text: ctx.t(key),
                field: None,
            };
            list_page(&state, ctx, filter, vec![e], status).await
        }
    }
}

/// Acknowledge an alert: national approvers and system administrators, by API token (or by a
/// session, from the same origin: the JSON API's CSRF defence). Audited; the answer is the alert
/// with who acknowledged it and when. An alert acknowledged already is 409
/// `alert_already_acknowledged` naming who did it first and when, and nothing changes.
#[utoipa::path(post, path = "/api/v1/operations/alerts/{id}/acknowledge", tag = "operations",
    operation_id = "acknowledge_alert",
    params(("id" = i64, Path, description = "The alert's number")),
    responses((status = 200, description = "Acknowledged", body = Alert),
              (status = 401, description = "No valid token or session", body = platform::error::ErrorEnvelope),
              (status = 403, description = "The caller may not acknowledge alerts", body = platform::error::ErrorEnvelope),
              (status = 404, description = "No such alert (or one the caller may not see)", body = platform::error::ErrorEnvelope),
              (status = 409, description = "Acknowledged already: by whom and when", body = platform::error::ErrorEnvelope)))]
pub async fn acknowledge_json(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> AppResult<Json<Alert>> {
    auth.require(Permission::ApproveData, &Target::national())?;
    let catalogue = reporting::query::shared_catalogue(&state.cache, &state.db).await?;
    let seen = |a: &Alert| visible(&auth.ctx, &catalogue, a);
    let current = {
        let mut tx = state.db.begin().await?;
        store::alert(&mut tx, id).await?
    };
    match current {
        Some(a) if seen(&a) => {}
        _ => return Err(AppError::not_found()),
    }
    match engine::acknowledge(&state.db, &auth.actor(), id).await {
        Ok(a) => Ok(Json(a)),
        Err(AlertError::Db(e)) => Err(AppError::from(e)),
        Err(AlertError::AlreadyAcknowledged) => {
            let first = {
                let mut tx = state.db.begin().await?;
                store::alert(&mut tx, id).await?
            };
            let (by, at) = first
                .and_then(|a| Some((a.acknowledged_by?, a.acknowledged_at?)))
                .unwrap_or_default();
            Err(AppError::conflict(
                platform::error::Problem::new("alert_already_acknowledged")
                    .arg("id", id)
                    .arg("name", by)
                    .arg("at", fmt_ms(at)),
            ))
        }
        Err(AlertError::NotFound) => Err(AppError::not_found()),
        Err(e) => Err(AppError::internal(e)),
    }
}

/// A rule as the rules page lists it.
struct RuleView {
    id: i64,
    kind_label: String,
    subject: String,
    threshold: String,
    recipients: String,
    active: bool,
    created: String,
}

/// What the rule form held when it was sent.
#[derive(Deserialize, Default, Clone)]
pub struct RuleForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    indicator: String,
    #[serde(default)]
    template: String,
    #[serde(default)]
    threshold: String,
    #[serde(default)]
    recipients: String,
}

#[derive(askama::Template)]
#[template(path = "alert_rules.html")]
struct RulesPage {
    ctx: Ctx,
    rules: Vec<RuleView>,
    kinds: Vec<(&'static str, String)>,
    indicators: Vec<(String, String)>,
    templates: Vec<(String, String)>,
    typed: RuleForm,
    form_errors: Vec<FormError>,
    created: bool,
}

impl RulesPage {
    fn error(&self, id: &str) -> Option<&str> {
        error_at(&self.form_errors, id)
    }
}

async fn rules_page_with(
    state: &AppState,
    ctx: Ctx,
    typed: RuleForm,
    form_errors: Vec<FormError>,
    created: bool,
    status: StatusCode,
) -> AppResult<Response> {
    let lang = ctx.lang;
    let catalogue = reporting::query::shared_catalogue(&state.cache, &state.db).await?;
    let templates = reporting::query::templates(&state.db).await?;
    let rules = store::rules(&state.db, MAX_RULES)
        .await?
        .into_iter()
        .map(|r| {
            let rule = r.rule;
            let subject = match (&rule.indicator, &rule.template) {
                (Some(code), _) => catalogue
                    .iter()
                    .find(|i| &i.code == code)
                    .map(|i| format!("{} ({code})", i.name(lang)))
                    .unwrap_or_else(|| code.clone()),
                (None, Some(code)) => templates
                    .iter()
                    .find(|t| &t.code == code)
                    .map(|t| format!("{} ({code})", t.name(lang)))
                    .unwrap_or_else(|| code.clone()),
                _ if rule.kind.watches_sites() => ctx.t("ops_health.all_sites"),
                _ => String::new(),
            };
            RuleView {
                id: rule.id,
                kind_label: kind_label(&ctx, rule.kind),
                subject,
                threshold: rule
                    .threshold
                    .map(|t| crate::model::alerts::exact(t, lang))
                    .unwrap_or_default(),
                recipients: rule.recipients.join(", "),
                active: rule.active,
                created: format!("{} · {}", fmt_ms(r.created_at), r.created_by),
            }
        })
        .collect();
    let mut res = render(RulesPage {
        rules,
        kinds: Kind::ALL
            .into_iter()
            .map(|k| (k.as_str(), kind_label(&ctx, k)))
            .collect(),
        indicators: catalogue
            .iter()
            .filter(|i| !i.is_retired())
            .map(|i| (i.code.clone(), format!("{} ({})", i.name(lang), i.code)))
            .collect(),
        templates: templates
            .iter()
            .map(|t| (t.code.clone(), format!("{} ({})", t.name(lang), t.code)))
            .collect(),
        typed,
        form_errors,
        created,
        ctx,
    })?;
    *res.status_mut() = status;
    Ok(res)
}

#[derive(Deserialize)]
pub struct RulesParams {
    done: Option<String>,
}

/// `/operations/alerts/rules`: the rules and the form to add one (national system
/// administrators, with a session that passed the second factor).
pub async fn rules_page(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<RulesParams>,
) -> AppResult<Response> {
    auth.require_admin(Permission::ManageCatalogue, &Target::national())?;
    let created = q.done.as_deref() == Some("created");
    rules_page_with(
        &state,
        auth.ctx,
        RuleForm::default(),
        Vec::new(),
        created,
        StatusCode::OK,
    )
    .await
}

fn rule_error(ctx: &Ctx, e: &AlertError, typed: &RuleForm) -> FormError {
    use crate::model::alerts::RuleError as R;
    let lang = ctx.lang;
    match e {
        AlertError::Rule(R::KindInvalid) => FormError::at("kind", ctx.t("alerts.err_kind_invalid")),
        AlertError::Rule(R::IndicatorMissing) => {
            FormError::at("indicator", ctx.t("alerts.err_indicator_missing"))
        }
        AlertError::IndicatorUnknown(c) => FormError::at(
            "indicator",
            t_args(lang, "alerts.err_indicator_unknown", &[("code", c.clone())]),
        ),
        AlertError::Rule(R::TemplateMissing) => {
            FormError::at("template", ctx.t("alerts.err_template_missing"))
        }
        AlertError::TemplateUnknown(c) => FormError::at(
            "template",
            t_args(lang, "alerts.err_template_unknown", &[("code", c.clone())]),
        ),
        AlertError::Rule(R::ThresholdMissing) => {
            FormError::at("threshold", ctx.t("alerts.err_threshold_missing"))
        }
        AlertError::Rule(R::PercentInvalid) => FormError::at(
            "threshold",
            t_args(
                lang,
                "alerts.err_percent_invalid",
                &[("value", typed.threshold.trim().to_owned())],
            ),
        ),
        AlertError::Rule(R::RecipientInvalid(a)) => FormError::at(
            "recipients",
            t_args(
                lang,
                "alerts.err_recipient_invalid",
                &[("address", a.clone())],
            ),
        ),
        AlertError::Rule(R::TooManyRecipients) => FormError::at(
            "recipients",
            t_args(
                lang,
                "alerts.err_too_many_recipients",
                &[("max", crate::model::alerts::MAX_RECIPIENTS.to_string())],
            ),
        ),
        _ => FormError {
            text: ctx.t("alerts.err_internal"),
            field: None,
        },
    }
}

/// Add a rule. Every problem comes back beside its field, what was typed kept; nothing is
/// written.
pub async fn create_rule(
    State(state): State<AppState>,
    auth: Auth,
    CsrfForm(form): CsrfForm<RuleForm>,
) -> AppResult<Response> {
    auth.require_admin(Permission::ManageCatalogue, &Target::national())?;
    let ctx = auth.ctx.clone();
    let lang = ctx.lang;
    let mut errors = Vec::new();
    let kind = Kind::parse(form.kind.trim());
    if kind.is_none() {
        errors.push(rule_error(
            &ctx,
            &AlertError::Rule(crate::model::alerts::RuleError::KindInvalid),
            &form,
        ));
    }
    let raw = form.threshold.trim();
    let threshold = if raw.is_empty() {
        None
    } else {
        match read_number(raw, Notation::from_code(lang.code()), 6) {
            Ok(v) => Some(v),
            Err(_) => {
                errors.push(FormError::at(
                    "threshold",
                    t_args(
                        lang,
                        "alerts.err_threshold_invalid",
                        &[("value", raw.to_owned())],
                    ),
                ));
                None
            }
        }
    };
    let recipients = if form.recipients.chars().count() > MAX_RECIPIENTS_CHARS {
        Err(crate::model::alerts::RuleError::TooManyRecipients)
    } else {
        parse_recipients(&form.recipients)
    };
    let recipients = match recipients {
        Ok(r) => r,
        Err(e) => {
            errors.push(rule_error(&ctx, &AlertError::Rule(e), &form));
            Vec::new()
        }
    };
    if let (Some(kind), true) = (kind, errors.is_empty()) {
        let opt = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        let new = NewRule {
            kind,
            indicator: opt(&form.indicator).filter(|_| kind.watches_indicator()),
            template: opt(&form.template).filter(|_| kind.watches_template()),
            threshold,
            recipients,
        };
        match engine::create_rule(&state.db, &auth.actor(), new).await {
            Ok(_) => {
                return Ok(Redirect::to("/operations/alerts/rules?done=created").into_response());
            }
            Err(AlertError::Db(e)) => return Err(AppError::from(e)),
            Err(e) => errors.push(rule_error(&ctx, &e, &form)),
        }
    }
    rules_page_with(
        &state,
        ctx,
        form,
        errors,
        false,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

#[derive(Deserialize)]
pub struct ActiveForm {
    active: bool,
}

/// Turn a rule on or off.
pub async fn set_active(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<ActiveForm>,
) -> AppResult<Response> {
    auth.require_admin(Permission::ManageCatalogue, &Target::national())?;
    match engine::set_active(&state.db, &auth.actor(), id, form.active).await {
        Ok(()) => Ok(Redirect::to("/operations/alerts/rules").into_response()),
        Err(AlertError::RuleNotFound) => Err(AppError::not_found()),
        Err(AlertError::Db(e)) => Err(AppError::from(e)),
        Err(e) => Err(AppError::internal(e)),
    }
}
