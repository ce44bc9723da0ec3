//! The S3 side of [`super::FileStore`]: `object_store`'s S3 client, signing with ring, its requests
//! sent by a hyper client over rustls with Mozilla's roots (the stack of
//! [`crate::http_client`]): no second TLS or crypto stack, no system certificate store.

use std::io;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::client::{
    HttpClient, HttpConnector, HttpError, HttpErrorKind, HttpRequest, HttpRequestBody,
    HttpResponse, HttpResponseBody, HttpService,
};
use object_store::{ClientConfigKey, ClientOptions, ObjectStore, ObjectStoreExt, WriteMultipart};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::{FileError, Stored};
use crate::config::FilesS3;

/// Files up to this size go in one request; larger ones in parts of this size, at most
/// [`PARTS_IN_FLIGHT`] at a time (so at most about three parts in memory, whatever the size).
pub const PART_BYTES: usize = 8 * 1024 * 1024;
const PARTS_IN_FLIGHT: usize = 2;
/// Longest wait for the TCP connection to the object store.
const CONNECT: Duration = Duration::from_secs(5);
/// Longest wait for an answer's headers, the request's body (one part at most) sent.
const EXCHANGE: Duration = Duration::from_secs(120);
/// Longest wait for the next piece of a download.
const IDLE: Duration = Duration::from_secs(60);

/// Where a key's object is: `files/ab/abcdef…` (the local directory's fan-out, under `files/`).
pub(super) fn object_path(key: &str) -> object_store::path::Path {
    object_store::path::Path::from(format!("files/{}/{key}", &key[..2]))
}

fn store_error(e: object_store::Error) -> FileError {
    FileError::Store(e.to_string())
}

/// A bucket of an S3-compatible service.
pub(super) struct S3 {
    store: Arc<AmazonS3>,
    bucket: String,
    endpoint: String,
}

// The client's own `Debug` would show its configuration: the bucket and endpoint are enough.
impl std::fmt::Debug for S3 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3")
            .field("bucket", &self.bucket)
            .field("endpoint", &self.endpoint)
            .finish()
    }
}

impl std::fmt::Display for S3 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "S3 bucket {} at {}", self.bucket, self.endpoint)
    }
}

impl S3 {
    pub(super) fn new(s: &FilesS3) -> Result<S3, FileError> {
        let mut b = AmazonS3Builder::new()
            .with_bucket_name(&s.bucket)
            .with_region(&s.region)
            .with_access_key_id(&s.access_key)
            .with_secret_access_key(s.secret_key.expose())
            .with_allow_http(s.allow_http)
            .with_http_connector(Connector);
        let endpoint = match &s.endpoint {
            Some(e) => {
                b = b.with_endpoint(e);
                e.clone()
            }
            None => format!("https://s3.{}.amazonaws.com", s.region),
        };
        let store = b.build().map_err(store_error)?;
        Ok(S3 {
            store: Arc::new(store),
            bucket: s.bucket.clone(),
            endpoint,
        })
    }

    pub(super) fn object_store(&self) -> Arc<dyn ObjectStore> {
        self.store.clone()
    }

    /// Upload the file at `tmp` (already hashed: `stored`) under its key, unless an object of
    /// that key and size is there already (content-addressed: the same bytes). One of another
    /// size is replaced.
    pub(super) async fn upload(&self, stored: &Stored, tmp: &Path) -> Result<(), FileError> {
        let path = object_path(&stored.key);
        match self.store.head(&path).await {
            Ok(meta) if meta.size == stored.size => return Ok(()),
            Ok(_) | Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => return Err(store_error(e)),
        }
        if stored.size <= PART_BYTES as u64 {
            let bytes = tokio::fs::read(tmp).await?;
            self.store
                .put(&path, bytes.into())
                .await
                .map_err(store_error)?;
            return Ok(());
        }
        let upload = self.store.put_multipart(&path).await.map_err(store_error)?;
        let mut parts = WriteMultipart::new_with_chunk_size(upload, PART_BYTES);
        let sent = async {
            let mut f = tokio::fs::File::open(tmp).await?;
            let mut buf = vec![0u8; 1024 * 1024];
            loop {
                let n = f.read(&mut buf).await?;
                if n == 0 {
                    return Ok(());
                }
                parts
                    .wait_for_capacity(PARTS_IN_FLIGHT)
                    .await
                    .map_err(store_error)?;
                parts.write(&buf[..n]);
            }
        }
        .await;
        match sent {
            Ok(()) => {
                parts.finish().await.map_err(store_error)?;
                Ok(())
            }
            Err(e) => {
                // The parts already sent are dropped with the upload; the first error is the one
                // worth reporting.
                let _ = parts.abort().await;
                Err(e)
            }
        }
    }

    /// The object's bytes (not checked here: the caller compares them with the key).
    pub(super) async fn get(&self, key: &str) -> Result<Vec<u8>, FileError> {
        let mut stream = self.stream(key).await?;
        let mut out = Vec::new();
        while let Some(chunk) = next(&mut stream).await? {
            out.extend_from_slice(&chunk);
        }
        Ok(out)
    }

    /// Download the object to `dest` (a new file), returning the SHA-256 of what was written.
    pub(super) async fn download(&self, key: &str, dest: &Path) -> Result<String, FileError> {
        let mut f = tokio::fs::File::create(dest).await?;
        let mut hasher = Sha256::new();
        let mut stream = self.stream(key).await?;
        while let Some(chunk) = next(&mut stream).await? {
            hasher.update(&chunk);
            f.write_all(&chunk).await?;
        }
        f.sync_all().await?;
        Ok(hex::encode(hasher.finalize()))
    }

    async fn stream(
        &self,
        key: &str,
    ) -> Result<BoxStream<'static, object_store::Result<Bytes>>, FileError> {
        match self.store.get(&object_path(key)).await {
            Ok(r) => Ok(r.into_stream()),
            Err(object_store::Error::NotFound { .. }) => Err(FileError::NotFound(key.to_owned())),
            Err(e) => Err(store_error(e)),
        }
    }
}

/// The next piece of a download, within [`IDLE`].
async fn next(
    stream: &mut BoxStream<'static, object_store::Result<Bytes>>,
) -> Result<Option<Bytes>, FileError> {
    match tokio::time::timeout(IDLE, stream.next()).await {
        Err(_) => Err(FileError::Store(format!(
            "download stalled: nothing for {} s",
            IDLE.as_secs()
        ))),
        Ok(None) => Ok(None),
        Ok(Some(Ok(b))) => Ok(Some(b)),
        Ok(Some(Err(e))) => Err(store_error(e)),
    }
}

type HyperClient = hyper_util::client::legacy::Client<
    hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>,
    HttpRequestBody,
>;

/// Gives `object_store` its HTTP client: hyper over rustls (ring, webpki roots), plain HTTP
/// only when the configuration allowed it (a loopback test server).
#[derive(Debug)]
struct Connector;

impl HttpConnector for Connector {
    fn connect(&self, options: &ClientOptions) -> object_store::Result<HttpClient> {
        let allow_http = options
            .get_config_value(&ClientConfigKey::AllowHttp)
            .as_deref()
            == Some("true");
        let mut http = hyper_util::client::legacy::connect::HttpConnector::new();
        http.enforce_http(false);
        http.set_connect_timeout(Some(CONNECT));
        http.set_nodelay(true);
        let tls = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_webpki_roots(rustls::crypto::ring::default_provider())
            .map_err(|e| object_store::Error::Generic {
                store: "S3",
                source: Box::new(e),
            })?;
        let tls = if allow_http {
            tls.https_or_http()
        } else {
            tls.https_only()
        };
        let client =
            hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                .pool_idle_timeout(Duration::from_secs(30))
                .pool_max_idle_per_host(8)
                .build(tls.enable_http1().wrap_connector(http));
        Ok(HttpClient::new(Service(client)))
    }
}

struct Service(HyperClient);

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Service")
    }
}

#[async_trait::async_trait]
impl HttpService for Service {
    async fn call(&self, req: HttpRequest) -> Result<HttpResponse, HttpError> {
        use http_body_util::BodyExt;
        let res = match tokio::time::timeout(EXCHANGE, self.0.request(req)).await {
            Err(_) => {
                return Err(HttpError::new(
                    HttpErrorKind::Timeout,
                    io::Error::new(
                        io::ErrorKind::TimedOut,
                        format!("no answer within {} s", EXCHANGE.as_secs()),
                    ),
                ));
            }
            Ok(Err(e)) => {
                let kind = if e.is_connect() {
                    HttpErrorKind::Connect
                } else {
                    HttpErrorKind::Request
                };
                return Err(HttpError::new(kind, e));
            }
            Ok(Ok(res)) => res,
        };
        Ok(res.map(|body| {
            HttpResponseBody::new(body.map_err(|e| HttpError::new(HttpErrorKind::Interrupted, e)))
        }))
    }
}
