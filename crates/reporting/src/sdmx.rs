//! SDMX (Statistical Data and Metadata eXchange) for the statistics world's tools: the monthly
//! socio-economic indicators of the provinces and the whole country as one dataflow, served by
//! the SDMX 2.1 REST pattern under `/sdmx/`. Open data: public indicators and approved values
//! only, no sign-in.
//!
//! - Structure queries `/sdmx/{dataflow|datastructure|codelist|conceptscheme}[/{agency}[/{id}[/{version}]]]`
//!   (`all` and `latest` understood, `?references=` none, parents, parentsandsiblings, children,
//!   descendants, all or a resource type; `detail` is accepted and always answered in full) in
//!   SDMX-ML 2.1 (the default, as SDMX REST 2.1 says) or SDMX-JSON structure message 1.0
//!   (`Accept: application/vnd.sdmx.structure+json;version=1.0.0`, `application/json` or
//!   `?format=json`).
//! - Data queries `/sdmx/data/{flow}[/{key}[/{provider}]]`: the flow is `DF_KTXH_THANG` or
//!   `EGOV,DF_KTXH_THANG,1.0`; the key is `FREQ.REF_AREA.INDICATOR` with `+` between
//!   alternatives and an empty position (or the key `all`) for every value; `startPeriod` and
//!   `endPeriod` (`2025-01`, `202501`, `2025-01-15`, `2025-Q1`, `2025`) bound at most
//!   [`MAX_MONTHS`] months (without them: the 240 months up to the current one);
//!   `dimensionAtObservation` `TIME_PERIOD` (default) or
//!   `AllDimensions`; `detail` full, dataonly, serieskeysonly or nodata; `firstNObservations`,
//!   `lastNObservations`. Answered in SDMX-ML 2.1 generic data (the default) or
//!   structure-specific data ([`data_xml`]), SDMX-JSON data message 1.0, SDMX-CSV 1.0
//!   (`Accept: application/vnd.sdmx.data+csv;version=1.0.0` or `?format=csv`) or SDMX-CSV 2.0
//!   (`…;version=2.0.0` or `?format=csv2`).
//!
//! `REF_AREA` `VN` is the national aggregate of approved values by each indicator's rule over
//! units (derived indicators evaluated on the aggregates); a province code is the approved
//! values of the province bearing that code in each month (codes were reused in 2025).
//! A query without results is 404 `sdmx_no_results`, as the SDMX REST standard says.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use platform::db::{Db, DbResult, Sql, Value};
use platform::error::{AppError, AppResult, Problem};
use platform::i18n::Lang;
use platform::web::{AppState, Ctx};
use platform::web::{Path, Query};
use registry::store::Unit;
use serde_json::{Map, json};

use crate::catalogue::{self, Indicator};
use crate::data;
use crate::model::period::Period;

mod data_xml;

/// The maintenance agency of every artefact.
pub const AGENCY: &str = "EGOV";
/// The one dataflow: monthly socio-economic indicators.
pub const FLOW: &str = "DF_KTXH_THANG";
/// Its data structure definition.
pub const DSD: &str = "DSD_KTXH";
/// The version of every artefact.
pub const VERSION: &str = "1.0";
/// The concept scheme of the components.
pub const CONCEPT_SCHEME: &str = "CS_KTXH";
/// The most months one data query may cover (20 years).
pub const MAX_MONTHS: i32 = 240;
/// The code of the national aggregate in `REF_AREA`.
pub const NATIONAL: &str = "VN";

const MT_DATA_JSON: &str = "application/vnd.sdmx.data+json; version=1.0.0; charset=utf-8";
const MT_DATA_CSV: &str = "application/vnd.sdmx.data+csv; version=1.0.0; charset=utf-8";
const MT_DATA_GENERIC: &str = "application/vnd.sdmx.genericdata+xml; version=2.1; charset=utf-8";
const MT_DATA_SPECIFIC: &str =
    "application/vnd.sdmx.structurespecificdata+xml; version=2.1; charset=utf-8";
const MT_DATA_CSV2: &str = "application/vnd.sdmx.data+csv; version=2.0.0; charset=utf-8";
const MT_STRUCTURE_JSON: &str = "application/vnd.sdmx.structure+json; version=1.0.0; charset=utf-8";
const MT_STRUCTURE_XML: &str = "application/vnd.sdmx.structure+xml; version=2.1; charset=utf-8";

/// Dimensions in key order, with their codelists; `TIME_PERIOD` follows.
const DIMENSIONS: [(&str, &str); 3] = [
    ("FREQ", "CL_FREQ"),
    ("REF_AREA", "CL_AREA"),
    ("INDICATOR", "CL_INDICATOR"),
];
const TIME: &str = "TIME_PERIOD";
const MEASURE: &str = "OBS_VALUE";
const UNIT_ATTRIBUTE: &str = "UNIT_MEASURE";
const UNIT_CODELIST: &str = "CL_UNIT_MEASURE";
/// Observation comment (SDMX cross-domain concept OBS_COM): why an observation has no value,
/// e.g. `overflow` for an aggregate beyond the range of computation.
const COMMENT_ATTRIBUTE: &str = "OBS_COM";
/// Observation status (SDMX cross-domain concept OBS_STATUS, code list CL_OBS_STATUS): `A` for
/// a normal value, `P` for a provisional national figure (not every province due has reported).
const STATUS_ATTRIBUTE: &str = "OBS_STATUS";
const STATUS_CODELIST: &str = "CL_OBS_STATUS";
const STATUS_NORMAL: &str = "A";
const STATUS_PROVISIONAL: &str = "P";
/// The comment of an observation whose aggregate overflowed (its OBS_VALUE is NaN).
const OVERFLOW: &str = "overflow";

fn overflow_text() -> Text {
    Text::new(
        "Tràn số: kết quả vượt giới hạn tính toán",
        "Overflow: the result is beyond the range of computation",
    )
}

/// Concepts: id, Vietnamese name, English name.
const CONCEPTS: [(&str, &str, &str); 8] = [
    ("FREQ", "Tần suất", "Frequency"),
    ("REF_AREA", "Địa bàn", "Reference area"),
    ("INDICATOR", "Chỉ tiêu", "Indicator"),
    ("TIME_PERIOD", "Kỳ số liệu", "Time period"),
    ("OBS_VALUE", "Giá trị", "Observation value"),
    ("UNIT_MEASURE", "Đơn vị tính", "Unit of measure"),
    ("OBS_COM", "Ghi chú quan sát", "Observation comment"),
    ("OBS_STATUS", "Trạng thái quan sát", "Observation status"),
];

/// A name in both languages.
#[derive(Debug, Clone, PartialEq)]
pub struct Text {
    pub vi: String,
    pub en: String,
}

impl Text {
    fn new(vi: impl Into<String>, en: impl Into<String>) -> Text {
        Text {
            vi: vi.into(),
            en: en.into(),
        }
    }
    fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.en,
            Lang::Vi => &self.vi,
        }
    }
    fn json(&self) -> serde_json::Value {
        json!({ "vi": self.vi, "en": self.en })
    }
}

/// A code of a codelist.
#[derive(Debug, Clone)]
pub struct Code {
    pub id: String,
    pub name: Text,
    pub description: Option<Text>,
}

/// A codelist.
#[derive(Debug, Clone)]
pub struct Codelist {
    pub id: &'static str,
    pub name: Text,
    pub codes: Vec<Code>,
}

/// A `REF_AREA` code: `VN`, or a province code with the province-level units that bore it.
#[derive(Debug, Clone)]
pub struct Area {
    pub code: String,
    /// Empty for `VN`; ordered by validity.
    pub units: Vec<Unit>,
}

impl Area {
    fn is_national(&self) -> bool {
        self.units.is_empty()
    }

    /// The unit bearing the code during `month` (on its last day, as reports are filed).
    fn unit_in(&self, month: &Period) -> Option<&Unit> {
        let (_, last) = month.calendar();
        self.units.iter().find(|u| u.valid_on(registry::Day(last)))
    }
}

/// Everything the dataflow is made of, read from the catalogue and the registry.
pub struct Flow {
    /// The whole catalogue (derived national figures may use internal indicators).
    pub catalogue: Vec<Indicator>,
    /// Public indicators: the codes of `INDICATOR`, in catalogue order.
    pub indicators: Vec<Indicator>,
    /// The codes of `REF_AREA`: `VN` first, then province codes valid today and before.
    pub areas: Vec<Area>,
    /// CL_FREQ, CL_AREA, CL_INDICATOR, CL_UNIT_MEASURE, CL_OBS_STATUS.
    pub codelists: Vec<Codelist>,
}

/// The code of a unit of measure, from its Vietnamese name: `tỷ đồng` → `TY_DONG`, `%` → `PCT`.
pub fn unit_code(unit_vi: &str) -> String {
    let mut out = String::new();
    for c in registry::fold(unit_vi).chars() {
        match c {
            c if c.is_ascii_alphanumeric() => out.push(c.to_ascii_uppercase()),
            '%' => {
                if !out.is_empty() && !out.ends_with('_') {
                    out.push('_');
                }
                out.push_str("PCT");
            }
            '³' => out.push('3'),
            '²' => out.push('2'),
            _ => {
                if !out.is_empty() && !out.ends_with('_') {
                    out.push('_');
                }
            }
        }
    }
    let out = out.trim_end_matches('_').to_owned();
    if out.is_empty() { "UNIT".into() } else { out }
}

fn vi_date(iso: &str) -> String {
    match iso.split('-').collect::<Vec<_>>().as_slice() {
        [y, m, d] => format!("{d}/{m}/{y}"),
        _ => iso.to_owned(),
    }
}

fn area_code(code: &str, units: &[Unit]) -> Code {
    let kind = |u: &Unit| {
        if u.kind == "city" {
            ("thành phố", "city")
        } else {
            ("tỉnh", "province")
        }
    };
    // The latest unit names the code; the description tells its history when there is one.
    let latest = units.iter().max_by(|a, b| {
        (a.valid_to.is_none(), &a.valid_from).cmp(&(b.valid_to.is_none(), &b.valid_from))
    });
    let name = match latest {
        Some(u) => {
            let (vi, en) = if u.kind == "city" {
                ("Thành phố", "city")
            } else {
                ("Tỉnh", "province")
            };
            Text::new(format!("{vi} {}", u.name), format!("{} {en}", u.name))
        }
        None => Text::new(code, code),
    };
    let dated = units
        .iter()
        .any(|u| u.valid_from.is_some() || u.valid_to.is_some());
    let description = (units.len() > 1 || dated).then(|| {
        let mut vi = Vec::new();
        let mut en = Vec::new();
        for u in units {
            let (kvi, ken) = kind(u);
            let (dvi, den) = match (&u.valid_from, &u.valid_to) {
                (Some(f), Some(t)) => (
                    format!(" (từ {} đến {})", vi_date(f), vi_date(t)),
                    format!(" (from {f} to {t})"),
                ),
                (Some(f), None) => (format!(" (từ {})", vi_date(f)), format!(" (from {f})")),
                (None, Some(t)) => (format!(" (đến {})", vi_date(t)), format!(" (until {t})")),
                (None, None) => (String::new(), String::new()),
            };
            vi.push(format!("{kvi} {}{dvi}", u.name));
            en.push(format!("{} {ken}{den}", u.name));
        }
        Text::new(
            format!("Mã {code}: {}.", vi.join("; ")),
            format!("Code {code}: {}.", en.join("; ")),
        )
    });
    Code {
        id: code.to_owned(),
        name,
        description,
    }
}

impl Flow {
    /// Read the catalogue and the registry.
    pub async fn load(db: &Db) -> DbResult<Flow> {
        let catalogue = catalogue::list(db).await?;
        let indicators: Vec<Indicator> =
            catalogue.iter().filter(|i| i.is_public).cloned().collect();
        let (units, _) = registry::store::list_units(
            db,
            &registry::store::UnitQuery {
                level: Some(registry::Level::Province),
                limit: 10_000,
                ..Default::default()
            },
        )
        .await?;
        let mut by_code: BTreeMap<String, Vec<Unit>> = BTreeMap::new();
        for u in units {
            by_code.entry(u.code.clone()).or_default().push(u);
        }
        let mut areas = vec![Area {
            code: NATIONAL.into(),
            units: Vec::new(),
        }];
        let mut area_codes = vec![Code {
            id: NATIONAL.into(),
            name: Text::new("Cả nước", "Viet Nam (whole country)"),
            description: Some(Text::new(
                "Tổng hợp từ số liệu đã phê duyệt của các tỉnh, thành phố theo quy tắc của từng chỉ tiêu.",
                "Aggregated from the provinces' approved figures by each indicator's rule.",
            )),
        }];
        for (code, mut units) in by_code {
            units.sort_by(|a, b| {
                (a.valid_from.is_some(), &a.valid_from)
                    .cmp(&(b.valid_from.is_some(), &b.valid_from))
            });
            area_codes.push(area_code(&code, &units));
            areas.push(Area { code, units });
        }
        let mut unit_codes: Vec<Code> = Vec::new();
        for i in &indicators {
            let id = unit_code(&i.unit_vi);
            if !unit_codes.iter().any(|c| c.id == id) {
                unit_codes.push(Code {
                    id,
                    name: Text::new(&i.unit_vi, &i.unit_en),
                    description: None,
                });
            }
        }
        let codelists = vec![
            Codelist {
                id: "CL_FREQ",
                name: Text::new("Tần suất", "Frequency"),
                codes: vec![Code {
                    id: "M".into(),
                    name: Text::new("Hằng tháng", "Monthly"),
                    description: None,
                }],
            },
            Codelist {
                id: "CL_AREA",
                name: Text::new(
                    "Địa bàn: cả nước và các tỉnh, thành phố",
                    "Reference area: the whole country and the provinces",
                ),
                codes: area_codes,
            },
            Codelist {
                id: "CL_INDICATOR",
                name: Text::new(
                    "Chỉ tiêu kinh tế – xã hội công khai",
                    "Public socio-economic indicators",
                ),
                codes: indicators
                    .iter()
                    .map(|i| Code {
                        id: i.code.clone(),
                        name: Text::new(&i.name_vi, &i.name_en),
                        description: Some(Text::new(
                            format!("Đơn vị tính: {}", i.unit_vi),
                            format!("Unit: {}", i.unit_en),
                        )),
                    })
                    .collect(),
            },
            Codelist {
                id: UNIT_CODELIST,
                name: Text::new("Đơn vị tính", "Unit of measure"),
                codes: unit_codes,
            },
            Codelist {
                id: STATUS_CODELIST,
                name: Text::new("Trạng thái quan sát", "Observation status"),
                codes: vec![
                    Code {
                        id: STATUS_NORMAL.into(),
                        name: Text::new("Giá trị bình thường", "Normal value"),
                        description: Some(Text::new(
                            "Số liệu cả nước: mọi đơn vị phải báo cáo đã báo cáo",
                            "National figures: every unit due to report has reported",
                        )),
                    },
                    Code {
                        id: STATUS_PROVISIONAL.into(),
                        name: Text::new("Giá trị tạm tính", "Provisional value"),
                        description: Some(Text::new(
                            "Số liệu cả nước khi chưa đủ các đơn vị phải báo cáo; sẽ thay đổi",
                            "A national figure before every unit due to report has reported; it will change",
                        )),
                    },
                ],
            },
        ];
        Ok(Flow {
            catalogue,
            indicators,
            areas,
            codelists,
        })
    }

    fn codelist(&self, id: &str) -> &Codelist {
        self.codelists
            .iter()
            .find(|c| c.id == id)
            .unwrap_or(&self.codelists[0])
    }
}

fn flow_name() -> Text {
    Text::new(
        "Chỉ tiêu kinh tế – xã hội hằng tháng của các tỉnh, thành phố và cả nước",
        "Monthly socio-economic indicators of the provinces and the whole country",
    )
}

fn flow_description() -> Text {
    Text::new(
        "Số liệu đã phê duyệt của các chỉ tiêu công khai. VN là số cả nước, tổng hợp từ số liệu của các tỉnh, thành phố theo quy tắc của từng chỉ tiêu; mã tỉnh là số liệu của tỉnh mang mã đó trong từng tháng.",
        "Approved figures of the public indicators. VN is the national figure, aggregated from the provinces' figures by each indicator's rule; a province code is the figures of the province bearing that code in each month.",
    )
}

fn dsd_name() -> Text {
    Text::new(
        "Cấu trúc dữ liệu chỉ tiêu kinh tế – xã hội",
        "Data structure of socio-economic indicators",
    )
}

fn concept_scheme_name() -> Text {
    Text::new(
        "Khái niệm của báo cáo kinh tế – xã hội",
        "Concepts of socio-economic reporting",
    )
}

fn sender_name() -> Text {
    Text::new(
        "Hệ thống thông tin báo cáo Chính phủ (egov)",
        "Government Reporting Information System (egov)",
    )
}

fn flow_ref() -> String {
    format!("{AGENCY}:{FLOW}({VERSION})")
}

fn urn(class: &str, id: &str) -> String {
    format!("urn:sdmx:org.sdmx.infomodel.{class}={AGENCY}:{id}({VERSION})")
}

fn concept_urn(id: &str) -> String {
    format!("{}.{id}", urn("conceptscheme.Concept", CONCEPT_SCHEME))
}

fn prepared() -> String {
    time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap_or_else(|_| time::OffsetDateTime::now_utc())
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn message_id() -> String {
    format!("EGOV{}", platform::db::now_ms())
}

// ---------------------------------------------------------------------------------------------
// Content negotiation

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
    AppError::invalid(
        Problem::new("sdmx_param_invalid")
            .field(param)
            .arg("param", param)
            .arg("value", value)
            .arg("allowed", allowed),
    )
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

/// The query parameters (read by [`Query`]: empty ones dropped, repeated ones and control
/// characters refused with a 422).
fn params(query: Query<Vec<(String, String)>>) -> AppResult<HashMap<String, String>> {
    let Query(pairs) = query;
    Ok(pairs.into_iter().collect())
}

// ---------------------------------------------------------------------------------------------
// Routes

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

// ---------------------------------------------------------------------------------------------
// Structure queries

/// Kinds of structural artefacts served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Dataflow,
    DataStructure,
    Codelist,
    ConceptScheme,
}

impl Kind {
    fn path(self) -> &'static str {
        match self {
            Kind::Dataflow => "dataflow",
            Kind::DataStructure => "datastructure",
            Kind::Codelist => "codelist",
            Kind::ConceptScheme => "conceptscheme",
        }
    }
}

/// One artefact: the dataflow, the DSD, a codelist (by position) or the concept scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Artefact {
    Dataflow,
    Structure,
    Codelist(usize),
    Concepts,
}

impl Artefact {
    fn kind(self) -> Kind {
        match self {
            Artefact::Dataflow => Kind::Dataflow,
            Artefact::Structure => Kind::DataStructure,
            Artefact::Codelist(_) => Kind::Codelist,
            Artefact::Concepts => Kind::ConceptScheme,
        }
    }
    fn id(self, flow: &Flow) -> &str {
        match self {
            Artefact::Dataflow => FLOW,
            Artefact::Structure => DSD,
            Artefact::Codelist(i) => flow.codelists[i].id,
            Artefact::Concepts => CONCEPT_SCHEME,
        }
    }
    fn parents(self) -> Vec<Artefact> {
        match self {
            Artefact::Dataflow => vec![],
            Artefact::Structure => vec![Artefact::Dataflow],
            Artefact::Codelist(_) | Artefact::Concepts => vec![Artefact::Structure],
        }
    }
    fn children(self, flow: &Flow) -> Vec<Artefact> {
        match self {
            Artefact::Dataflow => vec![Artefact::Structure],
            Artefact::Structure => (0..flow.codelists.len())
                .map(Artefact::Codelist)
                .chain([Artefact::Concepts])
                .collect(),
            Artefact::Codelist(_) | Artefact::Concepts => vec![],
        }
    }
    fn descendants(self, flow: &Flow) -> Vec<Artefact> {
        let mut out = Vec::new();
        let mut stack = self.children(flow);
        while let Some(a) = stack.pop() {
            if !out.contains(&a) {
                stack.extend(a.children(flow));
                out.push(a);
            }
        }
        out
    }
    fn ancestors(self) -> Vec<Artefact> {
        let mut out = Vec::new();
        let mut stack = self.parents();
        while let Some(a) = stack.pop() {
            if !out.contains(&a) {
                stack.extend(a.parents());
                out.push(a);
            }
        }
        out
    }
}

const REFERENCES: &str = "none, parents, parentsandsiblings, children, descendants, all, dataflow, datastructure, codelist, conceptscheme";

/// The artefacts `references` adds to `a`.
fn referenced(a: Artefact, references: &str, flow: &Flow) -> Option<Vec<Artefact>> {
    let parents_and_siblings = || {
        let mut v = a.parents();
        for p in a.parents() {
            v.extend(p.children(flow));
        }
        v
    };
    Some(match references {
        "none" => vec![],
        "parents" => a.parents(),
        "parentsandsiblings" => parents_and_siblings(),
        "children" => a.children(flow),
        "descendants" => a.descendants(flow),
        "all" => {
            let mut v = parents_and_siblings();
            v.extend(a.descendants(flow));
            v
        }
        kind => {
            let kind = [
                Kind::Dataflow,
                Kind::DataStructure,
                Kind::Codelist,
                Kind::ConceptScheme,
            ]
            .into_iter()
            .find(|k| k.path() == kind)?;
            let mut related = a.ancestors();
            for p in a.ancestors() {
                related.extend(p.descendants(flow));
            }
            related.extend(a.descendants(flow));
            related.retain(|r| r.kind() == kind && *r != a);
            related
        }
    })
}

fn is_wildcard(s: Option<&String>) -> bool {
    s.is_none_or(|s| matches!(s.as_str(), "all" | "*"))
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
        return Err(param_invalid("detail", d, &DETAILS.join(", ")));
    }
    let flow = Flow::load(&state.db).await?;
    let agency_ok =
        is_wildcard(path.get("agency")) || path.get("agency").is_some_and(|a| a == AGENCY);
    let version_ok = path
        .get("version")
        .is_none_or(|v| matches!(v.as_str(), "latest" | "all" | "*" | "+" | "~") || v == VERSION);
    let all: Vec<Artefact> = [Artefact::Dataflow, Artefact::Structure]
        .into_iter()
        .chain((0..flow.codelists.len()).map(Artefact::Codelist))
        .chain([Artefact::Concepts])
        .collect();
    let matched: Vec<Artefact> = all
        .iter()
        .copied()
        .filter(|a| a.kind() == kind)
        .filter(|a| is_wildcard(path.get("id")) || path.get("id").is_some_and(|i| i == a.id(&flow)))
        .filter(|_| agency_ok && version_ok)
        .collect();
    if matched.is_empty() {
        return Err(AppError::new(
            StatusCode::NOT_FOUND,
            Problem::new("sdmx_no_results"),
        ));
    }
    let mut chosen: BTreeSet<Artefact> = matched.iter().copied().collect();
    for a in &matched {
        let extra = referenced(*a, &references, &flow)
            .ok_or_else(|| param_invalid("references", &references, REFERENCES))?;
        chosen.extend(extra);
    }
    let lang = ctx.lang;
    Ok(match format {
        StructureFormat::Json => respond(
            MT_STRUCTURE_JSON,
            structure_json(&flow, &chosen, lang).to_string(),
        ),
        StructureFormat::Xml => respond(MT_STRUCTURE_XML, structure_xml(&flow, &chosen)),
    })
}

/// The fields every maintainable artefact has in SDMX-JSON.
fn maintainable_json(
    id: &str,
    name: &Text,
    description: Option<&Text>,
    class: &str,
    kind: Kind,
    lang: Lang,
) -> Map<String, serde_json::Value> {
    let mut m = Map::new();
    m.insert("id".into(), json!(id));
    m.insert("version".into(), json!(VERSION));
    m.insert("agencyID".into(), json!(AGENCY));
    m.insert("isExternalReference".into(), json!(false));
    m.insert("isFinal".into(), json!(true));
    m.insert("name".into(), json!(name.get(lang)));
    m.insert("names".into(), name.json());
    if let Some(d) = description {
        m.insert("description".into(), json!(d.get(lang)));
        m.insert("descriptions".into(), d.json());
    }
    m.insert("urn".into(), json!(urn(class, id)));
    m.insert(
        "links".into(),
        json!([{
            "href": format!("/sdmx/{}/{AGENCY}/{id}/{VERSION}", kind.path()),
            "rel": "self",
            "urn": urn(class, id),
            "type": kind.path(),
        }]),
    );
    m
}

fn codelist_json(list: &Codelist, lang: Lang) -> serde_json::Value {
    let mut m = maintainable_json(
        list.id,
        &list.name,
        None,
        "codelist.Codelist",
        Kind::Codelist,
        lang,
    );
    m.insert("isPartial".into(), json!(false));
    let codes: Vec<serde_json::Value> = list
        .codes
        .iter()
        .map(|c| {
            let mut o = json!({
                "id": c.id,
                "urn": format!("urn:sdmx:org.sdmx.infomodel.codelist.Code={AGENCY}:{}({VERSION}).{}", list.id, c.id),
                "name": c.name.get(lang),
                "names": c.name.json(),
            });
            if let Some(d) = &c.description {
                o["description"] = json!(d.get(lang));
                o["descriptions"] = d.json();
            }
            o
        })
        .collect();
    m.insert("codes".into(), json!(codes));
    serde_json::Value::Object(m)
}

fn dsd_json(lang: Lang) -> serde_json::Value {
    let mut m = maintainable_json(
        DSD,
        &dsd_name(),
        None,
        "datastructure.DataStructure",
        Kind::DataStructure,
        lang,
    );
    let component = |class: &str, id: &str| {
        format!("urn:sdmx:org.sdmx.infomodel.datastructure.{class}={AGENCY}:{DSD}({VERSION}).{id}")
    };
    let dimensions: Vec<serde_json::Value> = DIMENSIONS
        .iter()
        .enumerate()
        .map(|(i, (id, list))| {
            json!({
                "id": id,
                "urn": component("Dimension", id),
                "position": i + 1,
                "type": "Dimension",
                "conceptIdentity": concept_urn(id),
                "localRepresentation": {"enumeration": urn("codelist.Codelist", list)},
            })
        })
        .collect();
    m.insert(
        "dataStructureComponents".into(),
        json!({
            "attributeList": {
                "id": "AttributeDescriptor",
                "attributes": [{
                    "id": UNIT_ATTRIBUTE,
                    "urn": component("DataAttribute", UNIT_ATTRIBUTE),
                    "assignmentStatus": "Conditional",
                    "attributeRelationship": {"primaryMeasure": MEASURE},
                    "conceptIdentity": concept_urn(UNIT_ATTRIBUTE),
                    "localRepresentation": {"enumeration": urn("codelist.Codelist", UNIT_CODELIST)},
                }, {
                    "id": COMMENT_ATTRIBUTE,
                    "urn": component("DataAttribute", COMMENT_ATTRIBUTE),
                    "assignmentStatus": "Conditional",
                    "attributeRelationship": {"primaryMeasure": MEASURE},
                    "conceptIdentity": concept_urn(COMMENT_ATTRIBUTE),
                    "localRepresentation": {"textFormat": {"textType": "String"}},
                }, {
                    "id": STATUS_ATTRIBUTE,
                    "urn": component("DataAttribute", STATUS_ATTRIBUTE),
                    "assignmentStatus": "Conditional",
                    "attributeRelationship": {"primaryMeasure": MEASURE},
                    "conceptIdentity": concept_urn(STATUS_ATTRIBUTE),
                    "localRepresentation": {"enumeration": urn("codelist.Codelist", STATUS_CODELIST)},
                }],
            },
            "dimensionList": {
                "id": "DimensionDescriptor",
                "dimensions": dimensions,
                "timeDimensions": [{
                    "id": TIME,
                    "urn": component("TimeDimension", TIME),
                    "position": DIMENSIONS.len() + 1,
                    "type": "TimeDimension",
                    "conceptIdentity": concept_urn(TIME),
                    "localRepresentation": {"textFormat": {"textType": "ObservationalTimePeriod"}},
                }],
            },
            "measureList": {
                "id": "MeasureDescriptor",
                "primaryMeasure": {
                    "id": MEASURE,
                    "urn": component("PrimaryMeasure", MEASURE),
                    "conceptIdentity": concept_urn(MEASURE),
                    "localRepresentation": {"textFormat": {"textType": "Double"}},
                },
            },
        }),
    );
    serde_json::Value::Object(m)
}

/// SDMX-JSON structure message 1.0.
fn structure_json(flow: &Flow, chosen: &BTreeSet<Artefact>, lang: Lang) -> serde_json::Value {
    let mut dataflows = Vec::new();
    let mut structures = Vec::new();
    let mut codelists = Vec::new();
    let mut schemes = Vec::new();
    for a in chosen {
        match a {
            Artefact::Dataflow => {
                let mut m = maintainable_json(
                    FLOW,
                    &flow_name(),
                    Some(&flow_description()),
                    "datastructure.Dataflow",
                    Kind::Dataflow,
                    lang,
                );
                m.insert(
                    "structure".into(),
                    json!(urn("datastructure.DataStructure", DSD)),
                );
                dataflows.push(serde_json::Value::Object(m));
            }
            Artefact::Structure => structures.push(dsd_json(lang)),
            Artefact::Codelist(i) => codelists.push(codelist_json(&flow.codelists[*i], lang)),
            Artefact::Concepts => {
                let mut m = maintainable_json(
                    CONCEPT_SCHEME,
                    &concept_scheme_name(),
                    None,
                    "conceptscheme.ConceptScheme",
                    Kind::ConceptScheme,
                    lang,
                );
                m.insert("isPartial".into(), json!(false));
                m.insert(
                    "concepts".into(),
                    CONCEPTS
                        .iter()
                        .map(|(id, vi, en)| {
                            let t = Text::new(*vi, *en);
                            json!({"id": id, "urn": concept_urn(id), "name": t.get(lang), "names": t.json()})
                        })
                        .collect(),
                );
                schemes.push(serde_json::Value::Object(m));
            }
        }
    }
    let mut data = Map::new();
    for (key, items) in [
        ("dataflows", dataflows),
        ("dataStructures", structures),
        ("codelists", codelists),
        ("conceptSchemes", schemes),
    ] {
        if !items.is_empty() {
            data.insert(key.into(), json!(items));
        }
    }
    json!({
        "meta": {
            "id": message_id(),
            "test": false,
            "prepared": prepared(),
            "contentLanguages": [lang.code()],
            "sender": {"id": AGENCY, "name": sender_name().get(lang), "names": sender_name().json()},
        },
        "data": data,
    })
}

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

fn xml_names(out: &mut String, tag: &str, t: &Text) {
    for (lang, s) in [("vi", &t.vi), ("en", &t.en)] {
        out.push_str(&format!(
            "<com:{tag} xml:lang=\"{lang}\">{}</com:{tag}>",
            xml_escape(s)
        ));
    }
}

fn xml_maintainable_open(out: &mut String, tag: &str, class: &str, id: &str, name: &Text) {
    out.push_str(&format!(
        "<str:{tag} id=\"{id}\" urn=\"{}\" agencyID=\"{AGENCY}\" version=\"{VERSION}\" isFinal=\"true\" isExternalReference=\"false\">",
        xml_escape(&urn(class, id))
    ));
    xml_names(out, "Name", name);
}

fn xml_concept_ref(id: &str) -> String {
    format!(
        "<str:ConceptIdentity><Ref id=\"{id}\" maintainableParentID=\"{CONCEPT_SCHEME}\" maintainableParentVersion=\"{VERSION}\" agencyID=\"{AGENCY}\" package=\"conceptscheme\" class=\"Concept\"/></str:ConceptIdentity>"
    )
}

fn xml_enumeration(list: &str) -> String {
    format!(
        "<str:LocalRepresentation><str:Enumeration><Ref id=\"{list}\" version=\"{VERSION}\" agencyID=\"{AGENCY}\" package=\"codelist\" class=\"Codelist\"/></str:Enumeration></str:LocalRepresentation>"
    )
}

/// SDMX-ML 2.1 structure message.
fn structure_xml(flow: &Flow, chosen: &BTreeSet<Artefact>) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<mes:Structure \
         xmlns:mes=\"http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message\" \
         xmlns:str=\"http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure\" \
         xmlns:com=\"http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">",
    );
    out.push_str(&format!(
        "<mes:Header><mes:ID>{}</mes:ID><mes:Test>false</mes:Test><mes:Prepared>{}</mes:Prepared><mes:Sender id=\"{AGENCY}\">",
        message_id(),
        prepared()
    ));
    xml_names(&mut out, "Name", &sender_name());
    out.push_str("</mes:Sender></mes:Header><mes:Structures>");
    // The schema's order: dataflows, codelists, concepts, data structures.
    if chosen.contains(&Artefact::Dataflow) {
        out.push_str("<str:Dataflows>");
        xml_maintainable_open(
            &mut out,
            "Dataflow",
            "datastructure.Dataflow",
            FLOW,
            &flow_name(),
        );
        xml_names(&mut out, "Description", &flow_description());
        out.push_str(&format!(
            "<str:Structure><Ref id=\"{DSD}\" version=\"{VERSION}\" agencyID=\"{AGENCY}\" package=\"datastructure\" class=\"DataStructure\"/></str:Structure></str:Dataflow></str:Dataflows>"
        ));
    }
    let lists: Vec<&Codelist> = chosen
        .iter()
        .filter_map(|a| match a {
            Artefact::Codelist(i) => Some(&flow.codelists[*i]),
            _ => None,
        })
        .collect();
    if !lists.is_empty() {
        out.push_str("<str:Codelists>");
        for list in lists {
            xml_maintainable_open(
                &mut out,
                "Codelist",
                "codelist.Codelist",
                list.id,
                &list.name,
            );
            for c in &list.codes {
                out.push_str(&format!(
                    "<str:Code id=\"{}\" urn=\"urn:sdmx:org.sdmx.infomodel.codelist.Code={AGENCY}:{}({VERSION}).{}\">",
                    xml_escape(&c.id),
                    list.id,
                    xml_escape(&c.id)
                ));
                xml_names(&mut out, "Name", &c.name);
                if let Some(d) = &c.description {
                    xml_names(&mut out, "Description", d);
                }
                out.push_str("</str:Code>");
            }
            out.push_str("</str:Codelist>");
        }
        out.push_str("</str:Codelists>");
    }
    if chosen.contains(&Artefact::Concepts) {
        out.push_str("<str:Concepts>");
        xml_maintainable_open(
            &mut out,
            "ConceptScheme",
            "conceptscheme.ConceptScheme",
            CONCEPT_SCHEME,
            &concept_scheme_name(),
        );
        for (id, vi, en) in CONCEPTS {
            out.push_str(&format!(
                "<str:Concept id=\"{id}\" urn=\"{}\">",
                concept_urn(id)
            ));
            xml_names(&mut out, "Name", &Text::new(vi, en));
            out.push_str("</str:Concept>");
        }
        out.push_str("</str:ConceptScheme></str:Concepts>");
    }
    if chosen.contains(&Artefact::Structure) {
        out.push_str("<str:DataStructures>");
        xml_maintainable_open(
            &mut out,
            "DataStructure",
            "datastructure.DataStructure",
            DSD,
            &dsd_name(),
        );
        out.push_str("<str:DataStructureComponents><str:DimensionList id=\"DimensionDescriptor\">");
        for (i, (id, list)) in DIMENSIONS.iter().enumerate() {
            out.push_str(&format!(
                "<str:Dimension id=\"{id}\" position=\"{}\">{}{}</str:Dimension>",
                i + 1,
                xml_concept_ref(id),
                xml_enumeration(list)
            ));
        }
        out.push_str(&format!(
            "<str:TimeDimension id=\"{TIME}\" position=\"{}\">{}<str:LocalRepresentation><str:TextFormat textType=\"ObservationalTimePeriod\"/></str:LocalRepresentation></str:TimeDimension></str:DimensionList>",
            DIMENSIONS.len() + 1,
            xml_concept_ref(TIME)
        ));
        out.push_str(&format!(
            "<str:AttributeList id=\"AttributeDescriptor\"><str:Attribute id=\"{UNIT_ATTRIBUTE}\" assignmentStatus=\"Conditional\">{}{}<str:AttributeRelationship><str:PrimaryMeasure><Ref id=\"{MEASURE}\"/></str:PrimaryMeasure></str:AttributeRelationship></str:Attribute><str:Attribute id=\"{COMMENT_ATTRIBUTE}\" assignmentStatus=\"Conditional\">{}<str:LocalRepresentation><str:TextFormat textType=\"String\"/></str:LocalRepresentation><str:AttributeRelationship><str:PrimaryMeasure><Ref id=\"{MEASURE}\"/></str:PrimaryMeasure></str:AttributeRelationship></str:Attribute><str:Attribute id=\"{STATUS_ATTRIBUTE}\" assignmentStatus=\"Conditional\">{}{}<str:AttributeRelationship><str:PrimaryMeasure><Ref id=\"{MEASURE}\"/></str:PrimaryMeasure></str:AttributeRelationship></str:Attribute></str:AttributeList>",
            xml_concept_ref(UNIT_ATTRIBUTE),
            xml_enumeration(UNIT_CODELIST),
            xml_concept_ref(COMMENT_ATTRIBUTE),
            xml_concept_ref(STATUS_ATTRIBUTE),
            xml_enumeration(STATUS_CODELIST)
        ));
        out.push_str(&format!(
            "<str:MeasureList id=\"MeasureDescriptor\"><str:PrimaryMeasure id=\"{MEASURE}\">{}<str:LocalRepresentation><str:TextFormat textType=\"Double\"/></str:LocalRepresentation></str:PrimaryMeasure></str:MeasureList>",
            xml_concept_ref(MEASURE)
        ));
        out.push_str("</str:DataStructureComponents></str:DataStructure></str:DataStructures>");
    }
    out.push_str("</mes:Structures></mes:Structure>\n");
    out
}

// ---------------------------------------------------------------------------------------------
// Data queries

/// The months of a period bound: `2025`, `2025-01`, `202501`, `2025-M01`, `2025-01-15`,
/// `2025-Q1`, `2025Q1`, `2025-S1`, `2025S1`. A start bound is the first month it covers, an end
/// bound the last.
pub fn parse_bound(s: &str, end: bool) -> Option<Period> {
    let s = s.trim();
    if !s.is_ascii() || s.len() < 4 {
        return None;
    }
    let (y, rest) = s.split_at(4);
    if !y.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let year: i32 = y.parse().ok()?;
    if !(1900..=2200).contains(&year) {
        return None;
    }
    let two = |t: &str, max: u8| -> Option<u8> {
        if t.len() != 2 || !t.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let n: u8 = t.parse().ok()?;
        (1..=max).contains(&n).then_some(n)
    };
    let one = |t: &str, max: u8| -> Option<u8> {
        if t.len() != 1 || !t.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let n: u8 = t.parse().ok()?;
        (1..=max).contains(&n).then_some(n)
    };
    let span = |first: u8, last: u8| Some(Period::month(year, if end { last } else { first }));
    let rest = rest.strip_prefix('-').unwrap_or(rest);
    match rest.len() {
        0 if s.len() == 4 => span(1, 12),
        2 if rest.starts_with('Q') => {
            let q = one(&rest[1..], 4)?;
            span(q * 3 - 2, q * 3)
        }
        2 if rest.starts_with('S') => {
            let h = one(&rest[1..], 2)?;
            span(h * 6 - 5, h * 6)
        }
        2 if s.len() == 6 || s.len() == 7 => {
            let m = two(rest, 12)?;
            Some(Period::month(year, m))
        }
        3 if rest.starts_with('M') && s.len() == 8 => {
            let m = two(&rest[1..], 12)?;
            Some(Period::month(year, m))
        }
        5 if s.len() == 10 => {
            let day = registry::Day::parse(s)?;
            Some(Period::month(day.0.year(), day.0.month() as u8))
        }
        _ => None,
    }
}

fn ordinal(p: &Period) -> i32 {
    p.year * 12 + i32::from(p.index) - 1
}

fn from_ordinal(n: i32) -> Period {
    Period::month(n.div_euclid(12), (n.rem_euclid(12) + 1) as u8)
}

/// `2025-09` for September 2025.
pub fn time_id(p: &Period) -> String {
    format!("{:04}-{:02}", p.year, p.index)
}

/// The months between `startPeriod` and `endPeriod`: by default the [`MAX_MONTHS`] months up
/// to the current one.
fn months(q: &HashMap<String, String>) -> AppResult<Vec<Period>> {
    let bound = |name: &'static str, end: bool| -> AppResult<Option<Period>> {
        q.get(name)
            .map(|v| {
                parse_bound(v, end).ok_or_else(|| {
                    AppError::invalid(
                        Problem::new("sdmx_period_invalid")
                            .field(name)
                            .arg("value", v),
                    )
                })
            })
            .transpose()
    };
    let start = bound("startPeriod", false)?;
    let end = bound("endPeriod", true)?;
    let today = registry::Day::today().0;
    let current = Period::month(today.year(), today.month() as u8);
    let (start, end) = match (start, end) {
        (Some(s), Some(e)) => (s, e),
        (Some(s), None) => (s, if s > current { s } else { current }),
        (None, Some(e)) => (from_ordinal(ordinal(&e) - (MAX_MONTHS - 1)), e),
        (None, None) => (from_ordinal(ordinal(&current) - (MAX_MONTHS - 1)), current),
    };
    if start > end {
        return Err(AppError::invalid(
            Problem::new("sdmx_period_range_invalid")
                .field("startPeriod")
                .arg("start", time_id(&start))
                .arg("end", time_id(&end)),
        ));
    }
    let n = ordinal(&end) - ordinal(&start) + 1;
    if n > MAX_MONTHS {
        return Err(AppError::invalid(
            Problem::new("sdmx_period_range_too_long")
                .field("startPeriod")
                .arg("max", MAX_MONTHS)
                .arg("months", n),
        ));
    }
    Ok((ordinal(&start)..=ordinal(&end))
        .map(from_ordinal)
        .collect())
}

/// Is `flow` this service's dataflow: `DF_KTXH_THANG`, `EGOV,DF_KTXH_THANG`,
/// `EGOV,DF_KTXH_THANG,1.0` (`all` for the agency, `latest` for the version)?
pub fn flow_matches(flow: &str) -> bool {
    let parts: Vec<&str> = flow.split(',').map(str::trim).collect();
    let agency_ok = |a: &str| a == AGENCY || a == "all" || a == "*";
    let version_ok = |v: &str| v == VERSION || matches!(v, "latest" | "all" | "*" | "+" | "~");
    match parts.as_slice() {
        [id] => *id == FLOW,
        [agency, id] => agency_ok(agency) && *id == FLOW,
        [agency, id, version] => agency_ok(agency) && *id == FLOW && version_ok(version),
        _ => false,
    }
}

/// A parsed key: for each dimension, the positions in its codelist that are asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeySelection {
    pub areas: Vec<usize>,
    pub indicators: Vec<usize>,
}

/// Parse `FREQ.REF_AREA.INDICATOR` (`+` between alternatives, an empty position or the key
/// `all` for every value) against the flow's codelists.
fn parse_key(key: Option<&str>, flow: &Flow) -> AppResult<KeySelection> {
    let key = key.map(str::trim).unwrap_or("");
    let dims = DIMENSIONS.map(|d| d.0).join(".");
    let invalid = || {
        AppError::invalid(
            Problem::new("sdmx_key_invalid")
                .field("key")
                .arg("key", key)
                .arg("n", DIMENSIONS.len())
                .arg("dims", &dims),
        )
    };
    let parts: Vec<&str> = if key.is_empty() || key == "all" {
        vec![""; DIMENSIONS.len()]
    } else {
        key.split('.').collect()
    };
    if parts.len() != DIMENSIONS.len() {
        return Err(invalid());
    }
    let mut chosen: Vec<Vec<usize>> = Vec::new();
    for ((dim, list), part) in DIMENSIONS.iter().zip(&parts) {
        let codes = &flow.codelist(list).codes;
        if part.is_empty() {
            chosen.push((0..codes.len()).collect());
            continue;
        }
        let mut picked = Vec::new();
        for value in part.split('+') {
            if value.is_empty() {
                return Err(invalid());
            }
            let pos = codes.iter().position(|c| c.id == value).ok_or_else(|| {
                AppError::invalid(
                    Problem::new("sdmx_key_value_unknown")
                        .field("key")
                        .arg("dimension", *dim)
                        .arg("value", value),
                )
            })?;
            if !picked.contains(&pos) {
                picked.push(pos);
            }
        }
        picked.sort_unstable();
        chosen.push(picked);
    }
    Ok(KeySelection {
        areas: chosen[1].clone(),
        indicators: chosen[2].clone(),
    })
}

/// One series: a `REF_AREA` (position in CL_AREA), an indicator (position in the public
/// indicators) and its observations in time order.
#[derive(Debug, Clone)]
pub struct Series {
    pub area: usize,
    pub indicator: usize,
    /// NaN for an aggregate that overflowed (marked `OBS_COM` = `overflow`).
    pub observations: Vec<(Period, f64)>,
    /// Periods whose (national) observation is provisional: `OBS_STATUS` `P`, others `A`.
    pub provisional: BTreeSet<Period>,
}

impl Series {
    /// The `OBS_STATUS` code of the observation of `period`.
    pub fn status(&self, period: &Period) -> &'static str {
        if self.provisional.contains(period) {
            STATUS_PROVISIONAL
        } else {
            STATUS_NORMAL
        }
    }
}

/// Approved values of the selection over `months`, national aggregates for `VN`.
async fn observations(
    db: &Db,
    flow: &Flow,
    sel: &KeySelection,
    months: &[Period],
) -> DbResult<Vec<Series>> {
    let wanted: Vec<&Indicator> = sel
        .indicators
        .iter()
        .map(|&i| &flow.indicators[i])
        .collect();
    let mut out = Vec::new();
    // National aggregates, evaluated like the data API's `VN`.
    let national = if sel.areas.iter().any(|&a| flow.areas[a].is_national()) {
        let owned: Vec<Indicator> = wanted.iter().map(|i| (*i).clone()).collect();
        Some(data::NationalView::load(db, &flow.catalogue, &owned, months).await?)
    } else {
        None
    };
    // The provinces' approved values, one query for every unit and month asked for.
    let mut unit_ids: BTreeSet<i64> = BTreeSet::new();
    for &a in &sel.areas {
        for m in months {
            if let Some(u) = flow.areas[a].unit_in(m) {
                unit_ids.insert(u.id);
            }
        }
    }
    let mut values: HashMap<(i64, i64, String), f64> = HashMap::new();
    if !unit_ids.is_empty() && !months.is_empty() {
        let mut args: Vec<Value> = Vec::new();
        let ph = |v: Value, args: &mut Vec<Value>| {
            args.push(v);
            format!("${}", args.len())
        };
        let units: Vec<String> = unit_ids.iter().map(|&u| ph(u.into(), &mut args)).collect();
        let periods: Vec<String> = months
            .iter()
            .map(|m| ph(m.id().into(), &mut args))
            .collect();
        let inds: Vec<String> = wanted.iter().map(|i| ph(i.id.into(), &mut args)).collect();
        let sql = format!(
            "SELECT unit_id, indicator_id, period, value FROM data_values \
             WHERE approved AND indicator_id IN ({}) AND period IN ({}) AND unit_id IN ({})",
            inds.join(","),
            periods.join(","),
            units.join(",")
        );
        for r in db.fetch_all(Sql::trusted(sql), args).await? {
            if let Some(v) = r.get::<Option<f64>>("value")? {
                values.insert(
                    (r.get("unit_id")?, r.get("indicator_id")?, r.get("period")?),
                    v,
                );
            }
        }
    }
    for &a in &sel.areas {
        let area = &flow.areas[a];
        for &i in &sel.indicators {
            let ind = &flow.indicators[i];
            let mut obs = Vec::new();
            let mut provisional = BTreeSet::new();
            for m in months {
                // A national figure not every province due has reported yet is provisional.
                if area.is_national()
                    && let Some(n) = national.as_ref()
                    && n.coverage(&ind.code, m).is_some_and(|c| !c.complete())
                {
                    provisional.insert(*m);
                }
                let v = if area.is_national() {
                    // An aggregate that overflowed is an observation without a value (NaN),
                    // marked as such, not left out.
                    match national.as_ref().map(|n| n.value(&ind.code, m)) {
                        Some(Ok(v)) if v.is_finite() => Some(ind.round(v)),
                        Some(Ok(_)) | Some(Err(crate::model::formula::NoValue::Overflow)) => {
                            Some(f64::NAN)
                        }
                        _ => None,
                    }
                } else {
                    area.unit_in(m)
                        .and_then(|u| values.get(&(u.id, ind.id, m.id())).copied())
                        .map(|v| if v.is_finite() { v } else { f64::NAN })
                };
                if let Some(v) = v {
                    obs.push((*m, v));
                }
            }
            if !obs.is_empty() {
                out.push(Series {
                    area: a,
                    indicator: i,
                    observations: obs,
                    provisional,
                });
            }
        }
    }
    Ok(out)
}

/// What a data message carries (`detail`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Detail {
    Full,
    DataOnly,
    SeriesKeysOnly,
    NoData,
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
    if !flow_matches(flow_id) {
        return Err(AppError::new(
            StatusCode::NOT_FOUND,
            Problem::new("sdmx_flow_unknown")
                .field("flow")
                .arg("flow", flow_id),
        ));
    }
    if let Some(p) = path.get("provider")
        && !matches!(p.as_str(), "all" | "*" | AGENCY)
    {
        return Err(AppError::new(
            StatusCode::NOT_FOUND,
            Problem::new("sdmx_no_results"),
        ));
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
    let all_dimensions = match q.get("dimensionAtObservation").map(String::as_str) {
        None | Some("TIME_PERIOD") => false,
        Some("AllDimensions") => true,
        Some(other) => {
            return Err(param_invalid(
                "dimensionAtObservation",
                other,
                "TIME_PERIOD, AllDimensions",
            ));
        }
    };
    let detail = match q.get("detail").map(String::as_str) {
        None | Some("full") => Detail::Full,
        Some("dataonly") => Detail::DataOnly,
        Some("serieskeysonly") => Detail::SeriesKeysOnly,
        Some("nodata") => Detail::NoData,
        Some(other) => {
            return Err(param_invalid(
                "detail",
                other,
                "full, dataonly, serieskeysonly, nodata",
            ));
        }
    };
    let count = |name: &'static str| -> AppResult<Option<usize>> {
        q.get(name)
            .map(|v| {
                v.trim()
                    .parse::<usize>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| param_invalid(name, v, "1, 2, 3…"))
            })
            .transpose()
    };
    let first_n = count("firstNObservations")?;
    let last_n = count("lastNObservations")?;
    let months = months(&q)?;
    let flow = Flow::load(&state.db).await?;
    let sel = parse_key(path.get("key").map(String::as_str), &flow)?;
    let mut series = observations(&state.db, &flow, &sel, &months).await?;
    for s in &mut series {
        if let Some(n) = first_n {
            s.observations.truncate(n);
        }
        if let Some(n) = last_n {
            let skip = s.observations.len().saturating_sub(n);
            s.observations.drain(..skip);
        }
        if matches!(detail, Detail::SeriesKeysOnly | Detail::NoData) {
            s.observations.clear();
        }
    }
    if series.is_empty() {
        return Err(AppError::new(
            StatusCode::NOT_FOUND,
            Problem::new("sdmx_no_results"),
        ));
    }
    let with_units = detail == Detail::Full;
    Ok(match format {
        DataFormat::GenericXml => respond(
            MT_DATA_GENERIC,
            data_xml::write(
                data_xml::Kind::Generic,
                &flow,
                &series,
                all_dimensions,
                with_units,
            ),
        ),
        DataFormat::SpecificXml => respond(
            MT_DATA_SPECIFIC,
            data_xml::write(
                data_xml::Kind::StructureSpecific,
                &flow,
                &series,
                all_dimensions,
                with_units,
            ),
        ),
        DataFormat::Json => respond(
            MT_DATA_JSON,
            data_json(&flow, &series, ctx.lang, all_dimensions, with_units).to_string(),
        ),
        DataFormat::Csv => respond(MT_DATA_CSV, data_csv(&flow, &series, false, with_units)?),
        DataFormat::Csv2 => respond(MT_DATA_CSV2, data_csv(&flow, &series, true, with_units)?),
    })
}

fn code_json(c: &Code, lang: Lang) -> serde_json::Value {
    json!({ "id": c.id, "name": c.name.get(lang), "names": c.name.json() })
}

/// SDMX-JSON data message 1.0: `header`, `structure` (dimension and attribute values listed
/// once, keys are their positions) and `dataSets`.
fn data_json(
    flow: &Flow,
    series: &[Series],
    lang: Lang,
    all_dimensions: bool,
    with_units: bool,
) -> serde_json::Value {
    // The values that occur, in codelist order.
    let areas: Vec<usize> = series
        .iter()
        .map(|s| s.area)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let indicators: Vec<usize> = series
        .iter()
        .map(|s| s.indicator)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let times: Vec<Period> = series
        .iter()
        .flat_map(|s| s.observations.iter().map(|(p, _)| *p))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let unit_list = flow.codelist(UNIT_CODELIST);
    let unit_pos = |s: &Series| {
        let id = unit_code(&flow.indicators[s.indicator].unit_vi);
        unit_list.codes.iter().position(|c| c.id == id)
    };
    let units: Vec<usize> = series
        .iter()
        .filter_map(unit_pos)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let area_list = flow.codelist("CL_AREA");
    let ind_list = flow.codelist("CL_INDICATOR");
    let concept = |id: &str| {
        CONCEPTS
            .iter()
            .find(|c| c.0 == id)
            .map(|(_, vi, en)| Text::new(*vi, *en))
            .unwrap_or_else(|| Text::new(id, id))
    };
    let dim = |id: &str, pos: usize, values: Vec<serde_json::Value>| {
        let name = concept(id);
        json!({"id": id, "name": name.get(lang), "names": name.json(), "keyPosition": pos, "values": values})
    };
    let freq = dim(
        "FREQ",
        0,
        vec![code_json(&flow.codelist("CL_FREQ").codes[0], lang)],
    );
    let area = dim(
        "REF_AREA",
        1,
        areas
            .iter()
            .map(|&a| code_json(&area_list.codes[a], lang))
            .collect(),
    );
    let indicator = dim(
        "INDICATOR",
        2,
        indicators
            .iter()
            .map(|&i| code_json(&ind_list.codes[i], lang))
            .collect(),
    );
    let mut time = dim(
        TIME,
        3,
        times
            .iter()
            .map(|p| {
                let (first, last) = p.calendar();
                json!({
                    "id": time_id(p),
                    "name": p.label(lang.code()),
                    "start": format!("{first}T00:00:00"),
                    "end": format!("{last}T23:59:59"),
                })
            })
            .collect(),
    );
    time["role"] = json!("time");
    let (series_dims, obs_dims) = if all_dimensions {
        (vec![], vec![freq, area, indicator, time])
    } else {
        (vec![freq, area, indicator], vec![time])
    };
    let unit_name = concept(UNIT_ATTRIBUTE);
    let obs_attributes = if with_units && !units.is_empty() {
        vec![json!({
            "id": UNIT_ATTRIBUTE,
            "name": unit_name.get(lang),
            "values": units
                .iter()
                .map(|&u| json!({"id": unit_list.codes[u].id, "name": unit_list.codes[u].name.get(lang)}))
                .collect::<Vec<_>>(),
        })]
    } else {
        vec![]
    };
    let with_unit_attribute = !obs_attributes.is_empty();
    let mut obs_attributes = obs_attributes;
    // Every observation's status (with the attributes, `full` detail): A, or P for a provisional
    // national figure.
    let status_list = flow.codelist(STATUS_CODELIST);
    if with_units {
        let status = concept(STATUS_ATTRIBUTE);
        obs_attributes.push(json!({
            "id": STATUS_ATTRIBUTE,
            "name": status.get(lang),
            "values": status_list
                .codes
                .iter()
                .map(|c| json!({"id": c.id, "name": c.name.get(lang)}))
                .collect::<Vec<_>>(),
        }));
    }
    let status_index = |s: &Series, p: &Period| {
        let id = s.status(p);
        status_list.codes.iter().position(|c| c.id == id)
    };
    // Observations that overflowed carry a comment saying so.
    let overflowed = series
        .iter()
        .any(|s| s.observations.iter().any(|(_, v)| v.is_nan()));
    if overflowed {
        let comment = concept(COMMENT_ATTRIBUTE);
        obs_attributes.push(json!({
            "id": COMMENT_ATTRIBUTE,
            "name": comment.get(lang),
            "values": [{"id": OVERFLOW, "name": overflow_text().get(lang)}],
        }));
    }
    let index = |v: &[usize], x: usize| v.iter().position(|&y| y == x).unwrap_or(0);
    let obs_value = |s: &Series, p: &Period, v: f64| {
        let mut o = vec![if v.is_nan() { json!(null) } else { json!(v) }];
        if with_unit_attribute {
            o.push(json!(unit_pos(s).map(|u| index(&units, u))));
        }
        if with_units {
            o.push(json!(status_index(s, p)));
        }
        if overflowed {
            o.push(if v.is_nan() { json!(0) } else { json!(null) });
        }
        serde_json::Value::Array(o)
    };
    let mut data_set = Map::new();
    data_set.insert("action".into(), json!("Information"));
    if all_dimensions {
        let mut observations = Map::new();
        for s in series {
            for (p, v) in &s.observations {
                let t = times.iter().position(|x| x == p).unwrap_or(0);
                observations.insert(
                    format!(
                        "0:{}:{}:{t}",
                        index(&areas, s.area),
                        index(&indicators, s.indicator)
                    ),
                    obs_value(s, p, *v),
                );
            }
        }
        data_set.insert(
            "observations".into(),
            serde_json::Value::Object(observations),
        );
    } else {
        let mut all = Map::new();
        for s in series {
            let mut observations = Map::new();
            for (p, v) in &s.observations {
                let t = times.iter().position(|x| x == p).unwrap_or(0);
                observations.insert(t.to_string(), obs_value(s, p, *v));
            }
            all.insert(
                format!(
                    "0:{}:{}",
                    index(&areas, s.area),
                    index(&indicators, s.indicator)
                ),
                json!({"attributes": [], "observations": observations}),
            );
        }
        data_set.insert("series".into(), serde_json::Value::Object(all));
    }
    let name = flow_name();
    json!({
        "header": {
            "id": message_id(),
            "test": false,
            "prepared": prepared(),
            "sender": {"id": AGENCY, "name": sender_name().get(lang)},
        },
        "structure": {
            "links": [{
                "href": format!("/sdmx/dataflow/{AGENCY}/{FLOW}/{VERSION}"),
                "rel": "dataflow",
                "urn": urn("datastructure.Dataflow", FLOW),
            }, {
                "href": format!("/sdmx/datastructure/{AGENCY}/{DSD}/{VERSION}"),
                "rel": "datastructure",
                "urn": urn("datastructure.DataStructure", DSD),
            }],
            "name": name.get(lang),
            "names": name.json(),
            "dimensions": {"dataSet": [], "series": series_dims, "observation": obs_dims},
            "attributes": {"dataSet": [], "series": [], "observation": obs_attributes},
        },
        "dataSets": [serde_json::Value::Object(data_set)],
    })
}

/// SDMX-CSV 1.0 (`DATAFLOW,FREQ,REF_AREA,INDICATOR,TIME_PERIOD,OBS_VALUE`) or 2.0
/// (`STRUCTURE,STRUCTURE_ID,ACTION,…,OBS_VALUE,UNIT_MEASURE`).
fn data_csv(flow: &Flow, series: &[Series], v2: bool, with_units: bool) -> AppResult<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut head: Vec<&str> = if v2 {
        vec!["STRUCTURE", "STRUCTURE_ID", "ACTION"]
    } else {
        vec!["DATAFLOW"]
    };
    head.extend(DIMENSIONS.iter().map(|d| d.0));
    head.extend([TIME, MEASURE]);
    let units = v2 && with_units;
    if units {
        head.push(UNIT_ATTRIBUTE);
    }
    // Every observation's status, with the attributes (`full` detail).
    if with_units {
        head.push(STATUS_ATTRIBUTE);
    }
    // Observations that overflowed: OBS_VALUE NaN, and a comment column saying why.
    let overflowed = series
        .iter()
        .any(|s| s.observations.iter().any(|(_, v)| v.is_nan()));
    if overflowed {
        head.push(COMMENT_ATTRIBUTE);
    }
    w.write_record(&head).map_err(AppError::internal)?;
    let flow_ref = flow_ref();
    for s in series {
        let ind = &flow.indicators[s.indicator];
        let mut key: Vec<String> = if v2 {
            vec!["dataflow".into(), flow_ref.clone(), "I".into()]
        } else {
            vec![flow_ref.clone()]
        };
        key.extend([
            "M".to_owned(),
            flow.areas[s.area].code.clone(),
            ind.code.clone(),
        ]);
        let unit = unit_code(&ind.unit_vi);
        let rows: Vec<(String, String, &str, &str)> = if s.observations.is_empty() {
            vec![(String::new(), String::new(), "", "")]
        } else {
            s.observations
                .iter()
                .map(|(p, v)| {
                    let comment = if v.is_nan() { OVERFLOW } else { "" };
                    (time_id(p), v.to_string(), s.status(p), comment)
                })
                .collect()
        };
        for (t, v, status, comment) in rows {
            let mut rec = key.clone();
            rec.push(t);
            rec.push(v);
            if units {
                rec.push(unit.clone());
            }
            if with_units {
                rec.push(status.to_owned());
            }
            if overflowed {
                rec.push(comment.to_owned());
            }
            w.write_record(&rec).map_err(AppError::internal)?;
        }
    }
    w.into_inner().map_err(AppError::internal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn period_bounds_in_every_form() {
        let m = |y, m| Some(Period::month(y, m));
        assert_eq!(parse_bound("2025-01", false), m(2025, 1));
        assert_eq!(parse_bound("202501", false), m(2025, 1));
        assert_eq!(parse_bound("2025-01-31", true), m(2025, 1));
        assert_eq!(parse_bound("2025-M09", false), m(2025, 9));
        assert_eq!(parse_bound("2025", false), m(2025, 1));
        assert_eq!(parse_bound("2025", true), m(2025, 12));
        assert_eq!(parse_bound("2025-Q2", false), m(2025, 4));
        assert_eq!(parse_bound("2025Q2", true), m(2025, 6));
        assert_eq!(parse_bound("2025-S2", false), m(2025, 7));
        for bad in [
            "",
            "2025-13",
            "202513",
            "2025-00",
            "2025-02-30",
            "2025-Q5",
            "25-01",
            "2025/01",
            "tháng 1",
            "2025-1",
            "1899",
            "2025-01-01T00:00",
            "2025-M1",
        ] {
            assert_eq!(parse_bound(bad, false), None, "{bad}");
        }
    }

    #[test]
    fn flows_and_units() {
        assert!(flow_matches("DF_KTXH_THANG"));
        assert!(flow_matches("EGOV,DF_KTXH_THANG,1.0"));
        assert!(flow_matches("all,DF_KTXH_THANG,latest"));
        assert!(!flow_matches("EGOV,DF_KTXH_THANG,2.0"));
        assert!(!flow_matches("ECB,DF_KTXH_THANG"));
        assert!(!flow_matches("DF_OTHER"));
        assert_eq!(unit_code("tỷ đồng"), "TY_DONG");
        assert_eq!(unit_code("%"), "PCT");
        assert_eq!(unit_code("điểm (kỳ gốc = 100)"), "DIEM_KY_GOC_100");
        assert_eq!(unit_code("nghìn m³"), "NGHIN_M3");
        assert_eq!(unit_code("triệu đồng/người"), "TRIEU_DONG_NGUOI");
    }

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
