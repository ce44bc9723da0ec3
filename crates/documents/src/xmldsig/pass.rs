//! One pass over a package: the canonical form of everything but the first `ds:Signature`
//! digested with SHA-1 and SHA-256 (the digest method is only known once the signature has been
//! read, after part of the document), the `Signature` element recorded, and the byte offset
//! where `edXMLHeader` ends (where a new signature goes). Attachments' base64 text is hashed from
//! the raw input in chunks, never held whole.

use std::io::{self, BufRead, Write};

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use ring::digest;

use super::c14n::{C14nError, Canonicalizer, Scope};
use super::{DSIG_NS, SignatureError, local};

/// The largest `Signature` element accepted, in bytes of events.
const SIGNATURE_MAX: usize = 256 * 1024;

/// Both digests of the same bytes.
pub(super) struct Hashers {
    sha1: digest::Context,
    sha256: digest::Context,
}

impl Write for Hashers {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.sha1.update(buf);
        self.sha256.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The `Signature` element: its events, and the namespace context it sits in.
pub(super) struct RecordedSignature {
    pub scope: Scope,
    pub events: Vec<Event<'static>>,
}

impl RecordedSignature {
    /// From a `Signature` element written out (what `sign` builds).
    pub fn from_xml(xml: &str, scope: Scope) -> Result<RecordedSignature, SignatureError> {
        let mut r = Reader::from_str(xml);
        let mut events = Vec::new();
        loop {
            match r
                .read_event()
                .map_err(|e| SignatureError::Xml(e.to_string()))?
            {
                Event::Eof => break,
                e => events.push(e.into_owned()),
            }
        }
        Ok(RecordedSignature { scope, events })
    }
}

pub(super) struct Pass {
    pub sha1: digest::Digest,
    pub sha256: digest::Digest,
    pub signature: Option<RecordedSignature>,
    pub header_end: Option<u64>,
}

fn xml_err(e: impl ToString) -> SignatureError {
    SignatureError::Xml(e.to_string())
}

fn c14n_err(e: C14nError) -> SignatureError {
    match e {
        C14nError::Io(e) => SignatureError::Io(e),
        other => SignatureError::Xml(other.to_string()),
    }
}

fn is_dsig_signature(e: &BytesStart<'_>, scope: &Scope) -> Result<bool, SignatureError> {
    if local(e.name().as_ref()) != b"Signature" {
        return Ok(false);
    }
    let mut s = scope.clone();
    s.push(e).map_err(c14n_err)?;
    let name = e.name();
    let prefix = name
        .as_ref()
        .iter()
        .position(|b| *b == b':')
        .map(|i| String::from_utf8_lossy(&name.as_ref()[..i]).into_owned())
        .unwrap_or_default();
    Ok(s.lookup(&prefix) == Some(DSIG_NS))
}

impl Pass {
    pub fn run<R: BufRead>(input: R) -> Result<Pass, SignatureError> {
        let mut reader = Reader::from_reader(input);
        reader.config_mut().trim_text(false);
        let mut c = Canonicalizer::new(
            Hashers {
                sha1: digest::Context::new(&digest::SHA1_FOR_LEGACY_USE_ONLY),
                sha256: digest::Context::new(&digest::SHA256),
            },
            Scope::default(),
        );
        let mut signature: Option<RecordedSignature> = None;
        let mut recording: Option<(usize, usize)> = None; // (depth, bytes)
        let mut header_end = None;
        let mut buf = Vec::new();
        loop {
            buf.clear();
            let at = reader.buffer_position();
            let ev = reader.read_event_into(&mut buf).map_err(xml_err)?;
            let read = (reader.buffer_position() - at) as usize;
            if let Some((depth, bytes)) = recording.as_mut() {
                match &ev {
                    Event::Start(_) => *depth += 1,
                    Event::End(_) => *depth -= 1,
                    Event::Eof => return Err(xml_err("the package ends inside the signature")),
                    _ => {}
                }
                *bytes += read;
                if *bytes > SIGNATURE_MAX {
                    return Err(SignatureError::Malformed(
                        "the signature is too large".into(),
                    ));
                }
                let done = *depth == 0;
                if let Some(s) = signature.as_mut() {
                    s.events.push(ev.into_owned());
                }
                if done {
                    recording = None;
                }
                continue;
            }
            match ev {
                Event::Start(e) => {
                    if signature.is_none() && is_dsig_signature(&e, &c.scope)? {
                        signature = Some(RecordedSignature {
                            scope: c.scope.clone(),
                            events: vec![Event::Start(e.into_owned())],
                        });
                        recording = Some((1, 0));
                        continue;
                    }
                    let attachment = local(e.name().as_ref()) == b"ContentTransferEncoded";
                    c.start(&e, false).map_err(c14n_err)?;
                    if attachment {
                        stream_text(&mut reader, &mut c)?;
                    }
                }
                Event::Empty(e) => {
                    if signature.is_none() && is_dsig_signature(&e, &c.scope)? {
                        return Err(SignatureError::Malformed("an empty Signature".into()));
                    }
                    c.start(&e, true).map_err(c14n_err)?;
                }
                Event::End(e) => {
                    if header_end.is_none() && local(e.name().as_ref()) == b"edXMLHeader" {
                        header_end = Some(at);
                    }
                    c.end().map_err(c14n_err)?;
                }
                Event::Text(t) => {
                    if c.depth() > 0 {
                        let s = t.xml_content().map_err(xml_err)?;
                        c.text(&s).map_err(c14n_err)?;
                    }
                }
                Event::CData(t) => {
                    let s = t.xml_content().map_err(xml_err)?;
                    c.text(&s).map_err(c14n_err)?;
                }
                Event::GeneralRef(r) => {
                    let ch = match r.resolve_char_ref().map_err(xml_err)? {
                        Some(ch) => ch.to_string(),
                        None => {
                            let n = r.decode().map_err(xml_err)?;
                            quick_xml::escape::resolve_predefined_entity(&n)
                                .ok_or_else(|| xml_err(format!("unknown entity &{n};")))?
                                .to_owned()
                        }
                    };
                    c.text(&ch).map_err(c14n_err)?;
                }
                Event::PI(p) => c.pi(p.as_ref()).map_err(c14n_err)?,
                Event::DocType(_) => return Err(xml_err("a DOCTYPE is not allowed")),
                Event::Decl(_) | Event::Comment(_) => {}
                Event::Eof => break,
            }
        }
        let h = c.into_inner();
        Ok(Pass {
            sha1: h.sha1.finish(),
            sha256: h.sha256.finish(),
            signature,
            header_end,
        })
    }
}

/// The text of `ContentTransferEncoded`, canonical, from the raw input up to its end tag: line
/// ends normalised, `>` escaped; a reference (`&`) is refused (base64 needs none).
fn stream_text<R: BufRead>(
    reader: &mut Reader<R>,
    c: &mut Canonicalizer<Hashers>,
) -> Result<(), SignatureError> {
    let mut out = Vec::with_capacity(64 * 1024);
    let mut cr = false;
    {
        let mut stream = reader.stream();
        loop {
            let chunk = stream.fill_buf()?;
            if chunk.is_empty() {
                return Err(xml_err("the package ends inside an attachment"));
            }
            let end = chunk.iter().position(|b| *b == b'<');
            let take = end.unwrap_or(chunk.len());
            out.clear();
            for &b in &chunk[..take] {
                match b {
                    b'\r' => {
                        out.push(b'\n');
                        cr = true;
                        continue;
                    }
                    b'\n' if cr => {}
                    b'&' => return Err(xml_err("a reference inside an attachment")),
                    b'>' => out.extend_from_slice(b"&gt;"),
                    b => out.push(b),
                }
                cr = false;
            }
            stream.consume(take);
            c.raw_text(&out).map_err(c14n_err)?;
            if end.is_some() {
                break;
            }
        }
    }
    let mut buf = Vec::new();
    match reader.read_event_into(&mut buf).map_err(xml_err)? {
        Event::End(e) if local(e.name().as_ref()) == b"ContentTransferEncoded" => {
            c.end().map_err(c14n_err)
        }
        _ => Err(xml_err("ContentTransferEncoded holds text only")),
    }
}
