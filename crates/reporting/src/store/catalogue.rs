//! The indicator catalogue's table (`indicators`): reads, the import's writes, and what the
//! import checks against (indicators with data, agencies).

use std::collections::{HashMap, HashSet};

use platform::db::{Db, DbError, DbResult, Row, Tx};
use platform::params;

use crate::model::indicator::Indicator;

/// An indicator from its row; a rule word that is none of the known choices is an error (a
/// corrupt row), not a default.
pub(crate) fn from_row(r: &Row) -> DbResult<Indicator> {
    let i = read_row(r)?;
    i.check_choices().map_err(|e| DbError::Decode {
        column: format!("indicators.{}", e.column),
        problem: e.to_string(),
    })?;
    Ok(i)
}

fn read_row(r: &Row) -> DbResult<Indicator> {
    Ok(Indicator {
        id: r.get("id")?,
        code: r.get("code")?,
        name_vi: r.get("name_vi")?,
        name_en: r.get("name_en")?,
        unit_vi: r.get("unit_vi")?,
        unit_en: r.get("unit_en")?,
        domain: r.get("domain")?,
        value_type: r.get("value_type")?,
        decimals: r.get("decimals")?,
        periodicity: r.get("periodicity")?,
        agg_units: r.get("agg_units")?,
        agg_weight: r.get("agg_weight")?,
        agg_time: r.get("agg_time")?,
        formula: r.get("formula")?,
        agency_code: r.get("agency_code")?,
        is_public: r.get("is_public")?,
        monthly_provincial: r.get("monthly_provincial")?,
        lower_bound: r.get("lower_bound")?,
        upper_bound: r.get("upper_bound")?,
        definition_vi: r.get("definition_vi")?,
        definition_en: r.get("definition_en")?,
        source: r.get("source")?,
        valid_from: r.get("valid_from")?,
        valid_to: r.get("valid_to")?,
        parent: r.get("parent_code")?,
        dimension: r.get("dimension")?,
        option: r.get("dim_option")?,
    })
}

/// Every indicator, by domain and code.
pub async fn list(db: &Db) -> DbResult<Vec<Indicator>> {
    db.fetch_all("SELECT * FROM indicators ORDER BY domain, code", params![])
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// Every indicator, by code, inside a transaction.
pub async fn list_in(tx: &mut Tx) -> DbResult<Vec<Indicator>> {
    tx.fetch_all("SELECT * FROM indicators ORDER BY code", params![])
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// The indicator bearing `code` (compared in upper case).
pub async fn by_code(db: &Db, code: &str) -> DbResult<Option<Indicator>> {
    db.fetch_optional(
        "SELECT * FROM indicators WHERE code = $1",
        params![code.trim().to_uppercase()],
    )
    .await?
    .as_ref()
    .map(from_row)
    .transpose()
}

/// The ids of the indicators that have stored values (their aggregation rules are fixed).
pub async fn ids_with_data(db: &Db) -> DbResult<HashSet<i64>> {
    db.fetch_all("SELECT DISTINCT indicator_id FROM data_values", params![])
        .await?
        .iter()
        .map(|r| r.get::<i64>("indicator_id"))
        .collect()
}

/// Every indicator's id, by code.
pub async fn ids_by_code(db: &Db) -> DbResult<HashMap<String, i64>> {
    db.fetch_all("SELECT id, code FROM indicators", params![])
        .await?
        .iter()
        .map(|r| Ok((r.get::<String>("code")?, r.get::<i64>("id")?)))
        .collect()
}

/// Every indicator's code, inside a transaction.
pub async fn codes_in(tx: &mut Tx) -> DbResult<HashSet<String>> {
    tx.fetch_all("SELECT code FROM indicators", params![])
        .await?
        .iter()
        .map(|r| r.get::<String>("code"))
        .collect()
}

/// The formulas of the derived indicators, by code, inside a transaction.
pub async fn formulas_in(tx: &mut Tx) -> DbResult<Vec<(String, String)>> {
    tx.fetch_all(
        "SELECT code, formula FROM indicators WHERE formula IS NOT NULL",
        params![],
    )
    .await?
    .iter()
    .map(|r| Ok((r.get::<String>("code")?, r.get::<String>("formula")?)))
    .collect()
}

/// An indicator's id and whether it is derived (has a formula), inside a transaction.
pub async fn id_and_derived_in(tx: &mut Tx, code: &str) -> DbResult<Option<(i64, bool)>> {
    tx.fetch_optional(
        "SELECT id, formula FROM indicators WHERE code = $1",
        params![code],
    )
    .await?
    .map(|r| Ok((r.get("id")?, r.get::<Option<String>>("formula")?.is_some())))
    .transpose()
}

/// What [`write`] did.
#[derive(Debug, Default)]
pub struct Written {
    pub inserted: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Per changed indicator: code, before (None if new), after.
    pub changes: Vec<(String, Option<Indicator>, Indicator)>,
}

fn same(a: &Indicator, b: &Indicator) -> bool {
    let mut a = a.clone();
    a.id = b.id;
    a == *b
}

/// Insert or update indicators by code (no check; callers check first).
pub async fn write(tx: &mut Tx, rows: &[Indicator]) -> DbResult<Written> {
    let existing: HashMap<String, Indicator> = tx
        .fetch_all("SELECT * FROM indicators", params![])
        .await?
        .iter()
        .map(|r| from_row(r).map(|i| (i.code.clone(), i)))
        .collect::<DbResult<_>>()?;
    let mut out = Written::default();
    for i in rows {
        let old = existing.get(&i.code);
        if old.is_some_and(|o| same(i, o)) {
            out.unchanged += 1;
            continue;
        }
        let p = params![
            &i.code,
            &i.name_vi,
            &i.name_en,
            &i.unit_vi,
            &i.unit_en,
            i.domain,
            &i.value_type,
            i.decimals,
            &i.periodicity,
            &i.agg_units,
            i.agg_weight.clone(),
            &i.agg_time,
            i.formula.clone(),
            i.agency_code.clone(),
            i.is_public,
            i.monthly_provincial,
            i.lower_bound,
            i.definition_vi.clone(),
            i.definition_en.clone(),
            i.source.clone(),
            i.valid_from.clone(),
            i.valid_to.clone(),
            i.parent.clone(),
            i.dimension.clone(),
            i.option.clone(),
            i.upper_bound
        ];
        if old.is_some() {
            tx.execute(
                "UPDATE indicators SET name_vi=$2, name_en=$3, unit_vi=$4, unit_en=$5, domain=$6, value_type=$7, \
                 decimals=$8, periodicity=$9, agg_units=$10, agg_weight=$11, agg_time=$12, formula=$13, \
                 agency_code=$14, is_public=$15, monthly_provincial=$16, lower_bound=$17, definition_vi=$18, \
                 definition_en=$19, source=$20, valid_from=$21, valid_to=$22, parent_code=$23, dimension=$24, \
                 dim_option=$25, upper_bound=$26 WHERE code=$1",
                p,
            )
            .await?;
            out.updated += 1;
        } else {
            tx.execute(
                "INSERT INTO indicators (code, name_vi, name_en, unit_vi, unit_en, domain, value_type, decimals, \
                 periodicity, agg_units, agg_weight, agg_time, formula, agency_code, is_public, monthly_provincial, \
                 lower_bound, definition_vi, definition_en, source, valid_from, valid_to, parent_code, dimension, dim_option, \
                 upper_bound) \
                 VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,$24,$25,$26)",
                p,
            )
            .await?;
            out.inserted += 1;
        }
        out.changes.push((i.code.clone(), old.cloned(), i.clone()));
    }
    Ok(out)
}
