//! Report templates (biểu mẫu báo cáo), Decree 09/2019/NĐ-CP: which indicators, which reporting
//! units (a ministry for the country, provinces, communes), how often (month, quarter, six
//! months, nine months, year), and the deadline in working days after the data cut-off. Shipped
//! as data in `seed/templates.csv` and `seed/template_indicators.csv`, loaded idempotently.
//!
//! A ministry's report holds national figures: they are stored on the national unit (level
//! `nation`, code `VN`) and the report is attributed to the ministry (`submissions.agency_id`), so
//! that a ministry's reporters may file it and nobody else's scope reaches it.

use platform::db::{Db, DbResult, Row};
use platform::error::{AppError, AppResult, Problem};
use platform::identity::access::Target;
use platform::params;
use registry::Level;
use registry::store::Unit;
use serde::Serialize;

use crate::catalogue::Indicator;
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
    pub fn name(&self, lang_code: &str) -> &str {
        if lang_code == "en" {
            &self.name_en
        } else {
            &self.name_vi
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
            .arg("kind_vi", kind_label(self.kind(), "vi"))
            .arg("kind_en", kind_label(self.kind(), "en"))
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

/// The latest period of `kind` whose data cut-off window ended before `day`.
pub fn latest_due(kind: PeriodKind, day: time::Date) -> Period {
    let mut p = Period::month_containing_cutoff(day).previous();
    // Step back month by month until a period of `kind` ends with this month.
    for _ in 0..12 {
        let candidate = match kind {
            PeriodKind::Month => Some(p),
            PeriodKind::Quarter if p.index.is_multiple_of(3) => Some(Period {
                year: p.year,
                kind,
                index: p.index / 3,
            }),
            PeriodKind::HalfYear if p.index.is_multiple_of(6) => Some(Period {
                year: p.year,
                kind,
                index: p.index / 6,
            }),
            PeriodKind::NineMonths if p.index == 9 => Some(Period {
                year: p.year,
                kind,
                index: 0,
            }),
            PeriodKind::Year if p.index == 12 => Some(Period {
                year: p.year,
                kind,
                index: 0,
            }),
            _ => None,
        };
        if let Some(c) = candidate {
            return c;
        }
        p = p.previous();
    }
    p
}

/// "tháng" / "month", "quý" / "quarter"…
pub fn kind_label(kind: PeriodKind, lang_code: &str) -> &'static str {
    match (kind, lang_code == "en") {
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

const SELECT: &str = "SELECT t.*, a.code AS agency_code FROM report_templates t LEFT JOIN agencies a ON a.id = t.agency_id";

async fn from_row(db: &Db, r: &Row) -> DbResult<Template> {
    let id: i64 = r.get("id")?;
    let indicators = db
        .fetch_all(
            "SELECT i.* FROM indicators i JOIN template_indicators t ON t.indicator_id = i.id \
             WHERE t.template_id = $1 ORDER BY t.position",
            params![id],
        )
        .await?
        .iter()
        .map(Indicator::from_row)
        .collect::<DbResult<_>>()?;
    Ok(Template {
        id,
        code: r.get("code")?,
        name_vi: r.get("name_vi")?,
        name_en: r.get("name_en")?,
        period_kind: r.get("period_kind")?,
        unit_level: r.get("unit_level")?,
        deadline_days: r.get("deadline_days")?,
        remind_days: r.get("remind_days")?,
        agency_id: r.get("agency_id")?,
        agency_code: r.get("agency_code")?,
        indicators,
    })
}

/// The template bearing `code`.
pub async fn template(db: &Db, code: &str) -> DbResult<Option<Template>> {
    let sql = platform::db::Sql::trusted(format!("{SELECT} WHERE t.code = $1"));
    match db
        .fetch_optional(sql, params![code.trim().to_uppercase()])
        .await?
    {
        Some(r) => Ok(Some(from_row(db, &r).await?)),
        None => Ok(None),
    }
}

/// The template with internal id `id`.
pub async fn by_id(db: &Db, id: i64) -> DbResult<Option<Template>> {
    let sql = platform::db::Sql::trusted(format!("{SELECT} WHERE t.id = $1"));
    match db.fetch_optional(sql, params![id]).await? {
        Some(r) => Ok(Some(from_row(db, &r).await?)),
        None => Ok(None),
    }
}

/// Every template, in the order of the seed (monthly provincial first).
pub async fn list(db: &Db) -> DbResult<Vec<Template>> {
    let sql = platform::db::Sql::trusted(format!("{SELECT} ORDER BY t.id"));
    let mut out = Vec::new();
    for r in db.fetch_all(sql, params![]).await? {
        out.push(from_row(db, &r).await?);
    }
    Ok(out)
}

/// The template named by a request (`template`, `dataSet`…), or the monthly provincial report
/// when none is named; an unknown code is a precise error on `field`.
pub async fn resolve(db: &Db, code: Option<&str>, field: &str) -> AppResult<Template> {
    let code = code
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .unwrap_or(MONTHLY_PROVINCIAL);
    template(db, code).await?.ok_or_else(|| {
        AppError::invalid(
            Problem::new("template_unknown")
                .field(field.to_owned())
                .arg("code", code),
        )
    })
}

/// The reporting unit bearing `code` during `period` at the template's level (codes are reused
/// across the 2025 reorganisation, so the period decides which unit is meant).
pub async fn unit_for(
    db: &Db,
    template: &Template,
    code: &str,
    period: &Period,
) -> DbResult<Option<Unit>> {
    let (_, last) = period.calendar();
    let query = registry::store::UnitQuery {
        level: Some(template.level()),
        valid_on: Some(registry::Day(last)),
        q: Some(code.trim().to_owned()),
        limit: 50,
        ..Default::default()
    };
    Ok(registry::store::list_units(db, &query)
        .await?
        .0
        .into_iter()
        .find(|u| u.code == code.trim()))
}

/// The units due to report a template for `period`: the national unit, the provinces, or the
/// communes valid at the end of the period.
pub async fn reporting_units(db: &Db, template: &Template, period: &Period) -> DbResult<Vec<Unit>> {
    let (_, last) = period.calendar();
    let query = registry::store::UnitQuery {
        level: Some(template.level()),
        valid_on: Some(registry::Day(last)),
        limit: 20_000,
        ..Default::default()
    };
    Ok(registry::store::list_units(db, &query).await?.0)
}

/// The units due to report a template for `period` that some grant's scope may reach: the
/// national unit for its ministry's grants, or a scope's own unit and the units directly under it
/// (a province's communes since 2025). Cheaper than every unit of the country when a page only
/// needs the caller's own reports; the permission check itself is still [`target`]'s.
pub async fn units_in_scope(
    db: &Db,
    template: &Template,
    period: &Period,
    grants: &[platform::identity::access::Grant],
) -> DbResult<Vec<Unit>> {
    use platform::identity::access::Scope;
    if template.level() == Level::Nation {
        let mine = grants
            .iter()
            .any(|g| matches!(g.scope, Scope::Agency(a) if Some(a) == template.agency_id));
        return if mine {
            reporting_units(db, template, period).await
        } else {
            Ok(Vec::new())
        };
    }
    let (_, last) = period.calendar();
    let mut out: Vec<Unit> = Vec::new();
    for g in grants {
        let scope_unit = match g.scope {
            Scope::Unit(u) => Some(u),
            Scope::Agency(_) => g.scope_unit,
            Scope::National => None,
        };
        let Some(root) = scope_unit else { continue };
        let mut found = Vec::new();
        if let Some(u) = registry::store::unit(db, root).await?
            && u.level == template.level()
            && u.valid_on(registry::Day(last))
        {
            found.push(u);
        }
        let query = registry::store::UnitQuery {
            level: Some(template.level()),
            valid_on: Some(registry::Day(last)),
            parent_id: Some(root),
            limit: 5_000,
            ..Default::default()
        };
        found.extend(registry::store::list_units(db, &query).await?.0);
        for u in found {
            if !out.iter().any(|o| o.id == u.id) {
                out.push(u);
            }
        }
    }
    Ok(out)
}

/// The permission target of a template's report for `unit`. A national report belongs to the
/// template's ministry and to the national unit only (which no province's scope contains);
/// provincial and commune reports to the unit and its ancestors.
pub async fn target(db: &Db, template: &Template, unit: &Unit) -> DbResult<Target> {
    if template.level() == Level::Nation {
        return Ok(Target {
            national: false,
            agency: template.agency_id,
            units: vec![unit.id],
        });
    }
    crate::unit_target(db, unit).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TEMPLATES: &str = include_str!("../seed/templates.csv");
    const TEMPLATE_INDICATORS: &str = include_str!("../seed/template_indicators.csv");

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
    fn latest_due_period_of_each_kind() {
        // On 20 Nov 2026 the November report (cut-off 15 Oct – 14 Nov) is due, the third quarter's,
        // the first half's, the nine months' and 2025's.
        let d = date!(2026 - 11 - 20);
        assert_eq!(latest_due(PeriodKind::Month, d).id(), "202611");
        assert_eq!(latest_due(PeriodKind::Quarter, d).id(), "2026Q3");
        assert_eq!(latest_due(PeriodKind::HalfYear, d).id(), "2026S1");
        assert_eq!(latest_due(PeriodKind::NineMonths, d).id(), "2026N9");
        assert_eq!(latest_due(PeriodKind::Year, d).id(), "2025");
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
