//! Opinion forms (Phiếu lấy ý kiến thành viên): drafted by the lead agency with its dossier,
//! submitted to the chair, approved and issued by the chair to every voting member in office
//! with a deadline in working days, answered (agree / disagree / another opinion) with a passkey
//! confirmation, synthesised over the membership at issue time, concluded by the chair with a
//! numbered resolution.
//!
//! Answers may change until the end of the deadline day (Vietnam's time) and are frozen after;
//! a member who has not answered by then may still answer until the chair concludes, and the
//! synthesis marks that answer late.

use platform::audit::{self, Actor, Change};
use platform::db::{Db, Tx};
use serde_json::json;
use webauthn_rs::prelude::Webauthn;

use super::passkeys::{self, Confirmed};
use super::{Error, Result};
use crate::model::ballot::{self, answer_text, evidence_hash};
use crate::model::kinds::{Answer, BodyKind, FormStatus, PaperKind};
use crate::model::rules::Side;
use crate::model::{iso, parse_iso, vn_day};
use crate::store::bodies::{self as bodies, Body, Member};
use crate::store::forms::{self as store, AnswerRow, Form, NewForm};
use crate::store::notices;

/// The largest paper of a form's dossier, in bytes.
pub const MAX_PAPER_BYTES: u64 = 20 * 1024 * 1024;
/// Most papers in a form's dossier.
pub const MAX_PAPERS: usize = 20;

/// What the lead agency drafts.
pub struct Draft<'a> {
    pub lead_agency_id: i64,
    pub title: &'a str,
    pub question: &'a str,
}

pub async fn create(db: &Db, actor: &Actor, body: &Body, d: &Draft<'_>, now: i64) -> Result<i64> {
    let title = super::line("title", d.title, super::MAX_TITLE)?;
    let question = super::text("question", d.question, super::MAX_TEXT, true)?;
    if registry::store::agency(db, d.lead_agency_id)
        .await?
        .is_none()
    {
        return Err(Error::Invalid {
            field: "lead_agency",
            code: "cab_unknown_agency",
        });
    }
    let mut tx = db.begin().await?;
    let id = store::insert(
        &mut tx,
        &NewForm {
            body_id: body.id,
            title: &title,
            question: &question,
            lead_agency_id: d.lead_agency_id,
            drafted_by: actor.user_id,
            answer_days: body.rules.answer_days,
        },
        now,
    )
    .await?;
    audit::append(
        &mut tx,
        actor,
        Change {
            action: "cabinet.form_drafted",
            object_type: "cab_form",
            object_id: id.to_string(),
            before: None,
            after: Some(
                json!({"body": body.code, "title": title, "lead_agency": d.lead_agency_id}),
            ),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Adds a paper (draft, submission, appraisal…) to a form still in draft.
pub async fn add_paper(
    db: &Db,
    files: &platform::files::FileStore,
    actor: &Actor,
    form: &Form,
    kind: PaperKind,
    name: &str,
    data: &mut (dyn std::io::Read + Send),
) -> Result<i64> {
    if form.status != FormStatus::Draft {
        return Err(Error::WrongState);
    }
    let name = super::line("name", name, 200)?;
    if store::papers(db, form.id).await?.len() >= MAX_PAPERS {
        return Err(Error::Invalid {
            field: "file",
            code: "cab_too_many_papers",
        });
    }
    let stored = files
        .put(data, MAX_PAPER_BYTES)
        .await
        .map_err(|e| Error::File(e.to_string()))?;
    let mut tx = db.begin().await?;
    let n = store::add_paper(
        &mut tx,
        form.id,
        kind,
        &name,
        &stored.key,
        stored.size as i64,
    )
    .await?;
    audit::append(
        &mut tx,
        actor,
        Change {
            action: "cabinet.form_paper_added",
            object_type: "cab_form",
            object_id: form.id.to_string(),
            before: None,
            after: Some(json!({"n": n, "kind": kind.code(), "name": name, "sha256": stored.key})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(n)
}

/// Sends a draft to the chair.
pub async fn submit(db: &Db, actor: &Actor, form: &Form, now: i64) -> Result<()> {
    if form.status != FormStatus::Draft {
        return Err(Error::WrongState);
    }
    let mut tx = db.begin().await?;
    store::set_status(&mut tx, form.id, FormStatus::Submitted, now).await?;
    audit::append(
        &mut tx,
        actor,
        Change {
            action: "cabinet.form_submitted",
            object_type: "cab_form",
            object_id: form.id.to_string(),
            before: Some(json!({"status": "draft"})),
            after: Some(json!({"status": "submitted"})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The suffix of a body's document numbers (`NQ-CP`, `PLYK-CP`…).
pub fn number_suffix(body: &Body) -> String {
    match body.kind {
        BodyKind::Government => "CP".to_owned(),
        BodyKind::Ministry => body.code.to_uppercase(),
        BodyKind::ProvinceCommittee => "UBND".to_owned(),
        BodyKind::ProvinceCouncil => "HĐND".to_owned(),
    }
}

/// Notices (in the app and by e-mail) to a member and their assistant.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn notify(
    tx: &mut Tx,
    body: &Body,
    m: &Member,
    kind: &str,
    href: &str,
    text: &str,
    dedupe: &str,
    now: i64,
) -> Result<()> {
    let mut to = vec![(m.user_id, m.email.clone())];
    if let Some(a) = m.assistant_id {
        let email = tx
            .fetch_optional(
                "SELECT email FROM users WHERE id = $1",
                platform::params![a],
            )
            .await?
            .map(|r| r.get::<Option<String>>("email"))
            .transpose()?
            .flatten();
        to.push((a, email));
    }
    for (user, email) in to {
        notices::insert(tx, user, body.id, kind, href, text, now).await?;
        if let Some(e) = email.filter(|e| !e.is_empty()) {
            let subject = format!(
                "[{}] {}",
                body.name_vi,
                platform::i18n::t(platform::i18n::Lang::Vi, &format!("cab_notice.{kind}"))
            );
            let mail = platform::mail::Email {
                to: e,
                subject,
                body: format!(
                    "{text}\n\n{}\n{}\n\n{}",
                    platform::i18n::t(platform::i18n::Lang::Vi, &format!("cab_notice.{kind}")),
                    platform::i18n::t(platform::i18n::Lang::En, &format!("cab_notice.{kind}")),
                    href
                ),
            };
            platform::mail::queue(tx, &mail, &format!("cab:{dedupe}:{user}"), now).await?;
        }
    }
    Ok(())
}

/// The chair approves a submitted form and issues it to every voting member in office today,
/// with a deadline `answer_days` working days ahead.
pub async fn issue(db: &Db, actor: &Actor, body: &Body, form: &Form, now: i64) -> Result<()> {
    let today = iso(vn_day(now));
    let Some(user) = actor.user_id else {
        return Err(Error::NotAllowed);
    };
    let members = bodies::in_office(db, body.id, &today).await?;
    if !members.iter().any(|m| m.chair && m.user_id == user) {
        return Err(Error::NotAllowed);
    }
    if form.status != FormStatus::Submitted {
        return Err(Error::WrongState);
    }
    let voters: Vec<&Member> = members.iter().filter(|m| m.voting).collect();
    if voters.is_empty() {
        return Err(Error::WrongState);
    }
    let cal = reporting::query::holiday_calendar(db).await?;
    let deadline = iso(cal.add_working_days(vn_day(now), form.answer_days));
    let mut tx = db.begin().await?;
    let seq = bodies::next_number(&mut tx, body.id, false).await?;
    let number = format!("{seq}/PLYK-{}", number_suffix(body));
    store::issue(
        &mut tx,
        form.id,
        &number,
        &deadline,
        voters.len() as i64,
        now,
    )
    .await?;
    for m in &voters {
        store::add_recipient(&mut tx, form.id, m.id).await?;
        notify(
            &mut tx,
            body,
            m,
            "form_issued",
            &format!("/cabinet/forms/{}", form.id),
            &form.title,
            &format!("form-issued:{}", form.id),
            now,
        )
        .await?;
    }
    audit::append(
        &mut tx,
        actor,
        Change {
            action: "cabinet.form_issued",
            object_type: "cab_form",
            object_id: form.id.to_string(),
            before: Some(json!({"status": "submitted"})),
            after: Some(
                json!({"status": "issued", "number": number, "deadline": deadline,
                "recipients": voters.iter().map(|m| m.id).collect::<Vec<_>>()}),
            ),
        },
    )
    .await?;
    platform::live::publish(
        &mut tx,
        &super::form_topic(form.id),
        &json!({"form": form.id, "status": "issued"}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A member's answer as the page sends it.
pub struct AnswerInput<'a> {
    pub answer: Answer,
    pub opinion: &'a str,
    pub ceremony: &'a str,
    pub credential: &'a str,
    /// The member's Ed25519 signature over the canonical text (hex), required when they
    /// registered a key.
    pub member_sig: &'a str,
}

/// The text the member's own key must sign for their next answer (the page shows it and signs
/// it): the version is the one the answer will get.
pub async fn next_canonical(
    db: &Db,
    form: &Form,
    member: &Member,
    answer: Answer,
    opinion: &str,
) -> Result<String> {
    let mut tx = db.begin().await?;
    let v = store::answer_of(&mut tx, form.id, member.id)
        .await?
        .map_or(1, |a| a.version + 1);
    tx.commit().await?;
    Ok(answer_text(form.id, member.id, v, answer, opinion.trim()))
}

/// Records a member's answer, confirmed with their passkey, in one transaction with its audit
/// entry; returns its version.
#[allow(clippy::too_many_arguments)]
pub async fn answer(
    db: &Db,
    rp: &Webauthn,
    actor: &Actor,
    user_id: i64,
    form_id: i64,
    input: &AnswerInput<'_>,
    now: i64,
) -> Result<i64> {
    let opinion = super::text("opinion", input.opinion, ballot::MAX_OPINION, false)?;
    if input.answer == Answer::Other && opinion.is_empty() {
        return Err(Error::Invalid {
            field: "opinion",
            code: "cab_opinion_required",
        });
    }
    let form = store::get(db, form_id).await?.ok_or(Error::NotFound)?;
    // The user's seats when the form was issued (the recipients were fixed then).
    let issued_day = iso(vn_day(form.issued_at.unwrap_or(now)));
    let seats = bodies::of_user(db, user_id, &issued_day).await?;
    let mut tx = db.begin().await?;
    let form = store::get_for_update(&mut tx, form_id)
        .await?
        .ok_or(Error::NotFound)?;
    if !matches!(form.status, FormStatus::Issued | FormStatus::Closed) {
        return Err(Error::WrongState);
    }
    // The member's seat among the recipients (fixed at issue).
    let mut member = None;
    for m in seats.iter().filter(|m| m.body_id == form.body_id) {
        if store::is_recipient(&mut tx, form.id, m.id).await? {
            member = Some(m.clone());
        }
    }
    let Some(member) = member else {
        return Err(Error::NotAllowed);
    };
    let today = iso(vn_day(now));
    let deadline = form.deadline.clone().unwrap_or_default();
    let before = store::answer_of(&mut tx, form.id, member.id).await?;
    if before.is_some() && today.as_str() > deadline.as_str() {
        return Err(Error::Frozen);
    }
    let version = before.as_ref().map_or(1, |a| a.version + 1);
    let canonical = answer_text(form.id, member.id, version, input.answer, &opinion);
    let Confirmed {
        credential_id,
        challenge,
        assertion,
    } = passkeys::finish_confirmation(
        &mut tx,
        rp,
        user_id,
        input.ceremony,
        &format!("answer:{}", form.id),
        input.credential,
        now,
    )
    .await?;
    let sig = input.member_sig.trim().to_ascii_lowercase();
    match bodies::sign_key_of(&mut tx, member.id).await? {
        Some(key) => ballot::verify_member_signature(&key, &canonical, &sig)
            .map_err(|_| Error::MemberSignature)?,
        None if !sig.is_empty() => return Err(Error::MemberSignature),
        None => {}
    }
    let evidence = evidence_hash(&canonical, &assertion, &sig);
    let seq = audit::append(
        &mut tx,
        actor,
        Change {
            action: "cabinet.form_answered",
            object_type: "cab_form",
            object_id: form.id.to_string(),
            before: before
                .as_ref()
                .map(|a| json!({"version": a.version, "answer": a.answer.code(), "evidence": a.evidence})),
            after: Some(json!({"member": member.id, "version": version,
                "answer": input.answer.code(), "evidence": evidence})),
        },
    )
    .await?;
    store::put_answer(
        &mut tx,
        &AnswerRow {
            id: 0,
            form_id: form.id,
            member_id: member.id,
            version,
            answer: input.answer,
            opinion,
            canonical,
            challenge,
            credential_id,
            assertion,
            member_sig: sig,
            evidence,
            audit_seq: seq,
            answered_at: now,
        },
    )
    .await?;
    let answered: i64 = tx
        .fetch_one(
            "SELECT COUNT(*) AS n FROM cab_answers WHERE form_id = $1",
            platform::params![form.id],
        )
        .await?
        .get("n")?;
    platform::live::publish(
        &mut tx,
        &super::form_topic(form.id),
        &json!({"form": form.id, "answered": answered}),
    )
    .await?;
    tx.commit().await?;
    Ok(version)
}

/// One member's line in the synthesis.
#[derive(Debug, Clone)]
pub struct Line {
    pub member: Member,
    pub answer: Option<AnswerRow>,
    pub late: bool,
}

/// The synthesis of a form's answers, over the membership at issue time.
#[derive(Debug, Clone)]
pub struct Synthesis {
    pub total: u32,
    pub agree: u32,
    pub disagree: u32,
    pub other: u32,
    pub none: u32,
    pub passed: bool,
    pub by_tie: bool,
    pub needed: u32,
    pub lines: Vec<Line>,
}

pub async fn synthesis(db: &Db, body: &Body, form: &Form) -> Result<Synthesis> {
    let ids = store::recipients(db, form.id).await?;
    let answers = store::answers(db, form.id).await?;
    let deadline_end = form
        .deadline
        .as_deref()
        .and_then(parse_iso)
        .map(|d| {
            (d.next_day()
                .unwrap_or(d)
                .midnight()
                .assume_offset(crate::model::VIETNAM))
            .unix_timestamp()
                * 1000
        })
        .unwrap_or(i64::MAX);
    let mut lines = Vec::with_capacity(ids.len());
    for id in ids {
        let Some(member) = bodies::get_member(db, id).await? else {
            continue;
        };
        let answer = answers.iter().find(|a| a.member_id == id).cloned();
        let late = answer
            .as_ref()
            .is_some_and(|a| a.answered_at >= deadline_end);
        lines.push(Line {
            member,
            answer,
            late,
        });
    }
    let count = |a: Answer| {
        lines
            .iter()
            .filter(|l| l.answer.as_ref().is_some_and(|x| x.answer == a))
            .count() as u32
    };
    let total = form.total.unwrap_or(lines.len() as i64) as u32;
    let (agree, disagree, other) = (
        count(Answer::Agree),
        count(Answer::Disagree),
        count(Answer::Other),
    );
    let chair = lines
        .iter()
        .find(|l| l.member.chair)
        .and_then(|l| l.answer.as_ref())
        .map(|a| a.answer.side());
    let o = body
        .rules
        .outcome(total, agree, disagree, chair.or(Some(Side::Neither)));
    Ok(Synthesis {
        total,
        agree,
        disagree,
        other,
        none: total.saturating_sub(agree + disagree + other),
        passed: o.passed,
        by_tie: o.by_tie,
        needed: o.needed,
        lines,
    })
}

/// The chair concludes a form past its deadline (or fully answered) and issues the numbered
/// resolution; returns its number.
pub async fn conclude(
    db: &Db,
    actor: &Actor,
    body: &Body,
    form: &Form,
    conclusion: &str,
    now: i64,
) -> Result<String> {
    let conclusion = super::text("conclusion", conclusion, super::MAX_TEXT, true)?;
    let today = iso(vn_day(now));
    let Some(user) = actor.user_id else {
        return Err(Error::NotAllowed);
    };
    if !bodies::in_office(db, body.id, &today)
        .await?
        .iter()
        .any(|m| m.chair && m.user_id == user)
    {
        return Err(Error::NotAllowed);
    }
    let s = synthesis(db, body, form).await?;
    let all_answered = s.none == 0;
    let past = form.deadline.as_deref().is_some_and(|d| today.as_str() > d);
    if !(form.status == FormStatus::Closed
        || (form.status == FormStatus::Issued && (past || all_answered)))
    {
        return Err(Error::WrongState);
    }
    let mut tx = db.begin().await?;
    let seq = bodies::next_number(&mut tx, body.id, true).await?;
    let number = format!("{seq}/NQ-{}", number_suffix(body));
    store::conclude(&mut tx, form.id, &conclusion, &number, now).await?;
    audit::append(
        &mut tx,
        actor,
        Change {
            action: "cabinet.form_concluded",
            object_type: "cab_form",
            object_id: form.id.to_string(),
            before: Some(json!({"status": form.status.code()})),
            after: Some(json!({"status": "concluded", "resolution": number,
                "agree": s.agree, "disagree": s.disagree, "other": s.other, "none": s.none,
                "total": s.total, "passed": s.passed})),
        },
    )
    .await?;
    platform::live::publish(
        &mut tx,
        &super::form_topic(form.id),
        &json!({"form": form.id, "status": "concluded"}),
    )
    .await?;
    tx.commit().await?;
    Ok(number)
}
