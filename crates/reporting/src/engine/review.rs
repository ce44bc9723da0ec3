//! What the reviewer of a report is shown (xem xét báo cáo): the warnings its values raise,
//! evaluated from the stored values with the same checks as when it was submitted
//! ([`crate::model::warning`]: outliers against the unit's approved history, the validation rules
//! against this period and the previous one), so that an approver sees what the reporter was
//! warned about, beside the reporter's explanation.

use std::collections::{HashMap, HashSet};

use platform::i18n::{Lang, t_args};

use super::error::Result;
use crate::model::indicator::Indicator;
use crate::model::outlier::HISTORY_PERIODS;
use crate::model::period::Period;
use crate::model::template::Template;
use crate::model::warning;

/// One flagged value: the indicator's code and what is unusual about it, in the reader's
/// language ("9.000,5 tỷ đồng, gấp 8,4 lần tháng trước (1.070,0 tỷ đồng) — …").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    pub indicator: String,
    pub text: String,
}

/// The flags of a unit's report for `period`, from `values` ((indicator id, period id) → the
/// value stored, of this period and the previous one), in the template's order.
pub async fn flags(
    db: &platform::db::Db,
    template: &Template,
    unit_id: i64,
    period: &Period,
    values: &HashMap<(i64, String), f64>,
    lang: Lang,
) -> Result<Vec<Flag>> {
    let in_force: Vec<&Indicator> = template
        .indicators
        .iter()
        .filter(|i| i.valid_for(period))
        .collect();
    let (this, prev) = (period.id(), period.previous().id());
    if !in_force
        .iter()
        .any(|i| values.contains_key(&(i.id, this.clone())))
    {
        return Ok(Vec::new());
    }
    let codes: HashSet<&str> = template
        .indicators
        .iter()
        .map(|i| i.code.as_str())
        .collect();
    let rules: Vec<crate::model::rules::Rule> = crate::store::rules::all_of(db)
        .await?
        .into_iter()
        .filter(|r| r.references().any(|c| codes.contains(c.as_str())))
        .collect();
    let history = crate::store::series::of_unit(db, unit_id).await?;
    let by_code: HashMap<&str, &Indicator> = template
        .indicators
        .iter()
        .map(|i| (i.code.as_str(), i))
        .collect();
    let indicator = |code: &str| by_code.get(code).copied();
    let value_in = |code: &str, p: &String| {
        let ind = by_code.get(code)?;
        values.get(&(ind.id, p.clone())).copied()
    };
    let now = |code: &str| value_in(code, &this);
    let before = |code: &str| value_in(code, &prev);
    let earlier = |ind: &Indicator, into: &mut Vec<f64>| {
        if let Some(h) = &history {
            into.extend(h.before(ind.id, period, HISTORY_PERIODS));
        }
    };
    let src = warning::Sources {
        indicator: &indicator,
        current: &now,
        previous: &before,
        history: &earlier,
    };
    let flagged = warning::evaluate(
        period,
        in_force.iter().map(|i| (*i, now(&i.code))),
        rules.iter(),
        &src,
        &mut Vec::with_capacity(HISTORY_PERIODS),
    );
    Ok(flagged
        .iter()
        .map(|f| Flag {
            indicator: f.indicator.code.clone(),
            text: t_args(
                lang,
                "warnings.flag",
                &[("finding", f.finding(lang, &indicator))],
            ),
        })
        .collect())
}
