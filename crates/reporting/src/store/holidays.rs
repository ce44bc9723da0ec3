//! The holiday calendar's table (`holidays`): official days off, for deadlines in working days.

use platform::db::{Db, DbResult, Tx};
use platform::params;

use crate::model::period::HolidayCalendar;

/// The holiday calendar.
pub async fn holidays(db: &Db) -> DbResult<HolidayCalendar> {
    let mut cal = HolidayCalendar::default();
    for r in db.fetch_all("SELECT day FROM holidays", params![]).await? {
        if let Some(d) = registry::Day::parse(&r.get::<String>("day")?) {
            cal.holidays.insert(d.0);
        }
    }
    Ok(cal)
}

/// Every holiday as (day, name), inside a transaction.
pub async fn all_in(tx: &mut Tx) -> DbResult<Vec<(String, String)>> {
    tx.fetch_all("SELECT day, name FROM holidays", params![])
        .await?
        .iter()
        .map(|r| Ok((r.get("day")?, r.get("name")?)))
        .collect()
}

/// Insert or rename a holiday.
pub async fn upsert_in(tx: &mut Tx, day: &str, name: &str) -> DbResult<()> {
    tx.execute(
        "INSERT INTO holidays (day, name) VALUES ($1, $2) \
         ON CONFLICT (day) DO UPDATE SET name = excluded.name",
        params![day, name],
    )
    .await?;
    Ok(())
}
