//! What the reporter was warned about, as the approver sees it (issue 11, item 9), and how
//! warnings are worded (item 10): as an official would say it, in the reader's language, with
//! numbers written for that language, the rule's own description and one message per problem.

use axum::http::StatusCode;
use platform::identity::access::Role;
use serde_json::{Value, json};

use crate::on_both;
use crate::support::{TestApp, form, setup, submit_and_approve};

const P: &str = "202509";
const WHY: &str = "Khai trương trung tâm thương mại lớn";

/// Nghệ An's approved history before `P`: eight ordinary months (retail sales 1,000–1,070) and
/// the same month last year (990); every other indicator 100.
async fn history(app: &TestApp, t: &reporting::model::template::Template) {
    let unit = registry::store::unit_by_code(&app.db, "40", registry::Day::today())
        .await
        .unwrap()
        .unwrap();
    submit_and_approve(app, t, unit.id, "202409", "990").await;
    let mut p = reporting::Period::parse(P).unwrap();
    for i in (0..8).rev() {
        p = p.previous();
        submit_and_approve(app, t, unit.id, &p.id(), &format!("{}", 1000 + i * 10)).await;
    }
}

/// The text of the element whose `id` is given, up to the end of its list item.
fn item<'a>(body: &'a str, id: &str) -> &'a str {
    let at = body
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no element {id}: {body}"));
    let rest = &body[at..];
    &rest[..rest.find("</li>").unwrap_or(rest.len())]
}

/// The items of the page's error summary.
fn summary_items(body: &str) -> usize {
    let Some(at) = body.find("id=\"error-summary\"") else {
        return 0;
    };
    let rest = &body[at..];
    rest[..rest.find("</div>").unwrap()].matches("<li").count()
}

on_both!(
    the_approver_sees_each_warning_beside_the_explanation_and_earlier_figures,
    async |app: &TestApp| {
        let t = setup(app).await;
        history(app, &t).await;
        let na = app.scope("unit", "40").await;
        let mut reporter = app.signed_in("bc.na", Role::Reporter, na).await;
        let mut approver = app.signed_in("pd.na", Role::Approver, na).await;
        let path = format!("/reporting/40/{P}");
        let r = reporter
            .post_fields(
                &path,
                &form(
                    &t,
                    "9.000,5",
                    &[
                        ("action", "submit"),
                        ("version", "0"),
                        ("e_RETAIL_SALES", WHY),
                    ],
                ),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

        // The approver's page: the value flagged in words (not by colour alone), with the
        // reporter's explanation and the figures of last month and of the same month last year.
        let page = approver.get(&path).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("id=\"approve-report\""), "{}", page.body);
        let flag = item(&page.body, "warning-RETAIL_SALES");
        assert!(flag.contains("Cảnh báo"), "{flag}");
        assert!(
            flag.contains("9.000,5 tỷ đồng, gấp 8,4 lần tháng trước (1.070,0 tỷ đồng)"),
            "{flag}"
        );
        assert!(
            flag.contains("tăng hơn ba lần so với tháng trước"),
            "{flag}"
        );
        assert!(flag.contains(WHY), "{flag}");
        assert!(
            flag.contains("1.070,0") && flag.contains("990,0"),
            "previous period and last year: {flag}"
        );
        // Only the unusual value is flagged, and its row says so too.
        assert_eq!(
            page.body.matches("id=\"warning-").count(),
            1,
            "{}",
            page.body
        );
        assert!(
            page.body.contains("id=\"flag_RETAIL_SALES\""),
            "{}",
            page.body
        );

        // In English: the English name, English numbers, no rule expression, no z-score.
        approver.lang = Some("en");
        let page = approver.get(&path).await;
        let flag = item(&page.body, "warning-RETAIL_SALES");
        assert!(flag.contains("Warning"), "{flag}");
        assert!(
            flag.contains("9,000.5 VND billion, 8.4 times last month (1,070.0 VND billion)"),
            "{flag}"
        );
        assert!(flag.contains("1,070.0") && flag.contains("990.0"), "{flag}");
        assert!(flag.contains(WHY), "{flag}");
        let retail = t
            .indicators
            .iter()
            .find(|i| i.code == "RETAIL_SALES")
            .unwrap();
        assert!(!page.body.contains(&retail.name_vi), "{}", page.body);
        assert!(!page.body.contains("prev("), "{}", page.body);

        // Anyone who may read the report sees the same flags (the reporter too).
        let page = reporter.get(&path).await;
        assert!(
            item(&page.body, "warning-RETAIL_SALES").contains(WHY),
            "{}",
            page.body
        );
    }
);

on_both!(
    a_warning_is_one_plain_message_in_the_readers_language,
    async |app: &TestApp| {
        let t = setup(app).await;
        history(app, &t).await;
        let retail = t
            .indicators
            .iter()
            .find(|i| i.code == "RETAIL_SALES")
            .unwrap()
            .clone();
        let na = app.scope("unit", "40").await;
        let mut reporter = app.signed_in("bc.na", Role::Reporter, na).await;
        let path = format!("/reporting/40/{P}");
        let unexplained = form(&t, "9.000,5", &[("action", "submit"), ("version", "0")]);

        // Vietnamese: far above last month and far from its history, and a warning rule
        // broken on the same comparison: one message, as an official would say it.
        let r = reporter.post_fields(&path, &unexplained).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert_eq!(summary_items(&r.body), 1, "{}", r.body);
        assert!(
            r.body
                .contains("9.000,5 tỷ đồng, gấp 8,4 lần tháng trước (1.070,0 tỷ đồng)"),
            "{}",
            r.body
        );
        assert!(r.body.contains("cần giải trình để gửi"), "{}", r.body);
        assert!(
            r.body
                .contains("tổng mức bán lẻ tăng hơn ba lần so với tháng trước"),
            "the rule's own description: {}",
            r.body
        );
        for technical in ["chỉ số z", "prev(", "&#60;=", "&lt;=", "RETAIL_SALES <="] {
            assert!(!r.body.contains(technical), "{technical}: {}", r.body);
        }

        // English: the English name, numbers written the English way.
        reporter.lang = Some("en");
        let unexplained_en = form(&t, "9,000.5", &[("action", "submit"), ("version", "0")]);
        let r = reporter.post_fields(&path, &unexplained_en).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert_eq!(summary_items(&r.body), 1, "{}", r.body);
        assert!(
            r.body.contains(&format!(
                "{}: 9,000.5 VND billion, 8.4 times last month (1,070.0 VND billion)",
                retail.name_en
            )),
            "{}",
            r.body
        );
        assert!(
            r.body.contains("an explanation is needed to submit"),
            "{}",
            r.body
        );
        assert!(!r.body.contains(&retail.name_vi), "{}", r.body);
        for technical in ["z-score", "prev(", "&#60;=", "&lt;=", "RETAIL_SALES <="] {
            assert!(!r.body.contains(technical), "{technical}: {}", r.body);
        }

        // The JSON API: the same one problem with its stable code and field, worded the same.
        let mut api = app
            .token_client("ht", Role::Reporter, app.scope("unit", "40").await)
            .await;
        api.lang = Some("en");
        let values = |why: Option<&str>| -> Vec<Value> {
            t.indicators
                .iter()
                .map(|i| {
                    let mut v = json!({"indicator": i.code, "value": 100});
                    if i.code == "RETAIL_SALES" {
                        v["value"] = json!(9000.5);
                        if let Some(w) = why {
                            v["explanation"] = json!(w);
                        }
                    }
                    v
                })
                .collect()
        };
        let r = api
            .request_json(
                "POST",
                "/api/v1/data/batch",
                json!({"unit": "40", "period": P, "submit": true, "values": values(None)})
                    .to_string(),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        let errors = r.json()["errors"].as_array().unwrap().clone();
        assert_eq!(errors.len(), 1, "{}", r.body);
        assert_eq!(errors[0]["field"], "e_RETAIL_SALES", "{}", r.body);
        assert_eq!(errors[0]["code"], "rule_warning_unexplained", "{}", r.body);
        let detail = errors[0]["detail"].as_str().unwrap();
        assert!(
            detail.contains("9,000.5 VND billion, 8.4 times last month (1,070.0 VND billion)")
                && detail.contains("retail sales more than tripled since the previous month")
                && !detail.contains(&retail.name_vi),
            "{detail}"
        );
        // Explained, as a draft: one warning, saying the approver will see it.
        let r = api
            .request_json(
                "POST",
                "/api/v1/data/batch",
                json!({"unit": "40", "period": P, "values": values(Some("A new mall opened"))})
                    .to_string(),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let warnings = r.json()["warnings"].as_array().unwrap().clone();
        assert_eq!(warnings.len(), 1, "{}", r.body);
        assert_eq!(warnings[0]["code"], "rule_warning", "{}", r.body);
        assert_eq!(warnings[0]["field"], "v_RETAIL_SALES", "{}", r.body);
        let detail = warnings[0]["detail"].as_str().unwrap();
        assert!(detail.contains("the approver will see"), "{detail}");
    }
);
