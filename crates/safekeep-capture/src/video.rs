//! Screen recording: FFmpeg records a monitor, every monitor or the area of one window to
//! MP4, and its output is streamed straight into the vault as it is written — hashed and
//! (in an encrypted vault) sealed on the way, so no plaintext copy ever lands on disk.
//! Specification: docs/capture.md § "Screen recording".
//!
//! Invariants:
//! - The MP4 is FFmpeg's bytes exactly; nothing re-encodes them. H.264 (libx264, CRF 18,
//!   "visually lossless"), yuv420p, constant frame rate, no audio. It is *fragmented* MP4
//!   (`empty_moov`, a fragment per keyframe): the only MP4 that can be written to a pipe,
//!   and one whose every complete fragment plays even if the end were lost.
//! - Only a recording FFmpeg finished cleanly (exit status 0, after `q` on its input or
//!   at `--duration`) is sealed; anything else is discarded with FFmpeg's own words.
//! - FFmpeg runs in a process group of its own, so a Ctrl-C in the terminal reaches
//!   Safekeep (which then stops FFmpeg properly), not FFmpeg directly.
//! - The platform seam is [`input_args`]: X11 `x11grab` here; Windows `gdigrab` and
//!   macOS `avfoundation` take the same place.

use safekeep_core::Coded;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use safekeep_core::Vault;
use safekeep_core::clock::utc_rfc3339;
use safekeep_core::item::{Context, ItemKind, ItemRecord};
use safekeep_core::vault::{CapturedFile, CapturedItem};
use serde_json::json;

use crate::screen::{self, Area, CaptureError, DisplayServer, Target};

/// Frames per second recorded.
pub const FRAME_RATE: u32 = 30;
/// Longest recording (a stream that never ends still stops here, and says so).
pub const MAX_DURATION: Duration = Duration::from_secs(4 * 60 * 60);
/// Largest recording kept, bytes; the recording stops there and says so.
pub const MAX_BYTES: u64 = 16 << 30;
/// How much of FFmpeg's log is kept for its error message and statistics.
const LOG_KEEP: usize = 64 << 10;

/// What to record.
#[derive(Debug, Clone)]
pub struct VideoRequest {
    /// The monitor(s) or window.
    pub target: Target,
    /// Stop after this long; `None` records until stopped (at most [`MAX_DURATION`]).
    pub duration: Option<Duration>,
    /// The FFmpeg program; `None` finds `ffmpeg` on the PATH.
    pub program: Option<PathBuf>,
    /// What the person said about it.
    pub context: Context,
}

/// Why a recording was not sealed. Nothing is stored in any of these cases.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VideoError {
    /// FFmpeg is not installed.
    #[error(
        "FFmpeg is needed to record the screen and was not found{0}. On Debian or Ubuntu: sudo apt install ffmpeg; on Windows, put ffmpeg.exe beside Safekeep or on the PATH. Nothing was recorded"
    )]
    NoFfmpeg(String),
    /// The request is unusable (a zero or absurd duration, a tiny area…).
    #[error("{0}. Nothing was recorded")]
    Input(String),
    /// This desktop cannot be recorded this way.
    #[error("{0}. Nothing was recorded")]
    Unsupported(String),
    /// Finding the monitor or window failed.
    #[error(transparent)]
    Screen(#[from] CaptureError),
    /// FFmpeg failed or stopped without finishing the file.
    #[error("the recording failed, so nothing was saved. FFmpeg said: {0}")]
    Failed(String),
    /// Writing into the vault failed.
    #[error(transparent)]
    Vault(#[from] safekeep_core::Error),
}

impl Coded for VideoError {
    /// A stable machine-readable code, for the UI.
    fn code(&self) -> &'static str {
        match self {
            Self::NoFfmpeg(_) => "no_ffmpeg",
            Self::Input(_) => "bad_input",
            Self::Unsupported(_) => "unsupported",
            Self::Screen(e) => e.code(),
            Self::Failed(_) => "recording_failed",
            Self::Vault(e) => e.code(),
        }
    }
}

/// The FFmpeg program: `given`, else the one `SAFEKEEP_FFMPEG` names, else `ffmpeg` on the PATH.
pub fn find_ffmpeg(given: Option<&Path>) -> Result<PathBuf, VideoError> {
    if let Some(p) = given {
        return if p.is_file() {
            Ok(p.to_path_buf())
        } else {
            Err(VideoError::NoFfmpeg(format!(" at {}", p.display())))
        };
    }
    safekeep_core::vpdq::ffmpeg_on_path().ok_or_else(|| VideoError::NoFfmpeg(String::new()))
}

/// The grabbing part of FFmpeg's command line for `area` on this platform.
fn input_args(area: &Area) -> Result<Vec<String>, VideoError> {
    let size = format!("{}x{}", area.width, area.height);
    let rate = FRAME_RATE.to_string();
    match screen::display_server() {
        DisplayServer::X11 if cfg!(target_os = "linux") => {
            let display = std::env::var("DISPLAY").unwrap_or_default();
            Ok(vec![
                "-f".into(),
                "x11grab".into(),
                "-framerate".into(),
                rate,
                "-video_size".into(),
                size,
                "-draw_mouse".into(),
                "1".into(),
                "-i".into(),
                format!("{display}+{},{}", area.x, area.y),
            ])
        }
        DisplayServer::Native if cfg!(windows) => Ok(vec![
            "-f".into(),
            "gdigrab".into(),
            "-framerate".into(),
            rate,
            "-offset_x".into(),
            area.x.to_string(),
            "-offset_y".into(),
            area.y.to_string(),
            "-video_size".into(),
            size,
            "-i".into(),
            "desktop".into(),
        ]),
        DisplayServer::Wayland => Err(VideoError::Unsupported(
            "recording the screen on a Wayland desktop is not supported yet. Log in with an \"X11\" or \"Xorg\" session (chosen on the login screen), or use your desktop's own screen recorder and add the file".into(),
        )),
        DisplayServer::None => Err(CaptureError::NoDisplay.into()),
        _ => Err(VideoError::Unsupported(
            "recording the screen is not supported on this system yet".into(),
        )),
    }
}

/// The whole FFmpeg command line (after the program): grab `area`, encode, write
/// fragmented MP4 to standard output, report progress on standard error.
pub fn command_args(area: &Area, duration: Option<Duration>) -> Result<Vec<String>, VideoError> {
    let mut args: Vec<String> = [
        "-hide_banner",
        "-loglevel",
        "error",
        "-nostats",
        "-progress",
        "pipe:2",
    ]
    .map(String::from)
    .to_vec();
    args.extend(input_args(area)?);
    if let Some(d) = duration {
        args.extend(["-t".into(), format!("{:.3}", d.as_secs_f64())]);
    }
    args.extend(
        [
            "-an",
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-crf",
            "18",
            "-pix_fmt",
            "yuv420p",
            "-fps_mode",
            "cfr",
            "-g",
            "60",
            "-movflags",
            "+frag_keyframe+empty_moov+default_base_moof",
            "-f",
            "mp4",
            "pipe:1",
        ]
        .map(String::from),
    );
    Ok(args)
}

/// Records until `duration`, `stop` or the caps, and seals the MP4 into `case_id`.
/// `recording` is called once FFmpeg has started (to show a stop control, say).
pub fn record_to_vault(
    vault: &mut Vault,
    case_id: &str,
    request: &VideoRequest,
    stop: &AtomicBool,
    recording: &mut dyn FnMut(),
) -> Result<ItemRecord, VideoError> {
    let case = vault.resolve_case(case_id)?;
    if let Some(d) = request.duration
        && (d < Duration::from_millis(500) || d > MAX_DURATION)
    {
        return Err(VideoError::Input(format!(
            "a recording can last from half a second to {} hours; {} s was asked for",
            MAX_DURATION.as_secs() / 3600,
            d.as_secs_f64()
        )));
    }
    let program = find_ffmpeg(request.program.as_deref())?;
    let version = ffmpeg_version(&program)?;
    let mut area = screen::area(&request.target)?;
    // yuv420p needs even sizes.
    area.width &= !1;
    area.height &= !1;
    if area.width < 16 || area.height < 16 {
        return Err(VideoError::Input(format!(
            "the area to record is only {}×{} pixels",
            area.width, area.height
        )));
    }
    let duration = request.duration.or(Some(MAX_DURATION));
    let args = command_args(&area, duration)?;
    let started = vault.clock().now();
    let began = Instant::now();
    let mut command = Command::new(&program);
    command
        .args(&args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    #[cfg(windows)]
    std::os::windows::process::CommandExt::creation_flags(&mut command, 0x0000_0200);
    let mut child = crate::process::spawn(command)
        .map_err(|e| VideoError::NoFfmpeg(format!(" ({} could not be started: {e})", program.display())))?;
    let mut stdin = child.stdin.take();
    let mut stdout = child
        .stdout
        .take()
        .ok_or_else(|| VideoError::Failed("no output".into()))?;
    let mut stderr = child
        .stderr
        .take()
        .ok_or_else(|| VideoError::Failed("no log".into()))?;
    let log = std::thread::spawn(move || {
        let mut kept = Vec::new();
        let mut buf = [0u8; 8192];
        while let Ok(n) = stderr.read(&mut buf) {
            if n == 0 {
                break;
            }
            kept.extend_from_slice(&buf[..n]);
            if kept.len() > 2 * LOG_KEEP {
                kept.drain(..kept.len() - LOG_KEEP);
            }
        }
        String::from_utf8_lossy(&kept).into_owned()
    });
    recording();
    let written = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let why = std::thread::scope(|s| {
        let watcher = s.spawn(|| {
            let window = area.window_id;
            let mut last_look = Instant::now();
            loop {
                if done.load(Ordering::SeqCst) {
                    return None;
                }
                let reason = if stop.load(Ordering::SeqCst) {
                    Some("stopped")
                } else if written.load(Ordering::SeqCst) >= MAX_BYTES {
                    Some("the size limit was reached")
                } else if window.is_some() && last_look.elapsed() > Duration::from_millis(500) {
                    last_look = Instant::now();
                    (!window_open(window)).then_some("the window closed")
                } else {
                    None
                };
                if let Some(reason) = reason {
                    if let Some(mut input) = stdin.take() {
                        let _ = input.write_all(b"q");
                        let _ = input.flush();
                    }
                    return Some(reason);
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        });
        let staged = vault.stage_stream(
            &mut stdout,
            "recording",
            "screen-recording.mp4",
            "video/mp4",
            &mut |n| {
                written.store(n, Ordering::SeqCst);
            },
        );
        done.store(true, Ordering::SeqCst);
        (staged, watcher.join().ok().flatten())
    });
    let (staged, stopped_because) = why;
    // Staging failed (a full disk…): FFmpeg would block on a pipe nobody reads.
    drop(stdout);
    if staged.is_err() {
        let _ = child.kill();
    }
    let status = child.wait();
    crate::process::forget(child.id());
    let ended = vault.clock().now();
    let log = log.join().unwrap_or_default();
    let progress = last_progress(&log);
    let staged = staged?;
    let failed = |vault: &Vault, staged, detail: String| {
        vault.discard_stream(staged);
        Err(VideoError::Failed(detail))
    };
    match status {
        Ok(s) if s.success() => {}
        Ok(s) => return failed(vault, staged, format!("{} (exit status {s})", errors_of(&log))),
        Err(e) => return failed(vault, staged, e.to_string()),
    }
    let frames: u64 = progress.get("frame").and_then(|f| f.parse().ok()).unwrap_or(0);
    if staged.size() == 0 || frames == 0 {
        return failed(
            vault,
            staged,
            format!("no frame was recorded. {}", errors_of(&log)),
        );
    }
    let seconds = frames as f64 / f64::from(FRAME_RATE);
    let ended_because = stopped_because.unwrap_or(if request.duration.is_some() {
        "the chosen duration was reached"
    } else {
        "the longest recording allowed was reached"
    });
    let machine = json!({
        "source": "screen_recording",
        "area": area.meta,
        "region": {"x": area.x, "y": area.y, "width": area.width, "height": area.height},
        "resolution": format!("{}x{}", area.width, area.height),
        "frame_rate": FRAME_RATE,
        "codec": "H.264 (libx264, CRF 18, yuv420p, constant frame rate), fragmented MP4, no audio",
        "started_at": utc_rfc3339(&started),
        "ended_at": utc_rfc3339(&ended),
        "duration_asked_ms": request.duration.map(|d| d.as_millis() as u64),
        "ended_because": ended_because,
        "frames": frames,
        "recorded_ms": frames * 1000 / u64::from(FRAME_RATE),
        "dropped_frames": progress.get("drop_frames").and_then(|f| f.parse::<u64>().ok()),
        "duplicated_frames": progress.get("dup_frames").and_then(|f| f.parse::<u64>().ok()),
        "wall_ms": began.elapsed().as_millis() as u64,
        "ffmpeg": {"version": version, "command_line": shell_line(&program, &args), "arguments": args},
        "display_server": screen::display_server(),
        "os": std::env::consts::OS,
        "method": "FFmpeg, output streamed into the vault as written (hashed, sealed when the vault is encrypted)",
    });
    let what = match &request.target {
        Target::AllMonitors => "all monitors".to_owned(),
        Target::Monitor(n) => format!("monitor {n}"),
        Target::Window(_) => area.meta["window_title"]
            .as_str()
            .unwrap_or("a window")
            .to_owned(),
    };
    let mut machine = machine;
    let files = match vault.read_stream(&staged).map(|r| poster(&program, r, frames)) {
        Ok(Ok(png)) => {
            machine["poster"] = "poster.png: one frame of the recording (the one after half a second, or the first), decoded by FFmpeg from the sealed MP4 for lists and reports; it is not part of the recording".into();
            vec![CapturedFile {
                role: "poster".into(),
                name: "poster.png".into(),
                media_type: "image/png".into(),
                bytes: png,
            }]
        }
        Ok(Err(why)) => {
            machine["poster"] = format!("no poster frame: {why}").into();
            Vec::new()
        }
        Err(e) => {
            vault.discard_stream(staged);
            return Err(e.into());
        }
    };
    let item = CapturedItem {
        kind: ItemKind::Video,
        title: format!("Screen recording, {what}, {seconds:.0} s"),
        started,
        files,
        machine,
        context: request.context.clone(),
    };
    Ok(vault.add_capture_streamed(&case.id, item, vec![staged])?)
}

/// One frame of the MP4 read from `mp4` as PNG: the one at half a second when the
/// recording is longer than a second, else the first.
fn poster(program: &Path, mut mp4: Box<dyn Read + Send>, frames: u64) -> Result<Vec<u8>, String> {
    let mut args: Vec<&str> = vec!["-v", "error", "-i", "pipe:0"];
    if frames > u64::from(FRAME_RATE) {
        args.extend(["-ss", "0.5"]);
    }
    args.extend(["-frames:v", "1", "-f", "image2pipe", "-c:v", "png", "pipe:1"]);
    let mut child = Command::new(program)
        .args(&args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    let mut stdin = child.stdin.take().ok_or("no input")?;
    // FFmpeg stops reading after its frame: a broken pipe then is the normal end.
    let feeder = std::thread::spawn(move || {
        let _ = std::io::copy(&mut mp4, &mut stdin);
    });
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    let _ = feeder.join();
    if out.status.success() && out.stdout.starts_with(b"\x89PNG") {
        Ok(out.stdout)
    } else {
        Err(format!(
            "FFmpeg could not decode a frame ({})",
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// FFmpeg's first line of `-version`, e.g. `ffmpeg version 5.1.6-0+deb12u1 …`.
fn ffmpeg_version(program: &Path) -> Result<String, VideoError> {
    let out = Command::new(program)
        .arg("-version")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| VideoError::NoFfmpeg(format!(" ({} could not be started: {e})", program.display())))?;
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned())
}

/// The last block of `-progress` key=value lines.
fn last_progress(log: &str) -> std::collections::HashMap<String, String> {
    let mut block = std::collections::HashMap::new();
    for line in log.lines() {
        if let Some((k, v)) = line.split_once('=')
            && !k.contains(' ')
        {
            block.insert(k.trim().to_owned(), v.trim().to_owned());
        }
    }
    block
}

/// FFmpeg's error lines (everything that is not progress), or a note that there were none.
fn errors_of(log: &str) -> String {
    let lines: Vec<&str> = log
        .lines()
        .filter(|l| l.split_once('=').is_none_or(|(k, _)| k.contains(' ')))
        .filter(|l| !l.trim().is_empty())
        .collect();
    if lines.is_empty() {
        "nothing".into()
    } else {
        lines[lines.len().saturating_sub(5)..].join(" / ")
    }
}

fn window_open(id: Option<u32>) -> bool {
    let Some(id) = id else { return true };
    xcap::Window::all()
        .map(|ws| {
            ws.iter()
                .any(|w| w.id().ok() == Some(id) && !w.is_minimized().unwrap_or(false))
        })
        .unwrap_or(true)
}

/// The command line as one string, for people: arguments quoted where they need it.
pub fn shell_line(program: &Path, args: &[String]) -> String {
    let quote = |s: &str| {
        if s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.:+/=,".contains(c))
        {
            s.to_owned()
        } else {
            format!("'{}'", s.replace('\'', "'\\''"))
        }
    };
    std::iter::once(program.display().to_string())
        .chain(args.iter().map(|a| quote(a)))
        .collect::<Vec<_>>()
        .join(" ")
}
