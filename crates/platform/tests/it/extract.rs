//! The shared extractors (`platform::web::extract`, `CsrfForm`) on the real router: a repeated
//! parameter or field, or a value of the wrong type, is refused in the error envelope — JSON under
//! `/api/`, the HTML error page on pages — never axum's plain-text rejection.

use axum::http::StatusCode;

use crate::on_both;
use crate::support::{Res, TestApp};

fn content_type(r: &Res) -> &str {
    r.headers
        .get("content-type")
        .map(|v| v.to_str().unwrap())
        .unwrap_or("")
}

on_both!(
    query_and_form_rejections_use_the_envelope,
    async |app: &TestApp| {
        let mut c = app.client();
        // Query, JSON API: a repeated parameter.
        let r = c.get("/api/v1/agencies?kind=ministry&kind=ministry").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(
            content_type(&r).starts_with("application/json"),
            "{}",
            r.body
        );
        assert_eq!(r.error_code(), "param_repeated", "{}", r.body);
        assert_eq!(r.json()["errors"][0]["field"], "kind", "{}", r.body);
        // Query, page: the HTML error page, in the request's language.
        c.lang = Some("en");
        let r = c.get("/units?q=a&q=b").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(content_type(&r).starts_with("text/html"), "{}", r.body);
        assert!(r.body.contains("<html"), "{}", r.body);
        // Form (CsrfForm): a repeated field and a control character.
        let r = c
            .post(
                "/login",
                &[("username", "a"), ("username", "b"), ("password", "x")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(content_type(&r).starts_with("text/html"), "{}", r.body);
        let r = c
            .post("/login", &[("username", "a\u{1}"), ("password", "x")])
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(content_type(&r).starts_with("text/html"), "{}", r.body);
    }
);
