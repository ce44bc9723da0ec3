//! The wiring of services' tests and the few steps they share.

use platform::audit::Actor;
use platform::config::Config;
use platform::db::Db;
pub use testkit::{BoxFuture, Client, Res, TestApp, Wiring};

pub static WIRING: Wiring = Wiring {
    name: "services",
    connect,
    router,
    openapi: || serde_json::json!({}),
    audit_checks: platform::audit::Checks::default,
    on_close,
    template: tokio::sync::OnceCell::const_new(),
};

fn connect(config: &Config) -> BoxFuture<'_, anyhow::Result<Db>> {
    Box::pin(testkit::connect_and_migrate(config))
}

pub fn router(state: platform::web::AppState) -> axum::Router {
    platform::web::app(state, vec![registry::router(), services::router()])
}

fn on_close(_app: &TestApp) -> BoxFuture<'_, ()> {
    Box::pin(async {})
}

/// The portal's reference data applied (fields, the shipped procedures).
pub async fn setup(app: &TestApp) {
    platform::reference::apply(
        &app.db,
        &Actor::system("test"),
        &services::engine::reference::sets(),
        &Default::default(),
    )
    .await
    .unwrap();
}

/// How many versions of procedures are stored, and how many are published.
pub async fn versions(app: &TestApp) -> (i64, i64) {
    let n = |sql: &'static str| async move {
        app.db
            .fetch_one(sql, platform::params![])
            .await
            .unwrap()
            .get::<i64>("n")
            .unwrap()
    };
    (
        n("SELECT COUNT(*) AS n FROM svc_procedure_versions").await,
        n("SELECT COUNT(*) AS n FROM svc_procedure_versions WHERE status = 'published'").await,
    )
}

/// A procedure in the JSON exchange format.
pub fn procedure(code: &str, name_vi: &str, agency: Option<&str>) -> serde_json::Value {
    serde_json::json!({
        "code": code, "name_vi": name_vi, "name_en": "Test procedure", "field": "ho_tich",
        "level": "province", "agency": agency, "processing_days": 5, "fee_vnd": 30000,
        "online_level": "partial", "min_assurance": 1,
        "papers": [{"name_vi": "Tờ khai", "name_en": "Declaration", "originals": 1, "copies": 0}],
        "form_schema": {"type": "object", "properties": {"full_name": {"type": "string", "minLength": 2}},
                        "required": ["full_name"]},
        "form_layout": [{"title": {"vi": "Người nộp", "en": "Applicant"}, "sections": [{"fields": [
            {"field": "full_name", "label": {"vi": "Họ và tên", "en": "Full name"}}]}]}]
    })
}
