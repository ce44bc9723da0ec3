//! Issue 11, item 8: each official's worklist (báo cáo cần xử lý) shows exactly the reports that
//! await their action — to fill, to correct after a return, to approve — across every template
//! of their scope (ministry templates too) and every open period, overdue first. Item 19 (last
//! part): a report past its deadline and not submitted is overdue, an annual one too.

use axum::http::StatusCode;
use platform::audit::Actor;
use platform::identity::access::{Role, Scope};
use reporting::Period;
use reporting::engine::save::Entry;
use reporting::model::period::PeriodKind;
use reporting::model::status::Action;
use reporting::model::template::Template;

use crate::on_both;
use crate::support::{Client, TestApp};

async fn template(app: &TestApp, code: &str) -> Template {
    reporting::engine::reference::load_default(&app.db, &Actor::system("test"))
        .await
        .unwrap();
    reporting::store::templates::template(&app.db, code)
        .await
        .unwrap()
        .unwrap()
}

fn today() -> time::Date {
    registry::Day::today().0
}

/// The latest period of `t` due today, and the `n`th one before it.
fn due(t: &Template, back: usize) -> Period {
    let mut p = t.latest_due(today());
    for _ in 0..back {
        p = p.previous();
    }
    p
}

/// A report of `t` for unit `code` and `period`, every indicator 100 as far as its rule allows,
/// saved by `who` with `action`; its id and version.
async fn report(
    app: &TestApp,
    t: &Template,
    code: &str,
    period: &Period,
    who: &str,
    action: Action,
) -> (i64, i64) {
    let unit = reporting::store::units::unit_for(&app.db, t, code, period)
        .await
        .unwrap()
        .unwrap();
    let entries: Vec<Entry> = t
        .indicators
        .iter()
        .map(|i| Entry {
            indicator: i.code.clone(),
            raw: i.upper_bound.map_or(100.0, |ub| ub.min(100.0)).to_string(),
            explanation: Some("Số liệu thử".into()),
            lang: "vi",
        })
        .collect();
    let s = reporting::http::save::save(
        &app.db,
        &Actor::system(who),
        t,
        unit.id,
        period,
        &entries,
        None,
        action,
        None,
    )
    .await
    .unwrap();
    (s.submission.id, s.submission.version)
}

/// Return a submitted report to its reporter.
async fn give_back(app: &TestApp, (id, version): (i64, i64)) {
    reporting::engine::decide::decide(
        &app.db,
        &Actor::system("pd"),
        id,
        version,
        false,
        Some("Sai số liệu"),
    )
    .await
    .unwrap();
}

/// The items of a worklist page, in order (each the HTML of one report).
async fn worklist(c: &mut Client) -> Vec<String> {
    let page = c.get("/reporting/worklist").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.body
        .split("<li class=\"worklist-item")
        .skip(1)
        .map(|s| s.split("</li>").next().unwrap().to_owned())
        .collect()
}

/// The item linking to `href`, if any.
fn item<'a>(items: &'a [String], href: &str) -> Option<&'a String> {
    items
        .iter()
        .find(|i| i.contains(&format!("href=\"{href}\"")))
}

on_both!(
    a_reporter_sees_the_report_returned_to_them,
    async |app: &TestApp| {
        let t = template(app, "BC-KTXH-THANG").await;
        let na = app.scope("unit", "40").await;
        // A report of an earlier period, returned; and one of the latest, submitted.
        let earlier = due(&t, 3);
        let sub = report(app, &t, "40", &earlier, "bc.40", Action::Submit).await;
        give_back(app, sub).await;
        report(app, &t, "40", &due(&t, 0), "bc.40", Action::Submit).await;
        let mut reporter = app.signed_in("wl.bc", Role::Reporter, na).await;
        let items = worklist(&mut reporter).await;
        let returned = item(&items, &format!("/reporting/40/{}", earlier.id()))
            .unwrap_or_else(|| panic!("no returned report in {items:#?}"));
        assert!(returned.contains("Cần sửa (bị trả lại)"), "{returned}");
        // Submitted: it awaits the approver, not the reporter.
        assert!(
            item(&items, &format!("/reporting/40/{}", due(&t, 0).id())).is_none(),
            "{items:#?}"
        );
        // Reports not filed of the open periods, of every template of the province.
        let missing = item(&items, &format!("/reporting/40/{}", due(&t, 1).id()))
            .unwrap_or_else(|| panic!("no missing month in {items:#?}"));
        assert!(missing.contains("Cần nhập"), "{missing}");
        let q = template(app, "BC-KTXH-QUY").await;
        assert!(
            item(
                &items,
                &format!("/reporting/40/{}?template=BC-KTXH-QUY", due(&q, 0).id())
            )
            .is_some(),
            "{items:#?}"
        );
        // The landing page after signing in, with a link in the menu.
        let page = reporter.get("/reporting/worklist").await;
        assert!(page.body.contains("id=\"worklist-nav\""), "{}", page.body);
        assert!(page.body.contains("<h1>Báo cáo cần xử lý</h1>"));
    }
);

on_both!(
    an_approver_sees_submitted_reports_of_every_period,
    async |app: &TestApp| {
        let t = template(app, "BC-KTXH-THANG").await;
        let na = app.scope("unit", "40").await;
        // The month in progress (submitted early), the latest due and an earlier one.
        let current = Period::current(PeriodKind::Month, today());
        let latest = due(&t, 0);
        let earlier = due(&t, 5);
        for p in [&current, &latest, &earlier] {
            report(app, &t, "40", p, "bc.40", Action::Submit).await;
        }
        // A draft awaits its reporter, not the approver.
        report(app, &t, "40", &due(&t, 1), "bc.40", Action::SaveDraft).await;
        let mut approver = app.signed_in("wl.pd", Role::Approver, na).await;
        let items = worklist(&mut approver).await;
        for p in [&current, &latest, &earlier] {
            let i = item(&items, &format!("/reporting/40/{}", p.id()))
                .unwrap_or_else(|| panic!("no {p} in {items:#?}"));
            assert!(i.contains("Cần duyệt"), "{i}");
        }
        assert_eq!(items.len(), 3, "{items:#?}");
        // Four eyes: a report the approver submitted is not theirs to approve.
        let own = due(&t, 7);
        report(app, &t, "40", &own, "wl.pd", Action::Submit).await;
        let items = worklist(&mut approver).await;
        assert!(
            item(&items, &format!("/reporting/40/{}", own.id())).is_none(),
            "{items:#?}"
        );
        assert_eq!(items.len(), 3, "{items:#?}");
        // English.
        approver.lang = Some("en");
        let page = approver.get("/reporting/worklist").await;
        assert!(
            page.body.contains("Reports awaiting action"),
            "{}",
            page.body
        );
        assert!(page.body.contains("To approve"), "{}", page.body);
    }
);

on_both!(
    a_ministry_official_sees_the_ministry_report,
    async |app: &TestApp| {
        let t = template(app, "BC-BTC-NSNN-THANG").await;
        let btc = app.scope("agency", "btc").await;
        let latest = due(&t, 0);
        let href = format!("/reporting/VN/{}?template=BC-BTC-NSNN-THANG", latest.id());
        // The ministry's reporter: its own template only, nothing of the provinces.
        let mut reporter = app.signed_in("wl.btc", Role::Reporter, btc).await;
        let items = worklist(&mut reporter).await;
        let mine = item(&items, &href).unwrap_or_else(|| panic!("no {href} in {items:#?}"));
        assert!(
            mine.contains("Cần nhập") && mine.contains("Bộ Tài chính"),
            "{mine}"
        );
        assert!(
            items
                .iter()
                .all(|i| i.contains("template=BC-BTC-NSNN-THANG")),
            "{items:#?}"
        );
        // Submitted: the ministry's approver and a national approver have it to approve; a
        // provincial approver does not.
        report(app, &t, "VN", &latest, "wl.btc", Action::Submit).await;
        let mut approver = app.signed_in("wl.pd.btc", Role::Approver, btc).await;
        let items = worklist(&mut approver).await;
        let i = item(&items, &href).unwrap_or_else(|| panic!("no {href} in {items:#?}"));
        assert!(i.contains("Cần duyệt"), "{i}");
        let mut national = app
            .signed_in("wl.pd.tw", Role::Approver, Scope::National)
            .await;
        let items = worklist(&mut national).await;
        assert!(item(&items, &href).is_some(), "{items:#?}");
        let na = app.scope("unit", "40").await;
        let mut other = app.signed_in("wl.pd.na", Role::Approver, na).await;
        let items = worklist(&mut other).await;
        assert!(item(&items, &href).is_none(), "{items:#?}");
    }
);

on_both!(
    a_user_without_rights_sees_nothing_of_other_units,
    async |app: &TestApp| {
        let t = template(app, "BC-KTXH-THANG").await;
        let na = app.scope("unit", "40").await;
        let ht = app.scope("unit", "42").await;
        let sub = report(app, &t, "40", &due(&t, 2), "bc.40", Action::Submit).await;
        give_back(app, sub).await;
        report(app, &t, "40", &due(&t, 0), "bc.40", Action::Submit).await;
        // Hà Tĩnh's reporter and approver: Hà Tĩnh's reports only.
        for (name, role) in [("wl.bc.42", Role::Reporter), ("wl.pd.42", Role::Approver)] {
            let mut c = app.signed_in(name, role, ht).await;
            let items = worklist(&mut c).await;
            assert!(
                items.iter().all(|i| !i.contains("/reporting/40/")),
                "{role:?}: {items:#?}"
            );
        }
        // A viewer of Nghệ An acts on nothing: the empty state, with the way to the overview.
        let mut viewer = app.signed_in("wl.xem", Role::Viewer, na).await;
        let page = viewer.get("/reporting/worklist").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("id=\"worklist-empty\""), "{}", page.body);
        assert!(!page.body.contains("/reporting/40/"), "{}", page.body);
        // Signed out: to the sign-in page.
        let r = app.client().get("/reporting/worklist").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(r.location().starts_with("/login"), "{}", r.location());
    }
);

on_both!(overdue_reports_come_first, async |app: &TestApp| {
    let t = template(app, "BC-KTXH-THANG").await;
    let na = app.scope("unit", "40").await;
    // A draft of the month in progress: not due yet, so not overdue, and listed after every
    // overdue report, although it was started first.
    let current = Period::current(PeriodKind::Month, today());
    report(app, &t, "40", &current, "bc.40", Action::SaveDraft).await;
    let mut reporter = app.signed_in("wl.bc", Role::Reporter, na).await;
    let items = worklist(&mut reporter).await;
    let overdue: Vec<bool> = items.iter().map(|i| i.contains("is-overdue")).collect();
    let first_on_time = overdue.iter().position(|o| !o).expect("one on time");
    assert!(first_on_time > 0, "{items:#?}");
    assert!(overdue[first_on_time..].iter().all(|o| !o), "{overdue:?}");
    assert!(overdue[..first_on_time].iter().all(|o| *o));
    let draft = item(&items, &format!("/reporting/40/{}", current.id())).unwrap();
    assert!(
        !draft.contains("Quá hạn") && draft.contains("Đang soạn"),
        "{draft}"
    );
    assert!(items[0].contains("Quá hạn — chưa báo cáo"), "{}", items[0]);
    let page = reporter.get("/reporting/worklist").await;
    assert!(
        page.body.contains("id=\"worklist-summary\""),
        "{}",
        page.body
    );
});

on_both!(
    a_past_due_annual_report_is_overdue,
    async |app: &TestApp| {
        let t = template(app, "BC-KTXH-NAM").await;
        let na = app.scope("unit", "40").await;
        let cal = reporting::store::holidays::holidays(&app.db).await.unwrap();
        // The year before the latest due: its deadline has passed whatever today is.
        let year = due(&t, 1);
        assert!(t.deadline(&year, &cal) < today());
        let mut reporter = app.signed_in("wl.bc", Role::Reporter, na).await;
        // Not reported: the form and the template's overview say it is overdue.
        let form = reporter
            .get(&format!("/reporting/40/{}?template=BC-KTXH-NAM", year.id()))
            .await;
        assert_eq!(form.status, StatusCode::OK, "{}", form.body);
        assert!(
            form.body.contains(
                "class=\"status status-overdue\" id=\"report-status\">Quá hạn — chưa báo cáo</span>"
            ),
            "{}",
            form.body
        );
        let overview = reporter
            .get(&format!(
                "/reporting?template=BC-KTXH-NAM&period={}",
                year.id()
            ))
            .await;
        let reports = overview
            .body
            .split("id=\"reports-table\"")
            .nth(1)
            .unwrap_or("");
        assert!(
            reports.contains("Quá hạn — chưa báo cáo"),
            "{}",
            overview.body
        );
        // A draft of it is overdue too, on the worklist.
        report(app, &t, "40", &year, "bc.40", Action::SaveDraft).await;
        let items = worklist(&mut reporter).await;
        let href = format!("/reporting/40/{}?template=BC-KTXH-NAM", year.id());
        let i = item(&items, &href).unwrap_or_else(|| panic!("no {href} in {items:#?}"));
        assert!(
            i.contains("is-overdue") && i.contains("Quá hạn — đang soạn"),
            "{i}"
        );
        // Submitted, it is no longer overdue (nor on the reporter's list).
        let sub = reporting::store::submissions::find(
            &app.db,
            t.id,
            {
                reporting::store::units::unit_for(&app.db, &t, "40", &year)
                    .await
                    .unwrap()
                    .unwrap()
                    .id
            },
            &year,
        )
        .await
        .unwrap()
        .unwrap();
        assert_eq!(sub.status, reporting::model::status::Status::Draft);
        report(app, &t, "40", &year, "bc.40", Action::Submit).await;
        let form = reporter
            .get(&format!("/reporting/40/{}?template=BC-KTXH-NAM", year.id()))
            .await;
        assert!(!form.body.contains("Quá hạn"), "{}", form.body);
        assert!(item(&worklist(&mut reporter).await, &href).is_none());
    }
);

on_both!(
    a_long_list_is_cut_and_says_how_many_more,
    async |app: &TestApp| {
        template(app, "BC-KTXH-THANG").await;
        // A reporter for the whole country has every province's missing reports to fill.
        let mut c = app
            .signed_in("wl.bc.tw", Role::Reporter, Scope::National)
            .await;
        let page = c.get("/reporting/worklist").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let items = page.body.matches("<li class=\"worklist-item").count();
        assert_eq!(items, 100);
        let summary = page.body.split("id=\"worklist-summary\">").nth(1).unwrap();
        let total: usize = summary.split(' ').next().unwrap().parse().unwrap();
        assert!(total > 100, "{summary}");
        assert!(
            page.body
                .contains(&format!("Còn {} báo cáo nữa không hiện ở đây", total - 100)),
            "{}",
            page.body
        );
    }
);
