//! Keys and periods of SDMX data queries: `FREQ.REF_AREA.INDICATOR` against the flow's
//! codelists, and the period bounds `startPeriod` / `endPeriod` in the forms SDMX REST allows.

use std::collections::HashMap;

use super::{AGENCY, DIMENSIONS, Error, FLOW, Flow, MAX_MONTHS, VERSION};
use crate::model::period::Period;

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

pub(crate) fn ordinal(p: &Period) -> i32 {
    p.year * 12 + i32::from(p.index) - 1
}

pub(crate) fn from_ordinal(n: i32) -> Period {
    Period::month(n.div_euclid(12), (n.rem_euclid(12) + 1) as u8)
}

/// `2025-09` for September 2025.
pub fn time_id(p: &Period) -> String {
    format!("{:04}-{:02}", p.year, p.index)
}

/// The months between `startPeriod` and `endPeriod`: by default the [`MAX_MONTHS`] months up
/// to the current one.
pub fn months(q: &HashMap<String, String>) -> Result<Vec<Period>, Error> {
    let bound = |name: &'static str, end: bool| -> Result<Option<Period>, Error> {
        q.get(name)
            .map(|v| {
                parse_bound(v, end).ok_or_else(|| Error::PeriodInvalid {
                    param: name,
                    value: v.clone(),
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
        return Err(Error::PeriodRangeInvalid {
            start: time_id(&start),
            end: time_id(&end),
        });
    }
    let n = ordinal(&end) - ordinal(&start) + 1;
    if n > MAX_MONTHS {
        return Err(Error::PeriodRangeTooLong { months: n });
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
pub fn parse_key(key: Option<&str>, flow: &Flow) -> Result<KeySelection, Error> {
    let key = key.map(str::trim).unwrap_or("");
    let invalid = || Error::KeyInvalid {
        key: key.to_owned(),
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
            let pos =
                codes
                    .iter()
                    .position(|c| c.id == value)
                    .ok_or_else(|| Error::KeyValueUnknown {
                        dimension: dim,
                        value: value.to_owned(),
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
    fn flows_match_with_agency_and_version() {
        assert!(flow_matches("DF_KTXH_THANG"));
        assert!(flow_matches("EGOV,DF_KTXH_THANG,1.0"));
        assert!(flow_matches("all,DF_KTXH_THANG,latest"));
        assert!(!flow_matches("EGOV,DF_KTXH_THANG,2.0"));
        assert!(!flow_matches("ECB,DF_KTXH_THANG"));
        assert!(!flow_matches("DF_OTHER"));
    }
}
