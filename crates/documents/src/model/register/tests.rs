use super::*;
use proptest::prelude::*;
use time::macros::date;

fn g22() -> AgencyId {
    AgencyId::parse("G22").unwrap()
}

fn form() -> DraftForm {
    DraftForm {
        doc_type: "2".into(),
        subject: "Về việc triển khai Nghị định 30".into(),
        summary: "Nội dung".into(),
        signer_name: "Nguyễn Văn A".into(),
        signer_position: "Chủ tịch".into(),
        recipients: "000.00.00.H41\nH42".into(),
        urgency: "1".into(),
        due_date: "2026-12-31".into(),
    }
}

#[test]
fn there_are_29_types_with_decree_30_abbreviations() {
    assert_eq!(DocType::all().count(), 29);
    let qd = DocType::from_name("quyết định").unwrap();
    assert_eq!(qd.code(), 2);
    assert_eq!(notation(qd, "UBND"), "QĐ-UBND");
    let cv = DocType::from_name("Công văn").unwrap();
    assert_eq!(notation(cv, "UBND"), "UBND");
    assert_eq!(code_display(15, &notation(qd, "UBND")), "15/QĐ-UBND");
    assert_eq!(code_display(1, "UBND"), "01/UBND");
    assert_eq!(code_display(123, "UBND"), "123/UBND");
    assert!(DocType::from_code(0).is_none() && DocType::from_code(30).is_none());
}

#[test]
fn a_complete_form_is_a_draft() {
    let d = form().check(&g22(), date!(2026 - 12 - 02)).unwrap();
    assert_eq!(d.doc_type.name_vi(), "Quyết định");
    assert_eq!(d.recipients.len(), 2);
    assert_eq!(d.urgency, Priority::Urgent);
    assert_eq!(d.due_date, Some(date!(2026 - 12 - 31)));
}

#[test]
fn every_bad_field_is_named_at_once() {
    let f = DraftForm {
        doc_type: "Thư tình".into(),
        subject: "a\u{7}b".into(),
        summary: "ă".repeat(TEXT_MAX + 1),
        signer_name: String::new(),
        signer_position: " ".into(),
        recipients: "H41, G22, 000.00.00.H41, nope".into(),
        urgency: "4".into(),
        due_date: "2026-02-30".into(),
    };
    let got = f.check(&g22(), date!(2026 - 12 - 02)).unwrap_err();
    let pairs: Vec<(&str, &str)> = got
        .iter()
        .map(|p| (p.path.as_str(), p.code.as_str()))
        .collect();
    assert_eq!(
        pairs,
        [
            ("doc_type", "unknown_doc_type"),
            ("subject", "control_character"),
            ("summary", "too_long"),
            ("signer_name", "required"),
            ("signer_position", "required"),
            ("recipients", "recipient_is_sender"),
            ("recipients", "duplicate_recipient"),
            ("recipients", "bad_agency_id"),
            ("urgency", "bad_priority"),
            ("due_date", "due_date_invalid"),
        ]
    );
    let mut past = form();
    past.due_date = "2026-12-01".into();
    assert_eq!(
        past.check(&g22(), date!(2026 - 12 - 02)).unwrap_err()[0].code,
        "due_date_past"
    );
}

#[test]
fn the_incoming_lifecycle_moves_forward_only() {
    use StatusCode::*;
    let path = [Accepted, Assigned, InProgress, Done];
    let mut s = Arrived;
    for next in path {
        s = incoming_next(s, next).unwrap();
    }
    assert_eq!(s, Done);
    assert!(incoming_next(Arrived, Rejected).is_ok());
    assert_eq!(
        incoming_next(Arrived, Done),
        Err(BadTransition {
            from: Arrived,
            to: Done
        })
    );
    assert!(incoming_next(Rejected, Accepted).is_err());
    assert!(incoming_next(Done, InProgress).is_err());
    let e = IncomingAction::Reject {
        reason: String::new(),
    }
    .check(Accepted)
    .unwrap_err();
    let codes: Vec<&str> = e.iter().map(|p| p.code.as_str()).collect();
    assert_eq!(codes, ["required", "transition_invalid"]);
}

#[test]
fn due_dates_skip_weekends_and_holidays_and_overdue_needs_an_open_document() {
    let mut cal = HolidayCalendar::default();
    cal.holidays.insert(date!(2026 - 09 - 02));
    // Monday 31 August 2026 + 3 working days: Tue 1, (Wed 2 holiday), Thu 3, Fri 4.
    assert_eq!(
        due_in_working_days(&cal, date!(2026 - 08 - 31), 3),
        date!(2026 - 09 - 04)
    );
    // Friday + 1: Monday.
    assert_eq!(
        due_in_working_days(&cal, date!(2026 - 09 - 04), 1),
        date!(2026 - 09 - 07)
    );
    let due = Some(date!(2026 - 09 - 04));
    assert!(is_overdue(due, StatusCode::Assigned, date!(2026 - 09 - 05)));
    assert!(!is_overdue(
        due,
        StatusCode::Assigned,
        date!(2026 - 09 - 04)
    ));
    assert!(!is_overdue(due, StatusCode::Done, date!(2026 - 09 - 05)));
    assert!(!is_overdue(
        None,
        StatusCode::Arrived,
        date!(2030 - 01 - 01)
    ));
}

#[test]
fn urgent_documents_come_first_then_overdue_then_newest() {
    let mut v = vec![
        (Priority::Normal, false, 5),
        (Priority::Normal, true, 1),
        (Priority::Immediate, false, 2),
        (Priority::Urgent, false, 9),
    ];
    v.sort_by(|a, b| incoming_order(*a, *b));
    assert_eq!(
        v,
        [
            (Priority::Immediate, false, 2),
            (Priority::Urgent, false, 9),
            (Priority::Normal, true, 1),
            (Priority::Normal, false, 5),
        ]
    );
}

#[test]
fn attachments_are_judged_by_their_bytes() {
    let pdf = b"%PDF-1.7\n...";
    let docx = b"PK\x03\x04....word/document.xml....";
    let xlsx = b"PK\x03\x04....xl/workbook.xml....";
    assert_eq!(attachment_kind("a.pdf", pdf), Ok(AttachmentKind::Pdf));
    assert_eq!(
        attachment_kind("Tờ trình.DOCX", docx),
        Ok(AttachmentKind::Docx)
    );
    assert_eq!(attachment_kind("b.xlsx", xlsx), Ok(AttachmentKind::Xlsx));
    for (name, bytes) in [
        ("a.pdf", &b"MZ\x90\x00 not a pdf"[..]),
        ("a.docx", &pdf[..]),
        ("a.exe", &pdf[..]),
        ("a.xlsx", &docx[..]),
        ("a.zip", &b"PK\x03\x04 plain zip"[..]),
        ("a.pdf", &b""[..]),
    ] {
        assert_eq!(
            attachment_kind(name, bytes).unwrap_err().code,
            "attachment_type",
            "{name}"
        );
    }
    assert_eq!(
        attachment_kind("../x.pdf", pdf).unwrap_err().code,
        "attachment_name_invalid"
    );
}

fn status() -> impl Strategy<Value = StatusCode> {
    prop::sample::select(INCOMING_STATES.to_vec())
}

proptest! {
    /// Numbers of a year are 1, 2, 3, … with no gap and no repeat, and every one is written
    /// with two digits at least and reads back as itself.
    #[test]
    fn numbering_is_dense_and_reads_back(k in 1usize..300) {
        let mut last = None;
        let mut seen = std::collections::BTreeSet::new();
        for i in 1..=k {
            let n = next_number(last);
            prop_assert_eq!(n as usize, i);
            prop_assert!(seen.insert(n));
            let s = format_number(n);
            prop_assert!(s.len() >= 2);
            prop_assert_eq!(s.parse::<u32>().unwrap(), n);
            last = Some(n);
        }
    }

    /// Distinct numbers under one notation give distinct codes.
    #[test]
    fn codes_are_unique_per_number(a in 1u32..100_000, b in 1u32..100_000, t in 1u32..=29) {
        let n = notation(DocType::from_code(t).unwrap(), "UBND");
        prop_assert_eq!(a == b, code_display(a, &n) == code_display(b, &n));
    }

    /// Any sequence of moves, applied where allowed: the state only ever moves along the
    /// lifecycle, final states never change, and each refused move is exactly a pair
    /// outside the table.
    #[test]
    fn transitions_follow_the_lifecycle(moves in prop::collection::vec(status(), 0..20)) {
        let rank = |s: StatusCode| match s {
            StatusCode::Arrived => 0,
            StatusCode::Accepted | StatusCode::Rejected => 1,
            StatusCode::Assigned => 2,
            StatusCode::InProgress => 3,
            _ => 4,
        };
        let mut s = StatusCode::Arrived;
        for m in moves {
            match incoming_next(s, m) {
                Ok(n) => {
                    prop_assert!(!is_final(s));
                    prop_assert!(rank(n) >= rank(s));
                    prop_assert!(rank(n) <= rank(s) + 1);
                    prop_assert!(s.may_follow_with(n));
                    s = n;
                }
                Err(e) => {
                    prop_assert_eq!(e, BadTransition { from: s, to: m });
                }
            }
        }
    }
}
