//! The last phase: the checked indicators written in one audited transaction, and the
//! breakdown rules regenerated from the catalogue as it now stands.

use std::collections::BTreeMap;

use platform::audit::{self, Actor, Change};
use platform::db::{Db, DbResult, Tx};
use serde_json::json;

use super::{CatalogueError, ImportReport};
use crate::model::breakdown::parts_rules;
use crate::model::indicator::Indicator;
use crate::store;

pub use crate::store::catalogue::Written;

/// Regenerate the rules "the parts of a dimension sum to the parent" (warning, 0.5 % tolerance)
/// for every additive parent with at least two parts in a dimension; rules of breakdowns that no
/// longer exist are removed.
pub async fn sync_breakdown_rules(tx: &mut Tx) -> DbResult<()> {
    let all = store::catalogue::list_in(tx).await?;
    store::validation_rules::sync_parts_rules_in(tx, &parts_rules(&all)).await
}

/// Write `indicators` (already checked) unless a dry run; the changes, the breakdown rules and
/// the audit record in one transaction. A dry run computes what would change, then drops it.
pub async fn apply(
    db: &Db,
    actor: &Actor,
    indicators: &[Indicator],
    dry_run: bool,
    mut report: ImportReport,
) -> Result<ImportReport, CatalogueError> {
    let mut tx = db.begin().await?;
    let written = store::catalogue::write(&mut tx, indicators).await?;
    report.inserted = written.inserted;
    report.updated = written.updated;
    report.unchanged = written.unchanged;
    report.changed = written.changes.iter().map(|c| c.0.clone()).collect();
    if dry_run || written.changes.is_empty() {
        // A dry run computes what would change, then drops the transaction.
        report.applied = !dry_run;
        return Ok(report);
    }
    sync_breakdown_rules(&mut tx).await?;
    let before: BTreeMap<&str, serde_json::Value> = written
        .changes
        .iter()
        .filter_map(|(c, b, _)| Some((c.as_str(), serde_json::to_value(b.as_ref()?).ok()?)))
        .collect();
    let after: BTreeMap<&str, serde_json::Value> = written
        .changes
        .iter()
        .filter_map(|(c, _, a)| Some((c.as_str(), serde_json::to_value(a).ok()?)))
        .collect();
    audit::append(
        &mut tx,
        actor,
        Change {
            action: "reporting.catalogue_import",
            object_type: "reporting",
            object_id: "catalogue".into(),
            before: Some(json!(before)),
            after: Some(json!({
                "rows": report.rows, "inserted": report.inserted, "updated": report.updated,
                "unchanged": report.unchanged, "indicators": after,
            })),
        },
    )
    .await?;
    tx.commit().await?;
    report.applied = true;
    Ok(report)
}
