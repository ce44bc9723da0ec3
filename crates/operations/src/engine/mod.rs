//! The operations center's use cases that change something: the daily brief (compose, edit,
//! publish, subscribers). Errors carry stable snake_case codes; the `http` layer maps them.

pub mod brief;
