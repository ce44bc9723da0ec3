//! What DHIS2's references name in egov, by identifier scheme: data elements are indicators
//! (category option combos their parts), org units are units, data sets are report templates.

use platform::db::{Db, DbResult};
use registry::store::Unit;

use super::Scheme;
use crate::model::indicator::Indicator;
use crate::model::period::Period;
use crate::model::template::Template;

pub fn is_default_combo(c: &str) -> bool {
    let c = c.trim();
    c.is_empty() || c.eq_ignore_ascii_case("HllvX50cXC0") || c.eq_ignore_ascii_case("default")
}

pub(crate) fn same_name(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

/// Why a reference could not be resolved.
pub enum Unresolved {
    Unknown,
    Ambiguous,
}

/// The indicator a data element names, by scheme.
pub fn resolve_element(
    all: &[Indicator],
    element: &str,
    scheme: Scheme,
) -> Result<String, Unresolved> {
    match scheme {
        Scheme::Name => {
            let found: Vec<&Indicator> = all
                .iter()
                .filter(|i| same_name(&i.name_vi, element) || same_name(&i.name_en, element))
                .collect();
            match found.as_slice() {
                [one] => Ok(one.code.clone()),
                [] => Err(Unresolved::Unknown),
                _ => Err(Unresolved::Ambiguous),
            }
        }
        _ => {
            let code = element.trim().to_uppercase();
            if all.iter().any(|i| i.code == code) {
                Ok(code)
            } else {
                Err(Unresolved::Unknown)
            }
        }
    }
}

/// The part of `element` a category option combo names (the element itself for the default
/// combo): by code (`female`, `POPULATION_FEMALE`) or by the part's name.
pub fn resolve_combo(
    all: &[Indicator],
    element: &str,
    combo: Option<&str>,
    scheme: Scheme,
) -> Option<String> {
    let Some(c) = combo.filter(|c| !is_default_combo(c)) else {
        return Some(element.to_owned());
    };
    let parts = all.iter().filter(|i| i.parent.as_deref() == Some(element));
    match scheme {
        Scheme::Name => parts
            .filter(|i| same_name(&i.name_vi, c) || same_name(&i.name_en, c))
            .map(|i| i.code.clone())
            .next(),
        _ => crate::model::breakdown::resolve_part(all, element, Some(c)),
    }
}

/// The unit an org unit names during `period`, at the template's level.
pub async fn resolve_unit(
    db: &Db,
    template: &Template,
    org: &str,
    period: &Period,
    scheme: Scheme,
) -> DbResult<Result<Unit, Unresolved>> {
    let day = registry::Day(period.calendar().1);
    match scheme {
        Scheme::Id => {
            let unit = match org.trim().parse::<i64>() {
                Ok(id) => registry::store::unit(db, id).await?,
                Err(_) => None,
            };
            Ok(unit
                .filter(|u| u.level == template.level() && u.valid_on(day))
                .ok_or(Unresolved::Unknown))
        }
        Scheme::Name => {
            let query = registry::store::UnitQuery {
                level: Some(template.level()),
                valid_on: Some(day),
                q: Some(org.trim().to_owned()),
                limit: 1000,
                ..Default::default()
            };
            let mut found: Vec<Unit> = registry::store::list_units(db, &query)
                .await?
                .0
                .into_iter()
                .filter(|u| same_name(&u.name, org))
                .collect();
            Ok(match found.len() {
                1 => Ok(found.remove(0)),
                0 => Err(Unresolved::Unknown),
                _ => Err(Unresolved::Ambiguous),
            })
        }
        _ => Ok(crate::store::units::unit_for(db, template, org, period)
            .await?
            .ok_or(Unresolved::Unknown)),
    }
}

/// The template a data set names (the monthly provincial report when none).
pub async fn resolve_data_set(
    db: &Db,
    data_set: Option<&str>,
    scheme: Scheme,
) -> DbResult<Result<Template, Unresolved>> {
    let name = data_set.map(str::trim).filter(|s| !s.is_empty());
    match (scheme, name) {
        (Scheme::Name, Some(name)) => {
            let mut found: Vec<Template> = crate::store::templates::list(db)
                .await?
                .into_iter()
                .filter(|t| same_name(&t.name_vi, name) || same_name(&t.name_en, name))
                .collect();
            Ok(match found.len() {
                1 => Ok(found.remove(0)),
                0 => Err(Unresolved::Unknown),
                _ => Err(Unresolved::Ambiguous),
            })
        }
        _ => Ok(crate::store::templates::template(
            db,
            name.unwrap_or(crate::model::template::MONTHLY_PROVINCIAL),
        )
        .await?
        .ok_or(Unresolved::Unknown)),
    }
}
