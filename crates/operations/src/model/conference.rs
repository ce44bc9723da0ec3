//! Video-conference sessions (phiên họp trực tuyến), without I/O: what an operator types when
//! scheduling one (a title, a day, start and end times in Vietnam time, a chair, the host point
//! and the points that join), checked field by field with every problem named; the session as
//! stored, with each point's confirmation and attendance.

use platform::error::Problem;
use platform::web::extract::{control_char_problem, refused_char};
use serde::Serialize;

/// Longest title or chair, in characters.
pub const MAX_TEXT: usize = 200;
/// Most points one session joins.
pub const MAX_POINTS: usize = 200;
/// Longest session, in hours.
pub const MAX_HOURS: i64 = 24;
/// Vietnam's offset from UTC, in hours.
const OFFSET_H: i8 = 7;

/// What an operator typed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SessionDraft {
    pub title: String,
    /// `YYYY-MM-DD`.
    pub day: String,
    /// `HH:MM`, Vietnam time.
    pub start: String,
    /// `HH:MM`, Vietnam time, later than `start` the same day.
    pub end: String,
    pub chair: String,
    /// The host point's id, as typed.
    pub host: String,
    /// The joining points' ids.
    pub points: Vec<i64>,
}

/// A session's description, checked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SessionSpec {
    pub title: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub chair: String,
    pub host_site_id: Option<i64>,
    pub points: Vec<i64>,
}

/// One point of a session as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Point {
    pub site_id: i64,
    pub code: String,
    pub name: String,
    pub unit_code: Option<String>,
    pub confirmed_at: Option<i64>,
    pub confirmed_by: Option<String>,
    /// None: not recorded yet.
    pub attended: Option<bool>,
}

/// A session as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Session {
    pub id: i64,
    pub title: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub chair: String,
    pub host_site_id: Option<i64>,
    pub cancelled_at: Option<i64>,
    pub created_by: String,
    pub points: Vec<Point>,
}

impl Session {
    pub fn confirmed(&self) -> usize {
        self.points
            .iter()
            .filter(|p| p.confirmed_at.is_some())
            .count()
    }
}

fn text(problems: &mut Vec<Problem>, field: &'static str, value: &str) -> String {
    let v = value.trim();
    if let Some(c) = refused_char(v) {
        problems.push(control_char_problem(field, c));
    } else if v.is_empty() {
        problems.push(Problem::new("conference_field_required").field(field));
    } else if v.chars().count() > MAX_TEXT {
        problems.push(
            Problem::new("conference_field_too_long")
                .field(field)
                .arg("max", MAX_TEXT),
        );
    }
    v.to_owned()
}

fn offset() -> time::UtcOffset {
    time::UtcOffset::from_hms(OFFSET_H, 0, 0).unwrap_or(time::UtcOffset::UTC)
}

/// `YYYY-MM-DD` → the date.
pub fn parse_day(s: &str) -> Option<time::Date> {
    let f = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(s.trim(), &f).ok()
}

fn parse_time(s: &str) -> Option<time::Time> {
    let f = time::macros::format_description!("[hour]:[minute]");
    time::Time::parse(s.trim(), &f).ok()
}

/// Unix ms of `day` at `t`, Vietnam time.
pub fn at(day: time::Date, t: time::Time) -> i64 {
    (time::PrimitiveDateTime::new(day, t)
        .assume_offset(offset())
        .unix_timestamp_nanos()
        / 1_000_000) as i64
}

/// The Vietnam day holding `ms`: its start and end (exclusive), in ms.
pub fn day_of(ms: i64) -> (i64, i64) {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        .to_offset(offset());
    let start = at(t.date(), time::Time::MIDNIGHT);
    (start, start + 86_400_000)
}

/// `HH:MM` of `ms` in Vietnam time.
pub fn hhmm(ms: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        .to_offset(offset());
    format!("{:02}:{:02}", t.hour(), t.minute())
}

/// `YYYY-MM-DD` of `ms` in Vietnam time.
pub fn ymd(ms: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        .to_offset(offset());
    let f = time::macros::format_description!("[year]-[month]-[day]");
    t.date().format(&f).unwrap_or_default()
}

impl SessionDraft {
    /// Check every field; all problems at once (each names its field), or the spec.
    /// `is_point` says whether a site id is an active conference point.
    pub fn check(&self, is_point: impl Fn(i64) -> bool) -> Result<SessionSpec, Vec<Problem>> {
        let mut problems = Vec::new();
        let title = text(&mut problems, "title", &self.title);
        let chair = text(&mut problems, "chair", &self.chair);
        let day = parse_day(&self.day);
        if day.is_none() {
            problems.push(
                Problem::new("conference_day_invalid")
                    .field("day")
                    .arg("value", self.day.trim()),
            );
        }
        let start = parse_time(&self.start);
        if start.is_none() {
            problems.push(
                Problem::new("conference_time_invalid")
                    .field("start")
                    .arg("value", self.start.trim()),
            );
        }
        let end = parse_time(&self.end);
        if end.is_none() {
            problems.push(
                Problem::new("conference_time_invalid")
                    .field("end")
                    .arg("value", self.end.trim()),
            );
        }
        let (mut starts_at, mut ends_at) = (0, 0);
        if let (Some(d), Some(s), Some(e)) = (day, start, end) {
            starts_at = at(d, s);
            ends_at = at(d, e);
            if ends_at <= starts_at {
                problems.push(Problem::new("conference_end_before_start").field("end"));
            }
        }
        let host = self.host.trim();
        let host_site_id = if host.is_empty() {
            None
        } else {
            match host.parse::<i64>() {
                Ok(id) if is_point(id) => Some(id),
                _ => {
                    problems.push(Problem::new("conference_point_unknown").field("host"));
                    None
                }
            }
        };
        let mut points: Vec<i64> = self.points.clone();
        if let Some(h) = host_site_id {
            points.push(h);
        }
        points.sort_unstable();
        points.dedup();
        if points.is_empty() {
            problems.push(Problem::new("conference_points_required").field("points"));
        } else if points.len() > MAX_POINTS {
            problems.push(
                Problem::new("conference_too_many_points")
                    .field("points")
                    .arg("max", MAX_POINTS),
            );
        } else if points.iter().any(|p| !is_point(*p)) {
            problems.push(Problem::new("conference_point_unknown").field("points"));
        }
        if problems.is_empty() {
            Ok(SessionSpec {
                title,
                starts_at,
                ends_at,
                chair,
                host_site_id,
                points,
            })
        } else {
            Err(problems)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> SessionDraft {
        SessionDraft {
            title: "Họp trực tuyến với các địa phương".into(),
            day: "2026-12-02".into(),
            start: "08:00".into(),
            end: "10:30".into(),
            chair: "Thủ tướng Chính phủ".into(),
            host: "1".into(),
            points: vec![2, 3],
        }
    }

    #[test]
    fn a_good_session_is_in_vietnam_time_and_the_host_joins() {
        let s = draft().check(|_| true).unwrap();
        assert_eq!(hhmm(s.starts_at), "08:00");
        assert_eq!(ymd(s.starts_at), "2026-12-02");
        assert_eq!(s.ends_at - s.starts_at, 150 * 60_000);
        assert_eq!(s.points, vec![1, 2, 3]);
        let (from, to) = day_of(s.starts_at);
        assert!(from <= s.starts_at && s.ends_at < to);
    }

    #[test]
    fn every_problem_names_its_field() {
        let d = SessionDraft {
            title: "".into(),
            day: "2026-13-01".into(),
            start: "8h".into(),
            end: "07:00".into(),
            chair: "a\u{1}".into(),
            host: "x".into(),
            points: vec![],
        };
        let problems = d.check(|_| false).unwrap_err();
        let got: Vec<_> = problems
            .iter()
            .map(|p| (p.code, p.field.as_deref()))
            .collect();
        for want in [
            ("conference_field_required", Some("title")),
            ("text_control_char", Some("chair")),
            ("conference_day_invalid", Some("day")),
            ("conference_time_invalid", Some("start")),
            ("conference_point_unknown", Some("host")),
            ("conference_points_required", Some("points")),
        ] {
            assert!(got.contains(&want), "{want:?} missing from {got:?}");
        }
        let mut d = draft();
        d.end = "07:59".into();
        let got = d.check(|_| true).unwrap_err();
        assert_eq!(got[0].code, "conference_end_before_start");
    }
}
