//! The axis's transport API (`/api/v1/axis/…`, agencies authenticated by signed requests: see
//! `crate::auth` and docs/documents.md) and the axis administrator's page of the directory
//! (`/axis/agencies`).
//!
//! Refusals use the JSON error envelope of every egov endpoint, their messages in the
//! `[axis_api]` section of the locales (`refusal.rs`).

mod admin;
mod api;
mod auth;
mod office;
mod refusal;
pub mod registers;
mod traffic;

use std::path::PathBuf;

use axum::Router;
use axum::routing::{get, post};
use platform::config::Config;
use platform::files::FileStore;
use platform::web::AppState;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use refusal::Refusal;

/// The route limit of a package sent to the axis (`platform::web::limits::ROUTES`); the
/// configuration (`axis_max_package_mib`) may only lower it.
pub const MAX_PACKAGE_BYTES: u64 = 64 * 1024 * 1024;

/// Where the axis keeps packages and how large they may be. The binary derives it from the
/// configuration; a test puts its own in the router's extensions (`axum::Extension`).
#[derive(Debug, Clone)]
pub struct AxisConfig {
    pub files: FileStore,
    pub max_package_bytes: u64,
    pub delivery_ttl_ms: i64,
}

impl AxisConfig {
    /// The node's file store (`AppState::files`: `<data_dir>/files`, or the S3 bucket of
    /// `files_s3_*`); the configured package limit, at most the route's.
    pub fn from_config(config: &Config, files: FileStore) -> AxisConfig {
        AxisConfig::with_store(
            files,
            config
                .axis_max_package_mib
                .saturating_mul(1024 * 1024)
                .min(MAX_PACKAGE_BYTES),
        )
    }

    /// Packages in the local directory `root` (tests).
    pub fn at(root: PathBuf, max_package_bytes: u64) -> AxisConfig {
        AxisConfig::with_store(FileStore::new(root), max_package_bytes)
    }

    pub fn with_store(files: FileStore, max_package_bytes: u64) -> AxisConfig {
        AxisConfig {
            files,
            max_package_bytes,
            delivery_ttl_ms: crate::engine::axis::DEFAULT_DELIVERY_TTL_MS,
        }
    }

    pub(crate) fn axis(&self, state: &AppState) -> crate::engine::axis::Axis {
        crate::engine::axis::Axis {
            db: state.db.clone(),
            files: self.files.clone(),
            delivery_ttl_ms: self.delivery_ttl_ms,
        }
    }
}

/// The JSON API, each route with its OpenAPI entry.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::send_package))
        .routes(routes!(api::send_status))
        .routes(routes!(api::list_pending_packages))
        .routes(routes!(api::list_sent_packages))
        .routes(routes!(api::get_package))
        .routes(routes!(api::acknowledge_package))
        .routes(routes!(api::list_axis_agencies, api::register_agency))
}

/// The axis administrator's pages.
pub fn pages() -> Router<AppState> {
    Router::new()
        .route("/axis/agencies", get(admin::page))
        .route("/axis/agencies/{code}/state", post(admin::decide))
        .route("/axis/traffic", get(traffic::page))
}

#[cfg(test)]
mod tests {
    /// Every code the transport API refuses with (`Refusal::new(…, "code")`, and the request
    /// signature's codes) has a message in `[axis_api]` of both locales.
    #[test]
    fn every_refusal_code_is_translated() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut codes = std::collections::BTreeSet::new();
        for file in ["src/http/api.rs", "src/http/auth.rs", "src/http/refusal.rs"] {
            let text = std::fs::read_to_string(root.join(file)).unwrap();
            for part in text.split("Refusal::new(").skip(1) {
                let args = part.split(')').next().unwrap_or_default();
                if let Some(code) = args.split('"').nth(1) {
                    codes.insert(code.to_owned());
                }
            }
        }
        for e in [
            crate::auth::AuthError::Missing,
            crate::auth::AuthError::Malformed(String::new()),
            crate::auth::AuthError::Components,
            crate::auth::AuthError::Algorithm(String::new()),
            crate::auth::AuthError::Stale { created: 0, now: 0 },
            crate::auth::AuthError::Digest,
            crate::auth::AuthError::DigestMismatch,
            crate::auth::AuthError::Invalid,
        ] {
            codes.insert(e.code().to_owned());
        }
        assert!(codes.len() > 20, "{codes:?}");
        for lang in ["vi", "en"] {
            let text =
                std::fs::read_to_string(root.join(format!("../../locales/{lang}.toml"))).unwrap();
            let section = text
                .split("\n[axis_api]\n")
                .nth(1)
                .unwrap_or_default()
                .split("\n[")
                .next()
                .unwrap_or_default();
            for c in &codes {
                assert!(
                    section.lines().any(|l| l.starts_with(&format!("{c} = "))),
                    "locales/{lang}.toml [axis_api] has no {c}"
                );
            }
        }
    }
}
