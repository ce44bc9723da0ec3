//! Operational endpoints: health, readiness, Prometheus metrics, embedded static assets, the
//! OpenAPI document and its offline docs page.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Instant;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::AppState;
use super::extract::Path;
use crate::error::AppError;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/assets/{*file}", get(asset))
        .route("/api/v1/openapi.json", get(openapi_json))
        .route("/api/docs", get(super::api_docs::api_docs))
}

/// The process is up.
async fn healthz() -> &'static str {
    "ok"
}

/// The database answers and every migration is applied.
async fn readyz(State(s): State<AppState>) -> Response {
    match s.db.migration_status().await {
        Ok((applied, known)) if applied == known && known > 0 => (
            StatusCode::OK,
            format!("ready: {applied}/{known} migrations"),
        )
            .into_response(),
        Ok((applied, known)) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("not ready: {applied}/{known} migrations applied"),
        )
            .into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "not ready: database unreachable",
            )
                .into_response()
        }
    }
}

const BUCKETS_MS: [f64; 11] = [
    5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1000.0, 2500.0, 5000.0, 10000.0,
];

#[derive(Default)]
struct RouteStats {
    by_status: BTreeMap<u16, u64>,
    buckets: [u64; BUCKETS_MS.len()],
    count: u64,
    sum_ms: f64,
}

/// Request counters and latency histograms of this node (Prometheus scrapes each node).
#[derive(Default)]
pub struct Metrics {
    routes: Mutex<BTreeMap<(String, String), RouteStats>>,
}

impl Metrics {
    pub fn observe(&self, method: &str, route: &str, status: u16, ms: f64) {
        let mut m = self.routes.lock().unwrap_or_else(|e| e.into_inner());
        let s = m.entry((method.to_owned(), route.to_owned())).or_default();
        *s.by_status.entry(status).or_default() += 1;
        s.count += 1;
        s.sum_ms += ms;
        for (i, b) in BUCKETS_MS.iter().enumerate() {
            if ms <= *b {
                s.buckets[i] += 1;
            }
        }
    }

    fn render(&self, out: &mut String) {
        let m = self.routes.lock().unwrap_or_else(|e| e.into_inner());
        out.push_str("# HELP egov_http_requests_total HTTP requests by method, route and status.\n# TYPE egov_http_requests_total counter\n");
        for ((method, route), s) in m.iter() {
            for (status, n) in &s.by_status {
                let _ = writeln!(
                    out,
                    "egov_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {n}"
                );
            }
        }
        out.push_str("# HELP egov_http_request_duration_seconds HTTP request latency.\n# TYPE egov_http_request_duration_seconds histogram\n");
        for ((method, route), s) in m.iter() {
            let labels = format!("method=\"{method}\",route=\"{route}\"");
            for (i, b) in BUCKETS_MS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "egov_http_request_duration_seconds_bucket{{{labels},le=\"{}\"}} {}",
                    b / 1000.0,
                    s.buckets[i]
                );
            }
            let _ = writeln!(
                out,
                "egov_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                s.count
            );
            let _ = writeln!(
                out,
                "egov_http_request_duration_seconds_sum{{{labels}}} {}",
                s.sum_ms / 1000.0
            );
            let _ = writeln!(
                out,
                "egov_http_request_duration_seconds_count{{{labels}}} {}",
                s.count
            );
        }
    }
}

pub async fn track_metrics(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().to_string();
    let route = super::route_of(&req);
    let res = next.run(req).await;
    s.metrics.observe(
        &method,
        &route,
        res.status().as_u16(),
        start.elapsed().as_secs_f64() * 1000.0,
    );
    res
}

async fn metrics(State(s): State<AppState>) -> Result<Response, AppError> {
    let mut out = String::new();
    s.metrics.render(&mut out);
    let (size, idle) = s.db.pool_stats();
    let _ = writeln!(
        out,
        "# HELP egov_db_pool_connections Database pool connections.\n# TYPE egov_db_pool_connections gauge\n\
         egov_db_pool_connections{{state=\"open\"}} {size}\negov_db_pool_connections{{state=\"idle\"}} {idle}"
    );
    let (hits, misses) = s.cache.counts();
    let _ = writeln!(
        out,
        "# HELP egov_read_cache_total Read-cache lookups by result.\n# TYPE egov_read_cache_total counter\n\
         egov_read_cache_total{{result=\"hit\"}} {hits}\negov_read_cache_total{{result=\"miss\"}} {misses}\n\
         # HELP egov_live_streams Open live-update streams on this node.\n# TYPE egov_live_streams gauge\n\
         egov_live_streams {}",
        s.live.open_subscriptions()
    );
    out.push_str("# HELP egov_jobs Jobs in the queue by state.\n# TYPE egov_jobs gauge\n");
    for (state, n) in crate::jobs::counts(&s.db).await? {
        let _ = writeln!(out, "egov_jobs{{state=\"{state}\"}} {n}");
    }
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        out,
    )
        .into_response())
}

/// Static files compiled into the binary: nothing is fetched at run time.
pub fn asset_bytes(name: &str) -> Option<(&'static [u8], &'static str)> {
    Some(match name {
        "egov.css" => (
            include_bytes!("../../assets/egov.css").as_slice(),
            "text/css; charset=utf-8",
        ),
        "egov.js" => (
            include_bytes!("../../assets/egov.js").as_slice(),
            "text/javascript; charset=utf-8",
        ),
        "wall.js" => (
            include_bytes!("../../assets/wall.js").as_slice(),
            "text/javascript; charset=utf-8",
        ),
        "cabinet.js" => (
            include_bytes!("../../assets/cabinet.js").as_slice(),
            "text/javascript; charset=utf-8",
        ),
        "camera.js" => (
            include_bytes!("../../assets/camera.js").as_slice(),
            "text/javascript; charset=utf-8",
        ),
        "vendor/hls.light.min.js" => (
            include_bytes!("../../assets/vendor/hls.light.min.js").as_slice(),
            "text/javascript; charset=utf-8",
        ),
        "vendor/hls.LICENSE" => (
            include_bytes!("../../assets/vendor/hls.LICENSE").as_slice(),
            "text/plain; charset=utf-8",
        ),
        "wall.css" => (
            include_bytes!("../../assets/wall.css").as_slice(),
            "text/css; charset=utf-8",
        ),
        "vendor/htmx.min.js" => (
            include_bytes!("../../assets/vendor/htmx.min.js").as_slice(),
            "text/javascript; charset=utf-8",
        ),
        "vendor/echarts.min.js" => (
            include_bytes!("../../assets/vendor/echarts.min.js").as_slice(),
            "text/javascript; charset=utf-8",
        ),
        "vendor/htmx.LICENSE" => (
            include_bytes!("../../assets/vendor/htmx.LICENSE").as_slice(),
            "text/plain; charset=utf-8",
        ),
        "vendor/echarts.LICENSE" => (
            include_bytes!("../../assets/vendor/echarts.LICENSE").as_slice(),
            "text/plain; charset=utf-8",
        ),
        "vendor/echarts.NOTICE" => (
            include_bytes!("../../assets/vendor/echarts.NOTICE").as_slice(),
            "text/plain; charset=utf-8",
        ),
        "favicon.svg" => (
            include_bytes!("../../assets/favicon.svg").as_slice(),
            "image/svg+xml",
        ),
        _ => return None,
    })
}

async fn asset(Path(file): Path<String>) -> Response {
    match asset_bytes(&file) {
        Some((bytes, ct)) => (
            [
                (header::CONTENT_TYPE, ct),
                (header::CACHE_CONTROL, "public, max-age=3600"),
            ],
            bytes,
        )
            .into_response(),
        None => AppError::not_found().into_response(),
    }
}

async fn openapi_json(State(s): State<AppState>) -> Response {
    axum::Json(s.openapi.as_ref().clone()).into_response()
}
