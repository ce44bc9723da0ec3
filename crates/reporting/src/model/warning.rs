//! Warnings (cảnh báo) on a report's values, found and said as an official would say them.
//!
//! A value is flagged when it is far from the unit's own history ([`super::outlier`]) or when it
//! is the subject of a validation rule it breaks ([`super::rules`]). Everything found on one
//! value is one [`Flagged`], so one message: "Tổng mức bán lẻ…: 9.000,5 tỷ đồng, gấp 8,4 lần tháng
//! trước (1.070,0 tỷ đồng) — tổng mức bán lẻ tăng hơn ba lần so với tháng trước; số liệu khác
//! thường so với 8 tháng trước; cần giải trình để gửi." The same evaluation serves the engine when
//! a report is saved and the report's page when an approver reviews it, so the approver sees what
//! the reporter was warned about. Messages never show a rule's expression or a z-score; numbers
//! are written for the reader's language; the rule's own description comes from the catalogue,
//! or a sentence is made from the rule's shape when it has none.

use platform::error::Problem;
use platform::i18n::{Lang, t, t_args};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::format::format_number;
use super::formula::PeriodShift;
use super::indicator::Indicator;
use super::outlier::{Outlier, outlier_in};
use super::period::{Period, PeriodKind};
use super::rules::{Breach, Input, Op, Rule};

/// One reason a value is flagged.
#[derive(Debug, Clone)]
pub enum Finding<'r> {
    /// Far from the unit's history.
    Outlier(Outlier),
    /// The subject of a rule it breaks.
    Rule(&'r Rule, Breach),
}

/// A value and everything found on it.
#[derive(Debug, Clone)]
pub struct Flagged<'a> {
    pub indicator: &'a Indicator,
    /// The value of this period (None: a rule read it only in another period).
    pub value: Option<f64>,
    /// The value of the previous period, if one is stored.
    pub previous: Option<f64>,
    pub kind: PeriodKind,
    pub findings: Vec<Finding<'a>>,
}

/// What a report's values are read from, for [`evaluate`].
pub struct Sources<'s, 'a> {
    /// The report's indicators (and others a rule may name), by code.
    pub indicator: &'s dyn Fn(&str) -> Option<&'a Indicator>,
    /// A value of this period, by indicator code.
    pub current: &'s dyn Fn(&str) -> Option<f64>,
    /// A value of the previous period, by indicator code.
    pub previous: &'s dyn Fn(&str) -> Option<f64>,
    /// The approved history before this period of an indicator, into the buffer (cleared first).
    pub history: &'s dyn Fn(&Indicator, &mut Vec<f64>),
}

/// Every flagged value of a report for `period`: `values` are its values in the template's order
/// (each checked against its history), `rules` the rules that may apply (each broken rule flags
/// its subject). One [`Flagged`] per value, in the order of `values`.
pub fn evaluate<'a>(
    period: &Period,
    values: impl IntoIterator<Item = (&'a Indicator, Option<f64>)>,
    rules: impl IntoIterator<Item = &'a Rule>,
    src: &Sources<'_, 'a>,
    buffer: &mut Vec<f64>,
) -> Vec<Flagged<'a>> {
    let mut out: Vec<Flagged<'a>> = Vec::new();
    let mut order: Vec<&'a str> = Vec::new();
    for (ind, value) in values {
        order.push(&ind.code);
        let Some(v) = value else { continue };
        buffer.clear();
        (src.history)(ind, buffer);
        if let Some(o) = outlier_in(v, buffer) {
            flag(&mut out, ind, Some(v), period, src).push(Finding::Outlier(o));
        }
    }
    let ctx = |code: &str, shift: PeriodShift| -> Option<Decimal> {
        let v = match shift {
            PeriodShift::Current => (src.current)(code),
            PeriodShift::Previous => (src.previous)(code),
            _ => None,
        }?;
        super::formula::decimal_from_f64(v).ok()
    };
    for rule in rules {
        let Some(breach) = rule.breach(&ctx) else {
            continue;
        };
        let subject = rule.subject().unwrap_or_default();
        let Some(ind) = (src.indicator)(&subject) else {
            continue;
        };
        let value = (src.current)(&subject);
        flag(&mut out, ind, value, period, src).push(Finding::Rule(rule, breach));
    }
    let at = |f: &Flagged<'_>| {
        order
            .iter()
            .position(|c| *c == f.indicator.code)
            .unwrap_or(usize::MAX)
    };
    out.sort_by_key(|f| at(f));
    out
}

/// The findings of `ind`'s value, a new entry if it has none yet.
fn flag<'f, 'a>(
    out: &'f mut Vec<Flagged<'a>>,
    ind: &'a Indicator,
    value: Option<f64>,
    period: &Period,
    src: &Sources<'_, 'a>,
) -> &'f mut Vec<Finding<'a>> {
    let k = match out.iter().position(|f| f.indicator.code == ind.code) {
        Some(k) => k,
        None => {
            out.push(Flagged {
                indicator: ind,
                value,
                previous: (src.previous)(&ind.code),
                kind: period.kind,
                findings: Vec::new(),
            });
            out.len() - 1
        }
    };
    &mut out[k].findings
}

/// What a flagged value asks of the reporter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ask {
    /// Refused until explained.
    Explain,
    /// A draft: explain before submitting.
    ExplainBeforeSubmit,
    /// Explained: the approver sees the warning.
    Explained,
    /// Refused: a blocking rule is broken.
    Correct,
    /// A draft: correct before submitting.
    CorrectBeforeSubmit,
}

impl Ask {
    fn key(self) -> &'static str {
        match self {
            Ask::Explain => "warnings.ask_explain",
            Ask::ExplainBeforeSubmit => "warnings.ask_explain_before_submit",
            Ask::Explained => "warnings.ask_explained",
            Ask::Correct => "warnings.ask_correct",
            Ask::CorrectBeforeSubmit => "warnings.ask_correct_before_submit",
        }
    }
}

/// How the engine answers a flagged value: its stable code, what it asks, whether it refuses
/// the report, and whether the problem is on the explanation (else on the value).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Judgement {
    pub code: &'static str,
    pub ask: Ask,
    pub refuses: bool,
    pub on_explanation: bool,
}

impl<'a> Flagged<'a> {
    /// Does a blocking rule flag the value?
    pub fn blocking(&self) -> bool {
        self.findings
            .iter()
            .any(|f| matches!(f, Finding::Rule(r, _) if r.blocking))
    }

    /// The engine's answer: a blocking rule refuses a submission (`rule_violated`, correct the
    /// figure); a warning refuses a submission without an explanation (`rule_warning_unexplained`
    /// or `value_outlier_unexplained`, on the explanation); otherwise it is a warning
    /// (`rule_warning`, `value_outlier`). A value that is both an outlier and breaks a rule takes
    /// the rule's code: one problem, one message.
    pub fn judge(&self, submitting: bool, explained: bool) -> Judgement {
        let rule = self.findings.iter().any(|f| matches!(f, Finding::Rule(..)));
        let j = |code, ask, refuses, on_explanation| Judgement {
            code,
            ask,
            refuses,
            on_explanation,
        };
        if self.blocking() {
            return if submitting {
                j("rule_violated", Ask::Correct, true, false)
            } else {
                j("rule_violated", Ask::CorrectBeforeSubmit, false, false)
            };
        }
        match (submitting, explained, rule) {
            (true, false, true) => j("rule_warning_unexplained", Ask::Explain, true, true),
            (true, false, false) => j("value_outlier_unexplained", Ask::Explain, true, true),
            (_, true, true) => j("rule_warning", Ask::Explained, false, false),
            (_, true, false) => j("value_outlier", Ask::Explained, false, false),
            (false, false, true) => j("rule_warning", Ask::ExplainBeforeSubmit, false, false),
            (false, false, false) => j("value_outlier", Ask::ExplainBeforeSubmit, false, false),
        }
    }

    /// The engine's problem for this value: `code` with the indicator's name, the finding and
    /// the ask in both languages (`indicator`/`indicator_en`, `finding`/`finding_en`,
    /// `ask`/`ask_en`).
    pub fn problem(
        &self,
        j: Judgement,
        indicator: &dyn Fn(&str) -> Option<&'a Indicator>,
    ) -> Problem {
        Problem::new(j.code)
            .arg("indicator", &self.indicator.name_vi)
            .arg("indicator_en", &self.indicator.name_en)
            .arg("finding", self.finding(Lang::Vi, indicator))
            .arg("finding_en", self.finding(Lang::En, indicator))
            .arg("ask", t(Lang::Vi, j.ask.key()))
            .arg("ask_en", t(Lang::En, j.ask.key()))
    }

    /// The value, how it compares and why it is unusual, in `lang`: "9.000,5 tỷ đồng, gấp 8,4
    /// lần tháng trước (1.070,0 tỷ đồng) — tổng mức bán lẻ tăng hơn ba lần so với tháng trước;
    /// số liệu khác thường so với 8 tháng trước".
    pub fn finding(&self, lang: Lang, indicator: &dyn Fn(&str) -> Option<&'a Indicator>) -> String {
        let mut s = match self.value {
            Some(v) => figure(self.indicator, v, lang),
            None => t(lang, "warnings.no_figure"),
        };
        if let Some(c) = self.comparison(lang, indicator) {
            s.push_str(", ");
            s.push_str(&c);
        }
        let mut reasons: Vec<String> = Vec::new();
        // The rules' own words first, then the history's.
        let rules_first = self
            .findings
            .iter()
            .filter(|f| matches!(f, Finding::Rule(..)))
            .chain(
                self.findings
                    .iter()
                    .filter(|f| matches!(f, Finding::Outlier(_))),
            );
        for f in rules_first {
            let r = match f {
                Finding::Outlier(o) => t_args(
                    lang,
                    "warnings.outlier",
                    &[
                        ("n", o.periods.to_string()),
                        ("periods", periods_word(self.kind, lang)),
                    ],
                ),
                Finding::Rule(rule, b) => match rule.description(lang) {
                    Some(d) => in_sentence(d),
                    None => self.rule_sentence(rule, b, lang, indicator),
                },
            };
            if !reasons.contains(&r) {
                reasons.push(r);
            }
        }
        if !reasons.is_empty() {
            s.push_str(" — ");
            s.push_str(&reasons.join("; "));
        }
        s
    }

    /// How the value compares, the one comparison its findings share: with what a rule compares
    /// it to (a ratio), else (an outlier) with the previous period or, without one, the usual
    /// level; with a rule's limit; or the other figures a rule read.
    fn comparison(
        &self,
        lang: Lang,
        indicator: &dyn Fn(&str) -> Option<&'a Indicator>,
    ) -> Option<String> {
        let v = self.value?;
        let subject = self.indicator.code.as_str();
        let rules = || {
            self.findings.iter().filter_map(|f| match f {
                Finding::Rule(r, b) => Some((*r, b)),
                Finding::Outlier(_) => None,
            })
        };
        // 1. A rule comparing the value with one other figure: the ratio to it.
        for (rule, b) in rules() {
            if let [input] = b.right_inputs.as_slice()
                && rule.subject_alone()
                && !(input.code == subject && input.shift == PeriodShift::Current)
            {
                let ind = indicator(&input.code)?;
                let r = input.value.to_f64()?;
                return Some(ratio(
                    v,
                    r,
                    &self.what(input, ind, lang),
                    &figure(ind, r, lang),
                    lang,
                ));
            }
        }
        // 2. An outlier: against last period, or the usual level.
        if let Some(o) = self.findings.iter().find_map(|f| match f {
            Finding::Outlier(o) => Some(o),
            Finding::Rule(..) => None,
        }) {
            let (what, reference) = match self.previous {
                Some(p) => (previous_word(self.kind, lang), p),
                None => (
                    t_args(
                        lang,
                        "warnings.usual",
                        &[
                            ("n", o.periods.to_string()),
                            ("periods", periods_word(self.kind, lang)),
                        ],
                    ),
                    o.usual,
                ),
            };
            return Some(ratio(
                v,
                reference,
                &what,
                &figure(self.indicator, reference, lang),
                lang,
            ));
        }
        // 3. A limit: the value above or below it.
        for (rule, b) in rules() {
            if b.right_inputs.is_empty() && rule.subject_alone() {
                let key = match rule.op {
                    Op::Le => "warnings.above_limit",
                    Op::Lt => "warnings.not_below_limit",
                    Op::Ge => "warnings.below_limit",
                    Op::Gt => "warnings.not_above_limit",
                    Op::Eq => "warnings.not_equal_limit",
                    Op::Ne => "warnings.equal_limit",
                };
                return Some(t_args(lang, key, &[("limit", plain(b.right, lang))]));
            }
        }
        // 4. The other figures the rules read.
        let mut related: Vec<String> = Vec::new();
        for (_, b) in rules() {
            for input in b.left_inputs.iter().chain(&b.right_inputs) {
                if input.code == subject && input.shift == PeriodShift::Current {
                    continue;
                }
                let Some(ind) = indicator(&input.code) else {
                    continue;
                };
                let Some(x) = input.value.to_f64() else {
                    continue;
                };
                let item = format!("{} {}", self.what(input, ind, lang), figure(ind, x, lang));
                if !related.contains(&item) {
                    related.push(item);
                }
            }
        }
        (!related.is_empty())
            .then(|| t_args(lang, "warnings.related", &[("figures", related.join(", "))]))
    }

    /// What a figure a rule read is called: "tháng trước" for the value's own previous period,
    /// the indicator's name (and period) for another's.
    fn what(&self, input: &Input, ind: &Indicator, lang: Lang) -> String {
        let when = match input.shift {
            PeriodShift::Current => None,
            PeriodShift::Previous => Some(previous_word(self.kind, lang)),
            PeriodShift::Lag(n) => Some(t_args(
                lang,
                "warnings.lag",
                &[
                    ("n", n.to_string()),
                    ("periods", periods_word(self.kind, lang)),
                ],
            )),
            PeriodShift::SamePeriodLastYear => Some(t(lang, "warnings.same_period_last_year")),
            PeriodShift::YearToDate => Some(t(lang, "warnings.year_to_date")),
        };
        match when {
            Some(w) if ind.code == self.indicator.code => w,
            Some(w) => format!("{} {w}", ind.name(lang)),
            None => ind.name(lang).to_owned(),
        }
    }

    /// A rule without a description, said from its shape: "Tổng mức bán lẻ không được vượt quá
    /// 3.210", "giá trị tính từ A, B phải bằng 0".
    fn rule_sentence(
        &self,
        rule: &Rule,
        b: &Breach,
        lang: Lang,
        indicator: &dyn Fn(&str) -> Option<&'a Indicator>,
    ) -> String {
        let left = if rule.subject_alone() {
            self.indicator.name(lang).to_owned()
        } else {
            let names: Vec<String> = b
                .left_inputs
                .iter()
                .filter_map(|i| Some(self.what(i, indicator(&i.code)?, lang)))
                .collect();
            t_args(
                lang,
                "warnings.computed",
                &[("names", names.join(", ")), ("value", plain(b.left, lang))],
            )
        };
        let requires = match rule.op {
            Op::Lt => "warnings.requires_lt",
            Op::Le => "warnings.requires_le",
            Op::Gt => "warnings.requires_gt",
            Op::Ge => "warnings.requires_ge",
            Op::Eq => "warnings.requires_eq",
            Op::Ne => "warnings.requires_ne",
        };
        in_sentence(&t_args(
            lang,
            "warnings.rule",
            &[
                ("left", left),
                ("requires", t(lang, requires)),
                ("right", plain(b.right, lang)),
            ],
        ))
    }
}

/// A value with the indicator's decimals and unit of measure: "9.000,5 tỷ đồng".
fn figure(ind: &Indicator, v: f64, lang: Lang) -> String {
    let unit = ind.unit(lang).trim();
    if unit.is_empty() {
        ind.format(v, lang)
    } else {
        format!("{} {unit}", ind.format(v, lang))
    }
}

/// An exact number as written in `lang`, with the decimals it has: 80 → "80", 0.005 → "0,005".
fn plain(d: Decimal, lang: Lang) -> String {
    let d = d.normalize();
    format_number(d.to_f64().unwrap_or(0.0), d.scale() as usize, lang)
}

/// A ratio or percentage, one decimal unless it is whole: 8.41 → "8,4", 10.0 → "10".
fn one_decimal(x: f64, lang: Lang) -> String {
    let s = format_number(x, 1, lang);
    match s.strip_suffix(",0").or_else(|| s.strip_suffix(".0")) {
        Some(whole) => whole.to_owned(),
        None => s,
    }
}

/// "gấp 8,4 lần tháng trước (1.070,0 tỷ đồng)", "thấp hơn 20 % so với…", "chỉ bằng 5 %…".
fn ratio(v: f64, reference: f64, what: &str, shown: &str, lang: Lang) -> String {
    let args = |extra: Option<(&'static str, String)>| {
        let mut a = vec![("what", what.to_owned()), ("reference", shown.to_owned())];
        a.extend(extra);
        a
    };
    if reference <= 0.0 || v < 0.0 || !v.is_finite() || !reference.is_finite() {
        return t_args(lang, "warnings.against", &args(None));
    }
    let r = v / reference;
    let (key, extra) = if r >= 2.0 {
        ("warnings.times", Some(("ratio", one_decimal(r, lang))))
    } else if r > 1.0 {
        (
            "warnings.above",
            Some(("percent", one_decimal((r - 1.0) * 100.0, lang))),
        )
    } else if r == 1.0 {
        ("warnings.equal", None)
    } else if r > 0.5 {
        (
            "warnings.below",
            Some(("percent", one_decimal((1.0 - r) * 100.0, lang))),
        )
    } else {
        (
            "warnings.fraction",
            Some(("percent", one_decimal(r * 100.0, lang))),
        )
    };
    t_args(lang, key, &args(extra))
}

/// "tháng trước" / "last month", by the kind of period.
fn previous_word(kind: PeriodKind, lang: Lang) -> String {
    t(
        lang,
        match kind {
            PeriodKind::Month => "warnings.previous_month",
            PeriodKind::Quarter => "warnings.previous_quarter",
            PeriodKind::HalfYear => "warnings.previous_half_year",
            PeriodKind::NineMonths => "warnings.previous_nine_months",
            PeriodKind::Year => "warnings.previous_year",
        },
    )
}

/// "tháng" / "months", by the kind of period.
fn periods_word(kind: PeriodKind, lang: Lang) -> String {
    t(
        lang,
        match kind {
            PeriodKind::Month => "warnings.periods_month",
            PeriodKind::Quarter => "warnings.periods_quarter",
            PeriodKind::HalfYear => "warnings.periods_half_year",
            PeriodKind::NineMonths => "warnings.periods_nine_months",
            PeriodKind::Year => "warnings.periods_year",
        },
    )
}

/// A description inside a sentence: its first letter in lower case unless it starts a name
/// written in capitals ("Tổng mức…" → "tổng mức…", "CPI…" stays).
fn in_sentence(s: &str) -> String {
    let mut chars = s.chars();
    match (chars.next(), chars.next()) {
        (Some(a), Some(b)) if a.is_uppercase() && !b.is_uppercase() => {
            a.to_lowercase().chain(s.chars().skip(1)).collect()
        }
        _ => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ind(code: &str, vi: &str, en: &str, unit: (&str, &str), decimals: i64) -> Indicator {
        Indicator {
            code: code.into(),
            name_vi: vi.into(),
            name_en: en.into(),
            unit_vi: unit.0.into(),
            unit_en: unit.1.into(),
            decimals,
            ..Indicator::default()
        }
    }

    fn rule(code: &str, vi: &str, en: &str, left: &str, op: &str, right: &str) -> Rule {
        super::super::rules::parse(code, vi, en, left, op, right, "warning").unwrap()
    }

    /// Evaluate one month's values with a previous month and a history.
    fn flagged<'a>(
        inds: &'a [Indicator],
        rules: &'a [Rule],
        current: &[(&str, f64)],
        previous: &[(&str, f64)],
        history: &[f64],
    ) -> Vec<Flagged<'a>> {
        let cur = |c: &str| current.iter().find(|(k, _)| *k == c).map(|(_, v)| *v);
        let prev = |c: &str| previous.iter().find(|(k, _)| *k == c).map(|(_, v)| *v);
        let by_code = |c: &str| inds.iter().find(|i| i.code == c);
        let hist = |_: &Indicator, into: &mut Vec<f64>| into.extend_from_slice(history);
        let src = Sources {
            indicator: &by_code,
            current: &cur,
            previous: &prev,
            history: &hist,
        };
        evaluate(
            &Period::parse("202509").unwrap(),
            inds.iter().map(|i| (i, cur(&i.code))),
            rules.iter(),
            &src,
            &mut Vec::new(),
        )
    }

    #[test]
    fn an_outlier_breaking_a_rule_on_the_same_value_is_one_message() {
        let inds = [ind(
            "RETAIL",
            "Tổng mức bán lẻ",
            "Retail sales",
            ("tỷ đồng", "VND billion"),
            1,
        )];
        let rules = [rule(
            "JUMP",
            "Tổng mức bán lẻ tăng hơn ba lần so với tháng trước",
            "Retail sales more than tripled since the previous month",
            "RETAIL",
            "<=",
            "prev(RETAIL) * 3",
        )];
        let history = [
            1000.0, 1010.0, 1020.0, 1030.0, 1040.0, 1050.0, 1060.0, 1070.0,
        ];
        let f = flagged(
            &inds,
            &rules,
            &[("RETAIL", 9000.5)],
            &[("RETAIL", 1070.0)],
            &history,
        );
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].findings.len(), 2);
        let by_code = |c: &str| inds.iter().find(|i| i.code == c);
        assert_eq!(
            f[0].finding(Lang::Vi, &by_code),
            "9.000,5 tỷ đồng, gấp 8,4 lần tháng trước (1.070,0 tỷ đồng) — tổng mức bán lẻ tăng \
             hơn ba lần so với tháng trước; số liệu khác thường so với 8 tháng trước"
        );
        assert_eq!(
            f[0].finding(Lang::En, &by_code),
            "9,000.5 VND billion, 8.4 times last month (1,070.0 VND billion) — retail sales more \
             than tripled since the previous month; unusual compared with the previous 8 months"
        );
        let j = f[0].judge(true, false);
        assert_eq!(
            (j.code, j.refuses, j.on_explanation),
            ("rule_warning_unexplained", true, true)
        );
        assert_eq!(f[0].judge(true, true).code, "rule_warning");
        let p = f[0].problem(j, &by_code).detail(Lang::En);
        assert!(p.starts_with("Retail sales: 9,000.5"), "{p}");
        assert!(p.ends_with("an explanation is needed to submit."), "{p}");
    }

    #[test]
    fn an_outlier_alone_compares_with_the_previous_period_or_the_usual_level() {
        let inds = [ind(
            "X",
            "Xuất khẩu",
            "Exports",
            ("triệu USD", "USD million"),
            0,
        )];
        let history = [100.0, 102.0, 98.0, 101.0, 99.0, 103.0, 97.0, 100.0];
        let f = flagged(&inds, &[], &[("X", 40.0)], &[("X", 100.0)], &history);
        let by_code = |c: &str| inds.iter().find(|i| i.code == c);
        assert_eq!(
            f[0].finding(Lang::Vi, &by_code),
            "40 triệu USD, chỉ bằng 40 % tháng trước (100 triệu USD) — số liệu khác thường so \
             với 8 tháng trước"
        );
        let f = flagged(&inds, &[], &[("X", 130.0)], &[], &history);
        assert_eq!(
            f[0].finding(Lang::En, &by_code),
            "130 USD million, 30 % above its usual level over the previous 8 months (100 USD \
             million) — unusual compared with the previous 8 months"
        );
        assert_eq!(f[0].judge(false, false).code, "value_outlier");
        assert_eq!(f[0].judge(false, false).ask, Ask::ExplainBeforeSubmit);
    }

    #[test]
    fn a_rule_without_a_description_is_said_from_its_shape() {
        let inds = [
            ind(
                "CPI",
                "Chỉ số giá tiêu dùng",
                "Consumer price index",
                ("%", "%"),
                2,
            ),
            ind("A", "Nam", "Men", ("người", "persons"), 0),
            ind("B", "Nữ", "Women", ("người", "persons"), 0),
            ind("T", "Dân số", "Population", ("người", "persons"), 0),
        ];
        let rules = [
            rule("LOW", "", "", "CPI", ">=", "80"),
            rule("PARTS", "", "", "abs(A + B - T)", "<=", "0.005 * T"),
        ];
        let f = flagged(
            &inds,
            &rules,
            &[("CPI", 75.5), ("A", 500.0), ("B", 400.0), ("T", 1000.0)],
            &[],
            &[],
        );
        let by_code = |c: &str| inds.iter().find(|i| i.code == c);
        assert_eq!(f.len(), 2);
        assert_eq!(
            f[0].finding(Lang::Vi, &by_code),
            "75,50 %, thấp hơn mức 80 — chỉ số giá tiêu dùng không được nhỏ hơn 80"
        );
        assert_eq!(
            f[0].finding(Lang::En, &by_code),
            "75.50 %, below 80 — consumer price index must not be less than 80"
        );
        let parts = f[1].finding(Lang::En, &by_code);
        assert_eq!(
            parts,
            "500 persons, related figures: Women 400 persons, Population 1,000 persons — the \
             figure computed from Men, Women, Population (100) must not exceed 5"
        );
        for text in [f[0].finding(Lang::Vi, &by_code), parts] {
            assert!(!text.contains("abs(") && !text.contains(">="), "{text}");
        }
    }

    #[test]
    fn descriptions_read_inside_a_sentence() {
        assert_eq!(in_sentence("Tổng mức bán lẻ"), "tổng mức bán lẻ");
        assert_eq!(in_sentence("CPI unusually low"), "CPI unusually low");
        assert_eq!(one_decimal(10.0, Lang::Vi), "10");
        assert_eq!(one_decimal(8.41, Lang::Vi), "8,4");
        assert_eq!(plain(Decimal::new(5, 3), Lang::Vi), "0,005");
    }
}
