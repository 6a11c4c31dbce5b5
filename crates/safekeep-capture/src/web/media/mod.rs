//! Videos on a captured page, kept as artifacts of the same item when the person asks
//! (`capture url --media`, "Also keep the videos on the page"). Specification:
//! docs/capture.md § "Videos on pages".
//!
//! Two ways, tried in this order:
//! 1. **yt-dlp**, when it is installed and the capture trusts only the usual certificate
//!    authorities: the site's own description of each video is kept too, and yt-dlp's
//!    printed traffic is sealed as the request log of that part.
//! 2. **Safekeep's own fetcher**, for the videos named in the page (`<video>`, `<source>`,
//!    `og:video`, links to video files and HLS playlists): every request and response goes
//!    into the page's WARC beside the page's own; a file is kept byte for byte (its SHA-256
//!    equals the WARC payload digest of its response), an HLS stream as its playlist and its
//!    segments joined in order (see [`hls`]).
//!
//! A video that cannot be kept never stops the capture: the page is sealed, and the
//! record says which video was not kept and why.

pub mod find;
pub mod hls;
pub mod ytdlp;

use std::sync::Arc;
use std::time::Duration;

use rustls::RootCertStore;
use safekeep_core::vault::CapturedFile;
use serde::Serialize;
use sha2::{Digest, Sha256};
use url::Url;

use super::fetch::{self, Exchange};
use super::{Limits, WebError};
pub use find::{Form, Found};

/// Videos kept from one page, at most.
pub const MAX_VIDEOS: usize = 8;
/// Time allowed for the videos of one capture, all together (a long video over a slow
/// line; a stream of many segments), whether Safekeep or yt-dlp fetches them.
pub const MEDIA_TIMEOUT: Duration = Duration::from_secs(10 * 60);
/// Segments kept from one HLS stream, at most.
pub const MAX_SEGMENTS: usize = 5_000;
/// Playing time kept from one HLS stream, at most (a live stream never ends).
pub const MAX_SECONDS: u64 = 4 * 3600;

/// Whether and how a capture keeps the page's videos.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Media {
    /// Only say how many videos the page shows.
    #[default]
    Count,
    /// Keep them: with yt-dlp when it is installed, otherwise Safekeep's own fetcher.
    Keep,
    /// Keep them with Safekeep's own fetcher only.
    KeepWithoutYtDlp,
}

/// One video kept.
#[derive(Debug, Clone, Serialize)]
pub struct KeptVideo {
    /// Where it came from.
    pub url: String,
    /// The artifact's file name.
    pub file: String,
    /// Its size.
    pub bytes: u64,
    /// Its SHA-256 (hex).
    pub sha256: String,
    /// `yt-dlp`, `safekeep` (fetched for it) or `browser` (recorded by Safekeep's browser).
    pub via: &'static str,
    /// HLS: the segments joined.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub segments: Option<u64>,
    /// Playing time when known, ms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    /// A live stream: what it listed when captured.
    pub live: bool,
}

/// One video not kept, and why.
#[derive(Debug, Clone, Serialize)]
pub struct NotKept {
    /// Its address.
    pub url: String,
    /// Why, in words.
    pub reason: String,
}

/// What became of the page's videos: shown to the person and sealed in the item's
/// `capture.media` (integers only, like every sealed record).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// Whether the person asked to keep them.
    pub asked: bool,
    /// The videos the page names.
    pub found: Vec<Found>,
    /// Those kept.
    pub kept: Vec<KeptVideo>,
    /// Those not kept.
    pub not_kept: Vec<NotKept>,
    /// yt-dlp's version, when it kept them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub yt_dlp: Option<String>,
    /// Why yt-dlp was not used, or what it said when it failed (then Safekeep fetched
    /// the videos itself).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub yt_dlp_note: Option<String>,
    /// Every host contacted to keep them (`host` or `host:port`).
    pub hosts: Vec<String>,
}

impl Report {
    /// Removes login secrets from the addresses it lists (docs/security.md § "Login
    /// secrets in web captures"): a signed video address carries its signature.
    pub fn redact_addresses(&mut self) {
        use super::redact::address_only;
        self.found.iter_mut().for_each(|f| f.url = address_only(&f.url));
        self.kept.iter_mut().for_each(|k| k.url = address_only(&k.url));
        self.not_kept
            .iter_mut()
            .for_each(|n| n.url = address_only(&n.url));
    }
}

/// The files and exchanges to seal with the page.
#[derive(Debug, Default)]
pub struct Kept {
    /// Artifacts, in order.
    pub files: Vec<CapturedFile>,
    /// Safekeep's own requests for them, for the page's WARC.
    pub exchanges: Vec<Exchange>,
    /// What happened.
    pub report: Report,
}

/// What is left of the bytes one capture may keep for videos.
#[derive(Debug)]
pub struct Budget(pub u64);

/// The page's videos: counted, or kept as `request.media` asks. `html` is the page as sent,
/// `dom` the page after its scripts ran (when it was rendered).
pub fn collect(
    runtime: &tokio::runtime::Runtime,
    page: &Url,
    html: &[u8],
    dom: Option<&[u8]>,
    request: &super::WebRequest,
    roots: Arc<RootCertStore>,
) -> Kept {
    let (media, limits) = (request.media, &request.limits);
    let mut found = find::videos(page, html);
    for f in dom.map(|d| find::videos(page, d)).unwrap_or_default() {
        if !found.iter().any(|g| g.url == f.url) {
            found.push(f);
        }
    }
    let mut kept = Kept {
        report: Report {
            asked: media != Media::Count,
            found,
            ..Report::default()
        },
        ..Kept::default()
    };
    if media == Media::Count {
        return kept;
    }
    if media == Media::Keep {
        match with_yt_dlp(page, limits, !request.extra_authorities.is_empty()) {
            Ok(d) => {
                kept.files = d.files;
                kept.report.kept = d.kept;
                kept.report.not_kept = d.not_kept;
                kept.report.yt_dlp = Some(d.version);
                kept.report.hosts = d.hosts;
                return kept;
            }
            Err(why) => kept.report.yt_dlp_note = Some(why),
        }
    } else {
        kept.report.yt_dlp_note = Some("the capture asked not to use yt-dlp".into());
    }
    runtime.block_on(fetch_all(&mut kept, limits, &roots));
    kept
}

fn with_yt_dlp(page: &Url, limits: &Limits, extra_authorities: bool) -> Result<ytdlp::Download, String> {
    if extra_authorities || limits.accept_invalid_certificate {
        return Err("this capture trusts certificates yt-dlp would not".into());
    }
    let program = ytdlp::program()?;
    let ffmpeg = safekeep_core::vpdq::ffmpeg_on_path();
    ytdlp::download(&program, page, limits.max_body, MEDIA_TIMEOUT, ffmpeg.as_deref())
}

/// Keeps each video found with Safekeep's own fetcher.
async fn fetch_all(kept: &mut Kept, limits: &Limits, roots: &Arc<RootCertStore>) {
    let mut budget = Budget(limits.max_body);
    let media_limits = Limits {
        timeout: MEDIA_TIMEOUT.max(limits.timeout),
        ..limits.clone()
    };
    let found = kept.report.found.clone();
    let deadline = tokio::time::Instant::now() + MEDIA_TIMEOUT;
    for (n, video) in found.iter().enumerate() {
        if n >= MAX_VIDEOS {
            kept.report.not_kept.push(NotKept {
                url: video.url.clone(),
                reason: format!("only the first {MAX_VIDEOS} videos of a page are kept"),
            });
            continue;
        }
        let number = kept.report.kept.len() + 1;
        let exchanges = &mut kept.exchanges;
        let work = async {
            match video.form {
                Form::File => keep_file(video, number, &mut budget, &media_limits, roots, exchanges).await,
                Form::Hls => keep_stream(video, number, &mut budget, &media_limits, roots, exchanges).await,
                Form::Dash => Err("it is a DASH stream (.mpd), which Safekeep keeps only with yt-dlp. Install yt-dlp, or record the screen while it plays".into()),
                Form::Script => Err("the page's scripts play it from a blob: address, which cannot be fetched. Install yt-dlp, or record the screen while it plays".into()),
            }
        };
        let result = tokio::time::timeout_at(deadline, work).await.unwrap_or_else(|_| {
            Err(format!(
                "the videos took longer than {} minutes to fetch, so this one was left out; record the screen while it plays",
                MEDIA_TIMEOUT.as_secs() / 60
            ))
        });
        match result {
            Ok((video, files)) => {
                kept.report.kept.push(video);
                kept.files.extend(files);
            }
            Err(reason) => kept.report.not_kept.push(NotKept {
                url: video.url.clone(),
                reason,
            }),
        }
    }
    let mut hosts: Vec<String> = Vec::new();
    for e in &kept.exchanges {
        let host = match (e.url.host_str(), e.url.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_owned(),
            _ => continue,
        };
        if !hosts.contains(&host) {
            hosts.push(host);
        }
    }
    kept.report.hosts = hosts;
}

async fn keep_file(
    video: &Found,
    number: usize,
    budget: &mut Budget,
    limits: &Limits,
    roots: &Arc<RootCertStore>,
    exchanges: &mut Vec<Exchange>,
) -> Result<(KeptVideo, Vec<CapturedFile>), String> {
    let url = Url::parse(&video.url).map_err(|e| format!("its address is unusable ({e})"))?;
    let (_, bytes) = get(&url, budget, limits, roots, exchanges).await?;
    let media_type = exchanges
        .last()
        .and_then(|e| e.header("content-type"))
        .and_then(|t| t.split(';').next())
        .map(|t| t.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let media_type = if media_type.starts_with("video/") || media_type.starts_with("audio/") {
        media_type
    } else if media_type.is_empty()
        || media_type == "application/octet-stream"
        || media_type == "binary/octet-stream"
    {
        mime_guess::from_path(url.path())
            .first()
            .map(|m| m.essence_str().to_owned())
            .filter(|m| m.starts_with("video/"))
            .ok_or("the server did not say it is a video, and its name does not either")?
    } else {
        return Err(format!("the server sent {media_type}, not a video"));
    };
    let name = format!("video-{number}.{}", extension(&media_type, &url));
    let kept = KeptVideo {
        url: video.url.clone(),
        file: name.clone(),
        bytes: bytes.len() as u64,
        sha256: hex::encode(Sha256::digest(&bytes)),
        via: "safekeep",
        segments: None,
        duration_ms: None,
        live: false,
    };
    Ok((
        kept,
        vec![super::captured_file("media", &name, &media_type, bytes)],
    ))
}

async fn keep_stream(
    video: &Found,
    number: usize,
    budget: &mut Budget,
    limits: &Limits,
    roots: &Arc<RootCertStore>,
    exchanges: &mut Vec<Exchange>,
) -> Result<(KeptVideo, Vec<CapturedFile>), String> {
    let url = Url::parse(&video.url).map_err(|e| format!("its address is unusable ({e})"))?;
    let stream = hls::keep(&url, budget, limits, roots, exchanges).await?;
    let ext = if stream.media_type == "video/mp4" {
        "mp4"
    } else {
        "ts"
    };
    let name = format!("video-{number}.{ext}");
    let kept = KeptVideo {
        url: stream.variant.clone().unwrap_or_else(|| video.url.clone()),
        file: name.clone(),
        bytes: stream.joined.len() as u64,
        sha256: hex::encode(Sha256::digest(&stream.joined)),
        via: "safekeep",
        segments: Some(stream.segments),
        duration_ms: Some(stream.duration_ms),
        live: stream.live,
    };
    Ok((
        kept,
        vec![
            super::captured_file("media", &name, stream.media_type, stream.joined),
            super::captured_file(
                "media_playlist",
                &format!("video-{number}.m3u8"),
                "application/vnd.apple.mpegurl",
                stream.playlist,
            ),
        ],
    ))
}

/// GETs `url` (following redirects) within what is left of `budget`; every exchange is
/// appended to `exchanges`, whatever its answer. Returns the final address and its body; anything but a 2xx
/// answer is an error in words.
pub(crate) async fn get(
    url: &Url,
    budget: &mut Budget,
    limits: &Limits,
    roots: &Arc<RootCertStore>,
    exchanges: &mut Vec<Exchange>,
) -> Result<(Url, Vec<u8>), String> {
    if budget.0 == 0 {
        return Err(format!(
            "the videos reached the limit of {} MiB for one capture (raise it with --max-body-mib)",
            limits.max_body >> 20
        ));
    }
    let within = Limits {
        max_body: budget.0,
        ..limits.clone()
    };
    let got = fetch::fetch(url, &within, roots.clone())
        .await
        .map_err(|e| reason(&e, limits))?;
    exchanges.extend(got);
    let last = exchanges.last_mut().ok_or("no request was made")?;
    if !(200..300).contains(&last.status) {
        return Err(format!(
            "{} answered with status {} {}",
            last.url, last.status, last.reason
        ));
    }
    let body = std::mem::take(&mut last.body);
    budget.0 = budget.0.saturating_sub(body.len() as u64);
    Ok((last.url.clone(), body))
}

/// A fetch error as the reason a video was not kept (the page itself is still saved).
fn reason(e: &WebError, limits: &Limits) -> String {
    match e {
        WebError::TooLarge { .. } => format!(
            "the videos are larger than the {} MiB limit for one capture (raise it with --max-body-mib, or record the screen)",
            limits.max_body >> 20
        ),
        other => other
            .to_string()
            .trim_end_matches(" Nothing was saved.")
            .to_owned(),
    }
}

/// A video file's extension: from its media type, else from its address, else `bin`.
pub(crate) fn extension<'a>(media_type: &str, url: &'a Url) -> &'a str {
    let by_type = match media_type {
        "video/mp4" => Some("mp4"),
        "video/webm" => Some("webm"),
        "video/quicktime" => Some("mov"),
        "video/x-matroska" => Some("mkv"),
        "video/mp2t" => Some("ts"),
        "video/ogg" => Some("ogv"),
        "video/3gpp" => Some("3gp"),
        "video/x-m4v" => Some("m4v"),
        _ => None,
    };
    by_type.unwrap_or_else(|| {
        url.path()
            .rsplit('/')
            .next()
            .and_then(|n| n.rsplit_once('.'))
            .map(|(_, e)| e)
            .filter(|e| e.len() <= 5 && e.chars().all(|c| c.is_ascii_alphanumeric()))
            .unwrap_or("bin")
    })
}
