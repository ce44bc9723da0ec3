//! Attachments: base64 decoded in chunks from the raw input into the sink, then checked.

use super::*;

impl Parser {
    pub(super) fn empty_attachment(
        &mut self,
        sink: &mut dyn AttachmentSink,
    ) -> Result<(), ReadError> {
        let index = self.attachments.len().saturating_sub(1);
        sink.begin(index).map_err(ReadError::Sink)?;
        sink.end().map_err(ReadError::Sink)?;
        if let Some(a) = self.attachments.last_mut() {
            a.sha256 = Some(hex::encode(Sha256::digest(b"")));
        }
        Ok(())
    }

    /// Decode `ContentTransferEncoded` from the raw input in chunks: base64 (whitespace allowed)
    /// up to the closing tag, never the whole attachment in memory.
    pub(super) fn stream_attachment<R: BufRead>(
        &mut self,
        reader: &mut Reader<Limited<R>>,
        sink: &mut dyn AttachmentSink,
    ) -> Result<(), ReadError> {
        let index = self.attachments.len().saturating_sub(1);
        sink.begin(index).map_err(ReadError::Sink)?;
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        let mut first = Vec::with_capacity(4);
        // Base64 characters waiting for a full group of four.
        let mut pending: Vec<u8> = Vec::with_capacity(64 * 1024 + 4);
        let mut decoded = Vec::with_capacity(48 * 1024 + 3);
        let mut bad = false;
        let mut padded = false;
        let mut flush = |pending: &mut Vec<u8>,
                         all: bool,
                         sink: &mut dyn AttachmentSink,
                         bad: &mut bool|
         -> Result<(), ReadError> {
            let n = if all {
                pending.len()
            } else {
                pending.len() / 4 * 4
            };
            if n == 0 {
                return Ok(());
            }
            decoded.clear();
            if base64::engine::general_purpose::STANDARD
                .decode_vec(&pending[..n], &mut decoded)
                .is_err()
            {
                *bad = true;
            } else {
                hasher.update(&decoded);
                size += decoded.len() as u64;
                if first.len() < 4 {
                    first.extend(decoded.iter().take(4 - first.len()));
                }
                sink.write(&decoded).map_err(ReadError::Sink)?;
            }
            pending.drain(..n);
            Ok(())
        };
        {
            let mut stream = reader.stream();
            loop {
                let chunk = stream.fill_buf().map_err(|e| {
                    if is_too_large(&e) {
                        ReadError::TooLarge {
                            max: MAX_PACKAGE_BYTES,
                        }
                    } else {
                        ReadError::Malformed {
                            position: 0,
                            reason: e.to_string(),
                        }
                    }
                })?;
                if chunk.is_empty() {
                    return Err(ReadError::Malformed {
                        position: 0,
                        reason: "the package ends inside an attachment".into(),
                    });
                }
                let end = chunk.iter().position(|b| *b == b'<');
                let take = end.unwrap_or(chunk.len());
                for &b in &chunk[..take] {
                    match b {
                        b' ' | b'\t' | b'\r' | b'\n' => {}
                        b'=' => {
                            padded = true;
                            pending.push(b);
                        }
                        b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'+' | b'/' if !padded => {
                            pending.push(b)
                        }
                        _ => bad = true,
                    }
                }
                stream.consume(take);
                if pending.len() >= 64 * 1024 {
                    flush(&mut pending, false, sink, &mut bad)?;
                }
                if end.is_some() {
                    break;
                }
            }
        }
        flush(&mut pending, true, sink, &mut bad)?;
        sink.end().map_err(ReadError::Sink)?;
        let path = self.path();
        if bad {
            self.problems.push(Problem::new(&path, "bad_base64"));
        }
        if let Some(a) = self.attachments.last_mut() {
            a.size = size;
            a.sha256 = Some(hex::encode(hasher.finalize()));
            a.zipped = first.starts_with(b"PK\x03\x04");
        }
        // The closing tag of ContentTransferEncoded comes next.
        let mut buf = Vec::new();
        match reader
            .read_event_into(&mut buf)
            .map_err(|e| malformed(reader, e))?
        {
            Event::End(e) if local(e.name().as_ref()) == "ContentTransferEncoded" => {}
            _ => {
                return Err(malformed(
                    reader,
                    "ContentTransferEncoded holds base64 text only",
                ));
            }
        }
        self.stack.pop();
        self.ns.pop();
        Ok(())
    }

    pub(super) fn attachments_checked(&mut self) -> Vec<Attachment> {
        let strip = |s: &str| s.trim().trim_start_matches("cid:").to_owned();
        let mut out = Vec::new();
        for (i, a) in std::mem::take(&mut self.attachments)
            .into_iter()
            .enumerate()
        {
            let at = format!("AttachmentEncoded/Attachment[{}]", i + 1);
            let mut missing = |field: &str, absent: bool| {
                if absent {
                    self.problems
                        .push(Problem::missing(&format!("{at}/{field}")));
                }
            };
            missing("ContentId", a.content_id.is_none());
            missing("AttachmentName", a.name.is_none());
            missing("ContentTransferEncoded", a.sha256.is_none());
            let (Some(content_id), Some(name), Some(sha256)) = (a.content_id, a.name, a.sha256)
            else {
                continue;
            };
            out.push(Attachment {
                content_id,
                name,
                description: a.description,
                content_type: a.content_type,
                size: a.size,
                sha256,
                zipped: a.zipped,
            });
        }
        for (i, r) in self.manifest.iter().enumerate() {
            if !out
                .iter()
                .any(|a| strip(&a.content_id) == strip(&r.content_id))
            {
                self.problems.push(
                    Problem::new(
                        &format!("edXMLBody/edXMLManifest/Reference[{}]", i + 1),
                        "attachment_missing",
                    )
                    .arg("content_id", r.content_id.clone()),
                );
            }
        }
        out
    }
}
