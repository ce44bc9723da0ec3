//! Formulas of derived indicators (chỉ tiêu tính toán): parsing, checking and exact evaluation.
//!
//! A formula is an arithmetic expression over indicator codes, evaluated on exact decimals
//! ([`Decimal`]) so that `0.1 + 0.2` is `0.3` and shares add up. The grammar
//! (`formula.pest`) accepts:
//!
//! * decimal literals (`1000`, `0.5`), indicator codes in UPPER_SNAKE (`EXPORTS`, `C02_X`),
//!   parentheses, `+ - * /` and unary minus, with the usual precedence (unary minus binds
//!   tighter than `*` and `/`, which bind tighter than `+` and `-`; all are left-associative);
//! * functions: `sum`, `avg`, `min`, `max` (one or more arguments), `abs(x)`,
//!   `round(x, digits)` (half away from zero; `digits` a whole number 0–28),
//!   `if(condition, then, else)` whose condition may compare two expressions with
//!   `< <= > >= == !=` (or be a value, true when not zero), `share(x, y)` = `x / y * 100`;
//! * time functions, which evaluate their argument in another period: `growth(x)` (percent
//!   change over the same period last year), `ytd(x)` (year to date), `prev(x)` (previous
//!   period), `lag(x, n)` (`n` periods back, a whole number ≥ 1) and
//!   `same_period_last_year(x)`. The argument may be any expression without time functions:
//!   every indicator in it is read in the shifted period. Time functions do not nest
//!   (`growth(ytd(X))` is refused).
//!
//! Evaluation reads indicator values through a [`Context`], and yields either a value or the
//! reason there is none ([`NoValue`]). [`check_cycles`] orders a catalogue of formulas so that
//! each derived indicator comes after the derived indicators it uses, or reports a cycle.

#[cfg(test)]
use std::collections::BTreeMap;
use std::collections::BTreeSet;
use std::fmt;

use pest::Parser as _;
use rust_decimal::prelude::FromPrimitive;

pub use rust_decimal::Decimal;

mod grammar {
    //! The parser generated from `formula.pest`.
    #[derive(pest_derive::Parser)]
    #[grammar = "model/formula/formula.pest"]
    pub struct FormulaParser;
}

use grammar::{FormulaParser, Rule};

mod checks;
mod expr;
mod parse;
#[cfg(test)]
mod tests;

pub use checks::{check_cycles, parse_catalogue};
use expr::Expr;
#[cfg(test)]
use expr::{Agg, BinOp, CmpOp, Cond};
use parse::{Builder, check_nesting, syntax_error};

/// Error code of text that does not follow the grammar.
pub const SYNTAX: &str = "formula_syntax";
/// Error code of a call to a function that does not exist.
pub const UNKNOWN_FUNCTION: &str = "formula_unknown_function";
/// Error code of a call with the wrong number of arguments.
pub const ARITY: &str = "formula_arity";

/// Deepest nesting of parentheses accepted. The generated parser recurses through several
/// rules per level (some 17 KiB of stack per level in a debug build), and formulas may be parsed
/// on threads with 2 MiB stacks.
const MAX_NESTING: usize = 40;
/// Deepest expression tree accepted (a chain `A + B + …` is as deep as it is long). Not above
/// [`MAX_NESTING`], so that the fully parenthesised form of any formula parses again.
const MAX_DEPTH: usize = MAX_NESTING;
/// Largest `n` of `lag(x, n)`.
const MAX_LAG: u32 = 999;

/// Why a formula was refused, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormulaError {
    /// A stable code for programs: [`SYNTAX`], [`UNKNOWN_FUNCTION`] or [`ARITY`].
    pub code: &'static str,
    /// An explanation for people (English).
    pub message: String,
    /// Byte offset of the error in the formula.
    pub offset: usize,
    /// The same position as a 1-based column, counted in characters from the start of the
    /// formula.
    pub column: usize,
}

impl FormulaError {
    fn new(src: &str, offset: usize, code: &'static str, message: impl Into<String>) -> Self {
        let offset = offset.min(src.len());
        let column = src.get(..offset).map_or(offset, |s| s.chars().count()) + 1;
        FormulaError {
            code,
            message: message.into(),
            offset,
            column,
        }
    }
}

impl fmt::Display for FormulaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "column {}: {}", self.column, self.message)
    }
}

impl std::error::Error for FormulaError {}

/// Why a formula has no value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum NoValue {
    /// A division (or `share`, or `growth` over a base) by zero.
    DivisionByZero,
    /// The value of this indicator is missing.
    Missing(String),
    /// A result beyond the range of [`Decimal`].
    Overflow,
    /// An input that is not a number (see [`decimal_from_f64`]).
    NotANumber,
}

impl fmt::Display for NoValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NoValue::DivisionByZero => f.write_str("division by zero"),
            NoValue::Missing(code) => write!(f, "no value for {code}"),
            NoValue::Overflow => f.write_str("the result is out of range"),
            NoValue::NotANumber => f.write_str("not a number"),
        }
    }
}

impl std::error::Error for NoValue {}

/// Convert a stored floating-point value for evaluation: NaN and infinities are
/// [`NoValue::NotANumber`], finite values beyond the range of [`Decimal`] are
/// [`NoValue::Overflow`].
pub fn decimal_from_f64(v: f64) -> Result<Decimal, NoValue> {
    if !v.is_finite() {
        return Err(NoValue::NotANumber);
    }
    Decimal::from_f64(v).ok_or(NoValue::Overflow)
}

/// Which period an indicator is read in, relative to the period being computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PeriodShift {
    /// The period being computed.
    Current,
    /// The period before (`prev(x)`).
    Previous,
    /// `n` periods back (`lag(x, n)`).
    Lag(u32),
    /// The same period a year earlier (`same_period_last_year(x)`, and the base of `growth`).
    SamePeriodLastYear,
    /// The year-to-date value, from the start of the year to the current period (`ytd(x)`);
    /// how it accumulates (sum, last…) is the context's business.
    YearToDate,
}

/// Where evaluation reads indicator values. Any `Fn(&str, PeriodShift) -> Option<Decimal>` is a
/// context.
pub trait Context {
    /// The value of indicator `code` in the period `offset` designates, if there is one.
    fn value(&self, code: &str, offset: PeriodShift) -> Option<Decimal>;
}

impl<F> Context for F
where
    F: Fn(&str, PeriodShift) -> Option<Decimal>,
{
    fn value(&self, code: &str, offset: PeriodShift) -> Option<Decimal> {
        self(code, offset)
    }
}

/// A parsed formula.
#[derive(Debug, Clone, PartialEq)]
pub struct Formula {
    ast: Expr,
    source: String,
}

impl Formula {
    /// Parse and check a formula: syntax, function names and numbers of arguments.
    pub fn parse(s: &str) -> Result<Formula, FormulaError> {
        check_nesting(s)?;
        let formula = FormulaParser::parse(Rule::formula, s)
            .map_err(|e| syntax_error(s, e))?
            .next()
            .expect("a formula pair");
        let expr = formula.into_inner().next().expect("an expression");
        let node = Builder { src: s }.expr(expr)?;
        Ok(Formula {
            ast: node.expr,
            source: s.to_owned(),
        })
    }

    /// The text the formula was parsed from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The formula printed back fully parenthesised (`((A + B) * 2)`); it parses to the same
    /// formula.
    pub fn canonical(&self) -> String {
        self.ast.to_string()
    }

    /// The indicator codes the formula uses, in any period.
    pub fn references(&self) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        self.ast.collect_references(&mut out);
        out
    }

    /// Evaluate the formula for the context's current period.
    pub fn eval(&self, ctx: &dyn Context) -> Result<Decimal, NoValue> {
        self.ast.eval(ctx, PeriodShift::Current)
    }
}

impl fmt::Display for Formula {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

impl std::str::FromStr for Formula {
    type Err = FormulaError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Formula::parse(s)
    }
}
