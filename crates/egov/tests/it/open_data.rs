//! The open-data page as a visitor uses it: every download link of the demo gives values.

use axum::http::StatusCode;

use crate::on_both;
use crate::support::TestApp;

on_both!(
    every_open_data_link_of_the_demo_has_values,
    async |app: &TestApp| {
        let name = app.url.rsplit(['/', ':']).next().unwrap_or("db").to_owned();
        let dir = std::env::temp_dir().join(format!("egov-open-data-{name}"));
        std::fs::create_dir_all(&dir).unwrap();
        egov::demo::load(&app.db, &dir).await.unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        let mut visitor = app.client();
        let page = visitor.get("/open-data").await;
        assert_eq!(page.status, StatusCode::OK);
        // The JSON link of each indicator (the CSV and XLSX links ask for the same data).
        let links: Vec<String> = page
            .body
            .split("href=\"")
            .skip(1)
            .filter_map(|s| s.split('"').next())
            .filter(|l| l.starts_with("/api/v1/data?") && !l.contains("format="))
            .map(|l| l.replace("&amp;", "&"))
            .collect();
        // Indicators without national figures say so instead of linking to an empty file.
        let without = page.body.matches("Chưa có số liệu cả nước").count();
        let public = reporting::store::catalogue::list(&app.db)
            .await
            .unwrap()
            .into_iter()
            .filter(|i| i.is_public)
            .count();
        assert_eq!(links.len() + without, public);
        assert!(links.len() >= 20, "{} links", links.len());
        let mut empty = Vec::new();
        for link in &links {
            let r = visitor.get(link).await;
            assert_eq!(r.status, StatusCode::OK, "{link}: {}", r.body);
            let json = r.json();
            let values = json["items"]
                .as_array()
                .unwrap_or_else(|| panic!("{link}: {json}"))
                .iter()
                .filter(|i| i["value"].is_number())
                .count();
            if values == 0 {
                empty.push(link.clone());
            }
        }
        assert!(
            empty.is_empty(),
            "{} of {} links give no values: {empty:#?}",
            empty.len(),
            links.len()
        );
        // The CSV link of one quarterly indicator gives rows too.
        let csv_link = page
            .body
            .split("href=\"")
            .skip(1)
            .filter_map(|s| s.split('"').next())
            .find(|l| l.contains("Q") && l.contains("format=csv"))
            .expect("a quarterly CSV link")
            .replace("&amp;", "&");
        let csv = visitor.get(&csv_link).await;
        assert_eq!(csv.status, StatusCode::OK);
        // The file is named for what it holds: indicator, area and the periods' span.
        let code = csv_link
            .split("indicator=")
            .nth(1)
            .and_then(|s| s.split('&').next())
            .unwrap();
        let periods: Vec<&str> = csv_link
            .split("period=")
            .nth(1)
            .and_then(|s| s.split('&').next())
            .unwrap()
            .split(',')
            .collect();
        let disposition = csv.headers["content-disposition"].to_str().unwrap();
        assert_eq!(
            disposition,
            format!(
                "attachment; filename=\"egov_{code}_VN_{}-{}.csv\"",
                periods[0],
                periods[periods.len() - 1]
            )
        );
        assert!(csv.body.lines().count() > 1, "{}", csv.body);
    }
);
