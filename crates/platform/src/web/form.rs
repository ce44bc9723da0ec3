//! Errors of an HTML form, shown as the GOV.UK pattern: a summary at the top whose items link to
//! their fields (`<a href="#field-id">`), and the same message beside the field, with what was
//! typed kept. A page opts in by carrying `form_errors: Vec<FormError>` (errors.html then links
//! each item to its field); pages still carrying `errors: Vec<String>` show plain items.

use crate::error::{Problem, bounded};
use crate::i18n::Lang;

/// One problem of a form: the message in the reader's language and the id of the field it is
/// about (None: about the form as a whole).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormError {
    pub text: String,
    pub field: Option<String>,
}

impl FormError {
    /// A problem about the field whose element id is `field`.
    pub fn at(field: impl Into<String>, text: impl Into<String>) -> FormError {
        FormError {
            text: text.into(),
            field: Some(field.into()),
        }
    }

    /// The problems of an error, in `lang`, bounded like every list of problems. A problem's
    /// field becomes `prefix` + field, the id of its element on a page that holds several forms
    /// with the same fields (`g-role`).
    pub fn from_problems(problems: &[Problem], lang: Lang, prefix: &str) -> Vec<FormError> {
        bounded(problems)
            .iter()
            .map(|p| FormError {
                text: p.detail(lang),
                field: p.field.as_ref().map(|f| format!("{prefix}{f}")),
            })
            .collect()
    }
}

/// The message about the field `id`, to show beside it (`aria-describedby`).
pub fn error_at<'a>(errors: &'a [FormError], id: &str) -> Option<&'a str> {
    errors
        .iter()
        .find(|e| e.field.as_deref() == Some(id))
        .map(|e| e.text.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_keep_their_fields_with_the_prefix() {
        let e = FormError::from_problems(
            &[
                Problem::new("role_invalid").field("role"),
                Problem::new("forbidden"),
            ],
            Lang::En,
            "g-",
        );
        assert_eq!(e[0].field.as_deref(), Some("g-role"));
        assert_eq!(e[1].field, None);
        assert_eq!(error_at(&e, "g-role"), Some(e[0].text.as_str()));
        assert_eq!(error_at(&e, "role"), None);
    }
}
