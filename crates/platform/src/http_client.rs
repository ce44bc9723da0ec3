//! The outgoing HTTP client: GET over HTTP and HTTPS (rustls with the ring provider and Mozilla's
//! roots from webpki-roots — no system store, so a node answers the same everywhere), with a
//! connect timeout, a total timeout, a cap on the body's size, and no redirect followed (a 3xx is
//! the answer; the caller decides what it means). The connected sites' probe uses it; the
//! document axis will too.
//!
//! Errors say what happened in words an operator can act on ("connection refused", "timed out
//! after 5 s", "body over 1 MiB") and never carry the URL: a join link's query string may hold a
//! meeting password. [`redact`] gives the part of a URL that may be logged.

use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

type Connector = hyper_rustls::HttpsConnector<HttpConnector>;

/// How the client behaves.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Longest wait for the TCP connection.
    pub connect: Duration,
    /// Longest wait for the whole exchange: connection, TLS, headers and body.
    pub total: Duration,
    /// Largest body read, in bytes.
    pub max_body: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            connect: Duration::from_secs(3),
            total: Duration::from_secs(5),
            max_body: 1 << 20,
        }
    }
}

/// An answer.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Response {
    /// A header's value as text, if present and visible ASCII.
    pub fn header(&self, name: header::HeaderName) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Why a request got no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    #[error("not an absolute http(s) URL")]
    InvalidUrl,
    #[error("connection refused")]
    Refused,
    #[error("no answer within {0} ms")]
    Timeout(u128),
    #[error("could not connect: {0}")]
    Connect(String),
    #[error("body over {0} bytes")]
    TooLarge(usize),
    #[error("HTTP exchange failed: {0}")]
    Protocol(String),
}

impl FetchError {
    /// A stable code for each kind of failure.
    pub fn code(&self) -> &'static str {
        match self {
            FetchError::InvalidUrl => "invalid_url",
            FetchError::Refused => "connection_refused",
            FetchError::Timeout(_) => "timeout",
            FetchError::Connect(_) => "connect_failed",
            FetchError::TooLarge(_) => "too_large",
            FetchError::Protocol(_) => "protocol",
        }
    }
}

/// The client: cheap to clone (one connection pool shared by the clones).
#[derive(Clone)]
pub struct HttpClient {
    inner: Client<Connector, Full<Bytes>>,
    limits: Limits,
}

impl std::fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpClient")
            .field("limits", &self.limits)
            .finish()
    }
}

impl HttpClient {
    /// A client with these limits.
    pub fn new(limits: Limits) -> HttpClient {
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_connect_timeout(Some(limits.connect));
        http.set_nodelay(true);
        let tls = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_webpki_roots(rustls::crypto::ring::default_provider())
            // The ring provider's safe default protocol versions always exist.
            .expect("ring supports TLS 1.2 and 1.3")
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        let inner = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(30))
            .pool_max_idle_per_host(4)
            .build(tls);
        HttpClient { inner, limits }
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// GET `url`; the answer whatever its status (redirects are not followed), its body read up
    /// to the size cap, all within the total timeout.
    pub async fn get(&self, url: &str) -> Result<Response, FetchError> {
        self.send(Method::GET, url).await
    }

    /// HEAD `url`: the status and headers (e.g. a segment's Last-Modified) without the body.
    pub async fn head(&self, url: &str) -> Result<Response, FetchError> {
        self.send(Method::HEAD, url).await
    }

    /// `method url` with these headers and body (the document axis's signed requests); the
    /// answer as for [`HttpClient::get`].
    pub async fn request(
        &self,
        method: Method,
        url: &str,
        headers: &[(&str, String)],
        body: Bytes,
    ) -> Result<Response, FetchError> {
        self.exchange(method, url, headers, body).await
    }

    async fn send(&self, method: Method, url: &str) -> Result<Response, FetchError> {
        self.exchange(method, url, &[], Bytes::new()).await
    }

    async fn exchange(
        &self,
        method: Method,
        url: &str,
        headers: &[(&str, String)],
        body: Bytes,
    ) -> Result<Response, FetchError> {
        let parsed = url::Url::parse(url).map_err(|_| FetchError::InvalidUrl)?;
        if !matches!(parsed.scheme(), "http" | "https")
            || parsed.host_str().is_none()
            || !parsed.username().is_empty()
            || parsed.password().is_some()
        {
            return Err(FetchError::InvalidUrl);
        }
        let mut req = Request::builder()
            .method(method.clone())
            .uri(parsed.as_str())
            .header(header::USER_AGENT, "egov-probe/1");
        for (k, v) in headers {
            req = req.header(*k, v.as_str());
        }
        let req = req
            .body(Full::new(body))
            .map_err(|_| FetchError::InvalidUrl)?;
        let total = self.limits.total;
        let max = self.limits.max_body;
        // A HEAD answer's Content-Length is the size a GET would have: no body comes.
        let head = method == Method::HEAD;
        let exchange = async {
            let res = self
                .inner
                .request(req)
                .await
                .map_err(|e| classify(e, self.limits.connect))?;
            let (parts, body) = res.into_parts();
            if !head
                && let Some(len) = parts
                    .headers
                    .get(header::CONTENT_LENGTH)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse::<u64>().ok())
                && len > max as u64
            {
                return Err(FetchError::TooLarge(max));
            }
            let body = Limited::new(body, max)
                .collect()
                .await
                .map_err(|e| {
                    if e.is::<http_body_util::LengthLimitError>() {
                        FetchError::TooLarge(max)
                    } else {
                        FetchError::Protocol(e.to_string())
                    }
                })?
                .to_bytes();
            Ok(Response {
                status: parts.status,
                headers: parts.headers,
                body,
            })
        };
        match tokio::time::timeout(total, exchange).await {
            Ok(r) => r,
            Err(_) => Err(FetchError::Timeout(total.as_millis())),
        }
    }
}

/// Name a failed exchange by its deepest cause: refused, timed out (connecting: `connect` is
/// the limit that ran out), or what the connector said.
fn classify(e: hyper_util::client::legacy::Error, connect: Duration) -> FetchError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
    let mut deepest = e.to_string();
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            match io.kind() {
                std::io::ErrorKind::ConnectionRefused => return FetchError::Refused,
                std::io::ErrorKind::TimedOut => return FetchError::Timeout(connect.as_millis()),
                _ => {}
            }
        }
        deepest = s.to_string();
        source = s.source();
    }
    if e.is_connect() {
        // hyper-util's connect timeout is an error whose text says so.
        if deepest.contains("timed out") || deepest.contains("timeout") {
            return FetchError::Timeout(connect.as_millis());
        }
        FetchError::Connect(deepest)
    } else {
        FetchError::Protocol(deepest)
    }
}

/// The part of a URL that may go to a log: scheme, host, port and path, without a query string,
/// fragment or credentials.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(u) => {
            let host = u.host_str().unwrap_or("");
            match u.port() {
                Some(p) => format!("{}://{host}:{p}{}", u.scheme(), u.path()),
                None => format!("{}://{host}{}", u.scheme(), u.path()),
            }
        }
        Err(_) => "(invalid URL)".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logs_never_see_a_query_string_or_credentials() {
        assert_eq!(
            redact("https://u:p@meet.gov.vn:8443/j/123?pwd=secret#x"),
            "https://meet.gov.vn:8443/j/123"
        );
        assert_eq!(redact("not a url"), "(invalid URL)");
    }

    #[tokio::test]
    async fn only_http_urls_without_credentials_are_fetched() {
        let c = HttpClient::new(Limits::default());
        for bad in ["ftp://x/y", "http://u:p@127.0.0.1/", "/relative", "http://"] {
            assert_eq!(
                c.get(bad).await.unwrap_err(),
                FetchError::InvalidUrl,
                "{bad}"
            );
        }
    }

    #[tokio::test]
    async fn a_closed_port_is_refused() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        drop(l);
        let c = HttpClient::new(Limits::default());
        let e = c
            .get(&format!("http://127.0.0.1:{port}/x"))
            .await
            .unwrap_err();
        assert_eq!(e, FetchError::Refused);
    }

    #[tokio::test]
    async fn a_silent_server_times_out() {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        // Accepts and never answers.
        let keep = tokio::spawn(async move {
            let mut held = Vec::new();
            loop {
                let (s, _) = l.accept().await.unwrap();
                held.push(s);
            }
        });
        let c = HttpClient::new(Limits {
            total: Duration::from_millis(300),
            ..Limits::default()
        });
        let started = std::time::Instant::now();
        assert_eq!(
            c.get(&format!("http://{addr}/x")).await.unwrap_err(),
            FetchError::Timeout(300)
        );
        assert!(started.elapsed() < Duration::from_secs(2));
        keep.abort();
    }

    #[tokio::test]
    async fn a_host_that_never_completes_the_handshake_runs_out_the_connect_limit() {
        // A listener that never accepts, its queue filled: the kernel drops further SYNs, so a
        // new connection neither opens nor is refused.
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let l = socket.listen(0).unwrap();
        let addr = l.local_addr().unwrap();
        let mut held = Vec::new();
        loop {
            match tokio::time::timeout(
                Duration::from_millis(200),
                tokio::net::TcpStream::connect(addr),
            )
            .await
            {
                Ok(s) => held.push(s.unwrap()),
                Err(_) => break,
            }
            assert!(held.len() < 64, "the queue never filled");
        }
        let c = HttpClient::new(Limits {
            connect: Duration::from_millis(300),
            total: Duration::from_secs(10),
            ..Limits::default()
        });
        let started = std::time::Instant::now();
        // The connect limit (300 ms), not the total one (10 s), ended it.
        assert_eq!(
            c.get(&format!("http://{addr}/x")).await.unwrap_err(),
            FetchError::Timeout(300)
        );
        assert!(started.elapsed() < Duration::from_secs(3));
        drop(held);
        drop(l);
    }
}
