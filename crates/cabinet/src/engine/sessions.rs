//! Sessions: plan (regular, thematic, urgent) with an agenda tree and papers, send the papers
//! with notices (a warning, not a block, when a regular session gets them fewer than
//! `papers_days` working days ahead — Decision 45/2018), members' marks on each item before the
//! session, attendance (in the room, remote, a substitute), the opening with its quorum and the
//! items adopted together, speakers, versions of a draft, and the closing with the minutes and
//! the session's resolution.

use platform::audit::{self, Actor, Change};
use platform::db::Db;
use serde_json::json;

use super::forms::{notify, number_suffix};
use super::{Error, Result};
use crate::model::kinds::{ItemStatus, Mark, Presence, SessionKind, SessionStatus};
use crate::model::{iso, vn_day};
use crate::store::bodies::{self as bodies, Body};
use crate::store::sessions::{self as store, Session};

/// Most items on one agenda.
pub const MAX_ITEMS: i64 = 200;
/// Most invited non-members of one session.
pub const MAX_INVITEES: i64 = 200;

pub struct Plan<'a> {
    pub kind: SessionKind,
    pub title: &'a str,
    pub starts_at: i64,
    pub place: &'a str,
}

async fn audited(
    tx: &mut platform::db::Tx,
    actor: &Actor,
    action: &str,
    session: i64,
    after: serde_json::Value,
) -> Result<()> {
    audit::append(
        tx,
        actor,
        Change {
            action,
            object_type: "cab_session",
            object_id: session.to_string(),
            before: None,
            after: Some(after),
        },
    )
    .await?;
    Ok(())
}

pub async fn plan(db: &Db, actor: &Actor, body: &Body, p: &Plan<'_>, now: i64) -> Result<i64> {
    let title = super::line("title", p.title, super::MAX_TITLE)?;
    let place = super::text("place", p.place, 200, false)?;
    let mut tx = db.begin().await?;
    let id = store::insert(&mut tx, body.id, p.kind, &title, p.starts_at, &place, now).await?;
    audited(
        &mut tx,
        actor,
        "cabinet.session_planned",
        id,
        json!({"body": body.code, "kind": p.kind.code(), "title": title, "starts_at": p.starts_at}),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub struct NewItem<'a> {
    pub parent_id: Option<i64>,
    pub title: &'a str,
    pub presenter_agency_id: Option<i64>,
    pub minutes: i64,
}

pub async fn add_item(db: &Db, actor: &Actor, s: &Session, it: &NewItem<'_>) -> Result<i64> {
    if s.status == SessionStatus::Closed {
        return Err(Error::WrongState);
    }
    let title = super::line("title", it.title, super::MAX_TITLE)?;
    if !(0..=600).contains(&it.minutes) {
        return Err(Error::Invalid {
            field: "minutes",
            code: "cab_bad_minutes",
        });
    }
    if let Some(p) = it.parent_id {
        match store::item(db, p).await? {
            Some(parent) if parent.session_id == s.id && parent.parent_id.is_none() => {}
            _ => {
                return Err(Error::Invalid {
                    field: "parent",
                    code: "cab_bad_parent",
                });
            }
        }
    }
    let mut tx = db.begin().await?;
    if store::count_items(&mut tx, s.id).await? >= MAX_ITEMS {
        return Err(Error::Invalid {
            field: "title",
            code: "cab_too_many_items",
        });
    }
    let id = store::insert_item(
        &mut tx,
        s.id,
        it.parent_id,
        &title,
        it.presenter_agency_id,
        it.minutes,
    )
    .await?;
    audited(
        &mut tx,
        actor,
        "cabinet.item_added",
        s.id,
        json!({"item": id, "title": title, "parent": it.parent_id}),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Adds a paper to an item (before the session closes).
pub async fn add_item_paper(
    db: &Db,
    files: &platform::files::FileStore,
    actor: &Actor,
    s: &Session,
    item_id: i64,
    name: &str,
    data: &mut (dyn std::io::Read + Send),
) -> Result<i64> {
    if s.status == SessionStatus::Closed {
        return Err(Error::WrongState);
    }
    match store::item(db, item_id).await? {
        Some(i) if i.session_id == s.id => {}
        _ => return Err(Error::NotFound),
    }
    let name = super::line("name", name, 200)?;
    let stored = files
        .put(data, super::forms::MAX_PAPER_BYTES)
        .await
        .map_err(|e| Error::File(e.to_string()))?;
    let mut tx = db.begin().await?;
    let n = store::add_item_paper(&mut tx, item_id, &name, &stored.key, stored.size as i64).await?;
    audited(
        &mut tx,
        actor,
        "cabinet.item_paper_added",
        s.id,
        json!({"item": item_id, "n": n, "name": name, "sha256": stored.key}),
    )
    .await?;
    tx.commit().await?;
    Ok(n)
}

/// Working days between `now` and the session's day (0 when it is today or past).
pub async fn working_days_before(db: &Db, s: &Session, now: i64) -> Result<u32> {
    let cal = reporting::query::holiday_calendar(db).await?;
    let (mut d, end) = (vn_day(now), vn_day(s.starts_at));
    let mut n = 0;
    while d < end && n < 400 {
        d = d.next_day().unwrap_or(end);
        if d < end && cal.is_working_day(d) {
            n += 1;
        }
    }
    Ok(n)
}

/// Sends the session's papers to every member in office (notices, e-mail). Returns true when a
/// regular session gets them late (fewer than the body's `papers_days` working days ahead):
/// a warning, the papers go all the same.
pub async fn send_papers(
    db: &Db,
    actor: &Actor,
    body: &Body,
    s: &Session,
    now: i64,
) -> Result<bool> {
    if s.status != SessionStatus::Planned {
        return Err(Error::WrongState);
    }
    let ahead = working_days_before(db, s, now).await?;
    let late = s.kind == SessionKind::Regular && ahead < body.rules.papers_days;
    let members = bodies::in_office(db, body.id, &iso(vn_day(now))).await?;
    let mut tx = db.begin().await?;
    store::set_papers_sent(&mut tx, s.id, now).await?;
    for m in &members {
        notify(
            &mut tx,
            body,
            m,
            "papers_sent",
            &format!("/cabinet/sessions/{}", s.id),
            &s.title,
            &format!("papers:{}:{now}", s.id),
            now,
        )
        .await?;
    }
    audited(
        &mut tx,
        actor,
        "cabinet.papers_sent",
        s.id,
        json!({"members": members.len(), "working_days_ahead": ahead, "late": late}),
    )
    .await?;
    tx.commit().await?;
    Ok(late)
}

/// A member's mark on an item before the session opens.
#[allow(clippy::too_many_arguments)]
pub async fn mark(
    db: &Db,
    actor: &Actor,
    s: &Session,
    user_id: i64,
    item_id: i64,
    mark: Mark,
    comment: &str,
    now: i64,
) -> Result<()> {
    if s.status != SessionStatus::Planned {
        return Err(Error::WrongState);
    }
    let comment = super::text("comment", comment, 2000, false)?;
    match store::item(db, item_id).await? {
        Some(i) if i.session_id == s.id => {}
        _ => return Err(Error::NotFound),
    }
    let Some(seat) = super::bodies::seat(db, s.body_id, user_id, &iso(vn_day(now))).await? else {
        return Err(Error::NotAllowed);
    };
    let mut tx = db.begin().await?;
    store::put_mark(&mut tx, item_id, seat.id, mark, &comment, now).await?;
    audited(
        &mut tx,
        actor,
        "cabinet.item_marked",
        s.id,
        json!({"item": item_id, "member": seat.id, "mark": mark.code()}),
    )
    .await?;
    platform::live::publish(
        &mut tx,
        &super::session_topic(s.id),
        &json!({"session": s.id, "marks": true}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Records how a member takes part (the secretariat, before or during the session); a
/// substitute is an account standing in for the absent member.
pub async fn attendance(
    db: &Db,
    actor: &Actor,
    s: &Session,
    member_id: i64,
    presence: Presence,
    substitute: Option<&str>,
    now: i64,
) -> Result<()> {
    if s.status == SessionStatus::Closed {
        return Err(Error::WrongState);
    }
    let Some(m) = bodies::get_member(db, member_id).await? else {
        return Err(Error::NotFound);
    };
    if m.body_id != s.body_id {
        return Err(Error::NotFound);
    }
    let substitute_id = match (
        presence,
        substitute.map(str::trim).filter(|s| !s.is_empty()),
    ) {
        (Presence::Substitute, Some(name)) => Some(
            platform::identity::find_user(db, name)
                .await?
                .ok_or(Error::Invalid {
                    field: "substitute",
                    code: "cab_unknown_user",
                })?
                .id,
        ),
        (Presence::Substitute, None) => {
            return Err(Error::Invalid {
                field: "substitute",
                code: "cab_required",
            });
        }
        _ => None,
    };
    let mut tx = db.begin().await?;
    store::put_attendance(&mut tx, s.id, member_id, presence, substitute_id, now).await?;
    audited(
        &mut tx,
        actor,
        "cabinet.attendance",
        s.id,
        json!({"member": member_id, "presence": presence.code(), "substitute": substitute_id}),
    )
    .await?;
    platform::live::publish(
        &mut tx,
        &super::session_topic(s.id),
        &json!({"session": s.id, "attendance": true}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The quorum's figures: (voting members in office, present, needed).
pub async fn quorum(db: &Db, body: &Body, s: &Session, now: i64) -> Result<(u32, u32, u32)> {
    let day = iso(vn_day(s.opened_at.unwrap_or(now)));
    let members: Vec<_> = bodies::in_office(db, body.id, &day)
        .await?
        .into_iter()
        .filter(|m| m.voting)
        .collect();
    let att = store::attendance(db, s.id).await?;
    let present = members
        .iter()
        .filter(|m| {
            att.iter().any(|a| {
                a.member_id == m.id
                    && (a.presence.attends()
                        || (a.presence == Presence::Substitute && body.rules.substitutes_vote))
            })
        })
        .count() as u32;
    let total = members.len() as u32;
    Ok((total, present, body.rules.quorum_needed(total)))
}

/// Opens the session when quorate; the items nobody objected to or asked to speak on are
/// adopted together. Returns how many.
pub async fn open(db: &Db, actor: &Actor, body: &Body, s: &Session, now: i64) -> Result<usize> {
    if s.status != SessionStatus::Planned {
        return Err(Error::WrongState);
    }
    let (total, present, needed) = quorum(db, body, s, now).await?;
    if !body.rules.quorum_met(total, present) {
        return Err(Error::NoQuorum { present, needed });
    }
    let mut tx = db.begin().await?;
    if store::open(&mut tx, s.id, i64::from(total), now).await? == 0 {
        return Err(Error::WrongState);
    }
    let disputed = store::disputed_items(&mut tx, s.id).await?;
    let items = store::items_tx(&mut tx, s.id).await?;
    let mut adopted = Vec::new();
    for i in &items {
        // A parent is disputed when any of its sub-items is.
        let sub_disputed = items
            .iter()
            .any(|c| c.parent_id == Some(i.id) && disputed.contains(&c.id));
        let parent_disputed = i.parent_id.is_some_and(|p| disputed.contains(&p));
        if !disputed.contains(&i.id) && !sub_disputed && !parent_disputed {
            store::set_item_status(&mut tx, i.id, ItemStatus::AdoptedTogether).await?;
            adopted.push(i.id);
        }
    }
    audited(
        &mut tx,
        actor,
        "cabinet.session_opened",
        s.id,
        json!({"members": total, "present": present, "adopted_together": adopted}),
    )
    .await?;
    platform::live::publish(
        &mut tx,
        &super::session_topic(s.id),
        &json!({"session": s.id, "status": "open"}),
    )
    .await?;
    tx.commit().await?;
    Ok(adopted.len())
}

/// Invites a non-member (a minister-level guest, an expert): listed with the session, may speak,
/// never votes (they hold no seat, so no poll lists them).
pub async fn invite(
    db: &Db,
    actor: &Actor,
    s: &Session,
    name: &str,
    organisation: &str,
) -> Result<i64> {
    if s.status == SessionStatus::Closed {
        return Err(Error::WrongState);
    }
    let name = super::line("name", name, 200)?;
    let organisation = super::text("organisation", organisation, 200, false)?;
    let mut tx = db.begin().await?;
    if store::invitees_count(&mut tx, s.id).await? >= MAX_INVITEES {
        return Err(Error::Invalid {
            field: "name",
            code: "cab_too_many_invitees",
        });
    }
    let id = store::add_invitee(&mut tx, s.id, &name, &organisation).await?;
    audited(
        &mut tx,
        actor,
        "cabinet.invited",
        s.id,
        json!({"invitee": id, "name": name, "organisation": organisation}),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// A member asks to speak on an item during the session (or the secretariat marks them done).
pub async fn speaker(
    db: &Db,
    actor: &Actor,
    s: &Session,
    item_id: i64,
    member_id: i64,
    done: bool,
    now: i64,
) -> Result<()> {
    if s.status != SessionStatus::Open {
        return Err(Error::WrongState);
    }
    match store::item(db, item_id).await? {
        Some(i) if i.session_id == s.id => {}
        _ => return Err(Error::NotFound),
    }
    let mut tx = db.begin().await?;
    if done {
        store::speaker_done(&mut tx, item_id, member_id).await?;
    } else {
        store::add_speaker(&mut tx, item_id, member_id, now).await?;
    }
    audited(
        &mut tx,
        actor,
        "cabinet.speaker",
        s.id,
        json!({"item": item_id, "member": member_id, "done": done}),
    )
    .await?;
    platform::live::publish(
        &mut tx,
        &super::session_topic(s.id),
        &json!({"session": s.id, "speakers": true}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Saves a new version of an item's draft, shown to everyone with what changed.
pub async fn save_draft(
    db: &Db,
    actor: &Actor,
    s: &Session,
    item_id: i64,
    text: &str,
    now: i64,
) -> Result<i64> {
    if s.status == SessionStatus::Closed {
        return Err(Error::WrongState);
    }
    let text = super::text("draft", text, super::MAX_TEXT, false)?;
    match store::item(db, item_id).await? {
        Some(i) if i.session_id == s.id => {}
        _ => return Err(Error::NotFound),
    }
    let mut tx = db.begin().await?;
    let v = store::save_draft(&mut tx, item_id, &text, actor.user_id, now).await?;
    audited(
        &mut tx,
        actor,
        "cabinet.draft_saved",
        s.id,
        json!({"item": item_id, "version": v}),
    )
    .await?;
    platform::live::publish(
        &mut tx,
        &super::session_topic(s.id),
        &json!({"session": s.id, "draft": item_id, "version": v}),
    )
    .await?;
    tx.commit().await?;
    Ok(v)
}

/// Closes the session with its minutes and issues its resolution; returns the number.
pub async fn close(
    db: &Db,
    actor: &Actor,
    body: &Body,
    s: &Session,
    minutes: &str,
    now: i64,
) -> Result<String> {
    let minutes = super::text("minutes", minutes, super::MAX_TEXT, true)?;
    if s.status != SessionStatus::Open {
        return Err(Error::WrongState);
    }
    let mut tx = db.begin().await?;
    if crate::store::polls::open_in_session(&mut tx, s.id)
        .await?
        .is_some()
    {
        return Err(Error::PollOpen);
    }
    let seq = bodies::next_number(&mut tx, body.id, true).await?;
    let number = format!("{seq}/NQ-{}", number_suffix(body));
    if store::close(&mut tx, s.id, &minutes, &number, now).await? == 0 {
        return Err(Error::WrongState);
    }
    audited(
        &mut tx,
        actor,
        "cabinet.session_closed",
        s.id,
        json!({"resolution": number}),
    )
    .await?;
    platform::live::publish(
        &mut tx,
        &super::session_topic(s.id),
        &json!({"session": s.id, "status": "closed"}),
    )
    .await?;
    tx.commit().await?;
    Ok(number)
}
