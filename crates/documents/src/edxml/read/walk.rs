//! The walk over the XML events: the element stack, text, and elements kept as written.

use super::*;

impl Parser {
    /// The path of the open elements below the envelope (`edXMLHeader/MessageHeader/Subject`).
    pub(super) fn path(&self) -> String {
        let mut names: &[String] = &self.stack;
        if names.first().is_some_and(|n| n == "edXML") {
            names = &names[1..];
        }
        if names.first().is_some_and(|n| n == "edXMLEnvelope") {
            names = &names[1..];
        }
        names.join("/")
    }

    pub(super) fn is_container(path: &str) -> bool {
        path.is_empty() || CONTAINERS.contains(&path)
    }

    pub(super) fn run<R: BufRead>(
        &mut self,
        reader: &mut Reader<Limited<R>>,
        sink: &mut dyn AttachmentSink,
    ) -> Result<(), ReadError> {
        let mut buf = Vec::new();
        loop {
            buf.clear();
            let ev = reader
                .read_event_into(&mut buf)
                .map_err(|e| malformed(reader, e))?;
            match ev {
                Event::Start(e) => {
                    let name = local(e.name().as_ref());
                    if !self.root_seen {
                        self.root_seen = true;
                        if name != "edXMLEnvelope" && name != "edXML" {
                            self.not_edxml = true;
                            self.problems.push(
                                Problem::new(&name, "not_edxml").arg("element", name.clone()),
                            );
                            return Ok(());
                        }
                    }
                    let decls = ns_decls(&e);
                    let e = e.into_owned();
                    self.stack.push(name);
                    self.ns.push(decls);
                    let path = self.path();
                    if path == "edXMLHeader/Signature" {
                        self.signature = Some(self.keep(reader, e)?);
                    } else if path == "AttachmentEncoded/Attachment/ContentTransferEncoded" {
                        self.stream_attachment(reader, sink)?;
                    } else if Self::is_container(&path) || self.is_leaf(&path) {
                        self.open(&path);
                        self.text.clear();
                        self.text_overflow = false;
                    } else {
                        let parent = path.rsplit_once('/').map_or("", |p| p.0).to_owned();
                        let xml = self.keep(reader, e)?;
                        self.extensions.push(Extension { parent, xml });
                    }
                }
                Event::Empty(e) => {
                    let name = local(e.name().as_ref());
                    if !self.root_seen {
                        self.root_seen = true;
                        self.not_edxml = true;
                        self.problems
                            .push(Problem::new(&name, "not_edxml").arg("element", name));
                        return Ok(());
                    }
                    self.stack.push(name);
                    self.ns.push(Vec::new());
                    let path = self.path();
                    if path == "AttachmentEncoded/Attachment/ContentTransferEncoded" {
                        self.empty_attachment(sink)?;
                    } else if Self::is_container(&path) || self.is_leaf(&path) {
                        self.open(&path);
                        self.text.clear();
                        self.close(&path);
                    } else {
                        let parent = path.rsplit_once('/').map_or("", |p| p.0).to_owned();
                        let mut w = quick_xml::Writer::new(Vec::new());
                        let mut e = e.into_owned();
                        self.add_scope_ns(&mut e);
                        w.write_event(Event::Empty(e))
                            .map_err(|e| malformed(reader, e))?;
                        self.extensions.push(Extension {
                            parent,
                            xml: String::from_utf8_lossy(&w.into_inner()).into_owned(),
                        });
                    }
                    self.stack.pop();
                    self.ns.pop();
                }
                Event::End(_) => {
                    let path = self.path();
                    self.close(&path);
                    self.stack.pop();
                    self.ns.pop();
                }
                Event::Text(t) => {
                    let s = t.xml_content().map_err(|e| malformed(reader, e))?;
                    self.push_text(&s);
                }
                Event::CData(t) => {
                    let s = t.decode().map_err(|e| malformed(reader, e))?;
                    self.push_text(&s);
                }
                Event::GeneralRef(r) => {
                    let c = match r.resolve_char_ref().map_err(|e| malformed(reader, e))? {
                        Some(c) => c.to_string(),
                        None => {
                            let name = r.decode().map_err(|e| malformed(reader, e))?;
                            match quick_xml::escape::resolve_predefined_entity(&name) {
                                Some(v) => v.to_owned(),
                                None => {
                                    return Err(malformed(
                                        reader,
                                        format!("unknown entity &{name};"),
                                    ));
                                }
                            }
                        }
                    };
                    self.push_text(&c);
                }
                Event::DocType(_) => {
                    // No DTD: entity expansion is what XML bombs are made of.
                    return Err(malformed(reader, "a DOCTYPE is not allowed in a package"));
                }
                Event::Eof => {
                    if !self.stack.is_empty() {
                        return Err(malformed(reader, "the package ends inside an element"));
                    }
                    if !self.root_seen {
                        return Err(malformed(reader, "no element"));
                    }
                    return Ok(());
                }
                Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            }
        }
    }

    pub(super) fn push_text(&mut self, s: &str) {
        if self.text_overflow {
            return;
        }
        if self.text.len() + s.len() > LEAF_TEXT_MAX {
            self.text_overflow = true;
            return;
        }
        self.text.push_str(s);
    }

    /// Add the namespace declarations in scope that a kept element does not repeat itself.
    pub(super) fn add_scope_ns(&self, e: &mut BytesStart<'static>) {
        let own = ns_decls(e);
        let mut seen: Vec<String> = own.into_iter().map(|(k, _)| k).collect();
        let mut add = Vec::new();
        for scope in self.ns.iter().rev() {
            for (k, v) in scope {
                if !seen.contains(k) {
                    seen.push(k.clone());
                    add.push((k.clone(), v.clone()));
                }
            }
        }
        for (k, v) in add {
            e.push_attribute((k.as_str(), v.as_str()));
        }
    }

    /// An element this reader does not interpret, as written (with the namespaces in scope).
    pub(super) fn keep<R: BufRead>(
        &mut self,
        reader: &mut Reader<Limited<R>>,
        mut start: BytesStart<'static>,
    ) -> Result<String, ReadError> {
        self.add_scope_ns(&mut start);
        let mut w = quick_xml::Writer::new(Vec::new());
        w.write_event(Event::Start(start))
            .map_err(|e| malformed(reader, e))?;
        let mut depth = 1usize;
        let mut buf = Vec::new();
        while depth > 0 {
            buf.clear();
            let ev = reader
                .read_event_into(&mut buf)
                .map_err(|e| malformed(reader, e))?;
            match &ev {
                Event::Start(_) => depth += 1,
                Event::End(_) => depth -= 1,
                Event::Eof => return Err(malformed(reader, "the package ends inside an element")),
                Event::DocType(_) => {
                    return Err(malformed(reader, "a DOCTYPE is not allowed in a package"));
                }
                _ => {}
            }
            w.write_event(ev).map_err(|e| malformed(reader, e))?;
            if w.get_ref().len() > LEAF_TEXT_MAX {
                return Err(malformed(reader, "an unknown element larger than 1 MiB"));
            }
        }
        self.stack.pop();
        self.ns.pop();
        Ok(String::from_utf8_lossy(&w.into_inner()).into_owned())
    }
}
