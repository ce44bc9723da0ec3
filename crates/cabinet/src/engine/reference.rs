//! The e-Cabinet's reference data (`seed/bodies.csv`): one body for the Government, one for each
//! ministry's leadership, and a People's Committee and a People's Council for each province —
//! with the default rules, and no members (people are appointed, not shipped). Applied by
//! `platform::reference` after the registry's sets (bodies name agencies).

use platform::FaultResult;
use platform::db::Tx;
use platform::reference::{Files, Fut, Records, ReferenceSet, Source};
use serde_json::{Value as Json, json};

use crate::model::kinds::BodyKind;
use crate::store::bodies::{self as store, NewBody};

/// The e-Cabinet's reference files in this release. Bump `version` when a file changes.
pub static SOURCE: Source = Source {
    name: "cabinet",
    version: "2026.1",
    files: &[("bodies.csv", include_str!("../../seed/bodies.csv"))],
};

pub fn sets() -> Vec<&'static dyn ReferenceSet> {
    vec![&Bodies]
}

/// The bodies (`bodies.csv`).
pub struct Bodies;

fn body_json(name_vi: &str, name_en: &str, kind: &str, agency: &str) -> Json {
    json!({"name_vi": name_vi, "name_en": name_en, "kind": kind, "agency": agency})
}

impl ReferenceSet for Bodies {
    fn name(&self) -> &'static str {
        "cabinet.bodies"
    }
    fn source(&self) -> &'static Source {
        &SOURCE
    }
    fn shipped(&self, files: &Files) -> FaultResult<Records> {
        let text = files.get("bodies.csv")?;
        let mut out = Vec::new();
        for (i, r) in csv::Reader::from_reader(text.as_bytes())
            .records()
            .enumerate()
        {
            let r = r.map_err(|e| platform::fault!("bodies.csv: {e}"))?;
            let line = i + 2;
            platform::ensure!(r.len() == 5, "bodies.csv line {line}: five columns");
            platform::ensure!(
                BodyKind::parse(r[3].trim()).is_some(),
                "bodies.csv line {line}: kind {:?}",
                &r[3]
            );
            platform::ensure!(
                r.iter().all(|c| !c.trim().is_empty()),
                "bodies.csv line {line}: empty cell"
            );
            out.push((
                r[0].trim().to_owned(),
                body_json(r[1].trim(), r[2].trim(), r[3].trim(), r[4].trim()),
            ));
        }
        Ok(out)
    }
    fn current<'a>(&'a self, tx: &'a mut Tx) -> Fut<'a, Records> {
        Box::pin(async move {
            let codes = registry::store::agency_codes_in(tx).await?;
            let rows = tx
                .fetch_all(
                    "SELECT code, name_vi, name_en, kind, agency_id FROM cab_bodies ORDER BY code",
                    platform::params![],
                )
                .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                let agency: i64 = r.get("agency_id")?;
                out.push((
                    r.get::<String>("code")?,
                    body_json(
                        &r.get::<String>("name_vi")?,
                        &r.get::<String>("name_en")?,
                        &r.get::<String>("kind")?,
                        codes.get(&agency).map(String::as_str).unwrap_or(""),
                    ),
                ));
            }
            Ok(out)
        })
    }
    fn write<'a>(&'a self, tx: &'a mut Tx, records: &'a [(String, Json)]) -> Fut<'a, ()> {
        Box::pin(async move {
            for (code, v) in records {
                let s = |k: &str| v[k].as_str().unwrap_or("").to_owned();
                let agency = registry::store::agency_id_in(tx, &s("agency"))
                    .await?
                    .ok_or_else(|| {
                        platform::fault!("body {code}: unknown agency {}", s("agency"))
                    })?;
                let kind = BodyKind::parse(&s("kind"))
                    .ok_or_else(|| platform::fault!("body {code}: kind {}", s("kind")))?;
                store::upsert(
                    tx,
                    &NewBody {
                        code,
                        name_vi: &s("name_vi"),
                        name_en: &s("name_en"),
                        kind,
                        agency_id: agency,
                    },
                    platform::db::now_ms(),
                )
                .await?;
            }
            Ok(())
        })
    }
}
