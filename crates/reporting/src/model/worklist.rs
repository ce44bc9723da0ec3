//! What awaits an official (báo cáo cần xử lý): a report to fill (not filed yet, or a draft), to
//! correct (returned to its reporter) or to approve (submitted); which periods are still open
//! for filing; and when a report is overdue (quá hạn). Pure: the caller passes today's date and
//! the deadlines.

use time::Date;

use super::calendar::latest_due;
use super::period::{Period, PeriodKind};
use super::status::Status;

/// How far back a report never started still awaits its reporter: the periods whose data
/// cut-off ended within this many months before that of the latest period due. Reports started
/// (drafts), returned or submitted await action whatever their period.
pub const MISSING_LOOKBACK_MONTHS: i32 = 12;

/// What an official has to do with a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Task {
    /// Cần nhập: not filed yet (no report, or a draft).
    Fill,
    /// Cần sửa: returned to its reporter with a reason.
    Correct,
    /// Cần duyệt: submitted, awaiting approval.
    Approve,
}

impl Task {
    pub const ALL: [Task; 3] = [Task::Fill, Task::Correct, Task::Approve];

    pub fn as_str(self) -> &'static str {
        match self {
            Task::Fill => "fill",
            Task::Correct => "correct",
            Task::Approve => "approve",
        }
    }

    /// The task a report in `status` (None: no report yet) sets one who may submit it
    /// (`may_submit`) and may approve it (`may_approve`, false for the one who submitted it:
    /// four eyes), if any.
    pub fn of(status: Option<Status>, may_submit: bool, may_approve: bool) -> Option<Task> {
        match status {
            None | Some(Status::Draft) if may_submit => Some(Task::Fill),
            Some(Status::Returned) if may_submit => Some(Task::Correct),
            Some(Status::Submitted) if may_approve => Some(Task::Approve),
            _ => None,
        }
    }
}

/// Is a report overdue on `today`: its deadline has passed and it has not been submitted (no
/// report, a draft, or returned and not yet resubmitted). The same rule for every periodicity:
/// a monthly, quarterly or annual report alike.
pub fn is_overdue(status: Option<Status>, deadline: Date, today: Date) -> bool {
    today > deadline && !matches!(status, Some(Status::Submitted | Status::Approved))
}

/// The periods of `kind` open for filing on `today`, latest first: the period in progress (its
/// data cut-off not over yet: reporters prepare it before its deadline), the latest period due,
/// and the earlier ones whose cut-off ended within [`MISSING_LOOKBACK_MONTHS`] before it
/// (twelve months, four quarters, two halves, one nine-month period, one year).
pub fn open_periods(kind: PeriodKind, today: Date) -> Vec<Period> {
    let latest = latest_due(kind, today);
    let end = latest.cutoff().1;
    let since = end
        .replace_year(end.year() - MISSING_LOOKBACK_MONTHS / 12)
        .unwrap_or(end);
    let current = Period::current(kind, today);
    let mut out = Vec::new();
    if current > latest {
        out.push(current);
    }
    out.push(latest);
    let mut p = latest.previous();
    while p.cutoff().1 > since {
        out.push(p);
        p = p.previous();
    }
    out
}

/// The order of a worklist: overdue first, then the nearest deadline first.
pub fn order_key(overdue: bool, deadline: Date) -> (bool, Date) {
    (!overdue, deadline)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn each_status_sets_its_task() {
        assert_eq!(Task::of(None, true, false), Some(Task::Fill));
        assert_eq!(Task::of(Some(Status::Draft), true, true), Some(Task::Fill));
        assert_eq!(
            Task::of(Some(Status::Returned), true, false),
            Some(Task::Correct)
        );
        assert_eq!(
            Task::of(Some(Status::Submitted), false, true),
            Some(Task::Approve)
        );
        // Nothing for one without the right, nor for an approved report.
        assert_eq!(Task::of(Some(Status::Submitted), true, false), None);
        assert_eq!(Task::of(None, false, true), None);
        assert_eq!(Task::of(Some(Status::Returned), false, true), None);
        assert_eq!(Task::of(Some(Status::Approved), true, true), None);
    }

    #[test]
    fn a_report_not_submitted_by_its_deadline_is_overdue() {
        let deadline = date!(2025 - 12 - 29);
        for s in [None, Some(Status::Draft), Some(Status::Returned)] {
            assert!(is_overdue(s, deadline, date!(2025 - 12 - 30)), "{s:?}");
            assert!(!is_overdue(s, deadline, deadline), "{s:?}");
        }
        for s in [Status::Submitted, Status::Approved] {
            assert!(!is_overdue(Some(s), deadline, date!(2026 - 12 - 2)));
        }
    }

    #[test]
    fn open_periods_reach_back_a_year_from_the_period_in_progress() {
        let d = date!(2026 - 12 - 2);
        let ids = |k| {
            open_periods(k, d)
                .iter()
                .map(Period::id)
                .collect::<Vec<_>>()
        };
        let months = ids(PeriodKind::Month);
        assert_eq!(months.len(), 13);
        assert_eq!(months[..2], ["202612", "202611"]);
        assert_eq!(months[12], "202512");
        assert_eq!(
            ids(PeriodKind::Quarter),
            ["2026Q4", "2026Q3", "2026Q2", "2026Q1", "2025Q4"]
        );
        assert_eq!(ids(PeriodKind::HalfYear), ["2026S2", "2026S1", "2025S2"]);
        // The nine months of 2026 are both in progress and due: once.
        assert_eq!(ids(PeriodKind::NineMonths), ["2026N9"]);
        assert_eq!(ids(PeriodKind::Year), ["2026", "2025"]);
        // After the December cut-off the year 2026 is the latest due, 2027 in progress.
        assert_eq!(
            open_periods(PeriodKind::Year, date!(2026 - 12 - 20))
                .iter()
                .map(Period::id)
                .collect::<Vec<_>>(),
            ["2027", "2026"]
        );
    }

    #[test]
    fn overdue_comes_first_then_the_nearest_deadline() {
        let mut v = [
            (false, date!(2026 - 12 - 20)),
            (true, date!(2026 - 11 - 20)),
            (false, date!(2026 - 12 - 5)),
            (true, date!(2025 - 12 - 29)),
        ];
        v.sort_by_key(|(o, d)| order_key(*o, *d));
        assert_eq!(
            v,
            [
                (true, date!(2025 - 12 - 29)),
                (true, date!(2026 - 11 - 20)),
                (false, date!(2026 - 12 - 5)),
                (false, date!(2026 - 12 - 20)),
            ]
        );
    }
}
