//! Times as the national exchange and the payment gateways write them: `yyyyMMddHHmmss`,
//! Việt Nam time (UTC+7).

use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

/// Việt Nam's offset from UTC.
pub const VIETNAM: UtcOffset = match UtcOffset::from_hms(7, 0, 0) {
    Ok(o) => o,
    Err(_) => UtcOffset::UTC,
};

/// `yyyyMMddHHmmss` in Việt Nam time of a Unix instant in milliseconds.
pub fn compact(ms: i64) -> String {
    let t = OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .to_offset(VIETNAM);
    format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// The Unix instant (ms) of a `yyyyMMddHHmmss` Việt Nam time; `None` when it is not one.
pub fn parse_compact(s: &str) -> Option<i64> {
    if s.len() != 14 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n = |r: std::ops::Range<usize>| s[r].parse::<u32>().ok();
    let date = time::Date::from_calendar_date(
        n(0..4)? as i32,
        time::Month::try_from(u8::try_from(n(4..6)?).ok()?).ok()?,
        u8::try_from(n(6..8)?).ok()?,
    )
    .ok()?;
    let tod = time::Time::from_hms(
        u8::try_from(n(8..10)?).ok()?,
        u8::try_from(n(10..12)?).ok()?,
        u8::try_from(n(12..14)?).ok()?,
    )
    .ok()?;
    let t = PrimitiveDateTime::new(date, tod).assume_offset(VIETNAM);
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vietnam_time_round_trips() {
        // 2026-12-03 03:00:00 UTC is 10:00 in Hà Nội.
        let ms = 1_796_266_800_000;
        assert_eq!(compact(ms), "20261203100000");
        assert_eq!(parse_compact("20261203100000"), Some(ms));
        for bad in [
            "",
            "2026120310000",
            "20261303100000",
            "20261203250000",
            "2026120310000x",
        ] {
            assert_eq!(parse_compact(bad), None, "{bad}");
        }
    }

    proptest::proptest! {
        #[test]
        fn any_instant_round_trips_to_the_second(s in 0i64..4_102_444_800) {
            proptest::prop_assert_eq!(parse_compact(&compact(s * 1000)), Some(s * 1000));
        }
    }
}
