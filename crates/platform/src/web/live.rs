//! `GET /api/v1/live`: the live updates of this node as server-sent events (see
//! [`crate::live`]). `?topics=data,sites` chooses topics (all when absent); a browser that
//! reconnects sends `Last-Event-ID` and receives what it missed, in order, each event once. Event
//! data is public (what changed, never a value), so anyone may listen; what a page then fetches is
//! access-controlled as usual.
//!
//! Not in the OpenAPI document: a stream that never ends is not a request/response operation
//! (contract testers would wait on it for ever). Documented in docs/API-DESIGN.md.

use std::collections::BTreeSet;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;

use super::{AppState, Query};
use crate::error::{AppError, AppResult, Problem};

/// The most topics one stream may follow.
pub const MAX_TOPICS: usize = 16;
/// The most open streams on one node; beyond, new ones are refused (503, retry later).
pub const MAX_STREAMS: usize = 10_000;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/live", get(live))
}

#[derive(Debug, Deserialize)]
struct LiveParams {
    topics: Option<String>,
    /// For clients that cannot set `Last-Event-ID` on their first request.
    last_event_id: Option<String>,
}

/// A topic: lower-case letters, digits, `.`, `_`, `-`; 1 to 64 characters.
fn topic_ok(t: &str) -> bool {
    (1..=64).contains(&t.len())
        && t.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
}

fn topics(raw: Option<&str>) -> AppResult<BTreeSet<String>> {
    let mut out = BTreeSet::new();
    for t in raw
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        if !topic_ok(t) {
            return Err(AppError::invalid(
                Problem::new("topic_invalid")
                    .field("topics")
                    .arg("value", t),
            ));
        }
        out.insert(t.to_owned());
        if out.len() > MAX_TOPICS {
            return Err(AppError::invalid(
                Problem::new("too_many_topics")
                    .field("topics")
                    .arg("max", MAX_TOPICS),
            ));
        }
    }
    Ok(out)
}

fn last_event_id(headers: &HeaderMap, query: Option<&str>) -> AppResult<Option<i64>> {
    let raw = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .or(query)
        .map(str::trim)
        .filter(|s| !s.is_empty());
    match raw {
        None => Ok(None),
        Some(s) => s
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .map(Some)
            .ok_or_else(|| {
                AppError::invalid(
                    Problem::new("last_event_id_invalid")
                        .field("last_event_id")
                        .arg("value", s),
                )
            }),
    }
}

async fn live(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(p): Query<LiveParams>,
) -> AppResult<Response> {
    let topics = topics(p.topics.as_deref())?;
    let last = last_event_id(&headers, p.last_event_id.as_deref())?;
    if state.live.open_subscriptions() >= MAX_STREAMS {
        return Err(AppError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            Problem::new("too_many_streams"),
        ));
    }
    let mut res = state.live.sse(topics, last).into_response();
    // Proxies (nginx) must pass events on as they come, not buffer them.
    res.headers_mut().insert(
        "x-accel-buffering",
        axum::http::HeaderValue::from_static("no"),
    );
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_are_checked_and_bounded() {
        assert_eq!(topics(None).unwrap().len(), 0);
        assert_eq!(topics(Some("data, sites,data")).unwrap().len(), 2);
        assert!(topics(Some("Data")).is_err());
        assert!(topics(Some("da\u{7}ta")).is_err());
        let many: Vec<String> = (0..=MAX_TOPICS).map(|i| format!("t{i}")).collect();
        assert!(topics(Some(&many.join(","))).is_err());
    }

    #[test]
    fn last_event_id_comes_from_the_header_first() {
        let mut h = HeaderMap::new();
        assert_eq!(last_event_id(&h, Some("7")).unwrap(), Some(7));
        h.insert("last-event-id", "12".parse().unwrap());
        assert_eq!(last_event_id(&h, Some("7")).unwrap(), Some(12));
        h.insert("last-event-id", "-1".parse().unwrap());
        assert!(last_event_id(&h, None).is_err());
    }
}
