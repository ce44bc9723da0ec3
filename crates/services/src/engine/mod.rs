//! The portal's use cases, one transaction each (the change, its audit entry and its jobs
//! commit together).

pub mod notices;
pub mod payments;
pub mod ratings;
pub mod sync;
