//! The package put together, and the law's requirements applied.

use super::*;

impl Parser {
    pub(super) fn finish(&mut self) -> Result<Package, ReadError> {
        let document_id = self
            .draft
            .document_id
            .clone()
            .or_else(|| self.status_response_for.clone());
        let body = self.body();
        let trace: Vec<TraceHeader> = std::mem::take(&mut self.trace)
            .into_iter()
            .enumerate()
            .filter_map(|(i, (organ_id, ts))| {
                let at = format!("edXMLHeader/TraceHeaderList/TraceHeader[{}]", i + 1);
                match (organ_id, ts) {
                    (Some(organ_id), Some(timestamp)) => Some(TraceHeader {
                        organ_id,
                        timestamp,
                    }),
                    (None, _) => {
                        self.problems
                            .push(Problem::missing(&format!("{at}/OrganId")));
                        None
                    }
                    (_, None) => {
                        self.problems
                            .push(Problem::missing(&format!("{at}/Timestamp")));
                        None
                    }
                }
            })
            .collect();
        let business = self.business.take().map(|(spelling, b)| Business {
            document_id: b.document_id,
            kind: b.kind.unwrap_or(BusinessType::New),
            reason: b.reason,
            paper: b.paper,
            staff: b.staff,
            spelling,
        });
        let attachments = self.attachments_checked();
        let problems = std::mem::take(&mut self.problems).into_vec();
        match body {
            Some(body) if problems.is_empty() => Ok(Package {
                body,
                trace,
                business,
                signature: self.signature.take(),
                manifest: std::mem::take(&mut self.manifest),
                attachments,
                extensions: std::mem::take(&mut self.extensions),
            }),
            _ => Err(ReadError::Refused(Refused {
                sender: self
                    .from
                    .as_ref()
                    .and_then(|f| f.organ_id.as_ref())
                    .map(|a| a.to_string())
                    .or_else(|| self.status_from.as_ref().map(|a| a.to_string())),
                document_id,
                problems,
            })),
        }
    }

    pub(super) fn body(&mut self) -> Option<Body> {
        match (self.has_message_header, self.has_status) {
            (true, true) => {
                self.problems
                    .push(Problem::new("edXMLHeader", "document_and_status"));
                None
            }
            (false, false) => {
                if self.not_edxml {
                    return None;
                }
                self.problems
                    .push(Problem::missing("edXMLHeader/MessageHeader"));
                None
            }
            (true, false) => {
                let mut draft = std::mem::take(&mut self.draft);
                draft.from = self.from.clone();
                draft.to = std::mem::take(&mut self.to);
                draft.response_for = std::mem::take(&mut self.response_for);
                match draft.check() {
                    Ok(d) => Some(Body::Document(Box::new(d))),
                    Err(problems) => {
                        for p in problems {
                            self.problems.push(p);
                        }
                        None
                    }
                }
            }
            (false, true) => {
                let s = "edXMLHeader/Status";
                let response_for = self.status_response_for.clone();
                let from = self.status_from.clone();
                let code = self.status_code;
                let timestamp = self.status_timestamp;
                if response_for.is_none() {
                    self.problems
                        .push(Problem::missing(&format!("{s}/ResponseFor/DocumentId")));
                }
                if from.is_none() {
                    self.problems
                        .push(Problem::missing(&format!("{s}/From/OrganId")));
                }
                if code.is_none() {
                    self.problems
                        .push(Problem::missing(&format!("{s}/StatusCode")));
                }
                if timestamp.is_none() {
                    self.problems
                        .push(Problem::missing(&format!("{s}/Timestamp")));
                }
                if code == Some(StatusCode::Rejected) && self.status_description.is_none() {
                    self.problems
                        .push(Problem::new(&format!("{s}/Description"), "reason_required"));
                }
                Some(Body::Status(StatusMessage {
                    response_for: response_for?,
                    from: from?,
                    code: code?,
                    description: self.status_description.take(),
                    timestamp: timestamp?,
                    staff: self.status_staff.take(),
                }))
            }
        }
    }
}
