//! The worklist page (báo cáo cần xử lý), where officials land after signing in: every report
//! that awaits their action — to fill, to correct after a return, to approve — across the
//! templates of their scope and every open period, overdue first (`query::worklist`).

use axum::extract::State;
use axum::response::Response;
use platform::error::AppResult;
use platform::i18n::t_args;
use platform::web::admin::render;
use platform::web::{AppState, Auth, Ctx};

use crate::model::worklist::Task;
use crate::query::worklist::worklist as query;

use super::{shown_status, template_query};

/// The most reports the page lists; it says how many more there are.
pub(super) const LIMIT: usize = 100;

/// A report awaiting the official's action, as the page shows it.
struct Row {
    task_key: &'static str,
    task: String,
    href: String,
    template: String,
    unit_name: String,
    unit_code: String,
    period_label: String,
    status_key: &'static str,
    status: String,
    deadline: String,
    overdue: bool,
}

#[derive(askama::Template)]
#[template(path = "worklist.html")]
struct WorklistPage {
    ctx: Ctx,
    rows: Vec<Row>,
    /// "12 reports: 3 to fill in, …", empty when there are none.
    summary: String,
    /// "… more are not shown", empty when every report is listed.
    more: String,
}

pub(super) async fn worklist_page(
    State(state): State<AppState>,
    auth: Auth,
) -> AppResult<Response> {
    let Auth { ctx, principal } = auth;
    let lang = ctx.lang_code();
    let templates = crate::store::templates::list(&state.db).await?;
    let cal = crate::store::holidays::holidays(&state.db).await?;
    let today = registry::Day::today().0;
    let list = query(
        &state.db,
        &templates,
        &principal.grants,
        &principal.name(),
        today,
        &cal,
        LIMIT,
    )
    .await?;
    let rows = list
        .items
        .iter()
        .filter_map(|item| {
            let t = templates.iter().find(|t| t.id == item.template_id)?;
            let (status_key, status) = shown_status(&ctx, item.status, item.deadline, today);
            Some(Row {
                task_key: item.task.as_str(),
                task: ctx.t(&format!("worklist.task_{}", item.task.as_str())),
                href: format!(
                    "/reporting/{}/{}{}",
                    item.unit.code,
                    item.period.id(),
                    template_query(t, '?')
                ),
                template: t.name(lang).to_owned(),
                unit_name: item.unit.name.clone(),
                unit_code: item.unit.code.clone(),
                period_label: item.period.label(lang),
                status_key,
                status,
                deadline: ctx.lang.date(item.deadline),
                overdue: item.overdue,
            })
        })
        .collect();
    let count = |task: Task| list.per_task[task as usize].to_string();
    let summary = if list.total == 0 {
        String::new()
    } else {
        t_args(
            ctx.lang,
            "worklist.summary",
            &[
                ("total", list.total.to_string()),
                ("fill", count(Task::Fill)),
                ("correct", count(Task::Correct)),
                ("approve", count(Task::Approve)),
                ("overdue", list.overdue.to_string()),
            ],
        )
    };
    let more = match list.total.saturating_sub(list.items.len()) {
        0 => String::new(),
        n => t_args(ctx.lang, "worklist.more", &[("n", n.to_string())]),
    };
    render(WorklistPage {
        ctx,
        rows,
        summary,
        more,
    })
}
