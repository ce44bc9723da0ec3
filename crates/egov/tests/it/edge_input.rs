//! Input at the edge (platform::web::extract): control characters sent to EVERY route — the
//! JSON API's operations enumerated from the OpenAPI document, the pages and forms listed here
//! and checked against the routes declared in the sources — in query parameters, path
//! segments, form fields, JSON strings and keys, multipart fields and CSV/JSON files, by an
//! anonymous caller, a signed-in administrator, a signed-in reporter and a reporter's API token.
//! No request may fail with a 5xx, echo the character into a page, or store anything.

use std::collections::{BTreeMap, BTreeSet};

use axum::http::StatusCode;
use platform::audit::Actor;
use platform::db::Sql;
use platform::identity::access::{Role, Scope};
use serde_json::{Value, json};

use crate::on_both;
use crate::support::{Client, Res, TestApp};

/// NUL, ESC (C0), DEL and NEL (C1).
const CHARS: [char; 4] = ['\u{0}', '\u{1b}', '\u{7f}', '\u{85}'];

fn enc(s: &str) -> String {
    platform::web::ctx::urlencode(s).replace('/', "%2F")
}

/// Every table's rows, as text (sessions and API tokens only counted: a signed-in request
/// touches its own session's and token's last use).
async fn snapshot(app: &TestApp) -> BTreeMap<String, Vec<String>> {
    let tables_sql = if app.backend == "sqlite" {
        "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
    } else {
        "SELECT table_name AS name FROM information_schema.tables \
         WHERE table_schema = 'public' ORDER BY table_name"
    };
    let tables = app
        .db
        .fetch_all(tables_sql, platform::params![])
        .await
        .unwrap();
    let mut out = BTreeMap::new();
    for t in tables {
        let name: String = t.get("name").unwrap();
        if name.starts_with("_sqlx") {
            continue;
        }
        let rows = app
            .db
            .fetch_all(
                Sql::trusted(format!("SELECT * FROM {name}")),
                platform::params![],
            )
            .await
            .unwrap();
        let mut rows: Vec<String> = if name == "sessions" || name == "api_tokens" {
            vec![rows.len().to_string()]
        } else {
            rows.iter().map(|r| format!("{:?}", r.values())).collect()
        };
        rows.sort();
        out.insert(name, rows);
    }
    out
}

/// The operations of the OpenAPI document: (method, path template, query parameter names).
fn api_operations() -> Vec<(String, String, Vec<String>)> {
    let doc = egov::openapi_json();
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let query = op["parameters"]
                .as_array()
                .map(|ps| {
                    ps.iter()
                        .filter(|p| p["in"] == "query")
                        .map(|p| p["name"].as_str().unwrap().to_owned())
                        .collect()
                })
                .unwrap_or_default();
            ops.push((method.to_uppercase(), path.clone(), query));
        }
    }
    ops
}

const SITE_FIELDS: &[&str] = &[
    "code",
    "kind",
    "category",
    "name",
    "unit_code",
    "place",
    "latitude",
    "longitude",
    "url",
];
const CONFERENCE_FIELDS: &[&str] = &["title", "day", "start", "end", "chair", "host"];

/// Pages and forms (not in the OpenAPI document): (method, path template, query or form fields).
const PAGES: &[(&str, &str, &[&str])] = &[
    ("GET", "/", &[]),
    ("GET", "/login", &["next"]),
    ("POST", "/login", &["username", "password", "next"]),
    ("GET", "/login/totp", &["next"]),
    ("POST", "/login/totp", &["code", "next"]),
    ("POST", "/logout", &[]),
    ("POST", "/lang", &["lang", "next"]),
    ("GET", "/account", &["done"]),
    ("GET", "/account/password", &[]),
    (
        "POST",
        "/account/password",
        &["current", "new_password", "confirm"],
    ),
    ("POST", "/account/logout-all", &[]),
    ("GET", "/account/totp", &[]),
    ("POST", "/account/totp", &["code"]),
    ("GET", "/admin/users", &[]),
    (
        "POST",
        "/admin/users",
        &[
            "username",
            "display_name",
            "email",
            "password",
            "role",
            "scope_kind",
            "scope_code",
        ],
    ),
    ("GET", "/admin/users/{id}", &[]),
    // Citizens and businesses sign in (platform::web::citizen).
    ("GET", "/citizen", &[]),
    ("GET", "/citizen/login", &["next"]),
    ("GET", "/citizen/login/start", &["next"]),
    (
        "GET",
        "/citizen/callback",
        &["code", "state", "error", "error_description", "iss"],
    ),
    ("POST", "/citizen/demo", &["person", "next"]),
    ("GET", "/citizen/acting", &["next"]),
    ("POST", "/citizen/acting", &["tax_code", "next"]),
    ("POST", "/citizen/logout", &[]),
    ("GET", "/citizen/data", &[]),
    ("POST", "/citizen/data/export", &[]),
    (
        "POST",
        "/admin/users/{id}/grants",
        &["role", "scope_kind", "scope_code"],
    ),
    ("POST", "/admin/users/{id}/grants/{gid}/revoke", &[]),
    ("POST", "/admin/users/{id}/disable", &[]),
    ("POST", "/admin/users/{id}/enable", &[]),
    ("POST", "/admin/users/{id}/reset-password", &[]),
    ("GET", "/admin/tokens", &[]),
    (
        "POST",
        "/admin/tokens",
        &["name", "role", "scope_kind", "scope_code", "days"],
    ),
    ("POST", "/admin/tokens/{id}/revoke", &[]),
    (
        "GET",
        "/admin/audit",
        &["actor", "object_type", "object_id", "from", "to", "before"],
    ),
    ("GET", "/units", &["q", "level", "valid_on", "parent"]),
    ("GET", "/units/{code}", &["valid_on"]),
    ("GET", "/agencies", &["q", "kind", "valid_on"]),
    ("GET", "/reporting", &["period", "template"]),
    ("GET", "/reporting/worklist", &[]),
    ("GET", "/reporting/{unit}/{period}", &["done", "template"]),
    (
        "POST",
        "/reporting/{unit}/{period}",
        &["action", "v_RETAIL_SALES", "e_RETAIL_SALES"],
    ),
    (
        "GET",
        "/reporting/{unit}/{period}/template.xlsx",
        &["template"],
    ),
    ("POST", "/reporting/{unit}/{period}/upload", &["action"]),
    ("GET", "/reporting/catalogue", &[]),
    ("POST", "/reporting/catalogue/import", &["dry_run"]),
    ("GET", "/open-data", &[]),
    ("GET", "/operations", &[]),
    ("GET", "/operations/brief", &[]),
    ("GET", "/operations/brief/archive", &[]),
    ("GET", "/operations/brief/{day}", &[]),
    ("GET", "/operations/brief/{day}/pdf", &[]),
    ("POST", "/operations/brief/compose", &[]),
    (
        "POST",
        "/operations/brief/subscribers",
        &["email", "action"],
    ),
    ("POST", "/operations/brief/{day}/lead", &["lead"]),
    (
        "POST",
        "/operations/brief/{day}/news",
        &["title", "source", "summary", "link"],
    ),
    ("POST", "/operations/brief/{day}/news/{id}/delete", &[]),
    ("POST", "/operations/brief/{day}/publish", &[]),
    ("GET", "/operations/indicators/{code}", &["period", "view"]),
    ("GET", "/operations/provinces/{code}", &[]),
    ("GET", "/operations/alerts", &["state"]),
    ("GET", "/operations/sites/health", &[]),
    // Served by the demo only (its synthetic camera streams): 404 here.
    ("GET", "/demo/streams/{stream}/{file}", &[]),
    ("POST", "/operations/alerts/{id}/acknowledge", &["state"]),
    ("GET", "/operations/alerts/rules", &["done"]),
    (
        "POST",
        "/operations/alerts/rules",
        &["kind", "indicator", "template", "threshold", "recipients"],
    ),
    ("POST", "/operations/alerts/rules/{id}/active", &["active"]),
    ("GET", "/operations/cameras", &["category", "page"]),
    ("GET", "/operations/sites/{id}/hls/{*path}", &[]),
    ("GET", "/operations/wall", &["playlist", "step"]),
    ("GET", "/operations/dashboards/{id}", &[]),
    ("GET", "/wall", &["step"]),
    ("GET", "/wall/activate", &["token"]),
    ("POST", "/wall/activate", &["token"]),
    ("GET", "/operations/admin", &[]),
    (
        "POST",
        "/operations/admin/dashboards",
        &["name", "audience", "widgets"],
    ),
    ("GET", "/operations/admin/dashboards/{id}", &[]),
    (
        "POST",
        "/operations/admin/dashboards/{id}",
        &["name", "audience", "widgets"],
    ),
    ("POST", "/operations/admin/playlists", &["name", "entries"]),
    ("GET", "/operations/admin/playlists/{id}", &[]),
    (
        "POST",
        "/operations/admin/playlists/{id}",
        &["name", "entries"],
    ),
    (
        "POST",
        "/operations/admin/displays",
        &["name", "playlist", "access"],
    ),
    ("POST", "/operations/admin/displays/{id}/revoke", &[]),
    (
        "GET",
        "/operations/sites",
        &["kind", "category", "unit", "done"],
    ),
    ("POST", "/operations/sites", SITE_FIELDS),
    ("GET", "/operations/sites/new", &[]),
    ("GET", "/operations/sites/map", &[]),
    ("GET", "/operations/sites/export.csv", &[]),
    ("GET", "/operations/sites/import", &[]),
    ("POST", "/operations/sites/import", &[]),
    ("GET", "/operations/sites/{id}", &["done"]),
    ("POST", "/operations/sites/{id}", SITE_FIELDS),
    ("GET", "/operations/sites/{id}/edit", &[]),
    ("POST", "/operations/sites/{id}/active", &["active"]),
    ("GET", "/operations/conferences", &["done"]),
    ("POST", "/operations/conferences", CONFERENCE_FIELDS),
    ("GET", "/operations/conferences/{id}", &["done"]),
    ("POST", "/operations/conferences/{id}", CONFERENCE_FIELDS),
    ("GET", "/operations/conferences/{id}/edit", &[]),
    ("POST", "/operations/conferences/{id}/cancel", &[]),
    ("POST", "/operations/conferences/{id}/attendance", &[]),
    (
        "POST",
        "/operations/conferences/{id}/points/{site}/confirm",
        &[],
    ),
    ("GET", "/axis/agencies", &[]),
    ("POST", "/axis/agencies/{code}/state", &["state"]),
    ("GET", "/axis/traffic", &["days"]),
    ("GET", "/services/lookup", &["code", "secret"]),
    ("GET", "/services/procedures/{code}/apply", &[]),
    ("POST", "/services/procedures/{code}/apply", &["agency"]),
    ("GET", "/services/my", &[]),
    ("GET", "/services/my/{id}", &[]),
    ("GET", "/services/my/{id}/edit", &[]),
    (
        "POST",
        "/services/my/{id}/edit",
        &[
            "applicant_phone",
            "applicant_email",
            "applicant_address",
            "intent",
        ],
    ),
    ("GET", "/services/my/{id}/review", &[]),
    ("POST", "/services/my/{id}/submit", &[]),
    ("GET", "/services/my/{id}/receipt.pdf", &[]),
    ("POST", "/services/my/{id}/receipt", &["secret"]),
    ("POST", "/services/my/{id}/papers", &[]),
    ("POST", "/services/my/{id}/papers-added", &[]),
    ("POST", "/services/my/{id}/withdraw", &["reason"]),
    ("POST", "/services/my/{id}/pay", &[]),
    ("POST", "/services/my/{id}/rate", &["stars", "comment"]),
    ("GET", "/services/my/{id}/files/{n}", &[]),
    ("GET", "/services/desk", &["agency", "status", "after"]),
    (
        "GET",
        "/services/desk/register",
        &["agency", "from", "to", "after", "format"],
    ),
    ("GET", "/services/monitoring", &["month"]),
    ("GET", "/services/desk/new", &["agency"]),
    (
        "POST",
        "/services/desk/new",
        &[
            "agency",
            "procedure",
            "channel",
            "name",
            "identifier",
            "business",
            "phone",
            "email",
            "address",
        ],
    ),
    ("POST", "/services/desk/{id}/receipt", &["secret"]),
    ("GET", "/services/desk/{id}", &[]),
    (
        "POST",
        "/services/desk/{id}/act",
        &["action", "reason", "holder_note"],
    ),
    (
        "POST",
        "/services/desk/{id}/apology",
        &["new_date", "reason"],
    ),
    ("POST", "/services/desk/{id}/return", &[]),
    ("GET", "/services/desk/{id}/files/{n}", &[]),
    ("GET", "/services/desk/{id}/forms/{form}", &[]),
    (
        "GET",
        "/services/payments/return",
        &["vnp_TxnRef", "vnp_Amount", "vnp_SecureHash"],
    ),
    (
        "GET",
        "/services/payments/reconciliation",
        &["day", "agency"],
    ),
    ("GET", "/cabinet", &[]),
    ("GET", "/cabinet/passkeys", &[]),
    ("POST", "/cabinet/passkeys/start", &[]),
    (
        "POST",
        "/cabinet/passkeys/finish",
        &["ceremony", "credential", "name"],
    ),
    ("POST", "/cabinet/passkeys/{id}/delete", &[]),
    ("POST", "/cabinet/sign-key", &["public_key"]),
    ("GET", "/cabinet/bodies/{code}", &["page"]),
    (
        "POST",
        "/cabinet/bodies/{code}/members",
        &["username", "role_vi", "role_en", "from_day", "assistant"],
    ),
    (
        "POST",
        "/cabinet/bodies/{code}/members/{id}/end",
        &["to_day"],
    ),
    (
        "POST",
        "/cabinet/bodies/{code}/forms",
        &["title", "question", "lead_agency"],
    ),
    (
        "POST",
        "/cabinet/bodies/{code}/sessions",
        &["kind", "title", "starts_at", "place"],
    ),
    ("GET", "/cabinet/forms/{id}", &[]),
    ("POST", "/cabinet/forms/{id}/papers", &[]),
    ("GET", "/cabinet/forms/{id}/papers/{n}", &[]),
    ("POST", "/cabinet/forms/{id}/submit", &[]),
    ("POST", "/cabinet/forms/{id}/issue", &[]),
    (
        "POST",
        "/cabinet/forms/{id}/challenge",
        &["answer", "opinion"],
    ),
    (
        "POST",
        "/cabinet/forms/{id}/answer",
        &["answer", "opinion", "ceremony", "credential", "member_sig"],
    ),
    ("POST", "/cabinet/forms/{id}/conclude", &["conclusion"]),
    ("GET", "/cabinet/forms/{id}/synthesis", &[]),
    ("GET", "/cabinet/forms/{id}/synthesis.pdf", &[]),
    ("GET", "/cabinet/sessions/{id}", &[]),
    ("GET", "/cabinet/sessions/{id}/projector", &[]),
    (
        "POST",
        "/cabinet/sessions/{id}/items",
        &["title", "parent", "presenter", "minutes"],
    ),
    ("POST", "/cabinet/sessions/{id}/items/{item}/papers", &[]),
    ("GET", "/cabinet/sessions/{id}/items/{item}/papers/{n}", &[]),
    ("POST", "/cabinet/sessions/{id}/papers-sent", &[]),
    (
        "POST",
        "/cabinet/sessions/{id}/marks",
        &["item", "mark", "comment"],
    ),
    (
        "POST",
        "/cabinet/sessions/{id}/attendance",
        &["member", "presence", "substitute"],
    ),
    ("POST", "/cabinet/sessions/{id}/open", &[]),
    (
        "POST",
        "/cabinet/sessions/{id}/speakers",
        &["item", "member", "done"],
    ),
    ("POST", "/cabinet/sessions/{id}/drafts", &["item", "text"]),
    ("POST", "/cabinet/sessions/{id}/close", &["minutes"]),
    (
        "POST",
        "/cabinet/sessions/{id}/invitees",
        &["name", "organisation"],
    ),
    (
        "POST",
        "/cabinet/sessions/{id}/polls",
        &["question", "item", "secret"],
    ),
    ("GET", "/cabinet/polls/{id}", &[]),
    ("POST", "/cabinet/polls/{id}/close", &[]),
    (
        "POST",
        "/cabinet/polls/{id}/challenge",
        &["choice", "client_id"],
    ),
    (
        "POST",
        "/cabinet/polls/{id}/vote",
        &[
            "choice",
            "client_id",
            "ceremony",
            "credential",
            "member_sig",
        ],
    ),
    ("GET", "/healthz", &[]),
    ("GET", "/readyz", &[]),
    ("GET", "/metrics", &[]),
    ("GET", "/assets/{*file}", &[]),
    ("GET", "/api/v1/openapi.json", &[]),
    ("GET", "/api/docs", &[]),
    // The live stream: every request here carries a bad character, so none stays open.
    ("GET", "/api/v1/live", &["topics", "last_event_id"]),
    (
        "GET",
        "/sdmx/data/{flow}",
        &["startPeriod", "endPeriod", "format"],
    ),
    ("GET", "/sdmx/data/{flow}/{key}", &["startPeriod", "detail"]),
    (
        "GET",
        "/sdmx/data/{flow}/{key}/{provider}",
        &["lastNObservations"],
    ),
    ("GET", "/sdmx/dataflow", &["references", "format"]),
    (
        "GET",
        "/sdmx/dataflow/{agency}/{id}/{version}",
        &["references"],
    ),
    ("GET", "/sdmx/datastructure/{agency}", &["format"]),
    ("GET", "/sdmx/codelist/{agency}/{id}", &["references"]),
    ("GET", "/sdmx/conceptscheme", &["format"]),
    (
        "GET",
        "/documents/outgoing",
        &[
            "number", "notation", "subject", "party", "from", "to", "doc_type", "page", "done",
        ],
    ),
    (
        "POST",
        "/documents/outgoing",
        &[
            "doc_type",
            "subject",
            "summary",
            "signer_name",
            "signer_position",
            "recipients",
            "urgency",
            "due_date",
        ],
    ),
    ("GET", "/documents/outgoing/{id}", &["done"]),
    ("POST", "/documents/outgoing/{id}/number", &[]),
    ("POST", "/documents/outgoing/{id}/send", &[]),
    ("POST", "/documents/outgoing/{id}/revoke", &["reason"]),
    ("POST", "/documents/outgoing/{id}/take-back", &["reason"]),
    ("POST", "/documents/outgoing/{id}/replace", &["reason"]),
    (
        "POST",
        "/documents/outgoing/{id}/update",
        &["subject", "summary", "reason"],
    ),
    ("POST", "/documents/outgoing/{id}/upload", &[]),
    ("POST", "/documents/incoming/{id}/upload", &[]),
    (
        "GET",
        "/documents/incoming",
        &[
            "number", "notation", "subject", "party", "from", "to", "doc_type", "page", "done",
        ],
    ),
    ("GET", "/documents/incoming/{id}", &["done"]),
    (
        "POST",
        "/documents/incoming/{id}/{action}",
        &["reason", "assignee", "handling_days"],
    ),
    ("GET", "/documents/office", &["saved"]),
    ("POST", "/documents/office/{code}", &["abbreviation"]),
    (
        "GET",
        "/services",
        &["q", "field", "agency", "level", "online", "page"],
    ),
    ("GET", "/services/procedures/{code}", &[]),
    ("GET", "/services/procedures/{code}/form", &[]),
    (
        "POST",
        "/services/procedures/{code}/form",
        &["child_full_name", "child_birth_date"],
    ),
    (
        "GET",
        "/services/procedures/{code}/papers/{id}/form-file",
        &[],
    ),
    ("GET", "/services/admin", &["done"]),
    ("POST", "/services/admin/import", &["format"]),
    (
        "POST",
        "/services/admin/procedures",
        &[
            "code",
            "name_vi",
            "name_en",
            "field",
            "level",
            "agency",
            "processing_days",
            "fee_vnd",
            "papers",
            "online_level",
            "form_schema",
            "form_layout",
        ],
    ),
    ("GET", "/services/admin/procedures/new", &[]),
    ("GET", "/services/admin/procedures/{code}", &["done"]),
    (
        "POST",
        "/services/admin/procedures/{code}/publish",
        &["version"],
    ),
];

/// Routes that read no query string: an ignored parameter there is not input.
const NO_QUERY: &[&str] = &[
    "/",
    "/logout",
    "/account/password",
    "/account/logout-all",
    "/account/totp",
    "/admin/users",
    "/admin/users/{id}",
    "/admin/tokens",
    "/reporting/catalogue",
    "/reporting/worklist",
    "/operations",
    "/operations/provinces/{code}",
    "/operations/dashboards/{id}",
    "/operations/admin",
    "/operations/admin/dashboards/{id}",
    "/operations/admin/playlists/{id}",
    "/axis/agencies",
    "/api/v1/axis/agencies",
    "/api/v1/operations/overview",
    "/api/v1/operations/provinces/{code}",
    "/api/v1/operations/alerts/{id}/acknowledge",
    "/operations/sites/health",
    "/api/v1/operations/sites/health",
    "/demo/streams/{stream}/{file}",
    "/operations/brief",
    "/operations/brief/archive",
    "/operations/brief/{day}",
    "/operations/brief/{day}/pdf",
    "/operations/sites/new",
    "/operations/sites/map",
    "/operations/sites/export.csv",
    "/operations/sites/import",
    "/operations/sites/{id}/edit",
    "/operations/conferences/{id}/edit",
    "/open-data",
    "/healthz",
    "/readyz",
    "/metrics",
    "/assets/{*file}",
    "/api/v1/openapi.json",
    "/api/docs",
    "/api/v1/me",
    "/api/v1/data/batch",
    "/api/v1/data/bulk",
    "/api/dataValueSets",
    "/services/procedures/{code}",
    "/services/procedures/{code}/form",
    "/services/procedures/{code}/papers/{id}/form-file",
    "/services/procedures/{code}/apply",
    "/services/my",
    "/services/my/{id}",
    "/services/my/{id}/edit",
    "/services/my/{id}/review",
    "/services/my/{id}/receipt.pdf",
    "/services/my/{id}/files/{n}",
    "/services/desk/{id}",
    "/services/desk/{id}/files/{n}",
    "/services/desk/{id}/forms/{form}",
    "/services/admin/procedures/new",
    "/cabinet",
    "/cabinet/passkeys",
    "/cabinet/forms/{id}",
    "/cabinet/forms/{id}/papers/{n}",
    "/cabinet/forms/{id}/synthesis",
    "/cabinet/forms/{id}/synthesis.pdf",
    "/cabinet/sessions/{id}",
    "/cabinet/sessions/{id}/projector",
    "/cabinet/sessions/{id}/items/{item}/papers/{n}",
    "/cabinet/polls/{id}",
    "/api/v1/services/fields",
    "/api/v1/services/procedures/{code}",
    "/api/v1/services/procedures/{code}/versions",
    "/api/v1/services/procedures/{code}/draft",
    "/api/v1/services/procedures/{code}/versions/{version}/publish",
    "/api/v1/services/procedures/{code}/retire",
];

/// Every route path declared with `.route("…")` in the sources (outside unit tests) is covered by PAGES or the
/// OpenAPI document, so a new route cannot escape this test.
#[test]
fn every_declared_route_is_enumerated() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut declared = BTreeSet::new();
    for dir in [
        "platform/src",
        "registry/src",
        "reporting/src",
        "operations/src",
        "documents/src",
        "services/src",
        "cabinet/src",
    ] {
        let mut stack = vec![root.join(dir)];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|x| x == "rs")
                    // The demo's stand-in for a bank's payment gateway: its own little server,
                    // mounted under /demo/gateway by `egov demo` only.
                    && !p.ends_with("payment/test_gateway.rs")
                {
                    let src = std::fs::read_to_string(&p).unwrap();
                    // A module's own tests may serve throwaway routes (an upstream to fetch).
                    let src = src.split("#[cfg(test)]").next().unwrap_or_default();
                    let compact: String = src.split_whitespace().collect();
                    for part in compact.split(".route(\"").skip(1) {
                        declared.insert(part.split('"').next().unwrap().to_owned());
                    }
                }
            }
        }
    }
    let mut known: BTreeSet<String> = PAGES.iter().map(|(_, p, _)| p.to_string()).collect();
    known.extend(api_operations().into_iter().map(|(_, p, _)| p));
    let missing: Vec<_> = declared.difference(&known).collect();
    assert!(missing.is_empty(), "routes not enumerated: {missing:?}");
    assert!(declared.len() > 30, "{declared:?}");
}

/// A JSON body for each POST of the API; the test mutates each string in it.
fn json_body(path: &str) -> Value {
    match path {
        "/api/v1/data/batch" => json!({"unit": "40", "period": "202509", "submit": false,
            "values": [{"indicator": "RETAIL_SALES", "value": 1.0, "explanation": "giải trình"}]}),
        "/api/v1/data/bulk" => json!({"template": "BC-KTXH-THANG", "reports": [{"unit": "40",
            "period": "202509", "values": [{"indicator": "RETAIL_SALES", "value": 1.0,
            "explanation": "giải trình"}]}]}),
        "/api/dataValueSets" | "/api/{version}/dataValueSets" => {
            json!({"dataSet": "BC-KTXH-THANG", "period": "202509",
            "orgUnit": "40", "dataValues": [{"dataElement": "RETAIL_SALES", "value": "1",
            "comment": "ghi chú"}]})
        }
        "/api/v1/indicators/import" => json!([{"code": "EDGE_TEST", "name_vi": "Chỉ tiêu",
            "name_en": "Indicator", "unit_vi": "người", "unit_en": "persons", "domain": "7",
            "value_type": "number", "periodicity": "year", "agg_units": "sum",
            "agg_time": "last"}]),
        "/api/v1/targets/import" => json!([{"indicator": "RETAIL_SALES", "unit": "40",
            "year": "2026", "target": "5"}]),
        // A CSV endpoint: a JSON body is refused as a whole (415).
        "/api/v1/operations/sites/import" => json!({"code": "CAM-1"}),
        // No body: the path's segments are what the test mutates.
        "/api/v1/operations/alerts/{id}/acknowledge" => json!({}),
        // The document axis: unsigned requests are refused before their body is read.
        "/api/v1/axis/packages" | "/api/v1/axis/statuses" | "/api/v1/axis/packages/{id}/ack" => {
            json!({"package": "gói tin"})
        }
        "/api/v1/axis/agencies" => json!({"id": "G09", "name": "Bộ Tài chính",
            "certificate": "MIIB"}),
        "/api/v1/services/procedures/import" => json!([{"code": "1.999001",
            "name_vi": "Thủ tục thử", "name_en": "Test procedure", "field": "ho_tich",
            "level": "commune", "processing_days": 1, "fee_vnd": 0, "online_level": "full",
            "min_assurance": 1}]),
        // No body: the path's segments are what the test mutates.
        "/api/v1/services/procedures/{code}/versions/{version}/publish"
        | "/api/v1/services/procedures/{code}/retire"
        | "/api/v1/services/procedures/{code}/papers/{paper}/form-file" => json!({}),
        other => panic!("no sample body for POST {other}: add one"),
    }
}

/// The CSV bodies of the API's file endpoints: (path, content type, text with `@` for the char).
const CSV_BODIES: &[(&str, &str, &str)] = &[
    (
        "/api/v1/operations/sites/import",
        "text/csv",
        "code,kind,category,name,unit_code,place,latitude,longitude,url\n\
         CAM-1,camera,dam,Đ@p,40,,,,http://h/a.m3u8\n",
    ),
    (
        "/api/dataValueSets",
        "application/csv",
        "dataelement,period,orgunit,catoptcombo,attroptcombo,value,storedby,lastupdated,comment\n\
         RETAIL_SALES,202509,40,,,1,,,ghi@chú\n",
    ),
    (
        "/api/v1/targets/import",
        "text/csv",
        "indicator,unit,year,target\nRETAIL_SALES,4@0,2026,5\n",
    ),
    (
        "/api/v1/indicators/import",
        "text/csv",
        "code,name_vi,name_en\nEDGE_TEST,Chỉ@tiêu,Indicator\n",
    ),
];

/// Every copy of `v` with `c` put into one string (or one key).
fn mutations(v: &Value, c: char) -> Vec<Value> {
    match v {
        Value::String(s) => vec![Value::String(format!("{s}{c}x"))],
        Value::Array(items) => (0..items.len())
            .flat_map(|i| {
                mutations(&items[i], c).into_iter().map(move |m| {
                    let mut copy = items.clone();
                    copy[i] = m;
                    Value::Array(copy)
                })
            })
            .collect(),
        Value::Object(map) => {
            let mut out = Vec::new();
            for (k, item) in map {
                for m in mutations(item, c) {
                    let mut copy = map.clone();
                    copy.insert(k.clone(), m);
                    out.push(Value::Object(copy));
                }
            }
            if let Some(k) = map.keys().next() {
                let mut copy = map.clone();
                let item = copy.remove(k).unwrap();
                copy.insert(format!("{k}{c}"), item);
                out.push(Value::Object(copy));
            }
            out
        }
        _ => Vec::new(),
    }
}

fn fill(path: &str, value: &str) -> String {
    let base = [
        ("{id}", "1"),
        ("{gid}", "1"),
        ("{code}", "40"),
        ("{unit}", "40"),
        ("{period}", "202509"),
        ("{*file}", "app.css"),
        ("{*path}", "index.m3u8"),
        ("{flow}", "DF_KTXH_THANG"),
        ("{key}", "M.VN.RETAIL_SALES"),
        ("{provider}", "all"),
        ("{agency}", "EGOV"),
        ("{id}", "DF_KTXH_THANG"),
        ("{version}", "1.0"),
        ("{day}", "2026-12-01"),
        ("{paper}", "1"),
        ("{n}", "1"),
        ("{form}", "01"),
        ("{item}", "1"),
    ];
    let mut out = path.to_owned();
    for (k, v) in base {
        out = out.replacen(k, if value.is_empty() { v } else { value }, 1);
    }
    out
}

/// What every response must satisfy.
fn check(r: &Res, c: char, what: &str, must_refuse: bool) {
    assert!(
        !r.status.is_server_error(),
        "{what}: {} {}",
        r.status,
        r.body
    );
    assert!(
        !r.body.contains(c),
        "{what}: the character is written back: {}",
        r.body
    );
    if must_refuse {
        assert!(
            r.status.is_client_error() || r.status.is_redirection(),
            "{what}: accepted with {} {}",
            r.status,
            r.body
        );
    }
    if r.status == StatusCode::UNPROCESSABLE_ENTITY && what.contains("/api/") {
        let code = r.error_code();
        assert!(
            [
                "text_control_char",
                "cell_control_char",
                "json_invalid",
                "param_invalid"
            ]
            .contains(&code.as_str()),
            "{what}: {code} {}",
            r.body
        );
    }
}

async fn callers(app: &TestApp) -> Vec<(&'static str, Client)> {
    let admin = app
        .signed_in("edge_admin", Role::SystemAdmin, Scope::National)
        .await;
    let reporter = app
        .signed_in("edge_reporter", Role::Reporter, Scope::National)
        .await;
    // Visiting the second-factor set-up page stores a pending secret once: done before.
    let mut reporter = reporter;
    reporter.get("/account/totp").await;
    let token = app.token("edge", Role::Reporter, Scope::National).await;
    let mut api = app.client();
    api.bearer = Some(token);
    let mut anon = app.client();
    anon.get("/healthz").await;
    vec![
        ("anonymous", anon),
        ("admin", admin),
        ("reporter", reporter),
        ("token", api),
    ]
}

on_both!(
    control_characters_are_refused_on_every_route,
    async |app: &TestApp| {
        reporting::engine::reference::load_default(&app.db, &Actor::system("test"))
            .await
            .unwrap();
        let mut callers = callers(app).await;
        let before = snapshot(app).await;
        let mut sent = 0;
        for (who, client) in callers.iter_mut() {
            for c in CHARS {
                let bad = format!("a{c}b");
                // The API, as its OpenAPI document describes it.
                for (method, path, query) in api_operations() {
                    let takes_query = !NO_QUERY.contains(&path.as_str());
                    let mut names = query.clone();
                    names.push("q".into());
                    for name in &names {
                        let url = format!("{}?{name}={}", fill(&path, ""), enc(&bad));
                        let r = client.request(&method, &url, None).await;
                        check(&r, c, &format!("{who} {method} {url}"), takes_query);
                        sent += 1;
                    }
                    if path.contains('{') {
                        let url = fill(&path, &enc(&bad));
                        let r = client.request(&method, &url, None).await;
                        check(&r, c, &format!("{who} {method} {url}"), true);
                        sent += 1;
                    }
                    if method == "POST" {
                        for body in mutations(&json_body(&path), c) {
                            let r = client
                                .request_json("POST", &fill(&path, ""), body.to_string())
                                .await;
                            check(&r, c, &format!("{who} POST {path} {body}"), true);
                            sent += 1;
                        }
                    }
                }
                for (path, ct, text) in CSV_BODIES {
                    let body = text.replace('@', &c.to_string());
                    let r = client.request_typed("POST", path, body.clone(), ct).await;
                    check(&r, c, &format!("{who} POST {path} {body:?}"), true);
                    sent += 1;
                }
                // Pages and forms.
                for (method, path, fields) in PAGES {
                    if *method == "GET" {
                        let takes_query = !NO_QUERY.contains(path);
                        let mut names: Vec<&str> = fields.to_vec();
                        names.push("q");
                        for name in names {
                            let url = format!("{}?{name}={}", fill(path, ""), enc(&bad));
                            let r = client.get(&url).await;
                            check(&r, c, &format!("{who} GET {url}"), takes_query);
                            sent += 1;
                        }
                    } else if path.ends_with("/upload") || path.ends_with("/import") {
                        for name in fields.iter().chain(["csrf"].iter()) {
                            let r = client
                                .post_file(&fill(path, ""), &[(name, &bad)], "file", b"x")
                                .await;
                            check(&r, c, &format!("{who} POST {path} {name}"), true);
                            sent += 1;
                        }
                    } else {
                        let mut all: Vec<&str> = fields.to_vec();
                        all.push("extra");
                        for name in all {
                            let others: Vec<(&str, &str)> = fields
                                .iter()
                                .filter(|f| **f != name)
                                .map(|f| (*f, "1"))
                                .collect();
                            let mut form = others.clone();
                            form.push((name, &bad));
                            let r = client.post(&fill(path, ""), &form).await;
                            check(&r, c, &format!("{who} POST {path} {name}"), true);
                            sent += 1;
                        }
                    }
                    if path.contains('{') {
                        let url = fill(path, &enc(&bad));
                        let r = if *method == "GET" {
                            client.get(&url).await
                        } else {
                            client.post(&url, &[]).await
                        };
                        check(&r, c, &format!("{who} {method} {url}"), true);
                        sent += 1;
                    }
                }
            }
        }
        assert!(sent > 1000, "{sent} requests");
        let after = snapshot(app).await;
        for (table, rows) in &before {
            assert_eq!(
                Some(rows),
                after.get(table),
                "table {table} changed: {:?}",
                after.get("audit_log")
            );
        }
        assert_eq!(before.len(), after.len());
    }
);

on_both!(
    the_refusal_names_the_field_in_the_envelope,
    async |app: &TestApp| {
        let mut c = app.client();
        let r = c.get("/api/v1/units?q=a%00b").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        let e = &r.json()["errors"][0];
        assert_eq!(e["code"], "text_control_char");
        assert_eq!(e["field"], "q");
        assert!(e["detail"].as_str().unwrap().contains("U+0000"));
        // The login form: the page, with the same refusal, and no attempt counted.
        let r = c
            .post("/login", &[("username", "a\u{0}b"), ("password", "x")])
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains("U+0000"), "{}", r.body);
        // A multi-line explanation stays legitimate.
        let q: Value = json!({"values": ["dòng 1\r\ndòng 2\tcột"]});
        let v: Value = platform::web::extract::parse_json(q.to_string().as_bytes()).unwrap();
        assert_eq!(v, q);
    }
);
