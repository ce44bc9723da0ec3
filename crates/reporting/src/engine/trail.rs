//! What the audit trail says about reporting data, and the check that the data still agrees.
//!
//! Every audit entry that leaves a report approved (approval, correction, a bulk load with
//! corrections, the demo data) records a digest of the report's approved values under
//! `approved_digests`: `[[template_id, unit_id, period, digest], …]`. Every entry that writes
//! change sets of the value history records their digest under `value_changes_digest`, and each
//! change set names that entry (`value_changes.audit_seq`). The entries are sealed by the audit
//! chain, so `egov audit verify` can recompute both from the tables and name any report or
//! change set that was altered outside the application ([`check`], registered with
//! [`register`]). Data from before this was recorded is anchored once by the trail start
//! ([`start`]).

use std::collections::HashMap;

use platform::FaultResult;
use platform::audit::{self, Actor, Change, Checks};
use platform::db::{Db, DbResult, Row, Tx, Value};
use platform::i18n::{self, Lang};
use platform::params;
use serde_json::{Value as Json, json};
use sha2::{Digest, Sha256};

use crate::model::period::Period;
use crate::store::trail as store;

/// Key of the approved values' digests in an audit entry's `after` JSON.
pub const APPROVED_DIGESTS: &str = "approved_digests";
/// Key of the change sets' digest in an audit entry's `after` JSON.
pub const VALUE_CHANGES_DIGEST: &str = "value_changes_digest";

/// The digest of one report's approved values: SHA-256 over (indicator, unit, period, value)
/// sorted by indicator, the value as its exact bits; 32 hexadecimal digits.
pub fn values_digest(unit_id: i64, period: &str, values: &mut [(i64, f64)]) -> String {
    values.sort_by_key(|v| v.0);
    let mut h = Sha256::new();
    for (indicator, value) in values.iter() {
        h.update(indicator.to_be_bytes());
        h.update(unit_id.to_be_bytes());
        h.update((period.len() as u64).to_be_bytes());
        h.update(period.as_bytes());
        h.update(value.to_bits().to_be_bytes());
    }
    hex::encode(&h.finalize()[..16])
}

/// A running digest of change sets (rows of `value_changes` without their id and entry), in the
/// order they were written.
pub struct ChangeSetDigest {
    h: Sha256,
    rows: i64,
}

impl Default for ChangeSetDigest {
    fn default() -> Self {
        ChangeSetDigest {
            h: Sha256::new(),
            rows: 0,
        }
    }
}

/// The columns a change set's digest covers, in this order.
pub const CHANGE_SET_COLUMNS: &str =
    "unit_id, period, submission_id, action, reason, at, actor, changes";

impl ChangeSetDigest {
    /// Add one row: its values in the order of [`CHANGE_SET_COLUMNS`].
    pub fn add(&mut self, row: &[Value]) {
        for v in row {
            match v {
                Value::Int(Some(i)) => {
                    self.h.update(b"i");
                    self.h.update(i.to_be_bytes());
                }
                Value::Text(Some(t)) => {
                    self.h.update(b"t");
                    self.h.update((t.len() as u64).to_be_bytes());
                    self.h.update(t.as_bytes());
                }
                Value::Real(Some(f)) => {
                    self.h.update(b"r");
                    self.h.update(f.to_bits().to_be_bytes());
                }
                Value::Bool(Some(b)) => {
                    self.h.update(b"i");
                    self.h.update(i64::from(*b).to_be_bytes());
                }
                Value::Bytes(Some(b)) => {
                    self.h.update(b"b");
                    self.h.update((b.len() as u64).to_be_bytes());
                    self.h.update(b);
                }
                _ => self.h.update(b"n"),
            }
        }
        self.rows += 1;
    }

    /// `{"rows": n, "digest": "…"}`.
    pub fn finish(self) -> Json {
        json!({"rows": self.rows, "digest": hex::encode(&self.h.finalize()[..16])})
    }
}

/// (template, unit, period) → digest, from the rows of [`store::submissions_sql`] and
/// [`store::approved_values_sql`].
fn combine(meta: &[Row], values: &[Row]) -> DbResult<Vec<(i64, i64, String, String)>> {
    let mut by_sub: HashMap<i64, Vec<(i64, f64)>> = HashMap::new();
    for r in values {
        by_sub
            .entry(r.get("sid")?)
            .or_default()
            .push((r.get("indicator_id")?, r.get("value")?));
    }
    let mut out = Vec::with_capacity(meta.len());
    for r in meta {
        let (id, tid, uid, period): (i64, i64, i64, String) = (
            r.get("id")?,
            r.get("template_id")?,
            r.get("unit_id")?,
            r.get("period")?,
        );
        let mut vals = by_sub.remove(&id).unwrap_or_default();
        let d = values_digest(uid, &period, &mut vals);
        out.push((tid, uid, period, d));
    }
    Ok(out)
}

/// The digests of some submissions' approved values, as recorded in an audit entry:
/// `[[template_id, unit_id, period, digest], …]`.
pub async fn approved_digests(tx: &mut Tx, submission_ids: &[i64]) -> DbResult<Vec<Json>> {
    let mut out = Vec::new();
    for chunk in submission_ids.chunks(500) {
        let (sql, a) = store::submissions_sql(tx.backend(), chunk)?;
        let meta = tx.fetch_all(sql, a).await?;
        let (sql, a) = store::approved_values_sql(tx.backend(), chunk)?;
        let values = tx.fetch_all(sql, a).await?;
        out.extend(
            combine(&meta, &values)?
                .into_iter()
                .map(|(t, u, p, d)| json!([t, u, p, d])),
        );
    }
    Ok(out)
}

/// The ids of every approved submission.
pub async fn approved_ids(tx: &mut Tx) -> DbResult<Vec<i64>> {
    tx.fetch_all(store::APPROVED_IDS, params![])
        .await?
        .iter()
        .map(|r| r.get("id"))
        .collect()
}

/// Anchor, once, what an older version left without digests: the approved values of every
/// approved report and the change sets that name no audit entry. Only a database that held such
/// data when migration 0015 ran is marked for it; one audit entry, `reporting.trail_start`.
pub async fn start(db: &Db) -> FaultResult<()> {
    let pending = db
        .fetch_optional(store::START_PENDING, params![])
        .await?
        .map(|r| r.get::<bool>("pending"))
        .transpose()?
        .unwrap_or(false);
    if !pending {
        return Ok(());
    }
    let mut tx = db.begin().await?;
    // One node does it: the row is claimed in the transaction that writes the entry.
    let claimed = tx.execute(store::START_CLAIM, params![false, true]).await?;
    if claimed == 0 {
        return Ok(());
    }
    let ids = approved_ids(&mut tx).await?;
    let approved = approved_digests(&mut tx, &ids).await?;
    let mut digest = ChangeSetDigest::default();
    let mut max_id = 0i64;
    loop {
        let rows = tx
            .fetch_all(store::UNSEALED_CHANGE_SETS, params![max_id])
            .await?;
        let n = rows.len();
        for r in &rows {
            max_id = r.get("id")?;
            digest.add(&r.values()[1..]);
        }
        if n < 5000 {
            break;
        }
    }
    let mut legacy = digest.finish();
    legacy["max_id"] = json!(max_id);
    audit::append(
        &mut tx,
        &Actor::system("egov"),
        Change {
            action: "reporting.trail_start",
            object_type: "reporting",
            object_id: "trail-start".into(),
            before: None,
            after: Some(json!({
                APPROVED_DIGESTS: approved,
                "legacy_value_changes": legacy,
            })),
        },
    )
    .await?;
    tx.commit().await?;
    tracing::info!(
        reports = ids.len(),
        "reporting trail start: approved values and older value history anchored in the audit trail"
    );
    Ok(())
}

/// A report's audit object as people know it: the id `BC-KTXH-THANG/40/202612` (template code,
/// the unit's statistical code — not the internal id, which no one knows —, period id) and its
/// description for the entry's `after` under [`audit::OBJECT`], with the unit's name at the time
/// of the change (units are renamed and merged; the trail keeps what the official saw).
pub async fn report_object(
    tx: &mut Tx,
    template: &str,
    unit_id: i64,
    period: &str,
) -> DbResult<(String, Json)> {
    let (code, name) = match tx
        .fetch_optional(store::UNIT_NAMED, params![unit_id])
        .await?
    {
        Some(r) => (r.get::<String>("code")?, r.get::<String>("name")?),
        None => (format!("#{unit_id}"), String::new()),
    };
    Ok((
        format!("{template}/{code}/{period}"),
        json!({"template": template, "unit": code, "unit_name": name, "period": period}),
    ))
}

/// [`report_object`] of a template known by its id.
pub async fn report_object_of(
    tx: &mut Tx,
    template_id: i64,
    unit_id: i64,
    period: &str,
) -> DbResult<(String, Json)> {
    let template = match tx
        .fetch_optional(store::TEMPLATE_CODE, params![template_id])
        .await?
    {
        Some(r) => r.get::<String>("code")?,
        None => format!("#{template_id}"),
    };
    report_object(tx, &template, unit_id, period).await
}

/// Register the names of reports with the audit page, and the keys of reporting's entries
/// that are bookkeeping (the digests [`check`] recomputes), not changes.
pub fn register_names(names: &mut audit::Names) {
    names.register("report", name_reports);
    names.register("reporting", name_reporting);
    names.bookkeeping(&[
        APPROVED_DIGESTS,
        VALUE_CHANGES_DIGEST,
        "legacy_value_changes",
    ]);
}

/// Names of reporting's entries about the whole system: the catalogue, targets, demo data, the
/// trail start ("Danh mục chỉ tiêu").
async fn name_reporting(
    _db: Db,
    entries: Vec<audit::Entry>,
    lang: Lang,
) -> FaultResult<HashMap<i64, String>> {
    Ok(entries
        .into_iter()
        .filter_map(|e| {
            let key = format!("audit_page.reporting_{}", e.object_id.replace('-', "_"));
            let name = i18n::t(lang, &key);
            (name != key).then_some((e.seq, name))
        })
        .collect())
}

/// A report as the audit page names it.
struct ReportName {
    template: Option<String>,
    unit_code: String,
    unit_name: String,
    period: String,
}

impl ReportName {
    /// "Báo cáo BC-KTXH-THANG · Nghệ An (40) · Tháng 12/2026".
    fn label(&self, lang: Lang) -> String {
        let period = Period::parse(&self.period)
            .map(|p| p.label(lang.code()))
            .unwrap_or_else(|_| self.period.clone());
        let unit = if self.unit_name.is_empty() {
            self.unit_code.clone()
        } else {
            format!("{} ({})", self.unit_name, self.unit_code)
        };
        let mut head = i18n::t(lang, "audit_page.report");
        if let Some(t) = &self.template {
            head = format!("{head} {t}");
        }
        format!("{head} · {unit} · {period}")
    }
}

/// Names of report entries: from the object they recorded, or, for entries written before
/// they recorded one (`36/202612` of a decision, `BC-KTXH-THANG/36/202612` of a save, with the
/// unit's internal id), from the unit's code and name today.
async fn name_reports(
    db: Db,
    entries: Vec<audit::Entry>,
    lang: Lang,
) -> FaultResult<HashMap<i64, String>> {
    let mut out = HashMap::new();
    for e in entries {
        let recorded = e
            .after_json
            .as_deref()
            .and_then(|t| serde_json::from_str::<Json>(t).ok())
            .map(|a| a[audit::OBJECT].clone())
            .filter(Json::is_object);
        let name = match recorded {
            Some(o) => Some(ReportName {
                template: o["template"].as_str().map(str::to_owned),
                unit_code: o["unit"].as_str().unwrap_or_default().to_owned(),
                unit_name: o["unit_name"].as_str().unwrap_or_default().to_owned(),
                period: o["period"].as_str().unwrap_or_default().to_owned(),
            }),
            None => {
                if let Some(n) = e.object_id.strip_prefix("bulk/") {
                    out.insert(
                        e.seq,
                        i18n::t_args(lang, "audit_page.report_bulk", &[("n", n.to_owned())]),
                    );
                    continue;
                }
                older_report(&db, &e.object_id).await?
            }
        };
        if let Some(n) = name {
            out.insert(e.seq, n.label(lang));
        }
    }
    Ok(out)
}

/// An entry's object id from before reports were named by codes: `unit_id/period` or
/// `template/unit_id/period`.
async fn older_report(db: &Db, object_id: &str) -> DbResult<Option<ReportName>> {
    let parts: Vec<&str> = object_id.split('/').collect();
    let (template, unit_id, period) = match parts.as_slice() {
        [u, p] => (None, u.parse::<i64>().ok(), *p),
        [t, u, p] => (Some((*t).to_owned()), u.parse::<i64>().ok(), *p),
        _ => return Ok(None),
    };
    let Some(unit_id) = unit_id else {
        return Ok(None);
    };
    let Some(unit) = db
        .fetch_optional(store::UNIT_NAMED, params![unit_id])
        .await?
    else {
        return Ok(None);
    };
    let template = match template {
        Some(t) => Some(t),
        None => {
            let rows = db
                .fetch_all(store::TEMPLATES_OF_REPORT, params![unit_id, period])
                .await?;
            match rows.as_slice() {
                [one] => Some(one.get::<String>("code")?),
                _ => None,
            }
        }
    };
    Ok(Some(ReportName {
        template,
        unit_code: unit.get("code")?,
        unit_name: unit.get("name")?,
        period: period.to_owned(),
    }))
}

/// Register [`check`] as `reporting.values`.
pub fn register(checks: &mut Checks) {
    checks.register("reporting.values", check);
}

type ReportKey = (i64, i64, String);

/// What the trail recorded.
#[derive(Default)]
struct Recorded {
    /// Report → (entry, digest of its approved values) of the latest entry that recorded one.
    approved: HashMap<ReportKey, (i64, String)>,
    /// Entry → (rows, digest) of the change sets it wrote.
    change_sets: HashMap<i64, (i64, String)>,
    /// The trail start: (entry, last change set id, rows, digest).
    legacy: Option<(i64, i64, i64, String)>,
}

async fn read_trail(db: &Db, problems: &mut Vec<String>) -> FaultResult<Recorded> {
    let mut rec = Recorded::default();
    let mut first_recording: Option<i64> = None;
    let mut after_seq = 0i64;
    loop {
        let rows = db
            .fetch_all(store::REPORT_ENTRIES, params![after_seq])
            .await?;
        let n = rows.len();
        for r in &rows {
            let seq: i64 = r.get("seq")?;
            after_seq = seq;
            let action: String = r.get("action")?;
            let Some(text) = r.get::<Option<String>>("after_json")? else {
                continue;
            };
            let Ok(after) = serde_json::from_str::<Json>(&text) else {
                continue;
            };
            if action == "reporting.trail_start" {
                if rec.legacy.is_some() || first_recording.is_some() {
                    problems.push(format!(
                        "entry {seq}: a trail start after values were already recorded re-anchors the data (written outside a version upgrade)"
                    ));
                }
                let l = &after["legacy_value_changes"];
                rec.legacy = Some((
                    seq,
                    l["max_id"].as_i64().unwrap_or(0),
                    l["rows"].as_i64().unwrap_or(0),
                    l["digest"].as_str().unwrap_or("").to_owned(),
                ));
            }
            let mut records = false;
            if let Some(list) = after[APPROVED_DIGESTS].as_array() {
                for item in list {
                    if let (Some(t), Some(u), Some(p), Some(d)) = (
                        item[0].as_i64(),
                        item[1].as_i64(),
                        item[2].as_str(),
                        item[3].as_str(),
                    ) {
                        rec.approved
                            .insert((t, u, p.to_owned()), (seq, d.to_owned()));
                        records = true;
                    }
                }
            }
            if let Some(vc) = after.get(VALUE_CHANGES_DIGEST) {
                rec.change_sets.insert(
                    seq,
                    (
                        vc["rows"].as_i64().unwrap_or(0),
                        vc["digest"].as_str().unwrap_or("").to_owned(),
                    ),
                );
                records = true;
            }
            if records && action != "reporting.trail_start" && first_recording.is_none() {
                first_recording = Some(seq);
            }
        }
        if n < 2000 {
            break;
        }
    }
    Ok(rec)
}

/// "template code unit code period", for a message.
async fn report_name(db: &Db, (t, u, p): &ReportKey) -> String {
    let t_code = db
        .fetch_optional(store::TEMPLATE_CODE, params![*t])
        .await
        .ok()
        .flatten()
        .and_then(|r| r.get::<String>("code").ok())
        .unwrap_or_else(|| format!("#{t}"));
    let u_code = db
        .fetch_optional(store::UNIT_CODE, params![*u])
        .await
        .ok()
        .flatten()
        .and_then(|r| r.get::<String>("code").ok())
        .unwrap_or_else(|| format!("#{u}"));
    format!("report {t_code} of unit {u_code} for {p}")
}

/// Compare the approved values and the value history with what the trail recorded. One line per
/// disagreement: which report or change set, and which entry it contradicts.
pub async fn check(db: Db) -> FaultResult<Vec<String>> {
    let mut problems = Vec::new();
    let mut rec = read_trail(&db, &mut problems).await?;
    check_approved(&db, &mut rec.approved, &mut problems).await?;
    check_change_sets(&db, &mut rec.change_sets, &mut problems).await?;
    check_legacy(&db, rec.legacy.as_ref(), &mut problems).await?;
    Ok(problems)
}

/// Every approved report's values against the digest the trail last recorded for it.
async fn check_approved(
    db: &Db,
    recorded: &mut HashMap<ReportKey, (i64, String)>,
    problems: &mut Vec<String>,
) -> FaultResult<()> {
    let ids: Vec<i64> = db
        .fetch_all(store::APPROVED_IDS, params![])
        .await?
        .iter()
        .map(|r| r.get("id"))
        .collect::<DbResult<_>>()?;
    for chunk in ids.chunks(500) {
        let (sql, a) = store::submissions_sql(db.backend(), chunk)?;
        let meta = db.fetch_all(sql, a).await?;
        let (sql, a) = store::approved_values_sql(db.backend(), chunk)?;
        let values = db.fetch_all(sql, a).await?;
        for (t, u, p, digest) in combine(&meta, &values)? {
            let key = (t, u, p);
            match recorded.remove(&key) {
                Some((_, d)) if d == digest => {}
                Some((seq, _)) => problems.push(format!(
                    "{}: the approved values differ from those entry {seq} recorded (changed outside the application)",
                    report_name(db, &key).await
                )),
                None => problems.push(format!(
                    "{}: approved, but the audit trail records no approval of its values",
                    report_name(db, &key).await
                )),
            }
        }
    }
    let mut gone: Vec<_> = std::mem::take(recorded).into_iter().collect();
    gone.sort_by_key(|(_, (seq, _))| *seq);
    for (key, (seq, _)) in gone {
        problems.push(format!(
            "{}: entry {seq} recorded its approved values, but it is no longer approved (or was deleted)",
            report_name(db, &key).await
        ));
    }
    Ok(())
}

/// The change sets naming each entry against the digest that entry recorded.
async fn check_change_sets(
    db: &Db,
    recorded: &mut HashMap<i64, (i64, String)>,
    problems: &mut Vec<String>,
) -> FaultResult<()> {
    let mut current: Option<(i64, ChangeSetDigest)> = None;
    let finish = |cur: Option<(i64, ChangeSetDigest)>,
                  change_sets: &mut HashMap<i64, (i64, String)>,
                  problems: &mut Vec<String>| {
        if let Some((seq, d)) = cur {
            let got = d.finish();
            match change_sets.remove(&seq) {
                Some((rows, digest)) => {
                    if got["digest"].as_str() != Some(digest.as_str()) {
                        problems.push(format!(
                            "value history written by entry {seq}: {} change set(s) stored, {rows} recorded, and they differ from what the entry recorded (edited, added or deleted)",
                            got["rows"]
                        ));
                    }
                }
                None => problems.push(format!(
                    "value history: {} change set(s) name entry {seq}, which recorded none (written outside the application)",
                    got["rows"]
                )),
            }
        }
    };
    let (mut last_seq, mut last_id) = (i64::MIN, 0i64);
    loop {
        let rows = db
            .fetch_all(store::CHANGE_SETS_BY_SEQ, params![last_seq, last_id])
            .await?;
        let n = rows.len();
        for r in &rows {
            let seq: i64 = r.get("audit_seq")?;
            last_seq = seq;
            last_id = r.get("id")?;
            if current.as_ref().is_none_or(|(s, _)| *s != seq) {
                finish(current.take(), recorded, problems);
                current = Some((seq, ChangeSetDigest::default()));
            }
            if let Some((_, d)) = current.as_mut() {
                d.add(&r.values()[2..]);
            }
        }
        if n < 5000 {
            break;
        }
    }
    finish(current.take(), recorded, problems);
    let mut missing: Vec<_> = std::mem::take(recorded).into_iter().collect();
    missing.sort_by_key(|(seq, _)| *seq);
    for (seq, (rows, _)) in missing {
        if rows > 0 {
            problems.push(format!(
                "value history written by entry {seq}: the {rows} change set(s) it recorded are missing (deleted)"
            ));
        }
    }
    Ok(())
}

/// The change sets from before the trail start against its digest; any other change set naming
/// no entry is a stray.
async fn check_legacy(
    db: &Db,
    legacy: Option<&(i64, i64, i64, String)>,
    problems: &mut Vec<String>,
) -> FaultResult<()> {
    let (legacy_max, legacy) = match legacy {
        Some((seq, max_id, rows, digest)) => (*max_id, Some((*seq, *rows, digest.clone()))),
        None => (0, None),
    };
    let mut digest = ChangeSetDigest::default();
    let mut after_id = 0i64;
    let mut strays = Vec::new();
    loop {
        let rows = db
            .fetch_all(store::UNSEALED_CHANGE_SETS, params![after_id])
            .await?;
        let n = rows.len();
        for r in &rows {
            after_id = r.get("id")?;
            if after_id <= legacy_max {
                digest.add(&r.values()[1..]);
            } else {
                strays.push(after_id);
            }
        }
        if n < 5000 {
            break;
        }
    }
    if let Some((seq, rows, recorded)) = legacy {
        let got = digest.finish();
        if got["digest"].as_str() != Some(recorded.as_str()) {
            problems.push(format!(
                "value history from before the trail start: {} change set(s) stored, {rows} recorded by entry {seq}, and they differ (edited or deleted)",
                got["rows"]
            ));
        }
    }
    if !strays.is_empty() {
        problems.push(format!(
            "value history: {} change set(s) name no audit entry (written outside the application), ids {}",
            strays.len(),
            strays
                .iter()
                .take(10)
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    Ok(())
}
