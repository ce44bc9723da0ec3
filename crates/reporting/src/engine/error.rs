//! The engine's errors. A refused report names what is wrong with it by indicator code ([`On`]),
//! never by an HTML form field, and says whether the data is invalid or the report stands in
//! the wrong state ([`Kind`]); `http::errors` turns both into status codes and form fields.

use platform::db::DbError;
use platform::error::Problem;

/// What a problem (or a warning) is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum On {
    /// The value of the indicator with this code.
    Value(String),
    /// The explanation of the indicator with this code.
    Explanation(String),
    /// A part of the request: `reason`, `unit`, `period`.
    Part(&'static str),
    /// The report as a whole.
    Report,
}

/// One problem or warning of a report: a stable snake_case code with its arguments (the
/// [`Problem`], whose `field` the engine leaves empty), and what it is about.
#[derive(Debug, Clone)]
pub struct Issue {
    pub on: On,
    pub problem: Problem,
}

impl Issue {
    pub fn new(on: On, mut problem: Problem) -> Issue {
        problem.field = None;
        Issue { on, problem }
    }
    pub fn value(code: &str, problem: Problem) -> Issue {
        Issue::new(On::Value(code.to_owned()), problem)
    }
    pub fn explanation(code: &str, problem: Problem) -> Issue {
        Issue::new(On::Explanation(code.to_owned()), problem)
    }
    pub fn part(part: &'static str, problem: Problem) -> Issue {
        Issue::new(On::Part(part), problem)
    }
    pub fn report(problem: Problem) -> Issue {
        Issue::new(On::Report, problem)
    }
    /// The stable code of the problem.
    pub fn code(&self) -> &'static str {
        self.problem.code
    }
}

/// Why a report was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Its data breaks a rule.
    Invalid,
    /// It stands in the wrong state, or was changed meanwhile.
    Conflict,
}

/// The problems of one refused report, by its position in the batch.
#[derive(Debug, Clone)]
pub struct Failure {
    pub report: usize,
    pub kind: Kind,
    pub issues: Vec<Issue>,
}

/// The engine's error.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reports refused (nothing written): each failing one with its problems.
    #[error("{} report(s) refused", .0.len())]
    Rejected(Vec<Failure>),
    /// The report asked for does not exist.
    #[error("report not found")]
    NotFound,
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Internal(#[from] platform::Fault),
}

impl Error {
    /// The stable code of the error.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Rejected(_) => "report_rejected",
            Error::NotFound => "not_found",
            Error::Db(_) => "database",
            Error::Internal(_) => "internal",
        }
    }

    /// One report refused for these issues.
    pub fn one(kind: Kind, issues: Vec<Issue>) -> Error {
        Error::Rejected(vec![Failure {
            report: 0,
            kind,
            issues,
        }])
    }

    /// The report changed since it was read (`edited_concurrently`).
    pub fn edited_concurrently(report: usize, by: &str) -> Error {
        Error::Rejected(vec![Failure {
            report,
            kind: Kind::Conflict,
            issues: vec![Issue::report(
                Problem::new("edited_concurrently").arg("by", by),
            )],
        }])
    }

    /// The issues of a refused report or batch, every failure's in order (empty otherwise).
    pub fn issues(&self) -> Vec<&Issue> {
        match self {
            Error::Rejected(f) => f.iter().flat_map(|f| &f.issues).collect(),
            _ => Vec::new(),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
