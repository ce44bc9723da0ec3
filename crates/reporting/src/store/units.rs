//! Reporting units through the registry crate's API: the unit a report or a figure is for, the
//! units due to report a template, and the permission target of a unit's reports.

use std::collections::HashMap;

use platform::db::{Db, DbResult};
use platform::identity::access::Target;
use registry::Level;
use registry::store::Unit;

use crate::model::period::Period;
use crate::model::template::Template;

/// The permission target of a unit: the unit and its ancestors.
pub async fn unit_target(db: &Db, unit: &Unit) -> DbResult<Target> {
    Ok(Target {
        national: false,
        agency: None,
        units: registry::store::chain(db, unit.id).await?,
    })
}

/// The permission targets of several units at once (see [`unit_target`]).
pub async fn unit_targets(db: &Db, unit_ids: &[i64]) -> DbResult<HashMap<i64, Target>> {
    Ok(registry::store::chains(db, unit_ids)
        .await?
        .into_iter()
        .map(|(id, units)| {
            (
                id,
                Target {
                    national: false,
                    agency: None,
                    units,
                },
            )
        })
        .collect())
}

/// The province-level unit bearing `code` during `period` (codes are reused across the 2025
/// reorganisation, so the period decides which unit is meant).
pub async fn unit_for_period(db: &Db, code: &str, period: &Period) -> DbResult<Option<Unit>> {
    let (_, last) = period.calendar();
    registry::store::unit_by_code(db, code, registry::Day(last)).await
}

/// The province-level units valid at the end of `period` (the units due to report for it).
pub async fn provinces_in(db: &Db, period: &Period) -> DbResult<Vec<Unit>> {
    let (_, last) = period.calendar();
    let query = registry::store::UnitQuery {
        level: Some(registry::Level::Province),
        valid_on: Some(registry::Day(last)),
        limit: 1000,
        ..Default::default()
    };
    Ok(registry::store::list_units(db, &query).await?.0)
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
    unit_target(db, unit).await
}
