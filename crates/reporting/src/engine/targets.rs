//! The targets import (chỉ tiêu kế hoạch, see [`crate::model::target`]): loaded from CSV or XLSX
//! like the catalogue — every row checked first, all or nothing, audited;
//! the same file again changes nothing.

use std::collections::HashMap;

use platform::audit::{self, Actor, Change};
use platform::db::Db;
use serde::Serialize;
use serde_json::json;

use crate::engine::catalogue::{CatalogueError, CellError, Table, bound_errors, header_key};
pub use crate::model::target::{NATIONAL, Target, unit_code};
use crate::store;

/// The columns of a targets file, with their accepted headers (English first, as written by
/// [`header`]).
const INDICATOR: &[&str] = &["indicator", "ma chi tieu", "chi tieu", "code"];
const UNIT: &[&str] = &["unit", "don vi", "ma don vi", "ma tinh"];
const YEAR: &[&str] = &["year", "nam"];
const VALUE: &[&str] = &[
    "target",
    "ke hoach",
    "chi tieu ke hoach",
    "value",
    "gia tri",
];

/// The header row of a targets file.
pub fn header() -> Vec<String> {
    ["indicator", "unit", "year", "target"]
        .map(String::from)
        .to_vec()
}

/// Parse a targets table; every error found is returned.
pub fn parse(table: &Table) -> Result<Vec<(usize, Target)>, Vec<CellError>> {
    let err = |line, column: &str, code, value: &str| CellError {
        line,
        column: column.to_owned(),
        code,
        value: value.chars().take(120).collect(),
    };
    let Some(head) = table.rows.first() else {
        return Err(vec![err(1, "", "catalogue_empty_file", "")]);
    };
    let keys: Vec<String> = head.iter().map(|h| header_key(h)).collect();
    let find = |names: &[&str]| keys.iter().position(|k| names.contains(&k.as_str()));
    let cols = [find(INDICATOR), find(UNIT), find(YEAR), find(VALUE)];
    let missing: Vec<CellError> = cols
        .iter()
        .zip([INDICATOR, UNIT, YEAR, VALUE])
        .filter(|(c, _)| c.is_none())
        .map(|(_, names)| err(1, names[0], "catalogue_missing_column", ""))
        .collect();
    let [Some(ci), Some(cu), Some(cy), Some(cv)] = cols else {
        return Err(missing);
    };
    let name = |c: usize| head[c].trim().to_owned();
    let mut errors = Vec::new();
    let mut out = Vec::new();
    let mut seen: HashMap<(String, String, i64), usize> = HashMap::new();
    // Errors beyond the first MAX_PROBLEMS are counted, not kept.
    let mut dropped = 0;
    for (i, raw) in table.rows.iter().enumerate().skip(1) {
        dropped += platform::error::cap(&mut errors);
        let line = table.first_line + i - 1;
        if raw.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let cell = |c: usize| raw.get(c).map(|s| s.trim()).unwrap_or("");
        let indicator = cell(ci).to_uppercase();
        if indicator.is_empty() {
            errors.push(err(line, &name(ci), "catalogue_unknown_indicator", ""));
        }
        let unit = unit_code(cell(cu));
        if unit.is_empty() {
            errors.push(err(line, &name(cu), "target_unknown_unit", ""));
        }
        let year = cell(cy)
            .strip_suffix(".0")
            .unwrap_or(cell(cy))
            .parse::<i64>()
            .ok()
            .filter(|y| (2000..=2100).contains(y));
        if year.is_none() {
            errors.push(err(line, &name(cy), "target_bad_year", cell(cy)));
        }
        let value = cell(cv)
            .replace(',', ".")
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite());
        if value.is_none() {
            errors.push(err(line, &name(cv), "catalogue_bad_number", cell(cv)));
        }
        if let (Some(year), Some(value)) = (year, value)
            && !indicator.is_empty()
            && !unit.is_empty()
        {
            if let Some(first) = seen.insert((indicator.clone(), unit.clone(), year), line) {
                errors.push(err(
                    line,
                    &name(ci),
                    "target_duplicate",
                    &format!("{indicator}/{unit}/{year} (≠ {first})"),
                ));
            }
            out.push((
                line,
                Target {
                    indicator,
                    unit,
                    year,
                    value,
                },
            ));
        }
    }
    dropped += platform::error::cap(&mut errors);
    if dropped > 0 {
        errors.push(CellError::truncated(errors.len() + dropped));
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// How a targets import went.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct TargetReport {
    pub rows: usize,
    pub inserted: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub dry_run: bool,
    pub applied: bool,
}

/// Check every row (indicators and units exist), then unless a dry run write them all in one
/// audited transaction.
pub async fn import(
    db: &Db,
    actor: &Actor,
    table: &Table,
    dry_run: bool,
    lead_years: u32,
) -> Result<Result<TargetReport, Vec<CellError>>, CatalogueError> {
    let rows = match parse(table) {
        Ok(r) => r,
        Err(e) => return Ok(Err(e)),
    };
    let head = &table.rows[0];
    let col = |names: &[&str]| {
        head.iter()
            .find(|h| names.contains(&header_key(h).as_str()))
            .map(|h| h.trim().to_owned())
            .unwrap_or_default()
    };
    let ids: HashMap<String, i64> = store::catalogue::ids_by_code(db).await?;
    let mut errors = Vec::new();
    // Plans are set ahead, but not without end: up to `lead_years` after the current year.
    let last_year = i64::from(registry::Day::today().0.year()) + i64::from(lead_years);
    for (line, t) in &rows {
        if t.year > last_year {
            errors.push(CellError {
                line: *line,
                column: col(YEAR),
                code: "target_year_ahead",
                value: format!("{} > {last_year}", t.year),
            });
        }
        if !ids.contains_key(&t.indicator) {
            errors.push(CellError {
                line: *line,
                column: col(INDICATOR),
                code: "catalogue_unknown_indicator",
                value: t.indicator.clone(),
            });
        }
        if t.unit != NATIONAL {
            let last = time::Date::from_calendar_date(t.year as i32, time::Month::December, 31)
                .map_err(|_| CatalogueError::YearOutOfRange(t.year))?;
            let unit = registry::store::unit_by_code(db, &t.unit, registry::Day(last))
                .await?
                .filter(|u| u.level == registry::Level::Province);
            if unit.is_none() {
                errors.push(CellError {
                    line: *line,
                    column: col(UNIT),
                    code: "target_unknown_unit",
                    value: format!("{} ({})", t.unit, t.year),
                });
            }
        }
    }
    if !errors.is_empty() {
        return Ok(Err(bound_errors(errors)));
    }
    let mut report = TargetReport {
        rows: rows.len(),
        dry_run,
        ..Default::default()
    };
    let mut tx = db.begin().await?;
    let now = platform::db::now_ms();
    let mut changed = Vec::new();
    for (_, t) in &rows {
        let id = ids[&t.indicator];
        let old = store::targets::value_in(&mut tx, id, &t.unit, t.year).await?;
        match old {
            Some(v) if v == t.value => {
                report.unchanged += 1;
                continue;
            }
            Some(_) => report.updated += 1,
            None => report.inserted += 1,
        }
        store::targets::upsert_in(&mut tx, id, t, now, &actor.name).await?;
        changed.push(json!({ "indicator": t.indicator, "unit": t.unit, "year": t.year, "old": old, "new": t.value }));
    }
    if dry_run || changed.is_empty() {
        report.applied = !dry_run;
        return Ok(Ok(report));
    }
    audit::append(
        &mut tx,
        actor,
        Change {
            action: "reporting.targets_import",
            object_type: "reporting",
            object_id: "targets".into(),
            before: None,
            after: Some(json!({ "rows": report.rows, "changes": changed })),
        },
    )
    .await?;
    tx.commit().await?;
    report.applied = true;
    Ok(Ok(report))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(rows: &[&[&str]]) -> Table {
        Table {
            rows: rows
                .iter()
                .map(|r| r.iter().map(|c| c.to_string()).collect())
                .collect(),
            first_line: 2,
        }
    }

    #[test]
    fn vietnamese_headers_and_precise_errors() {
        let ok = parse(&table(&[
            &["Mã chỉ tiêu", "Đơn vị", "Năm", "Kế hoạch"],
            &["exports", "vn", "2026", "480000"],
            &["EXPORTS", "1", "2026", "60000,5"],
        ]))
        .unwrap();
        assert_eq!(ok[1].1.unit, "01");
        assert_eq!(ok[1].1.value, 60000.5);
        let errs = parse(&table(&[
            &["indicator", "unit", "year", "target"],
            &["EXPORTS", "VN", "1990", "x"],
            &["EXPORTS", "VN", "2026", "1"],
            &["EXPORTS", "VN", "2026", "2"],
        ]))
        .unwrap_err();
        let got: Vec<(usize, &str, &str)> = errs
            .iter()
            .map(|e| (e.line, e.column.as_str(), e.code))
            .collect();
        assert_eq!(
            got,
            vec![
                (2, "year", "target_bad_year"),
                (2, "target", "catalogue_bad_number"),
                (4, "indicator", "target_duplicate"),
            ]
        );
    }

    proptest::proptest! {
        #[test]
        fn the_parser_never_panics(cells in proptest::collection::vec(
            proptest::collection::vec("\\PC{0,8}", 0..5), 0..5)) {
            let mut rows = vec![header()];
            rows.extend(cells);
            let _ = parse(&Table { rows, first_line: 2 });
        }
    }
}
