//! The outgoing HTTP client against a server on loopback: a redirect is an answer (not
//! followed), a body over the cap is refused, HEAD reads headers only.

use axum::http::{StatusCode, header};
use platform::http_client::{FetchError, HttpClient, Limits};

async fn serve(router: axum::Router) -> String {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(l, router).await.unwrap() });
    format!("http://{addr}")
}

#[tokio::test]
async fn redirects_are_answers_and_bodies_are_capped() {
    use axum::routing::get;
    let base = serve(
        axum::Router::new()
            .route(
                "/moved",
                get(|| async { axum::response::Redirect::temporary("/big") }),
            )
            .route("/big", get(|| async { "x".repeat(5000) }))
            .route("/small", get(|| async { "ok" })),
    )
    .await;
    let c = HttpClient::new(Limits {
        max_body: 4096,
        ..Limits::default()
    });
    let moved = c.get(&format!("{base}/moved")).await.unwrap();
    assert_eq!(moved.status, StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(moved.header(header::LOCATION), Some("/big"));
    assert_eq!(
        c.get(&format!("{base}/big")).await.unwrap_err(),
        FetchError::TooLarge(4096)
    );
    let head = c.head(&format!("{base}/big")).await.unwrap();
    assert_eq!((head.status, head.body.len()), (StatusCode::OK, 0));
    let small = c.get(&format!("{base}/small")).await.unwrap();
    assert_eq!(
        (small.status, &small.body[..]),
        (StatusCode::OK, &b"ok"[..])
    );
}

#[tokio::test]
async fn https_goes_through_tls_and_a_server_without_it_is_a_connection_failure() {
    let base = serve(axum::Router::new()).await;
    let c = HttpClient::new(Limits::default());
    let https = base.replacen("http://", "https://", 1);
    match c.get(&format!("{https}/")).await {
        Err(FetchError::Connect(_)) | Err(FetchError::Protocol(_)) => {}
        other => panic!("a plain HTTP server answered a TLS client: {other:?}"),
    }
}
