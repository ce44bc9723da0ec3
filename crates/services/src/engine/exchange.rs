//! The catalogue's exchange files: one procedure per row, the columns of
//! [`crate::model::catalogue::COLUMNS`], as CSV (UTF-8), XLSX (sheet `procedures`) or JSON (a
//! list of objects; papers, schema and layout as JSON values). Export writes what import reads
//! (a round trip changes nothing). Files are read within the registry's bounds
//! (`registry::sheet`); every problem names its sheet, row and column.

use platform::error::Problem;
use platform::i18n::Lang;
use serde_json::{Map, Value};

use crate::model::catalogue::{COLUMNS, ProcedureDraft, ProcedureSpec};

/// The most procedures of one file.
pub const MAX_ROWS: usize = 20_000;
/// The largest file, in bytes.
pub const MAX_BYTES: usize = 32 * 1024 * 1024;
/// The columns every file must have (the others default to empty).
pub const REQUIRED: [&str; 7] = [
    "code",
    "name_vi",
    "name_en",
    "field",
    "level",
    "processing_days",
    "online_level",
];

/// A file's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Csv,
    Xlsx,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        match s.trim().to_ascii_lowercase().as_str() {
            "json" => Some(Format::Json),
            "csv" => Some(Format::Csv),
            "xlsx" => Some(Format::Xlsx),
            _ => None,
        }
    }
    pub fn extension(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Csv => "text/csv; charset=utf-8",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
}

/// One row of a file: where it is (1-based, the header is row 1 in CSV and XLSX; the item's
/// position in JSON) and what it says.
#[derive(Debug, Clone)]
pub struct TableRow {
    pub row: usize,
    pub draft: ProcedureDraft,
}

/// A file read: its sheet's name (`procedures`, or `json`), the column letters by name, rows.
#[derive(Debug, Clone)]
pub struct Table {
    pub sheet: String,
    pub letters: Vec<(String, String)>,
    pub rows: Vec<TableRow>,
}

/// `A`, `B`, … `Z`, `AA`…
fn letter(mut i: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

/// A problem of a row, placed: `svc_import_at` (sheet, row, column and the problem's words).
pub fn at(p: Problem, sheet: &str, row: usize, lang: Lang) -> Problem {
    let column = p.field.clone().unwrap_or_default();
    let detail = p.detail(lang);
    let mut out = Problem::new("svc_import_at")
        .arg("sheet", sheet)
        .arg("row", row)
        .arg(
            "column",
            if column.is_empty() {
                "—".to_owned()
            } else {
                column.clone()
            },
        )
        .arg("detail", detail);
    if !column.is_empty() {
        out = out.field(column);
    }
    out
}

fn whole_problem(p: Problem) -> Vec<Problem> {
    vec![p]
}

/// Read a file of procedures: the rows, or the problems of the file as a whole (header, bounds,
/// unreadable). The rows' own problems are the engine's.
pub fn read(bytes: &[u8], format: Format, lang: Lang) -> Result<Table, Vec<Problem>> {
    if bytes.len() > MAX_BYTES {
        return Err(whole_problem(
            Problem::new("svc_file_too_large")
                .arg("max", format!("{} MiB", MAX_BYTES / 1024 / 1024)),
        ));
    }
    match format {
        Format::Json => read_json(bytes, lang),
        Format::Csv => {
            let grid = registry::sheet::read_csv(bytes, &registry::sheet::LIMITS)
                .map_err(|e| whole_problem(e.problem()))?;
            table("csv", grid)
        }
        Format::Xlsx => {
            let grid = registry::sheet::read_xlsx(bytes, None, &registry::sheet::LIMITS)
                .map_err(|e| whole_problem(e.problem()))?;
            let grid = grid
                .into_iter()
                .map(|r| r.iter().map(cell_text).collect())
                .collect();
            table("procedures", grid)
        }
    }
}

/// A cell as text: numbers written without a fraction when they have none (a fraction is kept,
/// and then refused where a whole number is needed).
fn cell_text(d: &calamine::Data) -> String {
    use calamine::Data;
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        other => other.to_string(),
    }
}

fn table(sheet: &str, grid: Vec<Vec<String>>) -> Result<Table, Vec<Problem>> {
    let mut lines = grid.into_iter();
    let Some(header) = lines.next() else {
        return Err(whole_problem(Problem::new("svc_import_empty")));
    };
    let mut columns: Vec<Option<&'static str>> = Vec::with_capacity(header.len());
    let mut problems = Vec::new();
    let mut letters = Vec::new();
    for (i, h) in header.iter().enumerate() {
        let h = h.trim();
        if h.is_empty() {
            columns.push(None);
            continue;
        }
        match COLUMNS.iter().find(|c| **c == h) {
            Some(c) if !columns.contains(&Some(*c)) => {
                columns.push(Some(*c));
                letters.push(((*c).to_owned(), letter(i)));
            }
            _ => {
                columns.push(None);
                problems.push(
                    Problem::new("svc_import_header")
                        .arg("sheet", sheet)
                        .arg("value", h.chars().take(60).collect::<String>())
                        .arg("expected", COLUMNS.join(", ")),
                );
            }
        }
    }
    for r in REQUIRED {
        if !columns.contains(&Some(r)) {
            problems.push(
                Problem::new("svc_import_missing_column")
                    .arg("sheet", sheet)
                    .arg("value", r),
            );
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut rows = Vec::new();
    for (i, line) in lines.enumerate() {
        if line.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if rows.len() >= MAX_ROWS {
            return Err(whole_problem(
                Problem::new("svc_import_too_many").arg("max", MAX_ROWS),
            ));
        }
        let mut draft = ProcedureDraft::default();
        for (c, value) in columns.iter().zip(line) {
            if let Some(slot) = c.and_then(|c| draft.get_mut(c)) {
                *slot = value;
            }
        }
        rows.push(TableRow { row: i + 2, draft });
    }
    if rows.is_empty() {
        return Err(whole_problem(Problem::new("svc_import_empty")));
    }
    Ok(Table {
        sheet: sheet.to_owned(),
        letters,
        rows,
    })
}

fn read_json(bytes: &[u8], lang: Lang) -> Result<Table, Vec<Problem>> {
    let v: Value = serde_json::from_slice(bytes)
        .map_err(|e| whole_problem(Problem::new("svc_import_json").arg("why", e.to_string())))?;
    let Some(items) = v.as_array() else {
        return Err(whole_problem(
            Problem::new("svc_import_json").arg("why", "expected a list"),
        ));
    };
    if items.is_empty() {
        return Err(whole_problem(Problem::new("svc_import_empty")));
    }
    if items.len() > MAX_ROWS {
        return Err(whole_problem(
            Problem::new("svc_import_too_many").arg("max", MAX_ROWS),
        ));
    }
    let mut rows = Vec::with_capacity(items.len());
    let mut problems = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let row = i + 1;
        let Some(o) = item.as_object() else {
            problems.push(at(
                Problem::new("svc_import_json").arg("why", "expected an object"),
                "json",
                row,
                lang,
            ));
            continue;
        };
        match draft_of_object(o) {
            Ok(draft) => rows.push(TableRow { row, draft }),
            Err(p) => {
                if problems.len() < platform::error::MAX_PROBLEMS {
                    problems.push(at(p, "json", row, lang));
                }
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Table {
        sheet: "json".into(),
        letters: Vec::new(),
        rows,
    })
}

/// A JSON object of the exchange format as typed texts (numbers exactly as JSON wrote them:
/// `12.5` stays `12.5`, and is refused where a whole number is needed). An unknown key is a
/// problem.
pub fn draft_of_object(o: &Map<String, Value>) -> Result<ProcedureDraft, Problem> {
    let mut draft = ProcedureDraft::default();
    for (k, value) in o {
        let Some(slot) = draft.get_mut(k) else {
            return Err(Problem::new("svc_import_json")
                .field(k.chars().take(60).collect::<String>())
                .arg(
                    "why",
                    format!(
                        "“{}”: {}",
                        k.chars().take(60).collect::<String>(),
                        COLUMNS.join(", ")
                    ),
                ));
        };
        *slot = match value {
            Value::Null => String::new(),
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            other => other.to_string(),
        };
    }
    Ok(draft)
}

/// The JSON record of a spec (numbers as numbers; papers, schema and layout as JSON).
pub fn json_record(s: &ProcedureSpec) -> Value {
    let mut o = Map::new();
    let d = ProcedureDraft::of(s);
    for (c, v) in COLUMNS.iter().zip(d.cells()) {
        o.insert((*c).to_owned(), Value::String(v.to_owned()));
    }
    o.insert(
        "agency".into(),
        s.agency.clone().map(Value::String).unwrap_or(Value::Null),
    );
    o.insert("processing_days".into(), Value::from(s.processing_days));
    o.insert("fee_vnd".into(), Value::from(s.fee_vnd));
    o.insert("min_assurance".into(), Value::from(s.min_assurance));
    o.insert(
        "papers".into(),
        serde_json::to_value(&s.papers).unwrap_or_default(),
    );
    o.insert("form_schema".into(), s.form_schema.clone());
    o.insert("form_layout".into(), s.form_layout.clone());
    Value::Object(o)
}

/// Write procedures in a format.
pub fn write(specs: &[ProcedureSpec], format: Format) -> Result<Vec<u8>, String> {
    match format {
        Format::Json => {
            let list: Vec<Value> = specs.iter().map(json_record).collect();
            serde_json::to_vec_pretty(&list).map_err(|e| e.to_string())
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record(COLUMNS).map_err(|e| e.to_string())?;
            for s in specs {
                w.write_record(ProcedureDraft::of(s).cells())
                    .map_err(|e| e.to_string())?;
            }
            w.into_inner().map_err(|e| e.to_string())
        }
        Format::Xlsx => {
            use rust_xlsxwriter::{Format as Cell, Workbook};
            let mut wb = Workbook::new();
            let sheet = wb.add_worksheet();
            sheet.set_name("procedures").map_err(|e| e.to_string())?;
            let bold = Cell::new().set_bold();
            for (c, name) in COLUMNS.iter().enumerate() {
                sheet
                    .write_string_with_format(0, c as u16, *name, &bold)
                    .map_err(|e| e.to_string())?;
            }
            for (r, s) in specs.iter().enumerate() {
                let row = (r + 1) as u32;
                for (c, (name, v)) in COLUMNS
                    .iter()
                    .zip(ProcedureDraft::of(s).cells())
                    .enumerate()
                {
                    let c = c as u16;
                    if matches!(*name, "processing_days" | "fee_vnd" | "min_assurance") {
                        let n: i64 = v.parse().map_err(|_| format!("{name}: {v}"))?;
                        sheet
                            .write_number(row, c, n as f64)
                            .map_err(|e| e.to_string())?;
                    } else {
                        sheet.write_string(row, c, v).map_err(|e| e.to_string())?;
                    }
                }
            }
            wb.save_to_buffer().map_err(|e| e.to_string())
        }
    }
}
