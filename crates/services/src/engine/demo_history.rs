//! The demo's last month at two provinces' one-stop desks: dossiers received in the data
//! cut-off window of the latest month due, taken through the real engine (online submissions
//! and paper ones recorded at the desk, accepted, processed on time or late, returned, rated),
//! then the month's service quality index filed as each province's report `BC-DVC-THANG`, so
//! the operations center shows the portal's figures as soon as `egov demo` starts. `egov demo`
//! only: nothing here runs in production.

use platform::audit::Actor;
use platform::db::Db;
use platform::error::FaultResult;
use time::{Date, Duration};

use crate::engine::dossiers::{self, Details, Env, Filing};
use crate::engine::{ratings, sqi};
use crate::model::dossier::{Applicant, Channel, Status};
use crate::model::rating::Rating;
use crate::model::vntime::VIETNAM;
use crate::model::workflow::Action;

/// The provinces' People's Committees whose desks get a history.
pub const AGENCIES: &[&str] = &["ubnd-40", "ubnd-42"];
/// Dossiers per agency.
pub const PER_AGENCY: usize = 24;

/// What was seeded.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Seeded {
    pub dossiers: usize,
    pub filed: sqi::Filed,
}

fn at(day: Date, hour: u8) -> i64 {
    day.with_hms(hour, 0, 0)
        .unwrap_or(day.midnight())
        .assume_offset(VIETNAM)
        .unix_timestamp()
        * 1000
}

const NAMES: &[&str] = &[
    "Nguyễn Thị Hoa",
    "Trần Văn Nam",
    "Lê Thị Thu",
    "Phạm Văn Đức",
    "Hoàng Thị Yến",
    "Võ Văn Tùng",
    "Đặng Thị Hạnh",
    "Bùi Văn Long",
];

/// Seeds the history (once: nothing when the window already has dossiers) and files the
/// month's index. `now` is the real time; the dossiers' times are in the window before it.
pub async fn seed(db: &Db, env: &Env, now: i64) -> FaultResult<Seeded> {
    let today = dossiers::vn_day(now);
    let period = reporting::model::calendar::latest_due_month(today);
    let (first, last) = period.cutoff();
    let mut seeded = Seeded::default();
    let existing: i64 = db
        .fetch_one(
            "SELECT COUNT(*) AS n FROM svc_dossiers WHERE received_at >= $1 AND received_at < $2",
            platform::params![at(first, 0), at(last, 23)],
        )
        .await?
        .get("n")?;
    if existing == 0 {
        let mut versions = Vec::new();
        for code in ["2.001610", "1.001193", "1.009994", "2.000815"] {
            if let Some(v) = crate::query::published_version(db, code).await? {
                versions.push(v);
            }
        }
        if versions.is_empty() {
            return Ok(seeded);
        }
        let desk = Actor::system("Bộ phận Một cửa (demo)");
        let leader = Actor::system("Lãnh đạo (demo)");
        let span = (last - first).whole_days().max(1);
        for (a, code) in AGENCIES.iter().enumerate() {
            let Some(agency) = registry::store::agency_by_any_code(db, code).await? else {
                continue;
            };
            for i in 0..PER_AGENCY {
                let k = i + a * PER_AGENCY;
                let v = &versions[k % versions.len()];
                let received = first + Duration::days((k as i64 * 7) % span);
                let t0 = at(received, 8 + (k % 8) as u8);
                let name = NAMES[k % NAMES.len()];
                let filing = Filing {
                    applicant: Applicant {
                        user_id: None,
                        business: v.spec.code == "2.001610",
                        identifier: format!("0{:02}0{:08}", 40 + a, 1_000 + k),
                        name: name.to_owned(),
                        // No contact: the history sends no notices.
                        phone: String::new(),
                        email: String::new(),
                        address: String::new(),
                    },
                    agency_id: agency.id,
                    summary: v.spec.name_vi.clone(),
                    form_data: serde_json::json!({}),
                    lang: platform::i18n::Lang::Vi,
                };
                // Two in three online (when the procedure is offered online), the rest on paper.
                let online = !k.is_multiple_of(3)
                    && v.spec.online_level != crate::model::procedure::OnlineLevel::None;
                let id = if online {
                    let Ok(id) = dossiers::save_draft(db, env, &desk, v, None, &filing, t0).await?
                    else {
                        continue;
                    };
                    if dossiers::submit(db, env, &desk, v, id, 2, t0)
                        .await?
                        .is_err()
                    {
                        continue;
                    }
                    let accepted = dossiers::act(
                        db,
                        env,
                        &desk,
                        id,
                        Action::Accept,
                        &Details::default(),
                        t0 + 3_600_000,
                    )
                    .await?;
                    if accepted.is_err() {
                        continue;
                    }
                    id
                } else {
                    dossiers::record_at_desk(db, env, &desk, v, Channel::Desk, &filing, t0)
                        .await?
                        .id
                };
                seeded.dossiers += 1;
                // One in six is still in processing; one in eight is settled late.
                if k % 6 == 5 {
                    continue;
                }
                let days = v.spec.processing_days.max(1);
                let took = if k % 8 == 7 {
                    days + 3
                } else {
                    1 + (k as i64 % days)
                };
                let step = |n: i64| t0 + n * 86_400_000;
                let d = dossiers::act(
                    db,
                    env,
                    &desk,
                    id,
                    Action::Transfer,
                    &Details {
                        holder_note: "Phòng chuyên môn".into(),
                        ..Default::default()
                    },
                    step(0) + 7_200_000,
                )
                .await?;
                if d.is_err() {
                    continue;
                }
                let approved = dossiers::act(
                    db,
                    env,
                    &leader,
                    id,
                    Action::Approve,
                    &Details::default(),
                    step(took),
                )
                .await?;
                if approved.is_err() {
                    continue;
                }
                let returned = dossiers::act(
                    db,
                    env,
                    &desk,
                    id,
                    Action::Return,
                    &Details::default(),
                    step(took) + 3_600_000,
                )
                .await?;
                // Half of the returned dossiers are rated, mostly well.
                if let Ok(d) = returned
                    && k.is_multiple_of(2)
                {
                    let stars = [5, 4, 5, 3, 5][k % 5];
                    let _ = ratings::rate(
                        db,
                        &desk,
                        ratings::Rated {
                            dossier_id: d.id,
                            agency_id: Some(d.agency_id),
                            status: d.status.unwrap_or(Status::Returned),
                        },
                        &Rating {
                            stars,
                            comment: String::new(),
                        },
                        step(took) + 7_200_000,
                    )
                    .await?;
                }
            }
        }
    }
    seeded.filed = sqi::file_month(db, period, now)
        .await
        .map_err(platform::error::Fault::other)?;
    // The provinces' leaders approve the filed index, as they do any report: approved figures
    // are the ones the operations center and the open data show.
    if let Some(t) = reporting::query::template(db, sqi::TEMPLATE).await? {
        let leader = Actor::system("Lãnh đạo UBND tỉnh (demo)");
        for s in reporting::store::submissions::for_period(db, t.id, &period).await? {
            if s.status == reporting::model::status::Status::Submitted {
                reporting::engine::decide::decide(db, &leader, s.id, s.version, true, None)
                    .await
                    .map_err(platform::error::Fault::other)?;
            }
        }
    }
    Ok(seeded)
}
