//! Excel round trip of a province's monthly report: download a workbook pre-filled for the unit ×
//! period (with the previous period and the same period last year beside each row), fill it in
//! Excel, upload it. Every problem names its sheet and cell; a file with any problem changes
//! nothing. Files are written by rust_xlsxwriter and read by calamine.
//!
//! Format logic only: [`write`] builds the workbook, [`read`] reads an upload back into
//! entries. The handlers are in `http::excel`.

mod read;
mod write;

pub use read::{CellProblem, ReadWorkbook, read};
pub use write::workbook;

/// The sheet of the report, and where its table starts (row of the header, 0-based).
pub const SHEET: &str = "Báo cáo";
pub(crate) const HEADER_ROW: u32 = 4;
/// Columns: code, name, unit, previous, same period last year, value, explanation.
pub(crate) const COL_VALUE: u16 = 5;
pub(crate) const COL_EXPLANATION: u16 = 6;

pub(crate) fn column_letter(c: u16) -> char {
    (b'A' + c as u8) as char
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::period::Period;
    use crate::model::template::Template;
    use rust_xlsxwriter::Workbook;
    use std::collections::HashMap;

    fn template() -> Template {
        let ind = |id: i64, code: &str| crate::model::indicator::Indicator {
            id,
            code: code.into(),
            name_vi: format!("Chỉ tiêu {code}"),
            name_en: code.into(),
            unit_vi: "tỷ đồng".into(),
            unit_en: "VND billion".into(),
            domain: 1,
            value_type: "number".into(),
            decimals: 1,
            periodicity: "month".into(),
            agg_units: "sum".into(),
            agg_weight: None,
            agg_time: "sum".into(),
            formula: None,
            agency_code: None,
            is_public: true,
            monthly_provincial: true,
            lower_bound: Some(0.0),
            ..Default::default()
        };
        Template {
            id: 1,
            code: crate::model::template::MONTHLY_PROVINCIAL.into(),
            name_vi: "Báo cáo tháng".into(),
            name_en: "Monthly report".into(),
            period_kind: "month".into(),
            unit_level: "province".into(),
            deadline_days: 3,
            remind_days: 2,
            agency_id: None,
            agency_code: None,
            indicators: vec![ind(1, "RETAIL_SALES"), ind(2, "EXPORTS")],
        }
    }

    #[test]
    fn a_written_workbook_reads_back() {
        let t = template();
        let p = Period::parse("202510").unwrap();
        let mut values = HashMap::new();
        values.insert((1, "202510".to_string()), 1234.5);
        values.insert((2, "202509".to_string()), 99.0);
        let bytes = workbook(&t, "Nghệ An", "40", &p, &values, "vi").unwrap();
        let (entries, cells) = read(&bytes, &t).unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].raw, "1234.5");
        assert_eq!(entries[1].raw, "");
        assert_eq!(cells["RETAIL_SALES"], "F6");
        assert_eq!(cells["EXPORTS"], "F7");
    }

    #[test]
    fn a_control_character_in_a_cell_is_refused_with_its_cell() {
        let t = template();
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        ws.set_name(SHEET).unwrap();
        let row = HEADER_ROW + 1;
        ws.write_string(row, 0, "RETAIL_SALES").unwrap();
        ws.write_number(row, COL_VALUE, 12.0).unwrap();
        ws.write_string(row, COL_EXPLANATION, "giải\u{1b}trình")
            .unwrap();
        let e = read(&wb.save_to_buffer().unwrap(), &t).unwrap_err();
        let cell = format!("{}{}", column_letter(COL_EXPLANATION), row + 1);
        assert_eq!(e.len(), 1, "{e:?}");
        assert_eq!(e[0].cell, cell, "{e:?}");
        assert_eq!(e[0].problem.code, "text_control_char");
        // Multi-line text stays legitimate.
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        ws.set_name(SHEET).unwrap();
        ws.write_string(row, 0, "RETAIL_SALES").unwrap();
        ws.write_string(row, COL_EXPLANATION, "dòng 1\r\ndòng 2\tcột")
            .unwrap();
        assert!(read(&wb.save_to_buffer().unwrap(), &t).is_ok());
    }

    #[test]
    fn garbage_is_refused_precisely() {
        let t = template();
        let e = read(b"not a workbook", &t).unwrap_err();
        assert_eq!(e[0].problem.code, "xlsx_unreadable");
        let mut wb = Workbook::new();
        wb.add_worksheet().set_name("Khác").unwrap();
        let e = read(&wb.save_to_buffer().unwrap(), &t).unwrap_err();
        assert_eq!(e[0].problem.code, "xlsx_sheet_missing");
    }
}
