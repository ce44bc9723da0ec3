//! The worklist (báo cáo cần xử lý) of an official: every report that awaits their action, over
//! every template their grants reach (provincial, commune and ministry templates alike) and every
//! open period, not only each template's latest:
//!
//! - to fill (cần nhập): a report not started for a period open for filing
//!   ([`open_periods`]), or a draft of any period, for one who may submit it;
//! - to correct (cần sửa): a report returned to its reporter, of any period;
//! - to approve (cần duyệt): a submitted report of any period, for one who may approve it and did
//!   not submit it (four eyes).
//!
//! Overdue first, then the nearest deadline. The list is cut at a bound; the total and the
//! count of each task say what was cut.

use std::collections::{HashMap, HashSet};

use platform::db::{Db, DbError, DbResult};
use platform::identity::access::{Grant, Permission, Scope, Target, allowed};
use registry::Level;
use registry::store::Unit;
use time::Date;

use crate::model::period::{HolidayCalendar, Period};
use crate::model::status::Status;
use crate::model::template::Template;
use crate::model::worklist::{Task, is_overdue, open_periods, order_key};
use crate::store;

/// A report that awaits the official's action.
#[derive(Debug, Clone)]
pub struct WorkItem {
    pub task: Task,
    pub template_id: i64,
    pub unit: Unit,
    pub period: Period,
    /// None: no report yet.
    pub status: Option<Status>,
    pub deadline: Date,
    pub overdue: bool,
}

/// The first reports that await an official's action, in order, and how many there are.
#[derive(Debug, Clone, Default)]
pub struct Worklist {
    pub items: Vec<WorkItem>,
    /// Every report awaiting action (`items` holds the first of them).
    pub total: usize,
    /// How many are overdue.
    pub overdue: usize,
    /// How many of each task, in the order of [`Task::ALL`].
    pub per_task: [usize; 3],
}

/// A report that awaits action, before its unit's record is read (for the items shown only).
struct Pending {
    task: Task,
    template: usize,
    unit_id: i64,
    period: Period,
    status: Option<Status>,
    deadline: Date,
    overdue: bool,
}

/// A report considered: its template (index), unit, period and state.
struct Candidate {
    template: usize,
    unit_id: i64,
    period: Period,
    status: Option<Status>,
    submitted_by: Option<String>,
}

/// The worklist of the official holding `grants`, named `me` (the name reports record as their
/// submitter), on `today`: at most `limit` items.
pub async fn worklist(
    db: &Db,
    templates: &[Template],
    grants: &[Grant],
    me: &str,
    today: Date,
    cal: &HolidayCalendar,
    limit: usize,
) -> DbResult<Worklist> {
    let submitters: Vec<Grant> = holding(grants, Permission::SubmitData);
    let approvers: Vec<Grant> = holding(grants, Permission::ApproveData);
    if submitters.is_empty() && approvers.is_empty() {
        return Ok(Worklist::default());
    }
    let index: HashMap<i64, usize> = templates
        .iter()
        .enumerate()
        .map(|(i, t)| (t.id, i))
        .collect();
    let mut units: HashMap<i64, Unit> = HashMap::new();
    let mut candidates = Vec::new();

    // Reports started, returned or submitted, of any period.
    let ids: Vec<i64> = templates.iter().map(|t| t.id).collect();
    for s in store::worklist::open_reports(db, &ids).await? {
        let Some(&template) = index.get(&s.template_id) else {
            continue;
        };
        let period = Period::parse(&s.period).map_err(|e| DbError::Decode {
            column: "submissions.period".into(),
            problem: e.0,
        })?;
        candidates.push(Candidate {
            template,
            unit_id: s.unit_id,
            period,
            status: Some(s.status),
            submitted_by: s.submitted_by,
        });
    }

    // Reports not started for the periods open for filing, of the units the submitters reach.
    if !submitters.is_empty() {
        let national = submitters.iter().any(|g| g.scope == Scope::National);
        for (i, t) in templates.iter().enumerate() {
            let mut due: Vec<(Period, Vec<i64>)> = Vec::new();
            for p in open_periods(t.kind(), today) {
                let found = if national {
                    store::units::reporting_units(db, t, &p).await?
                } else {
                    store::units::units_in_scope(db, t, &p, &submitters).await?
                };
                due.push((p, found.iter().map(|u| u.id).collect()));
                for u in found {
                    units.entry(u.id).or_insert(u);
                }
            }
            let unit_ids: Vec<i64> = due
                .iter()
                .flat_map(|(_, us)| us.iter().copied())
                .collect::<HashSet<_>>()
                .into_iter()
                .collect();
            if unit_ids.is_empty() {
                continue;
            }
            let periods: Vec<String> = due.iter().map(|(p, _)| p.id()).collect();
            let started = store::worklist::started(db, t.id, &unit_ids, &periods).await?;
            for (p, us) in due {
                let id = p.id();
                for unit_id in us {
                    if !started.contains(&(unit_id, id.clone())) {
                        candidates.push(Candidate {
                            template: i,
                            unit_id,
                            period: p,
                            status: None,
                            submitted_by: None,
                        });
                    }
                }
            }
        }
    }

    // Who may act on each: a provincial or commune report belongs to its unit and the unit's
    // ancestors, a ministry's report to the ministry (as `store::units::target` says).
    let local: Vec<i64> = candidates
        .iter()
        .filter(|c| templates[c.template].level() != Level::Nation)
        .map(|c| c.unit_id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let chains = store::units::unit_targets(db, &local).await?;
    let mut pending: Vec<Pending> = Vec::new();
    for c in candidates {
        let t = &templates[c.template];
        let target = if t.level() == Level::Nation {
            Target {
                national: false,
                agency: t.agency_id,
                units: vec![c.unit_id],
            }
        } else {
            match chains.get(&c.unit_id) {
                Some(target) => target.clone(),
                None => continue,
            }
        };
        let may_submit = allowed(&submitters, Permission::SubmitData, &target);
        let may_approve = allowed(&approvers, Permission::ApproveData, &target)
            && c.submitted_by.as_deref() != Some(me);
        let Some(task) = Task::of(c.status, may_submit, may_approve) else {
            continue;
        };
        let deadline = t.deadline(&c.period, cal);
        pending.push(Pending {
            task,
            template: c.template,
            unit_id: c.unit_id,
            period: c.period,
            status: c.status,
            deadline,
            overdue: is_overdue(c.status, deadline, today),
        });
    }
    pending.sort_by(|a, b| {
        order_key(a.overdue, a.deadline)
            .cmp(&order_key(b.overdue, b.deadline))
            .then(a.template.cmp(&b.template))
            .then(a.period.cmp(&b.period))
            .then(a.unit_id.cmp(&b.unit_id))
    });
    let mut list = Worklist {
        total: pending.len(),
        overdue: pending.iter().filter(|i| i.overdue).count(),
        ..Default::default()
    };
    for i in &pending {
        list.per_task[i.task as usize] += 1;
    }
    pending.truncate(limit);
    for p in pending {
        let unit = match units.remove(&p.unit_id) {
            Some(u) => Some(u),
            None => registry::store::unit(db, p.unit_id).await?,
        };
        // A report's unit always exists (a foreign key); a unit read is kept for its next item.
        let Some(unit) = unit else { continue };
        units.insert(unit.id, unit.clone());
        list.items.push(WorkItem {
            task: p.task,
            template_id: templates[p.template].id,
            unit,
            period: p.period,
            status: p.status,
            deadline: p.deadline,
            overdue: p.overdue,
        });
    }
    Ok(list)
}

/// The grants whose role holds `p` (within their own scope).
fn holding(grants: &[Grant], p: Permission) -> Vec<Grant> {
    grants
        .iter()
        .filter(|g| {
            let own = match g.scope {
                Scope::National => Target::national(),
                Scope::Agency(a) => Target {
                    national: false,
                    agency: Some(a),
                    units: g.scope_unit.into_iter().collect(),
                },
                Scope::Unit(u) => Target {
                    national: false,
                    agency: None,
                    units: vec![u],
                },
            };
            allowed(std::slice::from_ref(g), p, &own)
        })
        .cloned()
        .collect()
}
