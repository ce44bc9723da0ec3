//! Opinion forms and answers: `cab_forms`, `cab_form_papers`, `cab_form_recipients`, `cab_answers`.

use platform::db::{Db, DbResult, Row, Sql, Tx};
use platform::params;

use super::parse;
use crate::model::kinds::{Answer, FormStatus, PaperKind};

#[derive(Debug, Clone)]
pub struct Form {
    pub id: i64,
    pub body_id: i64,
    pub number: Option<String>,
    pub title: String,
    pub question: String,
    pub lead_agency_id: i64,
    pub status: FormStatus,
    pub drafted_by: Option<i64>,
    pub answer_days: u32,
    pub issued_at: Option<i64>,
    pub deadline: Option<String>,
    pub total: Option<i64>,
    pub conclusion: String,
    pub resolution: Option<String>,
    pub concluded_at: Option<i64>,
    pub created_at: i64,
}

const FORM: &str = "SELECT id, body_id, number, title, question, lead_agency_id, status, drafted_by, \
     answer_days, issued_at, deadline, total, conclusion, resolution, concluded_at, created_at FROM cab_forms";

fn form(r: &Row) -> DbResult<Form> {
    Ok(Form {
        id: r.get("id")?,
        body_id: r.get("body_id")?,
        number: r.get("number")?,
        title: r.get("title")?,
        question: r.get("question")?,
        lead_agency_id: r.get("lead_agency_id")?,
        status: parse(
            "cab_forms.status",
            &r.get::<String>("status")?,
            FormStatus::parse,
        )?,
        drafted_by: r.get("drafted_by")?,
        answer_days: u32::try_from(r.get::<i64>("answer_days")?).unwrap_or(0),
        issued_at: r.get("issued_at")?,
        deadline: r.get("deadline")?,
        total: r.get("total")?,
        conclusion: r.get("conclusion")?,
        resolution: r.get("resolution")?,
        concluded_at: r.get("concluded_at")?,
        created_at: r.get("created_at")?,
    })
}

pub async fn get(db: &Db, id: i64) -> DbResult<Option<Form>> {
    db.fetch_optional(Sql::trusted(format!("{FORM} WHERE id = $1")), params![id])
        .await?
        .as_ref()
        .map(form)
        .transpose()
}

/// The form, its row locked until the transaction ends on PostgreSQL (`FOR UPDATE`); SQLite's
/// write transaction already holds the database.
pub async fn get_for_update(tx: &mut Tx, id: i64) -> DbResult<Option<Form>> {
    let lock = if tx.backend() == platform::db::Backend::Postgres {
        " FOR UPDATE"
    } else {
        ""
    };
    tx.fetch_optional(
        Sql::trusted(format!("{FORM} WHERE id = $1{lock}")),
        params![id],
    )
    .await?
    .as_ref()
    .map(form)
    .transpose()
}

/// A body's forms, newest first, at most `limit`.
pub async fn of_body(db: &Db, body_id: i64, limit: i64) -> DbResult<Vec<Form>> {
    db.fetch_all(
        Sql::trusted(format!(
            "{FORM} WHERE body_id = $1 ORDER BY id DESC LIMIT $2"
        )),
        params![body_id, limit],
    )
    .await?
    .iter()
    .map(form)
    .collect()
}

/// Issued forms whose deadline is before `day` (to close), at most `limit`.
pub async fn past_deadline(db: &Db, day: &str, limit: i64) -> DbResult<Vec<Form>> {
    db.fetch_all(
        Sql::trusted(format!(
            "{FORM} WHERE status = 'issued' AND deadline < $1 ORDER BY id LIMIT $2"
        )),
        params![day, limit],
    )
    .await?
    .iter()
    .map(form)
    .collect()
}

/// Issued forms still open, at most `limit` (reminders).
pub async fn issued(db: &Db, limit: i64) -> DbResult<Vec<Form>> {
    db.fetch_all(
        Sql::trusted(format!(
            "{FORM} WHERE status = 'issued' ORDER BY id LIMIT $1"
        )),
        params![limit],
    )
    .await?
    .iter()
    .map(form)
    .collect()
}

pub struct NewForm<'a> {
    pub body_id: i64,
    pub title: &'a str,
    pub question: &'a str,
    pub lead_agency_id: i64,
    pub drafted_by: Option<i64>,
    pub answer_days: u32,
}

pub async fn insert(tx: &mut Tx, f: &NewForm<'_>, now: i64) -> DbResult<i64> {
    tx.fetch_one(
        "INSERT INTO cab_forms (body_id, title, question, lead_agency_id, status, drafted_by, \
         answer_days, created_at, updated_at) VALUES ($1, $2, $3, $4, 'draft', $5, $6, $7, $7) RETURNING id",
        params![
            f.body_id,
            f.title,
            f.question,
            f.lead_agency_id,
            f.drafted_by,
            i64::from(f.answer_days),
            now
        ],
    )
    .await?
    .get("id")
}

pub async fn set_status(tx: &mut Tx, id: i64, status: FormStatus, now: i64) -> DbResult<u64> {
    tx.execute(
        "UPDATE cab_forms SET status = $2, updated_at = $3 WHERE id = $1",
        params![id, status.code(), now],
    )
    .await
}

/// Issues the form: number, deadline, the membership's size.
pub async fn issue(
    tx: &mut Tx,
    id: i64,
    number: &str,
    deadline: &str,
    total: i64,
    now: i64,
) -> DbResult<u64> {
    tx.execute(
        "UPDATE cab_forms SET status = 'issued', number = $2, deadline = $3, total = $4, \
         issued_at = $5, updated_at = $5 WHERE id = $1",
        params![id, number, deadline, total, now],
    )
    .await
}

pub async fn conclude(
    tx: &mut Tx,
    id: i64,
    conclusion: &str,
    resolution: &str,
    now: i64,
) -> DbResult<u64> {
    tx.execute(
        "UPDATE cab_forms SET status = 'concluded', conclusion = $2, resolution = $3, \
         concluded_at = $4, updated_at = $4 WHERE id = $1",
        params![id, conclusion, resolution, now],
    )
    .await
}

pub async fn add_recipient(tx: &mut Tx, form_id: i64, member_id: i64) -> DbResult<u64> {
    tx.execute(
        "INSERT INTO cab_form_recipients (form_id, member_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        params![form_id, member_id],
    )
    .await
}

pub async fn is_recipient(tx: &mut Tx, form_id: i64, member_id: i64) -> DbResult<bool> {
    Ok(tx
        .fetch_optional(
            "SELECT 1 AS x FROM cab_form_recipients WHERE form_id = $1 AND member_id = $2",
            params![form_id, member_id],
        )
        .await?
        .is_some())
}

/// The recipients' member ids, in the body's order.
pub async fn recipients(db: &Db, form_id: i64) -> DbResult<Vec<i64>> {
    db.fetch_all(
        "SELECT r.member_id FROM cab_form_recipients r JOIN cab_members m ON m.id = r.member_id \
         WHERE r.form_id = $1 ORDER BY m.position, m.id",
        params![form_id],
    )
    .await?
    .iter()
    .map(|r| r.get("member_id"))
    .collect()
}

pub async fn mark_reminded(db: &Db, form_id: i64, member_id: i64, now: i64) -> DbResult<u64> {
    db.execute(
        "UPDATE cab_form_recipients SET reminded_at = $3 WHERE form_id = $1 AND member_id = $2",
        params![form_id, member_id, now],
    )
    .await
}

#[derive(Debug, Clone)]
pub struct Paper {
    pub n: i64,
    pub kind: PaperKind,
    pub name: String,
    pub sha256: String,
    pub size: i64,
}

pub async fn papers(db: &Db, form_id: i64) -> DbResult<Vec<Paper>> {
    db.fetch_all(
        "SELECT n, kind, name, sha256, size FROM cab_form_papers WHERE form_id = $1 ORDER BY n",
        params![form_id],
    )
    .await?
    .iter()
    .map(|r| {
        Ok(Paper {
            n: r.get("n")?,
            kind: parse(
                "cab_form_papers.kind",
                &r.get::<String>("kind")?,
                PaperKind::parse,
            )?,
            name: r.get("name")?,
            sha256: r.get("sha256")?,
            size: r.get("size")?,
        })
    })
    .collect()
}

pub async fn add_paper(
    tx: &mut Tx,
    form_id: i64,
    kind: PaperKind,
    name: &str,
    sha256: &str,
    size: i64,
) -> DbResult<i64> {
    tx.fetch_one(
        "INSERT INTO cab_form_papers (form_id, n, kind, name, sha256, size) \
         SELECT $1, COALESCE(MAX(n), 0) + 1, $2, $3, $4, $5 FROM cab_form_papers WHERE form_id = $1 \
         RETURNING n",
        params![form_id, kind.code(), name, sha256, size],
    )
    .await?
    .get("n")
}

#[derive(Debug, Clone)]
pub struct AnswerRow {
    pub id: i64,
    pub form_id: i64,
    pub member_id: i64,
    pub version: i64,
    pub answer: Answer,
    pub opinion: String,
    pub canonical: String,
    pub challenge: String,
    pub credential_id: String,
    pub assertion: String,
    pub member_sig: String,
    pub evidence: String,
    pub audit_seq: i64,
    pub answered_at: i64,
}

const ANSWER: &str = "SELECT id, form_id, member_id, version, answer, opinion, canonical, challenge, \
     credential_id, assertion, member_sig, evidence, audit_seq, answered_at FROM cab_answers";

fn answer(r: &Row) -> DbResult<AnswerRow> {
    Ok(AnswerRow {
        id: r.get("id")?,
        form_id: r.get("form_id")?,
        member_id: r.get("member_id")?,
        version: r.get("version")?,
        answer: parse(
            "cab_answers.answer",
            &r.get::<String>("answer")?,
            Answer::parse,
        )?,
        opinion: r.get("opinion")?,
        canonical: r.get("canonical")?,
        challenge: r.get("challenge")?,
        credential_id: r.get("credential_id")?,
        assertion: r.get("assertion")?,
        member_sig: r.get("member_sig")?,
        evidence: r.get("evidence")?,
        audit_seq: r.get("audit_seq")?,
        answered_at: r.get("answered_at")?,
    })
}

pub async fn answers(db: &Db, form_id: i64) -> DbResult<Vec<AnswerRow>> {
    db.fetch_all(
        Sql::trusted(format!("{ANSWER} WHERE form_id = $1 ORDER BY id")),
        params![form_id],
    )
    .await?
    .iter()
    .map(answer)
    .collect()
}

pub async fn answer_of(tx: &mut Tx, form_id: i64, member_id: i64) -> DbResult<Option<AnswerRow>> {
    tx.fetch_optional(
        Sql::trusted(format!("{ANSWER} WHERE form_id = $1 AND member_id = $2")),
        params![form_id, member_id],
    )
    .await?
    .as_ref()
    .map(answer)
    .transpose()
}

/// Writes the member's answer (replacing their earlier one).
pub async fn put_answer(tx: &mut Tx, a: &AnswerRow) -> DbResult<()> {
    tx.execute(
        "INSERT INTO cab_answers (form_id, member_id, version, answer, opinion, canonical, challenge, \
         credential_id, assertion, member_sig, evidence, audit_seq, answered_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
         ON CONFLICT (form_id, member_id) DO UPDATE SET version = excluded.version, \
         answer = excluded.answer, opinion = excluded.opinion, canonical = excluded.canonical, \
         challenge = excluded.challenge, credential_id = excluded.credential_id, \
         assertion = excluded.assertion, member_sig = excluded.member_sig, \
         evidence = excluded.evidence, audit_seq = excluded.audit_seq, answered_at = excluded.answered_at",
        params![
            a.form_id,
            a.member_id,
            a.version,
            a.answer.code(),
            a.opinion.as_str(),
            a.canonical.as_str(),
            a.challenge.as_str(),
            a.credential_id.as_str(),
            a.assertion.as_str(),
            a.member_sig.as_str(),
            a.evidence.as_str(),
            a.audit_seq,
            a.answered_at
        ],
    )
    .await?;
    Ok(())
}
