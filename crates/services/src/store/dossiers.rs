//! Dossiers, their timeline, files and code counters: `svc_dossiers`, `svc_dossier_events`,
//! `svc_dossier_files`, `svc_dossier_counters` (migration 0032).

use platform::db::{Db, DbError, DbResult, Row, Sql, Tx};
use platform::i18n::Lang;
use platform::params;
use time::Date;

use crate::model::dossier::{Applicant, Channel, Dossier, DossierFile, Event, Status};

const COLUMNS: &str = "id, code, version_id, procedure_code, procedure_name, field_code, agency_id, \
    channel, status, applicant_user_id, applicant_kind, applicant_id, applicant_name, phone, email, \
    address, lang, summary, form_data, fee_vnd, fee_paid, holder_user_id, holder_note, reason, \
    received_at, due_date, stopped_on, finished_at, returned_at, on_time, result_sha256, \
    result_name, events, created_at, updated_at";

fn corrupt(column: &str, problem: String) -> DbError {
    DbError::Decode {
        column: column.to_owned(),
        problem,
    }
}

fn date(row: &Row, column: &str) -> DbResult<Option<Date>> {
    let s: Option<String> = row.get(column)?;
    s.map(|s| {
        Date::parse(
            &s,
            time::macros::format_description!("[year]-[month]-[day]"),
        )
        .map_err(|_| corrupt(column, format!("not a date: {s:?}")))
    })
    .transpose()
}

fn dossier_of(row: &Row) -> DbResult<Dossier> {
    let channel: i64 = row.get("channel")?;
    let status: i64 = row.get("status")?;
    let kind: String = row.get("applicant_kind")?;
    let form: String = row.get("form_data")?;
    let lang: String = row.get("lang")?;
    let on_time: Option<i64> = row.get("on_time")?;
    let fee_paid: i64 = row.get("fee_paid")?;
    Ok(Dossier {
        id: row.get("id")?,
        code: row.get("code")?,
        version_id: row.get("version_id")?,
        procedure_code: row.get("procedure_code")?,
        procedure_name: row.get("procedure_name")?,
        field_code: row.get("field_code")?,
        agency_id: row.get("agency_id")?,
        channel: Channel::from_number(channel)
            .ok_or_else(|| corrupt("channel", format!("unknown channel {channel}")))?,
        status: match status {
            0 => None,
            n => Some(
                Status::from_number(n)
                    .ok_or_else(|| corrupt("status", format!("unknown status {n}")))?,
            ),
        },
        applicant: Applicant {
            user_id: row.get("applicant_user_id")?,
            business: match kind.as_str() {
                "citizen" => false,
                "business" => true,
                other => return Err(corrupt("applicant_kind", format!("unknown kind {other:?}"))),
            },
            identifier: row.get("applicant_id")?,
            name: row.get("applicant_name")?,
            phone: row.get("phone")?,
            email: row.get("email")?,
            address: row.get("address")?,
        },
        lang: if lang == "en" { Lang::En } else { Lang::Vi },
        summary: row.get("summary")?,
        form_data: serde_json::from_str(&form).map_err(|e| corrupt("form_data", e.to_string()))?,
        fee_vnd: row.get("fee_vnd")?,
        fee_paid: fee_paid != 0,
        holder_user_id: row.get("holder_user_id")?,
        holder_note: row.get("holder_note")?,
        reason: row.get("reason")?,
        received_at: row.get("received_at")?,
        due_date: date(row, "due_date")?,
        stopped_on: date(row, "stopped_on")?,
        finished_at: row.get("finished_at")?,
        returned_at: row.get("returned_at")?,
        on_time: on_time.map(|v| v != 0),
        result_sha256: row.get("result_sha256")?,
        result_name: row.get("result_name")?,
        events: row.get("events")?,
        created_at: row.get("created_at")?,
        updated_at: row.get("updated_at")?,
    })
}

fn day(d: Option<Date>) -> Option<String> {
    d.map(|d| d.to_string())
}

/// Stores a new dossier (a draft, or one recorded at the desk); its id.
pub async fn insert(tx: &mut Tx, d: &Dossier) -> DbResult<i64> {
    let a = &d.applicant;
    let row = tx
        .fetch_one(
            "INSERT INTO svc_dossiers (code, version_id, procedure_code, procedure_name, field_code, \
             agency_id, channel, status, applicant_user_id, applicant_kind, applicant_id, \
             applicant_name, phone, email, address, lang, summary, form_data, fee_vnd, created_at, \
             updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, \
             $16, $17, $18, $19, $20, $20) RETURNING id",
            params![
                d.code.clone(),
                d.version_id,
                d.procedure_code.as_str(),
                d.procedure_name.as_str(),
                d.field_code.as_str(),
                d.agency_id,
                i64::from(d.channel.number()),
                d.status.map_or(0, |s| i64::from(s.number())),
                a.user_id,
                if a.business { "business" } else { "citizen" },
                a.identifier.as_str(),
                a.name.as_str(),
                a.phone.as_str(),
                a.email.as_str(),
                a.address.as_str(),
                if d.lang == Lang::En { "en" } else { "vi" },
                d.summary.as_str(),
                d.form_data.to_string(),
                d.fee_vnd,
                d.created_at
            ],
        )
        .await?;
    row.get("id")
}

/// Writes every column that changes over a dossier's life (the engine computes the new state).
pub async fn save(tx: &mut Tx, d: &Dossier, secret_hash: Option<&str>) -> DbResult<()> {
    let a = &d.applicant;
    tx.execute(
        "UPDATE svc_dossiers SET code = $1, status = $2, applicant_kind = $3, applicant_id = $4, \
         applicant_name = $5, phone = $6, email = $7, address = $8, summary = $9, form_data = $10, \
         fee_paid = $11, holder_user_id = $12, holder_note = $13, reason = $14, received_at = $15, \
         due_date = $16, stopped_on = $17, finished_at = $18, returned_at = $19, on_time = $20, \
         result_sha256 = $21, result_name = $22, events = $23, updated_at = $24, \
         secret_hash = COALESCE($25, secret_hash), agency_id = $26 WHERE id = $27",
        params![
            d.code.clone(),
            d.status.map_or(0, |s| i64::from(s.number())),
            if a.business { "business" } else { "citizen" },
            a.identifier.as_str(),
            a.name.as_str(),
            a.phone.as_str(),
            a.email.as_str(),
            a.address.as_str(),
            d.summary.as_str(),
            d.form_data.to_string(),
            i64::from(d.fee_paid),
            d.holder_user_id,
            d.holder_note.as_str(),
            d.reason.as_str(),
            d.received_at,
            day(d.due_date),
            day(d.stopped_on),
            d.finished_at,
            d.returned_at,
            d.on_time.map(i64::from),
            d.result_sha256.clone(),
            d.result_name.clone(),
            d.events,
            d.updated_at,
            secret_hash,
            d.agency_id,
            d.id
        ],
    )
    .await?;
    Ok(())
}

pub async fn get(db: &Db, id: i64) -> DbResult<Option<Dossier>> {
    let sql = format!("SELECT {COLUMNS} FROM svc_dossiers WHERE id = $1");
    db.fetch_optional(Sql::trusted(sql), params![id])
        .await?
        .as_ref()
        .map(dossier_of)
        .transpose()
}

/// The dossier, locked for a change (PostgreSQL `FOR UPDATE`; SQLite's transaction already
/// holds the writer's lock once it has written: the caller touches the row first).
pub async fn get_for_update(tx: &mut Tx, id: i64) -> DbResult<Option<Dossier>> {
    tx.execute(
        "UPDATE svc_dossiers SET updated_at = updated_at WHERE id = $1",
        params![id],
    )
    .await?;
    let sql = format!("SELECT {COLUMNS} FROM svc_dossiers WHERE id = $1");
    tx.fetch_optional(Sql::trusted(sql), params![id])
        .await?
        .as_ref()
        .map(dossier_of)
        .transpose()
}

/// A dossier by its code, with the hash of its lookup secret.
pub async fn by_code(db: &Db, code: &str) -> DbResult<Option<(Dossier, Option<String>)>> {
    let sql = format!("SELECT {COLUMNS}, secret_hash FROM svc_dossiers WHERE code = $1");
    match db.fetch_optional(Sql::trusted(sql), params![code]).await? {
        Some(row) => Ok(Some((dossier_of(&row)?, row.get("secret_hash")?))),
        None => Ok(None),
    }
}

/// The next sequence number of `agency`'s dossiers received on `day`: one statement, so two
/// submissions never get the same number.
pub async fn next_seq(tx: &mut Tx, agency_id: i64, day: &str) -> DbResult<i64> {
    let row = tx
        .fetch_one(
            "INSERT INTO svc_dossier_counters (agency_id, day, next) VALUES ($1, $2, 1) \
             ON CONFLICT (agency_id, day) DO UPDATE SET next = svc_dossier_counters.next + 1 \
             RETURNING next",
            params![agency_id, day],
        )
        .await?;
    row.get("next")
}

pub async fn add_event(tx: &mut Tx, dossier_id: i64, e: &Event) -> DbResult<()> {
    tx.execute(
        "INSERT INTO svc_dossier_events (dossier_id, seq, at, actor_id, actor_name, action, \
         status_from, status_to, note) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        params![
            dossier_id,
            e.seq,
            e.at,
            e.actor_id,
            e.actor_name.as_str(),
            e.action.as_str(),
            e.status_from,
            e.status_to,
            e.note.as_str()
        ],
    )
    .await?;
    Ok(())
}

/// The timeline, oldest first (at most 500 steps).
pub async fn events(db: &Db, dossier_id: i64) -> DbResult<Vec<Event>> {
    db.fetch_all(
        "SELECT seq, at, actor_id, actor_name, action, status_from, status_to, note \
         FROM svc_dossier_events WHERE dossier_id = $1 ORDER BY seq LIMIT 500",
        params![dossier_id],
    )
    .await?
    .iter()
    .map(|r| {
        Ok(Event {
            seq: r.get("seq")?,
            at: r.get("at")?,
            actor_id: r.get("actor_id")?,
            actor_name: r.get("actor_name")?,
            action: r.get("action")?,
            status_from: r.get("status_from")?,
            status_to: r.get("status_to")?,
            note: r.get("note")?,
        })
    })
    .collect()
}

#[allow(clippy::too_many_arguments)]
pub async fn add_file(
    tx: &mut Tx,
    dossier_id: i64,
    result: bool,
    name: &str,
    sha256: &str,
    size: i64,
    by: Option<i64>,
    now: i64,
) -> DbResult<()> {
    tx.execute(
        "INSERT INTO svc_dossier_files (dossier_id, kind, name, sha256, size, added_at, added_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        params![
            dossier_id,
            if result { "result" } else { "paper" },
            name,
            sha256,
            size,
            now,
            by
        ],
    )
    .await?;
    Ok(())
}

const FILES: &str = "SELECT id, kind, name, sha256, size, added_at FROM svc_dossier_files \
                     WHERE dossier_id = $1 ORDER BY id LIMIT 100";

/// The dossier's files (at most 100).
pub async fn files(db: &Db, dossier_id: i64) -> DbResult<Vec<DossierFile>> {
    db.fetch_all(FILES, params![dossier_id])
        .await?
        .iter()
        .map(file_of)
        .collect()
}

/// [`files`] inside a transaction.
pub async fn files_in(tx: &mut Tx, dossier_id: i64) -> DbResult<Vec<DossierFile>> {
    tx.fetch_all(FILES, params![dossier_id])
        .await?
        .iter()
        .map(file_of)
        .collect()
}

fn file_of(r: &Row) -> DbResult<DossierFile> {
    {
        let kind: String = r.get("kind")?;
        Ok(DossierFile {
            id: r.get("id")?,
            result: kind == "result",
            name: r.get("name")?,
            sha256: r.get("sha256")?,
            size: r.get("size")?,
            added_at: r.get("added_at")?,
        })
    }
}

/// A page of an agency's dossiers in `status`, by appointment then id, after the keyset
/// `(due_date, id)` of the previous page's last row.
pub async fn worklist(
    db: &Db,
    agency_id: i64,
    status: Status,
    after: Option<(&str, i64)>,
    limit: i64,
) -> DbResult<Vec<Dossier>> {
    let status = i64::from(status.number());
    let rows = match after {
        Some((due, id)) => {
            let sql = format!(
                "SELECT {COLUMNS} FROM svc_dossiers WHERE agency_id = $1 AND status = $2 \
                 AND (due_date > $3 OR (due_date = $3 AND id > $4)) \
                 ORDER BY due_date, id LIMIT $5"
            );
            db.fetch_all(
                Sql::trusted(sql),
                params![agency_id, status, due, id, limit],
            )
            .await?
        }
        None => {
            let sql = format!(
                "SELECT {COLUMNS} FROM svc_dossiers WHERE agency_id = $1 AND status = $2 \
                 ORDER BY due_date, id LIMIT $3"
            );
            db.fetch_all(Sql::trusted(sql), params![agency_id, status, limit])
                .await?
        }
    };
    rows.iter().map(dossier_of).collect()
}

/// An applicant's dossiers, newest first (at most `limit`).
pub async fn of_applicant(db: &Db, user_id: i64, limit: i64) -> DbResult<Vec<Dossier>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM svc_dossiers WHERE applicant_user_id = $1 ORDER BY id DESC LIMIT $2"
    );
    db.fetch_all(Sql::trusted(sql), params![user_id, limit])
        .await?
        .iter()
        .map(dossier_of)
        .collect()
}

/// How many of an agency's dossiers are in each status (the desk's tabs).
pub async fn status_counts(db: &Db, agency_id: i64) -> DbResult<Vec<(i64, i64)>> {
    db.fetch_all(
        "SELECT status, COUNT(*) AS n FROM svc_dossiers WHERE agency_id = $1 GROUP BY status",
        params![agency_id],
    )
    .await?
    .iter()
    .map(|r| Ok((r.get("status")?, r.get("n")?)))
    .collect()
}

/// Settlement of an agency's dossiers received in `[from, to)`: (received, settled on time,
/// settled late, in progress, overdue by `today`).
pub async fn settlement(
    db: &Db,
    agency_id: i64,
    from: i64,
    to: i64,
    today: &str,
) -> DbResult<(i64, i64, i64, i64, i64)> {
    let r = db
        .fetch_one(
            "SELECT COUNT(*) AS received, \
               COALESCE(SUM(CASE WHEN on_time = 1 THEN 1 ELSE 0 END), 0) AS on_time, \
               COALESCE(SUM(CASE WHEN on_time = 0 THEN 1 ELSE 0 END), 0) AS late, \
               COALESCE(SUM(CASE WHEN status IN (1, 2, 4, 5, 6) THEN 1 ELSE 0 END), 0) AS open, \
               COALESCE(SUM(CASE WHEN status IN (2, 4) AND due_date < $4 THEN 1 ELSE 0 END), 0) \
                 AS overdue \
             FROM svc_dossiers WHERE agency_id = $1 AND received_at >= $2 AND received_at < $3",
            params![agency_id, from, to, today],
        )
        .await?;
    Ok((
        r.get("received")?,
        r.get("on_time")?,
        r.get("late")?,
        r.get("open")?,
        r.get("overdue")?,
    ))
}

/// The tracking register (form 06): an agency's dossiers received in `[from, to)` (ms), in the
/// order received, after the dossier `after_id`'s place (keyset `(received_at, id)`), at most
/// `limit`.
pub async fn register(
    db: &Db,
    agency_id: i64,
    from: i64,
    to: i64,
    after: Option<(i64, i64)>,
    limit: i64,
) -> DbResult<Vec<Dossier>> {
    let (at, id) = after.unwrap_or((i64::MIN, i64::MIN));
    let sql = format!(
        "SELECT {COLUMNS} FROM svc_dossiers WHERE agency_id = $1 AND received_at >= $2 \
         AND received_at < $3 AND (received_at > $4 OR (received_at = $4 AND id > $5)) \
         ORDER BY received_at, id LIMIT $6"
    );
    db.fetch_all(
        Sql::trusted(sql),
        params![agency_id, from, to, at, id, limit],
    )
    .await?
    .iter()
    .map(dossier_of)
    .collect()
}

/// One agency's settlement over a period: received, settled on time, settled late, still open,
/// overdue today.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Settlement {
    pub agency_id: i64,
    pub received: i64,
    pub on_time: i64,
    pub late: i64,
    pub open: i64,
    pub overdue: i64,
}

/// [`settlement`] of every agency that received a dossier in `[from, to)`, in one query.
pub async fn settlement_by_agency(
    db: &Db,
    from: i64,
    to: i64,
    today: &str,
) -> DbResult<Vec<Settlement>> {
    db.fetch_all(
        "SELECT agency_id, COUNT(*) AS received, \
           COALESCE(SUM(CASE WHEN on_time = 1 THEN 1 ELSE 0 END), 0) AS on_time, \
           COALESCE(SUM(CASE WHEN on_time = 0 THEN 1 ELSE 0 END), 0) AS late, \
           COALESCE(SUM(CASE WHEN status IN (1, 2, 4, 5, 6) THEN 1 ELSE 0 END), 0) AS open, \
           COALESCE(SUM(CASE WHEN status IN (2, 4) AND due_date < $3 THEN 1 ELSE 0 END), 0) \
             AS overdue \
         FROM svc_dossiers WHERE received_at >= $1 AND received_at < $2 AND status IS NOT NULL \
         GROUP BY agency_id ORDER BY agency_id",
        params![from, to, today],
    )
    .await?
    .iter()
    .map(|r| {
        Ok(Settlement {
            agency_id: r.get("agency_id")?,
            received: r.get("received")?,
            on_time: r.get("on_time")?,
            late: r.get("late")?,
            open: r.get("open")?,
            overdue: r.get("overdue")?,
        })
    })
    .collect()
}
