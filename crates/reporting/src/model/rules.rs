//! Validation rules as expressions (quy tắc kiểm tra): `left op right`, both sides formulas over
//! the report's indicators (with `prev(X)` and the other period functions). An `error` rule
//! blocks a submission; a `warning` rule needs an explanation. A rule whose inputs are missing does
//! not apply. Messages come in Vietnamese and English from the rule's own names (its
//! description in the catalogue); a broken rule also tells what each side came to and which
//! values it read ([`Breach`]), so that a message can say it in figures, never as the expression.

use std::cell::RefCell;

use platform::FaultResult;
use platform::i18n::Lang;
use rust_decimal::Decimal;

use super::formula::{Context, Formula, NoValue, PeriodShift};

/// A comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

impl Op {
    pub fn parse(s: &str) -> Option<Op> {
        Some(match s.trim() {
            "<" => Op::Lt,
            "<=" => Op::Le,
            ">" => Op::Gt,
            ">=" => Op::Ge,
            "==" => Op::Eq,
            "!=" => Op::Ne,
            _ => return None,
        })
    }
    pub fn holds(self, a: Decimal, b: Decimal) -> bool {
        match self {
            Op::Lt => a < b,
            Op::Le => a <= b,
            Op::Gt => a > b,
            Op::Ge => a >= b,
            Op::Eq => a == b,
            Op::Ne => a != b,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Eq => "==",
            Op::Ne => "!=",
        }
    }
}

/// A parsed rule.
#[derive(Debug, Clone)]
pub struct Rule {
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
    pub left: Formula,
    pub op: Op,
    pub right: Formula,
    pub blocking: bool,
}

/// One value a rule read: the indicator, the period (relative to the report's), the value.
#[derive(Debug, Clone, PartialEq)]
pub struct Input {
    pub code: String,
    pub shift: PeriodShift,
    pub value: Decimal,
}

/// A rule found broken: what each side came to and the values each side read (each once, in
/// the order read).
#[derive(Debug, Clone, PartialEq)]
pub struct Breach {
    pub left: Decimal,
    pub right: Decimal,
    pub left_inputs: Vec<Input>,
    pub right_inputs: Vec<Input>,
}

/// Evaluate a side of a rule, keeping the values it reads.
fn eval_recording(f: &Formula, ctx: &dyn Context) -> Option<(Decimal, Vec<Input>)> {
    let read: RefCell<Vec<Input>> = RefCell::new(Vec::new());
    let recording = |code: &str, shift: PeriodShift| -> Option<Decimal> {
        let v = ctx.value(code, shift)?;
        let mut read = read.borrow_mut();
        if !read.iter().any(|i| i.code == code && i.shift == shift) {
            read.push(Input {
                code: code.to_owned(),
                shift,
                value: v,
            });
        }
        Some(v)
    };
    let v = f.eval(&recording).ok()?;
    Some((v, read.into_inner()))
}

impl Rule {
    /// The rule's name in `lang`: its description in the catalogue (may be empty).
    pub fn name(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.name_en,
            Lang::Vi => &self.name_vi,
        }
    }

    /// The catalogue's description of the rule in `lang`, if it has one.
    pub fn description(&self, lang: Lang) -> Option<&str> {
        Some(self.name(lang).trim()).filter(|d| !d.is_empty())
    }

    /// Is the left side the rule's subject alone (`RETAIL_SALES <= …`), so that the rule
    /// compares the subject's value with the right side?
    pub fn subject_alone(&self) -> bool {
        self.subject().as_deref() == Some(self.left.source().trim())
    }

    /// The rule as broken in this context: None when it holds or does not apply.
    pub fn breach(&self, ctx: &dyn Context) -> Option<Breach> {
        if self.check(ctx) != Some(false) {
            return None;
        }
        let (left, left_inputs) = eval_recording(&self.left, ctx)?;
        let (right, right_inputs) = eval_recording(&self.right, ctx)?;
        Some(Breach {
            left,
            right,
            left_inputs,
            right_inputs,
        })
    }

    /// The indicator codes the rule reads, on either side.
    pub fn references(&self) -> impl Iterator<Item = String> {
        self.left
            .references()
            .into_iter()
            .chain(self.right.references())
    }

    /// The first indicator the rule reads (where its explanation goes).
    pub fn subject(&self) -> Option<String> {
        self.left
            .references()
            .into_iter()
            .next()
            .or_else(|| self.right.references().into_iter().next())
    }

    /// Some(false) when violated, Some(true) when satisfied, None when it does not apply
    /// (a missing input, or no value such as a division by zero).
    pub fn check(&self, ctx: &dyn Context) -> Option<bool> {
        let l = self.left.eval(ctx);
        let r = self.right.eval(ctx);
        match (l, r) {
            (Ok(a), Ok(b)) => Some(self.op.holds(a, b)),
            (Err(NoValue::Missing(_)), _) | (_, Err(NoValue::Missing(_))) => None,
            _ => None,
        }
    }
}

/// Parse a rule's parts, with a precise error.
pub fn parse(
    code: &str,
    name_vi: &str,
    name_en: &str,
    left: &str,
    op: &str,
    right: &str,
    severity: &str,
) -> FaultResult<Rule> {
    Ok(Rule {
        code: code.to_owned(),
        name_vi: name_vi.to_owned(),
        name_en: name_en.to_owned(),
        left: Formula::parse(left).map_err(|e| platform::fault!("rule {code}, left side: {e}"))?,
        op: Op::parse(op)
            .ok_or_else(|| platform::fault!("rule {code}: unknown comparison {op}"))?,
        right: Formula::parse(right)
            .map_err(|e| platform::fault!("rule {code}, right side: {e}"))?,
        blocking: match severity {
            "error" => true,
            "warning" => false,
            other => {
                return Err(platform::fault!(
                    "rule {code}: severity {other} is neither error nor warning"
                ));
            }
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::formula::PeriodShift;

    #[test]
    fn shipped_rules_parse() {
        let mut rdr = csv::Reader::from_reader(include_str!("../../seed/rules.csv").as_bytes());
        for rec in rdr.records() {
            let r = rec.unwrap();
            parse(&r[0], &r[1], &r[2], &r[3], &r[4], &r[5], &r[6]).unwrap();
        }
    }

    #[test]
    fn rules_hold_fail_or_do_not_apply() {
        let rule = parse(
            "R",
            "r",
            "r",
            "RETAIL_SALES",
            "<=",
            "prev(RETAIL_SALES) * 3",
            "warning",
        )
        .unwrap();
        let ctx = |prev: Option<i64>, cur: i64| {
            move |_: &str, shift: PeriodShift| match shift {
                PeriodShift::Current => Some(Decimal::from(cur)),
                PeriodShift::Previous => prev.map(Decimal::from),
                _ => None,
            }
        };
        assert_eq!(rule.check(&ctx(Some(100), 250)), Some(true));
        assert_eq!(rule.check(&ctx(Some(100), 400)), Some(false));
        assert_eq!(
            rule.check(&ctx(None, 400)),
            None,
            "no previous month: the rule does not apply"
        );
        assert!(parse("R", "r", "r", "A", "=<", "B", "error").is_err());
        assert!(
            parse("R", "r", "r", "A +", "<", "B", "error")
                .unwrap_err()
                .to_string()
                .contains("left side")
        );
        assert!(parse("R", "r", "r", "A", "<", "B", "fatal").is_err());
    }

    #[test]
    fn a_breach_tells_both_sides_and_what_they_read() {
        let rule = parse(
            "R",
            "Tăng hơn ba lần",
            "",
            "RETAIL_SALES",
            "<=",
            "prev(RETAIL_SALES) * 3",
            "warning",
        )
        .unwrap();
        assert!(rule.subject_alone());
        assert_eq!(rule.description(Lang::Vi), Some("Tăng hơn ba lần"));
        assert_eq!(
            rule.description(Lang::En),
            None,
            "an empty name is no description"
        );
        let ctx = |_: &str, shift: PeriodShift| match shift {
            PeriodShift::Current => Some(Decimal::from(400)),
            PeriodShift::Previous => Some(Decimal::from(100)),
            _ => None,
        };
        let b = rule.breach(&ctx).unwrap();
        assert_eq!((b.left, b.right), (Decimal::from(400), Decimal::from(300)));
        assert_eq!(b.left_inputs.len(), 1);
        assert_eq!(
            b.right_inputs,
            [Input {
                code: "RETAIL_SALES".into(),
                shift: PeriodShift::Previous,
                value: Decimal::from(100)
            }]
        );
        let holds = |_: &str, _: PeriodShift| Some(Decimal::from(100));
        assert_eq!(rule.breach(&holds), None);
        let parts = parse(
            "P",
            "p",
            "p",
            "abs(A + B - T)",
            "<=",
            "0.005 * T",
            "warning",
        )
        .unwrap();
        assert!(!parts.subject_alone());
    }
}
