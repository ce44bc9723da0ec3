//! Charts drawn on the server as SVG, shared by the pages and the dashboards' widgets: an
//! indicator's line over time (`chart_line.html`, geometry from [`crate::model::spark`]) and
//! horizontal bars across provinces (`chart_bars.html`, geometry from [`crate::model::bars`]).
//! Each is shown with its data as a table by the template that includes it.

use platform::i18n::{Lang, t_args};
use reporting::model::indicator::Indicator;

use super::map::{dash, period_label};
use crate::model::bars::bars;
use crate::model::spark::polylines;

/// The line's box (SVG units): the scale's labels sit right of it.
const LINE_WIDTH: f64 = 600.0;
const LINE_HEIGHT: f64 = 160.0;

/// A line chart ready for `chart_line.html`.
pub(super) struct LineChart {
    /// One polyline per run of values without a gap.
    pub lines: Vec<String>,
    /// What the chart shows, for its accessible name.
    pub label: String,
    /// The scale: the largest and smallest value (top and bottom).
    pub max: String,
    pub min: String,
}

/// The line of `ind` over `periods` (ids, oldest first) with `values`.
pub(super) fn line_chart(
    ind: &Indicator,
    periods: &[&str],
    values: &[Option<f64>],
    lang: Lang,
) -> LineChart {
    let fmt = |v: Option<f64>| v.map(|v| ind.format(v, lang)).unwrap_or_else(dash);
    let known = values.iter().flatten().copied();
    let (lo, hi) = (known.clone().reduce(f64::min), known.reduce(f64::max));
    LineChart {
        lines: polylines(values, LINE_WIDTH, LINE_HEIGHT),
        label: t_args(
            lang,
            "operations.spark_label",
            &[
                ("name", ind.name(lang).to_owned()),
                (
                    "from",
                    period_label(periods.first().copied().unwrap_or_default(), lang),
                ),
                (
                    "to",
                    period_label(periods.last().copied().unwrap_or_default(), lang),
                ),
            ],
        ),
        max: fmt(hi),
        min: fmt(lo),
    }
}

/// The band the bars are drawn in, right of the provinces' codes (SVG units).
const BAR_LEFT: f64 = 48.0;
const BAR_WIDTH: f64 = 420.0;
const BAR_PITCH: f64 = 26.0;
const BAR_THICK: f64 = 18.0;

pub(super) struct BarRow {
    pub code: String,
    /// Name and value, the bar's accessible text.
    pub label: String,
    pub value: String,
    pub x: String,
    pub y: String,
    pub w: String,
    /// Where the code and the value are written.
    pub ty: String,
    pub vx: String,
}

/// A bar chart ready for `chart_bars.html`.
pub(super) struct BarChart {
    pub label: String,
    pub width: String,
    pub height: String,
    pub zero: String,
    pub bars: Vec<BarRow>,
}

/// Bars for `rows` (code, name, value; drawn in this order), `label` the chart's name.
pub(super) fn bar_chart(
    ind: &Indicator,
    rows: &[(String, String, f64)],
    label: String,
    lang: Lang,
) -> BarChart {
    let values: Vec<f64> = rows.iter().map(|r| r.2).collect();
    let (geometry, zero) = bars(&values, BAR_WIDTH);
    let bars = rows
        .iter()
        .zip(geometry)
        .enumerate()
        .map(|(i, ((code, name, v), b))| {
            let y = i as f64 * BAR_PITCH;
            let value = ind.format(*v, lang);
            BarRow {
                label: format!("{code} {name}: {value}"),
                code: code.clone(),
                x: format!("{:.1}", BAR_LEFT + b.x),
                y: format!("{y:.0}"),
                w: format!("{:.1}", b.width),
                ty: format!("{:.0}", y + BAR_THICK - 4.0),
                vx: format!("{:.1}", BAR_LEFT + b.x + b.width + 6.0),
                value,
            }
        })
        .collect::<Vec<_>>();
    BarChart {
        label,
        // Room right of the band for the largest value's text.
        width: format!("{:.0}", BAR_LEFT + BAR_WIDTH + 130.0),
        height: format!("{:.0}", (rows.len().max(1) as f64) * BAR_PITCH),
        zero: format!("{:.1}", BAR_LEFT + zero),
        bars,
    }
}
