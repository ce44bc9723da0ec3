//! Alert rules, alerts and their e-mails: `alert_rules`, `alerts` (migration 0021) and the
//! notifications outbox (`notifications`, delivered by `platform::mail`).

use platform::db::{Db, DbError, DbResult, Row, Tx};
use platform::params;

use crate::model::alerts::{Alert, Finding, Kind, Rule, State};

fn corrupt(column: &str, problem: impl Into<String>) -> DbError {
    DbError::Decode {
        column: column.to_owned(),
        problem: problem.into(),
    }
}

fn kind_of(row: &Row) -> DbResult<Kind> {
    let k: String = row.get("kind")?;
    Kind::parse(&k).ok_or_else(|| corrupt("kind", format!("unknown alert kind {k:?}")))
}

fn rule_of(row: &Row) -> DbResult<Rule> {
    let recipients: String = row.get("recipients")?;
    Ok(Rule {
        id: row.get("id")?,
        kind: kind_of(row)?,
        indicator: row.get("indicator")?,
        template: row.get("template")?,
        threshold: row.get("threshold")?,
        recipients: recipients
            .split(',')
            .filter(|a| !a.is_empty())
            .map(str::to_owned)
            .collect(),
        active: row.get("active")?,
    })
}

/// A rule with who made it and when.
#[derive(Debug, Clone)]
pub struct StoredRule {
    pub rule: Rule,
    pub created_at: i64,
    pub created_by: String,
}

const RULE_COLUMNS: &str =
    "id, kind, indicator, template, threshold, recipients, active, created_at, created_by";

/// Every rule (at most `limit`), newest first.
pub async fn rules(db: &Db, limit: i64) -> DbResult<Vec<StoredRule>> {
    let sql = format!("SELECT {RULE_COLUMNS} FROM alert_rules ORDER BY id DESC LIMIT $1");
    db.fetch_all(platform::db::Sql::trusted(sql), params![limit])
        .await?
        .iter()
        .map(|r| {
            Ok(StoredRule {
                rule: rule_of(r)?,
                created_at: r.get("created_at")?,
                created_by: r.get("created_by")?,
            })
        })
        .collect()
}

/// The active rules, oldest first.
pub async fn active_rules(db: &Db) -> DbResult<Vec<Rule>> {
    db.fetch_all(
        "SELECT id, kind, indicator, template, threshold, recipients, active FROM alert_rules \
         WHERE active = $1 ORDER BY id",
        params![true],
    )
    .await?
    .iter()
    .map(rule_of)
    .collect()
}

/// One rule.
pub async fn rule(tx: &mut Tx, id: i64) -> DbResult<Option<Rule>> {
    tx.fetch_optional(
        "SELECT id, kind, indicator, template, threshold, recipients, active FROM alert_rules \
         WHERE id = $1",
        params![id],
    )
    .await?
    .as_ref()
    .map(rule_of)
    .transpose()
}

/// Store a new rule; its id.
pub async fn insert_rule(tx: &mut Tx, rule: &Rule, now: i64, by: &str) -> DbResult<i64> {
    tx.fetch_one(
        "INSERT INTO alert_rules (kind, indicator, template, threshold, recipients, active, \
         created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        params![
            rule.kind.as_str(),
            rule.indicator.as_deref(),
            rule.template.as_deref(),
            rule.threshold,
            rule.recipients.join(","),
            rule.active,
            now,
            by
        ],
    )
    .await?
    .get("id")
}

/// Turn a rule on or off (its alerts stay).
pub async fn set_active(tx: &mut Tx, id: i64, active: bool) -> DbResult<u64> {
    tx.execute(
        "UPDATE alert_rules SET active = $1 WHERE id = $2",
        params![active, id],
    )
    .await
}

/// Store an alert unless one with its key exists: its id when new, None when it was raised
/// before.
pub async fn raise(tx: &mut Tx, f: &Finding, now: i64) -> DbResult<Option<i64>> {
    match tx
        .fetch_optional(
            "INSERT INTO alerts (rule_id, kind, subject, period, dedupe_key, value, threshold, \
             detail, raised_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
            params![
                f.rule_id,
                f.kind.as_str(),
                f.subject.as_str(),
                f.period.as_str(),
                f.dedupe_key(),
                f.value,
                f.threshold,
                f.detail.to_string(),
                now
            ],
        )
        .await?
    {
        Some(row) => Ok(Some(row.get("id")?)),
        None => Ok(None),
    }
}

/// Was an alert with this key raised already? (Evaluation reads before it writes: a minute
/// that finds nothing new writes nothing.)
pub async fn exists(db: &Db, key: &str) -> DbResult<bool> {
    Ok(db
        .fetch_optional(
            "SELECT 1 AS one FROM alerts WHERE dedupe_key = $1",
            params![key],
        )
        .await?
        .is_some())
}

const ALERT_COLUMNS: &str = "id, rule_id, kind, subject, period, value, threshold, detail, \
                             raised_at, acknowledged_at, acknowledged_by";

fn alert_of(row: &Row) -> DbResult<Alert> {
    let detail: String = row.get("detail")?;
    Ok(Alert {
        id: row.get("id")?,
        rule_id: row.get("rule_id")?,
        kind: kind_of(row)?,
        subject: row.get("subject")?,
        period: row.get("period")?,
        value: row.get("value")?,
        threshold: row.get("threshold")?,
        detail: serde_json::from_str(&detail).map_err(|e| corrupt("detail", e.to_string()))?,
        raised_at: row.get("raised_at")?,
        acknowledged_at: row.get("acknowledged_at")?,
        acknowledged_by: row.get("acknowledged_by")?,
    })
}

fn state_filter(state: State) -> &'static str {
    match state {
        State::Open => "WHERE acknowledged_at IS NULL",
        State::Acknowledged => "WHERE acknowledged_at IS NOT NULL",
        State::All => "",
    }
}

/// Alerts in `state`, newest first, at most `limit`, and how many there are in all.
pub async fn list(db: &Db, state: State, limit: i64) -> DbResult<(Vec<Alert>, i64)> {
    let filter = state_filter(state);
    let rows = db
        .fetch_all(
            platform::db::Sql::trusted(format!(
                "SELECT {ALERT_COLUMNS} FROM alerts {filter} ORDER BY raised_at DESC, id DESC LIMIT $1"
            )),
            params![limit],
        )
        .await?;
    let total: i64 = db
        .fetch_one(
            platform::db::Sql::trusted(format!("SELECT COUNT(*) AS n FROM alerts {filter}")),
            params![],
        )
        .await?
        .get("n")?;
    Ok((rows.iter().map(alert_of).collect::<DbResult<_>>()?, total))
}

/// One alert.
pub async fn alert(tx: &mut Tx, id: i64) -> DbResult<Option<Alert>> {
    tx.fetch_optional(
        platform::db::Sql::trusted(format!("SELECT {ALERT_COLUMNS} FROM alerts WHERE id = $1")),
        params![id],
    )
    .await?
    .as_ref()
    .map(alert_of)
    .transpose()
}

/// Record who acknowledged an open alert and when: 1 when done, 0 when it was not open.
pub async fn acknowledge(
    tx: &mut Tx,
    id: i64,
    at: i64,
    by: &str,
    by_id: Option<i64>,
) -> DbResult<u64> {
    tx.execute(
        "UPDATE alerts SET acknowledged_at = $1, acknowledged_by = $2, acknowledged_by_id = $3 \
         WHERE id = $4 AND acknowledged_at IS NULL",
        params![at, by, by_id, id],
    )
    .await
}
