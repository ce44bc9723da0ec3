//! The file store on S3-compatible object storage (`platform::files`), against the local S3
//! server `scripts/test` starts (moto in server mode, `EGOV_TEST_S3_ENDPOINT`). Plain `cargo test`
//! lists these as ignored; run without the server, they fail saying so.

use std::io::Read;
use std::path::{Path, PathBuf};

use axum::http::{Method, StatusCode};
use futures_util::StreamExt;
use object_store::ObjectStoreExt;
use platform::config::{Config, Secret};
use platform::files::{FileError, FileStore};

const SECRET: &str = "egov-test-secret-4f1c9a";

/// The local S3 server of scripts/test.
fn endpoint() -> String {
    std::env::var("EGOV_TEST_S3_ENDPOINT").expect(
        "EGOV_TEST_S3_ENDPOINT is not set: run scripts/test, which starts a local S3 server \
         (moto_server), or start one and set it (e.g. http://127.0.0.1:5000)",
    )
}

/// A store on a fresh bucket of the test server (moto takes any credentials, and creates a
/// bucket on an unsigned `PUT /bucket`; `object_store` cannot create buckets), configured the
/// way a deployment is: through `files_s3_*`.
struct S3Test {
    store: FileStore,
    scratch: PathBuf,
}

impl S3Test {
    async fn new() -> S3Test {
        let endpoint = endpoint();
        let bucket = format!(
            "egov-test-{}-{:x}",
            std::process::id(),
            rand::random::<u32>()
        );
        let created = platform::http_client::HttpClient::new(Default::default())
            .request(
                Method::PUT,
                &format!("{endpoint}/{bucket}"),
                &[],
                Default::default(),
            )
            .await
            .unwrap_or_else(|e| panic!("the S3 server at {endpoint} does not answer: {e}"));
        assert_eq!(created.status, StatusCode::OK, "creating bucket {bucket}");
        let data_dir = std::env::temp_dir().join(format!("egov-s3-{bucket}"));
        let config = Config {
            data_dir: data_dir.clone(),
            files_s3_endpoint: Some(endpoint),
            files_s3_bucket: Some(bucket),
            files_s3_access_key: Some("egov-test".into()),
            files_s3_secret_key: Some(Secret::new(SECRET)),
            ..Config::default()
        };
        let store = FileStore::from_config(&config).unwrap();
        assert!(store.object_store().is_some(), "{}", store.describe());
        S3Test {
            store,
            scratch: data_dir.join("files"),
        }
    }

    /// Every object in the bucket.
    async fn objects(&self) -> Vec<String> {
        let os = self.store.object_store().unwrap();
        let mut list = os.list(None);
        let mut out = Vec::new();
        while let Some(m) = list.next().await {
            out.push(m.unwrap().location.to_string());
        }
        out.sort();
        out
    }

    /// The files left in the local directory (temporary uploads and downloads).
    fn left_locally(&self) -> Vec<PathBuf> {
        std::fs::read_dir(&self.scratch)
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default()
    }
}

impl Drop for S3Test {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(self.scratch.parent().unwrap_or(Path::new("/nonexistent")));
    }
}

/// `len` bytes of a deterministic pattern, made as they are read (never whole in memory).
struct Pattern {
    left: u64,
    state: u64,
}

impl Pattern {
    fn new(len: u64, seed: u64) -> Pattern {
        Pattern {
            left: len,
            state: seed | 1,
        }
    }
}

impl Read for Pattern {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(self.left as usize);
        for b in &mut buf[..n] {
            // xorshift64
            self.state ^= self.state << 13;
            self.state ^= self.state >> 7;
            self.state ^= self.state << 17;
            *b = self.state as u8;
        }
        self.left -= n as u64;
        Ok(n)
    }
}

fn sha256_hex(b: &[u8]) -> String {
    hex::encode(ring::digest::digest(&ring::digest::SHA256, b).as_ref())
}

/// A file of a few MB goes in one request, one over the part size in parts; both come back
/// whole and checked, from `get` and as a temporary local copy that goes when dropped. Stored
/// twice, the same bytes are one object, at `files/ab/abcdef…`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a local S3 server: scripts/test starts moto"]
async fn files_round_trip_through_s3_once_per_content() {
    let t = S3Test::new().await;
    let small = t
        .store
        .put(&mut Pattern::new(3 << 20, 7), 64 << 20)
        .await
        .unwrap();
    assert_eq!(small.size, 3 << 20);
    let big_len = platform::files::PART_BYTES as u64 * 2 + 12_345;
    let big = t
        .store
        .put(&mut Pattern::new(big_len, 11), 64 << 20)
        .await
        .unwrap();
    assert_eq!(big.size, big_len);
    for (stored, seed) in [(&small, 7), (&big, 11)] {
        let mut expected = Vec::new();
        Pattern::new(stored.size, seed)
            .read_to_end(&mut expected)
            .unwrap();
        assert_eq!(stored.key, sha256_hex(&expected));
        let got = t.store.get(&stored.key).await.unwrap();
        assert!(got == expected, "{} bytes differ", stored.size);
        let local = t.store.verified_path(&stored.key).await.unwrap();
        assert!(local.path().starts_with(&t.scratch), "{:?}", local.path());
        assert!(std::fs::read(local.path()).unwrap() == expected);
        let path = local.path().to_owned();
        drop(local);
        assert!(
            !path.exists(),
            "the downloaded copy is removed when dropped"
        );
    }
    // The same bytes again: the same key, still one object each.
    let again = t
        .store
        .put(&mut Pattern::new(3 << 20, 7), 64 << 20)
        .await
        .unwrap();
    assert_eq!(again, small);
    let mut expected = vec![
        format!("files/{}/{}", &small.key[..2], small.key),
        format!("files/{}/{}", &big.key[..2], big.key),
    ];
    expected.sort();
    assert_eq!(t.objects().await, expected);
    assert!(t.left_locally().is_empty(), "{:?}", t.left_locally());
}

/// A stream over the limit is refused before anything is uploaded, and leaves no temporary
/// file; a missing key is NotFound, a malformed one BadKey, whichever way it is read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a local S3 server: scripts/test starts moto"]
async fn too_large_missing_and_bad_keys_are_refused_on_s3() {
    let t = S3Test::new().await;
    let r = t.store.put(&mut Pattern::new(300_000, 3), 100_000).await;
    assert!(
        matches!(r, Err(FileError::TooLarge { max: 100_000 })),
        "{r:?}"
    );
    assert!(t.objects().await.is_empty());
    assert!(t.left_locally().is_empty(), "{:?}", t.left_locally());
    let missing = "0".repeat(64);
    assert!(matches!(
        t.store.get(&missing).await,
        Err(FileError::NotFound(k)) if k == missing
    ));
    assert!(matches!(
        t.store.verified_path(&missing).await,
        Err(FileError::NotFound(_))
    ));
    for bad in ["", "../etc/passwd", &"A".repeat(64), &"a".repeat(63)] {
        assert!(
            matches!(t.store.get(bad).await, Err(FileError::BadKey(_))),
            "{bad}"
        );
        assert!(
            matches!(t.store.verified_path(bad).await, Err(FileError::BadKey(_))),
            "{bad}"
        );
    }
    assert!(t.left_locally().is_empty(), "{:?}", t.left_locally());
}

/// An object changed behind the store's back (written straight to the bucket under its key) is
/// found Tampered by `get` and by `verified_path`, which leaves no copy; storing the right bytes
/// again puts them back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a local S3 server: scripts/test starts moto"]
async fn an_object_changed_in_the_bucket_is_detected() {
    let t = S3Test::new().await;
    let text = "Quyết định 1234/QĐ-UBND về việc phê duyệt kế hoạch".as_bytes();
    let stored = t.store.put(&mut &text[..], 1 << 20).await.unwrap();
    let path = FileStore::object_path(&stored.key).unwrap();
    t.store
        .object_store()
        .unwrap()
        .put(&path, b"Quyet dinh da bi sua".to_vec().into())
        .await
        .unwrap();
    let r = t.store.get(&stored.key).await;
    assert!(
        matches!(&r, Err(FileError::Tampered { key }) if *key == stored.key),
        "{r:?}"
    );
    let r = t.store.verified_path(&stored.key).await;
    assert!(matches!(r, Err(FileError::Tampered { .. })), "{r:?}");
    assert!(t.left_locally().is_empty(), "{:?}", t.left_locally());
    // Stored again (an object of another size under the key is replaced).
    t.store.put(&mut &text[..], 1 << 20).await.unwrap();
    assert_eq!(t.store.get(&stored.key).await.unwrap(), text);
}

/// The secret key never shows: not in the store's `Debug`, not in the configuration as
/// printed, not in an error of the object store (here: a bucket that does not exist).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a local S3 server: scripts/test starts moto"]
async fn the_secret_key_never_shows() {
    let config = Config {
        data_dir: std::env::temp_dir().join(format!("egov-s3-nobucket-{}", std::process::id())),
        files_s3_endpoint: Some(endpoint()),
        files_s3_bucket: Some("egov-no-such-bucket".into()),
        files_s3_access_key: Some("egov-test".into()),
        files_s3_secret_key: Some(Secret::new(SECRET)),
        ..Config::default()
    };
    let store = FileStore::from_config(&config).unwrap();
    let e = store.put(&mut &b"x"[..], 10).await.unwrap_err();
    assert!(matches!(e, FileError::Store(_)), "{e:?}");
    let shown = format!(
        "{e}\n{e:?}\n{store:?}\n{}\n{config:?}\n{}",
        store.describe(),
        config.redacted_toml()
    );
    assert!(!shown.contains(SECRET), "{shown}");
    assert!(shown.contains("egov-no-such-bucket"), "{shown}");
    let _ = std::fs::remove_dir_all(&config.data_dir);
}
