//! The wiring of operations' tests and the few steps they share.

use platform::audit::Actor;
use platform::config::Config;
use platform::db::Db;
use reporting::Period;
use reporting::engine::save::Entry;
use reporting::model::status::Action;
use reporting::model::template::{MONTHLY_PROVINCIAL, Template};
pub use testkit::{BoxFuture, TestApp, Wiring};

pub static WIRING: Wiring = Wiring {
    name: "operations",
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
    platform::web::app(
        state,
        vec![
            registry::router(),
            reporting::router(),
            operations::router(),
        ],
    )
}

fn audit_checks() -> platform::audit::Checks {
    let mut checks = platform::audit::Checks::default();
    reporting::engine::trail::register(&mut checks);
    checks
}

fn on_close(_app: &TestApp) -> BoxFuture<'_, ()> {
    Box::pin(async {})
}

/// The catalogue and templates loaded; the monthly provincial template.
pub async fn setup(app: &TestApp) -> Template {
    reporting::engine::reference::load_default(&app.db, &Actor::system("test"))
        .await
        .unwrap();
    reporting::store::templates::template(&app.db, MONTHLY_PROVINCIAL)
        .await
        .unwrap()
        .unwrap()
}

/// The ids of the provinces due to report `period`.
pub async fn provinces(app: &TestApp, period: &Period) -> Vec<(i64, String)> {
    let (_, last) = period.calendar();
    registry::store::list_units(
        &app.db,
        &registry::store::UnitQuery {
            level: Some(registry::Level::Province),
            valid_on: Some(registry::Day(last)),
            limit: 1000,
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .0
    .into_iter()
    .map(|u| (u.id, u.code))
    .collect()
}

/// A report (every indicator 100, retail sales `retail`) submitted and approved.
pub async fn approve(app: &TestApp, t: &Template, unit_id: i64, period: &Period, retail: &str) {
    let entries: Vec<Entry> = t
        .indicators
        .iter()
        .map(|i| Entry {
            indicator: i.code.clone(),
            raw: if i.code == "RETAIL_SALES" {
                retail
            } else {
                "100"
            }
            .to_owned(),
            explanation: None,
            lang: "vi",
        })
        .collect();
    let s = reporting::http::save::save(
        &app.db,
        &Actor::system("t"),
        t,
        unit_id,
        period,
        &entries,
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

/// The latest month due today.
pub fn latest_month() -> Period {
    reporting::model::calendar::latest_due_month(registry::Day::today().0)
}
