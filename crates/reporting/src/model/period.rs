//! Reporting periods (kỳ báo cáo), parsed once into a type that carries its data cut-off window.
//!
//! Ids are compatible with DHIS2 where DHIS2 has the period type: `202401` (month), `2024Q1`
//! (quarter), `2024S1` (half year), `2024` (year); nine-month reports, customary in Vietnam and
//! absent from DHIS2, are `2024N9`.

use serde::{Deserialize, Serialize};
use time::{Date, Month};

/// The kind of a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodKind {
    Month,
    Quarter,
    HalfYear,
    NineMonths,
    Year,
}

impl PeriodKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PeriodKind::Month => "month",
            PeriodKind::Quarter => "quarter",
            PeriodKind::HalfYear => "half_year",
            PeriodKind::NineMonths => "nine_months",
            PeriodKind::Year => "year",
        }
    }
    pub fn parse(s: &str) -> Option<PeriodKind> {
        [
            PeriodKind::Month,
            PeriodKind::Quarter,
            PeriodKind::HalfYear,
            PeriodKind::NineMonths,
            PeriodKind::Year,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// A reporting period. `index` is the month (1–12), quarter (1–4) or half (1–2); 0 otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Period {
    pub year: i32,
    pub kind: PeriodKind,
    pub index: u8,
}

/// Why a period id was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadPeriod(pub String);

impl Period {
    pub fn month(year: i32, month: u8) -> Period {
        Period {
            year,
            kind: PeriodKind::Month,
            index: month,
        }
    }

    /// Parse `202401`, `2024Q1`, `2024S1`, `2024N9` or `2024`.
    pub fn parse(s: &str) -> Result<Period, BadPeriod> {
        let bad = || BadPeriod(s.to_owned());
        let s = s.trim();
        if s.len() < 4 || !s.is_char_boundary(4) {
            return Err(bad());
        }
        let (y, rest) = s.split_at(4);
        if !y.chars().all(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
        let year: i32 = y.parse().map_err(|_| bad())?;
        if !(1900..=2200).contains(&year) {
            return Err(bad());
        }
        let num = |t: &str, max: u8| -> Result<u8, BadPeriod> {
            let n: u8 = t.parse().map_err(|_| bad())?;
            if t.len() > 2 || t.starts_with('+') || n == 0 || n > max {
                return Err(bad());
            }
            Ok(n)
        };
        let p = match rest {
            "" => Period {
                year,
                kind: PeriodKind::Year,
                index: 0,
            },
            "N9" => Period {
                year,
                kind: PeriodKind::NineMonths,
                index: 0,
            },
            r if r.len() == 2 && r.chars().all(|c| c.is_ascii_digit()) => Period {
                year,
                kind: PeriodKind::Month,
                index: num(r, 12)?,
            },
            r if r.starts_with('Q') && r.len() == 2 => Period {
                year,
                kind: PeriodKind::Quarter,
                index: num(&r[1..], 4)?,
            },
            r if r.starts_with('S') && r.len() == 2 => Period {
                year,
                kind: PeriodKind::HalfYear,
                index: num(&r[1..], 2)?,
            },
            _ => return Err(bad()),
        };
        Ok(p)
    }

    /// The canonical id.
    pub fn id(&self) -> String {
        match self.kind {
            PeriodKind::Month => format!("{:04}{:02}", self.year, self.index),
            PeriodKind::Quarter => format!("{:04}Q{}", self.year, self.index),
            PeriodKind::HalfYear => format!("{:04}S{}", self.year, self.index),
            PeriodKind::NineMonths => format!("{:04}N9", self.year),
            PeriodKind::Year => format!("{:04}", self.year),
        }
    }

    /// The period's position among periods of its kind: consecutive periods have consecutive
    /// ordinals (month: year × 12 + month − 1; quarter: year × 4 + quarter − 1; half year:
    /// year × 2 + half − 1; nine months and year: the year).
    pub fn ordinal(&self) -> i32 {
        let i = i32::from(self.index);
        match self.kind {
            PeriodKind::Month => self.year * 12 + i - 1,
            PeriodKind::Quarter => self.year * 4 + i - 1,
            PeriodKind::HalfYear => self.year * 2 + i - 1,
            PeriodKind::NineMonths | PeriodKind::Year => self.year,
        }
    }

    /// The period of `kind` at `ordinal` (the inverse of [`Period::ordinal`]).
    pub fn from_ordinal(kind: PeriodKind, ordinal: i32) -> Period {
        let (per_year, index) = match kind {
            PeriodKind::Month => (12, 1),
            PeriodKind::Quarter => (4, 1),
            PeriodKind::HalfYear => (2, 1),
            PeriodKind::NineMonths | PeriodKind::Year => (1, 0),
        };
        Period {
            year: ordinal.div_euclid(per_year),
            kind,
            index: if index == 0 {
                0
            } else {
                (ordinal.rem_euclid(per_year) + 1) as u8
            },
        }
    }

    /// First and last calendar month (1–12) the period covers.
    pub fn month_range(&self) -> (u8, u8) {
        match self.kind {
            PeriodKind::Month => (self.index, self.index),
            PeriodKind::Quarter => (self.index * 3 - 2, self.index * 3),
            PeriodKind::HalfYear => (self.index * 6 - 5, self.index * 6),
            PeriodKind::NineMonths => (1, 9),
            PeriodKind::Year => (1, 12),
        }
    }

    /// The months the period covers, in order.
    pub fn months(&self) -> Vec<Period> {
        let (a, b) = self.month_range();
        (a..=b).map(|m| Period::month(self.year, m)).collect()
    }

    /// The calendar dates the period covers.
    pub fn calendar(&self) -> (Date, Date) {
        let (a, b) = self.month_range();
        let first = Date::from_calendar_date(self.year, month(a), 1).expect("valid date");
        let last_month = month(b);
        let last = Date::from_calendar_date(self.year, last_month, last_month.length(self.year))
            .expect("valid date");
        (first, last)
    }

    /// The data cut-off window (thời gian chốt số liệu), Decree 09/2019/NĐ-CP art. 12 as applied
    /// by sector circulars: from the 15th of the month before the period's first month to the
    /// 14th of its last month (monthly: 15 Dec – 14 Jan for January; annual: 15 Dec – 14 Dec).
    pub fn cutoff(&self) -> (Date, Date) {
        let (a, b) = self.month_range();
        let (py, pm) = if a == 1 {
            (self.year - 1, 12)
        } else {
            (self.year, a - 1)
        };
        let from = Date::from_calendar_date(py, month(pm), 15).expect("valid date");
        let to = Date::from_calendar_date(self.year, month(b), 14).expect("valid date");
        (from, to)
    }

    /// The period before this one, of the same kind (for N9 and years: the year before).
    pub fn previous(&self) -> Period {
        match self.kind {
            PeriodKind::Month if self.index == 1 => Period::month(self.year - 1, 12),
            PeriodKind::Quarter if self.index == 1 => Period {
                year: self.year - 1,
                index: 4,
                ..*self
            },
            PeriodKind::HalfYear if self.index == 1 => Period {
                year: self.year - 1,
                index: 2,
                ..*self
            },
            PeriodKind::Month | PeriodKind::Quarter | PeriodKind::HalfYear => Period {
                index: self.index - 1,
                ..*self
            },
            PeriodKind::NineMonths | PeriodKind::Year => Period {
                year: self.year - 1,
                ..*self
            },
        }
    }

    pub fn next(&self) -> Period {
        match self.kind {
            PeriodKind::Month if self.index == 12 => Period::month(self.year + 1, 1),
            PeriodKind::Quarter if self.index == 4 => Period {
                year: self.year + 1,
                index: 1,
                ..*self
            },
            PeriodKind::HalfYear if self.index == 2 => Period {
                year: self.year + 1,
                index: 1,
                ..*self
            },
            PeriodKind::Month | PeriodKind::Quarter | PeriodKind::HalfYear => Period {
                index: self.index + 1,
                ..*self
            },
            PeriodKind::NineMonths | PeriodKind::Year => Period {
                year: self.year + 1,
                ..*self
            },
        }
    }

    /// The same period a year earlier (so với cùng kỳ).
    pub fn same_period_last_year(&self) -> Period {
        Period {
            year: self.year - 1,
            ..*self
        }
    }

    /// Months from January to this month (lũy kế từ đầu năm), for a monthly period.
    pub fn year_to_date(&self) -> Vec<Period> {
        let (_, b) = self.month_range();
        (1..=b).map(|m| Period::month(self.year, m)).collect()
    }

    /// A label for people: "Tháng 1/2024" / "January 2024", "Quý I/2024" / "Q1 2024"…
    pub fn label(&self, lang_code: &str) -> String {
        const ROMAN: [&str; 5] = ["", "I", "II", "III", "IV"];
        const MONTHS: [&str; 13] = [
            "",
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ];
        let en = lang_code == "en";
        let (y, i) = (self.year, self.index as usize);
        match (self.kind, en) {
            (PeriodKind::Month, false) => format!("Tháng {i}/{y}"),
            (PeriodKind::Month, true) => format!("{} {y}", MONTHS[i]),
            (PeriodKind::Quarter, false) => format!("Quý {}/{y}", ROMAN[i]),
            (PeriodKind::Quarter, true) => format!("Q{i} {y}"),
            (PeriodKind::HalfYear, false) if i == 1 => format!("6 tháng đầu năm {y}"),
            (PeriodKind::HalfYear, false) => format!("6 tháng cuối năm {y}"),
            (PeriodKind::HalfYear, true) if i == 1 => format!("First half of {y}"),
            (PeriodKind::HalfYear, true) => format!("Second half of {y}"),
            (PeriodKind::NineMonths, false) => format!("9 tháng năm {y}"),
            (PeriodKind::NineMonths, true) => format!("Nine months of {y}"),
            (PeriodKind::Year, false) => format!("Năm {y}"),
            (PeriodKind::Year, true) => format!("Year {y}"),
        }
    }

    /// The period of `kind` in progress on `day`: the one whose data cut-off window holds `day`
    /// (on 20 January 2026: February 2026, Q1 2026, the first half of 2026, the nine months of
    /// 2026, the year 2026). Reports for later periods are refused: there is nothing to report yet.
    pub fn current(kind: PeriodKind, day: Date) -> Period {
        let m = Period::month_containing_cutoff(day);
        let index = match kind {
            PeriodKind::Month => m.index,
            PeriodKind::Quarter => (m.index - 1) / 3 + 1,
            PeriodKind::HalfYear => (m.index - 1) / 6 + 1,
            PeriodKind::NineMonths | PeriodKind::Year => 0,
        };
        Period {
            year: m.year,
            kind,
            index,
        }
    }

    /// The monthly period whose cut-off window contains `day` (the month being reported on that
    /// day: on 20 January, data are collected for February's report).
    pub fn month_containing_cutoff(day: Date) -> Period {
        let m = day.month() as u8;
        if day.day() >= 15 {
            Period::month(day.year(), m).next()
        } else {
            Period::month(day.year(), m)
        }
    }
}

impl std::fmt::Display for Period {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.id())
    }
}

fn month(m: u8) -> Month {
    Month::try_from(m).expect("month 1–12")
}

/// Working days: Monday–Friday, except public holidays.
#[derive(Debug, Clone, Default)]
pub struct HolidayCalendar {
    pub holidays: std::collections::BTreeSet<Date>,
}

impl HolidayCalendar {
    pub fn is_working_day(&self, d: Date) -> bool {
        !matches!(d.weekday(), time::Weekday::Saturday | time::Weekday::Sunday)
            && !self.holidays.contains(&d)
    }

    /// The date `n` working days after `from` (not counting `from` itself).
    pub fn add_working_days(&self, from: Date, n: u32) -> Date {
        let mut d = from;
        let mut left = n;
        while left > 0 {
            d = d.next_day().expect("date in range");
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }
}

/// The submission deadline: `working_days` working days after the end of the cut-off window.
pub fn deadline(p: &Period, working_days: u32, cal: &HolidayCalendar) -> Date {
    cal.add_working_days(p.cutoff().1, working_days)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    #[test]
    fn the_period_in_progress_follows_the_cutoff() {
        let on = |d, k, id: &str| assert_eq!(Period::current(k, d).id(), id, "{d} {k:?}");
        on(date!(2026 - 01 - 20), PeriodKind::Month, "202602");
        on(date!(2026 - 01 - 14), PeriodKind::Month, "202601");
        on(date!(2026 - 12 - 02), PeriodKind::Month, "202612");
        on(date!(2026 - 12 - 15), PeriodKind::Month, "202701");
        on(date!(2026 - 03 - 20), PeriodKind::Quarter, "2026Q2");
        on(date!(2026 - 06 - 14), PeriodKind::HalfYear, "2026S1");
        on(date!(2026 - 10 - 01), PeriodKind::NineMonths, "2026N9");
        on(date!(2026 - 12 - 02), PeriodKind::Year, "2026");
        on(date!(2026 - 12 - 16), PeriodKind::Year, "2027");
    }

    #[test]
    fn parses_every_kind() {
        for (s, kind) in [
            ("202401", PeriodKind::Month),
            ("2024Q1", PeriodKind::Quarter),
            ("2024S2", PeriodKind::HalfYear),
            ("2024N9", PeriodKind::NineMonths),
            ("2024", PeriodKind::Year),
        ] {
            let p = Period::parse(s).unwrap();
            assert_eq!(p.kind, kind);
            assert_eq!(p.id(), s);
        }
        for bad in [
            "", "24", "202413", "202400", "2024Q5", "2024Q0", "2024S3", "2024W1", "20240",
            "2024-01", "abcd", "2024Q+1", "1899", "2024N8", "٢٠٢٤",
        ] {
            assert!(Period::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn cutoff_windows_follow_decree_09() {
        assert_eq!(
            Period::parse("202401").unwrap().cutoff(),
            (date!(2023 - 12 - 15), date!(2024 - 01 - 14))
        );
        assert_eq!(
            Period::parse("202407").unwrap().cutoff(),
            (date!(2024 - 06 - 15), date!(2024 - 07 - 14))
        );
        assert_eq!(
            Period::parse("2024Q1").unwrap().cutoff(),
            (date!(2023 - 12 - 15), date!(2024 - 03 - 14))
        );
        assert_eq!(
            Period::parse("2024Q3").unwrap().cutoff(),
            (date!(2024 - 06 - 15), date!(2024 - 09 - 14))
        );
        assert_eq!(
            Period::parse("2024S1").unwrap().cutoff(),
            (date!(2023 - 12 - 15), date!(2024 - 06 - 14))
        );
        assert_eq!(
            Period::parse("2024N9").unwrap().cutoff(),
            (date!(2023 - 12 - 15), date!(2024 - 09 - 14))
        );
        assert_eq!(
            Period::parse("2024").unwrap().cutoff(),
            (date!(2023 - 12 - 15), date!(2024 - 12 - 14))
        );
    }

    #[test]
    fn neighbours_and_labels() {
        let jan = Period::parse("202401").unwrap();
        assert_eq!(jan.previous().id(), "202312");
        assert_eq!(jan.same_period_last_year().id(), "202301");
        assert_eq!(Period::parse("2024Q1").unwrap().previous().id(), "2023Q4");
        assert_eq!(Period::parse("202403").unwrap().year_to_date().len(), 3);
        assert_eq!(jan.label("vi"), "Tháng 1/2024");
        assert_eq!(jan.label("en"), "January 2024");
        assert_eq!(Period::parse("2024Q3").unwrap().label("vi"), "Quý III/2024");
        assert_eq!(
            Period::month_containing_cutoff(date!(2024 - 01 - 20)).id(),
            "202402"
        );
        assert_eq!(
            Period::month_containing_cutoff(date!(2024 - 01 - 14)).id(),
            "202401"
        );
    }

    #[test]
    fn deadlines_skip_weekends_and_holidays() {
        let mut cal = HolidayCalendar::default();
        // 14 Feb 2024 is a Wednesday; Tết holiday 8–14 Feb 2024 covers the cut-off, 15–16 too.
        cal.holidays.insert(date!(2024 - 02 - 15));
        cal.holidays.insert(date!(2024 - 02 - 16));
        let feb = Period::parse("202402").unwrap();
        // Working days after 14 Feb: 19, 20, 21 (15–16 holidays, 17–18 weekend).
        assert_eq!(deadline(&feb, 3, &cal), date!(2024 - 02 - 21));
        assert_eq!(deadline(&feb, 0, &cal), date!(2024 - 02 - 14));
    }

    proptest! {
        #[test]
        fn ids_round_trip(year in 1900i32..2200, m in 1u8..=12, q in 1u8..=4, s in 1u8..=2) {
            for p in [Period::month(year, m), Period { year, kind: PeriodKind::Quarter, index: q },
                      Period { year, kind: PeriodKind::HalfYear, index: s },
                      Period { year, kind: PeriodKind::NineMonths, index: 0 },
                      Period { year, kind: PeriodKind::Year, index: 0 }] {
                prop_assert_eq!(Period::parse(&p.id()).unwrap(), p);
                let (from, to) = p.cutoff();
                prop_assert!(from < to);
                prop_assert_eq!(p.next().previous(), p);
                // Ordinals count periods of a kind: the previous period is one less.
                prop_assert_eq!(p.previous().ordinal(), p.ordinal() - 1);
                prop_assert_eq!(Period::from_ordinal(p.kind, p.ordinal()), p);
            }
        }

        #[test]
        fn parser_never_panics(s in "\\PC{0,10}") {
            let _ = Period::parse(&s);
        }
    }
}
