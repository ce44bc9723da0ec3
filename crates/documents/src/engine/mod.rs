//! The axis's use cases.

pub mod axis;
pub mod endpoint;
pub mod registers;
