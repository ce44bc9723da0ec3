//! Disaggregation (phân tổ): a child indicator is one option of one dimension of its parent. From
//! it: an indicator's parts by dimension, the part a DHIS2 category option combo names, and the
//! validation rules "the parts of a dimension sum to the parent" (within 0.5 %).

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::indicator::{AggUnits, Indicator};

/// Names of the usual dimensions in rule messages.
fn dimension_names(d: &str) -> (String, String) {
    match d {
        "sex" => ("giới tính".into(), "sex".into()),
        "area" => ("thành thị, nông thôn".into(), "urban/rural".into()),
        "age" => ("nhóm tuổi".into(), "age group".into()),
        other => (other.into(), other.into()),
    }
}

/// Prefix of the validation rules generated from disaggregations.
pub const PARTS_RULE_PREFIX: &str = "PARTS_";

/// A validation rule generated from a breakdown (a warning, compared with `<=`).
#[derive(Debug, Clone, PartialEq)]
pub struct PartsRule {
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
    pub left: String,
    pub right: String,
}

/// The rules "the parts of a dimension sum to the parent" (0.5 % tolerance) for every additive
/// parent with at least two parts in a dimension, in order of parent and dimension.
pub fn parts_rules(all: &[Indicator]) -> Vec<PartsRule> {
    let by_code: HashMap<&str, &Indicator> = all.iter().map(|i| (i.code.as_str(), i)).collect();
    let mut groups: BTreeMap<(&str, &str), Vec<&str>> = BTreeMap::new();
    for i in all {
        if let (Some(p), Some(d)) = (&i.parent, &i.dimension) {
            groups.entry((p, d)).or_default().push(&i.code);
        }
    }
    let mut out = Vec::new();
    for ((parent, dim), children) in &groups {
        let Some(p) = by_code.get(parent) else {
            continue;
        };
        if AggUnits::parse(&p.agg_units) != Some(AggUnits::Sum) || children.len() < 2 {
            continue;
        }
        let (dim_vi, dim_en) = dimension_names(dim);
        out.push(PartsRule {
            code: format!("{PARTS_RULE_PREFIX}{parent}_{}", dim.to_uppercase()),
            name_vi: format!(
                "Tổng các nhóm theo {dim_vi} phải bằng {} (sai lệch không quá 0,5%)",
                p.name_vi
            ),
            name_en: format!(
                "Parts by {dim_en} must add up to {} (within 0.5%)",
                p.name_en
            ),
            left: format!("abs({} - {parent})", children.join(" + ")),
            right: format!("0.005 * {parent}"),
        });
    }
    out
}

/// One part of a disaggregated indicator.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Part {
    pub option: String,
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
}

/// The breakdown of an indicator: its parts, by dimension.
pub fn breakdown(code: &str, all: &[Indicator]) -> BTreeMap<String, Vec<Part>> {
    let mut out: BTreeMap<String, Vec<Part>> = BTreeMap::new();
    for i in all {
        if i.parent.as_deref() == Some(code)
            && let (Some(d), Some(o)) = (&i.dimension, &i.option)
        {
            out.entry(d.clone()).or_default().push(Part {
                option: o.clone(),
                code: i.code.clone(),
                name_vi: i.name_vi.clone(),
                name_en: i.name_en.clone(),
            });
        }
    }
    out
}

/// DHIS2's default category option combo (no disaggregation), by uid or name.
const DEFAULT_COMBOS: [&str; 2] = ["HllvX50cXC0", "default"];

/// The indicator a DHIS2 data value is for: its data element, or — with a category option
/// combo — the part of that element whose option (or code) is the combo. None: no such part.
pub fn resolve_part(all: &[Indicator], element: &str, combo: Option<&str>) -> Option<String> {
    let element = element.trim().to_uppercase();
    let combo = combo.map(str::trim).filter(|c| !c.is_empty());
    match combo {
        None => Some(element),
        Some(c) if DEFAULT_COMBOS.iter().any(|d| d.eq_ignore_ascii_case(c)) => Some(element),
        Some(c) => all
            .iter()
            .find(|i| {
                i.parent.as_deref() == Some(element.as_str())
                    && (i
                        .option
                        .as_deref()
                        .is_some_and(|o| o.eq_ignore_ascii_case(c))
                        || i.code.eq_ignore_ascii_case(c))
            })
            .map(|i| i.code.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ind(code: &str, agg: &str, part: Option<(&str, &str, &str)>) -> Indicator {
        Indicator {
            code: code.into(),
            name_vi: format!("{code} vi"),
            name_en: format!("{code} en"),
            agg_units: agg.into(),
            parent: part.map(|p| p.0.into()),
            dimension: part.map(|p| p.1.into()),
            option: part.map(|p| p.2.into()),
            ..Default::default()
        }
    }

    #[test]
    fn two_parts_of_an_additive_parent_make_a_rule() {
        let all = [
            ind("POP", "sum", None),
            ind("POP_M", "sum", Some(("POP", "sex", "male"))),
            ind("POP_F", "sum", Some(("POP", "sex", "female"))),
            ind("POP_U", "sum", Some(("POP", "area", "urban"))),
            ind("RATE", "avg", None),
            ind("RATE_M", "avg", Some(("RATE", "sex", "male"))),
            ind("RATE_F", "avg", Some(("RATE", "sex", "female"))),
        ];
        let rules = parts_rules(&all);
        assert_eq!(rules.len(), 1, "{rules:?}");
        assert_eq!(rules[0].code, "PARTS_POP_SEX");
        assert_eq!(rules[0].left, "abs(POP_M + POP_F - POP)");
        assert_eq!(rules[0].right, "0.005 * POP");
        assert!(
            rules[0].name_vi.contains("giới tính"),
            "{}",
            rules[0].name_vi
        );
        let b = breakdown("POP", &all);
        assert_eq!(b["sex"].len(), 2);
        assert_eq!(b["area"][0].code, "POP_U");
    }
}
