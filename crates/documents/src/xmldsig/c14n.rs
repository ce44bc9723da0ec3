//! Exclusive XML Canonicalization 1.0 without comments
//! (<http://www.w3.org/2001/10/xml-exc-c14n#>), written as events arrive: no tree is built, so a
//! package of any size is canonicalised (and digested) in one pass.
//!
//! What it does to each node: elements are written `<name` + the namespace declarations the
//! element visibly uses that no output ancestor has already declared with the same value (sorted
//! by prefix, the default first) + its attributes sorted by namespace URI then local name, values
//! escaped; empty elements as a start and an end tag; text with `&`, `<`, `>` and CR escaped;
//! comments dropped; processing instructions kept; nothing outside the document element but
//! processing instructions.

use std::io::{self, Write};

use quick_xml::events::BytesStart;

/// The namespace bound to the `xml` prefix, never declared.
const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";

/// Why canonicalisation stopped.
#[derive(Debug, thiserror::Error)]
pub enum C14nError {
    #[error("prefix {0:?} is not bound to a namespace")]
    UnboundPrefix(String),
    #[error("bad attribute: {0}")]
    Attribute(String),
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// Namespace declarations of the input, per open element.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    frames: Vec<Vec<(String, String)>>,
}

impl Scope {
    /// The namespace bound to `prefix` ("" for the default namespace; "" when unbound default).
    pub fn lookup(&self, prefix: &str) -> Option<&str> {
        if prefix == "xml" {
            return Some(XML_NS);
        }
        for f in self.frames.iter().rev() {
            if let Some((_, uri)) = f.iter().rev().find(|(p, _)| p == prefix) {
                return Some(uri);
            }
        }
        if prefix.is_empty() { Some("") } else { None }
    }

    /// Enter an element: its own declarations.
    pub fn push(&mut self, e: &BytesStart<'_>) -> Result<(), C14nError> {
        let mut frame = Vec::new();
        for a in e.attributes() {
            let a = a.map_err(|e| C14nError::Attribute(e.to_string()))?;
            let key = a.key.as_ref();
            let prefix = if key == b"xmlns" {
                Some(String::new())
            } else {
                key.strip_prefix(b"xmlns:")
                    .map(|p| String::from_utf8_lossy(p).into_owned())
            };
            if let Some(prefix) = prefix {
                frame.push((prefix, attribute_value(&a.value)?));
            }
        }
        self.frames.push(frame);
        Ok(())
    }

    pub fn pop(&mut self) {
        self.frames.pop();
    }
}

/// The normalised value of an attribute as the XML parser gives it to the application: each
/// literal whitespace character becomes a space, then references are replaced.
pub fn attribute_value(raw: &[u8]) -> Result<String, C14nError> {
    let raw = String::from_utf8_lossy(raw).replace("\r\n", " ");
    let raw: String = raw
        .chars()
        .map(|c| {
            if matches!(c, '\t' | '\n' | '\r') {
                ' '
            } else {
                c
            }
        })
        .collect();
    quick_xml::escape::unescape(&raw)
        .map(|v| v.into_owned())
        .map_err(|e| C14nError::Attribute(e.to_string()))
}

fn split_qname(name: &[u8]) -> (String, String) {
    let n = String::from_utf8_lossy(name);
    match n.split_once(':') {
        Some((p, l)) => (p.to_owned(), l.to_owned()),
        None => (String::new(), n.into_owned()),
    }
}

/// Text escaped as canonical XML writes it.
pub fn escape_text(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#xD;"),
            c => out.push(c),
        }
    }
}

fn escape_attr(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '"' => out.push_str("&quot;"),
            '\t' => out.push_str("&#x9;"),
            '\n' => out.push_str("&#xA;"),
            '\r' => out.push_str("&#xD;"),
            c => out.push(c),
        }
    }
}

/// The canonical writer. Feed it the events of the node set in document order.
pub struct Canonicalizer<W: Write> {
    out: W,
    /// The input's namespace declarations (may start non-empty: the context of a subtree).
    pub scope: Scope,
    /// Declarations rendered by output ancestors, per open output element.
    rendered: Vec<Vec<(String, String)>>,
    names: Vec<String>,
    /// A processing instruction before the document element is followed by a line break, one
    /// after it is preceded by one.
    root_done: bool,
}

impl<W: Write> Canonicalizer<W> {
    pub fn new(out: W, scope: Scope) -> Self {
        Canonicalizer {
            out,
            scope,
            rendered: Vec::new(),
            names: Vec::new(),
            root_done: false,
        }
    }

    pub fn into_inner(self) -> W {
        self.out
    }

    /// Inside an output element (text outside the document element is not written).
    pub fn depth(&self) -> usize {
        self.names.len()
    }

    fn rendered(&self, prefix: &str) -> Option<&str> {
        for f in self.rendered.iter().rev() {
            if let Some((_, uri)) = f.iter().find(|(p, _)| p == prefix) {
                return Some(uri);
            }
        }
        None
    }

    /// A start tag (and its end tag when `empty`). The caller has not pushed its scope.
    pub fn start(&mut self, e: &BytesStart<'_>, empty: bool) -> Result<(), C14nError> {
        self.scope.push(e)?;
        let (prefix, _) = split_qname(e.name().as_ref());
        let mut used = vec![prefix.clone()];
        let mut attrs: Vec<(String, String, String, String)> = Vec::new(); // (uri, local, qname, value)
        for a in e.attributes() {
            let a = a.map_err(|e| C14nError::Attribute(e.to_string()))?;
            let key = a.key.as_ref();
            if key == b"xmlns" || key.starts_with(b"xmlns:") {
                continue;
            }
            let (p, local) = split_qname(key);
            let uri = if p.is_empty() {
                String::new()
            } else {
                if p != "xml" {
                    used.push(p.clone());
                }
                self.scope
                    .lookup(&p)
                    .ok_or_else(|| C14nError::UnboundPrefix(p.clone()))?
                    .to_owned()
            };
            let qname = String::from_utf8_lossy(key).into_owned();
            attrs.push((uri, local, qname, attribute_value(&a.value)?));
        }
        used.sort();
        used.dedup();
        let mut decls: Vec<(String, String)> = Vec::new();
        for p in used {
            let uri = self
                .scope
                .lookup(&p)
                .ok_or_else(|| C14nError::UnboundPrefix(p.clone()))?
                .to_owned();
            let shown = self.rendered(&p);
            let needed = if p.is_empty() {
                // The default namespace: declared when it differs from what an output ancestor
                // declared (xmlns="" only to undo a non-empty one).
                match shown {
                    Some(s) => s != uri,
                    None => !uri.is_empty(),
                }
            } else {
                shown != Some(uri.as_str())
            };
            if needed {
                decls.push((p, uri));
            }
        }
        attrs.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
        let qname = String::from_utf8_lossy(e.name().as_ref()).into_owned();
        let mut s = String::with_capacity(64);
        s.push('<');
        s.push_str(&qname);
        for (p, uri) in &decls {
            if p.is_empty() {
                s.push_str(" xmlns=\"");
            } else {
                s.push_str(" xmlns:");
                s.push_str(p);
                s.push_str("=\"");
            }
            escape_attr(uri, &mut s);
            s.push('"');
        }
        for (_, _, q, v) in &attrs {
            s.push(' ');
            s.push_str(q);
            s.push_str("=\"");
            escape_attr(v, &mut s);
            s.push('"');
        }
        s.push('>');
        self.out.write_all(s.as_bytes())?;
        self.rendered.push(decls);
        self.names.push(qname);
        if empty {
            self.end()?;
        }
        Ok(())
    }

    /// The end tag of the innermost open element.
    pub fn end(&mut self) -> Result<(), C14nError> {
        if let Some(q) = self.names.pop() {
            self.out.write_all(b"</")?;
            self.out.write_all(q.as_bytes())?;
            self.out.write_all(b">")?;
        }
        self.rendered.pop();
        self.scope.pop();
        if self.names.is_empty() {
            self.root_done = true;
        }
        Ok(())
    }

    /// Character data (already unescaped, line ends normalised).
    pub fn text(&mut self, t: &str) -> Result<(), C14nError> {
        if self.names.is_empty() {
            return Ok(());
        }
        let mut s = String::with_capacity(t.len() + 8);
        escape_text(t, &mut s);
        self.out.write_all(s.as_bytes())?;
        Ok(())
    }

    /// Raw text known to need no escaping but `>` and CR (the base64 of an attachment).
    pub fn raw_text(&mut self, t: &[u8]) -> Result<(), C14nError> {
        self.out.write_all(t)?;
        Ok(())
    }

    pub fn pi(&mut self, content: &[u8]) -> Result<(), C14nError> {
        let body = String::from_utf8_lossy(content);
        let body = body.trim_end();
        let text = format!("<?{body}?>");
        if self.names.is_empty() && !self.root_done {
            self.out.write_all(text.as_bytes())?;
            self.out.write_all(b"\n")?;
        } else if self.names.is_empty() {
            self.out.write_all(b"\n")?;
            self.out.write_all(text.as_bytes())?;
        } else {
            self.out.write_all(text.as_bytes())?;
        }
        Ok(())
    }
}
