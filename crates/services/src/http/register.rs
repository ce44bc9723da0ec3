//! The desk's tracking register (form 06, sổ theo dõi hồ sơ — Circular 01/2018/TT-VPCP):
//! `/services/desk/register?from=&to=` lists an agency's dossiers in the order received, keyset-
//! paged, and `&format=xlsx` gives the whole period as a workbook (at most [`MAX_XLSX`] rows,
//! said when cut). And the monitoring of settlement: `/services/monitoring?month=yyyy-mm` —
//! for each agency in the official's scope, received, settled on time, late, still open and
//! overdue, with the on-time rate as counted (never rounded up).

use askama::Template;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use platform::error::{AppError, AppResult, Problem};
use platform::i18n::{Lang, t};
use platform::identity::access::{Permission, Scope, Target};
use platform::web::admin::render;
use platform::web::{AppState, Auth, Query};
use serde::Deserialize;
use time::Date;

use crate::engine::dossiers::vn_day;
use crate::model::dossier::Dossier;
use crate::model::vntime::VIETNAM;
use crate::store::dossiers as store;

/// Rows on a page of the register.
pub const PAGE: i64 = 100;
/// Most rows of the register's workbook.
pub const MAX_XLSX: i64 = 20_000;

fn parse_day(s: Option<&str>, field: &'static str) -> AppResult<Option<Date>> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => Date::parse(s, time::macros::format_description!("[year]-[month]-[day]"))
            .map(Some)
            .map_err(|_| {
                AppError::invalid(
                    Problem::new("param_invalid")
                        .field(field)
                        .arg("field", field)
                        .arg("value", s),
                )
            }),
    }
}

fn start_ms(d: Date) -> i64 {
    d.midnight().assume_offset(VIETNAM).unix_timestamp() * 1000
}

fn time_label(ms: Option<i64>) -> String {
    ms.map(|ms| {
        let t = time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
            .to_offset(VIETNAM);
        format!(
            "{:02}:{:02} {:02}/{:02}/{}",
            t.hour(),
            t.minute(),
            t.day(),
            u8::from(t.month()),
            t.year()
        )
    })
    .unwrap_or_default()
}

#[derive(Deserialize, Default)]
pub struct RegisterQuery {
    agency: Option<i64>,
    from: Option<String>,
    to: Option<String>,
    /// `received_at,id` of the previous page's last row.
    after: Option<String>,
    format: Option<String>,
}

pub struct RegisterRow {
    pub n: usize,
    pub id: i64,
    pub code: String,
    pub procedure: String,
    pub applicant: String,
    pub contact: String,
    pub received: String,
    pub appointment: String,
    pub status: String,
    pub finished: String,
    pub returned: String,
    pub note: String,
}

fn row(lang: Lang, n: usize, d: &Dossier) -> RegisterRow {
    RegisterRow {
        n,
        id: d.id,
        code: d.code.clone().unwrap_or_default(),
        procedure: format!("{} · {}", d.procedure_code, d.procedure_name),
        applicant: d.applicant.name.clone(),
        contact: [d.applicant.address.as_str(), d.applicant.phone.as_str()]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" · "),
        received: time_label(d.received_at),
        appointment: d
            .due_date
            .map(|x| format!("{:02}/{:02}/{}", x.day(), u8::from(x.month()), x.year()))
            .unwrap_or_default(),
        status: d
            .status
            .map(|s| {
                format!(
                    "{}. {}",
                    s.number(),
                    t(lang, &format!("svc_status.s{}", s.number()))
                )
            })
            .unwrap_or_default(),
        finished: time_label(d.finished_at),
        returned: time_label(d.returned_at),
        note: match d.on_time {
            Some(true) => t(lang, "svc_register.on_time"),
            Some(false) => t(lang, "svc_register.late"),
            None => String::new(),
        },
    }
}

#[derive(Template)]
#[template(path = "services_register.html")]
struct RegisterPage {
    ctx: platform::web::Ctx,
    agency: i64,
    agency_name: String,
    from: String,
    to: String,
    rows: Vec<RegisterRow>,
    next: Option<String>,
}

fn columns(lang: Lang) -> Vec<String> {
    [
        "n",
        "code",
        "procedure",
        "applicant",
        "contact",
        "received",
        "appointment",
        "status",
        "finished",
        "returned",
        "note",
    ]
    .iter()
    .map(|c| t(lang, &format!("svc_register.col_{c}")))
    .collect()
}

/// `GET /services/desk/register`: form 06 of the official's agency (a national scope names it
/// with `agency`), by default this month.
pub async fn register(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<RegisterQuery>,
) -> AppResult<Response> {
    let agency = super::desk::agency_of(&auth, q.agency)?;
    let lang = auth.ctx.lang;
    let today = vn_day(platform::db::now_ms());
    let from = parse_day(q.from.as_deref(), "from")?
        .unwrap_or_else(|| today.replace_day(1).unwrap_or(today));
    let to = parse_day(q.to.as_deref(), "to")?.unwrap_or(today);
    if to < from || (to - from).whole_days() > 366 {
        return Err(AppError::invalid(
            Problem::new("svc_register_range").field("to"),
        ));
    }
    let (from_ms, to_ms) = (start_ms(from), start_ms(to.next_day().unwrap_or(to)));
    let agency_name = registry::store::agency(&state.db, agency)
        .await?
        .map(|a| a.name(lang).to_owned())
        .ok_or_else(AppError::not_found)?;
    if q.format.as_deref() == Some("xlsx") {
        let mut ds = store::register(&state.db, agency, from_ms, to_ms, None, MAX_XLSX + 1).await?;
        let cut = ds.len() as i64 > MAX_XLSX;
        ds.truncate(MAX_XLSX as usize);
        let bytes = workbook(lang, &agency_name, from, to, &ds, cut).map_err(AppError::internal)?;
        return Ok((
            [
                (
                    header::CONTENT_TYPE,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
                ),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"mau-06_{from}_{to}.xlsx\""),
                ),
            ],
            bytes,
        )
            .into_response());
    }
    let after = match q.after.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => {
            let bad = || {
                AppError::invalid(
                    Problem::new("param_invalid")
                        .field("after")
                        .arg("field", "after")
                        .arg("value", s),
                )
            };
            let (a, b) = s.split_once(',').ok_or_else(bad)?;
            Some((a.parse().map_err(|_| bad())?, b.parse().map_err(|_| bad())?))
        }
    };
    let mut ds = store::register(&state.db, agency, from_ms, to_ms, after, PAGE + 1).await?;
    let more = ds.len() as i64 > PAGE;
    ds.truncate(PAGE as usize);
    let next = if more {
        ds.last().map(|d| {
            format!(
                "/services/desk/register?agency={agency}&from={from}&to={to}&after={},{}",
                d.received_at.unwrap_or_default(),
                d.id
            )
        })
    } else {
        None
    };
    let rows = ds
        .iter()
        .enumerate()
        .map(|(i, d)| row(lang, i + 1, d))
        .collect();
    render(RegisterPage {
        ctx: auth.ctx,
        agency,
        agency_name,
        from: from.to_string(),
        to: to.to_string(),
        rows,
        next,
    })
}

fn workbook(
    lang: Lang,
    agency: &str,
    from: Date,
    to: Date,
    ds: &[Dossier],
    cut: bool,
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let sheet = wb.add_worksheet();
    sheet.set_name("mau-06")?;
    let bold = Format::new().set_bold();
    sheet.write_string_with_format(0, 0, t(lang, "svc_register.title"), &bold)?;
    sheet.write_string(1, 0, format!("{agency} — {from} … {to}"))?;
    let head = columns(lang);
    for (c, name) in head.iter().enumerate() {
        sheet.write_string_with_format(3, c as u16, name, &bold)?;
    }
    for (i, d) in ds.iter().enumerate() {
        let r = row(lang, i + 1, d);
        let line = (i + 4) as u32;
        sheet.write_number(line, 0, r.n as f64)?;
        for (c, v) in [
            &r.code,
            &r.procedure,
            &r.applicant,
            &r.contact,
            &r.received,
            &r.appointment,
            &r.status,
            &r.finished,
            &r.returned,
            &r.note,
        ]
        .iter()
        .enumerate()
        {
            sheet.write_string(line, (c + 1) as u16, v.as_str())?;
        }
    }
    if cut {
        let line = (ds.len() + 5) as u32;
        sheet.write_string(
            line,
            0,
            platform::i18n::t_args(lang, "svc_register.cut", &[("n", MAX_XLSX.to_string())]),
        )?;
    }
    wb.save_to_buffer()
}

#[derive(Deserialize, Default)]
pub struct MonitoringQuery {
    /// `yyyy-mm`; default this month.
    month: Option<String>,
}

pub struct MonitoringRow {
    pub agency: String,
    pub received: i64,
    pub on_time: i64,
    pub late: i64,
    pub open: i64,
    pub overdue: i64,
    /// Settled on time over settled, to one decimal, truncated; empty when nothing settled.
    pub rate: String,
}

#[derive(Template)]
#[template(path = "services_monitoring.html")]
struct MonitoringPage {
    ctx: platform::web::Ctx,
    month: String,
    rows: Vec<MonitoringRow>,
    total: MonitoringRow,
}

/// On time over settled, in per mille, truncated (never rounded up): `97.6 %`.
pub fn rate(lang: Lang, on_time: i64, late: i64) -> String {
    let settled = on_time + late;
    if settled == 0 {
        return String::new();
    }
    let per_mille = on_time * 1000 / settled;
    let sep = if lang == Lang::Vi { ',' } else { '.' };
    format!("{}{sep}{} %", per_mille / 10, per_mille % 10)
}

/// `GET /services/monitoring`: settlement per agency for a month, in the official's scope.
pub async fn monitoring(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<MonitoringQuery>,
) -> AppResult<Response> {
    let lang = auth.ctx.lang;
    let today = vn_day(platform::db::now_ms());
    let first = match q.month.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => today.replace_day(1).unwrap_or(today),
        Some(m) => Date::parse(
            &format!("{m}-01"),
            time::macros::format_description!("[year]-[month]-[day]"),
        )
        .map_err(|_| {
            AppError::invalid(
                Problem::new("param_invalid")
                    .field("month")
                    .arg("field", "month")
                    .arg("value", m),
            )
        })?,
    };
    let next = if first.month() == time::Month::December {
        Date::from_calendar_date(first.year() + 1, time::Month::January, 1)
    } else {
        Date::from_calendar_date(first.year(), first.month().next(), 1)
    }
    .unwrap_or(first);
    let national = auth
        .principal
        .grants
        .iter()
        .any(|g| g.scope == Scope::National);
    if !national
        && !auth
            .principal
            .grants
            .iter()
            .any(|g| matches!(g.scope, Scope::Agency(_)))
    {
        return Err(AppError::forbidden());
    }
    let all = store::settlement_by_agency(
        &state.db,
        start_ms(first),
        start_ms(next),
        &today.to_string(),
    )
    .await?;
    let mut rows = Vec::new();
    let mut total = MonitoringRow {
        agency: t(lang, "svc_monitoring.total"),
        received: 0,
        on_time: 0,
        late: 0,
        open: 0,
        overdue: 0,
        rate: String::new(),
    };
    for s in all {
        let target = Target {
            agency: Some(s.agency_id),
            ..Default::default()
        };
        if !auth.principal.allowed(Permission::ViewData, &target) {
            continue;
        }
        let name = registry::store::agency(&state.db, s.agency_id)
            .await?
            .map(|a| a.name(lang).to_owned())
            .unwrap_or_else(|| s.agency_id.to_string());
        total.received += s.received;
        total.on_time += s.on_time;
        total.late += s.late;
        total.open += s.open;
        total.overdue += s.overdue;
        rows.push(MonitoringRow {
            agency: name,
            received: s.received,
            on_time: s.on_time,
            late: s.late,
            open: s.open,
            overdue: s.overdue,
            rate: rate(lang, s.on_time, s.late),
        });
    }
    total.rate = rate(lang, total.on_time, total.late);
    render(MonitoringPage {
        ctx: auth.ctx,
        month: format!("{:04}-{:02}", first.year(), u8::from(first.month())),
        rows,
        total,
    })
}
