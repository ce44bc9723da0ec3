//! A dashboard's widgets as views, from the overview's composed data (`query::overview`, kept in
//! the read cache: a wall costs no extra computation), and who may open a dashboard.

use platform::error::AppResult;
use platform::i18n::{Lang, t_args};
use platform::web::{AppState, Ctx};
use reporting::model::format::format_number;

use crate::model::dashboard::Widget;
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

/// One widget ready for a template: `kind` says which of the lists is filled.
pub(crate) struct WidgetView {
    pub kind: &'static str,
    pub title: String,
    pub tiles: Vec<KpiTile>,
    pub unit: String,
    pub rows: Vec<RankRow>,
    pub boards: Vec<BoardTile>,
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

/// Is the caller in the dashboard's audience?
pub(crate) fn admitted(d: &Dashboard, ctx: &Ctx) -> bool {
    let complete = ctx.principal.as_deref().filter(|p| p.is_complete());
    d.audience
        .admits(complete.is_some(), complete.map_or(&[], |p| &p.grants[..]))
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
    let empty = |kind, title| WidgetView {
        kind,
        title,
        tiles: Vec::new(),
        unit: String::new(),
        rows: Vec::new(),
        boards: Vec::new(),
    };
    let mut out = Vec::with_capacity(widgets.len());
    for w in widgets {
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
        }
    }
    Ok((period_label(&o.period, lang), out))
}
