//! Each element's text to its field: which elements are known, typed values, problems.

use super::*;

impl Parser {
    pub(super) fn is_leaf(&self, path: &str) -> bool {
        let Some((parent, name)) = path.rsplit_once('/') else {
            return false;
        };
        let mh = "edXMLHeader/MessageHeader";
        let leaf_of = |p: &str, names: &[&str]| parent == p && names.contains(&name);
        leaf_of(&format!("{mh}/From"), ORGANIZATION_FIELDS)
            || leaf_of(&format!("{mh}/To"), ORGANIZATION_FIELDS)
            || leaf_of(
                mh,
                &[
                    "DocumentId",
                    "Subject",
                    "Content",
                    "DueDate",
                    "SteeringType",
                ],
            )
            || leaf_of(&format!("{mh}/Code"), &["CodeNumber", "CodeNotation"])
            || leaf_of(
                &format!("{mh}/PromulgationInfo"),
                &["Place", "PromulgationDate"],
            )
            || leaf_of(
                &format!("{mh}/DocumentType"),
                &["Type", "TypeDetail", "TypeName"],
            )
            || leaf_of(
                &format!("{mh}/SignerInfo"),
                &["Competence", "Position", "FullName"],
            )
            || leaf_of(&format!("{mh}/ToPlaces"), &["Place"])
            || leaf_of(
                &format!("{mh}/OtherInfo"),
                &[
                    "Priority",
                    "SphereOfPromulgation",
                    "TyperNotation",
                    "PromulgationAmount",
                    "PageAmount",
                    "Direction",
                ],
            )
            || leaf_of(&format!("{mh}/OtherInfo/Appendixes"), &["Appendix"])
            || leaf_of(
                &format!("{mh}/ResponseFor"),
                &["OrganId", "Code", "PromulgationDate", "DocumentId"],
            )
            || leaf_of(
                "edXMLHeader/TraceHeaderList/TraceHeader",
                &["OrganId", "Timestamp"],
            )
            || ((parent == "edXMLHeader/TraceHeaderList/Bussiness"
                || parent == "edXMLHeader/TraceHeaderList/Business")
                && [
                    "DocumentId",
                    "BussinessDocType",
                    "BusinessDocType",
                    "BussinessDocReason",
                    "BusinessDocReason",
                    "Paper",
                ]
                .contains(&name))
            || (parent.ends_with("/StaffInfo")
                && ["Department", "Staff", "Email", "Mobile"].contains(&name))
            || leaf_of(
                "edXMLHeader/Status",
                &["StatusCode", "Description", "Timestamp"],
            )
            || leaf_of(
                "edXMLHeader/Status/ResponseFor",
                &["OrganId", "Code", "PromulgationDate", "DocumentId"],
            )
            || leaf_of("edXMLHeader/Status/From", ORGANIZATION_FIELDS)
            || leaf_of(
                "edXMLBody/edXMLManifest/Reference",
                &["ContentId", "ContentType", "Description", "AttachmentName"],
            )
            || leaf_of(
                "AttachmentEncoded/Attachment",
                &["ContentId", "AttachmentName", "Description", "ContentType"],
            )
    }

    /// A container opens: start its record.
    pub(super) fn open(&mut self, path: &str) {
        match path {
            "edXMLHeader/MessageHeader" => self.has_message_header = true,
            "edXMLHeader/Status" => self.has_status = true,
            "edXMLHeader/MessageHeader/From" => self.from = Some(Organization::default()),
            "edXMLHeader/MessageHeader/To" => self.to.push(Organization::default()),
            "edXMLHeader/MessageHeader/ResponseFor" => {
                self.response_for.push(ResponseFor::default())
            }
            "edXMLHeader/TraceHeaderList/TraceHeader" => self.trace.push((None, None)),
            "edXMLHeader/TraceHeaderList/Bussiness" => {
                self.business = Some((BusinessSpelling::Bussiness, BusinessFields::default()))
            }
            "edXMLHeader/TraceHeaderList/Business" => {
                self.business = Some((BusinessSpelling::Business, BusinessFields::default()))
            }
            "edXMLHeader/Status/StaffInfo" => self.status_staff = Some(StaffInfo::default()),
            "edXMLBody/edXMLManifest/Reference" => self.manifest.push(ManifestReference::default()),
            "AttachmentEncoded/Attachment" => {
                if self.attachments.len() == MAX_ATTACHMENTS {
                    self.problems.push(
                        Problem::new(path, "too_many_attachments")
                            .arg("max", MAX_ATTACHMENTS.to_string()),
                    );
                }
                self.attachments.push(AttachmentFields::default())
            }
            p if p.ends_with("Bussiness/StaffInfo") || p.ends_with("Business/StaffInfo") => {
                if let Some((_, b)) = self.business.as_mut() {
                    b.staff = Some(StaffInfo::default());
                }
            }
            _ => {}
        }
    }

    /// The text of the element that closes, checked: control characters and length.
    pub(super) fn take_text(&mut self, path: &str) -> Option<String> {
        let t = std::mem::take(&mut self.text);
        if self.text_overflow {
            self.problems
                .push(Problem::new(path, "too_long").arg("max", LEAF_TEXT_MAX.to_string()));
            return None;
        }
        if t.chars()
            .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        {
            self.problems.push(Problem::new(path, "control_character"));
            return None;
        }
        let t = t.trim();
        if t.is_empty() {
            return None;
        }
        let limit = if path.ends_with("/Content") {
            LEAF_TEXT_MAX
        } else {
            TEXT_MAX
        };
        if t.chars().count() > limit {
            self.problems
                .push(Problem::new(path, "too_long").arg("max", limit.to_string()));
            return None;
        }
        Some(t.to_owned())
    }

    pub(super) fn agency(&mut self, path: &str, v: Option<String>) -> Option<AgencyId> {
        let v = v?;
        match AgencyId::parse(&v) {
            Ok(id) => Some(id),
            Err(_) => {
                self.problems
                    .push(Problem::new(path, "bad_agency_id").arg("value", v));
                None
            }
        }
    }

    pub(super) fn date(&mut self, path: &str, v: Option<String>) -> Option<time::Date> {
        let v = v?;
        match parse_date(&v) {
            Ok(d) => Some(d),
            Err(_) => {
                self.problems
                    .push(Problem::new(path, "bad_date").arg("value", v));
                None
            }
        }
    }

    pub(super) fn timestamp(
        &mut self,
        path: &str,
        v: Option<String>,
    ) -> Option<time::OffsetDateTime> {
        let v = v?;
        match parse_timestamp(&v) {
            Ok(d) => Some(d),
            Err(_) => {
                self.problems
                    .push(Problem::new(path, "bad_timestamp").arg("value", v));
                None
            }
        }
    }

    pub(super) fn number(&mut self, path: &str, v: Option<String>) -> Option<u32> {
        let v = v?;
        match v.parse::<u32>() {
            Ok(n) => Some(n),
            Err(_) => {
                self.problems
                    .push(Problem::new(path, "not_a_number").arg("value", v));
                None
            }
        }
    }

    /// An element closes: store its text where it belongs.
    pub(super) fn close(&mut self, path: &str) {
        if Self::is_container(path) {
            return;
        }
        let Some((parent, name)) = path.rsplit_once('/') else {
            return;
        };
        let (parent, name) = (parent.to_owned(), name.to_owned());
        let v = self.take_text(path);
        let mh = "edXMLHeader/MessageHeader";
        match parent.strip_prefix(mh) {
            Some("/From") | Some("/To") => {
                let organ_id = if name == "OrganId" {
                    self.agency(path, v.clone())
                } else {
                    None
                };
                let org = if parent.ends_with("From") {
                    self.from.as_mut()
                } else {
                    self.to.last_mut()
                };
                if let Some(o) = org {
                    set_organization(o, &name, v, organ_id);
                }
                return;
            }
            Some("") => {
                match name.as_str() {
                    "DocumentId" => self.draft.document_id = v,
                    "Subject" => self.draft.subject = v,
                    "Content" => self.draft.content = v,
                    "DueDate" => self.draft.due_date = self.date(path, v),
                    "SteeringType" => {
                        self.draft.steering_type =
                            self.number(path, v).and_then(|n| u8::try_from(n).ok())
                    }
                    _ => {}
                }
                return;
            }
            Some("/Code") => {
                if name == "CodeNumber" {
                    self.draft.code_number = v
                } else {
                    self.draft.code_notation = v
                }
                return;
            }
            Some("/PromulgationInfo") => {
                if name == "Place" {
                    self.draft.place = v
                } else {
                    self.draft.promulgation_date = self.date(path, v)
                }
                return;
            }
            Some("/DocumentType") => {
                match name.as_str() {
                    "Type" => self.draft.type_code = self.number(path, v),
                    "TypeDetail" => self.draft.type_detail = self.number(path, v),
                    _ => self.draft.type_name = v,
                }
                return;
            }
            Some("/SignerInfo") => {
                let s = &mut self.draft.signer;
                match name.as_str() {
                    "Competence" => s.competence = v,
                    "Position" => s.position = v,
                    _ => s.full_name = v,
                }
                return;
            }
            Some("/ToPlaces") => {
                self.draft.to_places.extend(v);
                return;
            }
            Some("/OtherInfo") => {
                match name.as_str() {
                    "Priority" => {
                        self.draft.other.priority = match v {
                            None => None,
                            Some(v) => match Priority::parse(&v) {
                                Some(p) => Some(p),
                                None => {
                                    self.problems
                                        .push(Problem::new(path, "bad_priority").arg("value", v));
                                    None
                                }
                            },
                        }
                    }
                    "SphereOfPromulgation" => self.draft.other.sphere_of_promulgation = v,
                    "TyperNotation" => self.draft.other.typer_notation = v,
                    "PromulgationAmount" => {
                        self.draft.other.promulgation_amount = self.number(path, v)
                    }
                    "PageAmount" => self.draft.other.page_amount = self.number(path, v),
                    _ => self.draft.other.direction = v,
                }
                return;
            }
            Some("/OtherInfo/Appendixes") => {
                self.draft.other.appendixes.extend(v);
                return;
            }
            Some("/ResponseFor") => {
                let date = if name == "PromulgationDate" {
                    self.date(path, v.clone())
                } else {
                    None
                };
                if let Some(r) = self.response_for.last_mut() {
                    match name.as_str() {
                        "OrganId" => r.organ_id = v,
                        "Code" => r.code = v,
                        "PromulgationDate" => r.promulgation_date = date,
                        _ => r.document_id = v,
                    }
                }
                return;
            }
            _ => {}
        }
        self.close_other(path, &parent, &name, v);
    }

    pub(super) fn close_other(&mut self, path: &str, parent: &str, name: &str, v: Option<String>) {
        if parent.ends_with("/StaffInfo") {
            let staff = if parent.starts_with("edXMLHeader/Status") {
                self.status_staff.as_mut()
            } else {
                self.business.as_mut().and_then(|(_, b)| b.staff.as_mut())
            };
            if let Some(s) = staff {
                match name {
                    "Department" => s.department = v,
                    "Staff" => s.staff = v,
                    "Email" => s.email = v,
                    _ => s.mobile = v,
                }
            }
            return;
        }
        match parent {
            "edXMLHeader/TraceHeaderList/TraceHeader" => {
                let ts = if name == "Timestamp" {
                    self.timestamp(path, v.clone())
                } else {
                    None
                };
                if let Some(t) = self.trace.last_mut() {
                    if name == "OrganId" {
                        t.0 = v;
                    } else {
                        t.1 = ts;
                    }
                }
            }
            "edXMLHeader/TraceHeaderList/Bussiness" | "edXMLHeader/TraceHeaderList/Business" => {
                let kind = if name.ends_with("DocType") {
                    match v.as_deref().map(BusinessType::parse) {
                        Some(None) => {
                            self.problems.push(
                                Problem::new(path, "bad_business_type")
                                    .arg("value", v.clone().unwrap_or_default()),
                            );
                            None
                        }
                        other => other.flatten(),
                    }
                } else {
                    None
                };
                if let Some((_, b)) = self.business.as_mut() {
                    match name {
                        "DocumentId" => b.document_id = v,
                        "Paper" => b.paper = v,
                        n if n.ends_with("DocType") => b.kind = kind,
                        _ => b.reason = v,
                    }
                }
            }
            "edXMLHeader/Status" => match name {
                "StatusCode" => {
                    self.status_code = match v {
                        None => None,
                        Some(v) => match StatusCode::parse(&v) {
                            Some(c) => Some(c),
                            None => {
                                self.problems
                                    .push(Problem::new(path, "bad_status_code").arg("value", v));
                                None
                            }
                        },
                    }
                }
                "Description" => self.status_description = v,
                _ => self.status_timestamp = self.timestamp(path, v),
            },
            "edXMLHeader/Status/ResponseFor" if name == "DocumentId" => {
                self.status_response_for = v;
            }
            "edXMLHeader/Status/From" if name == "OrganId" => {
                self.status_from = self.agency(path, v);
            }
            "edXMLBody/edXMLManifest/Reference" => {
                if let Some(r) = self.manifest.last_mut() {
                    match name {
                        "ContentId" => r.content_id = v.unwrap_or_default(),
                        "ContentType" => r.content_type = v,
                        "Description" => r.description = v,
                        _ => r.attachment_name = v,
                    }
                }
            }
            "AttachmentEncoded/Attachment" => {
                if let Some(a) = self.attachments.last_mut() {
                    match name {
                        "ContentId" => a.content_id = v,
                        "AttachmentName" => a.name = v,
                        "Description" => a.description = v,
                        _ => a.content_type = v,
                    }
                }
            }
            _ => {}
        }
    }
}

fn set_organization(o: &mut Organization, name: &str, v: Option<String>, id: Option<AgencyId>) {
    match name {
        "OrganId" => o.organ_id = id,
        "OrganizationInCharge" => o.organization_in_charge = v,
        "OrganName" => o.organ_name = v,
        "OrganAdd" => o.organ_add = v,
        "Email" => o.email = v,
        "Telephone" => o.telephone = v,
        "Fax" => o.fax = v,
        _ => o.website = v,
    }
}
