//! Reference data shipped with egov: the 63 provinces before 1 July 2025, the 34 since, the 2025
//! lineage (Resolution 202/2025/QH15), the central agencies, and a People's Committee for every
//! province — three reference sets (`registry.units`, `registry.lineage`, `registry.agencies`)
//! of the release, applied by `platform::reference` (versioned, idempotent, audited, local
//! changes kept).

use platform::FaultResult;
use platform::audit::Actor;
use platform::db::{Db, Tx};
use platform::params;
use platform::reference::{self, Files, Fut, Records, ReferenceSet, SetReport, Source, opt_text};
use serde_json::{Value as Json, json};

use crate::model::{Day, Level};
use crate::store::{UnitRecord, upsert_unit};

const PROVINCES: &str = include_str!("../seed/provinces.csv");
const LINEAGE: &str = include_str!("../seed/lineage.csv");
const AGENCIES: &str = include_str!("../seed/agencies.csv");
/// Sample communes with made-up codes, loaded by the demo only (dữ liệu mẫu).
pub const SAMPLE_COMMUNES: &str = include_str!("../seed/communes-sample.csv");

/// Electronic identifiers (QCVN 102) of provincial People's Committees known from the reference;
/// the rest come from configuration.
const PC_EDOC: &[(&str, &str)] = &[
    ("79", "000.00.00.H29"),
    ("40", "000.00.00.H41"),
    ("38", "000.00.00.H56"),
];

/// The registry's reference files in this release. Bump `version` when a file changes.
pub static SOURCE: Source = Source {
    name: "registry",
    version: "2025.1",
    files: &[
        ("provinces.csv", PROVINCES),
        ("lineage.csv", LINEAGE),
        ("agencies.csv", AGENCIES),
    ],
};

/// The registry's reference sets, in the order they are applied.
pub fn sets() -> Vec<&'static dyn ReferenceSet> {
    vec![&Units, &Lineage, &Agencies]
}

/// Apply the registry's reference data (idempotent; see `platform::reference`).
pub async fn load(db: &Db, actor: &Actor) -> FaultResult<Vec<SetReport>> {
    reference::apply(db, actor, &sets(), &Default::default()).await
}

fn records(name: &str, csv_text: &str) -> FaultResult<Vec<csv::StringRecord>> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(csv_text.as_bytes());
    r.records()
        .collect::<Result<_, _>>()
        .map_err(|e| platform::fault!("{name}: {e}"))
}

fn opt(s: &str) -> Option<&str> {
    let s = s.trim();
    (!s.is_empty()).then_some(s)
}

fn text(v: &Json, field: &str) -> FaultResult<String> {
    v[field]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| platform::fault!("field {field} missing"))
}

fn opt_field<'a>(v: &'a Json, field: &str) -> Option<&'a str> {
    v[field].as_str()
}

/// The key of a province identity: its code, and its first day when it has one (codes are
/// reused across time: `15` is Yên Bái until 2025-06-30, `15@2025-07-01` the merged Lào Cai).
fn unit_key(code: &str, valid_from: Option<&str>) -> String {
    match valid_from {
        Some(f) => format!("{code}@{f}"),
        None => code.to_owned(),
    }
}

fn row_text(r: &platform::db::Row, column: &str) -> FaultResult<Json> {
    Ok(r.get::<Option<String>>(column)?
        .map(Json::String)
        .unwrap_or(Json::Null))
}

async fn unit_id_on(tx: &mut Tx, level: Level, code: &str, day: Day) -> FaultResult<i64> {
    let r = tx
        .fetch_optional(
            "SELECT id FROM units WHERE level = $1 AND code = $2 \
             AND (valid_from IS NULL OR valid_from <= $3) AND (valid_to IS NULL OR valid_to >= $3)",
            params![level.as_str(), code, day.iso()],
        )
        .await?
        .ok_or_else(|| platform::fault!("no {} with code {code} on {day}", level.as_str()))?;
    Ok(r.get("id")?)
}

/// Provinces before and after 1 July 2025 (`provinces.csv`).
pub struct Units;

impl ReferenceSet for Units {
    fn name(&self) -> &'static str {
        "registry.units"
    }
    fn source(&self) -> &'static Source {
        &SOURCE
    }
    fn shipped(&self, files: &Files) -> FaultResult<Records> {
        records("provinces.csv", files.get("provinces.csv")?)?
            .iter()
            .map(|r| {
                let (code, from) = (r[0].trim(), opt(&r[3]));
                platform::ensure!(
                    code.len() == 2 && code.bytes().all(|b| b.is_ascii_digit()),
                    "provinces.csv: code {code:?} is not two digits"
                );
                for d in [from, opt(&r[4])].into_iter().flatten() {
                    platform::ensure!(Day::parse(d).is_some(), "provinces.csv {code}: date {d:?}");
                }
                Ok((
                    unit_key(code, from),
                    json!({
                        "code": code,
                        "name": r[1].trim(),
                        "kind": r[2].trim(),
                        "valid_from": opt_text(&r[3]),
                        "valid_to": opt_text(&r[4]),
                    }),
                ))
            })
            .collect()
    }
    fn current<'a>(&'a self, tx: &'a mut Tx) -> Fut<'a, Records> {
        Box::pin(async move {
            tx.fetch_all(
                "SELECT code, name, kind, valid_from, valid_to FROM units WHERE level = 'province'",
                params![],
            )
            .await?
            .iter()
            .map(|r| {
                let code: String = r.get("code")?;
                let from: Option<String> = r.get("valid_from")?;
                Ok((
                    unit_key(&code, from.as_deref()),
                    json!({
                        "code": code,
                        "name": row_text(r, "name")?,
                        "kind": row_text(r, "kind")?,
                        "valid_from": from,
                        "valid_to": row_text(r, "valid_to")?,
                    }),
                ))
            })
            .collect()
        })
    }
    fn write<'a>(&'a self, tx: &'a mut Tx, records: &'a [(String, Json)]) -> Fut<'a, ()> {
        Box::pin(async move {
            for (_, v) in records {
                upsert_unit(
                    tx,
                    UnitRecord {
                        code: &text(v, "code")?,
                        level: Level::Province,
                        kind: &text(v, "kind")?,
                        name: &text(v, "name")?,
                        parent_id: None,
                        valid_from: opt_field(v, "valid_from"),
                        valid_to: opt_field(v, "valid_to"),
                    },
                )
                .await?;
            }
            Ok(())
        })
    }
}

/// Which province became which (`lineage.csv`).
pub struct Lineage;

impl ReferenceSet for Lineage {
    fn name(&self) -> &'static str {
        "registry.lineage"
    }
    fn source(&self) -> &'static Source {
        &SOURCE
    }
    fn shipped(&self, files: &Files) -> FaultResult<Records> {
        records("lineage.csv", files.get("lineage.csv")?)?
            .iter()
            .map(|r| {
                let (from, to, kind, eff) = (r[0].trim(), r[1].trim(), r[2].trim(), r[3].trim());
                platform::ensure!(Day::parse(eff).is_some(), "lineage.csv: date {eff:?}");
                Ok((
                    format!("{from}>{to}:{kind}@{eff}"),
                    json!({"from": from, "to": to, "kind": kind, "effective": eff}),
                ))
            })
            .collect()
    }
    fn current<'a>(&'a self, tx: &'a mut Tx) -> Fut<'a, Records> {
        Box::pin(async move {
            tx.fetch_all(
                "SELECT f.code AS from_code, t.code AS to_code, l.kind, l.effective FROM unit_lineage l \
                 JOIN units f ON f.id = l.from_unit_id JOIN units t ON t.id = l.to_unit_id \
                 WHERE f.level = 'province' AND t.level = 'province'",
                params![],
            )
            .await?
            .iter()
            .map(|r| {
                let (from, to, kind, eff): (String, String, String, String) = (
                    r.get("from_code")?,
                    r.get("to_code")?,
                    r.get("kind")?,
                    r.get("effective")?,
                );
                Ok((
                    format!("{from}>{to}:{kind}@{eff}"),
                    json!({"from": from, "to": to, "kind": kind, "effective": eff}),
                ))
            })
            .collect()
        })
    }
    fn write<'a>(&'a self, tx: &'a mut Tx, records: &'a [(String, Json)]) -> Fut<'a, ()> {
        Box::pin(async move {
            for (_, v) in records {
                let eff = text(v, "effective")?;
                let effective =
                    Day::parse(&eff).ok_or_else(|| platform::fault!("bad date {eff}"))?;
                let from = unit_id_on(tx, Level::Province, &text(v, "from")?, effective.previous())
                    .await?;
                let to = unit_id_on(tx, Level::Province, &text(v, "to")?, effective).await?;
                tx.execute(
                    "INSERT INTO unit_lineage (from_unit_id, to_unit_id, kind, effective) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (from_unit_id, to_unit_id, kind) DO UPDATE SET effective = excluded.effective",
                    params![from, to, text(v, "kind")?, effective.iso()],
                )
                .await?;
            }
            Ok(())
        })
    }
}

/// Central agencies (`agencies.csv`) and a People's Committee for every province
/// (`provinces.csv`).
pub struct Agencies;

fn agency(
    code: &str,
    name_vi: &str,
    name_en: &str,
    kind: &str,
    unit: Option<String>,
    edoc: [Option<&str>; 2],
    valid: [Option<&str>; 2],
) -> (String, Json) {
    (
        code.to_owned(),
        json!({
            "code": code,
            "name_vi": name_vi,
            "name_en": name_en,
            "kind": kind,
            "unit": unit,
            "edoc_qcvn": edoc[0],
            "edoc_2020": edoc[1],
            "valid_from": valid[0],
            "valid_to": valid[1],
        }),
    )
}

impl ReferenceSet for Agencies {
    fn name(&self) -> &'static str {
        "registry.agencies"
    }
    fn source(&self) -> &'static Source {
        &SOURCE
    }
    fn shipped(&self, files: &Files) -> FaultResult<Records> {
        let mut out = Vec::new();
        for r in records("agencies.csv", files.get("agencies.csv")?)? {
            let kind = r[3].trim();
            platform::ensure!(
                matches!(kind, "ministry" | "ministry_level" | "government_agency"),
                "agencies.csv {}: kind {kind:?}",
                &r[0]
            );
            out.push(agency(
                r[0].trim(),
                r[1].trim(),
                r[2].trim(),
                kind,
                None,
                [opt(&r[4]), opt(&r[5])],
                [opt(&r[6]), opt(&r[7])],
            ));
        }
        for r in records("provinces.csv", files.get("provinces.csv")?)? {
            let (code, name, kind) = (r[0].trim(), r[1].trim(), r[2].trim());
            let (from, to) = (opt(&r[3]), opt(&r[4]));
            let (vi_kind, en_kind) = if kind == "city" {
                ("thành phố", "city")
            } else {
                ("tỉnh", "province")
            };
            let agency_code = match to {
                None => format!("ubnd-{code}"),
                Some(t) => format!("ubnd-{code}-{t}"),
            };
            let edoc = to
                .is_none()
                .then(|| PC_EDOC.iter().find(|(c, _)| *c == code).map(|(_, e)| *e))
                .flatten();
            out.push(agency(
                &agency_code,
                &format!("Ủy ban nhân dân {vi_kind} {name}"),
                &format!("People's Committee of {name} {en_kind}"),
                "provincial_committee",
                Some(unit_key(code, from)),
                [edoc, None],
                [from, to],
            ));
        }
        Ok(out)
    }
    fn current<'a>(&'a self, tx: &'a mut Tx) -> Fut<'a, Records> {
        Box::pin(async move {
            tx.fetch_all(
                "SELECT a.code, a.name_vi, a.name_en, a.kind, a.edoc_qcvn, a.edoc_2020, a.valid_from, \
                 a.valid_to, u.code AS unit_code, u.valid_from AS unit_from \
                 FROM agencies a LEFT JOIN units u ON u.id = a.unit_id",
                params![],
            )
            .await?
            .iter()
            .map(|r| {
                let s = |c: &str| r.get::<Option<String>>(c);
                let unit = s("unit_code")?.map(|c| unit_key(&c, s("unit_from").ok().flatten().as_deref()));
                let code: String = r.get("code")?;
                let (vf, vt, q, e) = (s("valid_from")?, s("valid_to")?, s("edoc_qcvn")?, s("edoc_2020")?);
                Ok(agency(
                    &code,
                    &r.get::<String>("name_vi")?,
                    &r.get::<String>("name_en")?,
                    &r.get::<String>("kind")?,
                    unit,
                    [q.as_deref(), e.as_deref()],
                    [vf.as_deref(), vt.as_deref()],
                ))
            })
            .collect()
        })
    }
    fn write<'a>(&'a self, tx: &'a mut Tx, records: &'a [(String, Json)]) -> Fut<'a, ()> {
        Box::pin(async move {
            for (_, v) in records {
                let unit_id: Option<i64> = match opt_field(v, "unit") {
                    None => None,
                    Some(key) => {
                        let (code, from) = key.split_once('@').unwrap_or((key, ""));
                        Some(
                            tx.fetch_optional(
                                "SELECT id FROM units WHERE level = 'province' AND code = $1 \
                                 AND COALESCE(valid_from, '') = $2",
                                params![code, from],
                            )
                            .await?
                            .ok_or_else(|| {
                                platform::fault!("agency {}: no province {key}", v["code"])
                            })?
                            .get("id")?,
                        )
                    }
                };
                upsert_agency(
                    tx,
                    AgencyRecord {
                        code: &text(v, "code")?,
                        name_vi: &text(v, "name_vi")?,
                        name_en: &text(v, "name_en")?,
                        kind: &text(v, "kind")?,
                        unit_id,
                        edoc_qcvn: opt_field(v, "edoc_qcvn"),
                        edoc_2020: opt_field(v, "edoc_2020"),
                        valid_from: opt_field(v, "valid_from"),
                        valid_to: opt_field(v, "valid_to"),
                    },
                )
                .await?;
            }
            Ok(())
        })
    }
}

/// An agency to insert or update, identified by its code.
struct AgencyRecord<'a> {
    code: &'a str,
    name_vi: &'a str,
    name_en: &'a str,
    kind: &'a str,
    unit_id: Option<i64>,
    edoc_qcvn: Option<&'a str>,
    edoc_2020: Option<&'a str>,
    valid_from: Option<&'a str>,
    valid_to: Option<&'a str>,
}

/// Insert or update an agency (its fields exactly as given).
async fn upsert_agency(tx: &mut Tx, a: AgencyRecord<'_>) -> FaultResult<()> {
    let AgencyRecord {
        code,
        name_vi,
        name_en,
        kind,
        unit_id,
        edoc_qcvn,
        edoc_2020,
        valid_from,
        valid_to,
    } = a;
    let exists = tx
        .fetch_optional("SELECT id FROM agencies WHERE code = $1", params![code])
        .await?
        .is_some();
    let p = params![
        code,
        name_vi,
        name_en,
        crate::model::fold(name_vi),
        kind,
        unit_id,
        edoc_qcvn,
        edoc_2020,
        valid_from,
        valid_to
    ];
    if exists {
        tx.execute(
            "UPDATE agencies SET name_vi = $2, name_en = $3, name_search = $4, kind = $5, unit_id = $6, \
             edoc_qcvn = $7, edoc_2020 = $8, valid_from = $9, valid_to = $10 \
             WHERE code = $1",
            p,
        )
        .await?;
    } else {
        tx.execute(
            "INSERT INTO agencies (code, name_vi, name_en, name_search, kind, unit_id, edoc_qcvn, edoc_2020, valid_from, valid_to) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            p,
        )
        .await?;
    }
    Ok(())
}
