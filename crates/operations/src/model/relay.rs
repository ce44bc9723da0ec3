//! The camera relay's rules, without I/O. Browsers never fetch a camera directly: egov relays its
//! HLS stream at `/operations/sites/{id}/hls/…`, so cameras on the agencies' networks need no
//! CORS, their addresses (and any token in them) stay on the server, only signed-in officials
//! see them, and the pages keep a `'self'`-only content security policy.
//!
//! A camera's URL is its playlist, e.g. `http://cam.example/live/index.m3u8?k=1`. Its *base* is
//! that URL up to the last `/` (`http://cam.example/live/`); the relay serves the playlist under
//! its file name and anything below the base by its path from the base. Every URI in a relayed
//! playlist is rewritten to the relay's path; a URI outside the base is refused, so the relay
//! never becomes an open proxy.

use url::Url;

/// Longest relayed path, in bytes.
pub const MAX_PATH: usize = 512;
/// Most path segments.
pub const MAX_SEGMENTS: usize = 8;
/// Largest playlist relayed (bytes).
pub const MAX_PLAYLIST: usize = 1 << 20;
/// Largest media segment relayed (bytes).
pub const MAX_SEGMENT: usize = 32 << 20;

/// Why a relay request or a playlist is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RelayError {
    /// The requested path is not a plain relative path below the base.
    BadPath,
    /// The camera's URL cannot be parsed.
    BadSiteUrl,
    /// A playlist names a URI outside the camera's base (the URI, shortened).
    OutsideBase(String),
}

/// Where a camera's stream lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upstream {
    /// The playlist's URL exactly as registered.
    pub playlist: Url,
    /// Up to and including the last `/` of its path, without query.
    pub base: Url,
    /// The playlist's file name (the relay's entry path).
    pub entry: String,
}

impl Upstream {
    pub fn of(site_url: &str) -> Result<Upstream, RelayError> {
        let playlist = Url::parse(site_url).map_err(|_| RelayError::BadSiteUrl)?;
        if !matches!(playlist.scheme(), "http" | "https") || playlist.host().is_none() {
            return Err(RelayError::BadSiteUrl);
        }
        let mut base = playlist.clone();
        base.set_query(None);
        base.set_fragment(None);
        let path = base.path().to_owned();
        let cut = path.rfind('/').map_or(0, |i| i + 1);
        let entry = path[cut..].to_owned();
        if entry.is_empty() {
            return Err(RelayError::BadSiteUrl);
        }
        base.set_path(&path[..cut]);
        Ok(Upstream {
            playlist,
            base,
            entry,
        })
    }

    /// The upstream URL of a relayed `path` (already checked) with its `query`: the entry is
    /// the playlist as registered (with its own query when the request has none).
    pub fn url_of(&self, path: &str, query: Option<&str>) -> Result<Url, RelayError> {
        check_path(path)?;
        if path == self.entry && query.is_none() {
            return Ok(self.playlist.clone());
        }
        let mut url = self.base.join(path).map_err(|_| RelayError::BadPath)?;
        if !url.as_str().starts_with(self.base.as_str()) {
            return Err(RelayError::BadPath);
        }
        url.set_query(query);
        Ok(url)
    }
}

/// A relayed path: 1 to [`MAX_SEGMENTS`] segments of letters, digits, `.`, `_`, `-`, none of them
/// `.` or `..`, at most [`MAX_PATH`] bytes.
pub fn check_path(path: &str) -> Result<(), RelayError> {
    if path.is_empty() || path.len() > MAX_PATH {
        return Err(RelayError::BadPath);
    }
    let segments: Vec<&str> = path.split('/').collect();
    if segments.len() > MAX_SEGMENTS {
        return Err(RelayError::BadPath);
    }
    for s in segments {
        if s.is_empty()
            || s == "."
            || s == ".."
            || !s
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        {
            return Err(RelayError::BadPath);
        }
    }
    Ok(())
}

/// A query string passed on to the camera: printable ASCII without spaces, bounded.
pub fn check_query(query: &str) -> Result<(), RelayError> {
    if query.len() > MAX_PATH || !query.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(RelayError::BadPath);
    }
    Ok(())
}

/// Rewrite a playlist fetched from `from` so that every URI in it (segment and variant lines,
/// `URI="…"` attributes) points at the relay (`prefix` ends with `/`, e.g.
/// `/operations/sites/7/hls/`). A URI outside `up.base` refuses the whole playlist.
pub fn rewrite_playlist(
    text: &str,
    from: &Url,
    up: &Upstream,
    prefix: &str,
) -> Result<String, RelayError> {
    let relay = |uri: &str| -> Result<String, RelayError> {
        let abs = from
            .join(uri.trim())
            .map_err(|_| RelayError::OutsideBase(short(uri)))?;
        let mut bare = abs.clone();
        bare.set_query(None);
        bare.set_fragment(None);
        let rest = bare
            .as_str()
            .strip_prefix(up.base.as_str())
            .ok_or_else(|| RelayError::OutsideBase(short(uri)))?;
        check_path(rest).map_err(|_| RelayError::OutsideBase(short(uri)))?;
        Ok(match abs.query() {
            Some(q) => format!("{prefix}{rest}?{q}"),
            None => format!("{prefix}{rest}"),
        })
    };
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    for line in text.lines() {
        if line.starts_with('#') {
            out.push_str(&rewrite_attributes(line, &relay)?);
        } else if line.trim().is_empty() {
            out.push_str(line);
        } else {
            out.push_str(&relay(line)?);
        }
        out.push('\n');
    }
    Ok(out)
}

/// A tag line with every `URI="…"` attribute relayed.
fn rewrite_attributes(
    line: &str,
    relay: &impl Fn(&str) -> Result<String, RelayError>,
) -> Result<String, RelayError> {
    const KEY: &str = "URI=\"";
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(at) = rest.find(KEY) {
        let start = at + KEY.len();
        out.push_str(&rest[..start]);
        let Some(len) = rest[start..].find('"') else {
            out.push_str(&rest[start..]);
            return Ok(out);
        };
        out.push_str(&relay(&rest[start..start + len])?);
        rest = &rest[start + len..];
    }
    out.push_str(rest);
    Ok(out)
}

fn short(s: &str) -> String {
    s.chars().take(80).collect()
}

/// The content type the relay answers with for an upstream `content_type` and `path`: HLS and
/// media types pass, anything else is sent as opaque bytes (never HTML a browser would render).
pub fn content_type(upstream: Option<&str>, path: &str) -> &'static str {
    let t = upstream
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match t.as_str() {
        "application/vnd.apple.mpegurl" | "application/x-mpegurl" | "audio/mpegurl" => {
            "application/vnd.apple.mpegurl"
        }
        "video/mp2t" => "video/mp2t",
        "video/mp4" | "video/iso.segment" => "video/mp4",
        "audio/mp4" => "audio/mp4",
        "audio/aac" => "audio/aac",
        _ if is_playlist(path) => "application/vnd.apple.mpegurl",
        _ if path.ends_with(".ts") => "video/mp2t",
        _ if path.ends_with(".m4s") || path.ends_with(".mp4") => "video/mp4",
        _ => "application/octet-stream",
    }
}

/// Is this path a playlist (by its name)?
pub fn is_playlist(path: &str) -> bool {
    path.ends_with(".m3u8") || path.ends_with(".m3u")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn up() -> Upstream {
        Upstream::of("http://cam.example:8080/live/index.m3u8?k=1").unwrap()
    }

    #[test]
    fn the_entry_is_the_playlist_as_registered_and_the_rest_is_below_the_base() {
        let u = up();
        assert_eq!(u.entry, "index.m3u8");
        assert_eq!(u.base.as_str(), "http://cam.example:8080/live/");
        assert_eq!(
            u.url_of("index.m3u8", None).unwrap().as_str(),
            "http://cam.example:8080/live/index.m3u8?k=1"
        );
        assert_eq!(
            u.url_of("hd/seg7.ts", Some("t=2")).unwrap().as_str(),
            "http://cam.example:8080/live/hd/seg7.ts?t=2"
        );
    }

    #[test]
    fn paths_leaving_the_base_are_refused() {
        let u = up();
        for bad in [
            "",
            "../x.ts",
            "a/../../x",
            "./x",
            "/etc/passwd",
            "a//b",
            "a\\b",
            "%2e%2e/x",
            "a b",
            "x?y",
        ] {
            assert_eq!(u.url_of(bad, None), Err(RelayError::BadPath), "{bad:?}");
        }
    }

    #[test]
    fn a_playlist_is_rewritten_to_the_relay_and_refused_when_it_points_away() {
        let u = up();
        let from = u.playlist.clone();
        let text = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MAP:URI=\"init.mp4\"\n\
                    #EXTINF:2.0,\nseg1.ts\n#EXTINF:2.0,\nhttp://cam.example:8080/live/seg2.ts?t=9\n";
        let out = rewrite_playlist(text, &from, &u, "/operations/sites/7/hls/").unwrap();
        assert!(out.contains("#EXT-X-MAP:URI=\"/operations/sites/7/hls/init.mp4\""));
        assert!(out.contains("\n/operations/sites/7/hls/seg1.ts\n"));
        assert!(out.contains("\n/operations/sites/7/hls/seg2.ts?t=9\n"));
        for away in [
            "http://evil.example/x.ts",
            "../other/x.ts",
            "//cam.example:8080/x.ts",
        ] {
            let t = format!("#EXTM3U\n#EXTINF:2,\n{away}\n");
            assert!(matches!(
                rewrite_playlist(&t, &from, &u, "/p/"),
                Err(RelayError::OutsideBase(_))
            ));
        }
    }

    #[test]
    fn only_media_types_pass() {
        assert_eq!(
            content_type(Some("text/html"), "x"),
            "application/octet-stream"
        );
        assert_eq!(
            content_type(Some("text/html"), "a.m3u8"),
            "application/vnd.apple.mpegurl"
        );
        assert_eq!(content_type(Some("video/MP2T; x=1"), "a"), "video/mp2t");
        assert_eq!(content_type(None, "a.ts"), "video/mp2t");
    }

    proptest! {
        #[test]
        fn whatever_the_path_an_accepted_one_stays_below_the_base(path in "[a-z./%-]{0,40}") {
            let u = up();
            if let Ok(url) = u.url_of(&path, None) {
                prop_assert!(url.as_str().starts_with(u.base.as_str()));
            }
        }

        #[test]
        fn rewriting_never_panics_and_every_uri_line_points_at_the_relay(text in "[\\PC\n]{0,300}") {
            let u = up();
            if let Ok(out) = rewrite_playlist(&text, &u.playlist, &u, "/r/") {
                for line in out.lines() {
                    prop_assert!(line.is_empty() || line.trim().is_empty() || line.starts_with('#') || line.starts_with("/r/"));
                }
            }
        }
    }
}
