//! Every SQL statement of the reporting engine's tables (submissions, values, their history,
//! rules, reminders). Fixed statements are `&'static str` literals; dynamic ones (`IN` lists,
//! multi-row `VALUES`) are built with `sea-query` and rendered per backend
//! ([`platform::db::Backend::build`]).

pub mod reminders;
pub mod rules;
pub mod submissions;
pub mod trail;
pub mod values;

use platform::db::Value;

/// A bound parameter as `sea-query` takes it.
pub(crate) fn sea(v: Value) -> sea_query::Value {
    use sea_query::Value as S;
    match v {
        Value::Int(v) => S::BigInt(v),
        Value::Real(v) => S::Double(v),
        Value::Text(v) => S::String(v),
        Value::Bool(v) => S::Bool(v),
        Value::Bytes(v) => S::Bytes(v),
    }
}

/// Render a `sea-query` statement for `backend`, consuming it: its identifiers are not `Send`,
/// so no statement may live across an `.await`.
pub(crate) fn build<S: sea_query::QueryStatementWriter>(
    backend: platform::db::Backend,
    stmt: S,
) -> platform::db::DbResult<(platform::db::Sql, Vec<Value>)> {
    backend.build(&stmt)
}
