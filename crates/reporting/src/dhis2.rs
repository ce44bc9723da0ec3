//! DHIS2-compatible data import, so that tools which push data to DHIS2 can push to egov:
//! `POST /api/dataValueSets` with a JSON data value set or DHIS2's CSV columns, answered like
//! DHIS2 2.38+ (a WebMessage holding the import summary). Data elements are indicator codes,
//! org units are unit codes, periods are DHIS2 period ids; DHIS2's import parameters are honoured
//! (`dryRun`, `importStrategy`, the identifier schemes) or refused, never ignored.
//!
//! By default the whole payload is one transaction, accepted whole or rejected whole
//! (`atomicMode=ALL`); `atomicMode=NONE` is DHIS2's own behaviour: valid values are imported and
//! the others listed as conflicts (status WARNING). Sending the same payload again changes nothing.
//! `/api/{version}/dataValueSets` with a version up to 37 answers the bare import summary of the
//! DHIS2 versions before 2.38.

use std::collections::{BTreeMap, HashSet};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use platform::db::Tx;
use platform::error::{AppError, AppResult, Problem};
use platform::i18n::{Lang, t, t_args};
use platform::identity::access::Permission;
use platform::params;
use platform::web::{AppState, Auth};
use platform::web::{Bytes, Path, Query};
use registry::store::Unit;
use serde::{Deserialize, Serialize};

use crate::catalogue::{Indicator, Template};
use crate::engine::save::Entry;
use crate::http::save as submission;
use crate::model::period::Period;
use crate::model::status::Action;
use crate::templates;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/dataValueSets", post(import))
        .route("/api/{version}/dataValueSets", post(import_versioned))
}

/// A DHIS2 data value set. Fields DHIS2 defines that egov keeps its own record of (`storedBy`,
/// `created`, `lastUpdated`, `followup`) are accepted and not stored; any other field is refused.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DataValueSet {
    pub data_set: Option<String>,
    /// When present, the reports are submitted for approval (DHIS2's "complete").
    pub complete_date: Option<String>,
    pub period: Option<String>,
    pub org_unit: Option<String>,
    /// Only DHIS2's default attribute option combo (`HllvX50cXC0`, `default`) exists in egov.
    pub attribute_option_combo: Option<String>,
    /// Attribute options: none exist in egov; a non-empty list is a conflict.
    #[schema(value_type = Option<Vec<String>>)]
    pub attribute_category_options: Option<serde_json::Value>,
    /// The payload's own import options; they override the query's (as in DHIS2).
    #[schema(value_type = Option<bool>)]
    pub dry_run: Option<serde_json::Value>,
    pub strategy: Option<String>,
    pub id_scheme: Option<String>,
    pub data_element_id_scheme: Option<String>,
    pub org_unit_id_scheme: Option<String>,
    pub category_option_combo_id_scheme: Option<String>,
    pub data_set_id_scheme: Option<String>,
    #[serde(default)]
    pub data_values: Vec<DataValue>,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DataValue {
    pub data_element: String,
    pub period: Option<String>,
    pub org_unit: Option<String>,
    pub category_option_combo: Option<String>,
    pub attribute_option_combo: Option<String>,
    /// DHIS2 sends values as strings; empty (or absent) deletes a stored value.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub value: serde_json::Value,
    pub comment: Option<String>,
    /// `true` deletes the stored value.
    #[schema(value_type = Option<bool>)]
    pub deleted: Option<serde_json::Value>,
    #[schema(value_type = Option<String>)]
    pub stored_by: Option<serde_json::Value>,
    #[schema(value_type = Option<String>)]
    pub created: Option<serde_json::Value>,
    #[schema(value_type = Option<String>)]
    pub last_updated: Option<serde_json::Value>,
    #[schema(value_type = Option<bool>)]
    pub followup: Option<serde_json::Value>,
}

/// DHIS2 2.38+'s answer: the import summary in a WebMessage.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WebMessage {
    /// `OK` or `Conflict`.
    pub http_status: &'static str,
    pub http_status_code: u16,
    /// OK, WARNING or ERROR.
    pub status: &'static str,
    pub message: String,
    pub response: ImportSummary,
}

/// DHIS2's import summary (the whole answer of `/api/{version ≤ 37}/dataValueSets`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ImportSummary {
    pub response_type: &'static str,
    /// SUCCESS, WARNING or ERROR.
    pub status: &'static str,
    pub import_options: ImportOptions,
    pub description: String,
    pub import_count: ImportCount,
    /// The first [`MAX_CONFLICTS`] conflicts.
    pub conflicts: Vec<Conflict>,
    /// How many conflicts there were in all (egov; `conflicts` lists the first 100).
    pub conflicts_total: usize,
    /// Positions of the data values not imported (conflicts, or left alone by the strategy).
    pub rejected_indexes: Vec<usize>,
    /// The `completeDate` when the reports were submitted, else `"false"` (as DHIS2 writes it).
    pub data_set_complete: String,
}

/// The import options in force, as DHIS2 reports them.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ImportOptions {
    /// The identifier schemes asked for (`idScheme`, `orgUnitIdScheme`…); empty: codes.
    #[schema(value_type = Object)]
    pub id_schemes: BTreeMap<&'static str, String>,
    pub dry_run: bool,
    #[serde(rename = "async")]
    pub is_async: bool,
    /// CREATE_AND_UPDATE, CREATE, UPDATE or DELETE.
    pub import_strategy: &'static str,
    /// ALL (the default: all or nothing) or NONE (valid values imported).
    pub atomic_mode: &'static str,
    pub skip_existing_check: bool,
    pub skip_audit: bool,
}

#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
pub struct ImportCount {
    pub imported: usize,
    pub updated: usize,
    pub ignored: usize,
    pub deleted: usize,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Conflict {
    pub object: String,
    /// The objects concerned by kind (`dataElement`, `organisationUnit`, `period`…).
    pub objects: BTreeMap<String, String>,
    pub value: String,
    pub error_code: String,
    pub property: Option<String>,
    /// Positions of the data values concerned (0-based).
    pub indexes: Vec<usize>,
}

/// Conflicts listed in one answer; `conflictsTotal` counts them all.
pub const MAX_CONFLICTS: usize = 100;

// ---------------------------------------------------------------------------------------------
// Import options.

/// DHIS2's import strategies (and the older names DHIS2 still accepts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    CreateAndUpdate,
    Create,
    Update,
    Delete,
}

impl Strategy {
    pub fn parse(s: &str) -> Option<Strategy> {
        Some(match s.trim().to_ascii_uppercase().as_str() {
            "CREATE_AND_UPDATE" | "NEW_AND_UPDATES" => Strategy::CreateAndUpdate,
            "CREATE" | "NEW" => Strategy::Create,
            "UPDATE" | "UPDATES" => Strategy::Update,
            "DELETE" | "DELETES" => Strategy::Delete,
            _ => return None,
        })
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Strategy::CreateAndUpdate => "CREATE_AND_UPDATE",
            Strategy::Create => "CREATE",
            Strategy::Update => "UPDATE",
            Strategy::Delete => "DELETE",
        }
    }
}

/// An identifier scheme: how the payload names an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// egov's codes (indicator, unit, template codes; the default).
    Code,
    /// Names, Vietnamese or English.
    Name,
    /// The internal number egov publishes (units' `id`).
    Id,
    /// DHIS2's UIDs, UUIDs and attribute values: egov keeps none.
    Uid,
    Uuid,
    Attribute,
}

impl Scheme {
    pub fn parse(s: &str) -> Option<Scheme> {
        let u = s.trim().to_ascii_uppercase();
        Some(match u.as_str() {
            "CODE" => Scheme::Code,
            "NAME" => Scheme::Name,
            "ID" => Scheme::Id,
            "UID" => Scheme::Uid,
            "UUID" => Scheme::Uuid,
            _ if u.starts_with("ATTRIBUTE:") && u.len() > "ATTRIBUTE:".len() => Scheme::Attribute,
            _ => return None,
        })
    }
}

/// The objects a scheme applies to, with the schemes egov can honour for each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Object {
    DataSet,
    DataElement,
    OrgUnit,
    OptionCombo,
}

impl Object {
    const ALL: [Object; 4] = [
        Object::DataSet,
        Object::DataElement,
        Object::OrgUnit,
        Object::OptionCombo,
    ];
    fn param(self) -> &'static str {
        match self {
            Object::DataSet => "dataSetIdScheme",
            Object::DataElement => "dataElementIdScheme",
            Object::OrgUnit => "orgUnitIdScheme",
            Object::OptionCombo => "categoryOptionComboIdScheme",
        }
    }
    fn honours(self, s: Scheme) -> bool {
        match self {
            Object::OrgUnit => matches!(s, Scheme::Code | Scheme::Name | Scheme::Id),
            _ => matches!(s, Scheme::Code | Scheme::Name),
        }
    }
}

/// The import parameters of one request.
#[derive(Debug, Clone)]
pub struct Options {
    pub dry_run: bool,
    pub strategy: Strategy,
    /// All or nothing (`atomicMode=ALL`, the default) or valid values imported (`NONE`).
    pub atomic: bool,
    /// `idScheme` and the per-object schemes, as sent (parameter → value).
    schemes: BTreeMap<&'static str, String>,
    /// Parameters egov cannot honour with the value sent (`async=true`…): refused as conflicts.
    unsupported: Vec<(&'static str, String)>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            dry_run: false,
            strategy: Strategy::CreateAndUpdate,
            atomic: true,
            schemes: BTreeMap::new(),
            unsupported: Vec::new(),
        }
    }
}

/// The query parameters `/api/dataValueSets` knows.
pub const PARAMETERS: [&str; 12] = [
    "dryRun",
    "importStrategy",
    "atomicMode",
    "idScheme",
    "dataElementIdScheme",
    "orgUnitIdScheme",
    "categoryOptionComboIdScheme",
    "dataSetIdScheme",
    "async",
    "skipExistingCheck",
    "skipAudit",
    "preheatCache",
];

fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

fn invalid(param: &str, value: &str, allowed: &str) -> Problem {
    Problem::new("dhis2_param_invalid")
        .field(param.to_owned())
        .arg("param", param)
        .arg("value", value)
        .arg("allowed", allowed)
}

impl Options {
    /// Set one parameter; a value that does not parse is a problem naming it.
    fn set(&mut self, name: &'static str, value: &str) -> Result<(), Problem> {
        const BOOL: &str = "true, false";
        const SCHEMES: &str = "CODE, NAME, ID, UID, UUID, ATTRIBUTE:<uid>";
        match name {
            "dryRun" => self.dry_run = parse_bool(value).ok_or_else(|| invalid(name, value, BOOL))?,
            "importStrategy" | "strategy" => {
                self.strategy = Strategy::parse(value).ok_or_else(|| {
                    invalid(
                        name,
                        value,
                        "CREATE_AND_UPDATE, CREATE, UPDATE, DELETE (NEW_AND_UPDATES, NEW, UPDATES, DELETES)",
                    )
                })?
            }
            "atomicMode" => {
                self.atomic = match value.trim().to_ascii_uppercase().as_str() {
                    "ALL" => true,
                    "NONE" => false,
                    _ => return Err(invalid(name, value, "ALL, NONE")),
                }
            }
            "idScheme"
            | "dataElementIdScheme"
            | "orgUnitIdScheme"
            | "categoryOptionComboIdScheme"
            | "dataSetIdScheme" => {
                Scheme::parse(value).ok_or_else(|| invalid(name, value, SCHEMES))?;
                self.schemes.insert(name, value.trim().to_ascii_uppercase());
            }
            // What egov always does: the value saying so is accepted, the other refused.
            "async" | "skipExistingCheck" | "skipAudit" => {
                if parse_bool(value).ok_or_else(|| invalid(name, value, BOOL))? {
                    self.unsupported.push((name, value.trim().to_owned()));
                }
            }
            // A cache hint for DHIS2's server: no effect here.
            "preheatCache" => {
                parse_bool(value).ok_or_else(|| invalid(name, value, BOOL))?;
            }
            _ => unreachable!("only known parameters are set"),
        }
        Ok(())
    }

    /// The query's parameters, strictly: an unknown parameter, one given twice or a value that
    /// does not parse is a 422 naming it (every problem at once). Empty values count as absent.
    pub fn from_query(pairs: &[(String, String)]) -> Result<Options, AppError> {
        let mut options = Options::default();
        let mut problems = Vec::new();
        let mut seen = HashSet::new();
        for (name, value) in pairs {
            let Some(known) = PARAMETERS.iter().find(|p| **p == name.as_str()) else {
                problems.push(
                    Problem::new("dhis2_param_unknown")
                        .field(name.clone())
                        .arg("param", name)
                        .arg("known", PARAMETERS.join(", ")),
                );
                continue;
            };
            if !seen.insert(*known) {
                problems.push(
                    Problem::new("dhis2_param_repeated")
                        .field(*known)
                        .arg("param", known),
                );
                continue;
            }
            if value.trim().is_empty() {
                continue;
            }
            if let Err(p) = options.set(known, value) {
                problems.push(p);
            }
        }
        if problems.is_empty() {
            Ok(options)
        } else {
            Err(AppError::many(StatusCode::UNPROCESSABLE_ENTITY, problems))
        }
    }

    /// The payload's own options override the query's (DHIS2 reads them from the data value set).
    fn apply_payload(&mut self, set: &DataValueSet) -> Result<(), AppError> {
        let mut problems = Vec::new();
        if let Some(v) = &set.dry_run {
            let text = match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            if let Err(p) = self.set("dryRun", &text) {
                problems.push(p);
            }
        }
        let schemes: [(&'static str, &Option<String>); 6] = [
            ("strategy", &set.strategy),
            ("idScheme", &set.id_scheme),
            ("dataElementIdScheme", &set.data_element_id_scheme),
            ("orgUnitIdScheme", &set.org_unit_id_scheme),
            (
                "categoryOptionComboIdScheme",
                &set.category_option_combo_id_scheme,
            ),
            ("dataSetIdScheme", &set.data_set_id_scheme),
        ];
        for (name, value) in schemes {
            if let Some(v) = value.as_deref().filter(|v| !v.trim().is_empty())
                && let Err(p) = self.set(name, v)
            {
                problems.push(p);
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(AppError::many(StatusCode::UNPROCESSABLE_ENTITY, problems))
        }
    }

    /// The scheme naming `object`: its own parameter, else `idScheme`, else codes.
    fn scheme(&self, object: Object) -> Scheme {
        self.schemes
            .get(object.param())
            .or_else(|| self.schemes.get("idScheme"))
            .and_then(|s| Scheme::parse(s))
            .unwrap_or(Scheme::Code)
    }

    /// The parameter that set the scheme of `object`, and its value.
    fn scheme_source(&self, object: Object) -> (&'static str, String) {
        match self.schemes.get(object.param()) {
            Some(v) => (object.param(), v.clone()),
            None => (
                "idScheme",
                self.schemes.get("idScheme").cloned().unwrap_or_default(),
            ),
        }
    }

    fn echo(&self) -> ImportOptions {
        ImportOptions {
            id_schemes: self.schemes.clone(),
            dry_run: self.dry_run,
            is_async: false,
            import_strategy: self.strategy.as_str(),
            atomic_mode: if self.atomic { "ALL" } else { "NONE" },
            skip_existing_check: false,
            skip_audit: false,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Reading the payload.

/// Read DHIS2's CSV: `dataelement,period,orgunit,catoptcombo,attroptcombo,value,storedby,lastupdated,comment,followup[,deleted]`
/// (a header line, if any, is recognised and skipped).
pub fn parse_csv(bytes: &[u8]) -> Result<DataValueSet, String> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut set = DataValueSet::default();
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec.map_err(|e| format!("line {}: {e}", i + 1))?;
        let cell = |n: usize| rec.get(n).map(str::trim).unwrap_or("");
        if i == 0 && cell(0).eq_ignore_ascii_case("dataelement") {
            continue;
        }
        if rec.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if rec.len() < 6 {
            return Err(format!(
                "line {}: expected at least 6 columns, found {}",
                i + 1,
                rec.len()
            ));
        }
        let some = |n: usize| Some(cell(n).to_owned()).filter(|s| !s.is_empty());
        set.data_values.push(DataValue {
            data_element: cell(0).to_owned(),
            period: Some(cell(1).to_owned()),
            org_unit: Some(cell(2).to_owned()),
            category_option_combo: some(3),
            attribute_option_combo: some(4),
            value: serde_json::Value::String(cell(5).to_owned()),
            comment: some(8),
            deleted: some(10).map(serde_json::Value::String),
            ..Default::default()
        });
    }
    Ok(set)
}

/// No cell of a DHIS2 CSV may hold a control character (see `platform::web::extract`): each one
/// is refused, naming its line and column.
pub fn check_csv(bytes: &[u8]) -> AppResult<()> {
    const COLUMNS: [&str; 10] = [
        "dataelement",
        "period",
        "orgunit",
        "catoptcombo",
        "attroptcombo",
        "value",
        "storedby",
        "lastupdated",
        "comment",
        "followup",
    ];
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut problems = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let Ok(rec) = rec else { break };
        for (j, cell) in rec.iter().enumerate() {
            if let Some(c) = platform::web::extract::refused_char(cell) {
                let column = COLUMNS.get(j).copied().unwrap_or("?");
                problems.push(
                    Problem::new("cell_control_char")
                        .field(format!("row {}: {column}", i + 1))
                        .arg("line", i + 1)
                        .arg("column", column)
                        .arg("value", format!("U+{:04X}", c as u32)),
                );
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(AppError::many(StatusCode::UNPROCESSABLE_ENTITY, problems))
    }
}

fn is_default_combo(c: &str) -> bool {
    let c = c.trim();
    c.is_empty() || c.eq_ignore_ascii_case("HllvX50cXC0") || c.eq_ignore_ascii_case("default")
}

fn same_name(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

/// Why a reference could not be resolved.
enum Unresolved {
    Unknown,
    Ambiguous,
}

/// The indicator a data element names, by scheme.
fn resolve_element(all: &[Indicator], element: &str, scheme: Scheme) -> Result<String, Unresolved> {
    match scheme {
        Scheme::Name => {
            let found: Vec<&Indicator> = all
                .iter()
                .filter(|i| same_name(&i.name_vi, element) || same_name(&i.name_en, element))
                .collect();
            match found.as_slice() {
                [one] => Ok(one.code.clone()),
                [] => Err(Unresolved::Unknown),
                _ => Err(Unresolved::Ambiguous),
            }
        }
        _ => {
            let code = element.trim().to_uppercase();
            if all.iter().any(|i| i.code == code) {
                Ok(code)
            } else {
                Err(Unresolved::Unknown)
            }
        }
    }
}

/// The part of `element` a category option combo names (the element itself for the default
/// combo): by code (`female`, `POPULATION_FEMALE`) or by the part's name.
fn resolve_combo(
    all: &[Indicator],
    element: &str,
    combo: Option<&str>,
    scheme: Scheme,
) -> Option<String> {
    let Some(c) = combo.filter(|c| !is_default_combo(c)) else {
        return Some(element.to_owned());
    };
    let parts = all.iter().filter(|i| i.parent.as_deref() == Some(element));
    match scheme {
        Scheme::Name => parts
            .filter(|i| same_name(&i.name_vi, c) || same_name(&i.name_en, c))
            .map(|i| i.code.clone())
            .next(),
        _ => crate::catalogue_io::resolve_part(all, element, Some(c)),
    }
}

/// The unit an org unit names during `period`, at the template's level.
async fn resolve_unit(
    state: &AppState,
    template: &Template,
    org: &str,
    period: &Period,
    scheme: Scheme,
) -> AppResult<Result<Unit, Unresolved>> {
    let day = registry::Day(period.calendar().1);
    match scheme {
        Scheme::Id => {
            let unit = match org.trim().parse::<i64>() {
                Ok(id) => registry::store::unit(&state.db, id).await?,
                Err(_) => None,
            };
            Ok(unit
                .filter(|u| u.level == template.level() && u.valid_on(day))
                .ok_or(Unresolved::Unknown))
        }
        Scheme::Name => {
            let query = registry::store::UnitQuery {
                level: Some(template.level()),
                valid_on: Some(day),
                q: Some(org.trim().to_owned()),
                limit: 1000,
                ..Default::default()
            };
            let mut found: Vec<Unit> = registry::store::list_units(&state.db, &query)
                .await?
                .0
                .into_iter()
                .filter(|u| same_name(&u.name, org))
                .collect();
            Ok(match found.len() {
                1 => Ok(found.remove(0)),
                0 => Err(Unresolved::Unknown),
                _ => Err(Unresolved::Ambiguous),
            })
        }
        _ => Ok(templates::unit_for(&state.db, template, org, period)
            .await?
            .ok_or(Unresolved::Unknown)),
    }
}

/// The template a data set names (the monthly provincial report when none).
async fn resolve_data_set(
    state: &AppState,
    data_set: Option<&str>,
    scheme: Scheme,
) -> AppResult<Result<Template, Unresolved>> {
    let name = data_set.map(str::trim).filter(|s| !s.is_empty());
    match (scheme, name) {
        (Scheme::Name, Some(name)) => {
            let mut found: Vec<Template> = templates::list(&state.db)
                .await?
                .into_iter()
                .filter(|t| same_name(&t.name_vi, name) || same_name(&t.name_en, name))
                .collect();
            Ok(match found.len() {
                1 => Ok(found.remove(0)),
                0 => Err(Unresolved::Unknown),
                _ => Err(Unresolved::Ambiguous),
            })
        }
        _ => Ok(templates::template(
            &state.db,
            name.unwrap_or(crate::catalogue::MONTHLY_PROVINCIAL),
        )
        .await?
        .ok_or(Unresolved::Unknown)),
    }
}

// ---------------------------------------------------------------------------------------------
// Conflicts.

/// A conflict with one of DHIS2's codes; its text is `dhis2.<code>` in the locales.
fn conflict(
    lang: Lang,
    code: &str,
    kind: &str,
    property: &str,
    object: &str,
    indexes: Vec<usize>,
) -> Conflict {
    Conflict {
        object: object.to_owned(),
        objects: BTreeMap::from([(kind.to_owned(), object.to_owned())]),
        value: t_args(
            lang,
            &format!("dhis2.{}", code.to_ascii_lowercase()),
            &[("object", object.to_owned())],
        ),
        error_code: code.to_owned(),
        property: Some(property.to_owned()),
        indexes,
    }
}

/// A conflict from one of egov's own problems (validation of the values).
fn problem_conflict(lang: Lang, p: &Problem, object: &str, kind: &str, index: usize) -> Conflict {
    Conflict {
        object: object.to_owned(),
        objects: BTreeMap::from([(kind.to_owned(), object.to_owned())]),
        value: p.detail(lang),
        error_code: p.code.to_owned(),
        property: Some(
            if kind == "dataElement" {
                "value"
            } else {
                "orgUnit"
            }
            .to_owned(),
        ),
        indexes: vec![index],
    }
}

// ---------------------------------------------------------------------------------------------
// The import.

/// One value ready for the engine, with its position in the payload.
struct Pending {
    index: usize,
    entry: Entry,
    /// Sent empty or `deleted: true`.
    empty: bool,
}

/// What happened to the values of one import.
#[derive(Default)]
struct Tally {
    count: ImportCount,
    conflicts: Vec<Conflict>,
    rejected: Vec<usize>,
}

/// Indicators holding a stored value for the unit and period, read in the transaction.
async fn stored_indicators(tx: &mut Tx, unit_id: i64, period: &Period) -> AppResult<HashSet<i64>> {
    let ids: platform::db::DbResult<HashSet<i64>> = tx
        .fetch_all(
            "SELECT indicator_id FROM data_values WHERE unit_id = $1 AND period = $2",
            params![unit_id, period.id()],
        )
        .await?
        .iter()
        .map(|r| r.get::<i64>("indicator_id"))
        .collect();
    Ok(ids?)
}

/// Save one report's values under the import strategy, inside a savepoint so that a refused
/// report leaves the transaction as it was. With `atomicMode=NONE`, values with a problem of
/// their own are set aside and the others saved.
#[allow(clippy::too_many_arguments)]
async fn save_group(
    tx: &mut Tx,
    auth: &Auth,
    template: &Template,
    unit: &Unit,
    period: &Period,
    mut pending: Vec<Pending>,
    action: Action,
    options: &Options,
    tally: &mut Tally,
) -> AppResult<()> {
    let lang = auth.ctx.lang;
    let stored = stored_indicators(tx, unit.id, period).await?;
    let id_of = |code: &str| {
        template
            .indicators
            .iter()
            .find(|i| i.code == code)
            .map(|i| i.id)
    };
    // The strategy decides which values are touched (DHIS2: the others are ignored).
    pending.retain_mut(|p| {
        let exists = id_of(&p.entry.indicator).is_some_and(|id| stored.contains(&id));
        let keep = match options.strategy {
            Strategy::CreateAndUpdate => true,
            Strategy::Create => !exists,
            Strategy::Update => exists,
            Strategy::Delete => {
                p.entry.raw.clear();
                p.empty = true;
                exists
            }
        };
        if !keep {
            tally.rejected.push(p.index);
        }
        keep
    });
    loop {
        if pending.is_empty() {
            return Ok(());
        }
        let entries: Vec<Entry> = pending.iter().map(|p| p.entry.clone()).collect();
        tx.execute("SAVEPOINT dhis2_report", params![]).await?;
        let result = submission::save_in(
            tx,
            &auth.actor(),
            template,
            unit.id,
            period,
            &entries,
            None,
            action,
            None,
        )
        .await;
        match result {
            Ok(saved) => {
                tx.execute("RELEASE SAVEPOINT dhis2_report", params![])
                    .await?;
                // The engine counts a value removed as updated; DHIS2 counts it as deleted.
                let deleted = pending
                    .iter()
                    .filter(|p| {
                        p.empty && id_of(&p.entry.indicator).is_some_and(|id| stored.contains(&id))
                    })
                    .count();
                tally.count.imported += saved.inserted;
                tally.count.updated += saved.updated.saturating_sub(deleted);
                tally.count.deleted += deleted;
                return Ok(());
            }
            Err(e) if e.status.is_server_error() => return Err(e),
            Err(e) => {
                tx.execute("ROLLBACK TO SAVEPOINT dhis2_report", params![])
                    .await?;
                tx.execute("RELEASE SAVEPOINT dhis2_report", params![])
                    .await?;
                // Each problem on the value it names (`v_CODE`, `e_CODE`), else on the report.
                let mut own: HashSet<usize> = HashSet::new();
                let mut whole = false;
                for p in &e.problems {
                    let code = p
                        .field
                        .as_deref()
                        .and_then(|f| f.strip_prefix("v_").or_else(|| f.strip_prefix("e_")));
                    match code.and_then(|c| pending.iter().position(|x| x.entry.indicator == c)) {
                        Some(k) => {
                            own.insert(k);
                            tally.conflicts.push(problem_conflict(
                                lang,
                                p,
                                &pending[k].entry.indicator,
                                "dataElement",
                                pending[k].index,
                            ));
                        }
                        None => {
                            whole = true;
                            let first = pending[0].index;
                            let mut c =
                                problem_conflict(lang, p, &unit.code, "organisationUnit", first);
                            c.indexes = pending.iter().map(|x| x.index).collect();
                            tally.conflicts.push(c);
                        }
                    }
                }
                if options.atomic || whole || own.is_empty() {
                    tally.rejected.extend(pending.iter().map(|p| p.index));
                    return Ok(());
                }
                // Partial import: set aside the values at fault and save the rest.
                let mut k = 0;
                pending.retain(|p| {
                    let keep = !own.contains(&k);
                    k += 1;
                    if !keep {
                        tally.rejected.push(p.index);
                    }
                    keep
                });
            }
        }
    }
}

/// Import a data value set (JSON, or CSV with `Content-Type: application/csv`), answered with
/// DHIS2 2.38+'s WebMessage.
#[utoipa::path(post, path = "/api/dataValueSets", tag = "reporting", operation_id = "post_data_value_sets",
    params(
        ("dryRun" = Option<bool>, Query, description = "Check everything and write nothing; the answer is what the import would do"),
        ("importStrategy" = Option<String>, Query, description = "CREATE_AND_UPDATE (default), CREATE, UPDATE, DELETE; also NEW_AND_UPDATES, NEW, UPDATES, DELETES"),
        ("atomicMode" = Option<String>, Query, description = "ALL (default): all or nothing; NONE: valid values imported, the others listed (WARNING)"),
        ("idScheme" = Option<String>, Query, description = "CODE (default) or NAME for every object; ID for org units; UID, UUID and ATTRIBUTE are refused"),
        ("dataElementIdScheme" = Option<String>, Query, description = "CODE or NAME"),
        ("orgUnitIdScheme" = Option<String>, Query, description = "CODE, NAME or ID (the unit's id in /api/v1/units)"),
        ("categoryOptionComboIdScheme" = Option<String>, Query, description = "CODE or NAME (also for attribute option combos)"),
        ("dataSetIdScheme" = Option<String>, Query, description = "CODE or NAME (report templates)"),
        ("async" = Option<bool>, Query, description = "false only: imports are synchronous"),
        ("skipExistingCheck" = Option<bool>, Query, description = "false only"),
        ("skipAudit" = Option<bool>, Query, description = "false only: every import is audited"),
        ("preheatCache" = Option<bool>, Query, description = "Accepted; no effect"),
    ),
    request_body(content = DataValueSet, description = "A DHIS2 data value set (JSON) or DHIS2 CSV"),
    responses((status = 200, description = "Imported (or, with dryRun, would be): status OK", body = WebMessage),
              (status = 400, description = "Not JSON or CSV of this shape", body = platform::error::ErrorEnvelope),
              (status = 401, description = "No valid token or session", body = platform::error::ErrorEnvelope),
              (status = 409, description = "Conflicts: ERROR (nothing written) or, with atomicMode=NONE, WARNING (valid values written)", body = WebMessage),
              (status = 422, description = "An unknown parameter or a value that does not parse", body = platform::error::ErrorEnvelope)))]
pub async fn import(
    State(state): State<AppState>,
    auth: Auth,
    Query(query): Query<Vec<(String, String)>>,
    headers: HeaderMap,
    Bytes(body): Bytes,
) -> AppResult<Response> {
    run(state, auth, query, headers, body, false).await
}

/// The same import under DHIS2's versioned path: versions up to 37 answer the bare import
/// summary of DHIS2 before 2.38 (200 for SUCCESS and WARNING, 409 for ERROR); 38 and later the
/// WebMessage.
#[utoipa::path(post, path = "/api/{version}/dataValueSets", tag = "reporting", operation_id = "post_data_value_sets_versioned",
    params(("version" = u32, Path, description = "DHIS2 API version, 28–99; up to 37: the bare import summary")),
    request_body(content = DataValueSet, description = "A DHIS2 data value set (JSON) or DHIS2 CSV"),
    responses((status = 200, description = "Imported; for versions up to 37 the bare summary", body = ImportSummary),
              (status = 400, description = "Not JSON or CSV of this shape", body = platform::error::ErrorEnvelope),
              (status = 401, description = "No valid token or session", body = platform::error::ErrorEnvelope),
              (status = 404, description = "Not a DHIS2 API version", body = platform::error::ErrorEnvelope),
              (status = 409, description = "Conflicts", body = ImportSummary),
              (status = 422, description = "An unknown parameter or a value that does not parse", body = platform::error::ErrorEnvelope)))]
pub async fn import_versioned(
    State(state): State<AppState>,
    Path(version): Path<String>,
    auth: Auth,
    Query(query): Query<Vec<(String, String)>>,
    headers: HeaderMap,
    Bytes(body): Bytes,
) -> AppResult<Response> {
    let version: u32 = match version.parse() {
        Ok(v) if (28..=99).contains(&v) && !version.starts_with('0') => v,
        _ => return Err(AppError::not_found()),
    };
    run(state, auth, query, headers, body, version <= 37).await
}

async fn run(
    state: AppState,
    auth: Auth,
    pairs: Vec<(String, String)>,
    headers: HeaderMap,
    body: axum::body::Bytes,
    legacy: bool,
) -> AppResult<Response> {
    let lang = auth.ctx.lang;
    let mut options = Options::from_query(&pairs)?;
    let is_csv = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.contains("csv"));
    let set = if is_csv {
        check_csv(&body)?;
        parse_csv(&body)
            .map_err(|e| AppError::bad_request(Problem::new("csv_invalid").arg("reason", e)))?
    } else {
        platform::web::extract::parse_json::<DataValueSet>(&body)?
    };
    options.apply_payload(&set)?;
    let n = set.data_values.len();
    let complete = set
        .complete_date
        .clone()
        .filter(|d| !d.trim().is_empty())
        .unwrap_or_else(|| "false".to_owned());
    let refuse = |conflicts: Vec<Conflict>| {
        Ok(answer(
            lang,
            legacy,
            &options,
            ImportCount {
                ignored: n,
                ..Default::default()
            },
            conflicts,
            (0..n).collect(),
            complete.clone(),
            Outcome::Refused,
        ))
    };

    // What egov cannot honour is refused before anything is read.
    let mut conflicts = Vec::new();
    for object in Object::ALL {
        let scheme = options.scheme(object);
        if !object.honours(scheme) {
            let (param, value) = options.scheme_source(object);
            conflicts.push(Conflict {
                object: value.clone(),
                objects: BTreeMap::from([(param.to_owned(), value.clone())]),
                value: t_args(
                    lang,
                    &format!("dhis2.scheme_unsupported_{}", object.param()),
                    &[("scheme", value)],
                ),
                error_code: "id_scheme_unsupported".into(),
                property: Some(param.to_owned()),
                indexes: Vec::new(),
            });
        }
    }
    for (param, value) in &options.unsupported {
        conflicts.push(Conflict {
            object: value.clone(),
            objects: BTreeMap::from([((*param).to_owned(), value.clone())]),
            value: t(lang, &format!("dhis2.option_unsupported_{param}")),
            error_code: "option_unsupported".into(),
            property: Some((*param).to_owned()),
            indexes: Vec::new(),
        });
    }
    // Attribute option combos: egov has only the default one.
    if let Some(aoc) = set
        .attribute_option_combo
        .as_deref()
        .filter(|c| !is_default_combo(c))
    {
        conflicts.push(conflict(
            lang,
            "E7604",
            "attributeOptionCombo",
            "attributeOptionCombo",
            aoc,
            Vec::new(),
        ));
    }
    if let Some(options_sent) = &set.attribute_category_options
        && !matches!(options_sent, serde_json::Value::Null)
        && options_sent.as_array().is_none_or(|a| !a.is_empty())
    {
        conflicts.push(conflict(
            lang,
            "E7604",
            "attributeOptionCombo",
            "attributeCategoryOptions",
            &options_sent.to_string(),
            Vec::new(),
        ));
    }
    if !conflicts.is_empty() {
        return refuse(conflicts);
    }

    // `dataSet` is the template; without one, the monthly provincial report.
    let template = match resolve_data_set(
        &state,
        set.data_set.as_deref(),
        options.scheme(Object::DataSet),
    )
    .await?
    {
        Ok(t) => t,
        Err(why) => {
            let name = set.data_set.clone().unwrap_or_default();
            let code = if matches!(why, Unresolved::Ambiguous) {
                "E7600_ambiguous"
            } else {
                "E7600"
            };
            let mut c = conflict(lang, code, "dataSet", "dataSet", &name, Vec::new());
            c.error_code = "E7600".into();
            return refuse(vec![c]);
        }
    };
    let all = crate::catalogue::list(&state.db).await?;
    let element_scheme = options.scheme(Object::DataElement);
    let combo_scheme = options.scheme(Object::OptionCombo);

    // Each value's references, then the values grouped by (org unit, period).
    let mut tally = Tally::default();
    let mut groups: BTreeMap<(String, String), Vec<Pending>> = BTreeMap::new();
    for (i, dv) in set.data_values.iter().enumerate() {
        let Some(period) = dv
            .period
            .clone()
            .or_else(|| set.period.clone())
            .filter(|p| !p.trim().is_empty())
        else {
            tally.conflicts.push(conflict(
                lang,
                "E7611_missing",
                "dataElement",
                "period",
                &dv.data_element,
                vec![i],
            ));
            tally.conflicts.last_mut().expect("pushed").error_code = "E7611".into();
            continue;
        };
        let Some(org) = dv
            .org_unit
            .clone()
            .or_else(|| set.org_unit.clone())
            .filter(|o| !o.trim().is_empty())
        else {
            tally.conflicts.push(conflict(
                lang,
                "E7612_missing",
                "dataElement",
                "orgUnit",
                &dv.data_element,
                vec![i],
            ));
            tally.conflicts.last_mut().expect("pushed").error_code = "E7612".into();
            continue;
        };
        if let Some(aoc) = dv
            .attribute_option_combo
            .as_deref()
            .filter(|c| !is_default_combo(c))
        {
            tally.conflicts.push(conflict(
                lang,
                "E7615",
                "attributeOptionCombo",
                "attributeOptionCombo",
                aoc,
                vec![i],
            ));
            continue;
        }
        let element = match resolve_element(&all, &dv.data_element, element_scheme) {
            Ok(e) => e,
            Err(why) => {
                let key = match why {
                    Unresolved::Ambiguous => "E7610_ambiguous",
                    Unresolved::Unknown => "E7610",
                };
                let mut c = conflict(
                    lang,
                    key,
                    "dataElement",
                    "dataElement",
                    &dv.data_element,
                    vec![i],
                );
                c.error_code = "E7610".into();
                tally.conflicts.push(c);
                continue;
            }
        };
        // A category option combo names a part of a disaggregated element (e.g. `female` of
        // POPULATION is POPULATION_FEMALE).
        let Some(element) = resolve_combo(
            &all,
            &element,
            dv.category_option_combo.as_deref(),
            combo_scheme,
        ) else {
            tally.conflicts.push(conflict(
                lang,
                "E7613",
                "categoryOptionCombo",
                "categoryOptionCombo",
                dv.category_option_combo.as_deref().unwrap_or(""),
                vec![i],
            ));
            continue;
        };
        if !template.indicators.iter().any(|ind| ind.code == element) {
            tally.conflicts.push(conflict(
                lang,
                "E7633",
                "dataElement",
                "dataElement",
                &element,
                vec![i],
            ));
            continue;
        }
        let raw = match &dv.value {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Number(n) => n.to_string(),
            serde_json::Value::Null => String::new(),
            other => other.to_string(),
        };
        let deleted = match &dv.deleted {
            Some(serde_json::Value::Bool(b)) => *b,
            Some(serde_json::Value::String(s)) => parse_bool(s) == Some(true),
            _ => false,
        };
        let raw = if deleted { String::new() } else { raw };
        groups.entry((org, period)).or_default().push(Pending {
            index: i,
            empty: raw.trim().is_empty(),
            entry: Entry {
                indicator: element,
                raw,
                explanation: dv.comment.clone(),
                lang: "plain",
            },
        });
    }
    tally
        .rejected
        .extend(tally.conflicts.iter().flat_map(|c| c.indexes.clone()));
    let action = if set.complete_date.is_some() {
        Action::Submit
    } else {
        Action::SaveDraft
    };
    let org_scheme = options.scheme(Object::OrgUnit);
    let mut tx = state.db.begin().await?;
    for ((org, period_id), pending) in groups {
        let indexes: Vec<usize> = pending.iter().map(|p| p.index).collect();
        let reject = |tally: &mut Tally, c: Conflict| {
            tally.rejected.extend(&c.indexes);
            tally.conflicts.push(c);
        };
        let Ok(period) = Period::parse(&period_id) else {
            reject(
                &mut tally,
                conflict(lang, "E7611", "period", "period", &period_id, indexes),
            );
            continue;
        };
        if let Err(p) = template.check_period(&period) {
            let mut c = conflict(lang, "E7611", "period", "period", &period_id, indexes);
            c.value = p.detail(lang);
            reject(&mut tally, c);
            continue;
        }
        let unit = match resolve_unit(&state, &template, &org, &period, org_scheme).await? {
            Ok(u) => u,
            Err(why) => {
                let key = match why {
                    Unresolved::Ambiguous => "E7612_ambiguous",
                    Unresolved::Unknown => "E7612",
                };
                let mut c = conflict(lang, key, "organisationUnit", "orgUnit", &org, indexes);
                c.error_code = "E7612".into();
                reject(&mut tally, c);
                continue;
            }
        };
        let target = templates::target(&state.db, &template, &unit).await?;
        if !auth.principal.allowed(Permission::SubmitData, &target) {
            reject(
                &mut tally,
                conflict(lang, "E7617", "organisationUnit", "orgUnit", &org, indexes),
            );
            continue;
        }
        save_group(
            &mut tx, &auth, &template, &unit, &period, pending, action, &options, &mut tally,
        )
        .await?;
    }

    let refused = options.atomic && !tally.conflicts.is_empty();
    let outcome = if refused {
        // Nothing is written: the transaction is dropped.
        drop(tx);
        tally.count = ImportCount::default();
        tally.rejected = (0..n).collect();
        Outcome::Refused
    } else {
        if options.dry_run {
            // Everything checked and done inside the transaction, then undone.
            drop(tx);
        } else {
            tx.commit().await?;
        }
        if tally.conflicts.is_empty() {
            Outcome::Done
        } else {
            Outcome::Partial
        }
    };
    let c = &mut tally.count;
    c.ignored = n.saturating_sub(c.imported + c.updated + c.deleted);
    tally.rejected.sort_unstable();
    tally.rejected.dedup();
    Ok(answer(
        lang,
        legacy,
        &options,
        tally.count,
        tally.conflicts,
        tally.rejected,
        complete,
        outcome,
    ))
}

/// How an import ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// Every value imported (or unchanged, or left alone by the strategy).
    Done,
    /// Valid values imported, the others listed (`atomicMode=NONE`).
    Partial,
    /// Nothing written.
    Refused,
}

#[allow(clippy::too_many_arguments)]
fn answer(
    lang: Lang,
    legacy: bool,
    options: &Options,
    count: ImportCount,
    mut conflicts: Vec<Conflict>,
    rejected: Vec<usize>,
    complete: String,
    outcome: Outcome,
) -> Response {
    let total = conflicts.len();
    conflicts.truncate(MAX_CONFLICTS);
    let (status, http, message) = match outcome {
        Outcome::Done => ("SUCCESS", StatusCode::OK, "dhis2.message_ok"),
        Outcome::Partial => ("WARNING", StatusCode::CONFLICT, "dhis2.message_warning"),
        Outcome::Refused => ("ERROR", StatusCode::CONFLICT, "dhis2.message_error"),
    };
    let args = [
        ("imported", count.imported.to_string()),
        ("updated", count.updated.to_string()),
        ("deleted", count.deleted.to_string()),
        ("ignored", count.ignored.to_string()),
        ("conflicts", total.to_string()),
        ("listed", conflicts.len().to_string()),
    ];
    let mut description = t_args(
        lang,
        match outcome {
            Outcome::Done => "dhis2.description_done",
            Outcome::Partial => "dhis2.description_partial",
            Outcome::Refused => "dhis2.description_refused",
        },
        &args,
    );
    if total > conflicts.len() {
        description.push(' ');
        description.push_str(&t_args(lang, "dhis2.description_truncated", &args));
    }
    if options.dry_run && outcome != Outcome::Refused {
        description.push(' ');
        description.push_str(&t(lang, "dhis2.description_dry_run"));
    }
    let summary = ImportSummary {
        response_type: "ImportSummary",
        status,
        import_options: options.echo(),
        description,
        import_count: count,
        conflicts,
        conflicts_total: total,
        rejected_indexes: rejected,
        data_set_complete: if outcome == Outcome::Refused {
            "false".to_owned()
        } else {
            complete
        },
    };
    if legacy {
        // DHIS2 before 2.38: the bare summary; a partial import was a 200.
        let code = if outcome == Outcome::Refused {
            StatusCode::CONFLICT
        } else {
            StatusCode::OK
        };
        return (code, Json(summary)).into_response();
    }
    let message = WebMessage {
        http_status: if http == StatusCode::OK {
            "OK"
        } else {
            "Conflict"
        },
        http_status_code: http.as_u16(),
        status: match outcome {
            Outcome::Done => "OK",
            Outcome::Partial => "WARNING",
            Outcome::Refused => "ERROR",
        },
        message: t(lang, message),
        response: summary,
    };
    (http, Json(message)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_dhis2_csv_with_or_without_header() {
        let csv = "dataelement,period,orgunit,catoptcombo,attroptcombo,value,storedby,lastupdated,comment,followup\n\
                   RETAIL_SALES,202510,40,,,1234.5,,,ghi chú,false\n\
                   EXPORTS,202510,40,,abc,99,,,,,true\n";
        let set = parse_csv(csv.as_bytes()).unwrap();
        assert_eq!(set.data_values.len(), 2);
        assert_eq!(set.data_values[0].comment.as_deref(), Some("ghi chú"));
        assert_eq!(set.data_values[0].attribute_option_combo, None);
        assert_eq!(
            set.data_values[1].attribute_option_combo.as_deref(),
            Some("abc")
        );
        assert_eq!(
            set.data_values[1].deleted,
            Some(serde_json::Value::String("true".into()))
        );
        let set = parse_csv(b"EXPORTS,202510,40,,,99\n").unwrap();
        assert_eq!(set.data_values[0].data_element, "EXPORTS");
        assert!(
            parse_csv(b"EXPORTS,202510\n")
                .unwrap_err()
                .contains("line 1")
        );
    }

    #[test]
    fn strategies_schemes_and_parameters_are_read_strictly() {
        assert_eq!(
            Strategy::parse("new_and_updates"),
            Some(Strategy::CreateAndUpdate)
        );
        assert_eq!(Strategy::parse("DELETES"), Some(Strategy::Delete));
        assert_eq!(Strategy::parse("SYNC"), None);
        assert_eq!(Scheme::parse("code"), Some(Scheme::Code));
        assert_eq!(Scheme::parse("ATTRIBUTE:abc"), Some(Scheme::Attribute));
        assert_eq!(Scheme::parse("ATTRIBUTE:"), None);
        let pairs = |v: &[(&str, &str)]| -> Vec<(String, String)> {
            v.iter()
                .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
                .collect()
        };
        let o = Options::from_query(&pairs(&[
            ("dryRun", "true"),
            ("importStrategy", "NEW"),
            ("idScheme", "name"),
            ("orgUnitIdScheme", "ID"),
            ("atomicMode", "NONE"),
            ("async", "false"),
            ("preheatCache", ""),
        ]))
        .unwrap();
        assert!(o.dry_run && !o.atomic);
        assert_eq!(o.strategy, Strategy::Create);
        assert_eq!(o.scheme(Object::DataElement), Scheme::Name);
        assert_eq!(o.scheme(Object::OrgUnit), Scheme::Id);
        let e = Options::from_query(&pairs(&[
            ("dryrun", "true"),
            ("dryRun", "yes"),
            ("importStrategy", "SYNC"),
            ("atomicMode", "ALL"),
            ("atomicMode", "NONE"),
        ]))
        .unwrap_err();
        let fields: Vec<(&str, &str)> = e
            .problems
            .iter()
            .map(|p| (p.code, p.field.as_deref().unwrap_or("")))
            .collect();
        assert_eq!(
            fields,
            vec![
                ("dhis2_param_unknown", "dryrun"),
                ("dhis2_param_invalid", "dryRun"),
                ("dhis2_param_invalid", "importStrategy"),
                ("dhis2_param_repeated", "atomicMode"),
            ]
        );
        let o = Options::from_query(&pairs(&[("skipAudit", "true")])).unwrap();
        assert_eq!(o.unsupported, vec![("skipAudit", "true".to_owned())]);
    }

    #[test]
    fn elements_and_combos_by_code_or_name() {
        let table = crate::catalogue_io::read(
            crate::catalogue::SEED_INDICATORS.as_bytes(),
            crate::catalogue_io::Format::Csv,
        )
        .unwrap();
        let (rows, _) = crate::catalogue_io::parse(&table).unwrap();
        let all: Vec<Indicator> = rows.into_iter().map(|r| r.indicator).collect();
        let el = |e: &str, s: Scheme| resolve_element(&all, e, s).ok();
        assert_eq!(
            el("population", Scheme::Code).as_deref(),
            Some("POPULATION")
        );
        assert_eq!(
            el(" average POPULATION ", Scheme::Name).as_deref(),
            Some("POPULATION")
        );
        assert_eq!(
            el("Dân số trung bình", Scheme::Name).as_deref(),
            Some("POPULATION")
        );
        assert_eq!(el("POPULATION", Scheme::Name), None);
        let combo = |c: Option<&str>, s: Scheme| resolve_combo(&all, "POPULATION", c, s);
        assert_eq!(combo(None, Scheme::Name).as_deref(), Some("POPULATION"));
        assert_eq!(
            combo(Some("default"), Scheme::Name).as_deref(),
            Some("POPULATION")
        );
        assert_eq!(
            combo(Some("female"), Scheme::Code).as_deref(),
            Some("POPULATION_FEMALE")
        );
        assert_eq!(
            combo(Some("Average population, female"), Scheme::Name).as_deref(),
            Some("POPULATION_FEMALE")
        );
        assert_eq!(
            combo(Some("Dân số trung bình nữ"), Scheme::Name).as_deref(),
            Some("POPULATION_FEMALE")
        );
        assert_eq!(combo(Some("female"), Scheme::Name), None);
    }

    proptest::proptest! {
        #[test]
        fn csv_reader_never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..300)) {
            let _ = parse_csv(&bytes);
        }
    }
}
