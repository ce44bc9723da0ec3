//! The audit chain (nhật ký kiểm toán): every change — who, when, from where, what, before → after —
//! is appended in the same transaction as the change. Each entry carries the hash of the previous
//! one, so an edit, deletion or reordering of any row breaks the chain at that row, and
//! `egov audit verify` names it.

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::db::{Db, DbResult, Row, Sql, Tx, now_ms};
use crate::params;

/// Who made a change and from where.
#[derive(Debug, Clone, Serialize)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub name: String,
    pub ip: Option<String>,
}

impl Actor {
    /// The command line or the system itself (demo loader, migrations, jobs).
    pub fn system(name: &str) -> Self {
        Actor {
            user_id: None,
            name: name.to_owned(),
            ip: None,
        }
    }
}

/// What changed.
#[derive(Debug, Clone)]
pub struct Change<'a> {
    pub action: &'a str,
    pub object_type: &'a str,
    pub object_id: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

/// One stored entry.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub seq: i64,
    pub at: i64,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub ip: Option<String>,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

impl Entry {
    fn from_row(r: &Row) -> DbResult<Entry> {
        Ok(Entry {
            seq: r.get("seq")?,
            at: r.get("at")?,
            actor_id: r.get("actor_id")?,
            actor_name: r.get("actor_name")?,
            ip: r.get("ip")?,
            action: r.get("action")?,
            object_type: r.get("object_type")?,
            object_id: r.get("object_id")?,
            before_json: r.get("before_json")?,
            after_json: r.get("after_json")?,
            prev_hash: r.get("prev_hash")?,
            hash: r.get("hash")?,
        })
    }

    /// SHA-256 over every field, each length-prefixed so that no two entries share an encoding.
    pub fn compute_hash(&self) -> String {
        let mut h = Sha256::new();
        let mut field = |bytes: &[u8]| {
            h.update((bytes.len() as u64).to_be_bytes());
            h.update(bytes);
        };
        field(self.prev_hash.as_bytes());
        field(&self.seq.to_be_bytes());
        field(&self.at.to_be_bytes());
        field(
            self.actor_id
                .map(|i| i.to_string())
                .unwrap_or_default()
                .as_bytes(),
        );
        field(self.actor_name.as_bytes());
        field(self.ip.as_deref().unwrap_or("").as_bytes());
        field(self.action.as_bytes());
        field(self.object_type.as_bytes());
        field(self.object_id.as_bytes());
        field(self.before_json.as_deref().unwrap_or("\u{0}").as_bytes());
        field(self.after_json.as_deref().unwrap_or("\u{0}").as_bytes());
        hex::encode(h.finalize())
    }
}

/// Append one entry inside the caller's transaction. Locks the chain head until commit.
pub async fn append(tx: &mut Tx, actor: &Actor, change: Change<'_>) -> DbResult<i64> {
    let head = tx
        .fetch_one(
            "UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash",
            params![],
        )
        .await?;
    let seq: i64 = head.get("seq")?;
    let prev_hash: String = head.get("hash")?;
    let mut entry = Entry {
        seq,
        at: now_ms(),
        actor_id: actor.user_id,
        actor_name: actor.name.clone(),
        ip: actor.ip.clone(),
        action: change.action.to_owned(),
        object_type: change.object_type.to_owned(),
        object_id: change.object_id,
        before_json: change.before.map(|v| v.to_string()),
        after_json: change.after.map(|v| v.to_string()),
        prev_hash,
        hash: String::new(),
    };
    entry.hash = entry.compute_hash();
    tx.execute(
        "INSERT INTO audit_log (seq, at, actor_id, actor_name, ip, action, object_type, object_id, \
         before_json, after_json, prev_hash, hash) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)",
        params![
            entry.seq,
            entry.at,
            entry.actor_id,
            &entry.actor_name,
            entry.ip.clone(),
            &entry.action,
            &entry.object_type,
            &entry.object_id,
            entry.before_json.clone(),
            entry.after_json.clone(),
            &entry.prev_hash,
            &entry.hash
        ],
    )
    .await?;
    tx.execute(
        "UPDATE audit_head SET hash = $1 WHERE id = 1",
        params![&entry.hash],
    )
    .await?;
    Ok(seq)
}

/// The outcome of checking the whole chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Intact { entries: i64 },
    Broken { seq: i64, reason: BreakReason },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BreakReason {
    /// The row's content does not match its hash (it was edited).
    HashMismatch,
    /// The row does not point at the previous row's hash (a row before it was removed or moved).
    PrevHashMismatch,
    /// A sequence number is missing (a row was deleted).
    MissingEntry,
    /// The chain ends before the recorded head (rows at the end were deleted).
    TruncatedTail,
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Verdict::Intact { entries } => write!(f, "audit chain intact: {entries} entries"),
            Verdict::Broken { seq, reason } => {
                let why = match reason {
                    BreakReason::HashMismatch => "its content does not match its hash (edited)",
                    BreakReason::PrevHashMismatch => {
                        "it does not link to the previous entry (reordered or an entry removed)"
                    }
                    BreakReason::MissingEntry => "this sequence number is missing (deleted)",
                    BreakReason::TruncatedTail => {
                        "entries up to the recorded head are missing (deleted at the end)"
                    }
                };
                write!(f, "audit chain BROKEN at entry {seq}: {why}")
            }
        }
    }
}

/// Check the whole chain in pages, in sequence order.
pub async fn verify(db: &Db) -> DbResult<Verdict> {
    const PAGE: i64 = 2000;
    let mut expected_seq = 1;
    let mut prev_hash = "0".repeat(64);
    loop {
        let rows = db
            .fetch_all(
                "SELECT * FROM audit_log WHERE seq >= $1 ORDER BY seq LIMIT $2",
                params![expected_seq, PAGE],
            )
            .await?;
        let n = rows.len() as i64;
        for row in rows {
            let e = Entry::from_row(&row)?;
            if e.seq != expected_seq {
                return Ok(Verdict::Broken {
                    seq: expected_seq,
                    reason: BreakReason::MissingEntry,
                });
            }
            if e.prev_hash != prev_hash {
                return Ok(Verdict::Broken {
                    seq: e.seq,
                    reason: BreakReason::PrevHashMismatch,
                });
            }
            if e.compute_hash() != e.hash {
                return Ok(Verdict::Broken {
                    seq: e.seq,
                    reason: BreakReason::HashMismatch,
                });
            }
            prev_hash = e.hash;
            expected_seq += 1;
        }
        if n < PAGE {
            break;
        }
    }
    let head = db
        .fetch_one("SELECT seq, hash FROM audit_head WHERE id = 1", params![])
        .await?;
    let head_seq: i64 = head.get("seq")?;
    let head_hash: String = head.get("hash")?;
    if head_seq != expected_seq - 1 || head_hash != prev_hash {
        return Ok(Verdict::Broken {
            seq: expected_seq,
            reason: BreakReason::TruncatedTail,
        });
    }
    Ok(Verdict::Intact {
        entries: expected_seq - 1,
    })
}

/// Filters of the audit page.
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct Filter {
    pub actor: Option<String>,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    /// Inclusive bounds, Unix milliseconds.
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    pub before_seq: Option<i64>,
}

/// Newest first, at most `limit` entries.
pub async fn search(db: &Db, f: &Filter, limit: i64) -> DbResult<Vec<Entry>> {
    let mut sql = String::from("SELECT * FROM audit_log WHERE 1=1");
    let mut p = Vec::new();
    let mut add = |cond: &str, v: crate::db::Value, sql: &mut String| {
        p.push(v);
        sql.push_str(&cond.replace('?', &format!("${}", p.len())));
    };
    if let Some(a) = f.actor.as_deref().filter(|s| !s.is_empty()) {
        add(" AND actor_name = ?", a.into(), &mut sql);
    }
    if let Some(t) = f.object_type.as_deref().filter(|s| !s.is_empty()) {
        add(" AND object_type = ?", t.into(), &mut sql);
    }
    if let Some(o) = f.object_id.as_deref().filter(|s| !s.is_empty()) {
        add(" AND object_id = ?", o.into(), &mut sql);
    }
    if let Some(v) = f.from_ms {
        add(" AND at >= ?", v.into(), &mut sql);
    }
    if let Some(v) = f.to_ms {
        add(" AND at <= ?", v.into(), &mut sql);
    }
    if let Some(v) = f.before_seq {
        add(" AND seq < ?", v.into(), &mut sql);
    }
    add(" ORDER BY seq DESC LIMIT ?", limit.into(), &mut sql);
    db.fetch_all(Sql::trusted(sql), p)
        .await?
        .iter()
        .map(Entry::from_row)
        .collect()
}
