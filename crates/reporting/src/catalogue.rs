//! The indicator catalogue (danh mục chỉ tiêu), report templates (biểu mẫu) and the holiday
//! calendar, with the default catalogue shipped in `seed/`.

use platform::audit::{self, Actor, Change};
use platform::db::{Db, DbResult, Row};
use platform::params;
use serde::Serialize;

use crate::period::HolidayCalendar;

const INDICATORS: &str = include_str!("../seed/indicators.csv");
const HOLIDAYS: &str = include_str!("../seed/holidays.csv");

pub use crate::templates::{MONTHLY_PROVINCIAL, Template, template};

/// An indicator (chỉ tiêu).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
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
        })
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

fn opt(s: &str) -> Option<&str> {
    let s = s.trim();
    (!s.is_empty()).then_some(s)
}

/// Load the default catalogue, the report templates and the holiday calendar;
/// idempotent (existing indicators are updated in place), audited when anything is new.
pub async fn load_default(db: &Db, actor: &Actor) -> anyhow::Result<usize> {
    let mut tx = db.begin().await?;
    let mut rdr = csv::Reader::from_reader(INDICATORS.as_bytes());
    let mut inserted = 0;
    for rec in rdr.records() {
        let r = rec?;
        let code = r[0].trim().to_owned();
        let lower: Option<f64> = opt(&r[16]).map(str::parse).transpose()?;
        let p = params![
            &code,
            r[1].trim(),
            r[2].trim(),
            r[3].trim(),
            r[4].trim(),
            r[5].trim().parse::<i64>()?,
            r[6].trim(),
            r[7].trim().parse::<i64>()?,
            r[8].trim(),
            r[9].trim(),
            opt(&r[10]),
            r[11].trim(),
            opt(&r[12]),
            opt(&r[13]),
            r[14].trim() == "true",
            r[15].trim() == "true",
            lower
        ];
        let exists = tx
            .fetch_optional("SELECT id FROM indicators WHERE code = $1", params![&code])
            .await?
            .is_some();
        if exists {
            tx.execute(
                "UPDATE indicators SET name_vi=$2, name_en=$3, unit_vi=$4, unit_en=$5, domain=$6, value_type=$7, \
                 decimals=$8, periodicity=$9, agg_units=$10, agg_weight=$11, agg_time=$12, formula=$13, \
                 agency_code=$14, is_public=$15, monthly_provincial=$16, lower_bound=$17 WHERE code=$1",
                p,
            )
            .await?;
        } else {
            tx.execute(
                "INSERT INTO indicators (code, name_vi, name_en, unit_vi, unit_en, domain, value_type, decimals, \
                 periodicity, agg_units, agg_weight, agg_time, formula, agency_code, is_public, monthly_provincial, lower_bound) \
                 VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17)",
                p,
            )
            .await?;
            inserted += 1;
        }
    }
    let templates_inserted = crate::templates::load_default(&mut tx).await?;
    let mut hol = csv::Reader::from_reader(HOLIDAYS.as_bytes());
    for rec in hol.records() {
        let r = rec?;
        tx.execute(
            "INSERT INTO holidays (day, name) VALUES ($1, $2) ON CONFLICT (day) DO NOTHING",
            params![r[0].trim(), r[1].trim()],
        )
        .await?;
    }
    crate::rules::load_default(&mut tx).await?;
    // Derived indicators must parse and must not depend on themselves, directly or not.
    let all = tx
        .fetch_all(
            "SELECT code, formula FROM indicators WHERE formula IS NOT NULL",
            params![],
        )
        .await?;
    let defs: Vec<(String, String)> = all
        .iter()
        .map(|r| Ok((r.get::<String>("code")?, r.get::<String>("formula")?)))
        .collect::<DbResult<_>>()?;
    let parsed = crate::formula::parse_catalogue(defs)
        .map_err(|(code, e)| anyhow::anyhow!("indicator {code}: {e}"))?;
    crate::formula::check_cycles(&parsed)
        .map_err(|path| anyhow::anyhow!("derived indicators form a cycle: {}", path.join(" → ")))?;
    if inserted + templates_inserted > 0 {
        audit::append(
            &mut tx,
            actor,
            Change {
                action: "reporting.catalogue_load",
                object_type: "reporting",
                object_id: "catalogue".into(),
                before: None,
                after: Some(serde_json::json!({ "indicators_inserted": inserted, "templates_inserted": templates_inserted })),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(inserted)
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
        let mut rdr = csv::Reader::from_reader(INDICATORS.as_bytes());
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
