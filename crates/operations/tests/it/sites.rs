//! The registry of connected sites: the forms (every field's error beside it, nothing written),
//! an agency administrator's scope, the CSV import (all or nothing, errors by line) and export,
//! the JSON API, and the sites on the map.

use axum::http::StatusCode;
use platform::identity::access::{Role, Scope};

use crate::on_both;
use crate::support::*;

const HEADER: &str = "code,kind,category,name,unit_code,place,latitude,longitude,url\n";

fn camera<'a>(code: &'a str, unit: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("code", code),
        ("kind", "camera"),
        ("category", "admin_centre"),
        ("name", "Trung tâm Phục vụ hành chính công"),
        ("unit_code", unit),
        ("place", "258 Võ Chí Công"),
        ("latitude", "21.0685"),
        ("longitude", "105.8046"),
        ("url", "http://127.0.0.1:9/cam/index.m3u8"),
    ]
}

async fn sites(app: &TestApp) -> i64 {
    app.count("SELECT COUNT(*) AS n FROM sites").await
}

async fn audited(app: &TestApp, action: &str) -> i64 {
    app.count_where(
        "SELECT COUNT(*) AS n FROM audit_log WHERE action = $1",
        action,
    )
    .await
}

/// The id of the site `code`.
async fn id_of(app: &TestApp, code: &str) -> i64 {
    app.db
        .fetch_one(
            "SELECT id FROM sites WHERE code = $1",
            platform::params![code],
        )
        .await
        .unwrap()
        .get("id")
        .unwrap()
}

on_both!(
    a_site_is_created_edited_and_turned_off_by_a_system_administrator,
    async |app: &TestApp| {
        let mut admin = app
            .signed_in("qt.site", Role::SystemAdmin, Scope::National)
            .await;
        let r = admin
            .post("/operations/sites", &camera("CAM-HN-01", "01"))
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let id = id_of(app, "CAM-HN-01").await;
        let page = admin.get(&format!("/operations/sites/{id}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body
                .contains("id=\"site-video\" class=\"site-video\" data-hls-src=\"http://127.0.0.1:9/cam/index.m3u8\""),
            "{}",
            page.body
        );
        assert!(page.body.contains("Chưa kiểm tra"), "state as text");
        // The list shows it, filtered by kind and unit.
        let list = admin.get("/operations/sites?kind=camera&unit=01").await;
        assert!(list.body.contains("CAM-HN-01"), "{}", list.body);
        let list = admin.get("/operations/sites?kind=conference").await;
        assert!(!list.body.contains("CAM-HN-01"));
        assert_eq!(
            admin.get("/operations/sites?kind=drone").await.status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        // Edit: the name changes, audited with before and after.
        let mut edited = camera("CAM-HN-01", "01");
        edited[3] = ("name", "Camera sảnh tiếp dân");
        let r = admin
            .post(&format!("/operations/sites/{id}"), &edited)
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert!(
            admin
                .get(&format!("/operations/sites/{id}"))
                .await
                .body
                .contains("Camera sảnh tiếp dân")
        );
        // An edit with an error changes nothing and says why beside the field.
        let mut wrong = edited.clone();
        wrong[7] = ("longitude", "");
        let r = admin.post(&format!("/operations/sites/{id}"), &wrong).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.body
                .contains("id=\"latitude-error\">Cần nhập cả vĩ độ và kinh độ"),
            "{}",
            r.body
        );
        assert_eq!(audited(app, "site.update").await, 1);
        // Off and on again.
        let r = admin
            .post(
                &format!("/operations/sites/{id}/active"),
                &[("active", "false")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(
            admin
                .get(&format!("/operations/sites/{id}"))
                .await
                .body
                .contains("Đã tắt")
        );
        for action in ["site.create", "site.update", "site.disable"] {
            assert_eq!(audited(app, action).await, 1, "{action}");
        }
        // A conference point's page carries its join link.
        let mut point = camera("DC-HN", "01");
        point[1] = ("kind", "conference");
        point[2] = ("category", "other");
        point[8] = ("url", "https://hop.chinhphu.vn/j/123");
        admin.post("/operations/sites", &point).await;
        let pid = id_of(app, "DC-HN").await;
        let page = admin.get(&format!("/operations/sites/{pid}")).await;
        assert!(page.body.contains("href=\"https://hop.chinhphu.vn/j/123\""));
        assert!(!page.body.contains("site-video"));
        // Officials read; the public does not see the cameras.
        let mut viewer = app
            .signed_in("xem.site", Role::Viewer, Scope::National)
            .await;
        let list = viewer.get("/operations/sites").await;
        assert_eq!(list.status, StatusCode::OK);
        assert!(list.body.contains("CAM-HN-01"));
        assert!(
            !list.body.contains("/operations/sites/new"),
            "no write links"
        );
        assert_eq!(
            viewer
                .post("/operations/sites", &camera("X", "01"))
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        let mut public = app.client();
        let r = public.get("/operations/sites").await;
        assert_ne!(r.status, StatusCode::OK);
        assert!(!r.body.contains("CAM-HN-01"));
        let r = public.get(&format!("/operations/sites/{id}")).await;
        assert!(!r.body.contains("index.m3u8"));
        app.assert_trail_intact().await;
    }
);

on_both!(
    every_field_error_is_shown_beside_its_field_and_nothing_is_written,
    async |app: &TestApp| {
        let mut admin = app
            .signed_in("qt.site2", Role::SystemAdmin, Scope::National)
            .await;
        let before = app.audit_count().await;
        let bad = [
            ("code", "CAM 01"),
            ("kind", "drone"),
            ("category", "zoo"),
            ("name", ""),
            ("unit_code", "999"),
            ("place", ""),
            ("latitude", "91"),
            ("longitude", "105"),
            ("url", "ftp://x/y"),
        ];
        let r = admin.post("/operations/sites", &bad).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        for (field, text) in [
            ("code", "Mã điểm “CAM 01”"),
            ("kind", "Loại điểm “drone”"),
            ("category", "Nhóm “zoo”"),
            ("name", "Chưa nhập “Tên”"),
            ("unit_code", "Không có đơn vị mã “999”"),
            ("latitude", "Tọa độ “91”"),
            ("url", "URL http:// hoặc https://"),
        ] {
            // Beside the field, and in the summary linking to it.
            let beside = format!("<p class=\"field-error\" id=\"{field}-error\">");
            let at = r
                .body
                .find(&beside)
                .unwrap_or_else(|| panic!("{field}: {}", r.body));
            assert!(
                r.body[at..at + 400].contains(text),
                "{field}: {}",
                &r.body[at..at + 400]
            );
            assert!(
                r.body.contains(&format!("<a href=\"#{field}\">")),
                "{field}"
            );
        }
        // What was typed is kept.
        assert!(r.body.contains("value=\"CAM 01\""));
        assert_eq!(sites(app).await, 0);
        assert_eq!(app.audit_count().await, before);
        // A duplicate code is refused beside the code.
        admin
            .post("/operations/sites", &camera("CAM-1", "01"))
            .await;
        let r = admin
            .post("/operations/sites", &camera("CAM-1", "79"))
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.body.contains("Đã có điểm kết nối mã “CAM-1”"),
            "{}",
            r.body
        );
        assert_eq!(sites(app).await, 1);
        // In English too.
        let mut en = app
            .signed_in("qt.site3", Role::SystemAdmin, Scope::National)
            .await;
        en.lang = Some("en");
        let r = en.post("/operations/sites", &bad).await;
        assert!(r.body.contains("“Name” is required."), "{}", r.body);
    }
);

on_both!(
    an_agency_administrator_writes_only_sites_of_its_own_province,
    async |app: &TestApp| {
        let mut sys = app
            .signed_in("qt.sys", Role::SystemAdmin, Scope::National)
            .await;
        sys.post("/operations/sites", &camera("CAM-HT", "42")).await;
        let ht = id_of(app, "CAM-HT").await;
        let na = app.scope("unit", "40").await;
        let mut admin = app.signed_in("qt.nghean", Role::AgencyAdmin, na).await;
        // Its own province: allowed.
        let r = admin
            .post("/operations/sites", &camera("CAM-NA", "40"))
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        // Another province's site: refused, nothing written.
        let r = admin
            .post("/operations/sites", &camera("CAM-NA2", "42"))
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("ngoài phạm vi"), "{}", r.body);
        // A national site (no unit) is not theirs either.
        let r = admin.post("/operations/sites", &camera("CAM-TW", "")).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let r = admin
            .post(&format!("/operations/sites/{ht}"), &camera("CAM-HT", "40"))
            .await;
        assert_eq!(
            r.status,
            StatusCode::FORBIDDEN,
            "cannot take Hà Tĩnh's site"
        );
        assert_eq!(
            admin
                .post(
                    &format!("/operations/sites/{ht}/active"),
                    &[("active", "false")]
                )
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            admin
                .get(&format!("/operations/sites/{ht}/edit"))
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        // Its own site it may move within its scope and turn off.
        let own = id_of(app, "CAM-NA").await;
        assert_eq!(
            admin
                .get(&format!("/operations/sites/{own}/edit"))
                .await
                .status,
            StatusCode::OK
        );
        // Importing a row of another province refuses the whole file.
        let file = format!(
            "{HEADER}CAM-NA3,camera,dam,Đập,40,,,,http://h/a.m3u8\nCAM-HT,camera,dam,Đập,42,,,,http://h/b.m3u8\n"
        );
        let r = admin
            .post_file("/operations/sites/import", &[], "file", file.as_bytes())
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("Dòng 3, cột"), "{}", r.body);
        assert_eq!(sites(app).await, 2);
        let row = app
            .db
            .fetch_one(
                "SELECT unit_code, active FROM sites WHERE id = $1",
                platform::params![ht],
            )
            .await
            .unwrap();
        assert_eq!(row.get::<String>("unit_code").unwrap(), "42");
        assert!(row.get::<bool>("active").unwrap());
    }
);

on_both!(
    a_csv_import_is_all_or_nothing_with_every_bad_row_by_line,
    async |app: &TestApp| {
        let mut admin = app
            .signed_in("qt.csv", Role::SystemAdmin, Scope::National)
            .await;
        let before = app.audit_count().await;
        let bad = format!(
            "\u{feff}{HEADER}\
             CAM-1,camera,dam,Đập Hòa Bình,,Hòa Bình,20.81,105.32,http://h/a.m3u8\n\
             CAM-2,camera,dam,,01,,abc,105,http://h/b.m3u8\n\
             \n\
             CAM-3,drone,dam,Cửa khẩu,01,,,,http://h/c.m3u8\n\
             CAM-1,camera,dam,Lặp,,,,,http://h/d.m3u8\n"
        );
        let r = admin
            .post_file("/operations/sites/import", &[], "file", bad.as_bytes())
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(
            r.body.contains("không có gì được ghi: 4 lỗi."),
            "{}",
            r.body
        );
        for want in [
            "Dòng 3, cột name: Chưa nhập “Tên”.",
            "Dòng 3, cột latitude: Tọa độ “abc”",
            "Dòng 5, cột kind: Loại điểm “drone”",
            "Dòng 6, cột code: Mã điểm “CAM-1” đã có ở dòng 2.",
        ] {
            assert!(r.body.contains(want), "{want}: {}", r.body);
        }
        assert_eq!(sites(app).await, 0, "nothing written");
        assert_eq!(app.audit_count().await, before);
        // Bad bytes: the line named.
        let mut bytes = HEADER.as_bytes().to_vec();
        bytes.extend(b"CAM-1,camera,dam,\xff\xfe,,,,,http://h/a\n");
        let r = admin
            .post_file("/operations/sites/import", &[], "file", &bytes)
            .await;
        assert!(
            r.body.contains("Dòng 2: tệp không phải văn bản UTF-8"),
            "{}",
            r.body
        );
        // A good file: inserted, then updated by code.
        let good = format!(
            "{HEADER}CAM-1,camera,dam,Đập Hòa Bình,,\"Hòa Bình, tổ 1\",20.81,105.32,http://h/a.m3u8\n\
             DC-01,conference,other,Điểm cầu Hà Nội,01,Phòng 2,,,https://hop.gov.vn/j/1\n"
        );
        let r = admin
            .post_file("/operations/sites/import", &[], "file", good.as_bytes())
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body.contains("2 điểm mới"), "{}", r.body);
        let again = good.replace("Phòng 2", "Phòng 3");
        let r = admin
            .post_file("/operations/sites/import", &[], "file", again.as_bytes())
            .await;
        assert!(
            r.body
                .contains("0 điểm mới, 1 điểm cập nhật, 1 điểm không đổi"),
            "{}",
            r.body
        );
        assert_eq!(sites(app).await, 2);
        assert_eq!(audited(app, "site.import").await, 2);
        // Export, then import: nothing changes.
        let (status, exported) = admin.get_bytes("/operations/sites/export.csv").await;
        assert_eq!(status, StatusCode::OK);
        assert!(exported.starts_with(b"\xEF\xBB\xBFcode,kind,category,name"));
        let r = admin
            .post_file("/operations/sites/import", &[], "file", &exported)
            .await;
        assert!(
            r.body
                .contains("0 điểm mới, 0 điểm cập nhật, 2 điểm không đổi"),
            "{}",
            r.body
        );
        let text = String::from_utf8(exported).unwrap();
        assert!(text.contains("\"Hòa Bình, tổ 1\",20.81,105.32"), "{text}");
    }
);

on_both!(
    the_api_lists_and_imports_sites_with_a_token,
    async |app: &TestApp| {
        let na = app.scope("unit", "40").await;
        let mut token = app.token_client("nhap.site", Role::AgencyAdmin, na).await;
        let file = format!(
            "{HEADER}CAM-NA,camera,border_gate,Cửa khẩu Nậm Cắn,40,,19.40,104.10,http://h/a.m3u8\n"
        );
        let r = token
            .request_typed(
                "POST",
                "/api/v1/operations/sites/import?dry_run=true",
                file.clone(),
                "text/csv",
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.json()["inserted"], 1);
        assert_eq!(r.json()["dry_run"], true);
        assert_eq!(app.count("SELECT COUNT(*) AS n FROM sites").await, 0);
        let r = token
            .request_typed(
                "POST",
                "/api/v1/operations/sites/import",
                file.clone(),
                "application/json",
            )
            .await;
        assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        let r = token
            .request_typed("POST", "/api/v1/operations/sites/import", file, "text/csv")
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.json()["inserted"], 1);
        let bad = format!(
            "{HEADER}CAM-HT,camera,dam,Đập,42,,,,http://h/a.m3u8\nX,camera,dam,N,40,,95,1,http://h\n"
        );
        let r = token
            .request_typed("POST", "/api/v1/operations/sites/import", bad, "text/csv")
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let fields: Vec<String> = r.json()["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap_or("").to_owned())
            .collect();
        assert_eq!(
            fields,
            vec!["row 2: unit_code", "row 3: latitude"],
            "{}",
            r.body
        );
        let r = token.get("/api/v1/operations/sites?kind=camera").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.json()["items"][0]["code"], "CAM-NA");
        assert_eq!(r.json()["items"][0]["state"], "unknown");
        let mut viewer = app
            .token_client("xem.site", Role::Viewer, Scope::National)
            .await;
        let r = viewer
            .request_typed(
                "POST",
                "/api/v1/operations/sites/import",
                HEADER.into(),
                "text/csv",
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let mut public = app.client();
        assert_eq!(
            public.get("/api/v1/operations/sites").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
);

on_both!(
    the_map_shows_a_badge_per_province_and_every_site_in_a_table,
    async |app: &TestApp| {
        let mut admin = app
            .signed_in("qt.map", Role::SystemAdmin, Scope::National)
            .await;
        let file = format!(
            "{HEADER}CAM-HN-1,camera,admin_centre,Camera Hà Nội 1,01,,21.03,105.85,http://h/1.m3u8\n\
             CAM-HN-2,camera,admin_centre,Camera Hà Nội 2,01,,21.04,105.86,http://h/2.m3u8\n\
             DC-HN,conference,other,Điểm cầu Hà Nội,01,,,,https://hop.gov.vn/1\n\
             CAM-HCM,camera,dam,Camera Hồ Chí Minh,79,,10.78,106.70,http://h/3.m3u8\n"
        );
        admin
            .post_file("/operations/sites/import", &[], "file", file.as_bytes())
            .await;
        let hn = id_of(app, "CAM-HN-1").await;
        let s = operations::store::sites::get(&app.db, hn)
            .await
            .unwrap()
            .unwrap();
        let mut tx = app.db.begin().await.unwrap();
        operations::store::sites::record_probe(
            &mut tx,
            &s,
            operations::model::site::SiteState::Down,
            "HTTP 404",
            platform::db::now_ms(),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let page = admin.get("/operations/sites/map").await;
        assert_eq!(page.status, StatusCode::OK);
        let body = &page.body;
        // Hà Nội: 3 sites, one down (a red badge); Hồ Chí Minh: 1, all up or unknown.
        let cell = |code: &str| {
            let at = body
                .find(&format!(
                    "<a href=\"/operations/sites?unit={code}\" class=\"ops-cell\""
                ))
                .unwrap_or_else(|| panic!("{code}: {body}"));
            &body[at..at + body[at..].find("</a>").unwrap()]
        };
        assert!(cell("01").contains("site-badge-down"), "{}", cell("01"));
        assert!(cell("01").contains(">3</text>"), "{}", cell("01"));
        assert!(cell("01").contains("2 camera, 1 điểm cầu, 1 mất kết nối"));
        assert!(cell("79").contains(">1</text>"));
        assert!(!cell("79").contains("site-badge-down"));
        assert!(!cell("40").contains("site-badge"), "no sites, no badge");
        // Every site in the table, linked to its page.
        assert!(body.contains(&format!(
            "<a href=\"/operations/sites/{hn}\">Camera Hà Nội 1 (CAM-HN-1)</a>"
        )));
        assert!(body.contains("Camera Hồ Chí Minh (CAM-HCM)"));
        assert!(body.contains("Mất kết nối"));
    }
);

on_both!(
    a_configured_geojson_puts_a_dot_at_each_site,
    async |app: &TestApp| {
        let mut admin = app
            .signed_in("qt.geo", Role::SystemAdmin, Scope::National)
            .await;
        let file = format!(
            "{HEADER}CAM-A,camera,dam,A,01,,21.5,105.5,http://h/1.m3u8\n\
             DC-B,conference,other,B,79,,10.5,105.5,https://hop.gov.vn/1\n\
             CAM-FAR,camera,dam,Far,01,,40,140,http://h/2.m3u8\n"
        );
        admin
            .post_file("/operations/sites/import", &[], "file", file.as_bytes())
            .await;
        let square = |code: &str, lat: f64| {
            serde_json::json!({"type": "Feature", "properties": {"code": code},
              "geometry": {"type": "Polygon", "coordinates": [[[105.0, lat], [106.0, lat],
                [106.0, lat + 1.0], [105.0, lat + 1.0], [105.0, lat]]]}})
        };
        let doc = serde_json::json!({"type": "FeatureCollection",
            "features": [square("01", 21.0), square("79", 10.0)]});
        let dir = std::env::temp_dir().join(format!(
            "egov-sites-geojson-{}-{}",
            std::process::id(),
            app.backend
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("provinces.geojson");
        std::fs::write(&path, doc.to_string()).unwrap();
        let mut config = platform::config::Config {
            database_url: platform::config::Secret::new(app.url.clone()),
            ..Default::default()
        };
        config.provinces_geojson = Some(path.clone());
        let state = testkit::state(&WIRING, app.db.clone(), config).await;
        let router = crate::support::router(state);
        let req = axum::http::Request::get("/operations/sites/map")
            .header(axum::http::header::COOKIE, admin.cookie_header())
            .body(axum::body::Body::empty())
            .unwrap();
        let res = tower::ServiceExt::oneshot(router, req).await.unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let body = axum::body::to_bytes(res.into_body(), 1 << 24)
            .await
            .unwrap();
        let body = String::from_utf8(body.to_vec()).unwrap();
        assert!(
            body.contains("data-dots=\"2\""),
            "the far one is off the map: {body}"
        );
        let a = id_of(app, "CAM-A").await;
        let b = id_of(app, "DC-B").await;
        // A camera is a circle, a point a square; north at the top.
        let dot = |id: i64| {
            let at = body
                .find(&format!(
                    "<a href=\"/operations/sites/{id}\" class=\"site-dot\""
                ))
                .unwrap();
            body[at..at + body[at..].find("</a>").unwrap()].to_owned()
        };
        assert!(dot(a).contains("<circle"), "{}", dot(a));
        assert!(dot(b).contains("<rect"), "{}", dot(b));
        let y = |s: &str, attr: &str| -> f64 {
            let at = s.find(attr).unwrap() + attr.len();
            s[at..at + s[at..].find('"').unwrap()].parse().unwrap()
        };
        assert!(y(&dot(a), "cy=\"") < y(&dot(b), " y=\""));
    }
);

on_both!(
    two_imports_of_one_new_code_at_once_give_one_site_and_a_row_error,
    async |app: &TestApp| {
        use operations::engine::sites::{SiteError, import};
        use platform::identity::access::Grant;
        let grants = vec![Grant {
            id: 0,
            role: Role::SystemAdmin,
            scope: Scope::National,
            scope_unit: None,
        }];
        let actor = platform::audit::Actor::system("kiểm thử");
        for round in 0..5 {
            let file = format!(
                "{HEADER}CAM-RACE-{round},camera,dam,Đập Bản Vẽ,40,,19.33,104.45,http://h/a.m3u8\n"
            );
            // Both read the registry before either writes: the second insert meets the first's
            // row in the database, and answers as a create would (never a server error).
            let (a, b) = tokio::join!(
                import(&app.db, &actor, &grants, file.as_bytes(), false),
                import(&app.db, &actor, &grants, file.as_bytes(), false)
            );
            let mut ok = 0;
            for r in [a, b] {
                match r {
                    Ok(done) => {
                        ok += 1;
                        assert_eq!(done.inserted + done.unchanged, 1, "{done:?}");
                    }
                    Err(SiteError::Invalid(ps)) => {
                        assert_eq!(ps.len(), 1, "{ps:?}");
                        assert_eq!(ps[0].code, "site_code_taken", "{ps:?}");
                        assert_eq!(ps[0].field.as_deref(), Some("row 2: code"), "{ps:?}");
                    }
                    Err(e) => panic!("round {round}: {e:?}"),
                }
            }
            assert!(ok >= 1, "round {round}: neither import wrote");
        }
        assert_eq!(sites(app).await, 5);
    }
);
