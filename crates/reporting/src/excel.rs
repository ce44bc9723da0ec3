//! Excel round trip of a province's monthly report: download a workbook pre-filled for the unit ×
//! period (with the previous period and the same period last year beside each row), fill it in
//! Excel, upload it. Every problem names its sheet and cell; a file with any problem changes
//! nothing. Files are written by rust_xlsxwriter and read by calamine.

use std::collections::HashMap;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use platform::error::{AppError, AppResult, Problem};
use platform::identity::access::Permission;
use platform::web::{AppState, Auth};
use platform::web::{Multipart, Path, Query};
use rust_xlsxwriter::{Format, Workbook};

use crate::catalogue::Template;
use crate::data;
use crate::engine::save::Entry;
use crate::http::save as submission;
use crate::model::period::Period;
use crate::model::status::Action;
use crate::templates;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/reporting/{unit}/{period}/template.xlsx", get(download))
        .route("/reporting/{unit}/{period}/upload", post(upload))
}

/// The sheet of the report, and where its table starts (row of the header, 0-based).
pub const SHEET: &str = "Báo cáo";
const HEADER_ROW: u32 = 4;
/// Columns: code, name, unit, previous, same period last year, value, explanation.
const COL_VALUE: u16 = 5;
const COL_EXPLANATION: u16 = 6;

fn column_letter(c: u16) -> char {
    (b'A' + c as u8) as char
}

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

/// One problem of an uploaded workbook, with its cell.
#[derive(Debug, Clone, PartialEq)]
pub struct CellProblem {
    pub cell: String,
    pub problem: Problem,
}

/// What a workbook holds: the entries, and each indicator's value cell (`F7`).
pub type ReadWorkbook = (Vec<Entry>, HashMap<String, String>);

/// Read an uploaded workbook into entries; `cells` maps each indicator code to its value cell.
pub fn read(bytes: &[u8], template: &Template) -> Result<ReadWorkbook, Vec<CellProblem>> {
    let bad = |cell: &str, p: Problem| {
        vec![CellProblem {
            cell: cell.to_owned(),
            problem: p,
        }]
    };
    // The report's sheet, read within the bounds (a zip bomb is refused before it is parsed).
    let grid =
        registry::sheet::read_xlsx(bytes, Some(SHEET), &registry::sheet::LIMITS).map_err(|e| {
            bad(
                "",
                match e {
                    registry::sheet::SheetError::Unreadable(_) => Problem::new("xlsx_unreadable"),
                    registry::sheet::SheetError::SheetMissing(_) => {
                        Problem::new("xlsx_sheet_missing").arg("sheet", SHEET)
                    }
                    limit => limit.problem(),
                },
            )
        })?;
    let mut entries = Vec::new();
    let mut cells = HashMap::new();
    let mut problems = Vec::new();
    let mut unknown = 0;
    for (i, row) in grid.iter().enumerate() {
        let r = i as u32;
        if r <= HEADER_ROW {
            continue;
        }
        // No text cell may hold a control character (see `platform::web::extract`).
        let refused: Vec<CellProblem> = row
            .iter()
            .enumerate()
            .filter_map(|(j, d)| match d {
                calamine::Data::String(t) => platform::web::extract::refused_char(t).map(|c| {
                    let cell = format!("{}{}", column_letter(j as u16), r + 1);
                    CellProblem {
                        problem: platform::web::extract::control_char_problem(&cell, c),
                        cell,
                    }
                }),
                _ => None,
            })
            .collect();
        if !refused.is_empty() {
            problems.extend(refused);
            continue;
        }
        let text = |c: usize| {
            row.get(c)
                .map(|d| d.to_string())
                .unwrap_or_default()
                .trim()
                .to_owned()
        };
        let code = text(0);
        if code.is_empty() {
            continue;
        }
        let cell = format!("{}{}", column_letter(COL_VALUE), r + 1);
        let Some(ind) = template.indicators.iter().find(|i| i.code == code) else {
            // The first MAX_PROBLEMS are listed, the rest counted.
            unknown += 1;
            if unknown > platform::error::MAX_PROBLEMS {
                continue;
            }
            problems.push(CellProblem {
                cell: format!("A{}", r + 1),
                problem: Problem::new("indicator_unknown")
                    .field(format!("A{}", r + 1))
                    .arg("code", &code),
            });
            continue;
        };
        let raw = match row.get(COL_VALUE as usize) {
            Some(calamine::Data::Float(f)) => format!("{f}"),
            Some(calamine::Data::Int(n)) => n.to_string(),
            Some(calamine::Data::Empty) | None => String::new(),
            // Typed as text in the sheet: read as a person would type it.
            Some(other) => other.to_string(),
        };
        let typed_as_text = matches!(row.get(COL_VALUE as usize), Some(calamine::Data::String(_)));
        cells.insert(ind.code.clone(), cell);
        entries.push(Entry {
            indicator: ind.code.clone(),
            raw,
            explanation: Some(text(COL_EXPLANATION as usize)).filter(|s| !s.is_empty()),
            // Numbers stored as numbers are unambiguous; text follows Vietnamese typing.
            lang: if typed_as_text { "vi" } else { "plain" },
        });
    }
    if unknown > problems.len() {
        problems.push(CellProblem {
            cell: String::new(),
            problem: platform::error::truncated(problems.len(), unknown),
        });
    }
    if problems.is_empty() {
        Ok((entries, cells))
    } else {
        Err(problems)
    }
}

/// `?template=CODE` of the download and upload (default: the monthly provincial report).
#[derive(serde::Deserialize)]
struct TemplateQuery {
    template: Option<String>,
}

async fn context(
    state: &AppState,
    auth: &Auth,
    unit_code: &str,
    period_id: &str,
    template: Option<&str>,
) -> AppResult<(registry::store::Unit, Period, Template)> {
    let period = Period::parse(period_id).map_err(|_| {
        AppError::invalid(
            Problem::new("period_invalid")
                .field("period")
                .arg("value", period_id),
        )
    })?;
    let template = templates::resolve(&state.db, template, "template").await?;
    template.check_period(&period).map_err(AppError::invalid)?;
    let unit = templates::unit_for(&state.db, &template, unit_code, &period)
        .await?
        .ok_or_else(AppError::not_found)?;
    auth.require(
        Permission::ViewData,
        &templates::target(&state.db, &template, &unit).await?,
    )?;
    Ok((unit, period, template))
}

async fn download(
    State(state): State<AppState>,
    auth: Auth,
    Path((unit_code, period_id)): Path<(String, String)>,
    Query(q): Query<TemplateQuery>,
) -> AppResult<Response> {
    let (unit, period, template) =
        context(&state, &auth, &unit_code, &period_id, q.template.as_deref()).await?;
    let ids: Vec<i64> = template.indicators.iter().map(|i| i.id).collect();
    let values = data::unit_values(
        &state.db,
        unit.id,
        &ids,
        &[period, period.previous(), period.same_period_last_year()],
    )
    .await?;
    let bytes = workbook(
        &template,
        &unit.name,
        &unit.code,
        &period,
        &values,
        auth.ctx.lang_code(),
    )
    .map_err(AppError::internal)?;
    let name = format!(
        "bao-cao-{}-{}-{}.xlsx",
        template.code.to_lowercase(),
        unit.code,
        period.id()
    );
    let mut res = (
        [(
            header::CONTENT_TYPE,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )],
        bytes,
    )
        .into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}

/// Upload a filled workbook (multipart: `csrf`, `file`, `action` = save | submit).
async fn upload(
    State(state): State<AppState>,
    auth: Auth,
    Path((unit_code, period_id)): Path<(String, String)>,
    Query(q): Query<TemplateQuery>,
    mut multipart: Multipart,
) -> AppResult<Response> {
    let (unit, period, template) =
        context(&state, &auth, &unit_code, &period_id, q.template.as_deref()).await?;
    let mut csrf = String::new();
    let mut file: Option<Vec<u8>> = None;
    let mut action = String::from("save");
    while let Some(field) = multipart.next_field().await? {
        match field.name().unwrap_or("") {
            "csrf" => csrf = field.text().await?,
            "action" => action = field.text().await?,
            "file" => file = Some(field.bytes().await?.to_vec()),
            _ => {}
        }
    }
    if auth.ctx.csrf.len() < 32
        || !platform::web::ctx::constant_time_eq(csrf.as_bytes(), auth.ctx.csrf.as_bytes())
    {
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            Problem::new("csrf_failed"),
        ));
    }
    auth.require(
        Permission::SubmitData,
        &templates::target(&state.db, &template, &unit).await?,
    )?;
    let bytes = file
        .filter(|f| !f.is_empty())
        .ok_or_else(|| AppError::invalid(Problem::new("xlsx_missing").field("file")))?;
    let sheet_problem = |cell: &str, p: &Problem| {
        Problem::new("xlsx_cell")
            .field(cell.to_owned())
            .arg("sheet", SHEET)
            .arg("cell", cell)
            .arg("detail", p.detail(auth.ctx.lang))
    };
    let (entries, cells) = read(&bytes, &template).map_err(|ps| {
        AppError::many(
            StatusCode::UNPROCESSABLE_ENTITY,
            ps.iter()
                .map(|cp| {
                    if cp.cell.is_empty() {
                        cp.problem.clone()
                    } else {
                        sheet_problem(&cp.cell, &cp.problem)
                    }
                })
                .collect(),
        )
    })?;
    let act = if action == "submit" {
        Action::Submit
    } else {
        Action::SaveDraft
    };
    match submission::save(
        &state.db,
        &auth.actor(),
        &template,
        unit.id,
        &period,
        &entries,
        None,
        act,
        None,
    )
    .await
    {
        Ok(_) => Ok(Redirect::to(&format!(
            "/reporting/{}/{}?done={}{}",
            unit.code,
            period.id(),
            if act == Action::Submit {
                "submit"
            } else {
                "save"
            },
            if template.code == templates::MONTHLY_PROVINCIAL {
                String::new()
            } else {
                format!("&template={}", template.code)
            }
        ))
        .into_response()),
        Err(mut e) => {
            // Point each problem at its cell.
            for p in e.problems.iter_mut() {
                let code = p
                    .field
                    .as_deref()
                    .and_then(|f| f.strip_prefix("v_").or_else(|| f.strip_prefix("e_")));
                if let Some(cell) = code.and_then(|c| cells.get(c)) {
                    *p = sheet_problem(cell, p);
                }
            }
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template() -> Template {
        let ind = |id: i64, code: &str| crate::catalogue::Indicator {
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
            code: templates::MONTHLY_PROVINCIAL.into(),
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
