//! `/api/docs`: the API reference a person reads, server-rendered from the OpenAPI document (works
//! offline). The page's own text (authentication, conventions, the SDMX and DHIS2 interfaces) is
//! in the catalogue's `[api_docs]` section; the operations' text is the document's English,
//! shown in Vietnamese from `locales/openapi.vi.toml` (by operation id) where it has a
//! translation. Descriptions are Markdown-lite — paragraphs and `code` spans — escaped first.

use std::collections::HashMap;
use std::sync::LazyLock;

use axum::extract::State;
use axum::response::Response;

use super::{AppState, Ctx};
use crate::error::AppError;
use crate::i18n::Lang;

/// The Vietnamese text of the OpenAPI document's operations, by operation id.
const VI_SOURCE: &str = include_str!("../../../../locales/openapi.vi.toml");

/// `op.summary`, `op.description`, `op.params.NAME`, `op.responses.STATUS`, and the shared
/// `responses.STATUS` (the statuses every operation has: 400, 401, 413, 422).
static VI: LazyLock<HashMap<String, String>> =
    LazyLock::new(|| crate::i18n::flatten(VI_SOURCE).expect("locales/openapi.vi.toml is valid"));

/// The Vietnamese text of an operation's `key` (`summary`, `params.level`…), if translated.
pub fn vi_text(operation_id: &str, key: &str) -> Option<&'static str> {
    VI.get(&format!("{operation_id}.{key}")).map(String::as_str)
}

/// The text to show: the translation in Vietnamese where there is one, else the document's.
fn text(lang: Lang, operation_id: &str, key: &str, english: &str) -> String {
    match lang {
        Lang::Vi => vi_text(operation_id, key).unwrap_or(english).to_owned(),
        Lang::En => english.to_owned(),
    }
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// One line of Markdown-lite as HTML: escaped, `code` spans as `<code>`. A backtick without its
/// pair stays as written.
fn inline(s: &str) -> String {
    let parts: Vec<&str> = s.split('`').collect();
    // Text, code, text, code…; after an odd number of backticks the last one has no pair.
    let paired = if parts.len() % 2 == 1 {
        parts.len()
    } else {
        parts.len() - 1
    };
    let mut out = String::new();
    for (i, part) in parts.iter().enumerate() {
        if i >= paired {
            out.push('`');
            out.push_str(&escape(part));
        } else if i % 2 == 1 {
            out.push_str("<code>");
            out.push_str(&escape(part));
            out.push_str("</code>");
        } else {
            out.push_str(&escape(part));
        }
    }
    out
}

/// Markdown-lite as HTML: paragraphs (split at blank lines; single line breaks are spaces) of
/// [`inline`] text, each in `<p>`.
pub fn markdown_lite(s: &str) -> String {
    s.split("\n\n")
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .map(|p| format!("<p>{}</p>", inline(&p)))
        .collect()
}

/// Markdown-lite for a table cell or a heading: paragraphs joined with a line break, no `<p>`.
pub fn markdown_inline(s: &str) -> String {
    s.split("\n\n")
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .map(|p| inline(&p))
        .collect::<Vec<_>>()
        .join("<br>")
}

/// One parameter of an operation (description as HTML).
pub struct DocParam {
    pub name: String,
    pub location: String,
    pub required: bool,
    pub description: String,
}

/// One operation of the OpenAPI document, for the page (texts as HTML).
pub struct DocOp {
    pub id: String,
    pub method: String,
    pub path: String,
    pub summary: String,
    pub description: String,
    /// Answers callers without credentials too (public data).
    pub public: bool,
    pub params: Vec<DocParam>,
    pub responses: Vec<(String, String)>,
}

/// A security scheme of the document: name, what it is (as the document says).
pub struct DocScheme {
    pub name: String,
    pub kind: String,
    pub description: String,
}

#[derive(askama::Template)]
#[template(path = "api_docs.html")]
struct ApiDocsPage {
    ctx: Ctx,
    title: String,
    version: String,
    schemes: Vec<DocScheme>,
    ops: Vec<DocOp>,
}

impl ApiDocsPage {
    /// A catalogue text of the page as HTML (Markdown-lite: the texts name paths and headers).
    fn md(&self, key: &str) -> String {
        markdown_lite(&self.ctx.t(key))
    }
}

/// The operations of an OpenAPI document in the reader's language.
pub fn operations(doc: &serde_json::Value, lang: Lang) -> Vec<DocOp> {
    let mut ops = Vec::new();
    let Some(paths) = doc["paths"].as_object() else {
        return ops;
    };
    for (path, item) in paths {
        let Some(item) = item.as_object() else {
            continue;
        };
        for (method, op) in item {
            let id = op["operationId"].as_str().unwrap_or_default().to_owned();
            let params = op["parameters"]
                .as_array()
                .map(|ps| {
                    ps.iter()
                        .map(|p| {
                            let name = p["name"].as_str().unwrap_or_default();
                            let english = p["description"].as_str().unwrap_or_default();
                            DocParam {
                                name: name.to_owned(),
                                location: p["in"].as_str().unwrap_or_default().to_owned(),
                                required: p["required"].as_bool().unwrap_or(false),
                                description: markdown_inline(&text(
                                    lang,
                                    &id,
                                    &format!("params.{name}"),
                                    english,
                                )),
                            }
                        })
                        .collect()
                })
                .unwrap_or_default();
            let responses = op["responses"]
                .as_object()
                .map(|rs| {
                    rs.iter()
                        .map(|(code, r)| {
                            let english = r["description"].as_str().unwrap_or_default();
                            let shown = match lang {
                                Lang::Vi => vi_text(&id, &format!("responses.{code}"))
                                    .or_else(|| {
                                        VI.get(&format!("responses.{code}")).map(String::as_str)
                                    })
                                    .unwrap_or(english),
                                Lang::En => english,
                            };
                            (code.clone(), markdown_inline(shown))
                        })
                        .collect()
                })
                .unwrap_or_default();
            let public = op["security"].as_array().is_some_and(|s| {
                s.iter()
                    .any(|r| r.as_object().is_some_and(|o| o.is_empty()))
            });
            ops.push(DocOp {
                method: method.to_uppercase(),
                path: path.clone(),
                summary: markdown_inline(&text(
                    lang,
                    &id,
                    "summary",
                    op["summary"].as_str().unwrap_or_default(),
                )),
                description: markdown_lite(&text(
                    lang,
                    &id,
                    "description",
                    op["description"].as_str().unwrap_or_default(),
                )),
                public,
                params,
                responses,
                id,
            });
        }
    }
    ops
}

/// A server-rendered reference of the API, built from the OpenAPI document (works offline).
pub async fn api_docs(State(s): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let doc = s.openapi.as_ref();
    let schemes = doc["components"]["securitySchemes"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(name, v)| DocScheme {
                    name: name.clone(),
                    kind: match (v["type"].as_str(), v["scheme"].as_str(), v["in"].as_str()) {
                        (Some("http"), Some(scheme), _) => format!("HTTP {scheme}"),
                        (Some("apiKey"), _, Some(place)) => {
                            format!("{place}: {}", v["name"].as_str().unwrap_or_default())
                        }
                        (t, _, _) => t.unwrap_or_default().to_owned(),
                    },
                    description: markdown_inline(&ctx.t(&format!("api_docs.scheme_{name}"))),
                })
                .collect()
        })
        .unwrap_or_default();
    super::render::render(ApiDocsPage {
        ops: operations(doc, ctx.lang),
        title: doc["info"]["title"].as_str().unwrap_or("egov").to_owned(),
        version: doc["info"]["version"].as_str().unwrap_or("").to_owned(),
        schemes,
        ctx,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_lite_is_escaped_code_spans_and_paragraphs() {
        assert_eq!(
            markdown_lite("Send `Authorization: Bearer <token>`\nto the API.\n\nA <b>second</b>."),
            "<p>Send <code>Authorization: Bearer &lt;token&gt;</code> to the API.</p>\
             <p>A &lt;b&gt;second&lt;/b&gt;.</p>"
        );
        assert_eq!(inline("a `b` c ` d"), "a <code>b</code> c ` d");
        assert_eq!(inline("`<script>`"), "<code>&lt;script&gt;</code>");
        assert_eq!(markdown_inline("one\n\ntwo"), "one<br>two");
    }
}
