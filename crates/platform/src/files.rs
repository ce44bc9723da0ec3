//! Files kept outside database rows (packages of the document axis, attachments, dossier papers):
//! content-addressed by SHA-256, and checked against their digest each time they are read, so a
//! file changed where it is kept is detected ([`FileError::Tampered`]). Callers keep only the key
//! (the digest) in their rows.
//!
//! Two places to keep them, one API:
//!
//! - **the local directory** (the default, `<data_dir>/files`): `ab/abcdef…`, two levels of
//!   fan-out by digest; a file is written to a temporary file beside them and renamed into place;
//! - **S3-compatible object storage** when `files_s3_bucket` is configured
//!   ([`FileStore::from_config`]; the `object_store` crate): the same layout under the prefix
//!   `files/` (`files/ab/abcdef…`). A file is first written to a temporary file of the store's
//!   local directory while it is hashed (so nothing is uploaded before its size and digest are
//!   known, and a refused one never leaves the node), then uploaded under its digest — skipped
//!   when an object of that key and size is already there — in one request up to
//!   [`PART_BYTES`], in parts above it (never the whole file in memory). Reads download and
//!   check the digest; [`FileStore::verified_path`] downloads to a temporary local file.
//!
//! Writing is two steps so a caller can look at what it received before it is kept:
//! [`FileStore::spool`] (blocking I/O: streams into a temporary file, hashing) and
//! [`FileStore::keep`]; [`FileStore::put`] does both.

mod s3;

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use sha2::{Digest, Sha256};

use crate::config::{Config, ConfigError};

pub use s3::PART_BYTES;

/// Why a file could not be stored or read.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("file larger than {max} bytes")]
    TooLarge { max: u64 },
    #[error("file {key} was changed where it is kept (its SHA-256 no longer matches)")]
    Tampered { key: String },
    #[error("no file {0}")]
    NotFound(String),
    #[error("invalid file key {0:?}")]
    BadKey(String),
    #[error(transparent)]
    Io(#[from] io::Error),
    /// The object store failed (unreachable, refused the request…): its message, which names
    /// the bucket and key but never the credentials.
    #[error("object store: {0}")]
    Store(String),
}

/// A stored file: its key (the SHA-256 of its bytes, hexadecimal) and size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub key: String,
    pub size: u64,
}

/// Where files are kept: a local directory, or an S3-compatible bucket. Cheap to clone (the S3
/// client and its connections are shared).
#[derive(Debug, Clone)]
pub struct FileStore {
    /// The local directory: the files themselves, or (S3) temporary files only.
    root: PathBuf,
    s3: Option<Arc<s3::S3>>,
}

/// Bytes written to a temporary file of the store and hashed, not kept yet: [`FileStore::keep`]
/// keeps them under their digest. Dropped without being kept, the temporary file is removed.
#[derive(Debug)]
pub struct Spooled {
    key: String,
    size: u64,
    tmp: Option<PathBuf>,
}

impl Spooled {
    /// The SHA-256 of the bytes (hexadecimal): the key they will be kept under.
    pub fn key(&self) -> &str {
        &self.key
    }
    pub fn size(&self) -> u64 {
        self.size
    }
    /// The temporary file holding the bytes (written and hashed by this node: no need to
    /// check it again).
    pub fn path(&self) -> &Path {
        self.tmp.as_deref().unwrap_or(Path::new(""))
    }
}

impl Drop for Spooled {
    fn drop(&mut self) {
        if let Some(tmp) = self.tmp.take() {
            let _ = std::fs::remove_file(tmp);
        }
    }
}

/// A stored file on the local disk, checked against its digest: the store's own file (local
/// directory), or a temporary copy downloaded from object storage, removed when this is dropped.
/// Read it while holding this.
#[derive(Debug)]
pub struct LocalFile {
    path: PathBuf,
    temporary: bool,
}

impl LocalFile {
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl AsRef<Path> for LocalFile {
    fn as_ref(&self) -> &Path {
        &self.path
    }
}

impl Drop for LocalFile {
    fn drop(&mut self) {
        if self.temporary {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

fn valid_key(key: &str) -> bool {
    key.len() == 64
        && key
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn check_key(key: &str) -> Result<(), FileError> {
    if valid_key(key) {
        Ok(())
    } else {
        Err(FileError::BadKey(key.to_owned()))
    }
}

/// A fresh temporary file name in `dir` (`.incoming-…`, `.download-…`): never a key's name.
fn temporary(dir: &Path, what: &str) -> PathBuf {
    dir.join(format!(
        ".{what}-{}-{}",
        std::process::id(),
        rand::random::<u64>()
    ))
}

impl FileStore {
    /// Files in the local directory `root`, two levels of fan-out by digest (`ab/abcdef…`).
    pub fn new(root: impl Into<PathBuf>) -> FileStore {
        FileStore {
            root: root.into(),
            s3: None,
        }
    }

    /// Files in S3-compatible object storage; `scratch` is the local directory of temporary
    /// files (uploads being hashed, downloads being checked).
    pub fn s3(
        settings: &crate::config::FilesS3,
        scratch: impl Into<PathBuf>,
    ) -> Result<FileStore, FileError> {
        Ok(FileStore {
            root: scratch.into(),
            s3: Some(Arc::new(s3::S3::new(settings)?)),
        })
    }

    /// The configured store: S3 when `files_s3_bucket` is set (temporary files under
    /// `<data_dir>/files`), otherwise the local directory `<data_dir>/files`. A half-set S3
    /// configuration is refused, naming what is missing.
    pub fn from_config(config: &Config) -> Result<FileStore, ConfigError> {
        let root = config.data_dir.join("files");
        match config.files_s3()? {
            None => Ok(FileStore::new(root)),
            Some(s) => FileStore::s3(&s, root).map_err(|e| ConfigError::Setting {
                name: "files_s3_endpoint",
                message: e.to_string(),
            }),
        }
    }

    /// The local directory: the files (local store), or the temporary files (S3).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the files are, for the log: the directory, or the bucket and its endpoint.
    pub fn describe(&self) -> String {
        match &self.s3 {
            None => format!("directory {}", self.root.display()),
            Some(s) => s.to_string(),
        }
    }

    /// The object store behind an S3 store (`None` for the local directory), for tools and
    /// tests. What is written through it directly is found changed at its next read.
    pub fn object_store(&self) -> Option<Arc<dyn object_store::ObjectStore>> {
        self.s3.as_ref().map(|s| s.object_store())
    }

    /// Where the object of `key` is in the bucket: `files/ab/abcdef…`.
    pub fn object_path(key: &str) -> Result<object_store::path::Path, FileError> {
        check_key(key)?;
        Ok(s3::object_path(key))
    }

    fn path(&self, key: &str) -> Result<PathBuf, FileError> {
        check_key(key)?;
        Ok(self.root.join(&key[..2]).join(key))
    }

    /// Write what `data` yields (at most `max` bytes) to a temporary file of the store, hashing
    /// it: blocking I/O (run it where blocking is allowed, or on bytes already in memory).
    pub fn spool(&self, data: &mut dyn Read, max: u64) -> Result<Spooled, FileError> {
        std::fs::create_dir_all(&self.root)?;
        let tmp = temporary(&self.root, "incoming");
        let mut spooled = Spooled {
            key: String::new(),
            size: 0,
            tmp: Some(tmp.clone()),
        };
        let mut f = std::fs::File::create(&tmp)?;
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = data.read(&mut buf)?;
            if n == 0 {
                break;
            }
            spooled.size += n as u64;
            if spooled.size > max {
                return Err(FileError::TooLarge { max });
            }
            hasher.update(&buf[..n]);
            f.write_all(&buf[..n])?;
        }
        f.sync_all()?;
        spooled.key = hex::encode(hasher.finalize());
        Ok(spooled)
    }

    /// Keep spooled bytes under their digest. Keeping the same bytes twice keeps one file.
    pub async fn keep(&self, mut spooled: Spooled) -> Result<Stored, FileError> {
        let stored = Stored {
            key: spooled.key.clone(),
            size: spooled.size,
        };
        let Some(tmp) = spooled.tmp.clone() else {
            return Err(FileError::Io(io::Error::other("spooled file already kept")));
        };
        match &self.s3 {
            None => {
                let dest = self.path(&stored.key)?;
                if let Some(dir) = dest.parent() {
                    std::fs::create_dir_all(dir)?;
                }
                std::fs::rename(&tmp, &dest)?;
                spooled.tmp = None;
            }
            // The temporary file goes when `spooled` is dropped, uploaded or not.
            Some(s3) => s3.upload(&stored, &tmp).await?,
        }
        Ok(stored)
    }

    /// Store what `data` yields (at most `max` bytes): [`FileStore::spool`] then
    /// [`FileStore::keep`]. Storing the same bytes twice keeps one file.
    pub async fn put(&self, data: &mut (dyn Read + Send), max: u64) -> Result<Stored, FileError> {
        let spooled = self.spool(data, max)?;
        self.keep(spooled).await
    }

    /// The file's bytes, checked against its key.
    pub async fn get(&self, key: &str) -> Result<Vec<u8>, FileError> {
        let bytes = match &self.s3 {
            None => {
                let path = self.path(key)?;
                std::fs::read(&path).map_err(|e| match e.kind() {
                    io::ErrorKind::NotFound => FileError::NotFound(key.to_owned()),
                    _ => FileError::Io(e),
                })?
            }
            Some(s3) => {
                check_key(key)?;
                s3.get(key).await?
            }
        };
        if hex::encode(Sha256::digest(&bytes)) != key {
            return Err(FileError::Tampered {
                key: key.to_owned(),
            });
        }
        Ok(bytes)
    }

    /// The file on the local disk, after checking it (for streaming large files to a reader):
    /// the stored file itself in the local directory; with S3, a temporary copy downloaded into
    /// the store's local directory and removed when the [`LocalFile`] is dropped.
    pub async fn verified_path(&self, key: &str) -> Result<LocalFile, FileError> {
        let Some(s3) = &self.s3 else {
            let path = self.path(key)?;
            let key = key.to_owned();
            // Hashing a large file is blocking work: off the async threads.
            return tokio::task::spawn_blocking(move || {
                let mut f = std::fs::File::open(&path).map_err(|e| match e.kind() {
                    io::ErrorKind::NotFound => FileError::NotFound(key.clone()),
                    _ => FileError::Io(e),
                })?;
                let mut hasher = Sha256::new();
                io::copy(&mut f, &mut hasher)?;
                if hex::encode(hasher.finalize()) != key {
                    return Err(FileError::Tampered { key });
                }
                Ok(LocalFile {
                    path,
                    temporary: false,
                })
            })
            .await
            .map_err(|e| FileError::Io(io::Error::other(e)))?;
        };
        check_key(key)?;
        tokio::fs::create_dir_all(&self.root).await?;
        let file = LocalFile {
            path: temporary(&self.root, "download"),
            temporary: true,
        };
        // On any failure `file` is dropped, and the partial download with it.
        let digest = s3.download(key, file.path()).await?;
        if digest != key {
            return Err(FileError::Tampered {
                key: key.to_owned(),
            });
        }
        Ok(file)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> FileStore {
        let dir = std::env::temp_dir().join(format!("egov-files-{}", rand::random::<u64>()));
        FileStore::new(dir)
    }

    #[tokio::test]
    async fn stored_bytes_come_back_and_a_change_on_disk_is_caught() {
        let s = store();
        let data = "Công văn 7816/VPCP-TTĐT".as_bytes();
        let a = s.put(&mut &data[..], 1 << 20).await.unwrap();
        assert_eq!(a.size, data.len() as u64);
        assert_eq!(s.put(&mut &data[..], 1 << 20).await.unwrap(), a);
        assert_eq!(s.get(&a.key).await.unwrap(), data);
        let path = s.verified_path(&a.key).await.unwrap().path().to_owned();
        assert_eq!(path, s.root().join(&a.key[..2]).join(&a.key));
        assert!(path.exists(), "the local store's own file stays");
        std::fs::write(&path, b"changed").unwrap();
        assert!(matches!(
            s.get(&a.key).await,
            Err(FileError::Tampered { .. })
        ));
        assert!(matches!(
            s.verified_path(&a.key).await,
            Err(FileError::Tampered { .. })
        ));
        let _ = std::fs::remove_dir_all(s.root());
    }

    #[tokio::test]
    async fn too_large_and_bad_keys_are_refused_and_leave_nothing() {
        let s = store();
        let big = vec![7u8; 100_000];
        assert!(matches!(
            s.put(&mut &big[..], 1000).await,
            Err(FileError::TooLarge { max: 1000 })
        ));
        let left: Vec<_> = std::fs::read_dir(s.root()).unwrap().flatten().collect();
        assert!(left.is_empty(), "{left:?}");
        for bad in ["", "../etc/passwd", &"A".repeat(64), &"a".repeat(63)] {
            assert!(
                matches!(s.get(bad).await, Err(FileError::BadKey(_))),
                "{bad}"
            );
        }
        assert!(matches!(
            s.get(&"0".repeat(64)).await,
            Err(FileError::NotFound(_))
        ));
        let _ = std::fs::remove_dir_all(s.root());
    }

    /// Spooled bytes not kept leave nothing; kept, they are where `put` would keep them.
    #[tokio::test]
    async fn spooled_bytes_are_kept_or_leave_nothing() {
        let s = store();
        let dropped = s.spool(&mut &b"draft"[..], 100).unwrap();
        assert_eq!(std::fs::read(dropped.path()).unwrap(), b"draft");
        drop(dropped);
        let left: Vec<_> = std::fs::read_dir(s.root()).unwrap().flatten().collect();
        assert!(left.is_empty(), "{left:?}");
        let spooled = s.spool(&mut &b"final"[..], 100).unwrap();
        let key = spooled.key().to_owned();
        let kept = s.keep(spooled).await.unwrap();
        assert_eq!(kept.key, key);
        assert_eq!(s.get(&key).await.unwrap(), b"final");
        let _ = std::fs::remove_dir_all(s.root());
    }
}
