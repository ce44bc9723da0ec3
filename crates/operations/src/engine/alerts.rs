//! Alerts: evaluate the rules against the national figures and the reporting record (read
//! through `reporting::query` only), raise each new alert once with its e-mails and live event,
//! acknowledge an alert, and manage the rules — each change in one transaction, audited.
//!
//! Evaluation runs every minute (the `operations.alerts` job) and is cheap when nothing is new:
//! no rule, no read; a finding whose key was raised before costs one indexed read and no write.

use std::collections::{HashMap, HashSet};

use platform::audit::{self, Actor, Change};
use platform::db::{Db, DbError};
use reporting::Period;
use reporting::model::indicator::Indicator;
use reporting::query::{self as data, FigureStatus, QueryError, Timeliness};
use serde_json::json;
use time::Date;

use crate::model::alerts::{
    Alert, Figure, Finding, Kind, MAX_UNITS_NAMED, Rule, RuleError, UnitReport, check_rule, email,
    judge, missed,
};
use crate::store::alerts as store;

/// The live topic pages follow to redraw their alerts.
pub const TOPIC: &str = "alerts";

/// Why an alert action was refused.
#[derive(Debug, thiserror::Error)]
pub enum AlertError {
    #[error("no such alert")]
    NotFound,
    #[error("the alert was acknowledged already")]
    AlreadyAcknowledged,
    #[error("no such rule")]
    RuleNotFound,
    #[error("unknown indicator {0}")]
    IndicatorUnknown(String),
    #[error("unknown template {0}")]
    TemplateUnknown(String),
    #[error(transparent)]
    Rule(#[from] RuleError),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl AlertError {
    /// The stable code (the locale key under `[alerts]`, prefixed `err_`).
    pub fn code(&self) -> &'static str {
        match self {
            AlertError::NotFound => "not_found",
            AlertError::AlreadyAcknowledged => "already_acknowledged",
            AlertError::RuleNotFound => "rule_not_found",
            AlertError::IndicatorUnknown(_) => "indicator_unknown",
            AlertError::TemplateUnknown(_) => "template_unknown",
            AlertError::Rule(e) => e.code(),
            AlertError::Db(_) => "internal",
        }
    }
}

impl From<QueryError> for AlertError {
    fn from(e: QueryError) -> Self {
        match e {
            QueryError::Db(e) => AlertError::Db(e),
            other => AlertError::Db(DbError::Decode {
                column: "query".into(),
                problem: other.to_string(),
            }),
        }
    }
}

/// Evaluate every active rule on `today` at `now_ms`; returns how many alerts were raised. A
/// rule that names no recipients e-mails `default_recipients` (the `alert_recipients` setting).
pub async fn evaluate(
    db: &Db,
    today: Date,
    now_ms: i64,
    default_recipients: &[String],
) -> Result<usize, AlertError> {
    let rules = store::active_rules(db).await?;
    if rules.is_empty() {
        return Ok(0);
    }
    let mut findings = value_findings(db, &rules, today).await?;
    findings.extend(report_findings(db, &rules, today, now_ms).await?);
    let mut raised = 0;
    for (finding, rule) in findings {
        if store::exists(db, &finding.dedupe_key()).await? {
            continue;
        }
        let to = if rule.recipients.is_empty() {
            default_recipients
        } else {
            &rule.recipients
        };
        raised += usize::from(raise(db, &finding, to, now_ms).await?);
    }
    Ok(raised)
}

/// Store one alert, queue its e-mails and publish it, in one transaction; false when another
/// node raised it first.
async fn raise(
    db: &Db,
    f: &Finding,
    recipients: &[String],
    now_ms: i64,
) -> Result<bool, AlertError> {
    let mut tx = db.begin().await?;
    if raise_in(&mut tx, f, recipients, now_ms).await?.is_none() {
        return Ok(false);
    }
    tx.commit().await?;
    Ok(true)
}

/// Store one alert with its e-mails (one per recipient, once) and its live event in the
/// caller's transaction: its id, or None when an alert with its key exists (nothing written).
/// The connected sites' probe raises its alerts through this, in the transaction that records
/// the change of state.
pub async fn raise_in(
    tx: &mut platform::db::Tx,
    f: &Finding,
    recipients: &[String],
    now_ms: i64,
) -> Result<Option<i64>, AlertError> {
    let Some(id) = store::raise(tx, f, now_ms).await? else {
        return Ok(None);
    };
    let (label_vi, label_en) = Period::parse(&f.period)
        .map(|p| (p.label("vi"), p.label("en")))
        .unwrap_or_else(|_| (f.period.clone(), f.period.clone()));
    let (subject, body) = email(f, &label_vi, &label_en);
    for to in recipients {
        let email = platform::mail::Email {
            to: to.clone(),
            subject: subject.clone(),
            body: body.clone(),
        };
        platform::mail::queue(tx, &email, &format!("alert:{id}:{to}"), now_ms).await?;
    }
    platform::live::publish(tx, TOPIC, &json!({"id": id, "event": "raised"})).await?;
    tracing::info!(alert = id, kind = f.kind.as_str(), subject = %f.subject, period = %f.period, "alert raised");
    Ok(Some(id))
}

/// The rules asking for a site's alerts of `kind`: the oldest one (the alert names it) and the
/// recipients of all of them, each once. Those of a `site_down` rule also hear when a site
/// comes back up: whoever is told of an outage wants to know its end.
pub fn site_recipients(rules: &[Rule], kind: Kind) -> (Option<i64>, Vec<String>) {
    let wanted = |r: &&Rule| {
        r.active && (r.kind == kind || (kind == Kind::SiteUp && r.kind == Kind::SiteDown))
    };
    let owner = rules
        .iter()
        .filter(|r| r.active && r.kind == kind)
        .map(|r| r.id)
        .min();
    let mut to: Vec<String> = Vec::new();
    for r in rules.iter().filter(wanted) {
        for a in &r.recipients {
            if !to.iter().any(|t| t.eq_ignore_ascii_case(a)) {
                to.push(a.clone());
            }
        }
    }
    (owner, to)
}

/// The months judged: the latest month due and the one before (a month completed late is
/// still judged).
fn months(today: Date) -> Vec<Period> {
    let latest = reporting::model::calendar::latest_due_month(today);
    vec![latest.previous(), latest]
}

async fn value_findings(
    db: &Db,
    rules: &[Rule],
    today: Date,
) -> Result<Vec<(Finding, Rule)>, AlertError> {
    let value_rules: Vec<&Rule> = rules
        .iter()
        .filter(|r| r.kind.watches_indicator())
        .collect();
    if value_rules.is_empty() {
        return Ok(Vec::new());
    }
    let catalogue = data::catalogue(db).await?;
    let codes: HashSet<&str> = value_rules
        .iter()
        .filter_map(|r| r.indicator.as_deref())
        .collect();
    let wanted: Vec<Indicator> = catalogue
        .iter()
        .filter(|i| codes.contains(i.code.as_str()))
        .cloned()
        .collect();
    let judged = months(today);
    let mut periods: Vec<Period> = Vec::new();
    for p in &judged {
        for q in std::iter::once(p.same_period_last_year()).chain(p.year_to_date()) {
            if !periods.contains(&q) {
                periods.push(q);
            }
        }
    }
    let figures = data::national_figures(db, &catalogue, &wanted, &periods).await?;
    // Complete figures only: a partial sum is no ground for an alarm.
    let complete: HashMap<(&str, Period), f64> = figures
        .iter()
        .filter(|f| f.status == Some(FigureStatus::Complete))
        .filter_map(|f| Some(((f.indicator.as_str(), f.period), f.value?)))
        .collect();
    let mut targets: HashMap<i32, HashMap<String, f64>> = HashMap::new();
    let mut out = Vec::new();
    for p in judged {
        if let std::collections::hash_map::Entry::Vacant(e) = targets.entry(p.year) {
            e.insert(data::national_targets(db, i64::from(p.year)).await?);
        }
        for rule in &value_rules {
            let Some(ind) = wanted
                .iter()
                .find(|i| Some(&i.code) == rule.indicator.as_ref())
            else {
                continue;
            };
            let value_of = |q: Period| complete.get(&(ind.code.as_str(), q)).copied();
            let Some(value) = value_of(p) else { continue };
            let ytd: Vec<Option<f64>> = p.year_to_date().into_iter().map(value_of).collect();
            let figure = Figure {
                value,
                last_year: value_of(p.same_period_last_year()),
                ytd: data::over_time(ind, &ytd),
                target: targets[&p.year].get(&ind.code).copied(),
                months: p.index,
                adds_up: ind.agg_time == "sum",
            };
            if let Some(c) = judge(rule, &figure) {
                out.push((
                    Finding {
                        rule_id: Some(rule.id),
                        kind: rule.kind,
                        subject: ind.code.clone(),
                        period: p.id(),
                        value: Some(c.value),
                        threshold: Some(c.threshold),
                        detail: json!({
                            "name_vi": ind.name_vi, "name_en": ind.name_en,
                            "unit_vi": ind.unit_vi, "unit_en": ind.unit_en,
                            "value": figure.value, "last_year": figure.last_year,
                        }),
                    },
                    (*rule).clone(),
                ));
            }
        }
    }
    Ok(out)
}

async fn report_findings(
    db: &Db,
    rules: &[Rule],
    today: Date,
    now_ms: i64,
) -> Result<Vec<(Finding, Rule)>, AlertError> {
    let report_rules: Vec<&Rule> = rules
        .iter()
        .filter(|r| r.kind == Kind::ReportMissing)
        .collect();
    if report_rules.is_empty() {
        return Ok(Vec::new());
    }
    let templates = data::templates(db).await?;
    let mut out = Vec::new();
    for rule in report_rules {
        let Some(t) = templates
            .iter()
            .find(|t| Some(&t.code) == rule.template.as_ref())
        else {
            continue;
        };
        let latest = t.latest_due(today);
        for p in [latest.previous(), latest] {
            let c = data::compliance(db, t, &p, now_ms).await?;
            let units: Vec<UnitReport> = c
                .units
                .iter()
                .map(|u| UnitReport {
                    code: u.unit_code.clone(),
                    name: u.unit_name.clone(),
                    on_time: u.timeliness == Timeliness::OnTime,
                    due_passed: u.timeliness != Timeliness::NotYet,
                })
                .collect();
            let late = missed(&units);
            if late.is_empty() {
                continue;
            }
            let named: Vec<[&str; 2]> = late
                .iter()
                .take(MAX_UNITS_NAMED)
                .map(|u| [u.code.as_str(), u.name.as_str()])
                .collect();
            out.push((
                Finding {
                    rule_id: Some(rule.id),
                    kind: Kind::ReportMissing,
                    subject: t.code.clone(),
                    period: p.id(),
                    value: Some(late.len() as f64),
                    threshold: None,
                    detail: json!({
                        "template_vi": t.name_vi, "template_en": t.name_en,
                        "deadline": c.deadline, "expected": units.len(),
                        "units": named, "units_total": late.len(),
                    }),
                },
                rule.clone(),
            ));
        }
    }
    Ok(out)
}

/// Record that `actor` acknowledged alert `id` (audited, published).
pub async fn acknowledge(db: &Db, actor: &Actor, id: i64) -> Result<Alert, AlertError> {
    let mut tx = db.begin().await?;
    let Some(alert) = store::alert(&mut tx, id).await? else {
        return Err(AlertError::NotFound);
    };
    let now = platform::db::now_ms();
    if store::acknowledge(&mut tx, id, now, &actor.name, actor.user_id).await? == 0 {
        return Err(AlertError::AlreadyAcknowledged);
    }
    audit::append(
        &mut tx,
        actor,
        Change {
            action: "alert.acknowledge",
            object_type: "alert",
            object_id: id.to_string(),
            before: Some(json!({"acknowledged": false})),
            after: Some(json!({
                "acknowledged": true, "kind": alert.kind.as_str(),
                "subject": alert.subject, "period": alert.period,
            })),
        },
    )
    .await?;
    platform::live::publish(&mut tx, TOPIC, &json!({"id": id, "event": "acknowledged"})).await?;
    tx.commit().await?;
    Ok(Alert {
        acknowledged_at: Some(now),
        acknowledged_by: Some(actor.name.clone()),
        ..alert
    })
}

/// A rule as an administrator typed it (the threshold already read as a number).
#[derive(Debug, Clone)]
pub struct NewRule {
    pub kind: Kind,
    pub indicator: Option<String>,
    pub template: Option<String>,
    pub threshold: Option<f64>,
    pub recipients: Vec<String>,
}

/// Create a rule (audited); its id. The indicator or template must exist.
pub async fn create_rule(db: &Db, actor: &Actor, new: NewRule) -> Result<i64, AlertError> {
    check_rule(
        new.kind,
        new.indicator.as_deref(),
        new.template.as_deref(),
        new.threshold,
    )?;
    let (indicator, template) = if new.kind.watches_sites() {
        (None, None)
    } else if new.kind.watches_indicator() {
        let code = new.indicator.clone().unwrap_or_default();
        if !data::catalogue(db).await?.iter().any(|i| i.code == code) {
            return Err(AlertError::IndicatorUnknown(code));
        }
        (Some(code), None)
    } else {
        let code = new.template.clone().unwrap_or_default();
        if !data::templates(db).await?.iter().any(|t| t.code == code) {
            return Err(AlertError::TemplateUnknown(code));
        }
        (None, Some(code))
    };
    let rule = Rule {
        id: 0,
        kind: new.kind,
        indicator,
        template,
        threshold: if new.kind.needs_threshold() {
            new.threshold
        } else {
            None
        },
        recipients: new.recipients,
        active: true,
    };
    let mut tx = db.begin().await?;
    let id = store::insert_rule(&mut tx, &rule, platform::db::now_ms(), &actor.name).await?;
    audit::append(
        &mut tx,
        actor,
        Change {
            action: "alert_rule.create",
            object_type: "alert_rule",
            object_id: id.to_string(),
            before: None,
            after: Some(json!({
                "kind": rule.kind.as_str(), "indicator": rule.indicator,
                "template": rule.template, "threshold": rule.threshold,
                "recipients": rule.recipients,
            })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Turn a rule on or off (audited); its alerts stay in the history.
pub async fn set_active(db: &Db, actor: &Actor, id: i64, active: bool) -> Result<(), AlertError> {
    let mut tx = db.begin().await?;
    let Some(rule) = store::rule(&mut tx, id).await? else {
        return Err(AlertError::RuleNotFound);
    };
    if rule.active == active {
        return Ok(());
    }
    store::set_active(&mut tx, id, active).await?;
    audit::append(
        &mut tx,
        actor,
        Change {
            action: if active {
                "alert_rule.enable"
            } else {
                "alert_rule.disable"
            },
            object_type: "alert_rule",
            object_id: id.to_string(),
            before: Some(json!({"active": rule.active})),
            after: Some(json!({"active": active})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
