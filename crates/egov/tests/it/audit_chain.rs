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
