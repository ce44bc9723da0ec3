//! The axis's use cases.

pub mod axis;
pub mod registers;
