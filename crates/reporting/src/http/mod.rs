//! The HTTP edge: one file per resource or action (handlers, request and response types); maps
//! domain and query errors to status codes and the JSON error envelope.

pub mod data;
pub mod dhis2;
pub mod download;
pub mod excel;
pub mod indicators;
pub mod sdmx;
