//! Alerts (cảnh báo): the rules an administrator sets, what each one finds in the national
//! figures and the reporting record, and the key that makes an alert be raised once.
//!
//! A rule is one of a few [`Kind`]s: a national value above or below a number, a figure off its
//! yearly target ([`crate::model::target::assess`]), a change on the same period last year beyond
//! ± a percentage, or a template's reports not submitted by their deadline. Kinds are stored as
//! text and parsed here, so the connected sites' kinds (a camera or a conference point down, back
//! up) join the enum without a migration.

use platform::i18n::{Lang, t_args};
use platform::web::format::fmt_ms;
use reporting::model::format::format_number;
use serde::Serialize;

use crate::model::health::describe_stored;
use crate::model::target::{OFF_TRACK_BELOW, TargetStatus, assess};

/// The most e-mail recipients a rule may have.
pub const MAX_RECIPIENTS: usize = 20;
/// The most units an alert about missing reports names (the count covers them all).
pub const MAX_UNITS_NAMED: usize = 100;

/// What a rule watches (loại cảnh báo).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// The national value is above the threshold.
    Above,
    /// The national value is below the threshold.
    Below,
    /// The year to date is off track against the yearly target.
    OffTarget,
    /// The change on the same period last year is beyond ± threshold percent.
    YoyChange,
    /// Units had not submitted a template's report by its deadline.
    ReportMissing,
    /// A connected site (camera, conference point) went down.
    SiteDown,
    /// A connected site came back up.
    SiteUp,
}

impl Kind {
    /// Every kind a rule may have, in the order the form offers them.
    pub const ALL: [Kind; 7] = [
        Kind::Above,
        Kind::Below,
        Kind::OffTarget,
        Kind::YoyChange,
        Kind::ReportMissing,
        Kind::SiteDown,
        Kind::SiteUp,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Above => "above",
            Kind::Below => "below",
            Kind::OffTarget => "off_target",
            Kind::YoyChange => "yoy_change",
            Kind::ReportMissing => "report_missing",
            Kind::SiteDown => "site_down",
            Kind::SiteUp => "site_up",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// A rule of this kind watches an indicator.
    pub fn watches_indicator(self) -> bool {
        !matches!(self, Kind::ReportMissing | Kind::SiteDown | Kind::SiteUp)
    }

    /// A rule of this kind watches a template's reports.
    pub fn watches_template(self) -> bool {
        self == Kind::ReportMissing
    }

    /// A rule of this kind watches every connected site (no indicator, no template): its
    /// alerts are raised by the probe, one per change of a site's state.
    pub fn watches_sites(self) -> bool {
        matches!(self, Kind::SiteDown | Kind::SiteUp)
    }

    /// A rule of this kind needs a threshold.
    pub fn needs_threshold(self) -> bool {
        matches!(self, Kind::Above | Kind::Below | Kind::YoyChange)
    }
}

/// A rule as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub id: i64,
    pub kind: Kind,
    /// The indicator's code (value rules).
    pub indicator: Option<String>,
    /// The template's code (missing reports).
    pub template: Option<String>,
    pub threshold: Option<f64>,
    pub recipients: Vec<String>,
    pub active: bool,
}

/// Why a rule's fields are refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    #[error("unknown rule kind")]
    KindInvalid,
    #[error("an indicator is needed")]
    IndicatorMissing,
    #[error("a template is needed")]
    TemplateMissing,
    #[error("a threshold is needed")]
    ThresholdMissing,
    #[error("a percentage must be above zero")]
    PercentInvalid,
    #[error("invalid address {0:?}")]
    RecipientInvalid(String),
    #[error("too many recipients")]
    TooManyRecipients,
}

impl RuleError {
    /// The stable code (also the locale key under `[alerts]`, prefixed `err_`).
    pub fn code(&self) -> &'static str {
        match self {
            RuleError::KindInvalid => "kind_invalid",
            RuleError::IndicatorMissing => "indicator_missing",
            RuleError::TemplateMissing => "template_missing",
            RuleError::ThresholdMissing => "threshold_missing",
            RuleError::PercentInvalid => "percent_invalid",
            RuleError::RecipientInvalid(_) => "recipient_invalid",
            RuleError::TooManyRecipients => "too_many_recipients",
        }
    }
}

/// The recipients of a rule as typed (separated by commas, semicolons, spaces or lines): each a
/// plausible address (one `@`, a dotted domain, at most 254 characters), no repeats, at most
/// [`MAX_RECIPIENTS`].
pub fn parse_recipients(raw: &str) -> Result<Vec<String>, RuleError> {
    let mut out: Vec<String> = Vec::new();
    for a in raw
        .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .filter(|a| !a.is_empty())
    {
        let ok = a.len() <= 254
            && a.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !domain.contains("..")
            })
            && a.chars()
                .all(|c| c.is_ascii_graphic() && !"<>()[]\\\"".contains(c));
        if !ok {
            return Err(RuleError::RecipientInvalid(a.to_owned()));
        }
        if !out.iter().any(|o| o.eq_ignore_ascii_case(a)) {
            out.push(a.to_owned());
        }
    }
    if out.len() > MAX_RECIPIENTS {
        return Err(RuleError::TooManyRecipients);
    }
    Ok(out)
}

/// Check that a rule of `kind` has what it needs: an indicator or a template, and a threshold
/// (a percentage above zero for a change on last year).
pub fn check_rule(
    kind: Kind,
    indicator: Option<&str>,
    template: Option<&str>,
    threshold: Option<f64>,
) -> Result<(), RuleError> {
    if kind.watches_indicator() && indicator.is_none() {
        return Err(RuleError::IndicatorMissing);
    }
    if kind.watches_template() && template.is_none() {
        return Err(RuleError::TemplateMissing);
    }
    if kind.needs_threshold() && threshold.is_none() {
        return Err(RuleError::ThresholdMissing);
    }
    if kind == Kind::YoyChange && threshold.is_some_and(|t| t <= 0.0) {
        return Err(RuleError::PercentInvalid);
    }
    Ok(())
}

/// A national figure of one period as the value rules see it (complete figures only: a partial
/// sum would raise false alarms).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Figure {
    pub value: f64,
    /// The same period last year (complete), for a change.
    pub last_year: Option<f64>,
    /// Year to date and the yearly target, for the target rule.
    pub ytd: Option<f64>,
    pub target: Option<f64>,
    /// Months elapsed in the year (1–12).
    pub months: u8,
    /// The indicator adds up over the year (a flow).
    pub adds_up: bool,
}

/// What a value rule found: the value it judged (the figure, the change in percent, or the year
/// to date as a percentage of the pro-rata target) and the threshold it crossed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Crossing {
    pub value: f64,
    pub threshold: f64,
}

/// Does `rule` (a value rule) fire on `figure`? Equal to the threshold does not.
pub fn judge(rule: &Rule, figure: &Figure) -> Option<Crossing> {
    let t = rule.threshold;
    match rule.kind {
        Kind::Above => t.filter(|t| figure.value > *t).map(|threshold| Crossing {
            value: figure.value,
            threshold,
        }),
        Kind::Below => t.filter(|t| figure.value < *t).map(|threshold| Crossing {
            value: figure.value,
            threshold,
        }),
        Kind::YoyChange => {
            let base = figure.last_year.filter(|b| *b != 0.0)?;
            let change = (figure.value / base - 1.0) * 100.0;
            t.filter(|t| change.abs() > *t).map(|threshold| Crossing {
                value: change,
                threshold,
            })
        }
        Kind::OffTarget => {
            match assess(figure.ytd, figure.target, figure.months, figure.adds_up)? {
                (pct, TargetStatus::OffTrack) => Some(Crossing {
                    value: pct,
                    threshold: OFF_TRACK_BELOW * 100.0,
                }),
                _ => None,
            }
        }
        Kind::ReportMissing | Kind::SiteDown | Kind::SiteUp => None,
    }
}

/// One unit's report at its deadline, as the missing-report rule sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitReport {
    pub code: String,
    pub name: String,
    /// Submitted by the deadline.
    pub on_time: bool,
    /// The deadline has passed.
    pub due_passed: bool,
}

/// The units that had not submitted by the deadline (late or still missing), once it has
/// passed; empty before it or when every one was on time.
pub fn missed(units: &[UnitReport]) -> Vec<&UnitReport> {
    units
        .iter()
        .filter(|u| u.due_passed && !u.on_time)
        .collect()
}

/// The key that makes an alert be raised once: the rule, what it is about (an indicator, a
/// template, later a site) and the period.
pub fn dedupe_key(rule_id: i64, subject: &str, period: &str) -> String {
    format!("rule:{rule_id}:{subject}:{period}")
}

/// The key of a site's alert: its kind, the site and when its state changed, so each change is
/// one alert whichever rules ask for it.
pub fn site_dedupe_key(kind: Kind, code: &str, at_ms: i64) -> String {
    format!("site:{}:{code}:{at_ms}", kind.as_str())
}

/// An alert a rule found, before it is stored: what it is about, the period, the value judged
/// and the threshold, and what a reader needs to understand it (names, units, the units missing).
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// The rule that found it; a site's alert is raised whether or not a rule asks for its
    /// e-mail (it names the oldest rule of its kind when there is one).
    pub rule_id: Option<i64>,
    pub kind: Kind,
    /// An indicator's code, a template's code or a site's code.
    pub subject: String,
    /// The period's id (`202610`); for a site, when its state changed (ms since the epoch).
    pub period: String,
    pub value: Option<f64>,
    pub threshold: Option<f64>,
    pub detail: serde_json::Value,
}

impl Finding {
    pub fn dedupe_key(&self) -> String {
        if self.kind.watches_sites() {
            let at = self.period.parse().unwrap_or_default();
            return site_dedupe_key(self.kind, &self.subject, at);
        }
        dedupe_key(
            self.rule_id.unwrap_or_default(),
            &self.subject,
            &self.period,
        )
    }
}

/// An alert as stored, with its history.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Alert {
    pub id: i64,
    pub rule_id: Option<i64>,
    pub kind: Kind,
    /// What it is about: an indicator's code, a template's code for missing reports, or a
    /// connected site's code.
    pub subject: String,
    /// The period's id (`202610`); for a connected site's alert, when its state changed (ms
    /// since the epoch, as text).
    pub period: String,
    /// The value judged: the national figure, the change in percent, the year to date as a
    /// percentage of the pro-rata target, or how many units had not reported by the deadline.
    pub value: Option<f64>,
    /// The threshold crossed (as the rule holds it).
    pub threshold: Option<f64>,
    /// Names, units, the deadline and the units missing (at most 100, with their total).
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
    /// When it was raised (ms since the epoch).
    pub raised_at: i64,
    pub acknowledged_at: Option<i64>,
    pub acknowledged_by: Option<String>,
}

/// Which alerts a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Open,
    Acknowledged,
    All,
}

impl State {
    pub const ALL: [State; 3] = [State::Open, State::Acknowledged, State::All];

    pub fn as_str(self) -> &'static str {
        match self {
            State::Open => "open",
            State::Acknowledged => "acknowledged",
            State::All => "all",
        }
    }

    pub fn parse(s: &str) -> Option<State> {
        State::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A number as it was given, digit for digit, in `lang`'s separators (a threshold is shown as
/// typed, never rounded).
pub fn exact(v: f64, lang: Lang) -> String {
    let repr = format!("{v}");
    let decimals = repr.split_once('.').map_or(0, |(_, f)| f.len());
    format_number(v, decimals, lang)
}

/// A percentage with one decimal and its sign: "+12,5 %".
pub fn signed_pct(v: f64, lang: Lang) -> String {
    format!(
        "{}{} %",
        if v >= 0.0 { "+" } else { "" },
        format_number(v, 1, lang)
    )
}

fn text(detail: &serde_json::Value, key: &str, lang: Lang) -> String {
    let k = format!("{key}_{}", lang.code());
    detail[k.as_str()].as_str().unwrap_or_default().to_owned()
}

/// What an alert says, in `lang`: "Tổng mức bán lẻ (Tháng 10/2026): 3.000,5 tỷ đồng, trên
/// ngưỡng 1.000". `period` is the period's label in `lang`.
pub fn describe(
    kind: Kind,
    value: Option<f64>,
    threshold: Option<f64>,
    detail: &serde_json::Value,
    period: &str,
    lang: Lang,
) -> String {
    let vi = lang == Lang::Vi;
    let name = text(detail, "name", lang);
    let unit = text(detail, "unit", lang);
    let v = value.map(|v| exact(v, lang)).unwrap_or_default();
    let t = threshold.map(|t| exact(t, lang)).unwrap_or_default();
    match kind {
        Kind::Above if vi => format!("{name} ({period}): {v} {unit}, trên ngưỡng {t}"),
        Kind::Above => format!("{name} ({period}): {v} {unit}, above the threshold of {t}"),
        Kind::Below if vi => format!("{name} ({period}): {v} {unit}, dưới ngưỡng {t}"),
        Kind::Below => format!("{name} ({period}): {v} {unit}, below the threshold of {t}"),
        Kind::YoyChange => {
            let change = value.map(|c| signed_pct(c, lang)).unwrap_or_default();
            if vi {
                format!(
                    "{name} ({period}): thay đổi {change} so với cùng kỳ năm trước, vượt ngưỡng ±{t} %"
                )
            } else {
                format!("{name} ({period}): {change} on the same period last year, beyond ±{t} %")
            }
        }
        Kind::OffTarget => {
            let pct = value.map(|p| format_number(p, 1, lang)).unwrap_or_default();
            if vi {
                format!(
                    "{name} ({period}): lũy kế đạt {pct} % kế hoạch theo tiến độ, chệch hướng mục tiêu (dưới {t} %)"
                )
            } else {
                format!(
                    "{name} ({period}): year to date at {pct} % of the pro-rata target, off track (under {t} %)"
                )
            }
        }
        Kind::SiteDown | Kind::SiteUp => {
            let at = detail["at"].as_i64().map(fmt_ms).unwrap_or_default();
            let args = [
                (
                    "name",
                    detail["name"].as_str().unwrap_or_default().to_owned(),
                ),
                (
                    "code",
                    detail["code"].as_str().unwrap_or_default().to_owned(),
                ),
                ("at", at),
                (
                    "finding",
                    describe_stored(detail["finding"].as_str().unwrap_or_default(), lang),
                ),
            ];
            let key = if kind == Kind::SiteDown {
                "ops_health.alert_down"
            } else {
                "ops_health.alert_up"
            };
            t_args(lang, key, &args)
        }
        Kind::ReportMissing => {
            let template = text(detail, "template", lang);
            let n = value.map(|n| format_number(n, 0, lang)).unwrap_or_default();
            let expected = detail["expected"].as_i64().unwrap_or_default();
            let raw = detail["deadline"].as_str().unwrap_or_default();
            let deadline =
                time::Date::parse(raw, &time::format_description::well_known::Iso8601::DATE)
                    .map(|d| lang.date(d))
                    .unwrap_or_else(|_| raw.to_owned());
            if vi {
                format!(
                    "{template} ({period}): {n}/{expected} đơn vị chưa gửi báo cáo đúng hạn ({deadline})"
                )
            } else {
                format!(
                    "{template} ({period}): {n} of {expected} units had not submitted by the deadline ({deadline})"
                )
            }
        }
    }
}

/// The units an alert about missing reports names: "Nghệ An (40), Hà Tĩnh (42)…".
pub fn units_named(detail: &serde_json::Value) -> Vec<String> {
    detail["units"]
        .as_array()
        .map(|us| {
            us.iter()
                .map(|u| {
                    format!(
                        "{} ({})",
                        u[1].as_str().unwrap_or_default(),
                        u[0].as_str().unwrap_or_default()
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The e-mail of a new alert, in Vietnamese then English (like the reporting reminders).
pub fn email(f: &Finding, period_vi: &str, period_en: &str) -> (String, String) {
    let vi = describe(f.kind, f.value, f.threshold, &f.detail, period_vi, Lang::Vi);
    let en = describe(f.kind, f.value, f.threshold, &f.detail, period_en, Lang::En);
    let mut units = units_named(&f.detail).join(", ");
    if !units.is_empty() {
        units = format!("\n\n{units}");
    }
    (
        format!("[egov] Cảnh báo / Alert: {vi}"),
        format!(
            "Cảnh báo mới của Trung tâm điều hành:\n\n{vi}{units}\n\nXem và xác nhận tại /operations/alerts.\n\n---\n\nNew alert from the operations center:\n\n{en}{units}\n\nSee and acknowledge it at /operations/alerts.\n"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(kind: Kind, threshold: Option<f64>) -> Rule {
        Rule {
            id: 1,
            kind,
            indicator: Some("RETAIL_SALES".into()),
            template: None,
            threshold,
            recipients: vec![],
            active: true,
        }
    }

    fn fig(value: f64) -> Figure {
        Figure {
            value,
            ..Default::default()
        }
    }

    #[test]
    fn kinds_round_trip_and_say_what_they_need() {
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.as_str()), Some(k));
        }
        assert_eq!(Kind::parse("site_down"), Some(Kind::SiteDown));
        assert_eq!(Kind::parse("site_gone"), None);
        assert!(Kind::SiteDown.watches_sites() && !Kind::SiteUp.watches_indicator());
        assert!(!Kind::SiteUp.watches_template() && !Kind::SiteUp.needs_threshold());
        assert_eq!(check_rule(Kind::SiteDown, None, None, None), Ok(()));
        assert!(Kind::Above.needs_threshold() && !Kind::OffTarget.needs_threshold());
        assert!(!Kind::ReportMissing.watches_indicator());
    }

    #[test]
    fn thresholds_fire_beyond_never_at_the_value() {
        let above = rule(Kind::Above, Some(1000.0));
        assert_eq!(judge(&above, &fig(1000.0)), None);
        assert_eq!(
            judge(&above, &fig(1000.5)),
            Some(Crossing {
                value: 1000.5,
                threshold: 1000.0
            })
        );
        let below = rule(Kind::Below, Some(10.0));
        assert!(judge(&below, &fig(9.99)).is_some());
        assert!(judge(&below, &fig(10.0)).is_none());
    }

    #[test]
    fn a_change_on_last_year_fires_both_ways() {
        let r = rule(Kind::YoyChange, Some(10.0));
        let with = |v, ly| Figure {
            value: v,
            last_year: Some(ly),
            ..Default::default()
        };
        let up = judge(&r, &with(120.0, 100.0)).unwrap();
        assert!((up.value - 20.0).abs() < 1e-9);
        let down = judge(&r, &with(85.0, 100.0)).unwrap();
        assert!((down.value + 15.0).abs() < 1e-9);
        assert_eq!(judge(&r, &with(105.0, 100.0)), None);
        assert_eq!(judge(&r, &with(105.0, 0.0)), None, "no base, no change");
        assert_eq!(judge(&r, &fig(105.0)), None);
    }

    #[test]
    fn off_target_uses_the_pro_rata_assessment() {
        let r = rule(Kind::OffTarget, None);
        let f = |ytd| Figure {
            value: 1.0,
            ytd: Some(ytd),
            target: Some(1200.0),
            months: 6,
            adds_up: true,
            ..Default::default()
        };
        let c = judge(&r, &f(500.0)).unwrap();
        assert!((c.value - 500.0 / 6.0).abs() < 1e-9);
        assert!((c.threshold - 90.0).abs() < 1e-9);
        assert_eq!(judge(&r, &f(570.0)), None, "at risk is not off track");
    }

    #[test]
    fn missing_reports_only_after_the_deadline() {
        let u = |code: &str, on_time, due_passed| UnitReport {
            code: code.into(),
            name: code.into(),
            on_time,
            due_passed,
        };
        let units = [
            u("40", true, true),
            u("42", false, true),
            u("44", false, true),
        ];
        let m: Vec<&str> = missed(&units).iter().map(|u| u.code.as_str()).collect();
        assert_eq!(m, ["42", "44"]);
        assert!(missed(&[u("40", false, false)]).is_empty());
    }

    #[test]
    fn recipients_are_checked_and_deduplicated() {
        assert_eq!(
            parse_recipients("a@b.vn, c@d.gov.vn;a@b.vn\nE@f.vn").unwrap(),
            ["a@b.vn", "c@d.gov.vn", "E@f.vn"]
        );
        assert_eq!(parse_recipients("").unwrap(), Vec::<String>::new());
        assert_eq!(
            parse_recipients("a@b.vn x@y"),
            Err(RuleError::RecipientInvalid("x@y".into()))
        );
        assert!(parse_recipients("<a@b.vn>").is_err());
        let many: Vec<String> = (0..21).map(|i| format!("u{i}@b.vn")).collect();
        assert_eq!(
            parse_recipients(&many.join(",")),
            Err(RuleError::TooManyRecipients)
        );
    }

    #[test]
    fn a_rule_has_what_its_kind_needs() {
        assert_eq!(
            check_rule(Kind::Above, None, None, Some(1.0)),
            Err(RuleError::IndicatorMissing)
        );
        assert_eq!(
            check_rule(Kind::ReportMissing, Some("X"), None, None),
            Err(RuleError::TemplateMissing)
        );
        assert_eq!(
            check_rule(Kind::Below, Some("X"), None, None),
            Err(RuleError::ThresholdMissing)
        );
        assert_eq!(
            check_rule(Kind::YoyChange, Some("X"), None, Some(-5.0)),
            Err(RuleError::PercentInvalid)
        );
        assert!(check_rule(Kind::OffTarget, Some("X"), None, None).is_ok());
        assert_eq!(dedupe_key(3, "CPI", "202610"), "rule:3:CPI:202610");
    }

    #[test]
    fn a_site_alert_names_the_site_its_time_and_finding() {
        let d = serde_json::json!({"name": "Cửa khẩu Hữu Nghị", "code": "CAM-CK-01",
            "at": 1_796_226_649_000_i64, "finding": "stale:41000:2"});
        assert_eq!(
            describe(Kind::SiteDown, None, None, &d, "", Lang::Vi),
            "Cửa khẩu Hữu Nghị (CAM-CK-01) mất tín hiệu lúc 2026-12-02 22:50: đoạn video mới nhất đã cũ 41,0 giây > 3 × 2 giây"
        );
        assert_eq!(
            describe(Kind::SiteUp, None, None, &d, "", Lang::En),
            "Cửa khẩu Hữu Nghị (CAM-CK-01) came back up at 2026-12-02 22:50"
        );
        let f = Finding {
            rule_id: None,
            kind: Kind::SiteDown,
            subject: "CAM-CK-01".into(),
            period: "1796226649000".into(),
            value: None,
            threshold: None,
            detail: d,
        };
        assert_eq!(f.dedupe_key(), "site:site_down:CAM-CK-01:1796226649000");
        let (subject, body) = email(&f, "", "");
        assert!(subject.contains("CAM-CK-01"), "{subject}");
        assert!(body.contains("went down at"), "{body}");
    }

    #[test]
    fn numbers_are_shown_as_given_and_alerts_say_what_crossed() {
        assert_eq!(exact(1000.55, Lang::Vi), "1.000,55");
        assert_eq!(exact(1000.0, Lang::En), "1,000");
        let d = serde_json::json!({"name_vi": "Bán lẻ", "name_en": "Retail", "unit_vi": "tỷ đồng", "unit_en": "bn VND"});
        assert_eq!(
            describe(
                Kind::Above,
                Some(3000.5),
                Some(1000.0),
                &d,
                "10/2026",
                Lang::Vi
            ),
            "Bán lẻ (10/2026): 3.000,5 tỷ đồng, trên ngưỡng 1.000"
        );
        assert_eq!(
            describe(
                Kind::YoyChange,
                Some(-15.0),
                Some(10.0),
                &d,
                "10/2026",
                Lang::En
            ),
            "Retail (10/2026): -15.0 % on the same period last year, beyond ±10 %"
        );
        let r = serde_json::json!({"template_vi": "Báo cáo tháng", "template_en": "Monthly report",
            "deadline": "2026-11-20", "expected": 34});
        assert_eq!(
            describe(
                Kind::ReportMissing,
                Some(3.0),
                None,
                &r,
                "Tháng 10/2026",
                Lang::Vi
            ),
            "Báo cáo tháng (Tháng 10/2026): 3/34 đơn vị chưa gửi báo cáo đúng hạn (20/11/2026)"
        );
    }
}
