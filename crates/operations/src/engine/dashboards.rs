//! Save a dashboard or a playlist an administrator typed: read strictly (every problem of the
//! form at once, each on its field), written with its audit entry in one transaction, or nothing
//! written at all.

use platform::audit::{self, Actor, Change};
use platform::db::Db;
use platform::error::{AppError, AppResult, Problem};
use platform::identity::Directory;
use serde_json::json;

use crate::model::dashboard::{self, Audience, Widget};
use crate::store::dashboards as store;

/// What an administrator typed for a dashboard.
pub struct DashboardInput<'a> {
    pub name: &'a str,
    pub audience: &'a str,
    pub widgets: &'a str,
}

/// The form read strictly, and the names it uses checked against the database: the unit of a
/// scope audience (a code valid today) and each widget's indicator (in the catalogue). Every
/// problem at once, each on its field.
async fn read(
    db: &Db,
    directory: &dyn Directory,
    input: &DashboardInput<'_>,
) -> Result<(String, Audience, Vec<Widget>), AppError> {
    let name = dashboard::parse_name(input.name, "dashboard_name_invalid");
    let audience = Audience::parse(input.audience.trim());
    let widgets = dashboard::parse_widgets(input.widgets);
    let mut problems: Vec<Problem> = Vec::new();
    if let Ok(Audience::Scope(code)) = &audience
        && directory.find_scope("unit", code).await?.is_none()
    {
        problems.push(
            Problem::new("dashboard_scope_unknown")
                .field("audience")
                .arg("code", code),
        );
    }
    if let Ok(widgets) = &widgets
        && widgets.iter().any(|w| w.indicator().is_some())
    {
        let catalogue = reporting::query::catalogue(db).await?;
        for (i, w) in widgets.iter().enumerate() {
            if let Some(code) = w.indicator()
                && !catalogue.iter().any(|c| c.code == code)
            {
                problems.push(
                    Problem::new("dashboard_widget_indicator_unknown")
                        .field("widgets")
                        .arg("n", i + 1)
                        .arg("code", code),
                );
                break;
            }
        }
    }
    match (name, audience, widgets) {
        (Ok(n), Ok(a), Ok(w)) if problems.is_empty() => Ok((n, a, w)),
        (n, a, w) => {
            let mut all: Vec<Problem> = [n.err(), a.err(), w.err()].into_iter().flatten().collect();
            all.extend(problems);
            Err(AppError::many(
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                all,
            ))
        }
    }
}

/// Create (`id` None) or update a dashboard; returns its id.
pub async fn save(
    db: &Db,
    directory: &dyn Directory,
    actor: &Actor,
    id: Option<i64>,
    input: &DashboardInput<'_>,
) -> AppResult<i64> {
    let (name, audience, widgets) = read(db, directory, input).await?;
    let widgets_json = dashboard::widgets_json(&widgets);
    let before = match id {
        Some(id) => Some(store::get(db, id).await?.ok_or_else(AppError::not_found)?),
        None => None,
    };
    let mut tx = db.begin().await?;
    let id = match id {
        Some(id) => {
            if !store::update(&mut tx, id, &name, &audience, &widgets_json).await? {
                return Err(AppError::not_found());
            }
            id
        }
        None => store::insert(&mut tx, &name, &audience, &widgets_json).await?,
    };
    audit::append(
        &mut tx,
        actor,
        Change {
            action: if before.is_some() { "dashboard.update" } else { "dashboard.create" },
            object_type: "dashboard",
            object_id: id.to_string(),
            before: before.map(|b| json!({"name": b.name, "audience": b.audience.form_value(), "widgets": b.widgets})),
            after: Some(json!({"name": name, "audience": audience.form_value(), "widgets": widgets})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Create (`id` None) or replace a playlist from its name and entries typed one a line
/// (`<dashboard> <seconds>`); returns its id.
pub async fn save_playlist(
    db: &Db,
    actor: &Actor,
    id: Option<i64>,
    name: &str,
    entries: &str,
) -> AppResult<i64> {
    let name = dashboard::parse_name(name, "playlist_name_invalid");
    let entries = dashboard::parse_entries(entries);
    let (name, entries) = match (name, entries) {
        (Ok(n), Ok(e)) => (n, e),
        (n, e) => {
            return Err(AppError::many(
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                [n.err(), e.err()].into_iter().flatten().collect(),
            ));
        }
    };
    let ids: Vec<i64> = entries.iter().map(|e| e.dashboard_id).collect();
    if let Some(first) = store::missing_dashboards(db, &ids).await?.first() {
        return Err(AppError::invalid(
            Problem::new("playlist_dashboard_unknown")
                .field("entries")
                .arg("id", first),
        ));
    }
    let before = match id {
        Some(id) => Some(
            store::playlist(db, id)
                .await?
                .ok_or_else(AppError::not_found)?,
        ),
        None => None,
    };
    let mut tx = db.begin().await?;
    let id = match id {
        Some(id) => {
            if !store::update_playlist(&mut tx, id, &name, &entries).await? {
                return Err(AppError::not_found());
            }
            id
        }
        None => store::insert_playlist(&mut tx, &name, &entries).await?,
    };
    audit::append(
        &mut tx,
        actor,
        Change {
            action: if before.is_some() {
                "playlist.update"
            } else {
                "playlist.create"
            },
            object_type: "playlist",
            object_id: id.to_string(),
            before: before.map(|b| json!({"name": b.name, "entries": b.entries})),
            after: Some(json!({"name": name, "entries": entries})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}
