//! The catalogue through the binary's command line (`egov catalogue export | import`).

use platform::audit::Actor;

/// `egov catalogue export | import` as an operator uses it (SQLite).
#[test]
fn catalogue_cli_exports_imports_and_names_bad_rows() {
    use std::process::Command;
    let dir = std::env::temp_dir().join(format!("egov-cli-catalogue-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}/egov.db", dir.display());
    let egov = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_egov"))
            .args(args)
            .env("EGOV_DATABASE_URL", &url)
            .env("RUST_LOG", "warn")
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    assert_eq!(egov(&["migrate"]).0, 0);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let db = platform::db::Db::connect(&url, 2).await.unwrap();
        registry::seed::load(&db, &Actor::system("test"))
            .await
            .unwrap();
        reporting::engine::reference::load_default(&db, &Actor::system("test"))
            .await
            .unwrap();
        db.close().await;
    });
    let xlsx = dir.join("danh-muc.xlsx");
    let (code, _, err) = egov(&[
        "catalogue",
        "export",
        "--format",
        "xlsx",
        "-o",
        xlsx.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = egov(&["catalogue", "import", xlsx.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("0 mới, 0 được cập nhật") && out.contains("0 new, 0 updated"),
        "{out}"
    );
    let (code, csv, _) = egov(&["catalogue", "export", "--format", "csv"]);
    assert_eq!(code, 0);
    let bad = dir.join("bad.csv");
    let header = csv.lines().next().unwrap().trim_start_matches('\u{feff}');
    std::fs::write(
        &bad,
        format!("{header}\nX_NEW,Tên,Name,người,persons,12,integer,0,year,sum,,last,,btc,true,false,,,,,,,,,\n"),
    )
    .unwrap();
    let (code, _, err) = egov(&["catalogue", "import", "--dry-run", bad.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(
        err.contains("Dòng 2, cột domain") && err.contains("Row 2, column domain"),
        "{err}"
    );
    let targets = dir.join("ke-hoach.csv");
    std::fs::write(
        &targets,
        "indicator,unit,year,target\nEXPORTS,VN,2026,500000\n",
    )
    .unwrap();
    let (code, out, err) = egov(&[
        "catalogue",
        "targets",
        "import",
        "--dry-run",
        targets.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("1 would be new"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}
