//! `/services/desk`: the one-stop desk's worklist — an agency's dossiers in one status, by
//! appointment, keyset-paged (`store::dossiers::worklist` on `(agency_id, status, due_date, id)`,
//! so a page costs the same at a million dossiers), with the count of each status. Officials of
//! the agency (any role; a national scope picks the agency with `?agency=`).

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use platform::error::{AppError, AppResult, Problem};
use platform::i18n::t;
use platform::identity::access::{Permission, Scope, Target};
use platform::web::admin::render;
use platform::web::{AppState, Auth, Ctx, Query};
use serde::Deserialize;

use crate::engine::dossiers::vn_day;
use crate::model::clock;
use crate::model::dossier::{Status, mask};
use crate::store::dossiers as store;

/// Dossiers on a page.
pub const PAGE: i64 = 50;

#[derive(Deserialize, Default)]
pub struct DeskQuery {
    agency: Option<i64>,
    /// 1–10; default 1 (newly registered, to accept or refuse).
    status: Option<i64>,
    /// The keyset of the previous page's last row: `yyyy-mm-dd,id`.
    after: Option<String>,
}

pub struct Row {
    pub id: i64,
    pub code: String,
    pub procedure: String,
    pub applicant: String,
    pub identifier: String,
    pub due: String,
    /// Working days left (negative: late).
    pub left: i64,
}

pub struct Tab {
    pub status: i64,
    pub name: String,
    pub count: i64,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "services_desk.html")]
struct DeskPage {
    ctx: Ctx,
    agency: i64,
    agency_name: String,
    status_name: String,
    tabs: Vec<Tab>,
    rows: Vec<Row>,
    next: Option<String>,
}

/// The agency the official works for: the one of their grant, or the one a national scope asks
/// for.
pub(crate) fn agency_of(auth: &Auth, asked: Option<i64>) -> AppResult<i64> {
    let agencies: Vec<i64> = auth
        .principal
        .grants
        .iter()
        .filter_map(|g| match g.scope {
            Scope::Agency(a) => Some(a),
            _ => None,
        })
        .collect();
    let national = auth
        .principal
        .grants
        .iter()
        .any(|g| g.scope == Scope::National);
    let a = match asked {
        Some(a) => a,
        None => match agencies.first() {
            Some(a) => *a,
            None if national => {
                return Err(AppError::invalid(
                    Problem::new("svc_desk_agency").field("agency"),
                ));
            }
            None => return Err(AppError::forbidden()),
        },
    };
    let target = Target {
        agency: Some(a),
        ..Default::default()
    };
    auth.require(Permission::ViewData, &target)?;
    Ok(a)
}

pub async fn page(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<DeskQuery>,
) -> AppResult<Response> {
    let agency = agency_of(&auth, q.agency)?;
    let lang = auth.ctx.lang;
    let status = match q.status {
        None => Status::Registered,
        Some(n) => Status::from_number(n)
            .ok_or_else(|| AppError::invalid(Problem::new("svc_desk_status").field("status")))?,
    };
    let after = match q.after.as_deref() {
        None | Some("") => None,
        Some(s) => {
            let bad = || AppError::invalid(Problem::new("svc_desk_after").field("after"));
            let (due, id) = s.split_once(',').ok_or_else(bad)?;
            let id: i64 = id.parse().map_err(|_| bad())?;
            time::Date::parse(
                due,
                time::macros::format_description!("[year]-[month]-[day]"),
            )
            .map_err(|_| bad())?;
            Some((due.to_owned(), id))
        }
    };
    let db = &state.db;
    let agency_name = registry::store::agency(db, agency)
        .await?
        .map(|a| {
            if lang == platform::i18n::Lang::En {
                a.name_en
            } else {
                a.name_vi
            }
        })
        .ok_or_else(AppError::not_found)?;
    let counts = store::status_counts(db, agency).await?;
    let tabs = Status::ALL
        .iter()
        .map(|s| {
            let n = i64::from(s.number());
            Tab {
                status: n,
                name: t(lang, &format!("svc_status.s{n}")),
                count: counts.iter().find(|(k, _)| *k == n).map_or(0, |(_, c)| *c),
                current: *s == status,
            }
        })
        .collect();
    let list = store::worklist(
        db,
        agency,
        status,
        after.as_ref().map(|(d, i)| (d.as_str(), *i)),
        PAGE + 1,
    )
    .await?;
    let cal = reporting::query::holiday_calendar(db).await?;
    let today = vn_day(platform::db::now_ms());
    let more = list.len() as i64 > PAGE;
    let rows: Vec<Row> = list
        .into_iter()
        .take(PAGE as usize)
        .map(|d| Row {
            id: d.id,
            code: d.code.clone().unwrap_or_default(),
            procedure: format!("{} · {}", d.procedure_code, d.procedure_name),
            applicant: d.applicant.name.clone(),
            identifier: mask(&d.applicant.identifier),
            due: d.due_date.map(|x| x.to_string()).unwrap_or_default(),
            left: d
                .due_date
                .map_or(0, |due| clock::remaining(&cal, today, due)),
        })
        .collect();
    let next = if more {
        rows.last().map(|r| {
            format!(
                "/services/desk?agency={agency}&status={}&after={},{}",
                status.number(),
                r.due,
                r.id
            )
        })
    } else {
        None
    };
    render(DeskPage {
        status_name: t(lang, &format!("svc_status.s{}", status.number())),
        ctx: auth.ctx,
        agency,
        agency_name,
        tabs,
        rows,
        next,
    })
}
