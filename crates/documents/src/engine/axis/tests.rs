//! The axis on a migrated in-memory SQLite and a temporary file store, with packages signed by
//! the test keys (tests/data/keys).

use std::io::Cursor;

use platform::db::Db;
use platform::files::FileStore;

use super::*;
use crate::xmldsig::{Signer, sign};

const PACKAGE: &str = include_str!("../../../tests/data/cong-van-vpcp.edxml");
const RSA_KEY: &[u8] = include_bytes!("../../../tests/data/keys/rsa.key.der");
const RSA_CRT: &[u8] = include_bytes!("../../../tests/data/keys/rsa.crt.der");
const EC_KEY: &[u8] = include_bytes!("../../../tests/data/keys/ec.key.der");
const EC_CRT: &[u8] = include_bytes!("../../../tests/data/keys/ec.crt.der");

fn fingerprint(der: &[u8]) -> String {
    hex::encode(ring::digest::digest(&ring::digest::SHA256, der))
}

struct World {
    axis: Axis,
    _dir: RemovedOnDrop,
    vpcp: Agency,
    nghe_an: Agency,
    btc: Agency,
}

async fn world() -> World {
    let db = Db::connect("sqlite::memory:", 1).await.unwrap();
    db.migrate().await.unwrap();
    let dir = RemovedOnDrop(std::env::temp_dir().join(format!("egov-axis-{}", rand_suffix())));
    let files = FileStore::new(dir.0.clone());
    let mut tx = db.begin().await.unwrap();
    for (id, name, crt) in [
        ("000.00.00.G22", "Văn phòng Chính phủ", RSA_CRT),
        ("H41", "UBND tỉnh Nghệ An", EC_CRT),
        ("G09", "Bộ Tài chính", EC_CRT),
    ] {
        let id = AgencyId::parse(id).unwrap();
        let fp = fingerprint(crt);
        agencies::insert(
            &mut tx,
            &id,
            name,
            None,
            Some((crt, &fp)),
            AgencyState::Active,
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    let get = |c: &str| {
        let db = db.clone();
        let c = c.to_owned();
        async move {
            agencies::find(&db, &AgencyId::parse(&c).unwrap())
                .await
                .unwrap()
                .unwrap()
        }
    };
    World {
        _dir: dir,
        vpcp: get("G22").await,
        nghe_an: get("H41").await,
        btc: get("G09").await,
        axis: Axis {
            db,
            files,
            delivery_ttl_ms: DEFAULT_DELIVERY_TTL_MS,
        },
    }
}

/// The test's file store directory, removed when the test ends (pass or fail).
struct RemovedOnDrop(std::path::PathBuf);

impl Drop for RemovedOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn rand_suffix() -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    format!(
        "{}-{}",
        std::process::id(),
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    )
}

fn signed(xml: &str, key: &[u8], crt: &[u8]) -> Vec<u8> {
    let signer = Signer::from_pkcs8(key, crt).unwrap();
    sign(Cursor::new(xml.as_bytes()), Vec::new(), &signer).unwrap()
}

async fn store(w: &World, bytes: &[u8]) -> Stored {
    w.axis.files.put(&mut &bytes[..], 50 << 20).await.unwrap()
}

fn status_from_nghe_an(code: &str, at: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
         <edXML:edXMLEnvelope xmlns:edXML=\"http://www.mic.gov.vn/TBT/QCVN_102_2016\"><edXML:edXMLHeader>\
         <edXML:Status><edXML:ResponseFor><edXML:DocumentId>000.00.00.G22,2025/09/30,7816/VPCP-TTĐT</edXML:DocumentId></edXML:ResponseFor>\
         <edXML:From><edXML:OrganId>H41</edXML:OrganId></edXML:From><edXML:StatusCode>{code}</edXML:StatusCode>\
         <edXML:Description>Đã vào sổ</edXML:Description><edXML:Timestamp>{at}</edXML:Timestamp></edXML:Status>\
         </edXML:edXMLHeader><edXML:edXMLBody><edXML:edXMLManifest version=\"1.0\"></edXML:edXMLManifest></edXML:edXMLBody></edXML:edXMLEnvelope>"
    )
}

#[tokio::test]
async fn a_signed_document_reaches_each_recipient_once_and_a_resend_gets_the_first_answer() {
    let w = world().await;
    let bytes = signed(PACKAGE, RSA_KEY, RSA_CRT);
    let first = w
        .axis
        .accept(&w.vpcp, &store(&w, &bytes).await)
        .await
        .unwrap();
    let Outcome::Accepted {
        package_id,
        recipients,
        repeated,
        ..
    } = first.clone()
    else {
        panic!("{first:?}")
    };
    assert_eq!(
        (recipients, repeated),
        (vec!["H41".to_owned(), "G09".to_owned()], false)
    );
    // The same bytes again, and the same document re-signed (other bytes): the first answer.
    let again = w
        .axis
        .accept(&w.vpcp, &store(&w, &bytes).await)
        .await
        .unwrap();
    assert!(
        matches!(again, Outcome::Accepted { package_id: p, repeated: true, .. } if p == package_id)
    );
    let resigned = signed(
        &PACKAGE.replace("<edXML:edXMLBody>", "<edXML:edXMLBody >"),
        RSA_KEY,
        RSA_CRT,
    );
    let third = w
        .axis
        .accept(&w.vpcp, &store(&w, &resigned).await)
        .await
        .unwrap();
    assert!(
        matches!(third, Outcome::Accepted { package_id: p, repeated: true, .. } if p == package_id)
    );
    // Each recipient sees it once, fetches the very bytes, acknowledges (twice is fine).
    for a in [&w.nghe_an, &w.btc] {
        let pending = w.axis.pending(a).await.unwrap();
        assert_eq!(pending.len(), 1, "{}", a.code);
        let path = w.axis.fetch(a, package_id).await.unwrap();
        assert_eq!(std::fs::read(path).unwrap(), bytes);
        w.axis.acknowledge(a, package_id).await.unwrap();
        w.axis.acknowledge(a, package_id).await.unwrap();
        assert!(w.axis.pending(a).await.unwrap().is_empty());
    }
    // The sender is no recipient: it cannot fetch or acknowledge.
    assert!(matches!(
        w.axis.fetch(&w.vpcp, package_id).await,
        Err(AxisError::NotFound)
    ));
    assert!(matches!(
        w.axis.acknowledge(&w.vpcp, package_id).await,
        Err(AxisError::NotFound)
    ));
    let trace = packages::traces(&w.axis.db, package_id).await.unwrap();
    let events: Vec<&str> = trace.iter().map(|t| t.event.as_str()).collect();
    assert_eq!(events, ["received", "acknowledged", "acknowledged"]);
}

#[tokio::test]
async fn unsigned_foreign_and_impersonating_packages_are_refused_with_reasons() {
    let w = world().await;
    let unsigned = w
        .axis
        .accept(&w.vpcp, &store(&w, PACKAGE.as_bytes()).await)
        .await
        .unwrap();
    assert!(
        matches!(&unsigned, Outcome::Rejected { problems, .. } if problems[0].code == "signature_missing"),
        "{unsigned:?}"
    );
    // Signed with Nghệ An's key but sent by the Government Office.
    let other_key = signed(PACKAGE, EC_KEY, EC_CRT);
    let r = w
        .axis
        .accept(&w.vpcp, &store(&w, &other_key).await)
        .await
        .unwrap();
    assert!(
        matches!(&r, Outcome::Rejected { problems, .. } if problems[0].code == "signature_not_sender"),
        "{r:?}"
    );
    // Nghệ An sends, with its own key, a document that says it comes from the Government Office.
    let r = w
        .axis
        .accept(&w.nghe_an, &store(&w, &other_key).await)
        .await
        .unwrap();
    assert!(
        matches!(&r, Outcome::Rejected { problems, .. } if problems[0].code == "sender_mismatch"),
        "{r:?}"
    );
    // A recipient the axis does not know.
    let unknown = signed(
        &PACKAGE.replace(
            "<edXML:OrganId>G09</edXML:OrganId>",
            "<edXML:OrganId>G99</edXML:OrganId>",
        ),
        RSA_KEY,
        RSA_CRT,
    );
    let r = w
        .axis
        .accept(&w.vpcp, &store(&w, &unknown).await)
        .await
        .unwrap();
    assert!(
        matches!(&r, Outcome::Rejected { problems, .. } if problems[0].code == "unknown_recipient" && problems[0].path == "MessageHeader/To[2]/OrganId"),
        "{r:?}"
    );
    // Nothing was routed; a resend of a refused package is refused again without new work.
    assert!(w.axis.pending(&w.nghe_an).await.unwrap().is_empty());
    let again = w
        .axis
        .accept(&w.vpcp, &store(&w, PACKAGE.as_bytes()).await)
        .await
        .unwrap();
    assert!(matches!(again, Outcome::Rejected { repeated: true, .. }));
}

#[tokio::test]
async fn statuses_go_back_to_the_sender_from_recipients_only() {
    let w = world().await;
    let Outcome::Accepted { package_id, .. } = w
        .axis
        .accept(
            &w.vpcp,
            &store(&w, &signed(PACKAGE, RSA_KEY, RSA_CRT)).await,
        )
        .await
        .unwrap()
    else {
        panic!()
    };
    let status = signed(
        &status_from_nghe_an("03", "2025/10/01 08:30:00"),
        EC_KEY,
        EC_CRT,
    );
    let r = w
        .axis
        .accept(&w.nghe_an, &store(&w, &status).await)
        .await
        .unwrap();
    assert!(
        matches!(&r, Outcome::Accepted { recipients, .. } if recipients == &["G22".to_owned()]),
        "{r:?}"
    );
    let waiting = w.axis.pending(&w.vpcp).await.unwrap();
    assert_eq!(waiting.len(), 1);
    assert_eq!(
        (waiting[0].kind.as_str(), waiting[0].status_code.as_deref()),
        ("status", Some("03"))
    );
    // The same status again is the same status; a later one is another.
    assert!(matches!(
        w.axis
            .accept(&w.nghe_an, &store(&w, &status).await)
            .await
            .unwrap(),
        Outcome::Accepted { repeated: true, .. }
    ));
    let later = signed(
        &status_from_nghe_an("04", "2025/10/01 09:00:00"),
        EC_KEY,
        EC_CRT,
    );
    assert!(matches!(
        w.axis
            .accept(&w.nghe_an, &store(&w, &later).await)
            .await
            .unwrap(),
        Outcome::Accepted {
            repeated: false,
            ..
        }
    ));
    // The Ministry of Finance, a recipient too, may answer; an agency the document never went to
    // may not (here: the sender itself answering its own document).
    let _ = package_id;
    let own = signed(
        &status_from_nghe_an("03", "2025/10/01 08:30:00").replace(
            "<edXML:OrganId>H41</edXML:OrganId>",
            "<edXML:OrganId>G22</edXML:OrganId>",
        ),
        RSA_KEY,
        RSA_CRT,
    );
    let r = w
        .axis
        .accept(&w.vpcp, &store(&w, &own).await)
        .await
        .unwrap();
    assert!(
        matches!(&r, Outcome::Rejected { problems, .. } if problems[0].code == "status_not_for_sender"),
        "{r:?}"
    );
    // The one status the sender sends: 13, asking its recipients for the document back; it
    // goes to every recipient.
    let ask = signed(
        &status_from_nghe_an("13", "2025/10/01 10:00:00").replace(
            "<edXML:OrganId>H41</edXML:OrganId>",
            "<edXML:OrganId>G22</edXML:OrganId>",
        ),
        RSA_KEY,
        RSA_CRT,
    );
    let r = w
        .axis
        .accept(&w.vpcp, &store(&w, &ask).await)
        .await
        .unwrap();
    let Outcome::Accepted { mut recipients, .. } = r else {
        panic!("{r:?}");
    };
    recipients.sort();
    assert!(recipients.contains(&"H41".to_owned()), "{recipients:?}");
    assert!(!recipients.contains(&"G22".to_owned()), "{recipients:?}");
    // A recipient cannot ask for it back.
    let r = w
        .axis
        .accept(
            &w.nghe_an,
            &store(
                &w,
                &signed(
                    &status_from_nghe_an("13", "2025/10/01 10:05:00"),
                    EC_KEY,
                    EC_CRT,
                ),
            )
            .await,
        )
        .await
        .unwrap();
    assert!(
        matches!(&r, Outcome::Rejected { problems, .. } if problems[0].code == "take_back_by_sender_only"),
        "{r:?}"
    );
}

#[tokio::test]
async fn undelivered_packages_expire_into_the_senders_trace() {
    let mut w = world().await;
    w.axis.delivery_ttl_ms = 1;
    let Outcome::Accepted { package_id, .. } = w
        .axis
        .accept(
            &w.vpcp,
            &store(&w, &signed(PACKAGE, RSA_KEY, RSA_CRT)).await,
        )
        .await
        .unwrap()
    else {
        panic!()
    };
    w.axis.acknowledge(&w.btc, package_id).await.unwrap();
    assert_eq!(w.axis.expire(now_ms() + 10).await.unwrap(), 1);
    assert!(w.axis.pending(&w.nghe_an).await.unwrap().is_empty());
    let trace = packages::traces(&w.axis.db, package_id).await.unwrap();
    assert!(
        trace
            .iter()
            .any(|t| t.event == "expired" && t.organ_code == "H41"),
        "{trace:?}"
    );
    // Every change is in a sound audit chain.
    assert!(matches!(
        platform::audit::verify(&w.axis.db).await.unwrap(),
        platform::audit::Verdict::Intact { .. }
    ));
}
