//! The Excel round trip of a report over HTTP: `GET /reporting/{unit}/{period}/template.xlsx`
//! and `POST /reporting/{unit}/{period}/upload` (`?template=CODE`). The workbook itself is
//! [`crate::excel`].

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use platform::error::{AppError, AppResult, Problem};
use platform::identity::access::Permission;
use platform::web::{AppState, Auth};
use platform::web::{Multipart, Path, Query};

use crate::excel::{SHEET, read, workbook};
use crate::http::save as submission;
use crate::model::period::Period;
use crate::model::status::Action;
use crate::model::template::Template;
use crate::query;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/reporting/{unit}/{period}/template.xlsx", get(download))
        .route("/reporting/{unit}/{period}/upload", post(upload))
}

/// `?template=CODE` of the download and upload (default: the monthly provincial report).
#[derive(serde::Deserialize)]
struct TemplateQuery {
    template: Option<String>,
}

async fn context(
    state: &AppState,
    auth: &Auth,
    unit_code: &str,
    period_id: &str,
    template: Option<&str>,
) -> AppResult<(registry::store::Unit, Period, Template)> {
    let period = Period::parse(period_id).map_err(|_| {
        AppError::invalid(
            Problem::new("period_invalid")
                .field("period")
                .arg("value", period_id),
        )
    })?;
    let template = crate::http::templates::resolve(&state.db, template, "template").await?;
    template.check_period(&period).map_err(AppError::invalid)?;
    let unit = crate::store::units::unit_for(&state.db, &template, unit_code, &period)
        .await?
        .ok_or_else(AppError::not_found)?;
    auth.require(
        Permission::ViewData,
        &crate::store::units::target(&state.db, &template, &unit).await?,
    )?;
    Ok((unit, period, template))
}

async fn download(
    State(state): State<AppState>,
    auth: Auth,
    Path((unit_code, period_id)): Path<(String, String)>,
    Query(q): Query<TemplateQuery>,
) -> AppResult<Response> {
    let (unit, period, template) =
        context(&state, &auth, &unit_code, &period_id, q.template.as_deref()).await?;
    let ids: Vec<i64> = template.indicators.iter().map(|i| i.id).collect();
    let values = query::unit_values(
        &state.db,
        unit.id,
        &ids,
        &[period, period.previous(), period.same_period_last_year()],
    )
    .await?;
    let bytes = workbook(
        &template,
        &unit.name,
        &unit.code,
        &period,
        &values,
        auth.ctx.lang_code(),
    )
    .map_err(AppError::internal)?;
    let name = format!(
        "bao-cao-{}-{}-{}.xlsx",
        template.code.to_lowercase(),
        unit.code,
        period.id()
    );
    let mut res = (
        [(
            header::CONTENT_TYPE,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )],
        bytes,
    )
        .into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}

/// Upload a filled workbook (multipart: `csrf`, `file`, `action` = save | submit).
async fn upload(
    State(state): State<AppState>,
    auth: Auth,
    Path((unit_code, period_id)): Path<(String, String)>,
    Query(q): Query<TemplateQuery>,
    mut multipart: Multipart,
) -> AppResult<Response> {
    let (unit, period, template) =
        context(&state, &auth, &unit_code, &period_id, q.template.as_deref()).await?;
    let mut csrf = String::new();
    let mut file: Option<Vec<u8>> = None;
    let mut action = String::from("save");
    while let Some(field) = multipart.next_field().await? {
        match field.name().unwrap_or("") {
            "csrf" => csrf = field.text().await?,
            "action" => action = field.text().await?,
            "file" => file = Some(field.bytes().await?.to_vec()),
            _ => {}
        }
    }
    if auth.ctx.csrf.len() < 32
        || !platform::web::ctx::constant_time_eq(csrf.as_bytes(), auth.ctx.csrf.as_bytes())
    {
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            Problem::new("csrf_failed"),
        ));
    }
    auth.require(
        Permission::SubmitData,
        &crate::store::units::target(&state.db, &template, &unit).await?,
    )?;
    let bytes = file
        .filter(|f| !f.is_empty())
        .ok_or_else(|| AppError::invalid(Problem::new("xlsx_missing").field("file")))?;
    let sheet_problem = |cell: &str, p: &Problem| {
        Problem::new("xlsx_cell")
            .field(cell.to_owned())
            .arg("sheet", SHEET)
            .arg("cell", cell)
            .arg("detail", p.detail(auth.ctx.lang))
    };
    let (entries, cells) = read(&bytes, &template).map_err(|ps| {
        AppError::many(
            StatusCode::UNPROCESSABLE_ENTITY,
            ps.iter()
                .map(|cp| {
                    if cp.cell.is_empty() {
                        cp.problem.clone()
                    } else {
                        sheet_problem(&cp.cell, &cp.problem)
                    }
                })
                .collect(),
        )
    })?;
    let act = if action == "submit" {
        Action::Submit
    } else {
        Action::SaveDraft
    };
    match submission::save(
        &state.db,
        &auth.actor(),
        &template,
        unit.id,
        &period,
        &entries,
        None,
        act,
        None,
    )
    .await
    {
        Ok(_) => Ok(Redirect::to(&format!(
            "/reporting/{}/{}?done={}{}",
            unit.code,
            period.id(),
            if act == Action::Submit {
                "submit"
            } else {
                "save"
            },
            if template.code == crate::model::template::MONTHLY_PROVINCIAL {
                String::new()
            } else {
                format!("&template={}", template.code)
            }
        ))
        .into_response()),
        Err(mut e) => {
            // Point each problem at its cell.
            for p in e.problems.iter_mut() {
                let code = p
                    .field
                    .as_deref()
                    .and_then(|f| f.strip_prefix("v_").or_else(|| f.strip_prefix("e_")));
                if let Some(cell) = code.and_then(|c| cells.get(c)) {
                    *p = sheet_problem(cell, p);
                }
            }
            Err(e)
        }
    }
}
