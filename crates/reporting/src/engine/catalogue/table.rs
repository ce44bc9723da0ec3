//! The first phase of an import: a catalogue (or targets) file read into a table of text — CSV,
//! XLSX or JSON — within the bounds of `registry::sheet::LIMITS`, and the errors that name a
//! cell by row and column. Also the table writers (CSV with a byte-order mark, XLSX).

use platform::FaultResult;
use platform::error::Problem;
use serde::Serialize;

/// A file format of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
    Json,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        match s.trim().to_ascii_lowercase().as_str() {
            "csv" => Some(Format::Csv),
            "xlsx" => Some(Format::Xlsx),
            "json" => Some(Format::Json),
            _ => None,
        }
    }

    /// From a file name's extension, or failing that from the first bytes (XLSX is a ZIP file,
    /// JSON starts with `{` or `[`).
    pub fn detect(name: &str, bytes: &[u8]) -> Format {
        let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
        if let Some(f) = Format::parse(ext) {
            return f;
        }
        let start = bytes
            .strip_prefix(b"\xEF\xBB\xBF")
            .unwrap_or(bytes)
            .iter()
            .find(|b| !b.is_ascii_whitespace());
        match start {
            _ if bytes.starts_with(b"PK\x03\x04") => Format::Xlsx,
            Some(b'{') | Some(b'[') => Format::Json,
            _ => Format::Csv,
        }
    }
}

/// CSV bytes: UTF-8 with a byte-order mark so that Excel reads the diacritics.
pub fn csv_bytes(header: &[String], rows: &[Vec<String>]) -> FaultResult<Vec<u8>> {
    let mut w = csv::Writer::from_writer(vec![0xEF, 0xBB, 0xBF]);
    w.write_record(header).map_err(platform::Fault::other)?;
    for r in rows {
        w.write_record(r).map_err(platform::Fault::other)?;
    }
    w.into_inner()
        .map_err(|e| platform::Fault::other(e.into_error()))
}

/// XLSX bytes: one sheet, a bold header row; the columns named in `numeric` hold numbers, the
/// others text (codes such as `01` and periods such as `202510` stay text).
pub fn xlsx_bytes(
    sheet: &str,
    header: &[String],
    labels: &[String],
    rows: &[Vec<String>],
    numeric: &[&str],
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(sheet)?;
    let bold = rust_xlsxwriter::Format::new().set_bold();
    // The first row: the labels people read (the column codes when there are none).
    for (c, h) in header.iter().enumerate() {
        let label = labels.get(c).unwrap_or(h);
        ws.write_string_with_format(0, c as u16, label, &bold)?;
    }
    for (i, r) in rows.iter().enumerate() {
        for (c, cell) in r.iter().enumerate() {
            let (row, col) = (i as u32 + 1, c as u16);
            let number = numeric
                .contains(&header[c].as_str())
                .then(|| cell.parse::<f64>().ok())
                .flatten();
            match number {
                Some(v) if v.is_finite() => ws.write_number(row, col, v)?,
                _ => ws.write_string(row, col, cell)?,
            };
        }
    }
    wb.save_to_buffer()
}

/// Why a cell was rejected: which row, which column, why (a stable code translated at the edge
/// with `error.<code>`), and the value found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CellError {
    /// Line of a CSV file or row of a sheet (the header is 1); for JSON, the item's position in
    /// `items`, from 1.
    pub line: usize,
    pub column: String,
    pub code: &'static str,
    pub value: String,
}

impl CellError {
    pub(crate) fn new(line: usize, column: &str, code: &'static str, value: &str) -> CellError {
        CellError {
            line,
            column: column.to_owned(),
            code,
            value: value.chars().take(120).collect(),
        }
    }

    /// The item that ends a list cut at [`platform::error::MAX_PROBLEMS`] out of `total`.
    pub fn truncated(total: usize) -> CellError {
        CellError::new(0, "", platform::error::TRUNCATED, &total.to_string())
    }

    /// A file refused by one of the bounds of [`registry::sheet::LIMITS`] (or unreadable:
    /// `unreadable` is then the code).
    pub fn from_sheet(e: &registry::sheet::SheetError, unreadable: &'static str) -> CellError {
        let (code, line, column, value) = e.parts();
        let code = if e.is_limit() { code } else { unreadable };
        CellError::new(line, &column, code, &value)
    }

    /// The problem for the error envelope or the CLI: field `row 7: domain`.
    pub fn problem(&self) -> Problem {
        if self.code == platform::error::TRUNCATED {
            let total = self.value.parse().unwrap_or(0);
            return platform::error::truncated(platform::error::MAX_PROBLEMS, total);
        }
        Problem::new(self.code)
            .field(format!("row {}: {}", self.line, self.column))
            .arg("line", self.line)
            .arg("column", &self.column)
            .arg("value", &self.value)
    }
}

/// A table read from a file, with the line number of its first data row.
pub struct Table {
    pub rows: Vec<Vec<String>>,
    pub first_line: usize,
}

pub(crate) fn file_error(code: &'static str, reason: impl ToString) -> Vec<CellError> {
    vec![CellError::new(0, "", code, &reason.to_string())]
}

/// How many errors a (possibly cut) list stands for.
pub fn error_count(errors: &[CellError]) -> usize {
    platform::error::listed_total(errors.iter().map(|e| (e.code, e.value.as_str())))
}

/// At most [`platform::error::MAX_PROBLEMS`] errors in their order, then one item counting them
/// all (earlier cuts' items included) when there were more.
pub fn bound_errors(errors: Vec<CellError>) -> Vec<CellError> {
    let mut total = 0;
    let mut out = Vec::new();
    for e in errors {
        if e.code == platform::error::TRUNCATED {
            total += e
                .value
                .parse::<usize>()
                .unwrap_or(0)
                .saturating_sub(platform::error::MAX_PROBLEMS);
        } else {
            total += 1;
            if out.len() < platform::error::MAX_PROBLEMS {
                out.push(e);
            }
        }
    }
    if total > out.len() {
        out.push(CellError::truncated(total));
    }
    out
}

/// Read a catalogue (or targets) file into a table of text: CSV (UTF-8, `,` or `;`), XLSX (the
/// first sheet), or JSON (an array of objects, or `{"items": [...]}`).
pub fn read(bytes: &[u8], format: Format) -> Result<Table, Vec<CellError>> {
    let table = match format {
        Format::Csv => registry::import::read_csv(bytes)
            .map(|rows| Table {
                rows,
                first_line: 2,
            })
            .map_err(|e| vec![CellError::from_sheet(&e, "catalogue_file_unreadable")]),
        Format::Xlsx => read_xlsx(bytes),
        Format::Json => read_json(bytes),
    }?;
    check_text(&table)?;
    Ok(table)
}

/// No cell (nor header) may hold a control character (see `platform::web::extract`): each one
/// is refused with its row and column.
fn check_text(table: &Table) -> Result<(), Vec<CellError>> {
    let header = table.rows.first();
    let mut errors = Vec::new();
    for (i, row) in table.rows.iter().enumerate() {
        for (j, cell) in row.iter().enumerate() {
            if let Some(c) = platform::web::extract::refused_char(cell) {
                let column = header
                    .and_then(|h| h.get(j))
                    .filter(|h| i > 0 && platform::web::extract::refused_char(h).is_none())
                    .cloned()
                    .unwrap_or_else(|| format!("#{}", j + 1));
                let e = CellError::new(
                    table.first_line + i - 1,
                    &column,
                    "cell_control_char",
                    &format!("U+{:04X}", c as u32),
                );
                errors.push(e);
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

fn read_xlsx(bytes: &[u8]) -> Result<Table, Vec<CellError>> {
    // The first sheet, read within the bounds (a zip bomb is refused before it is parsed).
    let grid = registry::sheet::read_xlsx(bytes, None, &registry::sheet::LIMITS)
        .map_err(|e| vec![CellError::from_sheet(&e, "catalogue_file_unreadable")])?;
    let mut rows: Vec<Vec<String>> = grid
        .iter()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    calamine::Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => {
                        format!("{}", *f as i64)
                    }
                    calamine::Data::Empty => String::new(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect();
    // The header is the first row that is not empty; messages use the sheet's own row numbers.
    let skipped = rows
        .iter()
        .take_while(|r| r.iter().all(|c| c.trim().is_empty()))
        .count();
    rows.drain(..skipped);
    Ok(Table {
        rows,
        first_line: skipped + 2,
    })
}

fn json_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Bool(b) => b.to_string(),
        serde_json::Value::Number(n) => n.to_string(),
        other => other.to_string(),
    }
}

fn read_json(bytes: &[u8]) -> Result<Table, Vec<CellError>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let v: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| file_error("catalogue_json_invalid", e))?;
    let items = match &v {
        serde_json::Value::Array(a) => a,
        serde_json::Value::Object(o) => match o.get("items") {
            Some(serde_json::Value::Array(a)) => a,
            _ => return Err(file_error("catalogue_json_invalid", "items: [...]")),
        },
        _ => return Err(file_error("catalogue_json_invalid", "[...]")),
    };
    let limits = &registry::sheet::LIMITS;
    if items.len() >= limits.rows {
        return Err(vec![CellError::from_sheet(
            &registry::sheet::SheetError::TooManyRows {
                row: limits.rows + 1,
                limit: limits.rows,
            },
            "catalogue_json_invalid",
        )]);
    }
    // The header is every key met, in order of first appearance.
    let mut keys: Vec<String> = Vec::new();
    for it in items {
        let Some(o) = it.as_object() else {
            return Err(file_error("catalogue_json_invalid", "items: [{...}]"));
        };
        for k in o.keys() {
            if !keys.contains(k) {
                keys.push(k.clone());
            }
        }
        if keys.len() > limits.columns {
            return Err(vec![CellError::from_sheet(
                &registry::sheet::SheetError::TooManyColumns {
                    row: 1,
                    column: keys.len(),
                    limit: limits.columns,
                },
                "catalogue_json_invalid",
            )]);
        }
    }
    if items.len().saturating_mul(keys.len()) > limits.cells {
        return Err(vec![CellError::from_sheet(
            &registry::sheet::SheetError::TooManyCells {
                row: items.len(),
                limit: limits.cells,
            },
            "catalogue_json_invalid",
        )]);
    }
    let mut rows = vec![keys.clone()];
    for it in items {
        let o = it.as_object().expect("checked above");
        rows.push(
            keys.iter()
                .map(|k| o.get(k).map(json_text).unwrap_or_default())
                .collect(),
        );
    }
    Ok(Table {
        rows,
        first_line: 1,
    })
}
