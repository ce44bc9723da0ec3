//! How the audit page names the registers' objects.

use super::*;

/// A subject cut to 80 characters for a one-line name.
fn short_subject(s: &str) -> String {
    if s.chars().count() <= 80 {
        s.to_owned()
    } else {
        format!("{}…", s.chars().take(79).collect::<String>())
    }
}

/// Names for the audit page: a register entry by its number and notation (or as a draft),
/// agency and subject; an office by its agency.
pub fn register_names(names: &mut audit::Names) {
    names.register("doc_outgoing", |db, entries, lang| async move {
        let mut out = std::collections::HashMap::new();
        for e in entries {
            let Ok(id) = e.object_id.parse::<i64>() else {
                continue;
            };
            if let Some(o) = store::outgoing_any(&db, id).await? {
                let code = match (o.number, o.notation.as_deref()) {
                    (Some(n), Some(t)) => register::code_display(u32::try_from(n).unwrap_or(0), t),
                    _ => platform::i18n::t_args(
                        lang,
                        "doc_registers.audit_draft",
                        &[("id", id.to_string())],
                    ),
                };
                out.insert(
                    e.seq,
                    platform::i18n::t_args(
                        lang,
                        "doc_registers.audit_outgoing",
                        &[
                            ("code", code),
                            ("agency", o.agency_code),
                            ("subject", short_subject(&o.subject)),
                        ],
                    ),
                );
            }
        }
        Ok(out)
    });
    names.register("doc_incoming", |db, entries, lang| async move {
        let mut out = std::collections::HashMap::new();
        for e in entries {
            let Ok(id) = e.object_id.parse::<i64>() else {
                continue;
            };
            if let Some(i) = store::incoming_any(&db, id).await? {
                out.insert(
                    e.seq,
                    platform::i18n::t_args(
                        lang,
                        "doc_registers.audit_incoming",
                        &[
                            ("code", format!("{}/{}", i.number, i.notation)),
                            ("sender", i.sender_name),
                            ("agency", i.agency_code),
                            ("subject", short_subject(&i.subject)),
                        ],
                    ),
                );
            }
        }
        Ok(out)
    });
    names.register("doc_office", |_db, entries, lang| async move {
        Ok(entries
            .into_iter()
            .map(|e| {
                let name = platform::i18n::t_args(
                    lang,
                    "doc_office.audit_office",
                    &[("agency", e.object_id.clone())],
                );
                (e.seq, name)
            })
            .collect())
    });
}
