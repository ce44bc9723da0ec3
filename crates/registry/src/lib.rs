//! The registry of administrative units and agencies (danh mục đơn vị hành chính và cơ quan):
//! codes, hierarchy, validity dates and the lineage of merges, splits and renames.
#![forbid(unsafe_code)]

pub mod api;
pub mod import;
pub mod model;
mod pages;
pub mod seed;
pub mod sheet;
pub mod store;

use axum::Router;
use platform::db::{Db, DbResult};
use platform::i18n::Lang;
use platform::identity::Directory;
use platform::identity::access::Scope;
use platform::jobs::BoxFuture;
use platform::web::AppState;

pub use model::{Day, Level, fold};

/// The registry's routes: JSON API and pages.
pub fn router() -> Router<AppState> {
    api::router().merge(pages::router())
}

/// The OpenAPI entries of the registry's JSON API (the binary merges every crate's).
pub fn openapi() -> utoipa::openapi::OpenApi {
    api::api().into_openapi()
}

/// The registry as the platform's identity layer sees it.
pub struct RegistryDirectory {
    pub db: Db,
}

impl Directory for RegistryDirectory {
    fn agency_unit(&self, agency_id: i64) -> BoxFuture<DbResult<Option<i64>>> {
        let db = self.db.clone();
        Box::pin(async move { Ok(store::agency(&db, agency_id).await?.and_then(|a| a.unit_id)) })
    }

    fn unit_chain(&self, unit_id: i64) -> BoxFuture<DbResult<Vec<i64>>> {
        let db = self.db.clone();
        Box::pin(async move { store::chain(&db, unit_id).await })
    }

    fn scope_label(&self, scope: Scope, lang: Lang) -> BoxFuture<DbResult<String>> {
        let db = self.db.clone();
        Box::pin(async move {
            Ok(match scope {
                Scope::National => platform::i18n::t(lang, "scope.national"),
                Scope::Agency(a) => store::agency(&db, a)
                    .await?
                    .map(|a| a.name(lang).to_owned())
                    .unwrap_or_else(|| format!("#{a}")),
                Scope::Unit(u) => store::unit(&db, u)
                    .await?
                    .map(|u| format!("{} ({})", u.name, u.code))
                    .unwrap_or_else(|| format!("#{u}")),
            })
        })
    }

    fn find_scope(&self, kind: &str, code: &str) -> BoxFuture<DbResult<Option<Scope>>> {
        let db = self.db.clone();
        let (kind, code) = (kind.to_owned(), code.trim().to_owned());
        Box::pin(async move {
            Ok(match kind.as_str() {
                "national" => Some(Scope::National),
                "agency" => store::agency_by_any_code(&db, &code)
                    .await?
                    .map(|a| Scope::Agency(a.id)),
                "unit" => store::unit_by_code(&db, &code, Day::today())
                    .await?
                    .map(|u| Scope::Unit(u.id)),
                _ => None,
            })
        })
    }
}
