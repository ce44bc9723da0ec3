//! The second phase: every row of a table parsed into an indicator, every cell checked on its
//! own (codes, names, choices, bounds, dates, breakdown); every problem is kept, not only the
//! first.

use std::collections::{HashMap, HashSet};

use super::columns::{COLUMNS, header_key};
use super::table::{CellError, Table, bound_errors};
use crate::model::indicator::{AggTime, AggUnits, Indicator, Periodicity, VALUE_LIMIT, ValueType};

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

/// Where each column is in the file, by key, and the headers as written; a required column
/// missing is an error on the header line.
fn locate_columns(
    table: &Table,
) -> Result<(HashMap<&'static str, usize>, Headers), Vec<CellError>> {
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
    if errors.is_empty() {
        Ok((at, headers))
    } else {
        Err(errors)
    }
}

fn parse_rows(
    table: &Table,
    codes: &mut HashSet<String>,
) -> Result<RowsHeadersErrors, Vec<CellError>> {
    let (at, headers) = locate_columns(table)?;
    let mut errors = Vec::new();
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
        let cells = Cells {
            line,
            raw,
            at: &at,
            headers: &headers,
        };
        let errors_before = errors.len();
        let indicator = parse_row(&cells, &mut seen, codes, &mut errors);
        if let Some(indicator) = indicator
            && errors.len() == errors_before
        {
            rows.push(Row { line, indicator });
        }
    }
    dropped += platform::error::cap(&mut errors);
    if dropped > 0 {
        errors.push(CellError::truncated(errors.len() + dropped));
    }
    Ok((rows, headers, errors))
}

/// The cells of one row, by column key.
struct Cells<'a> {
    line: usize,
    raw: &'a [String],
    at: &'a HashMap<&'static str, usize>,
    headers: &'a Headers,
}

impl Cells<'_> {
    /// The cell of `key`, trimmed ("" when the column is absent).
    fn get(&self, key: &str) -> &str {
        self.at
            .get(key)
            .and_then(|&c| self.raw.get(c))
            .map(|s| s.trim())
            .unwrap_or("")
    }

    /// The cell of `key`, None when empty.
    fn opt(&self, key: &str) -> Option<String> {
        Some(self.get(key).to_owned()).filter(|s| !s.is_empty())
    }

    /// An error on the cell of `key`, quoting it.
    fn error(&self, key: &str, code: &'static str) -> CellError {
        self.error_with(key, code, self.get(key))
    }

    /// An error on the cell of `key` with its own value.
    fn error_with(&self, key: &str, code: &'static str, value: &str) -> CellError {
        CellError::new(self.line, &self.headers.name(key), code, value)
    }

    /// A rule word that must be one of `allowed` (compared in lower case).
    fn choice(&self, errors: &mut Vec<CellError>, key: &str, allowed: &[&str]) -> String {
        let v = self.get(key).to_ascii_lowercase();
        if !allowed.contains(&v.as_str()) {
            let value = format!("{} ∉ {}", self.get(key), allowed.join(", "));
            errors.push(self.error_with(key, "catalogue_bad_choice", &value));
        }
        v
    }
}

/// One row as an indicator, every problem of its cells pushed to `errors` (the indicator is
/// kept only if there was none). The checks run in the order of the columns.
fn parse_row(
    c: &Cells,
    seen: &mut HashMap<String, usize>,
    codes: &mut HashSet<String>,
    errors: &mut Vec<CellError>,
) -> Option<Indicator> {
    let code = check_code(c, seen, codes, errors);
    check_texts(c, errors);
    let int = |s: &str| s.strip_suffix(".0").unwrap_or(s).parse::<i64>().ok();
    let domain = int(c.get("domain")).filter(|d| (1..=9).contains(d));
    if domain.is_none() {
        errors.push(c.error("domain", "catalogue_bad_domain"));
    }
    let decimals = int(c.get("decimals")).filter(|d| (0..=6).contains(d));
    if decimals.is_none() {
        errors.push(c.error("decimals", "catalogue_bad_decimals"));
    }
    let rules = parse_rules(c, errors);
    let agency = c.opt("agency").map(|s| s.to_lowercase());
    let is_public = parse_bool(c.get("is_public"), true);
    if is_public.is_none() {
        errors.push(c.error("is_public", "catalogue_bad_bool"));
    }
    let monthly = parse_bool(c.get("monthly_provincial"), false);
    if monthly.is_none() {
        errors.push(c.error("monthly_provincial", "catalogue_bad_bool"));
    }
    let bounds = parse_bounds(c, errors);
    // A count has no decimals.
    if ValueType::parse(&rules.value_type) == Some(ValueType::Integer)
        && decimals.is_some_and(|d| d != 0)
    {
        errors.push(c.error("decimals", "catalogue_integer_decimals"));
    }
    let (valid_from, valid_to) = parse_validity(c, errors);
    let (parent, dimension, option) = parse_part(c, &code, errors);
    let (lower_bound, upper_bound) = bounds?;
    Some(Indicator {
        id: 0,
        code,
        name_vi: c.get("name_vi").to_owned(),
        name_en: c.get("name_en").to_owned(),
        unit_vi: c.get("unit_vi").to_owned(),
        unit_en: c.get("unit_en").to_owned(),
        domain: domain?,
        value_type: rules.value_type,
        decimals: decimals?,
        periodicity: rules.periodicity,
        agg_units: rules.agg_units,
        agg_weight: rules.agg_weight,
        agg_time: rules.agg_time,
        formula: rules.formula,
        agency_code: agency,
        is_public: is_public?,
        monthly_provincial: monthly?,
        lower_bound,
        upper_bound,
        definition_vi: c.opt("definition_vi"),
        definition_en: c.opt("definition_en"),
        source: c.opt("source"),
        valid_from: valid_from.map(|d| d.iso()),
        valid_to: valid_to.map(|d| d.iso()),
        parent,
        dimension,
        option,
    })
}

/// The code (upper case): well formed and not met before in the file.
fn check_code(
    c: &Cells,
    seen: &mut HashMap<String, usize>,
    codes: &mut HashSet<String>,
    errors: &mut Vec<CellError>,
) -> String {
    let code = c.get("code").to_uppercase();
    codes.insert(code.clone());
    if !is_code(&code) {
        errors.push(c.error("code", "catalogue_bad_code"));
    } else if let Some(first) = seen.insert(code.clone(), c.line) {
        let value = format!("{code} (≠ {first})");
        errors.push(c.error_with("code", "catalogue_duplicate_code", &value));
    }
    code
}

/// Names and units present and not too long; definitions and source not too long.
fn check_texts(c: &Cells, errors: &mut Vec<CellError>) {
    for key in ["name_vi", "name_en"] {
        let n = c.get(key).chars().count();
        if n == 0 || n > 300 {
            errors.push(c.error(key, "catalogue_bad_name"));
        }
    }
    for key in ["unit_vi", "unit_en"] {
        let n = c.get(key).chars().count();
        if n == 0 || n > 100 {
            errors.push(c.error(key, "catalogue_bad_unit"));
        }
    }
    for key in ["definition_vi", "definition_en", "source"] {
        if c.get(key).chars().count() > 4000 {
            errors.push(c.error(key, "catalogue_too_long"));
        }
    }
}

/// The rules that decide how values combine, as read (each word checked against its choices).
struct Rules {
    value_type: String,
    periodicity: String,
    agg_units: String,
    agg_weight: Option<String>,
    agg_time: String,
    formula: Option<String>,
}

/// The value type, periodicity, aggregation rules with the weight a weighted average needs, and
/// the formula of a derived indicator (which must parse).
fn parse_rules(c: &Cells, errors: &mut Vec<CellError>) -> Rules {
    let value_type = c.choice(errors, "value_type", &ValueType::words());
    let periodicity = c.choice(errors, "periodicity", &Periodicity::words());
    let agg_units = c.choice(errors, "agg_units", &AggUnits::words());
    let agg_time = c.choice(errors, "agg_time", &AggTime::words());
    let agg_weight = c.opt("agg_weight").map(|s| s.to_uppercase());
    let weighted = AggUnits::parse(&agg_units) == Some(AggUnits::Wavg);
    match (&agg_weight, weighted) {
        (None, true) => errors.push(c.error("agg_weight", "catalogue_weight_required")),
        (Some(_), false) => errors.push(c.error("agg_weight", "catalogue_weight_unused")),
        (Some(w), _) if !is_code(w) => errors.push(c.error("agg_weight", "catalogue_bad_code")),
        _ => {}
    }
    let formula = c.opt("formula");
    if let Some(f) = &formula
        && let Err(e) = crate::model::formula::Formula::parse(f)
    {
        errors.push(c.error_with("formula", "catalogue_bad_formula", &format!("{f}: {e}")));
    }
    Rules {
        value_type,
        periodicity,
        agg_units,
        agg_weight,
        agg_time,
        formula,
    }
}

/// The bounds: numbers within the limit of every value, the lower not above the upper. None
/// when a bound is not a number.
fn parse_bounds(c: &Cells, errors: &mut Vec<CellError>) -> Option<(Option<f64>, Option<f64>)> {
    let bound = |errors: &mut Vec<CellError>, key: &str| match c.opt(key) {
        None => Some(None),
        Some(s) => {
            let b = s
                .replace(',', ".")
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && v.abs() <= VALUE_LIMIT);
            if b.is_none() {
                errors.push(c.error(key, "catalogue_bad_bound"));
            }
            b.map(Some)
        }
    };
    let lower_bound = bound(errors, "lower_bound");
    let upper_bound = bound(errors, "upper_bound");
    if let (Some(Some(lb)), Some(Some(ub))) = (lower_bound, upper_bound)
        && lb > ub
    {
        let value = format!("{lb} > {ub}");
        errors.push(c.error_with("upper_bound", "catalogue_bounds_reversed", &value));
    }
    Some((lower_bound?, upper_bound?))
}

/// The days the indicator is in force from and to (dates, the last not before the first).
fn parse_validity(
    c: &Cells,
    errors: &mut Vec<CellError>,
) -> (Option<registry::Day>, Option<registry::Day>) {
    let day = |errors: &mut Vec<CellError>, key: &str| match c.opt(key) {
        None => None,
        Some(s) => match registry::Day::parse(&s) {
            Some(d) => Some(d),
            None => {
                errors.push(c.error(key, "catalogue_bad_date"));
                None
            }
        },
    };
    let (from, to) = (day(errors, "valid_from"), day(errors, "valid_to"));
    if let (Some(f), Some(t)) = (from, to)
        && t.0 < f.0
    {
        errors.push(c.error("valid_to", "catalogue_dates_reversed"));
    }
    (from, to)
}

type Part = (Option<String>, Option<String>, Option<String>);

/// The breakdown: parent, dimension and option all given (well formed, the parent not the
/// indicator itself) or none of them.
fn parse_part(c: &Cells, code: &str, errors: &mut Vec<CellError>) -> Part {
    let parent = c.opt("parent").map(|s| s.to_uppercase());
    let dimension = c.opt("dimension").map(|s| s.to_lowercase());
    let option = c.opt("option").map(|s| s.to_lowercase());
    match (&parent, &dimension, &option) {
        (None, None, None) => {}
        (Some(p), Some(d), Some(o)) => {
            if !is_code(p) {
                errors.push(c.error("parent", "catalogue_bad_code"));
            } else if p == code {
                errors.push(c.error("parent", "catalogue_parent_self"));
            }
            if !is_key(d) {
                errors.push(c.error("dimension", "catalogue_bad_key"));
            }
            if !is_key(o) {
                errors.push(c.error("option", "catalogue_bad_key"));
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
            errors.push(c.error(key, "catalogue_breakdown_incomplete"));
        }
    }
    (parent, dimension, option)
}
