//! How platform's tests build the app: the platform's shell with the registry (scopes are
//! registry units).

pub use testkit::{Client, Res, TestApp, Wiring, test_totp_key};

pub static WIRING: Wiring = Wiring::registry();
