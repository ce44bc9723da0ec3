//! The operations center's use cases that change something: alerts and the daily brief, each
//! change in one transaction with its audit entry and its live event. Errors carry stable
//! snake_case codes; the `http` layer maps them.

pub mod alerts;
pub mod brief;
