//! DHIS2's import parameters (`dryRun`, `importStrategy`, `atomicMode`, the identifier schemes…),
//! read strictly: honoured, or refused, never ignored.

use std::collections::{BTreeMap, HashSet};

use platform::error::Problem;

use super::{DataValueSet, ImportOptions, Invalid};

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
pub enum Object {
    DataSet,
    DataElement,
    OrgUnit,
    OptionCombo,
}

impl Object {
    pub const ALL: [Object; 4] = [
        Object::DataSet,
        Object::DataElement,
        Object::OrgUnit,
        Object::OptionCombo,
    ];
    pub fn param(self) -> &'static str {
        match self {
            Object::DataSet => "dataSetIdScheme",
            Object::DataElement => "dataElementIdScheme",
            Object::OrgUnit => "orgUnitIdScheme",
            Object::OptionCombo => "categoryOptionComboIdScheme",
        }
    }
    pub fn honours(self, s: Scheme) -> bool {
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
    pub unsupported: Vec<(&'static str, String)>,
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

pub fn parse_bool(s: &str) -> Option<bool> {
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
    pub fn from_query(pairs: &[(String, String)]) -> Result<Options, Invalid> {
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
            Err(Invalid { problems })
        }
    }

    /// The payload's own options override the query's (DHIS2 reads them from the data value set).
    pub fn apply_payload(&mut self, set: &DataValueSet) -> Result<(), Invalid> {
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
            Err(Invalid { problems })
        }
    }

    /// The scheme naming `object`: its own parameter, else `idScheme`, else codes.
    pub fn scheme(&self, object: Object) -> Scheme {
        self.schemes
            .get(object.param())
            .or_else(|| self.schemes.get("idScheme"))
            .and_then(|s| Scheme::parse(s))
            .unwrap_or(Scheme::Code)
    }

    /// The parameter that set the scheme of `object`, and its value.
    pub fn scheme_source(&self, object: Object) -> (&'static str, String) {
        match self.schemes.get(object.param()) {
            Some(v) => (object.param(), v.clone()),
            None => (
                "idScheme",
                self.schemes.get("idScheme").cloned().unwrap_or_default(),
            ),
        }
    }

    pub fn echo(&self) -> ImportOptions {
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
