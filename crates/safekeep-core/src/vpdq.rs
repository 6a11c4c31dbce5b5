//! Perceptual fingerprints of videos (docs/perceptual-hashes.md § Videos): the PDQ hash of
//! one frame a second, as Meta's vPDQ makes them, so that the same video re-uploaded
//! elsewhere — re-encoded, resized, cut shorter — is found by "looks like".
//!
//! Frames are decoded by FFmpeg (the program the screen recorder uses) from the stored
//! original, decrypted in memory only: on Linux a video that takes at most half of the
//! memory available is handed over as an anonymous in-memory file (FFmpeg can then seek,
//! which an MP4 with its index at the end needs); anything else is streamed through a
//! pipe, which reads fragmented and "fast start" MP4, WebM and Matroska. No plaintext
//! copy is ever written to disk. Each frame is hashed at its own size, as vPDQ does.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::perceptual::{MATCH_DISTANCE, Pdq};

/// Frames below this PDQ quality are kept but not used for matching (vPDQ's default:
/// flat frames such as a black screen match everything).
pub const MIN_QUALITY: u8 = 50;

/// Share of one video's usable frames (in %) that must have a look-alike in the other for
/// "contains"; both ways for "the same video" (vPDQ's default thresholds).
pub const MATCH_PERCENT: u32 = 80;

/// Most frames hashed from one video (one a second: 4 hours, the recorder's own cap).
pub const MAX_FRAMES: u32 = 4 * 3600;

/// Whether a media type is a video FFmpeg is asked to fingerprint.
pub fn is_video(media_type: &str) -> bool {
    matches!(
        media_type,
        "video/mp4"
            | "video/webm"
            | "video/quicktime"
            | "video/x-matroska"
            | "video/x-msvideo"
            | "video/mpeg"
            | "video/3gpp"
            | "video/x-m4v"
            | "video/mp2t"
    )
}

/// The PDQ hash of the first frame at or after `second` seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FramePdq {
    /// Whole seconds from the start.
    pub second: u32,
    /// The frame's hash and quality.
    pub pdq: Pdq,
}

/// `ffmpeg` (`ffmpeg.exe` on Windows) on the PATH, or the program named by
/// `SAFEKEEP_FFMPEG`.
pub fn ffmpeg_on_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("SAFEKEEP_FFMPEG").map(PathBuf::from) {
        return p.is_file().then_some(p);
    }
    let name = if cfg!(windows) { "ffmpeg.exe" } else { "ffmpeg" };
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// Decodes one frame a second of the video read from `video` (`size` bytes) with
/// `ffmpeg` and hashes each. Fails, with the reason in words, when FFmpeg cannot read
/// it or it has no picture.
pub fn vpdq_of(ffmpeg: &Path, video: impl Read + Send, size: u64) -> Result<Vec<FramePdq>, String> {
    let mut out = Vec::new();
    read_video(
        ffmpeg,
        video,
        size,
        PER_SECOND,
        MAX_FRAMES,
        false,
        &mut hasher(&mut out),
    )?;
    Ok(out)
}

/// As [`vpdq_of`], reading the video through a pipe: FFmpeg cannot seek in it, so an MP4
/// whose index comes after its frames fails (fragmented and "fast start" MP4, WebM and
/// Matroska are read).
pub fn vpdq_of_stream(ffmpeg: &Path, video: impl Read + Send) -> Result<Vec<FramePdq>, String> {
    let mut out = Vec::new();
    frames(
        ffmpeg,
        "pipe:0",
        Some(video),
        PER_SECOND,
        MAX_FRAMES,
        &mut hasher(&mut out),
    )?;
    Ok(out)
}

/// One frame a second: the first at or after 0 s, 1 s, 2 s … (`round=up`; FFmpeg's
/// default picks one up to half a second off, and a screenshot taken at 5 s then
/// matches nothing).
const PER_SECOND: &str = "fps=1:round=up";

/// Hashes each frame it is given into `out`, numbering them from second 0.
fn hasher(out: &mut Vec<FramePdq>) -> impl FnMut(image::DynamicImage) -> Result<(), String> + '_ {
    move |picture| {
        let (w, h) = (picture.width(), picture.height());
        let pdq = crate::perceptual::pdq_of_rgb(w, h, picture.into_rgb8().into_raw())?;
        let second = u32::try_from(out.len()).unwrap_or(u32::MAX);
        out.push(FramePdq { second, pdq });
        Ok(())
    }
}

/// Hands the video to FFmpeg — on Linux, when it takes at most half of the memory
/// available, as an in-memory file FFmpeg can seek in (and FFprobe read, when `probe`);
/// else through a pipe — and runs [`frames`] on it. Returns what FFprobe said.
fn read_video(
    ffmpeg: &Path,
    video: impl Read + Send,
    size: u64,
    filter: &str,
    max: u32,
    probe: bool,
    each: &mut dyn FnMut(image::DynamicImage) -> Result<(), String>,
) -> Result<Option<String>, String> {
    #[cfg(target_os = "linux")]
    if size <= memory_available() / 2 {
        let mut video = video;
        let file = in_memory(&mut video)?;
        // Opened again through /proc by FFmpeg (readable only by this user), so the
        // descriptor need not be inherited.
        let path = format!(
            "/proc/{}/fd/{}",
            std::process::id(),
            std::os::fd::AsRawFd::as_raw_fd(&file)
        );
        let about = if probe { self::probe(ffmpeg, &path) } else { None };
        frames(ffmpeg, &path, None::<std::io::Empty>, filter, max, each)?;
        drop(file);
        return Ok(about);
    }
    let _ = (size, probe);
    frames(ffmpeg, "pipe:0", Some(video), filter, max, each)?;
    Ok(None)
}

/// Memory the system says it can give without swapping (`MemAvailable`), in bytes; 0
/// when it cannot be read.
#[cfg(target_os = "linux")]
fn memory_available() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|info| {
            let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
            let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
            kib.checked_mul(1024)
        })
        .unwrap_or(0)
}

/// The video copied into an anonymous file that lives in memory only.
#[cfg(target_os = "linux")]
fn in_memory(video: &mut impl Read) -> Result<std::fs::File, String> {
    let fd = rustix::fs::memfd_create("safekeep-video", rustix::fs::MemfdFlags::CLOEXEC)
        .map_err(|e| format!("no memory for the video ({e})"))?;
    let mut file = std::fs::File::from(fd);
    std::io::copy(video, &mut file).map_err(|e| format!("the stored video could not be read ({e})"))?;
    Ok(file)
}

/// Runs FFmpeg on `input` (fed from `stdin` when it is `pipe:0`) with the video filter
/// `filter`, giving each of at most `max` frames to `each` as 8-bit RGB at the video's own
/// size (PPM carries each frame's size in its header). Returns how many there were;
/// fails when FFmpeg fails or gives none.
fn frames(
    ffmpeg: &Path,
    input: &str,
    stdin: Option<impl Read + Send>,
    filter: &str,
    max: u32,
    each: &mut dyn FnMut(image::DynamicImage) -> Result<(), String>,
) -> Result<usize, String> {
    let mut child = Command::new(ffmpeg)
        .args([
            "-v", "error", "-nostdin", "-i", input, "-map", "0:v:0", "-an", "-sn", "-dn",
        ])
        .args(["-vf", filter, "-frames:v", &max.to_string()])
        .args(["-pix_fmt", "rgb24", "-c:v", "ppm", "-f", "image2pipe", "pipe:1"])
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{} could not be started ({e})", ffmpeg.display()))?;
    let pipe = child.stdin.take();
    let mut errors = child.stderr.take().ok_or("FFmpeg gave no error stream")?;
    let stdout = child.stdout.take().ok_or("FFmpeg gave no output")?;
    let (count, errors) = std::thread::scope(|s| {
        if let (Some(mut src), Some(mut pipe)) = (stdin, pipe) {
            // FFmpeg may stop reading early (a damaged file): a broken pipe is its answer.
            s.spawn(move || std::io::copy(&mut src, &mut pipe));
        }
        let error_reader = s.spawn(move || {
            let mut text = String::new();
            let _ = errors.read_to_string(&mut text);
            text
        });
        let count = each_frame(BufReader::with_capacity(1 << 20, stdout), each);
        if count.is_err() {
            let _ = child.kill();
        }
        (count, error_reader.join().unwrap_or_default())
    });
    let status = child.wait().map_err(|e| e.to_string())?;
    let count = count?;
    if !status.success() || count == 0 {
        let why = errors
            .lines()
            .last()
            .unwrap_or("no frame could be decoded")
            .trim();
        return Err(format!("FFmpeg could not read the video ({why})"));
    }
    Ok(count)
}

/// Decodes each PPM frame of the stream and hands it to `each`.
fn each_frame(
    mut frames: impl BufRead,
    each: &mut dyn FnMut(image::DynamicImage) -> Result<(), String>,
) -> Result<usize, String> {
    let mut n = 0;
    while !frames.fill_buf().map_err(|e| e.to_string())?.is_empty() {
        let decoder = image::codecs::pnm::PnmDecoder::new(&mut frames).map_err(|e| e.to_string())?;
        each(image::DynamicImage::from_decoder(decoder).map_err(|e| e.to_string())?)?;
        n += 1;
    }
    Ok(n)
}

/// What a report shows of a video: a few frames spread over it, and what FFprobe says.
#[derive(Debug)]
pub struct Glance {
    /// The frames, in order, as decoded (the caller blurs them).
    pub frames: Vec<image::DynamicImage>,
    /// Codec, width × height and duration as FFprobe reads them, when it could (not for
    /// a video read through a pipe).
    pub about: Option<String>,
}

/// Decodes `count` frames spread over the first `seconds` of the video (the first at
/// 0 s), for a report's strip; see [`vpdq_of`] for how the video reaches FFmpeg.
pub fn glance(
    ffmpeg: &Path,
    video: impl Read + Send,
    size: u64,
    seconds: u32,
    count: u32,
) -> Result<Glance, String> {
    let filter = format!("fps={}/{}:round=up", count.max(1), seconds.max(1));
    let mut frames = Vec::new();
    let about = read_video(ffmpeg, video, size, &filter, count, true, &mut |f| {
        frames.push(f);
        Ok(())
    })?;
    Ok(Glance { frames, about })
}

/// "h264, 1920×1080, 42.0 s" from the FFprobe beside `ffmpeg`, or None.
#[cfg(target_os = "linux")]
fn probe(ffmpeg: &Path, input: &str) -> Option<String> {
    let out = Command::new(ffmpeg.with_file_name("ffprobe"))
        .args(["-v", "error", "-select_streams", "v:0", "-of", "json"])
        .args([
            "-show_entries",
            "stream=codec_name,width,height:format=duration",
            input,
        ])
        .stdin(Stdio::null())
        .output()
        .ok()?;
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
    let stream = v["streams"].get(0)?;
    let duration: f64 = v["format"]["duration"].as_str()?.parse().ok()?;
    Some(format!(
        "{}, {}×{}, {duration:.1} s",
        stream["codec_name"].as_str()?,
        stream["width"].as_u64()?,
        stream["height"].as_u64()?
    ))
}

/// How two videos' frames overlap: the share of each one's usable frames (quality ≥
/// [`MIN_QUALITY`]) that has a frame within [`MATCH_DISTANCE`] in the other, in %.
/// `None` when either has no usable frame.
pub fn overlap(this: &[FramePdq], other: &[FramePdq]) -> Option<(u32, u32)> {
    let usable = |v: &[FramePdq]| -> Vec<Pdq> {
        let mut out: Vec<Pdq> = v
            .iter()
            .filter(|f| f.pdq.quality >= MIN_QUALITY)
            .map(|f| f.pdq)
            .collect();
        // A still scene gives the same hash second after second: count it once.
        out.dedup_by(|a, b| a.hash == b.hash);
        out
    };
    let (a, b) = (usable(this), usable(other));
    if a.is_empty() || b.is_empty() {
        return None;
    }
    let share = |from: &[Pdq], within: &[Pdq]| {
        let found = from
            .iter()
            .filter(|f| within.iter().any(|g| f.distance(g) <= MATCH_DISTANCE))
            .count();
        u32::try_from(found * 100 / from.len()).unwrap_or(100)
    };
    Some((share(&a, &b), share(&b, &a)))
}
