//! The sync record: what the national public service portal receives about each dossier every
//! time it changes (the fields the reference lists; the national exchange's field names; dates
//! `yyyyMMddHHmmss`, Việt Nam time). Built here from a plain snapshot, with no I/O.

use serde_json::{Value, json};

use super::dossier::{Channel, Status};
use super::vntime::compact;

/// Who filed the dossier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applicant {
    /// A business (by its tax code) or a citizen (by their personal identity number).
    pub business: bool,
    pub identifier: String,
    pub name: String,
    pub phone: String,
    pub email: String,
    pub address: String,
}

/// A paper: what was filed, or a result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paper {
    pub name: String,
    /// SHA-256 of the file, hex.
    pub sha256: String,
}

/// A fee or charge of the dossier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fee {
    pub name: String,
    /// Whole đồng.
    pub amount_vnd: i64,
    pub paid: bool,
}

/// A request for more papers (form 02) and when it was answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Addition {
    pub requested_at: i64,
    pub completed_at: Option<i64>,
    pub reason: String,
}

/// A dossier as the sync record needs it (instants in Unix ms).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub code: String,
    pub procedure_code: String,
    pub procedure_name: String,
    pub field_code: String,
    pub field_name: String,
    pub channel: Channel,
    pub applicant: Applicant,
    pub summary: String,
    pub received_at: i64,
    pub appointment_at: Option<i64>,
    pub status: Status,
    pub finished_at: Option<i64>,
    pub returned_at: Option<i64>,
    /// The handling agency's identifier and name.
    pub unit_code: String,
    pub unit_name: String,
    pub fees: Vec<Fee>,
    pub attachments: Vec<Paper>,
    pub additions: Vec<Addition>,
    pub results: Vec<Paper>,
}

fn date(ms: Option<i64>) -> Value {
    ms.map_or(Value::Null, |ms| Value::String(compact(ms)))
}

fn papers(p: &[Paper]) -> Value {
    p.iter()
        .map(|p| json!({"TenGiayTo": p.name, "MaBam": p.sha256}))
        .collect()
}

/// The record posted to the national portal for `d` as it is now.
pub fn record(d: &Snapshot) -> Value {
    let a = &d.applicant;
    json!({
        "MaHoSo": d.code,
        "MaTTHC": d.procedure_code,
        "TenTTHC": d.procedure_name,
        "MaLinhVuc": d.field_code,
        "TenLinhVuc": d.field_name,
        "KenhThucHien": d.channel.number(),
        "ChuHoSo": a.name,
        // 1: a citizen, 2: a business.
        "LoaiDoiTuong": if a.business { 2 } else { 1 },
        "MaDoiTuong": a.identifier,
        "SoDienThoai": a.phone,
        "Email": a.email,
        "DiaChi": a.address,
        "TrichYeuHoSo": d.summary,
        "NgayTiepNhan": compact(d.received_at),
        "NgayHenTra": date(d.appointment_at),
        "TrangThaiHoSo": d.status.number(),
        "NgayKetThucXuLy": date(d.finished_at),
        "NgayTra": date(d.returned_at),
        "DonViXuLy": d.unit_name,
        "MaDonViXuLy": d.unit_code,
        "DanhSachLePhi": d.fees.iter().map(|f| json!({
            "TenPhiLePhi": f.name, "MucPhi": f.amount_vnd, "DaThanhToan": f.paid,
        })).collect::<Value>(),
        "TaiLieuNop": papers(&d.attachments),
        "DanhSachHoSoBoSung": d.additions.iter().map(|x| json!({
            "NgayYeuCauBoSung": compact(x.requested_at),
            "NgayBoSung": date(x.completed_at),
            "NoiDungBoSung": x.reason,
        })).collect::<Value>(),
        "DanhSachGiayToKetQua": papers(&d.results),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_carries_the_exchange_fields_in_vietnam_time() {
        let d = Snapshot {
            code: "000.00.00.H38-261203-0001".into(),
            procedure_code: "1.001193".into(),
            procedure_name: "Đăng ký khai sinh".into(),
            field_code: "HO_TICH".into(),
            field_name: "Hộ tịch".into(),
            channel: Channel::Online,
            applicant: Applicant {
                business: false,
                identifier: "001090000045".into(),
                name: "Nguyễn Văn An".into(),
                phone: "0912345678".into(),
                email: "an@example.vn".into(),
                address: "Hà Nội".into(),
            },
            summary: "Khai sinh cho con".into(),
            received_at: 1_796_266_800_000,
            appointment_at: Some(1_796_266_800_000 + 3 * 86_400_000),
            status: Status::AdditionRequested,
            finished_at: None,
            returned_at: None,
            unit_code: "000.00.00.H38".into(),
            unit_name: "UBND tỉnh Thanh Hóa".into(),
            fees: vec![Fee {
                name: "Lệ phí".into(),
                amount_vnd: 8_000,
                paid: true,
            }],
            attachments: vec![Paper {
                name: "Giấy chứng sinh".into(),
                sha256: "ab".into(),
            }],
            additions: vec![Addition {
                requested_at: 1_796_266_800_000 + 3_600_000,
                completed_at: None,
                reason: "Thiếu bản sao".into(),
            }],
            results: vec![],
        };
        let r = record(&d);
        assert_eq!(r["NgayTiepNhan"], "20261203100000");
        assert_eq!(r["NgayHenTra"], "20261206100000");
        assert_eq!(r["TrangThaiHoSo"], 5);
        assert_eq!(r["KenhThucHien"], 2);
        assert_eq!(r["LoaiDoiTuong"], 1);
        assert_eq!(r["NgayTra"], Value::Null);
        assert_eq!(r["DanhSachLePhi"][0]["MucPhi"], 8_000);
        assert_eq!(
            r["DanhSachHoSoBoSung"][0]["NgayYeuCauBoSung"],
            "20261203110000"
        );
        assert_eq!(r["DanhSachHoSoBoSung"][0]["NgayBoSung"], Value::Null);
    }
}
