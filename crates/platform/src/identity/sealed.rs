//! Second-factor secrets encrypted at rest (ChaCha20-Poly1305, an AEAD, from `ring`, already
//! in the dependency tree through rustls) with a key from the configuration (`totp_key`), never
//! stored in the database. A copy of the database alone does not give anyone's TOTP secret, and a
//! sealed secret moved to another user's row does not open (the user id is authenticated data).
//!
//! Stored form: `v1:` followed by base64 of a random 96-bit nonce, the ciphertext and the tag.
//! Base32 secrets written before encryption never contain `:`; [`seal_plain_secrets`] encrypts
//! them when egov starts with a key.

use base64::Engine;
use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};

use crate::config::{Config, ConfigError};
use crate::db::{Db, DbResult};
use crate::params;

const PREFIX: &str = "v1:";
const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// The key that seals second-factor secrets. Its `Debug` shows nothing of the key.
pub struct SecretKey(LessSafeKey);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey([redacted])")
    }
}

impl SecretKey {
    /// A key from its configured form: base64 of 32 bytes.
    pub fn from_base64(text: &str) -> Result<SecretKey, String> {
        let bytes = B64
            .decode(text.trim())
            .map_err(|_| "totp_key is not base64".to_owned())?;
        if bytes.len() != 32 {
            return Err(format!(
                "totp_key must be 32 bytes (44 base64 characters), got {}",
                bytes.len()
            ));
        }
        let key = UnboundKey::new(&CHACHA20_POLY1305, &bytes)
            .map_err(|_| "totp_key is not a valid key".to_owned())?;
        Ok(SecretKey(LessSafeKey::new(key)))
    }

    /// The configured key, if any; a malformed one is an error.
    pub fn from_config(cfg: &Config) -> Result<Option<SecretKey>, ConfigError> {
        match &cfg.totp_key {
            None => Ok(None),
            Some(s) if s.expose().trim().is_empty() => Ok(None),
            Some(s) => SecretKey::from_base64(s.expose())
                .map(Some)
                .map_err(ConfigError::Unsafe),
        }
    }

    /// A new random key in its configured form.
    pub fn generate_base64() -> String {
        let mut b = [0u8; 32];
        SystemRandom::new()
            .fill(&mut b)
            .expect("the system random source works");
        B64.encode(b)
    }

    /// Encrypt a user's secret for storage.
    pub fn seal(&self, user_id: i64, plain: &str) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new()
            .fill(&mut nonce)
            .expect("the system random source works");
        let mut data = plain.as_bytes().to_vec();
        self.0
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(aad(user_id)),
                &mut data,
            )
            .expect("sealing a short secret does not fail");
        let mut out = nonce.to_vec();
        out.extend(data);
        format!("{PREFIX}{}", B64.encode(out))
    }

    /// Decrypt a stored secret; `None` if it was not sealed with this key for this user.
    pub fn open(&self, user_id: i64, stored: &str) -> Option<String> {
        let raw = B64.decode(stored.strip_prefix(PREFIX)?).ok()?;
        if raw.len() < NONCE_LEN {
            return None;
        }
        let (nonce, data) = raw.split_at(NONCE_LEN);
        let mut data = data.to_vec();
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let plain = self
            .0
            .open_in_place(nonce, Aad::from(aad(user_id)), &mut data)
            .ok()?;
        String::from_utf8(plain.to_vec()).ok()
    }
}

fn aad(user_id: i64) -> [u8; 8] {
    user_id.to_be_bytes()
}

/// Is a stored value sealed (rather than a secret written before encryption)?
pub fn is_sealed(stored: &str) -> bool {
    stored.starts_with(PREFIX)
}

/// The secret itself from its stored form: sealed values need the key; a value from before
/// encryption (not yet sealed by [`seal_plain_secrets`]) is read as it is.
pub fn open_stored(key: Option<&SecretKey>, user_id: i64, stored: &str) -> Option<String> {
    if is_sealed(stored) {
        key?.open(user_id, stored)
    } else {
        Some(stored.to_owned())
    }
}

/// Encrypt every second-factor secret still stored in plain text; returns how many.
pub async fn seal_plain_secrets(db: &Db, key: &SecretKey) -> DbResult<u64> {
    let rows = db
        .fetch_all(
            "SELECT id, totp_secret FROM users WHERE totp_secret IS NOT NULL",
            params![],
        )
        .await?;
    let mut n = 0;
    for r in rows {
        let (id, stored): (i64, String) = (r.get("id")?, r.get("totp_secret")?);
        if is_sealed(&stored) {
            continue;
        }
        n += db
            .execute(
                "UPDATE users SET totp_secret = $1 WHERE id = $2 AND totp_secret = $3",
                params![key.seal(id, &stored), id, &stored],
            )
            .await?;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secrets_open_only_with_their_key_and_user() {
        let key = SecretKey::from_base64(&SecretKey::generate_base64()).unwrap();
        let other = SecretKey::from_base64(&SecretKey::generate_base64()).unwrap();
        let sealed = key.seal(7, "JBSWY3DPEHPK3PXP");
        assert!(is_sealed(&sealed) && !sealed.contains("JBSWY3DPEHPK3PXP"));
        assert_ne!(sealed, key.seal(7, "JBSWY3DPEHPK3PXP"), "random nonce");
        assert_eq!(key.open(7, &sealed).as_deref(), Some("JBSWY3DPEHPK3PXP"));
        assert_eq!(key.open(8, &sealed), None, "bound to the user");
        assert_eq!(other.open(7, &sealed), None, "bound to the key");
        assert_eq!(open_stored(None, 7, &sealed), None);
        assert_eq!(
            open_stored(None, 7, "JBSWY3DPEHPK3PXP").as_deref(),
            Some("JBSWY3DPEHPK3PXP")
        );
        assert!(SecretKey::from_base64("c2hvcnQ=").is_err());
        assert!(format!("{key:?}").contains("redacted"));
    }
}
