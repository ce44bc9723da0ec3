//! A report's save as the web answers it: [`crate::engine::save`] with its problems and warnings
//! on form fields (`v_CODE`, `e_CODE`) and refusals as 422/409 — for the form, the JSON batch
//! API, Excel and DHIS2 imports.

use platform::audit::Actor;
use platform::db::{Db, Tx};
use platform::error::{AppResult, Problem};

use super::errors::form_problems;
use crate::engine::save::{self as engine, Entry};
use crate::model::period::Period;
use crate::model::status::Action;
use crate::model::submission::Submission;
use crate::model::template::Template;

/// The result of a save: the report as it now is, and warnings to show on their fields.
#[derive(Debug)]
pub struct Saved {
    pub submission: Submission,
    pub warnings: Vec<Problem>,
    /// Values written for the first time, changed, and sent again unchanged.
    pub inserted: usize,
    pub updated: usize,
    pub unchanged: usize,
}

impl From<engine::Saved> for Saved {
    fn from(s: engine::Saved) -> Saved {
        Saved {
            submission: s.submission,
            warnings: form_problems(s.warnings),
            inserted: s.inserted,
            updated: s.updated,
            unchanged: s.unchanged,
        }
    }
}

/// [`engine::save`], answered for the web.
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
) -> AppResult<Saved> {
    let saved = engine::save(
        db,
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
    Ok(saved.into())
}

/// [`engine::save_in`], answered for the web.
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
) -> AppResult<Saved> {
    let saved = engine::save_in(
        tx,
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
    Ok(saved.into())
}
