//! The third phase: what the rows refer to (weights, formula inputs, parents) exists among the
//! rows and the catalogue, breakdowns are unique, formulas form no cycle.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::parse::{Headers, Row};
use super::table::CellError;
use crate::model::indicator::Indicator;

/// Check what the rows refer to against the rows themselves and the indicators already in the
/// catalogue (`existing`; a row replaces the indicator of the same code): weights, parents and
/// formula inputs must exist, breakdowns must be unique, formulas must not form a cycle.
/// `also_known`: codes of rows of the same file that were rejected on their own (not reported
/// again as unknown).
pub fn check_references(
    rows: &[Row],
    headers: &Headers,
    existing: &[Indicator],
    also_known: &HashSet<String>,
) -> Vec<CellError> {
    let mut merged: BTreeMap<&str, &Indicator> =
        existing.iter().map(|i| (i.code.as_str(), i)).collect();
    for r in rows {
        merged.insert(r.indicator.code.as_str(), &r.indicator);
    }
    let known = |c: &str| merged.contains_key(c) || also_known.contains(c);
    let mut errors = Vec::new();
    let mut parts: HashMap<(&str, &str, &str), &str> = HashMap::new();
    for ind in merged.values() {
        if let (Some(p), Some(d), Some(o)) = (&ind.parent, &ind.dimension, &ind.option) {
            parts.insert((p, d, o), &ind.code);
        }
    }
    for r in rows {
        let i = &r.indicator;
        let mut err = |key: &str, code: &'static str, value: &str| {
            errors.push(CellError::new(r.line, &headers.name(key), code, value));
        };
        if let Some(w) = &i.agg_weight
            && !known(w)
        {
            err("agg_weight", "catalogue_unknown_indicator", w);
        }
        if let Some(f) = &i.formula
            && let Ok(f) = crate::model::formula::Formula::parse(f)
        {
            let missing: Vec<String> = f.references().into_iter().filter(|c| !known(c)).collect();
            if !missing.is_empty() {
                err(
                    "formula",
                    "catalogue_unknown_indicator",
                    &missing.join(", "),
                );
            }
        }
        if let (Some(p), Some(d), Some(o)) = (&i.parent, &i.dimension, &i.option) {
            match merged.get(p.as_str()) {
                None if also_known.contains(p) => {}
                None => err("parent", "catalogue_unknown_indicator", p),
                Some(parent) if parent.parent.is_some() => {
                    err("parent", "catalogue_parent_is_part", p)
                }
                Some(parent) if parent.periodicity != i.periodicity => err(
                    "periodicity",
                    "catalogue_part_periodicity",
                    &format!("{} ≠ {p}: {}", i.periodicity, parent.periodicity),
                ),
                Some(_) => {}
            }
            if let Some(other) = parts.get(&(p.as_str(), d.as_str(), o.as_str()))
                && *other != i.code
            {
                err(
                    "option",
                    "catalogue_duplicate_part",
                    &format!("{p}/{d}/{o} = {other}"),
                );
            }
        }
    }
    // Formulas over the merged catalogue must not form a cycle.
    let defs: Vec<(String, String)> = merged
        .values()
        .filter_map(|i| Some((i.code.clone(), i.formula.clone()?)))
        .collect();
    if let Ok(parsed) = crate::model::formula::parse_catalogue(defs)
        && let Err(path) = crate::model::formula::check_cycles(&parsed)
    {
        let row = rows
            .iter()
            .find(|r| path.contains(&r.indicator.code))
            .map(|r| r.line)
            .unwrap_or(0);
        errors.push(CellError::new(
            row,
            &headers.name("formula"),
            "catalogue_formula_cycle",
            &path.join(" → "),
        ));
    }
    errors
}
