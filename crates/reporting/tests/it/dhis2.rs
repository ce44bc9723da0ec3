//! DHIS2 compatibility of `POST /api/dataValueSets` (issue 9, item 13) on both databases:
//! dryRun writes nothing, each import strategy, identifier schemes (and their refusal), strict
//! parameters, deletions counted as deleted, option combos other than the default refused,
//! partial import, and DHIS2 2.38+'s WebMessage (the bare summary under `/api/37/`).

use axum::http::StatusCode;
use platform::audit::Actor;
use platform::identity::access::Role;
use reporting::model::template::MONTHLY_PROVINCIAL;
use serde_json::{Value, json};

use crate::on_both;
use crate::support::{Client, TestApp};

/// The catalogue and a reporter token for Nghệ An (province 40).
async fn setup(app: &TestApp) -> Client {
    reporting::engine::reference::load_default(&app.db, &Actor::system("test"))
        .await
        .unwrap();
    let na = app.scope("unit", "40").await;
    let mut c = app.token_client("DHIS2 Nghệ An", Role::Reporter, na).await;
    c.lang = Some("en");
    c
}

async fn post(c: &mut Client, query: &str, set: &Value) -> (StatusCode, Value) {
    let r = c
        .request_json(
            "POST",
            &format!("/api/dataValueSets{query}"),
            set.to_string(),
        )
        .await;
    let status = r.status;
    let body = serde_json::from_str(&r.body).unwrap_or_else(|_| json!({"raw": r.body}));
    (status, body)
}

fn set(values: Value) -> Value {
    json!({"dataSet": "BC-KTXH-THANG", "period": "202510", "orgUnit": "40", "dataValues": values})
}

/// Stored values of Nghệ An in October 2025: (indicator code, value), by code.
async fn stored(app: &TestApp) -> Vec<(String, f64)> {
    let rows = app
        .db
        .fetch_all(
            "SELECT i.code, v.value FROM data_values v JOIN indicators i ON i.id = v.indicator_id \
             JOIN units u ON u.id = v.unit_id WHERE u.code = '40' AND v.period = '202510' ORDER BY i.code",
            platform::params![],
        )
        .await
        .unwrap();
    rows.iter()
        .map(|r| (r.get("code").unwrap(), r.get("value").unwrap()))
        .collect()
}

/// Everything an import can write: values, reports, change sets, audit entries.
async fn footprint(app: &TestApp) -> [i64; 4] {
    [
        app.count("SELECT COUNT(*) AS n FROM data_values").await,
        app.count("SELECT COUNT(*) AS n FROM submissions").await,
        app.count("SELECT COUNT(*) AS n FROM value_changes").await,
        app.audit_count().await,
    ]
}

/// The summary of a WebMessage (or a bare summary, so that a failure names the behaviour).
fn summary(s: &Value) -> &Value {
    if s.get("response").is_some() {
        &s["response"]
    } else {
        s
    }
}

fn count(s: &Value) -> Value {
    summary(s)["importCount"].clone()
}

fn counts(imported: u64, updated: u64, ignored: u64, deleted: u64) -> Value {
    json!({"imported": imported, "updated": updated, "ignored": ignored, "deleted": deleted})
}

fn codes(s: &Value) -> Vec<(String, Value)> {
    summary(s)["conflicts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["errorCode"].as_str().unwrap().to_owned(),
                c["indexes"].clone(),
            )
        })
        .collect()
}

on_both!(dhis2_dry_run_writes_nothing, async |app: &TestApp| {
    let mut c = setup(app).await;
    let values = set(json!([
        {"dataElement": "RETAIL_SALES", "value": "5000.5"},
        {"dataElement": "EXPORTS", "value": "700"}
    ]));
    let before = footprint(app).await;
    let (status, s) = post(&mut c, "?dryRun=true", &values).await;
    assert_eq!(status, StatusCode::OK, "{s}");
    // Answered as if imported…
    assert_eq!(count(&s), counts(2, 0, 0, 0));
    // …and nothing written: no value, report, change set or audit entry.
    assert_eq!(footprint(app).await, before);
    assert_eq!(s["response"]["importOptions"]["dryRun"], true);
    // The payload's own dryRun counts too (DHIS2 reads it from the data value set).
    let mut inline = values.clone();
    inline["dryRun"] = json!(true);
    let (status, s) = post(&mut c, "", &inline).await;
    assert_eq!(status, StatusCode::OK, "{s}");
    assert_eq!(footprint(app).await, before);
    // CSV too.
    let csv = "dataelement,period,orgunit,catoptcombo,attroptcombo,value\nRETAIL_SALES,202510,40,,,5100\n";
    let r = c
        .request_csv("/api/dataValueSets?dryRun=true", csv.to_owned())
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(count(&r.json()), counts(1, 0, 0, 0));
    assert_eq!(footprint(app).await, before);

    // Imported for real, then a dry-run deletion: counted, not done.
    let (status, _) = post(&mut c, "", &values).await;
    assert_eq!(status, StatusCode::OK);
    let after = footprint(app).await;
    let (status, s) = post(&mut c, "?dryRun=true&importStrategy=DELETE", &values).await;
    assert_eq!(status, StatusCode::OK, "{s}");
    assert_eq!(count(&s), counts(0, 0, 0, 2));
    assert_eq!(footprint(app).await, after);
    assert_eq!(stored(app).await.len(), 2);
    // A dry run with a conflict is refused like the import would be.
    let (status, s) = post(
        &mut c,
        "?dryRun=true",
        &set(json!([{"dataElement": "NOPE", "value": "1"}])),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(s["response"]["status"], "ERROR");
    assert_eq!(footprint(app).await, after);
});

on_both!(dhis2_import_strategies, async |app: &TestApp| {
    let mut c = setup(app).await;
    let (status, s) = post(
        &mut c,
        "",
        &set(json!([
            {"dataElement": "RETAIL_SALES", "value": "5000"},
            {"dataElement": "EXPORTS", "value": "700"}
        ])),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{s}");
    assert_eq!(count(&s), counts(2, 0, 0, 0));

    // CREATE: only new values; an existing one is ignored (as DHIS2 does), not changed.
    let (status, s) = post(
        &mut c,
        "?importStrategy=CREATE",
        &set(json!([
            {"dataElement": "RETAIL_SALES", "value": "1"},
            {"dataElement": "IMPORTS", "value": "650"}
        ])),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{s}");
    assert_eq!(count(&s), counts(1, 0, 1, 0));
    assert_eq!(s["response"]["rejectedIndexes"], json!([0]));
    assert_eq!(s["response"]["importOptions"]["importStrategy"], "CREATE");
    assert_eq!(
        stored(app).await,
        vec![
            ("EXPORTS".into(), 700.0),
            ("IMPORTS".into(), 650.0),
            ("RETAIL_SALES".into(), 5000.0)
        ]
    );

    // UPDATE (and DHIS2's older name UPDATES): only existing values.
    for strategy in ["UPDATE", "updates"] {
        let (status, s) = post(
            &mut c,
            &format!("?importStrategy={strategy}"),
            &set(json!([
                {"dataElement": "EXPORTS", "value": if strategy == "UPDATE" { "800" } else { "810" }},
                {"dataElement": "CPI", "value": "101"}
            ])),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{s}");
        assert_eq!(count(&s), counts(0, 1, 1, 0), "{strategy}");
        assert_eq!(s["response"]["importOptions"]["importStrategy"], "UPDATE");
    }
    assert!(!stored(app).await.iter().any(|(c, _)| c == "CPI"));

    // CREATE_AND_UPDATE under its older name; an empty value deletes and counts as deleted.
    let (status, s) = post(
        &mut c,
        "?importStrategy=NEW_AND_UPDATES",
        &set(json!([
            {"dataElement": "RETAIL_SALES", "value": "5100"},
            {"dataElement": "CPI", "value": "101"},
            {"dataElement": "IMPORTS", "value": ""},
            {"dataElement": "IIP", "value": ""}
        ])),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{s}");
    assert_eq!(count(&s), counts(1, 1, 1, 1));
    assert_eq!(
        stored(app).await,
        vec![
            ("CPI".into(), 101.0),
            ("EXPORTS".into(), 810.0),
            ("RETAIL_SALES".into(), 5100.0)
        ]
    );

    // DELETE: the given values are deleted whatever value they carry; absent ones ignored.
    let (status, s) = post(
        &mut c,
        "?importStrategy=DELETE",
        &set(json!([
            {"dataElement": "RETAIL_SALES", "value": "5100"},
            {"dataElement": "IMPORTS", "value": "1"}
        ])),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{s}");
    assert_eq!(count(&s), counts(0, 0, 1, 1));
    assert_eq!(
        stored(app).await,
        vec![("CPI".into(), 101.0), ("EXPORTS".into(), 810.0)]
    );
    // The deletion is in the value's history.
    let n = app
        .count("SELECT COUNT(*) AS n FROM value_changes WHERE changes LIKE '%null]%'")
        .await;
    assert!(n >= 2, "{n}");

    // The same in CSV: DELETES, and a `deleted` column.
    let csv = "dataelement,period,orgunit,catoptcombo,attroptcombo,value,storedby,lastupdated,comment,followup,deleted\n\
               CPI,202510,40,,,,,,,,\n";
    let r = c
        .request_csv("/api/dataValueSets?importStrategy=DELETES", csv.to_owned())
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(count(&r.json()), counts(0, 0, 0, 1));
    let csv = "EXPORTS,202510,40,,,810,,,,,true\n";
    let r = c.request_csv("/api/dataValueSets", csv.to_owned()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(count(&r.json()), counts(0, 0, 0, 1));
    assert_eq!(stored(app).await, vec![]);
});

on_both!(dhis2_identifier_schemes, async |app: &TestApp| {
    let mut c = setup(app).await;
    let unit = registry::store::unit_by_code(&app.db, "40", registry::Day::today())
        .await
        .unwrap()
        .unwrap();
    let retail = reporting::store::catalogue::by_code(&app.db, "RETAIL_SALES")
        .await
        .unwrap()
        .unwrap();
    let template = reporting::store::templates::template(&app.db, MONTHLY_PROVINCIAL)
        .await
        .unwrap()
        .unwrap();
    // Names for everything (data set, data element, org unit), case and spaces aside.
    let by_name = json!({"dataSet": template.name_en, "period": "202510",
        "orgUnit": format!(" {} ", unit.name.to_uppercase()),
        "dataValues": [{"dataElement": retail.name_vi, "value": "5000"}]});
    let (status, s) = post(&mut c, "?idScheme=NAME", &by_name).await;
    assert_eq!(status, StatusCode::OK, "{s}");
    assert_eq!(count(&s), counts(1, 0, 0, 0));
    assert_eq!(
        s["response"]["importOptions"]["idSchemes"],
        json!({"idScheme": "NAME"})
    );
    // Org units by id (the `id` of /api/v1/units), data elements by English name.
    let by_id = json!({"period": "202510", "orgUnit": unit.id.to_string(),
        "dataValues": [{"dataElement": retail.name_en, "value": "5100"}]});
    let (status, s) = post(
        &mut c,
        "?orgUnitIdScheme=ID&dataElementIdScheme=name",
        &by_id,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{s}");
    assert_eq!(count(&s), counts(0, 1, 0, 0));
    assert_eq!(stored(app).await, vec![("RETAIL_SALES".into(), 5100.0)]);
    // The scheme decides: a code is not a name, a name is not a code.
    let (status, s) = post(
        &mut c,
        "?orgUnitIdScheme=NAME",
        &set(json!([{"dataElement": "EXPORTS", "value": "1"}])),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(codes(&s), vec![("E7612".into(), json!([0]))]);
    let (status, s) = post(&mut c, "", &by_id).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(s["response"]["conflicts"][0]["errorCode"], "E7610");

    // Schemes egov cannot honour are refused, naming the parameter; nothing is written.
    let before = footprint(app).await;
    let values = set(json!([{"dataElement": "EXPORTS", "value": "1"}]));
    for (query, param) in [
        ("?idScheme=UID", "idScheme"),
        ("?orgUnitIdScheme=UUID", "orgUnitIdScheme"),
        ("?dataElementIdScheme=ID", "dataElementIdScheme"),
        (
            "?categoryOptionComboIdScheme=ATTRIBUTE:abc",
            "categoryOptionComboIdScheme",
        ),
        ("?idScheme=CODE&dataSetIdScheme=UID", "dataSetIdScheme"),
    ] {
        let (status, s) = post(&mut c, query, &values).await;
        assert_eq!(status, StatusCode::CONFLICT, "{query}: {s}");
        assert_eq!(s["status"], "ERROR", "{query}");
        let conflict = &s["response"]["conflicts"][0];
        assert_eq!(conflict["errorCode"], "id_scheme_unsupported", "{query}");
        assert_eq!(conflict["property"], param, "{query}");
        assert!(
            conflict["value"]
                .as_str()
                .unwrap()
                .contains("cannot be honoured"),
            "{conflict}"
        );
        assert_eq!(count(&s), counts(0, 0, 1, 0));
    }
    // A general UID scheme overridden for every object is honoured.
    let (status, s) = post(
        &mut c,
        "?idScheme=UID&dataSetIdScheme=CODE&dataElementIdScheme=CODE&orgUnitIdScheme=CODE&categoryOptionComboIdScheme=CODE&dryRun=true",
        &values,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{s}");
    assert_eq!(footprint(app).await, before);
});

on_both!(dhis2_parameters_are_strict, async |app: &TestApp| {
    let mut c = setup(app).await;
    let values = set(json!([{"dataElement": "EXPORTS", "value": "1"}]));
    let before = footprint(app).await;
    for (query, code, field) in [
        ("?dryrun=true", "dhis2_param_unknown", "dryrun"),
        (
            "?skipExistingChecks=false",
            "dhis2_param_unknown",
            "skipExistingChecks",
        ),
        ("?dryRun=yes", "dhis2_param_invalid", "dryRun"),
        (
            "?importStrategy=SYNC",
            "dhis2_param_invalid",
            "importStrategy",
        ),
        ("?atomicMode=OBJECT", "dhis2_param_invalid", "atomicMode"),
        ("?idScheme=KEY", "dhis2_param_invalid", "idScheme"),
        (
            "?dryRun=true&dryRun=false",
            // The shared query extractor refuses a repeated parameter before the import reads it.
            "param_repeated",
            "dryRun",
        ),
    ] {
        let r = c
            .request_json(
                "POST",
                &format!("/api/dataValueSets{query}"),
                values.to_string(),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{query}: {}",
            r.body
        );
        assert_eq!(r.error_code(), code, "{query}");
        assert_eq!(r.json()["errors"][0]["field"], field, "{query}");
    }
    // The payload's own options are checked as strictly.
    let mut bad = values.clone();
    bad["strategy"] = json!("MERGE");
    let r = c
        .request_json("POST", "/api/dataValueSets", bad.to_string())
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["errors"][0]["field"], "strategy");
    // A field DHIS2 does not define is refused, not ignored.
    let mut bad = values.clone();
    bad["dataValues"][0]["valeur"] = json!("1");
    let r = c
        .request_json("POST", "/api/dataValueSets", bad.to_string())
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert_eq!(r.error_code(), "json_invalid");
    // Valid DHIS2 options egov does not offer are conflicts.
    for param in ["async", "skipExistingCheck", "skipAudit"] {
        let (status, s) = post(&mut c, &format!("?{param}=true"), &values).await;
        assert_eq!(status, StatusCode::CONFLICT, "{param}: {s}");
        assert_eq!(
            s["response"]["conflicts"][0]["errorCode"],
            "option_unsupported"
        );
        assert_eq!(s["response"]["conflicts"][0]["property"], param);
    }
    assert_eq!(footprint(app).await, before);
    // Their default values, and an empty value, are accepted.
    let (status, s) = post(
        &mut c,
        "?async=false&skipExistingCheck=false&skipAudit=false&preheatCache=true&dryRun=",
        &values,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{s}");
    assert_eq!(count(&s), counts(1, 0, 0, 0));
});

on_both!(
    dhis2_option_combos_other_than_default_are_refused,
    async |app: &TestApp| {
        let mut c = setup(app).await;
        let before = footprint(app).await;
        // A data value set for a non-default attribute option combo: refused whole.
        let mut whole = set(json!([{"dataElement": "EXPORTS", "value": "1"}]));
        whole["attributeOptionCombo"] = json!("xYerKDKCefk");
        let (status, s) = post(&mut c, "", &whole).await;
        assert_eq!(status, StatusCode::CONFLICT, "{s}");
        assert_eq!(s["response"]["conflicts"][0]["errorCode"], "E7604");
        // One value's attribute option combo, one unknown category option combo.
        let (status, s) = post(
            &mut c,
            "",
            &set(json!([
                {"dataElement": "EXPORTS", "value": "1", "attributeOptionCombo": "HllvX50cXC0"},
                {"dataElement": "IMPORTS", "value": "2", "attributeOptionCombo": "xYerKDKCefk"},
                {"dataElement": "RETAIL_SALES", "value": "3", "categoryOptionCombo": "female"}
            ])),
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT, "{s}");
        assert_eq!(
            codes(&s),
            vec![("E7615".into(), json!([1])), ("E7613".into(), json!([2]))]
        );
        // The CSV's attroptcombo column is read too.
        let csv = "EXPORTS,202510,40,,xYerKDKCefk,1\n";
        let r = c.request_csv("/api/dataValueSets", csv.to_owned()).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
        assert_eq!(codes(&r.json()), vec![("E7615".into(), json!([0]))]);
        assert_eq!(footprint(app).await, before);
        // The default combos, by UID or by name, are the element itself.
        let csv = "EXPORTS,202510,40,default,HllvX50cXC0,1\n";
        let r = c.request_csv("/api/dataValueSets", csv.to_owned()).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(stored(app).await, vec![("EXPORTS".into(), 1.0)]);
    }
);

on_both!(
    dhis2_partial_import_beside_all_or_nothing,
    async |app: &TestApp| {
        let mut c = setup(app).await;
        let values = set(json!([
            {"dataElement": "RETAIL_SALES", "value": "5000"},
            {"dataElement": "NOPE", "value": "1"},
            {"dataElement": "EXPORTS", "value": "abc"},
            {"dataElement": "IMPORTS", "value": "650"},
            {"dataElement": "EXPORTS", "orgUnit": "42", "value": "1"}
        ]));
        // Default: all or nothing.
        let (status, s) = post(&mut c, "", &values).await;
        assert_eq!(status, StatusCode::CONFLICT, "{s}");
        assert_eq!(summary(&s)["status"], "ERROR");
        assert_eq!(count(&s), counts(0, 0, 5, 0));
        assert_eq!(stored(app).await, vec![]);
        // atomicMode=NONE: the valid values are imported, the others listed.
        let (status, s) = post(&mut c, "?atomicMode=NONE", &values).await;
        assert_eq!(status, StatusCode::CONFLICT, "{s}");
        assert_eq!(summary(&s)["status"], "WARNING");
        assert_eq!(count(&s), counts(2, 0, 3, 0));
        let mut got = codes(&s);
        got.sort_by_key(|a| a.1.to_string());
        assert_eq!(
            got,
            vec![
                ("E7610".into(), json!([1])),
                ("value_not_a_number".into(), json!([2])),
                ("E7617".into(), json!([4])),
            ]
        );
        assert_eq!(s["status"], "WARNING");
        assert_eq!(s["response"]["importOptions"]["atomicMode"], "NONE");
        assert_eq!(s["response"]["rejectedIndexes"], json!([1, 2, 4]));
        assert_eq!(
            stored(app).await,
            vec![("IMPORTS".into(), 650.0), ("RETAIL_SALES".into(), 5000.0)]
        );
        // Sent again: the valid values are unchanged (ignored).
        let (_, s) = post(&mut c, "?atomicMode=NONE", &values).await;
        assert_eq!(count(&s), counts(0, 0, 5, 0));

        // A report's own problem leaves that whole report out, the other reports go in:
        // September is submitted (locked), November is a new draft.
        let t = reporting::store::templates::template(&app.db, MONTHLY_PROVINCIAL)
            .await
            .unwrap()
            .unwrap();
        let mut september = set(Value::Array(
            t.indicators
                .iter()
                .map(|i| json!({"dataElement": i.code, "value": "100", "comment": "đúng"}))
                .collect(),
        ));
        september["period"] = json!("202509");
        september["completeDate"] = json!("2025-10-05");
        let (status, s) = post(&mut c, "", &september).await;
        assert_eq!(status, StatusCode::OK, "{s}");
        let before = app.count("SELECT COUNT(*) AS n FROM data_values").await;
        let (status, s) = post(
            &mut c,
            "?atomicMode=NONE",
            &set(json!([
                {"dataElement": "EXPORTS", "period": "202509", "value": "1"},
                {"dataElement": "IMPORTS", "period": "202509", "value": "2"},
                {"dataElement": "EXPORTS", "period": "202511", "value": "3"}
            ])),
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT, "{s}");
        assert_eq!(count(&s), counts(1, 0, 2, 0));
        assert_eq!(codes(&s), vec![("report_locked".into(), json!([0, 1]))]);
        assert_eq!(
            app.count("SELECT COUNT(*) AS n FROM data_values").await,
            before + 1
        );
    }
);

on_both!(dhis2_answers_like_dhis2, async |app: &TestApp| {
    let mut c = setup(app).await;
    let values = set(json!([{"dataElement": "EXPORTS", "value": "700", "comment": "x"}]));
    let (status, s) = post(&mut c, "", &values).await;
    assert_eq!(status, StatusCode::OK, "{s}");
    assert_eq!(
        (
            &s["httpStatus"],
            &s["httpStatusCode"],
            &s["status"],
            &s["message"]
        ),
        (
            &json!("OK"),
            &json!(200),
            &json!("OK"),
            &json!("Import was successful.")
        )
    );
    let r = &s["response"];
    assert_eq!(r["responseType"], "ImportSummary");
    assert_eq!(r["status"], "SUCCESS");
    assert_eq!(
        r["importOptions"],
        json!({"idSchemes": {}, "dryRun": false, "async": false, "importStrategy": "CREATE_AND_UPDATE",
               "atomicMode": "ALL", "skipExistingCheck": false, "skipAudit": false})
    );
    assert_eq!(r["conflicts"], json!([]));
    assert_eq!(r["conflictsTotal"], 0);
    assert_eq!(r["rejectedIndexes"], json!([]));
    assert_eq!(r["dataSetComplete"], "false");
    assert!(r["description"].as_str().unwrap().contains("1 imported"));

    // A conflict: every field DHIS2 gives.
    let (status, s) = post(
        &mut c,
        "",
        &set(json!([{"dataElement": "NOPE", "value": "1"}])),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        (&s["httpStatus"], &s["httpStatusCode"], &s["status"]),
        (&json!("Conflict"), &json!(409), &json!("ERROR"))
    );
    assert_eq!(
        s["response"]["conflicts"][0],
        json!({"object": "NOPE", "objects": {"dataElement": "NOPE"},
               "value": "Data element not found: “NOPE”.", "errorCode": "E7610",
               "property": "dataElement", "indexes": [0]})
    );

    // Conflicts are bounded: the first 100 listed, all counted.
    let many: Vec<Value> = (0..150)
        .map(|i| json!({"dataElement": format!("NOPE_{i}"), "value": "1"}))
        .collect();
    let (status, s) = post(&mut c, "", &set(Value::Array(many))).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(s["response"]["conflicts"].as_array().unwrap().len(), 100);
    assert_eq!(s["response"]["conflictsTotal"], 150);
    assert_eq!(count(&s), counts(0, 0, 150, 0));
    assert!(
        s["response"]["description"]
            .as_str()
            .unwrap()
            .contains("first 100"),
        "{s}"
    );

    // DHIS2's versioned paths: up to 37 the bare summary of DHIS2 before 2.38, then the WebMessage.
    let bare = c
        .request_json("POST", "/api/37/dataValueSets", values.to_string())
        .await;
    assert_eq!(bare.status, StatusCode::OK, "{}", bare.body);
    let bare = bare.json();
    assert_eq!(bare["responseType"], "ImportSummary");
    assert_eq!(bare["status"], "SUCCESS");
    assert_eq!(bare["importCount"], counts(0, 0, 1, 0));
    assert!(bare.get("httpStatus").is_none());
    let r = c
        .request_json(
            "POST",
            "/api/37/dataValueSets?atomicMode=NONE",
            set(json!([
            {"dataElement": "EXPORTS", "value": "701"}, {"dataElement": "NOPE", "value": "1"}]))
            .to_string(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["status"], "WARNING");
    let r = c
        .request_json("POST", "/api/40/dataValueSets", values.to_string())
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["response"]["importCount"], counts(0, 1, 0, 0));
    for path in [
        "/api/v1/dataValueSets",
        "/api/abc/dataValueSets",
        "/api/7/dataValueSets",
    ] {
        let r = c.request_json("POST", path, values.to_string()).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
    }
    // completeDate is echoed when the reports are submitted.
    let mut full = set(json!([]));
    let t = reporting::store::templates::template(&app.db, MONTHLY_PROVINCIAL)
        .await
        .unwrap()
        .unwrap();
    full["dataValues"] = Value::Array(
        t.indicators
            .iter()
            .map(|i| json!({"dataElement": i.code, "value": "100", "comment": "đúng"}))
            .collect(),
    );
    full["completeDate"] = json!("2025-11-05");
    full["period"] = json!("202509");
    let (status, s) = post(&mut c, "", &full).await;
    assert_eq!(status, StatusCode::OK, "{s}");
    assert_eq!(s["response"]["dataSetComplete"], "2025-11-05");
});
