//! The one-stop desk's forms as PDFs (01 receipt, 02 request to complete, 04 apology, 05 control
//! sheet), read back with poppler's `pdftotext`.

use platform::audit::Actor;
use platform::i18n::Lang;
use services::engine::dossiers::{self as engine, Details, Env};
use services::engine::slips;
use services::model::workflow::Action;
use testkit::on_both;

use crate::dossiers::{DAY, T0, agency, citizen, filing};
use crate::support::{TestApp, setup};

/// The text of a PDF as poppler's `pdftotext` reads it (scripts/test installs poppler-utils).
fn pdf_text(pdf: &[u8]) -> String {
    let dir = testkit::unique_temp("svc-slip");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("slip.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args(["-enc", "UTF-8", "-raw"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (Debian poppler-utils; scripts/test installs it)");
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

on_both!(the_desk_s_forms_are_pdfs, async |app: &TestApp| {
    setup(app).await;
    let env = Env::load(&app.db, "https://dvc.example.vn").await.unwrap();
    let v = services::query::published_version(&app.db, "2.001610")
        .await
        .unwrap()
        .unwrap();
    let an = citizen(app, "cong.dan.slip").await;
    let desk = Actor {
        user_id: None,
        name: "Cán bộ một cửa".into(),
        ip: None,
    };
    let ag = agency(app, "ubnd-40").await;
    let id = engine::save_draft(&app.db, &env, &an, &v, None, &filing(&an, ag), T0)
        .await
        .unwrap()
        .unwrap();
    let s = engine::submit(&app.db, &env, &an, &v, id, 2, T0)
        .await
        .unwrap()
        .unwrap();
    let d = engine::act(
        &app.db,
        &env,
        &desk,
        id,
        Action::Accept,
        &Details::default(),
        T0,
    )
    .await
    .unwrap()
    .unwrap();
    let text = pdf_text(&slips::receipt(Lang::Vi, &d, Some(&s.secret)).unwrap());
    assert!(
        text.contains("Giấy tiếp nhận hồ sơ và hẹn trả kết quả"),
        "{text}"
    );
    assert!(text.contains(&s.code), "{text}");
    assert!(text.contains(&s.secret), "{text}");
    assert!(text.contains("08/12/2026"), "{text}");
    let why = Details {
        reason: "Bản sao điều lệ công ty".into(),
        ..Default::default()
    };
    let d = engine::act(
        &app.db,
        &env,
        &desk,
        id,
        Action::RequestPapers,
        &why,
        T0 + DAY,
    )
    .await
    .unwrap()
    .unwrap();
    let text = pdf_text(&slips::request_papers(Lang::En, &d).unwrap());
    assert!(text.contains("Form 02"), "{text}");
    assert!(text.contains("Bản sao điều lệ công ty"), "{text}");
    let events = services::store::dossiers::events(&app.db, id)
        .await
        .unwrap();
    let text = pdf_text(&slips::control_sheet(Lang::Vi, &d, &events).unwrap());
    assert!(text.contains("Nộp hồ sơ trực tuyến"), "{text}");
    assert!(text.contains("Yêu cầu bổ sung giấy tờ"), "{text}");
    assert!(text.contains("Cán bộ một cửa"), "{text}");
    let text =
        pdf_text(&slips::apology(Lang::Vi, &d, time::macros::date!(2026 - 12 - 17)).unwrap());
    assert!(text.contains("17/12/2026"), "{text}");
});
