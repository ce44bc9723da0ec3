//! The audit chain (nhật ký kiểm toán): every change — who, when, from where, what, before → after —
//! is appended in the same transaction as the change. Each entry carries the hash of the previous
//! one, so an edit, deletion or reordering of any row breaks the chain at that row, and
//! `egov audit verify` names it.
//!
//! With an audit key (configuration, never the database) each entry is sealed with HMAC-SHA256
//! instead of plain SHA-256, so someone who can write the database cannot recompute the chain
//! after a rewrite. Signed checkpoints of the head, published outside the database
//! ([`publish_checkpoint`]), catch the rest: a head rewound below a checkpoint (entries cut from
//! the end) or a chain rebuilt before the key was set. Capabilities register their own checks
//! ([`Checks`]) that compare the data they keep with what the trail recorded.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::db::{Db, DbResult, Row, Tx, now_ms};
use crate::error::FaultResult;
use crate::jobs::BoxFuture;
use crate::params;

pub use crate::audit_key::AuditKey;

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
    /// The id of the key that sealed the entry; None for a plain SHA-256 entry (before a key was
    /// configured).
    pub key_id: Option<String>,
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
            key_id: r.get("key_id")?,
        })
    }

    /// Every field in order (the key id not included: a keyed seal already depends on the key).
    fn fields(&self) -> [Vec<u8>; 11] {
        [
            self.prev_hash.as_bytes().to_vec(),
            self.seq.to_be_bytes().to_vec(),
            self.at.to_be_bytes().to_vec(),
            self.actor_id
                .map(|i| i.to_string())
                .unwrap_or_default()
                .into_bytes(),
            self.actor_name.as_bytes().to_vec(),
            self.ip.as_deref().unwrap_or("").as_bytes().to_vec(),
            self.action.as_bytes().to_vec(),
            self.object_type.as_bytes().to_vec(),
            self.object_id.as_bytes().to_vec(),
            self.before_json
                .as_deref()
                .unwrap_or("\u{0}")
                .as_bytes()
                .to_vec(),
            self.after_json
                .as_deref()
                .unwrap_or("\u{0}")
                .as_bytes()
                .to_vec(),
        ]
    }

    /// SHA-256 over every field, each length-prefixed so that no two entries share an encoding
    /// (the seal of an entry written without a key).
    pub fn compute_hash(&self) -> String {
        let mut h = Sha256::new();
        for f in self.fields() {
            h.update((f.len() as u64).to_be_bytes());
            h.update(&f);
        }
        hex::encode(h.finalize())
    }

    /// HMAC-SHA256 with the audit key over the same encoding (the seal of a keyed entry).
    pub fn compute_mac(&self, key: &AuditKey) -> String {
        let fields = self.fields();
        let parts: Vec<&[u8]> = fields.iter().map(Vec::as_slice).collect();
        key.mac(&parts)
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
        key_id: None,
    };
    // Sealed with the key when one is configured; plain SHA-256 otherwise (the demo of an older
    // version, tools without configuration).
    match tx.audit_key() {
        Some(key) => {
            entry.key_id = Some(key.id().to_owned());
            entry.hash = entry.compute_mac(key);
        }
        None => entry.hash = entry.compute_hash(),
    }
    tx.execute(
        "INSERT INTO audit_log (seq, at, actor_id, actor_name, ip, action, object_type, object_id, \
         before_json, after_json, prev_hash, hash, key_id) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)",
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
            &entry.hash,
            entry.key_id.clone()
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
    /// The entry is sealed with an audit key, and none is configured.
    KeyRequired,
    /// The entry is sealed with another key than the configured one.
    WrongKey,
    /// A plain SHA-256 entry after keyed ones: written or rewritten without the key.
    PlainAfterKeyed,
    /// A published checkpoint names this entry, but the chain now ends at `chain_ends`
    /// (entries cut from the end and the head rewound).
    BelowCheckpoint { chain_ends: i64 },
    /// A published checkpoint's hash for this entry differs from the chain's (rewritten).
    CheckpointMismatch,
    /// A checkpoint whose MAC does not verify with the configured key (forged, or another key).
    CheckpointInvalid,
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Verdict::Intact { entries } => write!(f, "audit chain intact: {entries} entries"),
            Verdict::Broken { seq, reason } => {
                let why = match reason {
                    BreakReason::HashMismatch => {
                        "its content does not match its hash (edited)".to_owned()
                    }
                    BreakReason::PrevHashMismatch => {
                        "it does not link to the previous entry (reordered or an entry removed)"
                            .to_owned()
                    }
                    BreakReason::MissingEntry => {
                        "this sequence number is missing (deleted)".to_owned()
                    }
                    BreakReason::TruncatedTail => {
                        "entries up to the recorded head are missing (deleted at the end)"
                            .to_owned()
                    }
                    BreakReason::KeyRequired => {
                        "it is sealed with the audit key, which is not configured (set audit_key or audit_key_file)".to_owned()
                    }
                    BreakReason::WrongKey => {
                        "it is sealed with another audit key than the configured one".to_owned()
                    }
                    BreakReason::PlainAfterKeyed => {
                        "it is not sealed with the audit key although earlier entries are (rewritten without the key)".to_owned()
                    }
                    BreakReason::BelowCheckpoint { chain_ends } => format!(
                        "a published checkpoint names it, but the chain now ends at entry {chain_ends} (entries deleted at the end, head rewound)"
                    ),
                    BreakReason::CheckpointMismatch => {
                        "its hash differs from the published checkpoint (the chain was rewritten)"
                            .to_owned()
                    }
                    BreakReason::CheckpointInvalid => {
                        "the checkpoint published for it does not carry a valid MAC (forged, or made with another key)".to_owned()
                    }
                };
                write!(f, "audit chain BROKEN at entry {seq}: {why}")
            }
        }
    }
}

/// Where a walk of the chain starts: after entry `seq` whose hash is `hash`.
struct Start {
    seq: i64,
    hash: String,
    keyed: bool,
}

/// Where a walk ended: the last entry checked.
struct End {
    seq: i64,
    hash: String,
}

/// Walk the entries after `start` in sequence order, in pages, checking each link and seal and
/// every published checkpoint that names an entry on the way.
async fn walk(
    db: &Db,
    key: Option<&AuditKey>,
    start: Start,
    published: &HashMap<i64, String>,
) -> DbResult<Result<End, Verdict>> {
    const PAGE: i64 = 2000;
    let broken = |seq, reason| Ok(Err(Verdict::Broken { seq, reason }));
    let mut expected_seq = start.seq + 1;
    let mut prev_hash = start.hash;
    let mut keyed = start.keyed;
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
                return broken(expected_seq, BreakReason::MissingEntry);
            }
            if e.prev_hash != prev_hash {
                return broken(e.seq, BreakReason::PrevHashMismatch);
            }
            match (&e.key_id, key) {
                (None, _) if keyed => return broken(e.seq, BreakReason::PlainAfterKeyed),
                (None, _) => {
                    if e.compute_hash() != e.hash {
                        return broken(e.seq, BreakReason::HashMismatch);
                    }
                }
                (Some(_), None) => return broken(e.seq, BreakReason::KeyRequired),
                (Some(id), Some(k)) => {
                    if id != k.id() {
                        return broken(e.seq, BreakReason::WrongKey);
                    }
                    if e.compute_mac(k) != e.hash {
                        return broken(e.seq, BreakReason::HashMismatch);
                    }
                    keyed = true;
                }
            }
            if published.get(&e.seq).is_some_and(|h| *h != e.hash) {
                return broken(e.seq, BreakReason::CheckpointMismatch);
            }
            prev_hash = e.hash;
            expected_seq += 1;
        }
        if n < PAGE {
            break;
        }
    }
    Ok(Ok(End {
        seq: expected_seq - 1,
        hash: prev_hash,
    }))
}

/// Check the whole chain in pages, in sequence order, with the database's audit key.
pub async fn verify(db: &Db) -> DbResult<Verdict> {
    verify_chain(db, &[]).await
}

/// Check the whole chain against published checkpoints: every checkpoint's MAC, its hash
/// against the recomputed chain, and that the chain reaches it.
pub async fn verify_chain(db: &Db, checkpoints: &[Checkpoint]) -> DbResult<Verdict> {
    let key = db.audit_key();
    let mut published = HashMap::new();
    for cp in checkpoints {
        let reason = match key {
            None => Some(BreakReason::KeyRequired),
            Some(k) if !cp.is_valid(k) => Some(BreakReason::CheckpointInvalid),
            Some(_) => None,
        };
        if let Some(reason) = reason {
            return Ok(Verdict::Broken {
                seq: cp.seq,
                reason,
            });
        }
        published.insert(cp.seq, cp.hash.clone());
    }
    let start = Start {
        seq: 0,
        hash: "0".repeat(64),
        keyed: false,
    };
    let end = match walk(db, key, start, &published).await? {
        Ok(end) => end,
        Err(broken) => return Ok(broken),
    };
    if let Some(cp) = checkpoints
        .iter()
        .filter(|c| c.seq > end.seq)
        .min_by_key(|c| c.seq)
    {
        return Ok(Verdict::Broken {
            seq: cp.seq,
            reason: BreakReason::BelowCheckpoint {
                chain_ends: end.seq,
            },
        });
    }
    let head = db
        .fetch_one("SELECT seq, hash FROM audit_head WHERE id = 1", params![])
        .await?;
    let head_seq: i64 = head.get("seq")?;
    let head_hash: String = head.get("hash")?;
    if head_seq != end.seq || head_hash != end.hash {
        return Ok(Verdict::Broken {
            seq: end.seq + 1,
            reason: BreakReason::TruncatedTail,
        });
    }
    Ok(Verdict::Intact { entries: end.seq })
}

/// A signed checkpoint of the chain's head (mốc kiểm toán): the sequence number and hash of an
/// entry, when it was taken, and an HMAC-SHA256 over the three with the audit key. Published
/// outside the database (files, the log), it pins the chain up to that entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checkpoint {
    pub seq: i64,
    pub hash: String,
    /// Unix milliseconds.
    pub at: i64,
    pub key_id: String,
    pub mac: String,
}

impl Checkpoint {
    fn mac_of(key: &AuditKey, seq: i64, hash: &str, at: i64) -> String {
        key.mac(&[
            b"egov audit checkpoint v1",
            &seq.to_be_bytes(),
            hash.as_bytes(),
            &at.to_be_bytes(),
        ])
    }

    pub fn new(key: &AuditKey, seq: i64, hash: &str, at: i64) -> Checkpoint {
        Checkpoint {
            seq,
            hash: hash.to_owned(),
            at,
            key_id: key.id().to_owned(),
            mac: Self::mac_of(key, seq, hash, at),
        }
    }

    /// True when the checkpoint was made with `key` and not altered since.
    pub fn is_valid(&self, key: &AuditKey) -> bool {
        self.key_id == key.id() && self.mac == Self::mac_of(key, self.seq, &self.hash, self.at)
    }

    /// The file name in a checkpoint directory: sorts by sequence number.
    pub fn file_name(&self) -> String {
        format!("audit-checkpoint-{:012}.json", self.seq)
    }
}

/// Write a checkpoint into `dir` (created if missing) as one JSON file, atomically (a temporary
/// file renamed into place). An existing file for the same entry is kept.
pub fn write_checkpoint(dir: &Path, cp: &Checkpoint) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join(cp.file_name());
    if path.exists() {
        return Ok(path);
    }
    let tmp = dir.join(format!(".{}.tmp-{}", cp.file_name(), std::process::id()));
    let text = serde_json::to_string_pretty(cp).map_err(std::io::Error::other)?;
    std::fs::write(&tmp, text + "\n")?;
    std::fs::rename(&tmp, &path)?;
    Ok(path)
}

/// Every checkpoint in `dir` (files `audit-checkpoint-*.json`), by sequence number. A file that
/// cannot be read is an error naming it.
pub fn read_checkpoints(dir: &Path) -> FaultResult<Vec<Checkpoint>> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        crate::fault!(
            "cannot read the checkpoint directory {}: {e}",
            dir.display()
        )
    })?;
    let mut out = Vec::new();
    for entry in entries {
        let path = entry?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if !(name.starts_with("audit-checkpoint-") && name.ends_with(".json")) {
            continue;
        }
        let text = std::fs::read_to_string(&path)
            .map_err(|e| crate::fault!("cannot read checkpoint {}: {e}", path.display()))?;
        let cp: Checkpoint = serde_json::from_str(&text)
            .map_err(|e| crate::fault!("invalid checkpoint {}: {e}", path.display()))?;
        out.push(cp);
    }
    out.sort_by_key(|c| c.seq);
    Ok(out)
}

/// Take a checkpoint of the head and publish it: to the log (target `egov::audit`) and, when
/// `dir` is set, as a file there. The entries since the last checkpoint in `dir` (the whole chain
/// without one) are verified first, so a checkpoint never pins a chain that is already broken.
/// Returns None when the head has not moved since the last checkpoint.
pub async fn publish_checkpoint(db: &Db, dir: Option<&Path>) -> FaultResult<Option<Checkpoint>> {
    let key = db
        .audit_key()
        .ok_or_else(|| crate::fault!("no audit key configured: checkpoints cannot be signed"))?;
    let last = match dir {
        Some(d) if d.exists() => read_checkpoints(d)?.pop(),
        _ => None,
    };
    let start = match &last {
        Some(cp) => {
            crate::ensure!(
                cp.is_valid(key),
                "the last checkpoint in the directory (entry {}) does not carry a valid MAC",
                cp.seq
            );
            let row = db
                .fetch_optional(
                    "SELECT key_id FROM audit_log WHERE seq = $1",
                    params![cp.seq],
                )
                .await?;
            let Some(row) = row else {
                return Err(crate::fault!(
                    "audit chain BROKEN: entry {} named by the last checkpoint is missing (head rewound)",
                    cp.seq
                ));
            };
            Start {
                seq: cp.seq,
                hash: cp.hash.clone(),
                keyed: row.get::<Option<String>>("key_id")?.is_some(),
            }
        }
        None => Start {
            seq: 0,
            hash: "0".repeat(64),
            keyed: false,
        },
    };
    let end = match walk(db, Some(key), start, &HashMap::new()).await? {
        Ok(end) => end,
        Err(broken) => return Err(crate::fault!("{broken}; no checkpoint published")),
    };
    if last.as_ref().is_some_and(|cp| cp.seq == end.seq) {
        tracing::info!(target: "egov::audit", seq = end.seq, "audit head unchanged since the last checkpoint");
        return Ok(None);
    }
    let cp = Checkpoint::new(key, end.seq, &end.hash, now_ms());
    if let Some(d) = dir {
        write_checkpoint(d, &cp)?;
    }
    tracing::info!(
        target: "egov::audit",
        seq = cp.seq,
        hash = %cp.hash,
        at = cp.at,
        key_id = %cp.key_id,
        mac = %cp.mac,
        "audit checkpoint"
    );
    Ok(Some(cp))
}

/// A check a capability registers: it compares what it keeps with what the trail recorded, and
/// returns one line per disagreement (empty when they agree).
pub type Check = Arc<dyn Fn(Db) -> BoxFuture<FaultResult<Vec<String>>> + Send + Sync>;

/// The checks `egov audit verify` runs after the chain, by name. Platform knows none of them:
/// each capability registers its own.
#[derive(Clone, Default)]
pub struct Checks {
    list: Vec<(String, Check)>,
}

impl Checks {
    pub fn register<F, Fut>(&mut self, name: &str, f: F)
    where
        F: Fn(Db) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = FaultResult<Vec<String>>> + Send + 'static,
    {
        self.list
            .push((name.to_owned(), Arc::new(move |db| Box::pin(f(db)))));
    }
}

/// One disagreement found by a registered check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub check: String,
    pub detail: String,
}

/// Everything `egov audit verify` found.
#[derive(Debug, Clone)]
pub struct Report {
    pub chain: Verdict,
    /// Checkpoints compared with the chain.
    pub checkpoints: usize,
    pub findings: Vec<Finding>,
}

impl Report {
    pub fn is_intact(&self) -> bool {
        matches!(self.chain, Verdict::Intact { .. }) && self.findings.is_empty()
    }
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "{}", self.chain)?;
        writeln!(f, "checkpoints checked: {}", self.checkpoints)?;
        for x in &self.findings {
            writeln!(f, "BROKEN ({}): {}", x.check, x.detail)?;
        }
        if self.is_intact() {
            write!(f, "audit trail intact")
        } else {
            write!(f, "audit trail BROKEN")
        }
    }
}

/// The chain (against the checkpoints), then every registered check.
pub async fn verify_all(
    db: &Db,
    checkpoints: &[Checkpoint],
    checks: &Checks,
) -> FaultResult<Report> {
    let chain = verify_chain(db, checkpoints).await?;
    let mut findings = Vec::new();
    for (name, check) in &checks.list {
        for detail in check(db.clone()).await? {
            findings.push(Finding {
                check: name.clone(),
                detail,
            });
        }
    }
    Ok(Report {
        chain,
        checkpoints: checkpoints.len(),
        findings,
    })
}

/// Key of an entry's `after` JSON that describes its object as people know it at the time of the
/// change (codes and names, e.g. a report's template code, its unit's statistical code and name,
/// its period): written by the capability with the change, shown as the object's name, never as a
/// change itself.
pub const OBJECT: &str = "object";

/// A capability's way of naming the objects of its entries for the audit page, as people know
/// them ("Báo cáo BC-KTXH-THANG · Nghệ An (40) · Tháng 12/2026"): the entries of its object type
/// in, a name per entry (by seq) out; an entry it cannot name keeps its type and id.
pub type Namer = Arc<
    dyn Fn(Db, Vec<Entry>, crate::i18n::Lang) -> BoxFuture<FaultResult<HashMap<i64, String>>>
        + Send
        + Sync,
>;

/// The namers of object types, and the keys of `after` JSON that are bookkeeping (digests the
/// checks recompute) rather than changes: the audit page shows those in the raw JSON only.
/// Platform knows none of them: each capability registers its own (like [`Checks`]).
#[derive(Clone, Default)]
pub struct Names {
    namers: HashMap<String, Namer>,
    bookkeeping: Vec<&'static str>,
}

impl Names {
    /// Name the entries of `object_type` with `f`.
    pub fn register<F, Fut>(&mut self, object_type: &str, f: F)
    where
        F: Fn(Db, Vec<Entry>, crate::i18n::Lang) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = FaultResult<HashMap<i64, String>>> + Send + 'static,
    {
        self.namers.insert(
            object_type.to_owned(),
            Arc::new(move |db, entries, lang| Box::pin(f(db, entries, lang))),
        );
    }

    /// Keys of `after` JSON that record bookkeeping, not a change.
    pub fn bookkeeping(&mut self, keys: &[&'static str]) {
        self.bookkeeping.extend_from_slice(keys);
    }

    /// Is `key` of an entry's JSON bookkeeping (or the object's description)?
    pub fn is_bookkeeping(&self, key: &str) -> bool {
        key == OBJECT || self.bookkeeping.contains(&key)
    }

    /// The names of `entries` the registered namers give, by seq. A namer that fails is logged
    /// and its entries keep their type and id: the page still shows every entry.
    pub async fn name(
        &self,
        db: &Db,
        entries: &[Entry],
        lang: crate::i18n::Lang,
    ) -> HashMap<i64, String> {
        let mut out = HashMap::new();
        for (object_type, namer) in &self.namers {
            let mine: Vec<Entry> = entries
                .iter()
                .filter(|e| &e.object_type == object_type)
                .cloned()
                .collect();
            if mine.is_empty() {
                continue;
            }
            match namer(db.clone(), mine, lang).await {
                Ok(names) => out.extend(names),
                Err(e) => tracing::warn!(object_type, error = %e, "audit entries left unnamed"),
            }
        }
        out
    }
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
    use sea_query::{Expr, ExprTrait, Order, Query};
    let (sql, p) = {
        let mut q = Query::select();
        q.column(sea_query::Asterisk).from("audit_log");
        let text = |v: &Option<String>| v.as_deref().filter(|s| !s.is_empty()).map(str::to_owned);
        if let Some(a) = text(&f.actor) {
            q.and_where(Expr::col("actor_name").eq(a));
        }
        if let Some(t) = text(&f.object_type) {
            q.and_where(Expr::col("object_type").eq(t));
        }
        if let Some(o) = text(&f.object_id) {
            q.and_where(Expr::col("object_id").eq(o));
        }
        if let Some(v) = f.from_ms {
            q.and_where(Expr::col("at").gte(v));
        }
        if let Some(v) = f.to_ms {
            q.and_where(Expr::col("at").lte(v));
        }
        if let Some(v) = f.before_seq {
            q.and_where(Expr::col("seq").lt(v));
        }
        q.order_by("seq", Order::Desc)
            .limit(u64::try_from(Ord::max(limit, 0)).unwrap_or(0));
        db.backend().build(&q)?
    };
    db.fetch_all(sql, p)
        .await?
        .iter()
        .map(Entry::from_row)
        .collect()
}

#[cfg(test)]
mod tests;
