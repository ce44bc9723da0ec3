//! Cameras in the browser: the grid of camera tiles (`/operations/cameras`, also what a wall shows)
//! and the relay that carries each camera's HLS stream to them
//! (`/operations/sites/{id}/hls/{path}`, rules in [`crate::model::relay`]). Both are for signed-in
//! officials and wall displays; the public never sees a camera.

use std::sync::OnceLock;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use platform::error::{AppError, AppResult};
use platform::http_client::{HttpClient, Limits};
use platform::web::admin::{fmt_ms, render};
use platform::web::{AppState, Ctx, Path, Query};
use serde::Deserialize;

use crate::model::dashboard::MAX_CAMERAS;
use crate::model::relay::{self, RelayError, Upstream};
use crate::model::site::{Category, Site, SiteKind, SiteState};
use crate::store::sites as store;

/// Camera tiles on one page of the grid (a 3 × 3 wall).
pub const PER_PAGE: usize = MAX_CAMERAS;

fn client() -> &'static HttpClient {
    static CLIENT: OnceLock<HttpClient> = OnceLock::new();
    CLIENT.get_or_init(|| {
        HttpClient::new(Limits {
            connect: Duration::from_secs(3),
            total: Duration::from_secs(15),
            max_body: relay::MAX_SEGMENT,
        })
    })
}

/// May the caller watch cameras? Any complete sign-in: officials, API tokens, wall displays.
pub(crate) fn may_watch(ctx: &Ctx) -> bool {
    ctx.complete().is_some()
}

/// `/operations/sites/{id}/hls/{path}`: one file of a camera's stream, fetched from the camera
/// and passed on (playlists rewritten to point back here).
pub async fn relay(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, path)): Path<(i64, String)>,
    RawQuery(query): RawQuery,
) -> AppResult<Response> {
    if !may_watch(&ctx) {
        return Err(AppError::not_found());
    }
    let site = store::get(&state.db, id)
        .await?
        .filter(|s| s.spec.kind == SiteKind::Camera && s.active)
        .ok_or_else(AppError::not_found)?;
    let bad = |_: RelayError| AppError::not_found();
    if let Some(q) = &query {
        relay::check_query(q).map_err(bad)?;
    }
    let up = Upstream::of(&site.spec.url).map_err(bad)?;
    let url = up.url_of(&path, query.as_deref()).map_err(bad)?;
    let answer = match client().get(url.as_str()).await {
        Ok(a) => a,
        Err(e) => {
            tracing::info!(
                site = site.id,
                error = e.code(),
                "camera relay: upstream failed"
            );
            return Ok(unavailable());
        }
    };
    if !answer.status.is_success() {
        return Ok(if answer.status == StatusCode::NOT_FOUND {
            StatusCode::NOT_FOUND.into_response()
        } else {
            unavailable()
        });
    }
    let ct = relay::content_type(answer.header(header::CONTENT_TYPE), &path);
    let body = if ct == "application/vnd.apple.mpegurl" {
        if answer.body.len() > relay::MAX_PLAYLIST {
            return Ok(unavailable());
        }
        let Ok(text) = std::str::from_utf8(&answer.body) else {
            return Ok(unavailable());
        };
        let prefix = format!("/operations/sites/{id}/hls/");
        match relay::rewrite_playlist(text, &url, &up, &prefix) {
            Ok(t) => Body::from(t),
            Err(e) => {
                tracing::warn!(site = site.id, problem = ?e, "camera relay: playlist refused");
                return Ok(unavailable());
            }
        }
    } else {
        Body::from(answer.body)
    };
    Ok((
        [
            (header::CONTENT_TYPE, ct),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response())
}

fn unavailable() -> Response {
    (
        StatusCode::BAD_GATEWAY,
        [(header::CACHE_CONTROL, "no-store")],
        "",
    )
        .into_response()
}

/// One camera as a tile shows it.
pub struct CameraTile {
    pub id: i64,
    pub name: String,
    pub place: String,
    pub category: String,
    pub state: SiteState,
    pub state_label: String,
    pub since: String,
    /// The relay's address of its playlist.
    pub src: String,
}

impl CameraTile {
    pub fn of(site: &Site, ctx: &Ctx) -> Option<CameraTile> {
        let up = Upstream::of(&site.spec.url).ok()?;
        Some(CameraTile {
            id: site.id,
            name: site.spec.name.clone(),
            place: site.spec.place.clone(),
            category: ctx.t(&format!("cameras.category_{}", site.spec.category.as_str())),
            state: site.state,
            state_label: ctx.t(&format!("cameras.state_{}", site.state.as_str())),
            since: site.state_since.map(fmt_ms).unwrap_or_default(),
            src: format!("/operations/sites/{}/hls/{}", site.id, up.entry),
        })
    }
}

/// The tiles of a camera widget: the active cameras named in `codes` (in that order), else the
/// first [`MAX_CAMERAS`] of `category` (none: of every category).
pub(crate) async fn tiles(
    state: &AppState,
    ctx: &Ctx,
    codes: &[String],
    category: Option<&str>,
) -> AppResult<Vec<CameraTile>> {
    let cameras: Vec<Site> = store::list(&state.db, Some(SiteKind::Camera))
        .await?
        .into_iter()
        .filter(|s| s.active)
        .collect();
    let chosen: Vec<&Site> = if codes.is_empty() {
        cameras
            .iter()
            .filter(|s| category.is_none_or(|c| s.spec.category.as_str() == c))
            .take(MAX_CAMERAS)
            .collect()
    } else {
        codes
            .iter()
            .filter_map(|c| cameras.iter().find(|s| &s.spec.code == c))
            .collect()
    };
    Ok(chosen
        .into_iter()
        .filter_map(|s| CameraTile::of(s, ctx))
        .collect())
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct GridQuery {
    category: Option<String>,
    page: Option<usize>,
}

#[derive(askama::Template)]
#[template(path = "cameras.html")]
struct GridPage {
    ctx: Ctx,
    tiles: Vec<CameraTile>,
    categories: Vec<(&'static str, String)>,
    category: String,
    page: usize,
    pages: usize,
    total: usize,
    down: usize,
}

/// `/operations/cameras`: the cameras, nine to a page, filtered by category.
pub async fn grid(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<GridQuery>,
) -> AppResult<Response> {
    if !may_watch(&ctx) {
        return ctx.refuse_page();
    }
    let category = match q.category.as_deref().filter(|c| !c.is_empty()) {
        None => None,
        Some(c) => Some(Category::parse(c).ok_or_else(AppError::not_found)?),
    };
    let cameras: Vec<Site> = store::list(&state.db, Some(SiteKind::Camera))
        .await?
        .into_iter()
        .filter(|s| s.active && category.is_none_or(|c| s.spec.category == c))
        .collect();
    let total = cameras.len();
    let down = cameras
        .iter()
        .filter(|s| s.state == SiteState::Down)
        .count();
    let pages = total.div_ceil(PER_PAGE).max(1);
    let page = q.page.unwrap_or(1);
    if page == 0 || page > pages {
        return Err(AppError::not_found());
    }
    let tiles = cameras
        .iter()
        .skip((page - 1) * PER_PAGE)
        .take(PER_PAGE)
        .filter_map(|s| CameraTile::of(s, &ctx))
        .collect();
    let categories = Category::ALL
        .iter()
        .map(|c| {
            (
                c.as_str(),
                ctx.t(&format!("cameras.category_{}", c.as_str())),
            )
        })
        .collect();
    render(GridPage {
        tiles,
        categories,
        category: category.map_or("", |c| c.as_str()).to_owned(),
        page,
        pages,
        total,
        down,
        ctx,
    })
}
