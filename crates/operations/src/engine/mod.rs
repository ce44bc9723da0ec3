//! The operations center's use cases: each change in one transaction with its audit entry and
//! its live event.

pub mod alerts;
