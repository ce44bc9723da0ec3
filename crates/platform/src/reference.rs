//! Reference data (dữ liệu danh mục) shipped with egov: versioned sets of records — provinces,
//! lineage, agencies, the indicator catalogue, report templates, rules, holidays — that every
//! installation needs, loaded by `egov migrate` (and `egov reference apply`) without the demo.
//!
//! Each capability crate declares its sets ([`ReferenceSet`]) over the files of its release
//! ([`Source`]); the binary lists them in one registry, in dependency order. [`apply`] is one
//! transaction over all of them and is safe on every upgrade:
//!
//! - per record, `reference_records` keeps the hash of the shipped value last applied;
//! - a record whose shipped value did not change since is left alone, whatever the database holds;
//! - a changed or new shipped record is written only where the database still holds what was last
//!   shipped (or nothing); where an operator changed it locally, it is a **conflict**: reported by
//!   [`apply`] and [`status`], never overwritten (unless the operator asks, [`Resolution`]);
//! - every change is recorded in the audit chain, in the same transaction.
//!
//! A newer version can come from a directory (`DIR/<version>/<crate>/<file>`, e.g.
//! `2026.1/reporting/holidays.csv`): each file replaces the shipped file of that name, so an
//! agency can publish a correction between releases. A database that already holds a newer
//! version of a set than the one offered is not taken back.

use std::collections::HashMap;
use std::future::Future;
use std::path::Path;
use std::pin::Pin;

use crate::error::FaultResult;
use serde_json::{Value as Json, json};
use sha2::{Digest, Sha256};

use crate::audit::{self, Actor, Change};
use crate::db::{Db, Tx, now_ms};
use crate::params;

/// A boxed future borrowing the transaction.
pub type Fut<'a, T> = Pin<Box<dyn Future<Output = FaultResult<T>> + Send + 'a>>;

/// One crate's shipped reference files and their version.
pub struct Source {
    /// The crate, e.g. `registry`: the directory of its files in a newer version.
    pub name: &'static str,
    /// Version of the shipped files, e.g. `2025.1` (numeric parts separated by dots).
    pub version: &'static str,
    /// (file name, contents), embedded in the binary.
    pub files: &'static [(&'static str, &'static str)],
}

/// Files of a source as offered now: the shipped ones, possibly replaced by a newer version.
#[derive(Debug, Clone)]
pub struct Files {
    pub version: String,
    files: HashMap<String, String>,
}

impl Files {
    /// The contents of one file of the source.
    pub fn get(&self, name: &str) -> FaultResult<&str> {
        self.files
            .get(name)
            .map(String::as_str)
            .ok_or_else(|| crate::fault!("reference file {name} is missing"))
    }
}

/// Records in a set's canonical form: a stable key and the record's fields as JSON, the same
/// whether read from the shipped files or from the database (so a hash compares them).
pub type Records = Vec<(String, Json)>;

/// A set of reference records owned by a capability crate.
pub trait ReferenceSet: Send + Sync {
    /// `crate.set`, e.g. `registry.units`.
    fn name(&self) -> &'static str;
    /// The release files the set is read from.
    fn source(&self) -> &'static Source;
    /// The records the files ship, in the order they must be written.
    fn shipped(&self, files: &Files) -> FaultResult<Records>;
    /// The records as the database holds them now, in the same form (others may be there too).
    fn current<'a>(&'a self, tx: &'a mut Tx) -> Fut<'a, Records>;
    /// Insert or update these records (in the shipped order).
    fn write<'a>(&'a self, tx: &'a mut Tx, records: &'a [(String, Json)]) -> Fut<'a, ()>;
    /// Checks or derived rows over the whole set, after a write.
    fn finish<'a>(&'a self, _tx: &'a mut Tx) -> Fut<'a, ()> {
        Box::pin(async { Ok(()) })
    }
}

/// What an operator decides for a conflict, named `set:key` on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// Write the shipped value over the local one.
    TakeShipped,
    /// Keep the local value; the shipped one counts as seen (until the next change to it).
    KeepLocal,
}

/// Options of [`apply`] and [`status`].
#[derive(Debug, Default, Clone)]
pub struct Options<'a> {
    /// A directory of newer versions (`DIR/<version>/<crate>/<file>`).
    pub dir: Option<&'a Path>,
    /// Decisions on conflicts, by (set name, record key).
    pub resolutions: Vec<(String, String, Resolution)>,
}

/// The state of one record against the shipped data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    /// Shipped, not in the database: to be inserted.
    New,
    /// Shipped value changed since it was applied, database untouched: to be updated.
    Update,
    /// Shipped value changed, and the database holds a local change (or the record was there,
    /// different, before egov tracked it): not overwritten.
    Conflict,
    /// Shipped value unchanged since applied, but changed locally: kept.
    Local,
    /// Applied once, deleted locally since (the shipped value unchanged): not put back.
    Deleted,
    /// Same as shipped, not tracked yet (a database loaded before reference versions existed).
    Adopt,
}

impl State {
    pub fn as_str(&self) -> &'static str {
        match self {
            State::New => "new",
            State::Update => "update",
            State::Conflict => "conflict",
            State::Local => "local",
            State::Deleted => "deleted",
            State::Adopt => "adopt",
        }
    }
}

/// One record that differs from the shipped data.
#[derive(Debug, Clone)]
pub struct Difference {
    pub key: String,
    pub state: State,
    /// Fields whose local value differs from the shipped one: (field, local, shipped).
    pub fields: Vec<(String, Json, Json)>,
}

/// One set's outcome or status.
#[derive(Debug, Clone)]
pub struct SetReport {
    pub name: &'static str,
    /// The version offered now (shipped or from the directory).
    pub offered: String,
    /// The version last applied to this database, if any.
    pub applied: Option<String>,
    /// The database holds a newer version than the one offered: nothing was done.
    pub newer_in_db: bool,
    pub records: usize,
    pub inserted: usize,
    pub updated: usize,
    /// Every record that differs from the shipped data, including the conflicts.
    pub differences: Vec<Difference>,
}

impl SetReport {
    pub fn conflicts(&self) -> impl Iterator<Item = &Difference> {
        self.differences
            .iter()
            .filter(|d| d.state == State::Conflict)
    }
    pub fn count(&self, state: State) -> usize {
        self.differences.iter().filter(|d| d.state == state).count()
    }
}

/// Compare two versions: numeric parts separated by dots (`2025.1` < `2025.10` < `2026`).
pub fn compare_versions(a: &str, b: &str) -> std::cmp::Ordering {
    let parts = |s: &str| -> Vec<(u64, String)> {
        s.split('.')
            .map(|p| (p.parse::<u64>().unwrap_or(u64::MAX), p.to_owned()))
            .collect()
    };
    parts(a).cmp(&parts(b))
}

/// The files of each source: shipped, then every newer version in `dir`, in version order.
pub fn offered_files(
    sources: &[&'static Source],
    dir: Option<&Path>,
) -> FaultResult<HashMap<&'static str, Files>> {
    let mut out: HashMap<&'static str, Files> = sources
        .iter()
        .map(|s| {
            (
                s.name,
                Files {
                    version: s.version.to_owned(),
                    files: s
                        .files
                        .iter()
                        .map(|(n, c)| ((*n).to_owned(), (*c).to_owned()))
                        .collect(),
                },
            )
        })
        .collect();
    let Some(dir) = dir else { return Ok(out) };
    let mut versions: Vec<(String, std::path::PathBuf)> = std::fs::read_dir(dir)
        .map_err(|e| crate::fault!("cannot read reference directory {}: {e}", dir.display()))?
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .collect();
    versions.sort_by(|a, b| compare_versions(&a.0, &b.0));
    for (version, path) in versions {
        for entry in std::fs::read_dir(&path)? {
            let entry = entry?;
            let crate_name = entry.file_name().to_string_lossy().into_owned();
            let Some(source) = sources.iter().find(|s| s.name == crate_name) else {
                return Err(crate::fault!(
                    "{}: no reference data named {crate_name} (known: {})",
                    entry.path().display(),
                    sources
                        .iter()
                        .map(|s| s.name)
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            };
            if compare_versions(&version, source.version).is_le() {
                // Older than what this binary ships: the release already includes it.
                continue;
            }
            let files = out.get_mut(source.name).expect("every source is listed");
            for f in std::fs::read_dir(entry.path())? {
                let f = f?;
                let name = f.file_name().to_string_lossy().into_owned();
                crate::ensure!(
                    source.files.iter().any(|(n, _)| *n == name),
                    "{}: {} ships no file {name} (its files: {})",
                    f.path().display(),
                    source.name,
                    source
                        .files
                        .iter()
                        .map(|(n, _)| *n)
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                let text = std::fs::read_to_string(f.path())
                    .map_err(|e| crate::fault!("cannot read {}: {e}", f.path().display()))?;
                files.files.insert(name, text);
            }
            files.version = version.clone();
        }
    }
    Ok(out)
}

fn hash(v: &Json) -> String {
    // serde_json's maps are ordered by key: one text per value.
    hex::encode(Sha256::digest(v.to_string().as_bytes()))
}

fn field_diff(local: &Json, shipped: &Json) -> Vec<(String, Json, Json)> {
    match (local, shipped) {
        (Json::Object(l), Json::Object(s)) => {
            let mut keys: Vec<&String> = l.keys().chain(s.keys()).collect();
            keys.sort();
            keys.dedup();
            keys.into_iter()
                .filter_map(|k| {
                    let (a, b) = (
                        l.get(k).cloned().unwrap_or(Json::Null),
                        s.get(k).cloned().unwrap_or(Json::Null),
                    );
                    (a != b).then(|| (k.clone(), a, b))
                })
                .collect()
        }
        _ if local != shipped => vec![(String::new(), local.clone(), shipped.clone())],
        _ => Vec::new(),
    }
}

/// Classify one shipped record. `tracked` is the hash of the shipped value last applied.
fn classify(shipped: &Json, tracked: Option<&str>, current: Option<&Json>) -> Option<State> {
    let hs = hash(shipped);
    let hc = current.map(hash);
    match (tracked, hc.as_deref()) {
        (Some(a), Some(c)) if a == hs => (c != a).then_some(State::Local),
        (Some(a), None) if a == hs => Some(State::Deleted),
        (Some(_), None) => Some(State::Conflict),
        (Some(a), Some(c)) if c == a => Some(State::Update),
        (Some(_), Some(c)) if c == hs => Some(State::Adopt),
        (Some(_), Some(_)) => Some(State::Conflict),
        (None, None) => Some(State::New),
        (None, Some(c)) if c == hs => Some(State::Adopt),
        (None, Some(_)) => Some(State::Conflict),
    }
}

struct Compared {
    report: SetReport,
    shipped: Records,
    content_hash: String,
}

async fn compare(tx: &mut Tx, set: &dyn ReferenceSet, files: &Files) -> FaultResult<Compared> {
    let name = set.name();
    let shipped = set
        .shipped(files)
        .map_err(|e| crate::fault!("reference data {name} {}: {e:#}", files.version))?;
    let current: HashMap<String, Json> = set.current(tx).await?.into_iter().collect();
    let tracked: HashMap<String, String> = tx
        .fetch_all(
            "SELECT record_key, shipped_hash FROM reference_records WHERE set_name = $1",
            params![name],
        )
        .await?
        .iter()
        .map(|r| Ok((r.get("record_key")?, r.get("shipped_hash")?)))
        .collect::<FaultResult<_>>()?;
    let applied: Option<String> = tx
        .fetch_optional(
            "SELECT version FROM reference_versions WHERE set_name = $1 ORDER BY id DESC LIMIT 1",
            params![name],
        )
        .await?
        .map(|r| r.get("version"))
        .transpose()?;
    let newer_in_db = applied
        .as_deref()
        .is_some_and(|a| compare_versions(a, &files.version).is_gt());
    let mut differences = Vec::new();
    let mut all = Vec::with_capacity(shipped.len());
    for (key, value) in &shipped {
        all.push(json!([key, value]));
        if newer_in_db {
            // Older than what the database holds: nothing of it applies, nothing to compare.
            continue;
        }
        if let Some(state) = classify(
            value,
            tracked.get(key).map(String::as_str),
            current.get(key),
        ) {
            let fields = current
                .get(key)
                .map(|c| field_diff(c, value))
                .unwrap_or_default();
            differences.push(Difference {
                key: key.clone(),
                state,
                fields,
            });
        }
    }
    Ok(Compared {
        report: SetReport {
            name,
            offered: files.version.clone(),
            applied,
            newer_in_db,
            records: shipped.len(),
            inserted: 0,
            updated: 0,
            differences,
        },
        content_hash: hash(&Json::Array(all)),
        shipped,
    })
}

fn sources_of(sets: &[&dyn ReferenceSet]) -> Vec<&'static Source> {
    let mut out: Vec<&'static Source> = Vec::new();
    for s in sets {
        if !out.iter().any(|o| o.name == s.source().name) {
            out.push(s.source());
        }
    }
    out
}

/// What differs between the database and the reference data offered (nothing is written).
pub async fn status(
    db: &Db,
    sets: &[&dyn ReferenceSet],
    opts: &Options<'_>,
) -> FaultResult<Vec<SetReport>> {
    let files = offered_files(&sources_of(sets), opts.dir)?;
    let mut tx = db.begin().await?;
    let mut out = Vec::new();
    for set in sets {
        out.push(
            compare(&mut tx, *set, &files[set.source().name])
                .await?
                .report,
        );
    }
    Ok(out)
}

/// Apply the reference data offered, set by set in the given order, in one transaction: insert
/// new records, update those the database still holds as last shipped, report conflicts.
/// Idempotent: a second run writes nothing.
pub async fn apply(
    db: &Db,
    actor: &Actor,
    sets: &[&dyn ReferenceSet],
    opts: &Options<'_>,
) -> FaultResult<Vec<SetReport>> {
    let files = offered_files(&sources_of(sets), opts.dir)?;
    for (set, key, _) in &opts.resolutions {
        crate::ensure!(
            sets.iter().any(|s| s.name() == set),
            "no reference set {set} (known: {})",
            sets.iter().map(|s| s.name()).collect::<Vec<_>>().join(", ")
        );
        crate::ensure!(!key.is_empty(), "name a record as SET:KEY");
    }
    let mut tx = db.begin().await?;
    if tx.backend() == crate::db::Backend::Postgres {
        // Two nodes running `egov migrate` at once apply one after the other (SQLite's write
        // transaction already does this); readers are not blocked.
        tx.execute(
            "LOCK TABLE reference_versions IN SHARE ROW EXCLUSIVE MODE",
            params![],
        )
        .await?;
    }
    let now = now_ms();
    let mut reports = Vec::new();
    let mut audited = serde_json::Map::new();
    for set in sets {
        let name = set.name();
        let source_files = &files[set.source().name];
        let Compared {
            mut report,
            shipped,
            content_hash,
        } = compare(&mut tx, *set, source_files).await?;
        if report.newer_in_db {
            reports.push(report);
            continue;
        }
        let resolution = |key: &str| {
            opts.resolutions
                .iter()
                .find(|(s, k, _)| s == name && k == key)
                .map(|(_, _, r)| r.clone())
        };
        for (_, key, _) in opts.resolutions.iter().filter(|(s, _, _)| s == name) {
            crate::ensure!(
                report
                    .differences
                    .iter()
                    .any(|d| &d.key == key && matches!(d.state, State::Conflict | State::Deleted)),
                "{name}:{key} is not in conflict"
            );
        }
        let by_key: HashMap<&str, &Json> = shipped.iter().map(|(k, v)| (k.as_str(), v)).collect();
        let mut to_write: Vec<(String, Json)> = Vec::new();
        let mut to_track: Vec<String> = Vec::new();
        let mut inserted_keys = Vec::new();
        let mut updated = Vec::new();
        let mut kept = Vec::new();
        for d in &report.differences {
            let value = by_key[d.key.as_str()];
            match (&d.state, resolution(&d.key)) {
                (State::New, _) => {
                    inserted_keys.push(d.key.clone());
                    to_write.push((d.key.clone(), value.clone()));
                    to_track.push(d.key.clone());
                }
                (State::Update, _)
                | (State::Conflict | State::Deleted, Some(Resolution::TakeShipped)) => {
                    let before: serde_json::Map<String, Json> = d
                        .fields
                        .iter()
                        .map(|(f, l, _)| (f.clone(), l.clone()))
                        .collect();
                    let after: serde_json::Map<String, Json> = d
                        .fields
                        .iter()
                        .map(|(f, _, s)| (f.clone(), s.clone()))
                        .collect();
                    updated.push(json!({"key": d.key, "before": before, "after": after}));
                    to_write.push((d.key.clone(), value.clone()));
                    to_track.push(d.key.clone());
                }
                (State::Adopt, _) => to_track.push(d.key.clone()),
                (State::Conflict | State::Deleted, Some(Resolution::KeepLocal)) => {
                    kept.push(d.key.clone());
                    to_track.push(d.key.clone());
                }
                (State::Conflict | State::Deleted | State::Local, _) => {}
            }
        }
        // Write in the shipped order (a record may name one before it).
        to_write.sort_by_key(|(k, _)| shipped.iter().position(|(s, _)| s == k));
        if !to_write.is_empty() {
            set.write(&mut tx, &to_write).await.map_err(|e| {
                crate::fault!("reference data {name} {}: {e:#}", source_files.version)
            })?;
            set.finish(&mut tx).await?;
        }
        for key in &to_track {
            tx.execute(
                "INSERT INTO reference_records (set_name, record_key, shipped_hash, version, applied_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (set_name, record_key) DO UPDATE SET \
                 shipped_hash = excluded.shipped_hash, version = excluded.version, applied_at = excluded.applied_at",
                params![name, key, hash(by_key[key.as_str()]), &source_files.version, now],
            )
            .await?;
        }
        report.inserted = inserted_keys.len();
        report.updated = updated.len();
        report
            .differences
            .retain(|d| !to_track.contains(&d.key) || matches!(d.state, State::Local));
        let last_hash: Option<String> = tx
            .fetch_optional(
                "SELECT content_hash FROM reference_versions WHERE set_name = $1 ORDER BY id DESC LIMIT 1",
                params![name],
            )
            .await?
            .map(|r| r.get("content_hash"))
            .transpose()?;
        let conflicts = report.conflicts().count();
        if last_hash.as_deref() != Some(content_hash.as_str()) || !to_track.is_empty() {
            tx.execute(
                "INSERT INTO reference_versions (set_name, version, content_hash, applied_at, applied_by, inserted, updated, conflicts) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                params![
                    name,
                    &source_files.version,
                    &content_hash,
                    now,
                    &actor.name,
                    report.inserted as i64,
                    report.updated as i64,
                    conflicts as i64
                ],
            )
            .await?;
            report.applied = Some(source_files.version.clone());
        }
        if !inserted_keys.is_empty() || !updated.is_empty() || !kept.is_empty() {
            audited.insert(
                name.to_owned(),
                json!({
                    "version": source_files.version,
                    "inserted": inserted_keys,
                    "updated": updated,
                    "kept_local": kept,
                    "conflicts": report.conflicts().map(|d| d.key.clone()).collect::<Vec<_>>(),
                }),
            );
        }
        reports.push(report);
    }
    if !audited.is_empty() {
        audit::append(
            &mut tx,
            actor,
            Change {
                action: "reference.apply",
                object_type: "reference_data",
                object_id: audited.keys().cloned().collect::<Vec<_>>().join(","),
                before: None,
                after: Some(Json::Object(audited)),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(reports)
}

/// A text field of a CSV record, `None` when empty.
pub fn opt_text(s: &str) -> Json {
    let s = s.trim();
    if s.is_empty() {
        Json::Null
    } else {
        Json::String(s.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_by_number() {
        use std::cmp::Ordering::*;
        assert_eq!(compare_versions("2025.1", "2025.10"), Less);
        assert_eq!(compare_versions("2025.10", "2025.9"), Greater);
        assert_eq!(compare_versions("2026", "2025.12"), Greater);
        assert_eq!(compare_versions("2025.1", "2025.1"), Equal);
    }

    #[test]
    fn a_record_changed_locally_is_never_taken_for_an_update() {
        let shipped_v1 = json!({"name": "Bộ Y tế"});
        let shipped_v2 = json!({"name": "Bộ Y tế (mới)"});
        let local = json!({"name": "Bộ Y tế — sửa tại chỗ"});
        let h1 = hash(&shipped_v1);
        // Nothing changed anywhere.
        assert_eq!(classify(&shipped_v1, Some(&h1), Some(&shipped_v1)), None);
        // Shipped changed, database as last shipped: update.
        assert_eq!(
            classify(&shipped_v2, Some(&h1), Some(&shipped_v1)),
            Some(State::Update)
        );
        // Shipped changed, database changed locally: conflict.
        assert_eq!(
            classify(&shipped_v2, Some(&h1), Some(&local)),
            Some(State::Conflict)
        );
        // Shipped unchanged, database changed locally: kept, shown as local.
        assert_eq!(
            classify(&shipped_v1, Some(&h1), Some(&local)),
            Some(State::Local)
        );
        // Not yet tracked: same value is adopted, another value is a conflict.
        assert_eq!(
            classify(&shipped_v1, None, Some(&shipped_v1)),
            Some(State::Adopt)
        );
        assert_eq!(
            classify(&shipped_v1, None, Some(&local)),
            Some(State::Conflict)
        );
        assert_eq!(classify(&shipped_v1, None, None), Some(State::New));
    }
}
