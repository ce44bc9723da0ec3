//! Every SQL statement of the reporting engine's tables (submissions, values, their history,
//! rules, reminders). Fixed statements are `&'static str` literals; dynamic ones (`IN` lists,
//! multi-row `VALUES`) are built with `sea-query` and rendered per backend.

pub mod rules;
