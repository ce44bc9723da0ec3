//! The edXML reader and writer against sample packages (tests/data), hand-made breakages, and
//! generated ones.

use std::io::Cursor;

use proptest::prelude::*;

use super::read::read_limited;
use super::*;
use crate::model::agency::AgencyId;
use crate::model::document::tests::{draft, org};
use crate::model::status::Priority;

const CONG_VAN: &str = include_str!("../../tests/data/cong-van-vpcp.edxml");
const STATUS: &str = include_str!("../../tests/data/status-03-wrapped.edxml");

fn read_str(s: &str) -> Result<(Package, MemorySink), ReadError> {
    let mut sink = MemorySink::default();
    let p = read(Cursor::new(s.as_bytes()), &mut sink)?;
    Ok((p, sink))
}

fn refused(s: &str) -> Vec<(String, String)> {
    match read_str(s) {
        Err(ReadError::Refused(r)) => r.problems.into_iter().map(|p| (p.path, p.code)).collect(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn a_real_document_package_is_read_whole() {
    let (p, sink) = read_str(CONG_VAN).unwrap();
    let Body::Document(d) = &p.body else {
        panic!("a document")
    };
    assert_eq!(d.id(), "000.00.00.G22,2025/09/30,7816/VPCP-TTĐT");
    assert_eq!(d.code.display(), "7816/VPCP-TTĐT");
    assert_eq!(d.sender.short(), "G22");
    assert_eq!(
        d.recipients.iter().map(|r| r.short()).collect::<Vec<_>>(),
        ["H41", "G09"]
    );
    assert_eq!(
        d.subject,
        "V/v triển khai kết nối, liên thông văn bản điện tử & báo cáo kết quả"
    );
    assert_eq!(
        d.draft.content.as_deref(),
        Some("Văn phòng Chính phủ đề nghị các cơ quan <khẩn trương> triển khai.")
    );
    assert_eq!(d.priority, Priority::Urgent);
    assert_eq!(d.draft.to_places, ["Như trên;", "Lưu: VT, TTĐT."]);
    assert_eq!(d.draft.due_date, Some(time::macros::date!(2025 - 10 - 15)));
    // Both time-stamp orders; the misspelled business block.
    assert_eq!(
        p.trace[0].timestamp,
        time::macros::datetime!(2025-09-30 14:05:09 +7)
    );
    let b = p.business.as_ref().unwrap();
    assert_eq!(b.spelling, BusinessSpelling::Bussiness);
    assert_eq!(
        b.staff.as_ref().unwrap().staff.as_deref(),
        Some("Trần Thị B")
    );
    // The vendor extension is kept, with the namespace it needs.
    assert_eq!(p.extensions.len(), 1);
    assert_eq!(p.extensions[0].parent, "edXMLHeader/MessageHeader");
    assert!(p.extensions[0].xml.contains("vnpt:ref=\"T-19\""));
    assert!(
        p.extensions[0]
            .xml
            .contains("xmlns:vnpt=\"urn:example:vendor\"")
    );
    // The attachment went to the sink, decoded, with its digest.
    assert_eq!(sink.files.len(), 1);
    assert_eq!(
        String::from_utf8(sink.files[0].clone()).unwrap(),
        "Văn bản số 7816/VPCP-TTĐT."
    );
    assert_eq!(p.attachments[0].size, sink.files[0].len() as u64);
    assert_eq!(
        p.attachments[0].sha256,
        hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&sink.files[0]))
    );
}

#[test]
fn a_status_in_an_edxml_wrapper_is_read() {
    let (p, _) = read_str(STATUS).unwrap();
    let Body::Status(s) = &p.body else {
        panic!("a status")
    };
    assert_eq!(s.code, crate::model::status::StatusCode::Accepted);
    assert_eq!(s.from.short(), "H41");
    assert_eq!(p.document_id(), "000.00.00.G22,2025/09/30,7816/VPCP-TTĐT");
    assert_eq!(
        p.business.as_ref().unwrap().spelling,
        BusinessSpelling::Business
    );
}

#[test]
fn a_package_missing_what_the_law_requires_is_refused_with_every_path() {
    let broken = CONG_VAN
        .replace("<edXML:CodeNumber>7816</edXML:CodeNumber>", "")
        .replace(
            "<edXML:FullName>Nguyễn Văn A</edXML:FullName>",
            "<edXML:FullName>  </edXML:FullName>",
        )
        .replace(
            "<edXML:OrganId>G09</edXML:OrganId>",
            "<edXML:OrganId>000.00.00.H41</edXML:OrganId>",
        )
        .replace(
            "<edXML:Priority>1</edXML:Priority>",
            "<edXML:Priority>7</edXML:Priority>",
        );
    let got = refused(&broken);
    for want in [
        (
            "edXMLHeader/MessageHeader/OtherInfo/Priority",
            "bad_priority",
        ),
        ("MessageHeader/To[2]/OrganId", "duplicate_recipient"),
        ("MessageHeader/Code/CodeNumber", "required"),
        ("MessageHeader/SignerInfo/FullName", "required"),
    ] {
        assert!(
            got.contains(&(want.0.to_owned(), want.1.to_owned())),
            "{want:?} not in {got:?}"
        );
    }
    // The refusal still names the sender and the document, for status 02.
    let Err(ReadError::Refused(r)) = read_str(&broken) else {
        panic!()
    };
    assert_eq!(r.sender.as_deref(), Some("000.00.00.G22"));
    assert!(r.document_id.is_some());
}

#[test]
fn a_refused_package_leaves_nothing_in_the_sink() {
    let broken = CONG_VAN.replace("<edXML:TypeName>Công văn</edXML:TypeName>", "");
    let mut sink = MemorySink::default();
    assert!(read(Cursor::new(broken.as_bytes()), &mut sink).is_err());
    assert!(sink.files.is_empty());
}

#[test]
fn hostile_or_broken_xml_is_refused_precisely() {
    let bomb = "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"aaaa\">]><edXMLEnvelope>&a;</edXMLEnvelope>";
    assert!(matches!(
        read_str(bomb),
        Err(ReadError::Malformed { reason, .. }) if reason.contains("DOCTYPE")
    ));
    match read_str("<edXMLEnvelope><edXMLHeader></edXMLEnvelope>") {
        Err(ReadError::Malformed { position, .. }) => assert!(position > 0),
        other => panic!("{other:?}"),
    }
    assert_eq!(refused("<html/>"), [("html".into(), "not_edxml".into())]);
    let ctrl = CONG_VAN.replace("V/v triển khai", "V/v\u{1b} triển khai");
    assert!(refused(&ctrl).contains(&(
        "edXMLHeader/MessageHeader/Subject".into(),
        "control_character".into()
    )));
    let bad64 = CONG_VAN.replace("VsSDbiBi", "VsS*biBi");
    assert!(refused(&bad64).iter().any(|(_, c)| c == "bad_base64"));
    let missing = CONG_VAN.replace(
        "<edXML:ContentId>cid:1</edXML:ContentId>\n      <edXML:AttachmentName>",
        "<edXML:ContentId>cid:2</edXML:ContentId>\n      <edXML:AttachmentName>",
    );
    assert!(
        refused(&missing)
            .iter()
            .any(|(_, c)| c == "attachment_missing")
    );
}

#[test]
fn a_package_over_the_limit_is_refused_without_reading_it_all() {
    let mut sink = MemorySink::default();
    let big = CONG_VAN.replace(
        "VsSDbiBi4bqjbiBz4buRIDc4MTYvVlBDUC1UVMSQVC4=",
        &"QUFB".repeat(100_000),
    );
    assert!(matches!(
        read_limited(Cursor::new(big.as_bytes()), &mut sink, 64 * 1024),
        Err(ReadError::TooLarge { .. })
    ));
    assert!(sink.files.is_empty());
}

fn sample_document() -> Document {
    let mut d = draft();
    d.to.push(org("G09", "Bộ Tài chính"));
    d.other.priority = Some(Priority::Immediate);
    d.content = Some("Nội dung <có> ký tự & đặc biệt".into());
    d.check().unwrap()
}

fn write_to_string(
    body: &Body,
    business: Option<&Business>,
    ext: &[Extension],
    files: &[Vec<u8>],
) -> String {
    let mut sources: Vec<AttachmentSource<'_>> = files
        .iter()
        .enumerate()
        .map(|(i, f)| AttachmentSource {
            content_id: format!("cid:{i}"),
            name: format!("tep-{i}.pdf"),
            description: Some(format!("Tệp {i}")),
            content_type: Some("application/pdf".into()),
            data: Box::new(Cursor::new(f.clone())),
        })
        .collect();
    let trace = [TraceHeader {
        organ_id: "000.00.00.G22".into(),
        timestamp: time::macros::datetime!(2025-09-30 14:05:09 +7),
    }];
    let out = write(Vec::new(), body, &trace, business, ext, &mut sources).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn what_is_written_reads_back_with_large_attachments_streamed() {
    let body = Body::Document(Box::new(sample_document()));
    // Larger than the reader's and the writer's chunks, and not a multiple of three.
    let big: Vec<u8> = (0..200_001u32).map(|i| (i * 31 % 251) as u8).collect();
    let zipped = b"PK\x03\x04rest of a zip".to_vec();
    let ext = [Extension {
        parent: "edXMLHeader/MessageHeader".into(),
        xml: "<edXML:ApplicationType>egov</edXML:ApplicationType>".into(),
    }];
    let business = Business {
        document_id: None,
        kind: crate::model::status::BusinessType::Update,
        reason: Some("Cập nhật".into()),
        paper: None,
        staff: None,
        spelling: BusinessSpelling::Business,
    };
    let xml = write_to_string(&body, Some(&business), &ext, &[big.clone(), zipped, vec![]]);
    let (p, sink) = read_str(&xml).unwrap();
    assert_eq!(p.body, body);
    assert_eq!(sink.files[0], big);
    assert!(p.attachments[1].zipped && !p.attachments[0].zipped);
    assert_eq!(p.attachments[2].size, 0);
    assert_eq!(
        p.extensions[0].xml,
        ext[0].xml.replace(
            "<edXML:ApplicationType>",
            "<edXML:ApplicationType xmlns:edXML=\"http://www.mic.gov.vn/TBT/QCVN_102_2016\">"
        )
    );
    assert_eq!(p.business.as_ref().unwrap().kind, business.kind);
    assert_eq!(p.manifest.len(), 3);
}

#[test]
fn a_written_status_reads_back() {
    let s = StatusMessage {
        response_for: "000.00.00.G22,2025/09/30,7816/VPCP-TTĐT".into(),
        from: AgencyId::parse("H41").unwrap(),
        code: crate::model::status::StatusCode::Rejected,
        description: Some("Sai thể thức: thiếu chữ ký số".into()),
        timestamp: time::macros::datetime!(2025-10-01 08:30:00 +7),
        staff: Some(StaffInfo {
            staff: Some("Lê Văn C".into()),
            ..Default::default()
        }),
    };
    let body = Body::Status(s);
    let (p, _) = read_str(&write_to_string(&body, None, &[], &[])).unwrap();
    assert_eq!(p.body, body);
}

#[test]
fn a_rejection_without_a_reason_is_refused() {
    let no_reason = STATUS
        .replace(
            "<edXML:StatusCode>3</edXML:StatusCode>",
            "<edXML:StatusCode>02</edXML:StatusCode>",
        )
        .replace(
            "<edXML:Description>Đã vào sổ văn bản đến số 1234</edXML:Description>",
            "",
        );
    assert!(
        refused(&no_reason)
            .iter()
            .any(|(_, c)| c == "reason_required")
    );
}

fn text() -> impl Strategy<Value = String> {
    // Vietnamese letters, markup characters and spaces inside; no control characters.
    "[a-zA-Z0-9ăâđêôơưáàảãạếềểễệốồổỗộớờởỡợúùủũụứừửữựíìỉĩịýỳỷỹỵ<>&\"' ,./-]{1,60}".prop_map(|s| {
        let t = s.trim().to_owned();
        if t.is_empty() { "x".to_owned() } else { t }
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn generated_documents_survive_a_round_trip(
        subject in text(),
        number in 1u32..100_000,
        notation in "[A-ZĐ]{2,6}-[A-ZĐ]{2,6}",
        signer in text(),
        recipients in proptest::collection::btree_set("H[0-9]{2}", 1..5),
        places in proptest::collection::vec(text(), 0..3),
        priority in 0u8..4,
        file in proptest::collection::vec(any::<u8>(), 0..5000),
    ) {
        let mut d = draft();
        d.subject = Some(subject);
        d.code_number = Some(number.to_string());
        d.code_notation = Some(notation);
        d.document_id = None;
        d.signer.full_name = Some(signer);
        d.to = recipients.iter().map(|r| org(r, "Ủy ban nhân dân")).collect();
        d.to_places = places;
        d.other.priority = Priority::parse(&priority.to_string());
        let doc = d.check().unwrap();
        let body = Body::Document(Box::new(doc));
        let xml = write_to_string(&body, None, &[], std::slice::from_ref(&file));
        let (p, sink) = read_str(&xml).unwrap();
        // The id is written out, so it reads back as given.
        let Body::Document(back) = &p.body else { panic!() };
        let Body::Document(orig) = &body else { panic!() };
        prop_assert_eq!(back.id(), orig.id());
        prop_assert_eq!(&back.subject, &orig.subject);
        prop_assert_eq!(&back.recipients, &orig.recipients);
        prop_assert_eq!(&back.draft.to_places, &orig.draft.to_places);
        prop_assert_eq!(back.priority, orig.priority);
        prop_assert_eq!(&sink.files[0], &file);
    }

    #[test]
    fn reading_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..2000)) {
        let _ = read(Cursor::new(bytes), &mut Discard);
    }

    #[test]
    fn reading_a_damaged_package_never_panics_or_accepts_half(
        cut in 0usize..4000,
        at in 0usize..4000,
        byte in any::<u8>(),
    ) {
        let mut bytes = CONG_VAN.as_bytes().to_vec();
        let at = at % bytes.len();
        bytes[at] = byte;
        bytes.truncate(bytes.len() - cut.min(bytes.len()));
        let mut sink = MemorySink::default();
        match read(Cursor::new(bytes), &mut sink) {
            Ok(p) => prop_assert_eq!(sink.files.len(), p.attachments.len()),
            Err(_) => prop_assert!(sink.files.is_empty()),
        }
    }
}
