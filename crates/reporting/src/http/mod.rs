//! The HTTP edge: one file per resource or action — handlers, request and response types, pages —
//! mapping domain, engine and query errors to status codes, form fields and the JSON error
//! envelope ([`errors`]).

pub mod access;
pub mod bulk;
pub mod catalogue;
pub mod data;
pub mod dhis2;
pub mod dhis2_import;
pub mod download;
pub mod errors;
pub mod excel;
pub mod indicators;
pub(crate) mod pages;
pub mod report;
pub mod save;
pub mod sdmx;
pub mod targets;
pub mod templates;
