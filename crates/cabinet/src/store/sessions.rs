//! Sessions and their agendas: `cab_sessions`, `cab_items`, `cab_item_papers`,
//! `cab_draft_versions`, `cab_marks`, `cab_attendance`, `cab_invitees`, `cab_speakers`.

use platform::db::{Db, DbResult, Row, Sql, Tx};
use platform::params;

use super::parse;
use crate::model::kinds::{ItemStatus, Mark, Presence, SessionKind, SessionStatus};

#[derive(Debug, Clone)]
pub struct Session {
    pub id: i64,
    pub body_id: i64,
    pub kind: SessionKind,
    pub title: String,
    pub starts_at: i64,
    pub place: String,
    pub status: SessionStatus,
    pub papers_sent_at: Option<i64>,
    pub opened_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub total: Option<i64>,
    pub minutes: String,
    pub resolution: Option<String>,
}

const SESSION: &str = "SELECT id, body_id, kind, title, starts_at, place, status, papers_sent_at, \
     opened_at, closed_at, total, minutes, resolution FROM cab_sessions";

fn session(r: &Row) -> DbResult<Session> {
    Ok(Session {
        id: r.get("id")?,
        body_id: r.get("body_id")?,
        kind: parse(
            "cab_sessions.kind",
            &r.get::<String>("kind")?,
            SessionKind::parse,
        )?,
        title: r.get("title")?,
        starts_at: r.get("starts_at")?,
        place: r.get("place")?,
        status: parse(
            "cab_sessions.status",
            &r.get::<String>("status")?,
            SessionStatus::parse,
        )?,
        papers_sent_at: r.get("papers_sent_at")?,
        opened_at: r.get("opened_at")?,
        closed_at: r.get("closed_at")?,
        total: r.get("total")?,
        minutes: r.get("minutes")?,
        resolution: r.get("resolution")?,
    })
}

pub async fn get(db: &Db, id: i64) -> DbResult<Option<Session>> {
    db.fetch_optional(
        Sql::trusted(format!("{SESSION} WHERE id = $1")),
        params![id],
    )
    .await?
    .as_ref()
    .map(session)
    .transpose()
}

pub async fn get_for_update(tx: &mut Tx, id: i64) -> DbResult<Option<Session>> {
    let lock = if tx.backend() == platform::db::Backend::Postgres {
        " FOR UPDATE"
    } else {
        ""
    };
    tx.fetch_optional(
        Sql::trusted(format!("{SESSION} WHERE id = $1{lock}")),
        params![id],
    )
    .await?
    .as_ref()
    .map(session)
    .transpose()
}

pub async fn of_body(db: &Db, body_id: i64, limit: i64) -> DbResult<Vec<Session>> {
    db.fetch_all(
        Sql::trusted(format!(
            "{SESSION} WHERE body_id = $1 ORDER BY starts_at DESC, id DESC LIMIT $2"
        )),
        params![body_id, limit],
    )
    .await?
    .iter()
    .map(session)
    .collect()
}

pub async fn insert(
    tx: &mut Tx,
    body_id: i64,
    kind: SessionKind,
    title: &str,
    starts_at: i64,
    place: &str,
    now: i64,
) -> DbResult<i64> {
    tx.fetch_one(
        "INSERT INTO cab_sessions (body_id, kind, title, starts_at, place, status, created_at) \
         VALUES ($1, $2, $3, $4, $5, 'planned', $6) RETURNING id",
        params![body_id, kind.code(), title, starts_at, place, now],
    )
    .await?
    .get("id")
}

pub async fn set_papers_sent(tx: &mut Tx, id: i64, now: i64) -> DbResult<u64> {
    tx.execute(
        "UPDATE cab_sessions SET papers_sent_at = $2 WHERE id = $1",
        params![id, now],
    )
    .await
}

pub async fn open(tx: &mut Tx, id: i64, total: i64, now: i64) -> DbResult<u64> {
    tx.execute(
        "UPDATE cab_sessions SET status = 'open', opened_at = $2, total = $3 WHERE id = $1 AND status = 'planned'",
        params![id, now, total],
    )
    .await
}

pub async fn close(
    tx: &mut Tx,
    id: i64,
    minutes: &str,
    resolution: &str,
    now: i64,
) -> DbResult<u64> {
    tx.execute(
        "UPDATE cab_sessions SET status = 'closed', closed_at = $2, minutes = $3, resolution = $4 \
         WHERE id = $1 AND status = 'open'",
        params![id, now, minutes, resolution],
    )
    .await
}

#[derive(Debug, Clone)]
pub struct Item {
    pub id: i64,
    pub session_id: i64,
    pub parent_id: Option<i64>,
    pub position: i64,
    pub title: String,
    pub presenter_agency_id: Option<i64>,
    pub minutes: i64,
    pub status: ItemStatus,
    pub draft: String,
    pub draft_version: i64,
}

const ITEM: &str = "SELECT id, session_id, parent_id, position, title, presenter_agency_id, minutes, \
     status, draft, draft_version FROM cab_items";

fn item_of(r: &Row) -> DbResult<Item> {
    Ok(Item {
        id: r.get("id")?,
        session_id: r.get("session_id")?,
        parent_id: r.get("parent_id")?,
        position: r.get("position")?,
        title: r.get("title")?,
        presenter_agency_id: r.get("presenter_agency_id")?,
        minutes: r.get("minutes")?,
        status: parse(
            "cab_items.status",
            &r.get::<String>("status")?,
            ItemStatus::parse,
        )?,
        draft: r.get("draft")?,
        draft_version: r.get("draft_version")?,
    })
}

/// A session's agenda in order (a tree: parents before their children, by position).
pub async fn items(db: &Db, session_id: i64) -> DbResult<Vec<Item>> {
    db.fetch_all(
        Sql::trusted(format!(
            "{ITEM} WHERE session_id = $1 ORDER BY position, id LIMIT 500"
        )),
        params![session_id],
    )
    .await?
    .iter()
    .map(item_of)
    .collect()
}

pub async fn items_tx(tx: &mut Tx, session_id: i64) -> DbResult<Vec<Item>> {
    tx.fetch_all(
        Sql::trusted(format!(
            "{ITEM} WHERE session_id = $1 ORDER BY position, id LIMIT 500"
        )),
        params![session_id],
    )
    .await?
    .iter()
    .map(item_of)
    .collect()
}

pub async fn item(db: &Db, id: i64) -> DbResult<Option<Item>> {
    db.fetch_optional(Sql::trusted(format!("{ITEM} WHERE id = $1")), params![id])
        .await?
        .as_ref()
        .map(item_of)
        .transpose()
}

pub async fn count_items(tx: &mut Tx, session_id: i64) -> DbResult<i64> {
    tx.fetch_one(
        "SELECT COUNT(*) AS n FROM cab_items WHERE session_id = $1",
        params![session_id],
    )
    .await?
    .get("n")
}

pub async fn insert_item(
    tx: &mut Tx,
    session_id: i64,
    parent_id: Option<i64>,
    title: &str,
    presenter_agency_id: Option<i64>,
    minutes: i64,
) -> DbResult<i64> {
    tx.fetch_one(
        "INSERT INTO cab_items (session_id, parent_id, position, title, presenter_agency_id, minutes, status) \
         SELECT $1, $2, COALESCE(MAX(position), 0) + 1, $3, $4, $5, 'pending' FROM cab_items WHERE session_id = $1 \
         RETURNING id",
        params![session_id, parent_id, title, presenter_agency_id, minutes],
    )
    .await?
    .get("id")
}

pub async fn set_item_status(tx: &mut Tx, id: i64, status: ItemStatus) -> DbResult<u64> {
    tx.execute(
        "UPDATE cab_items SET status = $2 WHERE id = $1",
        params![id, status.code()],
    )
    .await
}

/// Saves a new version of an item's draft; returns its number.
pub async fn save_draft(
    tx: &mut Tx,
    item_id: i64,
    text: &str,
    user_id: Option<i64>,
    now: i64,
) -> DbResult<i64> {
    let v: i64 = tx
        .fetch_one(
            "UPDATE cab_items SET draft = $2, draft_version = draft_version + 1 WHERE id = $1 \
             RETURNING draft_version",
            params![item_id, text],
        )
        .await?
        .get("draft_version")?;
    tx.execute(
        "INSERT INTO cab_draft_versions (item_id, version, text, user_id, at) VALUES ($1, $2, $3, $4, $5)",
        params![item_id, v, text, user_id, now],
    )
    .await?;
    Ok(v)
}

/// The text of a draft's version `v`.
pub async fn draft_version(db: &Db, item_id: i64, v: i64) -> DbResult<Option<String>> {
    db.fetch_optional(
        "SELECT text FROM cab_draft_versions WHERE item_id = $1 AND version = $2",
        params![item_id, v],
    )
    .await?
    .map(|r| r.get("text"))
    .transpose()
}

pub async fn add_item_paper(
    tx: &mut Tx,
    item_id: i64,
    name: &str,
    sha256: &str,
    size: i64,
) -> DbResult<i64> {
    tx.fetch_one(
        "INSERT INTO cab_item_papers (item_id, n, name, sha256, size) \
         SELECT $1, COALESCE(MAX(n), 0) + 1, $2, $3, $4 FROM cab_item_papers WHERE item_id = $1 RETURNING n",
        params![item_id, name, sha256, size],
    )
    .await?
    .get("n")
}

/// Papers of a session's items: (item, n, name, sha256, size).
pub async fn papers(db: &Db, session_id: i64) -> DbResult<Vec<(i64, i64, String, String, i64)>> {
    db.fetch_all(
        "SELECT p.item_id, p.n, p.name, p.sha256, p.size FROM cab_item_papers p \
         JOIN cab_items i ON i.id = p.item_id WHERE i.session_id = $1 ORDER BY p.item_id, p.n LIMIT 2000",
        params![session_id],
    )
    .await?
    .iter()
    .map(|r| {
        Ok((
            r.get("item_id")?,
            r.get("n")?,
            r.get("name")?,
            r.get("sha256")?,
            r.get("size")?,
        ))
    })
    .collect()
}

pub async fn put_mark(
    tx: &mut Tx,
    item_id: i64,
    member_id: i64,
    mark: Mark,
    comment: &str,
    now: i64,
) -> DbResult<()> {
    tx.execute(
        "INSERT INTO cab_marks (item_id, member_id, mark, comment, at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (item_id, member_id) DO UPDATE SET mark = excluded.mark, \
         comment = excluded.comment, at = excluded.at",
        params![item_id, member_id, mark.code(), comment, now],
    )
    .await?;
    Ok(())
}

/// Marks on a session's items: (item, member, mark, comment).
pub async fn marks(db: &Db, session_id: i64) -> DbResult<Vec<(i64, i64, Mark, String)>> {
    db.fetch_all(
        "SELECT k.item_id, k.member_id, k.mark, k.comment FROM cab_marks k \
         JOIN cab_items i ON i.id = k.item_id WHERE i.session_id = $1 ORDER BY k.item_id, k.member_id",
        params![session_id],
    )
    .await?
    .iter()
    .map(|r| {
        Ok((
            r.get("item_id")?,
            r.get("member_id")?,
            parse("cab_marks.mark", &r.get::<String>("mark")?, Mark::parse)?,
            r.get("comment")?,
        ))
    })
    .collect()
}

/// Items of the session somebody objected to or asked to speak on.
pub async fn disputed_items(tx: &mut Tx, session_id: i64) -> DbResult<Vec<i64>> {
    tx.fetch_all(
        "SELECT DISTINCT k.item_id FROM cab_marks k JOIN cab_items i ON i.id = k.item_id \
         WHERE i.session_id = $1 AND k.mark <> 'no_objection'",
        params![session_id],
    )
    .await?
    .iter()
    .map(|r| r.get("item_id"))
    .collect()
}

pub async fn put_attendance(
    tx: &mut Tx,
    session_id: i64,
    member_id: i64,
    presence: Presence,
    substitute_id: Option<i64>,
    now: i64,
) -> DbResult<()> {
    tx.execute(
        "INSERT INTO cab_attendance (session_id, member_id, presence, substitute_id, at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (session_id, member_id) DO UPDATE SET \
         presence = excluded.presence, substitute_id = excluded.substitute_id, at = excluded.at",
        params![session_id, member_id, presence.code(), substitute_id, now],
    )
    .await?;
    Ok(())
}

#[derive(Debug, Clone)]
pub struct Attendance {
    pub member_id: i64,
    pub presence: Presence,
    pub substitute_id: Option<i64>,
    pub substitute_name: Option<String>,
}

fn attendance_row(r: &Row) -> DbResult<Attendance> {
    Ok(Attendance {
        member_id: r.get("member_id")?,
        presence: parse(
            "cab_attendance.presence",
            &r.get::<String>("presence")?,
            Presence::parse,
        )?,
        substitute_id: r.get("substitute_id")?,
        substitute_name: r.get("substitute_name")?,
    })
}

const ATTENDANCE: &str = "SELECT a.member_id, a.presence, a.substitute_id, u.display_name AS substitute_name \
     FROM cab_attendance a LEFT JOIN users u ON u.id = a.substitute_id WHERE a.session_id = $1";

pub async fn attendance(db: &Db, session_id: i64) -> DbResult<Vec<Attendance>> {
    db.fetch_all(ATTENDANCE, params![session_id])
        .await?
        .iter()
        .map(attendance_row)
        .collect()
}

pub async fn attendance_tx(tx: &mut Tx, session_id: i64) -> DbResult<Vec<Attendance>> {
    tx.fetch_all(ATTENDANCE, params![session_id])
        .await?
        .iter()
        .map(attendance_row)
        .collect()
}

pub async fn add_invitee(
    tx: &mut Tx,
    session_id: i64,
    name: &str,
    organisation: &str,
) -> DbResult<i64> {
    tx.fetch_one(
        "INSERT INTO cab_invitees (session_id, name, organisation) VALUES ($1, $2, $3) RETURNING id",
        params![session_id, name, organisation],
    )
    .await?
    .get("id")
}

pub async fn invitees_count(tx: &mut Tx, session_id: i64) -> DbResult<i64> {
    tx.fetch_one(
        "SELECT COUNT(*) AS n FROM cab_invitees WHERE session_id = $1",
        params![session_id],
    )
    .await?
    .get("n")
}

pub async fn invitees(db: &Db, session_id: i64) -> DbResult<Vec<(String, String)>> {
    db.fetch_all(
        "SELECT name, organisation FROM cab_invitees WHERE session_id = $1 ORDER BY id LIMIT 200",
        params![session_id],
    )
    .await?
    .iter()
    .map(|r| Ok((r.get("name")?, r.get("organisation")?)))
    .collect()
}

/// Adds the member to an item's list of speakers (once).
pub async fn add_speaker(tx: &mut Tx, item_id: i64, member_id: i64, now: i64) -> DbResult<u64> {
    tx.execute(
        "INSERT INTO cab_speakers (item_id, member_id, at) VALUES ($1, $2, $3) \
         ON CONFLICT (item_id, member_id) DO NOTHING",
        params![item_id, member_id, now],
    )
    .await
}

pub async fn speaker_done(tx: &mut Tx, item_id: i64, member_id: i64) -> DbResult<u64> {
    tx.execute(
        "UPDATE cab_speakers SET done = $3 WHERE item_id = $1 AND member_id = $2",
        params![item_id, member_id, true],
    )
    .await
}

/// Speakers of a session's items in the order they asked: (item, member, done).
pub async fn speakers(db: &Db, session_id: i64) -> DbResult<Vec<(i64, i64, bool)>> {
    db.fetch_all(
        "SELECT s.item_id, s.member_id, s.done FROM cab_speakers s JOIN cab_items i ON i.id = s.item_id \
         WHERE i.session_id = $1 ORDER BY s.item_id, s.at, s.id LIMIT 2000",
        params![session_id],
    )
    .await?
    .iter()
    .map(|r| Ok((r.get("item_id")?, r.get("member_id")?, r.get("done")?)))
    .collect()
}
