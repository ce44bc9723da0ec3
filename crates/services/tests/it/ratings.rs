//! Ratings: once per dossier, only once its result is returned, audited.

use platform::audit::Actor;
use services::engine::ratings::{RateRefused, Rated, rate};
use services::model::dossier::Status;
use services::model::rating::parse;
use testkit::on_both;

use crate::support::TestApp;

on_both!(a_returned_dossier_is_rated_once, async |app: &TestApp| {
    let actor = Actor::system("citizen");
    let r = parse("4", "Cán bộ hướng dẫn tận tình").unwrap();
    let processing = Rated {
        dossier_id: 5,
        agency_id: None,
        status: Status::Processing,
    };
    assert_eq!(
        rate(&app.db, &actor, processing, &r, 1).await.unwrap(),
        Err(RateRefused::NotReturned)
    );
    let returned = Rated {
        status: Status::Returned,
        ..processing
    };
    assert_eq!(
        rate(&app.db, &actor, returned, &r, 1).await.unwrap(),
        Ok(())
    );
    let again = parse("1", "").unwrap();
    assert_eq!(
        rate(&app.db, &actor, returned, &again, 2).await.unwrap(),
        Err(RateRefused::AlreadyRated)
    );
    assert_eq!(
        services::store::ratings::of_dossier(&app.db, 5)
            .await
            .unwrap(),
        Some((4, "Cán bộ hướng dẫn tận tình".to_owned()))
    );
    assert_eq!(
        services::store::ratings::totals(&app.db, None, 0, 10)
            .await
            .unwrap(),
        (1, 4)
    );
    assert_eq!(
        app.count_where(
            "SELECT COUNT(*) AS n FROM audit_log WHERE action = $1",
            "services.dossier_rated"
        )
        .await,
        1
    );
});
