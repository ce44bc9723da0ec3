//! The command line's larger subcommands, each with its arguments: reference data
//! (`egov reference`, `egov migrate`'s options) and administration (`egov admin`).

pub mod admin;
pub mod reference;

/// Who a command run by hand acts as in the audit trail: `cli:` and the operating-system user
/// (the one behind `sudo` when there is one).
pub fn actor() -> platform::audit::Actor {
    let who = std::env::var("SUDO_USER")
        .or_else(|_| std::env::var("USER"))
        .unwrap_or_else(|_| "unknown".into());
    platform::audit::Actor::system(&format!("cli:{who}"))
}
