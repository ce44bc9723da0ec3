//! The transport API (`/api/v1/axis/…`): the operations the public SDKs of the axis offer. Every
//! operation but the directory's list is a request signed by an agency (`super::auth`).

use axum::Extension;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use http_body_util::BodyExt;
use platform::error::ErrorItem;
use platform::files::{FileError, FileStore, Spooled};
use platform::i18n::{Lang, t_args};
use platform::web::{AppState, Ctx, Path, Query};
use serde::{Deserialize, Serialize};

use super::refusal::{Refusal, respond};
use super::{AxisConfig, auth};
use crate::edxml::{self, Body as PackageBody};
use crate::engine::axis::{self, Outcome};
use crate::model::agency::AgencyId;
use crate::model::problem::Problem;
use crate::store::agencies::{self, Agency};
use crate::store::packages::{self, DeliveryState, Pending, Sent, TraceEntry};

/// The most items of one page, and the default.
pub const MAX_PAGE: i64 = 100;
/// The largest body of a small request (registration, acknowledgement).
const SMALL_BODY: usize = 64 * 1024;

fn config(state: &AppState, ext: Option<Extension<AxisConfig>>) -> AxisConfig {
    ext.map(|e| e.0)
        .unwrap_or_else(|| AxisConfig::from_config(&state.config, state.files.clone()))
}

/// One problem of a refused package, its message in the request's language.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProblemView {
    /// The element at fault (`MessageHeader/To[2]/OrganId`), empty for the whole package.
    pub path: String,
    pub code: String,
    pub detail: String,
}

/// The axis's answer to a package: accepted (routed to `recipients`) or rejected (status 02,
/// with its problems, also as the error envelope's `errors`). `repeated`: the package had been
/// received before and this is the first answer again.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OutcomeView {
    /// `accepted` or `rejected`.
    pub outcome: &'static str,
    pub repeated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document_id: Option<String>,
    pub recipients: Vec<String>,
    /// `02` (rejected at receipt) for a rejection.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_code: Option<&'static str>,
    pub problems: Vec<ProblemView>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ErrorItem>,
}

pub(super) fn problem_view(p: &Problem, lang: Lang) -> ProblemView {
    let mut args: Vec<(&str, String)> = p
        .args
        .iter()
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    args.push(("path", p.path.clone()));
    ProblemView {
        path: p.path.clone(),
        code: p.code.clone(),
        detail: t_args(lang, &format!("documents.{}", p.code), &args),
    }
}

/// 201 for a package accepted now, 200 for the first answer repeated, 422 for a rejection.
fn outcome_response(outcome: Outcome, lang: Lang) -> Response {
    let (status, view) = match outcome {
        Outcome::Accepted {
            package_id,
            document_id,
            recipients,
            repeated,
        } => (
            if repeated {
                StatusCode::OK
            } else {
                StatusCode::CREATED
            },
            OutcomeView {
                outcome: "accepted",
                repeated,
                package_id: Some(package_id),
                document_id: Some(document_id),
                recipients,
                status_code: None,
                problems: Vec::new(),
                errors: Vec::new(),
            },
        ),
        Outcome::Rejected { problems, repeated } => {
            let problems: Vec<ProblemView> =
                problems.iter().map(|p| problem_view(p, lang)).collect();
            let errors = problems
                .iter()
                .map(|p| ErrorItem {
                    code: p.code.clone(),
                    detail: p.detail.clone(),
                    field: (!p.path.is_empty()).then(|| p.path.clone()),
                })
                .collect();
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                OutcomeView {
                    outcome: "rejected",
                    repeated,
                    package_id: None,
                    document_id: None,
                    recipients: Vec::new(),
                    status_code: Some("02"),
                    problems,
                    errors,
                },
            )
        }
    };
    (status, axum::Json(view)).into_response()
}

/// A reader over the chunks of a request body, for the blocking file store.
struct ChunkReader {
    rx: tokio::sync::mpsc::Receiver<std::io::Result<axum::body::Bytes>>,
    current: axum::body::Bytes,
}

impl std::io::Read for ChunkReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.current.is_empty() {
            match self.rx.blocking_recv() {
                Some(Ok(b)) => self.current = b,
                Some(Err(e)) => return Err(e),
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current[..n]);
        self.current = self.current.slice(n..);
        Ok(n)
    }
}

/// Stream the body into a temporary file of the file store (never whole in memory), at most
/// `max` bytes, hashing it: not kept yet ([`FileStore::keep`]), so a body refused on its digest
/// or kind never reaches the store.
async fn store_body(files: &FileStore, body: Body, max: u64) -> Result<Spooled, Refusal> {
    let (tx, rx) = tokio::sync::mpsc::channel(8);
    let files = files.clone();
    let put = tokio::task::spawn_blocking(move || {
        files.spool(
            &mut ChunkReader {
                rx,
                current: axum::body::Bytes::new(),
            },
            max,
        )
    });
    let mut body = body;
    while let Some(frame) = body.frame().await {
        let chunk = match frame {
            Ok(f) => match f.into_data() {
                Ok(d) => Ok(d),
                Err(_) => continue,
            },
            Err(e) => Err(std::io::Error::other(e.to_string())),
        };
        let failed = chunk.is_err();
        if tx.send(chunk).await.is_err() || failed {
            break;
        }
    }
    drop(tx);
    match put.await.map_err(platform::error::AppError::internal)? {
        Ok(s) => Ok(s),
        Err(FileError::TooLarge { max }) => Err(Refusal::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "package_too_large",
        )
        .arg("max", platform::web::limits::human(max as usize))),
        Err(e) => Err(platform::error::AppError::internal(e).into()),
    }
}

async fn receive(
    state: &AppState,
    cfg: &AxisConfig,
    req: Request,
    lang: Lang,
    status_only: bool,
) -> Result<Response, Refusal> {
    let (parts, body) = req.into_parts();
    let (agency, input) = auth::agency(&state.db, &parts).await?;
    let spooled = store_body(&cfg.files, body, cfg.max_package_bytes).await?;
    if hex::encode(&input.sha256) != spooled.key() {
        return Err(auth::refusal(&crate::auth::AuthError::DigestMismatch));
    }
    if status_only && !is_status(&spooled)? {
        return Err(Refusal::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "not_a_status",
        ));
    }
    let stored = cfg
        .files
        .keep(spooled)
        .await
        .map_err(platform::error::AppError::internal)?;
    let outcome = cfg.axis(state).accept(&agency, &stored).await?;
    Ok(outcome_response(outcome, lang))
}

/// Whether a received package is a status (one that cannot be read is left to the axis's checks,
/// which reject it with its reasons). It is read from the spooled file, hashed as it was written.
fn is_status(spooled: &Spooled) -> Result<bool, Refusal> {
    let file = std::fs::File::open(spooled.path()).map_err(platform::error::AppError::internal)?;
    Ok(
        match edxml::read(std::io::BufReader::new(file), &mut edxml::Discard) {
            Ok(p) => matches!(p.body, PackageBody::Status(_)),
            Err(_) => true,
        },
    )
}

/// Send a package (a document, or a status answering one) to the axis. The body is the signed
/// edXML package, streamed to the file store (at most 64 MiB, less if the axis is configured
/// so). The answer is the axis's outcome: 201 when accepted now, 200 with the first answer when
/// the package (the same bytes, or the same `DocumentId` again) had been received before, 422
/// with status 02 and its reasons when rejected (nothing is stored for it then).
#[utoipa::path(post, path = "/api/v1/axis/packages", tag = "axis", operation_id = "send_package",
    request_body(content = String, content_type = "application/xml",
                 description = "The edXML package, signed (XML Signature) by the sending agency"),
    responses((status = 201, description = "Accepted and routed", body = OutcomeView),
              (status = 200, description = "Received before: the first answer", body = OutcomeView),
              (status = 422, description = "Rejected at receipt (status 02), with its reasons", body = OutcomeView),
              (status = 403, description = "The agency is pending or suspended", body = platform::error::ErrorEnvelope)))]
pub async fn send_package(
    State(state): State<AppState>,
    ext: Option<Extension<AxisConfig>>,
    ctx: Ctx,
    req: Request,
) -> Response {
    let cfg = config(&state, ext);
    respond(ctx.lang, receive(&state, &cfg, req, ctx.lang, false).await)
}

/// Send a status package (01–06, 13, 15, 16) answering a document the caller received: the
/// same as sending a package, refused (422 `not_a_status`) when the package is a document.
#[utoipa::path(post, path = "/api/v1/axis/statuses", tag = "axis", operation_id = "send_status",
    request_body(content = String, content_type = "application/xml",
                 description = "The edXML status package, signed by the agency that sends it"),
    responses((status = 201, description = "Accepted and routed to the document's sender", body = OutcomeView),
              (status = 200, description = "Received before: the first answer", body = OutcomeView),
              (status = 422, description = "Rejected, or not a status", body = OutcomeView)))]
pub async fn send_status(
    State(state): State<AppState>,
    ext: Option<Extension<AxisConfig>>,
    ctx: Ctx,
    req: Request,
) -> Response {
    let cfg = config(&state, ext);
    respond(ctx.lang, receive(&state, &cfg, req, ctx.lang, true).await)
}

/// `?limit=&offset=` of a page.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Page size, 1–100 (default 100).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    pub limit: Option<String>,
    /// Items to skip (default 0).
    #[param(value_type = Option<i64>, minimum = 0)]
    pub offset: Option<String>,
}

fn page(p: &PageParams) -> Result<(i64, i64), Refusal> {
    let bad = |field: &str| {
        Refusal::new(StatusCode::UNPROCESSABLE_ENTITY, "page_invalid")
            .field(field)
            .arg("max", MAX_PAGE)
    };
    let limit = match p.limit.as_deref() {
        None => MAX_PAGE,
        Some(s) => s
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=MAX_PAGE).contains(n))
            .ok_or_else(|| bad("limit"))?,
    };
    let offset = match p.offset.as_deref() {
        None => 0,
        Some(s) => s
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .ok_or_else(|| bad("offset"))?,
    };
    Ok((limit, offset))
}

/// Paging of a collection.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PageMeta {
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PendingItem {
    pub package_id: i64,
    /// `document` or `status`.
    pub kind: String,
    pub document_id: String,
    pub sender_code: String,
    pub status_code: Option<String>,
    pub size: i64,
    /// When the axis accepted it (Unix milliseconds).
    pub received_at: i64,
}

impl From<Pending> for PendingItem {
    fn from(p: Pending) -> Self {
        PendingItem {
            package_id: p.package_id,
            kind: p.kind,
            document_id: p.document_id,
            sender_code: p.sender_code,
            status_code: p.status_code,
            size: p.size,
            received_at: p.received_at,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PendingList {
    pub items: Vec<PendingItem>,
    pub meta: PageMeta,
}

/// A signed request without a body (or a small one) by an active agency.
async fn signed(
    state: &AppState,
    req: Request,
) -> Result<(Agency, axum::http::request::Parts, Vec<u8>), Refusal> {
    let (parts, body) = req.into_parts();
    let (agency, input) = auth::agency(&state.db, &parts).await?;
    let body = auth::small_body(body, &input, SMALL_BODY).await?;
    Ok((agency, parts, body))
}

/// What waits for the caller (packages addressed to it, not yet acknowledged), oldest first.
#[utoipa::path(get, path = "/api/v1/axis/packages/pending", tag = "axis",
    operation_id = "list_pending_packages", params(PageParams),
    responses((status = 200, description = "A page of pending packages", body = PendingList)))]
pub async fn list_pending_packages(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<PageParams>,
    req: Request,
) -> Response {
    respond(
        ctx.lang,
        async {
            let (limit, offset) = page(&q)?;
            let (agency, _, _) = signed(&state, req).await?;
            let (items, total) =
                packages::pending_page(&state.db, &agency.code, limit, offset).await?;
            Ok(axum::Json(PendingList {
                items: items.into_iter().map(PendingItem::from).collect(),
                meta: PageMeta {
                    total,
                    limit,
                    offset,
                },
            })
            .into_response())
        }
        .await,
    )
}

/// The bytes of a package addressed to the caller, exactly as the sender signed them (checked
/// against their SHA-256 on the way out). Another agency's package is 404 `package_not_found`.
#[utoipa::path(get, path = "/api/v1/axis/packages/{id}", tag = "axis", operation_id = "get_package",
    params(("id" = i64, Path, description = "The package id")),
    responses((status = 200, description = "The edXML package", content_type = "application/xml", body = String),
              (status = 404, description = "No such package for the caller", body = platform::error::ErrorEnvelope)))]
pub async fn get_package(
    State(state): State<AppState>,
    ext: Option<Extension<AxisConfig>>,
    ctx: Ctx,
    Path(id): Path<i64>,
    req: Request,
) -> Response {
    let cfg = config(&state, ext);
    respond(
        ctx.lang,
        async {
            let (agency, _, _) = signed(&state, req).await?;
            // A temporary download when files are in S3: kept until the stream ends.
            let local = cfg.axis(&state).fetch(&agency, id).await?;
            let file = tokio::fs::File::open(local.path()).await.map_err(|e| {
                crate::engine::axis::AxisError::Files(platform::files::FileError::Io(e))
            })?;
            let size = file
                .metadata()
                .await
                .map_err(|e| {
                    crate::engine::axis::AxisError::Files(platform::files::FileError::Io(e))
                })?
                .len();
            Ok((
                [
                    (
                        header::CONTENT_TYPE,
                        "application/xml; charset=utf-8".to_owned(),
                    ),
                    (header::CONTENT_LENGTH, size.to_string()),
                ],
                Body::from_stream(file_chunks(file, local)),
            )
                .into_response())
        }
        .await,
    )
}

/// A file as a stream of 64 KiB chunks: a package goes out without being held in memory.
fn file_chunks(
    file: tokio::fs::File,
    keep: platform::files::LocalFile,
) -> impl futures_util::Stream<Item = std::io::Result<axum::body::Bytes>> + Send + 'static {
    futures_util::stream::try_unfold((file, keep), |(mut file, keep)| async move {
        use tokio::io::AsyncReadExt;
        let mut buf = vec![0u8; 64 * 1024];
        let n = file.read(&mut buf).await?;
        if n == 0 {
            return Ok(None);
        }
        buf.truncate(n);
        Ok(Some((axum::body::Bytes::from(buf), (file, keep))))
    })
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Acknowledged {
    pub package_id: i64,
    pub acknowledged: bool,
}

/// The caller has the package: the axis stops offering it, and the sender's trace shows it.
/// Acknowledging twice is not an error; another agency's package is 404 `package_not_found`.
#[utoipa::path(post, path = "/api/v1/axis/packages/{id}/ack", tag = "axis",
    operation_id = "acknowledge_package",
    params(("id" = i64, Path, description = "The package id")),
    responses((status = 200, description = "Acknowledged", body = Acknowledged),
              (status = 404, description = "No such package for the caller", body = platform::error::ErrorEnvelope)))]
pub async fn acknowledge_package(
    State(state): State<AppState>,
    ext: Option<Extension<AxisConfig>>,
    ctx: Ctx,
    Path(id): Path<i64>,
    req: Request,
) -> Response {
    let cfg = config(&state, ext);
    respond(
        ctx.lang,
        async {
            let (agency, _, _) = signed(&state, req).await?;
            cfg.axis(&state).acknowledge(&agency, id).await?;
            Ok(axum::Json(Acknowledged {
                package_id: id,
                acknowledged: true,
            })
            .into_response())
        }
        .await,
    )
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DeliveryView {
    pub recipient_code: String,
    /// `pending`, `acknowledged` or `expired`.
    pub state: String,
    pub acknowledged_at: Option<i64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TraceView {
    pub organ_code: String,
    /// `received`, `acknowledged`, `expired`.
    pub event: String,
    pub detail: Option<String>,
    pub at: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SentItem {
    pub package_id: i64,
    pub kind: String,
    pub document_id: String,
    pub status_code: Option<String>,
    pub size: i64,
    pub received_at: i64,
    pub deliveries: Vec<DeliveryView>,
    pub trace: Vec<TraceView>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SentList {
    pub items: Vec<SentItem>,
    pub meta: PageMeta,
}

fn sent_item(p: Sent, deliveries: Vec<DeliveryState>, trace: Vec<TraceEntry>) -> SentItem {
    SentItem {
        package_id: p.package_id,
        kind: p.kind,
        document_id: p.document_id,
        status_code: p.status_code,
        size: p.size,
        received_at: p.received_at,
        deliveries: deliveries
            .into_iter()
            .map(|d| DeliveryView {
                recipient_code: d.recipient_code,
                state: d.state,
                acknowledged_at: d.acknowledged_at,
            })
            .collect(),
        trace: trace
            .into_iter()
            .map(|t| TraceView {
                organ_code: t.organ_code,
                event: t.event,
                detail: t.detail,
                at: t.at,
            })
            .collect(),
    }
}

/// What the caller sent, newest first, each with where it stands at each recipient and its
/// trace (every hop: received, acknowledged, expired).
#[utoipa::path(get, path = "/api/v1/axis/packages/sent", tag = "axis",
    operation_id = "list_sent_packages", params(PageParams),
    responses((status = 200, description = "A page of sent packages with their traces", body = SentList)))]
pub async fn list_sent_packages(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<PageParams>,
    req: Request,
) -> Response {
    respond(
        ctx.lang,
        async {
            let (limit, offset) = page(&q)?;
            let (agency, _, _) = signed(&state, req).await?;
            let (sent, total) = packages::sent_page(&state.db, &agency.code, limit, offset).await?;
            let mut items = Vec::with_capacity(sent.len());
            for p in sent {
                let d = packages::deliveries(&state.db, p.package_id).await?;
                let t = packages::traces(&state.db, p.package_id).await?;
                items.push(sent_item(p, d, t));
            }
            Ok(axum::Json(SentList {
                items,
                meta: PageMeta {
                    total,
                    limit,
                    offset,
                },
            })
            .into_response())
        }
        .await,
    )
}

/// A connected agency as the directory shows it (nothing private: no certificate, no endpoint).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AgencyView {
    /// Decision 20/2020 form (`G22`).
    pub code: String,
    /// QCVN 102 form (`000.00.00.G22`), where the levels fit it.
    pub qcvn_code: Option<String>,
    pub name: String,
    /// `pending`, `active` or `suspended`.
    pub state: &'static str,
}

impl From<Agency> for AgencyView {
    fn from(a: Agency) -> Self {
        AgencyView {
            code: a.code,
            qcvn_code: a.qcvn_code,
            name: a.name,
            state: a.state.as_str(),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AxisAgencyList {
    pub items: Vec<AgencyView>,
    pub meta: AxisAgencyMeta,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AxisAgencyMeta {
    pub total: usize,
}

/// The axis directory: every agency with its identifier in both forms, its name and state.
/// Public (it is what a sender addresses packages to).
#[utoipa::path(get, path = "/api/v1/axis/agencies", tag = "axis", operation_id = "list_axis_agencies",
    responses((status = 200, description = "The directory", body = AxisAgencyList)))]
pub async fn list_axis_agencies(State(state): State<AppState>, ctx: Ctx) -> Response {
    respond(
        ctx.lang,
        async {
            let items: Vec<AgencyView> = agencies::list(&state.db)
                .await?
                .into_iter()
                .map(AgencyView::from)
                .collect();
            Ok(axum::Json(AxisAgencyList {
                meta: AxisAgencyMeta { total: items.len() },
                items,
            })
            .into_response())
        }
        .await,
    )
}

/// A request to join the axis.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Registration {
    /// The agency's identifier, either form (`000.00.00.G22` or `G22`).
    pub id: String,
    pub name: String,
    /// Where the agency's own endpoint listens (`https://…`), if it has one.
    pub endpoint: Option<String>,
    /// Its signing certificate: PEM, or base64 of the DER.
    pub certificate: String,
}

const MAX_NAME: usize = 300;
const MAX_ENDPOINT: usize = 500;

fn has_control(s: &str) -> bool {
    s.chars()
        .any(|c| (c.is_control() && !matches!(c, '\t' | '\n' | '\r')) || c == '\u{7f}')
}

fn certificate_der(text: &str) -> Result<Vec<u8>, Refusal> {
    let body: String = text
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .flat_map(|l| l.chars())
        .filter(|c| !c.is_whitespace())
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .map_err(|_| {
            Refusal::new(StatusCode::UNPROCESSABLE_ENTITY, "certificate_invalid")
                .field("certificate")
                .arg("reason", "base64")
        })
}

/// Ask to join the axis: the agency's identifier, name, endpoint and signing certificate. The
/// request is signed with the private key of that certificate (`keyid` = the identifier), which
/// proves the caller holds it. The agency is `pending` until an axis administrator approves it
/// on `/axis/agencies`.
#[utoipa::path(post, path = "/api/v1/axis/agencies", tag = "axis", operation_id = "register_agency",
    request_body = Registration,
    responses((status = 201, description = "Registered, pending approval", body = AgencyView),
              (status = 409, description = "The identifier is registered already", body = platform::error::ErrorEnvelope)))]
pub async fn register_agency(State(state): State<AppState>, ctx: Ctx, req: Request) -> Response {
    respond(
        ctx.lang,
        async {
            let (parts, body) = req.into_parts();
            let input = auth::signature_of(&parts)?;
            let body = auth::small_body(body, &input, SMALL_BODY).await?;
            let r: Registration = serde_json::from_slice(&body).map_err(|e| {
                Refusal::new(StatusCode::BAD_REQUEST, "registration_invalid")
                    .arg("reason", e.to_string())
            })?;
            let invalid = |field: &str| {
                Refusal::new(StatusCode::UNPROCESSABLE_ENTITY, "registration_field")
                    .field(field)
                    .arg("field", field)
            };
            for (field, value, max) in [
                ("id", Some(r.id.as_str()), 50),
                ("name", Some(r.name.as_str()), MAX_NAME),
                ("endpoint", r.endpoint.as_deref(), MAX_ENDPOINT),
            ] {
                if let Some(v) = value
                    && (has_control(v) || v.chars().count() > max)
                {
                    return Err(invalid(field));
                }
            }
            let id = AgencyId::parse(&r.id).map_err(|_| invalid("id"))?;
            let name = r.name.trim();
            if name.is_empty() {
                return Err(invalid("name"));
            }
            let endpoint = r
                .endpoint
                .as_deref()
                .map(str::trim)
                .filter(|e| !e.is_empty());
            if endpoint.is_some_and(|e| !e.starts_with("https://") && !e.starts_with("http://")) {
                return Err(invalid("endpoint"));
            }
            let der = certificate_der(&r.certificate)?;
            crate::xmldsig::certificate_key(&der).map_err(|e| {
                Refusal::new(StatusCode::UNPROCESSABLE_ENTITY, "certificate_invalid")
                    .field("certificate")
                    .arg("reason", e.to_string())
            })?;
            if !input.agency.same_agency(&id) {
                return Err(Refusal::new(
                    StatusCode::UNAUTHORIZED,
                    "signature_not_registrant",
                ));
            }
            crate::auth::verify(&input, auth::target(&parts), &der)
                .map_err(|e| auth::refusal(&e))?;
            auth::not_replayed(&state.db, &input, &id.short()).await?;
            let agency = axis::register(&state.db, &id, name, endpoint, &der).await?;
            Ok((StatusCode::CREATED, axum::Json(AgencyView::from(agency))).into_response())
        }
        .await,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A body is streamed to the store up to the configured cap: over it, 413
    /// `package_too_large` naming the cap, and no file is kept; under it, the file's key is the
    /// body's SHA-256 (what `Content-Digest` is checked against).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_body_is_streamed_to_the_store_within_the_cap() {
        let root = std::env::temp_dir().join(format!(
            "egov-axis-cap-{}-{}",
            std::process::id(),
            platform::db::now_ms()
        ));
        let files = FileStore::new(root.clone());
        let chunks: Vec<Result<axum::body::Bytes, std::io::Error>> = (0..64)
            .map(|_| Ok(axum::body::Bytes::from(vec![b'x'; 1024])))
            .collect();
        let big = Body::from_stream(futures_util::stream::iter(chunks));
        let r = store_body(&files, big, 16 * 1024).await.unwrap_err();
        assert_eq!(r.code(), "package_too_large");
        let kept = std::fs::read_dir(&root)
            .map(|d| d.flatten().filter(|e| e.path().is_file()).count())
            .unwrap_or(0);
        assert_eq!(kept, 0, "a refused body leaves no file");
        let body = vec![b'y'; 40 * 1024];
        let spooled = store_body(&files, Body::from(body.clone()), 64 * 1024)
            .await
            .unwrap();
        let stored = files.keep(spooled).await.unwrap();
        assert_eq!(
            stored.key,
            hex::encode(ring::digest::digest(&ring::digest::SHA256, &body))
        );
        let _ = std::fs::remove_dir_all(&root);
    }
}
