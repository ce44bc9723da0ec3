//! One error path. Domain code returns [`AppError`]s carrying stable machine codes; the web edge
//! renders them in the request's language as the JSON envelope
//! `{"errors":[{"code","detail","field"}]}` or an HTML page. Internal causes are logged, never shown.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::i18n::{Lang, t_args};

/// The most problems an answer lists (every error list of every API response and page): the
/// rest are counted, not listed, and the list ends with one [`TRUNCATED`] item saying so.
pub const MAX_PROBLEMS: usize = 100;

/// Code of the item that ends a cut list: "…and N more; the first 100 shown (of T)".
pub const TRUNCATED: &str = "problems_truncated";

/// The item that ends a list cut to `shown` items out of `total`.
pub fn truncated(shown: usize, total: usize) -> Problem {
    Problem::new(TRUNCATED)
        .arg("shown", shown)
        .arg("more", total.saturating_sub(shown))
        .arg("total", total)
}

/// Cut `items` to [`MAX_PROBLEMS`]; returns how many were dropped. Parsers call it after each
/// row so that a file with a million bad cells never holds a million errors.
pub fn cap<T>(items: &mut Vec<T>) -> usize {
    let dropped = items.len().saturating_sub(MAX_PROBLEMS);
    items.truncate(MAX_PROBLEMS);
    dropped
}

/// How many problems a (possibly cut) list stands for, from each item's (code, value): a
/// [`TRUNCATED`] item whose value is the total counts what it stands for beyond the listed ones.
pub fn listed_total<'a>(items: impl IntoIterator<Item = (&'a str, &'a str)>) -> usize {
    items
        .into_iter()
        .map(|(code, value)| {
            if code == TRUNCATED {
                value
                    .parse::<usize>()
                    .unwrap_or(0)
                    .saturating_sub(MAX_PROBLEMS)
            } else {
                1
            }
        })
        .sum()
}

/// The problems to show: at most [`MAX_PROBLEMS`], then one [`TRUNCATED`] item with the total
/// (counting what earlier cuts, marked by their own [`TRUNCATED`] items, already dropped).
pub fn bounded(problems: &[Problem]) -> Vec<Problem> {
    let mut total = 0usize;
    let mut listed: Vec<&Problem> = Vec::new();
    for p in problems {
        if p.code == TRUNCATED {
            let arg = |k: &str| {
                p.args
                    .iter()
                    .find(|(n, _)| *n == k)
                    .and_then(|(_, v)| v.parse::<usize>().ok())
                    .unwrap_or(0)
            };
            total += arg("more");
        } else {
            total += 1;
            listed.push(p);
        }
    }
    let mut out: Vec<Problem> = listed.into_iter().take(MAX_PROBLEMS).cloned().collect();
    if total > out.len() {
        out.push(truncated(out.len(), total));
    }
    out
}

/// One problem: a stable code (also the i18n key `error.<code>`), an optional field, and values
/// for the message's placeholders.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub code: &'static str,
    pub field: Option<String>,
    pub args: Vec<(&'static str, String)>,
}

impl Problem {
    pub fn new(code: &'static str) -> Self {
        Problem {
            code,
            field: None,
            args: Vec::new(),
        }
    }
    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }
    pub fn arg(mut self, name: &'static str, value: impl ToString) -> Self {
        self.args.push((name, value.to_string()));
        self
    }
    /// The message in `lang`.
    pub fn detail(&self, lang: Lang) -> String {
        let args: Vec<(&str, String)> = self.args.iter().map(|(k, v)| (*k, v.clone())).collect();
        t_args(lang, &format!("error.{}", self.code), &args)
    }
}

/// An error that ends a request.
#[derive(Debug)]
pub struct AppError {
    pub status: StatusCode,
    pub problems: Vec<Problem>,
    /// Logged, never shown.
    pub cause: Option<String>,
}

/// One item of the JSON error envelope.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorItem {
    /// Stable machine code, e.g. `not_found`.
    pub code: String,
    /// Human-readable message in the request's language.
    pub detail: String,
    /// The request field at fault, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// The JSON error envelope of every API error.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorEnvelope {
    pub errors: Vec<ErrorItem>,
}

impl AppError {
    pub fn new(status: StatusCode, problem: Problem) -> Self {
        AppError {
            status,
            problems: vec![problem],
            cause: None,
        }
    }
    pub fn many(status: StatusCode, problems: Vec<Problem>) -> Self {
        AppError {
            status,
            problems,
            cause: None,
        }
    }
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, Problem::new("not_found"))
    }
    pub fn unauthenticated() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, Problem::new("unauthenticated"))
    }
    pub fn forbidden() -> Self {
        Self::new(StatusCode::FORBIDDEN, Problem::new("forbidden"))
    }
    pub fn invalid(problem: Problem) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, problem)
    }
    pub fn bad_request(problem: Problem) -> Self {
        Self::new(StatusCode::BAD_REQUEST, problem)
    }
    pub fn conflict(problem: Problem) -> Self {
        Self::new(StatusCode::CONFLICT, problem)
    }
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        AppError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            problems: vec![Problem::new("internal")],
            cause: Some(cause.to_string()),
        }
    }

    /// The envelope in `lang`: at most [`MAX_PROBLEMS`] items, then a [`TRUNCATED`] item.
    pub fn envelope(&self, lang: Lang) -> ErrorEnvelope {
        ErrorEnvelope {
            errors: bounded(&self.problems)
                .iter()
                .map(|p| ErrorItem {
                    code: p.code.to_owned(),
                    detail: p.detail(lang),
                    field: p.field.clone(),
                })
                .collect(),
        }
    }

    pub fn first_code(&self) -> &'static str {
        self.problems.first().map(|p| p.code).unwrap_or("internal")
    }
}

impl From<crate::db::DbError> for AppError {
    fn from(e: crate::db::DbError) -> Self {
        AppError::internal(e)
    }
}

impl From<Fault> for AppError {
    fn from(e: Fault) -> Self {
        AppError::internal(e)
    }
}

/// A failure inside the system: not the user's doing, never shown to them (the web edge answers
/// 500 `internal` and logs the cause). The library crates' internal paths (jobs, audit checks,
/// reference data, seeds) end in this one type; `anyhow` is only the binary's, at its edge.
#[derive(Debug, thiserror::Error)]
pub enum Fault {
    #[error(transparent)]
    Db(#[from] crate::db::DbError),
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    /// Data the system reads is not what it must be (a shipped reference file, a checkpoint, a
    /// stored rule, a catalogue not loaded): the message names the file, line or record.
    #[error("{0}")]
    Invalid(String),
    /// A capability's own error, on a path that has nobody to show it to (a job, a check).
    #[error(transparent)]
    Other(Box<dyn std::error::Error + Send + Sync>),
}

impl Fault {
    /// Wrap a capability's own error.
    pub fn other(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        Fault::Other(Box::new(e))
    }
}

impl From<AppError> for Fault {
    fn from(e: AppError) -> Self {
        let codes: Vec<&str> = e.problems.iter().map(|p| p.code).collect();
        let cause = e.cause.map(|c| format!(" ({c})")).unwrap_or_default();
        Fault::Invalid(format!("{} {}{cause}", e.status, codes.join(", ")))
    }
}

pub type FaultResult<T> = Result<T, Fault>;

/// `Fault::Invalid` with a formatted message: `fault!("provinces.csv {code}: date {d:?}")`.
#[macro_export]
macro_rules! fault {
    ($($arg:tt)*) => {
        $crate::error::Fault::Invalid(format!($($arg)*))
    };
}

/// Return `Fault::Invalid` with the message unless the condition holds.
#[macro_export]
macro_rules! ensure {
    ($cond:expr, $($arg:tt)*) => {
        if !$cond {
            return Err($crate::fault!($($arg)*).into());
        }
    };
}

/// Marker put in a response's extensions: the language-aware renderer (a middleware that knows
/// the request) turns it into JSON or HTML.
#[derive(Clone)]
pub struct PendingError(pub std::sync::Arc<AppError>);

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let Some(cause) = &self.cause {
            tracing::error!(code = self.first_code(), cause = %cause, "request failed");
        }
        let status = self.status;
        let mut res = status.into_response();
        res.extensions_mut()
            .insert(PendingError(std::sync::Arc::new(self)));
        res
    }
}

pub type AppResult<T> = Result<T, AppError>;
