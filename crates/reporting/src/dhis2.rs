//! DHIS2-compatible data import, so that tools which push data to DHIS2 can push to egov:
//! `POST /api/dataValueSets` with a JSON data value set or DHIS2's CSV columns, answered with
//! DHIS2's import summary. Data elements are indicator codes, org units are province codes,
//! periods are DHIS2 period ids. The whole payload is one transaction: accepted whole or
//! rejected whole; sending it again changes nothing.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use platform::error::{AppError, AppResult, Problem};
use platform::identity::access::Permission;
use platform::web::{AppState, Auth};
use serde::{Deserialize, Serialize};

use crate::period::Period;
use crate::submission::{self, Action, Entry};
use crate::templates;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/dataValueSets", post(import))
}

/// A DHIS2 data value set.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DataValueSet {
    pub data_set: Option<String>,
    /// When present, the reports are submitted for approval (DHIS2's "complete").
    pub complete_date: Option<String>,
    pub period: Option<String>,
    pub org_unit: Option<String>,
    #[serde(default)]
    pub data_values: Vec<DataValue>,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DataValue {
    pub data_element: String,
    pub period: Option<String>,
    pub org_unit: Option<String>,
    pub category_option_combo: Option<String>,
    /// DHIS2 sends values as strings.
    pub value: serde_json::Value,
    pub comment: Option<String>,
}

/// DHIS2's import summary.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ImportSummary {
    pub response_type: &'static str,
    /// SUCCESS, WARNING or ERROR.
    pub status: &'static str,
    pub description: String,
    pub import_count: ImportCount,
    pub conflicts: Vec<Conflict>,
}

#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
pub struct ImportCount {
    pub imported: usize,
    pub updated: usize,
    pub ignored: usize,
    pub deleted: usize,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Conflict {
    pub object: String,
    pub value: String,
    pub error_code: String,
    pub property: Option<String>,
    /// Positions of the data values concerned (0-based).
    pub indexes: Vec<usize>,
}

/// Read DHIS2's CSV: `dataelement,period,orgunit,catoptcombo,attroptcombo,value,storedby,lastupdated,comment,followup`
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
        set.data_values.push(DataValue {
            data_element: cell(0).to_owned(),
            period: Some(cell(1).to_owned()),
            org_unit: Some(cell(2).to_owned()),
            category_option_combo: Some(cell(3).to_owned()).filter(|s| !s.is_empty()),
            value: serde_json::Value::String(cell(5).to_owned()),
            comment: Some(cell(8).to_owned()).filter(|s| !s.is_empty()),
        });
    }
    Ok(set)
}

fn conflict(object: &str, value: &str, code: &str, property: &str, index: usize) -> Conflict {
    Conflict {
        object: object.to_owned(),
        value: value.to_owned(),
        error_code: code.to_owned(),
        property: Some(property.to_owned()),
        indexes: vec![index],
    }
}

fn summary(
    status: &'static str,
    description: String,
    count: ImportCount,
    mut conflicts: Vec<Conflict>,
) -> ImportSummary {
    // At most MAX_PROBLEMS conflicts, then one saying how many there were.
    let total = conflicts.len();
    if platform::error::cap(&mut conflicts) > 0 {
        let p = platform::error::truncated(conflicts.len(), total);
        conflicts.push(Conflict {
            object: String::new(),
            value: p.detail(platform::i18n::Lang::En),
            error_code: p.code.to_owned(),
            property: None,
            indexes: Vec::new(),
        });
    }
    ImportSummary {
        response_type: "ImportSummary",
        status,
        description,
        import_count: count,
        conflicts,
    }
}

/// Import a data value set (JSON, or CSV with `Content-Type: application/csv`).
#[utoipa::path(post, path = "/api/dataValueSets", tag = "reporting", operation_id = "post_data_value_sets",
    request_body(content = DataValueSet, description = "A DHIS2 data value set (JSON) or DHIS2 CSV"),
    responses((status = 200, description = "Imported whole", body = ImportSummary),
              (status = 409, description = "Rejected whole; conflicts name each value", body = ImportSummary),
              (status = 401, description = "No valid token or session", body = platform::error::ErrorEnvelope)))]
pub async fn import(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let is_csv = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.contains("csv"));
    let set = if is_csv {
        parse_csv(&body)
            .map_err(|e| AppError::bad_request(Problem::new("csv_invalid").arg("reason", e)))?
    } else {
        serde_json::from_slice::<DataValueSet>(&body).map_err(|e| {
            AppError::bad_request(Problem::new("json_invalid").arg("reason", e.to_string()))
        })?
    };
    // `dataSet` is the template code; without one, the monthly provincial report.
    let lang = auth.ctx.lang;
    let template = match templates::resolve(&state.db, set.data_set.as_deref(), "dataSet").await {
        Ok(t) => t,
        Err(e) if e.status.is_server_error() => return Err(e),
        Err(e) => {
            let code = set.data_set.clone().unwrap_or_default();
            let conflicts = e
                .problems
                .iter()
                .map(|p| Conflict {
                    object: code.clone(),
                    value: p.detail(lang),
                    error_code: "E7600".into(),
                    property: Some("dataSet".into()),
                    indexes: Vec::new(),
                })
                .collect();
            let n = set.data_values.len();
            let s = summary(
                "ERROR",
                format!("Import rejected whole: unknown data set “{code}”; nothing was written."),
                ImportCount {
                    ignored: n,
                    ..Default::default()
                },
                conflicts,
            );
            return Ok((StatusCode::CONFLICT, Json(s)).into_response());
        }
    };
    let all = crate::catalogue::list(&state.db).await?;

    // Group values by (org unit, period), checking each value's references first.
    let mut conflicts = Vec::new();
    let mut groups: BTreeMap<(String, String), Vec<(usize, Entry)>> = BTreeMap::new();
    for (i, dv) in set.data_values.iter().enumerate() {
        let Some(period) = dv.period.clone().or_else(|| set.period.clone()) else {
            conflicts.push(conflict(&dv.data_element, "", "E7600", "period", i));
            continue;
        };
        let Some(org) = dv.org_unit.clone().or_else(|| set.org_unit.clone()) else {
            conflicts.push(conflict(&dv.data_element, "", "E7600", "orgUnit", i));
            continue;
        };
        // A category option combo names a part of a disaggregated element (e.g. `female` of
        // POPULATION is POPULATION_FEMALE).
        let Some(element) = crate::catalogue_io::resolve_part(
            &all,
            &dv.data_element,
            dv.category_option_combo.as_deref(),
        ) else {
            conflicts.push(conflict(
                &dv.data_element,
                dv.category_option_combo.as_deref().unwrap_or(""),
                "E7610",
                "categoryOptionCombo",
                i,
            ));
            continue;
        };
        if !template.indicators.iter().any(|ind| ind.code == element) {
            conflicts.push(conflict(&dv.data_element, "", "E7610", "dataElement", i));
            continue;
        }
        let raw = match &dv.value {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Number(n) => n.to_string(),
            serde_json::Value::Null => String::new(),
            other => other.to_string(),
        };
        groups.entry((org, period)).or_default().push((
            i,
            Entry {
                indicator: element,
                raw,
                explanation: dv.comment.clone(),
                lang: "en",
            },
        ));
    }
    let action = if set.complete_date.is_some() {
        Action::Submit
    } else {
        Action::SaveDraft
    };
    let mut count = ImportCount::default();
    let mut tx = state.db.begin().await?;
    for ((org, period_id), entries) in &groups {
        let first = entries.first().map(|e| e.0).unwrap_or(0);
        let Ok(period) = Period::parse(period_id) else {
            conflicts.push(conflict(period_id, period_id, "E7611", "period", first));
            continue;
        };
        if let Err(p) = template.check_period(&period) {
            conflicts.push(conflict(
                period_id,
                &p.detail(lang),
                "E7611",
                "period",
                first,
            ));
            continue;
        }
        let Some(unit) = templates::unit_for(&state.db, &template, org, &period).await? else {
            conflicts.push(conflict(org, org, "E7612", "orgUnit", first));
            continue;
        };
        let target = templates::target(&state.db, &template, &unit).await?;
        if !auth.principal.allowed(Permission::SubmitData, &target) {
            conflicts.push(conflict(org, org, "E7613", "orgUnit", first));
            continue;
        }
        let list: Vec<Entry> = entries.iter().map(|(_, e)| e.clone()).collect();
        match submission::save_in(
            &mut tx,
            &auth.actor(),
            &template,
            unit.id,
            &period,
            &list,
            None,
            action,
            None,
        )
        .await
        {
            Ok(saved) => {
                count.imported += saved.inserted;
                count.updated += saved.updated;
                count.ignored += saved.unchanged;
            }
            Err(e) if e.status.is_server_error() => return Err(e),
            Err(e) => {
                for p in &e.problems {
                    let code = p
                        .field
                        .as_deref()
                        .and_then(|f| f.strip_prefix("v_").or_else(|| f.strip_prefix("e_")));
                    let index = code
                        .and_then(|c| entries.iter().find(|(_, en)| en.indicator == c))
                        .map(|(i, _)| *i)
                        .unwrap_or(first);
                    conflicts.push(Conflict {
                        object: code.unwrap_or(org).to_owned(),
                        value: p.detail(lang),
                        error_code: p.code.to_owned(),
                        property: Some("value".into()),
                        indexes: vec![index],
                    });
                }
            }
        }
    }
    if !conflicts.is_empty() {
        // Nothing is written: the transaction is dropped.
        drop(tx);
        let n = set.data_values.len();
        let s = summary(
            "ERROR",
            format!(
                "Import rejected whole: {} conflict(s) among {n} data values; nothing was written.",
                conflicts.len()
            ),
            ImportCount {
                ignored: n,
                ..Default::default()
            },
            conflicts,
        );
        return Ok((StatusCode::CONFLICT, Json(s)).into_response());
    }
    tx.commit().await?;
    let description = format!(
        "Import complete: {} imported, {} updated, {} ignored (unchanged).",
        count.imported, count.updated, count.ignored
    );
    Ok((
        StatusCode::OK,
        Json(summary("SUCCESS", description, count, Vec::new())),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_dhis2_csv_with_or_without_header() {
        let csv = "dataelement,period,orgunit,catoptcombo,attroptcombo,value,storedby,lastupdated,comment,followup\n\
                   RETAIL_SALES,202510,40,,,1234.5,,,ghi chú,false\n\
                   EXPORTS,202510,40,,,99,,,,\n";
        let set = parse_csv(csv.as_bytes()).unwrap();
        assert_eq!(set.data_values.len(), 2);
        assert_eq!(set.data_values[0].comment.as_deref(), Some("ghi chú"));
        let set = parse_csv(b"EXPORTS,202510,40,,,99\n").unwrap();
        assert_eq!(set.data_values[0].data_element, "EXPORTS");
        assert!(
            parse_csv(b"EXPORTS,202510\n")
                .unwrap_err()
                .contains("line 1")
        );
    }

    proptest::proptest! {
        #[test]
        fn csv_reader_never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..300)) {
            let _ = parse_csv(&bytes);
        }
    }
}
