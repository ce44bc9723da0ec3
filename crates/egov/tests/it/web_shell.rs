//! The web shell: security headers, health and metrics, OpenAPI, assets, error pages, i18n
//! completeness, backup and restore.

use axum::http::StatusCode;
use platform::identity::access::{Role, Scope};

use crate::on_both;
use crate::support::TestApp;

on_both!(security_headers_on_every_response, async |app: &TestApp| {
    let mut c = app.client();
    for path in [
        "/",
        "/api/v1/units",
        "/nowhere",
        "/api/v1/nowhere",
        "/assets/egov.css",
    ] {
        let r = c.get(path).await;
        let csp = r
            .headers
            .get("content-security-policy")
            .unwrap()
            .to_str()
            .unwrap();
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{path}: {csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'"));
        assert_eq!(r.headers.get("x-content-type-options").unwrap(), "nosniff");
        assert_eq!(
            r.headers.get("referrer-policy").unwrap(),
            "strict-origin-when-cross-origin"
        );
    }
    // No inline scripts or styles in pages (the CSP would block them).
    let home = c.get("/").await.body;
    assert!(!home.contains("<script>") && !home.contains("style=\""));
    // Cookies: HttpOnly, SameSite.
    let r = app.client().get("/").await;
    let set = r.headers.get("set-cookie").unwrap().to_str().unwrap();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Lax"),
        "{set}"
    );
});

on_both!(errors_use_one_envelope_or_a_page, async |app: &TestApp| {
    let mut c = app.client();
    let r = c.get("/api/v1/nowhere").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        r.json(),
        serde_json::json!({"errors": [{"code": "not_found", "detail": "Không tìm thấy."}]})
    );
    let r = c.get("/no-such-page").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body.contains("<html lang=\"vi\">") && r.body.contains("Không tìm thấy"));
    c.lang = Some("en");
    assert_eq!(
        c.get("/api/v1/nowhere").await.json()["errors"][0]["detail"],
        "Not found."
    );
    // A cross-site form post is refused before anything runs.
    let mut evil = app.client();
    let req = axum::http::Request::builder()
        .method("POST")
        .uri("/login")
        .header("host", "localhost")
        .header("origin", "https://evil.example")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(axum::body::Body::from("username=a&password=b"))
        .unwrap();
    use tower::ServiceExt;
    let res = app.router.clone().oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let _ = evil.get("/").await;
});

on_both!(health_readiness_and_metrics, async |app: &TestApp| {
    let mut c = app.client();
    assert_eq!(c.get("/healthz").await.body, "ok");
    let r = c.get("/readyz").await;
    assert_eq!(r.status, StatusCode::OK);
    let n = platform::db::SQLITE_MIGRATIONS.iter().count();
    assert_eq!(
        n,
        platform::db::POSTGRES_MIGRATIONS.iter().count(),
        "one history per backend"
    );
    assert!(r.body.starts_with(&format!("ready: {n}/{n}")), "{}", r.body);
    c.get("/api/v1/units").await;
    let m = c.get("/metrics").await.body;
    assert!(
        m.contains(
            "egov_http_requests_total{method=\"GET\",route=\"/api/v1/units\",status=\"200\"} 1"
        ),
        "{m}"
    );
    assert!(m.contains("egov_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/v1/units\",le=\"+Inf\"} 1"));
    assert!(m.contains("egov_db_pool_connections{state=\"open\"}"));
    assert!(m.contains("# TYPE egov_jobs gauge"));
});

on_both!(assets_are_embedded, async |app: &TestApp| {
    let mut c = app.client();
    for (path, ct) in [
        ("/assets/vendor/htmx.min.js", "text/javascript"),
        ("/assets/vendor/echarts.min.js", "text/javascript"),
        ("/assets/vendor/hls.light.min.js", "text/javascript"),
        ("/assets/camera.js", "text/javascript"),
        ("/assets/vendor/hls.LICENSE", "text/plain"),
        ("/assets/egov.css", "text/css"),
        ("/assets/vendor/htmx.LICENSE", "text/plain"),
    ] {
        let r = c.get(path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert!(
            r.headers
                .get("content-type")
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with(ct)
        );
        assert!(r.body.len() > 100, "{path}");
    }
    assert_eq!(
        c.get("/assets/../Cargo.toml").await.status,
        StatusCode::NOT_FOUND
    );
});

on_both!(
    pages_name_themselves_once_and_explain_empty_tables,
    async |app: &TestApp| {
        let mut c = app.client();
        let home = c.get("/").await;
        assert!(
            home.body
                .contains("<title>Trang chủ · Nền tảng Chính phủ số egov</title>"),
            "{}",
            home.body
        );
        let mut admin = app
            .signed_in("quan.tri", Role::SystemAdmin, Scope::National)
            .await;
        let tokens = admin.get("/admin/tokens").await;
        assert_eq!(tokens.status, StatusCode::OK);
        assert!(
            tokens
                .body
                .contains("Chưa có khóa API nào trong phạm vi của bạn."),
            "{}",
            tokens.body
        );
    }
);

on_both!(
    api_docs_page_lists_every_operation,
    async |app: &TestApp| {
        let mut c = app.client();
        let doc = c.get("/api/v1/openapi.json").await.json();
        let r = c.get("/api/docs").await;
        assert_eq!(r.status, StatusCode::OK);
        for path in doc["paths"].as_object().unwrap().keys() {
            assert!(
                r.body.contains(path.as_str()),
                "{path} missing from /api/docs"
            );
        }
    }
);

on_both!(backup_and_restore, async |app: &TestApp| {
    app.user("sao.luu", Role::Viewer, Scope::National).await;
    let entries = app.audit_count().await;
    let dir = std::env::temp_dir().join(format!(
        "egov-backup-{}-{}",
        std::process::id(),
        app.backend
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let restored_url = if app.backend == "sqlite" {
        // Online backup, as docs/operations.md says: VACUUM INTO.
        let file = dir.join("backup.db");
        let _ = std::fs::remove_file(&file);
        app.db
            .execute_script(&format!("VACUUM INTO '{}'", file.display()))
            .await
            .unwrap();
        format!("sqlite://{}", file.display())
    } else {
        let dump = dir.join("backup.dump");
        let st = std::process::Command::new("pg_dump")
            .args(["-Fc", "-f", dump.to_str().unwrap(), &app.url])
            .status()
            .expect("pg_dump (scripts/test puts PostgreSQL's tools on PATH)");
        assert!(st.success());
        let target = crate::support::fresh_database("postgres").await;
        let st = std::process::Command::new("pg_restore")
            .args(["--no-owner", "-d", &target, dump.to_str().unwrap()])
            .status()
            .expect("pg_restore");
        assert!(st.success());
        target
    };
    let restored = platform::db::Db::connect(&restored_url, 2)
        .await
        .unwrap()
        .with_audit_key(Some(crate::support::test_audit_key()));
    assert_eq!(
        platform::audit::verify(&restored).await.unwrap(),
        platform::audit::Verdict::Intact { entries }
    );
    assert!(
        platform::identity::find_user(&restored, "sao.luu")
            .await
            .unwrap()
            .is_some()
    );
    let (applied, known) = restored.migration_status().await.unwrap();
    assert!(applied == known && known >= 3, "{applied}/{known}");
    restored.close().await;
    std::fs::remove_dir_all(&dir).ok();
});

#[test]
fn openapi_document_is_stable() {
    insta::assert_json_snapshot!("openapi", egov::openapi_json());
}

/// Every file under each crate's `src/` and `templates/` (found by walking `crates/`, so a new
/// crate is scanned without editing this test), the code of unit-test modules left out.
fn source_files(root: &std::path::Path) -> Vec<std::path::PathBuf> {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs" || x == "html") {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    for krate in std::fs::read_dir(root.join("crates")).unwrap() {
        let krate = krate.unwrap().path();
        walk(&krate.join("src"), &mut files);
        walk(&krate.join("templates"), &mut files);
    }
    files.sort();
    files
}

/// The i18n keys a source text uses: `ctx.t("…")`, `t_args(lang, "…")`, error codes
/// (`Problem::new("code")` → `error.code`) and codes written in struct literals (`code: "x"`:
/// an `error.` or an `import.` key, the commune import's row errors). A key holding `{` is built
/// at run time and skipped; a struct literal's value that is not a snake_case code (a template
/// code such as `BC-KTXH-QUY`) is not a key.
fn used_keys(raw: &str) -> Vec<Vec<String>> {
    // Unit tests (at the end of a file) hold test data, not messages.
    let raw = raw.split("#[cfg(test)]").next().unwrap();
    // Lines trimmed and calls split over lines joined: `Problem::new(\n"code")`.
    let text: String = raw
        .lines()
        .map(|l| format!("\n{}", l.trim_start()))
        .collect::<String>()
        .replace("(\n", "(");
    let snake = |k: &str| {
        !k.is_empty()
            && k.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    };
    let mut used = Vec::new();
    let patterns: [(&str, &[&str]); 6] = [
        ("ctx.t(\"", &[""]),
        ("t(lang, \"", &[""]),
        ("t_args(lang, \"", &[""]),
        ("Problem::new(\"", &["error."]),
        ("code: \"", &["error.", "import."]),
        ("code: &\"", &["error.", "import."]),
    ];
    for (pat, prefixes) in patterns {
        let mut parts = text.split(pat);
        let mut before = parts.next().unwrap_or("");
        for part in parts {
            // The whole name only: `code: "…"`, not `scope_code: "…"` or `error_code: "…"`.
            let whole = before
                .chars()
                .last()
                .is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
            before = part;
            if !whole {
                continue;
            }
            let key = part.split('"').next().unwrap();
            if key.is_empty() || key.contains('{') {
                continue;
            }
            if prefixes != [""] && !snake(key) {
                continue;
            }
            used.push(prefixes.iter().map(|p| format!("{p}{key}")).collect());
        }
    }
    used
}

/// Every i18n key used in templates and code exists in both languages.
#[test]
fn every_used_string_is_translated() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let keys: std::collections::HashSet<String> = platform::i18n::keys(platform::i18n::Lang::Vi)
        .into_iter()
        .collect();
    let en: std::collections::HashSet<String> = platform::i18n::keys(platform::i18n::Lang::En)
        .into_iter()
        .collect();
    assert_eq!(keys, en, "vi.toml and en.toml differ");
    let mut missing = Vec::new();
    let mut scanned = std::collections::BTreeMap::<String, usize>::new();
    for f in source_files(&root) {
        let raw = std::fs::read_to_string(&f).unwrap();
        let used = used_keys(&raw);
        let krate = f
            .strip_prefix(root.join("crates"))
            .ok()
            .and_then(|p| p.iter().next())
            .map(|c| c.to_string_lossy().into_owned())
            .unwrap_or_default();
        *scanned.entry(krate).or_default() += used.len();
        for alternatives in used {
            if !alternatives.iter().any(|k| keys.contains(k)) {
                missing.push(format!("{}: {}", f.display(), alternatives.join(" or ")));
            }
        }
    }
    // The scan reaches every crate that shows messages (it once skipped reporting).
    for krate in ["platform", "registry", "reporting"] {
        assert!(
            scanned.get(krate).is_some_and(|n| *n > 10),
            "too few keys found in crates/{krate}: {scanned:?}"
        );
    }
    for role in platform::identity::access::Role::ALL {
        if !keys.contains(&format!("role.{}", role.as_str())) {
            missing.push(format!("role.{}", role.as_str()));
        }
    }
    for kind in [
        "city",
        "province",
        "ward",
        "commune",
        "special_zone",
        "district",
        "ministry",
        "ministry_level",
        "provincial_committee",
        "merge",
        "rename",
    ] {
        if !keys.contains(&format!("kind.{kind}")) {
            missing.push(format!("kind.{kind}"));
        }
    }
    assert!(
        missing.is_empty(),
        "untranslated keys:\n{}",
        missing.join("\n")
    );
}

/// The binary merges every capability's OpenAPI components by name: two capabilities naming two
/// different schemas alike would leave one operation described by the other's schema (the axis's
/// agency list once lost its meta to the registry's).
#[test]
fn no_two_capabilities_give_one_schema_name_two_shapes() {
    let docs = [
        ("platform", platform::web::openapi()),
        ("registry", registry::openapi()),
        ("reporting", reporting::openapi()),
        ("operations", operations::openapi()),
        ("documents", documents::openapi()),
    ];
    let mut seen: std::collections::BTreeMap<String, (&str, serde_json::Value)> =
        std::collections::BTreeMap::new();
    for (crate_name, doc) in docs {
        let doc = serde_json::to_value(doc).unwrap();
        let Some(schemas) = doc["components"]["schemas"].as_object() else {
            continue;
        };
        for (name, schema) in schemas {
            if let Some((other, before)) = seen.get(name) {
                assert_eq!(
                    before, schema,
                    "schema {name} of {crate_name} differs from {other}'s: rename one"
                );
            } else {
                seen.insert(name.clone(), (crate_name, schema.clone()));
            }
        }
    }
    assert!(seen.len() > 20, "{:?}", seen.keys());
}
