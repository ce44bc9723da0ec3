//! Configurable dashboards (bảng điều hành) and wall playlists, without I/O: who may see a
//! dashboard (its audience), its widgets (a JSON list of widget kinds with their parameters, read
//! strictly), and a playlist's entries (a dashboard and a duration each).

use platform::error::Problem;
use platform::identity::access::{Grant, Role, Target};
use reporting::Period;
use serde::Serialize;

use crate::model::site::Category;

/// Longest dashboard or playlist name, in characters.
pub const MAX_NAME: usize = 100;
/// Most widgets on a dashboard.
pub const MAX_WIDGETS: usize = 12;
/// Most entries in a playlist.
pub const MAX_ENTRIES: usize = 50;
/// A dashboard stays on the wall this long at least and at most (seconds).
pub const MIN_SECONDS: i64 = 5;
pub const MAX_SECONDS: i64 = 3600;
/// Most provinces a ranking widget lists.
pub const MAX_RANKING: usize = 34;
/// Most provinces a bar or table widget lists (every province); the bar chart shows 10 unless
/// told otherwise, the table every province.
pub const MAX_PROVINCES: usize = 34;
pub const DEFAULT_BARS: usize = 10;
/// Months a line widget covers: at least, at most, unless told otherwise.
pub const MIN_MONTHS: usize = 6;
pub const MAX_MONTHS: usize = 60;
pub const DEFAULT_MONTHS: usize = 24;
/// Longest unit code a scope audience names.
pub const MAX_UNIT_CODE: usize = 32;
/// Most dashboards or playlists listed.
pub const MAX_LISTED: i64 = 200;

/// Who may open a dashboard (đối tượng xem).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    /// Anyone, signed in or not.
    Public,
    /// Any complete sign-in (an official, or a display carrying the viewer role).
    SignedIn,
    /// Those holding this role somewhere.
    Role(Role),
    /// Signed-in readers holding a grant whose scope covers the unit bearing this code today
    /// (its own officials, those of a unit above it, national ones).
    Scope(String),
}

/// Is `code` shaped like a unit code (letters, digits, `-`, `_`; 1 to [`MAX_UNIT_CODE`])?
fn unit_code_shaped(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= MAX_UNIT_CODE
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

impl Audience {
    /// From the stored columns (`audience`, `audience_role`, `audience_scope`).
    pub fn from_parts(kind: &str, role: Option<&str>, scope: Option<&str>) -> Option<Audience> {
        match kind {
            "public" => Some(Audience::Public),
            "signed_in" => Some(Audience::SignedIn),
            "role" => role.and_then(Role::parse).map(Audience::Role),
            "scope" => scope
                .filter(|c| unit_code_shaped(c))
                .map(|c| Audience::Scope(c.to_owned())),
            _ => None,
        }
    }
    /// From a form's single field: `public`, `signed_in`, `role:<role>` or
    /// `scope:<unit code>` (whether the unit exists is the caller's check).
    pub fn parse(s: &str) -> Result<Audience, Problem> {
        let bad = || {
            Problem::new("dashboard_audience_invalid")
                .field("audience")
                .arg("value", s)
        };
        match s.split_once(':') {
            Some(("role", r)) => Audience::from_parts("role", Some(r), None).ok_or_else(bad),
            Some(("scope", c)) => Audience::from_parts("scope", None, Some(c)).ok_or_else(bad),
            None => Audience::from_parts(s, None, None).ok_or_else(bad),
            _ => Err(bad()),
        }
    }
    pub fn kind(&self) -> &'static str {
        match self {
            Audience::Public => "public",
            Audience::SignedIn => "signed_in",
            Audience::Role(_) => "role",
            Audience::Scope(_) => "scope",
        }
    }
    pub fn role(&self) -> Option<Role> {
        match self {
            Audience::Role(r) => Some(*r),
            _ => None,
        }
    }
    /// The unit code of a scope audience.
    pub fn scope(&self) -> Option<&str> {
        match self {
            Audience::Scope(c) => Some(c),
            _ => None,
        }
    }
    /// The form's value (`role:viewer`, `scope:40`…).
    pub fn form_value(&self) -> String {
        match self {
            Audience::Role(r) => format!("role:{}", r.as_str()),
            Audience::Scope(c) => format!("scope:{c}"),
            other => other.kind().to_owned(),
        }
    }
    /// Does a reader with `grants` (signed in completely: `signed_in`) belong to this audience?
    /// `unit`: for a scope audience, the permission target of its unit (none: no such unit
    /// today, and then nobody belongs).
    pub fn admits(&self, signed_in: bool, grants: &[Grant], unit: Option<&Target>) -> bool {
        match self {
            Audience::Public => true,
            Audience::SignedIn => signed_in,
            Audience::Role(r) => signed_in && grants.iter().any(|g| g.role == *r),
            Audience::Scope(_) => {
                signed_in && unit.is_some_and(|t| grants.iter().any(|g| g.contains(t)))
            }
        }
    }
}

/// One widget of a dashboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Widget {
    /// Key-indicator tiles; `indicators` narrows them (empty: every key indicator the reader
    /// may see).
    Kpi {
        #[serde(skip_serializing_if = "Vec::is_empty")]
        indicators: Vec<String>,
    },
    /// The provinces' ranking, the first `limit`.
    Ranking { limit: usize },
    /// The reporting compliance board; `templates` narrows it (empty: every template).
    Compliance {
        #[serde(skip_serializing_if = "Vec::is_empty")]
        templates: Vec<String>,
    },
    /// One indicator's national figures over the last `months` months, as a line.
    Line { indicator: String, months: usize },
    /// One indicator across provinces in its latest period, the `limit` largest as bars.
    Bar { indicator: String, limit: usize },
    /// The provinces' map of one indicator, in `period` (none: its latest period); with `old`,
    /// a period before July 2025 is drawn as the 63 provinces of the time reported it (today's
    /// 34 otherwise).
    Map {
        indicator: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        period: Option<String>,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        old: bool,
    },
    /// One indicator's values by province in its latest period, the first `limit` by rank.
    Table { indicator: String, limit: usize },
    /// Camera tiles playing live: the cameras named in `sites` (in that order), else the first
    /// [`MAX_CAMERAS`] of `category` (none: of every category). Only signed-in readers see it.
    Camera {
        #[serde(skip_serializing_if = "Vec::is_empty")]
        sites: Vec<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        category: Option<String>,
    },
}

/// Most camera tiles in one camera widget (a 3 × 3 grid).
pub const MAX_CAMERAS: usize = 9;

impl Widget {
    /// The indicator a single-indicator widget shows.
    pub fn indicator(&self) -> Option<&str> {
        match self {
            Widget::Line { indicator, .. }
            | Widget::Bar { indicator, .. }
            | Widget::Map { indicator, .. }
            | Widget::Table { indicator, .. } => Some(indicator),
            _ => None,
        }
    }
}

/// The widget kinds a dashboard may hold.
pub const WIDGET_KINDS: &str = "kpi, ranking, compliance, line, bar, map, table, camera";

/// Read a dashboard's widgets from the JSON an administrator typed: a list of 1 to
/// [`MAX_WIDGETS`] objects, each with a known `kind` and only that kind's parameters. The first
/// problem is said precisely (where the JSON breaks, which widget, which parameter).
pub fn parse_widgets(text: &str) -> Result<Vec<Widget>, Problem> {
    let field = "widgets";
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        Problem::new("dashboard_widgets_json")
            .field(field)
            .arg("line", e.line())
            .arg("column", e.column())
    })?;
    let Some(items) = value.as_array() else {
        return Err(Problem::new("dashboard_widgets_not_list").field(field));
    };
    if items.is_empty() || items.len() > MAX_WIDGETS {
        return Err(Problem::new("dashboard_widgets_count")
            .field(field)
            .arg("count", items.len())
            .arg("max", MAX_WIDGETS));
    }
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let n = i + 1;
        let param = |name: &str| {
            Problem::new("dashboard_widget_param")
                .field(field)
                .arg("n", n)
                .arg("param", name)
        };
        let Some(obj) = item.as_object() else {
            return Err(Problem::new("dashboard_widget_unknown")
                .field(field)
                .arg("n", n)
                .arg("kind", item.to_string())
                .arg("kinds", WIDGET_KINDS));
        };
        let kind = obj.get("kind").and_then(|k| k.as_str()).unwrap_or("");
        let allowed: &[&str] = match kind {
            "kpi" => &["kind", "indicators"],
            "ranking" => &["kind", "limit"],
            "compliance" => &["kind", "templates"],
            "line" => &["kind", "indicator", "months"],
            "bar" | "table" => &["kind", "indicator", "limit"],
            "map" => &["kind", "indicator", "period", "old"],
            "camera" => &["kind", "sites", "category"],
            _ => {
                return Err(Problem::new("dashboard_widget_unknown")
                    .field(field)
                    .arg("n", n)
                    .arg("kind", kind)
                    .arg("kinds", WIDGET_KINDS));
            }
        };
        if let Some(extra) = obj.keys().find(|k| !allowed.contains(&k.as_str())) {
            return Err(param(extra));
        }
        let codes = |name: &str| -> Result<Vec<String>, Problem> {
            match obj.get(name) {
                None => Ok(Vec::new()),
                Some(v) => {
                    let list = v.as_array().ok_or_else(|| param(name))?;
                    if list.len() > 50 {
                        return Err(param(name));
                    }
                    list.iter()
                        .map(|c| {
                            c.as_str()
                                .filter(|s| code_shaped(s))
                                .map(str::to_owned)
                                .ok_or_else(|| param(name))
                        })
                        .collect()
                }
            }
        };
        // A whole number within `range` (never rounded), `default` when absent.
        let count = |name: &str, range: std::ops::RangeInclusive<usize>, default: usize| match obj
            .get(name)
        {
            None => Ok(default),
            Some(v) => v
                .as_u64()
                .and_then(|n| usize::try_from(n).ok())
                .filter(|n| range.contains(n))
                .ok_or_else(|| {
                    Problem::new("dashboard_widget_range")
                        .field(field)
                        .arg("n", n)
                        .arg("param", name)
                        .arg("value", v.to_string())
                        .arg("min", range.start())
                        .arg("max", range.end())
                }),
        };
        // The one indicator a widget shows: required, shaped like a code.
        let indicator = || -> Result<String, Problem> {
            obj.get("indicator")
                .and_then(|v| v.as_str())
                .filter(|s| code_shaped(s))
                .map(str::to_owned)
                .ok_or_else(|| param("indicator"))
        };
        out.push(match kind {
            "kpi" => Widget::Kpi {
                indicators: codes("indicators")?,
            },
            "ranking" => Widget::Ranking {
                limit: match obj.get("limit") {
                    None => 10,
                    Some(v) => v
                        .as_u64()
                        .filter(|l| (1..=MAX_RANKING as u64).contains(l))
                        .ok_or_else(|| param("limit"))? as usize,
                },
            },
            "compliance" => Widget::Compliance {
                templates: codes("templates")?,
            },
            "line" => Widget::Line {
                indicator: indicator()?,
                months: count("months", MIN_MONTHS..=MAX_MONTHS, DEFAULT_MONTHS)?,
            },
            "bar" => Widget::Bar {
                indicator: indicator()?,
                limit: count("limit", 1..=MAX_PROVINCES, DEFAULT_BARS)?,
            },
            "table" => Widget::Table {
                indicator: indicator()?,
                limit: count("limit", 1..=MAX_PROVINCES, MAX_PROVINCES)?,
            },
            "camera" => Widget::Camera {
                sites: match obj.get("sites") {
                    None => Vec::new(),
                    Some(v) => {
                        let list = v
                            .as_array()
                            .filter(|l| l.len() <= MAX_CAMERAS)
                            .ok_or_else(|| param("sites"))?;
                        list.iter()
                            .map(|c| {
                                c.as_str()
                                    .filter(|s| site_code_shaped(s))
                                    .map(str::to_owned)
                                    .ok_or_else(|| param("sites"))
                            })
                            .collect::<Result<_, _>>()?
                    }
                },
                category: match obj.get("category") {
                    None => None,
                    Some(v) => Some(
                        v.as_str()
                            .filter(|c| !c.is_empty())
                            .and_then(Category::parse)
                            .map(|c| c.as_str().to_owned())
                            .ok_or_else(|| param("category"))?,
                    ),
                },
            },
            _ => Widget::Map {
                indicator: indicator()?,
                period: match obj.get("period") {
                    None => None,
                    Some(v) => Some(
                        v.as_str()
                            .and_then(|p| Period::parse(p).ok())
                            .map(|p| p.id())
                            .ok_or_else(|| {
                                Problem::new("dashboard_widget_period")
                                    .field(field)
                                    .arg("n", n)
                                    .arg(
                                        "value",
                                        v.as_str().map_or_else(|| v.to_string(), str::to_owned),
                                    )
                            })?,
                    ),
                },
                old: match obj.get("old") {
                    None => false,
                    Some(v) => v.as_bool().ok_or_else(|| param("old"))?,
                },
            },
        });
    }
    Ok(out)
}

/// Is `s` shaped like an indicator or template code (letters, digits, `_`, `-`; 1 to 64)?
/// Shaped like a site's code ([`crate::model::site`]).
fn site_code_shaped(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= crate::model::site::MAX_CODE
        && s.chars()
            .all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '_' | '-' | '.'))
}

fn code_shaped(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-')
}

/// The widgets as stored (canonical JSON).
pub fn widgets_json(widgets: &[Widget]) -> String {
    serde_json::to_string(widgets).unwrap_or_else(|_| "[]".into())
}

/// One step of a playlist: a dashboard and how long it stays (seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Entry {
    pub dashboard_id: i64,
    pub seconds: i64,
}

/// Read a playlist typed one entry a line, `<dashboard number> <seconds>` (blank lines
/// skipped): 1 to [`MAX_ENTRIES`] entries, each duration within [`MIN_SECONDS`]–[`MAX_SECONDS`].
/// Whether each dashboard exists is the caller's check.
pub fn parse_entries(text: &str) -> Result<Vec<Entry>, Problem> {
    let field = "entries";
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let parts: Vec<&str> = line.split_whitespace().collect();
        let (Some(d), Some(s), 2) = (parts.first(), parts.get(1), parts.len()) else {
            return Err(Problem::new("playlist_entry_invalid")
                .field(field)
                .arg("line", line_no)
                .arg("text", line));
        };
        let (Ok(dashboard_id), Ok(seconds)) = (d.parse::<i64>(), s.parse::<i64>()) else {
            return Err(Problem::new("playlist_entry_invalid")
                .field(field)
                .arg("line", line_no)
                .arg("text", line));
        };
        if !(MIN_SECONDS..=MAX_SECONDS).contains(&seconds) {
            return Err(Problem::new("playlist_seconds_invalid")
                .field(field)
                .arg("line", line_no)
                .arg("seconds", seconds)
                .arg("min", MIN_SECONDS)
                .arg("max", MAX_SECONDS));
        }
        out.push(Entry {
            dashboard_id,
            seconds,
        });
        if out.len() > MAX_ENTRIES {
            return Err(Problem::new("playlist_entries_count")
                .field(field)
                .arg("max", MAX_ENTRIES));
        }
    }
    if out.is_empty() {
        return Err(Problem::new("playlist_entries_count")
            .field(field)
            .arg("max", MAX_ENTRIES));
    }
    Ok(out)
}

/// A name typed for a dashboard or playlist: trimmed, 1 to [`MAX_NAME`] characters.
pub fn parse_name(s: &str, code: &'static str) -> Result<String, Problem> {
    let name = s.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME {
        return Err(Problem::new(code).field("name").arg("max", MAX_NAME));
    }
    Ok(name.to_owned())
}

/// The step shown after `step` in a playlist of `len` entries (round and round).
pub fn next_step(step: usize, len: usize) -> usize {
    if len == 0 { 0 } else { (step + 1) % len }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widgets_are_read_strictly() {
        let w = parse_widgets(r#"[{"kind":"kpi","indicators":["CPI"]},{"kind":"ranking","limit":5},{"kind":"compliance"}]"#)
            .unwrap();
        assert_eq!(
            w,
            vec![
                Widget::Kpi {
                    indicators: vec!["CPI".into()]
                },
                Widget::Ranking { limit: 5 },
                Widget::Compliance { templates: vec![] }
            ]
        );
        assert_eq!(
            parse_widgets("[{\"kind\":\"kpi\"").unwrap_err().code,
            "dashboard_widgets_json"
        );
        assert_eq!(
            parse_widgets("{}").unwrap_err().code,
            "dashboard_widgets_not_list"
        );
        assert_eq!(
            parse_widgets("[]").unwrap_err().code,
            "dashboard_widgets_count"
        );
        let e = parse_widgets(r#"[{"kind":"kpi"},{"kind":"pie"}]"#).unwrap_err();
        assert_eq!(e.code, "dashboard_widget_unknown");
        assert!(e.args.contains(&("n", "2".into())));
        let e = parse_widgets(r#"[{"kind":"ranking","limit":0}]"#).unwrap_err();
        assert_eq!(e.code, "dashboard_widget_param");
        let e = parse_widgets(r#"[{"kind":"ranking","limit":5.5}]"#).unwrap_err();
        assert_eq!(e.code, "dashboard_widget_param", "never rounded");
        let e = parse_widgets(r#"[{"kind":"kpi","colour":"red"}]"#).unwrap_err();
        assert!(e.args.contains(&("param", "colour".into())));
    }

    #[test]
    fn line_widgets_take_one_indicator_and_6_to_60_months() {
        assert_eq!(
            parse_widgets(r#"[{"kind":"line","indicator":"CPI"},{"kind":"line","indicator":"IIP","months":60}]"#)
                .unwrap(),
            vec![
                Widget::Line {
                    indicator: "CPI".into(),
                    months: DEFAULT_MONTHS
                },
                Widget::Line {
                    indicator: "IIP".into(),
                    months: 60
                }
            ]
        );
        for bad in ["5", "61", "12.5", "\"12\"", "-1"] {
            let e = parse_widgets(&format!(
                r#"[{{"kind":"line","indicator":"CPI","months":{bad}}}]"#
            ))
            .unwrap_err();
            assert_eq!(e.code, "dashboard_widget_range", "{bad}");
            assert!(e.args.contains(&("param", "months".into())), "{bad}");
            assert!(e.args.contains(&("min", "6".into())), "{bad}");
        }
        let e = parse_widgets(r#"[{"kind":"line"}]"#).unwrap_err();
        assert_eq!(e.code, "dashboard_widget_param");
        assert!(e.args.contains(&("param", "indicator".into())));
        let e = parse_widgets(r#"[{"kind":"line","indicator":"C PI"}]"#).unwrap_err();
        assert!(e.args.contains(&("param", "indicator".into())));
        let e = parse_widgets(r#"[{"kind":"line","indicator":"CPI","limit":3}]"#).unwrap_err();
        assert!(e.args.contains(&("param", "limit".into())), "not a line's");
    }

    #[test]
    fn bar_and_table_widgets_take_1_to_34_provinces() {
        assert_eq!(
            parse_widgets(r#"[{"kind":"bar","indicator":"RETAIL_SALES"},{"kind":"table","indicator":"RETAIL_SALES","limit":5}]"#)
                .unwrap(),
            vec![
                Widget::Bar {
                    indicator: "RETAIL_SALES".into(),
                    limit: DEFAULT_BARS
                },
                Widget::Table {
                    indicator: "RETAIL_SALES".into(),
                    limit: 5
                }
            ]
        );
        assert_eq!(
            parse_widgets(r#"[{"kind":"table","indicator":"X"}]"#).unwrap(),
            vec![Widget::Table {
                indicator: "X".into(),
                limit: MAX_PROVINCES
            }]
        );
        for kind in ["bar", "table"] {
            for bad in ["0", "35", "2.0e0", "null"] {
                let e = parse_widgets(&format!(
                    r#"[{{"kind":"kpi"}},{{"kind":"{kind}","indicator":"X","limit":{bad}}}]"#
                ))
                .unwrap_err();
                assert_eq!(e.code, "dashboard_widget_range", "{kind} {bad}");
                assert!(e.args.contains(&("n", "2".into())));
                assert!(e.args.contains(&("max", "34".into())));
            }
            let e = parse_widgets(&format!(r#"[{{"kind":"{kind}","indicator":7}}]"#)).unwrap_err();
            assert!(e.args.contains(&("param", "indicator".into())));
        }
    }

    #[test]
    fn map_widgets_take_a_period_as_typed_or_none() {
        assert_eq!(
            parse_widgets(r#"[{"kind":"map","indicator":"CPI"},{"kind":"map","indicator":"CPI","period":"2024Q3"}]"#)
                .unwrap(),
            vec![
                Widget::Map {
                    indicator: "CPI".into(),
                    period: None,
                    old: false,
                },
                Widget::Map {
                    indicator: "CPI".into(),
                    period: Some("2024Q3".into()),
                    old: false,
                }
            ]
        );
        for bad in ["\"2024-13\"", "\"202413\"", "202401", "\"\""] {
            let e = parse_widgets(&format!(
                r#"[{{"kind":"map","indicator":"CPI","period":{bad}}}]"#
            ))
            .unwrap_err();
            assert_eq!(e.code, "dashboard_widget_period", "{bad}");
        }
        // Stored as read: the canonical JSON reads back the same.
        let w = parse_widgets(r#"[{"kind":"map","indicator":"CPI","period":"2024Q3"},{"kind":"line","indicator":"CPI","months":12}]"#).unwrap();
        assert_eq!(parse_widgets(&widgets_json(&w)).unwrap(), w);
    }

    #[test]
    fn a_map_widget_may_ask_for_the_provinces_of_the_time() {
        let w = parse_widgets(r#"[{"kind":"map","indicator":"CPI","period":"2024Q3","old":true}]"#)
            .unwrap();
        assert_eq!(
            w,
            vec![Widget::Map {
                indicator: "CPI".into(),
                period: Some("2024Q3".into()),
                old: true,
            }]
        );
        assert_eq!(parse_widgets(&widgets_json(&w)).unwrap(), w);
        // Not written when false: dashboards stored before the option read back unchanged.
        let plain = parse_widgets(r#"[{"kind":"map","indicator":"CPI","old":false}]"#).unwrap();
        assert!(!widgets_json(&plain).contains("old"));
        for bad in ["1", "\"true\"", "null"] {
            let e = parse_widgets(&format!(
                r#"[{{"kind":"map","indicator":"CPI","old":{bad}}}]"#
            ))
            .unwrap_err();
            assert_eq!(e.code, "dashboard_widget_param", "{bad}");
        }
    }

    #[test]
    fn camera_widgets_name_up_to_nine_cameras_or_a_category() {
        let w = parse_widgets(
            r#"[{"kind":"camera","sites":["CAM-HN.01","CAM-2"]},{"kind":"camera","category":"dam"},{"kind":"camera"}]"#,
        )
        .unwrap();
        assert_eq!(
            w,
            vec![
                Widget::Camera {
                    sites: vec!["CAM-HN.01".into(), "CAM-2".into()],
                    category: None
                },
                Widget::Camera {
                    sites: vec![],
                    category: Some("dam".into())
                },
                Widget::Camera {
                    sites: vec![],
                    category: None
                },
            ]
        );
        assert_eq!(parse_widgets(&widgets_json(&w)).unwrap(), w);
        let ten: Vec<String> = (0..10).map(|i| format!("\"C{i}\"")).collect();
        for (bad, param) in [
            (format!("\"sites\":[{}]", ten.join(",")), "sites"),
            ("\"sites\":[\"a b\"]".to_owned(), "sites"),
            ("\"sites\":\"CAM-1\"".to_owned(), "sites"),
            ("\"category\":\"zoo\"".to_owned(), "category"),
            ("\"category\":\"\"".to_owned(), "category"),
            ("\"indicator\":\"CPI\"".to_owned(), "indicator"),
        ] {
            let e = parse_widgets(&format!(r#"[{{"kind":"camera",{bad}}}]"#)).unwrap_err();
            assert_eq!(e.code, "dashboard_widget_param", "{bad}");
            assert!(e.args.contains(&("param", param.into())), "{bad}: {e:?}");
        }
    }

    #[test]
    fn scope_audiences_name_a_unit_code() {
        let a = Audience::parse("scope:40").unwrap();
        assert_eq!(a, Audience::Scope("40".into()));
        assert_eq!(a.form_value(), "scope:40");
        assert_eq!((a.kind(), a.scope()), ("scope", Some("40")));
        assert_eq!(
            Audience::from_parts("scope", None, Some("40")),
            Some(a.clone())
        );
        for bad in ["scope:", "scope:4 0", "scope:40\u{7}", "scope:<b>", "scope"] {
            let e = Audience::parse(bad).unwrap_err();
            assert_eq!(e.code, "dashboard_audience_invalid", "{bad}");
        }
        assert!(Audience::parse(&format!("scope:{}", "9".repeat(33))).is_err());
        let province = |id| Grant {
            id: 1,
            role: Role::Viewer,
            scope: platform::identity::access::Scope::Unit(id),
            scope_unit: None,
        };
        // The unit 400 (a commune) within province 40.
        let unit = Target {
            national: false,
            agency: None,
            units: vec![400, 40],
        };
        assert!(a.admits(true, &[province(40)], Some(&unit)));
        assert!(!a.admits(true, &[province(41)], Some(&unit)));
        assert!(!a.admits(false, &[province(40)], Some(&unit)), "signed in");
        assert!(!a.admits(true, &[province(40)], None), "no such unit");
    }

    #[test]
    fn playlist_entries_name_their_line() {
        assert_eq!(
            parse_entries("1 30\n\n2 20\n").unwrap(),
            vec![
                Entry {
                    dashboard_id: 1,
                    seconds: 30
                },
                Entry {
                    dashboard_id: 2,
                    seconds: 20
                }
            ]
        );
        let e = parse_entries("1 30\n2 2\n").unwrap_err();
        assert_eq!(e.code, "playlist_seconds_invalid");
        assert!(e.args.contains(&("line", "2".into())));
        assert_eq!(
            parse_entries("1 30.5").unwrap_err().code,
            "playlist_entry_invalid"
        );
        assert_eq!(
            parse_entries(" \n").unwrap_err().code,
            "playlist_entries_count"
        );
    }

    #[test]
    fn audiences() {
        let viewer = Grant {
            id: 1,
            role: Role::Viewer,
            scope: platform::identity::access::Scope::National,
            scope_unit: None,
        };
        assert!(Audience::Public.admits(false, &[], None));
        assert!(!Audience::SignedIn.admits(false, &[], None));
        assert!(Audience::SignedIn.admits(true, &[], None));
        let approvers = Audience::parse("role:approver").unwrap();
        assert!(!approvers.admits(true, std::slice::from_ref(&viewer), None));
        assert!(
            Audience::parse("role:viewer")
                .unwrap()
                .admits(true, &[viewer], None)
        );
        assert!(Audience::parse("everyone").is_err());
        assert!(Audience::parse("role:king").is_err());
    }

    #[test]
    fn the_playlist_goes_round() {
        assert_eq!(next_step(0, 2), 1);
        assert_eq!(next_step(1, 2), 0);
        assert_eq!(next_step(0, 1), 0);
    }
}
