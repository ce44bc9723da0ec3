//! The axis's use cases.

pub mod axis;
pub mod endpoint;
pub mod indicators;
pub mod registers;
