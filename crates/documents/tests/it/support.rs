//! The wiring of documents' tests and the steps their stories share: agencies with the test
//! keys (tests/data/keys), packages written by the crate's edXML writer and signed by its
//! signer, and signed requests (`documents::client`) sent through the router.

use std::path::PathBuf;

use axum::http::HeaderName;
use documents::client::{AgencyKey, Reply, SignedRequest, read_answer};
use documents::model::agency::AgencyId;
use documents::store::agencies::{self, AgencyState};
use platform::config::Config;
use platform::db::Db;
pub use testkit::{BoxFuture, Req, Res, TestApp, Wiring};

pub static WIRING: Wiring = Wiring {
    name: "documents",
    connect,
    router,
    openapi: || serde_json::json!({}),
    audit_checks: platform::audit::Checks::default,
    on_close,
    template: tokio::sync::OnceCell::const_new(),
};

/// The same app with the node's files (the axis's packages, the registers' attachments) in a
/// bucket of the local S3 server `scripts/test` starts: [`s3_store`] (the test creates the bucket
/// with [`create_bucket`]).
pub static S3_WIRING: Wiring = Wiring {
    name: "documents_s3",
    connect,
    router: s3_router,
    openapi: || serde_json::json!({}),
    audit_checks: platform::audit::Checks::default,
    on_close,
    template: tokio::sync::OnceCell::const_new(),
};

fn connect(config: &Config) -> BoxFuture<'_, anyhow::Result<Db>> {
    Box::pin(testkit::connect_and_migrate(config))
}

/// Where the axis of the app on database `url` keeps packages (one directory per app, removed
/// when the app closes).
pub fn files_root(url: &str) -> PathBuf {
    let id =
        hex::encode(&ring::digest::digest(&ring::digest::SHA256, url.as_bytes()).as_ref()[..8]);
    std::env::temp_dir().join(format!("egov-documents-it-{id}"))
}

pub fn router(state: platform::web::AppState) -> axum::Router {
    let root = files_root(state.config.database_url.expose());
    // The audit page names the axis's objects, as in the binary (`egov::audit_names`).
    let mut names = platform::audit::Names::default();
    documents::engine::axis::register_names(&mut names);
    platform::web::app(state, vec![registry::router(), documents::router()])
        .layer(axum::Extension(documents::http::AxisConfig::at(
            root,
            documents::http::MAX_PACKAGE_BYTES,
        )))
        .layer(axum::Extension(std::sync::Arc::new(names)))
}

/// The local S3 server of scripts/test.
pub fn s3_endpoint() -> String {
    std::env::var("EGOV_TEST_S3_ENDPOINT").expect(
        "EGOV_TEST_S3_ENDPOINT is not set: run scripts/test, which starts a local S3 server \
         (moto_server), or start one and set it (e.g. http://127.0.0.1:5000)",
    )
}

/// The bucket of the app on database `url`.
pub fn s3_bucket(url: &str) -> String {
    let id =
        hex::encode(&ring::digest::digest(&ring::digest::SHA256, url.as_bytes()).as_ref()[..8]);
    format!("egov-documents-{id}")
}

/// The file store of the app on database `url` under [`S3_WIRING`], configured as a deployment
/// configures it (`files_s3_*`; the test server takes any credentials).
pub fn s3_store(url: &str) -> platform::files::FileStore {
    let config = Config {
        data_dir: files_root(url),
        files_s3_endpoint: Some(s3_endpoint()),
        files_s3_bucket: Some(s3_bucket(url)),
        files_s3_access_key: Some("egov-test".into()),
        files_s3_secret_key: Some(platform::config::Secret::new("egov-test-secret")),
        ..Config::default()
    };
    platform::files::FileStore::from_config(&config).unwrap()
}

/// Create the app's bucket (an unsigned `PUT /bucket`, which the test server accepts;
/// `object_store` cannot create buckets).
pub async fn create_bucket(app: &TestApp) {
    let url = format!("{}/{}", s3_endpoint(), s3_bucket(&app.url));
    let r = platform::http_client::HttpClient::new(Default::default())
        .request(axum::http::Method::PUT, &url, &[], axum::body::Bytes::new())
        .await
        .unwrap_or_else(|e| panic!("the S3 server does not answer {url}: {e}"));
    assert_eq!(r.status, axum::http::StatusCode::OK, "creating {url}");
}

fn s3_router(mut state: platform::web::AppState) -> axum::Router {
    state.files = s3_store(state.config.database_url.expose());
    let axis = documents::http::AxisConfig::with_store(
        state.files.clone(),
        documents::http::MAX_PACKAGE_BYTES,
    );
    let mut names = platform::audit::Names::default();
    documents::engine::axis::register_names(&mut names);
    platform::web::app(state, vec![registry::router(), documents::router()])
        .layer(axum::Extension(axis))
        .layer(axum::Extension(std::sync::Arc::new(names)))
}

fn on_close(app: &TestApp) -> BoxFuture<'_, ()> {
    Box::pin(async move {
        let _ = std::fs::remove_dir_all(files_root(&app.url));
    })
}

pub const RSA_KEY: &[u8] = include_bytes!("../data/keys/rsa.key.der");
pub const RSA_CRT: &[u8] = include_bytes!("../data/keys/rsa.crt.der");
pub const EC_KEY: &[u8] = include_bytes!("../data/keys/ec.key.der");
pub const EC_CRT: &[u8] = include_bytes!("../data/keys/ec.crt.der");

/// Register `code` in the axis directory with a certificate, in `state`.
pub async fn agency(app: &TestApp, code: &str, name: &str, crt: &[u8], state: AgencyState) {
    let id = AgencyId::parse(code).unwrap();
    let fp = hex::encode(ring::digest::digest(&ring::digest::SHA256, crt));
    let mut tx = app.db.begin().await.unwrap();
    agencies::insert(&mut tx, &id, name, None, Some((crt, &fp)), state)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

/// Send a signed request through the router.
pub async fn send(app: &TestApp, r: SignedRequest) -> Res {
    let mut req = Req::new(&r.method, &r.path_and_query).raw_body(r.body);
    for (k, v) in r.headers {
        req = req.header(HeaderName::from_static(k), v);
    }
    app.client().send(req).await
}

/// Send a package and read the axis's answer.
pub async fn send_package(app: &TestApp, key: &AgencyKey, package: &[u8]) -> (Res, Reply) {
    let res = send(
        app,
        key.request("POST", "/api/v1/axis/packages", package.to_vec()),
    )
    .await;
    let reply = read_answer(res.status.as_u16(), &res.bytes);
    (res, reply)
}

/// GET `path` signed by `key`.
pub async fn get(app: &TestApp, key: &AgencyKey, path: &str) -> Res {
    send(app, key.request("GET", path, Vec::new())).await
}

/// POST `path` with an empty body signed by `key`.
pub async fn post(app: &TestApp, key: &AgencyKey, path: &str) -> Res {
    send(app, key.request("POST", path, Vec::new())).await
}
