//! The indicator catalogue (danh mục chỉ tiêu), report templates (biểu mẫu) and the holiday
//! calendar, with the default catalogue shipped in `seed/`.

use platform::audit::Actor;
use platform::db::{Db, DbResult, Row};
use platform::params;
use serde::{Deserialize, Serialize};

use crate::period::HolidayCalendar;

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
    /// Values below this are rejected.
    pub lower_bound: Option<f64>,
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
    pub fn valid_for(&self, period: &crate::period::Period) -> bool {
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
    pub fn format(&self, v: f64, lang_code: &str) -> String {
        format_number(v, self.decimals.clamp(0, 6) as usize, lang_code)
    }

    /// Round to the indicator's decimals (sums of floating-point values carry noise).
    pub fn round(&self, v: f64) -> f64 {
        let f = 10f64.powi(self.decimals.clamp(0, 6) as i32);
        (v * f).round() / f
    }

    /// Is it additive over units (so sums across merged provinces are meaningful)?
    pub fn is_additive(&self) -> bool {
        self.agg_units == "sum"
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
