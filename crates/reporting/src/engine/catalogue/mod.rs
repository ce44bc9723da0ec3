//! The catalogue import (danh mục chỉ tiêu), in its phases: a file read into a table
//! ([`table`]), its rows parsed ([`parse`]) in the file's columns ([`columns`]), their references
//! checked ([`references`]), then the checks against the database ([`database`]), and the write
//! with the breakdown rules kept in step ([`write`]). Every row is checked before anything is
//! written; any bad cell rejects the whole file with a message naming its row and column. A
//! good file is applied in one audited transaction, and importing the exported catalogue again
//! changes nothing.

pub mod columns;
pub mod database;
pub mod parse;
pub mod references;
pub mod table;
pub mod write;

use platform::audit::Actor;
use platform::db::{Db, DbError};
use serde::Serialize;

pub use columns::{COLUMNS, Column, NUMERIC, export, export_row, header, header_key};
pub use database::check_database;
pub use parse::{Headers, Parsed, Row, parse, parse_all};
pub use references::check_references;
pub use table::{CellError, Format, Table, bound_errors, csv_bytes, error_count, read, xlsx_bytes};
pub use write::{Written, sync_breakdown_rules};

/// Why an import could not run to its end (a rejected file is not an error but the inner
/// `Err` of its result: every problem, by row and column). Each has a stable code.
#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    /// The database failed; the transaction was dropped and nothing was written.
    #[error(transparent)]
    Store(#[from] DbError),
    /// A target's year has no calendar end (outside what a date can hold).
    #[error("year {0} is out of range")]
    YearOutOfRange(i64),
}

impl CatalogueError {
    /// The stable code of the error envelope.
    pub fn code(&self) -> &'static str {
        match self {
            CatalogueError::Store(_) => "internal",
            CatalogueError::YearOutOfRange(_) => "target_bad_year",
        }
    }
}

/// How an import went.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    pub rows: usize,
    pub inserted: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Codes of the indicators added or changed.
    pub changed: Vec<String>,
    pub dry_run: bool,
    /// True when the changes were written (or there was nothing to write).
    pub applied: bool,
}

/// Check every row, then (unless a dry run, and only if nothing is wrong) write them all in one
/// audited transaction. Indicators absent from the file are left as they are. `Err` lists every
/// problem; nothing was written.
pub async fn import(
    db: &Db,
    actor: &Actor,
    table: &Table,
    dry_run: bool,
) -> Result<Result<ImportReport, Vec<CellError>>, CatalogueError> {
    // Every problem of the file at once: cells, then references and the database checks on
    // the rows that are valid on their own.
    let Parsed {
        rows,
        headers,
        mut errors,
        codes,
    } = parse_all(table);
    if rows.is_empty() && !errors.is_empty() {
        return Ok(Err(bound_errors(errors)));
    }
    let existing = crate::store::catalogue::list(db).await?;
    errors.extend(check_references(&rows, &headers, &existing, &codes));
    errors.extend(check_database(db, &rows, &headers, &existing).await?);
    if !errors.is_empty() {
        errors.sort_by(|a, b| (a.line, &a.column).cmp(&(b.line, &b.column)));
        return Ok(Err(bound_errors(errors)));
    }
    let report = ImportReport {
        rows: rows.len(),
        dry_run,
        ..Default::default()
    };
    let indicators: Vec<crate::model::indicator::Indicator> =
        rows.into_iter().map(|r| r.indicator).collect();
    write::apply(db, actor, &indicators, dry_run, report)
        .await
        .map(Ok)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::model::breakdown::{breakdown, resolve_part};
    use crate::model::indicator::Indicator;
    use proptest::prelude::*;

    fn seed_table() -> Table {
        read(
            crate::engine::reference::SEED_INDICATORS.as_bytes(),
            Format::Csv,
        )
        .unwrap()
    }

    #[test]
    fn shipped_catalogue_parses_and_its_references_hold() {
        let (rows, headers) = parse(&seed_table()).unwrap();
        assert!(rows.len() >= 144, "{}", rows.len());
        assert_eq!(
            check_references(&rows, &headers, &[], &HashSet::new()),
            vec![]
        );
        let all: Vec<Indicator> = rows.into_iter().map(|r| r.indicator).collect();
        let b = breakdown("POPULATION", &all);
        assert_eq!(b["sex"].len(), 2);
        assert_eq!(b["area"].len(), 2);
    }

    #[test]
    fn export_then_parse_gives_the_same_indicators_in_every_format() {
        let (rows, _) = parse(&seed_table()).unwrap();
        let all: Vec<Indicator> = rows.into_iter().map(|r| r.indicator).collect();
        for f in [Format::Csv, Format::Xlsx, Format::Json] {
            let bytes = export(&all, f).unwrap();
            let (again, _) = parse(&read(&bytes, f).unwrap()).unwrap();
            let again: Vec<Indicator> = again.into_iter().map(|r| r.indicator).collect();
            assert_eq!(again, all, "{f:?}");
        }
    }

    #[test]
    fn dhis2_category_option_combos_map_to_parts() {
        let (rows, _) = parse(&seed_table()).unwrap();
        let all: Vec<Indicator> = rows.into_iter().map(|r| r.indicator).collect();
        let r = |e: &str, c: Option<&str>| resolve_part(&all, e, c);
        assert_eq!(r("POPULATION", None).as_deref(), Some("POPULATION"));
        assert_eq!(
            r("POPULATION", Some("HllvX50cXC0")).as_deref(),
            Some("POPULATION")
        );
        assert_eq!(
            r("POPULATION", Some("Female")).as_deref(),
            Some("POPULATION_FEMALE")
        );
        assert_eq!(
            r("POPULATION", Some("POPULATION_URBAN")).as_deref(),
            Some("POPULATION_URBAN")
        );
        assert_eq!(r("POPULATION", Some("east")), None);
        assert_eq!(r("CPI", Some("male")), None);
    }

    #[test]
    fn vietnamese_headers_are_accepted() {
        let header: Vec<String> = COLUMNS.iter().map(|c| c.vi.to_uppercase()).collect();
        let t = Table {
            rows: vec![
                header,
                export_row(&parse(&seed_table()).unwrap().0[0].indicator),
            ],
            first_line: 2,
        };
        assert_eq!(parse(&t).unwrap().0.len(), 1);
    }

    #[test]
    fn every_bad_cell_is_named_by_row_and_column() {
        let mut t = seed_table();
        t.rows.truncate(3);
        t.rows[1][5] = "10".into(); // domain
        t.rows[2][0] = t.rows[1][0].clone(); // duplicate code
        t.rows[2][8] = "weekly".into(); // periodicity
        let errs = parse(&t).unwrap_err();
        let got: Vec<(usize, &str, &str)> = errs
            .iter()
            .map(|e| (e.line, e.column.as_str(), e.code))
            .collect();
        assert!(
            got.contains(&(2, "domain", "catalogue_bad_domain")),
            "{got:?}"
        );
        assert!(
            got.contains(&(3, "code", "catalogue_duplicate_code")),
            "{got:?}"
        );
        assert!(
            got.contains(&(3, "periodicity", "catalogue_bad_choice")),
            "{got:?}"
        );
    }

    #[test]
    fn bounds_are_checked_and_the_shipped_shares_are_0_to_100() {
        let (rows, _) = parse(&seed_table()).unwrap();
        for r in &rows {
            let i = &r.indicator;
            if i.value_type == "integer" {
                assert_eq!((i.decimals, i.lower_bound), (0, Some(0.0)), "{}", i.code);
            }
            if i.value_type == "percent" && i.lower_bound == Some(0.0) && i.formula.is_none() {
                assert_eq!(i.upper_bound, Some(100.0), "{}", i.code);
            }
        }
        let mut t = seed_table();
        t.rows.truncate(4);
        let col = |k: &str| COLUMNS.iter().position(|c| c.key == k).unwrap();
        t.rows[1][col("lower_bound")] = "10".into();
        t.rows[1][col("upper_bound")] = "5".into();
        t.rows[2][col("upper_bound")] = "1e308".into();
        t.rows[3][col("value_type")] = "integer".into();
        t.rows[3][col("decimals")] = "1".into();
        let errs = parse(&t).unwrap_err();
        let got: Vec<(usize, &str, &str)> = errs
            .iter()
            .map(|e| (e.line, e.column.as_str(), e.code))
            .collect();
        assert!(
            got.contains(&(2, "upper_bound", "catalogue_bounds_reversed")),
            "{got:?}"
        );
        assert!(
            got.contains(&(3, "upper_bound", "catalogue_bad_bound")),
            "{got:?}"
        );
        assert!(
            got.contains(&(4, "decimals", "catalogue_integer_decimals")),
            "{got:?}"
        );
    }

    #[test]
    fn a_control_character_in_a_cell_is_refused_with_row_and_column() {
        for (bytes, format) in [
            (&b"code,name_vi\nA,ok\nB,x\x00y\n"[..], Format::Csv),
            (
                &br#"[{"code":"A","name_vi":"ok"},{"code":"B","name_vi":"x\u001by"}]"#[..],
                Format::Json,
            ),
        ] {
            let e = read(bytes, format).err().unwrap();
            assert_eq!(e.len(), 1, "{e:?}");
            assert_eq!(
                (e[0].code, e[0].column.as_str()),
                ("cell_control_char", "name_vi")
            );
            assert_eq!(e[0].line, if format == Format::Json { 2 } else { 3 });
        }
        assert!(read(b"code,name_vi\nA,\"two\r\nlines\tok\"\n", Format::Csv).is_ok());
    }

    #[test]
    fn a_cycle_is_refused() {
        let (mut rows, headers) = parse(&seed_table()).unwrap();
        let a = rows.iter().position(|r| r.indicator.code == "IIP").unwrap();
        rows[a].indicator.formula = Some("GRDP_GROWTH * 2".into());
        let g = rows
            .iter()
            .position(|r| r.indicator.code == "GRDP_GROWTH")
            .unwrap();
        rows[g].indicator.formula = Some("growth(IIP)".into());
        let errs = check_references(&rows, &headers, &[], &HashSet::new());
        assert!(
            errs.iter().any(|e| e.code == "catalogue_formula_cycle"),
            "{errs:?}"
        );
    }

    proptest! {
        #[test]
        fn the_parser_never_panics(cells in proptest::collection::vec(
            proptest::collection::vec("\\PC{0,12}", 0..26), 0..6)) {
            let mut rows = vec![header()];
            rows.extend(cells);
            let _ = parse(&Table { rows, first_line: 2 });
        }

        #[test]
        fn reading_any_bytes_never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..400)) {
            for f in [Format::Csv, Format::Json, Format::Xlsx] {
                if let Ok(t) = read(&bytes, f) {
                    let _ = parse(&t);
                }
            }
        }

        #[test]
        fn names_and_bounds_round_trip(name in "[\\p{L} ,;\"'()%/-]{1,40}", bound in proptest::option::of(-1e9f64..1e9), upper in proptest::option::of(1e9f64..1e15)) {
            let (rows, _) = parse(&seed_table()).unwrap();
            let mut i = rows[0].indicator.clone();
            i.name_vi = name.trim().to_owned();
            i.definition_en = Some(format!("{}\nline two", name.trim()));
            i.lower_bound = bound;
            i.upper_bound = upper;
            prop_assume!(!i.name_vi.is_empty());
            for f in [Format::Csv, Format::Json] {
                let bytes = export(std::slice::from_ref(&i), f).unwrap();
                let (again, _) = parse(&read(&bytes, f).unwrap()).unwrap();
                prop_assert_eq!(&again[0].indicator, &i);
            }
        }
    }
}
