//! Open data (dữ liệu mở): every public indicator, downloadable without signing in.

use axum::extract::State;
use axum::response::Response;
use platform::error::AppResult;
use platform::web::admin::render;
use platform::web::{AppState, Ctx};

use crate::model::period::{Period, PeriodKind};
use crate::store::catalogue;

struct OpenRow {
    code: String,
    name: String,
    unit: String,
    periodicity: String,
    derived: bool,
    /// The periods its download links ask for: the indicator's own periodicity.
    periods: String,
}

struct OpenDomain {
    title: String,
    rows: Vec<OpenRow>,
}

#[derive(askama::Template)]
#[template(path = "open_data.html")]
struct OpenDataPage {
    ctx: Ctx,
    domains: Vec<OpenDomain>,
    count: usize,
}

/// Open data (dữ liệu mở): every public indicator, downloadable without signing in.
pub(super) async fn open_data(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let lang = ctx.lang_code();
    let latest = crate::model::calendar::latest_due_month(registry::Day::today().0);
    let all = catalogue::list(&state.db).await?;
    let published = national_figures_published(&state, &all, latest).await?;
    let public: Vec<_> = all.into_iter().filter(|i| i.is_public).collect();
    let mut domains: Vec<OpenDomain> = (1..=9)
        .map(|d| OpenDomain {
            title: ctx.t(&format!("domain.d{d}")),
            rows: Vec::new(),
        })
        .collect();

    for i in &public {
        let d = (i.domain.clamp(1, 9) - 1) as usize;
        domains[d].rows.push(OpenRow {
            code: i.code.clone(),
            name: i.name(lang).to_owned(),
            unit: i.unit(lang).to_owned(),
            periodicity: ctx.t(&format!("reporting.periodicity_{}", i.periodicity)),
            derived: i.formula.is_some(),
            periods: PeriodKind::parse(&i.periodicity)
                .filter(|_| published.contains(&i.code))
                .map(|kind| recent_periods(kind, latest).join(","))
                .unwrap_or_default(),
        });
    }
    render(OpenDataPage {
        count: public.len(),
        domains: domains.into_iter().filter(|d| !d.rows.is_empty()).collect(),
        ctx,
    })
}

/// The indicators that have a national figure in the periods their download links ask for: an
/// indicator aggregated over units (with its weight, for a weighted average) with an approved
/// value of some unit in those periods, any indicator with an approved value of a national unit
/// (a ministry's report), and a derived indicator whose inputs all have one. The others say "no
/// national figures yet" instead of linking to an empty file.
async fn national_figures_published(
    state: &AppState,
    all: &[crate::model::indicator::Indicator],
    latest: Period,
) -> AppResult<std::collections::HashSet<String>> {
    let mut with_values = std::collections::HashSet::new();
    let mut national = std::collections::HashSet::new();
    for kind in [
        PeriodKind::Month,
        PeriodKind::Quarter,
        PeriodKind::HalfYear,
        PeriodKind::NineMonths,
        PeriodKind::Year,
    ] {
        let periods = recent_periods(kind, latest);
        for (code, has_national) in
            crate::store::values::approved_indicators(&state.db, kind, &periods).await?
        {
            if has_national {
                national.insert(code.clone());
            }
            with_values.insert(code);
        }
    }
    let mut has = national;
    for i in all {
        let weight_ok = i.agg_units != "wavg"
            || i.agg_weight
                .as_deref()
                .is_some_and(|w| with_values.contains(w));
        if i.agg_units != "none" && weight_ok && with_values.contains(&i.code) {
            has.insert(i.code.clone());
        }
    }
    // Derived indicators, until no more become available (formulas may use other formulas).
    let by_code: std::collections::HashMap<&str, &crate::model::indicator::Indicator> =
        all.iter().map(|i| (i.code.as_str(), i)).collect();
    loop {
        let before = has.len();
        for i in all {
            let Some(f) = i
                .formula
                .as_deref()
                .and_then(|f| crate::model::formula::Formula::parse(f).ok())
            else {
                continue;
            };
            // An input of another periodicity has no value in this indicator's periods.
            let inputs_ok = f.references().iter().all(|r| {
                has.contains(r)
                    && by_code
                        .get(r.as_str())
                        .is_some_and(|x| x.periodicity == i.periodicity)
            });
            if !has.contains(&i.code) && inputs_ok {
                has.insert(i.code.clone());
            }
        }
        if has.len() == before {
            return Ok(has);
        }
    }
}

/// The recent periods of `kind` that have ended by the month `latest`, oldest first: 24 months,
/// 8 quarters, 6 half-years, or 5 nine-month periods or years.
fn recent_periods(kind: PeriodKind, latest: Period) -> Vec<String> {
    let m = latest.index;
    let (index, count) = match kind {
        PeriodKind::Month => (m, 24),
        PeriodKind::Quarter => ((m - 1) / 3 + 1, 8),
        PeriodKind::HalfYear => ((m - 1) / 6 + 1, 6),
        PeriodKind::NineMonths | PeriodKind::Year => (0, 5),
    };
    let mut p = Period {
        year: latest.year,
        kind,
        index,
    };
    if p.month_range().1 > m {
        p = p.previous();
    }
    let mut ids = Vec::with_capacity(count);
    for _ in 0..count {
        ids.push(p.id());
        p = p.previous();
    }
    ids.reverse();
    ids
}
