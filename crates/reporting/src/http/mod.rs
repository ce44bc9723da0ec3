//! The HTTP edge: one file per resource or action — handlers, request and response types, pages —
//! mapping domain errors to status codes, form fields and the JSON error envelope.

pub mod access;
pub mod catalogue;
pub mod targets;
pub mod templates;
