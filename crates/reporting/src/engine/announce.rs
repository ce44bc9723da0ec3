//! What reporting tells open pages (`platform::live`), inside the transaction of the change:
//!
//! - topic [`REPORTS`] whenever reports change state or values (worklists, compliance boards):
//!   `{"reports": [{"template_id", "period", "status"}…], "more": n}`;
//! - topic [`DATA`] whenever approved values change, so national figures do
//!   (dashboards, the national tables): `{"periods": [...]}`.
//!
//! Both name what changed, never a value (events are public). A page fetches the figures again
//! through the access-controlled API.

use std::collections::BTreeSet;

use platform::db::Tx;

use super::error::Result;
use crate::model::status::Status;

pub const REPORTS: &str = "reports";
pub const DATA: &str = "data";
/// The most reports named in one event; a larger batch says how many more.
const MAX_NAMED: usize = 100;

/// Announce reports that changed: (template id, period id, new status, approved values changed).
pub async fn reports_changed(tx: &mut Tx, changes: &[(i64, String, Status, bool)]) -> Result<()> {
    if changes.is_empty() {
        return Ok(());
    }
    let named: Vec<serde_json::Value> = changes
        .iter()
        .take(MAX_NAMED)
        .map(
            |(t, p, s, _)| serde_json::json!({"template_id": t, "period": p, "status": s.as_str()}),
        )
        .collect();
    let data = serde_json::json!({
        "reports": named,
        "more": changes.len().saturating_sub(MAX_NAMED),
    });
    platform::live::publish(tx, REPORTS, &data).await?;
    let periods: BTreeSet<&str> = changes
        .iter()
        .filter(|c| c.3)
        .map(|c| c.1.as_str())
        .collect();
    if !periods.is_empty() {
        let periods: Vec<&str> = periods.into_iter().take(MAX_NAMED).collect();
        platform::live::publish(tx, DATA, &serde_json::json!({ "periods": periods })).await?;
    }
    Ok(())
}
