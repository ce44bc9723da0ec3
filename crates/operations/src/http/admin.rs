//! `/operations/admin`: dashboards, playlists and wall displays, for administrators who may
//! manage tokens nationally (the same check as API tokens: a system administrator's session that
//! passed the second factor). A display's one-time link is shown once, on the answer to its
//! creation.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use platform::error::{AppError, AppResult, Problem};
use platform::identity::access::{Permission, Role, Scope, Target};
use platform::identity::display;
use platform::web::admin::{fmt_ms, render};
use platform::web::form::{FormError, error_at};
use platform::web::{AppState, Auth, CsrfForm, Ctx, Path};
use serde::Deserialize;

use super::widgets::dashboard_name;
use crate::engine::dashboards::{self as engine, DashboardInput};
use crate::model::dashboard::widgets_json;
use crate::store::dashboards as store;

fn require(auth: &Auth) -> AppResult<()> {
    auth.require_admin(Permission::ManageTokens, &Target::national())
}

/// The audiences a form offers: public, signed in, each role, a unit's scope (its code typed in
/// the field beside).
fn audience_options(ctx: &Ctx) -> Vec<(String, String)> {
    let mut out = vec![
        ("public".to_owned(), ctx.t("wall.audience_public")),
        ("signed_in".to_owned(), ctx.t("wall.audience_signed_in")),
    ];
    for r in Role::ALL {
        out.push((
            format!("role:{}", r.as_str()),
            format!(
                "{}: {}",
                ctx.t("wall.audience_role"),
                ctx.t(&format!("role.{}", r.as_str()))
            ),
        ));
    }
    out.push(("scope".to_owned(), ctx.t("ops_widgets2.audience_scope")));
    out
}

/// The form's audience as one value: the choice, or `scope:<code>` for a scope.
fn audience_value(choice: &str, unit: &str) -> String {
    if choice == "scope" {
        format!("scope:{}", unit.trim())
    } else {
        choice.to_owned()
    }
}

/// A stored or typed audience value as the form shows it: the choice and the unit code.
fn audience_fields(value: &str) -> (String, String) {
    match value.strip_prefix("scope:") {
        Some(code) => ("scope".to_owned(), code.to_owned()),
        None => (value.to_owned(), String::new()),
    }
}

struct DashRow {
    id: i64,
    name: String,
    audience: String,
    widgets: String,
}

struct DisplayRow {
    id: i64,
    name: String,
    playlist: String,
    access: String,
    state: String,
    live: bool,
    created: String,
}

/// What was typed in each form, kept on an error.
#[derive(Default)]
struct Typed {
    d_name: String,
    d_audience: String,
    d_unit: String,
    d_widgets: String,
    p_name: String,
    p_entries: String,
    s_name: String,
}

#[derive(askama::Template)]
#[template(path = "ops_admin.html")]
struct AdminPage {
    ctx: Ctx,
    dashboards: Vec<DashRow>,
    playlists: Vec<(i64, String)>,
    displays: Vec<DisplayRow>,
    audiences: Vec<(String, String)>,
    /// The link and code of the display just created, shown this once.
    created: Option<(String, String)>,
    typed: Typed,
    form_errors: Vec<FormError>,
}

impl AdminPage {
    fn error_at(&self, id: &str) -> Option<&str> {
        error_at(&self.form_errors, id)
    }
}

async fn page_with(
    state: &AppState,
    auth: Auth,
    created: Option<(String, String)>,
    typed: Typed,
    form_errors: Vec<FormError>,
    status: StatusCode,
) -> AppResult<Response> {
    require(&auth)?;
    let ctx = auth.ctx;
    let playlists = store::playlists(&state.db).await?;
    let dashboards = store::list(&state.db)
        .await?
        .into_iter()
        .map(|d| DashRow {
            id: d.id,
            name: dashboard_name(&d, &ctx),
            audience: match (d.audience.role(), d.audience.scope()) {
                (Some(r), _) => format!(
                    "{}: {}",
                    ctx.t("wall.audience_role"),
                    ctx.t(&format!("role.{}", r.as_str()))
                ),
                (None, Some(code)) => platform::i18n::t_args(
                    ctx.lang,
                    "ops_widgets2.audience_scope_of",
                    &[("code", code.to_owned())],
                ),
                (None, None) => ctx.t(&format!("wall.audience_{}", d.audience.kind())),
            },
            widgets: widgets_json(&d.widgets),
        })
        .collect();
    let displays = display::list(&state.db)
        .await?
        .into_iter()
        .map(|d| DisplayRow {
            id: d.id,
            playlist: d
                .playlist_id
                .and_then(|p| playlists.iter().find(|(id, _)| *id == p))
                .map(|(_, n)| n.clone())
                .unwrap_or_else(|| ctx.t("wall.playlist_default")),
            access: ctx.t(if d.scope().is_some() {
                "wall.access_national"
            } else {
                "wall.access_public"
            }),
            state: ctx.t(if d.revoked_at.is_some() {
                "wall.state_revoked"
            } else if d.activated_at.is_some() {
                "wall.state_active"
            } else {
                "wall.state_waiting"
            }),
            live: d.is_live(),
            created: fmt_ms(d.created_at),
            name: d.name,
        })
        .collect();
    let mut res = render(AdminPage {
        audiences: audience_options(&ctx),
        ctx,
        dashboards,
        playlists,
        displays,
        created,
        typed,
        form_errors,
    })?;
    *res.status_mut() = status;
    Ok(res)
}

/// `GET /operations/admin`.
pub async fn page(State(state): State<AppState>, auth: Auth) -> AppResult<Response> {
    page_with(
        &state,
        auth,
        None,
        Typed::default(),
        Vec::new(),
        StatusCode::OK,
    )
    .await
}

/// A form's refusal shown on the page (422/409 with the fields' messages), or the error itself.
async fn refused(
    state: &AppState,
    auth: Auth,
    e: AppError,
    typed: Typed,
    prefix: &str,
) -> AppResult<Response> {
    if e.status == StatusCode::FORBIDDEN
        || e.status == StatusCode::NOT_FOUND
        || e.status.is_server_error()
    {
        return Err(e);
    }
    let errors = FormError::from_problems(&e.problems, auth.ctx.lang, prefix);
    page_with(state, auth, None, typed, errors, e.status).await
}

#[derive(Deserialize)]
pub struct DashboardForm {
    name: String,
    audience: String,
    /// The unit code of a scope audience (`audience` = `scope`).
    #[serde(default)]
    audience_unit: String,
    widgets: String,
}

/// `POST /operations/admin/dashboards`: a new dashboard.
pub async fn create_dashboard(
    State(state): State<AppState>,
    auth: Auth,
    CsrfForm(f): CsrfForm<DashboardForm>,
) -> AppResult<Response> {
    require(&auth)?;
    let audience = audience_value(&f.audience, &f.audience_unit);
    let input = DashboardInput {
        name: &f.name,
        audience: &audience,
        widgets: &f.widgets,
    };
    match engine::save(
        &state.db,
        state.directory.as_ref(),
        &auth.actor(),
        None,
        &input,
    )
    .await
    {
        Ok(_) => Ok(Redirect::to("/operations/admin").into_response()),
        Err(e) => {
            let typed = Typed {
                d_name: f.name,
                d_audience: f.audience,
                d_unit: f.audience_unit,
                d_widgets: f.widgets,
                ..Typed::default()
            };
            refused(&state, auth, e, typed, "d-").await
        }
    }
}

#[derive(askama::Template)]
#[template(path = "ops_dashboard_edit.html")]
struct EditPage {
    ctx: Ctx,
    id: i64,
    name: String,
    audience: String,
    audience_unit: String,
    widgets: String,
    audiences: Vec<(String, String)>,
    form_errors: Vec<FormError>,
}

impl EditPage {
    fn error_at(&self, id: &str) -> Option<&str> {
        error_at(&self.form_errors, id)
    }
}

/// `GET /operations/admin/dashboards/{id}`: the edit form.
pub async fn edit_page(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    require(&auth)?;
    let d = store::get(&state.db, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let (audience, audience_unit) = audience_fields(&d.audience.form_value());
    render(EditPage {
        audiences: audience_options(&auth.ctx),
        id,
        name: d.name,
        audience,
        audience_unit,
        widgets: widgets_json(&d.widgets),
        form_errors: Vec::new(),
        ctx: auth.ctx,
    })
}

/// `POST /operations/admin/dashboards/{id}`: save the edit.
pub async fn update_dashboard(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<DashboardForm>,
) -> AppResult<Response> {
    require(&auth)?;
    let audience = audience_value(&f.audience, &f.audience_unit);
    let input = DashboardInput {
        name: &f.name,
        audience: &audience,
        widgets: &f.widgets,
    };
    match engine::save(
        &state.db,
        state.directory.as_ref(),
        &auth.actor(),
        Some(id),
        &input,
    )
    .await
    {
        Ok(_) => Ok(Redirect::to("/operations/admin").into_response()),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let mut res = render(EditPage {
                audiences: audience_options(&auth.ctx),
                id,
                form_errors: FormError::from_problems(&e.problems, auth.ctx.lang, ""),
                name: f.name,
                audience: f.audience,
                audience_unit: f.audience_unit,
                widgets: f.widgets,
                ctx: auth.ctx,
            })?;
            *res.status_mut() = e.status;
            Ok(res)
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
pub struct PlaylistForm {
    name: String,
    entries: String,
}

/// `POST /operations/admin/playlists`: a new playlist.
pub async fn create_playlist(
    State(state): State<AppState>,
    auth: Auth,
    CsrfForm(f): CsrfForm<PlaylistForm>,
) -> AppResult<Response> {
    require(&auth)?;
    match engine::save_playlist(&state.db, &auth.actor(), None, &f.name, &f.entries).await {
        Ok(_) => Ok(Redirect::to("/operations/admin").into_response()),
        Err(e) => {
            let typed = Typed {
                p_name: f.name,
                p_entries: f.entries,
                ..Typed::default()
            };
            refused(&state, auth, e, typed, "p-").await
        }
    }
}

#[derive(askama::Template)]
#[template(path = "ops_playlist_edit.html")]
struct PlaylistEditPage {
    ctx: Ctx,
    id: i64,
    name: String,
    entries: String,
    form_errors: Vec<FormError>,
}

impl PlaylistEditPage {
    fn error_at(&self, id: &str) -> Option<&str> {
        error_at(&self.form_errors, id)
    }
}

/// `GET /operations/admin/playlists/{id}`: the edit form, one step a line.
pub async fn playlist_page(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    require(&auth)?;
    let p = store::playlist(&state.db, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    render(PlaylistEditPage {
        id,
        name: p.name,
        entries: p
            .entries
            .iter()
            .map(|e| format!("{} {}\n", e.dashboard_id, e.seconds))
            .collect(),
        form_errors: Vec::new(),
        ctx: auth.ctx,
    })
}

/// `POST /operations/admin/playlists/{id}`: save the edit.
pub async fn update_playlist(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<PlaylistForm>,
) -> AppResult<Response> {
    require(&auth)?;
    match engine::save_playlist(&state.db, &auth.actor(), Some(id), &f.name, &f.entries).await {
        Ok(_) => Ok(Redirect::to("/operations/admin").into_response()),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let mut res = render(PlaylistEditPage {
                id,
                form_errors: FormError::from_problems(&e.problems, auth.ctx.lang, ""),
                name: f.name,
                entries: f.entries,
                ctx: auth.ctx,
            })?;
            *res.status_mut() = e.status;
            Ok(res)
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
pub struct DisplayForm {
    name: String,
    playlist: Option<String>,
    access: String,
}

/// `POST /operations/admin/displays`: a new display; the answer shows its one-time link once.
pub async fn create_display(
    State(state): State<AppState>,
    auth: Auth,
    CsrfForm(f): CsrfForm<DisplayForm>,
) -> AppResult<Response> {
    require(&auth)?;
    let result: AppResult<String> = async {
        let mut problems = Vec::new();
        let playlist = match f
            .playlist
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => None,
            Some(p) => match p.parse::<i64>() {
                Ok(id) if store::playlist(&state.db, id).await?.is_some() => Some(id),
                _ => {
                    problems.push(
                        Problem::new("wall_playlist_unknown")
                            .field("playlist")
                            .arg("value", p),
                    );
                    None
                }
            },
        };
        let scope = match f.access.as_str() {
            "public" => None,
            "national" => Some(Scope::National),
            other => {
                problems.push(
                    Problem::new("wall_access_invalid")
                        .field("access")
                        .arg("value", other),
                );
                None
            }
        };
        if !problems.is_empty() {
            return Err(AppError::many(StatusCode::UNPROCESSABLE_ENTITY, problems));
        }
        let (_, token) =
            display::create(&state.db, &auth.actor(), &f.name, playlist, scope).await?;
        Ok(token)
    }
    .await;
    match result {
        Ok(token) => {
            let link = format!("/wall/activate?token={token}");
            page_with(
                &state,
                auth,
                Some((link, token)),
                Typed::default(),
                Vec::new(),
                StatusCode::CREATED,
            )
            .await
        }
        Err(e) => {
            let typed = Typed {
                s_name: f.name,
                ..Typed::default()
            };
            refused(&state, auth, e, typed, "s-").await
        }
    }
}

/// `POST /operations/admin/displays/{id}/revoke`: the display's sessions end at once.
pub async fn revoke_display(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<serde_json::Value>,
) -> AppResult<Response> {
    require(&auth)?;
    display::revoke(&state.db, &auth.actor(), id).await?;
    Ok(Redirect::to("/operations/admin").into_response())
}
