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
//!   structure-specific data ([`xml`]), SDMX-JSON data message 1.0, SDMX-CSV 1.0
//!   (`Accept: application/vnd.sdmx.data+csv;version=1.0.0` or `?format=csv`) or SDMX-CSV 2.0
//!   (`…;version=2.0.0` or `?format=csv2`).
//!
//! `REF_AREA` `VN` is the national aggregate of approved values by each indicator's rule over
//! units (derived indicators evaluated on the aggregates); a province code is the approved
//! values of the province bearing that code in each month (codes were reused in 2025).
//! A query without results is 404 `sdmx_no_results`, as the SDMX REST standard says.
//!
//! Format logic only, in four parts: [`structure`] (structure messages, JSON and XML), [`data`]
//! (the observations and the data messages in JSON and CSV), [`key`] (keys and period bounds),
//! [`xml`] (SDMX-ML writing, the data messages in XML). The handlers are in `http::sdmx`.

pub mod data;
pub mod key;
pub mod structure;
pub mod xml;

use std::collections::BTreeMap;

use platform::db::{Db, DbError, DbResult};
use platform::i18n::Lang;
use registry::store::Unit;
use serde_json::json;

use crate::model::indicator::Indicator;
use crate::model::period::Period;
use crate::store::catalogue;

pub use data::{Series, observations};
pub use key::{KeySelection, flow_matches, months, parse_bound, parse_key, time_id};

/// Why an SDMX query has no answer. Each has a stable code (`code`), which the HTTP edge turns
/// into the JSON error envelope.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// `startPeriod` or `endPeriod` is not a period.
    #[error("{param} is not a period: {value}")]
    PeriodInvalid { param: &'static str, value: String },
    /// The start is after the end.
    #[error("the period range {start} to {end} is empty")]
    PeriodRangeInvalid { start: String, end: String },
    /// More than [`MAX_MONTHS`] months.
    #[error("the period range covers {months} months")]
    PeriodRangeTooLong { months: i32 },
    /// The key does not have one part per dimension.
    #[error("the key {key} does not have one part per dimension")]
    KeyInvalid { key: String },
    /// A key value not in its dimension's codelist.
    #[error("{value} is not a value of {dimension}")]
    KeyValueUnknown {
        dimension: &'static str,
        value: String,
    },
    /// A query parameter with a value outside those allowed.
    #[error("{param}={value} (allowed: {allowed})")]
    ParamInvalid {
        param: String,
        value: String,
        allowed: String,
    },
    /// Not this service's dataflow.
    #[error("unknown dataflow {flow}")]
    FlowUnknown { flow: String },
    /// Nothing matches (SDMX REST: 404).
    #[error("no results")]
    NoResults,
    /// Writing a message failed.
    #[error("writing the message: {0}")]
    Write(String),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl Error {
    /// The stable code of the error.
    pub fn code(&self) -> &'static str {
        match self {
            Error::PeriodInvalid { .. } => "sdmx_period_invalid",
            Error::PeriodRangeInvalid { .. } => "sdmx_period_range_invalid",
            Error::PeriodRangeTooLong { .. } => "sdmx_period_range_too_long",
            Error::KeyInvalid { .. } => "sdmx_key_invalid",
            Error::KeyValueUnknown { .. } => "sdmx_key_value_unknown",
            Error::ParamInvalid { .. } => "sdmx_param_invalid",
            Error::FlowUnknown { .. } => "sdmx_flow_unknown",
            Error::NoResults => "sdmx_no_results",
            Error::Write(_) | Error::Db(_) => "internal",
        }
    }

    /// A parameter outside its allowed values.
    pub fn param(param: &str, value: &str, allowed: &str) -> Error {
        Error::ParamInvalid {
            param: param.to_owned(),
            value: value.to_owned(),
            allowed: allowed.to_owned(),
        }
    }
}

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

/// Dimensions in key order, with their codelists; `TIME_PERIOD` follows.
pub(crate) const DIMENSIONS: [(&str, &str); 3] = [
    ("FREQ", "CL_FREQ"),
    ("REF_AREA", "CL_AREA"),
    ("INDICATOR", "CL_INDICATOR"),
];
pub(crate) const TIME: &str = "TIME_PERIOD";
pub(crate) const MEASURE: &str = "OBS_VALUE";
pub(crate) const UNIT_ATTRIBUTE: &str = "UNIT_MEASURE";
pub(crate) const UNIT_CODELIST: &str = "CL_UNIT_MEASURE";
/// Observation comment (SDMX cross-domain concept OBS_COM): why an observation has no value,
/// e.g. `overflow` for an aggregate beyond the range of computation.
pub(crate) const COMMENT_ATTRIBUTE: &str = "OBS_COM";
/// Observation status (SDMX cross-domain concept OBS_STATUS, code list CL_OBS_STATUS): `A` for
/// a normal value, `P` for a provisional national figure (not every province due has reported).
pub(crate) const STATUS_ATTRIBUTE: &str = "OBS_STATUS";
pub(crate) const STATUS_CODELIST: &str = "CL_OBS_STATUS";
pub(crate) const STATUS_NORMAL: &str = "A";
pub(crate) const STATUS_PROVISIONAL: &str = "P";
/// The comment of an observation whose aggregate overflowed (its OBS_VALUE is NaN).
pub(crate) const OVERFLOW: &str = "overflow";

pub(crate) fn overflow_text() -> Text {
    Text::new(
        "Tràn số: kết quả vượt giới hạn tính toán",
        "Overflow: the result is beyond the range of computation",
    )
}

/// Concepts: id, Vietnamese name, English name.
pub(crate) const CONCEPTS: [(&str, &str, &str); 8] = [
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

pub(crate) fn vi_date(iso: &str) -> String {
    match iso.split('-').collect::<Vec<_>>().as_slice() {
        [y, m, d] => format!("{d}/{m}/{y}"),
        _ => iso.to_owned(),
    }
}

pub(crate) fn area_code(code: &str, units: &[Unit]) -> Code {
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

    pub(crate) fn codelist(&self, id: &str) -> &Codelist {
        self.codelists
            .iter()
            .find(|c| c.id == id)
            .unwrap_or(&self.codelists[0])
    }
}

pub(crate) fn flow_name() -> Text {
    Text::new(
        "Chỉ tiêu kinh tế – xã hội hằng tháng của các tỉnh, thành phố và cả nước",
        "Monthly socio-economic indicators of the provinces and the whole country",
    )
}

pub(crate) fn flow_description() -> Text {
    Text::new(
        "Số liệu đã phê duyệt của các chỉ tiêu công khai. VN là số cả nước, tổng hợp từ số liệu của các tỉnh, thành phố theo quy tắc của từng chỉ tiêu; mã tỉnh là số liệu của tỉnh mang mã đó trong từng tháng.",
        "Approved figures of the public indicators. VN is the national figure, aggregated from the provinces' figures by each indicator's rule; a province code is the figures of the province bearing that code in each month.",
    )
}

pub(crate) fn dsd_name() -> Text {
    Text::new(
        "Cấu trúc dữ liệu chỉ tiêu kinh tế – xã hội",
        "Data structure of socio-economic indicators",
    )
}

pub(crate) fn concept_scheme_name() -> Text {
    Text::new(
        "Khái niệm của báo cáo kinh tế – xã hội",
        "Concepts of socio-economic reporting",
    )
}

pub(crate) fn sender_name() -> Text {
    Text::new(
        "Hệ thống thông tin báo cáo Chính phủ (egov)",
        "Government Reporting Information System (egov)",
    )
}

pub(crate) fn flow_ref() -> String {
    format!("{AGENCY}:{FLOW}({VERSION})")
}

pub(crate) fn urn(class: &str, id: &str) -> String {
    format!("urn:sdmx:org.sdmx.infomodel.{class}={AGENCY}:{id}({VERSION})")
}

pub(crate) fn concept_urn(id: &str) -> String {
    format!("{}.{id}", urn("conceptscheme.Concept", CONCEPT_SCHEME))
}

pub(crate) fn prepared() -> String {
    time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap_or_else(|_| time::OffsetDateTime::now_utc())
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

pub(crate) fn message_id() -> String {
    format!("EGOV{}", platform::db::now_ms())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_of_measure_become_codes() {
        assert_eq!(unit_code("tỷ đồng"), "TY_DONG");
        assert_eq!(unit_code("%"), "PCT");
        assert_eq!(unit_code("điểm (kỳ gốc = 100)"), "DIEM_KY_GOC_100");
        assert_eq!(unit_code("nghìn m³"), "NGHIN_M3");
        assert_eq!(unit_code("triệu đồng/người"), "TRIEU_DONG_NGUOI");
    }
}
