//! The daily brief (điểm tin hàng ngày): what it says, composed from the overview and the reports
//! approved lately, without I/O; and the checks on what an editor types.

use platform::error::Problem;
use serde::{Deserialize, Serialize};

/// The most reports named under "data received"; the rest are counted.
pub const MAX_RECEIVED: usize = 50;
/// The largest movements named.
pub const MAX_MOVEMENTS: usize = 5;
/// News items on one brief.
pub const MAX_NEWS: usize = 30;
/// The most connected sites named under "sites down"; the rest are counted.
pub const MAX_SITES_NAMED: usize = 50;
/// Deadlines this many days ahead are "coming".
pub const DEADLINE_HORIZON_DAYS: i64 = 7;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BriefContent {
    /// The latest month due when composed (YYYYMM).
    pub period: String,
    pub received: Vec<Received>,
    pub received_more: usize,
    pub movements: Vec<Movement>,
    pub targets: Vec<TargetNote>,
    pub late: Vec<LateNote>,
    pub deadlines: Vec<DeadlineNote>,
    /// Connected sites down now or that went down in the last 24 hours (briefs composed before
    /// the sites' health existed have none).
    #[serde(default)]
    pub sites: Vec<SiteNote>,
    #[serde(default)]
    pub sites_more: usize,
}

/// A connected site that went down: when, what the probe found, and when it came back (None
/// while still down).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteNote {
    pub code: String,
    pub name: String,
    /// camera | conference
    pub kind: String,
    pub down_at: i64,
    pub up_at: Option<i64>,
    /// The probe's finding, stored form (`model::health::Finding`).
    pub finding: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Received {
    pub template: String,
    pub unit_code: String,
    pub unit_name: String,
    pub period: String,
    pub decided_at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Movement {
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
    pub change_pct: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetNote {
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
    /// on_track | at_risk | off_track
    pub status: String,
    pub target_pct: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LateNote {
    pub template: String,
    pub name_vi: String,
    pub name_en: String,
    pub period: String,
    pub deadline: String,
    pub overdue: usize,
    pub late: usize,
    pub expected: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeadlineNote {
    pub template: String,
    pub name_vi: String,
    pub name_en: String,
    pub period: String,
    /// ISO date.
    pub deadline: String,
}

/// A news item as an editor typed it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct NewsInput {
    pub title: String,
    pub source: String,
    pub summary: String,
    #[serde(default)]
    pub link: String,
}

/// The problems of a news item (each on its field), none when it may be added.
pub fn check_news(n: &NewsInput) -> Vec<Problem> {
    let mut out = Vec::new();
    for (field, value, max) in [
        ("title", n.title.trim(), 300),
        ("source", n.source.trim(), 200),
        ("summary", n.summary.trim(), 3000),
    ] {
        if value.is_empty() {
            out.push(
                Problem::new("field_required")
                    .field(field)
                    .arg("field", field),
            );
        } else if value.chars().count() > max {
            out.push(
                Problem::new("text_too_long")
                    .field(field)
                    .arg("field", field)
                    .arg("max", max)
                    .arg("length", value.chars().count()),
            );
        }
    }
    let link = n.link.trim();
    if !link.is_empty()
        && (!(link.starts_with("https://") || link.starts_with("http://"))
            || link.len() > 500
            || link.contains(char::is_whitespace))
    {
        out.push(
            Problem::new("link_invalid")
                .field("link")
                .arg("value", link),
        );
    }
    out
}

/// An e-mail address worth storing (the SMTP server is the final judge).
pub fn check_email(s: &str) -> Result<String, Problem> {
    let s = s.trim();
    let ok = s.len() <= 254
        && s.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.starts_with('.')
        })
        && !s.contains(char::is_whitespace)
        && s.matches('@').count() == 1;
    if ok {
        Ok(s.to_ascii_lowercase())
    } else {
        Err(Problem::new("email_invalid").field("email").arg("value", s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn news_items_are_checked_field_by_field() {
        let bad = NewsInput {
            title: " ".into(),
            source: "TTXVN".into(),
            summary: "x".repeat(3001),
            link: "javascript:alert(1)".into(),
        };
        let fields: Vec<_> = check_news(&bad)
            .into_iter()
            .map(|p| p.field.unwrap_or_default())
            .collect();
        assert_eq!(fields, ["title", "summary", "link"]);
        let good = NewsInput {
            title: "Tin".into(),
            source: "Cổng TTĐT Chính phủ".into(),
            summary: "Tóm tắt".into(),
            link: "https://baochinhphu.vn/".into(),
        };
        assert!(check_news(&good).is_empty());
    }

    #[test]
    fn addresses_are_checked() {
        assert_eq!(check_email(" A@Gov.VN ").unwrap(), "a@gov.vn");
        for bad in ["a", "a@b", "@b.vn", "a b@c.vn", "a@@b.vn"] {
            assert!(check_email(bad).is_err(), "{bad}");
        }
    }
}
