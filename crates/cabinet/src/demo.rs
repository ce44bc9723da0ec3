//! The e-Cabinet's demo (`egov demo` only): the Government with 27 members (the Prime Minister
//! in the chair, five Deputy Prime Ministers, seventeen ministers and four heads of ministry-level
//! agencies), the Ministry of Finance's leadership and Nghệ An's People's Committee with five
//! members each; an opinion form being answered in each, and a Government session ready to open
//! (agenda, papers sent, members' marks, attendance recorded). The names are invented. Member
//! accounts have no second factor yet: a member turns it on in their account, then adds a
//! passkey, before answering or voting. No answer or ballot is made up: every one in the
//! database was confirmed with a real passkey.

use platform::audit::Actor;
use platform::db::Db;
use platform::identity::{self, NewUser};

use crate::engine::{self, bodies::Appointment, forms::Draft, sessions::NewItem};
use crate::model::kinds::{Mark, Presence, SessionKind};
use crate::model::{iso, vn_day};
use crate::store::{bodies, forms, sessions};

/// An account the demo made: (username, password, body code).
pub type Made = (String, String, String);

const FAMILY: &[&str] = &[
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ",
    "Hồ", "Ngô", "Dương", "Lý",
];
const MIDDLE: &[&str] = &["Văn", "Thị", "Đức", "Minh", "Quốc", "Thanh", "Hồng", "Ngọc"];
const GIVEN: &[&str] = &[
    "An", "Bình", "Cường", "Dũng", "Giang", "Hà", "Hải", "Hùng", "Khánh", "Lan", "Long", "Mai",
    "Nam", "Nga", "Phong", "Quân", "Sơn", "Tâm", "Thảo", "Trung", "Tuấn", "Vân", "Việt", "Yến",
];

fn name(i: usize) -> String {
    format!(
        "{} {} {}",
        FAMILY[(i * 7) % FAMILY.len()],
        MIDDLE[(i * 3) % MIDDLE.len()],
        GIVEN[(i * 5 + 1) % GIVEN.len()]
    )
}

/// The Government's roles, in order: (vi, en).
fn government_roles() -> Vec<(String, String)> {
    let mut r = vec![(
        "Thủ tướng Chính phủ".to_owned(),
        "Prime Minister".to_owned(),
    )];
    for _ in 0..5 {
        r.push(("Phó Thủ tướng".into(), "Deputy Prime Minister".into()));
    }
    for _ in 0..17 {
        r.push(("Bộ trưởng".into(), "Minister".into()));
    }
    for _ in 0..4 {
        r.push((
            "Thủ trưởng cơ quan ngang bộ".into(),
            "Head of a ministry-level agency".into(),
        ));
    }
    r
}

fn leadership_roles(
    chair_vi: &str,
    chair_en: &str,
    deputy_vi: &str,
    deputy_en: &str,
) -> Vec<(String, String)> {
    let mut r = vec![(chair_vi.to_owned(), chair_en.to_owned())];
    for _ in 0..4 {
        r.push((deputy_vi.to_owned(), deputy_en.to_owned()));
    }
    r
}

/// Creates the members' accounts (when missing) and seats them; returns the accounts made now.
async fn members(
    db: &Db,
    actor: &Actor,
    body_code: &str,
    prefix: &str,
    roles: &[(String, String)],
    offset: usize,
    day: &str,
) -> platform::FaultResult<Vec<Made>> {
    let body = bodies::by_code(db, body_code).await?.ok_or_else(|| {
        platform::fault!("body {body_code} missing: apply the reference data first")
    })?;
    let mut made = Vec::new();
    let seated = bodies::in_office(db, body.id, day).await?;
    for (i, (vi, en)) in roles.iter().enumerate() {
        let username = format!("{prefix}{:02}", i + 1);
        if identity::find_user(db, &username).await?.is_none() {
            let password = identity::password::generate();
            identity::create_user(
                db,
                actor,
                NewUser {
                    username: username.clone(),
                    display_name: name(offset + i),
                    email: None,
                    password: password.clone(),
                    locale: None,
                    must_change_password: false,
                    is_demo: true,
                },
                None,
            )
            .await
            .map_err(|e| platform::fault!("demo member {username}: {:?}", e.problems))?;
            made.push((username.clone(), password, body_code.to_owned()));
        }
        if seated.iter().any(|m| m.username == username) {
            continue;
        }
        engine::bodies::appoint(
            db,
            actor,
            &body,
            &Appointment {
                username: &username,
                role_vi: vi,
                role_en: en,
                chair: i == 0,
                voting: true,
                from_day: day,
                assistant: None,
                position: i as i64 + 1,
            },
        )
        .await
        .map_err(|e| platform::fault!("seating {username}: {e}"))?;
    }
    Ok(made)
}

/// A form drafted, submitted and issued by the chair, unless the body has one already.
#[allow(clippy::too_many_arguments)]
async fn form_in_progress(
    db: &Db,
    files: &platform::files::FileStore,
    actor: &Actor,
    body_code: &str,
    agency: &str,
    title: &str,
    question: &str,
    now: i64,
) -> platform::FaultResult<()> {
    let body = bodies::by_code(db, body_code)
        .await?
        .ok_or_else(|| platform::fault!("body {body_code} missing"))?;
    if !forms::of_body(db, body.id, 1).await?.is_empty() {
        return Ok(());
    }
    let lead = registry::store::agency_by_any_code(db, agency)
        .await?
        .ok_or_else(|| platform::fault!("agency {agency} missing"))?;
    let id = engine::forms::create(
        db,
        actor,
        &body,
        &Draft {
            lead_agency_id: lead.id,
            title,
            question,
        },
        now,
    )
    .await?;
    let f = forms::get(db, id).await?.expect("just made");
    engine::forms::add_paper(
        db,
        files,
        actor,
        &f,
        crate::model::kinds::PaperKind::Submission,
        "to-trinh.txt",
        &mut format!("Tờ trình: {title}\n").as_bytes(),
    )
    .await?;
    engine::forms::submit(db, actor, &f, now).await?;
    let chair = engine::bodies::chair(db, body.id, &iso(vn_day(now)))
        .await?
        .ok_or_else(|| platform::fault!("{body_code} has no chair"))?;
    let chair_actor = Actor {
        user_id: Some(chair.user_id),
        name: chair.username.clone(),
        ip: None,
    };
    let f = forms::get(db, id).await?.expect("just made");
    engine::forms::issue(db, &chair_actor, &body, &f, now).await?;
    Ok(())
}

/// Loads the demo; idempotent. `files` is where the demo's papers are kept.
pub async fn seed(
    db: &Db,
    files: &platform::files::FileStore,
    now: i64,
) -> platform::FaultResult<Vec<Made>> {
    let actor = Actor::system("egov demo");
    let day = iso(vn_day(now));
    let mut made = members(db, &actor, "cp", "cp", &government_roles(), 0, &day).await?;
    made.extend(
        members(
            db,
            &actor,
            "ld-btc",
            "btc",
            &leadership_roles(
                "Bộ trưởng Bộ Tài chính",
                "Minister of Finance",
                "Thứ trưởng",
                "Deputy Minister",
            ),
            40,
            &day,
        )
        .await?,
    );
    made.extend(
        members(
            db,
            &actor,
            "ubnd-40",
            "nghean",
            &leadership_roles(
                "Chủ tịch UBND tỉnh",
                "Chairperson of the Provincial People's Committee",
                "Phó Chủ tịch UBND tỉnh",
                "Vice-chairperson",
            ),
            60,
            &day,
        )
        .await?,
    );
    form_in_progress(
        db,
        files,
        &actor,
        "cp",
        "btc",
        "Dự thảo Nghị định sửa đổi, bổ sung một số điều của Nghị định về quản lý nợ công",
        "Đề nghị các thành viên Chính phủ cho ý kiến về việc ban hành Nghị định sửa đổi, bổ sung một số điều của Nghị định về quản lý nợ công theo Tờ trình của Bộ Tài chính.",
        now,
    )
    .await?;
    form_in_progress(
        db,
        files,
        &actor,
        "ld-btc",
        "btc",
        "Kế hoạch kiểm tra công tác quyết toán ngân sách năm",
        "Đề nghị các đồng chí Lãnh đạo Bộ cho ý kiến về Kế hoạch kiểm tra công tác quyết toán ngân sách năm.",
        now,
    )
    .await?;
    form_in_progress(
        db,
        files,
        &actor,
        "ubnd-40",
        "ubnd-40",
        "Phương án hỗ trợ người dân vùng lũ huyện Con Cuông",
        "Đề nghị các thành viên UBND tỉnh cho ý kiến về Phương án hỗ trợ người dân vùng lũ.",
        now,
    )
    .await?;
    session_ready(db, &actor, now).await?;
    Ok(made)
}

/// A regular Government session tomorrow at 08:00, with its agenda, papers sent, marks and
/// attendance (21 in the room, 4 remote, 2 absent): ready to open.
async fn session_ready(db: &Db, actor: &Actor, now: i64) -> platform::FaultResult<()> {
    let body = bodies::by_code(db, "cp").await?.expect("seeded");
    if !sessions::of_body(db, body.id, 1).await?.is_empty() {
        return Ok(());
    }
    let tomorrow = vn_day(now).next_day().unwrap_or(vn_day(now));
    let starts = tomorrow
        .with_hms(8, 0, 0)
        .expect("valid time")
        .assume_offset(crate::model::VIETNAM)
        .unix_timestamp()
        * 1000;
    let id = engine::sessions::plan(
        db,
        actor,
        &body,
        &engine::sessions::Plan {
            kind: SessionKind::Regular,
            title: "Phiên họp Chính phủ thường kỳ tháng",
            starts_at: starts,
            place: "Trụ sở Chính phủ, Hà Nội",
        },
        now,
    )
    .await?;
    let s = sessions::get(db, id).await?.expect("just made");
    let btc = registry::store::agency_by_any_code(db, "btc")
        .await?
        .map(|a| a.id);
    let bkhdt = registry::store::agency_by_any_code(db, "byt")
        .await?
        .map(|a| a.id);
    let mut items = Vec::new();
    for (title, presenter, minutes) in [
        (
            "Tình hình kinh tế – xã hội tháng và nhiệm vụ tháng tới",
            btc,
            60,
        ),
        ("Dự thảo Nghị quyết phiên họp thường kỳ", None, 20),
        ("Đề án phát triển y tế cơ sở", bkhdt, 40),
    ] {
        items.push(
            engine::sessions::add_item(
                db,
                actor,
                &s,
                &NewItem {
                    parent_id: None,
                    title,
                    presenter_agency_id: presenter,
                    minutes,
                },
            )
            .await?,
        );
    }
    engine::sessions::send_papers(db, actor, &body, &s, now).await?;
    let members = bodies::in_office(db, body.id, &iso(vn_day(now))).await?;
    for (i, m) in members.iter().enumerate() {
        // Item 1: one objection; item 3: one wish to speak; item 2: nobody objects.
        let mark = |item: usize| match (i, item) {
            (3, 0) => Mark::Objection,
            (5, 2) => Mark::Speak,
            _ => Mark::NoObjection,
        };
        for (k, item) in items.iter().enumerate() {
            engine::sessions::mark(db, actor, &s, m.user_id, *item, mark(k), "", now).await?;
        }
        let presence = match i {
            0..=20 => Presence::Room,
            21..=24 => Presence::Remote,
            _ => Presence::Absent,
        };
        engine::sessions::attendance(db, actor, &s, m.id, presence, None, now).await?;
    }
    Ok(())
}
