//! Changing the registry of connected sites: create, edit, turn off or on, import a CSV file —
//! each in one transaction with its audit entry. Who may: system administrators, and agency
//! administrators for sites of units within their scope (a site with no unit is national).

use std::collections::HashMap;

use platform::audit::{self, Actor, Change};
use platform::db::{Db, DbError};
use platform::error::Problem;
use platform::identity::access::{Grant, Role, Target};
use serde_json::json;

use crate::model::site::{Site, SiteDraft, SiteSpec};
use crate::model::sites_csv::{self, Row};
use crate::store::sites as store;

/// Why a change was refused.
#[derive(Debug, thiserror::Error)]
pub enum SiteError {
    #[error("invalid")]
    Invalid(Vec<Problem>),
    #[error("out of scope")]
    OutOfScope,
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Db(#[from] DbError),
}

/// May these grants write a site whose unit is `target`? A system administrator, or an agency
/// administrator whose scope contains it.
pub fn may_write(grants: &[Grant], target: &Target) -> bool {
    grants
        .iter()
        .any(|g| matches!(g.role, Role::SystemAdmin | Role::AgencyAdmin) && g.contains(target))
}

/// May these grants write some site (to show the forms)?
pub fn may_write_some(grants: &[Grant]) -> bool {
    grants
        .iter()
        .any(|g| matches!(g.role, Role::SystemAdmin | Role::AgencyAdmin))
}

/// The units valid today bearing `codes`: code → (id, permission target).
pub async fn units(db: &Db, codes: &[&str]) -> Result<HashMap<String, Target>, DbError> {
    let mut codes: Vec<&str> = codes.iter().copied().filter(|c| !c.is_empty()).collect();
    codes.sort_unstable();
    codes.dedup();
    if codes.is_empty() {
        return Ok(HashMap::new());
    }
    let today = registry::Day::today().iso();
    let mut found: HashMap<String, registry::store::Unit> = HashMap::new();
    for u in registry::store::units_with_codes(db, &codes).await? {
        let valid = u.valid_from.as_deref().is_none_or(|f| f <= today.as_str())
            && u.valid_to.as_deref().is_none_or(|t| t >= today.as_str());
        if !valid {
            continue;
        }
        // The highest level bearing the code (a province before a commune).
        let better = found
            .get(&u.code)
            .is_none_or(|old| (u.level as i32) < (old.level as i32));
        if better {
            found.insert(u.code.clone(), u);
        }
    }
    let ids: Vec<i64> = found.values().map(|u| u.id).collect();
    let chains = registry::store::chains(db, &ids).await?;
    Ok(found
        .into_iter()
        .map(|(code, u)| {
            let units = chains.get(&u.id).cloned().unwrap_or_else(|| vec![u.id]);
            (
                code,
                Target {
                    national: false,
                    agency: None,
                    units,
                },
            )
        })
        .collect())
}

/// The permission target of a site with this unit (none: national).
pub fn target_of(units: &HashMap<String, Target>, unit_code: Option<&str>) -> Target {
    match unit_code {
        Some(c) => units.get(c).cloned().unwrap_or_else(Target::national),
        None => Target::national(),
    }
}

/// The permission target of a stored site.
pub async fn site_target(db: &Db, site: &Site) -> Result<Target, DbError> {
    let code = site.spec.unit_code.as_deref();
    let units = units(db, &code.into_iter().collect::<Vec<_>>()).await?;
    Ok(target_of(&units, code))
}

fn snapshot(spec: &SiteSpec) -> serde_json::Value {
    serde_json::to_value(spec).unwrap_or_default()
}

/// Check a draft against the registry and the caller's scope.
async fn checked(db: &Db, grants: &[Grant], draft: &SiteDraft) -> Result<SiteSpec, SiteError> {
    let unit = draft.unit_code.trim();
    let units = units(db, &[unit]).await?;
    let spec = draft
        .check(|c| units.contains_key(c))
        .map_err(SiteError::Invalid)?;
    if !may_write(grants, &target_of(&units, spec.unit_code.as_deref())) {
        return Err(SiteError::Invalid(vec![
            Problem::new("site_unit_out_of_scope")
                .field("unit_code")
                .arg("value", unit),
        ]));
    }
    Ok(spec)
}

fn code_taken(code: &str) -> SiteError {
    SiteError::Invalid(vec![
        Problem::new("site_code_taken")
            .field("code")
            .arg("value", code),
    ])
}

/// A unique violation on `sites` (its only unique column besides the id is the code) as the
/// form's `site_code_taken`; any other error as it is.
fn taken_if_unique(e: DbError, code: &str) -> SiteError {
    if e.is_unique_violation() {
        code_taken(code)
    } else {
        SiteError::Db(e)
    }
}

/// Create a site (audited); its id.
pub async fn create(
    db: &Db,
    actor: &Actor,
    grants: &[Grant],
    draft: &SiteDraft,
) -> Result<i64, SiteError> {
    let spec = checked(db, grants, draft).await?;
    let mut tx = db.begin().await?;
    if store::by_code(&mut tx, &spec.code).await?.is_some() {
        return Err(code_taken(&spec.code));
    }
    if store::count(&mut tx).await? >= crate::model::site::MAX_SITES {
        return Err(SiteError::Invalid(vec![
            Problem::new("site_too_many").arg("max", crate::model::site::MAX_SITES),
        ]));
    }
    // Two creates of one code at once both pass the check above; the database's unique
    // constraint refuses the second, which is the same refusal.
    let id = store::insert(&mut tx, &spec, platform::db::now_ms())
        .await
        .map_err(|e| taken_if_unique(e, &spec.code))?;
    audit::append(
        &mut tx,
        actor,
        Change {
            action: "site.create",
            object_type: "site",
            object_id: id.to_string(),
            before: None,
            after: Some(snapshot(&spec)),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Edit a site (audited): the caller must be allowed both the site as it is and as it becomes.
pub async fn update(
    db: &Db,
    actor: &Actor,
    grants: &[Grant],
    id: i64,
    draft: &SiteDraft,
) -> Result<(), SiteError> {
    let Some(old) = store::get(db, id).await? else {
        return Err(SiteError::NotFound);
    };
    if !may_write(grants, &site_target(db, &old).await?) {
        return Err(SiteError::OutOfScope);
    }
    let spec = checked(db, grants, draft).await?;
    let mut tx = db.begin().await?;
    if let Some(other) = store::by_code(&mut tx, &spec.code).await?
        && other.id != id
    {
        return Err(code_taken(&spec.code));
    }
    if old.spec == spec {
        return Ok(());
    }
    store::update(&mut tx, id, &spec, platform::db::now_ms())
        .await
        .map_err(|e| taken_if_unique(e, &spec.code))?;
    audit::append(
        &mut tx,
        actor,
        Change {
            action: "site.update",
            object_type: "site",
            object_id: id.to_string(),
            before: Some(snapshot(&old.spec)),
            after: Some(snapshot(&spec)),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Turn a site off or on (audited).
pub async fn set_active(
    db: &Db,
    actor: &Actor,
    grants: &[Grant],
    id: i64,
    active: bool,
) -> Result<(), SiteError> {
    let Some(old) = store::get(db, id).await? else {
        return Err(SiteError::NotFound);
    };
    if !may_write(grants, &site_target(db, &old).await?) {
        return Err(SiteError::OutOfScope);
    }
    if old.active == active {
        return Ok(());
    }
    let mut tx = db.begin().await?;
    store::set_active(&mut tx, id, active, platform::db::now_ms()).await?;
    audit::append(
        &mut tx,
        actor,
        Change {
            action: if active {
                "site.enable"
            } else {
                "site.disable"
            },
            object_type: "site",
            object_id: id.to_string(),
            before: Some(json!({"active": old.active, "code": old.spec.code})),
            after: Some(json!({"active": active})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// What an import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Imported {
    /// Data rows read.
    pub rows: usize,
    pub inserted: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Checked only: nothing written.
    pub dry_run: bool,
}

/// Import a sites file: all rows or none. Every bad row is reported with its line and column
/// (bounded); a row's site is matched by code (inserted or updated); the caller must be allowed
/// each site as it is and as it becomes. One audit entry with the counts.
pub async fn import(
    db: &Db,
    actor: &Actor,
    grants: &[Grant],
    bytes: &[u8],
    dry_run: bool,
) -> Result<Imported, SiteError> {
    let parsed = sites_csv::parse(bytes).map_err(SiteError::Invalid)?;
    let rows: Vec<Row> = parsed.rows;
    let existing: HashMap<String, Site> = store::list(db, None)
        .await?
        .into_iter()
        .map(|s| (s.spec.code.clone(), s))
        .collect();
    let mut codes: Vec<&str> = rows.iter().map(|r| r.draft.unit_code.trim()).collect();
    codes.extend(
        existing
            .values()
            .filter_map(|s| s.spec.unit_code.as_deref()),
    );
    let units = units(db, &codes).await?;
    let mut problems = parsed.problems;
    let mut total = parsed.total;
    let mut specs = Vec::new();
    for row in &rows {
        let mut bad = |p: Problem| {
            total += 1;
            if problems.len() < platform::error::MAX_PROBLEMS {
                problems.push(sites_csv::at_line(p, row.line));
            }
        };
        match row.draft.check(|c| units.contains_key(c)) {
            Err(ps) => ps.into_iter().for_each(&mut bad),
            Ok(spec) => {
                let old = existing.get(&spec.code);
                let allowed = may_write(grants, &target_of(&units, spec.unit_code.as_deref()))
                    && old.is_none_or(|o| {
                        may_write(grants, &target_of(&units, o.spec.unit_code.as_deref()))
                    });
                if !allowed {
                    bad(Problem::new("site_unit_out_of_scope")
                        .field("unit_code")
                        .arg("value", spec.unit_code.clone().unwrap_or_default()));
                } else {
                    specs.push((old.map(|o| (o.id, o.spec.clone())), spec, row.line));
                }
            }
        }
    }
    if !problems.is_empty() {
        // By line, as the file reads (the kept ones: the first found of each row).
        problems.sort_by_key(|p| {
            p.args
                .iter()
                .find(|(k, _)| *k == "line")
                .and_then(|(_, v)| v.parse::<u64>().ok())
                .unwrap_or(0)
        });
        return Err(SiteError::Invalid(sites_csv::finish(problems, total)));
    }
    let inserted_n = specs.iter().filter(|(o, _, _)| o.is_none()).count();
    if existing.len() + inserted_n > crate::model::site::MAX_SITES as usize {
        return Err(SiteError::Invalid(vec![
            Problem::new("site_too_many").arg("max", crate::model::site::MAX_SITES),
        ]));
    }
    let mut out = Imported {
        rows: rows.len(),
        dry_run,
        ..Default::default()
    };
    if dry_run {
        for (old, spec, _) in &specs {
            match old {
                None => out.inserted += 1,
                Some((_, o)) if o == spec => out.unchanged += 1,
                Some(_) => out.updated += 1,
            }
        }
        return Ok(out);
    }
    let now = platform::db::now_ms();
    let mut tx = db.begin().await?;
    for (old, spec, line) in &specs {
        match old {
            None => {
                // A site of this code written by someone else since the registry was read: the
                // row's error, as a create would give it (nothing of the file is written).
                store::insert(&mut tx, spec, now).await.map_err(|e| {
                    match taken_if_unique(e, &spec.code) {
                        SiteError::Invalid(ps) => SiteError::Invalid(
                            ps.into_iter()
                                .map(|p| sites_csv::at_line(p, *line))
                                .collect(),
                        ),
                        other => other,
                    }
                })?;
                out.inserted += 1;
            }
            Some((_, o)) if o == spec => out.unchanged += 1,
            Some((id, _)) => {
                store::update(&mut tx, *id, spec, now).await?;
                out.updated += 1;
            }
        }
    }
    audit::append(
        &mut tx,
        actor,
        Change {
            action: "site.import",
            object_type: "site",
            object_id: "import".into(),
            before: None,
            after: Some(json!({
                "rows": out.rows, "inserted": out.inserted,
                "updated": out.updated, "unchanged": out.unchanged,
            })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(out)
}
