//! Writing a package: the header in the order builders write it, attachments encoded from their
//! readers in chunks straight into the output.

use std::io::{self, Read, Write};

use quick_xml::Writer;
use quick_xml::events::{BytesEnd, BytesStart, BytesText, Event};

use super::{Body, Business, BusinessSpelling, Extension, NAMESPACE, StaffInfo, TraceHeader};
use crate::model::document::{Document, Organization};
use crate::model::time::{format_date, format_timestamp};

/// An attachment to write: its description and where its bytes come from.
pub struct AttachmentSource<'a> {
    pub content_id: String,
    pub name: String,
    pub description: Option<String>,
    pub content_type: Option<String>,
    pub data: Box<dyn Read + 'a>,
}

struct Out<W: Write> {
    w: Writer<W>,
}

impl<W: Write> Out<W> {
    fn open(&mut self, name: &str) -> io::Result<()> {
        self.w
            .write_event(Event::Start(BytesStart::new(format!("edXML:{name}"))))
    }

    fn close(&mut self, name: &str) -> io::Result<()> {
        self.w
            .write_event(Event::End(BytesEnd::new(format!("edXML:{name}"))))
    }

    fn leaf(&mut self, name: &str, value: Option<&str>) -> io::Result<()> {
        let Some(v) = value else {
            return Ok(());
        };
        self.open(name)?;
        self.w.write_event(Event::Text(BytesText::new(v)))?;
        self.close(name)
    }

    fn raw(&mut self, xml: &str) -> io::Result<()> {
        self.w.get_mut().write_all(xml.as_bytes())
    }

    fn organization(&mut self, tag: &str, o: &Organization) -> io::Result<()> {
        self.open(tag)?;
        let id = o.organ_id.as_ref().map(|i| i.to_string());
        self.leaf("OrganId", id.as_deref())?;
        self.leaf("OrganizationInCharge", o.organization_in_charge.as_deref())?;
        self.leaf("OrganName", o.organ_name.as_deref())?;
        self.leaf("OrganAdd", o.organ_add.as_deref())?;
        self.leaf("Email", o.email.as_deref())?;
        self.leaf("Telephone", o.telephone.as_deref())?;
        self.leaf("Fax", o.fax.as_deref())?;
        self.leaf("Website", o.website.as_deref())?;
        self.close(tag)
    }

    fn staff(&mut self, s: &StaffInfo) -> io::Result<()> {
        self.open("StaffInfo")?;
        self.leaf("Department", s.department.as_deref())?;
        self.leaf("Staff", s.staff.as_deref())?;
        self.leaf("Email", s.email.as_deref())?;
        self.leaf("Mobile", s.mobile.as_deref())?;
        self.close("StaffInfo")
    }

    fn extensions(&mut self, all: &[Extension], parent: &str) -> io::Result<()> {
        for e in all.iter().filter(|e| e.parent == parent) {
            self.raw(&e.xml)?;
        }
        Ok(())
    }

    fn message_header(&mut self, d: &Document, ext: &[Extension]) -> io::Result<()> {
        let draft = &d.draft;
        self.open("MessageHeader")?;
        self.organization("From", &d.from)?;
        for t in &draft.to {
            self.organization("To", t)?;
        }
        self.leaf("DocumentId", Some(&d.id()))?;
        self.open("Code")?;
        self.leaf("CodeNumber", Some(&d.code.number))?;
        self.leaf("CodeNotation", Some(&d.code.notation))?;
        self.close("Code")?;
        self.open("PromulgationInfo")?;
        self.leaf("Place", draft.place.as_deref())?;
        self.leaf("PromulgationDate", Some(&format_date(d.promulgation_date)))?;
        self.close("PromulgationInfo")?;
        self.open("DocumentType")?;
        self.leaf("Type", draft.type_code.map(|n| n.to_string()).as_deref())?;
        self.leaf(
            "TypeDetail",
            draft.type_detail.map(|n| n.to_string()).as_deref(),
        )?;
        self.leaf("TypeName", Some(&d.type_name))?;
        self.close("DocumentType")?;
        self.leaf("Subject", Some(&d.subject))?;
        self.leaf("Content", draft.content.as_deref())?;
        self.open("SignerInfo")?;
        self.leaf("Competence", draft.signer.competence.as_deref())?;
        self.leaf("Position", draft.signer.position.as_deref())?;
        self.leaf("FullName", Some(&d.signer_name))?;
        self.close("SignerInfo")?;
        self.leaf("DueDate", draft.due_date.map(format_date).as_deref())?;
        if !draft.to_places.is_empty() {
            self.open("ToPlaces")?;
            for p in &draft.to_places {
                self.leaf("Place", Some(p))?;
            }
            self.close("ToPlaces")?;
        }
        let o = &draft.other;
        self.open("OtherInfo")?;
        self.leaf("Priority", Some(&d.priority.code().to_string()))?;
        self.leaf("SphereOfPromulgation", o.sphere_of_promulgation.as_deref())?;
        self.leaf("TyperNotation", o.typer_notation.as_deref())?;
        self.leaf(
            "PromulgationAmount",
            o.promulgation_amount.map(|n| n.to_string()).as_deref(),
        )?;
        self.leaf(
            "PageAmount",
            o.page_amount.map(|n| n.to_string()).as_deref(),
        )?;
        self.leaf("Direction", o.direction.as_deref())?;
        if !o.appendixes.is_empty() {
            self.open("Appendixes")?;
            for a in &o.appendixes {
                self.leaf("Appendix", Some(a))?;
            }
            self.close("Appendixes")?;
        }
        self.close("OtherInfo")?;
        for r in &draft.response_for {
            self.open("ResponseFor")?;
            self.leaf("OrganId", r.organ_id.as_deref())?;
            self.leaf("Code", r.code.as_deref())?;
            self.leaf(
                "PromulgationDate",
                r.promulgation_date.map(format_date).as_deref(),
            )?;
            self.leaf("DocumentId", r.document_id.as_deref())?;
            self.close("ResponseFor")?;
        }
        self.leaf(
            "SteeringType",
            draft.steering_type.map(|n| n.to_string()).as_deref(),
        )?;
        self.extensions(ext, "edXMLHeader/MessageHeader")?;
        self.close("MessageHeader")
    }

    fn status(&mut self, s: &super::StatusMessage, ext: &[Extension]) -> io::Result<()> {
        self.open("Status")?;
        self.open("ResponseFor")?;
        self.leaf("DocumentId", Some(&s.response_for))?;
        self.close("ResponseFor")?;
        self.open("From")?;
        self.leaf("OrganId", Some(s.from.as_str()))?;
        self.close("From")?;
        self.leaf("StatusCode", Some(s.code.code()))?;
        self.leaf("Description", s.description.as_deref())?;
        self.leaf("Timestamp", Some(&format_timestamp(s.timestamp)))?;
        if let Some(staff) = &s.staff {
            self.staff(staff)?;
        }
        self.extensions(ext, "edXMLHeader/Status")?;
        self.close("Status")
    }

    fn trace(
        &mut self,
        trace: &[TraceHeader],
        business: Option<&Business>,
        ext: &[Extension],
    ) -> io::Result<()> {
        self.open("TraceHeaderList")?;
        for t in trace {
            self.open("TraceHeader")?;
            self.leaf("OrganId", Some(&t.organ_id))?;
            self.leaf("Timestamp", Some(&format_timestamp(t.timestamp)))?;
            self.close("TraceHeader")?;
        }
        if let Some(b) = business {
            let (tag, prefix) = match b.spelling {
                BusinessSpelling::Bussiness => ("Bussiness", "Bussiness"),
                BusinessSpelling::Business => ("Business", "Business"),
            };
            self.open(tag)?;
            self.leaf("DocumentId", b.document_id.as_deref())?;
            self.leaf(
                &format!("{prefix}DocType"),
                Some(&b.kind.code().to_string()),
            )?;
            self.leaf(&format!("{prefix}DocReason"), b.reason.as_deref())?;
            self.leaf("Paper", b.paper.as_deref())?;
            if let Some(s) = &b.staff {
                self.staff(s)?;
            }
            self.extensions(ext, &format!("edXMLHeader/TraceHeaderList/{tag}"))?;
            self.close(tag)?;
        }
        self.extensions(ext, "edXMLHeader/TraceHeaderList")?;
        self.close("TraceHeaderList")
    }

    /// Base64 of `data`, written in chunks of 57 × 1024 bytes (whole groups of three).
    fn encoded(&mut self, data: &mut dyn Read) -> io::Result<()> {
        use base64::Engine as _;
        let mut buf = vec![0u8; 57 * 1024];
        let mut text = String::with_capacity(76 * 1024 + 4);
        loop {
            // Fill the buffer fully (short reads would put padding in the middle).
            let mut n = 0;
            while n < buf.len() {
                let got = data.read(&mut buf[n..])?;
                if got == 0 {
                    break;
                }
                n += got;
            }
            if n == 0 {
                return Ok(());
            }
            text.clear();
            base64::engine::general_purpose::STANDARD.encode_string(&buf[..n], &mut text);
            self.w.get_mut().write_all(text.as_bytes())?;
            if n < buf.len() {
                return Ok(());
            }
        }
    }
}

/// Write a package: `body` with its route, business block, kept extensions and attachments
/// (the manifest lists them). The signature is added by the signing step, not here.
pub fn write<W: Write>(
    out: W,
    body: &Body,
    trace: &[TraceHeader],
    business: Option<&Business>,
    extensions: &[Extension],
    attachments: &mut [AttachmentSource<'_>],
) -> io::Result<W> {
    let mut o = Out {
        w: Writer::new(out),
    };
    o.w.get_mut()
        .write_all(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")?;
    let mut root = BytesStart::new("edXML:edXMLEnvelope");
    root.push_attribute(("xmlns:edXML", NAMESPACE));
    o.w.write_event(Event::Start(root))?;
    o.open("edXMLHeader")?;
    match body {
        Body::Document(d) => o.message_header(d, extensions)?,
        Body::Status(s) => o.status(s, extensions)?,
    }
    o.trace(trace, business, extensions)?;
    o.extensions(extensions, "edXMLHeader")?;
    o.close("edXMLHeader")?;
    o.open("edXMLBody")?;
    let mut manifest = BytesStart::new("edXML:edXMLManifest");
    manifest.push_attribute(("version", "1.0"));
    o.w.write_event(Event::Start(manifest))?;
    for a in attachments.iter() {
        o.open("Reference")?;
        o.leaf("ContentId", Some(&a.content_id))?;
        o.leaf("ContentType", a.content_type.as_deref())?;
        o.leaf("Description", a.description.as_deref())?;
        o.leaf("AttachmentName", Some(&a.name))?;
        o.close("Reference")?;
    }
    o.close("edXMLManifest")?;
    o.close("edXMLBody")?;
    if !attachments.is_empty() {
        o.open("AttachmentEncoded")?;
        for a in attachments.iter_mut() {
            o.open("Attachment")?;
            o.leaf("ContentId", Some(&a.content_id))?;
            o.leaf("AttachmentName", Some(&a.name))?;
            o.leaf("Description", a.description.as_deref())?;
            o.leaf("ContentType", a.content_type.as_deref())?;
            o.open("ContentTransferEncoded")?;
            o.encoded(&mut a.data)?;
            o.close("ContentTransferEncoded")?;
            o.close("Attachment")?;
        }
        o.close("AttachmentEncoded")?;
    }
    o.close("edXMLEnvelope")?;
    Ok(o.w.into_inner())
}
