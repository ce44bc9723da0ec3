//! The use cases of reporting, without HTTP: saving and submitting reports, the bulk engine every
//! value enters through, decisions (approve/return), reminders, and the audit trail's check.
//! Errors are [`error::Error`], with stable snake_case codes; `http::errors` maps them.

pub mod bulk;
pub mod decide;
pub mod error;
pub mod reminders;
pub mod save;
#[cfg(test)]
mod tests;
pub mod trail;
