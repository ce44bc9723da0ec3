//! The center's connected sites (điểm kết nối), without I/O: surveillance cameras, each with an
//! HLS stream, and video-conference points, each with the join URL of the conferencing system the
//! agency runs; what a site is allowed to be (checked field by field, every problem named), and its
//! health as the probe last found it.

use platform::error::Problem;
use platform::web::extract::{control_char_problem, refused_char};
use serde::Serialize;

/// Longest site code, in characters.
pub const MAX_CODE: usize = 40;
/// Longest name or place, in characters.
pub const MAX_NAME: usize = 200;
/// Longest URL, in bytes.
pub const MAX_URL: usize = 2000;
/// Most sites the center keeps (the real one has about 58 points and hundreds of cameras).
pub const MAX_SITES: i64 = 5000;

/// What a site is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SiteKind {
    /// A surveillance camera (its URL is an HLS playlist).
    Camera,
    /// A video-conference point (its URL is the conferencing system's join link).
    Conference,
}

impl SiteKind {
    pub const ALL: [SiteKind; 2] = [SiteKind::Camera, SiteKind::Conference];
    pub fn as_str(self) -> &'static str {
        match self {
            SiteKind::Camera => "camera",
            SiteKind::Conference => "conference",
        }
    }
    pub fn parse(s: &str) -> Option<SiteKind> {
        SiteKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Where a camera looks (the real center's cameras watch these places).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// A public administration centre (trung tâm phục vụ hành chính công).
    AdminCentre,
    /// A border gate (cửa khẩu).
    BorderGate,
    /// A hydropower dam (đập thủy điện).
    Dam,
    /// Anything else; conference points have this.
    Other,
}

impl Category {
    pub const ALL: [Category; 4] = [
        Category::AdminCentre,
        Category::BorderGate,
        Category::Dam,
        Category::Other,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Category::AdminCentre => "admin_centre",
            Category::BorderGate => "border_gate",
            Category::Dam => "dam",
            Category::Other => "other",
        }
    }
    /// Stored `''` is [`Category::Other`].
    pub fn parse(s: &str) -> Option<Category> {
        if s.is_empty() {
            return Some(Category::Other);
        }
        Category::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// A site's health as the probe last found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SiteState {
    /// Not probed yet (a new site, or one just turned back on).
    Unknown,
    Up,
    Down,
}

impl SiteState {
    pub fn as_str(self) -> &'static str {
        match self {
            SiteState::Unknown => "unknown",
            SiteState::Up => "up",
            SiteState::Down => "down",
        }
    }
    pub fn parse(s: &str) -> Option<SiteState> {
        [SiteState::Unknown, SiteState::Up, SiteState::Down]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// What an operator says a site is (a form, a CSV row): checked by [`SiteDraft::check`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SiteDraft {
    pub code: String,
    pub kind: String,
    pub category: String,
    pub name: String,
    pub unit_code: String,
    pub place: String,
    pub latitude: String,
    pub longitude: String,
    pub url: String,
}

/// A site's description, checked.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SiteSpec {
    pub code: String,
    pub kind: SiteKind,
    pub category: Category,
    pub name: String,
    /// The province or ministry it belongs to (a registry unit code), if any.
    pub unit_code: Option<String>,
    /// The address, or the room of a conference point.
    pub place: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub url: String,
}

/// A site as stored, with its health.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Site {
    pub id: i64,
    #[serde(flatten)]
    pub spec: SiteSpec,
    pub active: bool,
    pub state: SiteState,
    /// Since when (ms) the site has been in its state.
    pub state_since: Option<i64>,
    /// When (ms) the probe last looked.
    pub checked_at: Option<i64>,
    /// What the probe last found (e.g. "segment 41 s old", "HTTP 404").
    pub finding: String,
}

fn has_control(s: &str) -> bool {
    refused_char(s).is_some()
}

fn text(
    problems: &mut Vec<Problem>,
    field: &'static str,
    value: &str,
    max: usize,
    required: bool,
) -> String {
    let v = value.trim();
    if let Some(c) = refused_char(v) {
        problems.push(control_char_problem(field, c));
    } else if required && v.is_empty() {
        problems.push(Problem::new("site_field_required").field(field));
    } else if v.chars().count() > max {
        problems.push(
            Problem::new("site_field_too_long")
                .field(field)
                .arg("max", max),
        );
    }
    v.to_owned()
}

/// A coordinate as typed, or None when blank; never rounded.
fn coordinate(
    problems: &mut Vec<Problem>,
    field: &'static str,
    value: &str,
    limit: f64,
) -> Option<f64> {
    let v = value.trim();
    if v.is_empty() {
        return None;
    }
    match v.parse::<f64>() {
        Ok(x) if x.is_finite() && x.abs() <= limit => Some(x),
        _ => {
            problems.push(
                Problem::new("site_coordinate_invalid")
                    .field(field)
                    .arg("value", v)
                    .arg("limit", limit),
            );
            None
        }
    }
}

/// Is `url` an absolute http(s) URL with a host and no credentials?
pub fn url_is_acceptable(url: &str) -> bool {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    let Some(rest) = rest else { return false };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    !authority.is_empty()
        && !authority.contains('@')
        && !url.chars().any(|c| c.is_control() || c.is_whitespace())
}

impl SiteDraft {
    /// Check every field; all problems at once (each names its field), or the spec.
    /// `unit_exists` says whether a registry unit code is known.
    pub fn check(&self, unit_exists: impl Fn(&str) -> bool) -> Result<SiteSpec, Vec<Problem>> {
        let mut problems = Vec::new();
        let code = text(&mut problems, "code", &self.code, MAX_CODE, true);
        if !code.is_empty()
            && !code
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        {
            problems.push(
                Problem::new("site_code_invalid")
                    .field("code")
                    .arg("value", &code),
            );
        }
        let kind = match SiteKind::parse(self.kind.trim()) {
            Some(k) => Some(k),
            None => {
                problems.push(
                    Problem::new("site_kind_invalid")
                        .field("kind")
                        .arg("value", self.kind.trim()),
                );
                None
            }
        };
        let category = match Category::parse(self.category.trim()) {
            Some(c) => c,
            None => {
                problems.push(
                    Problem::new("site_category_invalid")
                        .field("category")
                        .arg("value", self.category.trim()),
                );
                Category::Other
            }
        };
        let name = text(&mut problems, "name", &self.name, MAX_NAME, true);
        let place = text(&mut problems, "place", &self.place, MAX_NAME, false);
        let unit = text(&mut problems, "unit_code", &self.unit_code, MAX_CODE, false);
        if !unit.is_empty() && !has_control(&unit) && !unit_exists(&unit) {
            problems.push(
                Problem::new("site_unit_unknown")
                    .field("unit_code")
                    .arg("value", &unit),
            );
        }
        let latitude = coordinate(&mut problems, "latitude", &self.latitude, 90.0);
        let longitude = coordinate(&mut problems, "longitude", &self.longitude, 180.0);
        if self.latitude.trim().is_empty() != self.longitude.trim().is_empty() {
            problems.push(Problem::new("site_coordinates_pair").field("latitude"));
        }
        let url = self.url.trim().to_owned();
        if url.is_empty() {
            problems.push(Problem::new("site_field_required").field("url"));
        } else if url.len() > MAX_URL || !url_is_acceptable(&url) {
            problems.push(Problem::new("site_url_invalid").field("url"));
        }
        match kind {
            Some(kind) if problems.is_empty() => Ok(SiteSpec {
                code,
                kind,
                category,
                name,
                unit_code: (!unit.is_empty()).then_some(unit),
                place,
                latitude,
                longitude,
                url,
            }),
            _ => Err(problems),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn camera() -> SiteDraft {
        SiteDraft {
            code: "CAM-HN-01".into(),
            kind: "camera".into(),
            category: "admin_centre".into(),
            name: "Trung tâm Phục vụ hành chính công Hà Nội".into(),
            unit_code: "01".into(),
            place: "258 Võ Chí Công".into(),
            latitude: "21.0685".into(),
            longitude: "105.8046".into(),
            url: "http://127.0.0.1:8081/cam/index.m3u8".into(),
        }
    }

    fn codes(problems: &[Problem]) -> Vec<(&str, Option<&str>)> {
        problems
            .iter()
            .map(|p| (p.code, p.field.as_deref()))
            .collect()
    }

    #[test]
    fn a_good_camera_keeps_its_fields_as_typed() {
        let spec = camera().check(|u| u == "01").unwrap();
        assert_eq!(spec.kind, SiteKind::Camera);
        assert_eq!(spec.category, Category::AdminCentre);
        assert_eq!(spec.latitude, Some(21.0685));
        assert_eq!(spec.unit_code.as_deref(), Some("01"));
    }

    #[test]
    fn every_problem_is_named_with_its_field() {
        let draft = SiteDraft {
            code: "CAM 01".into(),
            kind: "drone".into(),
            category: "zoo".into(),
            name: "".into(),
            unit_code: "99".into(),
            place: "a\u{7}b".into(),
            latitude: "91".into(),
            longitude: "".into(),
            url: "ftp://x/y".into(),
        };
        let problems = draft.check(|_| false).unwrap_err();
        let got = codes(&problems);
        for want in [
            ("site_code_invalid", Some("code")),
            ("site_kind_invalid", Some("kind")),
            ("site_category_invalid", Some("category")),
            ("site_field_required", Some("name")),
            ("text_control_char", Some("place")),
            ("site_unit_unknown", Some("unit_code")),
            ("site_coordinate_invalid", Some("latitude")),
            ("site_url_invalid", Some("url")),
        ] {
            assert!(got.contains(&want), "{want:?} missing from {got:?}");
        }
    }

    #[test]
    fn urls_must_be_http_with_a_host_and_no_credentials() {
        assert!(url_is_acceptable("https://meet.gov.vn/j/123?x=1"));
        assert!(url_is_acceptable("http://127.0.0.1:9000/a.m3u8"));
        assert!(!url_is_acceptable("https:///a"));
        assert!(!url_is_acceptable("http://user:pw@host/a"));
        assert!(!url_is_acceptable("javascript:alert(1)"));
        assert!(!url_is_acceptable("http://host/a b"));
    }

    #[test]
    fn one_coordinate_without_the_other_is_refused() {
        let mut d = camera();
        d.longitude.clear();
        let problems = d.check(|_| true).unwrap_err();
        assert_eq!(
            codes(&problems),
            vec![("site_coordinates_pair", Some("latitude"))]
        );
    }
}
