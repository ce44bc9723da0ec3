//! Files kept outside database rows (packages of the document axis, attachments, dossier papers):
//! content-addressed by SHA-256, written through a temporary file and renamed into place, and
//! checked against their digest each time they are read, so a file changed on disk is detected.
//!
//! The local directory is the default store (`<data_dir>/files`); an S3-compatible store can take
//! its place behind the same functions later (the `object_store` crate), which is why callers keep
//! only the key (the digest) in their rows.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// Why a file could not be stored or read.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("file larger than {max} bytes")]
    TooLarge { max: u64 },
    #[error("file {key} was changed on disk (its SHA-256 no longer matches)")]
    Tampered { key: String },
    #[error("no file {0}")]
    NotFound(String),
    #[error("invalid file key {0:?}")]
    BadKey(String),
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// A stored file: its key (the SHA-256 of its bytes, hexadecimal) and size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub key: String,
    pub size: u64,
}

/// Files in a local directory, two levels of fan-out by digest (`ab/abcdef…`).
#[derive(Debug, Clone)]
pub struct FileStore {
    root: PathBuf,
}

fn valid_key(key: &str) -> bool {
    key.len() == 64
        && key
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl FileStore {
    pub fn new(root: impl Into<PathBuf>) -> FileStore {
        FileStore { root: root.into() }
    }

    fn path(&self, key: &str) -> Result<PathBuf, FileError> {
        if !valid_key(key) {
            return Err(FileError::BadKey(key.to_owned()));
        }
        Ok(self.root.join(&key[..2]).join(key))
    }

    /// Store what `data` yields (at most `max` bytes), streaming: returns its key. Storing the
    /// same bytes twice keeps one file.
    pub fn put(&self, data: &mut dyn Read, max: u64) -> Result<Stored, FileError> {
        std::fs::create_dir_all(&self.root)?;
        let tmp = self.root.join(format!(
            ".incoming-{}-{}",
            std::process::id(),
            rand::random::<u64>()
        ));
        let result = (|| {
            let mut f = std::fs::File::create(&tmp)?;
            let mut hasher = Sha256::new();
            let mut size = 0u64;
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                let n = data.read(&mut buf)?;
                if n == 0 {
                    break;
                }
                size += n as u64;
                if size > max {
                    return Err(FileError::TooLarge { max });
                }
                hasher.update(&buf[..n]);
                f.write_all(&buf[..n])?;
            }
            f.sync_all()?;
            let key = hex::encode(hasher.finalize());
            let dest = self.path(&key)?;
            if let Some(dir) = dest.parent() {
                std::fs::create_dir_all(dir)?;
            }
            std::fs::rename(&tmp, &dest)?;
            Ok(Stored { key, size })
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result
    }

    /// The file's bytes, checked against its key.
    pub fn get(&self, key: &str) -> Result<Vec<u8>, FileError> {
        let path = self.path(key)?;
        let bytes = std::fs::read(&path).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => FileError::NotFound(key.to_owned()),
            _ => FileError::Io(e),
        })?;
        if hex::encode(Sha256::digest(&bytes)) != key {
            return Err(FileError::Tampered {
                key: key.to_owned(),
            });
        }
        Ok(bytes)
    }

    /// Where the file is, after checking it (for streaming large files to a reader).
    pub fn verified_path(&self, key: &str) -> Result<PathBuf, FileError> {
        let path = self.path(key)?;
        let mut f = std::fs::File::open(&path).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => FileError::NotFound(key.to_owned()),
            _ => FileError::Io(e),
        })?;
        let mut hasher = Sha256::new();
        io::copy(&mut f, &mut hasher)?;
        if hex::encode(hasher.finalize()) != key {
            return Err(FileError::Tampered {
                key: key.to_owned(),
            });
        }
        Ok(path)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> FileStore {
        let dir = std::env::temp_dir().join(format!("egov-files-{}", rand::random::<u64>()));
        FileStore::new(dir)
    }

    #[test]
    fn stored_bytes_come_back_and_a_change_on_disk_is_caught() {
        let s = store();
        let data = "Công văn 7816/VPCP-TTĐT".as_bytes();
        let a = s.put(&mut &data[..], 1 << 20).unwrap();
        assert_eq!(a.size, data.len() as u64);
        assert_eq!(s.put(&mut &data[..], 1 << 20).unwrap(), a);
        assert_eq!(s.get(&a.key).unwrap(), data);
        let path = s.verified_path(&a.key).unwrap();
        std::fs::write(&path, b"changed").unwrap();
        assert!(matches!(s.get(&a.key), Err(FileError::Tampered { .. })));
        assert!(matches!(
            s.verified_path(&a.key),
            Err(FileError::Tampered { .. })
        ));
        let _ = std::fs::remove_dir_all(s.root());
    }

    #[test]
    fn too_large_and_bad_keys_are_refused_and_leave_nothing() {
        let s = store();
        let big = vec![7u8; 100_000];
        assert!(matches!(
            s.put(&mut &big[..], 1000),
            Err(FileError::TooLarge { max: 1000 })
        ));
        let left: Vec<_> = std::fs::read_dir(s.root()).unwrap().flatten().collect();
        assert!(left.is_empty(), "{left:?}");
        for bad in ["", "../etc/passwd", &"A".repeat(64), &"a".repeat(63)] {
            assert!(matches!(s.get(bad), Err(FileError::BadKey(_))), "{bad}");
        }
        assert!(matches!(
            s.get(&"0".repeat(64)),
            Err(FileError::NotFound(_))
        ));
        let _ = std::fs::remove_dir_all(s.root());
    }
}
