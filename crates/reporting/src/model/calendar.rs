//! The reporting calendar: which period is due on a given day. Pure: the caller passes today's
//! date (the holiday calendar itself is [`crate::model::period::HolidayCalendar`], loaded by
//! `store::holidays`).

use crate::model::period::{Period, PeriodKind};

/// The last moment of a deadline day in Vietnam (UTC+7), in ms since the epoch: a report
/// submitted at or before it is on time.
pub fn deadline_end_ms(d: time::Date) -> i64 {
    d.with_hms(23, 59, 59)
        .map(|t| t.assume_offset(time::macros::offset!(+7)).unix_timestamp() * 1000 + 999)
        .unwrap_or(i64::MAX)
}

/// The latest monthly period whose data cut-off has passed by `today` (the report now due or
/// just due).
pub fn latest_due_month(today: time::Date) -> Period {
    Period::month_containing_cutoff(today).previous()
}

/// The latest period of `kind` whose data cut-off window ended before `day`.
pub fn latest_due(kind: PeriodKind, day: time::Date) -> Period {
    let mut p = Period::month_containing_cutoff(day).previous();
    // Step back month by month until a period of `kind` ends with this month.
    for _ in 0..12 {
        let candidate = match kind {
            PeriodKind::Month => Some(p),
            PeriodKind::Quarter if p.index.is_multiple_of(3) => Some(Period {
                year: p.year,
                kind,
                index: p.index / 3,
            }),
            PeriodKind::HalfYear if p.index.is_multiple_of(6) => Some(Period {
                year: p.year,
                kind,
                index: p.index / 6,
            }),
            PeriodKind::NineMonths if p.index == 9 => Some(Period {
                year: p.year,
                kind,
                index: 0,
            }),
            PeriodKind::Year if p.index == 12 => Some(Period {
                year: p.year,
                kind,
                index: 0,
            }),
            _ => None,
        };
        if let Some(c) = candidate {
            return c;
        }
        p = p.previous();
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn latest_due_period_of_each_kind() {
        // On 20 Nov 2026 the November report (cut-off 15 Oct – 14 Nov) is due, the third quarter's,
        // the first half's, the nine months' and 2025's.
        let d = date!(2026 - 11 - 20);
        assert_eq!(latest_due(PeriodKind::Month, d).id(), "202611");
        assert_eq!(latest_due(PeriodKind::Quarter, d).id(), "2026Q3");
        assert_eq!(latest_due(PeriodKind::HalfYear, d).id(), "2026S1");
        assert_eq!(latest_due(PeriodKind::NineMonths, d).id(), "2026N9");
        assert_eq!(latest_due(PeriodKind::Year, d).id(), "2025");
    }

    #[test]
    fn the_month_due_follows_the_cut_off() {
        // The cut-off window of a month runs from the 15th of the previous month to the 14th.
        assert_eq!(latest_due_month(date!(2026 - 11 - 20)).id(), "202611");
        assert_eq!(latest_due_month(date!(2026 - 11 - 10)).id(), "202610");
        assert_eq!(
            latest_due_month(date!(2026 - 11 - 20)),
            latest_due(PeriodKind::Month, date!(2026 - 11 - 20))
        );
    }
}
