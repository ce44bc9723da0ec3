//! Rendering pages for every capability: a template to an HTML response, and the HTML page of
//! an error in the request's language.

use askama::Template;
use axum::response::{Html, IntoResponse, Response};

use super::Ctx;
use crate::error::{AppError, AppResult};

/// Render a template to an HTML response.
pub fn render<T: Template>(t: T) -> AppResult<Response> {
    let html = t.render().map_err(AppError::internal)?;
    Ok(Html(html).into_response())
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    ctx: Ctx,
    status: u16,
    messages: Vec<String>,
}

/// The HTML page for an error, in the request's language.
pub fn error_page(ctx: &Ctx, err: &AppError) -> Response {
    let messages = crate::error::bounded(&err.problems)
        .iter()
        .map(|p| p.detail(ctx.lang))
        .collect();
    match (ErrorPage {
        ctx: ctx.clone(),
        status: err.status.as_u16(),
        messages,
    })
    .render()
    {
        Ok(html) => (err.status, Html(html)).into_response(),
        Err(_) => err.status.into_response(),
    }
}
