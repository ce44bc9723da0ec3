//! Formatting values for pages, shared by every capability.

/// Format Unix milliseconds as Vietnam local time (UTC+7), e.g. `2026-11-23 15:04`.
pub fn fmt_ms(ms: i64) -> String {
    let Ok(t) = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000) else {
        return String::new();
    };
    let t = t.to_offset(time::macros::offset!(+7));
    let f = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
    t.format(&f).unwrap_or_default()
}
