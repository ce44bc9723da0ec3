//! From the parse tree (`formula.pest`) to the expression tree, with precise errors.

use pest::error::{ErrorVariant, InputLocation};
use pest::iterators::Pair;

use super::expr::{Agg, BinOp, CmpOp, Cond, Expr};
use super::{
    ARITY, Decimal, FormulaError, MAX_DEPTH, MAX_LAG, MAX_NESTING, PeriodShift, Rule, SYNTAX,
    UNKNOWN_FUNCTION,
};

/// Refuse parentheses nested deeper than the parser should recurse.
pub(super) fn check_nesting(src: &str) -> Result<(), FormulaError> {
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

pub(super) fn syntax_error(src: &str, e: pest::error::Error<Rule>) -> FormulaError {
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
pub(super) struct Node {
    pub(super) expr: Expr,
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

pub(super) struct Builder<'a> {
    pub(super) src: &'a str,
}

impl<'a> Builder<'a> {
    fn error(&self, offset: usize, code: &'static str, message: impl Into<String>) -> FormulaError {
        FormulaError::new(self.src, offset, code, message)
    }

    pub(super) fn expr(&self, pair: Pair<'a, Rule>) -> Result<Node, FormulaError> {
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
