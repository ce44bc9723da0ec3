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

//!
//! The standard's side only: [`DataValueSet`] and the answers ([`WebMessage`], [`ImportSummary`]),
//! the import parameters ([`options`]), DHIS2's CSV ([`csv`]), how DHIS2's references name
//! egov's indicators, units and templates ([`resolve`]) and the import itself ([`import`]). The
//! handlers are in `http::dhis2`.

pub mod csv;
pub mod options;
pub mod resolve;

use std::collections::BTreeMap;

use platform::error::Problem;
use serde::{Deserialize, Serialize};

pub use csv::{check_csv, parse_csv};
pub use options::{Options, PARAMETERS, Scheme, Strategy};

/// Problems with the request itself (its parameters or cells), all listed at once: the edge
/// answers 422.
#[derive(Debug, Clone, PartialEq)]
pub struct Invalid {
    pub problems: Vec<Problem>,
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

/// How an import ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Every value imported (or unchanged, or left alone by the strategy).
    Done,
    /// Valid values imported, the others listed (`atomicMode=NONE`).
    Partial,
    /// Nothing written.
    Refused,
}

/// What an import did: the counts, the conflicts and the payload positions not imported.
#[derive(Debug)]
pub struct Report {
    pub count: ImportCount,
    pub conflicts: Vec<Conflict>,
    pub rejected: Vec<usize>,
    /// The `dataSetComplete` echoed: the payload's `completeDate`, else `false`.
    pub complete: String,
    pub outcome: Outcome,
}

impl Report {
    /// The import summary of this report, in `lang`.
    pub fn summary(self, lang: platform::i18n::Lang, options: &Options) -> ImportSummary {
        use platform::i18n::{t, t_args};
        let Report {
            count,
            mut conflicts,
            rejected,
            complete,
            outcome,
        } = self;
        let total = conflicts.len();
        conflicts.truncate(MAX_CONFLICTS);
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
        ImportSummary {
            response_type: "ImportSummary",
            status: match outcome {
                Outcome::Done => "SUCCESS",
                Outcome::Partial => "WARNING",
                Outcome::Refused => "ERROR",
            },
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
        }
    }
}

impl WebMessage {
    /// DHIS2 2.38+'s answer: the summary in a WebMessage, `OK` (200) when every value was
    /// imported, else `Conflict` (409) with status `WARNING` or `ERROR`.
    pub fn of(lang: platform::i18n::Lang, outcome: Outcome, summary: ImportSummary) -> WebMessage {
        let (code, message) = match outcome {
            Outcome::Done => (200, "dhis2.message_ok"),
            Outcome::Partial => (409, "dhis2.message_warning"),
            Outcome::Refused => (409, "dhis2.message_error"),
        };
        WebMessage {
            http_status: if code == 200 { "OK" } else { "Conflict" },
            http_status_code: code,
            status: match outcome {
                Outcome::Done => "OK",
                Outcome::Partial => "WARNING",
                Outcome::Refused => "ERROR",
            },
            message: platform::i18n::t(lang, message),
            response: summary,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::options::*;
    use super::resolve::*;
    use super::*;
    use crate::model::indicator::Indicator;

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
        let table = crate::engine::catalogue::read(
            crate::engine::reference::SEED_INDICATORS.as_bytes(),
            crate::engine::catalogue::Format::Csv,
        )
        .unwrap();
        let (rows, _) = crate::engine::catalogue::parse(&table).unwrap();
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
