//! Issue 12: the daily brief (điểm tin hàng ngày) — composed, edited and published by an editor,
//! read by officials, sent once to each subscriber.

use axum::http::StatusCode;
use platform::identity::access::{Role, Scope};

use crate::on_both;
use crate::support::{TestApp, approve, latest_month, provinces, setup};

/// The text of a PDF as poppler's `pdftotext` reads it (scripts/test installs poppler-utils).
fn pdf_text(pdf: &[u8]) -> String {
    let dir = std::env::temp_dir().join(format!("egov-pdf-{}", rand_suffix()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("brief.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args(["-enc", "UTF-8", "-raw"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (Debian poppler-utils; scripts/test installs it)");
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The resolution page 1 is rendered at: A4 (210 × 297 mm) is 827 × 1170 pixels at 100 dpi.
const DPI: f64 = 100.0;

/// Page 1 of a PDF rendered by poppler's `pdftoppm` (scripts/test installs poppler-utils): the
/// PNG's bytes, and the same page in grey levels (a PGM's pixels) to see that ink was drawn.
fn pdf_page1(pdf: &[u8]) -> (Vec<u8>, (usize, usize), Vec<u8>) {
    let dir = std::env::temp_dir().join(format!("egov-ppm-{}", rand_suffix()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("brief.pdf");
    std::fs::write(&path, pdf).unwrap();
    let render = |format: &str| {
        let out = std::process::Command::new("pdftoppm")
            .args([
                format,
                "-r",
                &DPI.to_string(),
                "-f",
                "1",
                "-l",
                "1",
                "-singlefile",
            ])
            .arg(&path)
            .arg(dir.join("page"))
            .output()
            .expect("pdftoppm (Debian poppler-utils; scripts/test installs it)");
        assert!(
            out.status.success(),
            "pdftoppm {format}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    render("-png");
    render("-gray");
    let png = std::fs::read(dir.join("page.png")).unwrap();
    let pgm = std::fs::read(dir.join("page.pgm")).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    // A binary PGM: "P5", width, height, maximum, each after white space, then the pixels.
    let mut fields = Vec::new();
    let mut at = 0;
    while fields.len() < 4 {
        while pgm[at].is_ascii_whitespace() {
            at += 1;
        }
        let start = at;
        while !pgm[at].is_ascii_whitespace() {
            at += 1;
        }
        fields.push(String::from_utf8(pgm[start..at].to_vec()).unwrap());
    }
    assert_eq!(fields[0], "P5");
    let size = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
    (png, size, pgm[at + 1..].to_vec())
}

fn rand_suffix() -> String {
    format!(
        "{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    )
}

fn today() -> String {
    registry::Day::today().0.to_string()
}

async fn queued(app: &TestApp) -> i64 {
    app.count_where(
        "SELECT COUNT(*) AS n FROM notifications WHERE dedupe_key LIKE $1",
        "brief:%",
    )
    .await
}

on_both!(
    an_editor_composes_edits_and_publishes_and_each_subscriber_gets_it_once,
    async |app: &TestApp| {
        let t = setup(app).await;
        let p = latest_month();
        let units = provinces(app, &p).await;
        approve(app, &t, units[0].0, &p, "100").await;
        let mut editor = app
            .signed_in("bientap", Role::Approver, Scope::National)
            .await;
        let r = editor.post("/operations/brief/compose", &[]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let day = today();
        assert_eq!(r.location(), format!("/operations/brief/{day}"));
        let page = editor.get(&r.location()).await;
        assert_eq!(page.status, StatusCode::OK);
        // The report approved a moment ago is "data received", named as people know it.
        assert!(page.body.contains("Số liệu nhận được trong 24 giờ qua"));
        assert!(
            page.body.contains(&format!("({})</td>", units[0].1)),
            "{}",
            page.body
        );
        assert!(page.body.contains(&t.code), "{}", page.body);
        assert!(page.body.contains("Bản nháp"));

        let r = editor
            .post(
                "/operations/brief/subscribers",
                &[("email", "LanhDao@VPCP.gov.vn"), ("action", "add")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        // A news item with a bad link comes back with the error on its field and the input kept.
        let news_path = format!("/operations/brief/{day}/news");
        let r = editor
            .post(
                &news_path,
                &[
                    ("title", "Hội nghị trực tuyến"),
                    ("source", "Cổng TTĐT Chính phủ"),
                    ("summary", "Thủ tướng chủ trì."),
                    ("link", "javascript:alert(1)"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains("<a href=\"#link\">"), "{}", r.body);
        assert!(r.body.contains("value=\"Hội nghị trực tuyến\""));
        let r = editor
            .post(
                &news_path,
                &[
                    ("title", "Hội nghị trực tuyến"),
                    ("source", "Cổng TTĐT Chính phủ"),
                    ("summary", "Thủ tướng chủ trì."),
                    ("link", "https://baochinhphu.vn/"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let r = editor
            .post(&format!("/operations/brief/{day}/publish"), &[])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(queued(app).await, 1, "one message to the one subscriber");
        let body: String = app
            .db
            .fetch_one(
                "SELECT body FROM notifications WHERE dedupe_key LIKE 'brief:%'",
                vec![],
            )
            .await
            .unwrap()
            .get("body")
            .unwrap();
        assert!(
            body.contains("Hội nghị trực tuyến — Cổng TTĐT Chính phủ"),
            "{body}"
        );
        assert!(body.contains(&t.code), "{body}");
        // The A4 PDF: Vietnamese text that a standard tool (poppler's pdftotext) reads back.
        let (status, pdf) = editor
            .get_bytes(&format!("/operations/brief/{day}/pdf"))
            .await;
        assert_eq!(status, StatusCode::OK);
        let text = pdf_text(&pdf);
        // Page 1 renders: a PNG of an A4 page at the chosen resolution, with ink on it.
        let (png, (w, h), grey) = pdf_page1(&pdf);
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG");
        // IHDR, the first chunk: width and height, big-endian, from byte 16.
        let dim = |at: usize| u32::from_be_bytes(png[at..at + 4].try_into().unwrap()) as f64;
        let a4 = (210.0 / 25.4 * DPI, 297.0 / 25.4 * DPI);
        assert!(
            (dim(16) - a4.0).abs() <= 1.0 && (dim(20) - a4.1).abs() <= 1.0,
            "A4 at {DPI} dpi is {a4:?} pixels, the PNG is {} × {}",
            dim(16),
            dim(20)
        );
        assert_eq!((w as f64, h as f64), (dim(16), dim(20)));
        assert_eq!(grey.len(), w * h, "one byte a pixel");
        let inked = grey.iter().filter(|&&g| g < 128).count();
        assert!(
            inked > w * h / 1000,
            "page 1 has text on it: {inked} dark pixels of {}",
            w * h
        );
        assert!(text.contains("Điểm tin hàng ngày"), "{text}");
        assert!(
            text.contains("Hội nghị trực tuyến — Cổng TTĐT Chính phủ"),
            "{text}"
        );
        assert!(
            text.contains("Số liệu nhận được trong 24 giờ qua"),
            "{text}"
        );
        // Published: it no longer changes, and nothing goes out twice.
        let r = editor
            .post(&format!("/operations/brief/{day}/publish"), &[])
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert_eq!(
            editor.post("/operations/brief/compose", &[]).await.status,
            StatusCode::CONFLICT
        );
        assert_eq!(queued(app).await, 1);
    }
);

on_both!(
    officials_read_published_briefs_never_drafts_and_only_editors_edit,
    async |app: &TestApp| {
        setup(app).await;
        let mut editor = app
            .signed_in("bientap", Role::Approver, Scope::National)
            .await;
        let mut reader = app
            .signed_in("lanhdao", Role::Viewer, Scope::National)
            .await;
        let na = app.scope("unit", "40").await;
        let mut reporter = app.signed_in("baocao", Role::Reporter, na).await;
        editor.post("/operations/brief/compose", &[]).await;
        let day = today();
        let path = format!("/operations/brief/{day}");
        assert_eq!(
            reader.get(&path).await.status,
            StatusCode::NOT_FOUND,
            "a draft"
        );
        assert!(
            reader
                .get("/operations/brief")
                .await
                .body
                .contains("Chưa có số điểm tin")
        );
        assert_eq!(
            reporter.post("/operations/brief/compose", &[]).await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            reporter.post(&format!("{path}/publish"), &[]).await.status,
            StatusCode::FORBIDDEN
        );
        let anonymous = app.client().get(&path).await;
        assert!(anonymous.status.is_redirection() || anonymous.status == StatusCode::UNAUTHORIZED);
        editor.post(&format!("{path}/publish"), &[]).await;
        let page = reader.get(&path).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            !page.body.contains("id=\"publish\""),
            "no editing for readers"
        );
        let archive = reader.get("/operations/brief/archive").await;
        assert!(archive.body.contains(&path), "{}", archive.body);
        reader.lang = Some("en");
        assert!(reader.get(&path).await.body.contains("Daily brief"));
    }
);
