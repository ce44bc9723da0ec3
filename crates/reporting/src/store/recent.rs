//! Reports decided lately (the operations center's daily brief: "data received in the last 24
//! hours").

use platform::db::{Db, DbResult};
use platform::params;

/// A report approved at `decided_at` (ms).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Approved {
    pub template_code: String,
    pub unit_id: i64,
    pub period: String,
    pub decided_at: i64,
}

/// Reports approved at or after `since` (ms), newest first, at most `limit`.
pub async fn approved_since(db: &Db, since: i64, limit: i64) -> DbResult<Vec<Approved>> {
    db.fetch_all_as::<Approved>(
        "SELECT t.code AS template_code, s.unit_id, s.period, s.decided_at \
         FROM submissions s JOIN report_templates t ON t.id = s.template_id \
         WHERE s.status = 'approved' AND s.decided_at >= $1 \
         ORDER BY s.decided_at DESC, s.id DESC LIMIT $2",
        params![since, limit],
    )
    .await
}
