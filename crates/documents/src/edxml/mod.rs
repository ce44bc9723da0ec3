//! edXML packages (QCVN 102:2016/BTTTT, amended 2022): the envelope the axis carries between
//! agencies' document-management systems.
//!
//! ```text
//! edXMLEnvelope
//!   edXMLHeader
//!     MessageHeader | Status     a document's metadata, or a status answering one
//!     TraceHeaderList            hops (TraceHeader*) and the business block (Bussiness/Business)
//!     Signature                  XML signature, kept as written for verification
//!   edXMLBody
//!     edXMLManifest              Reference* to the attachments
//!   AttachmentEncoded
//!     Attachment*                base64, streamed: never held whole in memory
//! ```
//! [`read`] accepts what real packages contain — an `edXML` root wrapping the envelope, either
//! spelling of the business block, both time-stamp orders, zipped attachments, and any element it
//! does not know (kept as written, see [`Extension`]) — and is strict on what the law requires
//! (see `model::document`). [`write`] writes what [`read`] reads.

mod read;
mod write;

pub use read::{AttachmentSink, Discard, MemorySink, ReadError, read};
pub use write::{AttachmentSource, write};

use time::OffsetDateTime;

use crate::model::document::{Document, DocumentCode};
use crate::model::problem::Problem;
use crate::model::status::{BusinessType, StatusCode};

/// The namespace of every edXML element.
pub const NAMESPACE: &str = "http://www.mic.gov.vn/TBT/QCVN_102_2016";
/// The largest package the axis accepts, in bytes (the gateway limit seen in practice).
pub const MAX_PACKAGE_BYTES: u64 = 50 * 1024 * 1024;
/// The most attachments of one package.
pub const MAX_ATTACHMENTS: usize = 200;

/// A package: a document or a status, with its route and attachments.
#[derive(Debug, Clone, PartialEq)]
pub struct Package {
    pub body: Body,
    pub trace: Vec<TraceHeader>,
    pub business: Option<Business>,
    /// The `Signature` element as written (canonicalised and verified by the signature check).
    pub signature: Option<String>,
    pub manifest: Vec<ManifestReference>,
    pub attachments: Vec<Attachment>,
    /// Elements this reader does not know, kept as written.
    pub extensions: Vec<Extension>,
}

/// What the package carries.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    Document(Box<Document>),
    Status(StatusMessage),
}

/// A status answering a document (`Status` in the header).
#[derive(Debug, Clone, PartialEq)]
pub struct StatusMessage {
    /// The `DocumentId` of the document it answers.
    pub response_for: String,
    /// The recipient that sends the status.
    pub from: crate::model::agency::AgencyId,
    pub code: StatusCode,
    pub description: Option<String>,
    pub timestamp: OffsetDateTime,
    pub staff: Option<StaffInfo>,
}

/// Who handled it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StaffInfo {
    pub department: Option<String>,
    pub staff: Option<String>,
    pub email: Option<String>,
    pub mobile: Option<String>,
}

/// One hop of the route.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceHeader {
    pub organ_id: String,
    pub timestamp: OffsetDateTime,
}

/// The business block of the trace.
#[derive(Debug, Clone, PartialEq)]
pub struct Business {
    pub document_id: Option<String>,
    pub kind: BusinessType,
    pub reason: Option<String>,
    pub paper: Option<String>,
    pub staff: Option<StaffInfo>,
    /// How the block was spelled (`Bussiness` in several SDKs), written back the same way.
    pub spelling: BusinessSpelling,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BusinessSpelling {
    Bussiness,
    Business,
}

/// An entry of the manifest.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ManifestReference {
    pub content_id: String,
    pub content_type: Option<String>,
    pub description: Option<String>,
    pub attachment_name: Option<String>,
}

/// An attachment as read: its description, and what was streamed to the sink.
#[derive(Debug, Clone, PartialEq)]
pub struct Attachment {
    pub content_id: String,
    pub name: String,
    pub description: Option<String>,
    pub content_type: Option<String>,
    /// Decoded size in bytes.
    pub size: u64,
    /// SHA-256 of the decoded bytes, hexadecimal.
    pub sha256: String,
    /// The sender zipped the file before encoding it (a ZIP archive's signature).
    pub zipped: bool,
}

/// An element the reader does not know, where it was (its parent's path) and as written.
#[derive(Debug, Clone, PartialEq)]
pub struct Extension {
    pub parent: String,
    pub xml: String,
}

/// What `read` could tell about a refused package: enough to send status 02 back.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Refused {
    pub sender: Option<String>,
    pub document_id: Option<String>,
    pub problems: Vec<Problem>,
}

impl Package {
    /// The document's `DocumentId` (a document) or the one it answers (a status).
    pub fn document_id(&self) -> String {
        match &self.body {
            Body::Document(d) => d.id(),
            Body::Status(s) => s.response_for.clone(),
        }
    }

    /// The code of the document, for a document package.
    pub fn code(&self) -> Option<&DocumentCode> {
        match &self.body {
            Body::Document(d) => Some(&d.code),
            Body::Status(_) => None,
        }
    }
}

#[cfg(test)]
mod tests;
