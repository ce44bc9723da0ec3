//! The National Document Interconnection Axis (Trục liên thông văn bản quốc gia): official
//! documents (Decree 30/2020/NĐ-CP) exchanged between agencies as edXML packages
//! (QCVN 102:2016/BTTTT, amended 2022), with statuses flowing back to the sender.
//!
//! Built so far: the domain model (`model`), the edXML reader and writer (`edxml`), XML
//! signatures (`xmldsig`), the axis (`engine::axis`) and its transport API (`http`, agencies
//! authenticated by signed requests: `auth`, and their side of it: `client`).
#![forbid(unsafe_code)]

pub mod auth;
pub mod client;
pub mod edxml;
pub mod engine;
pub mod http;
pub mod model;
pub mod store;
pub mod xmldsig;

/// The routes of the documents crate: the axis's transport API and its administrator's page,
/// and the agency's document registers (`/documents/outgoing`, `/documents/incoming`).
pub fn router() -> axum::Router<platform::web::AppState> {
    http::api()
        .split_for_parts()
        .0
        .merge(http::pages())
        .merge(http::registers::router())
}

/// The OpenAPI entries of the transport API (the binary merges every crate's).
pub fn openapi() -> utoipa::openapi::OpenApi {
    http::api().into_openapi()
}

#[cfg(test)]
mod messages {
    fn is_code(s: &str) -> bool {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    }

    /// Every problem code the crate writes has a message in both languages (`documents.<code>`).
    #[test]
    fn every_problem_code_is_translated() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut codes = std::collections::BTreeSet::from(["required".to_owned()]);
        let mut stack = vec![root.join("src")];
        while let Some(dir) = stack.pop() {
            for e in std::fs::read_dir(&dir).unwrap().flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                    continue;
                }
                let text = std::fs::read_to_string(&p).unwrap();
                // The code is the last string literal of each `Problem::new(…)` call.
                for (i, _) in text.match_indices("Problem::new(") {
                    let args = &text[i + "Problem::new(".len()..];
                    let mut depth = 1;
                    let end = args
                        .char_indices()
                        .find(|&(_, c)| {
                            depth += match c {
                                '(' => 1,
                                ')' => -1,
                                _ => 0,
                            };
                            depth == 0
                        })
                        .map_or(args.len(), |(j, _)| j);
                    if let Some(code) = args[..end].split('"').skip(1).step_by(2).last()
                        && is_code(code)
                    {
                        codes.insert(code.to_owned());
                    }
                }
                for (i, _) in text
                    .match_indices("=> \"edxml_")
                    .chain(text.match_indices("=> \"signature_"))
                    .chain(text.match_indices("=> \"package_"))
                    .chain(text.match_indices("=> \"agency_"))
                {
                    let lit = text[i + 4..].split('"').next().unwrap_or_default();
                    if is_code(lit) && !lit.ends_with('_') {
                        codes.insert(lit.to_owned());
                    }
                }
            }
        }
        assert!(codes.len() > 15, "{codes:?}");
        for lang in ["vi", "en"] {
            let file = root.join(format!("../../locales/{lang}.toml"));
            let text = std::fs::read_to_string(&file).unwrap();
            let section = |name: &str| {
                text.split(&format!("\n[{name}]\n"))
                    .nth(1)
                    .unwrap_or_default()
                    .split("\n[")
                    .next()
                    .unwrap_or_default()
                    .to_owned()
            };
            // The crate's own codes in [documents]; the platform's (a stale form's
            // `csrf_failed`…) in [error].
            let (own, platform) = (section("documents"), section("error"));
            for c in &codes {
                let has = |s: &str| s.lines().any(|l| l.starts_with(&format!("{c} = ")));
                assert!(
                    has(&own) || has(&platform),
                    "locales/{lang}.toml [documents] has no {c}"
                );
            }
        }
    }
}
