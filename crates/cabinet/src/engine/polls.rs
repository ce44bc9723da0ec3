//! Polls in a session: yes / no / abstain, named by default or secret.
//!
//! Reliability (what users of open meeting software complain about): the server owns the
//! ballots; one transaction per ballot, under a unique (poll, member) key and a unique client
//! ballot id, so a repeated submission is answered with the ballot already counted and never
//! counted twice; nobody's ballot is touched by another's; the count only goes up and is pushed
//! to every open page as it changes; the poll closes itself with the last eligible ballot, so
//! the result reaches every page with that same event.
//!
//! A **secret** poll keeps who voted (with the passkey evidence) apart from how: the choice goes
//! to a table with a random key, no member and no time. It is secret from the other members,
//! not from the operator of the database, who could correlate writes as they happen; pages say
//! so.

use platform::audit::{self, Actor, Change};
use platform::db::Db;
use serde_json::json;
use webauthn_rs::prelude::Webauthn;

use super::passkeys::{self, Confirmed};
use super::{Error, Result};
use crate::model::ballot::{self, ballot_text, client_id_ok, evidence_hash};
use crate::model::kinds::{Choice, PollStatus, Presence, SessionStatus};
use crate::model::rules::Side;
use crate::store::bodies::{self as bodies, Body};
use crate::store::polls::{self as store, Ballot, Poll};
use crate::store::sessions::{self as sessions, Session};

/// Opens a poll: the voters are the voting members present (in the room or remote) and, where
/// the body's rules let substitutes vote, the substitutes in their place.
#[allow(clippy::too_many_arguments)]
pub async fn open(
    db: &Db,
    actor: &Actor,
    body: &Body,
    s: &Session,
    item_id: Option<i64>,
    question: &str,
    secret: bool,
    now: i64,
) -> Result<i64> {
    let question = super::line("question", question, super::MAX_TITLE)?;
    if s.status != SessionStatus::Open {
        return Err(Error::WrongState);
    }
    if let Some(i) = item_id {
        match sessions::item(db, i).await? {
            Some(it) if it.session_id == s.id => {}
            _ => return Err(Error::NotFound),
        }
    }
    let day = crate::model::iso(crate::model::vn_day(s.opened_at.unwrap_or(now)));
    let members = bodies::in_office(db, body.id, &day).await?;
    let att = sessions::attendance(db, s.id).await?;
    let mut voters = Vec::new();
    for m in members.iter().filter(|m| m.voting) {
        let Some(a) = att.iter().find(|a| a.member_id == m.id) else {
            continue;
        };
        match a.presence {
            Presence::Room | Presence::Remote => voters.push((m.id, m.user_id)),
            Presence::Substitute if body.rules.substitutes_vote => {
                if let Some(u) = a.substitute_id {
                    voters.push((m.id, u));
                }
            }
            _ => {}
        }
    }
    if voters.is_empty() {
        return Err(Error::NoQuorum {
            present: 0,
            needed: body.rules.quorum_needed(s.total.unwrap_or(0) as u32),
        });
    }
    let mut tx = db.begin().await?;
    if store::open_in_session(&mut tx, s.id).await?.is_some() {
        return Err(Error::PollOpen);
    }
    let total = s.total.unwrap_or(members.len() as i64);
    let id = store::insert(
        &mut tx,
        s.id,
        item_id,
        &question,
        secret,
        total,
        voters.len() as i64,
        now,
    )
    .await?;
    for (m, u) in &voters {
        store::add_voter(&mut tx, id, *m, *u).await?;
    }
    audit::append(
        &mut tx,
        actor,
        Change {
            action: "cabinet.poll_opened",
            object_type: "cab_poll",
            object_id: id.to_string(),
            before: None,
            after: Some(
                json!({"session": s.id, "question": question, "secret": secret,
                "total": total, "eligible": voters.len()}),
            ),
        },
    )
    .await?;
    platform::live::publish(
        &mut tx,
        &super::session_topic(s.id),
        &json!({"session": s.id, "poll": id, "cast": 0, "eligible": voters.len(), "open": true}),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// A ballot as the page sends it.
pub struct Cast<'a> {
    pub choice: Choice,
    pub client_id: &'a str,
    pub ceremony: &'a str,
    pub credential: &'a str,
    pub member_sig: &'a str,
}

/// What became of a ballot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cast0 {
    /// Counted now; `closed` when it was the last and the poll closed with it.
    Counted { cast: i64, closed: bool },
    /// The same ballot (same client id) was already counted: nothing changed.
    Repeated,
}

/// The canonical text the member's own key signs (a secret poll's text names no choice).
pub fn canonical(poll: &Poll, member_id: i64, choice: Choice, client_id: &str) -> String {
    if poll.secret {
        ballot::ballot_text_secret(poll.id, member_id, client_id)
    } else {
        ballot_text(poll.id, member_id, choice, client_id)
    }
}

/// Casts a ballot: one transaction with the passkey's assertion, the evidence, the audit entry,
/// the count and the live event (and the closing of the poll when it is the last ballot).
pub async fn cast(
    db: &Db,
    rp: &Webauthn,
    actor: &Actor,
    user_id: i64,
    poll_id: i64,
    c: &Cast<'_>,
    now: i64,
) -> Result<Cast0> {
    if !client_id_ok(c.client_id) {
        return Err(Error::Invalid {
            field: "client_id",
            code: "cab_bad_client_id",
        });
    }
    let poll = store::get(db, poll_id).await?.ok_or(Error::NotFound)?;
    let session = sessions::get(db, poll.session_id)
        .await?
        .ok_or(Error::NotFound)?;
    let body = bodies::get(db, session.body_id)
        .await?
        .ok_or(Error::NotFound)?;
    let mut tx = db.begin().await?;
    let Some(member) = store::seat_of(&mut tx, poll_id, user_id).await? else {
        return Err(Error::NotAllowed);
    };
    // Locks the poll (PostgreSQL) so that the check below and the insert are one step.
    let open = store::lock_open(&mut tx, poll_id).await?;
    if let Some(b) = store::ballot_of(&mut tx, poll_id, member).await? {
        return if b.client_id == c.client_id {
            Ok(Cast0::Repeated)
        } else {
            Err(Error::AlreadyVoted)
        };
    }
    if !open {
        return Err(Error::WrongState);
    }
    let text = canonical(&poll, member, c.choice, c.client_id);
    let Confirmed {
        credential_id,
        challenge,
        assertion,
    } = passkeys::finish_confirmation(
        &mut tx,
        rp,
        user_id,
        c.ceremony,
        &format!("ballot:{poll_id}"),
        c.credential,
        now,
    )
    .await?;
    let sig = c.member_sig.trim().to_ascii_lowercase();
    match bodies::sign_key_of(&mut tx, member).await? {
        Some(key) => ballot::verify_member_signature(&key, &text, &sig)
            .map_err(|_| Error::MemberSignature)?,
        None if !sig.is_empty() => return Err(Error::MemberSignature),
        None => {}
    }
    let evidence = evidence_hash(&text, &assertion, &sig);
    let n = store::count_ballot(&mut tx, poll_id)
        .await?
        .ok_or(Error::WrongState)?;
    let mut after = json!({"member": member, "client_id": c.client_id, "evidence": evidence});
    if !poll.secret {
        after["choice"] = json!(c.choice.code());
    }
    let seq = audit::append(
        &mut tx,
        actor,
        Change {
            action: "cabinet.ballot_cast",
            object_type: "cab_poll",
            object_id: poll_id.to_string(),
            before: None,
            after: Some(after),
        },
    )
    .await?;
    store::insert_ballot(
        &mut tx,
        &Ballot {
            id: 0,
            poll_id,
            member_id: member,
            user_id,
            client_id: c.client_id.to_owned(),
            choice: (!poll.secret).then_some(c.choice),
            canonical: text,
            challenge,
            credential_id,
            assertion,
            member_sig: sig,
            evidence,
            audit_seq: seq,
            cast_at: now,
        },
    )
    .await?;
    if poll.secret {
        let token: [u8; 16] = rand::random();
        store::insert_secret(&mut tx, &hex::encode(token), poll_id, c.choice).await?;
    }
    let closed = n >= poll.eligible;
    if closed {
        close_in(&mut tx, actor, &body, &poll, now).await?;
    } else {
        platform::live::publish(
            &mut tx,
            &super::session_topic(poll.session_id),
            &json!({"session": poll.session_id, "poll": poll_id, "cast": n, "eligible": poll.eligible}),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(Cast0::Counted { cast: n, closed })
}

/// Counts and closes the poll inside `tx`.
async fn close_in(
    tx: &mut platform::db::Tx,
    actor: &Actor,
    body: &Body,
    poll: &Poll,
    now: i64,
) -> Result<()> {
    let (yes, no, abstain) = store::tally(tx, poll.id, poll.secret).await?;
    // The chair's side counts on a tie in a named poll only.
    let chair = if poll.secret {
        None
    } else {
        let row = tx
            .fetch_optional(
                "SELECT b.choice FROM cab_ballots b JOIN cab_members m ON m.id = b.member_id \
                 WHERE b.poll_id = $1 AND m.chair = $2",
                platform::params![poll.id, true],
            )
            .await?;
        match row {
            Some(r) => Choice::parse(&r.get::<String>("choice")?).map(Choice::side),
            None => Some(Side::Neither),
        }
    };
    let o = body
        .rules
        .outcome(poll.total as u32, yes as u32, no as u32, chair);
    if store::close(tx, poll.id, yes, no, abstain, o.passed, o.by_tie, now).await? == 0 {
        return Err(Error::WrongState);
    }
    let cast: i64 = tx
        .fetch_one(
            "SELECT cast_count FROM cab_polls WHERE id = $1",
            platform::params![poll.id],
        )
        .await?
        .get("cast_count")?;
    audit::append(
        tx,
        actor,
        Change {
            action: "cabinet.poll_closed",
            object_type: "cab_poll",
            object_id: poll.id.to_string(),
            before: None,
            after: Some(
                json!({"yes": yes, "no": no, "abstain": abstain, "cast": cast,
                "total": poll.total, "passed": o.passed, "by_tie": o.by_tie}),
            ),
        },
    )
    .await?;
    platform::live::publish(
        tx,
        &super::session_topic(poll.session_id),
        &json!({"session": poll.session_id, "poll": poll.id, "cast": cast,
            "eligible": poll.eligible, "closed": true}),
    )
    .await?;
    Ok(())
}

/// Closes a poll before every eligible member voted (the secretariat or the chair).
pub async fn close(db: &Db, actor: &Actor, body: &Body, poll: &Poll, now: i64) -> Result<()> {
    if poll.status != PollStatus::Open {
        return Err(Error::WrongState);
    }
    let mut tx = db.begin().await?;
    if !store::lock_open(&mut tx, poll.id).await? {
        return Err(Error::WrongState);
    }
    close_in(&mut tx, actor, body, poll, now).await?;
    tx.commit().await?;
    Ok(())
}
