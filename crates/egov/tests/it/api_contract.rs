//! The API's contract at the edge: every rejection in the error envelope with a 422 naming the
//! parameter (bad types, repeated parameters), empty parameters counted as absent, the `Bearer`
//! scheme in any case, and an OpenAPI document that says all of it (security schemes, status
//! codes, enumerations and formats). `scripts/api_contract_test.sh` checks a running server
//! against the document with schemathesis.

use axum::http::StatusCode;
use platform::audit::Actor;
use platform::identity::access::{Role, Scope};

use crate::on_both;
use crate::support::{Client, TestApp};

async fn token(app: &TestApp, role: Role) -> Client {
    let secret = app.token("contract", role, Scope::National).await;
    let mut c = app.client();
    c.bearer = Some(secret);
    c
}

fn assert_refused(r: &crate::support::Res, code: &str, field: &str) {
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json"),
        "{:?}",
        r.headers
    );
    let e = &r.json()["errors"][0];
    assert_eq!(e["code"], code, "{}", r.body);
    assert_eq!(e["field"], field, "{}", r.body);
    assert!(!e["detail"].as_str().unwrap().is_empty());
}

on_both!(
    bad_query_types_and_repeats_are_422_in_the_envelope,
    async |app: &TestApp| {
        reporting::engine::reference::load_default(&app.db, &Actor::system("test"))
            .await
            .unwrap();
        let mut c = app.client();
        let r = c.get("/api/v1/targets?year=abc").await;
        assert_refused(&r, "param_invalid", "year");
        assert!(
            r.json()["errors"][0]["detail"]
                .as_str()
                .unwrap()
                .contains("abc")
        );
        let r = c.get("/api/v1/units?level=province&level=commune").await;
        assert_refused(&r, "param_repeated", "level");
        let r = c.get("/sdmx/dataflow?format=json&format=xml").await;
        assert_refused(&r, "param_repeated", "format");

        // (The parameters are read before the permission is checked: a reporter suffices.)
        let mut admin = token(app, Role::Reporter).await;
        let before = app.count("SELECT COUNT(*) AS n FROM indicators").await;
        let r = admin
            .request_typed(
                "POST",
                "/api/v1/indicators/import?dry_run=yes",
                "code\nX\n".into(),
                "text/csv",
            )
            .await;
        assert_refused(&r, "param_invalid", "dry_run");
        let r = admin
            .request_typed(
                "POST",
                "/api/v1/targets/import?dry_run=1",
                "indicator,unit,year,target\n".into(),
                "text/csv",
            )
            .await;
        assert_refused(&r, "param_invalid", "dry_run");
        assert_eq!(
            app.count("SELECT COUNT(*) AS n FROM indicators").await,
            before
        );

        // JSON of another shape: 400 `json_invalid` naming the place.
        let mut reporter = token(app, Role::Reporter).await;
        let r = reporter
            .request_json(
                "POST",
                "/api/v1/data/batch",
                r#"{"unit":"40","period":"202509","values":[{"indicator":"X","value":"a"}]}"#
                    .into(),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        assert_eq!(r.error_code(), "json_invalid");
        assert_eq!(r.json()["errors"][0]["field"], "values[0].value");
        let r = reporter
            .request_json("POST", "/api/v1/data/batch", "{".into())
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        assert_eq!(r.error_code(), "json_invalid");

        // A path segment of the wrong type names no resource: the 404 page, not plain text.
        let mut admin_session = app
            .signed_in("contract_admin", Role::SystemAdmin, Scope::National)
            .await;
        let r = admin_session.get("/admin/users/abc").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
        assert!(r.body.contains("<html"), "{}", r.body);
    }
);

on_both!(
    an_empty_parameter_counts_as_absent,
    async |app: &TestApp| {
        reporting::engine::reference::load_default(&app.db, &Actor::system("test"))
            .await
            .unwrap();
        let mut c = app.client();
        let r = c.get("/api/v1/indicators?format=").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.json()["items"].as_array().unwrap().len() > 10);
        let r = c.get("/api/v1/targets?year=&unit=").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let r = c.get("/api/v1/units?level=&valid_on=&limit=2").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.json()["items"].as_array().unwrap().len(), 2);
    }
);

on_both!(
    the_bearer_scheme_is_case_insensitive,
    async |app: &TestApp| {
        let c = token(app, Role::Viewer).await;
        let secret = c.bearer.clone().unwrap();
        for scheme in ["Bearer", "bearer", "BEARER", "bEaReR"] {
            let req = axum::http::Request::builder()
                .uri("/api/v1/me")
                .header("host", "localhost")
                .header("authorization", format!("{scheme} {secret}"))
                .body(axum::body::Body::empty())
                .unwrap();
            let res = tower::ServiceExt::oneshot(app.router.clone(), req)
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::OK, "{scheme}");
        }
        let req = axum::http::Request::builder()
            .uri("/api/v1/me")
            .header("host", "localhost")
            .header("authorization", format!("Basic {secret}"))
            .body(axum::body::Body::empty())
            .unwrap();
        let res = tower::ServiceExt::oneshot(app.router.clone(), req)
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
);

#[test]
fn the_openapi_document_states_the_contract() {
    let doc = egov::openapi_json();
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["bearer"]["scheme"], "bearer");
    assert_eq!(schemes["session"]["in"], "cookie");
    assert_eq!(schemes["session"]["name"], "egov_session");
    let op = |path: &str, method: &str| doc["paths"][path][method].clone();
    // Status codes each of these can answer.
    for (path, method, status) in [
        ("/api/v1/data/batch", "post", "400"),
        ("/api/dataValueSets", "post", "400"),
        ("/api/dataValueSets", "post", "422"),
        ("/api/v1/targets/import", "post", "401"),
        ("/api/v1/targets", "get", "422"),
        ("/api/v1/units", "get", "401"),
    ] {
        assert!(
            op(path, method)["responses"].get(status).is_some(),
            "{method} {path} {status}"
        );
    }
    // Who may call: public data with or without credentials, the rest with one of the schemes.
    assert_eq!(
        op("/api/v1/units", "get")["security"][0],
        serde_json::json!({})
    );
    assert_eq!(
        op("/api/v1/data/bulk", "post")["security"],
        serde_json::json!([{"bearer": []}, {"session": []}])
    );
    // Enumerations, formats and patterns of the parameters.
    let param = |path: &str, name: &str| {
        op(path, "get")["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("{path} {name}"))["schema"]
            .clone()
    };
    let resolve = |s: serde_json::Value| match s["$ref"].as_str() {
        Some(r) => doc["components"]["schemas"][r.rsplit('/').next().unwrap()].clone(),
        None => s,
    };
    let level = resolve(param("/api/v1/units", "level"));
    assert!(
        level["enum"]
            .as_array()
            .unwrap()
            .contains(&"province".into()),
        "{level}"
    );
    let kind = resolve(param("/api/v1/agencies", "kind"));
    assert!(
        kind["enum"]
            .as_array()
            .unwrap()
            .contains(&"ministry".into()),
        "{kind}"
    );
    let format = resolve(param("/api/v1/data", "format"));
    assert!(
        format["enum"].as_array().unwrap().contains(&"xlsx".into()),
        "{format}"
    );
    assert_eq!(param("/api/v1/units", "valid_on")["format"], "date");
    assert_eq!(param("/api/v1/agencies", "valid_on")["format"], "date");
    assert!(param("/api/v1/data", "period")["pattern"].is_string());
    // Downloads are described with their content types.
    let content = &op("/api/v1/data", "get")["responses"]["200"]["content"];
    assert!(content.get("text/csv").is_some(), "{content}");
}
