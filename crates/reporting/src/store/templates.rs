//! Report templates' tables (`report_templates`, `template_indicators`): reads and the reference
//! data's writes. The agency of a national template is named through the registry's API.

use platform::db::{Db, DbError, DbResult, Row, Tx};
use platform::params;
use registry::Level;

use crate::model::period::PeriodKind;
use crate::model::template::{MONTHLY_PROVINCIAL, Template};

const SELECT_BY_CODE: &str = "SELECT * FROM report_templates WHERE code = $1";
const SELECT_BY_ID: &str = "SELECT * FROM report_templates WHERE id = $1";
const SELECT_ALL: &str = "SELECT * FROM report_templates ORDER BY id";

/// A template's period kind and unit level must be known words: a corrupt row is an error.
fn check_row(code: &str, period_kind: &str, unit_level: &str) -> DbResult<()> {
    let corrupt = |column: &str, value: &str| DbError::Decode {
        column: format!("report_templates.{column}"),
        problem: format!("template {code}: unknown {column} {value:?}"),
    };
    if PeriodKind::parse(period_kind).is_none() {
        return Err(corrupt("period_kind", period_kind));
    }
    if Level::parse(unit_level).is_none() {
        return Err(corrupt("unit_level", unit_level));
    }
    Ok(())
}

async fn from_row(db: &Db, r: &Row) -> DbResult<Template> {
    let id: i64 = r.get("id")?;
    let code: String = r.get("code")?;
    let period_kind: String = r.get("period_kind")?;
    let unit_level: String = r.get("unit_level")?;
    check_row(&code, &period_kind, &unit_level)?;
    let indicators = db
        .fetch_all(
            "SELECT i.* FROM indicators i JOIN template_indicators t ON t.indicator_id = i.id \
             WHERE t.template_id = $1 ORDER BY t.position",
            params![id],
        )
        .await?
        .iter()
        .map(super::catalogue::from_row)
        .collect::<DbResult<_>>()?;
    let agency_id: Option<i64> = r.get("agency_id")?;
    let agency_code = match agency_id {
        Some(a) => registry::store::agency(db, a).await?.map(|a| a.code),
        None => None,
    };
    Ok(Template {
        id,
        code,
        name_vi: r.get("name_vi")?,
        name_en: r.get("name_en")?,
        period_kind,
        unit_level,
        deadline_days: r.get("deadline_days")?,
        remind_days: r.get("remind_days")?,
        agency_id,
        agency_code,
        indicators,
    })
}

/// The template bearing `code`.
pub async fn template(db: &Db, code: &str) -> DbResult<Option<Template>> {
    match db
        .fetch_optional(SELECT_BY_CODE, params![code.trim().to_uppercase()])
        .await?
    {
        Some(r) => Ok(Some(from_row(db, &r).await?)),
        None => Ok(None),
    }
}

/// The template with internal id `id`.
pub async fn by_id(db: &Db, id: i64) -> DbResult<Option<Template>> {
    match db.fetch_optional(SELECT_BY_ID, params![id]).await? {
        Some(r) => Ok(Some(from_row(db, &r).await?)),
        None => Ok(None),
    }
}

/// Every template, in the order of the seed (monthly provincial first).
pub async fn list(db: &Db) -> DbResult<Vec<Template>> {
    let mut out = Vec::new();
    for r in db.fetch_all(SELECT_ALL, params![]).await? {
        out.push(from_row(db, &r).await?);
    }
    Ok(out)
}

/// The template named, or the monthly provincial report when none is; None: no such template.
pub async fn named_or_default(db: &Db, code: Option<&str>) -> DbResult<(String, Option<Template>)> {
    let code = code
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .unwrap_or(MONTHLY_PROVINCIAL);
    Ok((code.to_owned(), template(db, code).await?))
}

/// Whether any submission of the template exists.
pub async fn has_submissions(db: &Db, template_id: i64) -> DbResult<bool> {
    let n: i64 = db
        .fetch_one(
            "SELECT COUNT(*) AS n FROM submissions WHERE template_id = $1",
            params![template_id],
        )
        .await?
        .get("n")?;
    Ok(n > 0)
}

/// A template as the reference data holds it: its fields with the agency's code.
pub struct TemplateRecord {
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
    pub period_kind: String,
    pub unit_level: String,
    pub deadline_days: i64,
    pub remind_days: i64,
    pub agency_code: Option<String>,
}

/// Every template as [`TemplateRecord`]s, inside a transaction.
pub async fn records_in(tx: &mut Tx) -> DbResult<Vec<TemplateRecord>> {
    let agencies = registry::store::agency_codes_in(tx).await?;
    tx.fetch_all(
        "SELECT code, name_vi, name_en, period_kind, unit_level, deadline_days, remind_days, \
         agency_id FROM report_templates",
        params![],
    )
    .await?
    .iter()
    .map(|r| {
        let agency_id: Option<i64> = r.get("agency_id")?;
        Ok(TemplateRecord {
            code: r.get("code")?,
            name_vi: r.get("name_vi")?,
            name_en: r.get("name_en")?,
            period_kind: r.get("period_kind")?,
            unit_level: r.get("unit_level")?,
            deadline_days: r.get("deadline_days")?,
            remind_days: r.get("remind_days")?,
            agency_code: agency_id.and_then(|a| agencies.get(&a).cloned()),
        })
    })
    .collect()
}

/// The id of the template bearing exactly `code`, inside a transaction.
pub async fn id_in(tx: &mut Tx, code: &str) -> DbResult<Option<i64>> {
    tx.fetch_optional(
        "SELECT id FROM report_templates WHERE code = $1",
        params![code],
    )
    .await?
    .map(|r| r.get("id"))
    .transpose()
}

/// Insert or update a template by code (`agency_id` already resolved).
pub async fn upsert_in(tx: &mut Tx, t: &TemplateRecord, agency_id: Option<i64>) -> DbResult<()> {
    let p = params![
        t.code.as_str(),
        t.name_vi.as_str(),
        t.name_en.as_str(),
        t.period_kind.as_str(),
        t.unit_level.as_str(),
        t.deadline_days,
        agency_id,
        t.remind_days
    ];
    if id_in(tx, &t.code).await?.is_some() {
        tx.execute(
            "UPDATE report_templates SET name_vi = $2, name_en = $3, period_kind = $4, unit_level = $5, \
             deadline_days = $6, agency_id = $7, remind_days = $8 WHERE code = $1",
            p,
        )
        .await?;
    } else {
        tx.execute(
            "INSERT INTO report_templates (code, name_vi, name_en, period_kind, unit_level, deadline_days, agency_id, remind_days) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            p,
        )
        .await?;
    }
    Ok(())
}

/// Every template's indicator codes in order, by template code, inside a transaction.
pub async fn indicator_lists_in(tx: &mut Tx) -> DbResult<Vec<(String, Vec<String>)>> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for r in tx
        .fetch_all(
            "SELECT t.code AS template, i.code AS indicator FROM template_indicators ti \
             JOIN report_templates t ON t.id = ti.template_id \
             JOIN indicators i ON i.id = ti.indicator_id ORDER BY t.code, ti.position",
            params![],
        )
        .await?
    {
        let (t, i): (String, String) = (r.get("template")?, r.get("indicator")?);
        match out.last_mut() {
            Some((c, list)) if *c == t => list.push(i),
            _ => out.push((t, vec![i])),
        }
    }
    Ok(out)
}

/// Set a template's indicators to exactly `indicator_ids`, in that order.
pub async fn set_indicators_in(
    tx: &mut Tx,
    template_id: i64,
    indicator_ids: &[i64],
) -> DbResult<()> {
    for (pos, ind_id) in indicator_ids.iter().enumerate() {
        tx.execute(
            "INSERT INTO template_indicators (template_id, indicator_id, position) VALUES ($1, $2, $3) \
             ON CONFLICT (template_id, indicator_id) DO UPDATE SET position = excluded.position",
            params![template_id, *ind_id, pos as i64],
        )
        .await?;
    }
    let linked: Vec<i64> = tx
        .fetch_all(
            "SELECT indicator_id FROM template_indicators WHERE template_id = $1",
            params![template_id],
        )
        .await?
        .iter()
        .map(|r| r.get("indicator_id"))
        .collect::<DbResult<_>>()?;
    for ind_id in linked {
        if !indicator_ids.contains(&ind_id) {
            tx.execute(
                "DELETE FROM template_indicators WHERE template_id = $1 AND indicator_id = $2",
                params![template_id, ind_id],
            )
            .await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_corrupt_template_row_is_an_error_not_a_default() {
        let db = Db::connect("sqlite::memory:", 1).await.unwrap();
        db.migrate().await.unwrap();
        db.execute(
            "INSERT INTO report_templates (code, name_vi, name_en, period_kind, unit_level, deadline_days) \
             VALUES ('T', 'Biểu', 'Form', 'weekly', 'province', 5)",
            params![],
        )
        .await
        .unwrap();
        // Read as a monthly report before: a corrupt row now names its column.
        let e = template(&db, "T").await.unwrap_err();
        assert!(e.to_string().contains("period_kind"), "{e}");
        assert!(list(&db).await.is_err());
        db.execute(
            "UPDATE report_templates SET period_kind = 'quarter', unit_level = 'district'",
            params![],
        )
        .await
        .unwrap();
        let t = template(&db, "T").await.unwrap().unwrap();
        assert_eq!(
            (t.kind(), t.level()),
            (PeriodKind::Quarter, Level::District)
        );
        db.execute("UPDATE report_templates SET unit_level = 'town'", params![])
            .await
            .unwrap();
        let e = template(&db, "T").await.unwrap_err();
        assert!(e.to_string().contains("unit_level"), "{e}");
    }
}
