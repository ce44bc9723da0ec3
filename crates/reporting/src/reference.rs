//! The reporting system's reference data, shipped in `seed/`: the indicator catalogue, report
//! templates and their indicators, validation rules and the holiday calendar — five reference
//! sets applied by `platform::reference` (versioned, idempotent, audited, local changes kept).

use std::collections::HashSet;

use platform::db::{DbResult, Row, Tx};
use platform::params;
use platform::reference::{Files, Fut, Records, ReferenceSet, Source, opt_text};
use registry::Level;
use serde_json::{Value as Json, json};

use crate::catalogue::Indicator;
use crate::model::period::PeriodKind;

/// The reporting system's reference files in this release. Bump `version` when a file changes.
pub static SOURCE: Source = Source {
    name: "reporting",
    version: "2025.1",
    files: &[
        ("indicators.csv", crate::catalogue::SEED_INDICATORS),
        ("templates.csv", include_str!("../seed/templates.csv")),
        (
            "template_indicators.csv",
            include_str!("../seed/template_indicators.csv"),
        ),
        ("rules.csv", include_str!("../seed/rules.csv")),
        ("holidays.csv", include_str!("../seed/holidays.csv")),
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

fn records(name: &str, text: &str) -> anyhow::Result<Vec<csv::StringRecord>> {
    csv::Reader::from_reader(text.as_bytes())
        .records()
        .collect::<Result<_, _>>()
        .map_err(|e| anyhow::anyhow!("{name}: {e}"))
}

fn text(v: &Json, field: &str) -> anyhow::Result<String> {
    v[field]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| anyhow::anyhow!("field {field} missing"))
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
    fn shipped(&self, files: &Files) -> anyhow::Result<Records> {
        let text = files.get("indicators.csv")?;
        let table = crate::catalogue_io::read(text.as_bytes(), crate::catalogue_io::Format::Csv)
            .map_err(|e| anyhow::anyhow!("indicators.csv: {e:?}"))?;
        let (rows, headers) = crate::catalogue_io::parse(&table)
            .map_err(|e| anyhow::anyhow!("indicators.csv: {e:?}"))?;
        let bad = crate::catalogue_io::check_references(&rows, &headers, &[], &Default::default());
        anyhow::ensure!(bad.is_empty(), "indicators.csv: {bad:?}");
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
            tx.fetch_all("SELECT * FROM indicators", params![])
                .await?
                .iter()
                .map(|r| {
                    let i = Indicator::from_row(r)?;
                    Ok((i.code.clone(), serde_json::to_value(&i)?))
                })
                .collect()
        })
    }
    fn write<'a>(&'a self, tx: &'a mut Tx, records: &'a [(String, Json)]) -> Fut<'a, ()> {
        Box::pin(async move {
            let rows: Vec<Indicator> = records
                .iter()
                .map(|(_, v)| serde_json::from_value(v.clone()))
                .collect::<Result<_, _>>()?;
            crate::catalogue_io::write(tx, &rows).await?;
            Ok(())
        })
    }
    fn finish<'a>(&'a self, tx: &'a mut Tx) -> Fut<'a, ()> {
        Box::pin(async move {
            crate::catalogue_io::sync_breakdown_rules(tx).await?;
            // Derived indicators must parse and must not depend on themselves, directly or not.
            let all = tx
                .fetch_all(
                    "SELECT code, formula FROM indicators WHERE formula IS NOT NULL",
                    params![],
                )
                .await?;
            let defs: Vec<(String, String)> = all
                .iter()
                .map(|r| Ok((r.get::<String>("code")?, r.get::<String>("formula")?)))
                .collect::<DbResult<_>>()?;
            let parsed = crate::model::formula::parse_catalogue(defs)
                .map_err(|(code, e)| anyhow::anyhow!("indicator {code}: {e}"))?;
            crate::model::formula::check_cycles(&parsed).map_err(|path| {
                anyhow::anyhow!("derived indicators form a cycle: {}", path.join(" → "))
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
    fn shipped(&self, files: &Files) -> anyhow::Result<Records> {
        let mut out = Vec::new();
        for (i, r) in records("templates.csv", files.get("templates.csv")?)?
            .iter()
            .enumerate()
        {
            let line = i + 2;
            let (code, kind, level) = (r[0].trim(), r[3].trim(), r[4].trim());
            anyhow::ensure!(
                PeriodKind::parse(kind).is_some(),
                "templates.csv line {line}: period kind {kind:?}"
            );
            anyhow::ensure!(
                matches!(
                    Level::parse(level),
                    Some(Level::Nation | Level::Province | Level::Commune)
                ),
                "templates.csv line {line}: unit level {level:?}"
            );
            let agency = opt_text(&r[5]);
            anyhow::ensure!(
                (level == "nation") != agency.is_null(),
                "templates.csv line {line}: a national template names its ministry, others none"
            );
            let deadline: i64 = r[6].trim().parse().map_err(|e| {
                anyhow::anyhow!("templates.csv line {line}: deadline {:?}: {e}", &r[6])
            })?;
            let remind: i64 = r[7].trim().parse().map_err(|e| {
                anyhow::anyhow!("templates.csv line {line}: reminder days {:?}: {e}", &r[7])
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
            tx.fetch_all(
                "SELECT t.code, t.name_vi, t.name_en, t.period_kind, t.unit_level, t.deadline_days, \
                 t.remind_days, a.code AS agency_code \
                 FROM report_templates t LEFT JOIN agencies a ON a.id = t.agency_id",
                params![],
            )
            .await?
            .iter()
            .map(|r: &Row| {
                let s = |c: &str| r.get::<String>(c);
                let code = s("code")?;
                let v = template_json(
                    [
                        &code,
                        &s("name_vi")?,
                        &s("name_en")?,
                        &s("period_kind")?,
                        &s("unit_level")?,
                    ],
                    r.get::<Option<String>>("agency_code")?.as_deref(),
                    r.get("deadline_days")?,
                    r.get("remind_days")?,
                );
                Ok((code, v))
            })
            .collect()
        })
    }
    fn write<'a>(&'a self, tx: &'a mut Tx, records: &'a [(String, Json)]) -> Fut<'a, ()> {
        Box::pin(async move {
            for (code, v) in records {
                let agency_id: Option<i64> = match v["agency"].as_str() {
                    Some(a) => Some(
                        tx.fetch_optional("SELECT id FROM agencies WHERE code = $1", params![a])
                            .await?
                            .ok_or_else(|| {
                                anyhow::anyhow!("template {code}: agency {a} not in the registry")
                            })?
                            .get("id")?,
                    ),
                    None => None,
                };
                let p = params![
                    code.as_str(),
                    text(v, "name_vi")?,
                    text(v, "name_en")?,
                    text(v, "period_kind")?,
                    text(v, "unit_level")?,
                    v["deadline_days"].as_i64().unwrap_or(0),
                    agency_id,
                    v["remind_days"].as_i64().unwrap_or(0)
                ];
                let exists = tx
                    .fetch_optional(
                        "SELECT id FROM report_templates WHERE code = $1",
                        params![code.as_str()],
                    )
                    .await?
                    .is_some();
                if exists {
                    tx.execute(
                        "UPDATE report_templates SET name_vi = $2, name_en = $3, period_kind = $4, unit_level = $5, \
                         deadline_days = $6, agency_id = $7, remind_days = $8 WHERE code = $1",
                        p,
                    )
                    .await?;
                } else {
                    tx.execute(
                        "INSERT INTO report_templates (code, name_vi, name_en, period_kind, unit_level, deadline_days, agency_id, remind_days) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                        p,
                    )
                    .await?;
                }
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
    fn shipped(&self, files: &Files) -> anyhow::Result<Records> {
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
            let mut out: Vec<(String, Vec<Json>)> = Vec::new();
            for r in tx
                .fetch_all(
                    "SELECT t.code AS template, i.code AS indicator FROM template_indicators ti \
                     JOIN report_templates t ON t.id = ti.template_id \
                     JOIN indicators i ON i.id = ti.indicator_id ORDER BY t.code, ti.position",
                    params![],
                )
                .await?
            {
                let (t, i): (String, String) = (r.get("template")?, r.get("indicator")?);
                match out.last_mut() {
                    Some((c, list)) if *c == t => list.push(Json::String(i)),
                    _ => out.push((t, vec![Json::String(i)])),
                }
            }
            Ok(out.into_iter().map(|(t, l)| (t, Json::Array(l))).collect())
        })
    }
    fn write<'a>(&'a self, tx: &'a mut Tx, records: &'a [(String, Json)]) -> Fut<'a, ()> {
        Box::pin(async move {
            for (code, list) in records {
                let id: i64 = tx
                    .fetch_optional(
                        "SELECT id FROM report_templates WHERE code = $1",
                        params![code.as_str()],
                    )
                    .await?
                    .ok_or_else(|| anyhow::anyhow!("template_indicators.csv: no template {code}"))?
                    .get("id")?;
                let mut ids = Vec::new();
                for (pos, ind) in list.as_array().into_iter().flatten().enumerate() {
                    let ind = ind.as_str().unwrap_or("");
                    let row = tx
                        .fetch_optional(
                            "SELECT id, formula FROM indicators WHERE code = $1",
                            params![ind],
                        )
                        .await?
                        .ok_or_else(|| {
                            anyhow::anyhow!(
                                "template_indicators.csv: {code} names unknown indicator {ind}"
                            )
                        })?;
                    anyhow::ensure!(
                        row.get::<Option<String>>("formula")?.is_none(),
                        "template_indicators.csv: {code} lists {ind}, a derived indicator (computed, not reported)"
                    );
                    let ind_id: i64 = row.get("id")?;
                    ids.push(ind_id);
                    tx.execute(
                        "INSERT INTO template_indicators (template_id, indicator_id, position) VALUES ($1, $2, $3) \
                         ON CONFLICT (template_id, indicator_id) DO UPDATE SET position = excluded.position",
                        params![id, ind_id, pos as i64],
                    )
                    .await?;
                }
                for r in tx
                    .fetch_all(
                        "SELECT indicator_id FROM template_indicators WHERE template_id = $1",
                        params![id],
                    )
                    .await?
                {
                    let ind_id: i64 = r.get("indicator_id")?;
                    if !ids.contains(&ind_id) {
                        tx.execute(
                            "DELETE FROM template_indicators WHERE template_id = $1 AND indicator_id = $2",
                            params![id, ind_id],
                        )
                        .await?;
                    }
                }
            }
            Ok(())
        })
    }
}

/// Validation rules (`rules.csv`); the rules generated from disaggregations are not reference
/// records (they follow the catalogue).
pub struct Rules;

const RULE_FIELDS: [&str; 7] = [
    "code",
    "name_vi",
    "name_en",
    "left_expr",
    "op",
    "right_expr",
    "severity",
];

impl ReferenceSet for Rules {
    fn name(&self) -> &'static str {
        "reporting.rules"
    }
    fn source(&self) -> &'static Source {
        &SOURCE
    }
    fn shipped(&self, files: &Files) -> anyhow::Result<Records> {
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
            tx.fetch_all(
                "SELECT code, name_vi, name_en, left_expr, op, right_expr, severity FROM validation_rules",
                params![],
            )
            .await?
            .iter()
            .map(|r| {
                let v: serde_json::Map<String, Json> = RULE_FIELDS
                    .iter()
                    .map(|k| Ok(((*k).to_owned(), Json::String(r.get::<String>(k)?))))
                    .collect::<DbResult<_>>()?;
                Ok((r.get::<String>("code")?, Json::Object(v)))
            })
            .collect()
        })
    }
    fn write<'a>(&'a self, tx: &'a mut Tx, records: &'a [(String, Json)]) -> Fut<'a, ()> {
        Box::pin(async move {
            let known: HashSet<String> = tx
                .fetch_all("SELECT code FROM indicators", params![])
                .await?
                .iter()
                .map(|r| r.get::<String>("code"))
                .collect::<DbResult<_>>()?;
            for (_, v) in records {
                let f: Vec<String> = RULE_FIELDS
                    .iter()
                    .map(|k| text(v, k))
                    .collect::<anyhow::Result<_>>()?;
                let rule =
                    crate::model::rules::parse(&f[0], &f[1], &f[2], &f[3], &f[4], &f[5], &f[6])?;
                for code in rule
                    .left
                    .references()
                    .into_iter()
                    .chain(rule.right.references())
                {
                    anyhow::ensure!(
                        known.contains(&code),
                        "rule {}: unknown indicator {code}",
                        rule.code
                    );
                }
                tx.execute(
                    "INSERT INTO validation_rules (code, name_vi, name_en, left_expr, op, right_expr, severity) \
                     VALUES ($1,$2,$3,$4,$5,$6,$7) ON CONFLICT (code) DO UPDATE SET name_vi = excluded.name_vi, \
                     name_en = excluded.name_en, left_expr = excluded.left_expr, op = excluded.op, \
                     right_expr = excluded.right_expr, severity = excluded.severity",
                    params![&f[0], &f[1], &f[2], &f[3], &f[4], &f[5], &f[6]],
                )
                .await?;
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
    fn shipped(&self, files: &Files) -> anyhow::Result<Records> {
        records("holidays.csv", files.get("holidays.csv")?)?
            .iter()
            .map(|r| {
                let day = r[0].trim();
                anyhow::ensure!(
                    registry::Day::parse(day).is_some(),
                    "holidays.csv: date {day:?}"
                );
                Ok((day.to_owned(), json!({"day": day, "name": r[1].trim()})))
            })
            .collect()
    }
    fn current<'a>(&'a self, tx: &'a mut Tx) -> Fut<'a, Records> {
        Box::pin(async move {
            tx.fetch_all("SELECT day, name FROM holidays", params![])
                .await?
                .iter()
                .map(|r| {
                    let day: String = r.get("day")?;
                    let name: String = r.get("name")?;
                    Ok((day.clone(), json!({"day": day, "name": name})))
                })
                .collect()
        })
    }
    fn write<'a>(&'a self, tx: &'a mut Tx, records: &'a [(String, Json)]) -> Fut<'a, ()> {
        Box::pin(async move {
            for (day, v) in records {
                tx.execute(
                    "INSERT INTO holidays (day, name) VALUES ($1, $2) \
                     ON CONFLICT (day) DO UPDATE SET name = excluded.name",
                    params![day.as_str(), text(v, "name")?],
                )
                .await?;
            }
            Ok(())
        })
    }
}
