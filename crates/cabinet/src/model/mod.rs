//! The e-Cabinet's domain: the rules of a collective body (quorum, majority of the whole
//! membership, the chair's casting side), the kinds and states of its records, and the canonical
//! text of a ballot or an answer that evidence is made over. No I/O.

pub mod ballot;
pub mod diff;
pub mod kinds;
pub mod rules;

/// Vietnam's offset (UTC+7, no daylight saving): days, deadlines and sessions are Vietnam's.
pub const VIETNAM: time::UtcOffset = match time::UtcOffset::from_hms(7, 0, 0) {
    Ok(o) => o,
    Err(_) => time::UtcOffset::UTC,
};

/// The day in Vietnam at `ms` (Unix milliseconds).
pub fn vn_day(ms: i64) -> time::Date {
    time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        .to_offset(VIETNAM)
        .date()
}

/// `YYYY-MM-DD`.
pub fn iso(d: time::Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// Reads `YYYY-MM-DD`.
pub fn parse_iso(s: &str) -> Option<time::Date> {
    let mut it = s.split('-');
    let (y, m, d) = (it.next()?, it.next()?, it.next()?);
    if it.next().is_some() || y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    let month = time::Month::try_from(m.parse::<u8>().ok()?).ok()?;
    time::Date::from_calendar_date(y.parse().ok()?, month, d.parse().ok()?).ok()
}

/// `HH:MM DD/MM/YYYY`, Vietnam's time.
pub fn time_label(ms: i64) -> String {
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
}

/// `DD/MM/YYYY` of an ISO day (as given when it does not parse).
pub fn day_label(iso_day: &str) -> String {
    match parse_iso(iso_day) {
        Some(d) => format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year()),
        None => iso_day.to_owned(),
    }
}
