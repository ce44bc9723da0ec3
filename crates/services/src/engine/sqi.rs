//! The service quality index filed as indicators of the reporting system: for each provincial
//! People's Committee, the index of the dossiers it handled in a month's data cut-off window
//! (`model::sqi`), filed as that province's report `BC-DVC-THANG` through the reporting engine,
//! like any other report, so the operations center shows it. Computed from the platform's own
//! records; nothing typed in. Filing again with the same figures changes nothing; figures that
//! changed after the report was submitted are refused by the reporting workflow (never
//! overwritten) and named in [`Filed::refused`].

use platform::audit::Actor;
use platform::db::{Db, DbError, DbResult};
use platform::params;
use reporting::engine::error::Error as ReportError;
use reporting::engine::save::{Entry, save};
use reporting::model::period::Period;
use reporting::model::status::Action;

use crate::model::sqi::{self, Counts, TOTAL_INDICATOR, Weights};

/// The template the index is filed as.
pub const TEMPLATE: &str = "BC-DVC-THANG";

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filed {
    pub written: usize,
    pub unchanged: usize,
    pub refused: Vec<(String, Vec<&'static str>)>,
}

#[derive(Debug, thiserror::Error)]
pub enum SqiError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("reporting: {0}")]
    Reporting(#[from] ReportError),
}

fn vn_start(day: time::Date) -> i64 {
    day.midnight()
        .assume_offset(time::macros::offset!(+7))
        .unix_timestamp()
        * 1000
}

async fn one(db: &Db, sql: &'static str, p: Vec<platform::db::Value>) -> DbResult<u64> {
    let n: i64 = db.fetch_one(sql, p).await?.get("n")?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// What the platform counted for `agency_id` over `[from, to)` (ms), overdue as of `now`.
pub async fn counts(db: &Db, agency_id: i64, from: i64, to: i64, now: i64) -> DbResult<Counts> {
    Ok(Counts {
        procedures: one(
            db,
            "SELECT COUNT(*) AS n FROM svc_procedure_versions \
             WHERE status = 'published' AND (agency_id = $1 OR agency_id IS NULL)",
            params![agency_id],
        )
        .await?,
        procedures_complete: one(
            db,
            "SELECT COUNT(*) AS n FROM svc_procedure_versions \
             WHERE status = 'published' AND (agency_id = $1 OR agency_id IS NULL) \
               AND papers <> '[]' AND legal_basis <> '' AND form_schema <> '{}'",
            params![agency_id],
        )
        .await?,
        dossiers: one(
            db,
            "SELECT COUNT(*) AS n FROM svc_dossiers \
             WHERE agency_id = $1 AND received_at >= $2 AND received_at < $3",
            params![agency_id, from, to],
        )
        .await?,
        dossiers_synced: one(
            db,
            "SELECT COUNT(*) AS n FROM svc_dossiers d \
             WHERE d.agency_id = $1 AND d.received_at >= $2 AND d.received_at < $3 \
               AND NOT EXISTS (SELECT 1 FROM svc_sync_outbox o \
                               WHERE o.dossier_id = d.id AND o.state = 'queued')",
            params![agency_id, from, to],
        )
        .await?,
        settled: one(
            db,
            "SELECT COUNT(*) AS n FROM svc_dossiers WHERE agency_id = $1 \
             AND status IN (9, 10) AND finished_at >= $2 AND finished_at < $3",
            params![agency_id, from, to],
        )
        .await?,
        settled_on_time: one(
            db,
            "SELECT COUNT(*) AS n FROM svc_dossiers WHERE agency_id = $1 \
             AND status IN (9, 10) AND finished_at >= $2 AND finished_at < $3 \
             AND on_time = 1",
            params![agency_id, from, to],
        )
        .await?,
        overdue: one(
            db,
            "SELECT COUNT(*) AS n FROM svc_dossiers WHERE agency_id = $1 \
             AND status IN (2, 4) AND due_date < $2",
            params![agency_id, crate::engine::dossiers::vn_day(now).to_string()],
        )
        .await?,
        digitised: one(
            db,
            "SELECT COUNT(*) AS n FROM svc_dossiers d \
             WHERE d.agency_id = $1 AND d.received_at >= $2 AND d.received_at < $3 \
               AND EXISTS (SELECT 1 FROM svc_dossier_files f \
                           WHERE f.dossier_id = d.id AND f.kind = 'paper')",
            params![agency_id, from, to],
        )
        .await?,
        results_electronic: one(
            db,
            "SELECT COUNT(*) AS n FROM svc_dossiers WHERE agency_id = $1 \
             AND status IN (9, 10) AND finished_at >= $2 AND finished_at < $3 \
             AND result_sha256 IS NOT NULL",
            params![agency_id, from, to],
        )
        .await?,
        online: one(
            db,
            "SELECT COUNT(*) AS n FROM svc_dossiers \
             WHERE agency_id = $1 AND received_at >= $2 AND received_at < $3 AND channel = 2",
            params![agency_id, from, to],
        )
        .await?,
        fees_paid: one(
            db,
            "SELECT COUNT(*) AS n FROM svc_dossier_events e \
             JOIN svc_dossiers d ON d.id = e.dossier_id \
             WHERE d.agency_id = $1 AND e.action = 'fees_paid' AND e.at >= $2 AND e.at < $3",
            params![agency_id, from, to],
        )
        .await?,
        fees_paid_online: one(
            db,
            "SELECT COUNT(*) AS n FROM svc_payments \
             WHERE agency_id = $1 AND status = 'paid' AND paid_at >= $2 AND paid_at < $3",
            params![agency_id, from, to],
        )
        .await?,
        ratings: one(
            db,
            "SELECT COUNT(*) AS n FROM svc_ratings \
             WHERE agency_id = $1 AND created_at >= $2 AND created_at < $3",
            params![agency_id, from, to],
        )
        .await?,
        stars: one(
            db,
            "SELECT CAST(COALESCE(SUM(stars), 0) AS BIGINT) AS n FROM svc_ratings \
             WHERE agency_id = $1 AND created_at >= $2 AND created_at < $3",
            params![agency_id, from, to],
        )
        .await?,
    })
}

/// Files `period`'s index (a month) for every provincial People's Committee that handled a
/// dossier in its cut-off window.
pub async fn file_month(db: &Db, period: Period, now: i64) -> Result<Filed, SqiError> {
    let mut filed = Filed::default();
    let (first, last) = period.cutoff();
    let from = vn_start(first);
    let to = vn_start(last.next_day().unwrap_or(last));
    let Some(template) = reporting::query::template(db, TEMPLATE).await? else {
        tracing::warn!(
            template = TEMPLATE,
            "no template for the quality index: apply the reference data"
        );
        return Ok(filed);
    };
    let actor = Actor::system("public service portal");
    let rows = db
        .fetch_all(
            "SELECT DISTINCT agency_id FROM svc_dossiers WHERE received_at >= $1 AND received_at < $2",
            params![from, to],
        )
        .await?;
    for r in rows {
        let agency_id: i64 = r.get("agency_id")?;
        let Some(a) = registry::store::agency(db, agency_id).await? else {
            continue;
        };
        let (Some(unit_id), "provincial_committee") = (a.unit_id, a.kind.as_str()) else {
            continue;
        };
        let c = counts(db, agency_id, from, to, now).await?;
        let index = sqi::index(&c, &Weights::default());
        let entry = |indicator: &str, centipoints: u64| Entry {
            indicator: indicator.to_owned(),
            raw: sqi::points(centipoints),
            lang: "plain",
            explanation: Some(
                "Cổng Dịch vụ công tính tự động / computed by the public service portal".into(),
            ),
        };
        let mut entries = vec![entry(TOTAL_INDICATOR, index.total_centipoints)];
        for g in &index.groups {
            entries.push(entry(g.group.indicator(), g.centipoints));
        }
        match save(
            db,
            &actor,
            &template,
            unit_id,
            &period,
            &entries,
            None,
            Action::Submit,
            None,
        )
        .await
        {
            Ok(s) if s.inserted + s.updated > 0 => filed.written += 1,
            Ok(_) => filed.unchanged += 1,
            Err(ReportError::Rejected(failures)) => {
                let codes: Vec<&'static str> = failures
                    .iter()
                    .flat_map(|f| f.issues.iter().map(|i| i.problem.code))
                    .collect();
                tracing::warn!(agency = %a.code, period = %period.id(), problems = ?codes, "quality index not filed");
                filed.refused.push((a.code.clone(), codes));
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(filed)
}
