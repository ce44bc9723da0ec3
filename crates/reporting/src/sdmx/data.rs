//! SDMX data: the observations a key selects (approved values of the provinces, national
//! figures from the read API), and the data messages SDMX-JSON 1.0 and SDMX-CSV 1.0 / 2.0
//! (SDMX-ML in [`super::xml`]).

use std::collections::{BTreeSet, HashMap};

use platform::i18n::Lang;
use serde_json::{Map, json};

use super::*;
use crate::query;
use crate::store;

fn write_error(e: impl std::fmt::Display) -> Error {
    Error::Write(e.to_string())
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
pub async fn observations(
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
        Some(query::NationalView::load(db, &flow.catalogue, &owned, months).await?)
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
    let unit_ids: Vec<i64> = unit_ids.into_iter().collect();
    let indicator_ids: Vec<i64> = wanted.iter().map(|i| i.id).collect();
    let values = store::data::approved_values(db, &unit_ids, &indicator_ids, months).await?;
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

fn code_json(c: &Code, lang: Lang) -> serde_json::Value {
    json!({ "id": c.id, "name": c.name.get(lang), "names": c.name.json() })
}

/// What a data message carries (`detail`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    Full,
    DataOnly,
    SeriesKeysOnly,
    NoData,
}

/// The parameters of a data query that shape the message: `dimensionAtObservation`, `detail`,
/// `firstNObservations`, `lastNObservations`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataQuery {
    /// Every dimension on each observation (`AllDimensions`), or series by `TIME_PERIOD`.
    pub all_dimensions: bool,
    pub detail: Detail,
    pub first_n: Option<usize>,
    pub last_n: Option<usize>,
}

impl DataQuery {
    /// Read from the query parameters.
    pub fn parse(q: &HashMap<String, String>) -> Result<DataQuery, Error> {
        let all_dimensions = match q.get("dimensionAtObservation").map(String::as_str) {
            None | Some("TIME_PERIOD") => false,
            Some("AllDimensions") => true,
            Some(other) => {
                return Err(Error::param(
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
                return Err(Error::param(
                    "detail",
                    other,
                    "full, dataonly, serieskeysonly, nodata",
                ));
            }
        };
        let count = |name: &'static str| -> Result<Option<usize>, Error> {
            q.get(name)
                .map(|v| {
                    v.trim()
                        .parse::<usize>()
                        .ok()
                        .filter(|n| *n > 0)
                        .ok_or_else(|| Error::param(name, v, "1, 2, 3…"))
                })
                .transpose()
        };
        Ok(DataQuery {
            all_dimensions,
            detail,
            first_n: count("firstNObservations")?,
            last_n: count("lastNObservations")?,
        })
    }

    /// The unit of measure and each observation's status are attached (`full` detail).
    pub fn with_units(&self) -> bool {
        self.detail == Detail::Full
    }

    /// Keep the first or last observations asked for, none for keys only.
    pub fn trim(&self, series: &mut [Series]) {
        for s in series {
            if let Some(n) = self.first_n {
                s.observations.truncate(n);
            }
            if let Some(n) = self.last_n {
                let skip = s.observations.len().saturating_sub(n);
                s.observations.drain(..skip);
            }
            if matches!(self.detail, Detail::SeriesKeysOnly | Detail::NoData) {
                s.observations.clear();
            }
        }
    }
}

/// SDMX-JSON data message 1.0: `header`, `structure` (dimension and attribute values listed
/// once, keys are their positions) and `dataSets`.
pub fn data_json(
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
pub fn data_csv(
    flow: &Flow,
    series: &[Series],
    v2: bool,
    with_units: bool,
) -> Result<Vec<u8>, Error> {
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
    w.write_record(&head).map_err(write_error)?;
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
            w.write_record(&rec).map_err(write_error)?;
        }
    }
    w.into_inner().map_err(write_error)
}
