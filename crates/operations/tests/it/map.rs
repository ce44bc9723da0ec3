//! Issue 12: the map of the provinces on an indicator's page — the tile grid of the 34
//! provinces, the colour classes and their legend, the periods before July 2025 rolled into
//! today's provinces or shown as the 63 of the time, and the boundaries of a GeoJSON file.

use axum::http::StatusCode;

use crate::on_both;
use crate::support::{TestApp, WIRING, approve, latest_month, provinces, setup};

/// The `<svg>` of the map.
fn svg(body: &str) -> &str {
    let start = body.find("<svg class=\"ops-map-svg").expect("a map");
    let end = start + body[start..].find("</svg>").unwrap();
    &body[start..end]
}

fn cells(svg: &str) -> Vec<&str> {
    svg.split("<a href=\"/operations/provinces/")
        .skip(1)
        .map(|s| &s[..s.find('"').unwrap()])
        .collect()
}

/// The provinces drawn (every cell says its province's code), in the order drawn.
fn drawn(svg: &str) -> Vec<&str> {
    svg.split(" data-code=\"")
        .skip(1)
        .map(|s| &s[..s.find('"').unwrap()])
        .collect()
}

/// The `<a …>…</a>` of the cell of `code`.
fn cell_of<'a>(svg: &'a str, code: &str) -> &'a str {
    let at = svg.find(&format!(" data-code=\"{code}\"")).unwrap();
    let start = svg[..at].rfind("<a ").unwrap();
    &svg[start..start + svg[start..].find("</a>").unwrap()]
}

/// The fill of a province's tile.
fn fill<'a>(svg: &'a str, code: &str) -> &'a str {
    let rest = cell_of(svg, code);
    let f = rest.find("fill=\"").unwrap() + 6;
    &rest[f..f + rest[f..].find('"').unwrap()]
}

on_both!(
    the_map_draws_34_provinces_in_classes_with_a_legend,
    async |app: &TestApp| {
        let t = setup(app).await;
        let p = latest_month();
        let units = provinces(app, &p).await;
        assert_eq!(units.len(), 34);
        // Five provinces with five values: one per class; the others have no data.
        for (i, v) in ["1000", "2000", "3000", "4000", "5000,5"]
            .iter()
            .enumerate()
        {
            approve(app, &t, units[i].0, &p, v).await;
        }
        let mut c = app.client();
        let r = c
            .get(&format!(
                "/operations/indicators/RETAIL_SALES?period={}",
                p.id()
            ))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let map = svg(&r.body);
        let mut linked = cells(map);
        linked.sort_unstable();
        let mut codes: Vec<&str> = units.iter().map(|u| u.1.as_str()).collect();
        codes.sort_unstable();
        assert_eq!(
            linked, codes,
            "one cell per province, each a link to its page"
        );
        // Lightest for the smallest, darkest for the largest, hatched without data.
        assert_eq!(fill(map, &units[0].1), "#eff3ff");
        assert_eq!(fill(map, &units[4].1), "#08306b");
        assert_eq!(fill(map, &units[5].1), "url(#ops-nodata)");
        // The value in the cell's title, formatted for the language.
        assert!(
            map.contains(&format!("<title>{} ", units[4].1)) && map.contains(": 5.000,5</title>"),
            "{map}"
        );
        // The legend: five classes and "no data", with bounds formatted for the language.
        let legend = &r.body[r.body.find("ops-legend").unwrap()..];
        for v in [
            "1.000",
            "2.000",
            "3.000",
            "4.000",
            "5.000,5",
            "Không có số liệu",
        ] {
            assert!(legend.contains(v), "{v} in {legend}");
        }
        // The table behind the map ranks the provinces.
        let table = &r.body[r.body.find("id=\"map-table\"").unwrap()..];
        let first = table.find(&format!("({})</a>", units[4].1)).unwrap();
        let second = table.find(&format!("({})</a>", units[3].1)).unwrap();
        assert!(first < second);
        // The overview draws its ranking on a small map too.
        let o = c.get("/operations").await;
        assert_eq!(cells(svg(&o.body)).len(), 34);
        assert!(svg(&o.body).contains(&format!("<title>{} ", units[4].1)));
        assert!(svg(&o.body).contains(": 5.000,5</title>"));
        c.lang = Some("en");
        let r = c
            .get(&format!(
                "/operations/indicators/RETAIL_SALES?period={}",
                p.id()
            ))
            .await;
        assert!(r.body.contains("5,000.5"));
        assert!(r.body.contains("No data"));
    }
);

on_both!(
    an_old_period_is_rolled_into_todays_provinces_or_shown_as_the_63,
    async |app: &TestApp| {
        let t = setup(app).await;
        let p = reporting::Period::month(2024, 6);
        let old = provinces(app, &p).await;
        assert_eq!(old.len(), 63);
        // Hà Giang (02) and Tuyên Quang (08) became today's Tuyên Quang (08).
        let id = |code: &str| old.iter().find(|u| u.1 == code).unwrap().0;
        approve(app, &t, id("02"), &p, "10").await;
        approve(app, &t, id("08"), &p, "20,5").await;
        let mut c = app.client();
        let url = "/operations/indicators/RETAIL_SALES?period=202406";
        let r = c.get(url).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let map = svg(&r.body);
        assert_eq!(cells(map).len(), 34);
        assert!(
            map.contains(": 30,5</title>") && map.contains("<title>08 "),
            "{map}"
        );
        assert!(
            r.body.contains("id=\"map-note\""),
            "the map says it rolled up"
        );
        assert!(r.body.contains("02, 08"), "and from which provinces");
        // The 63 provinces of the time, at the user's choice.
        assert!(r.body.contains("view=old"));
        let r = c.get(&format!("{url}&view=old")).await;
        assert_eq!(r.status, StatusCode::OK);
        let table = &r.body[r.body.find("id=\"old-provinces\"").unwrap()..];
        let table = &table[..table.find("</table>").unwrap()];
        assert_eq!(table.matches("<tr><td").count(), 63);
        assert!(table.contains("Hà Giang (02)"));
        // The map draws them: one tile per province of the time, each once, no other.
        let map = svg(&r.body);
        let mut codes = drawn(map);
        assert_eq!(codes.len(), 63, "{map}");
        assert_eq!(map.matches("<rect x=").count(), 63);
        codes.sort_unstable();
        let mut registry: Vec<&str> = old.iter().map(|u| u.1.as_str()).collect();
        registry.sort_unstable();
        assert_eq!(codes, registry, "the registry's 63 codes");
        // No two tiles at the same place.
        let mut places: Vec<&str> = map
            .split("<rect x=\"")
            .skip(1)
            .map(|s| &s[..s.find(" width").unwrap()])
            .collect();
        places.sort_unstable();
        places.dedup();
        assert_eq!(places.len(), 63);
        // Coloured by class, the province without a figure hatched, in the legend.
        let ha_giang = cell_of(map, "02");
        let tuyen_quang = cell_of(map, "08");
        assert!(ha_giang.contains("fill=\"#"), "{ha_giang}");
        assert!(tuyen_quang.contains("fill=\"#"), "{tuyen_quang}");
        assert_ne!(
            fill(map, "02"),
            fill(map, "08"),
            "10 and 20,5 in two classes"
        );
        assert_eq!(
            cell_of(map, "01").matches("url(#ops-nodata)").count(),
            1,
            "Hà Nội has no figure"
        );
        assert!(r.body.contains("ops-legend"));
        // Hà Giang has no page of its own: its cell opens today's Tuyên Quang, and says so.
        assert!(
            ha_giang.starts_with("<a href=\"/operations/provinces/08\""),
            "{ha_giang}"
        );
        assert!(
            ha_giang.contains("<title>02 Hà Giang: 10,0 — nay thuộc Tuyên Quang (08)</title>"),
            "{ha_giang}"
        );
        assert!(r.body.contains("id=\"map-note\""));
        // The API describes the same cells: 63 places on the grid, none shared, each with
        // the province that succeeded it.
        let r = c
            .get("/api/v1/operations/map?indicator=RETAIL_SALES&period=202406&old=true")
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let j = r.json();
        let list = j["provinces"].as_array().unwrap();
        assert_eq!(list.len(), 63);
        let mut tiles: Vec<String> = list.iter().map(|p| p["tile"].to_string()).collect();
        tiles.sort_unstable();
        tiles.dedup();
        assert_eq!(tiles.len(), 63, "{tiles:?}");
        assert!(!tiles.contains(&"null".to_owned()));
        let of = |code: &str| list.iter().find(|p| p["code"] == code).unwrap();
        assert_eq!(of("02")["successor"], "08");
        assert_eq!(of("02")["tile"], serde_json::json!([3, 0]));
        assert_eq!(of("40")["successor"], "40");
        let r = c
            .get("/api/v1/operations/map?indicator=RETAIL_SALES&period=202406")
            .await;
        let j = r.json();
        let list = j["provinces"].as_array().unwrap();
        assert_eq!(list.len(), 34);
        assert!(
            list.iter()
                .all(|p| p["tile"].is_array() && p["successor"].is_null())
        );
        // A period after the merger has no provinces of the time to draw: today's 34.
        let r = c
            .get("/operations/indicators/RETAIL_SALES?period=202507&view=old")
            .await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(drawn(svg(&r.body)).len(), 34);
        let r = c.get(&format!("{url}&view=other")).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let r = c
            .get("/operations/indicators/RETAIL_SALES?period=2024M13")
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
);

on_both!(
    a_configured_geojson_draws_the_provinces_boundaries,
    async |app: &TestApp| {
        setup(app).await;
        // Three squares, stacked north to south.
        let square = |code: &str, lat: f64| {
            serde_json::json!({"type": "Feature", "properties": {"code": code},
              "geometry": {"type": "Polygon", "coordinates": [[[105.0, lat], [106.0, lat],
                [106.0, lat + 1.0], [105.0, lat + 1.0], [105.0, lat]]]}})
        };
        let doc = serde_json::json!({"type": "FeatureCollection",
            "features": [square("01", 21.0), square("48", 16.0), square("79", 10.0)]});
        let dir = std::env::temp_dir().join(format!(
            "egov-geojson-{}-{}",
            std::process::id(),
            app.backend
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("provinces.geojson");
        std::fs::write(&file, doc.to_string()).unwrap();
        let mut config = platform::config::Config {
            database_url: platform::config::Secret::new(app.url.clone()),
            ..Default::default()
        };
        config.provinces_geojson = Some(file.clone());
        let state = testkit::state(&WIRING, app.db.clone(), config).await;
        let router = crate::support::router(state);
        let req = axum::http::Request::get("/operations/indicators/RETAIL_SALES")
            .body(axum::body::Body::empty())
            .unwrap();
        let res = tower::ServiceExt::oneshot(router, req).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let body = axum::body::to_bytes(res.into_body(), 1 << 24)
            .await
            .unwrap();
        let body = String::from_utf8(body.to_vec()).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        let map = svg(&body);
        assert!(map.contains("ops-map-geo"));
        assert_eq!(cells(map), vec!["01", "48", "79"]);
        assert_eq!(map.matches("<path d=\"M").count(), 3, "{map}");
        assert!(!map.contains("<rect x="), "no tiles");
        // North at the top: Hà Nội's square touches the top edge, Hồ Chí Minh's does not.
        let path_of = |code: &str| {
            let at = &map[map.find(&format!("/provinces/{code}\"")).unwrap()..];
            let d = &at[at.find("d=\"M").unwrap() + 3..];
            d[..d.find('"').unwrap()].to_owned()
        };
        assert!(path_of("01").contains(",0.0L"), "{}", path_of("01"));
        assert!(!path_of("79").contains(",0.0L"), "{}", path_of("79"));
    }
);
