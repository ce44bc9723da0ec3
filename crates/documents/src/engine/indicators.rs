//! The axis's counts as e-Government indicators of the reporting system: for each provincial
//! People's Committee connected to the axis, the documents it sent (`EDOC_SENT`) and received
//! (`EDOC_RECEIVED`) electronically in a month's data cut-off window (15th of the month before to
//! the 14th, as every monthly report), filed as that province's report `BC-CPDT-THANG` through
//! the reporting engine like any other report: submitted, then approved by the province's
//! approver, so the operations center shows them once approved. Counted by the axis, which sees
//! every exchange; a node that did not work as the axis in the window files nothing.
//!
//! Filing again with the same counts changes nothing; counts that changed after the report was
//! submitted or approved are refused by the reporting workflow (never overwritten) and reported
//! in [`Filed::refused`] and the log.

use std::collections::HashMap;

use platform::audit::Actor;
use platform::db::{Db, DbError};
use reporting::engine::error::Error as ReportError;
use reporting::engine::save::{Entry, save};
use reporting::model::period::Period;
use reporting::model::status::Action;

use crate::model::agency::AgencyId;
use crate::store::agencies::{self, AgencyState};
use crate::store::traffic;

/// The template the counts are filed as, and its indicators.
pub const TEMPLATE: &str = "BC-CPDT-THANG";
pub const SENT: &str = "EDOC_SENT";
pub const RECEIVED: &str = "EDOC_RECEIVED";

/// What one filing round did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filed {
    /// Reports written (new, or with changed counts while still editable).
    pub written: usize,
    /// Reports that already held these counts.
    pub unchanged: usize,
    /// Provinces whose report the workflow refused (submitted or approved with other counts),
    /// with the codes of the problems.
    pub refused: Vec<(String, Vec<&'static str>)>,
}

#[derive(Debug, thiserror::Error)]
pub enum IndicatorError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("reporting: {0}")]
    Reporting(#[from] ReportError),
}

/// The first millisecond of a day in Việt Nam.
fn vn_start(day: time::Date) -> i64 {
    let t = day
        .midnight()
        .assume_offset(time::macros::offset!(+7))
        .unix_timestamp();
    t * 1000
}

/// The registry's agency of a directory entry: by its QCVN 102 identifier (the registry's
/// form, `000.00.00.H41`), else by its code.
async fn registry_agency(
    db: &Db,
    a: &agencies::Agency,
) -> Result<Option<registry::store::Agency>, DbError> {
    let qcvn = a
        .qcvn_code
        .clone()
        .or_else(|| AgencyId::parse(&a.code).ok().and_then(|id| id.qcvn()));
    if let Some(q) = qcvn
        && let Some(found) = registry::store::agency_by_any_code(db, &q).await?
    {
        return Ok(Some(found));
    }
    registry::store::agency_by_any_code(db, &a.code).await
}

/// File `period`'s counts (a month) for every active provincial People's Committee in the
/// axis's directory.
pub async fn file_month(db: &Db, period: Period) -> Result<Filed, IndicatorError> {
    let mut filed = Filed::default();
    let (first, last) = period.cutoff();
    let from = vn_start(first);
    let to = vn_start(last.next_day().unwrap_or(last));
    if !traffic::any_between(db, from, to).await? {
        return Ok(filed);
    }
    let Some(template) = reporting::query::template(db, TEMPLATE).await? else {
        tracing::warn!(
            template = TEMPLATE,
            "no template for the axis's counts: apply the reference data"
        );
        return Ok(filed);
    };
    let sent: HashMap<String, i64> = traffic::documents_sent_between(db, from, to)
        .await?
        .into_iter()
        .collect();
    let received: HashMap<String, i64> = traffic::documents_received_between(db, from, to)
        .await?
        .into_iter()
        .collect();
    let actor = Actor::system("documents axis");
    for a in agencies::list(db).await? {
        if a.state != AgencyState::Active {
            continue;
        }
        let Some(org) = registry_agency(db, &a).await? else {
            continue;
        };
        let (Some(unit_id), "provincial_committee") = (org.unit_id, org.kind.as_str()) else {
            continue;
        };
        let entry = |indicator: &str, n: i64| Entry {
            indicator: indicator.to_owned(),
            raw: n.to_string(),
            lang: "plain",
            explanation: Some(
                "Trục liên thông văn bản quốc gia đếm tự động / counted by the document axis"
                    .into(),
            ),
        };
        let entries = [
            entry(SENT, sent.get(&a.code).copied().unwrap_or(0)),
            entry(RECEIVED, received.get(&a.code).copied().unwrap_or(0)),
        ];
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
                tracing::warn!(agency = %a.code, period = %period.id(), problems = ?codes, "axis counts not filed");
                filed.refused.push((a.code.clone(), codes));
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(filed)
}
