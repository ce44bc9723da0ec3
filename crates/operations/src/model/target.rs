//! How a figure stands against its yearly target (chỉ tiêu kế hoạch năm).
//!
//! Only a figure that adds up over the year (a flow such as retail sales or exports) is compared:
//! its year-to-date value against the target pro rata of the months elapsed. A level or an index
//! (CPI, IIP) has no year-to-date sum to compare, so it gets no status rather than a misleading
//! one.

use serde::Serialize;

/// The share of the pro-rata target under which a figure is "at risk" by default; under
/// [`OFF_TRACK_BELOW`] it is "off track".
pub const AT_RISK_BELOW: f64 = 1.0;
pub const OFF_TRACK_BELOW: f64 = 0.9;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TargetStatus {
    OnTrack,
    AtRisk,
    OffTrack,
}

impl TargetStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TargetStatus::OnTrack => "on_track",
            TargetStatus::AtRisk => "at_risk",
            TargetStatus::OffTrack => "off_track",
        }
    }
}

/// The year-to-date value as a percentage of the target pro rata of `months` elapsed (1–12),
/// and the status it gives. `None` without a positive target or for a figure that does not add
/// up over the year.
pub fn assess(
    ytd: Option<f64>,
    target: Option<f64>,
    months: u8,
    adds_up: bool,
) -> Option<(f64, TargetStatus)> {
    let (ytd, target) = (ytd?, target?);
    if !adds_up || target <= 0.0 || months == 0 || months > 12 {
        return None;
    }
    let share = ytd / (target * f64::from(months) / 12.0);
    let status = if share >= AT_RISK_BELOW {
        TargetStatus::OnTrack
    } else if share >= OFF_TRACK_BELOW {
        TargetStatus::AtRisk
    } else {
        TargetStatus::OffTrack
    };
    Some((share * 100.0, status))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flow_is_compared_pro_rata() {
        // 6 months of a 1,200 target: 600 is on track, 570 at risk, 500 off track.
        assert_eq!(
            assess(Some(600.0), Some(1200.0), 6, true).unwrap().1,
            TargetStatus::OnTrack
        );
        assert_eq!(
            assess(Some(570.0), Some(1200.0), 6, true).unwrap().1,
            TargetStatus::AtRisk
        );
        assert_eq!(
            assess(Some(500.0), Some(1200.0), 6, true).unwrap().1,
            TargetStatus::OffTrack
        );
        let (pct, _) = assess(Some(300.0), Some(1200.0), 6, true).unwrap();
        assert!((pct - 50.0).abs() < 1e-9);
    }

    #[test]
    fn no_status_without_a_target_or_for_a_level() {
        assert_eq!(assess(Some(1.0), None, 6, true), None);
        assert_eq!(assess(Some(1.0), Some(0.0), 6, true), None);
        assert_eq!(assess(Some(104.0), Some(104.5), 6, false), None);
        assert_eq!(assess(None, Some(1.0), 6, true), None);
    }
}
