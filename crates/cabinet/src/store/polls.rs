//! Polls and ballots: `cab_polls`, `cab_poll_voters`, `cab_ballots`, `cab_secret_ballots`.

use platform::db::{Db, DbResult, Row, Sql, Tx};
use platform::params;

use super::parse;
use crate::model::kinds::{Choice, PollStatus};

#[derive(Debug, Clone)]
pub struct Poll {
    pub id: i64,
    pub session_id: i64,
    pub item_id: Option<i64>,
    pub question: String,
    pub secret: bool,
    pub status: PollStatus,
    /// The whole membership when the poll opened: the majority is counted over it.
    pub total: i64,
    /// How many may vote (present members, and substitutes where they vote).
    pub eligible: i64,
    pub cast: i64,
    pub yes: Option<i64>,
    pub no: Option<i64>,
    pub abstain: Option<i64>,
    pub passed: Option<bool>,
    pub by_tie: Option<bool>,
    pub opened_at: i64,
    pub closed_at: Option<i64>,
}

const POLL: &str = "SELECT id, session_id, item_id, question, secret, status, total, eligible, \
     cast_count, yes_count, no_count, abstain_count, passed, by_tie, opened_at, closed_at FROM cab_polls";

fn poll(r: &Row) -> DbResult<Poll> {
    Ok(Poll {
        id: r.get("id")?,
        session_id: r.get("session_id")?,
        item_id: r.get("item_id")?,
        question: r.get("question")?,
        secret: r.get("secret")?,
        status: parse(
            "cab_polls.status",
            &r.get::<String>("status")?,
            PollStatus::parse,
        )?,
        total: r.get("total")?,
        eligible: r.get("eligible")?,
        cast: r.get("cast_count")?,
        yes: r.get("yes_count")?,
        no: r.get("no_count")?,
        abstain: r.get("abstain_count")?,
        passed: r.get("passed")?,
        by_tie: r.get("by_tie")?,
        opened_at: r.get("opened_at")?,
        closed_at: r.get("closed_at")?,
    })
}

pub async fn get(db: &Db, id: i64) -> DbResult<Option<Poll>> {
    db.fetch_optional(Sql::trusted(format!("{POLL} WHERE id = $1")), params![id])
        .await?
        .as_ref()
        .map(poll)
        .transpose()
}

pub async fn get_tx(tx: &mut Tx, id: i64) -> DbResult<Option<Poll>> {
    tx.fetch_optional(Sql::trusted(format!("{POLL} WHERE id = $1")), params![id])
        .await?
        .as_ref()
        .map(poll)
        .transpose()
}

/// A session's polls, oldest first.
pub async fn of_session(db: &Db, session_id: i64) -> DbResult<Vec<Poll>> {
    db.fetch_all(
        Sql::trusted(format!(
            "{POLL} WHERE session_id = $1 ORDER BY id LIMIT 200"
        )),
        params![session_id],
    )
    .await?
    .iter()
    .map(poll)
    .collect()
}

pub async fn open_in_session(tx: &mut Tx, session_id: i64) -> DbResult<Option<i64>> {
    tx.fetch_optional(
        "SELECT id FROM cab_polls WHERE session_id = $1 AND status = 'open'",
        params![session_id],
    )
    .await?
    .map(|r| r.get("id"))
    .transpose()
}

#[allow(clippy::too_many_arguments)]
pub async fn insert(
    tx: &mut Tx,
    session_id: i64,
    item_id: Option<i64>,
    question: &str,
    secret: bool,
    total: i64,
    eligible: i64,
    now: i64,
) -> DbResult<i64> {
    tx.fetch_one(
        "INSERT INTO cab_polls (session_id, item_id, question, secret, status, total, eligible, opened_at) \
         VALUES ($1, $2, $3, $4, 'open', $5, $6, $7) RETURNING id",
        params![session_id, item_id, question, secret, total, eligible, now],
    )
    .await?
    .get("id")
}

pub async fn add_voter(tx: &mut Tx, poll_id: i64, member_id: i64, user_id: i64) -> DbResult<()> {
    tx.execute(
        "INSERT INTO cab_poll_voters (poll_id, member_id, user_id) VALUES ($1, $2, $3)",
        params![poll_id, member_id, user_id],
    )
    .await?;
    Ok(())
}

/// The member this user votes for in the poll (their own seat, or the one they substitute).
pub async fn seat_of(tx: &mut Tx, poll_id: i64, user_id: i64) -> DbResult<Option<i64>> {
    tx.fetch_optional(
        "SELECT member_id FROM cab_poll_voters WHERE poll_id = $1 AND user_id = $2",
        params![poll_id, user_id],
    )
    .await?
    .map(|r| r.get("member_id"))
    .transpose()
}

pub async fn seat_of_db(db: &Db, poll_id: i64, user_id: i64) -> DbResult<Option<i64>> {
    db.fetch_optional(
        "SELECT member_id FROM cab_poll_voters WHERE poll_id = $1 AND user_id = $2",
        params![poll_id, user_id],
    )
    .await?
    .map(|r| r.get("member_id"))
    .transpose()
}

/// Counts one more ballot in an open poll and returns the new count; None when the poll is not
/// open. On PostgreSQL the row stays locked until the transaction ends, which orders the
/// ballots of one poll.
pub async fn count_ballot(tx: &mut Tx, poll_id: i64) -> DbResult<Option<i64>> {
    tx.fetch_optional(
        "UPDATE cab_polls SET cast_count = cast_count + 1 WHERE id = $1 AND status = 'open' \
         RETURNING cast_count",
        params![poll_id],
    )
    .await?
    .map(|r| r.get("cast_count"))
    .transpose()
}

/// Locks an open poll's row (PostgreSQL) and tells whether it is open.
pub async fn lock_open(tx: &mut Tx, poll_id: i64) -> DbResult<bool> {
    Ok(tx
        .fetch_optional(
            "UPDATE cab_polls SET cast_count = cast_count WHERE id = $1 AND status = 'open' RETURNING id",
            params![poll_id],
        )
        .await?
        .is_some())
}

#[allow(clippy::too_many_arguments)]
pub async fn close(
    tx: &mut Tx,
    poll_id: i64,
    yes: i64,
    no: i64,
    abstain: i64,
    passed: bool,
    by_tie: bool,
    now: i64,
) -> DbResult<u64> {
    tx.execute(
        "UPDATE cab_polls SET status = 'closed', yes_count = $2, no_count = $3, abstain_count = $4, \
         passed = $5, by_tie = $6, closed_at = $7 WHERE id = $1 AND status = 'open'",
        params![poll_id, yes, no, abstain, passed, by_tie, now],
    )
    .await
}

#[derive(Debug, Clone)]
pub struct Ballot {
    pub id: i64,
    pub poll_id: i64,
    pub member_id: i64,
    pub user_id: i64,
    pub client_id: String,
    /// Empty in a secret poll.
    pub choice: Option<Choice>,
    pub canonical: String,
    pub challenge: String,
    pub credential_id: String,
    pub assertion: String,
    pub member_sig: String,
    pub evidence: String,
    pub audit_seq: i64,
    pub cast_at: i64,
}

const BALLOT: &str = "SELECT id, poll_id, member_id, user_id, client_id, choice, canonical, challenge, \
     credential_id, assertion, member_sig, evidence, audit_seq, cast_at FROM cab_ballots";

fn ballot(r: &Row) -> DbResult<Ballot> {
    let c: String = r.get("choice")?;
    Ok(Ballot {
        id: r.get("id")?,
        poll_id: r.get("poll_id")?,
        member_id: r.get("member_id")?,
        user_id: r.get("user_id")?,
        client_id: r.get("client_id")?,
        choice: if c.is_empty() {
            None
        } else {
            Some(parse("cab_ballots.choice", &c, Choice::parse)?)
        },
        canonical: r.get("canonical")?,
        challenge: r.get("challenge")?,
        credential_id: r.get("credential_id")?,
        assertion: r.get("assertion")?,
        member_sig: r.get("member_sig")?,
        evidence: r.get("evidence")?,
        audit_seq: r.get("audit_seq")?,
        cast_at: r.get("cast_at")?,
    })
}

pub async fn ballot_of(tx: &mut Tx, poll_id: i64, member_id: i64) -> DbResult<Option<Ballot>> {
    tx.fetch_optional(
        Sql::trusted(format!("{BALLOT} WHERE poll_id = $1 AND member_id = $2")),
        params![poll_id, member_id],
    )
    .await?
    .as_ref()
    .map(ballot)
    .transpose()
}

pub async fn ballot_of_db(db: &Db, poll_id: i64, member_id: i64) -> DbResult<Option<Ballot>> {
    db.fetch_optional(
        Sql::trusted(format!("{BALLOT} WHERE poll_id = $1 AND member_id = $2")),
        params![poll_id, member_id],
    )
    .await?
    .as_ref()
    .map(ballot)
    .transpose()
}

pub async fn ballots(db: &Db, poll_id: i64) -> DbResult<Vec<Ballot>> {
    db.fetch_all(
        Sql::trusted(format!("{BALLOT} WHERE poll_id = $1 ORDER BY id")),
        params![poll_id],
    )
    .await?
    .iter()
    .map(ballot)
    .collect()
}

/// A named poll's votes for its page: (member's name, choice), in the body's order, at most
/// `limit` — one query, without the evidence columns.
pub async fn named_votes(db: &Db, poll_id: i64, limit: i64) -> DbResult<Vec<(String, Choice)>> {
    db.fetch_all(
        "SELECT u.display_name AS name, b.choice FROM cab_ballots b \
         JOIN cab_members m ON m.id = b.member_id JOIN users u ON u.id = m.user_id \
         WHERE b.poll_id = $1 AND b.choice <> '' ORDER BY m.position, m.id LIMIT $2",
        params![poll_id, limit],
    )
    .await?
    .iter()
    .map(|r| {
        Ok((
            r.get("name")?,
            parse(
                "cab_ballots.choice",
                &r.get::<String>("choice")?,
                Choice::parse,
            )?,
        ))
    })
    .collect()
}

pub async fn insert_ballot(tx: &mut Tx, b: &Ballot) -> DbResult<i64> {
    tx.fetch_one(
        "INSERT INTO cab_ballots (poll_id, member_id, user_id, client_id, choice, canonical, challenge, \
         credential_id, assertion, member_sig, evidence, audit_seq, cast_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
        params![
            b.poll_id,
            b.member_id,
            b.user_id,
            b.client_id.as_str(),
            b.choice.map(|c| c.code()).unwrap_or(""),
            b.canonical.as_str(),
            b.challenge.as_str(),
            b.credential_id.as_str(),
            b.assertion.as_str(),
            b.member_sig.as_str(),
            b.evidence.as_str(),
            b.audit_seq,
            b.cast_at
        ],
    )
    .await?
    .get("id")
}

pub async fn insert_secret(tx: &mut Tx, token: &str, poll_id: i64, choice: Choice) -> DbResult<()> {
    tx.execute(
        "INSERT INTO cab_secret_ballots (token, poll_id, choice) VALUES ($1, $2, $3)",
        params![token, poll_id, choice.code()],
    )
    .await?;
    Ok(())
}

/// The counts of a poll's choices: (yes, no, abstain), from the named ballots or, for a secret
/// poll, from the unlinked ones.
pub async fn tally(tx: &mut Tx, poll_id: i64, secret: bool) -> DbResult<(i64, i64, i64)> {
    let sql = if secret {
        "SELECT choice, COUNT(*) AS n FROM cab_secret_ballots WHERE poll_id = $1 GROUP BY choice"
    } else {
        "SELECT choice, COUNT(*) AS n FROM cab_ballots WHERE poll_id = $1 GROUP BY choice"
    };
    let mut out = (0, 0, 0);
    for r in tx.fetch_all(sql, params![poll_id]).await? {
        let n: i64 = r.get("n")?;
        match parse("choice", &r.get::<String>("choice")?, Choice::parse)? {
            Choice::Yes => out.0 = n,
            Choice::No => out.1 = n,
            Choice::Abstain => out.2 = n,
        }
    }
    Ok(out)
}

pub async fn tally_db(db: &Db, poll_id: i64, secret: bool) -> DbResult<(i64, i64, i64)> {
    let mut tx = db.begin().await?;
    let t = tally(&mut tx, poll_id, secret).await?;
    tx.commit().await?;
    Ok(t)
}

/// How many ballots a poll holds in each table: (named rows, secret rows).
pub async fn row_counts(db: &Db, poll_id: i64) -> DbResult<(i64, i64)> {
    let a: i64 = db
        .fetch_one(
            "SELECT COUNT(*) AS n FROM cab_ballots WHERE poll_id = $1",
            params![poll_id],
        )
        .await?
        .get("n")?;
    let b: i64 = db
        .fetch_one(
            "SELECT COUNT(*) AS n FROM cab_secret_ballots WHERE poll_id = $1",
            params![poll_id],
        )
        .await?
        .get("n")?;
    Ok((a, b))
}
