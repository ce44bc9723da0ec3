//! Reading an uploaded workbook back into entries, each problem naming its cell.

use std::collections::HashMap;

use platform::error::Problem;

use super::{COL_EXPLANATION, COL_VALUE, HEADER_ROW, SHEET, column_letter};
use crate::engine::save::Entry;
use crate::model::template::Template;

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
