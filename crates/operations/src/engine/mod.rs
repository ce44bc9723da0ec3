//! The operations center's use cases that change something: alerts, the daily brief, dashboards
//! and playlists — each change in one transaction with its audit entry (and its live event where
//! pages follow it). Errors carry stable snake_case codes; the `http` layer maps them.

pub mod alerts;
pub mod brief;
pub mod conferences;
pub mod dashboards;
pub mod probe;
pub mod sites;
