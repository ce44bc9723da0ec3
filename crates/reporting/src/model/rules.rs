//! Validation rules as expressions (quy tắc kiểm tra): `left op right`, both sides formulas over
//! the report's indicators (with `prev(X)` and the other period functions). An `error` rule
//! blocks a submission; a `warning` rule needs an explanation. A rule whose inputs are missing does
//! not apply. Messages come in Vietnamese and English from the rule's own names.

use platform::i18n::Lang;
use rust_decimal::Decimal;

use super::formula::{Context, Formula, NoValue};

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

impl Rule {
    pub fn name(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.name_en,
            Lang::Vi => &self.name_vi,
        }
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
) -> anyhow::Result<Rule> {
    Ok(Rule {
        code: code.to_owned(),
        name_vi: name_vi.to_owned(),
        name_en: name_en.to_owned(),
        left: Formula::parse(left).map_err(|e| anyhow::anyhow!("rule {code}, left side: {e}"))?,
        op: Op::parse(op).ok_or_else(|| anyhow::anyhow!("rule {code}: unknown comparison {op}"))?,
        right: Formula::parse(right)
            .map_err(|e| anyhow::anyhow!("rule {code}, right side: {e}"))?,
        blocking: match severity {
            "error" => true,
            "warning" => false,
            other => anyhow::bail!("rule {code}: severity {other} is neither error nor warning"),
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
}
