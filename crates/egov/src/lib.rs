//! Wiring of the egov binary: database, every capability's routes and jobs, the HTTP server with
//! graceful shutdown, the demo loader. `main.rs` holds only the command line.
#![forbid(unsafe_code)]

pub mod demo;
#[cfg(test)]
mod layers;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use platform::Fault;
use platform::config::Config;
use platform::db::Db;
use platform::jobs::{self, NewJob};
use platform::web::{self, AppState};
use tokio::net::TcpListener;
use tokio::sync::watch;
use utoipa::OpenApi;

/// The OpenAPI document of every JSON endpoint.
#[derive(OpenApi)]
#[openapi(
    info(title = "egov API", version = "1",
         description = "JSON API of the egov platform. Errors: {\"errors\":[{\"code\",\"detail\",\"field\"}]}; \
                        collections: {\"items\":[…],\"meta\":{…}}. Authenticate other systems with `Authorization: Bearer <token>`."),
    // Every operation comes from its crate's OpenApiRouter (`openapi_json`).
    tags((name = "registry", description = "Administrative units and agencies"),
         (name = "identity", description = "The caller"),
         (name = "reporting", description = "Indicators and reported data"),
         (name = "operations", description = "The operations center: the national overview"),
         (name = "axis", description = "The document axis's transport API: agencies' signed requests (RFC 9421)"),
         (name = "services", description = "The public service portal: procedures and dossiers"))
)]
pub struct ApiDoc;

/// The OpenAPI document as JSON.
pub fn openapi_json() -> serde_json::Value {
    let mut api = ApiDoc::openapi();
    api.merge(platform::web::openapi());
    api.merge(registry::openapi());
    api.merge(reporting::openapi());
    api.merge(operations::openapi());
    api.merge(documents::openapi());
    api.merge(services::openapi());
    let mut doc = serde_json::to_value(api).expect("the OpenAPI document serialises");
    shared_contract(&mut doc);
    doc
}

/// Operations that serve public data: they also answer callers without credentials.
const PUBLIC_OPERATIONS: [&str; 7] = [
    "list_units",
    "get_unit",
    "list_agencies",
    "list_indicators",
    "get_indicator",
    "list_targets",
    "query_data",
];

/// The document axis's transport API: agencies sign their requests instead of a token.
const AXIS_OPERATIONS: [&str; 8] = [
    "send_package",
    "send_status",
    "list_pending_packages",
    "list_sent_packages",
    "get_package",
    "acknowledge_package",
    "list_axis_agencies",
    "register_agency",
];

/// What every operation shares, written once instead of on each handler:
/// - the security schemes — `bearer` (an API token, `Authorization: Bearer egov_…`, the scheme's
///   name in any case) and `session` (the web sign-in's cookie) — and which an operation takes
///   (public data also without credentials);
/// - 401 `token_invalid` on every operation (a bad token is refused even on public data);
/// - 422 on every operation with parameters or a body: the edge's extractors refuse control
///   characters, values of the wrong type and repeated parameters (`platform::web::extract`);
/// - 400 (`json_invalid`) and 413 (`payload_too_large`) on every operation with a body.
fn shared_contract(doc: &mut serde_json::Value) {
    use serde_json::json;
    let envelope = |description: &str| {
        json!({"description": description, "content": {"application/json": {"schema":
            {"$ref": "#/components/schemas/ErrorEnvelope"}}}})
    };
    doc["components"]["securitySchemes"] = json!({
        "bearer": {"type": "http", "scheme": "bearer",
                   "description": "An API token created by an administrator (`egov admin token create`)."},
        "session": {"type": "apiKey", "in": "cookie", "name": platform::identity::sessions::COOKIE,
                    "description": "The web interface's session, after a complete sign-in (second factor included)."},
        "agency_signature": {"type": "apiKey", "in": "header", "name": "Signature",
                    "description": "The document axis: an HTTP Message Signature (RFC 9421) by the agency's registered key, with `Signature-Input` and `Content-Digest` (docs/documents.md)."}
    });
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    for item in paths.values_mut() {
        let Some(ops) = item.as_object_mut() else {
            continue;
        };
        for op in ops.values_mut() {
            let id = op["operationId"].as_str().unwrap_or_default();
            let public = PUBLIC_OPERATIONS.contains(&id);
            op["security"] = if AXIS_OPERATIONS.contains(&id) {
                // Agencies sign each request (documents::auth); the directory is public.
                if id == "list_axis_agencies" {
                    json!([{}])
                } else {
                    json!([{"agency_signature": []}])
                }
            } else if public {
                json!([{}, {"bearer": []}, {"session": []}])
            } else {
                json!([{"bearer": []}, {"session": []}])
            };
            let has_params = op["parameters"].as_array().is_some_and(|p| !p.is_empty());
            let has_body = op.get("requestBody").is_some();
            let Some(responses) = op["responses"].as_object_mut() else {
                continue;
            };
            let mut add = |status: &str, description: &str| {
                let r = responses
                    .entry(status.to_owned())
                    .or_insert_with(|| envelope(description));
                if r.get("content").is_none() {
                    r["content"] = envelope(description)["content"].clone();
                }
            };
            add(
                "401",
                "An `Authorization` header without a live token (`token_invalid`), or no complete sign-in",
            );
            if has_params || has_body {
                add(
                    "422",
                    "A parameter or field is invalid (e.g. holds a control character); `field` names it",
                );
            }
            if has_body {
                add(
                    "400",
                    "The body is not JSON of this shape (`json_invalid`, `field` names the place)",
                );
                add(
                    "413",
                    "The body is larger than the route accepts (`payload_too_large`)",
                );
            }
        }
    }
}

/// The registry of reference sets: every capability's shipped reference data, in the order it
/// is applied (a set may name records of the sets before it). A new capability adds its sets with
/// one line here; `egov migrate`, `egov reference` and `egov demo` all read this list.
pub fn reference_sets() -> Vec<&'static dyn platform::reference::ReferenceSet> {
    let mut sets = registry::seed::sets();
    sets.extend(reporting::engine::reference::sets());
    sets.extend(services::engine::reference::sets());
    sets.extend(cabinet::engine::reference::sets());
    sets
}

/// Connect to the configured database, apply pending migrations and fill what they left to
/// the application (the series of approved values of an older database).
pub async fn connect(config: &Config) -> anyhow::Result<Db> {
    let key = config.audit_key()?;
    let db = Db::connect(config.database_url.expose(), config.db_max_connections)
        .await
        .map_err(|e| anyhow::anyhow!("cannot open the database: {e}"))?
        .with_audit_key(key);
    db.migrate().await?;
    // Data written before a derived table existed is carried into it once.
    reporting::store::series::ensure(&db).await?;
    // Approved values and value history from before the trail recorded them: anchored once.
    reporting::engine::trail::start(&db).await?;
    // Second-factor secrets written before they were encrypted are sealed with the key.
    if let Some(key) = platform::identity::sealed::SecretKey::from_config(config)? {
        let n = platform::identity::sealed::seal_plain_secrets(&db, &key).await?;
        if n > 0 {
            tracing::info!(sealed = n, "second-factor secrets encrypted");
        }
    }
    Ok(db)
}

/// Application state for a database and configuration (its live hub starts after the newest
/// stored event; `serve` runs it).
pub async fn state(db: Db, config: Config) -> anyhow::Result<AppState> {
    let live = platform::live::Live::new(db.clone()).await?;
    // A half-set S3 configuration is refused here, naming what is missing.
    let files = platform::files::FileStore::from_config(&config)?;
    tracing::info!(files = %files.describe(), "file store");
    Ok(AppState {
        files,
        directory: Arc::new(registry::RegistryDirectory { db: db.clone() }),
        cache: platform::cache::ReadCache::new(db.clone(), live.clone()),
        live,
        db,
        config: Arc::new(config),
        metrics: Arc::default(),
        openapi: Arc::new(openapi_json()),
    })
}

/// The whole router. The audit page names objects with every capability's [`audit_names`].
pub fn router(state: AppState) -> Router {
    let mut routers = vec![
        registry::router(),
        reporting::router(),
        operations::router(),
        documents::router(),
        services::router(),
        cabinet::router(),
    ];
    // The demo's synthetic camera streams (`egov demo` only; never in production).
    if state.config.demo {
        routers.push(operations::streams::router(
            state.config.data_dir.join("streams"),
        ));
    }
    // Fee payments: the configured gateway; in the demo, a local test gateway (never a bank).
    let mut payment = services::http::payments::PaymentConfig::from_config(&state.config);
    if payment.is_none() && state.config.demo {
        let (gateway, config) = demo_gateway();
        routers.push(Router::new().nest_service("/demo/gateway", gateway.router()));
        payment = Some(config);
    }
    let app = web::app(state, routers).layer(axum::Extension(Arc::new(audit_names())));
    match payment {
        Some(p) => app.layer(axum::Extension(p)),
        None => app,
    }
}

/// The demo's local payment gateway, served by the demo itself under `/demo/gateway`; it calls
/// back the host the payer's browser came to.
fn demo_gateway() -> (
    services::payment::test_gateway::TestGateway,
    services::http::payments::PaymentConfig,
) {
    let secret = platform::identity::sessions::random_token();
    let gateway = services::payment::test_gateway::TestGateway::new(
        "EGOVDEMO",
        secret.as_bytes(),
        "/api/v1/services/payments/ipn",
    );
    let merchant_side = gateway.merchant_side("/demo/gateway");
    (
        gateway,
        services::http::payments::PaymentConfig::new(
            merchant_side,
            Some("/demo/gateway/transactions".to_owned()),
        ),
    )
}

/// How the audit page names each capability's objects ("Báo cáo BC-KTXH-THANG · Nghệ An (40) ·
/// Tháng 12/2026"): each capability registers its own.
pub fn audit_names() -> platform::audit::Names {
    let mut names = platform::audit::Names::default();
    reporting::engine::trail::register_names(&mut names);
    documents::engine::axis::register_names(&mut names);
    documents::engine::registers::register_names(&mut names);
    names
}

/// The checks `egov audit verify` runs after the chain: each capability registers its own.
pub fn audit_checks() -> platform::audit::Checks {
    let mut checks = platform::audit::Checks::default();
    reporting::engine::trail::register(&mut checks);
    cabinet::engine::verify::register(&mut checks);
    checks
}

/// The job handlers of every capability; `files` is the node's file store (`AppState::files`).
pub fn job_registry(config: &Config, files: &platform::files::FileStore) -> jobs::Registry {
    let mut r = jobs::Registry::default();
    let dir = config.audit_checkpoint_dir.clone();
    r.register("audit.checkpoint", move |db, _job| {
        let dir = dir.clone();
        async move {
            platform::audit::publish_checkpoint(&db, dir.as_deref()).await?;
            Ok(())
        }
    });
    // The daily brief: composed each morning (operations::engine::brief).
    r.register("operations.brief", |db, _job| async move {
        let day = operations::engine::brief::today();
        if operations::engine::brief::compose_if_missing(&db, day)
            .await
            .map_err(Fault::other)?
        {
            tracing::info!(%day, "daily brief composed");
        }
        Ok(())
    });
    r.register("reporting.reminders", |db, _job| async move {
        let today = registry::Day::today().0;
        // Every template's report now due, and the one before if it is still missing (overdue).
        let n = reporting::engine::reminders::queue_all(&db, today).await?;
        tracing::info!(queued = n, "report reminders queued");
        Ok(())
    });
    // The operations center's alert rules, every minute: each new alert once, with its e-mails.
    // A rule without recipients of its own e-mails the configured `alert_recipients`.
    let defaults = Arc::new(config.alert_recipients.clone());
    r.register("operations.alerts", move |db, _job| {
        let defaults = defaults.clone();
        async move {
            let n = operations::engine::alerts::evaluate(
                &db,
                registry::Day::today().0,
                platform::db::now_ms(),
                &defaults,
            )
            .await
            .map_err(Fault::other)?;
            if n > 0 {
                tracing::info!(raised = n, "alerts raised");
            }
            Ok(())
        }
    });
    // The connected sites' health, every minute: cameras' streams and conference points probed
    // concurrently, changes kept, alerts raised (operations::engine::probe).
    let probe_client = operations::engine::probe::client();
    r.register("operations.sites", move |db, _job| {
        let client = probe_client.clone();
        async move {
            let round = operations::engine::probe::run(&db, &client)
                .await
                .map_err(Fault::other)?;
            if round.changed > 0 {
                tracing::info!(
                    probed = round.probed,
                    up = round.up,
                    down = round.down,
                    changed = round.changed,
                    "connected sites probed"
                );
            }
            Ok(())
        }
    });
    // The notifications outbox over SMTP (platform::mail); without `smtp_url` messages wait.
    let mailer: Option<Arc<platform::mail::SmtpMailer>> = match &config.smtp_url {
        Some(url) => match platform::mail::SmtpMailer::new(url.expose(), &config.mail_from) {
            Ok(m) => Some(Arc::new(m)),
            Err(e) => {
                tracing::error!(error = %e, "smtp_url: e-mail stays in the outbox");
                None
            }
        },
        None => None,
    };
    r.register("mail.deliver", move |db, _job| {
        let mailer = mailer.clone();
        async move {
            let Some(mailer) = mailer else {
                return Ok(());
            };
            let done = platform::mail::deliver_pending(&db, mailer.as_ref(), 200).await?;
            if done.sent + done.failed > 0 {
                tracing::info!(sent = done.sent, failed = done.failed, "e-mail outbox");
            }
            Ok(())
        }
    });
    // Text messages through the SMS hook (platform::sms), when one is configured.
    let sms: Option<Arc<dyn platform::sms::SmsSender>> = config.sms_hook_url.clone().map(|url| {
        Arc::new(platform::sms::HookSender {
            url,
            token: config.sms_hook_token.clone(),
            client: platform::http_client::HttpClient::new(Default::default()),
        }) as Arc<dyn platform::sms::SmsSender>
    });
    r.register("sms.deliver", move |db, _job| {
        let sms = sms.clone();
        async move {
            let Some(sms) = sms else { return Ok(()) };
            let done = platform::sms::deliver_pending(&db, sms.as_ref(), 200).await?;
            if done.sent + done.failed > 0 {
                tracing::info!(
                    sent = done.sent,
                    failed = done.failed,
                    "text message outbox"
                );
            }
            Ok(())
        }
    });
    // The document axis: deliveries no recipient fetched in time are reported to their sender.
    let axis_config = documents::http::AxisConfig::from_config(config, files.clone());
    r.register("documents.expire", move |db, _job| {
        let axis_config = axis_config.clone();
        async move {
            let axis = documents::engine::axis::Axis {
                db,
                files: axis_config.files,
                delivery_ttl_ms: axis_config.delivery_ttl_ms,
            };
            let n = axis
                .expire(platform::db::now_ms())
                .await
                .map_err(Fault::other)?;
            if n > 0 {
                tracing::info!(
                    expired = n,
                    "undelivered packages reported to their senders"
                );
            }
            Ok(())
        }
    });
    // This node as an agency endpoint of the axis (axis_url…; in the demo, one per demo
    // agency): its outbox to the axis, and what waits for it there into its registers
    // (documents::engine::endpoint). `serve` refuses to start on a half-set configuration.
    // Each dossier's sync record to the national public service portal (services::engine::sync),
    // every minute while records wait and a connector is configured.
    let sync = config
        .services_sync_url
        .clone()
        .map(|url| services::engine::sync::Connector {
            url,
            token: config.services_sync_token.clone(),
            client: platform::http_client::HttpClient::new(Default::default()),
        });
    r.register("services.sync", move |db, _job| {
        let sync = sync.clone();
        async move {
            let Some(c) = sync else { return Ok(()) };
            let round = services::engine::sync::deliver(&db, &c, platform::db::now_ms()).await?;
            if round != services::engine::sync::Round::default() {
                tracing::info!(
                    sent = round.sent,
                    failed = round.failed,
                    waiting = round.waiting,
                    "sync records to the national portal"
                );
            }
            Ok(())
        }
    });
    let endpoint_config = config.clone();
    let endpoint_files = files.clone();
    r.register("documents.deliver", move |db, _job| {
        let config = endpoint_config.clone();
        let files = endpoint_files.clone();
        async move {
            for ep in documents::engine::endpoint::endpoints(&db, &config, &files)
                .await
                .map_err(|e| platform::fault!("{e}"))?
            {
                let d =
                    documents::engine::endpoint::deliver(&db, &ep, platform::db::now_ms()).await.map_err(Fault::other)?;
                if d != documents::engine::endpoint::Delivered::default() {
                    tracing::info!(agency = %ep.agency, accepted = d.accepted, rejected = d.rejected, retried = d.retried, "axis outbox delivered");
                }
            }
            Ok(())
        }
    });
    let endpoint_config = config.clone();
    let endpoint_files = files.clone();
    r.register("documents.fetch", move |db, _job| {
        let config = endpoint_config.clone();
        let files = endpoint_files.clone();
        async move {
            for ep in documents::engine::endpoint::endpoints(&db, &config, &files)
                .await
                .map_err(|e| platform::fault!("{e}"))?
            {
                let f = documents::engine::endpoint::fetch(&db, &ep).await.map_err(Fault::other)?;
                if f != documents::engine::endpoint::Fetched::default() {
                    tracing::info!(agency = %ep.agency, documents = f.documents, statuses = f.statuses, acknowledged = f.acknowledged, refused = f.refused, failed = f.failed, "axis packages fetched");
                }
            }
            Ok(())
        }
    });
    // The axis's counts of the latest month whose cut-off window ended, filed as each
    // connected province's e-Government report (documents::engine::indicators).
    r.register("documents.indicators", |db, _job| async move {
        let period = reporting::model::calendar::latest_due_month(registry::Day::today().0);
        let f = documents::engine::indicators::file_month(&db, period)
            .await
            .map_err(Fault::other)?;
        if f.written > 0 || !f.refused.is_empty() {
            tracing::info!(period = %period.id(), written = f.written, unchanged = f.unchanged, refused = f.refused.len(), "axis counts filed as reports");
        }
        Ok(())
    });
    // Reminders to the officials holding dossiers due within a working day or late, once a
    // dossier a day (services::engine::reminders).
    r.register("services.reminders", |db, _job| async move {
        let round = services::engine::reminders::remind(&db, platform::db::now_ms()).await?;
        if round.queued > 0 {
            tracing::info!(
                queued = round.queued,
                unreachable = round.unreachable,
                "dossier reminders queued"
            );
        }
        Ok(())
    });
    // Opinion forms past their deadline closed, reminders to members who have not answered and
    // their assistants, expired passkey ceremonies removed (cabinet::engine::jobs).
    r.register("cabinet.forms", |db, _job| async move {
        let run = cabinet::engine::jobs::run(&db, platform::db::now_ms()).await?;
        if run != cabinet::engine::jobs::Run::default() {
            tracing::info!(
                closed = run.closed,
                reminded = run.reminded,
                "opinion forms"
            );
        }
        Ok(())
    });
    // The public service portal's quality index, filed hourly as each province's monthly
    // report BC-DVC-THANG (services::engine::sqi).
    r.register("services.indicators", |db, _job| async move {
        let period = reporting::model::calendar::latest_due_month(registry::Day::today().0);
        let f = services::engine::sqi::file_month(&db, period, platform::db::now_ms())
            .await
            .map_err(Fault::other)?;
        if f.written > 0 || !f.refused.is_empty() {
            tracing::info!(period = %period.id(), written = f.written, unchanged = f.unchanged, refused = f.refused.len(), "quality index filed as reports");
        }
        Ok(())
    });
    // Live-update events older than a day (platform::live).
    r.register("live.prune", |db, _job| async move {
        platform::live::prune(&db).await?;
        Ok(())
    });
    r.register("sessions.purge", |db, _job| async move {
        let n = platform::identity::sessions::purge_expired(&db).await?
            + platform::identity::citizen::purge_expired(&db).await?;
        let m = platform::identity::throttle::purge(&db, platform::db::now_ms()).await?;
        // Finished jobs are kept a week for the operator, then dropped.
        jobs::purge_done(&db, 7 * 24 * 3_600_000).await?;
        tracing::info!(
            removed = n,
            throttle_keys = m,
            "expired sessions and sign-in counts purged"
        );
        Ok(())
    });
    r
}

/// Enqueue periodic jobs (expired sessions, audit checkpoint, reminders). Every node does this;
/// the dedupe key makes one job per hour (per day for reminders).
pub async fn schedule_periodic(db: &Db) -> anyhow::Result<()> {
    let hour = platform::db::now_ms() / 3_600_000;
    jobs::enqueue_now(
        db,
        NewJob::new("sessions.purge", serde_json::json!({}))
            .dedupe(format!("sessions.purge:{hour}")),
    )
    .await?;
    jobs::enqueue_now(
        db,
        NewJob::new("audit.checkpoint", serde_json::json!({}))
            .dedupe(format!("audit.checkpoint:{hour}")),
    )
    .await?;
    let minute = platform::db::now_ms() / 60_000;
    jobs::enqueue_now(
        db,
        NewJob::new("mail.deliver", serde_json::json!({})).dedupe(format!("mail.deliver:{minute}")),
    )
    .await?;
    jobs::enqueue_now(
        db,
        NewJob::new("sms.deliver", serde_json::json!({})).dedupe(format!("sms.deliver:{minute}")),
    )
    .await?;
    jobs::enqueue_now(
        db,
        NewJob::new("operations.alerts", serde_json::json!({}))
            .dedupe(format!("operations.alerts:{minute}")),
    )
    .await?;
    jobs::enqueue_now(
        db,
        NewJob::new("operations.sites", serde_json::json!({}))
            .dedupe(format!("operations.sites:{minute}")),
    )
    .await?;
    jobs::enqueue_now(
        db,
        NewJob::new("live.prune", serde_json::json!({})).dedupe(format!("live.prune:{hour}")),
    )
    .await?;
    jobs::enqueue_now(
        db,
        NewJob::new("documents.indicators", serde_json::json!({}))
            .dedupe(format!("documents.indicators:{hour}")),
    )
    .await?;
    jobs::enqueue_now(
        db,
        NewJob::new("services.indicators", serde_json::json!({}))
            .dedupe(format!("services.indicators:{hour}")),
    )
    .await?;
    jobs::enqueue_now(
        db,
        NewJob::new("cabinet.forms", serde_json::json!({})).dedupe(format!("cabinet.forms:{hour}")),
    )
    .await?;
    jobs::enqueue_now(
        db,
        NewJob::new("services.reminders", serde_json::json!({}))
            .dedupe(format!("services.reminders:{hour}")),
    )
    .await?;
    jobs::enqueue_now(
        db,
        NewJob::new("services.sync", serde_json::json!({}))
            .dedupe(format!("services.sync:{minute}")),
    )
    .await?;
    jobs::enqueue_now(
        db,
        NewJob::new("documents.expire", serde_json::json!({}))
            .dedupe(format!("documents.expire:{minute}")),
    )
    .await?;
    let day = registry::Day::today().iso();
    let vn_hour = time::OffsetDateTime::now_utc()
        .to_offset(time::macros::offset!(+7))
        .hour();
    if vn_hour >= operations::engine::brief::COMPOSE_FROM_HOUR {
        jobs::enqueue_now(
            db,
            NewJob::new("operations.brief", serde_json::json!({}))
                .dedupe(format!("operations.brief:{day}")),
        )
        .await?;
    }
    jobs::enqueue_now(
        db,
        NewJob::new("reporting.reminders", serde_json::json!({}))
            .dedupe(format!("reporting.reminders:{day}")),
    )
    .await?;
    Ok(())
}

/// Run the HTTP server, the job workers and the scheduler until `shutdown` resolves; then stop
/// accepting, finish in-flight requests and jobs, and close the database.
pub async fn serve(
    state: AppState,
    listener: TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let (stop_tx, stop_rx) = watch::channel(false);
    let registry = Arc::new(job_registry(&state.config, &state.files));
    let mut workers = Vec::new();
    for i in 0..state.config.job_workers {
        workers.push(tokio::spawn(jobs::work(
            state.db.clone(),
            registry.clone(),
            format!("{}-w{i}", state.config.node_id),
            stop_rx.clone(),
        )));
    }
    let scheduler = {
        let db = state.db.clone();
        let mut stop = stop_rx.clone();
        tokio::spawn(async move {
            loop {
                if let Err(e) = schedule_periodic(&db).await {
                    tracing::warn!(error = %e, "scheduling periodic jobs failed");
                }
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs(60)) => {}
                    _ = stop.changed() => break,
                }
            }
        })
    };
    // An agency endpoint asks the axis what waits for it, and retries its outbox, every
    // `axis_poll_seconds` (a package a clerk queues goes at once).
    let is_endpoint = documents::engine::endpoint::from_config(&state.config, &state.files)
        .map_err(|e| anyhow::anyhow!(e))?
        .is_some()
        || (state.config.demo && state.config.axis_url.is_some());
    let poller = is_endpoint.then(|| {
        let db = state.db.clone();
        let mut stop = stop_rx.clone();
        let every = state.config.axis_poll_seconds.clamp(1, 3600);
        tokio::spawn(async move {
            loop {
                let tick = platform::db::now_ms() / (every as i64 * 1000);
                for kind in ["documents.fetch", "documents.deliver"] {
                    let job = NewJob::new(kind, serde_json::json!({}))
                        .dedupe(format!("{kind}:poll:{tick}"));
                    if let Err(e) = jobs::enqueue_now(&db, job).await {
                        tracing::warn!(error = %e, "scheduling the axis poll failed");
                    }
                }
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs(every)) => {}
                    _ = stop.changed() => break,
                }
            }
        })
    });
    // Live updates: this node follows every node's events and pushes them to its open pages.
    let hub = {
        let mut stop = stop_rx.clone();
        tokio::spawn(state.live.clone().run(async move {
            let _ = stop.changed().await;
        }))
    };
    let db = state.db.clone();
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    tracing::info!(addr = %listener.local_addr()?, "egov listening");
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown.await;
            tracing::info!("shutting down: finishing in-flight requests");
        })
        .await?;
    let _ = stop_tx.send(true);
    for w in workers {
        let _ = w.await;
    }
    let _ = scheduler.await;
    if let Some(p) = poller {
        let _ = p.await;
    }
    let _ = hub.await;
    db.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

/// Logs: human-readable lines, or JSON objects with `log_json`; level from `RUST_LOG`.
pub fn init_logging(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}
