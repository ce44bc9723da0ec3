//! The reporting use cases, without HTTP: saving and submitting reports, the bulk engine every
//! value enters through, decisions (approve/return), reminders, the audit trail's check, the
//! catalogue and targets imports, and the reference data. Errors are `thiserror` enums with stable
//! snake_case codes (no status codes, no HTML field names); the `http` layer maps them.

pub mod announce;
pub mod bulk;
pub mod catalogue;
pub mod decide;
pub mod error;
pub mod reference;
pub mod reminders;
pub mod review;
pub mod save;
pub mod targets;
#[cfg(test)]
mod tests;
pub mod trail;
