//! A report (báo cáo) of one unit for one period, and the history of its values.

use serde::Serialize;

use super::status::Status;

/// One report of one unit for one period.
#[derive(Debug, Clone, Serialize)]
pub struct Submission {
    pub id: i64,
    pub template_id: i64,
    pub unit_id: i64,
    pub period: String,
    pub status: Status,
    pub version: i64,
    pub submitted_at: Option<i64>,
    pub submitted_by: Option<String>,
    pub decided_at: Option<i64>,
    pub decided_by: Option<String>,
    pub return_reason: Option<String>,
}

impl Submission {
    /// Can a reporter change values (without a correction)?
    pub fn is_editable(&self) -> bool {
        self.status.is_editable()
    }
}

/// One change of a value.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryEntry {
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub old_value: Option<f64>,
    pub new_value: Option<f64>,
    pub reason: Option<String>,
    /// When the explanation changed with this entry (or alone): the old one and the new one.
    pub old_explanation: Option<String>,
    pub explanation: Option<String>,
}
