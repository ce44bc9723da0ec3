//! Storage of units, lineage and agencies. One SQL text serves SQLite and PostgreSQL.

use std::collections::HashMap;

use platform::db::{Db, DbResult, Row, Sql, Tx, Value};
use platform::params;
use serde::Serialize;

use crate::model::{Day, Level, fold};

/// An administrative unit (đơn vị hành chính) with its validity.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Unit {
    /// Internal identity (codes are reused across time; this is not).
    pub id: i64,
    /// Statistics-office code: 2 digits (province), 3 (district), 5 (commune).
    pub code: String,
    pub level: Level,
    /// city, province, district, ward, commune, special_zone.
    pub kind: String,
    pub name: String,
    #[serde(skip)]
    pub parent_id: Option<i64>,
    /// First day of validity (`null`: before the register's records).
    pub valid_from: Option<String>,
    /// Last day of validity (`null`: still valid).
    pub valid_to: Option<String>,
}

impl Unit {
    fn from_row(r: &Row) -> DbResult<Unit> {
        let level: String = r.get("level")?;
        Ok(Unit {
            id: r.get("id")?,
            code: r.get("code")?,
            level: Level::parse(&level).unwrap_or(Level::Commune),
            kind: r.get("kind")?,
            name: r.get("name")?,
            parent_id: r.get("parent_id")?,
            valid_from: r.get("valid_from")?,
            valid_to: r.get("valid_to")?,
        })
    }

    pub fn valid_on(&self, d: Day) -> bool {
        let iso = d.iso();
        self.valid_from.as_deref().is_none_or(|f| f <= iso.as_str())
            && self.valid_to.as_deref().is_none_or(|t| t >= iso.as_str())
    }

    /// A date on which this unit is valid (for links): its last day, or today.
    pub fn a_valid_day(&self) -> String {
        self.valid_to.clone().unwrap_or_else(|| Day::today().iso())
    }
}

const VALID_ON: &str =
    "(valid_from IS NULL OR valid_from <= $1) AND (valid_to IS NULL OR valid_to >= $1)";

/// Filters of a unit listing.
#[derive(Debug, Clone, Default)]
pub struct UnitQuery {
    pub level: Option<Level>,
    pub valid_on: Option<Day>,
    pub q: Option<String>,
    pub parent_id: Option<i64>,
    pub limit: i64,
    pub offset: i64,
}

/// Units matching the query, ordered by code, and the total count.
pub async fn list_units(db: &Db, q: &UnitQuery) -> DbResult<(Vec<Unit>, i64)> {
    use sea_query::{Cond, Expr, ExprTrait, Func, Order, Query};
    // Built before the first `.await`: sea-query statements are not `Send`.
    let (count_sql, count_args, rows_sql, rows_args) = {
        let mut cond = Cond::all();
        if let Some(d) = q.valid_on {
            let day = d.iso();
            cond = cond
                .add(
                    Expr::col("valid_from")
                        .is_null()
                        .or(Expr::col("valid_from").lte(day.clone())),
                )
                .add(
                    Expr::col("valid_to")
                        .is_null()
                        .or(Expr::col("valid_to").gte(day)),
                );
        }
        if let Some(l) = q.level {
            cond = cond.add(Expr::col("level").eq(l.as_str()));
        }
        if let Some(pid) = q.parent_id {
            cond = cond.add(Expr::col("parent_id").eq(pid));
        }
        if let Some(raw) = q.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            let escaped = fold(raw)
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            cond = cond.add(
                Expr::col("name_search")
                    .like(sea_query::LikeExpr::new(format!("%{escaped}%")).escape('\\'))
                    .or(Expr::col("code").eq(raw)),
            );
        }
        let count = Query::select()
            .expr_as(Func::count(Expr::col(sea_query::Asterisk)), "n")
            .from("units")
            .cond_where(cond.clone())
            .to_owned();
        let rows = Query::select()
            .column(sea_query::Asterisk)
            .from("units")
            .cond_where(cond)
            .order_by("code", Order::Asc)
            .order_by("valid_from", Order::Asc)
            .limit(u64::try_from(Ord::max(q.limit, 0)).unwrap_or(0))
            .offset(u64::try_from(Ord::max(q.offset, 0)).unwrap_or(0))
            .to_owned();
        let (cs, ca) = db.backend().build(&count)?;
        let (rs, ra) = db.backend().build(&rows)?;
        (cs, ca, rs, ra)
    };
    let total: i64 = db.fetch_one(count_sql, count_args).await?.get("n")?;
    let rows = db.fetch_all(rows_sql, rows_args).await?;
    Ok((
        rows.iter().map(Unit::from_row).collect::<DbResult<_>>()?,
        total,
    ))
}

pub async fn unit(db: &Db, id: i64) -> DbResult<Option<Unit>> {
    db.fetch_optional("SELECT * FROM units WHERE id = $1", params![id])
        .await?
        .as_ref()
        .map(Unit::from_row)
        .transpose()
}

/// The unit that bore `code` on `day` (codes are reused: 15 was Yên Bái, is now Lào Cai).
pub async fn unit_by_code(db: &Db, code: &str, day: Day) -> DbResult<Option<Unit>> {
    db.fetch_optional(
        Sql::trusted(format!(
            "SELECT * FROM units WHERE {VALID_ON} AND code = $2 ORDER BY level LIMIT 1"
        )),
        params![day.iso(), code],
    )
    .await?
    .as_ref()
    .map(Unit::from_row)
    .transpose()
}

/// Every unit that ever bore `code`, newest first.
pub async fn units_with_code(db: &Db, code: &str) -> DbResult<Vec<Unit>> {
    db.fetch_all(
        "SELECT * FROM units WHERE code = $1 ORDER BY COALESCE(valid_from, '') DESC",
        params![code],
    )
    .await?
    .iter()
    .map(Unit::from_row)
    .collect()
}

/// Every unit that ever bore one of `codes` (one query, for resolving a batch's codes).
pub async fn units_with_codes(db: &Db, codes: &[&str]) -> DbResult<Vec<Unit>> {
    let mut out = Vec::new();
    for chunk in codes.chunks(2000) {
        let (sql, args) = {
            use sea_query::{Expr, ExprTrait, Query};
            let q = Query::select()
                .column(sea_query::Asterisk)
                .from("units")
                .and_where(Expr::col("code").is_in(chunk.iter().copied()))
                .to_owned();
            db.backend().build(&q)?
        };
        for r in db.fetch_all(sql, args).await? {
            out.push(Unit::from_row(&r)?);
        }
    }
    Ok(out)
}

/// A lineage edge seen from one side.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Link {
    /// merge, split, rename or transfer.
    pub kind: String,
    /// First day of the new arrangement.
    pub effective: String,
    pub unit: Unit,
}

async fn links(db: &Db, unit_id: i64, forward: bool) -> DbResult<Vec<Link>> {
    let sql = if forward {
        "SELECT l.kind AS lkind, l.effective, u.* FROM unit_lineage l JOIN units u ON u.id = l.to_unit_id WHERE l.from_unit_id = $1 ORDER BY u.code"
    } else {
        "SELECT l.kind AS lkind, l.effective, u.* FROM unit_lineage l JOIN units u ON u.id = l.from_unit_id WHERE l.to_unit_id = $1 ORDER BY u.code"
    };
    db.fetch_all(sql, params![unit_id])
        .await?
        .iter()
        .map(|r| {
            Ok(Link {
                kind: r.get("lkind")?,
                effective: r.get("effective")?,
                unit: Unit::from_row(r)?,
            })
        })
        .collect()
}

/// Units this one was formed from.
pub async fn predecessors(db: &Db, unit_id: i64) -> DbResult<Vec<Link>> {
    links(db, unit_id, false).await
}

/// Units this one became.
pub async fn successors(db: &Db, unit_id: i64) -> DbResult<Vec<Link>> {
    links(db, unit_id, true).await
}

/// Follow the lineage forward to the units valid on `day` ("what did old province 26 become").
pub async fn current_successors(db: &Db, unit_id: i64, day: Day) -> DbResult<Vec<Unit>> {
    let mut frontier = vec![unit_id];
    let mut out: Vec<Unit> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    while let Some(id) = frontier.pop() {
        if !seen.insert(id) {
            continue;
        }
        let Some(u) = unit(db, id).await? else {
            continue;
        };
        if u.valid_on(day) {
            if !out.iter().any(|o| o.id == u.id) {
                out.push(u);
            }
            continue;
        }
        frontier.extend(successors(db, id).await?.into_iter().map(|l| l.unit.id));
    }
    out.sort_by(|a, b| a.code.cmp(&b.code));
    Ok(out)
}

/// How many units of `level` were valid on each of `days`. The provinces' validity is read once
/// (a few hundred rows) and counted in memory; other levels are counted per day in the database
/// (thousands of communes).
pub async fn count_valid(db: &Db, level: Level, days: &[Day]) -> DbResult<HashMap<Day, i64>> {
    let mut out = HashMap::new();
    if days.is_empty() {
        return Ok(out);
    }
    if level == Level::Province {
        let rows = db
            .fetch_all(
                "SELECT valid_from, valid_to FROM units WHERE level = $1",
                params![level.as_str()],
            )
            .await?;
        let mut ranges = Vec::new();
        for r in rows {
            ranges.push((
                r.get::<Option<String>>("valid_from")?,
                r.get::<Option<String>>("valid_to")?,
            ));
        }
        for d in days {
            let iso = d.iso();
            let n = ranges
                .iter()
                .filter(|(f, t)| {
                    f.as_deref().is_none_or(|f| f <= iso.as_str())
                        && t.as_deref().is_none_or(|t| t >= iso.as_str())
                })
                .count();
            out.insert(*d, n as i64);
        }
        return Ok(out);
    }
    for d in days {
        let r = db
            .fetch_one(
                "SELECT COUNT(*) AS n FROM units WHERE level = $1 \
                 AND (valid_from IS NULL OR valid_from <= $2) AND (valid_to IS NULL OR valid_to >= $2)",
                params![level.as_str(), d.iso()],
            )
            .await?;
        out.insert(*d, r.get("n")?);
    }
    Ok(out)
}

/// The unit and its ancestors, nearest first.
pub async fn chain(db: &Db, unit_id: i64) -> DbResult<Vec<i64>> {
    let mut out = Vec::new();
    let mut next = Some(unit_id);
    while let Some(id) = next {
        if out.contains(&id) || out.len() > 8 {
            break;
        }
        let Some(r) = db
            .fetch_optional("SELECT parent_id FROM units WHERE id = $1", params![id])
            .await?
        else {
            break;
        };
        out.push(id);
        next = r.get("parent_id")?;
    }
    Ok(out)
}

/// The chains of several units at once ([`chain`] of each: the unit, its parent, …), with one
/// query per level of the hierarchy instead of one per unit and level.
pub async fn chains(db: &Db, unit_ids: &[i64]) -> DbResult<HashMap<i64, Vec<i64>>> {
    // id → parent, for every unit found on the way up.
    let mut parent: HashMap<i64, Option<i64>> = HashMap::new();
    let mut asked: std::collections::HashSet<i64> = std::collections::HashSet::new();
    let mut todo: Vec<i64> = unit_ids.to_vec();
    for _ in 0..9 {
        todo.retain(|id| asked.insert(*id));
        if todo.is_empty() {
            break;
        }
        let mut next = Vec::new();
        for chunk in todo.chunks(2000) {
            let (sql, args) = {
                use sea_query::{Expr, ExprTrait, Query};
                let q = Query::select()
                    .columns(["id", "parent_id"])
                    .from("units")
                    .and_where(Expr::col("id").is_in(chunk.iter().copied()))
                    .to_owned();
                db.backend().build(&q)?
            };
            for r in db.fetch_all(sql, args).await? {
                let p: Option<i64> = r.get("parent_id")?;
                parent.insert(r.get("id")?, p);
                next.extend(p);
            }
        }
        todo = next;
    }
    let mut out = HashMap::with_capacity(unit_ids.len());
    for &id in unit_ids {
        let mut c = Vec::new();
        let mut next = Some(id);
        while let Some(x) = next {
            if c.contains(&x) || c.len() > 8 {
                break;
            }
            // A unit not found ends the chain before it, as in [`chain`].
            let Some(p) = parent.get(&x) else { break };
            c.push(x);
            next = *p;
        }
        out.insert(id, c);
    }
    Ok(out)
}

/// An agency (cơ quan).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Agency {
    pub id: i64,
    /// Stable short code, e.g. `byt`, `ubnd-40`.
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
    /// ministry, ministry_level, government_agency, provincial_committee.
    pub kind: String,
    /// Code of the unit a provincial People's Committee governs.
    pub unit_code: Option<String>,
    #[serde(skip)]
    pub unit_id: Option<i64>,
    /// Electronic identifier, QCVN 102:2016 form (`000.00.00.G22`).
    pub edoc_qcvn: Option<String>,
    /// Electronic identifier, Decision 20/2020/QĐ-TTg form (`G09.01`).
    pub edoc_2020: Option<String>,
    pub valid_from: Option<String>,
    pub valid_to: Option<String>,
}

impl Agency {
    fn from_row(r: &Row) -> DbResult<Agency> {
        Ok(Agency {
            id: r.get("id")?,
            code: r.get("code")?,
            name_vi: r.get("name_vi")?,
            name_en: r.get("name_en")?,
            kind: r.get("kind")?,
            unit_code: r.get("unit_code")?,
            unit_id: r.get("unit_id")?,
            edoc_qcvn: r.get("edoc_qcvn")?,
            edoc_2020: r.get("edoc_2020")?,
            valid_from: r.get("valid_from")?,
            valid_to: r.get("valid_to")?,
        })
    }
    /// The name in a language given by its code (`vi`, `en`).
    pub fn name_in(&self, lang_code: &str) -> &str {
        if lang_code == "en" {
            &self.name_en
        } else {
            &self.name_vi
        }
    }
    pub fn name(&self, lang: platform::i18n::Lang) -> &str {
        match lang {
            platform::i18n::Lang::Vi => &self.name_vi,
            platform::i18n::Lang::En => &self.name_en,
        }
    }
}

const AGENCY_SELECT: &str =
    "SELECT a.*, u.code AS unit_code FROM agencies a LEFT JOIN units u ON u.id = a.unit_id";

/// Agencies valid on `day` (all if None), optionally filtered by kind and name.
pub async fn list_agencies(
    db: &Db,
    day: Option<Day>,
    kind: Option<&str>,
    q: Option<&str>,
) -> DbResult<Vec<Agency>> {
    let mut sql = format!("{AGENCY_SELECT} WHERE 1=1");
    let mut p: Vec<Value> = Vec::new();
    if let Some(d) = day {
        p.push(d.iso().into());
        let n = p.len();
        sql.push_str(&format!(
            " AND (a.valid_from IS NULL OR a.valid_from <= ${n}) AND (a.valid_to IS NULL OR a.valid_to >= ${n})"
        ));
    }
    if let Some(k) = kind.filter(|k| !k.is_empty()) {
        p.push(k.into());
        sql.push_str(&format!(" AND a.kind = ${}", p.len()));
    }
    if let Some(text) = q.map(fold).filter(|s| !s.is_empty()) {
        let escaped = text
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        p.push(format!("%{escaped}%").into());
        sql.push_str(&format!(" AND a.name_search LIKE ${} ESCAPE '\\'", p.len()));
    }
    sql.push_str(
        " ORDER BY CASE a.kind WHEN 'ministry' THEN 0 WHEN 'ministry_level' THEN 1 WHEN 'government_agency' THEN 2 ELSE 3 END, a.unit_id, a.code",
    );
    db.fetch_all(Sql::trusted(sql), p)
        .await?
        .iter()
        .map(Agency::from_row)
        .collect()
}

pub async fn agency(db: &Db, id: i64) -> DbResult<Option<Agency>> {
    db.fetch_optional(
        Sql::trusted(format!("{AGENCY_SELECT} WHERE a.id = $1")),
        params![id],
    )
    .await?
    .as_ref()
    .map(Agency::from_row)
    .transpose()
}

/// [`agency`] inside another capability's transaction (it never waits for a second connection).
pub async fn agency_in(tx: &mut platform::db::Tx, id: i64) -> DbResult<Option<Agency>> {
    tx.fetch_optional(
        Sql::trusted(format!("{AGENCY_SELECT} WHERE a.id = $1")),
        params![id],
    )
    .await?
    .as_ref()
    .map(Agency::from_row)
    .transpose()
}

/// By its code or either electronic identifier.
pub async fn agency_by_any_code(db: &Db, code: &str) -> DbResult<Option<Agency>> {
    let code = code.trim();
    db.fetch_optional(
        Sql::trusted(format!(
            "{AGENCY_SELECT} WHERE a.code = $1 OR a.edoc_qcvn = $2 OR a.edoc_2020 = $2"
        )),
        params![code.to_lowercase(), code.to_uppercase()],
    )
    .await?
    .as_ref()
    .map(Agency::from_row)
    .transpose()
}

/// Every agency's code, by id (for other crates' records that name an agency by code).
pub async fn agency_codes(db: &Db) -> DbResult<HashMap<i64, String>> {
    db.fetch_all("SELECT id, code FROM agencies", params![])
        .await?
        .iter()
        .map(|r| Ok((r.get("id")?, r.get("code")?)))
        .collect()
}

/// [`agency_codes`] inside a transaction.
pub async fn agency_codes_in(tx: &mut Tx) -> DbResult<HashMap<i64, String>> {
    tx.fetch_all("SELECT id, code FROM agencies", params![])
        .await?
        .iter()
        .map(|r| Ok((r.get("id")?, r.get("code")?)))
        .collect()
}

/// The id of the agency bearing exactly `code`, inside a transaction.
pub async fn agency_id_in(tx: &mut Tx, code: &str) -> DbResult<Option<i64>> {
    tx.fetch_optional("SELECT id FROM agencies WHERE code = $1", params![code])
        .await?
        .map(|r| r.get("id"))
        .transpose()
}

/// A unit to insert or update, identified by (level, code, valid_from).
#[derive(Debug, Clone, Copy)]
pub struct UnitRecord<'a> {
    pub code: &'a str,
    pub level: Level,
    pub kind: &'a str,
    pub name: &'a str,
    pub parent_id: Option<i64>,
    pub valid_from: Option<&'a str>,
    pub valid_to: Option<&'a str>,
}

/// What an upsert did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upserted {
    Inserted(i64),
    Updated(i64),
    Unchanged(i64),
}

impl Upserted {
    pub fn id(self) -> i64 {
        match self {
            Upserted::Inserted(i) | Upserted::Updated(i) | Upserted::Unchanged(i) => i,
        }
    }
}

/// Insert a unit, or update it if one with the same identity exists.
pub async fn upsert_unit(tx: &mut Tx, u: UnitRecord<'_>) -> DbResult<Upserted> {
    let existing = tx
        .fetch_optional(
            "SELECT id, kind, name, parent_id, valid_to FROM units WHERE level = $1 AND code = $2 AND COALESCE(valid_from, '') = $3",
            params![u.level.as_str(), u.code, u.valid_from.unwrap_or("")],
        )
        .await?;
    if let Some(r) = existing {
        let id: i64 = r.get("id")?;
        let same = r.get::<String>("kind")? == u.kind
            && r.get::<String>("name")? == u.name
            && r.get::<Option<i64>>("parent_id")? == u.parent_id
            && r.get::<Option<String>>("valid_to")?.as_deref() == u.valid_to;
        if same {
            return Ok(Upserted::Unchanged(id));
        }
        tx.execute(
            "UPDATE units SET kind = $1, name = $2, name_search = $3, parent_id = $4, valid_to = $5 WHERE id = $6",
            params![u.kind, u.name, fold(u.name), u.parent_id, u.valid_to, id],
        )
        .await?;
        return Ok(Upserted::Updated(id));
    }
    let r = tx
        .fetch_one(
            "INSERT INTO units (code, level, kind, name, name_search, parent_id, valid_from, valid_to) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            params![u.code, u.level.as_str(), u.kind, u.name, fold(u.name), u.parent_id, u.valid_from, u.valid_to],
        )
        .await?;
    Ok(Upserted::Inserted(r.get("id")?))
}
