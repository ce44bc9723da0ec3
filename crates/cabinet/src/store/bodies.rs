//! Bodies and members: `cab_bodies`, `cab_members`.

use platform::db::{Db, DbResult, Row, Tx};
use platform::params;

use super::parse;
use crate::model::kinds::BodyKind;
use crate::model::rules::{Fraction, Rules};

#[derive(Debug, Clone)]
pub struct Body {
    pub id: i64,
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
    pub kind: BodyKind,
    pub agency_id: i64,
    pub rules: Rules,
}

impl Body {
    pub fn name(&self, lang: platform::i18n::Lang) -> &str {
        if lang == platform::i18n::Lang::En {
            &self.name_en
        } else {
            &self.name_vi
        }
    }
}

const BODY: &str = "SELECT id, code, name_vi, name_en, kind, agency_id, quorum_num, quorum_den, \
     majority_num, majority_den, tie_to_chair, substitutes_vote, answer_days, papers_days \
     FROM cab_bodies";

fn body(r: &Row) -> DbResult<Body> {
    let n = |c: &str| -> DbResult<u32> { Ok(u32::try_from(r.get::<i64>(c)?).unwrap_or(0)) };
    let frac = |a: u32, b: u32, what: &str| {
        Fraction::new(a, b).ok_or_else(|| platform::db::DbError::Decode {
            column: what.to_owned(),
            problem: format!("{a}/{b} is not a fraction in (0, 1]"),
        })
    };
    Ok(Body {
        id: r.get("id")?,
        code: r.get("code")?,
        name_vi: r.get("name_vi")?,
        name_en: r.get("name_en")?,
        kind: parse(
            "cab_bodies.kind",
            &r.get::<String>("kind")?,
            BodyKind::parse,
        )?,
        agency_id: r.get("agency_id")?,
        rules: Rules {
            quorum: frac(n("quorum_num")?, n("quorum_den")?, "quorum")?,
            majority: frac(n("majority_num")?, n("majority_den")?, "majority")?,
            tie_to_chair: r.get("tie_to_chair")?,
            substitutes_vote: r.get("substitutes_vote")?,
            answer_days: n("answer_days")?,
            papers_days: n("papers_days")?,
        },
    })
}

pub async fn get(db: &Db, id: i64) -> DbResult<Option<Body>> {
    db.fetch_optional(
        platform::db::Sql::trusted(format!("{BODY} WHERE id = $1")),
        params![id],
    )
    .await?
    .as_ref()
    .map(body)
    .transpose()
}

pub async fn get_in(tx: &mut Tx, id: i64) -> DbResult<Option<Body>> {
    tx.fetch_optional(
        platform::db::Sql::trusted(format!("{BODY} WHERE id = $1")),
        params![id],
    )
    .await?
    .as_ref()
    .map(body)
    .transpose()
}

pub async fn by_code(db: &Db, code: &str) -> DbResult<Option<Body>> {
    db.fetch_optional(
        platform::db::Sql::trusted(format!("{BODY} WHERE code = $1")),
        params![code],
    )
    .await?
    .as_ref()
    .map(body)
    .transpose()
}

pub async fn by_code_in(tx: &mut Tx, code: &str) -> DbResult<Option<Body>> {
    tx.fetch_optional(
        platform::db::Sql::trusted(format!("{BODY} WHERE code = $1")),
        params![code],
    )
    .await?
    .as_ref()
    .map(body)
    .transpose()
}

/// Every body, by kind then code (a few hundred at most: one per agency).
pub async fn all(db: &Db) -> DbResult<Vec<Body>> {
    db.fetch_all(
        platform::db::Sql::trusted(format!("{BODY} ORDER BY kind, code")),
        params![],
    )
    .await?
    .iter()
    .map(body)
    .collect()
}

pub struct NewBody<'a> {
    pub code: &'a str,
    pub name_vi: &'a str,
    pub name_en: &'a str,
    pub kind: BodyKind,
    pub agency_id: i64,
}

/// Creates or renames a body (its rules are left as they are).
pub async fn upsert(tx: &mut Tx, b: &NewBody<'_>, now: i64) -> DbResult<i64> {
    tx.fetch_one(
        "INSERT INTO cab_bodies (code, name_vi, name_en, kind, agency_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (code) DO UPDATE SET \
         name_vi = excluded.name_vi, name_en = excluded.name_en, kind = excluded.kind, \
         agency_id = excluded.agency_id RETURNING id",
        params![
            b.code,
            b.name_vi,
            b.name_en,
            b.kind.code(),
            b.agency_id,
            now
        ],
    )
    .await?
    .get("id")
}

/// Next number in a body's series (`form_seq` or `resolution_seq`), inside the caller's transaction.
pub async fn next_number(tx: &mut Tx, body_id: i64, resolution: bool) -> DbResult<i64> {
    let sql = if resolution {
        "UPDATE cab_bodies SET resolution_seq = resolution_seq + 1 WHERE id = $1 RETURNING resolution_seq AS n"
    } else {
        "UPDATE cab_bodies SET form_seq = form_seq + 1 WHERE id = $1 RETURNING form_seq AS n"
    };
    tx.fetch_one(sql, params![body_id]).await?.get("n")
}

#[derive(Debug, Clone)]
pub struct Member {
    pub id: i64,
    pub body_id: i64,
    pub user_id: i64,
    pub name: String,
    pub username: String,
    pub email: Option<String>,
    pub role_vi: String,
    pub role_en: String,
    pub position: i64,
    pub chair: bool,
    pub voting: bool,
    pub from_day: String,
    pub to_day: Option<String>,
    pub assistant_id: Option<i64>,
    pub sign_key: Option<String>,
}

impl Member {
    pub fn role(&self, lang: platform::i18n::Lang) -> &str {
        if lang == platform::i18n::Lang::En {
            &self.role_en
        } else {
            &self.role_vi
        }
    }
    /// In office on `day` (ISO date).
    pub fn in_office(&self, day: &str) -> bool {
        self.from_day.as_str() <= day && self.to_day.as_deref().is_none_or(|t| day <= t)
    }
}

const MEMBER: &str = "SELECT m.id, m.body_id, m.user_id, u.display_name AS name, u.username, u.email, \
     m.role_vi, m.role_en, m.position, m.chair, m.voting, m.from_day, m.to_day, m.assistant_id, \
     m.sign_key FROM cab_members m JOIN users u ON u.id = m.user_id";

fn member(r: &Row) -> DbResult<Member> {
    Ok(Member {
        id: r.get("id")?,
        body_id: r.get("body_id")?,
        user_id: r.get("user_id")?,
        name: r.get("name")?,
        username: r.get("username")?,
        email: r.get("email")?,
        role_vi: r.get("role_vi")?,
        role_en: r.get("role_en")?,
        position: r.get("position")?,
        chair: r.get("chair")?,
        voting: r.get("voting")?,
        from_day: r.get("from_day")?,
        to_day: r.get("to_day")?,
        assistant_id: r.get("assistant_id")?,
        sign_key: r.get("sign_key")?,
    })
}

/// The members in office on `day`, in the body's order.
pub async fn in_office(db: &Db, body_id: i64, day: &str) -> DbResult<Vec<Member>> {
    db.fetch_all(
        platform::db::Sql::trusted(format!(
            "{MEMBER} WHERE m.body_id = $1 AND m.from_day <= $2 AND (m.to_day IS NULL OR m.to_day >= $2) \
             ORDER BY m.position, m.id"
        )),
        params![body_id, day],
    )
    .await?
    .iter()
    .map(member)
    .collect()
}

pub async fn in_office_tx(tx: &mut Tx, body_id: i64, day: &str) -> DbResult<Vec<Member>> {
    tx.fetch_all(
        platform::db::Sql::trusted(format!(
            "{MEMBER} WHERE m.body_id = $1 AND m.from_day <= $2 AND (m.to_day IS NULL OR m.to_day >= $2) \
             ORDER BY m.position, m.id"
        )),
        params![body_id, day],
    )
    .await?
    .iter()
    .map(member)
    .collect()
}

/// One page of a body's members (past ones too), in the body's order: `limit` after `offset`.
pub async fn page(db: &Db, body_id: i64, offset: i64, limit: i64) -> DbResult<(Vec<Member>, i64)> {
    let rows = db
        .fetch_all(
            platform::db::Sql::trusted(format!(
                "{MEMBER} WHERE m.body_id = $1 ORDER BY m.position, m.id LIMIT $2 OFFSET $3"
            )),
            params![body_id, limit, offset],
        )
        .await?
        .iter()
        .map(member)
        .collect::<DbResult<Vec<_>>>()?;
    let n: i64 = db
        .fetch_one(
            "SELECT COUNT(*) AS n FROM cab_members WHERE body_id = $1",
            params![body_id],
        )
        .await?
        .get("n")?;
    Ok((rows, n))
}

pub async fn get_member(db: &Db, id: i64) -> DbResult<Option<Member>> {
    db.fetch_optional(
        platform::db::Sql::trusted(format!("{MEMBER} WHERE m.id = $1")),
        params![id],
    )
    .await?
    .as_ref()
    .map(member)
    .transpose()
}

/// The user's memberships in office on `day`, with their bodies' ids.
pub async fn of_user(db: &Db, user_id: i64, day: &str) -> DbResult<Vec<Member>> {
    db.fetch_all(
        platform::db::Sql::trusted(format!(
            "{MEMBER} WHERE m.user_id = $1 AND m.from_day <= $2 AND (m.to_day IS NULL OR m.to_day >= $2) \
             ORDER BY m.body_id"
        )),
        params![user_id, day],
    )
    .await?
    .iter()
    .map(member)
    .collect()
}

/// The memberships the user assists (reminders go to assistants too).
pub async fn assisted_by(db: &Db, user_id: i64, day: &str) -> DbResult<Vec<Member>> {
    db.fetch_all(
        platform::db::Sql::trusted(format!(
            "{MEMBER} WHERE m.assistant_id = $1 AND m.from_day <= $2 AND (m.to_day IS NULL OR m.to_day >= $2) \
             ORDER BY m.body_id"
        )),
        params![user_id, day],
    )
    .await?
    .iter()
    .map(member)
    .collect()
}

pub struct NewMember<'a> {
    pub body_id: i64,
    pub user_id: i64,
    pub role_vi: &'a str,
    pub role_en: &'a str,
    pub position: i64,
    pub chair: bool,
    pub voting: bool,
    pub from_day: &'a str,
    pub assistant_id: Option<i64>,
}

pub async fn insert_member(tx: &mut Tx, m: &NewMember<'_>) -> DbResult<i64> {
    tx.fetch_one(
        "INSERT INTO cab_members (body_id, user_id, role_vi, role_en, position, chair, voting, \
         from_day, assistant_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        params![
            m.body_id,
            m.user_id,
            m.role_vi,
            m.role_en,
            m.position,
            m.chair,
            m.voting,
            m.from_day,
            m.assistant_id
        ],
    )
    .await?
    .get("id")
}

/// Ends a membership on `day` (inclusive).
pub async fn end_member(tx: &mut Tx, id: i64, day: &str) -> DbResult<u64> {
    tx.execute(
        "UPDATE cab_members SET to_day = $2 WHERE id = $1 AND to_day IS NULL",
        params![id, day],
    )
    .await
}

/// Sets the member's Ed25519 public key (hex), or clears it.
pub async fn set_sign_key(tx: &mut Tx, user_id: i64, key: Option<&str>) -> DbResult<u64> {
    tx.execute(
        "UPDATE cab_members SET sign_key = $2 WHERE user_id = $1",
        params![user_id, key],
    )
    .await
}

/// The public key a user signs ballots with, if any.
pub async fn sign_key_of(tx: &mut Tx, member_id: i64) -> DbResult<Option<String>> {
    Ok(tx
        .fetch_optional(
            "SELECT sign_key FROM cab_members WHERE id = $1",
            params![member_id],
        )
        .await?
        .map(|r| r.get::<Option<String>>("sign_key"))
        .transpose()?
        .flatten())
}
