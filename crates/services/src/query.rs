//! Read models of the portal for its pages, its API and other crates.
//!
//! For the dossiers: [`published_version`] (the version a new dossier is filed under, with its
//! parsed form) and [`version`] (the version a stored dossier was filed under, by id).

use platform::db::{Db, DbResult};
use platform::i18n::Lang;
use serde::Serialize;

use crate::model::catalogue::ProcedureSpec;
use crate::model::form::Form;
use crate::model::procedure::{Level, OnlineLevel, VersionStatus};
use crate::store::procedures::{self as store, Facet, FieldRow, Filter, VersionRow};

/// A version of a procedure with its agency named and its form parsed.
#[derive(Debug, Clone)]
pub struct ProcedureVersion {
    /// `svc_procedure_versions.id`: what a dossier refers to.
    pub id: i64,
    pub procedure_id: i64,
    pub version: i64,
    pub status: VersionStatus,
    pub agency_id: Option<i64>,
    pub spec: ProcedureSpec,
    /// The online form (empty when the procedure has none).
    pub form: Form,
    pub published_at: Option<i64>,
    pub retired_at: Option<i64>,
}

async fn full(db: &Db, v: VersionRow) -> DbResult<ProcedureVersion> {
    let mut spec = v.spec;
    if let Some(a) = v.agency_id {
        spec.agency = registry::store::agency(db, a).await?.map(|a| a.code);
    }
    // Stored definitions were checked when saved; one that no longer parses is a fault.
    let form = spec.form().map_err(|e| platform::db::DbError::Decode {
        column: "form_schema".into(),
        problem: e.to_string(),
    })?;
    Ok(ProcedureVersion {
        id: v.id,
        procedure_id: v.procedure_id,
        version: v.version,
        status: v.status,
        agency_id: v.agency_id,
        spec,
        form,
        published_at: v.published_at,
        retired_at: v.retired_at,
    })
}

/// The published version of the procedure bearing `code` (None: no such procedure, or none
/// of its versions is published).
pub async fn published_version(db: &Db, code: &str) -> DbResult<Option<ProcedureVersion>> {
    let code = code.trim().to_ascii_uppercase();
    match store::published(db, &code).await? {
        Some(v) => Ok(Some(full(db, v).await?)),
        None => Ok(None),
    }
}

/// A version by its id, whatever its status (a dossier's version stays readable once retired).
pub async fn version(db: &Db, id: i64) -> DbResult<Option<ProcedureVersion>> {
    match store::version_by_id(db, id).await? {
        Some(v) => Ok(Some(full(db, v).await?)),
        None => Ok(None),
    }
}

/// Every version of a procedure, newest first (at most 200).
pub async fn versions(db: &Db, code: &str) -> DbResult<Vec<ProcedureVersion>> {
    let mut out = Vec::new();
    for v in store::versions(db, &code.trim().to_ascii_uppercase(), 200).await? {
        out.push(full(db, v).await?);
    }
    Ok(out)
}

/// The fields (lĩnh vực), by code.
pub async fn fields(db: &Db) -> DbResult<Vec<FieldRow>> {
    store::fields(db).await
}

/// A search of the published catalogue.
#[derive(Debug, Clone, Default)]
pub struct Search {
    /// Words typed (diacritics and case do not matter).
    pub q: String,
    pub field: Option<String>,
    pub agency_id: Option<i64>,
    pub level: Option<Level>,
    pub online: Option<OnlineLevel>,
    pub limit: i64,
    pub offset: i64,
}

/// A procedure as a list shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Summary {
    pub code: String,
    pub version: i64,
    pub name_vi: String,
    pub name_en: String,
    pub field: String,
    #[schema(value_type = String)]
    pub level: Level,
    /// The implementing agency's code (none: every agency of the level).
    pub agency: Option<String>,
    pub processing_days: i64,
    pub fee_vnd: i64,
    #[schema(value_type = String)]
    pub online_level: OnlineLevel,
}

/// A facet's value with how many procedures have it (and its label).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FacetCount {
    pub value: String,
    pub label: String,
    pub count: i64,
}

/// The counts of each facet, each over the matches of every other filter.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct Facets {
    pub field: Vec<FacetCount>,
    pub agency: Vec<FacetCount>,
    pub level: Vec<FacetCount>,
    pub online: Vec<FacetCount>,
}

/// A page of matches, how many there are, and the facets.
#[derive(Debug, Clone)]
pub struct Found {
    pub items: Vec<Summary>,
    pub total: i64,
    pub facets: Facets,
}

/// The most words of a search.
pub const MAX_WORDS: usize = 10;

/// Search the published catalogue: every word in the code or a name, diacritics-insensitive
/// (`registry::fold`), narrowed by field, agency, level and online level; facet labels in
/// `lang`.
pub async fn search(db: &Db, s: &Search, lang: Lang) -> DbResult<Found> {
    let folded = registry::fold(&s.q);
    let filter = Filter {
        words: folded
            .split(' ')
            .filter(|w| !w.is_empty())
            .take(MAX_WORDS)
            .map(str::to_owned)
            .collect(),
        field: s.field.clone(),
        agency_id: s.agency_id,
        level: s.level,
        online: s.online,
    };
    let (rows, total) = store::search(db, &filter, s.limit, s.offset).await?;
    let agencies = registry::store::list_agencies(db, None, None, None).await?;
    let agency_code = |id: Option<i64>| {
        id.and_then(|i| agencies.iter().find(|a| a.id == i))
            .map(|a| a.code.clone())
    };
    let items = rows
        .into_iter()
        .map(|v| Summary {
            agency: agency_code(v.agency_id),
            code: v.spec.code,
            version: v.version,
            name_vi: v.spec.name_vi,
            name_en: v.spec.name_en,
            field: v.spec.field,
            level: v.spec.level,
            processing_days: v.spec.processing_days,
            fee_vnd: v.spec.fee_vnd,
            online_level: v.spec.online_level,
        })
        .collect();
    let fields = store::fields(db).await?;
    let label = |facet: Facet, k: &str| -> String {
        match facet {
            Facet::Field => fields
                .iter()
                .find(|f| f.code == k)
                .map(|f| f.name(lang).to_owned())
                .unwrap_or_else(|| k.to_owned()),
            Facet::Agency => agencies
                .iter()
                .find(|a| a.id.to_string() == k)
                .map(|a| a.name(lang).to_owned())
                .unwrap_or_else(|| k.to_owned()),
            Facet::Level => platform::i18n::t(lang, &format!("services_catalogue.level_{k}")),
            Facet::Online => platform::i18n::t(lang, &format!("services_catalogue.online_{k}")),
        }
    };
    let mut facets = Facets::default();
    for (facet, slot) in [
        (Facet::Field, &mut facets.field),
        (Facet::Agency, &mut facets.agency),
        (Facet::Level, &mut facets.level),
        (Facet::Online, &mut facets.online),
    ] {
        *slot = store::facet(db, &filter, facet)
            .await?
            .into_iter()
            .map(|(value, count)| FacetCount {
                label: label(facet, &value),
                value,
                count,
            })
            .collect();
    }
    Ok(Found {
        items,
        total,
        facets,
    })
}

/// A procedure's newest version, as the catalogue administrators' list shows it.
#[derive(Debug, Clone)]
pub struct Latest {
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
    pub version: i64,
    pub status: VersionStatus,
    pub agency: Option<String>,
}

/// The newest version of every procedure, by code (at most `limit`).
pub async fn latest_versions(db: &Db, limit: i64) -> DbResult<Vec<Latest>> {
    let codes = registry::store::agency_codes(db).await?;
    Ok(store::latest_all(db, limit)
        .await?
        .into_iter()
        .map(|v| Latest {
            agency: v.agency_id.and_then(|a| codes.get(&a).cloned()),
            code: v.spec.code,
            name_vi: v.spec.name_vi,
            name_en: v.spec.name_en,
            version: v.version,
            status: v.status,
        })
        .collect())
}
