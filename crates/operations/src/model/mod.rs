//! The operations center's domain, without I/O: which indicators are key, how a figure stands
//! against its target, the geometry of a sparkline, and alert rules.

pub mod alerts;
pub mod key;
pub mod spark;
pub mod target;
