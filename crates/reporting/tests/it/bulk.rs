//! The bulk ingestion path (`POST /api/v1/data/bulk`) on both databases: many reports in one
//! request, all or nothing, idempotent, scoped, audited once, history kept per change set, and
//! numbers stored exactly as sent.

use axum::http::StatusCode;
use platform::audit::Actor;
use platform::identity::access::{Role, Scope};
use reporting::Period;
use serde_json::{Value, json};

use crate::on_both;
use crate::support::TestApp;

async fn setup(app: &TestApp) -> (reporting::model::template::Template, String) {
    let t = crate::support::setup(app).await;
    let token = app
        .token(
            "Hệ thống của Tổng cục Thống kê",
            Role::Reporter,
            Scope::National,
        )
        .await;
    (t, token)
}

/// A report of every indicator of `t`, each value from `f(indicator code)`.
fn report(
    t: &reporting::model::template::Template,
    unit: &str,
    period: &str,
    f: impl Fn(&str) -> Value,
) -> Value {
    let values: Vec<Value> = t
        .indicators
        .iter()
        .map(|i| json!({"indicator": i.code, "value": f(&i.code)}))
        .collect();
    json!({"unit": unit, "period": period, "values": values})
}

const UNITS: [&str; 4] = ["40", "42", "01", "79"];
const MONTHS: [&str; 3] = ["202601", "202602", "202603"];

fn many(t: &reporting::model::template::Template, bump: f64) -> Value {
    let mut reports = Vec::new();
    for u in UNITS {
        for m in MONTHS {
            reports.push(report(t, u, m, |_| json!(100.0 + bump)));
        }
    }
    json!({"reports": reports})
}

async fn send(app: &TestApp, token: &str, body: &Value) -> crate::support::Res {
    let mut c = app.client();
    c.bearer = Some(token.to_owned());
    c.request_json("POST", "/api/v1/data/bulk", body.to_string())
        .await
}

on_both!(
    many_reports_in_one_request_idempotent_and_audited_once,
    async |app: &TestApp| {
        let (t, token) = setup(app).await;
        let audit_before = app.audit_count().await;
        let r = send(app, &token, &many(&t, 0.0)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let j = r.json();
        let n = UNITS.len() * MONTHS.len();
        assert_eq!(j["reports"], n);
        assert_eq!(j["changed"], n);
        assert_eq!(j["inserted"], n * t.indicators.len());
        assert_eq!(
            app.count("SELECT COUNT(*) AS n FROM data_values").await as usize,
            n * t.indicators.len()
        );
        assert_eq!(
            app.count("SELECT COUNT(*) AS n FROM submissions").await as usize,
            n
        );
        // One change set per report; one audit entry for the whole request.
        assert_eq!(
            app.count("SELECT COUNT(*) AS n FROM value_changes").await as usize,
            n
        );
        assert_eq!(app.audit_count().await, audit_before + 1);
        assert_eq!(
            app.count_where(
                "SELECT COUNT(*) AS n FROM audit_log WHERE action = $1",
                "report.bulk"
            )
            .await,
            1
        );

        // The same request again changes nothing.
        let r = send(app, &token, &many(&t, 0.0)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.json()["changed"], 0);
        assert_eq!(r.json()["unchanged"], n * t.indicators.len());
        assert_eq!(app.audit_count().await, audit_before + 1);
        assert_eq!(
            app.count("SELECT COUNT(*) AS n FROM value_changes").await as usize,
            n
        );

        // New figures: updated in place, the old ones kept in the history.
        let r = send(app, &token, &many(&t, 5.0)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.json()["updated"], n * t.indicators.len());
        let unit = registry::store::unit_by_code(&app.db, "40", registry::Day::today())
            .await
            .unwrap()
            .unwrap();
        let h = reporting::store::values::history(
            &app.db,
            t.indicators[0].id,
            unit.id,
            &Period::parse("202602").unwrap(),
        )
        .await
        .unwrap();
        let pairs: Vec<(Option<f64>, Option<f64>)> =
            h.iter().map(|e| (e.old_value, e.new_value)).collect();
        assert_eq!(pairs, vec![(None, Some(100.0)), (Some(100.0), Some(105.0))]);

        // Submitting them all moves every report on, one audit entry again.
        let mut body = many(&t, 5.0);
        body["submit"] = json!(true);
        let r = send(app, &token, &body).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.json()["changed"], n);
        assert_eq!(
            app.count_where(
                "SELECT COUNT(*) AS n FROM submissions WHERE status = $1",
                "submitted"
            )
            .await as usize,
            n
        );
        // Submitted reports are locked: sending other figures is refused whole.
        let r = send(app, &token, &many(&t, 9.0)).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
        assert_eq!(r.error_code(), "report_locked");
    }
);

on_both!(
    one_bad_report_rejects_the_request_and_names_it,
    async |app: &TestApp| {
        let (t, token) = setup(app).await;
        let mut body = many(&t, 0.0);
        // Report 4: an unknown indicator; report 7: a negative value of a bounded indicator.
        body["reports"][4]["values"]
            .as_array_mut()
            .unwrap()
            .push(json!({"indicator": "NOT_AN_INDICATOR", "value": 1.0}));
        body["reports"][7]["values"][1]["value"] = json!(-5.0);
        let r = send(app, &token, &body).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        let errors = r.json()["errors"].as_array().unwrap().clone();
        let fields: Vec<&str> = errors
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(
            fields,
            vec![
                "reports[4].v_NOT_AN_INDICATOR".to_owned(),
                format!("reports[7].v_{}", t.indicators[1].code)
            ]
        );
        assert!(
            errors[0]["detail"]
                .as_str()
                .unwrap()
                .contains("NOT_AN_INDICATOR")
        );
        assert_eq!(app.count("SELECT COUNT(*) AS n FROM data_values").await, 0);
        assert_eq!(app.count("SELECT COUNT(*) AS n FROM submissions").await, 0);

        // Messages in English on request.
        let mut c = app.client();
        c.bearer = Some(token.clone());
        c.lang = Some("en");
        let r = c
            .request_json("POST", "/api/v1/data/bulk", body.to_string())
            .await;
        assert!(
            r.json()["errors"][0]["detail"]
                .as_str()
                .unwrap()
                .starts_with("There is no indicator"),
            "{}",
            r.body
        );

        // A unit unknown for its period, a period of the wrong kind, a report sent twice.
        let mut body = many(&t, 0.0);
        body["reports"][0]["unit"] = json!("99");
        body["reports"][1]["period"] = json!("2026Q1");
        body["reports"][2] = body["reports"][3].clone();
        let r = send(app, &token, &body).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        let fields: Vec<String> = r.json()["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap_or("").to_owned())
            .collect();
        assert_eq!(fields, vec!["reports[1].period", "reports[0].unit"]);
        let mut body = many(&t, 0.0);
        body["reports"][2] = body["reports"][3].clone();
        let r = send(app, &token, &body).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert_eq!(r.error_code(), "report_repeated");
        assert_eq!(app.count("SELECT COUNT(*) AS n FROM data_values").await, 0);

        // Not JSON of the shape: 400.
        let r = send(app, &token, &json!({"reports": 3})).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    }
);

on_both!(
    a_province_may_send_only_its_own_reports,
    async |app: &TestApp| {
        let (t, _) = setup(app).await;
        let na = app.scope("unit", "40").await;
        let token = app.token("Sở Tài chính Nghệ An", Role::Reporter, na).await;
        let own = json!({"reports": [report(&t, "40", "202601", |_| json!(100.0)),
                                     report(&t, "40", "202602", |_| json!(101.0))]});
        let r = send(app, &token, &own).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let mixed = json!({"reports": [report(&t, "40", "202603", |_| json!(100.0)),
                                       report(&t, "42", "202603", |_| json!(100.0))]});
        let r = send(app, &token, &mixed).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
        assert_eq!(
            app.count_where(
                "SELECT COUNT(*) AS n FROM submissions WHERE period = $1",
                "202603"
            )
            .await,
            0
        );
        let r = app
            .client()
            .request_json("POST", "/api/v1/data/bulk", own.to_string())
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
);

on_both!(numbers_are_stored_exactly_as_sent, async |app: &TestApp| {
    let (t, token) = setup(app).await;
    // Awkward doubles within each indicator's rule (at most one decimal place; a count last):
    // decimals that binary cannot hold, magnitudes up to the limit of every value (10^15),
    // where a float keeps barely one decimal.
    let tricky: [f64; 8] = [
        0.1,
        0.3,
        123_456_789_012.3,
        0.7,
        999_999_999_999_999.9,
        98_765.4,
        1e15,
        999_999_999_999_999.0,
    ];
    let mut values = Vec::new();
    for (i, ind) in t.indicators.iter().enumerate() {
        values.push(json!({"indicator": ind.code, "value": tricky[i % tricky.len()]}));
    }
    let body = json!({"reports": [{"unit": "40", "period": "202601", "values": values}]});
    let r = send(app, &token, &body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let unit = registry::store::unit_by_code(&app.db, "40", registry::Day::today())
        .await
        .unwrap()
        .unwrap();
    let ids: Vec<i64> = t.indicators.iter().map(|i| i.id).collect();
    let stored =
        reporting::query::unit_values(&app.db, unit.id, &ids, &[Period::parse("202601").unwrap()])
            .await
            .unwrap();
    for (i, ind) in t.indicators.iter().enumerate() {
        let v = stored[&(ind.id, "202601".to_owned())];
        assert_eq!(
            v.to_bits(),
            tricky[i % tricky.len()].to_bits(),
            "{}",
            ind.code
        );
    }
    // So a re-send is recognised as unchanged.
    let r = send(app, &token, &body).await;
    assert_eq!(r.json()["changed"], 0, "{}", r.body);
});

on_both!(
    outliers_and_rules_apply_to_bulk_reports_too,
    async |app: &TestApp| {
        let (t, token) = setup(app).await;
        // Twelve approved months of steady figures for Nghệ An.
        let mut months = Vec::new();
        let mut p = Period::parse("202601").unwrap();
        for _ in 0..12 {
            p = p.previous();
            months.push(p.id());
        }
        let reports: Vec<Value> = months
            .iter()
            .enumerate()
            .map(|(k, m)| {
                report(&t, "40", m, |c| {
                    // Counts are whole numbers.
                    if c == "NEW_ENTERPRISES" {
                        json!(100 + k)
                    } else {
                        json!(100.0 + k as f64 / 10.0)
                    }
                })
            })
            .collect();
        let r = send(app, &token, &json!({"reports": reports, "submit": true})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        app.db
            .execute(
                "UPDATE data_values SET approved = $1",
                platform::params![true],
            )
            .await
            .unwrap();
        // Approved behind the workflow's back: the series and totals of approved values rebuilt.
        let mut tx = app.db.begin().await.unwrap();
        reporting::store::series::rebuild(&mut tx).await.unwrap();
        reporting::store::data::refresh_province_totals(&mut tx, None)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        // January: retail sales ten times the usual, unexplained, submitted → refused.
        let jump = |explain: bool| {
            let mut rep = report(&t, "40", "202601", |c| {
                json!(match c {
                    "RETAIL_SALES" => 1000.0,
                    "NEW_ENTERPRISES" => 100.0,
                    _ => 100.5,
                })
            });
            if explain {
                for v in rep["values"].as_array_mut().unwrap() {
                    if v["indicator"] == "RETAIL_SALES" {
                        v["explanation"] = json!("Khai trương trung tâm thương mại mới");
                    }
                }
            }
            json!({"reports": [report(&t, "42", "202601", |_| json!(100.0)), rep], "submit": true})
        };
        let r = send(app, &token, &jump(false)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        let fields: Vec<String> = r.json()["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap_or("").to_owned())
            .collect();
        assert!(
            fields.contains(&"reports[1].e_RETAIL_SALES".to_owned()),
            "{fields:?}"
        );
        assert_eq!(
            app.count_where(
                "SELECT COUNT(*) AS n FROM submissions WHERE period = $1",
                "202601"
            )
            .await,
            0
        );
        // Explained: accepted, with the warning reported on that report (the outlier and the
        // rule on the same jump are one warning, under the rule's code).
        let r = send(app, &token, &jump(true)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let warnings = r.json()["warnings"].as_array().unwrap().clone();
        assert!(
            warnings.iter().any(|w| w["report"] == 1
                && w["code"] == "rule_warning"
                && w["detail"].as_str().unwrap_or("").contains("khác thường")),
            "{warnings:?}"
        );
    }
);

on_both!(
    communes_roll_up_into_the_national_total_at_once,
    async |app: &TestApp| {
        let (_, token) = setup(app).await;
        let actor = Actor::system("test");
        let table = registry::import::read_csv(registry::seed::SAMPLE_COMMUNES.as_bytes()).unwrap();
        registry::import::import_communes(
            &app.db,
            &actor,
            &table,
            &registry::import::ImportOptions {
                valid_from: registry::Day::parse("2025-07-01").unwrap(),
                valid_to: None,
                dry_run: false,
            },
            &|_, _| {},
        )
        .await
        .unwrap();
        let t = reporting::store::templates::template(&app.db, "BC-TTHC-XA-QUY")
            .await
            .unwrap()
            .unwrap();
        let communes = ["90001", "90002", "90003"];
        let reports: Vec<Value> = communes
            .iter()
            .enumerate()
            .map(|(k, c)| report(&t, c, "2025Q4", |_| json!(10.0 * (k + 1) as f64)))
            .collect();
        let r = send(
            app,
            &token,
            &json!({"template": t.code, "submit": true, "reports": reports}),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let ind = t.indicators[0].clone();
        let q4 = Period::parse("2025Q4").unwrap();
        let total = async || {
            reporting::query::national(&app.db, std::slice::from_ref(&ind), &[q4])
                .await
                .unwrap()
                .get(&(ind.id, "2025Q4".to_owned()))
                .copied()
        };
        // Submitted, not approved: no national figure yet.
        assert_eq!(total().await, None);
        // Approved one by one: the total follows each approval.
        for (k, c) in communes.iter().enumerate() {
            let unit = registry::store::unit_by_code(&app.db, c, registry::Day::today())
                .await
                .unwrap()
                .unwrap();
            let s = reporting::store::submissions::find(&app.db, t.id, unit.id, &q4)
                .await
                .unwrap()
                .unwrap();
            reporting::engine::decide::decide(&app.db, &actor, s.id, s.version, true, None)
                .await
                .unwrap();
            let got = total().await.unwrap();
            let want: f64 = (0..=k).map(|j| 10.0 * (j + 1) as f64).sum();
            assert_eq!((got.value, got.units), (want, (k + 1) as i64));
        }
        // A correction of an approved commune value moves the total in the same transaction.
        let unit = registry::store::unit_by_code(&app.db, "90002", registry::Day::today())
            .await
            .unwrap()
            .unwrap();
        let entries: Vec<reporting::engine::save::Entry> = t
            .indicators
            .iter()
            .map(|i| reporting::engine::save::Entry {
                indicator: i.code.clone(),
                raw: if i.id == ind.id {
                    "25".into()
                } else {
                    "20".into()
                },
                explanation: None,
                lang: "en",
            })
            .collect();
        reporting::http::save::save(
            &app.db,
            &actor,
            &t,
            unit.id,
            &q4,
            &entries,
            None,
            reporting::model::status::Action::Correct,
            Some("Sổ theo dõi ghi thiếu"),
        )
        .await
        .unwrap();
        assert_eq!(total().await.unwrap().value, 10.0 + 25.0 + 30.0);
        // The totals equal a direct sum over the communes.
        let direct = app
            .db
            .fetch_one(
                "SELECT SUM(dv.value) AS v FROM data_values dv JOIN units u ON u.id = dv.unit_id \
                 WHERE u.level = 'commune' AND dv.approved AND dv.indicator_id = $1 AND dv.period = $2",
                platform::params![ind.id, "2025Q4"],
            )
            .await
            .unwrap()
            .get::<f64>("v")
            .unwrap();
        assert_eq!(direct, 65.0);
    }
);

// data_values refers only to rows that exist: SQLite by its declared foreign keys, PostgreSQL by
// statement-level checks (migration 0010). Both refuse a dangling reference in a multi-row write
// as a whole, and refuse deleting a parent that values still refer to.
on_both!(values_refer_only_to_existing_rows, async |app: &TestApp| {
    let (t, token) = setup(app).await;
    let r = send(app, &token, &many(&t, 0.0)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let row = app
        .db
        .fetch_one(
            "SELECT indicator_id, unit_id, submission_id FROM data_values ORDER BY indicator_id LIMIT 1",
            platform::params![],
        )
        .await
        .unwrap();
    let (ind, unit, sub): (i64, i64, i64) = (
        row.get("indicator_id").unwrap(),
        row.get("unit_id").unwrap(),
        row.get("submission_id").unwrap(),
    );
    let before = app.count("SELECT COUNT(*) AS n FROM data_values").await;
    let insert = async |i: i64, u: i64, s: i64| {
        app.db
            .execute(
                "INSERT INTO data_values (indicator_id, unit_id, period, value, submission_id, approved) \
                 VALUES ($1, $2, '209901', 1, $3, FALSE), ($4, $5, '209902', 1, $6, FALSE)",
                platform::params![ind, unit, sub, i, u, s],
            )
            .await
    };
    for (what, i, u, s) in [
        ("indicator", 987_654_321, unit, sub),
        ("unit", ind, 987_654_321, sub),
        ("submission", ind, unit, 987_654_321),
    ] {
        let e = insert(i, u, s).await;
        assert!(e.is_err(), "a value of a missing {what} was stored");
    }
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM data_values").await,
        before
    );
    // The same rows with existing parents go in (the check is not refusing everything).
    insert(ind, unit, sub).await.unwrap();
    // A submission that only values refer to cannot be deleted while they do, and can after.
    app.db
        .execute(
            "INSERT INTO submissions (template_id, unit_id, period, status, updated_at) \
             SELECT template_id, unit_id, '209903', 'draft', updated_at FROM submissions WHERE id = $1",
            platform::params![sub],
        )
        .await
        .unwrap();
    let lone: i64 = app
        .db
        .fetch_one(
            "SELECT id FROM submissions WHERE period = '209903'",
            platform::params![],
        )
        .await
        .unwrap()
        .get("id")
        .unwrap();
    insert(ind, unit, lone).await.unwrap_err(); // the key (ind, 209901, unit) is taken
    app.db
        .execute(
            "UPDATE data_values SET submission_id = $1 WHERE period = '209901'",
            platform::params![lone],
        )
        .await
        .unwrap();
    let delete = async || {
        app.db
            .execute(
                "DELETE FROM submissions WHERE id = $1",
                platform::params![lone],
            )
            .await
    };
    assert!(
        delete().await.is_err(),
        "a referenced submission was deleted"
    );
    app.db
        .execute(
            "DELETE FROM data_values WHERE period IN ('209901', '209902')",
            platform::params![],
        )
        .await
        .unwrap();
    assert_eq!(delete().await.unwrap(), 1);
    // An update may not point a value at a missing parent either.
    let e = app
        .db
        .execute(
            "UPDATE data_values SET unit_id = 987654321 WHERE indicator_id = $1",
            platform::params![ind],
        )
        .await;
    assert!(e.is_err(), "a value was moved to a missing unit");
});
