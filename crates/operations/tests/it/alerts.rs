//! Issue 12, alerts: rules kept in the database, evaluated by the `operations.alerts` job, each
//! alert raised once with its e-mails, acknowledged by an authorised official, shown on the
//! overview and on `/operations/alerts`.

use axum::http::StatusCode;
use platform::audit::Actor;
use platform::identity::access::{Role, Scope};
use platform::params;
use reporting::Period;
use reporting::model::template::Template;

use operations::engine::alerts::{self as engine, NewRule};
use operations::model::alerts::Kind;

use crate::on_both;
use crate::support::{TestApp, approve, latest_month, provinces, setup};

async fn evaluate(app: &TestApp) -> usize {
    engine::evaluate(
        &app.db,
        registry::Day::today().0,
        platform::db::now_ms(),
        &[],
    )
    .await
    .unwrap()
}

/// Every province due for `period` approves a report whose retail sales are `retail`.
async fn approve_all(app: &TestApp, t: &Template, period: &Period, retail: &str) {
    for (id, _) in provinces(app, period).await {
        approve(app, t, id, period, retail).await;
    }
}

async fn count(app: &TestApp, sql: &'static str) -> i64 {
    app.db
        .fetch_one(sql, params![])
        .await
        .unwrap()
        .get("n")
        .unwrap()
}

async fn rule(app: &TestApp, kind: Kind, subject: &str, threshold: Option<f64>, to: &[&str]) {
    let (indicator, template) = if kind.watches_indicator() {
        (Some(subject.to_owned()), None)
    } else {
        (None, Some(subject.to_owned()))
    };
    engine::create_rule(
        &app.db,
        &Actor::system("test"),
        NewRule {
            kind,
            indicator,
            template,
            threshold,
            recipients: to.iter().map(|s| s.to_string()).collect(),
        },
    )
    .await
    .unwrap();
}

/// The monthly provincial report of the month before the latest due: its deadline has passed.
fn overdue_period(t: &Template) -> Period {
    t.latest_due(registry::Day::today().0).previous()
}

on_both!(
    a_threshold_rule_raises_one_alert_when_the_figure_crosses_it,
    async |app: &TestApp| {
        let t = setup(app).await;
        let mut admin = app
            .signed_in("qt.tw", Role::SystemAdmin, Scope::National)
            .await;
        // The rule, from the administrator's form: 1.000 in Vietnamese is one thousand.
        let r = admin
            .post(
                "/operations/alerts/rules",
                &[
                    ("kind", "above"),
                    ("indicator", "RETAIL_SALES"),
                    ("threshold", "1.000"),
                    ("recipients", "lanhdao@vpcp.gov.vn"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let page = admin.get("/operations/alerts/rules").await;
        assert!(page.body.contains("lanhdao@vpcp.gov.vn"), "{}", page.body);
        assert_eq!(
            count(
                app,
                "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'alert_rule.create'"
            )
            .await,
            1
        );
        assert_eq!(evaluate(app).await, 0, "no figure, no alert");
        let p = latest_month();
        // 40 in every province: the national sum is above 1,000 once all have reported.
        approve_all(app, &t, &p, "40").await;
        let n = provinces(app, &p).await.len() as f64;
        assert_eq!(evaluate(app).await, 1);
        assert_eq!(evaluate(app).await, 0, "raised once");
        let row = app
            .db
            .fetch_one(
                "SELECT kind, subject, period, value, threshold FROM alerts",
                params![],
            )
            .await
            .unwrap();
        assert_eq!(row.get::<String>("kind").unwrap(), "above");
        assert_eq!(row.get::<String>("subject").unwrap(), "RETAIL_SALES");
        assert_eq!(row.get::<String>("period").unwrap(), p.id());
        assert_eq!(row.get::<f64>("value").unwrap(), 40.0 * n);
        assert_eq!(row.get::<f64>("threshold").unwrap(), 1000.0);
        assert_eq!(count(app, "SELECT COUNT(*) AS n FROM alerts").await, 1);
        // Its e-mail is in the outbox once.
        assert_eq!(
            count(
                app,
                "SELECT COUNT(*) AS n FROM notifications WHERE dedupe_key LIKE 'alert:%'"
            )
            .await,
            1
        );
        // Pages that follow `alerts` hear of it.
        assert!(
            count(
                app,
                "SELECT COUNT(*) AS n FROM live_events WHERE topic = 'alerts'"
            )
            .await
                >= 1
        );
        // Anyone sees an alert on a public indicator on the overview, in both languages.
        let mut c = app.client();
        let o = c.get("/operations").await;
        assert!(o.body.contains("Cảnh báo"), "{}", o.body);
        assert!(o.body.contains("trên ngưỡng 1.000"), "{}", o.body);
        assert!(o.body.contains("data-live-topics=\"data,reports,alerts\""));
        c.lang = Some("en");
        let o = c.get("/operations").await;
        assert!(
            o.body.contains("above the threshold of 1,000"),
            "{}",
            o.body
        );
    }
);

on_both!(
    a_rule_form_with_mistakes_comes_back_with_each_one_and_writes_nothing,
    async |app: &TestApp| {
        setup(app).await;
        let mut admin = app
            .signed_in("qt.tw", Role::SystemAdmin, Scope::National)
            .await;
        let r = admin
            .post(
                "/operations/alerts/rules",
                &[
                    ("kind", "above"),
                    ("indicator", "RETAIL_SALES"),
                    ("threshold", "mười"),
                    ("recipients", "a@b.vn, khong-phai-dia-chi"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("“mười” không phải là một số"), "{}", r.body);
        assert!(
            r.body
                .contains("“khong-phai-dia-chi” không phải là một địa chỉ")
        );
        assert!(
            r.body.contains("href=\"#threshold\""),
            "the summary links to the field"
        );
        assert!(
            r.body.contains("a@b.vn, khong-phai-dia-chi"),
            "what was typed is kept"
        );
        let r = admin
            .post(
                "/operations/alerts/rules",
                &[
                    ("kind", "yoy_change"),
                    ("indicator", "KHONG_CO"),
                    ("threshold", "5"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.body.contains("Không có chỉ tiêu mã “KHONG_CO”"),
            "{}",
            r.body
        );
        assert_eq!(count(app, "SELECT COUNT(*) AS n FROM alert_rules").await, 0);
        // Rules are for national system administrators.
        let mut viewer = app.signed_in("xem.tw", Role::Viewer, Scope::National).await;
        assert_eq!(
            viewer.get("/operations/alerts/rules").await.status,
            StatusCode::FORBIDDEN
        );
    }
);

on_both!(
    a_change_on_last_year_beyond_the_rule_raises_an_alert,
    async |app: &TestApp| {
        let t = setup(app).await;
        rule(app, Kind::YoyChange, "RETAIL_SALES", Some(10.0), &[]).await;
        let p = latest_month();
        approve_all(app, &t, &p, "30").await;
        assert_eq!(evaluate(app).await, 0, "no last year, no change");
        approve_all(app, &t, &p.same_period_last_year(), "20").await;
        assert_eq!(evaluate(app).await, 1);
        assert_eq!(evaluate(app).await, 0);
        let row = app
            .db
            .fetch_one(
                "SELECT kind, period, value, threshold FROM alerts",
                params![],
            )
            .await
            .unwrap();
        assert_eq!(row.get::<String>("kind").unwrap(), "yoy_change");
        assert_eq!(row.get::<String>("period").unwrap(), p.id());
        let change = row.get::<f64>("value").unwrap();
        assert!((change - 50.0).abs() < 1e-9, "{change}");
        assert_eq!(row.get::<f64>("threshold").unwrap(), 10.0);
    }
);

on_both!(
    reports_missing_at_their_deadline_raise_an_alert_naming_the_units,
    async |app: &TestApp| {
        let t = setup(app).await;
        rule(app, Kind::ReportMissing, &t.code, None, &[]).await;
        let p = overdue_period(&t);
        let units = provinces(app, &p).await;
        // One province reports after the deadline: late, so named too.
        approve(app, &t, units[0].0, &p, "1").await;
        assert!(evaluate(app).await >= 1);
        assert_eq!(evaluate(app).await, 0);
        let row = app
            .db
            .fetch_one(
                "SELECT value, detail FROM alerts WHERE kind = 'report_missing' AND period = $1",
                params![p.id()],
            )
            .await
            .unwrap();
        assert_eq!(row.get::<f64>("value").unwrap(), units.len() as f64);
        let detail: serde_json::Value =
            serde_json::from_str(&row.get::<String>("detail").unwrap()).unwrap();
        assert_eq!(detail["units_total"].as_u64(), Some(units.len() as u64));
        assert!(
            detail["units"]
                .as_array()
                .unwrap()
                .iter()
                .any(|u| u[0] == units[0].1.as_str())
        );
        // Officials see it with the units; the public does not.
        let mut official = app.signed_in("xem.tw", Role::Viewer, Scope::National).await;
        let page = official.get("/operations/alerts").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains(&format!(
                "{n}/{n} đơn vị chưa gửi báo cáo đúng hạn",
                n = units.len()
            )),
            "{}",
            page.body
        );
        let o = official.get("/operations").await;
        assert!(
            o.body.contains("đơn vị chưa gửi báo cáo đúng hạn"),
            "{}",
            o.body
        );
        let o = app.client().get("/operations").await;
        assert!(!o.body.contains("đơn vị chưa gửi báo cáo đúng hạn"));
        let public = app.client().get("/api/v1/operations/alerts").await.json();
        assert!(public["items"].as_array().unwrap().is_empty(), "{public}");
        let listed = official.get("/api/v1/operations/alerts").await.json();
        assert!(
            listed["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a["kind"] == "report_missing" && a["period"] == p.id().as_str())
        );
        assert_eq!(
            app.client().get("/operations/alerts").await.status,
            StatusCode::SEE_OTHER,
            "the list needs a sign-in"
        );
    }
);

on_both!(
    an_alert_is_acknowledged_by_an_authorised_official_only,
    async |app: &TestApp| {
        let t = setup(app).await;
        rule(app, Kind::ReportMissing, &t.code, None, &[]).await;
        evaluate(app).await;
        let p = overdue_period(&t);
        let id: i64 = app
            .db
            .fetch_one("SELECT id FROM alerts WHERE period = $1", params![p.id()])
            .await
            .unwrap()
            .get("id")
            .unwrap();
        let path = format!("/operations/alerts/{id}/acknowledge");
        let acked = async || {
            app.db
                .fetch_one(
                    "SELECT acknowledged_at, acknowledged_by FROM alerts WHERE id = $1",
                    params![id],
                )
                .await
                .unwrap()
        };
        // A viewer gets the list back with the reason, in their language; nothing changes.
        let mut viewer = app.signed_in("xem.tw", Role::Viewer, Scope::National).await;
        let r = viewer.post(&path, &[("state", "open")]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert!(
            r.body.contains("Bạn không có quyền xác nhận cảnh báo"),
            "{}",
            r.body
        );
        assert!(r.body.contains("error-summary"));
        assert_eq!(
            acked().await.get::<Option<i64>>("acknowledged_at").unwrap(),
            None
        );
        // A national approver acknowledges it: who and when are recorded and audited.
        let before = platform::db::now_ms();
        let events = "SELECT COUNT(*) AS n FROM live_events WHERE topic = 'alerts'";
        let events_before = count(app, events).await;
        let mut approver = app
            .signed_in("pheduyet.tw", Role::Approver, Scope::National)
            .await;
        let r = approver.post(&path, &[("state", "open")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let row = acked().await;
        assert_eq!(
            row.get::<Option<String>>("acknowledged_by")
                .unwrap()
                .as_deref(),
            Some("pheduyet.tw")
        );
        assert!(row.get::<Option<i64>>("acknowledged_at").unwrap().unwrap() >= before);
        assert_eq!(
            count(
                app,
                "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'alert.acknowledge'"
            )
            .await,
            1
        );
        assert_eq!(
            count(app, events).await,
            events_before + 1,
            "open pages hear of it"
        );
        // Once only.
        let r = approver.post(&path, &[("state", "open")]).await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(r.body.contains("đã được xác nhận trước đó"));
        // The history shows it; the open list and the overview no longer do.
        let page = approver.get("/operations/alerts?state=acknowledged").await;
        assert!(
            page.body.contains("Đã xác nhận bởi pheduyet.tw"),
            "{}",
            page.body
        );
        let page = approver.get("/operations/alerts").await;
        assert!(!page.body.contains(&format!("id=\"alert-{id}\"")));
        let o = approver.get("/operations").await;
        assert!(!o.body.contains(&format!("id=\"alert-{id}\"")));
        assert_eq!(
            approver.get("/operations/alerts?state=closed").await.status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
);

on_both!(
    each_new_alert_is_e_mailed_once_with_the_reminders_over_smtp,
    async |app: &TestApp| {
        let t = setup(app).await;
        rule(
            app,
            Kind::ReportMissing,
            &t.code,
            None,
            &["lanhdao@vpcp.gov.vn", "truc.ban@vpcp.gov.vn"],
        )
        .await;
        let raised = evaluate(app).await;
        assert!(raised >= 1);
        evaluate(app).await;
        let queued = count(
            app,
            "SELECT COUNT(*) AS n FROM notifications WHERE dedupe_key LIKE 'alert:%'",
        )
        .await;
        assert_eq!(queued, 2 * raised as i64, "one per recipient, once");
        // A reporting reminder waiting in the same outbox.
        let mut tx = app.db.begin().await.unwrap();
        reporting::store::reminders::queue(
            &mut tx,
            &reporting::store::reminders::Reminder {
                recipient: "baocao@nghean.gov.vn",
                subject: "[egov] Sắp đến hạn báo cáo",
                body: "Kính gửi anh/chị,",
                dedupe_key: "reminder:test",
            },
            platform::db::now_ms(),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        // The `mail.deliver` job's round sends every one of them over SMTP, once.
        let (url, got) = platform::mail::sink::smtp_sink(false).await;
        let mailer = platform::mail::SmtpMailer::new(&url, "egov <egov@example.gov.vn>").unwrap();
        let done = platform::mail::deliver_pending(&app.db, &mailer, 200)
            .await
            .unwrap();
        assert_eq!(done.sent as i64, queued + 1);
        assert_eq!(done.failed, 0);
        let received = got.lock().unwrap().clone();
        assert_eq!(received.len() as i64, queued + 1);
        assert!(
            received
                .iter()
                .any(|m| m.contains("To: lanhdao@vpcp.gov.vn"))
        );
        assert!(
            received
                .iter()
                .any(|m| m.contains("To: baocao@nghean.gov.vn"))
        );
        let again = platform::mail::deliver_pending(&app.db, &mailer, 200)
            .await
            .unwrap();
        assert_eq!(again.sent, 0);
    }
);

on_both!(
    a_figure_off_its_yearly_target_raises_an_alert,
    async |app: &TestApp| {
        let t = setup(app).await;
        rule(app, Kind::OffTarget, "RETAIL_SALES", None, &[]).await;
        // Judged early in a year, so that the year to date is a month or two.
        let today = time::macros::date!(2026 - 03 - 01);
        let p = reporting::model::calendar::latest_due_month(today);
        for m in p.year_to_date() {
            approve_all(app, &t, &m, "10").await;
        }
        let n = provinces(app, &p).await.len() as f64;
        let ytd = 10.0 * n * f64::from(p.index);
        // A yearly target twelve times the pace: the year to date is at about 8 %.
        let ind = reporting::store::catalogue::by_code(&app.db, "RETAIL_SALES")
            .await
            .unwrap()
            .unwrap();
        let mut tx = app.db.begin().await.unwrap();
        reporting::store::targets::upsert_in(
            &mut tx,
            ind.id,
            &reporting::model::target::Target {
                indicator: "RETAIL_SALES".into(),
                unit: "VN".into(),
                year: i64::from(p.year),
                value: ytd * 144.0 / f64::from(p.index),
            },
            platform::db::now_ms(),
            "test",
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let now = platform::db::now_ms();
        // The latest month due and the month before are judged: each of this year is behind.
        let judged = usize::from(p.index.min(2));
        assert_eq!(
            engine::evaluate(&app.db, today, now, &[]).await.unwrap(),
            judged
        );
        assert_eq!(engine::evaluate(&app.db, today, now, &[]).await.unwrap(), 0);
        let row = app
            .db
            .fetch_one(
                "SELECT kind, period, value, threshold FROM alerts WHERE period = $1",
                params![p.id()],
            )
            .await
            .unwrap();
        assert_eq!(row.get::<String>("kind").unwrap(), "off_target");
        assert_eq!(row.get::<String>("period").unwrap(), p.id());
        let pct = row.get::<f64>("value").unwrap();
        assert!((pct - 100.0 / 12.0).abs() < 1e-9, "{pct}");
        assert_eq!(row.get::<f64>("threshold").unwrap(), 90.0);
    }
);

on_both!(
    a_rule_turned_off_raises_nothing_until_turned_on_again,
    async |app: &TestApp| {
        let t = setup(app).await;
        rule(app, Kind::ReportMissing, &t.code, None, &[]).await;
        let id: i64 = app
            .db
            .fetch_one("SELECT id FROM alert_rules", params![])
            .await
            .unwrap()
            .get("id")
            .unwrap();
        let mut admin = app
            .signed_in("qt.tw", Role::SystemAdmin, Scope::National)
            .await;
        let path = format!("/operations/alerts/rules/{id}/active");
        let r = admin.post(&path, &[("active", "false")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(evaluate(app).await, 0);
        let r = admin.post(&path, &[("active", "true")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(evaluate(app).await >= 1);
        assert_eq!(
            count(
                app,
                "SELECT COUNT(*) AS n FROM audit_log WHERE action IN ('alert_rule.disable', 'alert_rule.enable')"
            )
            .await,
            2
        );
        // Only national system administrators may.
        let mut approver = app
            .signed_in("pheduyet.tw", Role::Approver, Scope::National)
            .await;
        let r = approver.post(&path, &[("active", "false")]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
);

on_both!(
    an_api_token_acknowledges_an_alert_once_and_a_lower_role_cannot,
    async |app: &TestApp| {
        let t = setup(app).await;
        rule(app, Kind::ReportMissing, &t.code, None, &[]).await;
        evaluate(app).await;
        let p = overdue_period(&t);
        let id: i64 = app
            .db
            .fetch_one("SELECT id FROM alerts WHERE period = $1", params![p.id()])
            .await
            .unwrap()
            .get("id")
            .unwrap();
        let path = format!("/api/v1/operations/alerts/{id}/acknowledge");
        let audited = "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'alert.acknowledge'";
        let open = "SELECT COUNT(*) AS n FROM alerts WHERE acknowledged_at IS NULL";
        let open_before = count(app, open).await;
        // No credentials; a viewer's token; a provincial approver's token: refused, nothing
        // changes.
        let r = app.client().request("POST", &path, None).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
        let mut viewer = app.token_client("xem", Role::Viewer, Scope::National).await;
        let r = viewer.request("POST", &path, None).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
        assert_eq!(r.error_code(), "forbidden");
        let province = app.scope("unit", "40").await;
        let mut local = app.token_client("pd.na", Role::Approver, province).await;
        let r = local.request("POST", &path, None).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
        assert_eq!(count(app, audited).await, 0);
        assert_eq!(count(app, open).await, open_before);
        // A national approver's token: acknowledged, audited, the alert returned.
        let mut approver = app
            .token_client("he-thong-dieu-hanh", Role::Approver, Scope::National)
            .await;
        let before = platform::db::now_ms();
        let r = approver.request("POST", &path, None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let j = r.json();
        assert_eq!(j["id"], id);
        let by = j["acknowledged_by"].as_str().unwrap().to_owned();
        // The token as the audit trail names it.
        assert!(by.starts_with("token:egov_"), "{by}");
        assert!(j["acknowledged_at"].as_i64().unwrap() >= before);
        assert_eq!(count(app, audited).await, 1);
        assert_eq!(count(app, open).await, open_before - 1);
        // A second time, by anyone: 409 naming the first acknowledger; nothing changes.
        let mut other = app
            .token_client("other", Role::Approver, Scope::National)
            .await;
        for c in [&mut approver, &mut other] {
            let r = c.request("POST", &path, None).await;
            assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
            assert_eq!(r.error_code(), "alert_already_acknowledged");
            let detail = r.json()["errors"][0]["detail"].as_str().unwrap().to_owned();
            assert!(detail.contains(&by), "{detail}");
        }
        other.lang = Some("en");
        let r = other.request("POST", &path, None).await;
        assert!(r.body.contains("acknowledged already, by"), "{}", r.body);
        assert_eq!(count(app, audited).await, 1);
        let row = app
            .db
            .fetch_one(
                "SELECT acknowledged_by FROM alerts WHERE id = $1",
                params![id],
            )
            .await
            .unwrap();
        assert_eq!(
            row.get::<Option<String>>("acknowledged_by").unwrap(),
            Some(by)
        );
        // An unknown alert.
        let r = other
            .request("POST", "/api/v1/operations/alerts/999999/acknowledge", None)
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        // The cookie form is never driven by a token.
        let r = other
            .request(
                "POST",
                &format!("/operations/alerts/{id}/acknowledge"),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert!(
            r.body
                .contains("API tokens are accepted by the JSON API only")
        );
    }
);

on_both!(
    a_session_acknowledges_by_json_from_its_own_origin_only,
    async |app: &TestApp| {
        let t = setup(app).await;
        rule(app, Kind::ReportMissing, &t.code, None, &[]).await;
        evaluate(app).await;
        let id: i64 = app
            .db
            .fetch_one("SELECT MIN(id) AS id FROM alerts", params![])
            .await
            .unwrap()
            .get("id")
            .unwrap();
        let path = format!("/api/v1/operations/alerts/{id}/acknowledge");
        let mut approver = app
            .signed_in("pheduyet.tw", Role::Approver, Scope::National)
            .await;
        // Another site's page posting with the official's cookies: refused.
        let req = testkit::Req::new("POST", &path)
            .cookies(&approver)
            .header(axum::http::header::ORIGIN, "https://evil.example");
        let r = approver.send(req).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
        assert_eq!(
            count(
                app,
                "SELECT COUNT(*) AS n FROM alerts WHERE acknowledged_at IS NOT NULL"
            )
            .await,
            0
        );
        let r = approver.request("POST", &path, None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.json()["acknowledged_by"], "pheduyet.tw");
    }
);

/// The recipients of the alerts' e-mails in the outbox, sorted.
async fn alert_recipients(app: &TestApp) -> Vec<String> {
    let mut out: Vec<String> = app
        .db
        .fetch_all(
            "SELECT recipient FROM notifications WHERE dedupe_key LIKE 'alert:%'",
            params![],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get::<String>("recipient").unwrap())
        .collect();
    out.sort();
    out
}

on_both!(
    a_rule_without_recipients_e_mails_the_configured_default_recipients,
    async |app: &TestApp| {
        let t = setup(app).await;
        // The setting as an operator writes it, read and checked as at start.
        let mut config = platform::config::Config::default();
        config
            .apply_env(|k| {
                (k == "EGOV_ALERT_RECIPIENTS")
                    .then(|| "truc.ban@example.gov.vn, lanh.dao@example.gov.vn".into())
            })
            .unwrap();
        config.check_alert_recipients().unwrap();
        let defaults = config.alert_recipients.clone();
        // A rule of its own recipients, and one without.
        rule(app, Kind::ReportMissing, &t.code, None, &[]).await;
        let today = registry::Day::today().0;
        let raised = engine::evaluate(&app.db, today, platform::db::now_ms(), &defaults)
            .await
            .unwrap();
        assert!(raised > 0);
        let alerts = count(app, "SELECT COUNT(*) AS n FROM alerts").await as usize;
        let got = alert_recipients(app).await;
        assert_eq!(got.len(), alerts * 2, "{got:?}");
        assert!(got.iter().all(|r| defaults.contains(r)), "{got:?}");
        // A rule with recipients of its own e-mails them only.
        rule(
            app,
            Kind::Above,
            "RETAIL_SALES",
            Some(1.0),
            &["phong.tk@example.gov.vn"],
        )
        .await;
        let p = latest_month();
        approve_all(app, &t, &p, "5").await;
        let before = got.len();
        let raised = engine::evaluate(&app.db, today, platform::db::now_ms(), &defaults)
            .await
            .unwrap();
        assert!(raised > 0);
        let got = alert_recipients(app).await;
        assert_eq!(
            got.iter()
                .filter(|r| *r == "phong.tk@example.gov.vn")
                .count(),
            got.len() - before,
            "{got:?}"
        );
    }
);
