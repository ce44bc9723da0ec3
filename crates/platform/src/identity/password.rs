//! Passwords: argon2id hashes (OWASP parameters: 19 MiB, 2 passes, 1 lane) and the policy.

use argon2::{Algorithm, Argon2, Params, PasswordHash, PasswordHasher, PasswordVerifier, Version};

use crate::error::Problem;

fn hasher() -> Argon2<'static> {
    Argon2::new(
        Algorithm::Argon2id,
        Version::V0x13,
        Params::new(19 * 1024, 2, 1, None).expect("valid argon2 parameters"),
    )
}

/// Hash a password for storage (PHC string, salt included).
pub fn hash(password: &str) -> String {
    hasher()
        .hash_password(password.as_bytes())
        .expect("argon2 hashing does not fail with valid parameters")
        .to_string()
}

/// Constant-time check of a password against a stored hash.
pub fn verify(password: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => hasher()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A hash to verify against when the account does not exist, so that the response time does not
/// tell whether a username exists.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| hash("not-a-real-password"));
    &DUMMY
}

pub const MIN_LEN: usize = 12;
pub const MAX_LEN: usize = 128;

const COMMON: &[&str] = &[
    "123456789012",
    "password1234",
    "matkhau12345",
    "qwertyuiop12",
    "admin1234567",
    "abc123456789",
    "iloveyou1234",
    "vietnam12345",
    "123456789abc",
    "passw0rd1234",
];

/// The password policy (after NIST SP 800-63B): 12–128 characters, not the username, not a
/// single repeated character, not a well-known password.
pub fn check_policy(password: &str, username: &str) -> Result<(), Problem> {
    let len = password.chars().count();
    if len < MIN_LEN {
        return Err(Problem::new("password_too_short")
            .field("password")
            .arg("min", MIN_LEN));
    }
    if len > MAX_LEN {
        return Err(Problem::new("password_too_long")
            .field("password")
            .arg("max", MAX_LEN));
    }
    let lower = password.to_lowercase();
    if !username.is_empty() && lower.contains(&username.to_lowercase()) {
        return Err(Problem::new("password_contains_username").field("password"));
    }
    let first = password.chars().next();
    if password.chars().all(|c| Some(c) == first) || COMMON.contains(&lower.as_str()) {
        return Err(Problem::new("password_too_common").field("password"));
    }
    Ok(())
}

/// A random password that meets the policy (for demo accounts and resets).
pub fn generate() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    let groups: Vec<String> = (0..4)
        .map(|_| {
            (0..4)
                .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
                .collect()
        })
        .collect();
    groups.join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_then_verify() {
        let h = hash("một mật khẩu dài");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("một mật khẩu dài", &h));
        assert!(!verify("một mật khẩu dàI", &h));
        assert!(!verify("x", "not a hash"));
    }

    #[test]
    fn policy() {
        assert_eq!(
            check_policy("short", "u").unwrap_err().code,
            "password_too_short"
        );
        assert_eq!(
            check_policy("nguyenvana-2026!", "nguyenvana")
                .unwrap_err()
                .code,
            "password_contains_username"
        );
        assert_eq!(
            check_policy("aaaaaaaaaaaaaaa", "u").unwrap_err().code,
            "password_too_common"
        );
        assert_eq!(
            check_policy("Password1234", "u").unwrap_err().code,
            "password_too_common"
        );
        assert!(check_policy("correct horse battery", "u").is_ok());
        for _ in 0..200 {
            assert!(check_policy(&generate(), "nguyenvana").is_ok());
        }
    }
}
