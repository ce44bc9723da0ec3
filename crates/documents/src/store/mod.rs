//! Every SQL statement of the documents crate.

pub mod agencies;
pub mod outbox;
pub mod packages;
pub mod registers;
pub mod traffic;
