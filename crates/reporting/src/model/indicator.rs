//! An indicator (chỉ tiêu) of the catalogue: its definition, its value rule (`check_value`), and
//! the enums of its rules (value type, periodicity, aggregation over units and over time), parsed
//! at the edge: the catalogue import refuses an unknown word, and a stored row holding one is an
//! error (`store::catalogue`), never a default.

use platform::error::Problem;
use platform::i18n::{Lang, t, t_args};
use serde::{Deserialize, Serialize};

use super::format::format_number;

/// An indicator (chỉ tiêu).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Indicator {
    #[serde(skip)]
    pub id: i64,
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
    pub unit_vi: String,
    pub unit_en: String,
    /// One of the 9 domains (lĩnh vực), 1–9.
    pub domain: i64,
    /// number, percent, index or integer.
    pub value_type: String,
    pub decimals: i64,
    /// month, quarter or year.
    pub periodicity: String,
    /// How it aggregates over units: sum, avg, wavg, min, max, none.
    pub agg_units: String,
    /// The weighting indicator of a weighted average.
    pub agg_weight: Option<String>,
    /// How it aggregates over time: sum, avg, last, none.
    pub agg_time: String,
    /// Formula of a derived indicator.
    pub formula: Option<String>,
    /// Responsible agency code.
    pub agency_code: Option<String>,
    /// Open data, readable without signing in.
    pub is_public: bool,
    /// Reported monthly by every province.
    pub monthly_provincial: bool,
    /// Values below this are rejected; none: the value may be negative (e.g. a growth rate).
    pub lower_bound: Option<f64>,
    /// Values above this are rejected (100 for a share in percent); none: only the limit of
    /// every value (±10^15) applies.
    pub upper_bound: Option<f64>,
    /// Definition (khái niệm, phương pháp tính) in Vietnamese and English.
    pub definition_vi: Option<String>,
    pub definition_en: Option<String>,
    /// Source of the data (nguồn số liệu), e.g. the survey or administrative record.
    pub source: Option<String>,
    /// First day the indicator is in force (YYYY-MM-DD); none: always.
    pub valid_from: Option<String>,
    /// Last day the indicator is in force (a retired indicator); none: still in force.
    pub valid_to: Option<String>,
    /// Disaggregation (phân tổ): the indicator this one is a part of…
    pub parent: Option<String>,
    /// …along which dimension (e.g. `sex`, `area`)…
    pub dimension: Option<String>,
    /// …and which option of it (e.g. `male`, `urban`).
    pub option: Option<String>,
}

impl Indicator {
    /// Is the indicator in force during any part of `period`? A retired indicator (valid_to
    /// before the period) or one not yet in force is not asked for and its values are refused.
    pub fn valid_for(&self, period: &crate::model::period::Period) -> bool {
        let (first, last) = period.calendar();
        let day = |s: &Option<String>| s.as_deref().and_then(registry::Day::parse).map(|d| d.0);
        day(&self.valid_from).is_none_or(|from| from <= last)
            && day(&self.valid_to).is_none_or(|to| to >= first)
    }

    /// Retired: its last day of validity has passed.
    pub fn is_retired(&self) -> bool {
        self.is_retired_on(registry::Day::today().0)
    }

    /// Retired on `today`: its last day of validity is before it.
    pub fn is_retired_on(&self, today: time::Date) -> bool {
        self.valid_to
            .as_deref()
            .and_then(registry::Day::parse)
            .is_some_and(|to| to.0 < today)
    }

    /// The name in `lang` (a [`Lang`] or a language code).
    pub fn name(&self, lang: impl Into<Lang>) -> &str {
        match lang.into() {
            Lang::En => &self.name_en,
            Lang::Vi => &self.name_vi,
        }
    }

    /// The unit of measure in `lang` (a [`Lang`] or a language code).
    pub fn unit(&self, lang: impl Into<Lang>) -> &str {
        match lang.into() {
            Lang::En => &self.unit_en,
            Lang::Vi => &self.unit_vi,
        }
    }

    /// Format a value with the indicator's decimals and Vietnamese or English separators.
    /// A figure that overflowed (not finite) is shown as such, never as `inf`.
    pub fn format(&self, v: f64, lang: impl Into<Lang>) -> String {
        let lang = lang.into();
        if !v.is_finite() {
            return t(lang, "value_rule.overflow");
        }
        format_number(v, self.decimals.clamp(0, 6) as usize, lang)
    }

    /// Round to the indicator's decimals (sums of floating-point values carry noise).
    pub fn round(&self, v: f64) -> f64 {
        let f = 10f64.powi(self.decimals.clamp(0, 6) as i32);
        let scaled = v * f;
        // Beyond 2^53 a float has no fraction to round (and scaling could overflow).
        if !scaled.is_finite() || scaled.abs() >= 9.0e15 {
            return v;
        }
        scaled.round() / f
    }

    /// Decimal places a value may carry: none for a count (`integer`), else `decimals`.
    pub fn allowed_decimals(&self) -> u32 {
        if ValueType::parse(&self.value_type) == Some(ValueType::Integer) {
            0
        } else {
            self.decimals.clamp(0, 6) as u32
        }
    }

    /// Check one value against the indicator's declared type and range: finite, within
    /// [`VALUE_LIMIT`], whole for a count, no more decimals than declared, within the bounds.
    /// Constant time; nothing is looked up.
    pub fn check_value(&self, v: f64) -> Result<(), ValueBreach> {
        if !v.is_finite() {
            return Err(ValueBreach::NotFinite);
        }
        if v.abs() > VALUE_LIMIT {
            return Err(ValueBreach::TooLarge);
        }
        let d = self.allowed_decimals();
        if !has_at_most_decimals(v, d) {
            return Err(
                if ValueType::parse(&self.value_type) == Some(ValueType::Integer) {
                    ValueBreach::NotInteger
                } else {
                    ValueBreach::TooPrecise
                },
            );
        }
        if self.lower_bound.is_some_and(|lb| v < lb) {
            return Err(ValueBreach::BelowBound);
        }
        if self.upper_bound.is_some_and(|ub| v > ub) {
            return Err(ValueBreach::AboveBound);
        }
        Ok(())
    }

    /// The indicator's value rule in words: "số nguyên không âm" / "a whole number ≥ 0",
    /// "tỷ lệ phần trăm từ 0 đến 100, tối đa 2 chữ số thập phân"…
    pub fn value_rule(&self, lang: Lang) -> String {
        let kind = match ValueType::parse(&self.value_type) {
            Some(v @ (ValueType::Integer | ValueType::Percent | ValueType::Index)) => {
                t(lang, &format!("value_rule.{v}"))
            }
            _ => t(lang, "value_rule.number"),
        };
        let num = |v: f64| plain_number(v, lang);
        let mut args = vec![("kind", kind)];
        let key = match (self.lower_bound, self.upper_bound) {
            (Some(lb), Some(ub)) => {
                args.push(("min", num(lb)));
                args.push(("max", num(ub)));
                "value_rule.between"
            }
            (Some(0.0), None) => "value_rule.non_negative",
            (Some(lb), None) => {
                args.push(("min", num(lb)));
                "value_rule.at_least"
            }
            (None, Some(ub)) => {
                args.push(("max", num(ub)));
                "value_rule.at_most"
            }
            (None, None) => "value_rule.signed",
        };
        let rule = t_args(lang, key, &args);
        if ValueType::parse(&self.value_type) == Some(ValueType::Integer) {
            return rule;
        }
        match self.allowed_decimals() {
            0 => t_args(lang, "value_rule.no_decimals", &[("rule", rule)]),
            1 => t_args(lang, "value_rule.decimals_one", &[("rule", rule)]),
            n => t_args(
                lang,
                "value_rule.decimals",
                &[("rule", rule), ("n", n.to_string())],
            ),
        }
    }

    /// The problem of a value that breaks the indicator's rule, naming the rule and the value
    /// received in both languages (`rule`/`rule_en`, `value`/`value_en`).
    pub fn value_problem(&self, v: f64, breach: ValueBreach) -> Problem {
        Problem::new(breach.code())
            .arg("indicator", &self.name_vi)
            .arg("indicator_en", &self.name_en)
            .arg("rule", self.value_rule(Lang::Vi))
            .arg("rule_en", self.value_rule(Lang::En))
            .arg("value", received(v, Lang::Vi))
            .arg("value_en", received(v, Lang::En))
            .arg("limit", format_number(VALUE_LIMIT, 0, Lang::Vi))
            .arg("limit_en", format_number(VALUE_LIMIT, 0, Lang::En))
    }

    /// Is it additive over units (so sums across merged provinces are meaningful)?
    pub fn is_additive(&self) -> bool {
        AggUnits::parse(&self.agg_units) == Some(AggUnits::Sum)
    }
}

/// The largest magnitude of any value (10^15, một triệu tỷ). Every value is finite and within
/// ±`VALUE_LIMIT`, far above any real figure (Vietnam's GDP is about 10^7 VND billion), so that
/// sums over every unit and month of a query stay finite, and the exact decimals of formulas
/// (about 7.9 × 10^28) hold any sum or ordinary product of them.
pub const VALUE_LIMIT: f64 = 1e15;

/// How a value breaks its indicator's rule; each has a stable error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueBreach {
    /// NaN or an infinity.
    NotFinite,
    /// Beyond ±[`VALUE_LIMIT`].
    TooLarge,
    /// A fraction for a count.
    NotInteger,
    /// More decimal places than the indicator declares.
    TooPrecise,
    BelowBound,
    AboveBound,
}

impl ValueBreach {
    pub fn code(self) -> &'static str {
        match self {
            ValueBreach::NotFinite => "value_not_finite",
            ValueBreach::TooLarge => "value_too_large",
            ValueBreach::NotInteger => "value_not_integer",
            ValueBreach::TooPrecise => "value_too_precise",
            ValueBreach::BelowBound => "value_below_bound",
            ValueBreach::AboveBound => "value_above_bound",
        }
    }
}

/// Does `v` have at most `d` decimal places, read as the shortest decimal that gives back the
/// same number (what the sender typed: `0.1` is one place, though not exact in binary)?
fn has_at_most_decimals(v: f64, d: u32) -> bool {
    if d == 0 {
        return v.fract() == 0.0;
    }
    let f = 10f64.powi(d as i32);
    let k = (v * f).round();
    // Fast path: below 2^52 the scaled value rounds to the right integer, and the number nearest to k / 10^d is v
    // exactly when v has at most d places.
    if k.abs() < 4.0e15 {
        return k / f == v;
    }
    // Large values: count the places of the shortest representation.
    let s = format!("{}", v.abs());
    s.split_once('.')
        .is_none_or(|(_, frac)| frac.len() <= d as usize)
}

/// A number as plain text in the language's decimal mark, no grouping (`0,5` / `0.5`).
fn plain_number(v: f64, lang: Lang) -> String {
    let s = format!("{v}");
    if lang == Lang::Vi {
        s.replace('.', ",")
    } else {
        s
    }
}

/// A value received, as plain text; huge ones in scientific notation (`1e308`).
fn received(v: f64, lang: Lang) -> String {
    if v.is_finite() && (v == 0.0 || (1e-6..VALUE_LIMIT * 1000.0).contains(&v.abs())) {
        plain_number(v, lang)
    } else {
        let s = format!("{v:e}");
        if lang == Lang::Vi {
            s.replace('.', ",")
        } else {
            s
        }
    }
}

/// Declares a closed set of words stored in a text column: `parse` at the edge, `as_str` to
/// store and show, `ALL` for messages listing the choices.
macro_rules! word_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $word:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl $name {
            /// Every choice, in the order the catalogue documents them.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The word as stored and written in catalogue files.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $word),+
                }
            }

            /// The choice a word names (exact, lower case); None for any other word.
            pub fn parse(s: &str) -> Option<$name> {
                match s {
                    $($word => Some($name::$variant),)+
                    _ => None,
                }
            }

            /// The words of every choice, for messages (`number, percent, index, integer`).
            pub fn words() -> Vec<&'static str> {
                Self::ALL.iter().map(|v| v.as_str()).collect()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

word_enum! {
    /// What a value is (kiểu giá trị).
    ValueType {
        Number = "number",
        Percent = "percent",
        Index = "index",
        /// A count: whole numbers only.
        Integer = "integer",
    }
}

word_enum! {
    /// How often an indicator is reported (kỳ báo cáo).
    Periodicity {
        Month = "month",
        Quarter = "quarter",
        Year = "year",
    }
}

word_enum! {
    /// How an indicator aggregates over units (tổng hợp theo đơn vị).
    AggUnits {
        Sum = "sum",
        Avg = "avg",
        /// Weighted average; the weight is another indicator (`agg_weight`).
        Wavg = "wavg",
        Min = "min",
        Max = "max",
        /// Not aggregated (a national figure is reported, not computed).
        None = "none",
    }
}

word_enum! {
    /// How an indicator aggregates over time (tổng hợp theo thời gian).
    AggTime {
        Sum = "sum",
        Avg = "avg",
        Last = "last",
        None = "none",
    }
}

/// A stored indicator whose rule word is none of the known choices: `column` and the word.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("indicator {code}: {column} {value:?} is not a known choice")]
pub struct UnknownChoice {
    pub code: String,
    pub column: &'static str,
    pub value: String,
}

impl Indicator {
    /// Every rule word of the indicator is a known choice (what a stored row must satisfy).
    pub fn check_choices(&self) -> Result<(), UnknownChoice> {
        let bad = |column: &'static str, value: &str| UnknownChoice {
            code: self.code.clone(),
            column,
            value: value.to_owned(),
        };
        if ValueType::parse(&self.value_type).is_none() {
            return Err(bad("value_type", &self.value_type));
        }
        if Periodicity::parse(&self.periodicity).is_none() {
            return Err(bad("periodicity", &self.periodicity));
        }
        if AggUnits::parse(&self.agg_units).is_none() {
            return Err(bad("agg_units", &self.agg_units));
        }
        if AggTime::parse(&self.agg_time).is_none() {
            return Err(bad("agg_time", &self.agg_time));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn indicator(value_type: &str, decimals: i64, lb: Option<f64>, ub: Option<f64>) -> Indicator {
        Indicator {
            name_vi: "Chỉ tiêu".into(),
            name_en: "Indicator".into(),
            value_type: value_type.into(),
            decimals,
            lower_bound: lb,
            upper_bound: ub,
            ..Default::default()
        }
    }

    #[test]
    fn values_follow_their_indicators_rule() {
        use ValueBreach::*;
        let count = indicator("integer", 0, Some(0.0), None);
        let share = indicator("percent", 2, Some(0.0), Some(100.0));
        let amount = indicator("number", 1, Some(0.0), None);
        let growth = indicator("percent", 2, None, None);
        for (ind, v, want) in [
            (&count, 170.0, Ok(())),
            (&count, 170.5, Err(NotInteger)),
            (&count, -1.0, Err(BelowBound)),
            (&count, 1e15, Ok(())),
            (&count, 1e15 + 1.0, Err(TooLarge)),
            (&count, 1e308, Err(TooLarge)),
            (&count, f64::NAN, Err(NotFinite)),
            (&count, f64::INFINITY, Err(NotFinite)),
            (&share, 100.0, Ok(())),
            (&share, 99.99, Ok(())),
            (&share, 100.01, Err(AboveBound)),
            (&share, 12.345, Err(TooPrecise)),
            (&amount, 0.1, Ok(())),
            (&amount, 0.3, Ok(())),
            (&amount, 0.1 + 0.2, Err(TooPrecise)),
            (&amount, 999_999_999_999_999.9, Ok(())),
            (&amount, 1.0 / 3.0, Err(TooPrecise)),
            (&growth, -12.5, Ok(())),
            (&growth, -1e15, Ok(())),
            (&growth, -1e16, Err(TooLarge)),
        ] {
            assert_eq!(ind.check_value(v), want, "{} {v}", ind.value_type);
        }
    }

    #[test]
    fn the_rule_is_named_in_both_languages() {
        let count = indicator("integer", 0, Some(0.0), None);
        assert_eq!(count.value_rule(Lang::Vi), "số nguyên không âm");
        assert_eq!(count.value_rule(Lang::En), "a whole number ≥ 0");
        let share = indicator("percent", 2, Some(0.0), Some(100.0));
        assert_eq!(
            share.value_rule(Lang::Vi),
            "tỷ lệ phần trăm từ 0 đến 100, tối đa 2 chữ số thập phân"
        );
        assert_eq!(
            share.value_rule(Lang::En),
            "a percentage from 0 to 100, at most 2 decimal places"
        );
        let growth = indicator("percent", 1, None, None);
        assert_eq!(
            growth.value_rule(Lang::En),
            "a percentage (may be negative), at most 1 decimal place"
        );
        let p = count.value_problem(1.5, ValueBreach::NotInteger);
        assert_eq!(
            p.detail(Lang::Vi),
            "Chỉ tiêu: giá trị phải là số nguyên không âm; nhận được 1,5."
        );
        assert_eq!(
            p.detail(Lang::En),
            "Indicator: the value must be a whole number ≥ 0; got 1.5."
        );
        let p = count.value_problem(1e308, ValueBreach::TooLarge);
        assert!(
            p.detail(Lang::En).contains("got 1e308"),
            "{}",
            p.detail(Lang::En)
        );
    }

    #[test]
    fn an_overflowed_figure_is_shown_as_such() {
        let amount = indicator("number", 1, Some(0.0), None);
        assert_eq!(amount.format(f64::INFINITY, "en"), "overflow");
        assert_eq!(amount.round(1e308), 1e308);
        assert_eq!(amount.round(1.25), 1.3);
    }

    proptest::proptest! {
        #[test]
        fn decimals_typed_are_decimals_counted(k in -999_999_999_999i64..999_999_999_999, d in 0u32..4) {
            // k × 10^-d, as a sender would type it, has at most d places (and not fewer unless
            // it ends in zeros).
            let v: f64 = format!("{}e-{d}", k).parse().unwrap();
            proptest::prop_assert!(has_at_most_decimals(v, d));
            if d > 0 && k % 10 != 0 {
                proptest::prop_assert!(!has_at_most_decimals(v, d - 1));
            }
        }
    }
}

#[cfg(test)]
mod choice_tests {
    use super::*;

    #[test]
    fn every_word_round_trips_and_others_are_refused() {
        for v in ValueType::ALL {
            assert_eq!(ValueType::parse(v.as_str()), Some(*v));
        }
        for v in AggUnits::ALL {
            assert_eq!(AggUnits::parse(&v.to_string()), Some(*v));
        }
        assert_eq!(Periodicity::words(), ["month", "quarter", "year"]);
        assert_eq!(AggTime::parse("Sum"), None);
        assert_eq!(ValueType::parse("weekly"), None);
    }

    #[test]
    fn a_stored_row_with_an_unknown_word_is_named() {
        let mut i = Indicator {
            code: "X".into(),
            value_type: "number".into(),
            periodicity: "month".into(),
            agg_units: "sum".into(),
            agg_time: "sum".into(),
            ..Default::default()
        };
        assert_eq!(i.check_choices(), Ok(()));
        i.agg_time = "median".into();
        let e = i.check_choices().unwrap_err();
        assert_eq!((e.column, e.value.as_str()), ("agg_time", "median"));
    }

    #[test]
    fn retired_on_a_day() {
        let i = Indicator {
            valid_to: Some("2025-06-30".into()),
            ..Default::default()
        };
        assert!(!i.is_retired_on(time::macros::date!(2025 - 06 - 30)));
        assert!(i.is_retired_on(time::macros::date!(2025 - 07 - 01)));
    }
}
