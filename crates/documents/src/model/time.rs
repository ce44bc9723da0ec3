//! The date and time forms packages carry: `yyyy/MM/dd HH:mm:ss` and `dd/MM/yyyy HH:mm:ss` (both
//! seen in public SDKs), ISO `yyyy-MM-dd` / `yyyy-MM-ddTHH:mm:ss`, and dates alone in each form.
//! Times are Vietnam's local time (UTC+7) unless they carry an offset.

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

/// Vietnam's offset from UTC.
pub const VIETNAM: UtcOffset = match UtcOffset::from_hms(7, 0, 0) {
    Ok(o) => o,
    Err(_) => UtcOffset::UTC,
};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a date (yyyy/MM/dd, dd/MM/yyyy or yyyy-MM-dd)")]
pub struct BadTime(pub String);

fn num(s: &str, len: std::ops::RangeInclusive<usize>) -> Option<u32> {
    (len.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// A date in any accepted form.
pub fn parse_date(s: &str) -> Result<Date, BadTime> {
    let bad = || BadTime(s.to_owned());
    let t = s.trim();
    let parts: Vec<&str> = t.split(['/', '-']).collect();
    let [a, b, c] = parts.as_slice() else {
        return Err(bad());
    };
    let (y, m, d) = if a.len() == 4 {
        (num(a, 4..=4), num(b, 1..=2), num(c, 1..=2))
    } else {
        (num(c, 4..=4), num(b, 1..=2), num(a, 1..=2))
    };
    let (Some(y), Some(m), Some(d)) = (y, m, d) else {
        return Err(bad());
    };
    let month = Month::try_from(u8::try_from(m).map_err(|_| bad())?).map_err(|_| bad())?;
    Date::from_calendar_date(y as i32, month, u8::try_from(d).map_err(|_| bad())?)
        .map_err(|_| bad())
}

/// A time stamp in any accepted form (a date alone is its midnight), in Vietnam's time when it
/// carries no offset.
pub fn parse_timestamp(s: &str) -> Result<OffsetDateTime, BadTime> {
    let bad = || BadTime(s.to_owned());
    let t = s.trim();
    if let Ok(v) = OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339) {
        return Ok(v);
    }
    let (day, clock) = match t.split_once([' ', 'T']) {
        Some((d, c)) => (d, Some(c.trim())),
        None => (t, None),
    };
    let date = parse_date(day)?;
    let time = match clock {
        None => Time::MIDNIGHT,
        Some(c) => {
            let c = c.split('.').next().unwrap_or(c);
            let hms: Vec<&str> = c.split(':').collect();
            let n = |i: usize| hms.get(i).and_then(|v| num(v, 1..=2));
            let (Some(h), Some(m)) = (n(0), n(1)) else {
                return Err(bad());
            };
            let sec = if hms.len() > 2 {
                n(2).ok_or_else(bad)?
            } else {
                0
            };
            if hms.len() > 3 {
                return Err(bad());
            }
            Time::from_hms(h as u8, m as u8, sec as u8).map_err(|_| bad())?
        }
    };
    Ok(PrimitiveDateTime::new(date, time).assume_offset(VIETNAM))
}

/// How egov writes a time stamp into a package: `yyyy/MM/dd HH:mm:ss` in Vietnam's time.
pub fn format_timestamp(t: OffsetDateTime) -> String {
    let t = t.to_offset(VIETNAM);
    format!(
        "{:04}/{:02}/{:02} {:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// How egov writes a date: `yyyy/MM/dd`.
pub fn format_date(d: Date) -> String {
    format!("{:04}/{:02}/{:02}", d.year(), u8::from(d.month()), d.day())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::{date, datetime};

    #[test]
    fn both_orders_and_iso_are_read() {
        for s in [
            "2025/09/30",
            "30/09/2025",
            "2025-09-30",
            "30/9/2025",
            " 2025/9/30 ",
        ] {
            assert_eq!(parse_date(s), Ok(date!(2025 - 09 - 30)), "{s}");
        }
        let want = datetime!(2025-09-30 14:05:09 +7);
        for s in [
            "2025/09/30 14:05:09",
            "30/09/2025 14:05:09",
            "2025-09-30T14:05:09+07:00",
        ] {
            assert_eq!(parse_timestamp(s), Ok(want), "{s}");
        }
        assert_eq!(parse_timestamp("2025-09-30T07:05:09Z"), Ok(want));
        assert_eq!(format_timestamp(want), "2025/09/30 14:05:09");
    }

    #[test]
    fn impossible_dates_are_refused() {
        for s in [
            "2025/02/30",
            "31/04/2025",
            "2025/13/01",
            "25/09/30",
            "",
            "2025/09",
            "2025/09/30 25:00:00",
            "x/y/z",
        ] {
            assert!(parse_timestamp(s).is_err(), "{s}");
        }
    }

    proptest! {
        #[test]
        fn written_time_stamps_read_back(secs in 0i64..4_000_000_000) {
            let t = OffsetDateTime::from_unix_timestamp(secs).unwrap();
            prop_assert_eq!(parse_timestamp(&format_timestamp(t)), Ok(t));
        }

        #[test]
        fn reading_never_panics(s in "\\PC{0,30}") {
            let _ = parse_timestamp(&s);
        }
    }
}
