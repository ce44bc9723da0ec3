//! Deterministic synthetic data for the demo (dữ liệu mẫu / sample data): five years of monthly
//! and quarterly reports of every province (the 63 before July 2025, the 34 since), of two
//! ministries' national reports and of the sample communes, seasonal and trending, with a few
//! outliers, and some late or missing reports in the latest period.

use platform::FaultResult;
use platform::audit::{self, Actor, Change};
use platform::db::{Db, DbResult, Tx, now_ms};
use registry::store::Unit;

use crate::model::indicator::{AggTime, Indicator};
use crate::model::period::Period;
use crate::model::target::NATIONAL;
use crate::model::template::{MONTHLY_PROVINCIAL, Template};
use crate::store::demo::{DemoSubmission, DemoValue, insert_submission, insert_values};
use crate::store::{self, units};

/// SplitMix64: a tiny, well-known deterministic generator (no dependency needed for demo data).
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed)
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn hash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Size of a province (relative economy), stable per code and name.
fn size(code: &str, name: &str) -> f64 {
    let big = ["01", "79", "31", "48", "74", "75"];
    let base = 0.4 + (hash(name) % 1000) as f64 / 1000.0;
    if big.contains(&code) {
        base * 4.0
    } else {
        base
    }
}

/// The value of an indicator for a province of `size` in month `m` (months since the start).
fn value(ind: &Indicator, size: f64, month: u8, t: f64, rng: &mut Rng) -> f64 {
    let noise = 1.0 + (rng.unit() - 0.5) * 0.06;
    let season = 1.0 - 0.12 * ((f64::from(month) - 1.0) / 12.0 * std::f64::consts::TAU).cos();
    let trend = 1.0 + 0.006 * t;
    let unit = ind.unit_en.to_lowercase();
    let v = if unit.contains("index") {
        100.0 + 4.0 * (rng.unit() - 0.3) + 0.05 * t
    } else if unit.contains('%') {
        5.0 + 2.0 * rng.unit()
    } else {
        let scale = match ind.code.as_str() {
            "GRDP_CURRENT" => 9000.0,
            "GRDP_CONSTANT" => 5000.0,
            "SOCIAL_INVESTMENT" => 3000.0,
            "CONSTRUCTION_OUTPUT" => 1500.0,
            "LABOUR_FORCE" => 250_000.0,
            "EMPLOYED" => 245_000.0,
            "NEW_COOPERATIVES" => 3.0,
            "ELECTRICITY_PRODUCED" => 400.0,
            "BUDGET_EXPENDITURE" => 1600.0,
            "BUDGET_REVENUE_DOMESTIC" => 1200.0,
            "BUDGET_REVENUE_TRADE" => 150.0,
            "BUDGET_EXP_DEVELOPMENT" => 450.0,
            "BUDGET_EXP_RECURRENT" => 1000.0,
            "RETAIL_SALES" => 4000.0,
            "EXPORTS" | "IMPORTS" => 700.0,
            "BUDGET_REVENUE" => 1500.0,
            "PUBLIC_INVEST_DISBURSED" => 350.0 * (1.0 + f64::from(month) / 6.0),
            "NEW_ENTERPRISES" => 120.0,
            _ => 100.0,
        };
        scale * size * season * trend * noise
    };
    let d = ind.decimals.clamp(0, 6) as i32;
    let f = 10f64.powi(d);
    (v * f).round() / f
}

/// How many months of history the demo holds.
pub const MONTHS: u32 = 60;

/// The templates the demo fills, with how many periods of history each holds.
const DEMO_TEMPLATES: [(&str, u32); 5] = [
    (MONTHLY_PROVINCIAL, MONTHS),
    ("BC-KTXH-QUY", MONTHS / 3),
    ("BC-BTC-NSNN-THANG", MONTHS),
    ("BC-BCT-THANG", MONTHS),
    ("BC-TTHC-XA-QUY", MONTHS / 3),
];

/// Generate the demo data once per template (a template that already has reports is skipped):
/// five years of the monthly and quarterly provincial reports, the Ministry of Finance's and the
/// Ministry of Industry and Trade's monthly national reports, and the communes' quarterly
/// administrative-procedure reports. `latest` is the latest monthly period; each template ends
/// with its latest period due by then. Returns the number of values.
pub async fn generate(db: &Db, actor: &Actor, latest: Period) -> FaultResult<usize> {
    let day = time::Date::from_calendar_date(
        latest.year,
        time::Month::try_from(latest.index).map_err(|e| platform::fault!("{e}"))?,
        20,
    )
    .map_err(platform::Fault::other)?;
    let mut w = Writer {
        tx: db.begin().await?,
        rows: Vec::new(),
        count: 0,
        rng: Rng::new(20_250_701),
        now: now_ms(),
    };
    let cal = crate::store::holidays::holidays(db).await?;
    let mut filled = Vec::new();
    for (code, n) in DEMO_TEMPLATES {
        let template = store::templates::template(db, code)
            .await?
            .ok_or_else(|| platform::fault!("catalogue not loaded: no template {code}"))?;
        if store::templates::has_submissions(db, template.id).await? {
            continue;
        }
        filled.push(code);
        fill(db, &mut w, &template, n, day, &cal).await?;
    }
    let Writer {
        mut tx,
        mut rows,
        count,
        ..
    } = w;
    insert_values(&mut tx, std::mem::take(&mut rows)).await?;
    if !filled.is_empty() {
        // The series of approved values, for the outlier check.
        crate::store::series::rebuild(&mut tx).await?;
        // The approved reports' values, for `egov audit verify`.
        let ids = crate::engine::trail::approved_ids(&mut tx).await?;
        let approved = crate::engine::trail::approved_digests(&mut tx, &ids).await?;
        audit::append(
            &mut tx,
            actor,
            Change {
                action: "reporting.demo_data",
                object_type: "reporting",
                object_id: "demo".into(),
                before: None,
                after: Some(serde_json::json!({
                    "values": count, "months": MONTHS, "latest": latest.id(), "templates": filled,
                    crate::engine::trail::APPROVED_DIGESTS: approved,
                })),
            },
        )
        .await?;
    }
    // Communes' approved values, rolled up per province for the national figures.
    let commune_periods = store::demo::commune_periods_in(&mut tx).await?;
    crate::store::data::refresh_area_totals(&mut tx, &commune_periods, None).await?;
    crate::store::data::refresh_province_totals(&mut tx, None).await?;
    tx.commit().await?;
    targets(db, actor, latest).await?;
    Ok(count)
}

/// Demo targets (chỉ tiêu kế hoạch) for the year of `latest`: the last twelve months of a few
/// additive indicators, annualised, plus 8 %, for the whole country and three provinces; loaded
/// through the targets import like a file.
async fn targets(db: &Db, actor: &Actor, latest: Period) -> FaultResult<()> {
    let mut first = latest;
    for _ in 1..12 {
        first = first.previous();
    }
    let provinces = units::provinces_in(db, &latest).await?;
    let mut rows = vec![crate::engine::targets::header()];
    for code in ["RETAIL_SALES", "EXPORTS", "NEW_ENTERPRISES"] {
        let Some(ind) = store::catalogue::by_code(db, code).await? else {
            continue;
        };
        let mut national = 0.0;
        for u in &provinces {
            let (sum, months) =
                store::demo::sum_over(db, ind.id, u.id, &first.id(), &latest.id()).await?;
            if months == 0 {
                continue;
            }
            let target = ind.round(sum / months as f64 * 12.0 * 1.08);
            national += target;
            if ["01", "79", "40"].contains(&u.code.as_str()) {
                rows.push(vec![
                    code.into(),
                    u.code.clone(),
                    latest.year.to_string(),
                    target.to_string(),
                ]);
            }
        }
        if national > 0.0 {
            rows.push(vec![
                code.into(),
                NATIONAL.into(),
                latest.year.to_string(),
                ind.round(national).to_string(),
            ]);
        }
    }
    let table = crate::engine::catalogue::Table {
        rows,
        first_line: 2,
    };
    crate::engine::targets::import(
        db,
        actor,
        &table,
        false,
        platform::config::DEFAULT_TARGET_LEAD_YEARS,
    )
    .await
    .map_err(platform::Fault::other)?
    .map_err(|e| platform::fault!("demo targets rejected: {e:?}"))?;
    Ok(())
}

/// The generated values on their way to the database, in multi-row inserts of 2,000.
struct Writer {
    tx: Tx,
    rows: Vec<DemoValue>,
    count: usize,
    rng: Rng,
    now: i64,
}

impl Writer {
    async fn push(&mut self, v: DemoValue) -> DbResult<()> {
        self.rows.push(v);
        self.count += 1;
        if self.rows.len() >= 2000 {
            insert_values(&mut self.tx, std::mem::take(&mut self.rows)).await?;
        }
        Ok(())
    }
}

/// The relative size of a unit: the country about the sum of the provinces, a commune a small
/// share, a merged province the sum of its predecessors' (so totals stay continuous).
async fn unit_size(db: &Db, u: &Unit) -> DbResult<f64> {
    Ok(match u.level {
        registry::Level::Nation => 60.0,
        registry::Level::Commune => 0.02 * size(&u.code, &u.name),
        _ => {
            let preds = registry::store::predecessors(db, u.id).await?;
            if preds.is_empty() || preds.iter().all(|l| l.kind == "rename") {
                size(&u.code, &u.name)
            } else {
                preds.iter().map(|l| size(&l.unit.code, &l.unit.name)).sum()
            }
        }
    })
}

/// The status of a report in the latest period, from its key's hash: some missing (None), some
/// drafts, some awaiting approval, most approved. Nghệ An's monthly report of the latest month is
/// left to the README's story (the reporter fills it, the approver decides).
fn latest_status(key: &str, unit_code: &str, template: &str) -> Option<&'static str> {
    if unit_code == "40" && template == MONTHLY_PROVINCIAL {
        return None;
    }
    match hash(key) % 10 {
        0 | 1 => None,
        2 => Some("draft"),
        3..=5 => Some("submitted"),
        _ => Some("approved"),
    }
}

/// When a generated report was submitted and decided: most a few days before the deadline, about
/// one in eight one to five days late; decided one to three days later; never after `now`.
fn times(key: &str, deadline: time::Date, now: i64) -> (i64, i64) {
    const DAY: i64 = 86_400_000;
    let h = hash(&format!("{key}:submitted")) % 100;
    // 10:00 in Vietnam on the deadline day, moved by whole days.
    let at_deadline = deadline
        .with_hms(10, 0, 0)
        .map(|t| t.assume_offset(time::macros::offset!(+7)).unix_timestamp() * 1000)
        .unwrap_or(now);
    let submitted = if h < 12 {
        at_deadline + (1 + (h % 5) as i64) * DAY
    } else {
        at_deadline - (h % 6) as i64 * DAY
    };
    let submitted = submitted.min(now);
    let decided = (submitted + (1 + (h % 3) as i64) * DAY).min(now);
    (submitted, decided)
}

/// `n` periods of `template`'s reports up to the latest due on `day`, for every unit due.
async fn fill(
    db: &Db,
    w: &mut Writer,
    template: &Template,
    n: u32,
    day: time::Date,
    cal: &crate::model::period::HolidayCalendar,
) -> FaultResult<()> {
    let code = template.code.as_str();
    let last = template.latest_due(day);
    let mut periods = vec![last];
    for _ in 1..n {
        periods.push(periods.last().expect("non-empty").previous());
    }
    periods.reverse();
    // Months since the start, for the trend.
    let months_per = (last.months().len() as f64).max(1.0);
    for (t, p) in periods.iter().enumerate() {
        let units = units::reporting_units(db, template, p).await?;
        for u in &units {
            let s = unit_size(db, u).await?;
            let key = if code == MONTHLY_PROVINCIAL {
                format!("{}{}", u.code, p.id())
            } else {
                format!("{}{}{}", u.code, p.id(), code)
            };
            let status = if *p != last {
                "approved"
            } else {
                match latest_status(&key, &u.code, code) {
                    Some(s) => s,
                    None => continue,
                }
            };
            let approved = status == "approved";
            let (submitted_at, decided_at) = times(&key, template.deadline(p, cal), w.now);
            let submission = DemoSubmission {
                template_id: template.id,
                unit_id: u.id,
                period: &p.id(),
                status,
                agency_id: template.agency_id,
                submitted_at: (status != "draft").then_some(submitted_at),
                decided_at: Some(decided_at),
                now: w.now,
            };
            let sub_id = insert_submission(&mut w.tx, &submission).await?;
            let month = p.months().last().map(|m| m.index).unwrap_or(1);
            for ind in &template.indicators {
                // Flows over a longer period add up its months; stocks and rates do not.
                let s = if AggTime::parse(&ind.agg_time) == Some(AggTime::Sum) {
                    s * months_per
                } else {
                    s
                };
                let mut v = value(ind, s, month, t as f64 * months_per, &mut w.rng);
                let mut explanation: Option<String> = None;
                // A few outliers, explained as reporters would.
                if hash(&format!("{}{}{}", u.code, p.id(), ind.code)).is_multiple_of(997)
                    && !ind.unit_en.contains("index")
                {
                    v *= 2.5;
                    explanation = Some(if months_per > 1.0 {
                        "Dự án lớn hoàn thành trong kỳ (dữ liệu mẫu)".into()
                    } else {
                        "Dự án lớn hoàn thành trong tháng (dữ liệu mẫu)".into()
                    });
                }
                let row = DemoValue {
                    indicator_id: ind.id,
                    unit_id: u.id,
                    period: p.id(),
                    value: v,
                    submission_id: sub_id,
                    approved,
                    explanation,
                };
                w.push(row).await?;
            }
        }
    }
    Ok(())
}
