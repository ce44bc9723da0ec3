//! The audit key (khóa kiểm toán): the secret that seals the audit chain and its checkpoints. Its
//! own module because the database handle carries it (every transaction may seal an entry) and the
//! audit chain uses the database: keeping the key in `audit` made `db` and `audit` depend on each
//! other.

use std::sync::Arc;

use hmac::{KeyInit, Mac};

type HmacSha256 = hmac::Hmac<sha2_v011::Sha256>;

/// The secret that seals the chain and its checkpoints (khóa kiểm toán). At least 32 bytes, from
/// configuration; its `Debug` never shows it. Its id (a MAC of a fixed text, not the key) is
/// stored with each entry so that a wrong key is told apart from an edited entry.
#[derive(Clone)]
pub struct AuditKey {
    bytes: Arc<[u8]>,
    id: Arc<str>,
}

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AuditKey({})", self.id)
    }
}

impl AuditKey {
    /// Shortest key accepted, in bytes.
    pub const MIN_BYTES: usize = 32;

    pub fn new(bytes: &[u8]) -> Result<AuditKey, String> {
        if bytes.len() < Self::MIN_BYTES {
            return Err(format!(
                "the audit key must be at least {} bytes ({} hexadecimal digits)",
                Self::MIN_BYTES,
                Self::MIN_BYTES * 2
            ));
        }
        let mut key = AuditKey {
            bytes: bytes.into(),
            id: Arc::from(""),
        };
        key.id = Arc::from(&key.mac(&[b"egov audit key id"])[..16]);
        Ok(key)
    }

    /// A key written as hexadecimal digits (surrounding whitespace ignored).
    pub fn from_hex(text: &str) -> Result<AuditKey, String> {
        let bytes = hex::decode(text.trim())
            .map_err(|_| "the audit key must be written in hexadecimal digits".to_owned())?;
        Self::new(&bytes)
    }

    /// A new random key of 32 bytes, as hexadecimal digits.
    pub fn generate_hex() -> String {
        let mut bytes = [0u8; 32];
        rand::Rng::fill(&mut rand::rng(), &mut bytes);
        hex::encode(bytes)
    }

    /// Its id: 16 hexadecimal digits that name the key without revealing it.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// HMAC-SHA256 over the parts, each prefixed with its length.
    pub(crate) fn mac(&self, parts: &[&[u8]]) -> String {
        let mut m = <HmacSha256 as KeyInit>::new_from_slice(&self.bytes)
            .expect("HMAC takes a key of any length");
        for p in parts {
            m.update(&(p.len() as u64).to_be_bytes());
            m.update(p);
        }
        hex::encode(m.finalize().into_bytes())
    }
}
