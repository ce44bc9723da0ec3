//! A dashboard's widgets as views, and who may open a dashboard. The key figures, ranking and
//! compliance boards come from the overview's composed data (`query::overview`, kept in the read
//! cache: a wall costs no extra computation); a line, bar, map or table widget reads its one
//! indicator through the query layer (`query::national_months`, `query::map`), also cached, and
//! only for readers who may read that indicator's national figures.

use std::sync::Arc;

use platform::error::{AppError, AppResult};
use platform::i18n::{Lang, t_args};
use platform::web::{AppState, Ctx};
use reporting::Period;
use reporting::model::format::format_number;
use reporting::model::indicator::Indicator;

use super::cameras::CameraTile;
use super::charts::{BarChart, LineChart, bar_chart, line_chart};
use super::indicator::query_error;
use super::map::MapView;
use crate::model::dashboard::{Audience, DEFAULT_MONTHS, Widget};
use crate::query::{self, MapData, MonthSeries};
use crate::store::dashboards::Dashboard;

pub(crate) struct KpiTile {
    pub code: String,
    pub name: String,
    pub unit: String,
    pub value: String,
    pub provisional: bool,
    pub change: String,
    pub change_class: &'static str,
    pub status: Option<(&'static str, String)>,
}

pub(crate) struct RankRow {
    pub rank: String,
    pub code: String,
    pub name: String,
    pub value: String,
}

pub(crate) struct BoardTile {
    pub name: String,
    pub period: String,
    pub deadline: String,
    pub expected: usize,
    pub on_time: usize,
    pub late: usize,
    pub not_yet: usize,
    pub overdue: usize,
}

/// A row of a line widget's table.
pub(crate) struct SeriesRow {
    pub period: String,
    pub value: String,
    pub provisional: bool,
}

/// One widget ready for a template: `kind` says which of the lists is filled.
pub(crate) struct WidgetView {
    pub kind: &'static str,
    /// The prefix of its element ids (`w1`, `w2`…).
    pub dom: String,
    pub title: String,
    pub tiles: Vec<KpiTile>,
    pub unit: String,
    /// The ranking's, the bar chart's and the table's rows.
    pub rows: Vec<RankRow>,
    pub boards: Vec<BoardTile>,
    pub line: Option<LineChart>,
    pub series: Vec<SeriesRow>,
    pub bars: Option<BarChart>,
    pub map: Option<MapView>,
    pub cameras: Vec<CameraTile>,
}

fn dash() -> String {
    "—".to_owned()
}

pub(crate) fn period_label(id: &str, lang: Lang) -> String {
    reporting::Period::parse(id)
        .map(|p| p.label(lang.code()))
        .unwrap_or_else(|_| id.to_owned())
}

/// A dashboard's name as the reader reads it (the shipped ones are translated).
pub(crate) fn dashboard_name(d: &Dashboard, ctx: &Ctx) -> String {
    match d.builtin.as_deref() {
        Some(b) => ctx.t(&format!("wall.builtin_{b}")),
        None => d.name.clone(),
    }
}

/// Is the caller in the dashboard's audience? A scope audience's unit is looked up (a code
/// valid today, with the units above it) and the caller's grants must cover it.
pub(crate) async fn admitted(state: &AppState, d: &Dashboard, ctx: &Ctx) -> AppResult<bool> {
    let complete = ctx.complete();
    let grants = complete.map_or(&[][..], |p| &p.grants[..]);
    let unit = match &d.audience {
        Audience::Scope(code) if complete.is_some() => {
            match state.directory.find_scope("unit", code).await? {
                Some(scope) => {
                    platform::identity::scope_target(state.directory.as_ref(), scope).await?
                }
                None => None,
            }
        }
        _ => None,
    };
    Ok(d.audience.admits(complete.is_some(), grants, unit.as_ref()))
}

/// The indicator `code` if the caller may read its national figures (none: unknown, or not
/// for this reader — the widget is left out, as the key figures leave out what a reader may
/// not see).
async fn readable(state: &AppState, ctx: &Ctx, code: &str) -> AppResult<Option<Indicator>> {
    let catalogue = reporting::query::shared_catalogue(&state.cache, &state.db).await?;
    let principal = ctx.complete();
    Ok(catalogue
        .iter()
        .find(|i| i.code == code)
        .filter(|i| reporting::model::access::may_view_national(principal, i))
        .cloned())
}

/// The national figures of `ind` over `months` months, from the read cache.
async fn months_of(
    state: &AppState,
    ind: &Indicator,
    months: usize,
) -> AppResult<Arc<MonthSeries>> {
    let catalogue = reporting::query::shared_catalogue(&state.cache, &state.db).await?;
    state
        .cache
        .get_or_compute(
            &format!("operations.wline:{}:{months}", ind.code),
            query::national_months(&state.db, &catalogue, ind, registry::Day::today().0, months),
        )
        .await
        .map_err(query_error)
}

/// The provinces' figures of `ind` in `period` (none: its latest), from the read cache (the
/// same entry as the indicator page's map).
async fn provinces_of(
    state: &AppState,
    ind: &Indicator,
    period: Option<&str>,
) -> AppResult<Arc<MapData>> {
    let period = match period {
        Some(p) => p.to_owned(),
        None => months_of(state, ind, DEFAULT_MONTHS).await?.latest.clone(),
    };
    let period = Period::parse(&period).map_err(|e| AppError::internal(format!("{e:?}")))?;
    state
        .cache
        .get_or_compute(
            &format!("operations.map:{}:{}", ind.code, period.id()),
            query::map(&state.db, ind, period),
        )
        .await
        .map_err(query_error)
}

/// The provinces with a figure, by rank (largest first), the first `limit`.
fn ranked(data: &MapData, limit: usize) -> Vec<&query::MapProvince> {
    let mut rows: Vec<&query::MapProvince> =
        data.provinces.iter().filter(|p| p.rank.is_some()).collect();
    rows.sort_by_key(|p| p.rank);
    rows.truncate(limit);
    rows
}

fn rank_rows(ind: &Indicator, rows: &[&query::MapProvince], lang: Lang) -> Vec<RankRow> {
    rows.iter()
        .map(|p| RankRow {
            rank: p.rank.map(|n| n.to_string()).unwrap_or_else(dash),
            code: p.code.clone(),
            name: p.name.clone(),
            value: p.value.map(|v| ind.format(v, lang)).unwrap_or_else(dash),
        })
        .collect()
}

/// The widgets' views and the period label, for the caller (who sees the indicators their
/// grants allow, like the overview).
pub(crate) async fn views(
    state: &AppState,
    ctx: &Ctx,
    widgets: &[Widget],
) -> AppResult<(String, Vec<WidgetView>)> {
    let (o, _) = super::overview::load(state, ctx).await?;
    let lang = ctx.lang;
    let mut out = Vec::with_capacity(widgets.len());
    for w in widgets {
        let dom = format!("w{}", out.len() + 1);
        let empty = |kind, title| WidgetView {
            kind,
            dom: dom.clone(),
            title,
            tiles: Vec::new(),
            unit: String::new(),
            rows: Vec::new(),
            boards: Vec::new(),
            line: None,
            series: Vec::new(),
            bars: None,
            map: None,
            cameras: Vec::new(),
        };
        let ind = match w.indicator() {
            Some(code) => match readable(state, ctx, code).await? {
                Some(ind) => Some(ind),
                None => continue,
            },
            None => None,
        };
        match w {
            Widget::Kpi { indicators } => {
                let mut v = empty("kpi", ctx.t("operations.key_title"));
                v.tiles = o
                    .figures
                    .iter()
                    .filter(|f| indicators.is_empty() || indicators.contains(&f.code))
                    .map(|f| {
                        let ind = &f.indicator;
                        KpiTile {
                            code: f.code.clone(),
                            name: ind.name(lang).to_owned(),
                            unit: ind.unit(lang).to_owned(),
                            value: f.value.map(|v| ind.format(v, lang)).unwrap_or_else(dash),
                            provisional: f.status.as_deref() == Some("provisional"),
                            change: f
                                .change_pct
                                .map(|g| {
                                    format!(
                                        "{}{} %",
                                        if g >= 0.0 { "+" } else { "" },
                                        format_number(g, 1, lang)
                                    )
                                })
                                .unwrap_or_else(dash),
                            change_class: match f.change_pct {
                                Some(g) if g > 0.0 => "up",
                                Some(g) if g < 0.0 => "down",
                                _ => "flat",
                            },
                            status: f.target_status.map(|s| {
                                let pct = f
                                    .target_pct
                                    .map(|p| format_number(p, 1, lang))
                                    .unwrap_or_default();
                                (
                                    s.as_str(),
                                    t_args(
                                        lang,
                                        &format!("operations.target_{}", s.as_str()),
                                        &[("pct", pct)],
                                    ),
                                )
                            }),
                        }
                    })
                    .collect();
                out.push(v);
            }
            Widget::Ranking { limit } => {
                let Some(r) = &o.ranking else { continue };
                let Some(f) = o.figures.iter().find(|f| f.code == r.indicator) else {
                    continue;
                };
                let mut v = empty(
                    "ranking",
                    t_args(
                        lang,
                        "operations.ranking_title",
                        &[
                            ("name", f.indicator.name(lang).to_owned()),
                            ("period", period_label(&r.period, lang)),
                        ],
                    ),
                );
                v.unit = f.indicator.unit(lang).to_owned();
                v.rows = r
                    .provinces
                    .iter()
                    .take(*limit)
                    .map(|p| RankRow {
                        rank: p.rank.map(|n| n.to_string()).unwrap_or_else(dash),
                        code: p.code.clone(),
                        name: p.name.clone(),
                        value: p
                            .value
                            .map(|v| f.indicator.format(v, lang))
                            .unwrap_or_else(|| ctx.t("operations.not_reported")),
                    })
                    .collect();
                out.push(v);
            }
            Widget::Compliance { templates } => {
                let mut v = empty("compliance", ctx.t("operations.boards_title"));
                v.boards = o
                    .boards
                    .iter()
                    .filter(|b| templates.is_empty() || templates.contains(&b.template))
                    .map(|b| BoardTile {
                        name: if lang == Lang::En {
                            b.name_en.clone()
                        } else {
                            b.name_vi.clone()
                        },
                        period: period_label(&b.period, lang),
                        deadline: time::Date::parse(
                            &b.deadline,
                            &time::format_description::well_known::Iso8601::DATE,
                        )
                        .map(|d| lang.date(d))
                        .unwrap_or_else(|_| b.deadline.clone()),
                        expected: b.expected,
                        on_time: b.on_time,
                        late: b.late,
                        not_yet: b.not_yet,
                        overdue: b.overdue,
                    })
                    .collect();
                out.push(v);
            }
            Widget::Line { months, .. } => {
                let Some(ind) = ind else { continue };
                let s = months_of(state, &ind, *months).await?;
                let ids: Vec<&str> = s.months.iter().map(|m| m.period.as_str()).collect();
                let values: Vec<Option<f64>> = s.months.iter().map(|m| m.value).collect();
                let mut v = empty(
                    "line",
                    t_args(
                        lang,
                        "ops_widgets2.line_title",
                        &[
                            ("name", ind.name(lang).to_owned()),
                            ("months", months.to_string()),
                        ],
                    ),
                );
                v.unit = ind.unit(lang).to_owned();
                v.line = Some(line_chart(&ind, &ids, &values, lang));
                v.series = s
                    .months
                    .iter()
                    .map(|m| SeriesRow {
                        period: period_label(&m.period, lang),
                        value: m.value.map(|x| ind.format(x, lang)).unwrap_or_else(dash),
                        provisional: m.status.as_deref() == Some("provisional"),
                    })
                    .collect();
                out.push(v);
            }
            Widget::Bar { limit, .. } | Widget::Table { limit, .. } => {
                let Some(ind) = ind else { continue };
                let data = provinces_of(state, &ind, None).await?;
                let rows = ranked(&data, *limit);
                let bar = matches!(w, Widget::Bar { .. });
                let title = t_args(
                    lang,
                    "ops_widgets2.provinces_title",
                    &[
                        ("name", ind.name(lang).to_owned()),
                        ("period", period_label(&data.period, lang)),
                    ],
                );
                let mut v = empty(if bar { "bar" } else { "table" }, title.clone());
                v.unit = ind.unit(lang).to_owned();
                if bar {
                    let drawn: Vec<(String, String, f64)> = rows
                        .iter()
                        .filter_map(|p| p.value.map(|x| (p.code.clone(), p.name.clone(), x)))
                        .collect();
                    v.bars = Some(bar_chart(&ind, &drawn, title, lang));
                }
                v.rows = rank_rows(&ind, &rows, lang);
                out.push(v);
            }
            Widget::Map { period, old, .. } => {
                let Some(ind) = ind else { continue };
                let data = provinces_of(state, &ind, period.as_deref()).await?;
                let then = match Period::parse(&data.period) {
                    Ok(p) if *old && crate::model::tilegrid::before_merger(&p) => Some(p),
                    _ => None,
                };
                let mut map = if let Some(p) = then {
                    let then = super::indicator::load_old(state, &ind, p).await?;
                    super::map::view_old(state, ctx, &ind, &then, &data).await?
                } else {
                    super::map::view(state, ctx, &ind, &data).await?
                };
                map.id = format!("{dom}-map");
                let mut v = empty("map", map.title.clone());
                v.unit = ind.unit(lang).to_owned();
                v.map = Some(map);
                out.push(v);
            }
            Widget::Camera { sites, category } => {
                // Cameras are for signed-in officials and displays: not on a public reader's
                // dashboard at all.
                if !super::cameras::may_watch(ctx) {
                    continue;
                }
                let mut v = empty("camera", ctx.t("cameras.title"));
                v.cameras = super::cameras::tiles(state, ctx, sites, category.as_deref()).await?;
                out.push(v);
            }
        }
    }
    Ok((period_label(&o.period, lang), out))
}
