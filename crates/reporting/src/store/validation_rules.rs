//! The validation rules' definitions (`validation_rules`) as reference data and as generated from
//! breakdowns ([`crate::model::breakdown::parts_rules`]).

use platform::db::{DbResult, Tx};
use platform::params;

use crate::model::breakdown::{PARTS_RULE_PREFIX, PartsRule};

/// The columns of a rule definition, in the order of `rules.csv`.
pub const RULE_FIELDS: [&str; 7] = [
    "code",
    "name_vi",
    "name_en",
    "left_expr",
    "op",
    "right_expr",
    "severity",
];

/// Insert or replace a rule definition: the values of [`RULE_FIELDS`], in order.
pub async fn upsert_in(tx: &mut Tx, f: &[String; 7]) -> DbResult<()> {
    tx.execute(
        "INSERT INTO validation_rules (code, name_vi, name_en, left_expr, op, right_expr, severity) \
         VALUES ($1,$2,$3,$4,$5,$6,$7) ON CONFLICT (code) DO UPDATE SET name_vi = excluded.name_vi, \
         name_en = excluded.name_en, left_expr = excluded.left_expr, op = excluded.op, \
         right_expr = excluded.right_expr, severity = excluded.severity",
        params![&f[0], &f[1], &f[2], &f[3], &f[4], &f[5], &f[6]],
    )
    .await?;
    Ok(())
}

/// Every rule definition: the values of [`RULE_FIELDS`], in order.
pub async fn all_in(tx: &mut Tx) -> DbResult<Vec<[String; 7]>> {
    tx.fetch_all(
        "SELECT code, name_vi, name_en, left_expr, op, right_expr, severity FROM validation_rules",
        params![],
    )
    .await?
    .iter()
    .map(|r| {
        Ok([
            r.get("code")?,
            r.get("name_vi")?,
            r.get("name_en")?,
            r.get("left_expr")?,
            r.get("op")?,
            r.get("right_expr")?,
            r.get("severity")?,
        ])
    })
    .collect()
}

/// Make the generated breakdown rules exactly `wanted`: each written (a warning, `<=`), and the
/// generated rules of breakdowns that no longer exist removed.
pub async fn sync_parts_rules_in(tx: &mut Tx, wanted: &[PartsRule]) -> DbResult<()> {
    for r in wanted {
        tx.execute(
            "INSERT INTO validation_rules (code, name_vi, name_en, left_expr, op, right_expr, severity) \
             VALUES ($1, $2, $3, $4, '<=', $5, 'warning') \
             ON CONFLICT (code) DO UPDATE SET name_vi = excluded.name_vi, name_en = excluded.name_en, \
             left_expr = excluded.left_expr, op = excluded.op, right_expr = excluded.right_expr, \
             severity = excluded.severity",
            params![&r.code, &r.name_vi, &r.name_en, &r.left, &r.right],
        )
        .await?;
    }
    for r in tx
        .fetch_all(
            "SELECT code FROM validation_rules WHERE code LIKE $1",
            params![format!("{PARTS_RULE_PREFIX}%")],
        )
        .await?
    {
        let code: String = r.get("code")?;
        if !wanted.iter().any(|w| w.code == code) {
            tx.execute(
                "DELETE FROM validation_rules WHERE code = $1",
                params![code],
            )
            .await?;
        }
    }
    Ok(())
}
