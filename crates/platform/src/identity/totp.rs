//! Time-based one-time passwords (RFC 6238: SHA-1, 6 digits, 30 s), as authenticator apps expect.

use totp_rs::{Algorithm, Builder, Secret, Totp};

pub fn new_secret() -> String {
    Secret::generate().to_base32()
}

fn totp(secret_b32: &str, account: &str) -> Option<Totp> {
    let secret = Secret::try_from_base32(secret_b32).ok()?;
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(30)
        .with_secret(secret)
        .with_issuer(Some("egov"))
        .with_account_name(account)
        .build()
        .ok()
}

/// The time step of a code: the current one or one step either side (clock drift).
pub fn matched_step(secret_b32: &str, code: &str) -> Option<u64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    totp(secret_b32, "user")?.check_current(&code)
}

/// The code of a given time step (tests and clients that must avoid a used step).
pub fn at_step(secret_b32: &str, step: u64) -> Option<String> {
    totp(secret_b32, "user").map(|t| t.generate(step * 30).to_string())
}

/// The current time step.
pub fn current_step() -> u64 {
    (crate::db::now_ms() / 30_000) as u64
}

pub fn current(secret_b32: &str) -> Option<String> {
    totp(secret_b32, "user").map(|t| t.generate_current().to_string())
}

/// `otpauth://` URI for authenticator apps.
pub fn uri(secret_b32: &str, account: &str) -> Option<String> {
    totp(secret_b32, account).and_then(|t| t.to_url().ok())
}
