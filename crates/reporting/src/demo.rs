//! Deterministic synthetic data for the demo (dữ liệu mẫu / sample data): five years of monthly
//! and quarterly reports of every province (the 63 before July 2025, the 34 since), of two
//! ministries' national reports and of the sample communes, seasonal and trending, with a few
//! outliers, and some late or missing reports in the latest period.

use platform::audit::{self, Actor, Change};
use platform::db::{Db, Tx, Value, now_ms};
use platform::params;

use crate::catalogue::{self, Indicator};
use crate::model::period::Period;

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
    (crate::templates::MONTHLY_PROVINCIAL, MONTHS),
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
pub async fn generate(db: &Db, actor: &Actor, latest: Period) -> anyhow::Result<usize> {
    let day = time::Date::from_calendar_date(
        latest.year,
        time::Month::try_from(latest.index).map_err(|e| anyhow::anyhow!("{e}"))?,
        20,
    )?;
    let mut rng = Rng::new(20_250_701);
    let mut tx = db.begin().await?;
    let now = now_ms();
    let mut rows: Vec<Value> = Vec::new();
    let mut count = 0;
    let mut filled = Vec::new();
    for (code, n) in DEMO_TEMPLATES {
        let template = catalogue::template(db, code)
            .await?
            .ok_or_else(|| anyhow::anyhow!("catalogue not loaded: no template {code}"))?;
        let existing: i64 = db
            .fetch_one(
                "SELECT COUNT(*) AS n FROM submissions WHERE template_id = $1",
                params![template.id],
            )
            .await?
            .get("n")?;
        if existing > 0 {
            continue;
        }
        filled.push(code);
        let last = template.latest_due(day);
        let mut periods = vec![last];
        for _ in 1..n {
            periods.push(periods.last().expect("non-empty").previous());
        }
        periods.reverse();
        // Months since the start, for the trend.
        let months_per = (last.months().len() as f64).max(1.0);
        for (t, p) in periods.iter().enumerate() {
            let units = crate::templates::reporting_units(db, &template, p).await?;
            for u in &units {
                let s = match u.level {
                    // The country: about the sum of the provinces.
                    registry::Level::Nation => 60.0,
                    registry::Level::Commune => 0.02 * size(&u.code, &u.name),
                    _ => {
                        // A merged province: the sum of its predecessors', so totals stay
                        // continuous.
                        let preds = registry::store::predecessors(db, u.id).await?;
                        if preds.is_empty() || preds.iter().all(|l| l.kind == "rename") {
                            size(&u.code, &u.name)
                        } else {
                            preds.iter().map(|l| size(&l.unit.code, &l.unit.name)).sum()
                        }
                    }
                };
                // In the latest period: some reports missing, some drafts, some awaiting approval.
                let key = if code == crate::templates::MONTHLY_PROVINCIAL {
                    format!("{}{}", u.code, p.id())
                } else {
                    format!("{}{}{}", u.code, p.id(), code)
                };
                let h = hash(&key) % 10;
                let (status, approved) = if *p != last {
                    ("approved", true)
                } else {
                    match h {
                        0 | 1 => continue,
                        2 => ("draft", false),
                        3..=5 => ("submitted", false),
                        _ => ("approved", true),
                    }
                };
                let sub_id: i64 = tx
                    .fetch_one(
                        "INSERT INTO submissions (template_id, unit_id, period, status, version, submitted_at, submitted_by, \
                         decided_at, decided_by, updated_at, agency_id) VALUES ($1,$2,$3,$4,1,$5,$6,$7,$8,$5,$9) RETURNING id",
                        params![
                            template.id,
                            u.id,
                            p.id(),
                            status,
                            now,
                            if status == "draft" { None } else { Some("dữ liệu mẫu") },
                            if approved { Some(now) } else { None },
                            if approved { Some("dữ liệu mẫu") } else { None },
                            template.agency_id
                        ],
                    )
                    .await?
                    .get("id")?;
                let month = p.months().last().map(|m| m.index).unwrap_or(1);
                for ind in &template.indicators {
                    // Flows over a longer period add up its months; stocks and rates do not.
                    let s = if ind.agg_time == "sum" {
                        s * months_per
                    } else {
                        s
                    };
                    let mut v = value(ind, s, month, t as f64 * months_per, &mut rng);
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
                    rows.extend([
                        Value::from(ind.id),
                        u.id.into(),
                        p.id().into(),
                        v.into(),
                        sub_id.into(),
                        approved.into(),
                        explanation.into(),
                    ]);
                    count += 1;
                    if rows.len() >= 7 * 2000 {
                        flush(&mut tx, &mut rows).await?;
                    }
                }
            }
        }
    }
    flush(&mut tx, &mut rows).await?;
    if !filled.is_empty() {
        // The series of approved values, for the outlier check.
        crate::series::rebuild(&mut tx).await?;
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
    let commune_periods: Vec<String> = tx
        .fetch_all(
            "SELECT DISTINCT s.period FROM submissions s JOIN units u ON u.id = s.unit_id \
             WHERE u.level = 'commune' AND s.status = 'approved'",
            params![],
        )
        .await?
        .iter()
        .map(|r| r.get("period"))
        .collect::<Result<_, _>>()?;
    crate::data::refresh_area_totals(&mut tx, &commune_periods, None).await?;
    crate::data::refresh_province_totals(&mut tx, None).await?;
    tx.commit().await?;
    targets(db, actor, latest).await?;
    Ok(count)
}

/// Demo targets (chỉ tiêu kế hoạch) for the year of `latest`: the last twelve months of a few
/// additive indicators, annualised, plus 8 %, for the whole country and three provinces; loaded
/// through the targets import like a file.
async fn targets(db: &Db, actor: &Actor, latest: Period) -> anyhow::Result<()> {
    let mut first = latest;
    for _ in 1..12 {
        first = first.previous();
    }
    let provinces = crate::provinces_in(db, &latest).await?;
    let mut rows = vec![crate::targets::header()];
    for code in ["RETAIL_SALES", "EXPORTS", "NEW_ENTERPRISES"] {
        let Some(ind) = catalogue::by_code(db, code).await? else {
            continue;
        };
        let mut national = 0.0;
        for u in &provinces {
            let r = db
                .fetch_one(
                    "SELECT COALESCE(SUM(value), 0.0) AS s, COUNT(DISTINCT period) AS n FROM data_values \
                     WHERE indicator_id = $1 AND unit_id = $2 AND period >= $3 AND period <= $4",
                    params![ind.id, u.id, first.id(), latest.id()],
                )
                .await?;
            let (sum, months): (f64, i64) = (r.get("s")?, r.get("n")?);
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
                crate::targets::NATIONAL.into(),
                latest.year.to_string(),
                ind.round(national).to_string(),
            ]);
        }
    }
    let table = crate::catalogue_io::Table {
        rows,
        first_line: 2,
    };
    crate::targets::import(
        db,
        actor,
        &table,
        false,
        platform::config::DEFAULT_TARGET_LEAD_YEARS,
    )
    .await?
    .map_err(|e| anyhow::anyhow!("demo targets rejected: {e:?}"))?;
    Ok(())
}

async fn flush(tx: &mut Tx, rows: &mut Vec<Value>) -> anyhow::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let n = rows.len() / 7;
    let sql = format!(
        "INSERT INTO data_values (indicator_id, unit_id, period, value, submission_id, approved, explanation) VALUES {}",
        platform::db::row_placeholders(n, 7)
    );
    tx.execute(platform::db::Sql::trusted(sql), std::mem::take(rows))
        .await?;
    Ok(())
}
