//! What the applicant is told when their dossier changes: an e-mail (subject and body) and a
//! short text message, in their language. Worded for a citizen, naming what is asked of them.

use super::dossier::Status;
use platform::i18n::Lang;

/// The facts a notice names.
#[derive(Debug, Clone)]
pub struct Facts<'a> {
    pub code: &'a str,
    pub procedure: &'a str,
    /// The appointment date (`dd/MM/yyyy`), when there is one.
    pub appointment: Option<&'a str>,
    /// Why (a refusal, what papers are missing, why processing stopped).
    pub reason: Option<&'a str>,
    /// The public address of the dossier's page (`https://…/services/my/…`).
    pub link: &'a str,
}

/// One notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub subject: String,
    pub body: String,
    pub sms: String,
}

/// The notice of a dossier entering `status`; `None` for a status the applicant is not told of
/// (being processed between desks).
pub fn for_status(status: Status, f: &Facts<'_>, lang: Lang) -> Option<Notice> {
    let vi = lang != Lang::En;
    let reason = f.reason.unwrap_or_default();
    let appointment = f.appointment.unwrap_or_default();
    let (what, sms) = match (status, vi) {
        (Status::Registered, true) => (
            format!(
                "Hồ sơ {} đã được gửi và đang chờ cán bộ tiếp nhận kiểm tra.",
                f.code
            ),
            format!("Ho so {} da duoc gui, dang cho tiep nhan.", f.code),
        ),
        (Status::Registered, false) => (
            format!(
                "Dossier {} was sent and waits for the desk to check it.",
                f.code
            ),
            format!("Dossier {} sent, waiting for the desk.", f.code),
        ),
        (Status::Accepted, true) => (
            format!(
                "Hồ sơ {} đã được tiếp nhận. Ngày hẹn trả kết quả: {appointment}.",
                f.code
            ),
            format!(
                "Ho so {} da duoc tiep nhan. Hen tra: {appointment}.",
                f.code
            ),
        ),
        (Status::Accepted, false) => (
            format!(
                "Dossier {} was accepted. Result due on {appointment}.",
                f.code
            ),
            format!("Dossier {} accepted. Due {appointment}.", f.code),
        ),
        (Status::NotAccepted, true) => (
            format!("Hồ sơ {} không được tiếp nhận. Lý do: {reason}", f.code),
            format!(
                "Ho so {} khong duoc tiep nhan. Xem ly do tai cong dich vu cong.",
                f.code
            ),
        ),
        (Status::NotAccepted, false) => (
            format!("Dossier {} was not accepted. Reason: {reason}", f.code),
            format!(
                "Dossier {} not accepted. See the reason on the portal.",
                f.code
            ),
        ),
        (Status::AdditionRequested, true) => (
            format!(
                "Hồ sơ {} cần bổ sung giấy tờ: {reason}. Thời hạn giải quyết tạm dừng cho đến khi bạn bổ sung.",
                f.code
            ),
            format!(
                "Ho so {} can bo sung giay to. Vui long bo sung tren cong dich vu cong.",
                f.code
            ),
        ),
        (Status::AdditionRequested, false) => (
            format!(
                "Dossier {} needs more papers: {reason}. The clock is stopped until you add them.",
                f.code
            ),
            format!(
                "Dossier {} needs more papers. Please add them on the portal.",
                f.code
            ),
        ),
        (Status::PaymentRequested, true) => (
            format!(
                "Hồ sơ {} cần nộp phí, lệ phí để tiếp tục giải quyết.",
                f.code
            ),
            format!("Ho so {} can nop phi, le phi.", f.code),
        ),
        (Status::PaymentRequested, false) => (
            format!("Dossier {} needs its fees paid to go on.", f.code),
            format!("Dossier {}: fees to pay.", f.code),
        ),
        (Status::Withdrawn, true) => (
            format!("Hồ sơ {} đã được rút theo yêu cầu của bạn.", f.code),
            format!("Ho so {} da duoc rut theo yeu cau.", f.code),
        ),
        (Status::Withdrawn, false) => (
            format!("Dossier {} was withdrawn as you asked.", f.code),
            format!("Dossier {} withdrawn.", f.code),
        ),
        (Status::Stopped, true) => (
            format!("Hồ sơ {} đã dừng xử lý. Lý do: {reason}", f.code),
            format!(
                "Ho so {} da dung xu ly. Xem ly do tai cong dich vu cong.",
                f.code
            ),
        ),
        (Status::Stopped, false) => (
            format!("Processing of dossier {} stopped. Reason: {reason}", f.code),
            format!("Dossier {} stopped. See the reason on the portal.", f.code),
        ),
        (Status::Processed, true) => (
            format!("Hồ sơ {} đã giải quyết xong, chờ trả kết quả.", f.code),
            format!("Ho so {} da giai quyet xong.", f.code),
        ),
        (Status::Processed, false) => (
            format!(
                "Dossier {} is settled; the result will be returned.",
                f.code
            ),
            format!("Dossier {} settled.", f.code),
        ),
        (Status::Returned, true) => (
            format!(
                "Đã trả kết quả hồ sơ {}. Mời bạn đánh giá mức độ hài lòng.",
                f.code
            ),
            format!(
                "Da tra ket qua ho so {}. Moi danh gia tren cong dich vu cong.",
                f.code
            ),
        ),
        (Status::Returned, false) => (
            format!(
                "The result of dossier {} is returned. Please rate the service.",
                f.code
            ),
            format!("Dossier {} result returned. Please rate us.", f.code),
        ),
        (Status::Processing, _) => return None,
    };
    let (subject, follow) = if vi {
        (
            format!("[Dịch vụ công] {} — {}", f.code, f.procedure),
            "Xem hồ sơ",
        )
    } else {
        (
            format!("[Public services] {} — {}", f.code, f.procedure),
            "See the dossier",
        )
    };
    Some(Notice {
        subject,
        body: format!("{what}\n\n{follow}: {}\n", f.link),
        sms,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> Facts<'static> {
        Facts {
            code: "000.00.00.H38-261203-0001",
            procedure: "Đăng ký khai sinh",
            appointment: Some("08/12/2026"),
            reason: Some("thiếu giấy chứng sinh"),
            link: "https://dichvucong.example.vn/services/my/1",
        }
    }

    #[test]
    fn each_status_the_applicant_cares_about_has_a_notice_in_both_languages() {
        for s in Status::ALL {
            for lang in [Lang::Vi, Lang::En] {
                let n = for_status(s, &facts(), lang);
                assert_eq!(n.is_none(), s == Status::Processing, "{s:?}");
                if let Some(n) = n {
                    assert!(n.body.contains("000.00.00.H38-261203-0001"));
                    assert!(
                        n.body
                            .contains("https://dichvucong.example.vn/services/my/1")
                    );
                    // Text messages stay plain ASCII: one segment holds 160 of them.
                    assert!(n.sms.is_ascii() && n.sms.len() <= 160, "{}", n.sms);
                }
            }
        }
        let n = for_status(Status::AdditionRequested, &facts(), Lang::Vi).unwrap();
        assert!(n.body.contains("thiếu giấy chứng sinh") && n.body.contains("tạm dừng"));
        assert!(
            for_status(Status::Accepted, &facts(), Lang::En)
                .unwrap()
                .body
                .contains("08/12/2026")
        );
    }
}
