//! The axis with its packages in S3-compatible object storage (the local S3 server of
//! `scripts/test`): a package sent through the transport API is kept once in the bucket under its
//! SHA-256, fetched back byte for byte, and refused once changed in the bucket.

use axum::http::StatusCode;
use futures_util::StreamExt;
use object_store::ObjectStoreExt;

use crate::axis_api::{document, world};
use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a local S3 server: scripts/test starts moto"]
async fn a_package_goes_through_the_axis_on_s3() {
    let app = TestApp::new(&S3_WIRING, "sqlite").await;
    create_bucket(&app).await;
    let w = world(&app).await;
    let package =
        w.a.sign_package(&document(
            ("000.00.00.G22", "Văn phòng Chính phủ"),
            &[("H41", "UBND tỉnh Nghệ An")],
            "7817",
        ))
        .unwrap();
    let (res, _) = send_package(&app, &w.a, &package).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    // Sent again: the first answer, and still one object.
    let (res, _) = send_package(&app, &w.a, &package).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let key = hex::encode(ring::digest::digest(&ring::digest::SHA256, &package));
    let store = s3_store(&app.url);
    let bucket = store.object_store().unwrap();
    let objects: Vec<String> = bucket
        .list(None)
        .map(|m| m.unwrap().location.to_string())
        .collect()
        .await;
    assert_eq!(objects, [format!("files/{}/{key}", &key[..2])]);

    let pending = get(&app, &w.b, "/api/v1/axis/packages/pending")
        .await
        .json();
    let id = pending["items"][0]["package_id"].as_i64().unwrap();
    let r = get(&app, &w.b, &format!("/api/v1/axis/packages/{id}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.bytes == package, "the very bytes A signed");

    // Changed in the bucket behind the axis's back: not served.
    let path = platform::files::FileStore::object_path(&key).unwrap();
    bucket
        .put(&path, b"<edXMLEnvelope/>".to_vec().into())
        .await
        .unwrap();
    let r = get(&app, &w.b, &format!("/api/v1/axis/packages/{id}")).await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR, "{}", r.body);
    app.close().await;
}
