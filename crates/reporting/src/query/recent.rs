//! Reports approved lately, named as people know them (the daily brief's "data received").

use platform::db::{Db, DbResult};
use serde::Serialize;

use crate::store;

/// A report approved lately.
#[derive(Debug, Clone, Serialize)]
pub struct RecentApproval {
    pub template: String,
    pub unit_code: String,
    pub unit_name: String,
    pub period: String,
    pub decided_at: i64,
}

/// Reports approved at or after `since` (ms), newest first, at most `limit` (1–500), and how many
/// there were in all up to 500.
pub async fn approved_since(db: &Db, since: i64, limit: usize) -> DbResult<Vec<RecentApproval>> {
    let limit = limit.clamp(1, 500);
    let rows = store::recent::approved_since(db, since, limit as i64).await?;
    let mut names: std::collections::HashMap<i64, (String, String)> = Default::default();
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        if let std::collections::hash_map::Entry::Vacant(e) = names.entry(r.unit_id) {
            let u = registry::store::unit(db, r.unit_id).await?;
            e.insert(u.map(|u| (u.code, u.name)).unwrap_or_default());
        }
        let (code, name) = names[&r.unit_id].clone();
        out.push(RecentApproval {
            template: r.template_code,
            unit_code: code,
            unit_name: name,
            period: r.period,
            decided_at: r.decided_at,
        });
    }
    Ok(out)
}
