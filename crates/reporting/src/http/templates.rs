//! A report template named by a request (`template`, `dataSet`…).

use platform::db::Db;
use platform::error::{AppError, AppResult, Problem};

use crate::model::template::Template;

/// The template named by a request, or the monthly provincial report when none is named; an
/// unknown code is a precise error on `field`.
pub async fn resolve(db: &Db, code: Option<&str>, field: &str) -> AppResult<Template> {
    let (code, template) = crate::store::templates::named_or_default(db, code).await?;
    template.ok_or_else(|| {
        AppError::invalid(
            Problem::new("template_unknown")
                .field(field.to_owned())
                .arg("code", code),
        )
    })
}
