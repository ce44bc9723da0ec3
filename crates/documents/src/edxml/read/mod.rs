//! Reading a package: one pass over the XML (quick-xml), attachments decoded from base64 straight
//! into an [`AttachmentSink`] in chunks, every problem collected (bounded) with its element path.

use std::io::{self, BufRead, Read};

use base64::Engine as _;
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use sha2::{Digest, Sha256};

use super::{
    Attachment, Body, Business, BusinessSpelling, Extension, MAX_ATTACHMENTS, MAX_PACKAGE_BYTES,
    ManifestReference, Package, Refused, StaffInfo, StatusMessage, TraceHeader,
};
use crate::model::agency::AgencyId;
use crate::model::document::{Draft, Organization, ResponseFor, TEXT_MAX};
use crate::model::problem::{Problem, Problems};
use crate::model::status::{BusinessType, Priority, StatusCode};
use crate::model::time::{parse_date, parse_timestamp};

/// Where decoded attachments go (a file under the data directory, object storage, memory in
/// tests). Attachments are numbered from 0 in the order of the package.
pub trait AttachmentSink {
    fn begin(&mut self, index: usize) -> io::Result<()>;
    fn write(&mut self, chunk: &[u8]) -> io::Result<()>;
    fn end(&mut self) -> io::Result<()>;
    /// The package was refused: forget what was written.
    fn abort(&mut self) {}
}

/// Keeps attachments in memory (tests, small packages).
#[derive(Debug, Default)]
pub struct MemorySink {
    pub files: Vec<Vec<u8>>,
}

impl AttachmentSink for MemorySink {
    fn begin(&mut self, _index: usize) -> io::Result<()> {
        self.files.push(Vec::new());
        Ok(())
    }
    fn write(&mut self, chunk: &[u8]) -> io::Result<()> {
        if let Some(f) = self.files.last_mut() {
            f.extend_from_slice(chunk);
        }
        Ok(())
    }
    fn end(&mut self) -> io::Result<()> {
        Ok(())
    }
    fn abort(&mut self) {
        self.files.clear();
    }
}

/// Checks attachments and keeps nothing.
#[derive(Debug, Default)]
pub struct Discard;

impl AttachmentSink for Discard {
    fn begin(&mut self, _index: usize) -> io::Result<()> {
        Ok(())
    }
    fn write(&mut self, _chunk: &[u8]) -> io::Result<()> {
        Ok(())
    }
    fn end(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Why a package could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// Not XML: the position (bytes from the start) and the parser's reason.
    #[error("not well-formed XML at byte {position}: {reason}")]
    Malformed { position: u64, reason: String },
    /// Larger than [`MAX_PACKAGE_BYTES`].
    #[error("the package is larger than {max} bytes")]
    TooLarge { max: u64 },
    /// Read, but refused: every problem with its element path.
    #[error("the package is refused ({} problems)", .0.problems.len())]
    Refused(Refused),
    /// The attachment sink failed (storage, not the package).
    #[error("attachment storage: {0}")]
    Sink(io::Error),
}

impl ReadError {
    /// The stable code of the error.
    pub fn code(&self) -> &'static str {
        match self {
            ReadError::Malformed { .. } => "edxml_malformed",
            ReadError::TooLarge { .. } => "edxml_too_large",
            ReadError::Refused(_) => "edxml_refused",
            ReadError::Sink(_) => "edxml_storage",
        }
    }
}

/// A reader that refuses to go past [`MAX_PACKAGE_BYTES`].
struct Limited<R> {
    inner: R,
    read: u64,
    max: u64,
}

impl<R: BufRead> Read for Limited<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = {
            let avail = self.fill_buf()?;
            let n = avail.len().min(buf.len());
            buf[..n].copy_from_slice(&avail[..n]);
            n
        };
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Limited<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.read > self.max {
            return Err(io::Error::other(TooLargeMarker));
        }
        self.inner.fill_buf()
    }
    fn consume(&mut self, amt: usize) {
        self.read += amt as u64;
        self.inner.consume(amt);
    }
}

#[derive(Debug)]
struct TooLargeMarker;
impl std::fmt::Display for TooLargeMarker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("package too large")
    }
}
impl std::error::Error for TooLargeMarker {}

fn is_too_large(e: &io::Error) -> bool {
    e.get_ref().is_some_and(|i| i.is::<TooLargeMarker>())
}

/// Read a package from `input`, streaming attachments into `sink`. Nothing reaches the sink for
/// good unless the package is accepted (`abort` is called otherwise).
pub fn read<R: BufRead>(input: R, sink: &mut dyn AttachmentSink) -> Result<Package, ReadError> {
    read_limited(input, sink, MAX_PACKAGE_BYTES)
}

pub(crate) fn read_limited<R: BufRead>(
    input: R,
    sink: &mut dyn AttachmentSink,
    max: u64,
) -> Result<Package, ReadError> {
    let mut reader = Reader::from_reader(Limited {
        inner: input,
        read: 0,
        max,
    });
    reader.config_mut().trim_text(false);
    let mut p = Parser::default();
    let result = p.run(&mut reader, sink);
    match result.and_then(|()| p.finish()) {
        Ok(pkg) => Ok(pkg),
        Err(e) => {
            sink.abort();
            Err(match e {
                ReadError::Malformed { .. } if reader.get_ref().read > max => {
                    ReadError::TooLarge { max }
                }
                other => other,
            })
        }
    }
}

/// The largest text kept for one element, in bytes (a subject has at most 500 characters; the
/// content of a document can be longer).
const LEAF_TEXT_MAX: usize = 1024 * 1024;

#[derive(Default)]
struct Parser {
    /// Local names from the root.
    stack: Vec<String>,
    /// Namespace declarations of the open elements (for kept elements, which need them).
    ns: Vec<Vec<(String, String)>>,
    text: String,
    text_overflow: bool,
    root_seen: bool,
    /// The root is not an edXML element: nothing else is looked at.
    not_edxml: bool,
    problems: Problems,
    // What the package says.
    draft: Draft,
    has_message_header: bool,
    has_status: bool,
    from: Option<Organization>,
    to: Vec<Organization>,
    response_for: Vec<ResponseFor>,
    status_code: Option<StatusCode>,
    status_description: Option<String>,
    status_timestamp: Option<time::OffsetDateTime>,
    status_from: Option<AgencyId>,
    status_response_for: Option<String>,
    status_staff: Option<StaffInfo>,
    trace: Vec<(Option<String>, Option<time::OffsetDateTime>)>,
    business: Option<(BusinessSpelling, BusinessFields)>,
    signature: Option<String>,
    manifest: Vec<ManifestReference>,
    attachments: Vec<AttachmentFields>,
    extensions: Vec<Extension>,
}

#[derive(Default)]
struct BusinessFields {
    document_id: Option<String>,
    kind: Option<BusinessType>,
    reason: Option<String>,
    paper: Option<String>,
    staff: Option<StaffInfo>,
}

#[derive(Default)]
struct AttachmentFields {
    content_id: Option<String>,
    name: Option<String>,
    description: Option<String>,
    content_type: Option<String>,
    size: u64,
    sha256: Option<String>,
    zipped: bool,
}

fn malformed<R: BufRead>(reader: &Reader<Limited<R>>, e: impl ToString) -> ReadError {
    if reader.get_ref().read > reader.get_ref().max {
        return ReadError::TooLarge {
            max: reader.get_ref().max,
        };
    }
    ReadError::Malformed {
        position: reader.buffer_position(),
        reason: e.to_string(),
    }
}

fn local(name: &[u8]) -> String {
    let local = match name.iter().rposition(|b| *b == b':') {
        Some(i) => &name[i + 1..],
        None => name,
    };
    String::from_utf8_lossy(local).into_owned()
}

fn ns_decls(e: &BytesStart<'_>) -> Vec<(String, String)> {
    e.attributes()
        .flatten()
        .filter(|a| a.key.as_ref() == b"xmlns" || a.key.as_ref().starts_with(b"xmlns:"))
        .map(|a| {
            (
                String::from_utf8_lossy(a.key.as_ref()).into_owned(),
                String::from_utf8_lossy(&a.value).into_owned(),
            )
        })
        .collect()
}

/// Containers this reader walks into (paths below the envelope).
const CONTAINERS: &[&str] = &[
    "edXMLHeader",
    "edXMLHeader/MessageHeader",
    "edXMLHeader/MessageHeader/From",
    "edXMLHeader/MessageHeader/To",
    "edXMLHeader/MessageHeader/Code",
    "edXMLHeader/MessageHeader/PromulgationInfo",
    "edXMLHeader/MessageHeader/DocumentType",
    "edXMLHeader/MessageHeader/SignerInfo",
    "edXMLHeader/MessageHeader/ToPlaces",
    "edXMLHeader/MessageHeader/OtherInfo",
    "edXMLHeader/MessageHeader/OtherInfo/Appendixes",
    "edXMLHeader/MessageHeader/ResponseFor",
    "edXMLHeader/TraceHeaderList",
    "edXMLHeader/TraceHeaderList/TraceHeader",
    "edXMLHeader/TraceHeaderList/Bussiness",
    "edXMLHeader/TraceHeaderList/Business",
    "edXMLHeader/TraceHeaderList/Bussiness/StaffInfo",
    "edXMLHeader/TraceHeaderList/Business/StaffInfo",
    "edXMLHeader/Status",
    "edXMLHeader/Status/ResponseFor",
    "edXMLHeader/Status/From",
    "edXMLHeader/Status/StaffInfo",
    "edXMLBody",
    "edXMLBody/edXMLManifest",
    "edXMLBody/edXMLManifest/Reference",
    "AttachmentEncoded",
    "AttachmentEncoded/Attachment",
];

const ORGANIZATION_FIELDS: &[&str] = &[
    "OrganId",
    "OrganizationInCharge",
    "OrganName",
    "OrganAdd",
    "Email",
    "Telephone",
    "Fax",
    "Website",
];

mod attachments;
mod fields;
mod finish;
mod walk;
