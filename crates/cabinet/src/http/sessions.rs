//! `/cabinet/sessions/{id}`: a session — the agenda tree with papers, members' marks before it,
//! attendance and the quorum, the items adopted together, speakers, the draft's tracked edits,
//! polls — live on tablets and phones; `/projector` shows the room the current state in large
//! type. The ballot form sits outside the region that live updates redraw, so a member's unsent
//! choice is never reset by others' votes.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use platform::error::{AppError, AppResult, Problem};
use platform::i18n::{Lang, t, t_args};
use platform::web::admin::render;
use platform::web::{AppState, Auth, CsrfForm, Ctx, Multipart, Path};
use serde::Deserialize;

use super::common::{Standing, refused, size_label, standing, upload};
use crate::engine::sessions::{self as engine, NewItem};
use crate::model::diff::{self, Edit};
use crate::model::kinds::{ItemStatus, Mark, PollStatus, Presence};
use crate::model::{iso, time_label, vn_day};
use crate::store::bodies as bodies_store;
use crate::store::polls::{self as polls_store, Poll};
use crate::store::sessions::{self as store, Session};

pub async fn load(state: &AppState, auth: &Auth, id: i64) -> AppResult<(Session, Standing)> {
    let s = store::get(&state.db, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let body = bodies_store::get(&state.db, s.body_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let st = standing(state, auth, body).await?;
    Ok((s, st))
}

pub struct ItemRow {
    pub id: i64,
    pub depth: u8,
    pub title: String,
    pub presenter: String,
    pub minutes: i64,
    pub status: String,
    pub status_code: String,
    pub papers: Vec<(String, String, String)>,
    pub objections: usize,
    pub speak: usize,
    pub comments: Vec<(String, String, String)>,
    pub my_mark: String,
    pub speakers: Vec<(i64, String, bool)>,
    pub draft: Vec<(String, String)>,
    pub draft_version: i64,
    pub draft_text: String,
}

pub struct AttendanceRow {
    pub member_id: i64,
    pub name: String,
    pub role: String,
    pub presence: String,
    pub presence_code: String,
    pub substitute: String,
}

pub struct PollRow {
    pub id: i64,
    pub question: String,
    pub secret: bool,
    pub open: bool,
    pub cast: i64,
    pub eligible: i64,
    pub result: String,
    pub passed: bool,
}

#[derive(Template)]
#[template(path = "cabinet_session.html")]
struct SessionPage {
    ctx: Ctx,
    id: i64,
    body_href: String,
    body_name: String,
    title: String,
    kind: String,
    starts: String,
    place: String,
    status: String,
    status_code: String,
    papers_note: String,
    quorum: String,
    quorum_met: bool,
    items: Vec<ItemRow>,
    attendance: Vec<AttendanceRow>,
    polls: Vec<PollRow>,
    secretariat: bool,
    member: bool,
    ballot: Option<BallotView>,
    minutes: String,
    resolution: String,
    invitees: Vec<(String, String)>,
    presences: Vec<(String, String)>,
    agencies: Vec<(i64, String)>,
}

/// The ballot form of the open poll, for a member who may vote in it.
pub struct BallotView {
    pub poll_id: i64,
    pub question: String,
    pub secret: bool,
    pub cast: i64,
    pub eligible: i64,
    /// What they voted, once counted.
    pub voted: Option<String>,
    pub may_vote: bool,
    pub client_id: String,
}

/// The result of a closed poll in words (empty while open).
pub fn poll_result(lang: Lang, p: &Poll) -> String {
    match (p.yes, p.no, p.abstain, p.passed) {
        (Some(y), Some(n), Some(a), Some(passed)) => t_args(
            lang,
            if passed {
                "cabinet.poll_passed"
            } else {
                "cabinet.poll_failed"
            },
            &[
                ("yes", y.to_string()),
                ("no", n.to_string()),
                ("abstain", a.to_string()),
                ("total", p.total.to_string()),
            ],
        ),
        _ => String::new(),
    }
}

fn poll_row(lang: Lang, p: &Poll) -> PollRow {
    PollRow {
        id: p.id,
        question: p.question.clone(),
        secret: p.secret,
        open: p.status == PollStatus::Open,
        cast: p.cast,
        eligible: p.eligible,
        result: poll_result(lang, p),
        passed: p.passed.unwrap_or(false),
    }
}

/// The ballot view of `user` in the session's open (or last) poll.
pub async fn ballot_view(
    state: &AppState,
    user: i64,
    polls: &[Poll],
) -> AppResult<Option<BallotView>> {
    let Some(p) = polls.iter().rev().find(|p| p.status == PollStatus::Open) else {
        return Ok(None);
    };
    let seat = polls_store::seat_of_db(&state.db, p.id, user).await?;
    let voted = match seat {
        Some(m) => polls_store::ballot_of_db(&state.db, p.id, m)
            .await?
            .map(|b| {
                b.choice
                    .map(|c| c.code().to_owned())
                    .unwrap_or_else(|| "secret".into())
            }),
        None => None,
    };
    let bytes: [u8; 12] = rand::random();
    Ok(Some(BallotView {
        poll_id: p.id,
        question: p.question.clone(),
        secret: p.secret,
        cast: p.cast,
        eligible: p.eligible,
        may_vote: seat.is_some() && voted.is_none(),
        voted,
        client_id: format!("b-{}", hex::encode(bytes)),
    }))
}

/// `GET /cabinet/sessions/{id}`.
pub async fn show(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let (s, st) = load(&state, &auth, id).await?;
    let lang = auth.ctx.lang;
    let db = &state.db;
    let now = platform::db::now_ms();
    let day = iso(vn_day(s.opened_at.unwrap_or(now)));
    let members = bodies_store::in_office(db, st.body.id, &day).await?;
    let names: HashMap<i64, String> = members.iter().map(|m| (m.id, m.name.clone())).collect();
    let agencies = registry::store::agency_codes(db).await?;
    let items = store::items(db, id).await?;
    let papers = store::papers(db, id).await?;
    let marks = store::marks(db, id).await?;
    let speakers = store::speakers(db, id).await?;
    let my = st.seat.as_ref().map(|m| m.id).unwrap_or(0);
    let mut rows = Vec::with_capacity(items.len());
    // Parents first, each followed by its sub-items.
    let ordered: Vec<_> = items
        .iter()
        .filter(|i| i.parent_id.is_none())
        .flat_map(|p| {
            std::iter::once(p).chain(items.iter().filter(move |c| c.parent_id == Some(p.id)))
        })
        .collect();
    for i in ordered {
        let mine: Vec<_> = marks.iter().filter(|m| m.0 == i.id).collect();
        let previous = if i.draft_version > 1 {
            store::draft_version(db, i.id, i.draft_version - 1)
                .await?
                .unwrap_or_default()
        } else {
            String::new()
        };
        let draft = if i.draft_version > 0 {
            diff::lines(&previous, &i.draft)
                .into_iter()
                .map(|e| match e {
                    Edit::Same(l) => ("same".to_owned(), l),
                    Edit::Inserted(l) => ("ins".to_owned(), l),
                    Edit::Deleted(l) => ("del".to_owned(), l),
                })
                .collect()
        } else {
            Vec::new()
        };
        rows.push(ItemRow {
            id: i.id,
            depth: u8::from(i.parent_id.is_some()),
            title: i.title.clone(),
            presenter: i
                .presenter_agency_id
                .and_then(|a| agencies.get(&a).cloned())
                .unwrap_or_default(),
            minutes: i.minutes,
            status: t(lang, &format!("cab_item_status.{}", i.status.code())),
            status_code: i.status.code().to_owned(),
            papers: papers
                .iter()
                .filter(|p| p.0 == i.id)
                .map(|p| {
                    (
                        format!("/cabinet/sessions/{id}/items/{}/papers/{}", i.id, p.1),
                        p.2.clone(),
                        size_label(p.4),
                    )
                })
                .collect(),
            objections: mine.iter().filter(|m| m.2 == Mark::Objection).count(),
            speak: mine.iter().filter(|m| m.2 == Mark::Speak).count(),
            comments: mine
                .iter()
                .filter(|m| !m.3.is_empty() || m.2 != Mark::NoObjection)
                .map(|m| {
                    (
                        names.get(&m.1).cloned().unwrap_or_default(),
                        t(lang, &format!("cab_mark.{}", m.2.code())),
                        m.3.clone(),
                    )
                })
                .collect(),
            my_mark: mine
                .iter()
                .find(|m| m.1 == my)
                .map(|m| m.2.code().to_owned())
                .unwrap_or_default(),
            speakers: speakers
                .iter()
                .filter(|x| x.0 == i.id)
                .map(|x| (x.1, names.get(&x.1).cloned().unwrap_or_default(), x.2))
                .collect(),
            draft,
            draft_version: i.draft_version,
            draft_text: i.draft.clone(),
        });
    }
    let att = store::attendance(db, id).await?;
    let attendance = members
        .iter()
        .filter(|m| m.voting)
        .map(|m| {
            let a = att.iter().find(|a| a.member_id == m.id);
            let code = a.map(|a| a.presence.code()).unwrap_or("absent");
            AttendanceRow {
                member_id: m.id,
                name: m.name.clone(),
                role: m.role(lang).to_owned(),
                presence: t(lang, &format!("cab_presence.{code}")),
                presence_code: code.to_owned(),
                substitute: a
                    .and_then(|a| a.substitute_name.clone())
                    .unwrap_or_default(),
            }
        })
        .collect();
    let (total, present, needed) = engine::quorum(db, &st.body, &s, now)
        .await
        .map_err(refused)?;
    let polls = polls_store::of_session(db, id).await?;
    let user = auth.principal.user_id().unwrap_or(0);
    let ballot = ballot_view(&state, user, &polls).await?;
    let papers_note = match s.papers_sent_at {
        Some(at) => t_args(lang, "cabinet.papers_sent_at", &[("at", time_label(at))]),
        None => t(lang, "cabinet.papers_not_sent"),
    };
    let mut agency_list: Vec<(i64, String)> = if st.secretariat {
        agencies.into_iter().collect()
    } else {
        Vec::new()
    };
    agency_list.sort_by(|a, b| a.1.cmp(&b.1));
    render(SessionPage {
        id,
        body_href: format!("/cabinet/bodies/{}", st.body.code),
        body_name: st.body.name(lang).to_owned(),
        title: s.title.clone(),
        kind: t(lang, &format!("cab_session_kind.{}", s.kind.code())),
        starts: time_label(s.starts_at),
        place: s.place.clone(),
        status: t(lang, &format!("cab_session_status.{}", s.status.code())),
        status_code: s.status.code().to_owned(),
        papers_note,
        quorum: t_args(
            lang,
            "cabinet.quorum_line",
            &[
                ("present", present.to_string()),
                ("total", total.to_string()),
                ("needed", needed.to_string()),
            ],
        ),
        quorum_met: st.body.rules.quorum_met(total, present),
        items: rows,
        attendance,
        polls: polls.iter().map(|p| poll_row(lang, p)).collect(),
        secretariat: st.secretariat,
        member: st.seat.is_some(),
        ballot,
        minutes: s.minutes.clone(),
        resolution: s.resolution.clone().unwrap_or_default(),
        invitees: store::invitees(db, id).await?,
        presences: Presence::ALL
            .iter()
            .map(|p| {
                (
                    p.code().to_owned(),
                    t(lang, &format!("cab_presence.{}", p.code())),
                )
            })
            .collect(),
        agencies: agency_list,
        ctx: auth.ctx,
    })
}

#[derive(Template)]
#[template(path = "cabinet_projector.html")]
struct Projector {
    ctx: Ctx,
    id: i64,
    body_name: String,
    title: String,
    status: String,
    quorum: String,
    adopted: Vec<String>,
    poll: Option<PollRow>,
}

/// `GET /cabinet/sessions/{id}/projector`: the room's screen.
pub async fn projector(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let (s, st) = load(&state, &auth, id).await?;
    let lang = auth.ctx.lang;
    let now = platform::db::now_ms();
    let (total, present, needed) = engine::quorum(&state.db, &st.body, &s, now)
        .await
        .map_err(refused)?;
    let adopted = store::items(&state.db, id)
        .await?
        .into_iter()
        .filter(|i| i.status == ItemStatus::AdoptedTogether)
        .map(|i| i.title)
        .collect();
    let poll = polls_store::of_session(&state.db, id)
        .await?
        .last()
        .map(|p| poll_row(lang, p));
    render(Projector {
        id,
        body_name: st.body.name(lang).to_owned(),
        title: s.title.clone(),
        status: t(lang, &format!("cab_session_status.{}", s.status.code())),
        quorum: t_args(
            lang,
            "cabinet.quorum_line",
            &[
                ("present", present.to_string()),
                ("total", total.to_string()),
                ("needed", needed.to_string()),
            ],
        ),
        adopted,
        poll,
        ctx: auth.ctx,
    })
}

fn back(id: i64, anchor: &str) -> Response {
    Redirect::to(&format!("/cabinet/sessions/{id}{anchor}")).into_response()
}

fn secretariat(st: &Standing) -> AppResult<()> {
    if st.secretariat {
        Ok(())
    } else {
        Err(AppError::forbidden())
    }
}

#[derive(Deserialize)]
pub struct ItemForm {
    title: String,
    #[serde(default)]
    parent: Option<i64>,
    #[serde(default)]
    presenter: Option<i64>,
    #[serde(default)]
    minutes: Option<i64>,
}

/// `POST /cabinet/sessions/{id}/items`.
pub async fn add_item(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<ItemForm>,
) -> AppResult<Response> {
    let (s, st) = load(&state, &auth, id).await?;
    secretariat(&st)?;
    engine::add_item(
        &state.db,
        &auth.actor(),
        &s,
        &NewItem {
            parent_id: f.parent.filter(|p| *p > 0),
            title: &f.title,
            presenter_agency_id: f.presenter.filter(|p| *p > 0),
            minutes: f.minutes.unwrap_or(0),
        },
    )
    .await
    .map_err(refused)?;
    Ok(back(id, "#agenda"))
}

/// `POST /cabinet/sessions/{id}/items/{item}/papers` (multipart `file`).
pub async fn add_item_paper(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, item)): Path<(i64, i64)>,
    multipart: Multipart,
) -> AppResult<Response> {
    let (name, bytes, _) = upload(&auth, multipart).await?;
    let (s, st) = load(&state, &auth, id).await?;
    secretariat(&st)?;
    engine::add_item_paper(
        &state.db,
        &state.files,
        &auth.actor(),
        &s,
        item,
        &name,
        &mut bytes.as_slice(),
    )
    .await
    .map_err(refused)?;
    Ok(back(id, "#agenda"))
}

/// `GET /cabinet/sessions/{id}/items/{item}/papers/{n}`.
pub async fn item_paper(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, item, n)): Path<(i64, i64, i64)>,
) -> AppResult<Response> {
    load(&state, &auth, id).await?;
    let p = store::papers(&state.db, id)
        .await?
        .into_iter()
        .find(|p| p.0 == item && p.1 == n)
        .ok_or_else(AppError::not_found)?;
    platform::web::attachment(&state, &p.2, &p.3).await
}

#[derive(Deserialize)]
pub struct Empty {}

/// `POST /cabinet/sessions/{id}/papers-sent`: sends the papers to the members; a regular session
/// that gets them late is warned about on the page (the papers go all the same).
pub async fn send_papers(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Response> {
    let (s, st) = load(&state, &auth, id).await?;
    secretariat(&st)?;
    let late = engine::send_papers(
        &state.db,
        &auth.actor(),
        &st.body,
        &s,
        platform::db::now_ms(),
    )
    .await
    .map_err(refused)?;
    Ok(back(id, if late { "?late=1#papers" } else { "#papers" }))
}

#[derive(Deserialize)]
pub struct MarkForm {
    item: i64,
    mark: String,
    #[serde(default)]
    comment: String,
}

/// `POST /cabinet/sessions/{id}/marks`: the member's mark on an item.
pub async fn mark(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<MarkForm>,
) -> AppResult<Response> {
    let (s, _) = load(&state, &auth, id).await?;
    let Some(mark) = Mark::parse(f.mark.trim()) else {
        return Err(AppError::invalid(
            Problem::new("cab_bad_mark").field("mark"),
        ));
    };
    let user = auth.principal.user_id().ok_or_else(AppError::forbidden)?;
    engine::mark(
        &state.db,
        &auth.actor(),
        &s,
        user,
        f.item,
        mark,
        &f.comment,
        platform::db::now_ms(),
    )
    .await
    .map_err(refused)?;
    Ok(back(id, &format!("#item-{}", f.item)))
}

#[derive(Deserialize)]
pub struct AttendanceForm {
    member: i64,
    presence: String,
    #[serde(default)]
    substitute: String,
}

/// `POST /cabinet/sessions/{id}/attendance`.
pub async fn attendance(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<AttendanceForm>,
) -> AppResult<Response> {
    let (s, st) = load(&state, &auth, id).await?;
    secretariat(&st)?;
    let Some(p) = Presence::parse(f.presence.trim()) else {
        return Err(AppError::invalid(
            Problem::new("cab_bad_presence").field("presence"),
        ));
    };
    engine::attendance(
        &state.db,
        &auth.actor(),
        &s,
        f.member,
        p,
        Some(f.substitute.as_str()),
        platform::db::now_ms(),
    )
    .await
    .map_err(refused)?;
    Ok(back(id, "#attendance"))
}

/// `POST /cabinet/sessions/{id}/open`.
pub async fn open(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Response> {
    let (s, st) = load(&state, &auth, id).await?;
    secretariat(&st)?;
    engine::open(
        &state.db,
        &auth.actor(),
        &st.body,
        &s,
        platform::db::now_ms(),
    )
    .await
    .map_err(refused)?;
    Ok(back(id, "#agenda"))
}

#[derive(Deserialize)]
pub struct SpeakerForm {
    item: i64,
    #[serde(default)]
    member: Option<i64>,
    #[serde(default)]
    done: Option<String>,
}

/// `POST /cabinet/sessions/{id}/speakers`: a member asks to speak (for themselves), or the
/// secretariat adds one or marks them done.
pub async fn speaker(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<SpeakerForm>,
) -> AppResult<Response> {
    let (s, st) = load(&state, &auth, id).await?;
    let member = match (f.member, &st.seat) {
        (Some(m), _) if st.secretariat => m,
        (None, Some(seat)) if f.done.is_none() => seat.id,
        _ => return Err(AppError::forbidden()),
    };
    engine::speaker(
        &state.db,
        &auth.actor(),
        &s,
        f.item,
        member,
        f.done.is_some(),
        platform::db::now_ms(),
    )
    .await
    .map_err(refused)?;
    Ok(back(id, &format!("#item-{}", f.item)))
}

#[derive(Deserialize)]
pub struct DraftForm {
    item: i64,
    #[serde(default)]
    text: String,
}

/// `POST /cabinet/sessions/{id}/drafts`: a new version of an item's draft.
pub async fn draft(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<DraftForm>,
) -> AppResult<Response> {
    let (s, st) = load(&state, &auth, id).await?;
    secretariat(&st)?;
    engine::save_draft(
        &state.db,
        &auth.actor(),
        &s,
        f.item,
        &f.text,
        platform::db::now_ms(),
    )
    .await
    .map_err(refused)?;
    Ok(back(id, &format!("#item-{}", f.item)))
}

#[derive(Deserialize)]
pub struct InviteForm {
    name: String,
    #[serde(default)]
    organisation: String,
}

/// `POST /cabinet/sessions/{id}/invitees`: an invited non-member.
pub async fn invite(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<InviteForm>,
) -> AppResult<Response> {
    let (s, st) = load(&state, &auth, id).await?;
    secretariat(&st)?;
    engine::invite(&state.db, &auth.actor(), &s, &f.name, &f.organisation)
        .await
        .map_err(refused)?;
    Ok(back(id, "#invitees"))
}

#[derive(Deserialize)]
pub struct CloseForm {
    minutes: String,
}

/// `POST /cabinet/sessions/{id}/close`: the minutes and the session's resolution.
pub async fn close(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<CloseForm>,
) -> AppResult<Response> {
    let (s, st) = load(&state, &auth, id).await?;
    if !(st.secretariat || st.chair()) {
        return Err(AppError::forbidden());
    }
    engine::close(
        &state.db,
        &auth.actor(),
        &st.body,
        &s,
        &f.minutes,
        platform::db::now_ms(),
    )
    .await
    .map_err(refused)?;
    Ok(back(id, "#resolution"))
}
