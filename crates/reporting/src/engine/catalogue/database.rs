//! The fourth phase: checks against the database — named agencies exist, and an indicator with
//! data keeps the rules that decide how its values combine.

use std::collections::{HashMap, HashSet};

use platform::db::{Db, DbResult};

use super::parse::{Headers, Row};
use super::table::CellError;
use crate::model::indicator::Indicator;

/// The rules that decide how stored values combine; they cannot change once an indicator has
/// data (retire it with `valid_to` and define a new code instead).
const FIXED_WITH_DATA: [&str; 4] = ["periodicity", "agg_units", "agg_weight", "agg_time"];

fn fixed_field<'a>(i: &'a Indicator, key: &str) -> Option<&'a str> {
    match key {
        "periodicity" => Some(&i.periodicity),
        "agg_units" => Some(&i.agg_units),
        "agg_weight" => i.agg_weight.as_deref(),
        "agg_time" => Some(&i.agg_time),
        _ => None,
    }
}

/// Checks that need the database: agencies exist; indicators with data keep their rules.
pub async fn check_database(
    db: &Db,
    rows: &[Row],
    headers: &Headers,
    existing: &[Indicator],
) -> DbResult<Vec<CellError>> {
    let agencies: HashSet<String> = registry::store::agency_codes(db)
        .await?
        .into_values()
        .collect();
    let with_data = crate::store::catalogue::ids_with_data(db).await?;
    let by_code: HashMap<&str, &Indicator> =
        existing.iter().map(|i| (i.code.as_str(), i)).collect();
    let mut errors = Vec::new();
    for r in rows {
        let i = &r.indicator;
        if let Some(a) = &i.agency_code
            && !agencies.contains(a)
        {
            errors.push(CellError::new(
                r.line,
                &headers.name("agency"),
                "catalogue_unknown_agency",
                a,
            ));
        }
        if let Some(old) = by_code.get(i.code.as_str())
            && with_data.contains(&old.id)
        {
            for key in FIXED_WITH_DATA {
                let (was, now) = (fixed_field(old, key), fixed_field(i, key));
                if was != now {
                    errors.push(CellError::new(
                        r.line,
                        &headers.name(key),
                        "catalogue_rule_fixed_with_data",
                        &format!("{} → {}", was.unwrap_or("∅"), now.unwrap_or("∅")),
                    ));
                }
            }
        }
    }
    Ok(errors)
}
