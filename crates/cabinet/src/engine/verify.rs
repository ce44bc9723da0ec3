//! `egov cabinet verify poll|form <id>`: every ballot's (answer's) evidence and the tally,
//! checked from what is stored, failing on any tampering:
//! 1. the canonical text is rebuilt from the row's fields and must equal the stored one;
//! 2. the passkey assertion must answer the stored challenge (on `origin`, when given) and carry
//!    a valid signature of the member's registered passkey;
//! 3. the member's Ed25519 signature must verify when they have a key;
//! 4. the evidence hash is recomputed, and the audit entry written in the same transaction must
//!    name it, for this object; the audit chain as a whole must be intact;
//! 5. the tally is recounted (a secret poll: as many unlinked choices as voters) and must equal
//!    the stored result and the closing audit entry.

use platform::db::Db;

use super::Result;
use crate::model::ballot::{self, Assertion, answer_text, ballot_text, evidence_hash};
use crate::model::kinds::PollStatus;
use crate::store::{bodies, forms, passkeys, polls};

/// Most problems listed (the count is always complete).
pub const MAX_PROBLEMS: usize = 100;

#[derive(Debug, Default)]
pub struct Report {
    pub checked: usize,
    pub problems: Vec<String>,
    pub problem_count: usize,
}

impl Report {
    pub fn ok(&self) -> bool {
        self.problem_count == 0
    }
    fn problem(&mut self, p: String) {
        self.problem_count += 1;
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(p);
        }
    }
}

/// The audit entry `seq` must be `action` on `object_type`/`object_id` and name `evidence`.
async fn sealed(
    db: &Db,
    seq: i64,
    object_type: &str,
    object_id: i64,
    action: &str,
    evidence: &str,
) -> Result<bool> {
    let row = db
        .fetch_optional(
            "SELECT action, object_type, object_id, after_json FROM audit_log WHERE seq = $1",
            platform::params![seq],
        )
        .await?;
    let Some(r) = row else { return Ok(false) };
    let after: String = r.get::<Option<String>>("after_json")?.unwrap_or_default();
    let after: serde_json::Value = serde_json::from_str(&after).unwrap_or_default();
    Ok(r.get::<String>("action")? == action
        && r.get::<String>("object_type")? == object_type
        && r.get::<String>("object_id")? == object_id.to_string()
        && after["evidence"].as_str() == Some(evidence))
}

#[allow(clippy::too_many_arguments)]
async fn evidence(
    db: &Db,
    report: &mut Report,
    what: &str,
    canonical: &str,
    expected: &str,
    credential_id: &str,
    challenge: &str,
    assertion: &str,
    member_sig: &str,
    sign_key: Option<&str>,
    stored_evidence: &str,
    origin: Option<&str>,
) -> Result<()> {
    if canonical != expected {
        report.problem(format!("{what}: the stored text does not match its fields"));
    }
    match passkeys::by_credential_db(db, credential_id).await? {
        None => report.problem(format!("{what}: unknown passkey {credential_id}")),
        Some(pk) => match Assertion::parse(assertion)
            .and_then(|a| a.verify(&pk.public_key, challenge, origin))
        {
            Ok(()) => {}
            Err(e) => report.problem(format!("{what}: {e}")),
        },
    }
    match sign_key {
        Some(k) if ballot::verify_member_signature(k, canonical, member_sig).is_err() => {
            report.problem(format!(
                "{what}: the member's Ed25519 signature does not verify"
            ));
        }
        Some(_) => {}
        None if !member_sig.is_empty() => {
            report.problem(format!("{what}: a member signature without a member key"))
        }
        None => {}
    }
    if evidence_hash(canonical, assertion, member_sig) != stored_evidence {
        report.problem(format!("{what}: the evidence hash does not match"));
    }
    Ok(())
}

async fn chain(db: &Db, report: &mut Report) -> Result<()> {
    match platform::audit::verify(db).await? {
        platform::audit::Verdict::Intact { .. } => {}
        other => report.problem(format!("the audit chain is broken: {other:?}")),
    }
    Ok(())
}

/// Checks a poll, and the audit chain.
pub async fn poll(db: &Db, id: i64, origin: Option<&str>) -> Result<Report> {
    let mut report = poll_only(db, id, origin).await?;
    chain(db, &mut report).await?;
    Ok(report)
}

/// Checks an opinion form, and the audit chain.
pub async fn form(db: &Db, id: i64, origin: Option<&str>) -> Result<Report> {
    let mut report = form_only(db, id, origin).await?;
    chain(db, &mut report).await?;
    Ok(report)
}

/// Registers `cabinet.ballots` with `egov audit verify` (which checks the chain itself): every
/// poll's and every issued form's evidence and tally.
pub fn register(checks: &mut platform::audit::Checks) {
    checks.register("cabinet.ballots", |db| async move {
        let mut out = Vec::new();
        let polls = db
            .fetch_all("SELECT id FROM cab_polls ORDER BY id", platform::params![])
            .await?;
        for r in polls {
            let id: i64 = r.get("id")?;
            let rep = poll_only(&db, id, None).await?;
            out.extend(rep.problems.into_iter().map(|p| format!("poll {id}: {p}")));
        }
        let forms = db
            .fetch_all(
                "SELECT id FROM cab_forms WHERE issued_at IS NOT NULL ORDER BY id",
                platform::params![],
            )
            .await?;
        for r in forms {
            let id: i64 = r.get("id")?;
            let rep = form_only(&db, id, None).await?;
            out.extend(rep.problems.into_iter().map(|p| format!("form {id}: {p}")));
        }
        out.truncate(MAX_PROBLEMS);
        Ok(out)
    });
}

async fn poll_only(db: &Db, id: i64, origin: Option<&str>) -> Result<Report> {
    let mut report = Report::default();
    let Some(p) = polls::get(db, id).await? else {
        report.problem(format!("poll {id}: not found"));
        return Ok(report);
    };
    let ballots = polls::ballots(db, id).await?;
    for b in &ballots {
        report.checked += 1;
        let what = format!("ballot {} (member {})", b.id, b.member_id);
        let expected = match (p.secret, b.choice) {
            (true, None) => ballot::ballot_text_secret(id, b.member_id, &b.client_id),
            (false, Some(c)) => ballot_text(id, b.member_id, c, &b.client_id),
            _ => {
                report.problem(format!(
                    "{what}: a choice where none belongs, or none where one does"
                ));
                String::new()
            }
        };
        let key = bodies::get_member(db, b.member_id)
            .await?
            .and_then(|m| m.sign_key);
        evidence(
            db,
            &mut report,
            &what,
            &b.canonical,
            &expected,
            &b.credential_id,
            &b.challenge,
            &b.assertion,
            &b.member_sig,
            key.as_deref(),
            &b.evidence,
            origin,
        )
        .await?;
        if !sealed(
            db,
            b.audit_seq,
            "cab_poll",
            id,
            "cabinet.ballot_cast",
            &b.evidence,
        )
        .await?
        {
            report.problem(format!(
                "{what}: its audit entry does not seal this evidence"
            ));
        }
        let voter: Option<i64> = polls::seat_of_db(db, id, b.user_id).await?;
        if voter != Some(b.member_id) {
            report.problem(format!(
                "{what}: cast by an account that does not hold this seat"
            ));
        }
    }
    let (named, secret) = polls::row_counts(db, id).await?;
    if p.secret && named != secret {
        report.problem(format!(
            "{named} voters but {secret} secret choices: a choice was added or removed"
        ));
    }
    if !p.secret && secret != 0 {
        report.problem("secret choices in a named poll".to_owned());
    }
    if named != p.cast {
        report.problem(format!(
            "{named} ballots stored, the poll counted {}",
            p.cast
        ));
    }
    if p.status == PollStatus::Closed {
        let (yes, no, abstain) = polls::tally_db(db, id, p.secret).await?;
        if (Some(yes), Some(no), Some(abstain)) != (p.yes, p.no, p.abstain) {
            report.problem(format!(
                "recount {yes}/{no}/{abstain} differs from the stored result {:?}/{:?}/{:?}",
                p.yes, p.no, p.abstain
            ));
        }
        let closing = db
            .fetch_optional(
                "SELECT after_json FROM audit_log WHERE object_type = 'cab_poll' AND object_id = $1 \
                 AND action = 'cabinet.poll_closed'",
                platform::params![id.to_string()],
            )
            .await?;
        let after: serde_json::Value = closing
            .and_then(|r| r.get::<Option<String>>("after_json").ok().flatten())
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default();
        if (
            after["yes"].as_i64(),
            after["no"].as_i64(),
            after["abstain"].as_i64(),
        ) != (Some(yes), Some(no), Some(abstain))
        {
            report
                .problem("the recount differs from the result sealed when the poll closed".into());
        }
    }
    Ok(report)
}

async fn form_only(db: &Db, id: i64, origin: Option<&str>) -> Result<Report> {
    let mut report = Report::default();
    let Some(f) = forms::get(db, id).await? else {
        report.problem(format!("form {id}: not found"));
        return Ok(report);
    };
    let recipients = forms::recipients(db, id).await?;
    for a in forms::answers(db, id).await? {
        report.checked += 1;
        let what = format!("answer of member {} (version {})", a.member_id, a.version);
        if !recipients.contains(&a.member_id) {
            report.problem(format!("{what}: not a recipient of the form"));
        }
        let expected = answer_text(id, a.member_id, a.version, a.answer, &a.opinion);
        let key = bodies::get_member(db, a.member_id)
            .await?
            .and_then(|m| m.sign_key);
        evidence(
            db,
            &mut report,
            &what,
            &a.canonical,
            &expected,
            &a.credential_id,
            &a.challenge,
            &a.assertion,
            &a.member_sig,
            key.as_deref(),
            &a.evidence,
            origin,
        )
        .await?;
        if !sealed(
            db,
            a.audit_seq,
            "cab_form",
            id,
            "cabinet.form_answered",
            &a.evidence,
        )
        .await?
        {
            report.problem(format!(
                "{what}: its audit entry does not seal this evidence"
            ));
        }
    }
    if let Some(total) = f.total
        && total != recipients.len() as i64
    {
        {
            report.problem(format!(
                "the form counted {total} members, {} recipients are stored",
                recipients.len()
            ));
        }
    }
    Ok(report)
}
