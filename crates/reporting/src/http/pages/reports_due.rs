//! The reports now due to the signed-in reporter or approver.

use platform::error::AppResult;
use platform::identity::access::Permission;
use platform::web::{AppState, Ctx};

use crate::model::status::Status;
use crate::model::template::Template;
use crate::store::submissions;

use super::{status_key, template_query};

/// The reports now due that the signed-in official files or approves: for each template, its
/// latest due period and the units within the caller's scope that have not finished it. Officials
/// with a national scope see the completeness tables instead.
pub(super) async fn reports_due(
    state: &AppState,
    ctx: &Ctx,
    all: &[Template],
    cal: &crate::model::period::HolidayCalendar,
) -> AppResult<Vec<DueRow>> {
    use platform::identity::access::Scope;
    let Some(p) = ctx.principal.as_ref().filter(|p| p.is_complete()) else {
        return Ok(Vec::new());
    };
    if p.grants.iter().any(|g| g.scope == Scope::National) {
        return Ok(Vec::new());
    }
    let lang = ctx.lang_code();
    let today = registry::Day::today().0;
    let mut out = Vec::new();
    for t in all {
        let period = t.latest_due(today);
        let units = crate::store::units::units_in_scope(&state.db, t, &period, &p.grants).await?;
        if units.is_empty() {
            continue;
        }
        let subs = submissions::for_period(&state.db, t.id, &period).await?;
        for u in units {
            let target = crate::store::units::target(&state.db, t, &u).await?;
            let submit = p.allowed(Permission::SubmitData, &target);
            let approve = p.allowed(Permission::ApproveData, &target);
            let status = subs.iter().find(|s| s.unit_id == u.id).map(|s| s.status);
            let pending = (submit && !matches!(status, Some(Status::Submitted | Status::Approved)))
                || (approve && status == Some(Status::Submitted));
            if !pending || out.len() >= 50 {
                continue;
            }
            let key = status_key(status);
            out.push(DueRow {
                template: t.name(lang).to_owned(),
                unit_name: u.name.clone(),
                period_label: period.label(lang),
                href: format!(
                    "/reporting/{}/{}{}",
                    u.code,
                    period.id(),
                    template_query(t, '?')
                ),
                status: ctx.t(&format!("reporting.status_{key}")),
                status_key: key,
                deadline: ctx.lang.date(t.deadline(&period, cal)),
            });
        }
    }
    Ok(out)
}

/// A report the signed-in reporter or approver has to deal with.
pub(super) struct DueRow {
    pub(super) template: String,
    pub(super) unit_name: String,
    pub(super) period_label: String,
    pub(super) href: String,
    pub(super) status: String,
    pub(super) status_key: &'static str,
    pub(super) deadline: String,
}
