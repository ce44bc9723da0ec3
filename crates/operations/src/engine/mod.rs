//! The operations center's use cases that write: dashboards and playlists, audited.

pub mod dashboards;
