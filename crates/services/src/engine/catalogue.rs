//! Changing the procedure catalogue: save a draft (a new procedure, a changed draft, or a new
//! draft version of a published one), publish a draft (the previous published version is
//! retired), retire, import a file (all or nothing), attach a paper's form file — each one
//! transaction with its audit entries (`services.procedure_*`).
//!
//! Who may: [`Permission::ManageProcedures`] on the implementing agency (agency
//! administrators of that agency, system administrators); a procedure without an implementing
//! agency is national (system administrators only). A change needs the permission on the
//! procedure as it is and as it becomes.

use std::collections::HashMap;

use platform::audit::{self, Actor, Change};
use platform::db::{Db, DbError, Tx, now_ms};
use platform::error::Problem;
use platform::i18n::Lang;
use platform::identity::access::{self, Grant, Permission, Role, Target};
use serde_json::json;

use crate::model::catalogue::{AgencyRef, ProcedureDraft, ProcedureSpec};
use crate::model::procedure::VersionStatus;
use crate::store::procedures as store;

/// Why a change was refused.
#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    /// Bad input: every problem (fields named), nothing written.
    #[error("invalid")]
    Invalid(Vec<Problem>),
    /// Not allowed: the problem says which agency.
    #[error("forbidden")]
    Forbidden(Problem),
    #[error("not found")]
    NotFound(Problem),
    /// The version is not in a state that allows it (published versions never change).
    #[error("conflict")]
    Conflict(Problem),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// The permission target of a procedure implemented by `agency_id` (none: national).
pub fn target(agency_id: Option<i64>) -> Target {
    match agency_id {
        Some(a) => Target {
            national: false,
            agency: Some(a),
            units: Vec::new(),
        },
        None => Target::national(),
    }
}

/// May these grants manage procedures of `agency_id`?
pub fn may_manage(grants: &[Grant], agency_id: Option<i64>) -> bool {
    access::allowed(grants, Permission::ManageProcedures, &target(agency_id))
}

/// May these grants manage some procedure (to show the editor)?
pub fn may_manage_some(grants: &[Grant]) -> bool {
    grants
        .iter()
        .any(|g| matches!(g.role, Role::SystemAdmin | Role::AgencyAdmin))
}

fn refuse(agency: Option<&AgencyRef>) -> CatalogueError {
    CatalogueError::Forbidden(match agency {
        Some(a) => Problem::new("svc_agency_out_of_scope")
            .field("agency")
            .arg("value", &a.code),
        None => Problem::new("svc_national_out_of_scope").field("agency"),
    })
}

/// The registry's agencies, by code (each with its identifier), and by id.
pub struct Agencies {
    by_code: HashMap<String, AgencyRef>,
    by_id: HashMap<i64, String>,
}

impl Agencies {
    pub async fn load(db: &Db) -> Result<Agencies, DbError> {
        let list = registry::store::list_agencies(db, None, None, None).await?;
        let mut by_code = HashMap::new();
        let mut by_id = HashMap::new();
        for a in list {
            by_id.insert(a.id, a.code.clone());
            by_code.insert(
                a.code.to_lowercase(),
                AgencyRef {
                    id: a.id,
                    code: a.code,
                    edoc_qcvn: a.edoc_qcvn,
                },
            );
        }
        Ok(Agencies { by_code, by_id })
    }
    pub fn get(&self, code: &str) -> Option<AgencyRef> {
        self.by_code.get(&code.to_lowercase()).cloned()
    }
    pub fn code(&self, id: i64) -> Option<&str> {
        self.by_id.get(&id).map(String::as_str)
    }
    fn of_id(&self, id: Option<i64>) -> Option<AgencyRef> {
        id.and_then(|i| self.code(i)).and_then(|c| self.get(c))
    }
}

/// What the checks of a draft need from the database.
pub struct Lookups {
    pub agencies: Agencies,
    pub fields: Vec<String>,
}

impl Lookups {
    pub async fn load(db: &Db) -> Result<Lookups, DbError> {
        Ok(Lookups {
            agencies: Agencies::load(db).await?,
            fields: store::fields(db)
                .await?
                .into_iter()
                .map(|f| f.code)
                .collect(),
        })
    }

    /// Check a draft: the spec and its agency, or every problem.
    pub fn check(
        &self,
        lang: Lang,
        draft: &ProcedureDraft,
    ) -> Result<(ProcedureSpec, Option<AgencyRef>), Vec<Problem>> {
        draft.check(
            lang,
            |f| self.fields.iter().any(|x| x == f),
            |a| self.agencies.get(a),
        )
    }
}

/// What saving a draft did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// A new procedure, version 1.
    Created,
    /// The draft was changed in place.
    Updated,
    /// A new draft version of a published (or retired) procedure.
    NewVersion,
    /// Same as the newest version: nothing written.
    Unchanged,
}

/// A saved draft: its procedure, version and what happened.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Saved {
    pub code: String,
    pub version: i64,
    pub outcome: Outcome,
}

fn snapshot(spec: &ProcedureSpec) -> serde_json::Value {
    serde_json::to_value(spec).unwrap_or_default()
}

/// The stored version's spec with its agency named.
fn named(agencies: &Agencies, v: &store::VersionRow) -> ProcedureSpec {
    let mut s = v.spec.clone();
    s.agency = v
        .agency_id
        .and_then(|i| agencies.code(i))
        .map(str::to_owned);
    s
}

/// Save a checked spec in an open transaction (permission checked on the procedure as it is).
async fn save_in(
    tx: &mut Tx,
    actor: &Actor,
    grants: &[Grant],
    agencies: &Agencies,
    spec: &ProcedureSpec,
    agency: Option<&AgencyRef>,
) -> Result<Saved, CatalogueError> {
    let now = now_ms();
    let agency_id = agency.map(|a| a.id);
    let code = spec.code.clone();
    let Some(pid) = store::procedure_id(tx, &code).await? else {
        let pid = store::insert_procedure(tx, &code, now)
            .await
            .map_err(|e| raced(e, &code))?;
        store::insert_version(
            tx,
            pid,
            1,
            VersionStatus::Draft,
            spec,
            agency_id,
            actor.user_id,
            now,
        )
        .await?;
        audit::append(
            tx,
            actor,
            Change {
                action: "services.procedure_draft",
                object_type: "procedure",
                object_id: format!("{code}/1"),
                before: None,
                after: Some(snapshot(spec)),
            },
        )
        .await?;
        return Ok(Saved {
            code,
            version: 1,
            outcome: Outcome::Created,
        });
    };
    let Some(latest) = store::latest_in(tx, pid).await? else {
        return Err(CatalogueError::Db(DbError::Decode {
            column: "version".into(),
            problem: format!("procedure {code} has no version"),
        }));
    };
    if !may_manage(grants, latest.agency_id) {
        return Err(refuse(agencies.of_id(latest.agency_id).as_ref()));
    }
    let before = named(agencies, &latest);
    if &before == spec {
        return Ok(Saved {
            code,
            version: latest.version,
            outcome: Outcome::Unchanged,
        });
    }
    let (version, outcome) = if latest.status == VersionStatus::Draft {
        store::update_draft(tx, latest.id, spec, agency_id, now).await?;
        (latest.version, Outcome::Updated)
    } else {
        let v = latest.version + 1;
        store::insert_version(
            tx,
            pid,
            v,
            VersionStatus::Draft,
            spec,
            agency_id,
            actor.user_id,
            now,
        )
        .await
        .map_err(|e| raced(e, &code))?;
        (v, Outcome::NewVersion)
    };
    audit::append(
        tx,
        actor,
        Change {
            action: "services.procedure_draft",
            object_type: "procedure",
            object_id: format!("{code}/{version}"),
            before: Some(snapshot(&before)),
            after: Some(snapshot(spec)),
        },
    )
    .await?;
    Ok(Saved {
        code,
        version,
        outcome,
    })
}

/// Save a draft: a new procedure, a changed draft, or a new draft version of a published one
/// (a published version never changes). The form definition is checked with the rest.
pub async fn save_draft(
    db: &Db,
    actor: &Actor,
    grants: &[Grant],
    lang: Lang,
    draft: &ProcedureDraft,
) -> Result<Saved, CatalogueError> {
    let lookups = Lookups::load(db).await?;
    let (spec, agency) = lookups
        .check(lang, draft)
        .map_err(CatalogueError::Invalid)?;
    if !may_manage(grants, agency.as_ref().map(|a| a.id)) {
        return Err(refuse(agency.as_ref()));
    }
    let mut tx = db.begin().await?;
    let saved = save_in(
        &mut tx,
        actor,
        grants,
        &lookups.agencies,
        &spec,
        agency.as_ref(),
    )
    .await?;
    tx.commit().await?;
    Ok(saved)
}

/// A unique violation (another change of the same procedure committed first) as a conflict.
fn raced(e: DbError, code: &str) -> CatalogueError {
    if e.is_unique_violation() {
        CatalogueError::Conflict(Problem::new("svc_changed_meanwhile").arg("value", code))
    } else {
        CatalogueError::Db(e)
    }
}

fn not_found(code: &str) -> CatalogueError {
    CatalogueError::NotFound(Problem::new("svc_procedure_not_found").arg("value", code))
}

/// Publish a draft version: it becomes the one published version (dossiers are filed under
/// it); the version published before is retired.
pub async fn publish(
    db: &Db,
    actor: &Actor,
    grants: &[Grant],
    code: &str,
    version: i64,
) -> Result<(), CatalogueError> {
    let agencies = Agencies::load(db).await?;
    let mut tx = db.begin().await?;
    let Some(pid) = store::procedure_id(&mut tx, code).await? else {
        return Err(not_found(code));
    };
    let Some(v) = store::version_in(&mut tx, pid, version).await? else {
        return Err(CatalogueError::NotFound(
            Problem::new("svc_version_not_found")
                .arg("value", code)
                .arg("version", version),
        ));
    };
    if !may_manage(grants, v.agency_id) {
        return Err(refuse(agencies.of_id(v.agency_id).as_ref()));
    }
    if v.status != VersionStatus::Draft {
        return Err(CatalogueError::Conflict(
            Problem::new("svc_version_not_draft")
                .arg("value", code)
                .arg("version", version)
                .arg("status", v.status.code()),
        ));
    }
    let now = now_ms();
    let old = store::published_in(&mut tx, pid).await?;
    if let Some(old) = &old {
        if !may_manage(grants, old.agency_id) {
            return Err(refuse(agencies.of_id(old.agency_id).as_ref()));
        }
        store::retire(&mut tx, old.id, now).await?;
    }
    // Two publications at once: the unique index on the published version refuses the second.
    store::publish(&mut tx, v.id, now)
        .await
        .map_err(|e| raced(e, code))?;
    audit::append(
        &mut tx,
        actor,
        Change {
            action: "services.procedure_publish",
            object_type: "procedure",
            object_id: format!("{code}/{version}"),
            before: Some(json!({"published": old.as_ref().map(|o| o.version)})),
            after: Some(json!({"published": version})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Retire the published version: the procedure is no longer offered (dossiers filed under it
/// keep it).
pub async fn retire(
    db: &Db,
    actor: &Actor,
    grants: &[Grant],
    code: &str,
) -> Result<(), CatalogueError> {
    let agencies = Agencies::load(db).await?;
    let mut tx = db.begin().await?;
    let Some(pid) = store::procedure_id(&mut tx, code).await? else {
        return Err(not_found(code));
    };
    let Some(v) = store::published_in(&mut tx, pid).await? else {
        return Err(CatalogueError::Conflict(
            Problem::new("svc_nothing_published").arg("value", code),
        ));
    };
    if !may_manage(grants, v.agency_id) {
        return Err(refuse(agencies.of_id(v.agency_id).as_ref()));
    }
    store::retire(&mut tx, v.id, now_ms()).await?;
    audit::append(
        &mut tx,
        actor,
        Change {
            action: "services.procedure_retire",
            object_type: "procedure",
            object_id: format!("{code}/{}", v.version),
            before: Some(json!({"status": "published"})),
            after: Some(json!({"status": "retired"})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// What an import did (or would do, checked only).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Imported {
    pub rows: usize,
    pub created: usize,
    pub updated: usize,
    pub new_versions: usize,
    pub unchanged: usize,
}

/// Import checked rows: all or none; each row a draft (see [`save_draft`]). The rows come from
/// [`crate::engine::exchange::read`] (with their sheet and row for the problems).
pub async fn import(
    db: &Db,
    actor: &Actor,
    grants: &[Grant],
    lang: Lang,
    table: &crate::engine::exchange::Table,
) -> Result<Imported, CatalogueError> {
    let lookups = Lookups::load(db).await?;
    let mut problems = Vec::new();
    let mut total = 0usize;
    let mut specs = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for row in &table.rows {
        let mut bad = |p: Problem| {
            total += 1;
            if problems.len() < platform::error::MAX_PROBLEMS {
                problems.push(crate::engine::exchange::at(p, &table.sheet, row.row, lang));
            }
        };
        match lookups.check(lang, &row.draft) {
            Err(ps) => ps.into_iter().for_each(&mut bad),
            Ok((spec, agency)) => {
                if let Some(first) = seen.get(&spec.code) {
                    bad(Problem::new("svc_import_duplicate")
                        .field("code")
                        .arg("value", &spec.code)
                        .arg("first", first));
                } else if !may_manage(grants, agency.as_ref().map(|a| a.id)) {
                    match refuse(agency.as_ref()) {
                        CatalogueError::Forbidden(p) => bad(p),
                        _ => unreachable!("refuse gives Forbidden"),
                    }
                } else {
                    seen.insert(spec.code.clone(), row.row);
                    specs.push((spec, agency, row.row));
                }
            }
        }
    }
    if !problems.is_empty() {
        if total > problems.len() {
            problems.push(platform::error::truncated(problems.len(), total));
        }
        return Err(CatalogueError::Invalid(problems));
    }
    let mut out = Imported {
        rows: table.rows.len(),
        ..Default::default()
    };
    let mut tx = db.begin().await?;
    for (spec, agency, row) in &specs {
        let saved = save_in(
            &mut tx,
            actor,
            grants,
            &lookups.agencies,
            spec,
            agency.as_ref(),
        )
        .await
        .map_err(|e| match e {
            CatalogueError::Forbidden(p) => {
                CatalogueError::Invalid(vec![crate::engine::exchange::at(
                    p,
                    &table.sheet,
                    *row,
                    lang,
                )])
            }
            other => other,
        })?;
        match saved.outcome {
            Outcome::Created => out.created += 1,
            Outcome::Updated => out.updated += 1,
            Outcome::NewVersion => out.new_versions += 1,
            Outcome::Unchanged => out.unchanged += 1,
        }
    }
    audit::append(
        &mut tx,
        actor,
        Change {
            action: "services.procedure_import",
            object_type: "procedure",
            object_id: "import".into(),
            before: None,
            after: Some(json!({
                "rows": out.rows, "created": out.created, "updated": out.updated,
                "new_versions": out.new_versions, "unchanged": out.unchanged,
            })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(out)
}

/// The newest version of every procedure with its agency named (what export writes).
pub async fn latest_specs(db: &Db) -> Result<Vec<ProcedureSpec>, DbError> {
    let agencies = Agencies::load(db).await?;
    Ok(
        store::latest_all(db, crate::engine::exchange::MAX_ROWS as i64)
            .await?
            .iter()
            .map(|v| named(&agencies, v))
            .collect(),
    )
}

/// Attach a form file (a blank to fill in) to a paper of the procedure's draft (a published
/// version gets a new draft version first): the file is kept in the file store by its SHA-256.
#[allow(clippy::too_many_arguments)]
pub async fn attach_form_file(
    db: &Db,
    files: &platform::files::FileStore,
    actor: &Actor,
    grants: &[Grant],
    code: &str,
    paper: usize,
    name: &str,
    bytes: &[u8],
) -> Result<Saved, CatalogueError> {
    let agencies = Agencies::load(db).await?;
    let current = {
        let mut tx = db.begin().await?;
        let Some(pid) = store::procedure_id(&mut tx, code).await? else {
            return Err(not_found(code));
        };
        store::latest_in(&mut tx, pid)
            .await?
            .ok_or_else(|| not_found(code))?
    };
    let name = name.trim();
    if name.is_empty()
        || name.len() > 255
        || platform::web::extract::refused_char(name).is_some()
        || name.contains(['/', '\\'])
    {
        return Err(CatalogueError::Invalid(vec![
            Problem::new("svc_papers_invalid")
                .field("file")
                .arg("why", "file name"),
        ]));
    }
    let mut spec = named(&agencies, &current);
    if paper >= spec.papers.len() {
        return Err(CatalogueError::Invalid(vec![
            Problem::new("svc_papers_invalid")
                .field("paper")
                .arg("why", format!("#{}", paper + 1)),
        ]));
    }
    if !may_manage(grants, current.agency_id) {
        return Err(refuse(agencies.of_id(current.agency_id).as_ref()));
    }
    let stored = files
        .put(&mut &bytes[..], MAX_FORM_FILE)
        .await
        .map_err(|e| {
            CatalogueError::Db(DbError::Decode {
                column: "file".into(),
                problem: e.to_string(),
            })
        })?;
    spec.papers[paper].form_file = Some(crate::model::catalogue::FormFile {
        sha256: stored.key.clone(),
        name: name.to_owned(),
    });
    let agency = agencies.of_id(current.agency_id);
    let mut tx = db.begin().await?;
    let saved = save_in(&mut tx, actor, grants, &agencies, &spec, agency.as_ref()).await?;
    tx.commit().await?;
    Ok(saved)
}

/// The largest form file of a paper.
pub const MAX_FORM_FILE: u64 = 10 * 1024 * 1024;
