//! The e-Cabinet (Hệ thống thông tin phục vụ họp và xử lý công việc của Chính phủ): collective
//! bodies — the Government, each ministry's leadership, each province's People's Committee and
//! Council — with their members over time; opinion forms to members and their synthesis;
//! sessions with agendas, members' marks, attendance, speakers, drafts and polls; every answer
//! and ballot confirmed with the member's passkey and verifiable (`egov cabinet verify`);
//! resolutions. See docs/cabinet.md.
//!
//! The crate follows the skeleton of docs/architecture.md: `model` (rules and types, no I/O),
//! `store` (every SQL statement), `engine` (the use cases), `http` (handlers and pages).
#![forbid(unsafe_code)]

pub mod demo;
pub mod engine;
pub mod http;
pub mod model;
pub mod store;

use axum::Router;
use platform::web::AppState;

/// The e-Cabinet's pages.
pub fn router() -> Router<AppState> {
    http::pages()
}
