//! Import and export of the indicator catalogue (danh mục chỉ tiêu) as CSV, XLSX and JSON, in one
//! shape: the columns of `seed/indicators.csv` (the export writes them; the import reads them,
//! with English or Vietnamese headers, in any order). Every row is checked before anything is
//! written; any bad cell rejects the whole file with a message naming its row and column in
//! Vietnamese and English. A good file is applied in one audited transaction, and importing the
//! exported catalogue again changes nothing.
//!
//! Also here: the disaggregation structure (a child indicator is one option of one dimension of
//! its parent) and the validation rules generated from it (the parts of a dimension of an
//! additive indicator sum to the parent, within 0.5 %).

use std::collections::{BTreeMap, HashMap, HashSet};

use platform::audit::{self, Actor, Change};
use platform::db::{Db, DbResult, Tx};
use platform::error::Problem;
use platform::params;
use serde::Serialize;
use serde_json::json;

use crate::catalogue::Indicator;

/// One column of the catalogue file: its key (the English header, as exported) and the
/// Vietnamese header also accepted (compared without diacritics or case).
pub struct Column {
    pub key: &'static str,
    pub vi: &'static str,
    /// Other accepted headers (e.g. the JSON field `agency_code`).
    pub aliases: &'static [&'static str],
    pub required: bool,
}

const fn col(key: &'static str, vi: &'static str, required: bool) -> Column {
    Column {
        key,
        vi,
        aliases: &[],
        required,
    }
}

/// The catalogue's columns, in the order of `seed/indicators.csv` and of every export.
pub const COLUMNS: [Column; 26] = [
    col("code", "Mã chỉ tiêu", true),
    col("name_vi", "Tên chỉ tiêu", true),
    col("name_en", "Tên tiếng Anh", true),
    col("unit_vi", "Đơn vị tính", true),
    col("unit_en", "Đơn vị tính tiếng Anh", true),
    col("domain", "Lĩnh vực", true),
    col("value_type", "Kiểu giá trị", true),
    col("decimals", "Số chữ số thập phân", true),
    col("periodicity", "Kỳ báo cáo", true),
    col("agg_units", "Tổng hợp theo đơn vị", true),
    col("agg_weight", "Chỉ tiêu quyền số", false),
    col("agg_time", "Tổng hợp theo thời gian", true),
    col("formula", "Công thức", false),
    Column {
        key: "agency",
        vi: "Cơ quan chịu trách nhiệm",
        aliases: &["agency_code"],
        required: false,
    },
    col("is_public", "Công khai", false),
    col("monthly_provincial", "Báo cáo tháng của tỉnh", false),
    col("lower_bound", "Giá trị nhỏ nhất", false),
    col("upper_bound", "Giá trị lớn nhất", false),
    col("definition_vi", "Khái niệm", false),
    col("definition_en", "Khái niệm tiếng Anh", false),
    col("source", "Nguồn số liệu", false),
    col("valid_from", "Hiệu lực từ", false),
    col("valid_to", "Hiệu lực đến", false),
    col("parent", "Chỉ tiêu tổng", false),
    col("dimension", "Tiêu chí phân tổ", false),
    col("option", "Nhóm phân tổ", false),
];

pub const VALUE_TYPES: [&str; 4] = ["number", "percent", "index", "integer"];
pub const PERIODICITIES: [&str; 3] = ["month", "quarter", "year"];
pub const AGG_UNITS: [&str; 6] = ["sum", "avg", "wavg", "min", "max", "none"];
pub const AGG_TIME: [&str; 4] = ["sum", "avg", "last", "none"];

/// The header row of an export.
pub fn header() -> Vec<String> {
    COLUMNS.iter().map(|c| c.key.to_owned()).collect()
}

fn text(o: &Option<String>) -> String {
    o.clone().unwrap_or_default()
}

/// One indicator as a row of the catalogue file.
pub fn export_row(i: &Indicator) -> Vec<String> {
    vec![
        i.code.clone(),
        i.name_vi.clone(),
        i.name_en.clone(),
        i.unit_vi.clone(),
        i.unit_en.clone(),
        i.domain.to_string(),
        i.value_type.clone(),
        i.decimals.to_string(),
        i.periodicity.clone(),
        i.agg_units.clone(),
        text(&i.agg_weight),
        i.agg_time.clone(),
        text(&i.formula),
        text(&i.agency_code),
        i.is_public.to_string(),
        i.monthly_provincial.to_string(),
        i.lower_bound.map(|b| b.to_string()).unwrap_or_default(),
        i.upper_bound.map(|b| b.to_string()).unwrap_or_default(),
        text(&i.definition_vi),
        text(&i.definition_en),
        text(&i.source),
        text(&i.valid_from),
        text(&i.valid_to),
        text(&i.parent),
        text(&i.dimension),
        text(&i.option),
    ]
}

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
pub fn csv_bytes(header: &[String], rows: &[Vec<String>]) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(vec![0xEF, 0xBB, 0xBF]);
    w.write_record(header)?;
    for r in rows {
        w.write_record(r)?;
    }
    Ok(w.into_inner()?)
}

/// XLSX bytes: one sheet, a bold header row; the columns named in `numeric` hold numbers, the
/// others text (codes such as `01` and periods such as `202510` stay text).
pub fn xlsx_bytes(
    header: &[String],
    rows: &[Vec<String>],
    numeric: &[&str],
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for (c, h) in header.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, h, &bold)?;
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

/// The catalogue's numeric columns (numbers in XLSX).
pub const NUMERIC: [&str; 4] = ["domain", "decimals", "lower_bound", "upper_bound"];

/// The catalogue as a file: CSV or XLSX in [`COLUMNS`], or JSON `{"items": [...], "meta": ...}`
/// (the shape of `GET /api/v1/indicators`).
pub fn export(items: &[Indicator], format: Format) -> anyhow::Result<Vec<u8>> {
    let rows: Vec<Vec<String>> = items.iter().map(export_row).collect();
    Ok(match format {
        Format::Csv => csv_bytes(&header(), &rows)?,
        Format::Xlsx => xlsx_bytes(&header(), &rows, &NUMERIC)?,
        Format::Json => serde_json::to_vec_pretty(&json!({
            "items": items,
            "meta": { "total": items.len() },
        }))?,
    })
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
    fn new(line: usize, column: &str, code: &'static str, value: &str) -> CellError {
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

fn file_error(code: &'static str, reason: impl ToString) -> Vec<CellError> {
    vec![CellError::new(0, "", code, &reason.to_string())]
}

/// How many errors a (possibly cut) list stands for.
pub fn error_count(errors: &[CellError]) -> usize {
    errors
        .iter()
        .map(|e| {
            if e.code == platform::error::TRUNCATED {
                e.value
                    .parse::<usize>()
                    .unwrap_or(0)
                    .saturating_sub(platform::error::MAX_PROBLEMS)
            } else {
                1
            }
        })
        .sum()
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

/// A header compared without diacritics, case, `_` or extra spaces.
pub fn header_key(h: &str) -> String {
    registry::fold(h)
        .replace(['_', '-', '/', '(', ')', ':'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn parse_bool(s: &str, default: bool) -> Option<bool> {
    match header_key(s).as_str() {
        "" => Some(default),
        "true" | "1" | "yes" | "y" | "x" | "co" | "dung" => Some(true),
        "false" | "0" | "no" | "n" | "khong" | "sai" => Some(false),
        _ => None,
    }
}

fn is_code(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_uppercase())
        && s.len() <= 64
        && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

fn is_key(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 40
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// An indicator read from a row, with its line.
#[derive(Debug, Clone)]
pub struct Row {
    pub line: usize,
    pub indicator: Indicator,
}

/// The headers a file used, by column key (for messages that name the column as written).
#[derive(Debug, Clone, Default)]
pub struct Headers(HashMap<&'static str, String>);

impl Headers {
    pub fn name(&self, key: &str) -> String {
        self.0.get(key).cloned().unwrap_or_else(|| key.to_owned())
    }
}

/// Parse a table (first row = header) into indicators, checking every cell; returns every error
/// found, not only the first. Cross-references (weights, formulas, parents) are checked by
/// [`check_references`].
pub fn parse(table: &Table) -> Result<(Vec<Row>, Headers), Vec<CellError>> {
    let parsed = parse_all(table);
    if parsed.errors.is_empty() {
        Ok((parsed.rows, parsed.headers))
    } else {
        Err(bound_errors(parsed.errors))
    }
}

/// What [`parse_all`] found: the rows that are valid on their own, every problem, and every code
/// the file names (valid row or not, so that references to a bad row are not reported twice).
pub struct Parsed {
    pub rows: Vec<Row>,
    pub headers: Headers,
    pub errors: Vec<CellError>,
    pub codes: HashSet<String>,
}

/// Parse every row, keeping the good ones beside the problems of the bad ones.
pub fn parse_all(table: &Table) -> Parsed {
    let mut out = Parsed {
        rows: Vec::new(),
        headers: Headers::default(),
        errors: Vec::new(),
        codes: HashSet::new(),
    };
    match parse_rows(table, &mut out.codes) {
        Ok((rows, headers, errors)) => {
            out.rows = rows;
            out.headers = headers;
            out.errors = errors;
        }
        Err(errors) => out.errors = errors,
    }
    out
}

type RowsHeadersErrors = (Vec<Row>, Headers, Vec<CellError>);

fn parse_rows(
    table: &Table,
    codes: &mut HashSet<String>,
) -> Result<RowsHeadersErrors, Vec<CellError>> {
    let Some(header) = table.rows.first() else {
        return Err(vec![CellError::new(1, "", "catalogue_empty_file", "")]);
    };
    let keys: Vec<String> = header.iter().map(|h| header_key(h)).collect();
    let mut at: HashMap<&'static str, usize> = HashMap::new();
    let mut headers = Headers::default();
    let mut errors = Vec::new();
    for c in &COLUMNS {
        let names: Vec<String> = std::iter::once(c.key)
            .chain(std::iter::once(c.vi))
            .chain(c.aliases.iter().copied())
            .map(header_key)
            .collect();
        match keys.iter().position(|k| names.contains(k)) {
            Some(i) => {
                at.insert(c.key, i);
                headers.0.insert(c.key, header[i].trim().to_owned());
            }
            None if c.required => errors.push(CellError::new(
                table.first_line.saturating_sub(1).max(1),
                &format!("{} / {}", c.key, c.vi),
                "catalogue_missing_column",
                "",
            )),
            None => {}
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut rows = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    // Errors beyond the first MAX_PROBLEMS are counted, not kept (a million bad cells must not
    // become a million errors in memory).
    let mut dropped = 0;
    for (i, raw) in table.rows.iter().enumerate().skip(1) {
        dropped += platform::error::cap(&mut errors);
        let line = table.first_line + i - 1;
        if raw.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let errors_before = errors.len();
        let cell = |key: &str| -> &str {
            at.get(key)
                .and_then(|&c| raw.get(c))
                .map(|s| s.trim())
                .unwrap_or("")
        };
        let mk = |key: &str, code: &'static str| {
            CellError::new(line, &headers.name(key), code, cell(key))
        };
        let opt = |key: &str| Some(cell(key).to_owned()).filter(|s| !s.is_empty());
        let code = cell("code").to_uppercase();
        codes.insert(code.clone());
        if !is_code(&code) {
            errors.push(mk("code", "catalogue_bad_code"));
        } else if let Some(first) = seen.insert(code.clone(), line) {
            errors.push(CellError::new(
                line,
                &headers.name("code"),
                "catalogue_duplicate_code",
                &format!("{code} (≠ {first})"),
            ));
        }
        for key in ["name_vi", "name_en"] {
            let n = cell(key).chars().count();
            if n == 0 || n > 300 {
                errors.push(mk(key, "catalogue_bad_name"));
            }
        }
        for key in ["unit_vi", "unit_en"] {
            let n = cell(key).chars().count();
            if n == 0 || n > 100 {
                errors.push(mk(key, "catalogue_bad_unit"));
            }
        }
        for key in ["definition_vi", "definition_en", "source"] {
            if cell(key).chars().count() > 4000 {
                errors.push(mk(key, "catalogue_too_long"));
            }
        }
        let int = |s: &str| s.strip_suffix(".0").unwrap_or(s).parse::<i64>().ok();
        let domain = int(cell("domain")).filter(|d| (1..=9).contains(d));
        if domain.is_none() {
            errors.push(mk("domain", "catalogue_bad_domain"));
        }
        let decimals = int(cell("decimals")).filter(|d| (0..=6).contains(d));
        if decimals.is_none() {
            errors.push(mk("decimals", "catalogue_bad_decimals"));
        }
        let choice = |errors: &mut Vec<CellError>, key: &str, allowed: &[&str]| -> String {
            let v = cell(key).to_ascii_lowercase();
            if !allowed.contains(&v.as_str()) {
                errors.push(CellError::new(
                    line,
                    &headers.name(key),
                    "catalogue_bad_choice",
                    &format!("{} ∉ {}", cell(key), allowed.join(", ")),
                ));
            }
            v
        };
        let value_type = choice(&mut errors, "value_type", &VALUE_TYPES);
        let periodicity = choice(&mut errors, "periodicity", &PERIODICITIES);
        let agg_units = choice(&mut errors, "agg_units", &AGG_UNITS);
        let agg_time = choice(&mut errors, "agg_time", &AGG_TIME);
        let agg_weight = opt("agg_weight").map(|s| s.to_uppercase());
        match (&agg_weight, agg_units.as_str()) {
            (None, "wavg") => errors.push(mk("agg_weight", "catalogue_weight_required")),
            (Some(_), u) if u != "wavg" => errors.push(mk("agg_weight", "catalogue_weight_unused")),
            (Some(w), _) if !is_code(w) => errors.push(mk("agg_weight", "catalogue_bad_code")),
            _ => {}
        }
        let formula = opt("formula");
        if let Some(f) = &formula
            && let Err(e) = crate::model::formula::Formula::parse(f)
        {
            errors.push(CellError::new(
                line,
                &headers.name("formula"),
                "catalogue_bad_formula",
                &format!("{f}: {e}"),
            ));
        }
        let agency = opt("agency").map(|s| s.to_lowercase());
        let is_public = parse_bool(cell("is_public"), true);
        if is_public.is_none() {
            errors.push(mk("is_public", "catalogue_bad_bool"));
        }
        let monthly = parse_bool(cell("monthly_provincial"), false);
        if monthly.is_none() {
            errors.push(mk("monthly_provincial", "catalogue_bad_bool"));
        }
        // Bounds: numbers within the limit of every value, the lower not above the upper.
        let bound = |errors: &mut Vec<CellError>, key: &str| match opt(key) {
            None => Some(None),
            Some(s) => {
                let b = s
                    .replace(',', ".")
                    .parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite() && v.abs() <= crate::catalogue::VALUE_LIMIT);
                if b.is_none() {
                    errors.push(mk(key, "catalogue_bad_bound"));
                }
                b.map(Some)
            }
        };
        let lower_bound = bound(&mut errors, "lower_bound");
        let upper_bound = bound(&mut errors, "upper_bound");
        if let (Some(Some(lb)), Some(Some(ub))) = (lower_bound, upper_bound)
            && lb > ub
        {
            errors.push(CellError::new(
                line,
                &headers.name("upper_bound"),
                "catalogue_bounds_reversed",
                &format!("{lb} > {ub}"),
            ));
        }
        // A count has no decimals.
        if value_type == "integer" && decimals.is_some_and(|d| d != 0) {
            errors.push(mk("decimals", "catalogue_integer_decimals"));
        }
        let day = |errors: &mut Vec<CellError>, key: &str| match opt(key) {
            None => None,
            Some(s) => match registry::Day::parse(&s) {
                Some(d) => Some(d),
                None => {
                    errors.push(mk(key, "catalogue_bad_date"));
                    None
                }
            },
        };
        let (from, to) = (day(&mut errors, "valid_from"), day(&mut errors, "valid_to"));
        if let (Some(f), Some(t)) = (from, to)
            && t.0 < f.0
        {
            errors.push(mk("valid_to", "catalogue_dates_reversed"));
        }
        let parent = opt("parent").map(|s| s.to_uppercase());
        let dimension = opt("dimension").map(|s| s.to_lowercase());
        let option = opt("option").map(|s| s.to_lowercase());
        match (&parent, &dimension, &option) {
            (None, None, None) => {}
            (Some(p), Some(d), Some(o)) => {
                if !is_code(p) {
                    errors.push(mk("parent", "catalogue_bad_code"));
                } else if *p == code {
                    errors.push(mk("parent", "catalogue_parent_self"));
                }
                if !is_key(d) {
                    errors.push(mk("dimension", "catalogue_bad_key"));
                }
                if !is_key(o) {
                    errors.push(mk("option", "catalogue_bad_key"));
                }
            }
            _ => {
                let key = if parent.is_none() {
                    "parent"
                } else if dimension.is_none() {
                    "dimension"
                } else {
                    "option"
                };
                errors.push(mk(key, "catalogue_breakdown_incomplete"));
            }
        }
        if let (
            Some(domain),
            Some(decimals),
            Some(is_public),
            Some(monthly),
            Some(lower_bound),
            Some(upper_bound),
        ) = (
            domain,
            decimals,
            is_public,
            monthly,
            lower_bound,
            upper_bound,
        ) && errors.len() == errors_before
        {
            rows.push(Row {
                line,
                indicator: Indicator {
                    id: 0,
                    code: code.clone(),
                    name_vi: cell("name_vi").to_owned(),
                    name_en: cell("name_en").to_owned(),
                    unit_vi: cell("unit_vi").to_owned(),
                    unit_en: cell("unit_en").to_owned(),
                    domain,
                    value_type,
                    decimals,
                    periodicity,
                    agg_units,
                    agg_weight,
                    agg_time,
                    formula,
                    agency_code: agency,
                    is_public,
                    monthly_provincial: monthly,
                    lower_bound,
                    upper_bound,
                    definition_vi: opt("definition_vi"),
                    definition_en: opt("definition_en"),
                    source: opt("source"),
                    valid_from: from.map(|d| d.iso()),
                    valid_to: to.map(|d| d.iso()),
                    parent,
                    dimension,
                    option,
                },
            });
        }
    }
    dropped += platform::error::cap(&mut errors);
    if dropped > 0 {
        errors.push(CellError::truncated(errors.len() + dropped));
    }
    Ok((rows, headers, errors))
}

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
async fn check_database(
    db: &Db,
    rows: &[Row],
    headers: &Headers,
    existing: &[Indicator],
) -> DbResult<Vec<CellError>> {
    let agencies: HashSet<String> = db
        .fetch_all("SELECT code FROM agencies", params![])
        .await?
        .iter()
        .map(|r| r.get::<String>("code"))
        .collect::<DbResult<_>>()?;
    let with_data: HashSet<i64> = db
        .fetch_all("SELECT DISTINCT indicator_id FROM data_values", params![])
        .await?
        .iter()
        .map(|r| r.get::<i64>("indicator_id"))
        .collect::<DbResult<_>>()?;
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
        .map(|r| Indicator::from_row(r).map(|i| (i.code.clone(), i)))
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

/// Names of the usual dimensions in rule messages.
fn dimension_names(d: &str) -> (String, String) {
    match d {
        "sex" => ("giới tính".into(), "sex".into()),
        "area" => ("thành thị, nông thôn".into(), "urban/rural".into()),
        "age" => ("nhóm tuổi".into(), "age group".into()),
        other => (other.into(), other.into()),
    }
}

/// Prefix of the validation rules generated from disaggregations.
pub const PARTS_RULE_PREFIX: &str = "PARTS_";

/// Regenerate the rules "the parts of a dimension sum to the parent" (warning, 0.5 % tolerance)
/// for every additive parent with at least two parts in a dimension; rules of breakdowns that no
/// longer exist are removed.
pub async fn sync_breakdown_rules(tx: &mut Tx) -> DbResult<()> {
    let all: Vec<Indicator> = tx
        .fetch_all("SELECT * FROM indicators ORDER BY code", params![])
        .await?
        .iter()
        .map(Indicator::from_row)
        .collect::<DbResult<_>>()?;
    let by_code: HashMap<&str, &Indicator> = all.iter().map(|i| (i.code.as_str(), i)).collect();
    let mut groups: BTreeMap<(&str, &str), Vec<&str>> = BTreeMap::new();
    for i in &all {
        if let (Some(p), Some(d)) = (&i.parent, &i.dimension) {
            groups.entry((p, d)).or_default().push(&i.code);
        }
    }
    let mut wanted = HashSet::new();
    for ((parent, dim), children) in &groups {
        let Some(p) = by_code.get(parent) else {
            continue;
        };
        if p.agg_units != "sum" || children.len() < 2 {
            continue;
        }
        let code = format!("{PARTS_RULE_PREFIX}{parent}_{}", dim.to_uppercase());
        let (dim_vi, dim_en) = dimension_names(dim);
        let name_vi = format!(
            "Tổng các nhóm theo {dim_vi} phải bằng {} (sai lệch không quá 0,5%)",
            p.name_vi
        );
        let name_en = format!(
            "Parts by {dim_en} must add up to {} (within 0.5%)",
            p.name_en
        );
        let left = format!("abs({} - {parent})", children.join(" + "));
        let right = format!("0.005 * {parent}");
        tx.execute(
            "INSERT INTO validation_rules (code, name_vi, name_en, left_expr, op, right_expr, severity) \
             VALUES ($1, $2, $3, $4, '<=', $5, 'warning') \
             ON CONFLICT (code) DO UPDATE SET name_vi = excluded.name_vi, name_en = excluded.name_en, \
             left_expr = excluded.left_expr, op = excluded.op, right_expr = excluded.right_expr, \
             severity = excluded.severity",
            params![&code, name_vi, name_en, left, right],
        )
        .await?;
        wanted.insert(code);
    }
    for r in tx
        .fetch_all(
            "SELECT code FROM validation_rules WHERE code LIKE $1",
            params![format!("{PARTS_RULE_PREFIX}%")],
        )
        .await?
    {
        let code: String = r.get("code")?;
        if !wanted.contains(&code) {
            tx.execute(
                "DELETE FROM validation_rules WHERE code = $1",
                params![code],
            )
            .await?;
        }
    }
    Ok(())
}

/// Check every row, then (unless a dry run, and only if nothing is wrong) write them all in one
/// audited transaction. Indicators absent from the file are left as they are. `Err` lists every
/// problem; nothing was written.
pub async fn import(
    db: &Db,
    actor: &Actor,
    table: &Table,
    dry_run: bool,
) -> anyhow::Result<Result<ImportReport, Vec<CellError>>> {
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
    let existing = crate::catalogue::list(db).await?;
    errors.extend(check_references(&rows, &headers, &existing, &codes));
    errors.extend(check_database(db, &rows, &headers, &existing).await?);
    if !errors.is_empty() {
        errors.sort_by(|a, b| (a.line, &a.column).cmp(&(b.line, &b.column)));
        return Ok(Err(bound_errors(errors)));
    }
    let mut report = ImportReport {
        rows: rows.len(),
        dry_run,
        ..Default::default()
    };
    let indicators: Vec<Indicator> = rows.into_iter().map(|r| r.indicator).collect();
    let mut tx = db.begin().await?;
    let written = write(&mut tx, &indicators).await?;
    report.inserted = written.inserted;
    report.updated = written.updated;
    report.unchanged = written.unchanged;
    report.changed = written.changes.iter().map(|c| c.0.clone()).collect();
    if dry_run || written.changes.is_empty() {
        // A dry run computes what would change, then drops the transaction.
        report.applied = !dry_run;
        return Ok(Ok(report));
    }
    sync_breakdown_rules(&mut tx).await?;
    let before: BTreeMap<&str, serde_json::Value> = written
        .changes
        .iter()
        .filter_map(|(c, b, _)| Some((c.as_str(), serde_json::to_value(b.as_ref()?).ok()?)))
        .collect();
    let after: BTreeMap<&str, serde_json::Value> = written
        .changes
        .iter()
        .filter_map(|(c, _, a)| Some((c.as_str(), serde_json::to_value(a).ok()?)))
        .collect();
    audit::append(
        &mut tx,
        actor,
        Change {
            action: "reporting.catalogue_import",
            object_type: "reporting",
            object_id: "catalogue".into(),
            before: Some(json!(before)),
            after: Some(json!({
                "rows": report.rows, "inserted": report.inserted, "updated": report.updated,
                "unchanged": report.unchanged, "indicators": after,
            })),
        },
    )
    .await?;
    tx.commit().await?;
    report.applied = true;
    Ok(Ok(report))
}

/// One part of a disaggregated indicator.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Part {
    pub option: String,
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
}

/// The breakdown of an indicator: its parts, by dimension.
pub fn breakdown(code: &str, all: &[Indicator]) -> BTreeMap<String, Vec<Part>> {
    let mut out: BTreeMap<String, Vec<Part>> = BTreeMap::new();
    for i in all {
        if i.parent.as_deref() == Some(code)
            && let (Some(d), Some(o)) = (&i.dimension, &i.option)
        {
            out.entry(d.clone()).or_default().push(Part {
                option: o.clone(),
                code: i.code.clone(),
                name_vi: i.name_vi.clone(),
                name_en: i.name_en.clone(),
            });
        }
    }
    out
}

/// DHIS2's default category option combo (no disaggregation), by uid or name.
const DEFAULT_COMBOS: [&str; 2] = ["HllvX50cXC0", "default"];

/// The indicator a DHIS2 data value is for: its data element, or — with a category option
/// combo — the part of that element whose option (or code) is the combo. None: no such part.
pub fn resolve_part(all: &[Indicator], element: &str, combo: Option<&str>) -> Option<String> {
    let element = element.trim().to_uppercase();
    let combo = combo.map(str::trim).filter(|c| !c.is_empty());
    match combo {
        None => Some(element),
        Some(c) if DEFAULT_COMBOS.iter().any(|d| d.eq_ignore_ascii_case(c)) => Some(element),
        Some(c) => all
            .iter()
            .find(|i| {
                i.parent.as_deref() == Some(element.as_str())
                    && (i
                        .option
                        .as_deref()
                        .is_some_and(|o| o.eq_ignore_ascii_case(c))
                        || i.code.eq_ignore_ascii_case(c))
            })
            .map(|i| i.code.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn seed_table() -> Table {
        read(crate::catalogue::SEED_INDICATORS.as_bytes(), Format::Csv).unwrap()
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
