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
        // A rule word must be one of its choices (compared in lower case).
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
        let value_type = choice(&mut errors, "value_type", &ValueType::words());
        let periodicity = choice(&mut errors, "periodicity", &Periodicity::words());
        let agg_units = choice(&mut errors, "agg_units", &AggUnits::words());
        let agg_time = choice(&mut errors, "agg_time", &AggTime::words());
        let agg_weight = opt("agg_weight").map(|s| s.to_uppercase());
        let weighted = AggUnits::parse(&agg_units) == Some(AggUnits::Wavg);
        match (&agg_weight, weighted) {
            (None, true) => errors.push(mk("agg_weight", "catalogue_weight_required")),
            (Some(_), false) => errors.push(mk("agg_weight", "catalogue_weight_unused")),
            (Some(w), _) if !is_code(w) => errors.push(mk("agg_weight", "catalogue_bad_code")),
            _ => {}
        }
        let formula = opt("formula");
        if let Some(f) = &formula
            && let Err(e) = crate::formula::Formula::parse(f)
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
                    .filter(|v| v.is_finite() && v.abs() <= VALUE_LIMIT);
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
        if ValueType::parse(&value_type) == Some(ValueType::Integer)
            && decimals.is_some_and(|d| d != 0)
        {
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
