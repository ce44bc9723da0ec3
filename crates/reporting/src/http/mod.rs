//! The HTTP edge: one file per resource or action — handlers, request and response types, pages —
//! mapping domain and query errors to status codes, form fields and the JSON error envelope.

pub mod access;
pub mod catalogue;
pub mod data;
pub mod dhis2;
pub mod download;
pub mod excel;
pub mod indicators;
pub mod sdmx;
pub mod targets;
pub mod templates;
