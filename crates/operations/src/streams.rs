//! Synthetic camera streams (an adapter over the `ffmpeg` program): a test pattern encoded live
//! to HLS in a directory (H.264, so browsers play it through hls.js), and a read-only router
//! serving such directories. The demo runs a few of them as its cameras; the tests probe them.
//!
//! Nothing here is used by a production deployment: real cameras serve their own streams.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use axum::Router;
use axum::extract::Path as UrlPath;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

/// The playlist file each stream writes.
pub const PLAYLIST: &str = "index.m3u8";

/// Is `ffmpeg` on the PATH and runnable?
pub fn ffmpeg_available() -> bool {
    std::process::Command::new("ffmpeg")
        .arg("-version")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A running ffmpeg writing a live test-pattern HLS stream into a directory; killed when
/// stopped or dropped (the files stay, as a camera's server would keep its last playlist).
///
/// A process killed outright (SIGKILL) runs no destructor, and its ffmpeg would write forever:
/// a small `sh` watchdog checks every second that this process is alive and kills ffmpeg when
/// it is not. Stopping kills the watchdog first, so it never signals a reused process id.
#[derive(Debug)]
pub struct TestStream {
    dir: PathBuf,
    child: Option<tokio::process::Child>,
    watchdog: Option<tokio::process::Child>,
}

impl TestStream {
    /// Start ffmpeg: `label` is drawn on the picture; segments of `segment_s` seconds, six in the
    /// playlist, older ones deleted, each with its program date-time.
    pub fn start(dir: &Path, label: &str, segment_s: u32) -> std::io::Result<TestStream> {
        std::fs::create_dir_all(dir)?;
        let safe: String = label
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == ' ' || *c == '-')
            .collect();
        let rate = 10;
        let filter = format!(
            "testsrc2=size=320x180:rate={rate},drawtext=text='{safe}':x=8:y=8:fontsize=16:fontcolor=white:box=1:boxcolor=black@0.6"
        );
        let mut cmd = tokio::process::Command::new("ffmpeg");
        cmd.args([
            "-hide_banner",
            "-loglevel",
            "error",
            "-nostdin",
            "-re",
            "-f",
            "lavfi",
            "-i",
        ])
        .arg(if has_drawtext() {
            filter
        } else {
            format!("testsrc2=size=320x180:rate={rate}")
        })
        .args([
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-tune",
            "zerolatency",
            "-pix_fmt",
            "yuv420p",
            "-g",
        ])
        .arg((rate * segment_s).to_string())
        .args(["-f", "hls", "-hls_time"])
        .arg(segment_s.to_string())
        .args([
            "-hls_list_size",
            "6",
            "-hls_flags",
            "delete_segments+program_date_time+temp_file",
            "-hls_segment_filename",
        ])
        .arg(dir.join("seg%d.ts"))
        .arg(dir.join(PLAYLIST))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true);
        let child = cmd.spawn()?;
        let watchdog = child.id().and_then(|ff| {
            let script = format!(
                "while kill -0 {me} 2>/dev/null && kill -0 {ff} 2>/dev/null; do sleep 1; done; kill -9 {ff} 2>/dev/null",
                me = std::process::id()
            );
            tokio::process::Command::new("sh")
                .args(["-c", &script])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .ok()
        });
        Ok(TestStream {
            dir: dir.to_owned(),
            child: Some(child),
            watchdog,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Is ffmpeg still running?
    pub fn running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }

    /// Wait until the playlist lists a segment (at most `within`); false if it never did.
    pub async fn ready(&self, within: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if let Ok(text) = tokio::fs::read_to_string(self.dir.join(PLAYLIST)).await
                && text.contains("#EXTINF")
            {
                return true;
            }
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Stop ffmpeg (the camera goes dark) and wait for it to end.
    pub async fn stop(&mut self) {
        if let Some(mut w) = self.watchdog.take() {
            let _ = w.kill().await;
        }
        if let Some(mut c) = self.child.take() {
            let _ = c.kill().await;
        }
    }
}

impl Drop for TestStream {
    fn drop(&mut self) {
        if let Some(w) = self.watchdog.as_mut() {
            let _ = w.start_kill();
        }
        if let Some(c) = self.child.as_mut() {
            let _ = c.start_kill();
        }
    }
}

/// Does this ffmpeg have the drawtext filter (built with libfreetype)?
fn has_drawtext() -> bool {
    static HAS: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *HAS.get_or_init(|| {
        std::process::Command::new("ffmpeg")
            .args(["-hide_banner", "-h", "filter=drawtext"])
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output()
            .is_ok_and(|o| o.status.success() && !o.stdout.is_empty())
    })
}

/// A file or directory name the router serves: letters, digits, `-`, `_` and `.`, not starting
/// with a dot, at most 100 bytes (no path, no `..`, no hidden file).
pub fn safe_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 100
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

fn content_type(name: &str) -> Option<&'static str> {
    let ext = name.rsplit_once('.')?.1;
    Some(match ext {
        "m3u8" => "application/vnd.apple.mpegurl",
        "ts" => "video/mp2t",
        "m4s" => "video/iso.segment",
        "mp4" => "video/mp4",
        _ => return None,
    })
}

/// An HTTP date (RFC 9110 IMF-fixdate) of a file's modification time.
fn http_date(t: std::time::SystemTime) -> Option<String> {
    let t = time::OffsetDateTime::from(t);
    let f = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    t.to_offset(time::UtcOffset::UTC).format(&f).ok()
}

/// Where the demo serves its streams: `/demo/streams/{stream}/index.m3u8`.
pub const PATH_PREFIX: &str = "/demo/streams";

/// Serve the streams under `root` read-only: `GET /demo/streams/{stream}/{file}` for playlists and segments
/// (safe names and known types only, anything else 404), with Last-Modified and
/// `Cache-Control: no-cache` (a live playlist changes every segment). HEAD is answered too.
pub fn router<S: Clone + Send + Sync + 'static>(root: PathBuf) -> Router<S> {
    Router::new().route(
        "/demo/streams/{stream}/{file}",
        get(move |UrlPath((stream, file)): UrlPath<(String, String)>| {
            let root = root.clone();
            async move { serve_file(&root, &stream, &file).await }
        }),
    )
}

async fn serve_file(root: &Path, stream: &str, file: &str) -> Response {
    let (true, true, Some(ctype)) = (safe_name(stream), safe_name(file), content_type(file)) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let path = root.join(stream).join(file);
    let Ok(meta) = tokio::fs::metadata(&path).await else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if !meta.is_file() || meta.len() > 64 << 20 {
        return StatusCode::NOT_FOUND.into_response();
    }
    let Ok(body) = tokio::fs::read(&path).await else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Some(d) = meta.modified().ok().and_then(http_date)
        && let Ok(v) = HeaderValue::from_str(&d)
    {
        h.insert(header::LAST_MODIFIED, v);
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_names_are_served() {
        for ok in ["index.m3u8", "seg12.ts", "cam-01", "a_b.c"] {
            assert!(safe_name(ok), "{ok}");
        }
        for bad in [
            "",
            "..",
            ".hidden",
            "a/b",
            "a\\b",
            "%2e%2e",
            "a b",
            &"x".repeat(101),
        ] {
            assert!(!safe_name(bad), "{bad}");
        }
        assert_eq!(
            content_type("index.m3u8"),
            Some("application/vnd.apple.mpegurl")
        );
        assert_eq!(content_type("seg1.ts"), Some("video/mp2t"));
        assert_eq!(content_type("passwd"), None);
        assert_eq!(content_type("x.html"), None);
    }

    #[test]
    fn modification_times_are_http_dates() {
        let t = std::time::UNIX_EPOCH + Duration::from_secs(1_796_290_202);
        let d = http_date(t).unwrap();
        assert_eq!(
            crate::model::health::http_date_ms(&d),
            Some(1_796_290_202_000)
        );
    }
}
