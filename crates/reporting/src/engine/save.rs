//! Saving a report (nhập số liệu): save a draft, submit it, or correct approved values with a
//! reason — one report through the engine every path shares ([`super::bulk::apply`]). Every value
//! change is kept in `value_changes`; every action is audited; concurrent edits are caught by a
//! version number (optimistic concurrency).

use platform::audit::Actor;
use platform::db::{Db, Tx};
use platform::error::Problem;

use super::bulk::{self, Audit, Input, Report};
use super::error::{Error, Issue, Kind, Result};
use crate::model::number::{Notation, NumberError, read_number};
use crate::model::period::Period;
use crate::model::status::Action;
use crate::model::submission::Submission;
use crate::model::template::Template;

/// What a reporter entered for one indicator.
#[derive(Debug, Clone)]
pub struct Entry {
    pub indicator: String,
    /// The text typed (empty = no value).
    pub raw: String,
    /// How it was written ([`Notation::from_code`]): `vi` or `en`, the language it was typed in,
    /// which decides the decimal mark, or `plain` for machine-readable numbers (JSON, DHIS2,
    /// numeric spreadsheet cells).
    pub lang: &'static str,
    /// Why a value that looks unusual is right (needed to submit with a warning).
    pub explanation: Option<String>,
}

/// The result of a save: the report as it now is, and warnings to show.
#[derive(Debug)]
pub struct Saved {
    pub submission: Submission,
    pub warnings: Vec<Issue>,
    /// Values written for the first time, changed, and sent again unchanged.
    pub inserted: usize,
    pub updated: usize,
    pub unchanged: usize,
}

/// Save, submit or correct a unit's report for a period, all or nothing.
#[allow(clippy::too_many_arguments)]
pub async fn save(
    db: &Db,
    actor: &Actor,
    template: &Template,
    unit_id: i64,
    period: &Period,
    entries: &[Entry],
    expected_version: Option<i64>,
    action: Action,
    reason: Option<&str>,
) -> Result<Saved> {
    let mut tx = db.begin().await?;
    let saved = save_in(
        &mut tx,
        actor,
        template,
        unit_id,
        period,
        entries,
        expected_version,
        action,
        reason,
    )
    .await?;
    tx.commit().await?;
    Ok(saved)
}

/// [`save`] inside the caller's transaction, audited as the person's action. Sending values a
/// report already holds, in the state it is already in, changes nothing and is not an error.
#[allow(clippy::too_many_arguments)]
pub async fn save_in(
    tx: &mut Tx,
    actor: &Actor,
    template: &Template,
    unit_id: i64,
    period: &Period,
    entries: &[Entry],
    expected_version: Option<i64>,
    action: Action,
    reason: Option<&str>,
) -> Result<Saved> {
    let (values, mut issues) = read_entries(template, entries);
    let report = Report {
        template,
        unit_id,
        period: *period,
        values,
        expected_version,
        action,
        reason: reason.map(str::to_owned),
    };
    if !issues.is_empty() {
        // Every problem at once: what could not be read, and what is wrong with the rest
        // (a value that could not be read is not also "missing").
        let unread: Vec<super::error::On> = issues.iter().map(|i| i.on.clone()).collect();
        issues.extend(
            bulk::problems_alone(&report)
                .into_iter()
                .filter(|i| i.on == super::error::On::Report || !unread.contains(&i.on)),
        );
        return Err(Error::one(Kind::Invalid, issues));
    }
    let outcome = bulk::apply(tx, actor, std::slice::from_ref(&report), Audit::PerReport)
        .await?
        .pop()
        .ok_or_else(|| Error::Internal(platform::fault!("no outcome for the report")))?;
    let submission = crate::store::submissions::by_id(tx, outcome.submission_id)
        .await?
        .ok_or(Error::NotFound)?;
    Ok(Saved {
        submission,
        warnings: outcome.warnings,
        inserted: outcome.inserted,
        updated: outcome.updated,
        unchanged: outcome.unchanged,
    })
}

/// Numbers as typed (in the entry's notation) → the engine's inputs; what cannot be read is a
/// problem on its value.
fn read_entries(template: &Template, entries: &[Entry]) -> (Vec<Input>, Vec<Issue>) {
    let mut inputs = Vec::with_capacity(entries.len());
    let mut issues = Vec::new();
    for e in entries {
        let value = if e.raw.trim().is_empty() {
            None
        } else {
            let ind = template.indicators.iter().find(|i| i.code == e.indicator);
            let allowed = ind.map_or(6, |i| i.allowed_decimals());
            let notation = Notation::from_code(e.lang);
            match read_number(&e.raw, notation, allowed) {
                Ok(v) => Some(v),
                Err(err) => {
                    let (name, name_en) = ind
                        .map(|i| (i.name_vi.as_str(), i.name_en.as_str()))
                        .unwrap_or((&e.indicator, &e.indicator));
                    let p = number_problem(err, notation)
                        .arg("value", e.raw.trim())
                        .arg("indicator", name)
                        .arg("indicator_en", name_en);
                    issues.push(Issue::value(&e.indicator, p));
                    continue;
                }
            }
        };
        inputs.push(Input {
            indicator: e.indicator.clone(),
            value,
            explanation: e.explanation.clone(),
        });
    }
    (inputs, issues)
}

/// Why a number was not read, with how to type it.
fn number_problem(err: NumberError, notation: Notation) -> Problem {
    let (group, point) = notation.separators();
    match err {
        NumberError::NotANumber => Problem::new("value_not_a_number"),
        NumberError::BadSeparators { suggest } => Problem::new("value_bad_separators")
            .arg("group", group.map(String::from).unwrap_or_default())
            .arg("point", point.to_string())
            .arg("suggest", suggest),
        NumberError::Ambiguous { thousands } => {
            let n: f64 = thousands.parse().unwrap_or_default();
            let lang = match notation {
                Notation::Typed(l) => l.code(),
                Notation::Plain => "plain",
            };
            Problem::new("value_ambiguous")
                .arg("point", point.to_string())
                .arg("plain", &thousands)
                .arg("grouped", crate::model::format::format_number(n, 0, lang))
        }
        NumberError::NotExact => Problem::new("value_not_exact"),
    }
}
