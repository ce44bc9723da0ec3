//! The validation rules as stored (`validation_rules`).

use platform::FaultResult;
use platform::db::{Db, Row, Tx};
use platform::params;

use crate::model::rules::{Rule, parse};

/// A stored rule: a corrupt row (an expression that no longer parses) is an error.
fn from_row(r: &Row) -> FaultResult<Rule> {
    parse(
        &r.get::<String>("code")?,
        &r.get::<String>("name_vi")?,
        &r.get::<String>("name_en")?,
        &r.get::<String>("left_expr")?,
        &r.get::<String>("op")?,
        &r.get::<String>("right_expr")?,
        &r.get::<String>("severity")?,
    )
}

/// Every rule.
pub async fn all(tx: &mut Tx) -> FaultResult<Vec<Rule>> {
    tx.fetch_all("SELECT * FROM validation_rules ORDER BY code", params![])
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// Every rule, outside a transaction (a page reviewing a report).
pub async fn all_of(db: &Db) -> FaultResult<Vec<Rule>> {
    db.fetch_all("SELECT * FROM validation_rules ORDER BY code", params![])
        .await?
        .iter()
        .map(from_row)
        .collect()
}
