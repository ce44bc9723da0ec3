//! DHIS2's CSV data value sets.

use platform::error::Problem;

use super::{DataValue, DataValueSet, Invalid};

/// Read DHIS2's CSV: `dataelement,period,orgunit,catoptcombo,attroptcombo,value,storedby,lastupdated,comment,followup[,deleted]`
/// (a header line, if any, is recognised and skipped).
pub fn parse_csv(bytes: &[u8]) -> Result<DataValueSet, String> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut set = DataValueSet::default();
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec.map_err(|e| format!("line {}: {e}", i + 1))?;
        let cell = |n: usize| rec.get(n).map(str::trim).unwrap_or("");
        if i == 0 && cell(0).eq_ignore_ascii_case("dataelement") {
            continue;
        }
        if rec.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if rec.len() < 6 {
            return Err(format!(
                "line {}: expected at least 6 columns, found {}",
                i + 1,
                rec.len()
            ));
        }
        let some = |n: usize| Some(cell(n).to_owned()).filter(|s| !s.is_empty());
        set.data_values.push(DataValue {
            data_element: cell(0).to_owned(),
            period: Some(cell(1).to_owned()),
            org_unit: Some(cell(2).to_owned()),
            category_option_combo: some(3),
            attribute_option_combo: some(4),
            value: serde_json::Value::String(cell(5).to_owned()),
            comment: some(8),
            deleted: some(10).map(serde_json::Value::String),
            ..Default::default()
        });
    }
    Ok(set)
}

/// No cell of a DHIS2 CSV may hold a control character (see `platform::web::extract`): each one
/// is refused, naming its line and column.
pub fn check_csv(bytes: &[u8]) -> Result<(), Invalid> {
    const COLUMNS: [&str; 10] = [
        "dataelement",
        "period",
        "orgunit",
        "catoptcombo",
        "attroptcombo",
        "value",
        "storedby",
        "lastupdated",
        "comment",
        "followup",
    ];
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut problems = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let Ok(rec) = rec else { break };
        for (j, cell) in rec.iter().enumerate() {
            if let Some(c) = platform::web::extract::refused_char(cell) {
                let column = COLUMNS.get(j).copied().unwrap_or("?");
                problems.push(
                    Problem::new("cell_control_char")
                        .field(format!("row {}: {column}", i + 1))
                        .arg("line", i + 1)
                        .arg("column", column)
                        .arg("value", format!("U+{:04X}", c as u32)),
                );
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Invalid { problems })
    }
}
