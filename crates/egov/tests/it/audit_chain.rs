//! The audit chain: intact after real changes; an edit, deletion or reordering made directly in
//! the database is caught at the right entry — on both databases.

use platform::audit::{self, BreakReason, Verdict};
use platform::identity::access::{Role, Scope};

use crate::on_both;
use crate::support::TestApp;

/// Make some history: seed (1 entry) + users, grants, logins.
async fn history(app: &TestApp) {
    for i in 0..4 {
        let (p, _) = app
            .user(&format!("audit.{i}"), Role::Viewer, Scope::National)
            .await;
        app.client().login(&format!("audit.{i}"), &p, None).await;
    }
}

/// Lift the append-only triggers, as an attacker with database access could.
async fn drop_guards(app: &TestApp) {
    app.mark_tampered();
    let sql = if app.backend == "sqlite" {
        "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;"
    } else {
        "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change"
    };
    app.db.execute_script(sql).await.unwrap();
}

on_both!(chain_is_intact_and_append_only, async |app: &TestApp| {
    history(app).await;
    let n = app.audit_count().await;
    assert!(n >= 13, "expected history, got {n}");
    assert_eq!(
        audit::verify(&app.db).await.unwrap(),
        Verdict::Intact { entries: n }
    );
    // The application's own connection cannot rewrite history.
    assert!(
        app.db
            .execute_script("UPDATE audit_log SET actor_name = 'x' WHERE seq = 2")
            .await
            .is_err()
    );
    assert!(
        app.db
            .execute_script("DELETE FROM audit_log WHERE seq = 2")
            .await
            .is_err()
    );
    // Secrets never reach the log.
    let leaks = app
        .count("SELECT COUNT(*) AS n FROM audit_log WHERE after_json LIKE '%argon2%' OR before_json LIKE '%argon2%' OR after_json LIKE '%Mật khẩu thử%'")
        .await;
    assert_eq!(leaks, 0);
});

on_both!(an_edited_entry_is_caught, async |app: &TestApp| {
    history(app).await;
    drop_guards(app).await;
    app.db
        .execute_script("UPDATE audit_log SET actor_name = 'someone else' WHERE seq = 5")
        .await
        .unwrap();
    assert_eq!(
        audit::verify(&app.db).await.unwrap(),
        Verdict::Broken {
            seq: 5,
            reason: BreakReason::HashMismatch
        }
    );
});

on_both!(a_deleted_entry_is_caught, async |app: &TestApp| {
    history(app).await;
    drop_guards(app).await;
    app.db
        .execute_script("DELETE FROM audit_log WHERE seq = 4")
        .await
        .unwrap();
    assert_eq!(
        audit::verify(&app.db).await.unwrap(),
        Verdict::Broken {
            seq: 4,
            reason: BreakReason::MissingEntry
        }
    );
});

on_both!(a_deleted_last_entry_is_caught, async |app: &TestApp| {
    history(app).await;
    drop_guards(app).await;
    let n = app.audit_count().await;
    app.db
        .execute_script(&format!("DELETE FROM audit_log WHERE seq = {n}"))
        .await
        .unwrap();
    assert_eq!(
        audit::verify(&app.db).await.unwrap(),
        Verdict::Broken {
            seq: n,
            reason: BreakReason::TruncatedTail
        }
    );
});

on_both!(reordered_entries_are_caught, async |app: &TestApp| {
    history(app).await;
    drop_guards(app).await;
    // Swap entries 6 and 7 (sequence numbers exchanged, content kept).
    app.db
        .execute_script("UPDATE audit_log SET seq = -6 WHERE seq = 6; UPDATE audit_log SET seq = 6 WHERE seq = 7; UPDATE audit_log SET seq = 7 WHERE seq = -6;")
        .await
        .unwrap();
    let v = audit::verify(&app.db).await.unwrap();
    assert_eq!(
        v,
        Verdict::Broken {
            seq: 6,
            reason: BreakReason::PrevHashMismatch
        }
    );
    assert!(v.to_string().contains("entry 6"));
});

on_both!(
    audit_page_filters_by_user_object_and_time,
    async |app: &TestApp| {
        history(app).await;
        let mut admin = app
            .signed_in("kiem.toan", Role::SystemAdmin, Scope::National)
            .await;
        let page = admin.get("/admin/audit?actor=audit.2").await;
        assert!(page.body.contains("login.success"));
        assert!(!page.body.contains("audit.3</td>"));
        let u = platform::identity::find_user(&app.db, "audit.1")
            .await
            .unwrap()
            .unwrap();
        let page = admin
            .get(&format!("/admin/audit?object_type=user&object_id={}", u.id))
            .await;
        assert!(page.body.contains("user.create"));
        let page = admin
            .get("/admin/audit?from=2000-01-01&to=2000-01-02")
            .await;
        assert!(!page.body.contains("login.success"));
        let page = admin.get("/admin/audit?from=hôm-qua").await;
        assert!(page.body.contains("hôm-qua") && page.body.contains("không hợp lệ"));
    }
);

// ---- A trail that survives a rewrite (issue 9, item 14) ----

use platform::audit::{Checkpoint, Entry};
use reporting::Period;
use reporting::model::status::Action;
use reporting::model::template::MONTHLY_PROVINCIAL;

/// A directory for this test's published checkpoints.
fn checkpoint_dir(app: &TestApp) -> std::path::PathBuf {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let d = std::env::temp_dir().join(format!(
        "egov-checkpoints-{}-{}-{}",
        app.backend,
        std::process::id(),
        N.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// Reporting history: Nghệ An's last three months submitted and approved, the last one
/// corrected; Hà Tĩnh's loaded by a system in one batch (one audit entry for the batch) and
/// approved. Returns the approved period of Nghệ An that was not corrected.
async fn reporting_history(app: &TestApp) -> Period {
    let actor = platform::audit::Actor::system("t");
    reporting::engine::reference::load_default(&app.db, &actor)
        .await
        .unwrap();
    let t = reporting::store::templates::template(&app.db, MONTHLY_PROVINCIAL)
        .await
        .unwrap()
        .unwrap();
    let entries = |v: f64| -> Vec<reporting::engine::save::Entry> {
        t.indicators
            .iter()
            .map(|i| reporting::engine::save::Entry {
                indicator: i.code.clone(),
                raw: if i.code == "RETAIL_SALES" {
                    format!("{v}")
                } else {
                    "100".to_owned()
                },
                explanation: None,
                lang: "en",
            })
            .collect()
    };
    let unit = |code: &'static str| async move {
        registry::store::unit_by_code(&app.db, code, registry::Day::today())
            .await
            .unwrap()
            .unwrap()
            .id
    };
    let (nghe_an, ha_tinh) = (unit("40").await, unit("42").await);
    let mut p = Period::parse("202509").unwrap();
    let mut periods = Vec::new();
    for k in 0..3 {
        p = p.previous();
        periods.push(p);
        let s = reporting::http::save::save(
            &app.db,
            &actor,
            &t,
            nghe_an,
            &p,
            &entries(1000.0 + 10.0 * k as f64),
            None,
            Action::Submit,
            None,
        )
        .await
        .unwrap();
        reporting::engine::decide::decide(
            &app.db,
            &actor,
            s.submission.id,
            s.submission.version,
            true,
            None,
        )
        .await
        .unwrap();
    }
    reporting::http::save::save(
        &app.db,
        &actor,
        &t,
        nghe_an,
        &periods[0],
        &entries(1005.0),
        None,
        Action::Correct,
        Some("Sổ theo dõi ghi thiếu"),
    )
    .await
    .unwrap();
    // A system's batch, then its approval.
    let inputs: Vec<reporting::engine::bulk::Input> = t
        .indicators
        .iter()
        .map(|i| reporting::engine::bulk::Input {
            indicator: i.code.clone(),
            value: Some(if i.code == "RETAIL_SALES" {
                900.0
            } else {
                100.0
            }),
            explanation: None,
        })
        .collect();
    let mut tx = app.db.begin().await.unwrap();
    let out = reporting::engine::bulk::apply(
        &mut tx,
        &actor,
        &[reporting::engine::bulk::Report {
            template: &t,
            unit_id: ha_tinh,
            period: periods[1],
            values: inputs,
            expected_version: None,
            action: Action::Submit,
            reason: None,
        }],
        reporting::engine::bulk::Audit::Batch,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    reporting::engine::decide::decide(
        &app.db,
        &actor,
        out[0].submission_id,
        out[0].version,
        true,
        None,
    )
    .await
    .unwrap();
    periods[1]
}

/// The full check as `egov audit verify` runs it.
async fn verify_all(app: &TestApp, dir: &std::path::Path) -> platform::audit::Report {
    let cps = if dir.exists() {
        audit::read_checkpoints(dir).unwrap()
    } else {
        Vec::new()
    };
    audit::verify_all(&app.db, &cps, &egov::audit_checks())
        .await
        .unwrap()
}

/// Rewrite entries from `from` on as an attacker without the key would: apply `edit`, then
/// recompute every later plain SHA-256 hash and the head.
async fn rewrite_plain(app: &TestApp, from: i64, edit: impl Fn(&mut Entry)) {
    let rows = app
        .db
        .fetch_all(
            "SELECT * FROM audit_log WHERE seq >= $1 ORDER BY seq",
            platform::params![from],
        )
        .await
        .unwrap();
    let prev = app
        .db
        .fetch_optional(
            "SELECT hash FROM audit_log WHERE seq = $1",
            platform::params![from - 1],
        )
        .await
        .unwrap()
        .map(|r| r.get::<String>("hash").unwrap())
        .unwrap_or_else(|| "0".repeat(64));
    let mut prev_hash = prev;
    for row in rows {
        let mut e = Entry {
            seq: row.get("seq").unwrap(),
            at: row.get("at").unwrap(),
            actor_id: row.get("actor_id").unwrap(),
            actor_name: row.get("actor_name").unwrap(),
            ip: row.get("ip").unwrap(),
            action: row.get("action").unwrap(),
            object_type: row.get("object_type").unwrap(),
            object_id: row.get("object_id").unwrap(),
            before_json: row.get("before_json").unwrap(),
            after_json: row.get("after_json").unwrap(),
            prev_hash: String::new(),
            hash: String::new(),
            key_id: None,
        };
        if e.seq == from {
            edit(&mut e);
        }
        e.prev_hash = prev_hash;
        e.hash = e.compute_hash();
        app.db
            .execute(
                "UPDATE audit_log SET actor_name = $1, after_json = $2, prev_hash = $3, hash = $4, key_id = NULL WHERE seq = $5",
                platform::params![&e.actor_name, e.after_json.clone(), &e.prev_hash, &e.hash, e.seq],
            )
            .await
            .unwrap();
        prev_hash = e.hash;
    }
    app.db
        .execute(
            "UPDATE audit_head SET hash = $1 WHERE id = 1",
            platform::params![prev_hash],
        )
        .await
        .unwrap();
}

async fn publish(app: &TestApp, dir: &std::path::Path) -> Checkpoint {
    audit::publish_checkpoint(&app.db, Some(dir))
        .await
        .unwrap()
        .expect("a new checkpoint")
}

on_both!(an_untouched_trail_verifies, async |app: &TestApp| {
    history(app).await;
    reporting_history(app).await;
    let dir = checkpoint_dir(app);
    let cp = publish(app, &dir).await;
    let n = app.audit_count().await;
    assert_eq!(cp.seq, n);
    // Every entry is sealed with the key; the key is nowhere in the database.
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM audit_log WHERE key_id IS NULL")
            .await,
        0
    );
    let leaks = app
        .count_where(
            "SELECT COUNT(*) AS n FROM audit_log WHERE after_json LIKE $1",
            &format!("%{}%", &crate::support::TEST_AUDIT_KEY[..20]),
        )
        .await;
    assert_eq!(leaks, 0);
    // The approval and correction entries carry the digests verify recomputes.
    assert!(
        app.count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'report.approve' AND after_json LIKE '%approved_digests%'")
            .await
            >= 4
    );
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM value_changes WHERE audit_seq IS NULL")
            .await,
        0
    );
    let report = verify_all(app, &dir).await;
    assert!(report.is_intact(), "{report}");
    assert_eq!(report.chain, Verdict::Intact { entries: n });
    assert_eq!(report.checkpoints, 1);
    // Nothing new: no second checkpoint; one more entry: a second one, and both still hold.
    assert!(
        audit::publish_checkpoint(&app.db, Some(&dir))
            .await
            .unwrap()
            .is_none()
    );
    app.user("audit.after", Role::Viewer, Scope::National).await;
    publish(app, &dir).await;
    let report = verify_all(app, &dir).await;
    assert!(report.is_intact(), "{report}");
    assert_eq!(report.checkpoints, 2);
    // The periodic job publishes the same way.
    let config = platform::config::Config {
        audit_checkpoint_dir: Some(dir.clone()),
        ..Default::default()
    };
    let files = platform::files::FileStore::from_config(&config).unwrap();
    let reg = egov::job_registry(&config, &files);
    app.user("audit.job", Role::Viewer, Scope::National).await;
    platform::jobs::enqueue_now(
        &app.db,
        platform::jobs::NewJob::new("audit.checkpoint", serde_json::json!({})),
    )
    .await
    .unwrap();
    while platform::jobs::run_one(&app.db, &reg, "w").await.unwrap() {}
    assert_eq!(audit::read_checkpoints(&dir).unwrap().len(), 3);
    // A wrong key is named as such, not as an edit.
    let other = app.db.clone().with_audit_key(Some(
        platform::audit::AuditKey::from_hex(&"ab".repeat(32)).unwrap(),
    ));
    assert_eq!(
        audit::verify(&other).await.unwrap(),
        Verdict::Broken {
            seq: 1,
            reason: BreakReason::WrongKey
        }
    );
    let _ = std::fs::remove_dir_all(&dir);
});

on_both!(
    deleting_the_last_entries_and_rewinding_the_head_is_caught,
    async |app: &TestApp| {
        history(app).await;
        reporting_history(app).await;
        let dir = checkpoint_dir(app);
        publish(app, &dir).await;
        let n = app.audit_count().await;
        drop_guards(app).await;
        app.db
            .execute(
                "DELETE FROM audit_log WHERE seq > $1",
                platform::params![n - 5],
            )
            .await
            .unwrap();
        app.db
            .execute(
                "UPDATE audit_head SET seq = $1, hash = (SELECT hash FROM audit_log WHERE seq = $1) WHERE id = 1",
                platform::params![n - 5],
            )
            .await
            .unwrap();
        // Without checkpoints the shortened chain looks whole: that is what they are for.
        assert_eq!(
            audit::verify(&app.db).await.unwrap(),
            Verdict::Intact { entries: n - 5 }
        );
        let report = verify_all(app, &dir).await;
        assert_eq!(
            report.chain,
            Verdict::Broken {
                seq: n,
                reason: BreakReason::BelowCheckpoint { chain_ends: n - 5 }
            }
        );
        assert!(!report.is_intact());
        assert!(
            report.to_string().contains(&format!(
                "BROKEN at entry {n}: a published checkpoint names it, but the chain now ends at entry {}",
                n - 5
            )),
            "{report}"
        );
        // And the job refuses to pin the shortened chain.
        let err = audit::publish_checkpoint(&app.db, Some(&dir))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("missing"), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }
);

on_both!(
    an_edited_entry_with_every_later_hash_recomputed_is_caught,
    async |app: &TestApp| {
        history(app).await;
        reporting_history(app).await;
        let dir = checkpoint_dir(app);
        let cp = publish(app, &dir).await;
        drop_guards(app).await;
        // Entry 5 edited, every later plain hash and the head recomputed.
        rewrite_plain(app, 5, |e| e.actor_name = "someone else".into()).await;
        let report = verify_all(app, &dir).await;
        assert_eq!(
            report.chain,
            Verdict::Broken {
                seq: 5,
                reason: BreakReason::PlainAfterKeyed
            },
            "{report}"
        );
        assert!(report.to_string().contains("BROKEN at entry 5"), "{report}");
        // Rewritten from the first entry on, as if no key had ever been set: the checkpoint no
        // longer matches.
        rewrite_plain(app, 1, |_| {}).await;
        let report = verify_all(app, &dir).await;
        assert_eq!(
            report.chain,
            Verdict::Broken {
                seq: cp.seq,
                reason: BreakReason::CheckpointMismatch
            },
            "{report}"
        );
        // A forged checkpoint (its hash replaced, MAC kept) is refused.
        let mut forged = cp.clone();
        forged.hash = "f".repeat(64);
        std::fs::write(
            dir.join(forged.file_name()),
            serde_json::to_string(&forged).unwrap(),
        )
        .unwrap();
        assert_eq!(
            verify_all(app, &dir).await.chain,
            Verdict::Broken {
                seq: cp.seq,
                reason: BreakReason::CheckpointInvalid
            }
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
);

on_both!(
    approved_values_multiplied_by_ten_are_caught,
    async |app: &TestApp| {
        history(app).await;
        let p = reporting_history(app).await;
        let dir = checkpoint_dir(app);
        assert!(verify_all(app, &dir).await.is_intact());
        app.mark_tampered();
        let unit = registry::store::unit_by_code(&app.db, "42", registry::Day::today())
            .await
            .unwrap()
            .unwrap();
        let n = app
            .db
            .execute(
                "UPDATE data_values SET value = value * 10 WHERE unit_id = $1 AND period = $2 AND approved",
                platform::params![unit.id, p.id()],
            )
            .await
            .unwrap();
        assert!(n > 0);
        let report = verify_all(app, &dir).await;
        assert!(matches!(report.chain, Verdict::Intact { .. }));
        assert!(!report.is_intact());
        assert_eq!(report.findings.len(), 1, "{report}");
        let f = &report.findings[0];
        assert_eq!(f.check, "reporting.values");
        assert!(
            f.detail.contains(&format!(
                "report {MONTHLY_PROVINCIAL} of unit 42 for {}: the approved values differ from those entry",
                p.id()
            )),
            "{}",
            f.detail
        );
        // A report marked approved in the database without an approval in the trail.
        app.db
            .execute(
                "UPDATE data_values SET value = value / 10 WHERE unit_id = $1 AND period = $2 AND approved",
                platform::params![unit.id, p.id()],
            )
            .await
            .unwrap();
        assert!(verify_all(app, &dir).await.is_intact());
        let s = reporting::http::save::save(
            &app.db,
            &platform::audit::Actor::system("t"),
            &reporting::store::templates::template(&app.db, MONTHLY_PROVINCIAL)
                .await
                .unwrap()
                .unwrap(),
            unit.id,
            &p.previous().previous(),
            &[],
            None,
            Action::SaveDraft,
            None,
        )
        .await
        .unwrap();
        app.db
            .execute(
                "UPDATE submissions SET status = 'approved' WHERE id = $1",
                platform::params![s.submission.id],
            )
            .await
            .unwrap();
        let report = verify_all(app, &dir).await;
        assert!(
            report
                .to_string()
                .contains("approved, but the audit trail records no approval"),
            "{report}"
        );
    }
);

on_both!(edited_value_history_is_caught, async |app: &TestApp| {
    history(app).await;
    reporting_history(app).await;
    let dir = checkpoint_dir(app);
    assert!(verify_all(app, &dir).await.is_intact());
    app.mark_tampered();
    // The correction's change set rewritten to tell another story.
    let id: i64 = app
        .db
        .fetch_one(
            "SELECT MAX(id) AS id FROM value_changes WHERE action = 'correct'",
            platform::params![],
        )
        .await
        .unwrap()
        .get("id")
        .unwrap();
    app.db
        .execute(
            "UPDATE value_changes SET reason = 'Không có lý do', actor = 'someone else' WHERE id = $1",
            platform::params![id],
        )
        .await
        .unwrap();
    let report = verify_all(app, &dir).await;
    assert_eq!(report.findings.len(), 1, "{report}");
    assert!(
        report.findings[0]
            .detail
            .contains("differ from what the entry recorded"),
        "{report}"
    );
    // Deleted instead.
    app.db
        .execute(
            "DELETE FROM value_changes WHERE id = $1",
            platform::params![id],
        )
        .await
        .unwrap();
    let report = verify_all(app, &dir).await;
    assert!(report.to_string().contains("missing (deleted)"), "{report}");
    // A change set slipped in without an entry.
    app.db
        .execute_script(
            "INSERT INTO value_changes (unit_id, period, action, at, actor, changes) VALUES (1, '202501', 'enter', 0, 'x', '[]')",
        )
        .await
        .unwrap();
    let report = verify_all(app, &dir).await;
    assert!(
        report.to_string().contains("name no audit entry"),
        "{report}"
    );
});

on_both!(
    entries_from_before_the_key_are_checked_as_before,
    async |app: &TestApp| {
        // An older database: entries sealed with plain SHA-256, no key configured.
        let url = crate::support::fresh_database(app.backend).await;
        let plain = platform::db::Db::connect(&url, 2).await.unwrap();
        plain.migrate().await.unwrap();
        let keyed = plain
            .clone()
            .with_audit_key(Some(crate::support::test_audit_key()));
        let append = async |db: &platform::db::Db, action: &str| {
            let mut tx = db.begin().await.unwrap();
            audit::append(
                &mut tx,
                &platform::audit::Actor::system("t"),
                audit::Change {
                    action,
                    object_type: "test",
                    object_id: "x".into(),
                    before: None,
                    after: None,
                },
            )
            .await
            .unwrap();
            tx.commit().await.unwrap();
        };
        for _ in 0..3 {
            append(&plain, "before the key").await;
        }
        // Then the key is set: new entries are sealed, the old ones checked as before.
        for _ in 0..3 {
            append(&keyed, "with the key").await;
        }
        assert_eq!(
            keyed
                .fetch_one(
                    "SELECT COUNT(*) AS n FROM audit_log WHERE key_id IS NULL",
                    platform::params![]
                )
                .await
                .unwrap()
                .get::<i64>("n")
                .unwrap(),
            3
        );
        assert_eq!(
            audit::verify(&keyed).await.unwrap(),
            Verdict::Intact { entries: 6 }
        );
        // The first keyed checkpoint pins the plain entries too.
        let dir = checkpoint_dir(app);
        let cp = audit::publish_checkpoint(&keyed, Some(&dir))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(cp.seq, 6);
        // Without the key, keyed entries cannot be checked: said so, not passed.
        assert_eq!(
            audit::verify(&plain).await.unwrap(),
            Verdict::Broken {
                seq: 4,
                reason: BreakReason::KeyRequired
            }
        );
        // A plain entry after keyed ones (appended without the key) is caught.
        append(&plain, "forged").await;
        assert_eq!(
            audit::verify(&keyed).await.unwrap(),
            Verdict::Broken {
                seq: 7,
                reason: BreakReason::PlainAfterKeyed
            }
        );
        keyed.close().await;
        let _ = std::fs::remove_dir_all(&dir);
    }
);

/// The derived tables rebuilt from `data_values` after values were written behind the
/// application's back (as an older version's start-up does).
async fn rebuild_derived(app: &TestApp) {
    let mut tx = app.db.begin().await.unwrap();
    reporting::store::series::rebuild(&mut tx).await.unwrap();
    reporting::store::data::refresh_province_totals(&mut tx, None)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

on_both!(
    an_older_database_is_anchored_once_by_the_trail_start,
    async |app: &TestApp| {
        let actor = platform::audit::Actor::system("t");
        reporting::engine::reference::load_default(&app.db, &actor)
            .await
            .unwrap();
        let t = reporting::store::templates::template(&app.db, MONTHLY_PROVINCIAL)
            .await
            .unwrap()
            .unwrap();
        let unit = registry::store::unit_by_code(&app.db, "40", registry::Day::today())
            .await
            .unwrap()
            .unwrap()
            .id;
        // As an older version left it: an approved report and its values, a change set that names
        // no entry, and no digest in the trail; migration 0015 marked the trail start as due.
        app.db
            .execute(
                "INSERT INTO submissions (template_id, unit_id, period, status, version, updated_at) \
                 VALUES ($1, $2, '202501', 'approved', 2, 0)",
                platform::params![t.id, unit],
            )
            .await
            .unwrap();
        let sid: i64 = app
            .db
            .fetch_one(
                "SELECT id FROM submissions WHERE unit_id = $1 AND period = '202501'",
                platform::params![unit],
            )
            .await
            .unwrap()
            .get("id")
            .unwrap();
        for ind in &t.indicators {
            app.db
                .execute(
                    "INSERT INTO data_values (indicator_id, unit_id, period, value, submission_id, approved, explanation) \
                     VALUES ($1, $2, '202501', 100.0, $3, $4, NULL)",
                    platform::params![ind.id, unit, sid, true],
                )
                .await
                .unwrap();
        }
        app.db
            .execute(
                "INSERT INTO value_changes (unit_id, period, submission_id, action, at, actor, changes) \
                 VALUES ($1, '202501', $2, 'enter', 0, 'old', '[[1,null,100.0]]')",
                platform::params![unit, sid],
            )
            .await
            .unwrap();
        rebuild_derived(app).await;
        app.db
            .execute(
                "INSERT INTO reporting_trail_start (id, pending) VALUES (1, $1)",
                platform::params![true],
            )
            .await
            .unwrap();
        let dir = checkpoint_dir(app);
        let before = verify_all(app, &dir).await.to_string();
        assert!(
            before.contains("records no approval") && before.contains("name no audit entry"),
            "{before}"
        );
        // The first start anchors them, once.
        reporting::engine::trail::start(&app.db).await.unwrap();
        let n = app.audit_count().await;
        reporting::engine::trail::start(&app.db).await.unwrap();
        assert_eq!(app.audit_count().await, n);
        let report = verify_all(app, &dir).await;
        assert!(report.is_intact(), "{report}");
        // From then on the anchored data is checked like the rest.
        app.mark_tampered();
        app.db
            .execute_script("UPDATE data_values SET value = value * 10 WHERE period = '202501'")
            .await
            .unwrap();
        app.db
            .execute_script(
                "UPDATE value_changes SET changes = '[[1,null,1000.0]]' WHERE actor = 'old'",
            )
            .await
            .unwrap();
        let report = verify_all(app, &dir).await.to_string();
        assert!(
            report.contains("unit 40 for 202501: the approved values differ")
                && report.contains("value history from before the trail start"),
            "{report}"
        );
        // Re-arming the trail start from the database is reported, not trusted.
        app.db
            .execute(
                "UPDATE reporting_trail_start SET pending = $1",
                platform::params![true],
            )
            .await
            .unwrap();
        reporting::engine::trail::start(&app.db).await.unwrap();
        let report = verify_all(app, &dir).await.to_string();
        assert!(
            report.contains("a trail start after values were already recorded"),
            "{report}"
        );
        rebuild_derived(app).await;
    }
);
