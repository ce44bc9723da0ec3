//! The open-data page as a visitor uses it: every download link of the demo gives values.

use axum::http::StatusCode;

use crate::on_both;
use crate::support::TestApp;

on_both!(
    every_open_data_link_of_the_demo_has_values,
    async |app: &TestApp| {
        let name = app.url.rsplit(['/', ':']).next().unwrap_or("db").to_owned();
        let dir = std::env::temp_dir().join(format!("egov-open-data-{name}"));
        std::fs::create_dir_all(&dir).unwrap();
        egov::demo::load(&app.db, &dir).await.unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        demo_reports_have_realistic_times(app).await;
        demo_desks_have_a_month_filed_as_indicators(app).await;
        let mut visitor = app.client();
        let page = visitor.get("/open-data").await;
        assert_eq!(page.status, StatusCode::OK);
        // The JSON link of each indicator (the CSV and XLSX links ask for the same data).
        let links: Vec<String> = page
            .body
            .split("href=\"")
            .skip(1)
            .filter_map(|s| s.split('"').next())
            .filter(|l| l.starts_with("/api/v1/data?") && !l.contains("format="))
            .map(|l| l.replace("&amp;", "&"))
            .collect();
        // Indicators without national figures say so instead of linking to an empty file.
        let without = page.body.matches("Chưa có số liệu cả nước").count();
        let public = reporting::store::catalogue::list(&app.db)
            .await
            .unwrap()
            .into_iter()
            .filter(|i| i.is_public)
            .count();
        assert_eq!(links.len() + without, public);
        assert!(links.len() >= 20, "{} links", links.len());
        let mut empty = Vec::new();
        for link in &links {
            let r = visitor.get(link).await;
            assert_eq!(r.status, StatusCode::OK, "{link}: {}", r.body);
            let json = r.json();
            let values = json["items"]
                .as_array()
                .unwrap_or_else(|| panic!("{link}: {json}"))
                .iter()
                .filter(|i| i["value"].is_number())
                .count();
            if values == 0 {
                empty.push(link.clone());
            }
        }
        assert!(
            empty.is_empty(),
            "{} of {} links give no values: {empty:#?}",
            empty.len(),
            links.len()
        );
        // The CSV link of one quarterly indicator gives rows too.
        let csv_link = page
            .body
            .split("href=\"")
            .skip(1)
            .filter_map(|s| s.split('"').next())
            .find(|l| l.contains("Q") && l.contains("format=csv"))
            .expect("a quarterly CSV link")
            .replace("&amp;", "&");
        let csv = visitor.get(&csv_link).await;
        assert_eq!(csv.status, StatusCode::OK);
        // The file is named for what it holds: indicator, area and the periods' span.
        let code = csv_link
            .split("indicator=")
            .nth(1)
            .and_then(|s| s.split('&').next())
            .unwrap();
        let periods: Vec<&str> = csv_link
            .split("period=")
            .nth(1)
            .and_then(|s| s.split('&').next())
            .unwrap()
            .split(',')
            .collect();
        let disposition = csv.headers["content-disposition"].to_str().unwrap();
        assert_eq!(
            disposition,
            format!(
                "attachment; filename=\"egov_{code}_VN_{}-{}.csv\"",
                periods[0],
                periods[periods.len() - 1]
            )
        );
        assert!(csv.body.lines().count() > 1, "{}", csv.body);
    }
);

/// The demo's reports (issue 11, item 19): submitted at realistic times — most on time, some
/// late — not all at the moment the demo was loaded; drafts not submitted at all; Nghệ An's
/// monthly report of the latest month left for the README's story.
async fn demo_reports_have_realistic_times(app: &TestApp) {
    use reporting::model::status::Status;
    let t = reporting::store::templates::template(
        &app.db,
        reporting::model::template::MONTHLY_PROVINCIAL,
    )
    .await
    .unwrap()
    .unwrap();
    let cal = reporting::store::holidays::holidays(&app.db).await.unwrap();
    let latest = reporting::model::calendar::latest_due_month(registry::Day::today().0);
    let mut late = 0;
    let mut on_time = 0;
    for period in [latest.previous(), latest.previous().previous()] {
        let deadline_ms = t
            .deadline(&period, &cal)
            .with_hms(23, 59, 59)
            .unwrap()
            .assume_offset(time::macros::offset!(+7))
            .unix_timestamp()
            * 1000;
        for s in reporting::store::submissions::for_period(&app.db, t.id, &period)
            .await
            .unwrap()
        {
            match s.submitted_at {
                Some(at) if at <= deadline_ms => on_time += 1,
                Some(_) => late += 1,
                None => panic!("an approved past report without a submission time"),
            }
        }
    }
    assert!(
        late >= 1 && late * 4 < on_time,
        "late {late}, on time {on_time}"
    );
    for s in reporting::store::submissions::for_period(&app.db, t.id, &latest)
        .await
        .unwrap()
    {
        assert_eq!(s.submitted_at.is_none(), s.status == Status::Draft, "{s:?}");
    }
    let nghe_an = reporting::store::units::unit_for_period(&app.db, "40", &latest)
        .await
        .unwrap()
        .unwrap();
    assert!(
        reporting::store::submissions::find(&app.db, t.id, nghe_an.id, &latest)
            .await
            .unwrap()
            .is_none(),
        "Nghệ An's latest monthly report should be left open for the README's story"
    );
}

/// Issue 14: the demo's last month at two provinces' one-stop desks went through the engine and
/// its service quality index was filed as their monthly reports `BC-DVC-THANG`; a second load
/// adds nothing.
async fn demo_desks_have_a_month_filed_as_indicators(app: &TestApp) {
    let latest = reporting::model::calendar::latest_due_month(registry::Day::today().0);
    let dossiers = app.count("SELECT COUNT(*) AS n FROM svc_dossiers").await;
    assert!(dossiers >= 40, "{dossiers} dossiers");
    assert!(
        app.count("SELECT COUNT(*) AS n FROM svc_dossiers WHERE status = 10 AND on_time = 0")
            .await
            >= 1,
        "some were settled late"
    );
    assert!(app.count("SELECT COUNT(*) AS n FROM svc_ratings").await >= 10);
    let t = reporting::store::templates::template(&app.db, services::engine::sqi::TEMPLATE)
        .await
        .unwrap()
        .expect("the quality index's template");
    let filed: Vec<String> = reporting::store::submissions::for_period(&app.db, t.id, &latest)
        .await
        .unwrap()
        .into_iter()
        .map(|s| format!("{:?}", s.status))
        .collect();
    assert_eq!(filed.len(), 2, "{filed:?}");
    let mut visitor = app.client();
    let r = visitor
        .get(&format!(
            "/api/v1/data?indicator=SQI_TOTAL&unit=40,42&period={}",
            latest.id()
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let points: Vec<f64> = r.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["value"].as_f64())
        .collect();
    assert!(
        points.len() >= 2 && points.iter().all(|p| *p > 0.0 && *p <= 100.0),
        "{}",
        r.body
    );
    let dir = std::env::temp_dir().join(format!("egov-open-data-again-{}", std::process::id()));
    egov::demo::load(&app.db, &dir).await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM svc_dossiers").await,
        dossiers
    );
}
