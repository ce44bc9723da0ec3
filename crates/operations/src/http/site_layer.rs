//! The connected sites as a layer of the provinces' map (`/operations/sites/map`; a map page
//! includes `sites_layer.html` with a `layer` from [`view`]): on the tile grid a badge per
//! province with its cameras and points and how many are down; on a configured boundary map a
//! dot at each site's coordinates; a legend; every site in a table with a link to its page.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;
use platform::error::{AppError, AppResult};
use platform::i18n::t_args;
use platform::web::admin::render;
use platform::web::{AppState, Auth, Ctx};

use crate::model::choropleth::{Shape, parse_geojson, project};
use crate::model::site::{SiteKind, SiteState};
use crate::model::site_layer::{Frame, Tally, tally};
use crate::model::tilegrid;

const TILE: f64 = 44.0;
const GAP: f64 = 4.0;
const GEO_WIDTH: f64 = 320.0;

/// A province's cell with its badge.
pub struct LayerCell {
    pub code: String,
    pub label: String,
    pub x: String,
    pub y: String,
    pub w: String,
    pub tx: String,
    pub ty: String,
    pub path: Option<String>,
    /// The badge: centre, the count and whether some site is down.
    pub badge: Option<(String, String, usize, bool)>,
}

/// A site's dot on a boundary map.
pub struct Dot {
    pub id: i64,
    pub label: String,
    pub x: String,
    pub y: String,
    pub camera: bool,
    pub fill: &'static str,
}

/// A site in the layer's table.
pub struct LayerRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub province: String,
    pub icon: &'static str,
    pub state_class: &'static str,
    pub state: String,
}

/// The layer, ready for `sites_layer.html`.
pub struct SiteLayer {
    pub geo: bool,
    pub width: String,
    pub height: String,
    pub cells: Vec<LayerCell>,
    pub dots: Vec<Dot>,
    pub rows: Vec<LayerRow>,
    /// Provinces with sites: code, name, cameras, points, down.
    pub provinces: Vec<(String, String, Tally)>,
}

const UP: &str = "#1d4ed8";
const DOWN: &str = "#b91c1c";
const UNKNOWN: &str = "#6b7280";

async fn shapes(state: &AppState) -> AppResult<Option<Arc<Vec<Shape>>>> {
    let Some(path) = state.config.provinces_geojson.clone() else {
        return Ok(None);
    };
    let read = state
        .cache
        .get_or_compute("operations.sites.geojson", async move {
            let shapes = std::fs::read_to_string(&path)
                .map_err(|e| e.to_string())
                .and_then(|text| parse_geojson(&text))
                .map(Arc::new);
            Ok::<_, AppError>(shapes)
        })
        .await?;
    Ok(read.as_ref().as_ref().ok().cloned())
}

/// The layer for the reader.
pub async fn view(state: &AppState, ctx: &Ctx) -> AppResult<SiteLayer> {
    let sites = crate::store::sites::list(&state.db, None).await?;
    let codes: Vec<&str> = sites
        .iter()
        .filter_map(|s| s.spec.unit_code.as_deref())
        .collect();
    let targets = crate::engine::sites::units(&state.db, &codes).await?;
    let day = registry::Day::today();
    let provinces = registry::store::list_units(
        &state.db,
        &registry::store::UnitQuery {
            level: Some(registry::Level::Province),
            valid_on: Some(day),
            limit: 1000,
            ..Default::default()
        },
    )
    .await?
    .0;
    let by_id: HashMap<i64, (String, String)> = provinces
        .iter()
        .map(|u| (u.id, (u.code.clone(), u.name.clone())))
        .collect();
    let province_of = |unit: &str| -> Option<String> {
        let t = targets.get(unit)?;
        t.units
            .iter()
            .find_map(|id| by_id.get(id).map(|(c, _)| c.clone()))
    };
    let counts = tally(&sites, province_of);
    let name_of = |code: &str| {
        provinces
            .iter()
            .find(|u| u.code == code)
            .map(|u| u.name.clone())
            .unwrap_or_else(|| code.to_owned())
    };
    let label = |code: &str| {
        let t = counts.get(code).cloned().unwrap_or_default();
        t_args(
            ctx.lang,
            "ops_sites.layer_label",
            &[
                ("code", code.to_owned()),
                ("name", name_of(code)),
                ("cameras", t.cameras.to_string()),
                ("points", t.points.to_string()),
                ("down", t.down.to_string()),
            ],
        )
    };
    let geo = shapes(state).await?;
    let mut dots = Vec::new();
    let (cells, width, height) = match geo.as_deref() {
        Some(shapes) => {
            let (paths, height) = project(shapes, GEO_WIDTH);
            if let Some(frame) = Frame::of(shapes, GEO_WIDTH) {
                for s in sites.iter().filter(|s| s.active) {
                    let (Some(lat), Some(lon)) = (s.spec.latitude, s.spec.longitude) else {
                        continue;
                    };
                    let Some((x, y)) = frame.place(lon, lat) else {
                        continue;
                    };
                    let (_, _, state) = crate::http::sites::state_view(ctx, s.state, s.active);
                    dots.push(Dot {
                        id: s.id,
                        label: format!("{} {}: {}", s.spec.code, s.spec.name, state),
                        x: format!("{x:.1}"),
                        y: format!("{y:.1}"),
                        camera: s.spec.kind == SiteKind::Camera,
                        fill: match s.state {
                            SiteState::Up => UP,
                            SiteState::Down => DOWN,
                            SiteState::Unknown => UNKNOWN,
                        },
                    });
                }
            }
            let cells = paths
                .into_iter()
                .map(|(code, d)| LayerCell {
                    label: label(&code),
                    code,
                    x: String::new(),
                    y: String::new(),
                    w: String::new(),
                    tx: String::new(),
                    ty: String::new(),
                    path: Some(d),
                    badge: None,
                })
                .collect();
            (cells, GEO_WIDTH, height)
        }
        None => {
            let (cols, rows) = tilegrid::size();
            let pitch = TILE + GAP;
            let cells = tilegrid::TILES
                .iter()
                .map(|&(code, col, row)| {
                    let (x, y) = (f64::from(col) * pitch, f64::from(row) * pitch);
                    let badge = counts.get(code).filter(|t| t.total() > 0).map(|t| {
                        (
                            format!("{:.0}", x + TILE - 8.0),
                            format!("{:.0}", y + 8.0),
                            t.total(),
                            t.down > 0,
                        )
                    });
                    LayerCell {
                        code: code.to_owned(),
                        label: label(code),
                        x: format!("{x:.0}"),
                        y: format!("{y:.0}"),
                        w: format!("{TILE:.0}"),
                        tx: format!("{:.0}", x + TILE / 2.0),
                        ty: format!("{:.0}", y + TILE / 2.0 + 9.0),
                        path: None,
                        badge,
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
    let rows = sites
        .iter()
        .filter(|s| s.active)
        .take(crate::http::sites::MAX_LISTED)
        .map(|s| {
            let (icon, state_class, state) = crate::http::sites::state_view(ctx, s.state, s.active);
            LayerRow {
                id: s.id,
                code: s.spec.code.clone(),
                name: s.spec.name.clone(),
                kind: crate::http::sites::kind_label(ctx, s.spec.kind),
                province: s
                    .spec
                    .unit_code
                    .as_deref()
                    .and_then(province_of)
                    .map(|c| format!("{} ({c})", name_of(&c)))
                    .unwrap_or_default(),
                icon,
                state_class,
                state,
            }
        })
        .collect();
    Ok(SiteLayer {
        geo: geo.is_some(),
        width: format!("{width:.0}"),
        height: format!("{height:.0}"),
        cells,
        dots,
        rows,
        provinces: counts
            .iter()
            .map(|(c, t)| (c.clone(), name_of(c), t.clone()))
            .collect(),
    })
}

#[derive(askama::Template)]
#[template(path = "sites_map.html")]
struct MapPage {
    ctx: Ctx,
    layer: SiteLayer,
}

/// `/operations/sites/map`: the sites on the provinces' map.
pub async fn page(State(state): State<AppState>, auth: Auth) -> AppResult<Response> {
    let layer = view(&state, &auth.ctx).await?;
    render(MapPage {
        ctx: auth.ctx,
        layer,
    })
}
