//! The extractors every handler reads its input with: [`Query`], [`Json`], [`Path`], [`Multipart`]
//! (and the form of [`super::CsrfForm`]). They differ from axum's in two ways:
//!
//! - **Control characters are refused at the edge**: no text a client sends (a query parameter,
//!   a form field, a JSON string or key, a path segment, a multipart field) may hold a C0
//!   control character other than TAB, LF and CR, nor DEL, nor a C1 control character
//!   (U+0080–U+009F). Such input is a 422 `text_control_char` naming the field; nothing reaches
//!   a handler, the database or a page. (Rust strings cannot hold lone surrogates, and `\ud800`
//!   escapes in JSON are already refused by the JSON parser.)
//! - **Every rejection uses the error envelope** (an HTML error page on pages): a value of the
//!   wrong type (422 `param_invalid`), a missing field (422 `param_missing`), a
//!   repeated query or form parameter (422 `param_repeated`), a body that is not JSON or JSON of
//!   another shape (400 `json_invalid`, naming the field when there is one), a body over the
//!   route's limit (413 `payload_too_large`, naming the limit: see [`super::limits`]).
//!
//! In a query string, an empty value counts as absent (`?format=` is no `format`).

use std::collections::HashSet;

use axum::extract::{FromRequest, FromRequestParts, OptionalFromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{AppError, Problem};

/// Is `c` a control character refused in text input? C0 except TAB, LF and CR (multi-line text
/// such as explanations and comments is legitimate), DEL, and C1.
pub fn is_refused_char(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{7f}'..='\u{9f}')
}

/// The first refused character of `s`, if any.
pub fn refused_char(s: &str) -> Option<char> {
    s.chars().find(|c| is_refused_char(*c))
}

/// The problem for a refused character in `field`.
pub fn control_char_problem(field: &str, c: char) -> Problem {
    let field = printable(field);
    Problem::new("text_control_char")
        .field(field.clone())
        .arg("field", field)
        .arg("char", format!("U+{:04X}", c as u32))
}

/// Check one text value.
pub fn check_text(field: &str, s: &str) -> Result<(), Problem> {
    match refused_char(s) {
        Some(c) => Err(control_char_problem(field, c)),
        None => Ok(()),
    }
}

/// A field name fit to echo back: refused characters shown as `\u{..}` escapes.
fn printable(s: &str) -> String {
    if refused_char(s).is_none() {
        return s.to_owned();
    }
    s.chars()
        .map(|c| {
            if is_refused_char(c) {
                format!("\\u{{{:x}}}", c as u32)
            } else {
                c.to_string()
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// URL-encoded input: query strings and forms

/// Decode `raw` into pairs, refusing control characters (in names and values) and repeated names.
fn checked_pairs(raw: &[u8]) -> Result<Vec<(String, String)>, AppError> {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(raw).into_owned().collect();
    let mut problems = Vec::new();
    let mut seen = HashSet::new();
    for (k, v) in &pairs {
        if let Some(c) = refused_char(k).or_else(|| refused_char(v)) {
            problems.push(control_char_problem(k, c));
        } else if !seen.insert(k.as_str()) {
            problems.push(
                Problem::new("param_repeated")
                    .field(k.clone())
                    .arg("field", k),
            );
        }
    }
    if problems.is_empty() {
        Ok(pairs)
    } else {
        Err(AppError::many(StatusCode::UNPROCESSABLE_ENTITY, problems))
    }
}

/// Deserialize checked pairs into `T`; a failure names the field.
fn from_pairs<T: DeserializeOwned>(pairs: &[(String, String)]) -> Result<T, AppError> {
    let encoded = serde_urlencoded::to_string(pairs).map_err(AppError::internal)?;
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(encoded.as_bytes()));
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let message = e.inner().to_string();
        let problem = if let Some(name) = missing_field(&message) {
            Problem::new("param_missing")
                .field(name.clone())
                .arg("field", name)
        } else {
            let field = if path == "." { String::new() } else { path };
            let value = pairs
                .iter()
                .find(|(k, _)| *k == field)
                .map(|(_, v)| v.chars().take(80).collect::<String>())
                .unwrap_or_default();
            let p = Problem::new("param_invalid")
                .arg("value", value)
                .arg("field", &field);
            if field.is_empty() { p } else { p.field(field) }
        };
        AppError::invalid(problem)
    })
}

/// The field named by serde's "missing field `x`" message.
fn missing_field(message: &str) -> Option<String> {
    let rest = message.strip_prefix("missing field `")?;
    Some(rest.split('`').next().unwrap_or("").to_owned())
}

/// Parse a query string into `T`: control characters and repeated parameters refused, empty
/// values dropped (an empty value counts as absent).
pub fn parse_query<T: DeserializeOwned>(raw: &str) -> Result<T, AppError> {
    let mut pairs = checked_pairs(raw.as_bytes())?;
    pairs.retain(|(_, v)| !v.trim().is_empty());
    from_pairs(&pairs)
}

/// Parse a URL-encoded form body into `T`: control characters and repeated fields refused
/// (empty values are kept: an empty required field is the handler's to name).
pub fn parse_form<T: DeserializeOwned>(raw: &[u8]) -> Result<T, AppError> {
    let pairs = checked_pairs(raw)?;
    from_pairs(&pairs)
}

/// The query string, parsed strictly (see [`parse_query`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parse_query(parts.uri.query().unwrap_or("")).map(Query)
    }
}

// ---------------------------------------------------------------------------------------------
// Path segments

/// Path parameters: control characters refused (422); a segment that does not parse as its type
/// names no resource (404).
#[derive(Debug, Clone, Copy, Default)]
pub struct Path<T>(pub T);

async fn check_path<S: Send + Sync>(parts: &mut Parts, state: &S) -> Result<bool, AppError> {
    match axum::extract::RawPathParams::from_request_parts(parts, state).await {
        Ok(params) => {
            let problems: Vec<Problem> = params
                .iter()
                .filter_map(|(k, v)| check_text(k, v).err())
                .collect();
            if problems.is_empty() {
                Ok(true)
            } else {
                Err(AppError::many(StatusCode::UNPROCESSABLE_ENTITY, problems))
            }
        }
        Err(axum::extract::rejection::RawPathParamsRejection::InvalidUtf8InPathParam(e)) => {
            Err(AppError::invalid(
                Problem::new("param_invalid")
                    .arg("field", "")
                    .arg("value", e.body_text()),
            ))
        }
        Err(_) => Ok(false),
    }
}

fn path_rejection(e: axum::extract::rejection::PathRejection) -> AppError {
    if e.status().is_server_error() {
        AppError::internal(e.body_text())
    } else {
        AppError::not_found()
    }
}

impl<S: Send + Sync, T: DeserializeOwned + Send + 'static> FromRequestParts<S> for Path<T> {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        check_path(parts, state).await?;
        <axum::extract::Path<T> as FromRequestParts<S>>::from_request_parts(parts, state)
            .await
            .map(|p| Path(p.0))
            .map_err(path_rejection)
    }
}

impl<S: Send + Sync, T: DeserializeOwned + Send + 'static> OptionalFromRequestParts<S> for Path<T> {
    type Rejection = AppError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        check_path(parts, state).await?;
        <axum::extract::Path<T> as OptionalFromRequestParts<S>>::from_request_parts(parts, state)
            .await
            .map(|p| p.map(|p| Path(p.0)))
            .map_err(path_rejection)
    }
}

// ---------------------------------------------------------------------------------------------
// JSON

/// A JSON body (any `Content-Type`, as before): control characters in any string or key refused
/// (422 naming its path); a body that is not JSON, or JSON of the wrong shape, a 400
/// `json_invalid` naming the field when there is one. As a response, plain `application/json`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

/// The route's body limit, as the limits middleware recorded it.
fn limit_of(req: &Request) -> usize {
    req.extensions()
        .get::<super::limits::BodyLimit>()
        .map_or(super::limits::DEFAULT_LIMIT, |l| l.0)
}

/// The rejection of a body that could not be read: over the route's `limit` (413
/// `payload_too_large`, naming it), or broken off.
pub fn body_rejection(e: axum::extract::rejection::BytesRejection, limit: usize) -> AppError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        super::limits::too_large(limit)
    } else {
        AppError::bad_request(Problem::new("form_invalid").arg("reason", e.body_text()))
    }
}

/// A raw body (a file whose format's reader checks its content), read within the route's limit;
/// its rejections use the envelope.
#[derive(Debug, Clone, Default)]
pub struct Bytes(pub axum::body::Bytes);

impl<S: Send + Sync> FromRequest<S> for Bytes {
    type Rejection = AppError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let limit = limit_of(&req);
        axum::body::Bytes::from_request(req, state)
            .await
            .map(Bytes)
            .map_err(|e| body_rejection(e, limit))
    }
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Json<T> {
    type Rejection = AppError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let limit = limit_of(&req);
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| body_rejection(e, limit))?;
        parse_json(&bytes).map(Json)
    }
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// At most this many control-character problems are listed for one body.
const MAX_LISTED: usize = 20;

/// Parse a JSON body into `T` with the checks of [`Json`] (for handlers that read the body
/// themselves, e.g. to choose between JSON and CSV).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    if json_may_hold_control(bytes)
        && let Ok(v) = serde_json::from_slice::<serde_json::Value>(bytes)
    {
        let mut problems = Vec::new();
        walk_json(&v, &mut String::new(), &mut problems);
        if !problems.is_empty() {
            return Err(AppError::many(StatusCode::UNPROCESSABLE_ENTITY, problems));
        }
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        json_error(&inner, &path)
    })?;
    de.end().map_err(|e| json_error(&e, "."))?;
    Ok(value)
}

/// Not JSON, or JSON of another shape: 400 `json_invalid` (as before), naming the field at fault
/// when there is one (`values[2].value`).
fn json_error(e: &serde_json::Error, path: &str) -> AppError {
    let problem = Problem::new("json_invalid").arg("reason", e);
    AppError::bad_request(if e.is_data() && path != "." {
        problem.field(path)
    } else {
        problem
    })
}

/// A fast scan of the raw bytes: could this JSON hold a refused character in a string? (A raw
/// DEL or C1 character, or an escape of one: `\u0000`, `\b`, `\f`, ….) Only then is the body
/// walked to name the fields, so clean bodies cost one pass over their bytes.
fn json_may_hold_control(bytes: &[u8]) -> bool {
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            0x00..=0x08 | 0x0b | 0x0c | 0x0e..=0x1f | 0x7f => return true,
            0xc2 if matches!(bytes.get(i + 1), Some(0x80..=0x9f)) => return true,
            b'\\' => match bytes.get(i + 1) {
                Some(b'b' | b'f') => return true,
                Some(b'u') => {
                    let hex = bytes
                        .get(i + 2..i + 6)
                        .and_then(|h| std::str::from_utf8(h).ok())
                        .and_then(|h| u32::from_str_radix(h, 16).ok());
                    if hex.and_then(char::from_u32).is_some_and(is_refused_char) {
                        return true;
                    }
                    i += 6;
                    continue;
                }
                _ => {
                    i += 2;
                    continue;
                }
            },
            _ => {}
        }
        i += 1;
    }
    false
}

fn walk_json(v: &serde_json::Value, path: &mut String, problems: &mut Vec<Problem>) {
    if problems.len() >= MAX_LISTED {
        return;
    }
    match v {
        serde_json::Value::String(s) => {
            if let Some(c) = refused_char(s) {
                let field = if path.is_empty() { "." } else { path.as_str() };
                problems.push(control_char_problem(field, c));
            }
        }
        serde_json::Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                walk_json(item, path, problems);
                path.truncate(len);
            }
        }
        serde_json::Value::Object(map) => {
            for (k, item) in map {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(k);
                if let Some(c) = refused_char(k) {
                    problems.push(control_char_problem(path, c));
                } else {
                    walk_json(item, path, problems);
                }
                path.truncate(len);
            }
        }
        _ => {}
    }
}

// ---------------------------------------------------------------------------------------------
// Multipart

/// A multipart form whose rejections use the envelope and whose text fields (and field and file
/// names) refuse control characters. File contents are left to their format's reader.
pub struct Multipart {
    inner: axum::extract::Multipart,
    /// The route's body limit, named when the form passes it.
    limit: usize,
}

fn multipart_error(e: axum::extract::multipart::MultipartError, limit: usize) -> AppError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        super::limits::too_large(limit)
    } else {
        AppError::bad_request(Problem::new("form_invalid").arg("reason", e.body_text()))
    }
}

impl<S: Send + Sync> FromRequest<S> for Multipart {
    type Rejection = AppError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let limit = limit_of(&req);
        axum::extract::Multipart::from_request(req, state)
            .await
            .map(|inner| Multipart { inner, limit })
            .map_err(|e| {
                AppError::bad_request(Problem::new("form_invalid").arg("reason", e.body_text()))
            })
    }
}

impl Multipart {
    /// The next field; its name and file name are checked.
    pub async fn next_field(&mut self) -> Result<Option<Field<'_>>, AppError> {
        let limit = self.limit;
        let Some(field) = self
            .inner
            .next_field()
            .await
            .map_err(|e| multipart_error(e, limit))?
        else {
            return Ok(None);
        };
        let name = field.name().unwrap_or("").to_owned();
        check_text(&name, &name).map_err(AppError::invalid)?;
        if let Some(file) = field.file_name() {
            check_text(&name, file).map_err(AppError::invalid)?;
        }
        Ok(Some(Field {
            name,
            inner: field,
            limit,
        }))
    }
}

/// One field of a [`Multipart`] form.
pub struct Field<'a> {
    name: String,
    inner: axum::extract::multipart::Field<'a>,
    limit: usize,
}

impl Field<'_> {
    pub fn name(&self) -> Option<&str> {
        Some(self.name.as_str())
    }
    pub fn file_name(&self) -> Option<&str> {
        self.inner.file_name()
    }
    /// The field as text, control characters refused.
    pub async fn text(self) -> Result<String, AppError> {
        let name = self.name;
        let limit = self.limit;
        let text = self
            .inner
            .text()
            .await
            .map_err(|e| multipart_error(e, limit))?;
        check_text(&name, &text).map_err(AppError::invalid)?;
        Ok(text)
    }
    /// The field's bytes (a file: its reader checks its content).
    pub async fn bytes(self) -> Result<axum::body::Bytes, AppError> {
        let limit = self.limit;
        self.inner
            .bytes()
            .await
            .map_err(|e| multipart_error(e, limit))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[derive(serde::Deserialize, Debug)]
    struct Q {
        year: Option<i32>,
        dry_run: Option<bool>,
        format: Option<String>,
    }

    fn code(e: &AppError) -> &'static str {
        e.first_code()
    }

    #[test]
    fn the_refused_set() {
        for c in [
            '\0', '\u{1}', '\u{8}', '\u{b}', '\u{c}', '\u{1b}', '\u{7f}', '\u{85}', '\u{9f}',
        ] {
            assert!(is_refused_char(c), "{c:?}");
        }
        for c in ['\t', '\n', '\r', ' ', 'a', 'ệ', '\u{a0}', '\u{2028}'] {
            assert!(!is_refused_char(c), "{c:?}");
        }
    }

    #[test]
    fn query_types_repeats_and_empties() {
        let q: Q = parse_query("year=2025&dry_run=true&format=").unwrap();
        assert_eq!(
            (q.year, q.dry_run, q.format),
            (Some(2025), Some(true), None)
        );
        let e = parse_query::<Q>("year=abc").unwrap_err();
        assert_eq!(
            (e.status, code(&e)),
            (StatusCode::UNPROCESSABLE_ENTITY, "param_invalid")
        );
        assert_eq!(e.problems[0].field.as_deref(), Some("year"));
        let e = parse_query::<Q>("dry_run=yes").unwrap_err();
        assert_eq!(e.problems[0].field.as_deref(), Some("dry_run"));
        let e = parse_query::<Q>("year=1&year=2").unwrap_err();
        assert_eq!(code(&e), "param_repeated");
        let e = parse_query::<Q>("format=a%00b").unwrap_err();
        assert_eq!(code(&e), "text_control_char");
        assert_eq!(e.problems[0].field.as_deref(), Some("format"));
        let e = parse_query::<HashMap<String, String>>("a%1Bb=1").unwrap_err();
        assert_eq!(e.problems[0].field.as_deref(), Some("a\\u{1b}b"));
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct R {
            indicator: String,
        }
        let e = parse_query::<R>("").unwrap_err();
        assert_eq!(code(&e), "param_missing");
        assert_eq!(e.problems[0].field.as_deref(), Some("indicator"));
    }

    #[test]
    fn forms_keep_empty_values() {
        let m: HashMap<String, String> = parse_form(b"a=&b=x%0D%0Ay%09").unwrap();
        assert_eq!(m["a"], "");
        assert_eq!(m["b"], "x\r\ny\t");
        let e = parse_form::<HashMap<String, String>>(b"b=%C2%85").unwrap_err();
        assert_eq!(code(&e), "text_control_char");
    }

    #[test]
    fn json_control_characters_are_named_by_path() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct B {
            values: Vec<serde_json::Value>,
        }
        let e =
            parse_json::<B>(br#"{"values":[{"x":"ok"},{"explanation":"a\u0000b"}]}"#).unwrap_err();
        assert_eq!(
            (e.status, code(&e)),
            (StatusCode::UNPROCESSABLE_ENTITY, "text_control_char")
        );
        assert_eq!(
            e.problems[0].field.as_deref(),
            Some("values[1].explanation")
        );
        for body in [
            r#"{"values":["\u007f"]}"#,
            r#"{"values":["\b"]}"#,
            "{\"values\":[\"\u{85}\"]}",
            "{\"values\":[\"\u{7f}\"]}",
            r#"{"values":[{"k\u001f":1}]}"#,
        ] {
            let e = parse_json::<B>(body.as_bytes()).unwrap_err();
            assert_eq!(code(&e), "text_control_char", "{body}");
        }
        // An escaped backslash before `u0000` is text, not an escape; TAB/LF/CR are fine.
        parse_json::<B>(br#"{"values":["\\u0000", "a\tb\nc\r"]}"#).unwrap();
        let e = parse_json::<B>(b"{\"values\": 1}").unwrap_err();
        assert_eq!(
            (e.status, code(&e)),
            (StatusCode::BAD_REQUEST, "json_invalid")
        );
        assert_eq!(e.problems[0].field.as_deref(), Some("values"));
        let e = parse_json::<B>(b"{\"values\": [").unwrap_err();
        assert_eq!(
            (e.status, code(&e)),
            (StatusCode::BAD_REQUEST, "json_invalid")
        );
        let e = parse_json::<B>(b"{\"values\": []} x").unwrap_err();
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
    }
}
