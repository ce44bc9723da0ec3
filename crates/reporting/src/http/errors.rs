//! The engine's errors as the web answers them: a status code (422 for invalid data, 409 for a
//! report in the wrong state or changed meanwhile), and each problem on the form field it
//! concerns — `v_CODE` for an indicator's value, `e_CODE` for its explanation, `reason`,
//! `unit`, `period` — or, in a batch, `reports[3].v_CODE`.

use axum::http::StatusCode;
use platform::error::{AppError, Problem};

use crate::engine::error::{Error, Failure, Issue, Kind, On};

/// The form field of an indicator's value.
pub fn value_field(code: &str) -> String {
    format!("v_{code}")
}

/// The form field of an indicator's explanation.
pub fn explanation_field(code: &str) -> String {
    format!("e_{code}")
}

/// The form field a problem is about (None: the report as a whole).
pub fn field_of(on: &On) -> Option<String> {
    match on {
        On::Value(code) => Some(value_field(code)),
        On::Explanation(code) => Some(explanation_field(code)),
        On::Part(part) => Some((*part).to_owned()),
        On::Report => None,
    }
}

/// An issue as a problem on its form field. A text too long names its field in the message too.
pub fn form_problem(issue: Issue) -> Problem {
    let Issue { on, mut problem } = issue;
    problem.field = field_of(&on);
    if problem.code == "text_too_long"
        && let Some(field) = &problem.field
    {
        for (name, value) in &mut problem.args {
            if *name == "field" {
                value.clone_from(field);
            }
        }
    }
    problem
}

/// Issues as problems on their form fields.
pub fn form_problems(issues: Vec<Issue>) -> Vec<Problem> {
    issues.into_iter().map(form_problem).collect()
}

fn status_of(kind: Kind) -> StatusCode {
    match kind {
        Kind::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
        Kind::Conflict => StatusCode::CONFLICT,
    }
}

/// As the error of a single report: its problems, fields as the form names them.
impl From<Error> for AppError {
    fn from(e: Error) -> AppError {
        match e {
            Error::Db(e) => e.into(),
            Error::Internal(e) => e.into(),
            Error::NotFound => AppError::not_found(),
            Error::Rejected(failures) => {
                let status = failures
                    .first()
                    .map(|f| status_of(f.kind))
                    .unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
                AppError::many(
                    status,
                    failures
                        .into_iter()
                        .flat_map(|f| form_problems(f.issues))
                        .collect(),
                )
            }
        }
    }
}

/// As the error of a batch: fields prefixed with the report's position (`reports[3].v_CPI`);
/// 409 when every failure is a state conflict, 422 otherwise.
pub fn batch_error(e: Error) -> AppError {
    let Error::Rejected(failures) = e else {
        return e.into();
    };
    let status = if failures.iter().all(|f| f.kind == Kind::Conflict) {
        StatusCode::CONFLICT
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let problems = failures
        .into_iter()
        .flat_map(|Failure { report, issues, .. }| {
            issues.into_iter().map(move |issue| {
                let mut p = form_problem(issue);
                p.field = Some(match p.field.take() {
                    Some(x) => format!("reports[{report}].{x}"),
                    None => format!("reports[{report}]"),
                });
                p
            })
        })
        .collect();
    AppError::many(status, problems)
}
