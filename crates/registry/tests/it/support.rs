//! How registry's tests build the app: the platform's shell with the registry.

pub use testkit::{TestApp, Wiring};

pub static WIRING: Wiring = Wiring::registry();
