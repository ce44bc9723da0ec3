//! The axis (trục): accept a package from an agency, check it, route it to its recipients, keep it
//! until each has acknowledged it, relay statuses back to the sender, and answer a resend with the
//! first outcome. Delivery is at-least-once on the wire and exactly-once here: a package is known
//! by its bytes and by its `DocumentId` (a status by what it answers, who sends it, its code and
//! time), and a second arrival changes nothing.

use std::io::BufReader;

use platform::audit::{self, Actor, Change};
use platform::db::{Db, DbError, now_ms};
use platform::files::{FileError, FileStore, Stored};

use crate::edxml::{self, Body, ReadError};
use crate::model::agency::AgencyId;
use crate::model::problem::Problem;
use crate::model::status::{BusinessType, StatusCode};
use crate::store::agencies::{self, Agency, AgencyState};
use crate::store::packages::{self, NewPackage, Pending};
use crate::xmldsig::{self, SignatureError};

/// How long a package waits for a recipient before the sender is told it was not delivered.
pub const DEFAULT_DELIVERY_TTL_MS: i64 = 7 * 24 * 3_600_000;
/// The most pending packages listed at once.
pub const PENDING_PAGE: i64 = 100;

/// What the axis answers to a package.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    Accepted {
        package_id: i64,
        document_id: String,
        recipients: Vec<String>,
        /// The package had been received before: this is the first answer again.
        repeated: bool,
    },
    Rejected {
        problems: Vec<Problem>,
        repeated: bool,
    },
}

/// Why a request could not be served (not a judgement on a package: that is [`Outcome`]).
#[derive(Debug, thiserror::Error)]
pub enum AxisError {
    #[error("no such package for this agency")]
    NotFound,
    #[error("the agency is not active on the axis")]
    AgencyNotActive,
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Files(#[from] FileError),
}

impl AxisError {
    pub fn code(&self) -> &'static str {
        match self {
            AxisError::NotFound => "package_not_found",
            AxisError::AgencyNotActive => "agency_not_active",
            AxisError::Db(_) | AxisError::Files(_) => "internal",
        }
    }
}

/// The axis of one deployment.
#[derive(Debug, Clone)]
pub struct Axis {
    pub db: Db,
    pub files: FileStore,
    pub delivery_ttl_ms: i64,
}

fn actor_of(agency: &Agency) -> Actor {
    Actor::system(&format!("agency {}", agency.code))
}

fn reject(code: &str, path: &str) -> Vec<Problem> {
    vec![Problem::new(path, code)]
}

/// What a package that passed every check is about.
struct Routed {
    kind: &'static str,
    document_id: String,
    status_code: Option<String>,
    dedupe_key: String,
    recipients: Vec<String>,
}

impl Axis {
    /// Accept a package `caller` sent (already stored, streaming, by the transport).
    pub async fn accept(&self, caller: &Agency, stored: &Stored) -> Result<Outcome, AxisError> {
        if caller.state != AgencyState::Active {
            return Err(AxisError::AgencyNotActive);
        }
        // Per sender: the same bytes from another agency are that agency's package, judged anew.
        let bytes_key = format!("bytes:{}:{}", caller.code, stored.key);
        if let Some(r) = packages::receipt(&self.db, &bytes_key).await? {
            return self.first_outcome(r).await;
        }
        let (signer, routed) = match self.check(caller, stored).await? {
            Ok(ok) => ok,
            Err(problems) => return self.rejected(caller, &bytes_key, problems).await,
        };
        if let Some(r) = packages::receipt(&self.db, &routed.dedupe_key).await? {
            // The same document again, in other bytes (re-signed, re-serialised).
            return self.first_outcome(r).await;
        }
        let dedupe_key = routed.dedupe_key.clone();
        match self.route(caller, stored, &bytes_key, signer, routed).await {
            // A concurrent resend recorded the package first (its transaction committed while
            // this one waited): the first answer, as for any resend.
            Err(AxisError::Db(e)) if e.is_unique_violation() => {
                for key in [&bytes_key, &dedupe_key] {
                    if let Some(r) = packages::receipt(&self.db, key).await? {
                        return self.first_outcome(r).await;
                    }
                }
                Err(AxisError::Db(e))
            }
            other => other,
        }
    }

    /// Store a package that passed every check: its deliveries, trace, receipts and audit
    /// entry, in one transaction.
    async fn route(
        &self,
        caller: &Agency,
        stored: &Stored,
        bytes_key: &str,
        signer: String,
        routed: Routed,
    ) -> Result<Outcome, AxisError> {
        let mut tx = self.db.begin().await?;
        let package_id = packages::insert(
            &mut tx,
            &NewPackage {
                kind: routed.kind,
                document_id: &routed.document_id,
                sender_code: &caller.code,
                status_code: routed.status_code.as_deref(),
                dedupe_key: &routed.dedupe_key,
                file_key: &stored.key,
                size: stored.size,
                signer: Some(&signer),
            },
        )
        .await?;
        let expires = now_ms() + self.delivery_ttl_ms;
        for r in &routed.recipients {
            packages::deliver(&mut tx, package_id, r, expires).await?;
        }
        packages::trace(&mut tx, package_id, &caller.code, "received", None).await?;
        for key in [bytes_key, routed.dedupe_key.as_str()] {
            packages::record_receipt(
                &mut tx,
                key,
                &caller.code,
                Some(package_id),
                "accepted",
                None,
            )
            .await?;
        }
        platform::live::publish(
            &mut tx,
            "documents.delivery",
            &serde_json::json!({ "package": package_id, "recipients": routed.recipients }),
        )
        .await?;
        // Last before the commit: the audit chain's head row stays locked until then, so
        // concurrent acceptances wait on it for as short a time as possible.
        audit::append(
            &mut tx,
            &actor_of(caller),
            Change {
                action: "documents.package_accepted",
                object_type: "doc_package",
                object_id: package_id.to_string(),
                before: None,
                after: Some(serde_json::json!({
                    "kind": routed.kind, "document_id": routed.document_id,
                    "sender": caller.code, "recipients": routed.recipients,
                    "status": routed.status_code, "sha256": stored.key, "signer": signer,
                })),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Outcome::Accepted {
            package_id,
            document_id: routed.document_id,
            recipients: routed.recipients,
            repeated: false,
        })
    }

    /// The checks of a package: its signature (by the caller's registered certificate), its
    /// content (edXML and the law's required parts), that it speaks for the caller, and where it
    /// goes. `Ok(Err(problems))` refuses it.
    async fn check(
        &self,
        caller: &Agency,
        stored: &Stored,
    ) -> Result<Result<(String, Routed), Vec<Problem>>, AxisError> {
        // The digest is checked once; the signature check and the parse then read the same
        // file (two streaming passes, never the whole package in memory).
        let path = self.files.verified_path(&stored.key).await?;
        let open = || -> Result<BufReader<std::fs::File>, AxisError> {
            Ok(BufReader::new(
                std::fs::File::open(&path).map_err(FileError::Io)?,
            ))
        };
        let verified = match xmldsig::verify(open()?) {
            Ok(v) => v,
            Err(e @ SignatureError::Io(_)) => {
                return Err(AxisError::Files(FileError::Io(std::io::Error::other(
                    e.to_string(),
                ))));
            }
            Err(e) => {
                return Ok(Err(vec![
                    Problem::new("edXMLHeader/Signature", e.code()).arg("reason", e.to_string()),
                ]));
            }
        };
        if caller.fingerprint.as_deref() != Some(verified.fingerprint.as_str()) {
            return Ok(Err(reject("signature_not_sender", "edXMLHeader/Signature")));
        }
        let package = match edxml::read(open()?, &mut edxml::Discard) {
            Ok(p) => p,
            Err(ReadError::Refused(r)) => return Ok(Err(r.problems)),
            Err(e @ (ReadError::Malformed { .. } | ReadError::TooLarge { .. })) => {
                return Ok(Err(vec![
                    Problem::new("", e.code()).arg("reason", e.to_string()),
                ]));
            }
            Err(ReadError::Sink(e)) => return Err(AxisError::Files(FileError::Io(e))),
        };
        let caller_id = AgencyId::parse(&caller.code).ok();
        let speaks_for = |id: &AgencyId| caller_id.as_ref().is_some_and(|c| c.same_agency(id));
        let routed = match &package.body {
            Body::Document(d) => {
                if !speaks_for(&d.sender) {
                    return Ok(Err(reject("sender_mismatch", "MessageHeader/From/OrganId")));
                }
                let mut recipients = Vec::new();
                let mut problems = Vec::new();
                for (i, r) in d.recipients.iter().enumerate() {
                    match agencies::find(&self.db, r).await? {
                        Some(a) if a.state == AgencyState::Active => recipients.push(a.code),
                        _ => problems.push(
                            Problem::new(
                                &format!("MessageHeader/To[{}]/OrganId", i + 1),
                                "unknown_recipient",
                            )
                            .arg("organ_id", r.to_string()),
                        ),
                    }
                }
                if !problems.is_empty() {
                    return Ok(Err(problems));
                }
                // A revocation, update or replacement (the business block) names a document
                // this sender sent before, and is a package of its own beside the first.
                let business = package
                    .business
                    .as_ref()
                    .map_or(BusinessType::New, |b| b.kind);
                let dedupe_key = if business == BusinessType::New {
                    format!("document:{}", d.id())
                } else if business == BusinessType::Replace {
                    // A new document (its own `DocumentId`) naming one this sender sent before.
                    let replaced = package
                        .business
                        .as_ref()
                        .and_then(|b| b.document_id.clone());
                    let known = match replaced {
                        Some(old) => packages::document(&self.db, &old).await?,
                        None => None,
                    };
                    if known.is_none_or(|(_, sender)| sender != caller.code) {
                        return Ok(Err(reject(
                            "unknown_document",
                            "edXMLHeader/TraceHeaderList/Bussiness/DocumentId",
                        )));
                    }
                    format!("document:{}", d.id())
                } else {
                    match packages::document(&self.db, &d.id()).await? {
                        Some((_, sender)) if sender == caller.code => {}
                        _ => {
                            return Ok(Err(reject(
                                "unknown_document",
                                "edXMLHeader/TraceHeaderList/Bussiness/BussinessDocType",
                            )));
                        }
                    }
                    // Each revocation or update is its own package (a second update of the
                    // same document differs by its bytes); the same bytes again are a resend.
                    format!(
                        "document:{}:business:{}:{}",
                        d.id(),
                        business.code(),
                        &stored.key[..16]
                    )
                };
                Routed {
                    kind: "document",
                    dedupe_key,
                    document_id: d.id(),
                    status_code: None,
                    recipients,
                }
            }
            Body::Status(s) => {
                if !speaks_for(&s.from) {
                    return Ok(Err(reject(
                        "sender_mismatch",
                        "edXMLHeader/Status/From/OrganId",
                    )));
                }
                let Some((doc_package, doc_sender)) =
                    packages::document(&self.db, &s.response_for).await?
                else {
                    return Ok(Err(reject(
                        "unknown_document",
                        "edXMLHeader/Status/ResponseFor/DocumentId",
                    )));
                };
                // The sender asks its recipients to give the document back (13); every other
                // status goes from a recipient to the sender.
                let from_sender = doc_sender == caller.code;
                if from_sender != (s.code == StatusCode::TakeBackRequested) {
                    return Ok(Err(reject(
                        if from_sender {
                            "status_not_for_sender"
                        } else {
                            "take_back_by_sender_only"
                        },
                        "edXMLHeader/Status/ResponseFor/DocumentId",
                    )));
                }
                if !from_sender
                    && !packages::addressed_to(&self.db, doc_package, &caller.code).await?
                {
                    return Ok(Err(reject(
                        "not_a_recipient",
                        "edXMLHeader/Status/ResponseFor/DocumentId",
                    )));
                }
                let recipients = if from_sender {
                    packages::recipients_of(&self.db, doc_package).await?
                } else {
                    vec![doc_sender]
                };
                Routed {
                    kind: "status",
                    // A status is named by what it says: the same one sent again is answered
                    // with the first outcome; two in the same second differ by their
                    // description (time stamps have second precision).
                    dedupe_key: format!(
                        "status:{}:{}:{}:{}:{}",
                        s.response_for,
                        caller.code,
                        s.code.code(),
                        s.timestamp.unix_timestamp(),
                        &hex::encode(<sha2::Sha256 as sha2::Digest>::digest(
                            s.description.as_deref().unwrap_or_default().as_bytes()
                        ))[..16]
                    ),
                    document_id: s.response_for.clone(),
                    status_code: Some(s.code.code().to_owned()),
                    recipients,
                }
            }
        };
        Ok(Ok((verified.fingerprint, routed)))
    }

    async fn rejected(
        &self,
        caller: &Agency,
        bytes_key: &str,
        problems: Vec<Problem>,
    ) -> Result<Outcome, AxisError> {
        let json = serde_json::to_string(&problems).unwrap_or_default();
        let mut tx = self.db.begin().await?;
        packages::record_receipt(
            &mut tx,
            bytes_key,
            &caller.code,
            None,
            "rejected",
            Some(&json),
        )
        .await?;
        audit::append(
            &mut tx,
            &actor_of(caller),
            Change {
                action: "documents.package_rejected",
                object_type: "doc_receipt",
                object_id: bytes_key.to_owned(),
                before: None,
                after: Some(serde_json::json!({ "sender": caller.code, "problems": problems })),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Outcome::Rejected {
            problems,
            repeated: false,
        })
    }

    async fn first_outcome(&self, r: packages::Receipt) -> Result<Outcome, AxisError> {
        if r.outcome == "rejected" {
            let problems: Vec<Problem> = r
                .problems
                .as_deref()
                .map(serde_json::from_str)
                .transpose()
                .map_err(|e| {
                    AxisError::Db(DbError::Decode {
                        column: "doc_receipts.problems".into(),
                        problem: e.to_string(),
                    })
                })?
                .unwrap_or_default();
            return Ok(Outcome::Rejected {
                problems,
                repeated: true,
            });
        }
        let package_id = r.package_id.ok_or(AxisError::NotFound)?;
        let row = self
            .db
            .fetch_one(
                "SELECT document_id FROM doc_packages WHERE id = $1",
                platform::params![package_id],
            )
            .await?;
        let recipients = self
            .db
            .fetch_all(
                "SELECT recipient_code FROM doc_deliveries WHERE package_id = $1 ORDER BY id",
                platform::params![package_id],
            )
            .await?
            .iter()
            .map(|r| r.get("recipient_code"))
            .collect::<Result<_, _>>()?;
        Ok(Outcome::Accepted {
            package_id,
            document_id: row.get("document_id")?,
            recipients,
            repeated: true,
        })
    }

    /// What waits for `caller`.
    pub async fn pending(&self, caller: &Agency) -> Result<Vec<Pending>, AxisError> {
        Ok(packages::pending(&self.db, &caller.code, PENDING_PAGE).await?)
    }

    /// Where the package addressed to `caller` is, after checking it against its digest (read
    /// in a streaming pass, never whole in memory): the caller streams it out. Each fetch is an
    /// access to an official document: it is in the audit chain.
    pub async fn fetch(
        &self,
        caller: &Agency,
        package_id: i64,
    ) -> Result<platform::files::LocalFile, AxisError> {
        let key = packages::file_for(&self.db, package_id, &caller.code)
            .await?
            .ok_or(AxisError::NotFound)?;
        let file = self.files.verified_path(&key).await?;
        let mut tx = self.db.begin().await?;
        audit::append(
            &mut tx,
            &actor_of(caller),
            Change {
                action: "documents.package_fetched",
                object_type: "doc_package",
                object_id: package_id.to_string(),
                before: None,
                after: Some(serde_json::json!({ "recipient": caller.code, "sha256": key })),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(file)
    }

    /// `caller` has the package: stop offering it. Acknowledging twice is not an error.
    pub async fn acknowledge(&self, caller: &Agency, package_id: i64) -> Result<(), AxisError> {
        if !packages::addressed_to(&self.db, package_id, &caller.code).await? {
            return Err(AxisError::NotFound);
        }
        let mut tx = self.db.begin().await?;
        if packages::acknowledge(&mut tx, package_id, &caller.code).await? == 1 {
            packages::trace(&mut tx, package_id, &caller.code, "acknowledged", None).await?;
            audit::append(
                &mut tx,
                &actor_of(caller),
                Change {
                    action: "documents.package_acknowledged",
                    object_type: "doc_package",
                    object_id: package_id.to_string(),
                    before: None,
                    after: Some(serde_json::json!({ "recipient": caller.code })),
                },
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Deliveries past their time become `expired`, in the package's trace for its sender.
    pub async fn expire(&self, now: i64) -> Result<usize, AxisError> {
        let mut tx = self.db.begin().await?;
        let expired = packages::expire(&mut tx, now).await?;
        for (package_id, recipient, _sender) in &expired {
            packages::trace(&mut tx, *package_id, recipient, "expired", None).await?;
        }
        if !expired.is_empty() {
            audit::append(
                &mut tx,
                &Actor::system("documents axis"),
                Change {
                    action: "documents.deliveries_expired",
                    object_type: "doc_delivery",
                    object_id: expired.len().to_string(),
                    before: None,
                    after: Some(serde_json::json!(
                        expired
                            .iter()
                            .map(|(p, r, _)| [p.to_string(), r.clone()])
                            .collect::<Vec<_>>()
                    )),
                },
            )
            .await?;
        }
        tx.commit().await?;
        Ok(expired.len())
    }
}

/// Why an agency could not be registered or decided on.
#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    #[error("an agency with this identifier is already registered")]
    Exists,
    #[error("no such agency")]
    NotFound,
    #[error("the certificate cannot be read: {0}")]
    Certificate(String),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl DirectoryError {
    pub fn code(&self) -> &'static str {
        match self {
            DirectoryError::Exists => "agency_exists",
            DirectoryError::NotFound => "agency_not_found",
            DirectoryError::Certificate(_) => "certificate_invalid",
            DirectoryError::Db(_) => "internal",
        }
    }
}

/// An agency asks to join the axis with its signing certificate (DER): it waits, `pending`, for
/// an axis administrator. The certificate is the one its requests and packages are checked by.
pub async fn register(
    db: &Db,
    id: &AgencyId,
    name: &str,
    endpoint: Option<&str>,
    certificate: &[u8],
) -> Result<Agency, DirectoryError> {
    xmldsig::certificate_key(certificate)
        .map_err(|e| DirectoryError::Certificate(e.to_string()))?;
    if agencies::find(db, id).await?.is_some() {
        return Err(DirectoryError::Exists);
    }
    let fingerprint = hex::encode(ring::digest::digest(&ring::digest::SHA256, certificate));
    let mut tx = db.begin().await?;
    let row = agencies::insert(
        &mut tx,
        id,
        name,
        endpoint,
        Some((certificate, &fingerprint)),
        AgencyState::Pending,
    )
    .await;
    let agency_id = match row {
        Ok(i) => i,
        // Registered by a concurrent request between the check and the insert.
        Err(e) if e.is_unique_violation() => return Err(DirectoryError::Exists),
        Err(e) => return Err(e.into()),
    };
    audit::append(
        &mut tx,
        &Actor::system(&format!("agency {}", id.short())),
        Change {
            action: "documents.agency_registered",
            object_type: "doc_agency",
            object_id: id.short(),
            before: None,
            after: Some(serde_json::json!({
                "id": agency_id, "name": name, "endpoint": endpoint, "fingerprint": fingerprint,
                "state": AgencyState::Pending.as_str(),
            })),
        },
    )
    .await?;
    tx.commit().await?;
    agencies::find(db, id)
        .await?
        .ok_or(DirectoryError::NotFound)
}

/// An axis administrator approves (`active`) or suspends an agency; audited with the state
/// before and after. Deciding the state it already has changes nothing and writes nothing.
pub async fn decide(
    db: &Db,
    actor: &Actor,
    code: &str,
    state: AgencyState,
) -> Result<Agency, DirectoryError> {
    let id = AgencyId::parse(code).map_err(|_| DirectoryError::NotFound)?;
    let before = agencies::find(db, &id)
        .await?
        .ok_or(DirectoryError::NotFound)?;
    if before.state == state {
        return Ok(before);
    }
    let mut tx = db.begin().await?;
    agencies::set_state(&mut tx, &before.code, state, &actor.name).await?;
    audit::append(
        &mut tx,
        actor,
        Change {
            action: "documents.agency_decided",
            object_type: "doc_agency",
            object_id: before.code.clone(),
            before: Some(serde_json::json!({ "state": before.state.as_str() })),
            after: Some(serde_json::json!({ "state": state.as_str() })),
        },
    )
    .await?;
    tx.commit().await?;
    agencies::find(db, &id)
        .await?
        .ok_or(DirectoryError::NotFound)
}

/// How the audit page names the axis's objects: a package by its id and `DocumentId`
/// ("Gói tin 12 · 000.00.00.G22,2026/11/30,7816/VPCP-TTĐT"), an agency by its code and name.
pub fn register_names(names: &mut audit::Names) {
    names.register("doc_package", |db, entries, lang| async move {
        let mut out = std::collections::HashMap::new();
        for e in entries {
            let Ok(id) = e.object_id.parse::<i64>() else {
                continue;
            };
            if let Some(row) = db
                .fetch_optional(
                    "SELECT document_id FROM doc_packages WHERE id = $1",
                    platform::params![id],
                )
                .await?
            {
                let document: String = row.get("document_id")?;
                out.insert(
                    e.seq,
                    platform::i18n::t_args(
                        lang,
                        "axis_api.audit_package",
                        &[("id", id.to_string()), ("document", document)],
                    ),
                );
            }
        }
        Ok(out)
    });
    names.register("doc_agency", |db, entries, lang| async move {
        let mut out = std::collections::HashMap::new();
        for e in entries {
            let Ok(id) = AgencyId::parse(&e.object_id) else {
                continue;
            };
            if let Some(a) = agencies::find(&db, &id).await? {
                out.insert(
                    e.seq,
                    platform::i18n::t_args(
                        lang,
                        "axis_api.audit_agency",
                        &[("code", a.code), ("name", a.name)],
                    ),
                );
            }
        }
        Ok(out)
    });
}

#[cfg(test)]
mod tests;
