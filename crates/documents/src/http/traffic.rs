//! `/axis/traffic`: what the axis operator watches (a system administrator's session that passed
//! the second factor, like the directory): per agency per day, the documents and statuses it
//! sent, the packages it fetched, what was refused and what expired; what waits for each
//! recipient now; the latest failures with their reasons. Days are Việt Nam's.

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use platform::error::{AppError, AppResult};
use platform::i18n::{Lang, t_args};
use platform::identity::access::{Permission, Target};
use platform::web::admin::{fmt_ms, render};
use platform::web::{AppState, Auth, Ctx, Query};
use serde::Deserialize;

use crate::model::problem::Problem;
use crate::store::agencies;
use crate::store::traffic::{self, DayCount};

/// The longest window the page counts over, in days.
pub const MAX_DAYS: i64 = 31;
/// The most (day, agency) rows, waiting recipients and failures listed.
pub const MAX_ROWS: usize = 400;
const MAX_WAITING: i64 = 200;
const MAX_FAILURES: i64 = 50;

#[derive(Deserialize, Default)]
pub struct TrafficQuery {
    days: Option<i64>,
}

/// One agency on one day: how many of each.
#[derive(Default, Clone, Copy, PartialEq, Eq, Debug)]
pub struct Counts {
    pub documents: i64,
    pub statuses: i64,
    pub delivered: i64,
    pub refused: i64,
    pub expired: i64,
}

impl Counts {
    fn add(&mut self, o: &Counts) {
        self.documents += o.documents;
        self.statuses += o.statuses;
        self.delivered += o.delivered;
        self.refused += o.refused;
        self.expired += o.expired;
    }
}

/// The counts by (day, agency), the newest day first, then by agency code.
pub fn by_day(
    documents: &[DayCount],
    statuses: &[DayCount],
    delivered: &[DayCount],
    refused: &[DayCount],
    expired: &[DayCount],
) -> Vec<((i64, String), Counts)> {
    let mut map: BTreeMap<(std::cmp::Reverse<i64>, String), Counts> = BTreeMap::new();
    let mut put = |list: &[DayCount], f: fn(&mut Counts, i64)| {
        for c in list {
            f(
                map.entry((std::cmp::Reverse(c.day), c.agency.clone()))
                    .or_default(),
                c.n,
            );
        }
    };
    put(documents, |c, n| c.documents += n);
    put(statuses, |c, n| c.statuses += n);
    put(delivered, |c, n| c.delivered += n);
    put(refused, |c, n| c.refused += n);
    put(expired, |c, n| c.expired += n);
    map.into_iter()
        .map(|((std::cmp::Reverse(day), agency), c)| ((day, agency), c))
        .collect()
}

/// A Việt Nam day (days since 1970-01-01) as `dd/mm/yyyy`.
fn day_text(day: i64) -> String {
    let julian = i32::try_from(day + 2_440_588).unwrap_or(0);
    time::Date::from_julian_day(julian)
        .map(|d| format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year()))
        .unwrap_or_default()
}

struct Row {
    day: String,
    agency: String,
    c: Counts,
}

struct WaitingRow {
    agency: String,
    n: i64,
    oldest: String,
    first_expiry: String,
}

struct RefusalRow {
    agency: String,
    at: String,
    reason: String,
}

struct ExpiredRow {
    document_id: String,
    sender: String,
    recipient: String,
    at: String,
}

#[derive(Template)]
#[template(path = "axis_traffic.html")]
struct Page {
    ctx: Ctx,
    days: i64,
    /// The windows offered, with their labels ("7 ngày").
    choices: Vec<(i64, String)>,
    caption: String,
    rows: Vec<Row>,
    /// Said when the list was cut to [`MAX_ROWS`].
    rows_cut: Option<String>,
    total: Counts,
    waiting: Vec<WaitingRow>,
    refusals: Vec<RefusalRow>,
    expired: Vec<ExpiredRow>,
}

/// `GET /axis/traffic?days=7`.
pub async fn page(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<TrafficQuery>,
) -> AppResult<Response> {
    auth.require_admin(Permission::ManageUsers, &Target::national())?;
    let days = q.days.unwrap_or(7);
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(AppError::invalid(
            platform::Problem::new("axis_traffic_days")
                .field("days")
                .arg("max", MAX_DAYS)
                .arg("value", days),
        ));
    }
    let db = &state.db;
    let lang = auth.ctx.lang;
    let now = platform::db::now_ms();
    let since = traffic::vn_day_start(traffic::vn_day(now) - (days - 1));
    let (documents, statuses) = traffic::sent(db, since).await?;
    let counted = by_day(
        &documents,
        &statuses,
        &traffic::delivered(db, since).await?,
        &traffic::refused(db, since).await?,
        &traffic::expired(db, since).await?,
    );
    let names: HashMap<String, String> = agencies::list(db)
        .await?
        .into_iter()
        .map(|a| (a.code, a.name))
        .collect();
    let label = |code: &str| match names.get(code) {
        Some(name) => format!("{code} · {name}"),
        None => code.to_owned(),
    };
    let mut total = Counts::default();
    for (_, c) in &counted {
        total.add(c);
    }
    let total_rows = counted.len();
    let rows = counted
        .into_iter()
        .take(MAX_ROWS)
        .map(|((day, agency), c)| Row {
            day: day_text(day),
            agency: label(&agency),
            c,
        })
        .collect();
    let waiting = traffic::waiting(db, MAX_WAITING)
        .await?
        .into_iter()
        .map(|w| WaitingRow {
            agency: label(&w.recipient_code),
            n: w.n,
            oldest: fmt_ms(w.oldest),
            first_expiry: fmt_ms(w.first_expiry),
        })
        .collect();
    let refusals = traffic::latest_refusals(db, MAX_FAILURES)
        .await?
        .into_iter()
        .map(|r| RefusalRow {
            agency: label(&r.sender_code),
            at: fmt_ms(r.received_at),
            reason: refusal_text(r.problems.as_deref(), lang),
        })
        .collect();
    let expired = traffic::latest_expired(db, MAX_FAILURES)
        .await?
        .into_iter()
        .map(|e| ExpiredRow {
            document_id: e.document_id,
            sender: label(&e.sender_code),
            recipient: label(&e.recipient_code),
            at: fmt_ms(e.expires_at),
        })
        .collect();
    let mut choices: Vec<i64> = vec![1, 7, 30];
    if !choices.contains(&days) {
        choices.push(days);
        choices.sort_unstable();
    }
    let rows_cut = (total_rows > MAX_ROWS).then(|| {
        t_args(
            lang,
            "axis_traffic.rows_cut",
            &[
                ("shown", MAX_ROWS.to_string()),
                ("total", total_rows.to_string()),
            ],
        )
    });
    render(Page {
        caption: t_args(
            lang,
            "axis_traffic.by_day_caption",
            &[("n", days.to_string()), ("at", fmt_ms(now))],
        ),
        choices: choices
            .into_iter()
            .map(|d| {
                (
                    d,
                    t_args(lang, "axis_traffic.days_n", &[("n", d.to_string())]),
                )
            })
            .collect(),
        ctx: auth.ctx,
        days,
        rows,
        rows_cut,
        total,
        waiting,
        refusals,
        expired,
    })
}

/// What a stored refusal says (its problems as JSON), in `lang`: the first three, then "…".
fn refusal_text(json: Option<&str>, lang: Lang) -> String {
    let problems: Vec<Problem> = json
        .and_then(|j| serde_json::from_str(j).ok())
        .unwrap_or_default();
    let mut parts: Vec<String> = problems
        .iter()
        .take(3)
        .map(|p| super::api::problem_view(p, lang).detail)
        .collect();
    if problems.len() > 3 {
        parts.push("…".into());
    }
    parts.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(agency: &str, day: i64, n: i64) -> DayCount {
        DayCount {
            agency: agency.into(),
            day,
            n,
        }
    }

    #[test]
    fn counts_meet_by_day_and_agency_newest_day_first() {
        let rows = by_day(
            &[c("G22", 20_000, 3), c("H41", 20_001, 1)],
            &[c("H41", 20_001, 2)],
            &[c("H41", 20_000, 3)],
            &[c("G22", 20_000, 1)],
            &[c("H29", 20_001, 1)],
        );
        let keys: Vec<(i64, &str)> = rows.iter().map(|((d, a), _)| (*d, a.as_str())).collect();
        assert_eq!(
            keys,
            [
                (20_001, "H29"),
                (20_001, "H41"),
                (20_000, "G22"),
                (20_000, "H41")
            ]
        );
        assert_eq!(
            rows[1].1,
            Counts {
                documents: 1,
                statuses: 2,
                ..Counts::default()
            }
        );
        assert_eq!(
            rows[2].1,
            Counts {
                documents: 3,
                refused: 1,
                ..Counts::default()
            }
        );
    }

    #[test]
    fn days_are_vietnam_days() {
        // 2026-12-02 17:00 UTC is 2026-12-03 00:00 in Việt Nam.
        let ms = 1_796_230_800_000;
        assert_eq!(day_text(traffic::vn_day(ms)), "03/12/2026");
        assert_eq!(day_text(traffic::vn_day(ms - 1)), "02/12/2026");
        assert_eq!(traffic::vn_day_start(traffic::vn_day(ms)), ms);
    }

    #[test]
    fn a_refusal_reads_in_the_users_language() {
        let json = serde_json::to_string(&[Problem::missing("Header/From")]).unwrap();
        let vi = refusal_text(Some(&json), Lang::Vi);
        let en = refusal_text(Some(&json), Lang::En);
        assert!(
            vi.contains("Header/From") && en.contains("Header/From"),
            "{vi} / {en}"
        );
        assert_ne!(vi, en);
        assert_eq!(refusal_text(Some("not json"), Lang::Vi), "");
        assert_eq!(refusal_text(None, Lang::En), "");
    }
}
