//! HLS playlists (RFC 8216), read as far as the probe needs them: a media playlist's target
//! duration, media sequence, segments (duration, URI, program date-time) and end; a master
//! playlist's variants. Bounded (lines, line length, segments, variants) and strict where it
//! matters: every problem names its line. Anything a camera sends us is untrusted input.

use serde::Serialize;

/// Most lines read (a live playlist holds a few dozen).
pub const MAX_LINES: usize = 20_000;
/// Longest line, in bytes.
pub const MAX_LINE: usize = 4096;
/// Most segments kept.
pub const MAX_SEGMENTS: usize = 5_000;
/// Most variants of a master playlist.
pub const MAX_VARIANTS: usize = 100;
/// Largest target duration accepted, in seconds (an hour: anything longer is no live camera).
pub const MAX_TARGET_DURATION: u64 = 3600;

/// One media segment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Segment {
    /// EXTINF duration, in seconds.
    pub duration: f64,
    pub uri: String,
    /// When the segment starts (ms since the epoch), from EXT-X-PROGRAM-DATE-TIME on it or on
    /// an earlier segment plus the durations between.
    pub starts_at_ms: Option<i64>,
}

/// A media playlist.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MediaPlaylist {
    /// EXT-X-TARGETDURATION, in seconds.
    pub target_duration: u64,
    /// EXT-X-MEDIA-SEQUENCE (0 when absent).
    pub media_sequence: u64,
    pub segments: Vec<Segment>,
    /// EXT-X-ENDLIST: the playlist will not grow (video on demand, or a stream that ended).
    pub ended: bool,
}

/// One variant of a master playlist.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Variant {
    pub uri: String,
    pub bandwidth: Option<u64>,
}

/// A playlist.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Playlist {
    Media(MediaPlaylist),
    Master(Vec<Variant>),
}

/// Why a playlist does not read. Line numbers count from 1.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HlsError {
    #[error("not UTF-8 text")]
    NotText,
    #[error("no #EXTM3U header")]
    NoHeader,
    #[error("more than {MAX_LINES} lines")]
    TooManyLines,
    #[error("line {0} is longer than {MAX_LINE} bytes")]
    LineTooLong(usize),
    #[error("no EXT-X-TARGETDURATION")]
    TargetDurationMissing,
    #[error(
        "line {0}: EXT-X-TARGETDURATION is not a whole number of seconds from 1 to {MAX_TARGET_DURATION}"
    )]
    TargetDurationInvalid(usize),
    #[error("line {0}: EXT-X-MEDIA-SEQUENCE is not a whole number")]
    MediaSequenceInvalid(usize),
    #[error("line {0}: EXTINF has no valid duration")]
    ExtinfInvalid(usize),
    #[error("line {0}: EXTINF is not followed by a segment URI")]
    ExtinfWithoutUri(usize),
    #[error("line {0}: a URI with no EXTINF or EXT-X-STREAM-INF before it")]
    UriWithoutTag(usize),
    #[error("line {0}: EXT-X-PROGRAM-DATE-TIME is not a date-time")]
    DateTimeInvalid(usize),
    #[error("more than {MAX_SEGMENTS} segments")]
    TooManySegments,
    #[error("more than {MAX_VARIANTS} variants")]
    TooManyVariants,
    #[error("both segments and variants")]
    Mixed,
}

impl HlsError {
    /// A stable code (the locale key `ops_health.hls_<code>`).
    pub fn code(&self) -> &'static str {
        match self {
            HlsError::NotText => "not_text",
            HlsError::NoHeader => "no_header",
            HlsError::TooManyLines => "too_many_lines",
            HlsError::LineTooLong(_) => "line_too_long",
            HlsError::TargetDurationMissing => "target_missing",
            HlsError::TargetDurationInvalid(_) => "target_invalid",
            HlsError::MediaSequenceInvalid(_) => "sequence_invalid",
            HlsError::ExtinfInvalid(_) => "extinf_invalid",
            HlsError::ExtinfWithoutUri(_) => "extinf_without_uri",
            HlsError::UriWithoutTag(_) => "uri_without_tag",
            HlsError::DateTimeInvalid(_) => "date_time_invalid",
            HlsError::TooManySegments => "too_many_segments",
            HlsError::TooManyVariants => "too_many_variants",
            HlsError::Mixed => "mixed",
        }
    }

    /// The line it is about, if one.
    pub fn line(&self) -> Option<usize> {
        match self {
            HlsError::LineTooLong(l)
            | HlsError::TargetDurationInvalid(l)
            | HlsError::MediaSequenceInvalid(l)
            | HlsError::ExtinfInvalid(l)
            | HlsError::ExtinfWithoutUri(l)
            | HlsError::UriWithoutTag(l)
            | HlsError::DateTimeInvalid(l) => Some(*l),
            _ => None,
        }
    }

    /// The error of a code and line (the inverse of [`HlsError::code`] and [`HlsError::line`]).
    pub fn from_code(code: &str, line: usize) -> Option<HlsError> {
        Some(match code {
            "not_text" => HlsError::NotText,
            "no_header" => HlsError::NoHeader,
            "too_many_lines" => HlsError::TooManyLines,
            "line_too_long" => HlsError::LineTooLong(line),
            "target_missing" => HlsError::TargetDurationMissing,
            "target_invalid" => HlsError::TargetDurationInvalid(line),
            "sequence_invalid" => HlsError::MediaSequenceInvalid(line),
            "extinf_invalid" => HlsError::ExtinfInvalid(line),
            "extinf_without_uri" => HlsError::ExtinfWithoutUri(line),
            "uri_without_tag" => HlsError::UriWithoutTag(line),
            "date_time_invalid" => HlsError::DateTimeInvalid(line),
            "too_many_segments" => HlsError::TooManySegments,
            "too_many_variants" => HlsError::TooManyVariants,
            "mixed" => HlsError::Mixed,
            _ => return None,
        })
    }
}

/// A decimal-integer (RFC 8216 §4.2): digits only, no sign, at most 20 of them.
fn integer(s: &str) -> Option<u64> {
    if s.is_empty() || s.len() > 20 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Read a playlist.
pub fn parse(bytes: &[u8]) -> Result<Playlist, HlsError> {
    let text = std::str::from_utf8(bytes).map_err(|_| HlsError::NotText)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut header = false;
    let mut target: Option<u64> = None;
    let mut sequence = 0u64;
    let mut segments: Vec<Segment> = Vec::new();
    let mut variants: Vec<Variant> = Vec::new();
    let mut ended = false;
    // What the next URI line completes.
    let mut extinf: Option<(usize, f64)> = None;
    let mut stream_inf: Option<Option<u64>> = None;
    let mut date_time: Option<i64> = None;
    let mut clock: Option<i64> = None;
    for (i, raw) in text.split('\n').enumerate() {
        let n = i + 1;
        if n > MAX_LINES {
            return Err(HlsError::TooManyLines);
        }
        if raw.len() > MAX_LINE {
            return Err(HlsError::LineTooLong(n));
        }
        let line = raw.strip_suffix('\r').unwrap_or(raw).trim();
        if line.is_empty() {
            continue;
        }
        if !header {
            if line != "#EXTM3U" {
                return Err(HlsError::NoHeader);
            }
            header = true;
            continue;
        }
        if let Some(v) = line.strip_prefix("#EXT-X-TARGETDURATION:") {
            target = Some(
                integer(v.trim())
                    .filter(|t| (1..=MAX_TARGET_DURATION).contains(t))
                    .ok_or(HlsError::TargetDurationInvalid(n))?,
            );
        } else if let Some(v) = line.strip_prefix("#EXT-X-MEDIA-SEQUENCE:") {
            sequence = integer(v.trim()).ok_or(HlsError::MediaSequenceInvalid(n))?;
        } else if let Some(v) = line.strip_prefix("#EXTINF:") {
            if let Some((at, _)) = extinf {
                return Err(HlsError::ExtinfWithoutUri(at));
            }
            let d = v.split(',').next().unwrap_or("").trim();
            let d: f64 = d
                .parse()
                .ok()
                .filter(|d: &f64| d.is_finite() && *d >= 0.0 && *d <= 86_400.0)
                .filter(|_| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit() || b == b'.'))
                .ok_or(HlsError::ExtinfInvalid(n))?;
            extinf = Some((n, d));
        } else if let Some(v) = line.strip_prefix("#EXT-X-PROGRAM-DATE-TIME:") {
            date_time = Some(date_time_ms(v.trim()).ok_or(HlsError::DateTimeInvalid(n))?);
        } else if line == "#EXT-X-ENDLIST" {
            ended = true;
        } else if let Some(attrs) = line.strip_prefix("#EXT-X-STREAM-INF:") {
            stream_inf = Some(attribute(attrs, "BANDWIDTH").and_then(integer));
        } else if line.starts_with('#') {
            // Other tags and comments: not needed to judge a stream.
        } else if let Some(bandwidth) = stream_inf.take() {
            if variants.len() == MAX_VARIANTS {
                return Err(HlsError::TooManyVariants);
            }
            variants.push(Variant {
                uri: line.to_owned(),
                bandwidth,
            });
        } else if let Some((_, duration)) = extinf.take() {
            if segments.len() == MAX_SEGMENTS {
                return Err(HlsError::TooManySegments);
            }
            let starts_at_ms = date_time.take().or(clock);
            clock = starts_at_ms.map(|s| s.saturating_add((duration * 1000.0).round() as i64));
            segments.push(Segment {
                duration,
                uri: line.to_owned(),
                starts_at_ms,
            });
        } else {
            return Err(HlsError::UriWithoutTag(n));
        }
    }
    if !header {
        return Err(HlsError::NoHeader);
    }
    if let Some((at, _)) = extinf {
        return Err(HlsError::ExtinfWithoutUri(at));
    }
    if !variants.is_empty() {
        if !segments.is_empty() {
            return Err(HlsError::Mixed);
        }
        return Ok(Playlist::Master(variants));
    }
    Ok(Playlist::Media(MediaPlaylist {
        target_duration: target.ok_or(HlsError::TargetDurationMissing)?,
        media_sequence: sequence,
        segments,
        ended,
    }))
}

/// An attribute's value in an attribute list (`BANDWIDTH=1280000,CODECS="avc1"`); quoted
/// values are not needed here, so a quoted comma is not handled specially beyond skipping.
fn attribute<'a>(attrs: &'a str, name: &str) -> Option<&'a str> {
    attrs.split(',').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k.trim() == name).then_some(v.trim())
    })
}

/// An ISO 8601 date-time as HLS writes it (`2026-12-02T15:30:00.123+0700`, `…Z`, `…+07:00`)
/// in ms since the epoch.
pub fn date_time_ms(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 20 || !s.is_ascii() || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = s.get(r)?;
        t.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| t.parse().ok())?
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let mut rest = &s[19..];
    let mut millis = 0i64;
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 || digits > 9 {
            return None;
        }
        let f = &frac[..digits];
        let padded = format!("{f:0<3}");
        millis = padded[..3].parse().ok()?;
        rest = &frac[digits..];
    }
    let offset_s: i64 = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let o = rest[1..].replace(':', "");
            if o.len() != 4 || !o.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            let (h, m): (i64, i64) = (o[..2].parse().ok()?, o[2..].parse().ok()?);
            if h > 23 || m > 59 {
                return None;
            }
            sign * (h * 3600 + m * 60)
        }
    };
    let month = time::Month::try_from(u8::try_from(month).ok()?).ok()?;
    let date =
        time::Date::from_calendar_date(i32::try_from(year).ok()?, month, u8::try_from(day).ok()?)
            .ok()?;
    let t = time::Time::from_hms(
        u8::try_from(hour).ok()?,
        u8::try_from(minute).ok()?,
        u8::try_from(second).ok()?,
    )
    .ok()?;
    let utc = time::PrimitiveDateTime::new(date, t).assume_utc();
    Some((utc.unix_timestamp() - offset_s) * 1000 + millis)
}

/// A URI of a playlist (a segment, a variant) resolved against the playlist's own URL.
pub fn resolve(base: &str, uri: &str) -> Option<String> {
    let base = url::Url::parse(base).ok()?;
    let joined = base.join(uri).ok()?;
    matches!(joined.scheme(), "http" | "https").then(|| joined.to_string())
}

impl MediaPlaylist {
    /// The newest segment (the last one listed).
    pub fn newest(&self) -> Option<&Segment> {
        self.segments.last()
    }

    /// When the newest segment ends by its program date-time (ms), if it has one.
    pub fn newest_end_ms(&self) -> Option<i64> {
        let s = self.newest()?;
        Some(s.starts_at_ms? + (s.duration * 1000.0).round() as i64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const LIVE: &str = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:41\n\
#EXT-X-PROGRAM-DATE-TIME:2026-12-02T15:30:00.500+0000\n#EXTINF:2.000000,\ncam41.ts\n#EXTINF:1.5,\ncam42.ts\n";

    fn media(p: Playlist) -> MediaPlaylist {
        match p {
            Playlist::Media(m) => m,
            Playlist::Master(_) => panic!("a master playlist"),
        }
    }

    #[test]
    fn a_live_playlist_reads_with_its_clock() {
        let m = media(parse(LIVE.as_bytes()).unwrap());
        assert_eq!(
            (m.target_duration, m.media_sequence, m.ended),
            (2, 41, false)
        );
        assert_eq!(m.segments.len(), 2);
        let start = date_time_ms("2026-12-02T15:30:00.500Z").unwrap();
        assert_eq!(m.segments[0].starts_at_ms, Some(start));
        assert_eq!(m.segments[1].starts_at_ms, Some(start + 2000));
        assert_eq!(m.newest_end_ms(), Some(start + 3500));
        assert_eq!(m.newest().unwrap().uri, "cam42.ts");
    }

    #[test]
    fn date_times_in_every_form_hls_writers_use() {
        let z = date_time_ms("2026-12-02T08:30:00Z").unwrap();
        assert_eq!(date_time_ms("2026-12-02T15:30:00+07:00"), Some(z));
        assert_eq!(date_time_ms("2026-12-02T15:30:00.000+0700"), Some(z));
        assert_eq!(date_time_ms("2026-12-02T08:30:00.25Z"), Some(z + 250));
        for bad in [
            "2026-13-02T08:30:00Z",
            "2026-12-02 08:30:00Z",
            "2026-12-02T08:30:00",
            "x",
        ] {
            assert_eq!(date_time_ms(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_master_playlist_lists_its_variants() {
        let p = parse(b"#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360\nlow/index.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=2000000\nhigh/index.m3u8\n").unwrap();
        assert_eq!(
            p,
            Playlist::Master(vec![
                Variant {
                    uri: "low/index.m3u8".into(),
                    bandwidth: Some(800_000)
                },
                Variant {
                    uri: "high/index.m3u8".into(),
                    bandwidth: Some(2_000_000)
                },
            ])
        );
        assert_eq!(
            resolve("http://h:8/cam/master.m3u8?t=1", "low/index.m3u8").as_deref(),
            Some("http://h:8/cam/low/index.m3u8")
        );
        assert_eq!(
            resolve("http://h/a/b.m3u8", "/x.ts").as_deref(),
            Some("http://h/x.ts")
        );
        assert_eq!(resolve("http://h/a/b.m3u8", "javascript:x"), None);
    }

    #[test]
    fn every_error_names_its_line() {
        let cases: [(&str, HlsError); 9] = [
            ("", HlsError::NoHeader),
            ("<html>", HlsError::NoHeader),
            (
                "#EXTM3U\n#EXTINF:2,\na.ts\n",
                HlsError::TargetDurationMissing,
            ),
            (
                "#EXTM3U\n#EXT-X-TARGETDURATION:0\n",
                HlsError::TargetDurationInvalid(2),
            ),
            (
                "#EXTM3U\n#EXT-X-TARGETDURATION:-2\n",
                HlsError::TargetDurationInvalid(2),
            ),
            (
                "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:x\n",
                HlsError::MediaSequenceInvalid(3),
            ),
            (
                "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:abc,\na.ts\n",
                HlsError::ExtinfInvalid(3),
            ),
            (
                "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\n#EXTINF:2,\na.ts\n",
                HlsError::ExtinfWithoutUri(3),
            ),
            (
                "#EXTM3U\n#EXT-X-TARGETDURATION:2\na.ts\n",
                HlsError::UriWithoutTag(3),
            ),
        ];
        for (text, want) in cases {
            assert_eq!(parse(text.as_bytes()), Err(want.clone()), "{text:?}");
            assert_eq!(
                HlsError::from_code(want.code(), want.line().unwrap_or(0)),
                Some(want)
            );
        }
        assert_eq!(parse(&[0xff, 0xfe]), Err(HlsError::NotText));
        let long = format!("#EXTM3U\n#{}\n", "x".repeat(MAX_LINE));
        assert_eq!(parse(long.as_bytes()), Err(HlsError::LineTooLong(2)));
        let many = "#EXTM3U\n".to_owned() + &"#\n".repeat(MAX_LINES);
        assert_eq!(parse(many.as_bytes()), Err(HlsError::TooManyLines));
    }

    #[test]
    fn segments_are_bounded() {
        let mut s = "#EXTM3U\n#EXT-X-TARGETDURATION:1\n".to_owned();
        for i in 0..=MAX_SEGMENTS {
            s.push_str(&format!("#EXTINF:1,\n{i}.ts\n"));
        }
        assert_eq!(parse(s.as_bytes()), Err(HlsError::TooManySegments));
    }

    #[test]
    fn an_ended_playlist_says_so() {
        let m = media(parse(b"#EXTM3U\r\n#EXT-X-TARGETDURATION:10\r\n#EXTINF:9.9,\r\nv.ts\r\n#EXT-X-ENDLIST\r\n").unwrap());
        assert!(m.ended);
        assert_eq!(m.newest_end_ms(), None, "no program date-time");
    }

    proptest! {
        /// Whatever bytes a camera sends, the parser answers without panicking.
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2000)) {
            let _ = parse(&bytes);
        }

        /// Lines made of HLS's own pieces, in any order: an answer, never a panic.
        #[test]
        fn arbitrary_tag_soup_never_panics(lines in proptest::collection::vec(prop_oneof![
            Just("#EXTM3U".to_owned()),
            "#EXT-X-TARGETDURATION:[0-9-]{0,4}",
            "#EXT-X-MEDIA-SEQUENCE:[0-9a]{0,22}",
            "#EXTINF:[0-9.e+-]{0,8},.{0,5}",
            "#EXT-X-PROGRAM-DATE-TIME:[0-9TZ:.+-]{0,30}",
            Just("#EXT-X-ENDLIST".to_owned()),
            "#EXT-X-STREAM-INF:BANDWIDTH=[0-9]{0,25}",
            "[a-z0-9/.]{1,12}",
            ".{0,10}",
        ], 0..60)) {
            let _ = parse(lines.join("\n").as_bytes());
        }

        /// A playlist written from known segments reads back as them.
        #[test]
        fn written_playlists_read_back(
            target in 1u64..=60,
            sequence in 0u64..1_000_000_000,
            durations in proptest::collection::vec(0u32..60_000, 0..40),
            start in proptest::option::of(0i64..4_000_000_000_000),
            ended in any::<bool>(),
        ) {
            let mut text = format!("#EXTM3U\n#EXT-X-TARGETDURATION:{target}\n#EXT-X-MEDIA-SEQUENCE:{sequence}\n");
            if let Some(ms) = start {
                let t = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).unwrap();
                text.push_str(&format!(
                    "#EXT-X-PROGRAM-DATE-TIME:{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}+0000\n",
                    t.year(), u8::from(t.month()), t.day(), t.hour(), t.minute(), t.second(), t.millisecond()
                ));
            }
            for (i, d) in durations.iter().enumerate() {
                text.push_str(&format!("#EXTINF:{}.{:03},\nseg{i}.ts\n", d / 1000, d % 1000));
            }
            if ended {
                text.push_str("#EXT-X-ENDLIST\n");
            }
            let m = media(parse(text.as_bytes()).unwrap());
            prop_assert_eq!(m.target_duration, target);
            prop_assert_eq!(m.media_sequence, sequence);
            prop_assert_eq!(m.ended, ended);
            prop_assert_eq!(m.segments.len(), durations.len());
            let mut clock = start;
            for (s, d) in m.segments.iter().zip(&durations) {
                prop_assert!((s.duration - f64::from(*d) / 1000.0).abs() < 1e-9);
                prop_assert_eq!(s.starts_at_ms, clock);
                clock = clock.map(|c| c + i64::from(*d));
            }
            if !durations.is_empty() {
                prop_assert_eq!(m.newest_end_ms(), clock);
            }
        }
    }
}
