//! One problem of a package or a form: where (an element path such as
//! `MessageHeader/To[2]/OrganId`), what (a stable snake_case code, translated at the edge as
//! `documents.<code>`) and the values the message needs. Lists are bounded.

/// One problem.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Problem {
    pub path: String,
    pub code: String,
    pub args: Vec<(String, String)>,
}

impl Problem {
    pub fn new(path: &str, code: &str) -> Problem {
        Problem {
            path: path.to_owned(),
            code: code.to_owned(),
            args: Vec::new(),
        }
    }

    /// A required element that is absent or empty.
    pub fn missing(path: &str) -> Problem {
        Problem::new(path, "required")
    }

    pub fn arg(mut self, name: &str, value: impl Into<String>) -> Problem {
        self.args.push((name.to_owned(), value.into()));
        self
    }
}

/// A bounded list of problems, by the platform's rule: at most
/// [`platform::error::MAX_PROBLEMS`] are kept, then one [`platform::error::TRUNCATED`] item
/// counting the rest.
#[derive(Debug, Default)]
pub struct Problems {
    list: Vec<Problem>,
    dropped: usize,
}

impl Problems {
    pub const MAX: usize = platform::error::MAX_PROBLEMS;

    pub fn push(&mut self, p: Problem) {
        if self.list.len() < Self::MAX {
            self.list.push(p);
        } else {
            self.dropped += 1;
        }
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The kept problems; when some were dropped, the last one says how many
    /// (`problems_truncated`).
    pub fn into_vec(mut self) -> Vec<Problem> {
        if self.dropped > 0 {
            self.list.push(
                Problem::new("", "problems_truncated").arg("count", self.dropped.to_string()),
            );
        }
        self.list
    }
}
