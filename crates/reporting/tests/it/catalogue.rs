//! The indicator catalogue on both databases: export → import changes nothing (CSV, XLSX, JSON);
//! bad rows are named by row and column in Vietnamese and English and nothing is written; dry
//! runs; cycles; only national administrators import; validity dates; disaggregations and their
//! sum check; targets.

use axum::http::StatusCode;
use platform::audit::Actor;
use platform::i18n::Lang;
use platform::identity::access::{Role, Scope};
use reporting::Period;
use reporting::engine::catalogue::{self as catalogue_io, Format};
use reporting::engine::save::Entry;
use reporting::model::status::Action;
use reporting::model::template::MONTHLY_PROVINCIAL;

use crate::on_both;
use crate::support::{Client, Res, TestApp};

async fn setup(app: &TestApp) {
    reporting::engine::reference::load_default(&app.db, &Actor::system("test"))
        .await
        .unwrap();
}

/// POST raw bytes with the client's cookies (a signed-in administrator's session).
async fn post_bytes(
    _app: &TestApp,
    c: &Client,
    path: &str,
    content_type: &str,
    body: Vec<u8>,
) -> Res {
    c.clone().post_bytes(path, content_type, body).await
}

async fn admin(app: &TestApp) -> Client {
    app.signed_in("quantri", Role::SystemAdmin, Scope::National)
        .await
}

async fn export_csv(c: &mut Client) -> String {
    let (status, bytes) = c.get_bytes("/api/v1/indicators?format=csv").await;
    assert_eq!(status, StatusCode::OK);
    String::from_utf8(bytes).unwrap()
}

/// The exported CSV with one cell of one indicator's row replaced.
fn with_cell(csv: &str, code: &str, column: &str, value: &str) -> String {
    let table = registry::import::read_csv(csv.as_bytes()).unwrap();
    let col = table[0].iter().position(|h| h == column).unwrap();
    let rows: Vec<Vec<String>> = table[1..]
        .iter()
        .map(|row| {
            let mut row = row.clone();
            if row[0] == code {
                row[col] = value.to_owned();
            }
            row
        })
        .collect();
    String::from_utf8(catalogue_io::csv_bytes(&table[0], &rows).unwrap()).unwrap()
}

on_both!(
    export_then_import_changes_nothing_in_every_format,
    async |app: &TestApp| {
        setup(app).await;
        let mut c = admin(app).await;
        let before = reporting::store::catalogue::list(&app.db).await.unwrap();
        assert!(before.len() >= 154);
        let audit = app.audit_count().await;

        let csv = export_csv(&mut c).await;
        let r = post_bytes(
            app,
            &c,
            "/api/v1/indicators/import",
            "text/csv",
            csv.into_bytes(),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let j = r.json();
        assert_eq!(j["unchanged"], before.len());
        assert_eq!(
            (j["inserted"].as_i64(), j["updated"].as_i64()),
            (Some(0), Some(0))
        );

        let json = c.get("/api/v1/indicators").await.body;
        let r = post_bytes(
            app,
            &c,
            "/api/v1/indicators/import",
            "application/json",
            json.into_bytes(),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.json()["unchanged"], before.len());

        // XLSX through the administrators' page, as a browser uploads it.
        let (_, xlsx) = c.get_bytes("/api/v1/indicators?format=xlsx").await;
        assert!(xlsx.starts_with(b"PK"));
        let r = c
            .post_file("/reporting/catalogue/import", &[], "file", &xlsx)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(
            r.body.contains(&format!("{} không đổi", before.len())),
            "{}",
            r.body
        );

        assert_eq!(
            reporting::store::catalogue::list(&app.db).await.unwrap(),
            before
        );
        assert_eq!(
            app.audit_count().await,
            audit,
            "nothing changed, nothing audited"
        );

        // A changed definition is written and audited.
        let csv = with_cell(
            &export_csv(&mut c).await,
            "CPI",
            "definition_en",
            "Prices of a basket of consumer goods.",
        );
        let r = post_bytes(
            app,
            &c,
            "/api/v1/indicators/import",
            "text/csv",
            csv.into_bytes(),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.json()["changed"], serde_json::json!(["CPI"]));
        let cpi = reporting::store::catalogue::by_code(&app.db, "CPI")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            cpi.definition_en.as_deref(),
            Some("Prices of a basket of consumer goods.")
        );
        assert_eq!(app.audit_count().await, audit + 1);
    }
);

on_both!(
    every_bad_row_is_named_and_nothing_is_written,
    async |app: &TestApp| {
        setup(app).await;
        let mut c = admin(app).await;
        let good = export_csv(&mut c).await;
        let header = good
            .lines()
            .next()
            .unwrap()
            .trim_start_matches('\u{feff}')
            .to_owned();
        // Line 2: a good new indicator; then one kind of problem per line.
        let rows = [
            "NEW_ONE,Chỉ tiêu mới,New one,người,persons,7,integer,0,year,sum,,last,,btc,true,false,0,,,,,,,,,",
            "BAD_DOMAIN,Tên,Name,người,persons,10,integer,0,year,sum,,last,,btc,true,false,,,,,,,,,,",
            "BAD_TYPE,Tên,Name,người,persons,7,text,0,year,sum,,last,,btc,true,false,,,,,,,,,,",
            "NO_WEIGHT,Tên,Name,%,%,7,percent,2,year,wavg,,last,,btc,true,false,,,,,,,,,,",
            "BAD_WEIGHT,Tên,Name,%,%,7,percent,2,year,wavg,NOTHING_HERE,last,,btc,true,false,,,,,,,,,,",
            "BAD_FORMULA,Tên,Name,%,%,7,percent,2,year,none,,none,POPULATION *,btc,true,false,,,,,,,,,,",
            "UNKNOWN_REF,Tên,Name,%,%,7,percent,2,year,none,,none,POPULATION / NOBODY,btc,true,false,,,,,,,,,,",
            "BAD_AGENCY,Tên,Name,người,persons,7,integer,0,year,sum,,last,,khongco,true,false,,,,,,,,,,",
            "BAD_DATE,Tên,Name,người,persons,7,integer,0,year,sum,,last,,btc,true,false,,,,,,2025-13-01,,,,",
            ",Không mã,No code,người,persons,7,integer,0,year,sum,,last,,btc,true,false,,,,,,,,,,",
            "NEW_ONE,Trùng,Duplicate,người,persons,7,integer,0,year,sum,,last,,btc,true,false,,,,,,,,,,",
            "BAD_PART,Tên,Name,người,persons,7,integer,0,year,sum,,last,,btc,true,false,,,,,,,,POPULATION,sex,",
        ];
        let body = format!("{header}\n{}\n", rows.join("\n"));
        let (indicators, audit) = (
            app.count("SELECT COUNT(*) AS n FROM indicators").await,
            app.audit_count().await,
        );
        let r = post_bytes(
            app,
            &c,
            "/api/v1/indicators/import",
            "text/csv",
            body.clone().into_bytes(),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        let fields: Vec<String> = r.json()["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap_or("").to_owned())
            .collect();
        for want in [
            "row 3: domain",
            "row 4: value_type",
            "row 5: agg_weight",
            "row 6: agg_weight",
            "row 7: formula",
            "row 8: formula",
            "row 9: agency",
            "row 10: valid_from",
            "row 11: code",
            "row 12: code",
            "row 13: option",
        ] {
            assert!(fields.iter().any(|f| f == want), "{want} not in {fields:?}");
        }
        assert_eq!(
            app.count("SELECT COUNT(*) AS n FROM indicators").await,
            indicators
        );
        assert_eq!(app.audit_count().await, audit);

        // The same problems in Vietnamese and English, as the CLI prints them.
        let table = catalogue_io::read(body.as_bytes(), Format::Csv).unwrap();
        let errs = catalogue_io::import(&app.db, &Actor::system("t"), &table, false)
            .await
            .unwrap()
            .unwrap_err();
        let domain = errs
            .iter()
            .find(|e| e.column == "domain")
            .unwrap()
            .problem();
        assert_eq!(
            domain.detail(Lang::Vi),
            "Dòng 3, cột domain: lĩnh vực “10” phải là số từ 1 đến 9."
        );
        assert_eq!(
            domain.detail(Lang::En),
            "Row 3, column domain: domain “10” must be a number from 1 to 9."
        );
        let agency = errs
            .iter()
            .find(|e| e.column == "agency")
            .unwrap()
            .problem();
        assert!(
            agency
                .detail(Lang::Vi)
                .contains("không có cơ quan mã khongco")
        );

        // Vietnamese headers are read the same way.
        let vi_header: Vec<&str> = catalogue_io::COLUMNS.iter().map(|c| c.vi).collect();
        let vi = format!("{}\n{}\n", vi_header.join(","), rows[1]);
        let table = catalogue_io::read(vi.as_bytes(), Format::Csv).unwrap();
        let errs = catalogue_io::import(&app.db, &Actor::system("t"), &table, false)
            .await
            .unwrap()
            .unwrap_err();
        assert_eq!(errs.len(), 1);
        assert_eq!((errs[0].line, errs[0].column.as_str()), (2, "Lĩnh vực"));
    }
);

on_both!(
    dry_run_writes_nothing_and_cycles_are_refused,
    async |app: &TestApp| {
        setup(app).await;
        let mut c = admin(app).await;
        let header = export_csv(&mut c)
            .await
            .lines()
            .next()
            .unwrap()
            .trim_start_matches('\u{feff}')
            .to_owned();
        let new = format!(
            "{header}\nDEMO_NEW,Chỉ tiêu thử,Trial indicator,người,persons,7,integer,0,year,sum,,last,,btc,true,false,0,,,,,,,,\n"
        );
        let audit = app.audit_count().await;
        let r = post_bytes(
            app,
            &c,
            "/api/v1/indicators/import?dry_run=true",
            "text/csv",
            new.clone().into_bytes(),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(
            (r.json()["inserted"].as_i64(), r.json()["applied"].as_bool()),
            (Some(1), Some(false))
        );
        assert!(
            reporting::store::catalogue::by_code(&app.db, "DEMO_NEW")
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(app.audit_count().await, audit);
        let r = post_bytes(
            app,
            &c,
            "/api/v1/indicators/import",
            "text/csv",
            new.into_bytes(),
        )
        .await;
        assert_eq!(r.json()["inserted"], 1);
        assert!(
            reporting::store::catalogue::by_code(&app.db, "DEMO_NEW")
                .await
                .unwrap()
                .is_some()
        );

        // A → B → A, and a loop through an indicator already in the catalogue.
        let cycle = format!(
            "{header}\nLOOP_A,A,A,%,%,1,percent,1,year,none,,none,LOOP_B * 2,btc,true,false,,,,,,,,,\n\
             LOOP_B,B,B,%,%,1,percent,1,year,none,,none,LOOP_A + GRDP_GROWTH,btc,true,false,,,,,,,,,\n"
        );
        let r = post_bytes(
            app,
            &c,
            "/api/v1/indicators/import",
            "text/csv",
            cycle.into_bytes(),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert_eq!(r.error_code(), "catalogue_formula_cycle");
        assert!(
            r.body.contains("LOOP_A → LOOP_B → LOOP_A")
                || r.body.contains("LOOP_B → LOOP_A → LOOP_B"),
            "{}",
            r.body
        );
        assert!(
            reporting::store::catalogue::by_code(&app.db, "LOOP_A")
                .await
                .unwrap()
                .is_none()
        );
    }
);

on_both!(
    only_national_administrators_import,
    async |app: &TestApp| {
        setup(app).await;
        let mut anon = app.client();
        let csv = export_csv(&mut anon).await;
        let r = post_bytes(
            app,
            &anon,
            "/api/v1/indicators/import",
            "text/csv",
            csv.clone().into_bytes(),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        let na = app.scope("unit", "40").await;
        let secret = app.token("Sở Nghệ An", Role::Reporter, na).await;
        let mut reporter = app.client();
        reporter.bearer = Some(secret);
        let r = post_bytes(
            app,
            &reporter,
            "/api/v1/indicators/import",
            "text/csv",
            csv.clone().into_bytes(),
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = post_bytes(
            app,
            &reporter,
            "/api/v1/targets/import",
            "text/csv",
            b"indicator,unit,year,target\n".to_vec(),
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let mut approver = app
            .signed_in("pheduyet", Role::Approver, Scope::National)
            .await;
        let r = approver
            .post_file("/reporting/catalogue/import", &[], "file", csv.as_bytes())
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let page = approver.get("/reporting/catalogue").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(!page.body.contains("catalogue-import"));
        let mut admin = admin(app).await;
        let page = admin.get("/reporting/catalogue").await;
        assert!(page.body.contains("catalogue-import"));
        // Without the form's CSRF field the upload is refused.
        let r = admin
            .post_file(
                "/reporting/catalogue/import",
                &[("csrf", "x")],
                "file",
                csv.as_bytes(),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
);

fn entries(t: &reporting::model::template::Template, skip: &str) -> Vec<Entry> {
    t.indicators
        .iter()
        .filter(|i| i.code != skip)
        .map(|i| Entry {
            indicator: i.code.clone(),
            raw: "100".into(),
            explanation: None,
            lang: "vi",
        })
        .collect()
}

on_both!(
    a_retired_indicator_is_refused_for_later_periods,
    async |app: &TestApp| {
        setup(app).await;
        let mut c = admin(app).await;
        let t = reporting::store::templates::template(&app.db, MONTHLY_PROVINCIAL)
            .await
            .unwrap()
            .unwrap();
        let unit = registry::store::unit_by_code(&app.db, "40", registry::Day::today())
            .await
            .unwrap()
            .unwrap();
        let may = Period::parse("202505").unwrap();
        reporting::http::save::save(
            &app.db,
            &Actor::system("t"),
            &t,
            unit.id,
            &may,
            &entries(&t, ""),
            None,
            Action::SaveDraft,
            None,
        )
        .await
        .unwrap();
        // Retire RETAIL_SALES at the end of June 2025.
        let csv = with_cell(
            &export_csv(&mut c).await,
            "RETAIL_SALES",
            "valid_to",
            "2025-06-30",
        );
        let r = post_bytes(
            app,
            &c,
            "/api/v1/indicators/import",
            "text/csv",
            csv.clone().into_bytes(),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        // Its rules cannot change now that it has data.
        let changed = with_cell(&csv, "RETAIL_SALES", "periodicity", "quarter");
        let r = post_bytes(
            app,
            &c,
            "/api/v1/indicators/import",
            "text/csv",
            changed.into_bytes(),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.error_code(), "catalogue_rule_fixed_with_data");

        let t = reporting::store::templates::template(&app.db, MONTHLY_PROVINCIAL)
            .await
            .unwrap()
            .unwrap();
        let sep = Period::parse("202509").unwrap();
        let e = reporting::http::save::save(
            &app.db,
            &Actor::system("t"),
            &t,
            unit.id,
            &sep,
            &entries(&t, ""),
            None,
            Action::SaveDraft,
            None,
        )
        .await
        .unwrap_err();
        let p = &e.problems[0];
        assert_eq!(p.code, "indicator_not_valid");
        assert_eq!(
            p.detail(Lang::En),
            "Indicator RETAIL_SALES is not in force in period 202509 (valid from … to 2025-06-30); no figures are accepted for this period."
        );
        // Not asked for: a report without it can be submitted; the form does not show it.
        reporting::http::save::save(
            &app.db,
            &Actor::system("t"),
            &t,
            unit.id,
            &sep,
            &entries(&t, "RETAIL_SALES"),
            None,
            Action::Submit,
            None,
        )
        .await
        .unwrap();
        let mut reporter = app
            .signed_in("nhapna", Role::Reporter, app.scope("unit", "40").await)
            .await;
        let form = reporter.get("/reporting/40/202509").await;
        assert!(
            !form.body.contains("v_RETAIL_SALES"),
            "retired indicator on the form"
        );
        assert!(
            reporter
                .get("/reporting/40/202505")
                .await
                .body
                .contains("v_RETAIL_SALES")
        );
        // History is still there, marked retired.
        let r = reporter
            .get("/api/v1/data?indicator=RETAIL_SALES&unit=40&period=202505")
            .await;
        assert_eq!(r.json()["items"][0]["value"], 100.0);
        assert_eq!(r.json()["items"][0]["retired"], true);
    }
);

on_both!(
    parts_of_a_dimension_must_add_up_to_the_parent,
    async |app: &TestApp| {
        setup(app).await;
        let detail = app
            .client()
            .get("/api/v1/indicators/POPULATION")
            .await
            .json();
        assert_eq!(detail["breakdown"]["sex"][0]["code"], "POPULATION_FEMALE");
        assert_eq!(detail["breakdown"]["area"].as_array().unwrap().len(), 2);
        let part = app
            .client()
            .get("/api/v1/indicators/UNEMPLOYMENT_RATE_URBAN")
            .await
            .json();
        assert_eq!(
            (
                part["parent"].as_str(),
                part["dimension"].as_str(),
                part["option"].as_str()
            ),
            (Some("UNEMPLOYMENT_RATE"), Some("area"), Some("urban"))
        );
        assert_eq!(part["agg_weight"], "LABOUR_FORCE_URBAN");
        // DHIS2: a category option combo that is no part of the data element is a conflict.
        let secret = app
            .token("DHIS2", Role::Reporter, app.scope("unit", "40").await)
            .await;
        let mut dhis2 = app.client();
        dhis2.bearer = Some(secret);
        let set = serde_json::json!({"period": "202510", "orgUnit": "40", "dataValues": [
            {"dataElement": "EXPORTS", "categoryOptionCombo": "HllvX50cXC0", "value": "700"},
            {"dataElement": "RETAIL_SALES", "categoryOptionCombo": "female", "value": "5"}]});
        let r = dhis2
            .request_json("POST", "/api/dataValueSets", set.to_string())
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
        let conflicts = r.json()["response"]["conflicts"].clone();
        assert_eq!(conflicts.as_array().unwrap().len(), 1, "{conflicts}");
        assert_eq!(conflicts[0]["property"], "categoryOptionCombo");
        assert_eq!(conflicts[0]["indexes"], serde_json::json!([1]));
        let page = app.client().get("/reporting/catalogue").await.body;
        assert!(
            page.contains("sex: POPULATION_FEMALE, POPULATION_MALE"),
            "{page}"
        );

        // A yearly provincial report of population by sex.
        let tid: i64 = app
            .db
            .fetch_one(
                "INSERT INTO report_templates (code, name_vi, name_en, period_kind, unit_level, deadline_days) \
                 VALUES ('TEST-DAN-SO', 'Dân số', 'Population', 'year', 'province', 10) RETURNING id",
                platform::params![],
            )
            .await
            .unwrap()
            .get("id")
            .unwrap();
        for (pos, code) in ["POPULATION", "POPULATION_MALE", "POPULATION_FEMALE"]
            .iter()
            .enumerate()
        {
            app.db
                .execute(
                    "INSERT INTO template_indicators (template_id, indicator_id, position) SELECT $1, id, $2 FROM indicators WHERE code = $3",
                    platform::params![tid, pos as i64, *code],
                )
                .await
                .unwrap();
        }
        let t = reporting::store::templates::template(&app.db, "TEST-DAN-SO")
            .await
            .unwrap()
            .unwrap();
        let unit = registry::store::unit_by_code(&app.db, "40", registry::Day::today())
            .await
            .unwrap()
            .unwrap();
        let year = Period::parse("2025").unwrap();
        let report = |total: &str, male: &str, female: &str| {
            [
                ("POPULATION", total),
                ("POPULATION_MALE", male),
                ("POPULATION_FEMALE", female),
            ]
            .map(|(c, v)| Entry {
                indicator: c.into(),
                raw: v.into(),
                explanation: None,
                lang: "vi",
            })
            .to_vec()
        };
        let e = reporting::http::save::save(
            &app.db,
            &Actor::system("t"),
            &t,
            unit.id,
            &year,
            &report("3400000", "1600000", "1700000"),
            None,
            Action::Submit,
            None,
        )
        .await
        .unwrap_err();
        assert_eq!(e.problems[0].code, "rule_warning_unexplained");
        assert!(
            e.problems[0]
                .detail(Lang::En)
                .contains("parts by sex must add up to Average population"),
            "{}",
            e.problems[0].detail(Lang::En)
        );
        // Within 0.5 %: accepted.
        reporting::http::save::save(
            &app.db,
            &Actor::system("t"),
            &t,
            unit.id,
            &year,
            &report("3400000", "1690000", "1700000"),
            None,
            Action::Submit,
            None,
        )
        .await
        .unwrap();
    }
);

on_both!(
    targets_are_imported_queried_and_shown_beside_yearly_data,
    async |app: &TestApp| {
        setup(app).await;
        let c = admin(app).await;
        let file = "Mã chỉ tiêu,Đơn vị,Năm,Kế hoạch\nEXPORTS,VN,2025,480000\nEXPORTS,40,2025,4000\nRETAIL_SALES,40,2025,120000\n";
        let audit = app.audit_count().await;
        let r = post_bytes(
            app,
            &c,
            "/api/v1/targets/import",
            "text/csv",
            file.as_bytes().to_vec(),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.json()["inserted"], 3);
        assert_eq!(app.audit_count().await, audit + 1);
        let r = post_bytes(
            app,
            &c,
            "/api/v1/targets/import",
            "text/csv",
            file.as_bytes().to_vec(),
        )
        .await;
        assert_eq!(
            (
                r.json()["unchanged"].as_i64(),
                r.json()["inserted"].as_i64()
            ),
            (Some(3), Some(0))
        );
        assert_eq!(app.audit_count().await, audit + 1);

        let bad =
            "indicator,unit,year,target\nEXPORTS,99,2025,1\nNOPE,VN,2025,1\nEXPORTS,VN,1800,1\n";
        let r = post_bytes(
            app,
            &c,
            "/api/v1/targets/import",
            "text/csv",
            bad.as_bytes().to_vec(),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        let fields: Vec<String> = r.json()["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(fields, vec!["row 4: year"]);
        let bad = "indicator,unit,year,target\nEXPORTS,99,2025,1\nNOPE,VN,2025,1\n";
        let r = post_bytes(
            app,
            &c,
            "/api/v1/targets/import",
            "text/csv",
            bad.as_bytes().to_vec(),
        )
        .await;
        let codes: Vec<String> = r.json()["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["code"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(
            codes,
            vec!["target_unknown_unit", "catalogue_unknown_indicator"]
        );
        assert_eq!(
            app.count("SELECT COUNT(*) AS n FROM indicator_targets")
                .await,
            3
        );

        let r = app
            .client()
            .get("/api/v1/targets?indicator=EXPORTS&year=2025")
            .await
            .json();
        let items = r["items"].as_array().unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(
            (items[0]["unit"].as_str(), items[0]["value"].as_f64()),
            (Some("40"), Some(4000.0))
        );
        assert_eq!(
            app.client().get("/api/v1/targets?unit=VN").await.json()["items"]
                .as_array()
                .unwrap()
                .len(),
            1
        );

        // Twelve approved months of exports for Nghệ An: the year shows its target and % reached.
        let t = reporting::store::templates::template(&app.db, MONTHLY_PROVINCIAL)
            .await
            .unwrap()
            .unwrap();
        let unit = registry::store::unit_by_code(&app.db, "40", registry::Day::today())
            .await
            .unwrap()
            .unwrap();
        for m in 1..=12 {
            let p = Period::parse(&format!("2025{m:02}")).unwrap();
            let s = reporting::http::save::save(
                &app.db,
                &Actor::system("t"),
                &t,
                unit.id,
                &p,
                &entries(&t, ""),
                None,
                Action::Submit,
                None,
            )
            .await
            .unwrap();
            reporting::engine::decide::decide(
                &app.db,
                &Actor::system("t"),
                s.submission.id,
                s.submission.version,
                true,
                None,
            )
            .await
            .unwrap();
        }
        let r = app
            .client()
            .get("/api/v1/data?indicator=EXPORTS&unit=40&period=2025")
            .await
            .json();
        let o = &r["items"][0];
        assert_eq!(o["value"], 1200.0);
        assert_eq!(o["target"], 4000.0);
        assert_eq!(o["target_pct"], 30.0);
        let r = app
            .client()
            .get("/api/v1/data?indicator=EXPORTS&unit=40&period=202505")
            .await
            .json();
        assert!(r["items"][0].get("target").is_none());
        // Beside the field of the report form.
        let mut reporter = app
            .signed_in("baocao40", Role::Reporter, app.scope("unit", "40").await)
            .await;
        let form = reporter.get("/reporting/40/202505").await.body;
        assert!(form.contains("Kế hoạch 2025: 4.000,0"), "{form}");
        assert!(!form.contains("target_CPI"));
    }
);
