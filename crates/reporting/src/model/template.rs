//! Report templates (biểu mẫu báo cáo), Decree 09/2019/NĐ-CP: which indicators, which reporting
//! units (a ministry for the country, provinces, communes), how often (month, quarter, six
//! months, nine months, year), and the deadline in working days after the data cut-off. Shipped
//! as data in `seed/templates.csv` and `seed/template_indicators.csv`, loaded idempotently.
//!
//! A ministry's report holds national figures: they are stored on the national unit (level
//! `nation`, code `VN`) and the report is attributed to the ministry (`submissions.agency_id`), so
//! that a ministry's reporters may file it and nobody else's scope reaches it.

use platform::error::Problem;
use platform::i18n::Lang;
use registry::Level;
use serde::Serialize;

use super::calendar::latest_due;
use super::indicator::Indicator;
use crate::model::period::{HolidayCalendar, Period, PeriodKind};

/// The monthly socio-economic report every province files online (the default template).
pub const MONTHLY_PROVINCIAL: &str = "BC-KTXH-THANG";

/// The code of the national reporting unit.
pub const NATION: &str = "VN";

/// A report template (biểu mẫu).
#[derive(Debug, Clone, Serialize)]
pub struct Template {
    pub id: i64,
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
    /// month, quarter, half_year, nine_months or year ([`PeriodKind`]).
    pub period_kind: String,
    /// nation, province or commune ([`Level`]).
    pub unit_level: String,
    /// Working days after the cut-off.
    pub deadline_days: i64,
    /// Working days before the deadline when reminders start.
    pub remind_days: i64,
    /// The agency that files a national template (a ministry); None for provinces and communes.
    pub agency_id: Option<i64>,
    pub agency_code: Option<String>,
    pub indicators: Vec<Indicator>,
}

impl Template {
    /// The name in `lang` (a [`Lang`] or a language code).
    pub fn name(&self, lang: impl Into<Lang>) -> &str {
        match lang.into() {
            Lang::En => &self.name_en,
            Lang::Vi => &self.name_vi,
        }
    }

    /// The kind of period the template is reported for.
    pub fn kind(&self) -> PeriodKind {
        PeriodKind::parse(&self.period_kind).unwrap_or(PeriodKind::Month)
    }

    /// The level of its reporting units.
    pub fn level(&self) -> Level {
        Level::parse(&self.unit_level).unwrap_or(Level::Province)
    }

    /// Is `period` of the template's kind? If not, a precise error naming the kind it needs.
    pub fn check_period(&self, period: &Period) -> Result<(), Problem> {
        if period.kind == self.kind() {
            return Ok(());
        }
        Err(Problem::new("period_kind_mismatch")
            .field("period")
            .arg("value", period.id())
            .arg("template", &self.code)
            .arg("kind_vi", kind_label(self.kind(), Lang::Vi))
            .arg("kind_en", kind_label(self.kind(), Lang::En))
            .arg("example", example(self.kind())))
    }

    /// The submission deadline of `period`.
    pub fn deadline(&self, period: &Period, cal: &HolidayCalendar) -> time::Date {
        crate::model::period::deadline(period, self.deadline_days.max(0) as u32, cal)
    }

    /// The latest period of the template's kind whose cut-off has passed by `day` (the report
    /// now due or just due).
    pub fn latest_due(&self, day: time::Date) -> Period {
        latest_due(self.kind(), day)
    }
}

/// "tháng" / "month", "quý" / "quarter"…
pub fn kind_label(kind: PeriodKind, lang: impl Into<Lang>) -> &'static str {
    match (kind, lang.into() == Lang::En) {
        (PeriodKind::Month, false) => "tháng",
        (PeriodKind::Month, true) => "month",
        (PeriodKind::Quarter, false) => "quý",
        (PeriodKind::Quarter, true) => "quarter",
        (PeriodKind::HalfYear, false) => "6 tháng",
        (PeriodKind::HalfYear, true) => "half year",
        (PeriodKind::NineMonths, false) => "9 tháng",
        (PeriodKind::NineMonths, true) => "nine months",
        (PeriodKind::Year, false) => "năm",
        (PeriodKind::Year, true) => "year",
    }
}

fn example(kind: PeriodKind) -> &'static str {
    match kind {
        PeriodKind::Month => "202401",
        PeriodKind::Quarter => "2024Q1",
        PeriodKind::HalfYear => "2024S1",
        PeriodKind::NineMonths => "2024N9",
        PeriodKind::Year => "2024",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEMPLATES: &str = include_str!("../../seed/templates.csv");
    const TEMPLATE_INDICATORS: &str = include_str!("../../seed/template_indicators.csv");

    #[test]
    fn shipped_templates_are_well_formed() {
        let mut rdr = csv::Reader::from_reader(TEMPLATES.as_bytes());
        let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
        let kinds: std::collections::BTreeSet<&str> = rows.iter().map(|r| &r[3]).collect();
        for k in ["month", "quarter", "half_year", "nine_months", "year"] {
            assert!(kinds.contains(k), "no {k} template");
        }
        assert!(rows.iter().filter(|r| &r[4] == "nation").count() >= 2);
        assert!(rows.iter().any(|r| &r[4] == "commune"));
        assert_eq!(&rows[0][0], MONTHLY_PROVINCIAL);
        let mut links = csv::Reader::from_reader(TEMPLATE_INDICATORS.as_bytes());
        let links: Vec<csv::StringRecord> = links.records().map(Result::unwrap).collect();
        for r in &rows {
            assert!(
                links.iter().any(|l| l[0] == r[0]),
                "template {} has no indicators",
                &r[0]
            );
        }
        let monthly = links.iter().filter(|l| &l[0] == MONTHLY_PROVINCIAL).count();
        assert_eq!(monthly, 8);
    }

    #[test]
    fn wrong_period_kind_is_named() {
        let t = Template {
            id: 1,
            code: "BC-KTXH-QUY".into(),
            name_vi: String::new(),
            name_en: String::new(),
            period_kind: "quarter".into(),
            unit_level: "province".into(),
            deadline_days: 5,
            remind_days: 2,
            agency_id: None,
            agency_code: None,
            indicators: Vec::new(),
        };
        assert!(t.check_period(&Period::parse("2024Q1").unwrap()).is_ok());
        let p = t
            .check_period(&Period::parse("202401").unwrap())
            .unwrap_err();
        assert_eq!(p.code, "period_kind_mismatch");
        assert_eq!(p.field.as_deref(), Some("period"));
    }
}
