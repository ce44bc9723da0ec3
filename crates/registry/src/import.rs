//! Import of an official commune list (CSV or XLSX): every row is checked before anything is
//! written; one bad row rejects the whole file with a report naming each bad row and column; a
//! good file is applied in one audited transaction (nothing half-imported). Re-importing the same
//! file changes nothing.

use std::io::Read;
use std::path::Path;

use calamine::Reader;
use platform::FaultResult;
use platform::audit::{self, Actor, Change};
use platform::db::Db;
use serde::Serialize;
use serde_json::json;

use crate::model::{CommuneRow, Day, Level, RowError, parse_communes};
use crate::sheet::SheetError;
use crate::store::{UnitRecord, Upserted, upsert_unit};

/// How an import went.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportReport {
    pub rows: usize,
    pub inserted: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub districts: usize,
    pub rejected: Vec<RowError>,
    pub dry_run: bool,
    /// True when the changes were written.
    pub applied: bool,
}

/// Options of an import.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// First day of validity of the imported units; provinces are resolved on this day.
    pub valid_from: Day,
    /// Last day of validity (for historical lists), if any.
    pub valid_to: Option<Day>,
    pub dry_run: bool,
}

/// Read a CSV (UTF-8, comma or semicolon separated) or spreadsheet (first sheet) file into rows
/// of text, within [`crate::sheet::LIMITS`] (a larger file is refused, not read).
pub fn read_table(path: &Path) -> Result<Vec<Vec<String>>, SheetError> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let limits = &crate::sheet::LIMITS;
    // No file we read is larger packed than the bound on it unpacked.
    let unreadable = |e: std::io::Error| SheetError::Unreadable(format!("{}: {e}", path.display()));
    let size = std::fs::metadata(path).map_err(unreadable)?.len();
    if size > limits.unpacked_bytes {
        return Err(SheetError::TooLarge {
            unpacked: size,
            limit: limits.unpacked_bytes,
        });
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|mut f| f.read_to_end(&mut bytes))
        .map_err(unreadable)?;
    match ext.as_str() {
        "xlsx" | "xlsm" => Ok(cells_as_text(crate::sheet::read_xlsx(
            &bytes, None, limits,
        )?)),
        "xls" | "ods" => read_spreadsheet(&bytes, limits),
        _ => read_csv(&bytes),
    }
}

/// Parse CSV bytes (a UTF-8 byte-order mark is skipped; `;` is detected as separator), within
/// [`crate::sheet::LIMITS`].
pub fn read_csv(bytes: &[u8]) -> Result<Vec<Vec<String>>, SheetError> {
    crate::sheet::read_csv(bytes, &crate::sheet::LIMITS)
}

fn cell_text(c: &calamine::Data) -> String {
    match c {
        calamine::Data::Float(f) if f.fract() == 0.0 => format!("{}", *f as i64),
        calamine::Data::Empty => String::new(),
        other => other.to_string(),
    }
}

fn cells_as_text(grid: crate::sheet::Grid) -> Vec<Vec<String>> {
    grid.iter()
        .map(|r| r.iter().map(cell_text).collect())
        .collect()
}

/// Older formats (XLS, ODS), read whole by calamine: an ODS archive is checked first like an
/// XLSX one; the grid is then held to the same bounds.
fn read_spreadsheet(
    bytes: &[u8],
    limits: &crate::sheet::Limits,
) -> Result<Vec<Vec<String>>, SheetError> {
    if bytes.starts_with(b"PK") {
        crate::sheet::check_archive(bytes, limits)?;
    }
    let unreadable = |e: calamine::Error| SheetError::Unreadable(e.to_string());
    let mut wb =
        calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).map_err(unreadable)?;
    let sheet = wb
        .sheet_names()
        .first()
        .cloned()
        .ok_or_else(|| SheetError::Unreadable("the workbook has no sheet".into()))?;
    let range = wb.worksheet_range(&sheet).map_err(unreadable)?;
    let (rows, cols) = range.get_size();
    if rows > limits.rows || cols > limits.columns || rows.saturating_mul(cols) > limits.cells {
        return Err(SheetError::TooManyCells {
            row: rows,
            limit: limits.cells,
        });
    }
    Ok(range
        .rows()
        .map(|r| r.iter().map(cell_text).collect())
        .collect())
}

/// Check every row, then (unless a dry run, and only if no row is rejected) write them all.
/// `progress(done, total)` is called while writing.
pub async fn import_communes(
    db: &Db,
    actor: &Actor,
    table: &[Vec<String>],
    opts: &ImportOptions,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> FaultResult<ImportReport> {
    let mut report = ImportReport {
        dry_run: opts.dry_run,
        ..Default::default()
    };
    let rows: Vec<CommuneRow> = match parse_communes(table) {
        Ok(rows) => rows,
        Err(errors) => {
            report.rejected = errors;
            return Ok(report);
        }
    };
    report.rows = rows.len();
    // Provinces must exist on the first day of validity.
    let mut provinces = std::collections::HashMap::new();
    for r in &rows {
        if provinces.contains_key(&r.province_code) {
            continue;
        }
        let unit = crate::store::unit_by_code(db, &r.province_code, opts.valid_from)
            .await?
            .filter(|u| u.level == Level::Province);
        provinces.insert(r.province_code.clone(), unit.map(|u| u.id));
    }
    let mut unknown = 0;
    for r in &rows {
        if provinces.get(&r.province_code).copied().flatten().is_none() {
            unknown += 1;
            if report.rejected.len() < platform::error::MAX_PROBLEMS {
                report.rejected.push(RowError {
                    line: r.line,
                    column: "province_code".into(),
                    code: "unknown_province",
                    value: format!("{} @ {}", r.province_code, opts.valid_from),
                });
            }
        }
    }
    if unknown > report.rejected.len() {
        report.rejected.push(RowError::truncated(unknown));
    }
    if !report.rejected.is_empty() || opts.dry_run {
        return Ok(report);
    }
    let from = opts.valid_from.iso();
    let to = opts.valid_to.map(|d| d.iso());
    let mut tx = db.begin().await?;
    let mut districts = std::collections::HashMap::new();
    let total = rows.len() as u64;
    for (i, r) in rows.iter().enumerate() {
        let province_id = provinces[&r.province_code].expect("checked above");
        let parent = match &r.district {
            Some((dcode, dname)) => {
                let key = (province_id, dcode.clone());
                match districts.get(&key) {
                    Some(id) => *id,
                    None => {
                        let done = upsert_unit(
                            &mut tx,
                            UnitRecord {
                                code: dcode,
                                level: Level::District,
                                kind: "district",
                                name: dname,
                                parent_id: Some(province_id),
                                valid_from: Some(&from),
                                valid_to: to.as_deref(),
                            },
                        )
                        .await?;
                        let id = done.id();
                        report.districts += usize::from(matches!(done, Upserted::Inserted(_)));
                        districts.insert(key, id);
                        id
                    }
                }
            }
            None => province_id,
        };
        let done = upsert_unit(
            &mut tx,
            UnitRecord {
                code: &r.code,
                level: Level::Commune,
                kind: r.kind.as_str(),
                name: &r.name,
                parent_id: Some(parent),
                valid_from: Some(&from),
                valid_to: to.as_deref(),
            },
        )
        .await?;
        match done {
            Upserted::Inserted(_) => report.inserted += 1,
            Upserted::Updated(_) => report.updated += 1,
            Upserted::Unchanged(_) => report.unchanged += 1,
        }
        if i % 200 == 0 || i + 1 == rows.len() {
            progress(i as u64 + 1, total);
        }
    }
    if report.inserted + report.updated + report.districts == 0 {
        // Nothing changed (the same file again): no transaction to commit, nothing to audit.
        report.applied = true;
        return Ok(report);
    }
    audit::append(
        &mut tx,
        actor,
        Change {
            action: "registry.import_communes",
            object_type: "registry",
            object_id: format!("communes@{from}"),
            before: None,
            after: Some(json!({
                "rows": report.rows, "inserted": report.inserted, "updated": report.updated,
                "unchanged": report.unchanged, "districts": report.districts,
                "valid_from": from, "valid_to": to,
            })),
        },
    )
    .await?;
    tx.commit().await?;
    report.applied = true;
    Ok(report)
}
