//! How reporting's tests build the app (platform, registry and reporting, as the binary wires
//! them) and the story steps they share.

use platform::audit::Actor;
use platform::config::Config;
use platform::db::Db;
use reporting::Period;
use reporting::engine::save::Entry;
use reporting::model::status::Action;
use reporting::model::template::MONTHLY_PROVINCIAL;
pub use testkit::stories::report_form;
pub use testkit::{BoxFuture, Client, Req, Res, TestApp, Wiring};

#[allow(unused_imports)]
pub use testkit::{TEST_AUDIT_KEY, fresh_database, test_audit_key};

/// The app of reporting's tests: what `egov::connect` and `egov::router` do, without the binary
/// (which depends on this crate).
pub static WIRING: Wiring = Wiring {
    name: "reporting",
    connect,
    router,
    openapi: || serde_json::json!({}),
    audit_checks,
    on_close,
    template: tokio::sync::OnceCell::const_new(),
};

fn connect(config: &Config) -> BoxFuture<'_, anyhow::Result<Db>> {
    Box::pin(async move {
        let db = testkit::connect_and_migrate(config).await?;
        reporting::store::series::ensure(&db).await?;
        reporting::engine::trail::start(&db).await?;
        Ok(db)
    })
}

pub fn router(state: platform::web::AppState) -> axum::Router {
    platform::web::app(state, vec![registry::router(), reporting::router()])
}

pub fn audit_checks() -> platform::audit::Checks {
    let mut checks = platform::audit::Checks::default();
    reporting::engine::trail::register(&mut checks);
    checks
}

fn on_close(app: &TestApp) -> BoxFuture<'_, ()> {
    Box::pin(crate::kept::assert_series_kept(&app.db))
}

/// The indicator catalogue and report templates loaded; the monthly provincial template.
pub async fn setup(app: &TestApp) -> reporting::model::template::Template {
    reporting::engine::reference::load_default(&app.db, &Actor::system("test"))
        .await
        .unwrap();
    reporting::store::templates::template(&app.db, MONTHLY_PROVINCIAL)
        .await
        .unwrap()
        .unwrap()
}

/// The entries of a report of `t`: every indicator 100, retail sales `retail`.
pub fn entries(t: &reporting::model::template::Template, retail: &str) -> Vec<Entry> {
    t.indicators
        .iter()
        .map(|i| Entry {
            indicator: i.code.clone(),
            raw: if i.code == "RETAIL_SALES" {
                retail.to_owned()
            } else {
                "100".to_owned()
            },
            explanation: None,
            lang: "vi",
        })
        .collect()
}

/// The report form's fields of `t`: every indicator 100, retail sales `retail`, and `extra`.
pub fn form(
    t: &reporting::model::template::Template,
    retail: &str,
    extra: &[(&str, &str)],
) -> Vec<(String, String)> {
    report_form(t.indicators.iter().map(|i| i.code.as_str()), retail, extra)
}

/// A report of `t` for `unit_id` and `period` (every indicator 100, retail sales `retail`)
/// submitted and approved by the system.
pub async fn submit_and_approve(
    app: &TestApp,
    t: &reporting::model::template::Template,
    unit_id: i64,
    period: &str,
    retail: &str,
) {
    let s = reporting::http::save::save(
        &app.db,
        &Actor::system("t"),
        t,
        unit_id,
        &Period::parse(period).unwrap(),
        &entries(t, retail),
        None,
        Action::Submit,
        None,
    )
    .await
    .unwrap();
    reporting::engine::decide::decide(
        &app.db,
        &Actor::system("t"),
        s.submission.id,
        s.submission.version,
        true,
        None,
    )
    .await
    .unwrap();
}
