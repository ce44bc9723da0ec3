//! The demo's connected sites (dữ liệu mẫu): three cameras whose streams are synthetic test
//! patterns written by `ffmpeg` and served by the demo server itself under `/demo/streams/…`,
//! and a few video-conference points (two answer, one does not, so the status board and the
//! alerts have something to show). Without ffmpeg the cameras are registered all the same and
//! the probe finds them down — the demo says so when it starts.

use std::path::Path;

use platform::db::{Db, DbResult};

use crate::model::site::{Category, SiteKind, SiteSpec};
use crate::store::sites as store;
use crate::streams::{self, TestStream};

/// (code, stream directory, name, category, unit, place) of each demo camera.
pub const CAMERAS: [(&str, &str, &str, Category, &str, &str); 3] = [
    (
        "DEMO-CAM-HCC-01",
        "hcc-hanoi",
        "Trung tâm Phục vụ hành chính công Hà Nội — sảnh tiếp nhận",
        Category::AdminCentre,
        "01",
        "258 Võ Chí Công, Tây Hồ, Hà Nội",
    ),
    (
        "DEMO-CAM-CK-01",
        "huu-nghi",
        "Cửa khẩu quốc tế Hữu Nghị — làn xuất cảnh",
        Category::BorderGate,
        "20",
        "Đồng Đăng, Lạng Sơn",
    ),
    (
        "DEMO-CAM-TD-01",
        "hoa-binh",
        "Thủy điện Hòa Bình — mặt đập",
        Category::Dam,
        "25",
        "Hòa Bình, Phú Thọ",
    ),
];

/// Start the demo cameras' streams under `dir` (one directory each); empty without ffmpeg.
pub fn start_streams(dir: &Path) -> Vec<TestStream> {
    if !streams::ffmpeg_available() {
        return Vec::new();
    }
    CAMERAS
        .iter()
        .filter_map(
            |(code, stream, ..)| match TestStream::start(&dir.join(stream), code, 2) {
                Ok(s) => Some(s),
                Err(e) => {
                    tracing::warn!(error = %e, camera = code, "demo: ffmpeg did not start");
                    None
                }
            },
        )
        .collect()
}

/// Register (or point again at `base`, e.g. `http://127.0.0.1:8080`) the demo cameras and
/// conference points. Conference points answer on the demo server (`/healthz`); one points at
/// a closed port and shows as down.
pub async fn register_sites(db: &Db, base: &str) -> DbResult<()> {
    let mut specs: Vec<SiteSpec> = CAMERAS
        .iter()
        .map(|(code, stream, name, category, unit, place)| SiteSpec {
            code: (*code).to_owned(),
            kind: SiteKind::Camera,
            category: *category,
            name: (*name).to_owned(),
            unit_code: Some((*unit).to_owned()),
            place: (*place).to_owned(),
            latitude: None,
            longitude: None,
            url: format!(
                "{base}{}/{stream}/{}",
                streams::PATH_PREFIX,
                streams::PLAYLIST
            ),
        })
        .collect();
    for (code, name, unit, url) in [
        (
            "DEMO-VC-VPCP",
            "Điểm cầu Văn phòng Chính phủ — phòng họp trực tuyến",
            None,
            format!("{base}/healthz"),
        ),
        (
            "DEMO-VC-NA",
            "Điểm cầu UBND tỉnh Nghệ An",
            Some("40"),
            format!("{base}/readyz"),
        ),
        (
            "DEMO-VC-LS",
            "Điểm cầu UBND tỉnh Lạng Sơn (thiết bị đang bảo trì)",
            Some("20"),
            "http://127.0.0.1:9/join/lang-son".to_owned(),
        ),
    ] {
        specs.push(SiteSpec {
            code: code.to_owned(),
            kind: SiteKind::Conference,
            category: Category::Other,
            name: name.to_owned(),
            unit_code: unit.map(str::to_owned),
            place: String::new(),
            latitude: None,
            longitude: None,
            url,
        });
    }
    let now = platform::db::now_ms();
    let mut tx = db.begin().await?;
    for spec in &specs {
        match store::by_code(&mut tx, &spec.code).await? {
            Some(site) if site.spec.url != spec.url => {
                store::update(&mut tx, site.id, spec, now).await?;
            }
            Some(_) => {}
            None => {
                store::insert(&mut tx, spec, now).await?;
            }
        }
    }
    tx.commit().await
}
