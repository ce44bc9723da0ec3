//! The import of a data value set: each value's references resolved, the values grouped by
//! report (org unit and period) and saved through the ingestion engine under the import
//! strategy, in one transaction (all or nothing with `atomicMode=ALL`; with `atomicMode=NONE`
//! the valid values are kept and the others listed as conflicts).

use std::collections::{BTreeMap, HashSet};

use platform::audit::Actor;
use platform::db::{Db, Tx};
use platform::error::{AppResult, Problem};
use platform::i18n::{Lang, t, t_args};
use platform::identity::access::Target;
use platform::params;
use registry::store::Unit;

use crate::dhis2::options::{Object, parse_bool};
use crate::dhis2::resolve::{
    Unresolved, is_default_combo, resolve_combo, resolve_data_set, resolve_element, resolve_unit,
};
use crate::dhis2::{Conflict, DataValueSet, ImportCount, Options, Outcome, Report, Strategy};
use crate::engine::save::Entry;
use crate::http::save as submission;
use crate::model::period::Period;
use crate::model::status::Action;
use crate::model::template::Template;
use crate::store;

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

/// Save one report's values under the import strategy, inside a savepoint so that a refused
/// report leaves the transaction as it was. With `atomicMode=NONE`, values with a problem of
/// their own are set aside and the others saved.
#[allow(clippy::too_many_arguments)]
async fn save_group(
    tx: &mut Tx,
    actor: &Actor,
    lang: Lang,
    template: &Template,
    unit: &Unit,
    period: &Period,
    mut pending: Vec<Pending>,
    action: Action,
    options: &Options,
    tally: &mut Tally,
) -> AppResult<()> {
    let stored: HashSet<i64> = store::data::indicators_with_values(tx, unit.id, &period.id())
        .await?
        .into_iter()
        .collect();
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
            tx, actor, template, unit.id, period, &entries, None, action, None,
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

/// Values grouped by report: (org unit, period) → the values.
type Groups = BTreeMap<(String, String), Vec<Pending>>;

/// What egov cannot honour, refused before anything is read: identifier schemes, options and
/// attribute option combos other than the default.
fn unhonoured(lang: Lang, options: &Options, set: &DataValueSet) -> Vec<Conflict> {
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
    conflicts
}

/// The values grouped by report, (org unit, period), in payload order, each value's references
/// resolved; the values that cannot be are conflicts of the tally (and rejected).
fn group_values(
    lang: Lang,
    set: &DataValueSet,
    template: &Template,
    all: &[crate::model::indicator::Indicator],
    options: &Options,
) -> (Tally, Groups) {
    let element_scheme = options.scheme(Object::DataElement);
    let combo_scheme = options.scheme(Object::OptionCombo);
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
        let element = match resolve_element(all, &dv.data_element, element_scheme) {
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
            all,
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
    (tally, groups)
}

/// Import `set` under `options` as `actor`; `may_submit` says whether the caller may submit a
/// report of a unit (its permission target). Errors are those of the ingestion engine; every
/// problem of the values is a conflict of the report.
pub async fn import(
    db: &Db,
    actor: &Actor,
    lang: Lang,
    may_submit: &(dyn Fn(&Target) -> bool + Sync),
    set: &DataValueSet,
    options: &Options,
) -> AppResult<Report> {
    let n = set.data_values.len();
    let complete = set
        .complete_date
        .clone()
        .filter(|d| !d.trim().is_empty())
        .unwrap_or_else(|| "false".to_owned());
    let refuse = |conflicts: Vec<Conflict>| {
        Ok(Report {
            count: ImportCount {
                ignored: n,
                ..Default::default()
            },
            conflicts,
            rejected: (0..n).collect(),
            complete: complete.clone(),
            outcome: Outcome::Refused,
        })
    };

    let conflicts = unhonoured(lang, options, set);
    if !conflicts.is_empty() {
        return refuse(conflicts);
    }

    // `dataSet` is the template; without one, the monthly provincial report.
    let template =
        match resolve_data_set(db, set.data_set.as_deref(), options.scheme(Object::DataSet)).await?
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
    let all = crate::store::catalogue::list(db).await?;
    let (mut tally, groups) = group_values(lang, set, &template, &all, options);
    let action = if set.complete_date.is_some() {
        Action::Submit
    } else {
        Action::SaveDraft
    };
    let org_scheme = options.scheme(Object::OrgUnit);
    let mut tx = db.begin().await?;
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
        let unit = match resolve_unit(db, &template, &org, &period, org_scheme).await? {
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
        let target = crate::store::units::target(db, &template, &unit).await?;
        if !may_submit(&target) {
            reject(
                &mut tally,
                conflict(lang, "E7617", "organisationUnit", "orgUnit", &org, indexes),
            );
            continue;
        }
        save_group(
            &mut tx, actor, lang, &template, &unit, &period, pending, action, options, &mut tally,
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
    Ok(Report {
        count: tally.count,
        conflicts: tally.conflicts,
        rejected: tally.rejected,
        complete,
        outcome,
    })
}
