//! The dossier's clock in working days (Monday–Friday, minus public holidays): the appointment
//! date set at acceptance, moved by the working days the clock stood still (papers or fees
//! awaited from the applicant), and the working days left.

use reporting::model::period::HolidayCalendar;
use time::Date;

/// The appointment date of a dossier accepted on `accepted` with `days` statutory working
/// days (the day of acceptance does not count).
pub fn appointment(cal: &HolidayCalendar, accepted: Date, days: u32) -> Date {
    cal.add_working_days(accepted, days)
}

/// Working days strictly after `from` up to and including `to` (0 when `to` ≤ `from`).
pub fn working_days_between(cal: &HolidayCalendar, from: Date, to: Date) -> u32 {
    let mut n = 0;
    let mut d = from;
    while d < to {
        d = d.next_day().expect("date in range");
        if cal.is_working_day(d) {
            n += 1;
        }
    }
    n
}

/// The appointment after the clock stood still from `stopped` to `resumed`: later by the
/// working days in between.
pub fn resume(cal: &HolidayCalendar, due: Date, stopped: Date, resumed: Date) -> Date {
    cal.add_working_days(due, working_days_between(cal, stopped, resumed))
}

/// Working days left from `today` to `due`: positive before, 0 on the day, negative after
/// (how many working days late).
pub fn remaining(cal: &HolidayCalendar, today: Date, due: Date) -> i64 {
    if today <= due {
        i64::from(working_days_between(cal, today, due))
    } else {
        -i64::from(working_days_between(cal, due, today))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn cal() -> HolidayCalendar {
        // 2 September (National Day) falls on a Wednesday in 2026.
        HolidayCalendar {
            holidays: [date!(2026 - 09 - 02), date!(2026 - 09 - 01)]
                .into_iter()
                .collect(),
        }
    }

    #[test]
    fn appointments_skip_weekends_and_holidays() {
        // Accepted Friday 2026-12-04, 3 working days: Mon 7, Tue 8, Wed 9.
        assert_eq!(
            appointment(&cal(), date!(2026 - 12 - 04), 3),
            date!(2026 - 12 - 09)
        );
        // Accepted Monday 2026-08-31, 2 days: 1 and 2 September are holidays → Thu 3, Fri 4.
        assert_eq!(
            appointment(&cal(), date!(2026 - 08 - 31), 2),
            date!(2026 - 09 - 04)
        );
        assert_eq!(
            appointment(&cal(), date!(2026 - 12 - 04), 0),
            date!(2026 - 12 - 04)
        );
    }

    #[test]
    fn a_stop_moves_the_appointment_by_its_working_days() {
        let due = date!(2026 - 12 - 09);
        // Stopped Monday 7, resumed Thursday 10: 8, 9, 10 → three working days later.
        assert_eq!(
            resume(&cal(), due, date!(2026 - 12 - 07), date!(2026 - 12 - 10)),
            date!(2026 - 12 - 14)
        );
        // Stopped and resumed the same day: no change.
        assert_eq!(
            resume(&cal(), due, date!(2026 - 12 - 07), date!(2026 - 12 - 07)),
            due
        );
        // Over a weekend only: no working day passed.
        assert_eq!(
            resume(&cal(), due, date!(2026 - 12 - 04), date!(2026 - 12 - 06)),
            due
        );
    }

    #[test]
    fn remaining_days_count_down_and_then_late() {
        let due = date!(2026 - 12 - 09);
        assert_eq!(remaining(&cal(), date!(2026 - 12 - 04), due), 3);
        assert_eq!(remaining(&cal(), due, due), 0);
        assert_eq!(remaining(&cal(), date!(2026 - 12 - 11), due), -2);
        assert_eq!(
            remaining(&cal(), date!(2026 - 12 - 13), due),
            -2,
            "Sunday adds nothing"
        );
    }
}
