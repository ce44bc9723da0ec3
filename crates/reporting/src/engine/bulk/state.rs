//! Phase 2: what is stored, read set-based with a handful of statements whatever the batch's
//! size — the validation rules, the reports' submissions (locked), the units' levels, the values
//! the reports already hold, the previous period's values the rules read, and each unit's
//! approved history for the outlier check.

use std::collections::{HashMap, HashSet};

use platform::db::Tx;
use platform::error::Problem;

use super::{Checked, Lookups, Report, failure, refuse_if_any};
use crate::engine::error::{Error, Issue, Kind, Result};
use crate::model::period::Period;
use crate::model::rules::Rule;
use crate::model::submission::Submission;
use crate::store::values::Stored;
use crate::store::{rules as rule_store, submissions, values};

/// What the checks and the writes need from the database.
pub(super) struct State {
    pub rules: Vec<Rule>,
    /// The rules that can apply to each template, as positions in `rules`: a rule none of whose
    /// indicators the template holds reads no value of its reports (every input missing), so it
    /// is not evaluated for them.
    pub rules_of: HashMap<i64, Vec<usize>>,
    /// The reports' submissions by (template, unit, period); taken by the checks.
    pub submissions: HashMap<(i64, i64, String), Submission>,
    /// The level of each unit of the batch.
    pub levels: HashMap<i64, registry::Level>,
    /// The values the reports already hold.
    pub stored: HashMap<(i64, i64, Period), Stored>,
    /// The previous period's values of the indicators the rules read.
    pub prev_stored: HashMap<(i64, i64, Period), Stored>,
    /// Each unit's approved history.
    pub history: HashMap<i64, crate::model::series::History>,
}

impl State {
    pub(super) async fn load(
        tx: &mut Tx,
        reports: &[Report<'_>],
        checked: &[Checked<'_>],
        lookups: &Lookups<'_>,
    ) -> Result<State> {
        let rules = rule_store::all(tx).await.map_err(Error::Internal)?;
        let rules_of = rules_of(&rules, reports, lookups);
        let submissions = submissions::lock_for(tx, wanted(reports)).await?;
        // A template is reported by one level of unit (province, commune, the nation).
        let ids: Vec<i64> = reports
            .iter()
            .map(|r| r.unit_id)
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let levels = submissions::unit_levels(tx, &ids).await?;
        check_levels(reports, &levels)?;
        let rule_codes: HashSet<String> = rules.iter().flat_map(Rule::references).collect();
        let mut indicators: HashSet<i64> = HashSet::new();
        let mut prev_indicators: HashSet<i64> = HashSet::new();
        let mut units: HashSet<i64> = HashSet::new();
        let mut periods: HashSet<Period> = HashSet::new();
        for (r, c) in reports.iter().zip(checked) {
            units.insert(r.unit_id);
            periods.insert(r.period);
            indicators.extend(c.values.iter().map(|(ind, _, _)| ind.id));
            prev_indicators.extend(
                r.template
                    .indicators
                    .iter()
                    .filter(|i| rule_codes.contains(&i.code))
                    .map(|i| i.id),
            );
        }
        let stored = values::load(tx, &indicators, &units, &periods).await?;
        let prev_periods: HashSet<Period> = reports.iter().map(|r| r.period.previous()).collect();
        let prev_stored = values::load(tx, &prev_indicators, &units, &prev_periods).await?;
        let history = crate::store::series::load(tx, &units).await?;
        Ok(State {
            rules,
            rules_of,
            submissions,
            levels,
            stored,
            prev_stored,
            history,
        })
    }
}

/// The units and periods of each template's reports.
fn wanted(reports: &[Report<'_>]) -> HashMap<i64, (HashSet<i64>, HashSet<String>)> {
    let mut by_template: HashMap<i64, (HashSet<i64>, HashSet<String>)> = HashMap::new();
    for r in reports {
        let e = by_template.entry(r.template.id).or_default();
        e.0.insert(r.unit_id);
        e.1.insert(r.period.id());
    }
    by_template
}

/// The rules that can apply to each template of the batch.
fn rules_of(
    rules: &[Rule],
    reports: &[Report<'_>],
    lookups: &Lookups<'_>,
) -> HashMap<i64, Vec<usize>> {
    let mut out: HashMap<i64, Vec<usize>> = HashMap::new();
    for r in reports {
        out.entry(r.template.id).or_insert_with(|| {
            let codes = &lookups[&r.template.id];
            rules
                .iter()
                .enumerate()
                .filter(|(_, rule)| {
                    let refs: Vec<String> = rule.references().collect();
                    refs.is_empty() || refs.iter().any(|c| codes.contains_key(c.as_str()))
                })
                .map(|(k, _)| k)
                .collect()
        });
    }
    out
}

/// Every report's unit is of its template's level.
fn check_levels(reports: &[Report<'_>], levels: &HashMap<i64, registry::Level>) -> Result<()> {
    let mut failures = Vec::new();
    for (i, r) in reports.iter().enumerate() {
        if levels.get(&r.unit_id).map(|l| l.as_str()) != Some(r.template.unit_level.as_str()) {
            failures.push(failure(
                i,
                Kind::Invalid,
                vec![Issue::part(
                    "unit",
                    Problem::new("unit_level_mismatch")
                        .arg("template", &r.template.code)
                        .arg("level", &r.template.unit_level),
                )],
            ));
        }
    }
    refuse_if_any(failures)
}
