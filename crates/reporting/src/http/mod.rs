//! The web edge of the reporting engine: handlers, request and response types, pages; engine
//! errors mapped to status codes and form fields ([`errors`]).

pub mod bulk;
pub mod errors;
pub(crate) mod pages;
pub mod report;
pub mod save;
