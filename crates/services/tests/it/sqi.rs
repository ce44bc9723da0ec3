//! The service quality index filed as the province's monthly report: computed from the
//! dossiers, payments and ratings; filing again changes nothing.

use platform::audit::Actor;
use services::engine::dossiers::{self as engine, Details, Env};
use services::engine::sqi;
use services::model::workflow::Action;
use testkit::on_both;

use crate::dossiers::{T0, agency, citizen, filing};
use crate::support::{TestApp, setup};

async fn value(app: &TestApp, code: &'static str) -> Option<f64> {
    app.db
        .fetch_optional(
            "SELECT v.value FROM data_values v JOIN indicators i ON i.id = v.indicator_id \
             WHERE i.code = $1",
            platform::params![code],
        )
        .await
        .unwrap()
        .map(|r| r.get::<f64>("value").unwrap())
}

on_both!(
    the_quality_index_is_filed_as_the_province_report,
    async |app: &TestApp| {
        setup(app).await;
        reporting::engine::reference::load_default(&app.db, &Actor::system("test"))
            .await
            .unwrap();
        let env = Env::load(&app.db, "").await.unwrap();
        let v = services::query::published_version(&app.db, "2.001610")
            .await
            .unwrap()
            .unwrap();
        let an = citizen(app, "cong.dan.chi.so").await;
        let ag = agency(app, "ubnd-40").await;
        let desk = Actor::system("một cửa");
        // One online dossier settled on time and rated 4 stars; one paper dossier still open.
        let id = engine::save_draft(&app.db, &env, &an, &v, None, &filing(&an, ag), T0)
            .await
            .unwrap()
            .unwrap();
        engine::submit(&app.db, &env, &an, &v, id, 2, T0)
            .await
            .unwrap()
            .unwrap();
        for a in [
            Action::Accept,
            Action::Transfer,
            Action::Approve,
            Action::Return,
        ] {
            engine::act(&app.db, &env, &desk, id, a, &Details::default(), T0)
                .await
                .unwrap()
                .unwrap();
        }
        let d = services::store::dossiers::get(&app.db, id)
            .await
            .unwrap()
            .unwrap();
        services::engine::ratings::rate(
            &app.db,
            &an,
            services::engine::ratings::Rated {
                dossier_id: id,
                agency_id: Some(ag),
                status: d.status.unwrap(),
            },
            &services::model::rating::parse("4", "").unwrap(),
            T0,
        )
        .await
        .unwrap()
        .unwrap();
        engine::record_at_desk(
            &app.db,
            &env,
            &desk,
            &v,
            services::model::dossier::Channel::Desk,
            &filing(&an, ag),
            T0,
        )
        .await
        .unwrap();
        let period = reporting::Period::parse("202612").unwrap();
        let filed = sqi::file_month(&app.db, period, T0).await.unwrap();
        assert_eq!((filed.written, filed.refused.len()), (1, 0), "{filed:?}");
        let c = sqi::counts(&app.db, ag, T0 - 86_400_000, T0 + 86_400_000, T0)
            .await
            .unwrap();
        assert_eq!(
            (
                c.dossiers,
                c.settled,
                c.settled_on_time,
                c.online,
                c.ratings,
                c.stars
            ),
            (2, 1, 1, 1, 1, 4)
        );
        // Progress: 1 on time of 1 settled = 20; satisfaction: 4 of 5 stars of 18 = 14.4.
        assert_eq!(value(app, "SQI_PROGRESS").await, Some(20.0));
        assert_eq!(value(app, "SQI_SATISFACTION").await, Some(14.4));
        let total = value(app, "SQI_TOTAL").await.unwrap();
        let parts: f64 = futures_sum(app).await;
        assert!((total - parts).abs() < 0.005, "{total} vs {parts}");
        // Filing again with the same figures changes nothing.
        let again = sqi::file_month(&app.db, period, T0).await.unwrap();
        assert_eq!((again.written, again.unchanged), (0, 1));
    }
);

async fn futures_sum(app: &TestApp) -> f64 {
    let mut s = 0.0;
    for code in [
        "SQI_PUBLICITY",
        "SQI_PROGRESS",
        "SQI_DIGITISATION",
        "SQI_ONLINE",
        "SQI_SATISFACTION",
    ] {
        s += value(app, code).await.unwrap();
    }
    s
}
