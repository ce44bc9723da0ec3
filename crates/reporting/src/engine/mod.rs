//! The reporting use cases. Domain errors are `thiserror` enums with stable snake_case codes; no
//! status codes and no HTML field names here (the `http` layer maps them).

pub mod catalogue;
pub mod reference;
pub mod targets;
