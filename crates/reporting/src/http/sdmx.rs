//! The SDMX REST endpoints under `/sdmx/` (structure and data queries): content negotiation,
//! parameters, and the mapping of [`sdmx::Error`] to the JSON error envelope. The format logic
//! is in [`crate::sdmx`].

use std::collections::HashMap;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use platform::error::{AppError, AppResult, Problem};
use platform::web::{AppState, Ctx};
use platform::web::{Path, Query};

use crate::sdmx::structure::{Kind, structure_json, structure_xml};
use crate::sdmx::{self, AGENCY, DIMENSIONS, Error, Flow, MAX_MONTHS, xml};

const MT_DATA_JSON: &str = "application/vnd.sdmx.data+json; version=1.0.0; charset=utf-8";
const MT_DATA_CSV: &str = "application/vnd.sdmx.data+csv; version=1.0.0; charset=utf-8";
const MT_DATA_GENERIC: &str = "application/vnd.sdmx.genericdata+xml; version=2.1; charset=utf-8";
const MT_DATA_SPECIFIC: &str =
    "application/vnd.sdmx.structurespecificdata+xml; version=2.1; charset=utf-8";
const MT_DATA_CSV2: &str = "application/vnd.sdmx.data+csv; version=2.0.0; charset=utf-8";
const MT_STRUCTURE_JSON: &str = "application/vnd.sdmx.structure+json; version=1.0.0; charset=utf-8";
const MT_STRUCTURE_XML: &str = "application/vnd.sdmx.structure+xml; version=2.1; charset=utf-8";

/// The media ranges of the `Accept` header (type and `version` parameter), highest quality
/// first; `None` without the header.
fn accept_ranges(headers: &HeaderMap) -> Option<Vec<(String, Option<String>)>> {
    let raw = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(",");
    if raw.trim().is_empty() {
        return None;
    }
    let mut ranges: Vec<(f32, String, Option<String>)> = Vec::new();
    for part in raw.split(',') {
        let mut pieces = part.split(';');
        let mt = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
        if mt.is_empty() {
            continue;
        }
        let mut q = 1.0f32;
        let mut version = None;
        for p in pieces {
            if let Some((k, v)) = p.split_once('=') {
                let v = v.trim().trim_matches('"');
                match k.trim().to_ascii_lowercase().as_str() {
                    "q" => q = v.parse().unwrap_or(0.0),
                    "version" => version = Some(v.to_owned()),
                    _ => {}
                }
            }
        }
        if q > 0.0 {
            ranges.push((q, mt, version));
        }
    }
    // Highest quality first; equal qualities keep the client's order.
    ranges.sort_by(|a, b| b.0.total_cmp(&a.0));
    Some(ranges.into_iter().map(|(_, m, v)| (m, v)).collect())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DataFormat {
    GenericXml,
    SpecificXml,
    Json,
    Csv,
    Csv2,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StructureFormat {
    Json,
    Xml,
}

/// SDMX REST 2.1: a client that names no SDMX format (no `Accept`, `*/*`, `application/xml`)
/// gets SDMX-ML 2.1 generic data; JSON and CSV when asked for.
fn data_format_of(mt: &str, version: Option<&str>) -> Option<DataFormat> {
    match (mt, version) {
        ("application/vnd.sdmx.genericdata+xml", None | Some("2.1")) => {
            Some(DataFormat::GenericXml)
        }
        ("application/vnd.sdmx.structurespecificdata+xml", None | Some("2.1")) => {
            Some(DataFormat::SpecificXml)
        }
        ("application/xml" | "text/xml" | "application/*" | "*/*", _) => {
            Some(DataFormat::GenericXml)
        }
        ("application/vnd.sdmx.data+json", None | Some("1.0.0" | "1.0")) => Some(DataFormat::Json),
        ("application/json", _) => Some(DataFormat::Json),
        ("application/vnd.sdmx.data+csv", None | Some("1.0.0" | "1.0")) => Some(DataFormat::Csv),
        ("application/vnd.sdmx.data+csv", Some("2.0.0" | "2.0")) => Some(DataFormat::Csv2),
        ("text/csv" | "application/csv" | "text/*", _) => Some(DataFormat::Csv),
        _ => None,
    }
}

/// SDMX REST 2.1: SDMX-ML 2.1 structures unless JSON is asked for.
fn structure_format_of(mt: &str, version: Option<&str>) -> Option<StructureFormat> {
    match (mt, version) {
        ("application/vnd.sdmx.structure+json", None | Some("1.0.0" | "1.0")) => {
            Some(StructureFormat::Json)
        }
        ("application/json", _) => Some(StructureFormat::Json),
        ("application/vnd.sdmx.structure+xml", None | Some("2.1")) => Some(StructureFormat::Xml),
        ("application/xml" | "text/xml" | "text/*" | "application/*" | "*/*", _) => {
            Some(StructureFormat::Xml)
        }
        _ => None,
    }
}

fn param_invalid(param: &str, value: &str, allowed: &str) -> AppError {
    sdmx_error(Error::param(param, value, allowed))
}

/// An SDMX error as the API says it: 404 when nothing matches (SDMX REST), 422 for a parameter.
fn sdmx_error(e: Error) -> AppError {
    let code = e.code();
    let invalid = |p: Problem| AppError::invalid(p);
    match e {
        Error::PeriodInvalid { param, value } => {
            invalid(Problem::new(code).field(param).arg("value", value))
        }
        Error::PeriodRangeInvalid { start, end } => invalid(
            Problem::new(code)
                .field("startPeriod")
                .arg("start", start)
                .arg("end", end),
        ),
        Error::PeriodRangeTooLong { months } => invalid(
            Problem::new(code)
                .field("startPeriod")
                .arg("max", MAX_MONTHS)
                .arg("months", months),
        ),
        Error::KeyInvalid { key } => invalid(
            Problem::new(code)
                .field("key")
                .arg("key", key)
                .arg("n", DIMENSIONS.len())
                .arg("dims", DIMENSIONS.map(|d| d.0).join(".")),
        ),
        Error::KeyValueUnknown { dimension, value } => invalid(
            Problem::new(code)
                .field("key")
                .arg("dimension", dimension)
                .arg("value", value),
        ),
        Error::ParamInvalid {
            param,
            value,
            allowed,
        } => invalid(
            Problem::new(code)
                .field(&param)
                .arg("param", &param)
                .arg("value", value)
                .arg("allowed", allowed),
        ),
        Error::FlowUnknown { flow } => AppError::new(
            StatusCode::NOT_FOUND,
            Problem::new(code).field("flow").arg("flow", flow),
        ),
        Error::NoResults => AppError::new(StatusCode::NOT_FOUND, Problem::new(code)),
        Error::Write(e) => AppError::internal(e),
        Error::Db(e) => e.into(),
    }
}

/// The format asked for: the `format` parameter, else the `Accept` header, else `default`.
fn negotiate<F: Copy>(
    headers: &HeaderMap,
    format: Option<&str>,
    by_param: &[(&str, F)],
    of: fn(&str, Option<&str>) -> Option<F>,
    default: F,
    offered: &str,
) -> AppResult<F> {
    if let Some(f) = format {
        let f = f.trim().to_ascii_lowercase();
        return by_param
            .iter()
            .find(|(name, _)| *name == f)
            .map(|(_, v)| *v)
            .ok_or_else(|| {
                let allowed: Vec<&str> = by_param.iter().map(|(n, _)| *n).collect();
                param_invalid("format", &f, &allowed.join(", "))
            });
    }
    let Some(ranges) = accept_ranges(headers) else {
        return Ok(default);
    };
    ranges
        .iter()
        .find_map(|(mt, v)| of(mt, v.as_deref()))
        .ok_or_else(|| {
            let accept = headers
                .get(header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned();
            AppError::new(
                StatusCode::NOT_ACCEPTABLE,
                Problem::new("sdmx_format_unsupported")
                    .arg("accept", accept)
                    .arg("allowed", offered),
            )
        })
}

fn respond(content_type: &'static str, body: impl Into<axum::body::Body>) -> Response {
    let mut res = body.into().into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::VARY, HeaderValue::from_static("Accept"));
    // Open data: other sites' pages may read it.
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    res
}

/// A message saved from a browser gets a name that says what it holds and an extension
/// (`egov_DF_KTXH_THANG_M.VN.RETAIL_SALES_2025-08_2025-09.xml`), not the last path segment.
/// `inline`: the browser still shows it.
fn named(mut res: Response, parts: &[&str], ext: &str) -> Response {
    let stem: String = parts
        .iter()
        .filter(|p| !p.is_empty())
        .map(|p| {
            p.chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+') {
                        c
                    } else {
                        '_'
                    }
                })
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("_");
    let name: String = format!("egov_{stem}").chars().take(150).collect();
    if let Ok(v) = HeaderValue::from_str(&format!("inline; filename=\"{name}.{ext}\"")) {
        res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    res
}

/// The query parameters (read by [`Query`]: empty ones dropped, repeated ones and control
/// characters refused with a 422).
fn params(query: Query<Vec<(String, String)>>) -> AppResult<HashMap<String, String>> {
    let Query(pairs) = query;
    Ok(pairs.into_iter().collect())
}

pub fn router() -> Router<AppState> {
    let mut r = Router::new()
        .route("/sdmx/data/{flow}", get(data))
        .route("/sdmx/data/{flow}/{key}", get(data))
        .route("/sdmx/data/{flow}/{key}/{provider}", get(data));
    for kind in [
        Kind::Dataflow,
        Kind::DataStructure,
        Kind::Codelist,
        Kind::ConceptScheme,
    ] {
        let base = format!("/sdmx/{}", kind.path());
        for suffix in [
            "",
            "/{agency}",
            "/{agency}/{id}",
            "/{agency}/{id}/{version}",
        ] {
            r = r.route(
                &format!("{base}{suffix}"),
                get(
                    move |state: State<AppState>,
                          ctx: Ctx,
                          headers: HeaderMap,
                          path: Option<Path<HashMap<String, String>>>,
                          query: Query<Vec<(String, String)>>| {
                        structure(kind, state, ctx, headers, path, query)
                    },
                ),
            );
        }
    }
    r
}

async fn structure(
    kind: Kind,
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    path: Option<Path<HashMap<String, String>>>,
    query: Query<Vec<(String, String)>>,
) -> AppResult<Response> {
    let path = path.map(|Path(p)| p).unwrap_or_default();
    let q = params(query)?;
    let format = negotiate(
        &headers,
        q.get("format").map(String::as_str),
        &[
            ("json", StructureFormat::Json),
            ("sdmx-json", StructureFormat::Json),
            ("xml", StructureFormat::Xml),
            ("sdmx-ml", StructureFormat::Xml),
            ("structure", StructureFormat::Xml),
        ],
        structure_format_of,
        StructureFormat::Xml,
        "application/vnd.sdmx.structure+xml;version=2.1, application/vnd.sdmx.structure+json;version=1.0.0",
    )?;
    let references = q
        .get("references")
        .map(|s| s.trim().to_ascii_lowercase())
        .unwrap_or_else(|| "none".into());
    const DETAILS: [&str; 6] = [
        "full",
        "allstubs",
        "referencestubs",
        "allcompletestubs",
        "referencecompletestubs",
        "referencepartial",
    ];
    if let Some(d) = q.get("detail")
        && !DETAILS.contains(&d.as_str())
    {
        return Err(sdmx_error(Error::param("detail", d, &DETAILS.join(", "))));
    }
    let flow = Flow::load(&state.db).await?;
    let chosen = sdmx::structure::select(kind, &path, &references, &flow).map_err(sdmx_error)?;
    let lang = ctx.lang;
    let name: Vec<&str> = std::iter::once(kind.path())
        .chain(
            ["agency", "id", "version"]
                .iter()
                .filter_map(|k| path.get(*k).map(String::as_str)),
        )
        .collect();
    Ok(match format {
        StructureFormat::Json => named(
            respond(
                MT_STRUCTURE_JSON,
                structure_json(&flow, &chosen, lang).to_string(),
            ),
            &name,
            "json",
        ),
        StructureFormat::Xml => named(
            respond(MT_STRUCTURE_XML, structure_xml(&flow, &chosen)),
            &name,
            "xml",
        ),
    })
}

async fn data(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    path: Option<Path<HashMap<String, String>>>,
    query: Query<Vec<(String, String)>>,
) -> AppResult<Response> {
    let path = path.map(|Path(p)| p).unwrap_or_default();
    let flow_id = path.get("flow").map(String::as_str).unwrap_or("");
    if !sdmx::flow_matches(flow_id) {
        return Err(sdmx_error(Error::FlowUnknown {
            flow: flow_id.to_owned(),
        }));
    }
    if let Some(p) = path.get("provider")
        && !matches!(p.as_str(), "all" | "*" | AGENCY)
    {
        return Err(sdmx_error(Error::NoResults));
    }
    let q = params(query)?;
    let format = negotiate(
        &headers,
        q.get("format").map(String::as_str),
        &[
            ("xml", DataFormat::GenericXml),
            ("genericdata", DataFormat::GenericXml),
            ("structurespecificdata", DataFormat::SpecificXml),
            ("json", DataFormat::Json),
            ("jsondata", DataFormat::Json),
            ("sdmx-json", DataFormat::Json),
            ("csv", DataFormat::Csv),
            ("csvdata", DataFormat::Csv),
            ("sdmx-csv", DataFormat::Csv),
            ("csv2", DataFormat::Csv2),
            ("sdmx-csv2", DataFormat::Csv2),
        ],
        data_format_of,
        DataFormat::GenericXml,
        "application/vnd.sdmx.genericdata+xml;version=2.1, application/vnd.sdmx.structurespecificdata+xml;version=2.1, application/vnd.sdmx.data+json;version=1.0.0, application/vnd.sdmx.data+csv;version=1.0.0, application/vnd.sdmx.data+csv;version=2.0.0",
    )?;
    let query = sdmx::data::DataQuery::parse(&q).map_err(sdmx_error)?;
    let months = sdmx::months(&q).map_err(sdmx_error)?;
    let flow = Flow::load(&state.db).await?;
    let sel = sdmx::parse_key(path.get("key").map(String::as_str), &flow).map_err(sdmx_error)?;
    let mut series = sdmx::observations(&state.db, &flow, &sel, &months).await?;
    query.trim(&mut series);
    if series.is_empty() {
        return Err(sdmx_error(Error::NoResults));
    }
    let (all_dimensions, with_units) = (query.all_dimensions, query.with_units());
    let name = [
        flow_id,
        path.get("key").map(String::as_str).unwrap_or("all"),
        q.get("startPeriod").map(String::as_str).unwrap_or(""),
        q.get("endPeriod").map(String::as_str).unwrap_or(""),
    ];
    let ext = match format {
        DataFormat::GenericXml | DataFormat::SpecificXml => "xml",
        DataFormat::Json => "json",
        DataFormat::Csv | DataFormat::Csv2 => "csv",
    };
    let res = match format {
        DataFormat::GenericXml => respond(
            MT_DATA_GENERIC,
            xml::write(
                xml::DataMessage::Generic,
                &flow,
                &series,
                all_dimensions,
                with_units,
            ),
        ),
        DataFormat::SpecificXml => respond(
            MT_DATA_SPECIFIC,
            xml::write(
                xml::DataMessage::StructureSpecific,
                &flow,
                &series,
                all_dimensions,
                with_units,
            ),
        ),
        DataFormat::Json => respond(
            MT_DATA_JSON,
            sdmx::data::data_json(&flow, &series, ctx.lang, all_dimensions, with_units).to_string(),
        ),
        DataFormat::Csv => respond(
            MT_DATA_CSV,
            sdmx::data::data_csv(&flow, &series, false, with_units).map_err(sdmx_error)?,
        ),
        DataFormat::Csv2 => respond(
            MT_DATA_CSV2,
            sdmx::data::data_csv(&flow, &series, true, with_units).map_err(sdmx_error)?,
        ),
    };
    Ok(named(res, &name, ext))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_headers_choose_a_format() {
        let h = |v: &str| {
            let mut m = HeaderMap::new();
            m.insert(header::ACCEPT, HeaderValue::from_str(v).unwrap());
            m
        };
        let by: &[(&str, DataFormat)] = &[("csv", DataFormat::Csv)];
        let pick = |m: &HeaderMap| {
            negotiate(m, None, by, data_format_of, DataFormat::GenericXml, "")
                .map_err(|e| e.first_code())
        };
        // A client that names no SDMX format gets SDMX-ML 2.1 generic data (SDMX REST 2.1).
        assert_eq!(pick(&HeaderMap::new()), Ok(DataFormat::GenericXml));
        assert_eq!(pick(&h("*/*")), Ok(DataFormat::GenericXml));
        assert_eq!(pick(&h("application/xml")), Ok(DataFormat::GenericXml));
        assert_eq!(
            pick(&h(
                "application/vnd.sdmx.structurespecificdata+xml;version=2.1"
            )),
            Ok(DataFormat::SpecificXml)
        );
        assert_eq!(
            pick(&h("application/vnd.sdmx.genericdata+xml;version=2.1")),
            Ok(DataFormat::GenericXml)
        );
        assert_eq!(pick(&h("application/json")), Ok(DataFormat::Json));
        assert_eq!(
            pick(&h("application/vnd.sdmx.data+csv;version=1.0.0")),
            Ok(DataFormat::Csv)
        );
        assert_eq!(
            pick(&h("application/vnd.sdmx.data+csv; version=2.0.0")),
            Ok(DataFormat::Csv2)
        );
        assert_eq!(
            pick(&h(
                "text/html, application/vnd.sdmx.data+csv;q=0.5, */*;q=0.1"
            )),
            Ok(DataFormat::Csv)
        );
        assert_eq!(
            pick(&h("application/vnd.sdmx.genericdata+xml;version=3.0.0")),
            Err("sdmx_format_unsupported")
        );
        assert_eq!(pick(&h("image/png")), Err("sdmx_format_unsupported"));
        assert_eq!(
            negotiate(
                &HeaderMap::new(),
                Some("pdf"),
                by,
                data_format_of,
                DataFormat::Json,
                ""
            )
            .map_err(|e| e.first_code()),
            Err("sdmx_param_invalid")
        );
        let structure = |m: &HeaderMap| {
            negotiate(m, None, &[], structure_format_of, StructureFormat::Xml, "")
                .map_err(|e| e.first_code())
        };
        assert_eq!(structure(&HeaderMap::new()), Ok(StructureFormat::Xml));
        assert_eq!(structure(&h("*/*")), Ok(StructureFormat::Xml));
        assert_eq!(structure(&h("application/json")), Ok(StructureFormat::Json));
    }
}
