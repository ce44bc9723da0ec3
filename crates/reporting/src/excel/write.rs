//! Writing the workbook of a unit × period: the template's indicators, the previous period and
//! the same period last year beside each row, the cells to fill.

use std::collections::HashMap;

use rust_xlsxwriter::{Format, Workbook};

use super::{COL_EXPLANATION, COL_VALUE, HEADER_ROW, SHEET};
use crate::model::period::Period;
use crate::model::template::Template;

/// Build the workbook for a unit × period.
pub fn workbook(
    template: &Template,
    unit_name: &str,
    unit_code: &str,
    period: &Period,
    values: &HashMap<(i64, String), f64>,
    lang: &str,
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(SHEET)?;
    let bold = Format::new().set_bold();
    let head = Format::new()
        .set_bold()
        .set_background_color("#F3F2F1")
        .set_border(rust_xlsxwriter::FormatBorder::Thin);
    let input = Format::new()
        .set_background_color("#FFF4CC")
        .set_border(rust_xlsxwriter::FormatBorder::Thin);
    ws.write_string_with_format(0, 0, template.name(lang), &bold)?;
    ws.write_string(
        1,
        0,
        format!("{unit_name} ({unit_code}) — {}", period.label(lang)),
    )?;
    ws.write_string(2, 0, "egov: nhập số liệu vào cột F (ô màu vàng), giải trình vào cột G; không sửa cột A. / Enter figures in column F (yellow), explanations in column G; do not change column A.")?;
    let headers = [
        "Mã chỉ tiêu / Code",
        "Chỉ tiêu / Indicator",
        "Đơn vị tính / Unit",
        "Kỳ trước / Previous period",
        "Cùng kỳ năm trước / Same period last year",
        &period.label(lang),
        "Giải trình / Explanation",
    ];
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(HEADER_ROW, c as u16, *h, &head)?;
    }
    let (prev, ly) = (period.previous().id(), period.same_period_last_year().id());
    let asked = template.indicators.iter().filter(|i| i.valid_for(period));
    for (i, ind) in asked.enumerate() {
        let r = HEADER_ROW + 1 + i as u32;
        ws.write_string(r, 0, &ind.code)?;
        ws.write_string(r, 1, ind.name(lang))?;
        ws.write_string(r, 2, ind.unit(lang))?;
        if let Some(v) = values.get(&(ind.id, prev.clone())) {
            ws.write_number(r, 3, *v)?;
        }
        if let Some(v) = values.get(&(ind.id, ly.clone())) {
            ws.write_number(r, 4, *v)?;
        }
        match values.get(&(ind.id, period.id())) {
            Some(v) => ws.write_number_with_format(r, COL_VALUE, *v, &input)?,
            None => ws.write_blank(r, COL_VALUE, &input)?,
        };
        ws.write_blank(r, COL_EXPLANATION, &input)?;
    }
    ws.set_column_width(0, 26)?;
    ws.set_column_width(1, 60)?;
    ws.set_column_width(2, 18)?;
    for c in 3..=COL_EXPLANATION {
        ws.set_column_width(c, 20)?;
    }
    wb.save_to_buffer()
}
