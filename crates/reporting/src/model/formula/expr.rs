//! The expression tree of a formula, printed back and evaluated.

use std::collections::BTreeSet;
use std::fmt;

use rust_decimal::RoundingStrategy;

use super::{Context, Decimal, NoValue, PeriodShift};

/// A binary arithmetic operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
}

/// A comparison in the condition of `if`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CmpOp {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

/// A function over one or more values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Agg {
    Sum,
    Avg,
    Min,
    Max,
}

/// The condition of `if`.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Cond {
    Compare(CmpOp, Expr, Expr),
    /// True when the value is not zero.
    NonZero(Expr),
}

/// A formula's expression tree.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Expr {
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
    pub(super) fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
        }
    }
}

impl CmpOp {
    pub(super) fn parse(s: &str) -> CmpOp {
        match s {
            "<" => CmpOp::Lt,
            "<=" => CmpOp::Le,
            ">" => CmpOp::Gt,
            ">=" => CmpOp::Ge,
            "==" => CmpOp::Eq,
            _ => CmpOp::Ne,
        }
    }
    pub(super) fn symbol(self) -> &'static str {
        match self {
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
        }
    }
    pub(super) fn holds(self, a: Decimal, b: Decimal) -> bool {
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
    pub(super) fn name(self) -> &'static str {
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
    pub(super) fn collect_references(&self, out: &mut BTreeSet<String>) {
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
    pub(super) fn eval(&self, ctx: &dyn Context, shift: PeriodShift) -> Result<Decimal, NoValue> {
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
