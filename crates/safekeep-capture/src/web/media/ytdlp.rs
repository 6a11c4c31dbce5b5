//! Keeping a page's videos with yt-dlp (PyPI `yt-dlp`), when it is installed: it knows
//! how hundreds of sites deliver video, and writes the site's own description of each
//! (`.info.json`: uploader, title, upload date, view count).
//!
//! It runs with no configuration file, no cookies and no cache, and prints every request
//! it makes (`--print-traffic`); that output is sealed as `yt-dlp.log`, the request log of
//! this part of the capture. It writes into a private temporary folder (in the
//! per-user runtime folder when there is one, which is memory on most Linux systems),
//! read into the item and removed.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use safekeep_core::vault::CapturedFile;
use sha2::{Digest, Sha256};
use url::Url;

use super::{KeptVideo, MAX_VIDEOS, NotKept};

/// `yt-dlp` (`yt-dlp.exe` on Windows) on the PATH, or the program named by
/// `SAFEKEEP_YTDLP`. The error says how to install it.
pub fn program() -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os("SAFEKEEP_YTDLP").map(PathBuf::from) {
        return if p.is_file() {
            Ok(p)
        } else {
            Err(format!(
                "SAFEKEEP_YTDLP names {}, which does not exist",
                p.display()
            ))
        };
    }
    let name = if cfg!(windows) { "yt-dlp.exe" } else { "yt-dlp" };
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .ok_or_else(|| {
            "yt-dlp is not installed (install it with `pipx install yt-dlp` to keep videos from more sites, with each site's own details)".to_owned()
        })
}

/// What yt-dlp kept.
#[derive(Debug)]
pub struct Download {
    /// Videos, their `.info.json` files, and `yt-dlp.log`.
    pub files: Vec<CapturedFile>,
    /// One entry per video.
    pub kept: Vec<KeptVideo>,
    /// Videos yt-dlp wrote that went over what one capture may keep.
    pub not_kept: Vec<NotKept>,
    /// `yt-dlp --version`.
    pub version: String,
    /// Every host yt-dlp sent a request to, from its traffic log.
    pub hosts: Vec<String>,
}

/// Runs yt-dlp on `page` (at most [`MAX_VIDEOS`] videos, each at most `max_bytes`),
/// giving up after `timeout`. `Err` says why, in words, for the person.
pub fn download(
    program: &Path,
    page: &Url,
    max_bytes: u64,
    timeout: Duration,
    ffmpeg: Option<&Path>,
) -> Result<Download, String> {
    let version = run(Command::new(program).arg("--version"), Duration::from_secs(20))
        .ok()
        .filter(|o| o.ok)
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .ok_or_else(|| format!("yt-dlp ({}) did not start", program.display()))?;
    let folder = private_folder()?;
    let mut cmd = Command::new(program);
    cmd.args([
        "--no-config",
        "--no-cache-dir",
        "--no-progress",
        "--no-color",
        "--print-traffic",
        "--write-info-json",
        "--no-write-comments",
        "--no-part",
        "--no-mtime",
        "--socket-timeout",
        "30",
    ])
    .arg("--playlist-items")
    .arg(format!("1:{MAX_VIDEOS}"))
    .arg("--max-filesize")
    .arg(max_bytes.to_string())
    .arg("-P")
    .arg(folder.path())
    .args(["-o", "video-%(playlist_index|1)s.%(ext)s"]);
    if let Some(f) = ffmpeg {
        cmd.arg("--ffmpeg-location").arg(f);
    }
    cmd.arg("--").arg(page.as_str());
    let command_line = format!("{cmd:?}");
    let out = run(&mut cmd, timeout)?;
    // The log holds every request yt-dlp made and every header it got (`--print-traffic`):
    // login secrets go by the same rule as the WARC's.
    let log = crate::web::redact::text(
        &log_text(&version, &command_line, &out),
        &mut crate::web::redact::Removed::default(),
    );
    let hosts = hosts(&out.stdout);
    if out.timed_out {
        return Err(format!(
            "yt-dlp did not finish within {} minutes",
            timeout.as_secs() / 60
        ));
    }
    if !out.ok {
        return Err(format!("yt-dlp could not keep them: {}", last_error(&out.stderr)));
    }
    let mut names: Vec<PathBuf> = std::fs::read_dir(folder.path())
        .map_err(|e| format!("yt-dlp's folder could not be read ({e})"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    names.sort();
    let mut files = Vec::new();
    let mut kept = Vec::new();
    let mut not_kept = Vec::new();
    // What all the videos together may take: the same cap as Safekeep's own fetcher.
    let mut left = max_bytes;
    for path in names {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let size = path.metadata().map(|m| m.len()).unwrap_or(0);
        if name.ends_with(".info.json") {
            if size <= 16 << 20 {
                let bytes = std::fs::read(&path).map_err(|e| format!("{name} could not be read ({e})"))?;
                // yt-dlp's description holds the addresses it used (signed, perhaps with
                // a token) and the cookies it held: the same rule as every record.
                let Ok(mut info) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
                    continue;
                };
                crate::web::redact::program_json(&mut info);
                let bytes = info.to_string().into_bytes();
                files.push(crate::web::captured_file(
                    "media_info",
                    &name,
                    "application/json",
                    bytes,
                ));
            }
            continue;
        }
        let media_type = mime_guess::from_path(&path)
            .first()
            .map(|m| m.essence_str().to_owned())
            .filter(|m| m.starts_with("video/") || m.starts_with("audio/"));
        let Some(media_type) = media_type else { continue };
        let info = info_of(folder.path(), &name);
        let source = info
            .as_ref()
            .and_then(|i| i["url"].as_str().or(i["webpage_url"].as_str()))
            .unwrap_or(page.as_str())
            .to_owned();
        if size > left {
            not_kept.push(NotKept {
                url: source,
                reason: format!(
                    "the videos are larger than the {} MiB limit for one capture (raise it with --max-body-mib, or record the screen)",
                    max_bytes >> 20
                ),
            });
            continue;
        }
        left -= size;
        let bytes = std::fs::read(&path).map_err(|e| format!("{name} could not be read ({e})"))?;
        kept.push(KeptVideo {
            url: source,
            file: name.clone(),
            bytes: bytes.len() as u64,
            sha256: hex::encode(Sha256::digest(&bytes)),
            via: "yt-dlp",
            segments: None,
            duration_ms: info
                .as_ref()
                .and_then(|i| i["duration"].as_f64())
                .map(|d| (d * 1000.0).round() as u64),
            live: false,
        });
        files.push(crate::web::captured_file("media", &name, &media_type, bytes));
    }
    if kept.is_empty() && not_kept.is_empty() {
        return Err(format!("yt-dlp kept no video: {}", last_error(&out.stderr)));
    }
    files.push(crate::web::captured_file(
        "media_log",
        "yt-dlp.log",
        "text/plain; charset=utf-8",
        log.into_bytes(),
    ));
    Ok(Download {
        files,
        kept,
        not_kept,
        version,
        hosts,
    })
}

/// The `.info.json` yt-dlp wrote beside `video-1.mp4`.
fn info_of(folder: &Path, video: &str) -> Option<serde_json::Value> {
    let stem = video.rsplit_once('.').map_or(video, |(s, _)| s);
    let bytes = std::fs::read(folder.join(format!("{stem}.info.json"))).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// A folder only this user can read: the runtime folder (memory) when there is one.
fn private_folder() -> Result<safekeep_core::run_folder::RunFolder, String> {
    safekeep_core::run_folder::RunFolder::new("media")
        .map_err(|e| format!("a private folder for yt-dlp could not be made ({e})"))
}

/// The sealed log: version, command line, then everything yt-dlp printed.
fn log_text(version: &str, command: &str, out: &Output) -> String {
    format!(
        "yt-dlp {version}\ncommand: {command}\nexit: {}\n\n--- standard output (with --print-traffic: every request and response head) ---\n{}\n--- standard error ---\n{}",
        if out.timed_out {
            "stopped: took too long".to_owned()
        } else {
            out.code.clone()
        },
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The hosts named by `Host:` in the requests yt-dlp printed, each once.
fn hosts(traffic: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(traffic);
    let mut hosts: Vec<String> = Vec::new();
    for line in text.lines().filter(|l| l.starts_with("send: ")) {
        let host = line
            .split("\\r\\n")
            .find_map(|h| h.strip_prefix("Host: "))
            .map(str::to_owned);
        if let Some(h) = host
            && !hosts.contains(&h)
        {
            hosts.push(h);
        }
    }
    hosts
}

/// yt-dlp's last `ERROR:` line, or its last line.
fn last_error(stderr: &[u8]) -> String {
    let text = crate::web::redact::text(
        &String::from_utf8_lossy(stderr),
        &mut crate::web::redact::Removed::default(),
    );
    let line = text
        .lines()
        .rev()
        .find(|l| l.starts_with("ERROR:"))
        .or_else(|| text.lines().rev().find(|l| !l.trim().is_empty()))
        .unwrap_or("it gave no reason");
    line.trim_start_matches("ERROR:")
        .trim()
        .trim_end_matches('.')
        .chars()
        .take(300)
        .collect()
}

#[derive(Debug)]
struct Output {
    ok: bool,
    code: String,
    timed_out: bool,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

/// Runs `cmd` with its output collected, killing it after `timeout`.
fn run(cmd: &mut Command, timeout: Duration) -> Result<Output, String> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = crate::process::spawn(std::mem::replace(cmd, Command::new(".")))
        .map_err(|e| format!("yt-dlp could not be started ({e})"))?;
    let drain = |r: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut r) = r {
                let _ = r.read_to_end(&mut buf);
            }
            buf
        })
    };
    let stdout = drain(child.stdout.take().map(|s| Box::new(s) as Box<dyn Read + Send>));
    let stderr = drain(child.stderr.take().map(|s| Box::new(s) as Box<dyn Read + Send>));
    let began = Instant::now();
    let mut timed_out = false;
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break Some(s),
            Ok(None) if began.elapsed() > timeout => {
                timed_out = true;
                let _ = child.kill();
                break child.wait().ok();
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            Err(_) => break None,
        }
    };
    crate::process::forget(child.id());
    Ok(Output {
        ok: !timed_out && status.is_some_and(|s| s.success()),
        code: status.map_or_else(|| "unknown".into(), |s| s.to_string()),
        timed_out,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_come_from_the_printed_requests() {
        let traffic = b"[generic] Extracting URL\nsend: b'GET /p HTTP/1.1\\r\\nHost: 127.0.0.1:8765\\r\\nUser-Agent: x\\r\\n\\r\\n'\nreply: 'HTTP/1.0 200 OK\\r\\n'\nsend: b'GET /clip.mp4 HTTP/1.1\\r\\nHost: 127.0.0.1:8765\\r\\n\\r\\n'\nsend: b'GET /v HTTP/1.1\\r\\nHost: cdn.example.net\\r\\n\\r\\n'\n";
        assert_eq!(hosts(traffic), vec!["127.0.0.1:8765", "cdn.example.net"]);
        assert_eq!(
            last_error(b"WARNING: a\nERROR: [generic] Unsupported URL: x\n"),
            "[generic] Unsupported URL: x"
        );
    }
}
