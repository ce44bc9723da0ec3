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

    /// Parse a period as people type it and as the pages display it: the ids of [`Period::parse`]
    /// (`202611`, `2026Q3`…, in either case), the short form of [`Period::short`] (`11/2026`,
    /// `Q3/2026`, `S1/2026`, `N9/2026`), ISO-like `2026-11` / `2026-Q3`, and the labels of
    /// [`Period::label`] in both languages (`Tháng 11/2026`, `Quý III/2026`, `November 2026`,
    /// `6 tháng đầu năm 2026`…), with or without Vietnamese diacritics. The one reader of typed
    /// periods: forms parse here, at the edge, and keep the [`Period`].
    pub fn parse_typed(s: &str) -> Result<Period, BadPeriod> {
        let bad = || BadPeriod(s.to_owned());
        let t = s.trim();
        if let Ok(p) = Period::parse(t) {
            return Ok(p);
        }
        // Longer than any form a page shows: refused before any work.
        if t.chars().count() > 40 {
            return Err(bad());
        }
        let lower = t.to_lowercase();
        let tokens: Vec<&str> = lower
            .split(|c: char| c.is_whitespace() || matches!(c, '/' | '-' | '.' | ','))
            .filter(|w| !w.is_empty())
            .collect();
        // One four-digit year, said once; every other token says which period of it.
        let is_year = |w: &&str| w.len() == 4 && w.bytes().all(|b| b.is_ascii_digit());
        let years: Vec<&str> = tokens.iter().copied().filter(is_year).collect();
        let rest: Vec<&str> = tokens
            .iter()
            .copied()
            .filter(|w| !is_year(w))
            .filter(|w| !matches!(*w, "năm" | "nam" | "year" | "of" | "the"))
            .collect();
        let id = match (years.as_slice(), rest.as_slice()) {
            // `2026q3`, `2026h1`: an id typed in lower case or with H for a half.
            ([], [one]) => one.to_uppercase().replace('H', "S"),
            ([y], rest) => format!("{y}{}", typed_rest(rest).ok_or_else(bad)?),
            _ => return Err(bad()),
        };
        Period::parse(&id).map_err(|_| bad())
    }

    /// The short form a form field shows and reads back: `11/2026`, `Q3/2026`, `S1/2026`,
    /// `N9/2026`, `2026`.
    pub fn short(&self) -> String {
        match self.kind {
            PeriodKind::Month => format!("{}/{:04}", self.index, self.year),
            PeriodKind::Quarter => format!("Q{}/{:04}", self.index, self.year),
            PeriodKind::HalfYear => format!("S{}/{:04}", self.index, self.year),
            PeriodKind::NineMonths => format!("N9/{:04}", self.year),
            PeriodKind::Year => format!("{:04}", self.year),
        }
    }

    /// Ways to type this period that [`Period::parse_typed`] reads, for hints and messages:
    /// `11/2026, 2026-11, 202611`.
    pub fn typed_examples(&self) -> Vec<String> {
        match self.kind {
            PeriodKind::Month => vec![
                self.short(),
                format!("{:04}-{:02}", self.year, self.index),
                self.id(),
            ],
            PeriodKind::Year => vec![self.id()],
            _ => vec![self.short(), self.id()],
        }
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

/// What follows the year in a typed period, as the suffix of its id (`11` → `"11"`, `q3` →
/// `"Q3"`, `quý iii` → `"Q3"`, `6 tháng đầu` → `"S1"`, `9 tháng` → `"N9"`, nothing → `""`).
fn typed_rest(rest: &[&str]) -> Option<String> {
    const MONTHS: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    let number = |w: &str, max: u8| -> Option<u8> {
        let n: u8 = (w.len() <= 2 && w.bytes().all(|b| b.is_ascii_digit()))
            .then(|| w.parse().ok())
            .flatten()?;
        (1..=max).contains(&n).then_some(n)
    };
    let roman = |w: &str| -> Option<u8> {
        match w {
            "i" => Some(1),
            "ii" => Some(2),
            "iii" => Some(3),
            "iv" => Some(4),
            _ => number(w, 4),
        }
    };
    // `q3`, `s1`, `h1`, `n9` as one token.
    let letter = |w: &str, l: char, max: u8| -> Option<u8> {
        let n = w.strip_prefix(l)?;
        number(n, max)
    };
    let month_name = |w: &str| -> Option<u8> {
        let i = MONTHS
            .iter()
            .position(|m| *m == w || (w.len() == 3 && m.starts_with(w)))?;
        Some(i as u8 + 1)
    };
    let month = |m: u8| Some(format!("{m:02}"));
    match rest {
        [] => Some(String::new()),
        [w] => {
            if let Some(m) = number(w, 12).or_else(|| month_name(w)) {
                month(m)
            } else if let Some(q) = letter(w, 'q', 4) {
                Some(format!("Q{q}"))
            } else if let Some(h) = letter(w, 's', 2).or_else(|| letter(w, 'h', 2)) {
                Some(format!("S{h}"))
            } else if *w == "n9" {
                Some("N9".into())
            } else {
                None
            }
        }
        ["tháng" | "thang" | "month", m] => month(number(m, 12)?),
        ["quý" | "quy" | "quarter", q] => Some(format!("Q{}", roman(q)?)),
        ["6", "tháng" | "thang", "đầu" | "dau"] | ["first", "half"] => Some("S1".into()),
        ["6", "tháng" | "thang", "cuối" | "cuoi"] | ["second", "half"] => Some("S2".into()),
        ["9", "tháng" | "thang"] | ["nine", "months"] => Some("N9".into()),
        _ => None,
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
    fn typed_forms_of_the_pages() {
        for (typed, id) in [
            ("11/2026", "202611"),
            ("1/2026", "202601"),
            ("01/2026", "202601"),
            ("2026-11", "202611"),
            ("2026/11", "202611"),
            ("202611", "202611"),
            ("Tháng 11/2026", "202611"),
            ("thang 11 nam 2026", "202611"),
            ("November 2026", "202611"),
            ("nov 2026", "202611"),
            ("Q3/2026", "2026Q3"),
            ("q3 2026", "2026Q3"),
            ("2026Q3", "2026Q3"),
            ("2026q3", "2026Q3"),
            ("2026-Q3", "2026Q3"),
            ("Quý III/2026", "2026Q3"),
            ("quy 3/2026", "2026Q3"),
            ("Q3 2026", "2026Q3"),
            ("S1/2026", "2026S1"),
            ("2026H2", "2026S2"),
            ("6 tháng đầu năm 2026", "2026S1"),
            ("6 tháng cuối năm 2026", "2026S2"),
            ("First half of 2026", "2026S1"),
            ("N9/2026", "2026N9"),
            ("9 tháng năm 2026", "2026N9"),
            ("Nine months of 2026", "2026N9"),
            ("2026", "2026"),
            ("Năm 2026", "2026"),
            ("Year 2026", "2026"),
        ] {
            assert_eq!(
                Period::parse_typed(typed).map(|p| p.id()),
                Ok(id.to_owned()),
                "{typed}"
            );
        }
        for bad in [
            "",
            "13/2026",
            "0/2026",
            "11/26",
            "11/2026/2027",
            "2026-13",
            "Q5/2026",
            "Quý V/2026",
            "S3/2026",
            "N8/2026",
            "tháng 2026",
            "11 12 2026",
            "1/1/2026",
            "2026Q",
            "hôm qua",
            "1899",
            "11/20266",
        ] {
            assert!(Period::parse_typed(bad).is_err(), "{bad}");
        }
        assert_eq!(Period::month(2026, 11).short(), "11/2026");
        assert_eq!(
            Period::month(2026, 11).typed_examples(),
            ["11/2026", "2026-11", "202611"]
        );
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
            let _ = Period::parse_typed(&s);
        }

        /// Every form a page shows a period in reads back as that period: its id, its short
        /// form, the examples of hints, its label in both languages, in any letter case.
        #[test]
        fn typed_periods_read_back(year in 1900i32..2200, m in 1u8..=12, q in 1u8..=4, s in 1u8..=2) {
            for p in [Period::month(year, m), Period { year, kind: PeriodKind::Quarter, index: q },
                      Period { year, kind: PeriodKind::HalfYear, index: s },
                      Period { year, kind: PeriodKind::NineMonths, index: 0 },
                      Period { year, kind: PeriodKind::Year, index: 0 }] {
                let mut shown = vec![p.id(), p.short(), p.label("vi"), p.label("en")];
                shown.extend(p.typed_examples());
                for text in shown {
                    for t in [text.clone(), text.to_lowercase(), text.to_uppercase(), format!("  {text} ")] {
                        prop_assert_eq!(Period::parse_typed(&t), Ok(p), "{}", t);
                    }
                }
            }
        }

        /// A typed period is never read as another one: whatever it reads, its short form and
        /// its id say the same period.
        #[test]
        fn typed_reading_is_stable(s in "[0-9QqSsNnHh/ -]{1,9}") {
            if let Ok(p) = Period::parse_typed(&s) {
                prop_assert_eq!(Period::parse_typed(&p.short()), Ok(p));
                prop_assert_eq!(Period::parse(&p.id()), Ok(p));
            }
        }
    }
}
