//! The portal's reference data, shipped in `seed/` (see seed/README.md): the fields (lĩnh vực)
//! and a handful of national procedures — two reference sets applied by `platform::reference`
//! (versioned, idempotent, audited, local changes kept), after the registry's (procedures name
//! agencies). A shipped procedure is written as a published version: a changed one becomes a
//! new published version and the one before is retired.

use platform::FaultResult;
use platform::db::Tx;
use platform::reference::{Files, Fut, Records, ReferenceSet, Source};
use serde_json::{Value as Json, json};

use crate::engine::exchange::{self, Format};
use crate::model::catalogue::{AgencyRef, ProcedureSpec};
use crate::model::procedure::VersionStatus;
use crate::store::procedures::{self as store, FieldRow};

/// The portal's reference files in this release. Bump `version` when a file changes.
pub static SOURCE: Source = Source {
    name: "services",
    version: "2026.1",
    files: &[
        ("fields.csv", include_str!("../../seed/fields.csv")),
        (
            "procedures.json",
            include_str!("../../seed/procedures.json"),
        ),
    ],
};

/// The portal's reference sets, in the order they are applied.
pub fn sets() -> Vec<&'static dyn ReferenceSet> {
    vec![&Fields, &Procedures]
}

/// The fields (`fields.csv`).
pub struct Fields;

fn field_json(f: &FieldRow) -> Json {
    json!({"code": f.code, "name_vi": f.name_vi, "name_en": f.name_en})
}

impl ReferenceSet for Fields {
    fn name(&self) -> &'static str {
        "services.fields"
    }
    fn source(&self) -> &'static Source {
        &SOURCE
    }
    fn shipped(&self, files: &Files) -> FaultResult<Records> {
        let text = files.get("fields.csv")?;
        let mut out = Vec::new();
        for (i, r) in csv::Reader::from_reader(text.as_bytes())
            .records()
            .enumerate()
        {
            let r = r.map_err(|e| platform::fault!("fields.csv: {e}"))?;
            let line = i + 2;
            platform::ensure!(r.len() == 3, "fields.csv line {line}: three columns");
            let f = FieldRow {
                code: r[0].trim().to_owned(),
                name_vi: r[1].trim().to_owned(),
                name_en: r[2].trim().to_owned(),
            };
            platform::ensure!(
                !f.code.is_empty() && !f.name_vi.is_empty() && !f.name_en.is_empty(),
                "fields.csv line {line}: empty cell"
            );
            out.push((f.code.clone(), field_json(&f)));
        }
        Ok(out)
    }
    fn current<'a>(&'a self, tx: &'a mut Tx) -> Fut<'a, Records> {
        Box::pin(async move {
            Ok(store::fields_in(tx)
                .await?
                .iter()
                .map(|f| (f.code.clone(), field_json(f)))
                .collect())
        })
    }
    fn write<'a>(&'a self, tx: &'a mut Tx, records: &'a [(String, Json)]) -> Fut<'a, ()> {
        Box::pin(async move {
            for (_, v) in records {
                let f: FieldRow = serde_json::from_value(v.clone())?;
                store::put_field(tx, &f).await?;
            }
            Ok(())
        })
    }
}

/// The procedures (`procedures.json`, the catalogue's JSON exchange format), read by the same
/// reader and checks as an imported file.
pub struct Procedures;

/// The most procedures the set compares.
const MAX_SHIPPED: i64 = 100_000;

impl ReferenceSet for Procedures {
    fn name(&self) -> &'static str {
        "services.procedures"
    }
    fn source(&self) -> &'static Source {
        &SOURCE
    }
    fn shipped(&self, files: &Files) -> FaultResult<Records> {
        let text = files.get("procedures.json")?;
        let table = exchange::read(text.as_bytes(), Format::Json, platform::i18n::Lang::En)
            .map_err(|e| platform::fault!("procedures.json: {e:?}"))?;
        let mut out = Vec::new();
        for row in &table.rows {
            // Fields and agencies are checked against the database when written.
            let (spec, _) = row
                .draft
                .check(
                    platform::i18n::Lang::En,
                    |_| true,
                    |a| {
                        Some(AgencyRef {
                            id: 0,
                            code: a.to_owned(),
                            edoc_qcvn: None,
                        })
                    },
                )
                .map_err(|e| platform::fault!("procedures.json #{}: {e:?}", row.row))?;
            out.push((spec.code.clone(), serde_json::to_value(&spec)?));
        }
        Ok(out)
    }
    fn current<'a>(&'a self, tx: &'a mut Tx) -> Fut<'a, Records> {
        Box::pin(async move {
            let codes = registry::store::agency_codes_in(tx).await?;
            store::published_all_in(tx, MAX_SHIPPED)
                .await?
                .into_iter()
                .map(|v| {
                    let mut spec = v.spec;
                    spec.agency = v.agency_id.and_then(|i| codes.get(&i).cloned());
                    Ok((spec.code.clone(), serde_json::to_value(&spec)?))
                })
                .collect()
        })
    }
    fn write<'a>(&'a self, tx: &'a mut Tx, records: &'a [(String, Json)]) -> Fut<'a, ()> {
        Box::pin(async move {
            let fields: Vec<String> = store::fields_in(tx)
                .await?
                .into_iter()
                .map(|f| f.code)
                .collect();
            let now = platform::db::now_ms();
            for (code, v) in records {
                let spec: ProcedureSpec = serde_json::from_value(v.clone())?;
                platform::ensure!(
                    fields.contains(&spec.field),
                    "procedure {code}: unknown field {}",
                    spec.field
                );
                let agency_id = match &spec.agency {
                    None => None,
                    Some(a) => {
                        Some(registry::store::agency_id_in(tx, a).await?.ok_or_else(|| {
                            platform::fault!("procedure {code}: unknown agency {a}")
                        })?)
                    }
                };
                match store::procedure_id(tx, code).await? {
                    None => {
                        let pid = store::insert_procedure(tx, code, now).await?;
                        store::insert_version(
                            tx,
                            pid,
                            1,
                            VersionStatus::Published,
                            &spec,
                            agency_id,
                            None,
                            now,
                        )
                        .await?;
                    }
                    Some(pid) => {
                        let latest = store::latest_in(tx, pid).await?.map_or(0, |l| l.version);
                        if let Some(old) = store::published_in(tx, pid).await? {
                            store::retire(tx, old.id, now).await?;
                        }
                        store::insert_version(
                            tx,
                            pid,
                            latest + 1,
                            VersionStatus::Published,
                            &spec,
                            agency_id,
                            None,
                            now,
                        )
                        .await?;
                    }
                }
            }
            Ok(())
        })
    }
}
