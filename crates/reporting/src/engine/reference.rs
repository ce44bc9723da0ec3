//! The reporting system's reference data, shipped in `seed/`: the indicator catalogue, report
//! templates and their indicators, validation rules and the holiday calendar — five reference
//! sets applied by `platform::reference` (versioned, idempotent, audited, local changes kept).

use platform::FaultResult;
use platform::audit::Actor;
use platform::db::{Db, Tx};
use platform::reference::{Files, Fut, Records, ReferenceSet, Source, opt_text};
use registry::Level;
use serde_json::{Value as Json, json};

use crate::engine::catalogue::{self as import, Format};
use crate::model::indicator::Indicator;
use crate::model::period::PeriodKind;
use crate::store;
use crate::store::templates::TemplateRecord;
use crate::store::validation_rules::RULE_FIELDS;

/// The shipped catalogue, in the file format of [`crate::engine::catalogue`].
pub const SEED_INDICATORS: &str = include_str!("../../seed/indicators.csv");

/// The reporting system's reference files in this release. Bump `version` when a file changes.
pub static SOURCE: Source = Source {
    name: "reporting",
    version: "2026.2",
    files: &[
        ("indicators.csv", SEED_INDICATORS),
        ("templates.csv", include_str!("../../seed/templates.csv")),
        (
            "template_indicators.csv",
            include_str!("../../seed/template_indicators.csv"),
        ),
        ("rules.csv", include_str!("../../seed/rules.csv")),
        ("holidays.csv", include_str!("../../seed/holidays.csv")),
    ],
};

/// The reporting system's reference sets, in the order they are applied (after the registry's:
/// indicators and templates name agencies).
pub fn sets() -> Vec<&'static dyn ReferenceSet> {
    vec![
        &Indicators,
        &Templates,
        &TemplateIndicators,
        &Rules,
        &Holidays,
    ]
}

fn records(name: &str, text: &str) -> FaultResult<Vec<csv::StringRecord>> {
    csv::Reader::from_reader(text.as_bytes())
        .records()
        .collect::<Result<_, _>>()
        .map_err(|e| platform::fault!("{name}: {e}"))
}

fn text(v: &Json, field: &str) -> FaultResult<String> {
    v[field]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| platform::fault!("field {field} missing"))
}

/// The indicator catalogue (`indicators.csv`), read by the same parser and checks as an imported
/// catalogue.
pub struct Indicators;

impl ReferenceSet for Indicators {
    fn name(&self) -> &'static str {
        "reporting.indicators"
    }
    fn source(&self) -> &'static Source {
        &SOURCE
    }
    fn shipped(&self, files: &Files) -> FaultResult<Records> {
        let text = files.get("indicators.csv")?;
        let table = import::read(text.as_bytes(), Format::Csv)
            .map_err(|e| platform::fault!("indicators.csv: {e:?}"))?;
        let (rows, headers) =
            import::parse(&table).map_err(|e| platform::fault!("indicators.csv: {e:?}"))?;
        let bad = import::check_references(&rows, &headers, &[], &Default::default());
        platform::ensure!(bad.is_empty(), "indicators.csv: {bad:?}");
        rows.into_iter()
            .map(|r| {
                Ok((
                    r.indicator.code.clone(),
                    serde_json::to_value(&r.indicator)?,
                ))
            })
            .collect()
    }
    fn current<'a>(&'a self, tx: &'a mut Tx) -> Fut<'a, Records> {
        Box::pin(async move {
            store::catalogue::list_in(tx)
                .await?
                .into_iter()
                .map(|i| Ok((i.code.clone(), serde_json::to_value(&i)?)))
                .collect()
        })
    }
    fn write<'a>(&'a self, tx: &'a mut Tx, records: &'a [(String, Json)]) -> Fut<'a, ()> {
        Box::pin(async move {
            let rows: Vec<Indicator> = records
                .iter()
                .map(|(_, v)| serde_json::from_value(v.clone()))
                .collect::<Result<_, _>>()?;
            store::catalogue::write(tx, &rows).await?;
            Ok(())
        })
    }
    fn finish<'a>(&'a self, tx: &'a mut Tx) -> Fut<'a, ()> {
        Box::pin(async move {
            import::sync_breakdown_rules(tx).await?;
            // Derived indicators must parse and must not depend on themselves, directly or not.
            let defs = store::catalogue::formulas_in(tx).await?;
            let parsed = crate::model::formula::parse_catalogue(defs)
                .map_err(|(code, e)| platform::fault!("indicator {code}: {e}"))?;
            crate::model::formula::check_cycles(&parsed).map_err(|path| {
                platform::fault!("derived indicators form a cycle: {}", path.join(" → "))
            })?;
            Ok(())
        })
    }
}

/// Report templates (`templates.csv`).
pub struct Templates;

fn template_json(r: [&str; 5], agency: Option<&str>, deadline: i64, remind: i64) -> Json {
    json!({
        "code": r[0], "name_vi": r[1], "name_en": r[2], "period_kind": r[3], "unit_level": r[4],
        "agency": agency, "deadline_days": deadline, "remind_days": remind,
    })
}

impl ReferenceSet for Templates {
    fn name(&self) -> &'static str {
        "reporting.templates"
    }
    fn source(&self) -> &'static Source {
        &SOURCE
    }
    fn shipped(&self, files: &Files) -> FaultResult<Records> {
        let mut out = Vec::new();
        for (i, r) in records("templates.csv", files.get("templates.csv")?)?
            .iter()
            .enumerate()
        {
            let line = i + 2;
            let (code, kind, level) = (r[0].trim(), r[3].trim(), r[4].trim());
            platform::ensure!(
                PeriodKind::parse(kind).is_some(),
                "templates.csv line {line}: period kind {kind:?}"
            );
            platform::ensure!(
                matches!(
                    Level::parse(level),
                    Some(Level::Nation | Level::Province | Level::Commune)
                ),
                "templates.csv line {line}: unit level {level:?}"
            );
            let agency = opt_text(&r[5]);
            platform::ensure!(
                (level == "nation") != agency.is_null(),
                "templates.csv line {line}: a national template names its ministry, others none"
            );
            let deadline: i64 = r[6].trim().parse().map_err(|e| {
                platform::fault!("templates.csv line {line}: deadline {:?}: {e}", &r[6])
            })?;
            let remind: i64 = r[7].trim().parse().map_err(|e| {
                platform::fault!("templates.csv line {line}: reminder days {:?}: {e}", &r[7])
            })?;
            out.push((
                code.to_owned(),
                template_json(
                    [code, r[1].trim(), r[2].trim(), kind, level],
                    agency.as_str(),
                    deadline,
                    remind,
                ),
            ));
        }
        Ok(out)
    }
    fn current<'a>(&'a self, tx: &'a mut Tx) -> Fut<'a, Records> {
        Box::pin(async move {
            Ok(store::templates::records_in(tx)
                .await?
                .into_iter()
                .map(|t| {
                    let v = template_json(
                        [
                            &t.code,
                            &t.name_vi,
                            &t.name_en,
                            &t.period_kind,
                            &t.unit_level,
                        ],
                        t.agency_code.as_deref(),
                        t.deadline_days,
                        t.remind_days,
                    );
                    (t.code, v)
                })
                .collect())
        })
    }
    fn write<'a>(&'a self, tx: &'a mut Tx, records: &'a [(String, Json)]) -> Fut<'a, ()> {
        Box::pin(async move {
            for (code, v) in records {
                let agency_id: Option<i64> = match v["agency"].as_str() {
                    Some(a) => {
                        Some(registry::store::agency_id_in(tx, a).await?.ok_or_else(|| {
                            platform::fault!("template {code}: agency {a} not in the registry")
                        })?)
                    }
                    None => None,
                };
                let record = TemplateRecord {
                    code: code.clone(),
                    name_vi: text(v, "name_vi")?,
                    name_en: text(v, "name_en")?,
                    period_kind: text(v, "period_kind")?,
                    unit_level: text(v, "unit_level")?,
                    deadline_days: v["deadline_days"].as_i64().unwrap_or(0),
                    remind_days: v["remind_days"].as_i64().unwrap_or(0),
                    agency_code: None,
                };
                store::templates::upsert_in(tx, &record, agency_id).await?;
            }
            Ok(())
        })
    }
}

/// The indicators of each template, in order (`template_indicators.csv`); a template's list
/// follows the file exactly.
pub struct TemplateIndicators;

impl ReferenceSet for TemplateIndicators {
    fn name(&self) -> &'static str {
        "reporting.template_indicators"
    }
    fn source(&self) -> &'static Source {
        &SOURCE
    }
    fn shipped(&self, files: &Files) -> FaultResult<Records> {
        let mut by_template: Vec<(String, Vec<String>)> = Vec::new();
        for r in records(
            "template_indicators.csv",
            files.get("template_indicators.csv")?,
        )? {
            let (t, ind) = (r[0].trim().to_owned(), r[1].trim().to_owned());
            match by_template.iter_mut().find(|(c, _)| *c == t) {
                Some((_, list)) => list.push(ind),
                None => by_template.push((t, vec![ind])),
            }
        }
        Ok(by_template
            .into_iter()
            .map(|(t, list)| (t, json!(list)))
            .collect())
    }
    fn current<'a>(&'a self, tx: &'a mut Tx) -> Fut<'a, Records> {
        Box::pin(async move {
            let out = store::templates::indicator_lists_in(tx).await?;
            Ok(out.into_iter().map(|(t, l)| (t, json!(l))).collect())
        })
    }
    fn write<'a>(&'a self, tx: &'a mut Tx, records: &'a [(String, Json)]) -> Fut<'a, ()> {
        Box::pin(async move {
            for (code, list) in records {
                let id = store::templates::id_in(tx, code).await?.ok_or_else(|| {
                    platform::fault!("template_indicators.csv: no template {code}")
                })?;
                let mut ids = Vec::new();
                for ind in list.as_array().into_iter().flatten() {
                    let ind = ind.as_str().unwrap_or("");
                    let (ind_id, derived) = store::catalogue::id_and_derived_in(tx, ind)
                        .await?
                        .ok_or_else(|| {
                            platform::fault!(
                                "template_indicators.csv: {code} names unknown indicator {ind}"
                            )
                        })?;
                    platform::ensure!(
                        !derived,
                        "template_indicators.csv: {code} lists {ind}, a derived indicator (computed, not reported)"
                    );
                    ids.push(ind_id);
                }
                store::templates::set_indicators_in(tx, id, &ids).await?;
            }
            Ok(())
        })
    }
}

/// Validation rules (`rules.csv`); the rules generated from disaggregations are not reference
/// records (they follow the catalogue).
pub struct Rules;

impl ReferenceSet for Rules {
    fn name(&self) -> &'static str {
        "reporting.rules"
    }
    fn source(&self) -> &'static Source {
        &SOURCE
    }
    fn shipped(&self, files: &Files) -> FaultResult<Records> {
        records("rules.csv", files.get("rules.csv")?)?
            .iter()
            .map(|r| {
                let f: Vec<&str> = (0..7).map(|i| r[i].trim()).collect();
                crate::model::rules::parse(f[0], f[1], f[2], f[3], f[4], f[5], f[6])?;
                let v: serde_json::Map<String, Json> = RULE_FIELDS
                    .iter()
                    .zip(&f)
                    .map(|(k, v)| ((*k).to_owned(), Json::String((*v).to_owned())))
                    .collect();
                Ok((f[0].to_owned(), Json::Object(v)))
            })
            .collect()
    }
    fn current<'a>(&'a self, tx: &'a mut Tx) -> Fut<'a, Records> {
        Box::pin(async move {
            Ok(store::validation_rules::all_in(tx)
                .await?
                .into_iter()
                .map(|f| {
                    let v: serde_json::Map<String, Json> = RULE_FIELDS
                        .iter()
                        .zip(&f)
                        .map(|(k, v)| ((*k).to_owned(), Json::String(v.clone())))
                        .collect();
                    (f[0].clone(), Json::Object(v))
                })
                .collect())
        })
    }
    fn write<'a>(&'a self, tx: &'a mut Tx, records: &'a [(String, Json)]) -> Fut<'a, ()> {
        Box::pin(async move {
            let known = store::catalogue::codes_in(tx).await?;
            for (_, v) in records {
                let f: Vec<String> = RULE_FIELDS
                    .iter()
                    .map(|k| text(v, k))
                    .collect::<FaultResult<_>>()?;
                let fields: [String; 7] = f
                    .clone()
                    .try_into()
                    .map_err(|_| platform::fault!("rule: seven fields"))?;
                let rule =
                    crate::model::rules::parse(&f[0], &f[1], &f[2], &f[3], &f[4], &f[5], &f[6])?;
                for code in rule
                    .left
                    .references()
                    .into_iter()
                    .chain(rule.right.references())
                {
                    platform::ensure!(
                        known.contains(&code),
                        "rule {}: unknown indicator {code}",
                        rule.code
                    );
                }
                store::validation_rules::upsert_in(tx, &fields).await?;
            }
            Ok(())
        })
    }
}

/// Official days off (`holidays.csv`), for deadlines in working days.
pub struct Holidays;

impl ReferenceSet for Holidays {
    fn name(&self) -> &'static str {
        "reporting.holidays"
    }
    fn source(&self) -> &'static Source {
        &SOURCE
    }
    fn shipped(&self, files: &Files) -> FaultResult<Records> {
        records("holidays.csv", files.get("holidays.csv")?)?
            .iter()
            .map(|r| {
                let day = r[0].trim();
                platform::ensure!(
                    registry::Day::parse(day).is_some(),
                    "holidays.csv: date {day:?}"
                );
                Ok((day.to_owned(), json!({"day": day, "name": r[1].trim()})))
            })
            .collect()
    }
    fn current<'a>(&'a self, tx: &'a mut Tx) -> Fut<'a, Records> {
        Box::pin(async move {
            Ok(store::holidays::all_in(tx)
                .await?
                .into_iter()
                .map(|(day, name)| (day.clone(), json!({"day": day, "name": name})))
                .collect())
        })
    }
    fn write<'a>(&'a self, tx: &'a mut Tx, records: &'a [(String, Json)]) -> Fut<'a, ()> {
        Box::pin(async move {
            for (day, v) in records {
                store::holidays::upsert_in(tx, day, &text(v, "name")?).await?;
            }
            Ok(())
        })
    }
}

/// Apply the reporting system's reference data (catalogue, templates, rules, holidays; see
/// [`sets`]); idempotent. Returns how many indicators were new.
pub async fn load_default(db: &Db, actor: &Actor) -> FaultResult<usize> {
    let reports = platform::reference::apply(db, actor, &sets(), &Default::default()).await?;
    Ok(reports
        .iter()
        .find(|r| r.name == "reporting.indicators")
        .map_or(0, |r| r.inserted))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_catalogue_is_complete() {
        let mut rdr = csv::Reader::from_reader(SEED_INDICATORS.as_bytes());
        let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
        assert!(rows.len() >= 60, "{}", rows.len());
        let monthly: Vec<&str> = rows
            .iter()
            .filter(|r| &r[15] == "true")
            .map(|r| &r[0])
            .collect();
        assert_eq!(monthly.len(), 8);
        for d in 1..=9 {
            assert!(
                rows.iter()
                    .filter(|r| r[5].parse::<i64>().unwrap() == d)
                    .count()
                    >= 4,
                "domain {d}"
            );
        }
    }
}
