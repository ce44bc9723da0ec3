//! The ingestion engine without HTTP, on a migrated in-memory SQLite database holding the shipped
//! reference data: validation rules (an error blocks, a warning needs an explanation), outliers,
//! idempotent re-sends, corrections (only with a reason, history kept, four eyes) and future
//! periods. Problems are checked as the engine names them: by code and indicator.

use platform::audit::Actor;
use platform::db::Db;

use super::bulk::{Audit, Input, Report, apply};
use super::decide::decide;
use super::error::{Error, Kind, On};
use super::save::{Entry, Saved, save};
use crate::model::period::{Period, PeriodKind};
use crate::model::status::{Action, Status};
use crate::model::template::MONTHLY_PROVINCIAL;
use crate::model::template::Template;
use crate::store::{submissions, values};

/// A fresh database with the shipped units, indicators, templates and rules; the monthly
/// provincial template; and the id of Hà Nội (code 01) in 2025.
async fn setup() -> (Db, Template, i64) {
    let db = Db::connect("sqlite::memory:", 1).await.unwrap();
    db.migrate().await.unwrap();
    let mut sets = registry::seed::sets();
    sets.extend(crate::engine::reference::sets());
    platform::reference::apply(&db, &Actor::system("test"), &sets, &Default::default())
        .await
        .unwrap();
    let t = crate::store::templates::template(&db, MONTHLY_PROVINCIAL)
        .await
        .unwrap()
        .unwrap();
    let (_, last) = month(9).calendar();
    let unit = registry::store::unit_by_code(&db, "01", registry::Day(last))
        .await
        .unwrap()
        .unwrap();
    (db, t, unit.id)
}

fn month(m: u8) -> Period {
    Period::month(2025, m)
}

/// An entry for every indicator of `t` in force in `p`: 100, or the value `f` gives.
fn entries(t: &Template, p: &Period, f: impl Fn(&str) -> Option<&'static str>) -> Vec<Entry> {
    t.indicators
        .iter()
        .filter(|i| i.valid_for(p))
        .map(|i| Entry {
            indicator: i.code.clone(),
            raw: f(&i.code).unwrap_or("100").to_owned(),
            lang: "plain",
            explanation: None,
        })
        .collect()
}

fn explain(mut e: Vec<Entry>, code: &str) -> Vec<Entry> {
    for x in e.iter_mut().filter(|x| x.indicator == code) {
        x.explanation = Some("Một nhà máy mới đi vào hoạt động".into());
    }
    e
}

#[expect(clippy::too_many_arguments, reason = "the arguments of a save")]
async fn send(
    db: &Db,
    actor: &Actor,
    t: &Template,
    unit: i64,
    p: &Period,
    e: &[Entry],
    action: Action,
    reason: Option<&str>,
) -> Result<Saved, Error> {
    save(db, actor, t, unit, p, e, None, action, reason).await
}

/// The refusal's kind and its issues as (code, what it is about).
fn refused(e: Error) -> (Kind, Vec<(&'static str, On)>) {
    let Error::Rejected(failures) = e else {
        panic!("not a refusal: {e:?}");
    };
    let kind = failures[0].kind;
    let issues = failures
        .into_iter()
        .flat_map(|f| f.issues)
        .map(|i| (i.problem.code, i.on))
        .collect();
    (kind, issues)
}

fn value(code: &str) -> On {
    On::Value(code.into())
}

fn explanation(code: &str) -> On {
    On::Explanation(code.into())
}

/// Submit and approve `p` with these entries (approved by a second person).
async fn approved(db: &Db, t: &Template, unit: i64, p: &Period, e: &[Entry]) {
    let s = send(
        db,
        &Actor::system("reporter"),
        t,
        unit,
        p,
        e,
        Action::Submit,
        None,
    )
    .await
    .unwrap();
    decide(
        db,
        &Actor::system("approver"),
        s.submission.id,
        s.submission.version,
        true,
        None,
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn an_error_rule_blocks_submitting_but_only_warns_in_a_draft() {
    let (db, t, unit) = setup().await;
    let actor = Actor::system("reporter");
    let p = month(9);
    // NEW_ENTERPRISES_CAP: NEW_ENTERPRISES <= 20000, severity error.
    let e = entries(&t, &p, |c| (c == "NEW_ENTERPRISES").then_some("25000"));
    let draft = send(&db, &actor, &t, unit, &p, &e, Action::SaveDraft, None)
        .await
        .unwrap();
    let warned: Vec<_> = draft.warnings.iter().map(|w| (w.code(), &w.on)).collect();
    assert_eq!(warned, [("rule_violated", &value("NEW_ENTERPRISES"))]);
    assert_eq!(draft.submission.status, Status::Draft);

    let err = send(&db, &actor, &t, unit, &p, &e, Action::Submit, None)
        .await
        .unwrap_err();
    assert_eq!(
        refused(err),
        (
            Kind::Invalid,
            vec![("rule_violated", value("NEW_ENTERPRISES"))]
        )
    );
    // Even explained, an error rule blocks; the report stays a draft.
    let err = send(
        &db,
        &actor,
        &t,
        unit,
        &p,
        &explain(e, "NEW_ENTERPRISES"),
        Action::Submit,
        None,
    )
    .await
    .unwrap_err();
    assert_eq!(refused(err).1[0].0, "rule_violated");
    let s = submissions::find(&db, t.id, unit, &p)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(s.status, Status::Draft);
}

#[tokio::test]
async fn a_warning_rule_needs_an_explanation_on_its_indicator() {
    let (db, t, unit) = setup().await;
    let actor = Actor::system("reporter");
    let p = month(9);
    // IMPORTS_VS_EXPORTS: IMPORTS <= EXPORTS * 5 + 100, severity warning.
    let e = entries(&t, &p, |c| match c {
        "IMPORTS" => Some("5000"),
        "EXPORTS" => Some("10"),
        _ => None,
    });
    let err = send(&db, &actor, &t, unit, &p, &e, Action::Submit, None)
        .await
        .unwrap_err();
    assert_eq!(
        refused(err),
        (
            Kind::Invalid,
            vec![("rule_warning_unexplained", explanation("IMPORTS"))]
        )
    );
    // An explanation on another indicator does not do.
    let err = send(
        &db,
        &actor,
        &t,
        unit,
        &p,
        &explain(e.clone(), "EXPORTS"),
        Action::Submit,
        None,
    )
    .await
    .unwrap_err();
    assert_eq!(refused(err).1[0].0, "rule_warning_unexplained");
    let saved = send(
        &db,
        &actor,
        &t,
        unit,
        &p,
        &explain(e, "IMPORTS"),
        Action::Submit,
        None,
    )
    .await
    .unwrap();
    assert_eq!(saved.submission.status, Status::Submitted);
    let warned: Vec<_> = saved.warnings.iter().map(|w| (w.code(), &w.on)).collect();
    assert_eq!(warned, [("rule_warning", &value("IMPORTS"))]);
}

#[tokio::test]
async fn a_value_far_from_its_history_needs_an_explanation() {
    let (db, t, unit) = setup().await;
    // Eight approved months of exports near 1,000.
    for m in 1..=8u8 {
        let v: &'static str =
            ["1000", "1010", "990", "1020", "1005", "995", "1015", "1000"][usize::from(m) - 1];
        let e = entries(&t, &month(m), |c| (c == "EXPORTS").then_some(v));
        approved(&db, &t, unit, &month(m), &e).await;
    }
    let actor = Actor::system("reporter");
    let p = month(9);
    // An ordinary month passes without a word.
    let ordinary = entries(&t, &p, |c| (c == "EXPORTS").then_some("1008"));
    let saved = send(
        &db,
        &actor,
        &t,
        unit,
        &p,
        &ordinary,
        Action::SaveDraft,
        None,
    )
    .await
    .unwrap();
    assert!(saved.warnings.is_empty(), "{:?}", saved.warnings);
    // Four times the usual: a warning in a draft, an explanation needed to submit.
    let far = entries(&t, &p, |c| (c == "EXPORTS").then_some("4000"));
    let saved = send(&db, &actor, &t, unit, &p, &far, Action::SaveDraft, None)
        .await
        .unwrap();
    let warned: Vec<_> = saved.warnings.iter().map(|w| (w.code(), &w.on)).collect();
    assert_eq!(warned, [("value_outlier", &value("EXPORTS"))]);
    let err = send(&db, &actor, &t, unit, &p, &far, Action::Submit, None)
        .await
        .unwrap_err();
    assert_eq!(
        refused(err),
        (
            Kind::Invalid,
            vec![("value_outlier_unexplained", explanation("EXPORTS"))]
        )
    );
    let saved = send(
        &db,
        &actor,
        &t,
        unit,
        &p,
        &explain(far, "EXPORTS"),
        Action::Submit,
        None,
    )
    .await
    .unwrap();
    assert_eq!(saved.submission.status, Status::Submitted);
}

#[tokio::test]
async fn the_same_bulk_request_twice_changes_nothing_the_second_time() {
    let (db, t, unit) = setup().await;
    let actor = Actor::system("system of the statistics office");
    let reports: Vec<Report<'_>> = (1..=3u8)
        .map(|m| Report {
            template: &t,
            unit_id: unit,
            period: month(m),
            values: t
                .indicators
                .iter()
                .filter(|i| i.valid_for(&month(m)))
                .map(|i| Input {
                    indicator: i.code.clone(),
                    value: Some(100.0 + f64::from(m)),
                    explanation: None,
                })
                .collect(),
            expected_version: None,
            action: Action::Submit,
            reason: None,
        })
        .collect();
    let count = |sql: &'static str| {
        let db = db.clone();
        async move {
            db.fetch_one(sql, vec![])
                .await
                .unwrap()
                .get::<i64>("n")
                .unwrap()
        }
    };
    let mut tx = db.begin().await.unwrap();
    let first = apply(&mut tx, &actor, &reports, Audit::Batch)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(first.iter().all(|o| o.changed && o.inserted > 0));
    assert!(first.iter().all(|o| o.status == Status::Submitted));
    let state = (
        count("SELECT COUNT(*) AS n FROM data_values").await,
        count("SELECT COUNT(*) AS n FROM value_changes").await,
        count("SELECT COUNT(*) AS n FROM audit_log").await,
        count("SELECT SUM(version) AS n FROM submissions").await,
    );

    let mut tx = db.begin().await.unwrap();
    let again = apply(&mut tx, &actor, &reports, Audit::Batch)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    for (o, f) in again.iter().zip(&first) {
        assert!(!o.changed);
        assert_eq!((o.inserted, o.updated), (0, 0));
        assert_eq!(o.unchanged, f.inserted);
        assert_eq!((o.submission_id, o.version), (f.submission_id, f.version));
    }
    let after = (
        count("SELECT COUNT(*) AS n FROM data_values").await,
        count("SELECT COUNT(*) AS n FROM value_changes").await,
        count("SELECT COUNT(*) AS n FROM audit_log").await,
        count("SELECT SUM(version) AS n FROM submissions").await,
    );
    assert_eq!(after, state);
}

#[tokio::test]
async fn approved_values_change_only_by_a_correction_with_a_reason_and_keep_their_history() {
    let (db, t, unit) = setup().await;
    let p = month(9);
    let actor = Actor::system("reporter");
    let before = entries(&t, &p, |_| None);
    // No correction before approval.
    let err = send(
        &db,
        &actor,
        &t,
        unit,
        &p,
        &before,
        Action::Correct,
        Some("sai số"),
    )
    .await
    .unwrap_err();
    assert_eq!(
        refused(err),
        (
            Kind::Conflict,
            vec![("correction_only_after_approval", On::Report)]
        )
    );
    approved(&db, &t, unit, &p, &before).await;
    let after = entries(&t, &p, |c| (c == "EXPORTS").then_some("120"));
    // Approved: locked to a plain save, and a correction needs a reason.
    let err = send(&db, &actor, &t, unit, &p, &after, Action::SaveDraft, None)
        .await
        .unwrap_err();
    assert_eq!(refused(err).1, vec![("report_locked", On::Report)]);
    let err = send(&db, &actor, &t, unit, &p, &after, Action::Correct, None)
        .await
        .unwrap_err();
    assert_eq!(
        refused(err),
        (Kind::Invalid, vec![("reason_required", On::Part("reason"))])
    );
    let exports = t.indicators.iter().find(|i| i.code == "EXPORTS").unwrap();
    let exports_id = exports.id;
    let stored = |db: Db| async move {
        db.fetch_one(
            "SELECT value FROM data_values WHERE indicator_id = $1 AND unit_id = $2 AND period = $3",
            platform::params![exports_id, unit, p.id()],
        )
        .await
        .unwrap()
        .get::<f64>("value")
        .unwrap()
    };
    assert_eq!(stored(db.clone()).await, 100.0);

    let saved = send(
        &db,
        &Actor::system("corrector"),
        &t,
        unit,
        &p,
        &after,
        Action::Correct,
        Some("Số liệu hải quan cập nhật"),
    )
    .await
    .unwrap();
    assert_eq!(saved.submission.status, Status::Approved);
    assert_eq!((saved.updated, saved.inserted), (1, 0));
    assert_eq!(stored(db.clone()).await, 120.0);
    let h = values::history(&db, exports.id, unit, &p).await.unwrap();
    let last = h.last().unwrap();
    assert_eq!(h.len(), 2, "{h:?}");
    assert_eq!(h[0].action, "enter");
    assert_eq!(
        (last.action.as_str(), last.old_value, last.new_value),
        ("correct", Some(100.0), Some(120.0))
    );
    assert_eq!(last.reason.as_deref(), Some("Số liệu hải quan cập nhật"));
    assert_eq!(last.actor, "corrector");
}

#[tokio::test]
async fn the_one_who_submitted_neither_approves_nor_corrects() {
    let (db, t, unit) = setup().await;
    let p = month(9);
    let e = entries(&t, &p, |_| None);
    let s = send(
        &db,
        &Actor::system("alice"),
        &t,
        unit,
        &p,
        &e,
        Action::Submit,
        None,
    )
    .await
    .unwrap();
    // Alice signed in (a person, not the system) is the author.
    let alice = Actor {
        user_id: Some(42),
        name: "alice".into(),
        ip: None,
    };
    let err = decide(
        &db,
        &alice,
        s.submission.id,
        s.submission.version,
        true,
        None,
    )
    .await
    .unwrap_err();
    assert_eq!(
        refused(err),
        (Kind::Conflict, vec![("four_eyes_approve", On::Report)])
    );
    decide(
        &db,
        &Actor::system("bob"),
        s.submission.id,
        s.submission.version,
        true,
        None,
    )
    .await
    .unwrap();
    let after = entries(&t, &p, |c| (c == "EXPORTS").then_some("120"));
    let err = send(
        &db,
        &alice,
        &t,
        unit,
        &p,
        &after,
        Action::Correct,
        Some("sai"),
    )
    .await
    .unwrap_err();
    assert_eq!(
        refused(err),
        (Kind::Conflict, vec![("four_eyes_correct", On::Report)])
    );
}

#[tokio::test]
async fn a_future_period_is_refused_on_the_period() {
    let (db, t, unit) = setup().await;
    let next = Period::current(PeriodKind::Month, registry::Day::today().0).next();
    let e = entries(&t, &next, |_| None);
    let err = send(
        &db,
        &Actor::system("reporter"),
        &t,
        unit,
        &next,
        &e,
        Action::SaveDraft,
        None,
    )
    .await
    .unwrap_err();
    let (kind, issues) = refused(err);
    assert_eq!(kind, Kind::Invalid);
    assert!(
        issues.contains(&("period_in_future", On::Part("period"))),
        "{issues:?}"
    );
    assert!(
        submissions::find(&db, t.id, unit, &next)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn a_corrupt_stored_status_is_an_error_not_a_draft() {
    let (db, t, unit) = setup().await;
    let p = month(9);
    send(
        &db,
        &Actor::system("reporter"),
        &t,
        unit,
        &p,
        &entries(&t, &p, |_| None),
        Action::SaveDraft,
        None,
    )
    .await
    .unwrap();
    // The schema's CHECK refuses it; a row damaged outside the application still can be.
    db.execute_script(
        "PRAGMA ignore_check_constraints = ON; UPDATE submissions SET status = 'lost'; \
         PRAGMA ignore_check_constraints = OFF",
    )
    .await
    .unwrap();
    let err = submissions::find(&db, t.id, unit, &p).await.unwrap_err();
    assert!(err.to_string().contains("lost"), "{err}");
}
