//! The procedure catalogue: `svc_fields`, `svc_procedures`, `svc_procedure_versions`
//! (migration 0031). Agencies are kept by id; their codes come from the registry's API.

use platform::db::{Db, DbError, DbResult, Row, Sql, Tx, Value};
use platform::params;
use serde_json::Value as Json;

use crate::model::catalogue::{Paper, ProcedureSpec};
use crate::model::procedure::{Level, OnlineLevel, VersionStatus};

fn corrupt(column: &str, problem: impl Into<String>) -> DbError {
    DbError::Decode {
        column: column.to_owned(),
        problem: problem.into(),
    }
}

/// A field (lĩnh vực).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct FieldRow {
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
}

impl FieldRow {
    pub fn name(&self, lang: platform::i18n::Lang) -> &str {
        match lang {
            platform::i18n::Lang::Vi => &self.name_vi,
            platform::i18n::Lang::En => &self.name_en,
        }
    }
}

fn field_of(r: &Row) -> DbResult<FieldRow> {
    Ok(FieldRow {
        code: r.get("code")?,
        name_vi: r.get("name_vi")?,
        name_en: r.get("name_en")?,
    })
}

/// Every field, by code.
pub async fn fields(db: &Db) -> DbResult<Vec<FieldRow>> {
    db.fetch_all(
        "SELECT code, name_vi, name_en FROM svc_fields ORDER BY code",
        params![],
    )
    .await?
    .iter()
    .map(field_of)
    .collect()
}

pub async fn fields_in(tx: &mut Tx) -> DbResult<Vec<FieldRow>> {
    tx.fetch_all(
        "SELECT code, name_vi, name_en FROM svc_fields ORDER BY code",
        params![],
    )
    .await?
    .iter()
    .map(field_of)
    .collect()
}

/// Insert or update a field.
pub async fn put_field(tx: &mut Tx, f: &FieldRow) -> DbResult<()> {
    tx.execute(
        "INSERT INTO svc_fields (code, name_vi, name_en) VALUES ($1, $2, $3) \
         ON CONFLICT (code) DO UPDATE SET name_vi = excluded.name_vi, name_en = excluded.name_en",
        params![f.code.as_str(), f.name_vi.as_str(), f.name_en.as_str()],
    )
    .await?;
    Ok(())
}

/// A stored version. `spec.agency` is empty here: the agency is `agency_id` until the caller
/// names it (see `query`).
#[derive(Debug, Clone)]
pub struct VersionRow {
    pub id: i64,
    pub procedure_id: i64,
    pub version: i64,
    pub status: VersionStatus,
    pub agency_id: Option<i64>,
    pub spec: ProcedureSpec,
    pub published_at: Option<i64>,
    pub retired_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "v.id, v.procedure_id, p.code, v.version, v.status, v.name_vi, v.name_en, \
     v.field_code, v.level, v.agency_id, v.processing_days, v.fee_vnd, v.fees_note, v.papers, \
     v.result_vi, v.result_en, v.legal_basis, v.online_level, v.min_assurance, v.form_schema, \
     v.form_layout, v.published_at, v.retired_at, v.created_at, v.updated_at";

const FROM: &str = "FROM svc_procedure_versions v JOIN svc_procedures p ON p.id = v.procedure_id";

fn json(r: &Row, column: &str) -> DbResult<Json> {
    let s: String = r.get(column)?;
    serde_json::from_str(&s).map_err(|e| corrupt(column, e.to_string()))
}

fn version_of(r: &Row) -> DbResult<VersionRow> {
    let status: String = r.get("status")?;
    let level: String = r.get("level")?;
    let online: String = r.get("online_level")?;
    let papers: String = r.get("papers")?;
    let papers: Vec<Paper> =
        serde_json::from_str(&papers).map_err(|e| corrupt("papers", e.to_string()))?;
    Ok(VersionRow {
        id: r.get("id")?,
        procedure_id: r.get("procedure_id")?,
        version: r.get("version")?,
        status: VersionStatus::parse(&status)
            .ok_or_else(|| corrupt("status", format!("unknown status {status:?}")))?,
        agency_id: r.get("agency_id")?,
        spec: ProcedureSpec {
            code: r.get("code")?,
            name_vi: r.get("name_vi")?,
            name_en: r.get("name_en")?,
            field: r.get("field_code")?,
            level: Level::parse(&level)
                .ok_or_else(|| corrupt("level", format!("unknown level {level:?}")))?,
            agency: None,
            processing_days: r.get("processing_days")?,
            fee_vnd: r.get("fee_vnd")?,
            fees_note: r.get("fees_note")?,
            papers,
            result_vi: r.get("result_vi")?,
            result_en: r.get("result_en")?,
            legal_basis: r.get("legal_basis")?,
            online_level: OnlineLevel::parse(&online)
                .ok_or_else(|| corrupt("online_level", format!("unknown level {online:?}")))?,
            min_assurance: r.get("min_assurance")?,
            form_schema: json(r, "form_schema")?,
            form_layout: json(r, "form_layout")?,
        },
        published_at: r.get("published_at")?,
        retired_at: r.get("retired_at")?,
        created_at: r.get("created_at")?,
        updated_at: r.get("updated_at")?,
    })
}

/// The id of the procedure bearing `code`.
pub async fn procedure_id(tx: &mut Tx, code: &str) -> DbResult<Option<i64>> {
    tx.fetch_optional(
        "SELECT id FROM svc_procedures WHERE code = $1",
        params![code],
    )
    .await?
    .map(|r| r.get("id"))
    .transpose()
}

pub async fn insert_procedure(tx: &mut Tx, code: &str, now: i64) -> DbResult<i64> {
    tx.fetch_one(
        "INSERT INTO svc_procedures (code, created_at) VALUES ($1, $2) RETURNING id",
        params![code, now],
    )
    .await?
    .get("id")
}

/// The newest version of a procedure.
pub async fn latest_in(tx: &mut Tx, procedure_id: i64) -> DbResult<Option<VersionRow>> {
    let sql = format!(
        "SELECT {COLUMNS} {FROM} WHERE v.procedure_id = $1 ORDER BY v.version DESC LIMIT 1"
    );
    tx.fetch_optional(Sql::trusted(sql), params![procedure_id])
        .await?
        .as_ref()
        .map(version_of)
        .transpose()
}

/// One version of a procedure (by its number).
pub async fn version_in(
    tx: &mut Tx,
    procedure_id: i64,
    version: i64,
) -> DbResult<Option<VersionRow>> {
    let sql = format!("SELECT {COLUMNS} {FROM} WHERE v.procedure_id = $1 AND v.version = $2");
    tx.fetch_optional(Sql::trusted(sql), params![procedure_id, version])
        .await?
        .as_ref()
        .map(version_of)
        .transpose()
}

/// The published version of a procedure (in a transaction).
pub async fn published_in(tx: &mut Tx, procedure_id: i64) -> DbResult<Option<VersionRow>> {
    let sql =
        format!("SELECT {COLUMNS} {FROM} WHERE v.procedure_id = $1 AND v.status = 'published'");
    tx.fetch_optional(Sql::trusted(sql), params![procedure_id])
        .await?
        .as_ref()
        .map(version_of)
        .transpose()
}

/// The published version of the procedure bearing `code`.
pub async fn published(db: &Db, code: &str) -> DbResult<Option<VersionRow>> {
    let sql = format!("SELECT {COLUMNS} {FROM} WHERE p.code = $1 AND v.status = 'published'");
    db.fetch_optional(Sql::trusted(sql), params![code])
        .await?
        .as_ref()
        .map(version_of)
        .transpose()
}

/// One version by its id (a dossier keeps the id of the version it was filed under).
pub async fn version_by_id(db: &Db, id: i64) -> DbResult<Option<VersionRow>> {
    let sql = format!("SELECT {COLUMNS} {FROM} WHERE v.id = $1");
    db.fetch_optional(Sql::trusted(sql), params![id])
        .await?
        .as_ref()
        .map(version_of)
        .transpose()
}

/// Every version of a procedure, newest first (at most `limit`).
pub async fn versions(db: &Db, code: &str, limit: i64) -> DbResult<Vec<VersionRow>> {
    let sql = format!("SELECT {COLUMNS} {FROM} WHERE p.code = $1 ORDER BY v.version DESC LIMIT $2");
    db.fetch_all(Sql::trusted(sql), params![code, limit])
        .await?
        .iter()
        .map(version_of)
        .collect()
}

/// The newest version of every procedure, by code (at most `limit`): what export writes.
pub async fn latest_all(db: &Db, limit: i64) -> DbResult<Vec<VersionRow>> {
    let sql = format!(
        "SELECT {COLUMNS} {FROM} WHERE v.version = \
         (SELECT MAX(w.version) FROM svc_procedure_versions w WHERE w.procedure_id = v.procedure_id) \
         ORDER BY p.code LIMIT $1"
    );
    db.fetch_all(Sql::trusted(sql), params![limit])
        .await?
        .iter()
        .map(version_of)
        .collect()
}

/// Every published version (at most `limit`), by code: the reference set's current records.
pub async fn published_all_in(tx: &mut Tx, limit: i64) -> DbResult<Vec<VersionRow>> {
    let sql =
        format!("SELECT {COLUMNS} {FROM} WHERE v.status = 'published' ORDER BY p.code LIMIT $1");
    tx.fetch_all(Sql::trusted(sql), params![limit])
        .await?
        .iter()
        .map(version_of)
        .collect()
}

fn spec_params(spec: &ProcedureSpec, agency_id: Option<i64>) -> Vec<Value> {
    params![
        spec.name_vi.as_str(),
        spec.name_en.as_str(),
        spec.search_text(),
        spec.field.as_str(),
        spec.level.code(),
        agency_id,
        spec.processing_days,
        spec.fee_vnd,
        spec.fees_note.as_str(),
        serde_json::to_string(&spec.papers).unwrap_or_else(|_| "[]".into()),
        spec.result_vi.as_str(),
        spec.result_en.as_str(),
        spec.legal_basis.as_str(),
        spec.online_level.code(),
        spec.min_assurance,
        spec.form_schema.to_string(),
        spec.form_layout.to_string()
    ]
}

/// Store a new version; its id.
#[allow(clippy::too_many_arguments)]
pub async fn insert_version(
    tx: &mut Tx,
    procedure_id: i64,
    version: i64,
    status: VersionStatus,
    spec: &ProcedureSpec,
    agency_id: Option<i64>,
    user: Option<i64>,
    now: i64,
) -> DbResult<i64> {
    let mut p = spec_params(spec, agency_id);
    p.extend(params![
        procedure_id,
        version,
        status.code(),
        (status == VersionStatus::Published).then_some(now),
        user,
        now
    ]);
    tx.fetch_one(
        "INSERT INTO svc_procedure_versions (name_vi, name_en, name_search, field_code, level, \
         agency_id, processing_days, fee_vnd, fees_note, papers, result_vi, result_en, \
         legal_basis, online_level, min_assurance, form_schema, form_layout, procedure_id, \
         version, status, published_at, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
         $18, $19, $20, $21, $22, $23, $23) RETURNING id",
        p,
    )
    .await?
    .get("id")
}

/// Change a draft (a published or retired version is never changed: 0 rows then).
pub async fn update_draft(
    tx: &mut Tx,
    id: i64,
    spec: &ProcedureSpec,
    agency_id: Option<i64>,
    now: i64,
) -> DbResult<u64> {
    let mut p = spec_params(spec, agency_id);
    p.extend(params![now, id]);
    tx.execute(
        "UPDATE svc_procedure_versions SET name_vi = $1, name_en = $2, name_search = $3, \
         field_code = $4, level = $5, agency_id = $6, processing_days = $7, fee_vnd = $8, \
         fees_note = $9, papers = $10, result_vi = $11, result_en = $12, legal_basis = $13, \
         online_level = $14, min_assurance = $15, form_schema = $16, form_layout = $17, \
         updated_at = $18 WHERE id = $19 AND status = 'draft'",
        p,
    )
    .await
}

/// Publish a draft.
pub async fn publish(tx: &mut Tx, id: i64, now: i64) -> DbResult<u64> {
    tx.execute(
        "UPDATE svc_procedure_versions SET status = 'published', published_at = $1, \
         updated_at = $1 WHERE id = $2 AND status = 'draft'",
        params![now, id],
    )
    .await
}

/// Retire a published version.
pub async fn retire(tx: &mut Tx, id: i64, now: i64) -> DbResult<u64> {
    tx.execute(
        "UPDATE svc_procedure_versions SET status = 'retired', retired_at = $1, \
         updated_at = $1 WHERE id = $2 AND status = 'published'",
        params![now, id],
    )
    .await
}

/// A search of the published catalogue.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Folded words, each to be found in the code or a name.
    pub words: Vec<String>,
    pub field: Option<String>,
    pub agency_id: Option<i64>,
    pub level: Option<Level>,
    pub online: Option<OnlineLevel>,
}

/// Which filter a facet leaves out (its own).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Facet {
    Field,
    Agency,
    Level,
    Online,
}

fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

fn filter_sql(f: &Filter, except: Option<Facet>, p: &mut Vec<Value>) -> String {
    let mut sql = String::from(" WHERE v.status = 'published'");
    for w in &f.words {
        p.push(format!("%{}%", escape_like(w)).into());
        sql.push_str(&format!(" AND v.name_search LIKE ${} ESCAPE '\\'", p.len()));
    }
    if let Some(x) = &f.field
        && except != Some(Facet::Field)
    {
        p.push(x.as_str().into());
        sql.push_str(&format!(" AND v.field_code = ${}", p.len()));
    }
    if let Some(a) = f.agency_id
        && except != Some(Facet::Agency)
    {
        p.push(a.into());
        sql.push_str(&format!(" AND v.agency_id = ${}", p.len()));
    }
    if let Some(l) = f.level
        && except != Some(Facet::Level)
    {
        p.push(l.code().into());
        sql.push_str(&format!(" AND v.level = ${}", p.len()));
    }
    if let Some(o) = f.online
        && except != Some(Facet::Online)
    {
        p.push(o.code().into());
        sql.push_str(&format!(" AND v.online_level = ${}", p.len()));
    }
    sql
}

/// A page of the published versions matching the filter (by code), and how many match.
pub async fn search(
    db: &Db,
    f: &Filter,
    limit: i64,
    offset: i64,
) -> DbResult<(Vec<VersionRow>, i64)> {
    let mut p = Vec::new();
    let wh = filter_sql(f, None, &mut p);
    let total: i64 = db
        .fetch_one(
            Sql::trusted(format!("SELECT COUNT(*) AS n {FROM}{wh}")),
            p.clone(),
        )
        .await?
        .get("n")?;
    p.push(limit.into());
    p.push(offset.into());
    let sql = format!(
        "SELECT {COLUMNS} {FROM}{wh} ORDER BY p.code LIMIT ${} OFFSET ${}",
        p.len() - 1,
        p.len()
    );
    let rows = db
        .fetch_all(Sql::trusted(sql), p)
        .await?
        .iter()
        .map(version_of)
        .collect::<DbResult<Vec<_>>>()?;
    Ok((rows, total))
}

/// The counts of a facet over the published versions matching every other filter: (value,
/// count), most first (at most 200 values).
pub async fn facet(db: &Db, f: &Filter, facet: Facet) -> DbResult<Vec<(String, i64)>> {
    let column = match facet {
        Facet::Field => "v.field_code",
        Facet::Agency => "v.agency_id",
        Facet::Level => "v.level",
        Facet::Online => "v.online_level",
    };
    let mut p = Vec::new();
    let wh = filter_sql(f, Some(facet), &mut p);
    let sql = format!(
        "SELECT {column} AS k, COUNT(*) AS n {FROM}{wh} AND {column} IS NOT NULL \
         GROUP BY {column} ORDER BY n DESC, k LIMIT 200"
    );
    db.fetch_all(Sql::trusted(sql), p)
        .await?
        .iter()
        .map(|r| {
            let k = match facet {
                Facet::Agency => r.get::<i64>("k")?.to_string(),
                _ => r.get::<String>("k")?,
            };
            Ok((k, r.get("n")?))
        })
        .collect()
}
