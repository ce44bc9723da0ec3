//! The one-stop desk's forms as PDFs (Circular 01/2018/TT-VPCP): 01 receipt and appointment slip,
//! 02 request to complete the papers, 03 refusal, 04 apology with a new date, 05 processing
//! control sheet. The texts come from the locale section `[svc_dossiers]`.

use platform::i18n::{Lang, t};
use platform::pdf::{Pdf, PdfError};

use crate::model::dossier::{Dossier, Event};

fn doc(lang: Lang, form: &str, d: &Dossier) -> Pdf {
    let title = t(lang, &format!("svc_dossiers.form_{form}"));
    let mut p = Pdf::new(&title, lang.code(), &t(lang, "app.name"));
    p.title(&title);
    p.paragraph(&format!(
        "{}: {}",
        t(lang, "svc_dossiers.code"),
        d.code.as_deref().unwrap_or("")
    ));
    p.paragraph(&format!(
        "{}: {} ({})",
        t(lang, "svc_dossiers.procedure"),
        d.procedure_name,
        d.procedure_code
    ));
    p.paragraph(&format!(
        "{}: {} — {}",
        t(lang, "svc_dossiers.applicant"),
        d.applicant.name,
        d.applicant.identifier
    ));
    p
}

fn day(lang: Lang, ms: Option<i64>) -> String {
    ms.map(|m| lang.date(crate::engine::dossiers::vn_day(m)))
        .unwrap_or_default()
}

fn date(lang: Lang, d: Option<time::Date>) -> String {
    d.map(|d| lang.date(d)).unwrap_or_default()
}

/// 01 — the receipt and appointment slip: the code, the secret for the public lookup (given only
/// at submission; `None` when reprinted), the day received and the appointment.
pub fn receipt(lang: Lang, d: &Dossier, secret: Option<&str>) -> Result<Vec<u8>, PdfError> {
    let mut p = doc(lang, "01", d);
    if let Some(s) = secret {
        p.paragraph(&format!("{}: {s}", t(lang, "svc_dossiers.secret")));
        p.note(&t(lang, "svc_dossiers.secret_note"));
    }
    p.paragraph(&format!(
        "{}: {}",
        t(lang, "svc_dossiers.received"),
        day(lang, d.received_at)
    ));
    p.paragraph(&format!(
        "{}: {}",
        t(lang, "svc_dossiers.appointment"),
        date(lang, d.due_date)
    ));
    p.finish()
}

/// 02 — the request to complete the papers: what is missing.
pub fn request_papers(lang: Lang, d: &Dossier) -> Result<Vec<u8>, PdfError> {
    let mut p = doc(lang, "02", d);
    p.heading(&t(lang, "svc_dossiers.missing"));
    p.paragraph(&d.reason);
    p.note(&t(lang, "svc_dossiers.clock_stopped_note"));
    p.finish()
}

/// 03 — the refusal: the reason.
pub fn refusal(lang: Lang, d: &Dossier) -> Result<Vec<u8>, PdfError> {
    let mut p = doc(lang, "03", d);
    p.heading(&t(lang, "svc_dossiers.reason"));
    p.paragraph(&d.reason);
    p.finish()
}

/// 04 — the apology for a late dossier, with the new appointment.
pub fn apology(lang: Lang, d: &Dossier, new_day: time::Date) -> Result<Vec<u8>, PdfError> {
    let mut p = doc(lang, "04", d);
    p.paragraph(&t(lang, "svc_dossiers.apology_text"));
    p.paragraph(&format!(
        "{}: {}",
        t(lang, "svc_dossiers.appointment"),
        date(lang, d.due_date)
    ));
    p.paragraph(&format!(
        "{}: {}",
        t(lang, "svc_dossiers.new_appointment"),
        lang.date(new_day)
    ));
    p.finish()
}

/// 05 — the processing control sheet: every holder and when it came to them.
pub fn control_sheet(lang: Lang, d: &Dossier, events: &[Event]) -> Result<Vec<u8>, PdfError> {
    let mut p = doc(lang, "05", d);
    p.paragraph(&format!(
        "{}: {}",
        t(lang, "svc_dossiers.appointment"),
        date(lang, d.due_date)
    ));
    p.heading(&t(lang, "svc_dossiers.timeline"));
    for e in events {
        let at = crate::engine::dossiers::vn_day(e.at);
        p.bullet(&format!(
            "{} — {} ({} → {}) — {}",
            lang.date(at),
            t(lang, &format!("svc_dossiers.action_{}", e.action)),
            e.status_from,
            e.status_to,
            e.actor_name
        ));
        if !e.note.is_empty() {
            p.note(&e.note);
        }
    }
    p.finish()
}
