//! A refused request of the transport API: a status and a stable code, rendered as the JSON
//! error envelope with its message from `[axis_api]` in the request's language. Errors of the
//! platform (not found, internal) keep the platform's path.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use platform::error::{AppError, ErrorEnvelope, ErrorItem};
use platform::i18n::{Lang, t_args};

/// Why the transport API refused a request.
#[derive(Debug)]
pub enum Refusal {
    Axis {
        status: StatusCode,
        code: &'static str,
        field: Option<String>,
        args: Vec<(&'static str, String)>,
    },
    App(AppError),
}

impl Refusal {
    pub fn new(status: StatusCode, code: &'static str) -> Refusal {
        Refusal::Axis {
            status,
            code,
            field: None,
            args: Vec::new(),
        }
    }

    pub fn field(mut self, name: &str) -> Refusal {
        if let Refusal::Axis { field, .. } = &mut self {
            *field = Some(name.to_owned());
        }
        self
    }

    pub fn arg(mut self, name: &'static str, value: impl ToString) -> Refusal {
        if let Refusal::Axis { args, .. } = &mut self {
            args.push((name, value.to_string()));
        }
        self
    }

    /// The stable code (`internal` and the platform's codes included).
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::Axis { code, .. } => code,
            Refusal::App(e) => e.first_code(),
        }
    }

    /// The answer, in `lang`.
    pub fn render(self, lang: Lang) -> Response {
        match self {
            Refusal::Axis {
                status,
                code,
                field,
                args,
            } => {
                let args: Vec<(&str, String)> = args.into_iter().collect();
                let envelope = ErrorEnvelope {
                    errors: vec![ErrorItem {
                        code: code.to_owned(),
                        detail: t_args(lang, &format!("axis_api.{code}"), &args),
                        field,
                    }],
                };
                (status, Json(envelope)).into_response()
            }
            Refusal::App(e) => e.into_response(),
        }
    }
}

impl From<AppError> for Refusal {
    fn from(e: AppError) -> Refusal {
        Refusal::App(e)
    }
}

impl From<platform::db::DbError> for Refusal {
    fn from(e: platform::db::DbError) -> Refusal {
        Refusal::App(AppError::internal(e))
    }
}

impl From<crate::engine::axis::AxisError> for Refusal {
    fn from(e: crate::engine::axis::AxisError) -> Refusal {
        use crate::engine::axis::AxisError;
        match e {
            AxisError::NotFound => Refusal::new(StatusCode::NOT_FOUND, "package_not_found"),
            AxisError::AgencyNotActive => Refusal::new(StatusCode::FORBIDDEN, "agency_not_active"),
            other => Refusal::App(AppError::internal(other)),
        }
    }
}

impl From<crate::engine::axis::DirectoryError> for Refusal {
    fn from(e: crate::engine::axis::DirectoryError) -> Refusal {
        use crate::engine::axis::DirectoryError;
        match e {
            DirectoryError::Exists => Refusal::new(StatusCode::CONFLICT, "agency_exists"),
            DirectoryError::NotFound => Refusal::new(StatusCode::NOT_FOUND, "agency_not_found"),
            DirectoryError::Certificate(reason) => {
                Refusal::new(StatusCode::UNPROCESSABLE_ENTITY, "certificate_invalid")
                    .field("certificate")
                    .arg("reason", reason)
            }
            DirectoryError::Db(e) => Refusal::App(AppError::internal(e)),
        }
    }
}

/// The answer of a handler: its response, or its refusal in the request's language.
pub fn respond(lang: Lang, r: Result<Response, Refusal>) -> Response {
    r.unwrap_or_else(|e| e.render(lang))
}
