//! The operations center's domain, without I/O: which indicators are key, how a figure stands
//! against its target, and the geometry of a sparkline.

pub mod dashboard;
pub mod key;
pub mod spark;
pub mod target;
