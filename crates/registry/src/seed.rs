//! Reference data shipped with egov: the 63 provinces before 1 July 2025, the 34 since, the 2025
//! lineage (Resolution 202/2025/QH15), the central agencies, and a People's Committee for every
//! province. Loading is idempotent and audited.

use platform::audit::{self, Actor, Change};
use platform::db::{Db, Tx};
use platform::params;
use serde_json::json;

use crate::model::{Day, Level};
use crate::store::{UnitRecord, Upserted, upsert_unit};

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

fn records(csv_text: &str) -> anyhow::Result<Vec<csv::StringRecord>> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(csv_text.as_bytes());
    Ok(r.records().collect::<Result<_, _>>()?)
}

fn opt(s: &str) -> Option<&str> {
    let s = s.trim();
    (!s.is_empty()).then_some(s)
}

async fn unit_id_on(tx: &mut Tx, level: Level, code: &str, day: Day) -> anyhow::Result<i64> {
    let r = tx
        .fetch_optional(
            "SELECT id FROM units WHERE level = $1 AND code = $2 \
             AND (valid_from IS NULL OR valid_from <= $3) AND (valid_to IS NULL OR valid_to >= $3)",
            params![level.as_str(), code, day.iso()],
        )
        .await?
        .ok_or_else(|| anyhow::anyhow!("no {} with code {code} on {day}", level.as_str()))?;
    Ok(r.get("id")?)
}

/// Counts of what a seed load did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SeedReport {
    pub units_inserted: usize,
    pub lineage_inserted: usize,
    pub agencies_inserted: usize,
}

/// Load (or refresh) the reference data in one transaction.
pub async fn load(db: &Db, actor: &Actor) -> anyhow::Result<SeedReport> {
    let mut tx = db.begin().await?;
    let mut report = SeedReport::default();
    let mut province_units = Vec::new();
    for rec in records(PROVINCES)? {
        let (code, name, kind) = (&rec[0], &rec[1], &rec[2]);
        let (from, to) = (opt(&rec[3]), opt(&rec[4]));
        let done = upsert_unit(
            &mut tx,
            UnitRecord {
                code,
                level: Level::Province,
                kind,
                name,
                parent_id: None,
                valid_from: from,
                valid_to: to,
            },
        )
        .await?;
        let id = done.id();
        report.units_inserted += usize::from(matches!(done, Upserted::Inserted(_)));
        province_units.push((
            id,
            code.to_owned(),
            name.to_owned(),
            kind.to_owned(),
            from.map(str::to_owned),
            to.map(str::to_owned),
        ));
    }
    for rec in records(LINEAGE)? {
        let effective =
            Day::parse(&rec[3]).ok_or_else(|| anyhow::anyhow!("bad date {}", &rec[3]))?;
        let from = unit_id_on(&mut tx, Level::Province, &rec[0], effective.previous()).await?;
        let to = unit_id_on(&mut tx, Level::Province, &rec[1], effective).await?;
        let n = tx
            .execute(
                "INSERT INTO unit_lineage (from_unit_id, to_unit_id, kind, effective) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (from_unit_id, to_unit_id, kind) DO NOTHING",
                params![from, to, &rec[2], effective.iso()],
            )
            .await?;
        report.lineage_inserted += n as usize;
    }
    for rec in records(AGENCIES)? {
        report.agencies_inserted += upsert_agency(
            &mut tx,
            AgencyRecord {
                code: &rec[0],
                name_vi: &rec[1],
                name_en: &rec[2],
                kind: &rec[3],
                unit_id: None,
                edoc_qcvn: opt(&rec[4]),
                edoc_2020: opt(&rec[5]),
                valid_from: opt(&rec[6]),
                valid_to: opt(&rec[7]),
            },
        )
        .await?;
    }
    for (unit_id, code, name, kind, from, to) in &province_units {
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
            .then(|| PC_EDOC.iter().find(|(c, _)| c == code).map(|(_, e)| *e))
            .flatten();
        report.agencies_inserted += upsert_agency(
            &mut tx,
            AgencyRecord {
                code: &agency_code,
                name_vi: &format!("Ủy ban nhân dân {vi_kind} {name}"),
                name_en: &format!("People's Committee of {name} {en_kind}"),
                kind: "provincial_committee",
                unit_id: Some(*unit_id),
                edoc_qcvn: edoc,
                edoc_2020: None,
                valid_from: from.as_deref(),
                valid_to: to.as_deref(),
            },
        )
        .await?;
    }
    if report != SeedReport::default() {
        audit::append(
            &mut tx,
            actor,
            Change {
                action: "registry.seed",
                object_type: "registry",
                object_id: "reference-data".into(),
                before: None,
                after: Some(json!({
                    "units_inserted": report.units_inserted,
                    "lineage_inserted": report.lineage_inserted,
                    "agencies_inserted": report.agencies_inserted,
                })),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(report)
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

/// Insert or update an agency; returns 1 if inserted.
async fn upsert_agency(tx: &mut Tx, a: AgencyRecord<'_>) -> anyhow::Result<usize> {
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
             edoc_qcvn = COALESCE(edoc_qcvn, $7), edoc_2020 = COALESCE(edoc_2020, $8), valid_from = $9, valid_to = $10 \
             WHERE code = $1",
            p,
        )
        .await?;
        Ok(0)
    } else {
        tx.execute(
            "INSERT INTO agencies (code, name_vi, name_en, name_search, kind, unit_id, edoc_qcvn, edoc_2020, valid_from, valid_to) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            p,
        )
        .await?;
        Ok(1)
    }
}
