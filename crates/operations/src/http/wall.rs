//! Wall mode and dashboards: `/operations/dashboards/{id}` (one dashboard, for its audience),
//! `/operations/wall` (full screen, dark, large type, rotating through a playlist; `/wall` for a
//! signed-in display, which rotates through its own playlist) and the display's sign-in
//! (`/wall/activate`: a one-time display token for a long-lived, view-only display session).

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use platform::error::{AppError, AppResult, Problem};
use platform::identity::display;
use platform::web::admin::render;
use platform::web::form::{FormError, error_at};
use platform::web::{AppState, CsrfForm, Ctx, Path, Query};
use serde::Deserialize;

use super::widgets::{WidgetView, admitted, dashboard_name, views};
use crate::model::dashboard::next_step;
use crate::store::dashboards as store;

#[derive(askama::Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    ctx: Ctx,
    name: String,
    period_label: String,
    widgets: Vec<WidgetView>,
}

/// Not in the audience: a visitor is asked to sign in, anyone else is refused.
/// `/operations/dashboards/{id}`: one dashboard, for those in its audience.
pub async fn dashboard_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let d = store::get(&state.db, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    if !admitted(&state, &d, &ctx).await? {
        return ctx.refuse_page();
    }
    let (period_label, widgets) = views(&state, &ctx, &d.widgets).await?;
    render(DashboardPage {
        name: dashboard_name(&d, &ctx),
        period_label,
        widgets,
        ctx,
    })
}

#[derive(Deserialize, Default)]
pub struct WallQuery {
    playlist: Option<i64>,
    step: Option<usize>,
}

#[derive(askama::Template)]
#[template(path = "wall.html")]
struct WallPage {
    ctx: Ctx,
    name: String,
    period_label: String,
    widgets: Vec<WidgetView>,
    /// Where the rotation goes next and after how many seconds.
    next_href: String,
    next_name: String,
    seconds: i64,
    position: usize,
    count: usize,
    display_name: Option<String>,
    conferences: Vec<crate::http::conferences::SessionRow>,
}

/// The wall: the playlist's entries the caller may see, the `step`th shown (round and round),
/// with the next one's address and this one's duration for the rotation (wall.js, or a
/// `<meta http-equiv="refresh">` without JavaScript).
async fn wall(
    state: &AppState,
    ctx: Ctx,
    playlist_id: Option<i64>,
    step: usize,
    base: &str,
) -> AppResult<Response> {
    let playlist_id = match playlist_id {
        Some(id) => Some(id),
        None => store::first_playlist(&state.db).await?,
    };
    let playlist = match playlist_id {
        Some(id) => store::playlist(&state.db, id).await?,
        None => None,
    };
    let Some(playlist) = playlist else {
        return Err(AppError::not_found());
    };
    let mut shown = Vec::new();
    for e in &playlist.entries {
        if let Some(d) = store::get(&state.db, e.dashboard_id).await?
            && admitted(state, &d, &ctx).await?
        {
            shown.push((d, e.seconds));
        }
    }
    if shown.is_empty() {
        return ctx.refuse_page();
    }
    // A playlist shortened while a wall shows a later step starts again from the top.
    let step = step % shown.len();
    let next = next_step(step, shown.len());
    let (d, seconds) = &shown[step];
    let (period_label, widgets) = views(state, &ctx, &d.widgets).await?;
    let sep = if base.contains('?') { '&' } else { '?' };
    let display_name = ctx
        .principal
        .as_ref()
        .and_then(|p| p.display.as_ref())
        .map(|d| d.name.clone());
    render(WallPage {
        name: dashboard_name(d, &ctx),
        period_label,
        widgets,
        next_href: format!("{base}{sep}step={next}"),
        next_name: dashboard_name(&shown[next].0, &ctx),
        seconds: *seconds,
        position: step + 1,
        count: shown.len(),
        display_name,
        conferences: crate::http::conferences::wall_block(state, &ctx).await?,
        ctx,
    })
}

/// `/operations/wall?playlist=&step=`: wall mode for anyone, the first playlist by default.
pub async fn wall_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<WallQuery>,
) -> AppResult<Response> {
    let base = match q.playlist {
        Some(p) => format!("/operations/wall?playlist={p}"),
        None => "/operations/wall".to_owned(),
    };
    wall(&state, ctx, q.playlist, q.step.unwrap_or(0), &base).await
}

#[derive(Deserialize, Default)]
pub struct StepQuery {
    step: Option<usize>,
}

/// `/wall`: a signed-in display's wall, rotating through its playlist; anyone else goes to
/// `/operations/wall`.
pub async fn display_wall(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<StepQuery>,
) -> AppResult<Response> {
    let Some(d) = ctx.principal.as_ref().and_then(|p| p.display.clone()) else {
        return Ok(Redirect::to("/operations/wall").into_response());
    };
    wall(&state, ctx, d.playlist_id, q.step.unwrap_or(0), "/wall").await
}

#[derive(Deserialize, Default)]
pub struct ActivateQuery {
    token: Option<String>,
}

#[derive(askama::Template)]
#[template(path = "wall_activate.html")]
struct ActivatePage {
    ctx: Ctx,
    token: String,
    form_errors: Vec<FormError>,
}

impl ActivatePage {
    fn error_at(&self, id: &str) -> Option<&str> {
        error_at(&self.form_errors, id)
    }
}

/// `GET /wall/activate?token=…`: the screen's sign-in form, the token filled in from the
/// one-time link (or typed). Nothing changes until it is submitted.
pub async fn activate_page(ctx: Ctx, Query(q): Query<ActivateQuery>) -> AppResult<Response> {
    render(ActivatePage {
        ctx,
        token: q.token.unwrap_or_default(),
        form_errors: Vec::new(),
    })
}

#[derive(Deserialize)]
pub struct ActivateForm {
    token: String,
}

/// `POST /wall/activate`: exchange the display token for the display session's cookie
/// (HttpOnly, SameSite=Lax, Secure as configured), then show the wall.
pub async fn activate(
    State(state): State<AppState>,
    ctx: Ctx,
    CsrfForm(form): CsrfForm<ActivateForm>,
) -> AppResult<Response> {
    match display::activate(&state.db, &form.token, ctx.ip.clone()).await? {
        Some((_, secret)) => {
            let mut res = Redirect::to("/wall").into_response();
            let cookie = platform::web::ctx::cookie(
                display::COOKIE,
                &secret,
                state.config.cookie_secure,
                Some(display::COOKIE_MAX_AGE_S),
            );
            res.headers_mut().append(
                header::SET_COOKIE,
                HeaderValue::from_str(&cookie).map_err(AppError::internal)?,
            );
            Ok(res)
        }
        None => {
            let lang = ctx.lang;
            let mut res = render(ActivatePage {
                form_errors: FormError::from_problems(
                    &[Problem::new("wall_activation_invalid").field("token")],
                    lang,
                    "",
                ),
                token: String::new(),
                ctx,
            })?;
            *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(res)
        }
    }
}
