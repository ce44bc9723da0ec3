//! The catalogue file's columns (those of `seed/indicators.csv`, with English or Vietnamese
//! headers) and the catalogue written as a file (CSV, XLSX or JSON).

use platform::FaultResult;
use serde_json::json;

use super::table::{Format, csv_bytes, xlsx_bytes};
use crate::model::indicator::Indicator;

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

/// The catalogue's numeric columns (numbers in XLSX).
pub const NUMERIC: [&str; 4] = ["domain", "decimals", "lower_bound", "upper_bound"];

/// The catalogue as a file: CSV or XLSX in [`COLUMNS`], or JSON `{"items": [...], "meta": ...}`
/// (the shape of `GET /api/v1/indicators`).
pub fn export(items: &[Indicator], format: Format) -> FaultResult<Vec<u8>> {
    let rows: Vec<Vec<String>> = items.iter().map(export_row).collect();
    Ok(match format {
        Format::Csv => csv_bytes(&header(), &rows)?,
        Format::Xlsx => xlsx_bytes("indicators", &header(), &[], &rows, &NUMERIC)
            .map_err(platform::Fault::other)?,
        Format::Json => serde_json::to_vec_pretty(&json!({
            "items": items,
            "meta": { "total": items.len() },
        }))?,
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
