//! Reference data shipped with egov, on both databases: applied without the demo, idempotent, a
//! newer version adds and corrects records, a record changed locally is a conflict that is
//! reported and kept, every change is audited, and an older version never takes a set back.

use std::path::{Path, PathBuf};

use platform::audit::Actor;
use platform::params;
use platform::reference::{self, Options, Resolution, SetReport, State};

use crate::on_both;
use crate::support::TestApp;

fn shipped(source: &reference::Source, file: &str) -> String {
    source
        .files
        .iter()
        .find(|(n, _)| *n == file)
        .unwrap_or_else(|| panic!("{} ships no {file}", source.name))
        .1
        .to_owned()
}

/// A newer version `2099.1` in a fresh directory: one agency renamed (Bộ Tài chính), one agency
/// renamed that the test also edits locally (Bộ Y tế), one agency added; one holiday added.
pub fn newer_version(tag: &str) -> PathBuf {
    let dir = testkit::unique_temp(&format!("egov-reference-{tag}"));
    let reg = dir.join("2099.1").join("registry");
    let rep = dir.join("2099.1").join("reporting");
    std::fs::create_dir_all(&reg).unwrap();
    std::fs::create_dir_all(&rep).unwrap();
    let agencies = shipped(&registry::seed::SOURCE, "agencies.csv")
        .replace("btc,Bộ Tài chính,", "btc,Bộ Tài chính (đổi tên 2099),")
        .replace("byt,Bộ Y tế,", "byt,Bộ Y tế (đổi tên 2099),")
        + "bkt,Bộ Kiểm thử,Ministry of Testing,ministry,,,,\n";
    std::fs::write(reg.join("agencies.csv"), agencies).unwrap();
    let holidays = shipped(&reporting::engine::reference::SOURCE, "holidays.csv")
        + "2099-01-01,Tết Dương lịch\n";
    std::fs::write(rep.join("holidays.csv"), holidays).unwrap();
    dir
}

fn find<'a>(reports: &'a [SetReport], name: &str) -> &'a SetReport {
    reports
        .iter()
        .find(|r| r.name == name)
        .unwrap_or_else(|| panic!("no set {name}"))
}

fn opts(dir: Option<&Path>) -> Options<'_> {
    Options {
        dir,
        resolutions: Vec::new(),
    }
}

async fn agency_name(app: &TestApp, code: &str) -> Option<String> {
    app.db
        .fetch_optional(
            "SELECT name_vi FROM agencies WHERE code = $1",
            params![code],
        )
        .await
        .unwrap()
        .map(|r| r.get("name_vi").unwrap())
}

on_both!(
    reference_data_versions_add_correct_and_keep_local_changes,
    async |app: &TestApp| {
        let actor = Actor::system("cli:operator");
        let sets = egov::reference_sets();
        // A fresh database gets everything: the provinces, agencies, catalogue, templates.
        let first = reference::apply(&app.db, &actor, &sets, &opts(None))
            .await
            .unwrap();
        assert!(find(&first, "reporting.indicators").inserted >= 144);
        assert!(find(&first, "reporting.templates").inserted >= 5);
        assert!(find(&first, "reporting.holidays").inserted > 0);
        assert!(first.iter().all(|r| r.conflicts().next().is_none()));
        let provinces = app
            .count("SELECT COUNT(*) AS n FROM units WHERE level = 'province' AND valid_to IS NULL")
            .await;
        assert_eq!(provinces, 34);

        // What the database holds is exactly what is shipped: status shows no difference.
        let status = reference::status(&app.db, &sets, &opts(None))
            .await
            .unwrap();
        for r in &status {
            assert_eq!(r.applied.as_deref(), Some(r.offered.as_str()), "{}", r.name);
            assert!(r.differences.is_empty(), "{}: {:?}", r.name, r.differences);
        }

        // A second run changes nothing: no write, no audit entry, no version row.
        let audit = app.audit_count().await;
        let versions = app
            .count("SELECT COUNT(*) AS n FROM reference_versions")
            .await;
        let again = reference::apply(&app.db, &actor, &sets, &opts(None))
            .await
            .unwrap();
        assert!(again.iter().all(|r| r.inserted == 0 && r.updated == 0));
        assert_eq!(app.audit_count().await, audit);
        assert_eq!(
            app.count("SELECT COUNT(*) AS n FROM reference_versions")
                .await,
            versions
        );

        // An operator renames the Ministry of Health locally; status shows it, kept.
        app.db
            .execute(
                "UPDATE agencies SET name_vi = 'Bộ Y tế (tên địa phương)' WHERE code = 'byt'",
                params![],
            )
            .await
            .unwrap();
        let status = reference::status(&app.db, &sets, &opts(None))
            .await
            .unwrap();
        let agencies = find(&status, "registry.agencies");
        assert_eq!(agencies.count(State::Local), 1);
        assert_eq!(agencies.differences[0].key, "byt");
        assert_eq!(agencies.differences[0].fields[0].0, "name_vi");

        // A newer version: one correction, one addition apply; the local edit is a conflict.
        let dir = newer_version("both");
        let status = reference::status(&app.db, &sets, &opts(Some(&dir)))
            .await
            .unwrap();
        let agencies = find(&status, "registry.agencies");
        assert_eq!(agencies.offered, "2099.1");
        assert_eq!(agencies.count(State::New), 1);
        assert_eq!(agencies.count(State::Update), 1);
        assert_eq!(agencies.count(State::Conflict), 1);
        let newer = reference::apply(&app.db, &actor, &sets, &opts(Some(&dir)))
            .await
            .unwrap();
        let agencies = find(&newer, "registry.agencies");
        assert_eq!((agencies.inserted, agencies.updated), (1, 1));
        let conflicts: Vec<&str> = agencies.conflicts().map(|d| d.key.as_str()).collect();
        assert_eq!(conflicts, ["byt"]);
        assert_eq!(find(&newer, "reporting.holidays").inserted, 1);
        assert_eq!(
            agency_name(app, "btc").await.as_deref(),
            Some("Bộ Tài chính (đổi tên 2099)")
        );
        assert_eq!(
            agency_name(app, "bkt").await.as_deref(),
            Some("Bộ Kiểm thử")
        );
        assert_eq!(
            agency_name(app, "byt").await.as_deref(),
            Some("Bộ Y tế (tên địa phương)"),
            "a local change is never overwritten"
        );
        // Recorded in the audit chain: what was added, what changed from what, the conflict.
        let entry = app
            .db
            .fetch_one(
                "SELECT after_json FROM audit_log WHERE action = 'reference.apply' ORDER BY seq DESC LIMIT 1",
                params![],
            )
            .await
            .unwrap()
            .get::<String>("after_json")
            .unwrap();
        let entry: serde_json::Value = serde_json::from_str(&entry).unwrap();
        let a = &entry["registry.agencies"];
        assert_eq!(a["version"], "2099.1");
        assert_eq!(a["inserted"], serde_json::json!(["bkt"]));
        assert_eq!(a["updated"][0]["key"], "btc");
        assert_eq!(a["updated"][0]["before"]["name_vi"], "Bộ Tài chính");
        assert_eq!(a["conflicts"], serde_json::json!(["byt"]));
        let verdict = platform::audit::verify(&app.db).await.unwrap().to_string();
        assert!(verdict.contains("intact"), "{verdict}");

        // Again with the same version: nothing more; the conflict is still reported.
        let audit = app.audit_count().await;
        let again = reference::apply(&app.db, &actor, &sets, &opts(Some(&dir)))
            .await
            .unwrap();
        assert!(again.iter().all(|r| r.inserted == 0 && r.updated == 0));
        assert_eq!(find(&again, "registry.agencies").conflicts().count(), 1);
        assert_eq!(app.audit_count().await, audit);

        // The release's older files never take the set back.
        let old = reference::apply(&app.db, &actor, &sets, &opts(None))
            .await
            .unwrap();
        assert!(find(&old, "registry.agencies").newer_in_db);
        let status = reference::status(&app.db, &sets, &opts(None))
            .await
            .unwrap();
        let agencies = find(&status, "registry.agencies");
        assert!(agencies.newer_in_db && agencies.differences.is_empty());
        assert_eq!(
            agency_name(app, "btc").await.as_deref(),
            Some("Bộ Tài chính (đổi tên 2099)")
        );

        // The operator resolves the conflict by taking the shipped value.
        let take = Options {
            dir: Some(&dir),
            resolutions: vec![(
                "registry.agencies".into(),
                "byt".into(),
                Resolution::TakeShipped,
            )],
        };
        let resolved = reference::apply(&app.db, &actor, &sets, &take)
            .await
            .unwrap();
        assert_eq!(find(&resolved, "registry.agencies").conflicts().count(), 0);
        assert_eq!(
            agency_name(app, "byt").await.as_deref(),
            Some("Bộ Y tế (đổi tên 2099)")
        );
        let status = reference::status(&app.db, &sets, &opts(Some(&dir)))
            .await
            .unwrap();
        assert!(
            status.iter().all(|r| r.differences.is_empty()),
            "{status:?}"
        );

        // Another local change that a later version (2099.2) also touches: the operator keeps
        // the local value; it is then a local change, no longer a conflict, and stays.
        app.db
            .execute(
                "UPDATE agencies SET name_en = 'Ministry of Finance (local)' WHERE code = 'btc'",
                params![],
            )
            .await
            .unwrap();
        let v2 = dir.join("2099.2").join("registry");
        std::fs::create_dir_all(&v2).unwrap();
        let agencies = std::fs::read_to_string(dir.join("2099.1/registry/agencies.csv"))
            .unwrap()
            .replace(",Ministry of Finance,", ",Ministry of Finance (2099.2),");
        std::fs::write(v2.join("agencies.csv"), agencies).unwrap();
        let keep = Options {
            dir: Some(&dir),
            resolutions: vec![(
                "registry.agencies".into(),
                "btc".into(),
                Resolution::KeepLocal,
            )],
        };
        let kept = reference::apply(&app.db, &actor, &sets, &keep)
            .await
            .unwrap();
        let agencies = find(&kept, "registry.agencies");
        assert_eq!(agencies.offered, "2099.2");
        assert_eq!((agencies.updated, agencies.conflicts().count()), (0, 0));
        let status = reference::status(&app.db, &sets, &opts(Some(&dir)))
            .await
            .unwrap();
        let agencies = find(&status, "registry.agencies");
        assert_eq!(
            agencies.count(State::Local),
            1,
            "{:?}",
            agencies.differences
        );
        assert_eq!(agencies.count(State::Conflict), 0);
        let name: String = app
            .db
            .fetch_one("SELECT name_en FROM agencies WHERE code = 'btc'", params![])
            .await
            .unwrap()
            .get("name_en")
            .unwrap();
        assert_eq!(name, "Ministry of Finance (local)");
        // A decision on a record that is not in conflict is refused and changes nothing.
        let audit = app.audit_count().await;
        let wrong = Options {
            dir: Some(&dir),
            resolutions: vec![(
                "registry.agencies".into(),
                "bca".into(),
                Resolution::TakeShipped,
            )],
        };
        let err = reference::apply(&app.db, &actor, &sets, &wrong)
            .await
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("registry.agencies:bca is not in conflict"),
            "{err}"
        );
        assert_eq!(app.audit_count().await, audit);
        std::fs::remove_dir_all(&dir).ok();
    }
);

on_both!(
    a_database_loaded_before_reference_versions_is_adopted_without_writes,
    async |app: &TestApp| {
        // The registry was loaded by the test harness; forget the tracking, as if the database
        // had been loaded by an egov without reference versions.
        app.db
            .execute_script("DELETE FROM reference_records; DELETE FROM reference_versions;")
            .await
            .unwrap();
        app.db
            .execute(
                "UPDATE agencies SET name_en = 'Ministry of Health (local)' WHERE code = 'byt'",
                params![],
            )
            .await
            .unwrap();
        let reports = reference::apply(
            &app.db,
            &Actor::system("test"),
            &registry::seed::sets(),
            &opts(None),
        )
        .await
        .unwrap();
        let agencies = find(&reports, "registry.agencies");
        assert_eq!((agencies.inserted, agencies.updated), (0, 0));
        let conflicts: Vec<&str> = agencies.conflicts().map(|d| d.key.as_str()).collect();
        assert_eq!(
            conflicts,
            ["byt"],
            "an untracked record that differs is not overwritten"
        );
        let name: String = app
            .db
            .fetch_one("SELECT name_en FROM agencies WHERE code = 'byt'", params![])
            .await
            .unwrap()
            .get("name_en")
            .unwrap();
        assert_eq!(name, "Ministry of Health (local)");
        // Every other record is tracked now.
        let tracked = app
            .count(
                "SELECT COUNT(*) AS n FROM reference_records WHERE set_name = 'registry.agencies'",
            )
            .await;
        assert_eq!(tracked as usize, agencies.records - 1);
    }
);
