//! The choropleth as the pages draw it: the tile grid of the 34 provinces (or their boundaries
//! from the operator's GeoJSON file), five classes of a single-hue blue scale with a text legend,
//! "no data" hatched, every province a link to its page, and the same data as a table.

use std::sync::Arc;

use platform::error::{AppError, AppResult};
use platform::i18n::{Lang, t_args};
use platform::web::{AppState, Ctx};
use reporting::model::indicator::Indicator;

use crate::model::choropleth::{Classes, INK, PALETTE, Shape, parse_geojson, project};
use crate::model::tilegrid;
use crate::query::MapData;

/// A tile's side and the gap between tiles, in SVG units.
const TILE: f64 = 44.0;
const GAP: f64 = 4.0;
/// The width of a map drawn from boundaries.
const GEO_WIDTH: f64 = 320.0;

pub(super) fn dash() -> String {
    "—".to_owned()
}

pub(super) fn period_label(id: &str, lang: Lang) -> String {
    reporting::Period::parse(id)
        .map(|p| p.label(lang.code()))
        .unwrap_or_else(|_| id.to_owned())
}

pub(super) struct Cell {
    pub code: String,
    /// The page a click opens: the province's own, or for a province of before July 2025 the
    /// page of today's province that succeeded it.
    pub href: String,
    pub label: String,
    pub fill: &'static str,
    pub ink: &'static str,
    pub x: String,
    pub y: String,
    pub w: String,
    pub tx: String,
    pub ty: String,
    /// A boundary path (GeoJSON), else a tile.
    pub path: Option<String>,
}

pub(super) struct Row {
    pub rank: String,
    pub code: String,
    pub href: String,
    pub name: String,
    pub value: String,
    pub rolled_from: String,
}

pub(super) struct MapView {
    /// The prefix of the map's element ids (`map`: `map-title`, `map-table`…); a dashboard's
    /// map widget has its own.
    pub id: String,
    pub title: String,
    pub note: Option<String>,
    pub geo: bool,
    pub width: String,
    pub height: String,
    pub cells: Vec<Cell>,
    /// (fill, text) per class, then "no data".
    pub legend: Vec<(&'static str, String)>,
    pub rows: Vec<Row>,
    /// Whether the page shows the table under the map (the overview has its ranking instead).
    pub with_table: bool,
}

/// The provinces' shapes from the configured GeoJSON file, read once per data version (none
/// configured: the tile grid). A file that cannot be read or is not a province GeoJSON is logged
/// and the tile grid drawn: the map stays readable while the operator fixes it.
async fn shapes(state: &AppState) -> AppResult<Option<Arc<Vec<Shape>>>> {
    let Some(path) = state.config.provinces_geojson.clone() else {
        return Ok(None);
    };
    let read = state
        .cache
        .get_or_compute("operations.geojson", async move {
            // A small file, read once per data version; a failure is kept as such.
            let shapes = std::fs::read_to_string(&path)
                .map_err(|e| e.to_string())
                .and_then(|text| parse_geojson(&text))
                .map(Arc::new)
                .map_err(|e| format!("{}: {e}", path.display()));
            Ok::<_, AppError>(shapes)
        })
        .await?;
    match &*read {
        Ok(shapes) => Ok(Some(shapes.clone())),
        Err(e) => {
            tracing::error!(cause = %e, "provinces_geojson unreadable: drawing the tile grid");
            Ok(None)
        }
    }
}

/// The map of `data` (today's 34 provinces) for the page.
pub(super) async fn view(
    state: &AppState,
    ctx: &Ctx,
    ind: &Indicator,
    data: &MapData,
) -> AppResult<MapView> {
    draw(state, ctx, ind, data, None).await
}

/// The map of the 63 provinces of a period before July 2025 as they reported (`old`, in the
/// order [`reporting::query::province_values`] gives: largest first), on their own tile grid; a
/// cell opens the page of today's province that succeeded it (named from `today`, the same
/// period's map of today's provinces). A configured GeoJSON carries today's codes (code 15 is
/// Yên Bái before July 2025 and Lào Cai after), so the 63 are always drawn as tiles.
pub(super) async fn view_old(
    state: &AppState,
    ctx: &Ctx,
    ind: &Indicator,
    old: &[reporting::query::ProvinceValue],
    today: &MapData,
) -> AppResult<MapView> {
    let data = old_data(ind, &today.period, old);
    draw(state, ctx, ind, &data, Some(today)).await
}

/// The provinces of the time as a map's data: ranked as given (largest first), in code order.
pub(super) fn old_data(
    ind: &Indicator,
    period: &str,
    old: &[reporting::query::ProvinceValue],
) -> MapData {
    let mut provinces: Vec<crate::query::MapProvince> = old
        .iter()
        .enumerate()
        .map(|(i, p)| crate::query::MapProvince {
            code: p.code.clone(),
            name: p.name.clone(),
            value: p.value,
            rank: p.value.map(|_| i + 1),
            rolled_from: Vec::new(),
        })
        .collect();
    provinces.sort_by(|a, b| a.code.cmp(&b.code));
    MapData {
        indicator: ind.code.clone(),
        period: period.to_owned(),
        rolled: false,
        provinces,
    }
}

/// Draws `data`: today's provinces, or (`today` given) those of before July 2025.
async fn draw(
    state: &AppState,
    ctx: &Ctx,
    ind: &Indicator,
    data: &MapData,
    today: Option<&MapData>,
) -> AppResult<MapView> {
    let lang = ctx.lang;
    let old = today.is_some();
    // Today's province that succeeded an old one: its page and the words saying so.
    let successor = |code: &str| -> Option<(String, String)> {
        let today = today?;
        let (_, next) = tilegrid::old_cell(code)?;
        let name = today
            .provinces
            .iter()
            .find(|p| p.code == next)
            .map(|p| p.name.clone())
            .unwrap_or_else(|| next.to_owned());
        Some((
            format!("/operations/provinces/{next}"),
            t_args(
                lang,
                "ops_oldmap.successor",
                &[("name", name), ("code", next.to_owned())],
            ),
        ))
    };
    let href = |code: &str| match successor(code) {
        Some((href, _)) => href,
        None => format!("/operations/provinces/{code}"),
    };
    let fmt = |v: f64| ind.format(v, lang);
    let values: Vec<f64> = data.provinces.iter().filter_map(|p| p.value).collect();
    let classes = Classes::of(&values);
    let shade = |v: Option<f64>| v.and_then(|v| classes.class(v)).map(|c| classes.shade(c));
    let name_of = |code: &str| {
        data.provinces
            .iter()
            .find(|p| p.code == code)
            .map(|p| p.name.clone())
            .unwrap_or_else(|| code.to_owned())
    };
    let label = |code: &str, v: Option<f64>| {
        // The code first: it is the cell's visible text, and a link's name must contain what it
        // shows (WCAG 2.5.3, axe "label-content-name-mismatch").
        let text = format!(
            "{code} {}: {}",
            name_of(code),
            v.map(fmt).unwrap_or_else(|| ctx.t("ops_pages.no_data"))
        );
        match successor(code) {
            Some((_, now)) => format!("{text} — {now}"),
            None => text,
        }
    };
    let value_of = |code: &str| {
        data.provinces
            .iter()
            .find(|p| p.code == code)
            .and_then(|p| p.value)
    };
    let colours = |v: Option<f64>| match shade(v) {
        Some(s) => (PALETTE[s], INK[s]),
        None => ("url(#ops-nodata)", "#0b1f3a"),
    };
    let geo = if old { None } else { shapes(state).await? };
    let (cells, width, height) = match geo.as_deref() {
        Some(shapes) => {
            let (paths, height) = project(shapes, GEO_WIDTH);
            let cells = paths
                .into_iter()
                .map(|(code, d)| {
                    let v = value_of(&code);
                    let (fill, ink) = colours(v);
                    Cell {
                        label: label(&code, v),
                        href: href(&code),
                        code,
                        fill,
                        ink,
                        x: String::new(),
                        y: String::new(),
                        w: String::new(),
                        tx: String::new(),
                        ty: String::new(),
                        path: Some(d),
                    }
                })
                .collect();
            (cells, GEO_WIDTH, height)
        }
        None => {
            let (tiles, (cols, rows)): (Vec<(&str, u8, u8)>, _) = if old {
                let tiles = tilegrid::OLD_TILES
                    .iter()
                    .map(|&(code, col, row, _)| (code, col, row))
                    .collect();
                (tiles, tilegrid::old_size())
            } else {
                (tilegrid::TILES.to_vec(), tilegrid::size())
            };
            let pitch = TILE + GAP;
            let cells = tiles
                .into_iter()
                .map(|(code, col, row)| {
                    let v = value_of(code);
                    let (fill, ink) = colours(v);
                    let (x, y) = (f64::from(col) * pitch, f64::from(row) * pitch);
                    Cell {
                        code: code.to_owned(),
                        href: href(code),
                        label: label(code, v),
                        fill,
                        ink,
                        x: format!("{x:.0}"),
                        y: format!("{y:.0}"),
                        w: format!("{TILE:.0}"),
                        tx: format!("{:.0}", x + TILE / 2.0),
                        ty: format!("{:.0}", y + TILE / 2.0 + 5.0),
                        path: None,
                    }
                })
                .collect();
            (
                cells,
                f64::from(cols) * pitch - GAP,
                f64::from(rows) * pitch - GAP,
            )
        }
    };
    let mut legend: Vec<(&'static str, String)> = classes
        .bounds
        .iter()
        .enumerate()
        .map(|(i, (lo, hi))| {
            let text = if lo == hi {
                fmt(*lo)
            } else {
                format!("{} – {}", fmt(*lo), fmt(*hi))
            };
            (PALETTE[classes.shade(i)], text)
        })
        .collect();
    legend.push(("url(#ops-nodata)", ctx.t("ops_pages.no_data")));
    let mut rows: Vec<Row> = data
        .provinces
        .iter()
        .map(|p| Row {
            rank: p.rank.map(|r| r.to_string()).unwrap_or_else(dash),
            href: href(&p.code),
            code: p.code.clone(),
            name: p.name.clone(),
            value: p
                .value
                .map(fmt)
                .unwrap_or_else(|| ctx.t("ops_pages.no_data")),
            rolled_from: p.rolled_from.join(", "),
        })
        .collect();
    rows.sort_by_key(|r| {
        (
            r.rank.parse::<usize>().unwrap_or(usize::MAX),
            r.code.clone(),
        )
    });
    Ok(MapView {
        id: "map".to_owned(),
        title: t_args(
            lang,
            "ops_pages.map_title",
            &[
                ("name", ind.name(lang).to_owned()),
                ("period", period_label(&data.period, lang)),
            ],
        ),
        note: if old {
            Some(ctx.t("ops_oldmap.old_note"))
        } else {
            data.rolled.then(|| ctx.t("ops_pages.rolled_note"))
        },
        geo: geo.is_some(),
        width: format!("{width:.0}"),
        height: format!("{height:.0}"),
        cells,
        legend,
        rows,
        // The provinces of the time have their own table on the page.
        with_table: !old,
    })
}

/// The overview's ranking drawn as a map (none without a ranking), with the indicator's unit.
pub(super) async fn of_ranking(
    state: &AppState,
    ctx: &Ctx,
    o: &crate::query::Overview,
) -> AppResult<(Option<MapView>, String)> {
    let Some(r) = &o.ranking else {
        return Ok((None, String::new()));
    };
    let Some(f) = o.figures.iter().find(|f| f.code == r.indicator) else {
        return Ok((None, String::new()));
    };
    let data = MapData {
        indicator: r.indicator.clone(),
        period: r.period.clone(),
        rolled: false,
        provinces: r
            .provinces
            .iter()
            .map(|p| crate::query::MapProvince {
                code: p.code.clone(),
                name: p.name.clone(),
                value: p.value,
                rank: p.rank,
                rolled_from: Vec::new(),
            })
            .collect(),
    };
    let mut map = view(state, ctx, &f.indicator, &data).await?;
    map.with_table = false;
    Ok((Some(map), f.indicator.unit(ctx.lang).to_owned()))
}
