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

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use pest::Parser as _;
use pest::error::{ErrorVariant, InputLocation};
use pest::iterators::Pair;
use rust_decimal::RoundingStrategy;
use rust_decimal::prelude::FromPrimitive;

pub use rust_decimal::Decimal;

mod grammar {
    //! The parser generated from `formula.pest`.
    #[derive(pest_derive::Parser)]
    #[grammar = "formula.pest"]
    pub struct FormulaParser;
}

use grammar::{FormulaParser, Rule};

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

/// Parse the formulas of a catalogue, `(indicator code, formula)`; blank formulas (indicators
/// that are reported, not derived) are skipped. The first formula refused is returned with its
/// indicator code.
pub fn parse_catalogue(
    defs: impl IntoIterator<Item = (String, String)>,
) -> Result<BTreeMap<String, Formula>, (String, FormulaError)> {
    let mut out = BTreeMap::new();
    for (code, src) in defs {
        if src.trim().is_empty() {
            continue;
        }
        match Formula::parse(&src) {
            Ok(f) => {
                out.insert(code, f);
            }
            Err(e) => return Err((code, e)),
        }
    }
    Ok(out)
}

/// Order derived indicators so that each comes after the derived indicators its formula uses
/// (codes absent from `defs` are reported indicators and impose no order). A formula that uses
/// itself, in any period, or a loop `A → B → … → A` is refused with the loop as a path that
/// starts and ends with the same code (`["A", "B", "A"]`).
pub fn check_cycles(defs: &BTreeMap<String, Formula>) -> Result<Vec<String>, Vec<String>> {
    // The derived indicators each definition uses, in code order.
    let deps: BTreeMap<&str, Vec<&str>> = defs
        .iter()
        .map(|(code, f)| {
            let used = f
                .references()
                .iter()
                .filter_map(|r| defs.get_key_value(r).map(|(k, _)| k.as_str()))
                .collect();
            (code.as_str(), used)
        })
        .collect();
    // Absent: not visited; false: on the current path; true: done.
    let mut done: BTreeMap<&str, bool> = BTreeMap::new();
    let mut order = Vec::with_capacity(defs.len());
    for &root in deps.keys() {
        if done.contains_key(root) {
            continue;
        }
        done.insert(root, false);
        let mut stack: Vec<(&str, usize)> = vec![(root, 0)];
        while let Some(&(code, i)) = stack.last() {
            let Some(&next) = deps[code].get(i) else {
                done.insert(code, true);
                order.push(code.to_owned());
                stack.pop();
                continue;
            };
            if let Some(top) = stack.last_mut() {
                top.1 += 1;
            }
            match done.get(next) {
                Some(true) => {}
                Some(false) => {
                    let start = stack.iter().position(|(c, _)| *c == next).unwrap_or(0);
                    let mut path: Vec<String> = stack[start..]
                        .iter()
                        .map(|(c, _)| (*c).to_owned())
                        .collect();
                    path.push(next.to_owned());
                    return Err(path);
                }
                None => {
                    done.insert(next, false);
                    stack.push((next, 0));
                }
            }
        }
    }
    Ok(order)
}

// ---------------------------------------------------------------------------------------------
// The expression tree.

/// A binary arithmetic operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
}

/// A comparison in the condition of `if`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CmpOp {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

/// A function over one or more values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Agg {
    Sum,
    Avg,
    Min,
    Max,
}

/// The condition of `if`.
#[derive(Debug, Clone, PartialEq)]
enum Cond {
    Compare(CmpOp, Expr, Expr),
    /// True when the value is not zero.
    NonZero(Expr),
}

/// A formula's expression tree.
#[derive(Debug, Clone, PartialEq)]
enum Expr {
    Num(Decimal),
    Ref(String),
    Neg(Box<Expr>),
    Bin(BinOp, Box<Expr>, Box<Expr>),
    Agg(Agg, Vec<Expr>),
    Abs(Box<Expr>),
    Round(Box<Expr>, u32),
    If(Box<Cond>, Box<Expr>, Box<Expr>),
    Share(Box<Expr>, Box<Expr>),
    Growth(Box<Expr>),
    /// A time function other than growth; never `PeriodShift::Current`.
    Shift(PeriodShift, Box<Expr>),
}

impl BinOp {
    fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
        }
    }
}

impl CmpOp {
    fn parse(s: &str) -> CmpOp {
        match s {
            "<" => CmpOp::Lt,
            "<=" => CmpOp::Le,
            ">" => CmpOp::Gt,
            ">=" => CmpOp::Ge,
            "==" => CmpOp::Eq,
            _ => CmpOp::Ne,
        }
    }
    fn symbol(self) -> &'static str {
        match self {
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
        }
    }
    fn holds(self, a: Decimal, b: Decimal) -> bool {
        match self {
            CmpOp::Lt => a < b,
            CmpOp::Le => a <= b,
            CmpOp::Gt => a > b,
            CmpOp::Ge => a >= b,
            CmpOp::Eq => a == b,
            CmpOp::Ne => a != b,
        }
    }
}

impl Agg {
    fn name(self) -> &'static str {
        match self {
            Agg::Sum => "sum",
            Agg::Avg => "avg",
            Agg::Min => "min",
            Agg::Max => "max",
        }
    }
}

fn join(f: &mut fmt::Formatter<'_>, args: &[&dyn fmt::Display]) -> fmt::Result {
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{a}")?;
    }
    Ok(())
}

/// Fully parenthesised: every binary operation is wrapped, so the text parses back to the same
/// tree whatever the precedence rules (its parentheses nest less deeply than the tree).
impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Num(d) if d.is_sign_negative() => write!(f, "-{}", d.abs()),
            Expr::Num(d) => write!(f, "{d}"),
            Expr::Ref(code) => f.write_str(code),
            // Unary minus binds tightest and may follow any operator: no parentheses needed.
            Expr::Neg(x) => write!(f, "-{x}"),
            Expr::Bin(op, a, b) => write!(f, "({a} {} {b})", op.symbol()),
            Expr::Agg(agg, xs) => {
                write!(f, "{}(", agg.name())?;
                let args: Vec<&dyn fmt::Display> =
                    xs.iter().map(|x| x as &dyn fmt::Display).collect();
                join(f, &args)?;
                f.write_str(")")
            }
            Expr::Abs(x) => write!(f, "abs({x})"),
            Expr::Round(x, digits) => write!(f, "round({x}, {digits})"),
            Expr::If(c, a, b) => write!(f, "if({c}, {a}, {b})"),
            Expr::Share(a, b) => write!(f, "share({a}, {b})"),
            Expr::Growth(x) => write!(f, "growth({x})"),
            Expr::Shift(PeriodShift::Current, x) => write!(f, "{x}"),
            Expr::Shift(PeriodShift::Previous, x) => write!(f, "prev({x})"),
            Expr::Shift(PeriodShift::Lag(n), x) => write!(f, "lag({x}, {n})"),
            Expr::Shift(PeriodShift::SamePeriodLastYear, x) => {
                write!(f, "same_period_last_year({x})")
            }
            Expr::Shift(PeriodShift::YearToDate, x) => write!(f, "ytd({x})"),
        }
    }
}

impl fmt::Display for Cond {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cond::Compare(op, a, b) => write!(f, "{a} {} {b}", op.symbol()),
            Cond::NonZero(x) => write!(f, "{x}"),
        }
    }
}

fn div(a: Decimal, b: Decimal) -> Result<Decimal, NoValue> {
    if b.is_zero() {
        return Err(NoValue::DivisionByZero);
    }
    a.checked_div(b).ok_or(NoValue::Overflow)
}

fn percent(x: Decimal) -> Result<Decimal, NoValue> {
    x.checked_mul(Decimal::ONE_HUNDRED).ok_or(NoValue::Overflow)
}

impl Expr {
    fn collect_references(&self, out: &mut BTreeSet<String>) {
        match self {
            Expr::Num(_) => {}
            Expr::Ref(code) => {
                out.insert(code.clone());
            }
            Expr::Neg(x)
            | Expr::Abs(x)
            | Expr::Round(x, _)
            | Expr::Growth(x)
            | Expr::Shift(_, x) => x.collect_references(out),
            Expr::Bin(_, a, b) | Expr::Share(a, b) => {
                a.collect_references(out);
                b.collect_references(out);
            }
            Expr::Agg(_, xs) => xs.iter().for_each(|x| x.collect_references(out)),
            Expr::If(c, a, b) => {
                match &**c {
                    Cond::Compare(_, x, y) => {
                        x.collect_references(out);
                        y.collect_references(out);
                    }
                    Cond::NonZero(x) => x.collect_references(out),
                }
                a.collect_references(out);
                b.collect_references(out);
            }
        }
    }

    /// Evaluate, reading indicators in the period `shift` designates.
    fn eval(&self, ctx: &dyn Context, shift: PeriodShift) -> Result<Decimal, NoValue> {
        Ok(match self {
            Expr::Num(d) => *d,
            Expr::Ref(code) => ctx
                .value(code, shift)
                .ok_or_else(|| NoValue::Missing(code.clone()))?,
            Expr::Neg(x) => -x.eval(ctx, shift)?,
            Expr::Bin(op, a, b) => {
                let (a, b) = (a.eval(ctx, shift)?, b.eval(ctx, shift)?);
                match op {
                    BinOp::Add => a.checked_add(b).ok_or(NoValue::Overflow)?,
                    BinOp::Sub => a.checked_sub(b).ok_or(NoValue::Overflow)?,
                    BinOp::Mul => a.checked_mul(b).ok_or(NoValue::Overflow)?,
                    BinOp::Div => div(a, b)?,
                }
            }
            Expr::Agg(agg, xs) => {
                let values = xs
                    .iter()
                    .map(|x| x.eval(ctx, shift))
                    .collect::<Result<Vec<_>, _>>()?;
                let sum = || {
                    values.iter().try_fold(Decimal::ZERO, |acc, v| {
                        acc.checked_add(*v).ok_or(NoValue::Overflow)
                    })
                };
                match agg {
                    Agg::Sum => sum()?,
                    Agg::Avg => div(sum()?, Decimal::from(values.len()))?,
                    // Never empty (at least one argument), so never `NotANumber`.
                    Agg::Min => values.iter().copied().min().ok_or(NoValue::NotANumber)?,
                    Agg::Max => values.iter().copied().max().ok_or(NoValue::NotANumber)?,
                }
            }
            Expr::Abs(x) => x.eval(ctx, shift)?.abs(),
            Expr::Round(x, digits) => x
                .eval(ctx, shift)?
                .round_dp_with_strategy(*digits, RoundingStrategy::MidpointAwayFromZero),
            Expr::If(c, a, b) => {
                let holds = match &**c {
                    Cond::Compare(op, x, y) => op.holds(x.eval(ctx, shift)?, y.eval(ctx, shift)?),
                    Cond::NonZero(x) => !x.eval(ctx, shift)?.is_zero(),
                };
                // Only the branch taken is evaluated: a missing input elsewhere does not matter.
                if holds {
                    a.eval(ctx, shift)?
                } else {
                    b.eval(ctx, shift)?
                }
            }
            Expr::Share(a, b) => percent(div(a.eval(ctx, shift)?, b.eval(ctx, shift)?)?)?,
            Expr::Growth(x) => {
                let now = x.eval(ctx, shift)?;
                let base = x.eval(ctx, PeriodShift::SamePeriodLastYear)?;
                let ratio = div(now, base)?;
                percent(ratio.checked_sub(Decimal::ONE).ok_or(NoValue::Overflow)?)?
            }
            Expr::Shift(to, x) => x.eval(ctx, *to)?,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// From the parse tree to the expression tree.

/// Refuse parentheses nested deeper than the parser should recurse.
fn check_nesting(src: &str) -> Result<(), FormulaError> {
    let mut depth = 0usize;
    for (i, b) in src.bytes().enumerate() {
        match b {
            b'(' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(FormulaError::new(
                        src,
                        i,
                        SYNTAX,
                        format!("parentheses are nested more than {MAX_NESTING} deep"),
                    ));
                }
            }
            b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// What a rule stands for in "expected …" messages.
fn describe(rule: Rule) -> &'static str {
    match rule {
        Rule::formula | Rule::argument | Rule::expr | Rule::term | Rule::unary | Rule::primary => {
            "a value"
        }
        Rule::number => "a number",
        Rule::reference => "an indicator code",
        Rule::call | Rule::function => "a function",
        Rule::neg => "`-`",
        Rule::add_op | Rule::mul_op => "an operator",
        Rule::cmp_op => "a comparison",
        Rule::lparen => "`(`",
        Rule::rparen => "`)`",
        Rule::comma => "`,`",
        Rule::EOI => "the end of the formula",
        Rule::WHITESPACE => "a space",
    }
}

fn syntax_error(src: &str, e: pest::error::Error<Rule>) -> FormulaError {
    let offset = match e.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((start, _)) => start,
    };
    let found = match src.get(offset..).and_then(|s| s.chars().next()) {
        Some(c) => format!("`{c}`"),
        None => "the end of the formula".to_owned(),
    };
    let message = match e.variant {
        ErrorVariant::ParsingError { positives, .. } => {
            let mut wanted: Vec<&str> = Vec::new();
            for d in positives.into_iter().map(describe) {
                if !wanted.contains(&d) {
                    wanted.push(d);
                }
            }
            match wanted.split_last() {
                None => format!("unexpected {found}"),
                Some((&"`(`", [])) => format!(
                    "expected `(` after a function name, found {found} (indicator codes are \
                     written in UPPER_CASE)"
                ),
                Some((last, [])) => format!("expected {last}, found {found}"),
                Some((last, rest)) => {
                    format!("expected {} or {last}, found {found}", rest.join(", "))
                }
            }
        }
        ErrorVariant::CustomError { message } => message,
    };
    FormulaError::new(src, offset, SYNTAX, message)
}

/// A built subtree with what the checks need.
struct Node {
    expr: Expr,
    /// Height of the tree.
    depth: usize,
    /// Offset of a time function inside, if any.
    timed: Option<usize>,
}

/// A built function argument.
struct Arg<'a> {
    offset: usize,
    text: &'a str,
    value: Node,
    /// A comparison `value op rhs`, with the offset of the operator.
    compare: Option<(CmpOp, usize, Node)>,
}

struct Builder<'a> {
    src: &'a str,
}

impl<'a> Builder<'a> {
    fn error(&self, offset: usize, code: &'static str, message: impl Into<String>) -> FormulaError {
        FormulaError::new(self.src, offset, code, message)
    }

    fn expr(&self, pair: Pair<'a, Rule>) -> Result<Node, FormulaError> {
        let mut inner = pair.into_inner();
        let mut acc = self.term(inner.next().expect("a term"))?;
        while let Some(op) = inner.next() {
            let rhs = self.term(inner.next().expect("a term"))?;
            let bin = if op.as_str() == "+" {
                BinOp::Add
            } else {
                BinOp::Sub
            };
            acc = self.binary(bin, acc, rhs, op.as_span().start())?;
        }
        Ok(acc)
    }

    fn term(&self, pair: Pair<'a, Rule>) -> Result<Node, FormulaError> {
        let mut inner = pair.into_inner();
        let mut acc = self.unary(inner.next().expect("a unary"))?;
        while let Some(op) = inner.next() {
            let rhs = self.unary(inner.next().expect("a unary"))?;
            let bin = if op.as_str() == "*" {
                BinOp::Mul
            } else {
                BinOp::Div
            };
            acc = self.binary(bin, acc, rhs, op.as_span().start())?;
        }
        Ok(acc)
    }

    fn binary(&self, op: BinOp, a: Node, b: Node, offset: usize) -> Result<Node, FormulaError> {
        self.wrap(offset, vec![a, b], |mut es| {
            Expr::Bin(op, boxed(&mut es), boxed(&mut es))
        })
    }

    fn unary(&self, pair: Pair<'a, Rule>) -> Result<Node, FormulaError> {
        let mut negs = Vec::new();
        let mut inner = pair.into_inner();
        let mut node = loop {
            let p = inner.next().expect("a primary");
            match p.as_rule() {
                Rule::neg => negs.push(p.as_span().start()),
                Rule::number => break self.number(p)?,
                Rule::reference => {
                    break Node {
                        expr: Expr::Ref(p.as_str().to_owned()),
                        depth: 1,
                        timed: None,
                    };
                }
                Rule::call => break self.call(p)?,
                Rule::lparen => break self.expr(inner.next().expect("an expression"))?,
                r => unreachable!("unexpected {r:?} in a unary"),
            }
        };
        for offset in negs.into_iter().rev() {
            node = self.wrap(offset, vec![node], |mut es| Expr::Neg(boxed(&mut es)))?;
        }
        Ok(node)
    }

    fn number(&self, p: Pair<'a, Rule>) -> Result<Node, FormulaError> {
        let d = Decimal::from_str_exact(p.as_str()).map_err(|_| {
            self.error(
                p.as_span().start(),
                SYNTAX,
                format!("the number {} is too large or too precise", p.as_str()),
            )
        })?;
        Ok(Node {
            expr: Expr::Num(d),
            depth: 1,
            timed: None,
        })
    }

    fn argument(&self, pair: Pair<'a, Rule>) -> Result<Arg<'a>, FormulaError> {
        let offset = pair.as_span().start();
        let text = pair.as_str();
        let mut inner = pair.into_inner();
        let value = self.expr(inner.next().expect("an expression"))?;
        let compare = match inner.next() {
            Some(op) => {
                let rhs = self.expr(inner.next().expect("an expression"))?;
                Some((CmpOp::parse(op.as_str()), op.as_span().start(), rhs))
            }
            None => None,
        };
        Ok(Arg {
            offset,
            text,
            value,
            compare,
        })
    }

    /// An argument that must be a value, not a comparison.
    fn value(&self, arg: Arg<'a>) -> Result<Node, FormulaError> {
        match arg.compare {
            Some((_, offset, _)) => Err(self.error(
                offset,
                SYNTAX,
                "a comparison is only allowed as the condition of if",
            )),
            None => Ok(arg.value),
        }
    }

    /// An argument that must be a whole number in `range`, written as such.
    fn whole(
        &self,
        arg: &Arg<'a>,
        range: std::ops::RangeInclusive<u32>,
        what: &str,
    ) -> Result<u32, FormulaError> {
        let text = arg.text.trim();
        text.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| text.parse::<u32>().ok())
            .flatten()
            .filter(|n| range.contains(n))
            .ok_or_else(|| {
                self.error(
                    arg.offset,
                    SYNTAX,
                    format!(
                        "{what} must be a whole number from {} to {}",
                        range.start(),
                        range.end()
                    ),
                )
            })
    }

    fn call(&self, pair: Pair<'a, Rule>) -> Result<Node, FormulaError> {
        let offset = pair.as_span().start();
        let mut name = "";
        let mut args = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::function => name = p.as_str(),
                Rule::argument => args.push(self.argument(p)?),
                _ => {}
            }
        }
        // (fewest, most) arguments; `None`: no maximum.
        let (min, max): (usize, Option<usize>) = match name {
            "sum" | "avg" | "min" | "max" => (1, None),
            "abs" | "growth" | "ytd" | "prev" | "same_period_last_year" => (1, Some(1)),
            "round" | "share" | "lag" => (2, Some(2)),
            "if" => (3, Some(3)),
            _ => {
                return Err(self.error(
                    offset,
                    UNKNOWN_FUNCTION,
                    format!(
                        "unknown function `{name}` (known: sum, avg, min, max, abs, round, if, \
                         growth, share, ytd, prev, lag, same_period_last_year)"
                    ),
                ));
            }
        };
        if args.len() < min || max.is_some_and(|m| args.len() > m) {
            let wanted = match max {
                Some(m) if m == min => format!("{m}"),
                _ => format!("at least {min}"),
            };
            let plural = if min == 1 { "" } else { "s" };
            return Err(self.error(
                offset,
                ARITY,
                format!("{name} takes {wanted} argument{plural}, not {}", args.len()),
            ));
        }
        let mut args = args.into_iter();
        match name {
            "sum" | "avg" | "min" | "max" => {
                let agg = match name {
                    "sum" => Agg::Sum,
                    "avg" => Agg::Avg,
                    "min" => Agg::Min,
                    _ => Agg::Max,
                };
                let nodes = args.map(|a| self.value(a)).collect::<Result<Vec<_>, _>>()?;
                self.wrap(offset, nodes, |es| Expr::Agg(agg, es.collect()))
            }
            "abs" => {
                let x = self.value(take(&mut args))?;
                self.wrap(offset, vec![x], |mut es| Expr::Abs(boxed(&mut es)))
            }
            "round" => {
                let x = self.value(take(&mut args))?;
                let digits = self.whole(
                    &take(&mut args),
                    0..=Decimal::MAX_SCALE,
                    "the number of decimal places of round",
                )?;
                self.wrap(offset, vec![x], |mut es| {
                    Expr::Round(boxed(&mut es), digits)
                })
            }
            "share" => {
                let (a, b) = (self.value(take(&mut args))?, self.value(take(&mut args))?);
                self.wrap(offset, vec![a, b], |mut es| {
                    Expr::Share(boxed(&mut es), boxed(&mut es))
                })
            }
            "if" => {
                let cond = take(&mut args);
                let (then, other) = (self.value(take(&mut args))?, self.value(take(&mut args))?);
                match cond.compare {
                    Some((op, _, rhs)) => {
                        self.wrap(offset, vec![cond.value, rhs, then, other], |mut es| {
                            let (x, y) = (*boxed(&mut es), *boxed(&mut es));
                            Expr::If(
                                Box::new(Cond::Compare(op, x, y)),
                                boxed(&mut es),
                                boxed(&mut es),
                            )
                        })
                    }
                    None => self.wrap(offset, vec![cond.value, then, other], |mut es| {
                        let x = *boxed(&mut es);
                        Expr::If(Box::new(Cond::NonZero(x)), boxed(&mut es), boxed(&mut es))
                    }),
                }
            }
            _ => {
                // The time functions.
                let x = self.value(take(&mut args))?;
                if let Some(inner) = x.timed {
                    return Err(self.error(
                        inner,
                        SYNTAX,
                        format!("time functions do not nest: {name} cannot contain another"),
                    ));
                }
                let shift = match name {
                    "growth" => None,
                    "ytd" => Some(PeriodShift::YearToDate),
                    "prev" => Some(PeriodShift::Previous),
                    "same_period_last_year" => Some(PeriodShift::SamePeriodLastYear),
                    _ => Some(PeriodShift::Lag(self.whole(
                        &take(&mut args),
                        1..=MAX_LAG,
                        "the number of periods of lag",
                    )?)),
                };
                let node = self.wrap(offset, vec![x], |mut es| match shift {
                    None => Expr::Growth(boxed(&mut es)),
                    Some(s) => Expr::Shift(s, boxed(&mut es)),
                })?;
                Ok(Node {
                    timed: Some(offset),
                    ..node
                })
            }
        }
    }

    /// A node made by `make` from the expressions of `children`.
    fn wrap(
        &self,
        offset: usize,
        children: Vec<Node>,
        make: impl FnOnce(std::vec::IntoIter<Expr>) -> Expr,
    ) -> Result<Node, FormulaError> {
        let depth = 1 + children.iter().map(|c| c.depth).max().unwrap_or(0);
        if depth > MAX_DEPTH {
            return Err(self.error(
                offset,
                SYNTAX,
                format!(
                    "the formula is nested more than {MAX_DEPTH} deep (write long sums as \
                     sum(A, B, …))"
                ),
            ));
        }
        let timed = children.iter().find_map(|c| c.timed);
        let exprs: Vec<Expr> = children.into_iter().map(|c| c.expr).collect();
        Ok(Node {
            expr: make(exprs.into_iter()),
            depth,
            timed,
        })
    }
}

fn take<'a>(args: &mut std::vec::IntoIter<Arg<'a>>) -> Arg<'a> {
    args.next().expect("arity checked")
}

fn boxed(es: &mut std::vec::IntoIter<Expr>) -> Box<Expr> {
    Box::new(es.next().expect("a built argument"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::cell::RefCell;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str_exact(s).unwrap()
    }

    fn no_data(_: &str, _: PeriodShift) -> Option<Decimal> {
        None
    }

    /// Evaluate with indicators from `values` (current period only).
    fn eval_with(src: &str, values: &[(&str, &str)]) -> Result<Decimal, NoValue> {
        let ctx = |code: &str, shift: PeriodShift| {
            (shift == PeriodShift::Current)
                .then(|| values.iter().find(|(c, _)| *c == code).map(|(_, v)| d(v)))
                .flatten()
        };
        Formula::parse(src).unwrap().eval(&ctx)
    }

    fn value(src: &str) -> Decimal {
        eval_with(src, &[]).unwrap()
    }

    fn error(src: &str) -> FormulaError {
        Formula::parse(src).expect_err(src)
    }

    #[test]
    fn formula_precedence_and_associativity() {
        assert_eq!(value("1 + 2 * 3"), d("7"));
        assert_eq!(value("(1 + 2) * 3"), d("9"));
        assert_eq!(value("-(2 - 5)"), d("3"));
        assert_eq!(value("-2 * 3"), d("-6"));
        assert_eq!(value("2 * -3"), d("-6"));
        assert_eq!(value("2 - -3"), d("5"));
        assert_eq!(value("--4"), d("4"));
        assert_eq!(value("10 - 4 - 3"), d("3"));
        assert_eq!(value("8 / 4 / 2"), d("1"));
        assert_eq!(value("1+2*3-4/2"), d("5"));
        assert_eq!(value(" \t1000\n"), d("1000"));
        assert_eq!(
            Formula::parse("1 + 2 * -3 - 4").unwrap().canonical(),
            "((1 + (2 * -3)) - 4)"
        );
    }

    #[test]
    fn formula_decimals_are_exact() {
        assert_eq!(value("0.1 + 0.2"), d("0.3"));
        assert_eq!(value("0.1 + 0.2").to_string(), "0.3");
        assert_eq!(value("1 / 4"), d("0.25"));
        assert_eq!(value("0.5 * 0.5"), d("0.25"));
        assert_eq!(value("79228162514264337593543950335"), Decimal::MAX);
        assert_eq!(
            error("79228162514264337593543950336").code,
            SYNTAX,
            "a literal beyond Decimal::MAX"
        );
        assert_eq!(error("0.00000000000000000000000000001").code, SYNTAX);
    }

    #[test]
    fn formula_no_value_reasons() {
        assert_eq!(eval_with("1 / 0", &[]), Err(NoValue::DivisionByZero));
        assert_eq!(
            eval_with("A / (B - B)", &[("A", "1"), ("B", "2")]),
            Err(NoValue::DivisionByZero)
        );
        assert_eq!(
            eval_with("A + X", &[("A", "1")]),
            Err(NoValue::Missing("X".into()))
        );
        assert_eq!(
            eval_with("79228162514264337593543950335 * 2", &[]),
            Err(NoValue::Overflow)
        );
        assert_eq!(
            eval_with("79228162514264337593543950335 + 1", &[]),
            Err(NoValue::Overflow)
        );
        assert_eq!(
            eval_with("-79228162514264337593543950335 - 1", &[]),
            Err(NoValue::Overflow)
        );
        assert_eq!(decimal_from_f64(f64::NAN), Err(NoValue::NotANumber));
        assert_eq!(decimal_from_f64(f64::INFINITY), Err(NoValue::NotANumber));
        assert_eq!(decimal_from_f64(1e40), Err(NoValue::Overflow));
        assert_eq!(decimal_from_f64(2.5), Ok(d("2.5")));
        assert_eq!(NoValue::Missing("X".into()).to_string(), "no value for X");
    }

    #[test]
    fn formula_functions() {
        assert_eq!(value("sum(1, 2, 3.5)"), d("6.5"));
        assert_eq!(value("avg(1, 2)"), d("1.5"));
        assert_eq!(value("min(3, -1, 2)"), d("-1"));
        assert_eq!(value("max(3, -1, 2)"), d("3"));
        assert_eq!(value("max(7)"), d("7"));
        assert_eq!(value("abs(-2.5)"), d("2.5"));
        assert_eq!(value("round(2.345, 2)"), d("2.35"));
        assert_eq!(value("round(-2.5, 0)"), d("-3"));
        assert_eq!(value("round(1 / 3, 4)"), d("0.3333"));
        assert_eq!(value("round(2.5, 28)"), d("2.5"));
        assert_eq!(value("share(1, 4)"), d("25"));
        assert_eq!(value("share(1, 8)"), d("12.5"));
        assert_eq!(eval_with("share(1, 0)", &[]), Err(NoValue::DivisionByZero));
        assert_eq!(
            eval_with(
                "share(DOSSIERS_EARLY + DOSSIERS_ON_TIME, DOSSIERS_RESOLVED)",
                &[
                    ("DOSSIERS_EARLY", "30"),
                    ("DOSSIERS_ON_TIME", "60"),
                    ("DOSSIERS_RESOLVED", "120")
                ]
            ),
            Ok(d("75"))
        );
        assert_eq!(
            eval_with(
                "GRDP_CURRENT * 1000 / POPULATION",
                &[("GRDP_CURRENT", "150000"), ("POPULATION", "1500000")]
            ),
            Ok(d("100"))
        );
        assert_eq!(
            eval_with("sum(A, B)", &[("A", "1")]),
            Err(NoValue::Missing("B".into()))
        );
    }

    #[test]
    fn formula_growth_uses_the_same_period_last_year() {
        let ctx = |code: &str, shift: PeriodShift| match (code, shift) {
            ("X", PeriodShift::Current) => Some(d("110")),
            ("X", PeriodShift::SamePeriodLastYear) => Some(d("100")),
            ("Z", PeriodShift::Current) => Some(d("5")),
            ("Z", PeriodShift::SamePeriodLastYear) => Some(Decimal::ZERO),
            ("Y", PeriodShift::Current) => Some(d("3")),
            ("Y", PeriodShift::SamePeriodLastYear) => Some(d("4")),
            _ => None,
        };
        let eval = |s: &str| Formula::parse(s).unwrap().eval(&ctx);
        assert_eq!(eval("growth(X)"), Ok(d("10")));
        assert_eq!(eval("growth(Y)"), Ok(d("-25")));
        assert_eq!(eval("growth(Z)"), Err(NoValue::DivisionByZero));
        assert_eq!(
            eval("growth(X + Y)"),
            Ok((d("113") / d("104") - Decimal::ONE) * Decimal::ONE_HUNDRED)
        );
        assert_eq!(eval("round(growth(X + Y), 2)"), Ok(d("8.65")));
        assert_eq!(eval("growth(W)"), Err(NoValue::Missing("W".into())));
        assert_eq!(eval("same_period_last_year(X) - X"), Ok(d("-10")));
    }

    #[test]
    fn formula_time_functions_route_through_period_shift() {
        let asked: RefCell<Vec<(String, PeriodShift)>> = RefCell::new(Vec::new());
        let ctx = |code: &str, shift: PeriodShift| {
            asked.borrow_mut().push((code.to_owned(), shift));
            Some(match shift {
                PeriodShift::Current => d("10"),
                PeriodShift::Previous => d("8"),
                PeriodShift::Lag(n) => Decimal::from(n),
                PeriodShift::SamePeriodLastYear => d("5"),
                PeriodShift::YearToDate => d("40"),
            })
        };
        let f = Formula::parse(
            "share(ytd(PUBLIC_INVEST_DISBURSED), PUBLIC_INVEST_PLAN) + prev(A) + lag(B, 3) \
             + same_period_last_year(C) + ytd(D * 2)",
        )
        .unwrap();
        assert_eq!(
            f.eval(&ctx),
            Ok(d("400") + d("8") + d("3") + d("5") + d("80"))
        );
        let asked = asked.into_inner();
        assert_eq!(
            asked,
            [
                ("PUBLIC_INVEST_DISBURSED", PeriodShift::YearToDate),
                ("PUBLIC_INVEST_PLAN", PeriodShift::Current),
                ("A", PeriodShift::Previous),
                ("B", PeriodShift::Lag(3)),
                ("C", PeriodShift::SamePeriodLastYear),
                ("D", PeriodShift::YearToDate),
            ]
            .map(|(c, s)| (c.to_owned(), s))
        );
        assert_eq!(
            f.references(),
            [
                "A",
                "B",
                "C",
                "D",
                "PUBLIC_INVEST_DISBURSED",
                "PUBLIC_INVEST_PLAN"
            ]
            .map(String::from)
            .into()
        );
    }

    #[test]
    fn formula_if_with_comparisons() {
        for (cond, holds) in [
            ("1 < 2", true),
            ("2 < 2", false),
            ("2 <= 2", true),
            ("3 <= 2", false),
            ("3 > 2", true),
            ("2 > 2", false),
            ("2 >= 2", true),
            ("1 >= 2", false),
            ("1.0 == 1", true),
            ("1 == 2", false),
            ("1 != 2", true),
            ("2 != 2.00", false),
            ("1 + 1 > 1 * 1", true),
            ("5", true),
            ("0", false),
            ("2 - 2", false),
        ] {
            let want = if holds { d("10") } else { d("20") };
            assert_eq!(value(&format!("if({cond}, 10, 20)")), want, "{cond}");
        }
        // Only the branch taken is evaluated.
        assert_eq!(
            eval_with("if(A > 0, A, MISSING)", &[("A", "3")]),
            Ok(d("3"))
        );
        assert_eq!(
            eval_with("if(IMPORTS > 0, 1, 1 / 0)", &[("IMPORTS", "1")]),
            Ok(d("1"))
        );
        assert_eq!(
            eval_with("if(A > 0, 1, 2)", &[]),
            Err(NoValue::Missing("A".into()))
        );
        let f = Formula::parse("if(A >= B, A, B)").unwrap();
        assert_eq!(f.canonical(), "if(A >= B, A, B)");
        assert_eq!(f.references(), ["A", "B"].map(String::from).into());
        // Comparisons only as conditions.
        for (src, column) in [
            ("1 < 2", 3),
            ("(1 < 2)", 4),
            ("if(1, 2 < 3, 4)", 9),
            ("sum(1 == 2)", 7),
            ("if(1 < 2 < 3, 1, 2)", 10),
        ] {
            let e = error(src);
            assert_eq!((e.code, e.column), (SYNTAX, column), "{src}: {e}");
        }
    }

    #[test]
    fn formula_syntax_errors_point_at_the_column() {
        for (src, column) in [
            ("EXPORTS - * IMPORTS", 11),
            ("", 1),
            ("   ", 4),
            ("1 +", 4),
            ("(1 + 2", 7),
            ("1 + 2)", 6),
            ("sum(1 2)", 7),
            ("sum(1,)", 7),
            ("exports", 8),
            ("Exports", 2),
            ("EXPORTS IMPORTS", 9),
            ("2X", 2),
            (".5", 1),
            ("1.", 2),
            ("1e5", 2),
            ("A % B", 3),
            ("A ≤ B", 3),
            ("if(1 = 2, 1, 2)", 6),
            ("round(X, 1.5)", 10),
            ("round(X, 29)", 10),
            ("round(X, A)", 10),
            ("lag(X, 0)", 8),
            ("lag(X, -1)", 8),
            ("lag(X, 1000)", 8),
            ("growth(ytd(X))", 8),
            ("ytd(1 + prev(X))", 9),
        ] {
            let e = error(src);
            assert_eq!(e.code, SYNTAX, "{src}: {e}");
            assert_eq!(e.column, column, "{src}: {e}");
            assert_eq!(e.offset, column - 1, "{src}: {e}");
        }
        let e = error("EXPORTS - * IMPORTS");
        assert_eq!(e.to_string(), format!("column 11: {}", e.message));
        assert_eq!(e.message, "expected a value, found `*`");
        for (src, message) in [
            ("1 +", "expected a value, found the end of the formula"),
            (
                "(1 + 2",
                "expected an operator or `)`, found the end of the formula",
            ),
            (
                "A % B",
                "expected the end of the formula or an operator, found `%`",
            ),
            (
                "sum(1 2)",
                "expected a comparison, an operator, `)` or `,`, found `2`",
            ),
            (
                "exports",
                "expected `(` after a function name, found the end of the formula (indicator \
                 codes are written in UPPER_CASE)",
            ),
        ] {
            assert_eq!(error(src).message, message, "{src}");
        }
        assert!(Formula::from_str("A +").is_err());
    }

    #[test]
    fn formula_unknown_functions_and_arity() {
        for (src, code, column) in [
            ("foo(X)", UNKNOWN_FUNCTION, 1),
            ("1 + grow(X)", UNKNOWN_FUNCTION, 5),
            ("if2(1, 2, 3)", UNKNOWN_FUNCTION, 1),
            ("share(X)", ARITY, 1),
            ("2 * growth(X, Y)", ARITY, 5),
            ("sum()", ARITY, 1),
            ("avg()", ARITY, 1),
            ("abs(1, 2)", ARITY, 1),
            ("round(1)", ARITY, 1),
            ("if(1, 2)", ARITY, 1),
            ("if(1, 2, 3, 4)", ARITY, 1),
            ("lag(X)", ARITY, 1),
            ("ytd()", ARITY, 1),
            ("prev(X, Y)", ARITY, 1),
            ("same_period_last_year(X, 1)", ARITY, 1),
            ("max(abs(1, 2))", ARITY, 5),
        ] {
            let e = error(src);
            assert_eq!((e.code, e.column), (code, column), "{src}: {e}");
        }
        assert_eq!(error("share(X)").message, "share takes 2 arguments, not 1");
        assert_eq!(
            error("sum()").message,
            "sum takes at least 1 argument, not 0"
        );
        assert_eq!(error("abs(1, 2)").message, "abs takes 1 argument, not 2");
    }

    #[test]
    fn formula_deep_nesting_is_refused_without_overflowing_the_stack() {
        let nested =
            |open: &str, n: usize, close: &str| format!("{}1{}", open.repeat(n), close.repeat(n));
        for src in [
            "(".repeat(100_000),
            nested("(", MAX_NESTING + 1, ")"),
            nested("abs(", MAX_NESTING + 1, ")"),
            nested("if(1 < ", MAX_NESTING + 1, ", 1, 1)"),
            format!("{}1", "-".repeat(100_000)),
            format!("{}1", "1 + ".repeat(100_000)),
            format!("{}1", "1 + ".repeat(MAX_DEPTH)),
        ] {
            let e = error(&src);
            assert_eq!(e.code, SYNTAX, "{e}");
            assert!(e.message.contains("nested more than"), "{e}");
        }
        assert_eq!(value(&nested("(", MAX_NESTING, ")")), d("1"));
        let deepest = nested("if(1 < ", MAX_NESTING - 1, ", 1, 1)");
        assert_eq!(value(&deepest), d("1"));
        let f = Formula::parse(&deepest).unwrap();
        assert_eq!(
            Formula::parse(&f.canonical()).unwrap(),
            Formula {
                source: f.canonical(),
                ..f
            }
        );
        let chain = format!("{}1", "1 + ".repeat(MAX_DEPTH - 2));
        assert_eq!(value(&chain), Decimal::from(MAX_DEPTH - 1));
        let f = Formula::parse(&chain).unwrap();
        assert_eq!(Formula::parse(&f.canonical()).unwrap().ast, f.ast);
        let wide = format!("sum({})", vec!["1"; 10_000].join(", "));
        assert_eq!(value(&wide), d("10000"));
    }

    fn catalogue(defs: &[(&str, &str)]) -> BTreeMap<String, Formula> {
        parse_catalogue(defs.iter().map(|(c, f)| (c.to_string(), f.to_string()))).unwrap()
    }

    #[test]
    fn formula_cycles_are_found() {
        assert_eq!(
            check_cycles(&catalogue(&[("A", "A + 1")])),
            Err(vec!["A".into(), "A".into()])
        );
        assert_eq!(
            check_cycles(&catalogue(&[("A", "prev(A) + X")])),
            Err(vec!["A".into(), "A".into()])
        );
        assert_eq!(
            check_cycles(&catalogue(&[("A", "B * 2"), ("B", "X + A")])),
            Err(vec!["A".into(), "B".into(), "A".into()])
        );
        assert_eq!(
            check_cycles(&catalogue(&[
                ("OK", "X"),
                ("A", "B + X"),
                ("B", "C"),
                ("C", "growth(A)"),
            ])),
            Err(vec!["A".into(), "B".into(), "C".into(), "A".into()])
        );
        // A cycle reached from a definition outside it: the path is the cycle alone.
        assert_eq!(
            check_cycles(&catalogue(&[("A", "B"), ("B", "C"), ("C", "B")])),
            Err(vec!["B".into(), "C".into(), "B".into()])
        );
    }

    #[test]
    fn formula_acyclic_catalogues_are_ordered() {
        let defs = catalogue(&[
            ("A", "B + C + X"),
            ("B", "C * 2"),
            ("C", "D - 1"),
            ("D", "Y"),
            ("E", "Z"),
            ("F", "A + E"),
        ]);
        let order = check_cycles(&defs).unwrap();
        assert_eq!(order.len(), defs.len());
        let pos = |c: &str| order.iter().position(|o| o == c).unwrap();
        for (code, f) in &defs {
            for r in f.references() {
                if defs.contains_key(&r) {
                    assert!(pos(&r) < pos(code), "{r} before {code} in {order:?}");
                }
            }
        }
        assert_eq!(check_cycles(&BTreeMap::new()), Ok(vec![]));
    }

    #[test]
    fn formula_catalogue_reports_the_indicator_in_error() {
        let defs = vec![
            ("A".to_owned(), "X + 1".to_owned()),
            ("B".to_owned(), "  ".to_owned()),
            ("C".to_owned(), "X +".to_owned()),
        ];
        let (code, e) = parse_catalogue(defs).unwrap_err();
        assert_eq!((code.as_str(), e.code, e.column), ("C", SYNTAX, 4));
        let ok = parse_catalogue([
            ("A".to_owned(), "X".to_owned()),
            ("B".to_owned(), String::new()),
        ])
        .unwrap();
        assert_eq!(ok.keys().collect::<Vec<_>>(), ["A"]);
        assert_eq!(ok["A"].source(), "X");
        assert_eq!(ok["A"].to_string(), "X");
    }

    #[test]
    fn formula_every_seed_formula_parses_and_is_acyclic() {
        let mut rdr = csv::Reader::from_reader(include_str!("../seed/indicators.csv").as_bytes());
        let headers = rdr.headers().unwrap().clone();
        let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
        let (code_col, formula_col) = (col("code"), col("formula"));
        let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
        let codes: BTreeSet<String> = rows.iter().map(|r| r[code_col].trim().to_owned()).collect();
        let defs = parse_catalogue(
            rows.iter()
                .map(|r| (r[code_col].trim().to_owned(), r[formula_col].to_owned())),
        )
        .unwrap_or_else(|(code, e)| panic!("{code}: {e}"));
        assert!(defs.len() >= 20, "{} formulas", defs.len());
        for (code, f) in &defs {
            let refs = f.references();
            assert!(!refs.is_empty(), "{code}");
            for r in refs {
                assert!(codes.contains(&r), "{code} uses {r}, not in the catalogue");
            }
            // Every formula evaluates when every input is 1 (growth of 1 over 1 is 0).
            let one = |_: &str, _: PeriodShift| Some(Decimal::ONE);
            assert!(f.eval(&one).is_ok(), "{code}");
            assert_eq!(Formula::parse(&f.canonical()).unwrap().ast, f.ast, "{code}");
        }
        let order = check_cycles(&defs).unwrap();
        assert_eq!(order.len(), defs.len());
        assert_eq!(
            defs["DISBURSEMENT_RATE"].references(),
            ["PUBLIC_INVEST_DISBURSED", "PUBLIC_INVEST_PLAN"]
                .map(String::from)
                .into()
        );
        assert_eq!(
            Formula::parse("A").unwrap().eval(&no_data),
            Err(NoValue::Missing("A".into()))
        );
    }

    // Property tests.

    fn arb_decimal() -> impl Strategy<Value = Decimal> {
        (-1_000_000_000i64..1_000_000_000, 0u32..=6).prop_map(|(m, s)| Decimal::new(m, s))
    }

    fn arb_leaf() -> impl Strategy<Value = Expr> {
        prop_oneof![
            (0i64..100_000, 0u32..4).prop_map(|(m, s)| Expr::Num(Decimal::new(m, s))),
            prop::sample::select(vec!["A", "B", "C_2", "MISSING"])
                .prop_map(|c| Expr::Ref(c.to_owned())),
        ]
    }

    fn arb_binop() -> impl Strategy<Value = BinOp> {
        prop::sample::select(vec![BinOp::Add, BinOp::Sub, BinOp::Mul, BinOp::Div])
    }

    /// Expressions without time functions.
    fn arb_plain() -> impl Strategy<Value = Expr> {
        arb_leaf().prop_recursive(3, 12, 2, |inner| {
            prop_oneof![
                inner.clone().prop_map(|x| Expr::Neg(Box::new(x))),
                (arb_binop(), inner.clone(), inner).prop_map(|(op, a, b)| Expr::Bin(
                    op,
                    Box::new(a),
                    Box::new(b)
                )),
            ]
        })
    }

    fn arb_expr() -> impl Strategy<Value = Expr> {
        let shift = prop_oneof![
            Just(PeriodShift::Previous),
            Just(PeriodShift::SamePeriodLastYear),
            Just(PeriodShift::YearToDate),
            (1u32..=24).prop_map(PeriodShift::Lag),
        ];
        let timed = prop_oneof![
            arb_plain().prop_map(|x| Expr::Growth(Box::new(x))),
            (shift, arb_plain()).prop_map(|(s, x)| Expr::Shift(s, Box::new(x))),
        ];
        let cmp = prop::sample::select(vec![
            CmpOp::Lt,
            CmpOp::Le,
            CmpOp::Gt,
            CmpOp::Ge,
            CmpOp::Eq,
            CmpOp::Ne,
        ]);
        let agg = prop::sample::select(vec![Agg::Sum, Agg::Avg, Agg::Min, Agg::Max]);
        prop_oneof![4 => arb_leaf(), 1 => timed].prop_recursive(4, 40, 4, move |inner| {
            let cond = prop_oneof![
                (cmp.clone(), inner.clone(), inner.clone())
                    .prop_map(|(op, a, b)| Cond::Compare(op, a, b)),
                inner.clone().prop_map(Cond::NonZero),
            ];
            prop_oneof![
                inner.clone().prop_map(|x| Expr::Neg(Box::new(x))),
                (arb_binop(), inner.clone(), inner.clone()).prop_map(|(op, a, b)| Expr::Bin(
                    op,
                    Box::new(a),
                    Box::new(b)
                )),
                (agg.clone(), prop::collection::vec(inner.clone(), 1..4))
                    .prop_map(|(f, xs)| Expr::Agg(f, xs)),
                inner.clone().prop_map(|x| Expr::Abs(Box::new(x))),
                (inner.clone(), 0u32..6).prop_map(|(x, n)| Expr::Round(Box::new(x), n)),
                (cond, inner.clone(), inner.clone()).prop_map(|(c, a, b)| Expr::If(
                    Box::new(c),
                    Box::new(a),
                    Box::new(b)
                )),
                (inner.clone(), inner).prop_map(|(a, b)| Expr::Share(Box::new(a), Box::new(b))),
            ]
        })
    }

    /// Values for the generated references; `MISSING` has none.
    fn prop_ctx(code: &str, shift: PeriodShift) -> Option<Decimal> {
        let base = match code {
            "A" => Decimal::new(125, 1),
            "B" => Decimal::new(-3, 0),
            "C_2" => Decimal::ZERO,
            _ => return None,
        };
        let k = match shift {
            PeriodShift::Current => 1,
            PeriodShift::Previous => 2,
            PeriodShift::Lag(n) => 3 + i64::from(n),
            PeriodShift::SamePeriodLastYear => 40,
            PeriodShift::YearToDate => 50,
        };
        Some(base * Decimal::from(k) + Decimal::from(k))
    }

    proptest! {
        #[test]
        fn formula_parser_never_panics(s in any::<String>()) {
            let _ = Formula::parse(&s);
        }

        #[test]
        fn formula_parser_never_panics_on_formula_like_text(
            s in "[A-Z_a-z0-9().,+*/<>=! -]{0,60}"
        ) {
            if let Ok(f) = Formula::parse(&s) {
                let _ = f.eval(&prop_ctx);
                let _ = f.references();
                let again = Formula::parse(&f.canonical()).unwrap();
                prop_assert_eq!(again.ast, f.ast);
            }
        }

        #[test]
        fn formula_printed_asts_parse_back(ast in arb_expr()) {
            let text = ast.to_string();
            let f = Formula::parse(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
            prop_assert_eq!(&f.ast, &ast, "{}", text);
            prop_assert_eq!(f.eval(&prop_ctx), ast.eval(&prop_ctx, PeriodShift::Current));
            let mut refs = BTreeSet::new();
            ast.collect_references(&mut refs);
            prop_assert_eq!(f.references(), refs);
        }

        #[test]
        fn formula_addition_and_multiplication_match_decimal(a in arb_decimal(), b in arb_decimal()) {
            let eval = |s: String| Formula::parse(&s).unwrap().eval(&no_data).unwrap();
            prop_assert_eq!(eval(format!("{a} + {b}")), a + b);
            prop_assert_eq!(eval(format!("{a} * {b}")), a * b);
            prop_assert_eq!(eval(format!("{a} - {b}")), a - b);
            prop_assert_eq!(eval(format!("sum({a}, {b}, {a})")), a + b + a);
            let vars = |code: &str, _: PeriodShift| match code {
                "A" => Some(a),
                "B" => Some(b),
                _ => None,
            };
            let f = Formula::parse("A * B + A").unwrap();
            prop_assert_eq!(f.eval(&vars), Ok(a * b + a));
        }
    }
}
