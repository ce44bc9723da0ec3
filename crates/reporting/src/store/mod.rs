//! Every SQL statement of the crate, one file per table group; other crates' tables only through
//! their crate's API (the registry's units and agencies through `registry::store`). Fixed
//! statements are `&'static str` literals; dynamic ones (`IN` lists, multi-row `VALUES`) are built
//! with `sea-query` and rendered per backend ([`platform::db::Backend::build`]).

pub mod catalogue;
pub mod data;
pub mod demo;
pub mod holidays;
pub mod recent;
pub mod reminders;
pub mod rules;
pub mod series;
pub mod submissions;
pub mod targets;
pub mod templates;
pub mod trail;
pub mod units;
pub mod validation_rules;
pub mod values;
pub mod worklist;

use platform::db::Value;

/// Render a `sea-query` statement for `backend`, consuming it: its identifiers are not `Send`,
/// so no statement may live across an `.await`.
pub(crate) fn build<S: sea_query::QueryStatementWriter>(
    backend: platform::db::Backend,
    stmt: S,
) -> platform::db::DbResult<(platform::db::Sql, Vec<Value>)> {
    backend.build(&stmt)
}
