//! The domain of official documents and their exchange, without I/O.

pub mod agency;
pub mod document;
pub mod problem;
pub mod register;
pub mod status;
pub mod time;
