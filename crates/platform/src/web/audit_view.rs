//! The audit page's view of an entry: its action and object named as people know them, and its
//! change as rows of field, before and after, values formatted for the reader's language. The raw
//! JSON stays on the page for auditors; nothing here changes what an entry holds or how it hashes.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::audit::{Entry, Names};
use crate::db::{Db, DbResult};
use crate::i18n::{self, Lang};
use crate::identity;

/// What an absent or empty value shows.
const NONE: &str = "—";

/// One changed field of an entry.
pub struct ChangeRow {
    pub field: String,
    pub before: String,
    pub after: String,
}

/// The text of `key`, if the catalogue has it.
fn known(lang: Lang, key: &str) -> Option<String> {
    let text = i18n::t(lang, key);
    (text != key).then_some(text)
}

/// "Phê duyệt báo cáo" for `report.approve`; an action without a label shows as recorded.
pub fn action_label(action: &str, lang: Lang) -> String {
    known(
        lang,
        &format!("audit_page.action_{}", action.replace('.', "_")),
    )
    .unwrap_or_else(|| action.to_owned())
}

/// The names of the entries' objects: those the capabilities registered (reports) and the
/// platform's own (users, by their user name); the others keep their type and id.
pub async fn object_names(
    db: &Db,
    names: &Names,
    entries: &[Entry],
    lang: Lang,
) -> DbResult<HashMap<i64, String>> {
    let mut out = names.name(db, entries, lang).await;
    let mut users: HashMap<i64, Option<String>> = HashMap::new();
    for e in entries.iter().filter(|e| e.object_type == "user") {
        let Ok(id) = e.object_id.parse::<i64>() else {
            continue;
        };
        let username = match users.get(&id) {
            Some(known) => known.clone(),
            None => {
                let name = identity::get_user(db, id).await?.map(|u| u.username);
                users.insert(id, name.clone());
                name
            }
        };
        if let Some(username) = username {
            out.insert(
                e.seq,
                i18n::t_args(lang, "audit_page.user", &[("username", username)]),
            );
        }
    }
    for e in entries {
        out.entry(e.seq).or_insert_with(|| {
            let kind = known(lang, &format!("audit_page.type_{}", e.object_type))
                .unwrap_or_else(|| e.object_type.clone());
            // A list of ids (`reporting.indicators,reporting.rules`) may wrap.
            format!("{kind} {}", e.object_id.replace(',', ", "))
        });
    }
    Ok(out)
}

/// The change of an entry as rows: each field whose value differs, before → after. A field the
/// entry recorded only before (context such as a version) is not a change; bookkeeping (digests
/// the checks recompute, the object's description) is left to the raw JSON. A report's
/// `changes` list gives one row per indicator (and one per changed explanation).
pub fn change_rows(
    before: Option<&str>,
    after: Option<&str>,
    names: &Names,
    lang: Lang,
) -> Vec<ChangeRow> {
    let parse = |s: Option<&str>| s.and_then(|t| serde_json::from_str::<Value>(t).ok());
    let (b, a) = (parse(before), parse(after));
    let empty = Map::new();
    let (bo, ao) = (
        b.as_ref().and_then(Value::as_object),
        a.as_ref().and_then(Value::as_object),
    );
    if (b.is_some() && bo.is_none()) || (a.is_some() && ao.is_none()) {
        // Not a record of fields (no entry is written so today): the values as they are.
        return vec![ChangeRow {
            field: String::new(),
            before: b.as_ref().map_or(NONE.to_owned(), |v| value("", v, lang)),
            after: a.as_ref().map_or(NONE.to_owned(), |v| value("", v, lang)),
        }];
    }
    let (bo, ao) = (bo.unwrap_or(&empty), ao.unwrap_or(&empty));
    let keys = bo.keys().chain(ao.keys().filter(|k| !bo.contains_key(*k)));
    let mut rows = Vec::new();
    for k in keys {
        if names.is_bookkeeping(k) {
            continue;
        }
        if k == "changes"
            && let Some(list) = ao.get(k).and_then(Value::as_array)
            && list.iter().all(|i| i.get("indicator").is_some())
        {
            for item in list {
                let code = item["indicator"].as_str().unwrap_or_default();
                rows.push(ChangeRow {
                    field: code.to_owned(),
                    before: value("", &item["old"], lang),
                    after: value("", &item["new"], lang),
                });
                if item.get("explanation").is_some() {
                    rows.push(ChangeRow {
                        field: i18n::t_args(
                            lang,
                            "audit_page.explanation_of",
                            &[("indicator", code.to_owned())],
                        ),
                        before: value("", &item["old_explanation"], lang),
                        after: value("", &item["explanation"], lang),
                    });
                }
            }
            continue;
        }
        let (bv, av) = (bo.get(k), ao.get(k));
        if a.is_some() && av.is_none() {
            continue;
        }
        let (bs, as_) = (
            bv.map_or(NONE.to_owned(), |v| value(k, v, lang)),
            av.map_or(NONE.to_owned(), |v| value(k, v, lang)),
        );
        if bs == as_ {
            continue;
        }
        rows.push(ChangeRow {
            field: known(lang, &format!("audit_page.field_{k}")).unwrap_or_else(|| k.clone()),
            before: bs,
            after: as_,
        });
    }
    rows
}

/// A recorded value as a reader of `lang` writes it: numbers with the language's separators,
/// yes/no, a report's status and a role by their labels, nothing as "—"; lists and records as compact JSON.
fn value(field: &str, v: &Value, lang: Lang) -> String {
    match v {
        Value::Null => NONE.to_owned(),
        Value::Bool(b) => i18n::t(
            lang,
            if *b {
                "audit_page.yes"
            } else {
                "audit_page.no"
            },
        ),
        Value::Number(n) => number(&n.to_string(), lang),
        Value::String(s) if s.is_empty() => NONE.to_owned(),
        Value::String(s) if field == "status" => {
            known(lang, &format!("reporting.status_{s}")).unwrap_or_else(|| s.clone())
        }
        Value::String(s) if field == "role" => {
            known(lang, &format!("role.{s}")).unwrap_or_else(|| s.clone())
        }
        Value::String(s) => s.clone(),
        other => {
            let text = other.to_string();
            if text.chars().count() <= LONG {
                return text;
            }
            let n = match other {
                Value::Array(a) => a.len(),
                Value::Object(o) => o.len(),
                _ => 1,
            };
            i18n::t_args(lang, "audit_page.long_value", &[("n", n.to_string())])
        }
    }
}

/// Lists and records longer than this many characters are counted, not shown, in the table
/// (the recorded JSON below holds them whole).
const LONG: usize = 120;

/// A JSON number's digits with the language's separators (vi `1.234,5`, en `1,234.5`), every
/// digit kept: the page never rounds what the trail recorded.
fn number(s: &str, lang: Lang) -> String {
    if s.contains(['e', 'E']) {
        return s.to_owned();
    }
    let (sign, rest) = s.strip_prefix('-').map_or(("", s), |r| ("-", r));
    let (int, frac) = rest
        .split_once('.')
        .map_or((rest, None), |(i, f)| (i, Some(f)));
    let (group, decimal) = match lang {
        Lang::Vi => ('.', ','),
        Lang::En => (',', '.'),
    };
    let mut out = String::from(sign);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i).is_multiple_of(3) {
            out.push(group);
        }
        out.push(c);
    }
    if let Some(f) = frac {
        out.push(decimal);
        out.push_str(f);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_every_digit_with_the_language_separators() {
        assert_eq!(number("1234567.25", Lang::Vi), "1.234.567,25");
        assert_eq!(number("1234567.25", Lang::En), "1,234,567.25");
        assert_eq!(number("-170", Lang::Vi), "-170");
        assert_eq!(
            number("345205.39999999997", Lang::En),
            "345,205.39999999997"
        );
        assert_eq!(number("1e21", Lang::En), "1e21");
    }

    #[test]
    fn a_change_is_field_before_after_without_bookkeeping() {
        let mut names = Names::default();
        names.bookkeeping(&["approved_digests"]);
        let rows = change_rows(
            Some(r#"{"status":"submitted","version":3}"#),
            Some(
                r#"{"status":"approved","reason":null,"approved_digests":[[1,2,"202612","ab"]],
                   "changes":[{"indicator":"RETAIL_SALES","old":5580.1,"new":5736}],
                   "object":{"template":"T","unit":"40"}}"#,
            ),
            &names,
            Lang::En,
        );
        let got: Vec<(&str, &str, &str)> = rows
            .iter()
            .map(|r| (r.field.as_str(), r.before.as_str(), r.after.as_str()))
            .collect();
        let (submitted, approved) = (
            i18n::t(Lang::En, "reporting.status_submitted"),
            i18n::t(Lang::En, "reporting.status_approved"),
        );
        let status = i18n::t(Lang::En, "audit_page.field_status");
        assert!(
            got.contains(&("RETAIL_SALES", "5,580.1", "5,736")),
            "{got:?}"
        );
        assert!(
            got.contains(&(status.as_str(), submitted.as_str(), approved.as_str())),
            "{got:?}"
        );
        assert_eq!(
            got.len(),
            2,
            "no version, reason, digests or object: {got:?}"
        );
    }

    #[test]
    fn long_records_are_counted_not_shown() {
        let keys: Vec<_> = (0..40)
            .map(|i| serde_json::json!(["T", i, "202612"]))
            .collect();
        let after = serde_json::json!({"reports": 40, "keys": keys}).to_string();
        let rows = change_rows(None, Some(&after), &Names::default(), Lang::Vi);
        let keys_row = rows.iter().find(|r| r.field == "keys").unwrap();
        let counted = i18n::t_args(Lang::Vi, "audit_page.long_value", &[("n", "40".into())]);
        assert_eq!(keys_row.after, counted);
        assert_eq!(keys_row.before, "—");
    }
}
