//! What every egov capability stands on: configuration, the database (SQLite | PostgreSQL) and
//! its migrations, errors, the audit chain, the job queue, identity and access, and the web shell.
#![forbid(unsafe_code)]

pub mod audit;
pub mod audit_key;
pub mod cache;
pub mod config;
pub mod db;
pub mod error;
pub mod files;
pub mod http_client;
pub mod i18n;
pub mod identity;
pub mod jobs;
pub mod live;
pub mod mail;
pub mod pdf;
pub mod reference;
pub mod sms;
pub mod web;

pub use error::{AppError, AppResult, Fault, FaultResult, Problem};
