//! The key indicators of the national overview, in the order shown: production, prices, trade,
//! the budget and tourism — the figures the Government's monthly meeting opens with.

/// Indicator codes (those the catalogue does not hold, or the reader may not see, are left out).
pub const KEY_INDICATORS: &[&str] = &[
    "IIP",
    "CPI",
    "RETAIL_SALES",
    "EXPORTS",
    "IMPORTS",
    "TRADE_BALANCE",
    "BUDGET_REVENUE",
    "INTL_VISITORS",
];

/// How many months the overview's sparklines cover.
pub const SERIES_MONTHS: usize = 24;
