//! A site's health as the probe judges it, without I/O: whether a camera's stream is live (its
//! playlist answers, is live, and its newest segment is younger than three target durations),
//! whether a conference point answers, and what was found, said in Vietnamese or English.
//!
//! A finding is stored as a short code with its figures (`stale:41000:2`, `http:404`), so the
//! status board says it in the reader's language.

use platform::i18n::{Lang, t, t_args};
use reporting::model::format::format_number;

use crate::model::hls::{HlsError, MediaPlaylist};
use crate::model::site::SiteState;

/// A camera is down when its newest segment is older than this many target durations.
pub const STALE_AFTER_TARGETS: u64 = 3;

/// What the probe found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// A live stream; its newest segment's age (ms).
    Live {
        age_ms: i64,
    },
    /// A conference point answered with this status (below 500).
    Answered(u16),
    /// An answer with this status where 200 (or below 500) was needed.
    Http(u16),
    /// No answer within this many ms.
    Timeout(u64),
    Refused,
    /// The connection (or TLS) failed for another reason.
    Connect,
    /// The answer was larger than this many bytes.
    TooLarge(usize),
    /// The HTTP exchange broke off.
    Protocol,
    InvalidUrl,
    /// The playlist does not read.
    Playlist(HlsError),
    /// A master playlist whose first variant is a master playlist again.
    NestedMaster,
    /// The playlist ends (EXT-X-ENDLIST): video on demand, not a live camera.
    NotLive,
    /// A live playlist with no segment yet.
    NoSegments,
    /// The newest segment is older than 3 × the target duration.
    Stale {
        age_ms: i64,
        target_s: u64,
    },
    /// Neither a Last-Modified on the newest segment nor a program date-time says its age.
    NoAge,
}

impl Finding {
    /// The stored form.
    pub fn encode(&self) -> String {
        match self {
            Finding::Live { age_ms } => format!("live:{age_ms}"),
            Finding::Answered(s) => format!("answered:{s}"),
            Finding::Http(s) => format!("http:{s}"),
            Finding::Timeout(ms) => format!("timeout:{ms}"),
            Finding::Refused => "refused".into(),
            Finding::Connect => "connect".into(),
            Finding::TooLarge(n) => format!("too_large:{n}"),
            Finding::Protocol => "protocol".into(),
            Finding::InvalidUrl => "invalid_url".into(),
            Finding::Playlist(e) => format!("hls:{}:{}", e.code(), e.line().unwrap_or(0)),
            Finding::NestedMaster => "nested_master".into(),
            Finding::NotLive => "not_live".into(),
            Finding::NoSegments => "no_segments".into(),
            Finding::Stale { age_ms, target_s } => format!("stale:{age_ms}:{target_s}"),
            Finding::NoAge => "no_age".into(),
        }
    }

    /// The stored form read back; None for text this version does not know.
    pub fn decode(s: &str) -> Option<Finding> {
        let mut parts = s.split(':');
        let code = parts.next()?;
        let a = parts.next();
        let b = parts.next();
        let num = |x: Option<&str>| x.and_then(|x| x.parse::<i64>().ok());
        Some(match code {
            "live" => Finding::Live { age_ms: num(a)? },
            "answered" => Finding::Answered(a?.parse().ok()?),
            "http" => Finding::Http(a?.parse().ok()?),
            "timeout" => Finding::Timeout(a?.parse().ok()?),
            "refused" => Finding::Refused,
            "connect" => Finding::Connect,
            "too_large" => Finding::TooLarge(a?.parse().ok()?),
            "protocol" => Finding::Protocol,
            "invalid_url" => Finding::InvalidUrl,
            "hls" => Finding::Playlist(HlsError::from_code(a?, b?.parse().ok()?)?),
            "nested_master" => Finding::NestedMaster,
            "not_live" => Finding::NotLive,
            "no_segments" => Finding::NoSegments,
            "stale" => Finding::Stale {
                age_ms: num(a)?,
                target_s: b?.parse().ok()?,
            },
            "no_age" => Finding::NoAge,
            _ => return None,
        })
    }

    /// The finding of a failed exchange.
    pub fn of_fetch(e: &platform::http_client::FetchError) -> Finding {
        use platform::http_client::FetchError as F;
        match e {
            F::InvalidUrl => Finding::InvalidUrl,
            F::Refused => Finding::Refused,
            F::Timeout(ms) => Finding::Timeout(u64::try_from(*ms).unwrap_or(u64::MAX)),
            F::Connect(_) => Finding::Connect,
            F::TooLarge(n) => Finding::TooLarge(*n),
            F::Protocol(_) => Finding::Protocol,
        }
    }

    /// What it says, in `lang`: "Đoạn video mới nhất đã 41,0 giây > 3 × 2 giây".
    pub fn describe(&self, lang: Lang) -> String {
        let secs = |ms: i64| format_number(ms as f64 / 1000.0, 1, lang);
        match self {
            Finding::Live { age_ms } => {
                t_args(lang, "ops_health.f_live", &[("age", secs(*age_ms))])
            }
            Finding::Answered(s) => {
                t_args(lang, "ops_health.f_answered", &[("status", s.to_string())])
            }
            Finding::Http(s) => t_args(lang, "ops_health.f_http", &[("status", s.to_string())]),
            Finding::Timeout(ms) => t_args(
                lang,
                "ops_health.f_timeout",
                &[("seconds", secs(*ms as i64))],
            ),
            Finding::Refused => t(lang, "ops_health.f_refused"),
            Finding::Connect => t(lang, "ops_health.f_connect"),
            Finding::TooLarge(n) => t_args(
                lang,
                "ops_health.f_too_large",
                &[("kib", format_number(*n as f64 / 1024.0, 0, lang))],
            ),
            Finding::Protocol => t(lang, "ops_health.f_protocol"),
            Finding::InvalidUrl => t(lang, "ops_health.f_invalid_url"),
            Finding::Playlist(e) => {
                let what = t_args(
                    lang,
                    &format!("ops_health.hls_{}", e.code()),
                    &[("line", e.line().unwrap_or(0).to_string())],
                );
                t_args(lang, "ops_health.f_playlist", &[("problem", what)])
            }
            Finding::NestedMaster => t(lang, "ops_health.f_nested_master"),
            Finding::NotLive => t(lang, "ops_health.f_not_live"),
            Finding::NoSegments => t(lang, "ops_health.f_no_segments"),
            Finding::Stale { age_ms, target_s } => t_args(
                lang,
                "ops_health.f_stale",
                &[
                    ("age", secs(*age_ms)),
                    ("times", STALE_AFTER_TARGETS.to_string()),
                    ("target", target_s.to_string()),
                ],
            ),
            Finding::NoAge => t(lang, "ops_health.f_no_age"),
        }
    }
}

/// A stored finding said in `lang` (text this version does not know is shown as stored).
pub fn describe_stored(stored: &str, lang: Lang) -> String {
    match Finding::decode(stored) {
        Some(f) => f.describe(lang),
        None => stored.to_owned(),
    }
}

/// Judge a camera's media playlist at `now_ms`: the newest segment's age from its Last-Modified
/// (`last_modified_ms`), else from the end of its program date-time. A clock ahead of ours
/// counts as age 0.
pub fn judge_stream(
    playlist: &MediaPlaylist,
    last_modified_ms: Option<i64>,
    now_ms: i64,
) -> (SiteState, Finding) {
    if playlist.ended {
        return (SiteState::Down, Finding::NotLive);
    }
    if playlist.segments.is_empty() {
        return (SiteState::Down, Finding::NoSegments);
    }
    let Some(at) = last_modified_ms.or_else(|| playlist.newest_end_ms()) else {
        return (SiteState::Down, Finding::NoAge);
    };
    let age_ms = (now_ms - at).max(0);
    let limit_ms =
        i64::try_from(STALE_AFTER_TARGETS * playlist.target_duration * 1000).unwrap_or(i64::MAX);
    if age_ms > limit_ms {
        (
            SiteState::Down,
            Finding::Stale {
                age_ms,
                target_s: playlist.target_duration,
            },
        )
    } else {
        (SiteState::Up, Finding::Live { age_ms })
    }
}

/// Judge a conference point's answer: any status below 500 means its system is there.
pub fn judge_answer(status: u16) -> (SiteState, Finding) {
    if status < 500 {
        (SiteState::Up, Finding::Answered(status))
    } else {
        (SiteState::Down, Finding::Http(status))
    }
}

/// An HTTP date (`Wed, 02 Dec 2026 15:30:00 GMT`, RFC 9110's preferred form) in ms.
pub fn http_date_ms(s: &str) -> Option<i64> {
    let fmt = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    let t = time::PrimitiveDateTime::parse(s.trim(), &fmt).ok()?;
    Some(t.assume_utc().unix_timestamp() * 1000)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::hls::{Playlist, parse};

    fn playlist(text: &str) -> MediaPlaylist {
        match parse(text.as_bytes()).unwrap() {
            Playlist::Media(m) => m,
            Playlist::Master(_) => unreachable!(),
        }
    }

    const LIVE: &str = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-PROGRAM-DATE-TIME:2026-12-02T08:00:00Z\n#EXTINF:2,\na.ts\n";

    #[test]
    fn a_fresh_segment_is_up_and_an_old_one_down_with_its_age() {
        let p = playlist(LIVE);
        let end = http_date_ms("Wed, 02 Dec 2026 08:00:02 GMT").unwrap();
        assert_eq!(
            judge_stream(&p, None, end + 6000),
            (SiteState::Up, Finding::Live { age_ms: 6000 })
        );
        let (state, f) = judge_stream(&p, None, end + 41_000);
        assert_eq!(state, SiteState::Down);
        assert_eq!(
            f,
            Finding::Stale {
                age_ms: 41_000,
                target_s: 2
            }
        );
        assert_eq!(f.describe(Lang::En), "newest segment 41.0 s old > 3 × 2 s");
        assert_eq!(
            f.describe(Lang::Vi),
            "đoạn video mới nhất đã cũ 41,0 giây > 3 × 2 giây"
        );
        // Last-Modified wins over the program date-time.
        assert_eq!(
            judge_stream(&p, Some(end + 40_000), end + 41_000).0,
            SiteState::Up
        );
        // A server clock ahead of ours is age 0.
        assert_eq!(
            judge_stream(&p, Some(end + 5000), end),
            (SiteState::Up, Finding::Live { age_ms: 0 })
        );
    }

    #[test]
    fn on_demand_empty_and_ageless_playlists_are_down() {
        let vod = playlist("#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\na.ts\n#EXT-X-ENDLIST\n");
        assert_eq!(
            judge_stream(&vod, Some(0), 0),
            (SiteState::Down, Finding::NotLive)
        );
        let empty = playlist("#EXTM3U\n#EXT-X-TARGETDURATION:2\n");
        assert_eq!(judge_stream(&empty, None, 0).1, Finding::NoSegments);
        let ageless = playlist("#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\na.ts\n");
        assert_eq!(judge_stream(&ageless, None, 0).1, Finding::NoAge);
    }

    #[test]
    fn conference_points_answer_below_500() {
        assert_eq!(judge_answer(200).0, SiteState::Up);
        assert_eq!(judge_answer(404).0, SiteState::Up);
        assert_eq!(judge_answer(503), (SiteState::Down, Finding::Http(503)));
    }

    #[test]
    fn findings_survive_storage_and_read_in_both_languages() {
        let all = [
            Finding::Live { age_ms: 1500 },
            Finding::Answered(302),
            Finding::Http(404),
            Finding::Timeout(5000),
            Finding::Refused,
            Finding::Connect,
            Finding::TooLarge(1 << 20),
            Finding::Protocol,
            Finding::InvalidUrl,
            Finding::Playlist(HlsError::ExtinfInvalid(7)),
            Finding::Playlist(HlsError::NoHeader),
            Finding::NestedMaster,
            Finding::NotLive,
            Finding::NoSegments,
            Finding::Stale {
                age_ms: 41_000,
                target_s: 2,
            },
            Finding::NoAge,
        ];
        for f in all {
            assert_eq!(Finding::decode(&f.encode()), Some(f.clone()));
            for lang in [Lang::Vi, Lang::En] {
                let s = f.describe(lang);
                assert!(
                    !s.is_empty() && !s.contains('{') && !s.contains("ops_health."),
                    "{s}"
                );
            }
        }
        assert_eq!(describe_stored("something old", Lang::En), "something old");
        assert_eq!(Finding::Http(404).describe(Lang::En), "HTTP 404");
        assert_eq!(
            Finding::Playlist(HlsError::ExtinfInvalid(7)).describe(Lang::En),
            "the playlist does not read: line 7: EXTINF has no valid duration"
        );
    }

    #[test]
    fn http_dates() {
        assert_eq!(
            http_date_ms("Wed, 02 Dec 2026 08:00:02 GMT"),
            crate::model::hls::date_time_ms("2026-12-02T08:00:02Z")
        );
        assert_eq!(http_date_ms("yesterday"), None);
    }
}
