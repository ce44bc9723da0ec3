//! The indicator catalogue (danh mục chỉ tiêu), report templates (biểu mẫu) and the holiday
//! calendar, with the default catalogue shipped in `seed/`.

use platform::audit::Actor;
use platform::db::{Db, DbResult, Row};
use platform::error::Problem;
use platform::i18n::{Lang, t, t_args};
use platform::params;
use serde::{Deserialize, Serialize};

use crate::model::period::HolidayCalendar;

/// The shipped catalogue, in the file format of [`crate::catalogue_io`].
pub(crate) const SEED_INDICATORS: &str = include_str!("../seed/indicators.csv");

pub use crate::templates::{MONTHLY_PROVINCIAL, Template, template};

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
    pub(crate) fn from_row(r: &Row) -> DbResult<Indicator> {
        Ok(Indicator {
            id: r.get("id")?,
            code: r.get("code")?,
            name_vi: r.get("name_vi")?,
            name_en: r.get("name_en")?,
            unit_vi: r.get("unit_vi")?,
            unit_en: r.get("unit_en")?,
            domain: r.get("domain")?,
            value_type: r.get("value_type")?,
            decimals: r.get("decimals")?,
            periodicity: r.get("periodicity")?,
            agg_units: r.get("agg_units")?,
            agg_weight: r.get("agg_weight")?,
            agg_time: r.get("agg_time")?,
            formula: r.get("formula")?,
            agency_code: r.get("agency_code")?,
            is_public: r.get("is_public")?,
            monthly_provincial: r.get("monthly_provincial")?,
            lower_bound: r.get("lower_bound")?,
            upper_bound: r.get("upper_bound")?,
            definition_vi: r.get("definition_vi")?,
            definition_en: r.get("definition_en")?,
            source: r.get("source")?,
            valid_from: r.get("valid_from")?,
            valid_to: r.get("valid_to")?,
            parent: r.get("parent_code")?,
            dimension: r.get("dimension")?,
            option: r.get("dim_option")?,
        })
    }

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
        self.valid_to
            .as_deref()
            .and_then(registry::Day::parse)
            .is_some_and(|to| to.0 < registry::Day::today().0)
    }

    pub fn name(&self, lang_code: &str) -> &str {
        if lang_code == "en" {
            &self.name_en
        } else {
            &self.name_vi
        }
    }

    pub fn unit(&self, lang_code: &str) -> &str {
        if lang_code == "en" {
            &self.unit_en
        } else {
            &self.unit_vi
        }
    }

    /// Format a value with the indicator's decimals and Vietnamese or English separators.
    /// A figure that overflowed (not finite) is shown as such, never as `inf`.
    pub fn format(&self, v: f64, lang_code: &str) -> String {
        if !v.is_finite() {
            let lang = if lang_code == "en" {
                Lang::En
            } else {
                Lang::Vi
            };
            return t(lang, "value_rule.overflow");
        }
        format_number(v, self.decimals.clamp(0, 6) as usize, lang_code)
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
        if self.value_type == "integer" {
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
            return Err(if self.value_type == "integer" {
                ValueBreach::NotInteger
            } else {
                ValueBreach::TooPrecise
            });
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
        let kind = match self.value_type.as_str() {
            "integer" | "percent" | "index" => t(lang, &format!("value_rule.{}", self.value_type)),
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
        if self.value_type == "integer" {
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
            .arg("limit", format_number(VALUE_LIMIT, 0, "vi"))
            .arg("limit_en", format_number(VALUE_LIMIT, 0, "en"))
    }

    /// Is it additive over units (so sums across merged provinces are meaningful)?
    pub fn is_additive(&self) -> bool {
        self.agg_units == "sum"
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

/// `1234567.891` → `1.234.567,89` (vi) or `1,234,567.89` (en).
pub fn format_number(v: f64, decimals: usize, lang_code: &str) -> String {
    let s = format!("{:.*}", decimals, v.abs());
    let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
    let (group, point) = if lang_code == "en" {
        (',', '.')
    } else {
        ('.', ',')
    };
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(group);
        }
        out.push(c);
    }
    if !frac.is_empty() {
        out.push(point);
        out.push_str(frac);
    }
    if v < 0.0 && out.chars().any(|c| c.is_ascii_digit() && c != '0') {
        out.insert(0, '-');
    }
    out
}

pub async fn list(db: &Db) -> DbResult<Vec<Indicator>> {
    db.fetch_all("SELECT * FROM indicators ORDER BY domain, code", params![])
        .await?
        .iter()
        .map(Indicator::from_row)
        .collect()
}

pub async fn by_code(db: &Db, code: &str) -> DbResult<Option<Indicator>> {
    db.fetch_optional(
        "SELECT * FROM indicators WHERE code = $1",
        params![code.trim().to_uppercase()],
    )
    .await?
    .as_ref()
    .map(Indicator::from_row)
    .transpose()
}

pub async fn holidays(db: &Db) -> DbResult<HolidayCalendar> {
    let mut cal = HolidayCalendar::default();
    for r in db.fetch_all("SELECT day FROM holidays", params![]).await? {
        if let Some(d) = registry::Day::parse(&r.get::<String>("day")?) {
            cal.holidays.insert(d.0);
        }
    }
    Ok(cal)
}

/// Apply the reporting system's reference data (catalogue, templates, rules, holidays; see
/// [`crate::reference`]); idempotent. Returns how many indicators were new.
pub async fn load_default(db: &Db, actor: &Actor) -> anyhow::Result<usize> {
    let reports =
        platform::reference::apply(db, actor, &crate::reference::sets(), &Default::default())
            .await?;
    Ok(reports
        .iter()
        .find(|r| r.name == "reporting.indicators")
        .map_or(0, |r| r.inserted))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_use_each_languages_separators() {
        assert_eq!(format_number(1234567.891, 2, "vi"), "1.234.567,89");
        assert_eq!(format_number(1234567.891, 2, "en"), "1,234,567.89");
        assert_eq!(format_number(-5.0, 0, "vi"), "-5");
        assert_eq!(format_number(999.0, 1, "en"), "999.0");
        assert_eq!(format_number(-0.001, 1, "en"), "0.0");
    }

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

    #[test]
    fn shipped_catalogue_is_complete() {
        let mut rdr = csv::Reader::from_reader(SEED_INDICATORS.as_bytes());
        let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
        assert!(rows.len() >= 60, "{}", rows.len());
        let monthly: Vec<&str> = rows
            .iter()
            .filter(|r| &r[15] == "true")
            .map(|r| &r[0])
            .collect();
        assert_eq!(monthly.len(), 8);
        for d in 1..=9 {
            assert!(
                rows.iter()
                    .filter(|r| r[5].parse::<i64>().unwrap() == d)
                    .count()
                    >= 4,
                "domain {d}"
            );
        }
    }
}
