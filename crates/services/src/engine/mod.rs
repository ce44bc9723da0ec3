//! The portal's use cases, one transaction each (the change, its audit entry and its jobs
//! commit together).

pub mod catalogue;
pub mod demo_history;
pub mod dossiers;
pub mod exchange;
pub mod notices;
pub mod payments;
pub mod ratings;
pub mod reference;
pub mod reminders;
pub mod slips;
pub mod sqi;
pub mod sync;
