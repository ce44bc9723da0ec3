//! What the audit trail's check of reporting data reads: approved reports and their values, the
//! value history page by page, the audit entries of reports, and the trail start's marker.

use platform::db::{Backend, DbResult, Sql, Value};
use sea_query::{Expr, ExprTrait, JoinType, Query};

/// The (id, template, unit, period) of some submissions.
pub fn submissions_sql(backend: Backend, ids: &[i64]) -> DbResult<(Sql, Vec<Value>)> {
    let q = Query::select()
        .columns(["id", "template_id", "unit_id", "period"])
        .from("submissions")
        .and_where(Expr::col("id").is_in(ids.iter().copied()))
        .to_owned();
    super::build(backend, q)
}

/// The approved values of some submissions, through their templates' indicators (the primary
/// key): (sid, indicator_id, value).
pub fn approved_values_sql(backend: Backend, ids: &[i64]) -> DbResult<(Sql, Vec<Value>)> {
    let q = Query::select()
        .expr_as(Expr::col(("s", "id")), "sid")
        .column(("dv", "indicator_id"))
        .column(("dv", "value"))
        .from_as("submissions", "s")
        .join_as(
            JoinType::InnerJoin,
            "template_indicators",
            "ti",
            Expr::col(("ti", "template_id")).equals(("s", "template_id")),
        )
        .join_as(
            JoinType::InnerJoin,
            "data_values",
            "dv",
            Expr::col(("dv", "indicator_id"))
                .equals(("ti", "indicator_id"))
                .and(Expr::col(("dv", "period")).equals(("s", "period")))
                .and(Expr::col(("dv", "unit_id")).equals(("s", "unit_id")))
                .and(Expr::col(("dv", "submission_id")).equals(("s", "id"))),
        )
        .and_where(Expr::col(("dv", "approved")))
        .and_where(Expr::col(("s", "id")).is_in(ids.iter().copied()))
        .to_owned();
    super::build(backend, q)
}

/// The ids of every approved submission.
pub const APPROVED_IDS: &str = "SELECT id FROM submissions WHERE status = 'approved' ORDER BY id";

/// Change sets naming no audit entry after id `$1`, 5,000 at a time: the id, then the columns
/// a change set's digest covers (`engine::trail::CHANGE_SET_COLUMNS`).
pub const UNSEALED_CHANGE_SETS: &str = "SELECT id, unit_id, period, submission_id, action, reason, at, actor, changes \
     FROM value_changes WHERE audit_seq IS NULL AND id > $1 ORDER BY id LIMIT 5000";

/// Change sets after (audit seq `$1`, id `$2`), in that order, 5,000 at a time: the seq, the id,
/// then the columns a change set's digest covers.
pub const CHANGE_SETS_BY_SEQ: &str = "SELECT audit_seq, id, unit_id, period, submission_id, action, reason, at, actor, changes \
     FROM value_changes WHERE audit_seq > $1 OR (audit_seq = $1 AND id > $2) \
     ORDER BY audit_seq, id LIMIT 5000";

/// The audit entries about reports after seq `$1`, 2,000 at a time.
pub const REPORT_ENTRIES: &str = "SELECT seq, action, after_json FROM audit_log \
     WHERE object_type IN ('report', 'reporting') AND seq > $1 ORDER BY seq LIMIT 2000";

/// A template's code by id.
pub const TEMPLATE_CODE: &str = "SELECT code FROM report_templates WHERE id = $1";
/// A unit's code by id (merge note: a registry read).
pub const UNIT_CODE: &str = "SELECT code FROM units WHERE id = $1";

/// A unit's statistical code and name by id, for the audit object of a report (merge note: a
/// registry read).
pub const UNIT_NAMED: &str = "SELECT code, name FROM units WHERE id = $1";
/// The templates of a unit's reports for a period, at most two (an older entry of a decision
/// named no template: it is named only when one report matches).
pub const TEMPLATES_OF_REPORT: &str = "SELECT t.code FROM submissions s \
     JOIN report_templates t ON t.id = s.template_id \
     WHERE s.unit_id = $1 AND s.period = $2 ORDER BY t.code LIMIT 2";

/// Is the trail start still to be done?
pub const START_PENDING: &str = "SELECT pending FROM reporting_trail_start WHERE id = 1";
/// Claim the trail start (`$1` false, `$2` true): one node does it.
pub const START_CLAIM: &str =
    "UPDATE reporting_trail_start SET pending = $1 WHERE id = 1 AND pending = $2";
