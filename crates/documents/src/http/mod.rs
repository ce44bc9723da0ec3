//! The documents crate over HTTP.

pub mod registers;
