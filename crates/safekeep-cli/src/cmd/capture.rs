//! `safekeep capture screen`, `capture video`, `capture url` and `capture list`: evidence
//! captured from the screen or the web, sealed as new items, and what was kept.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Result;
use clap::Subcommand;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use safekeep_capture::screen::{self, ScreenRequest, Target};
use safekeep_capture::video::{self, VideoRequest};
use safekeep_capture::web::browser::{BrowserRequest, ScrollLimits};
use safekeep_capture::web::media::Media;
use safekeep_capture::web::{self, Limits, Render, WebRequest};

use super::shared_args::ContextArgs;
use crate::print;

/// `safekeep capture …`
#[derive(Debug, Subcommand)]
#[allow(clippy::large_enum_variant, reason = "parsed once per run")]
pub enum Command {
    /// Capture every monitor (default), one monitor, or one window, and seal it as a new
    /// item. Prints the new item id.
    ///
    /// The picture is stored as a lossless PNG exactly as the screen showed it, with what
    /// the computer knows about the capture (monitor, resolution, window title, times).
    Screen(ScreenArgs),
    /// Record the screen (all monitors, one monitor or one window's area) to an MP4 video
    /// with FFmpeg and seal it as a new item. Prints the new item id.
    ///
    /// Stops after --duration, or when you press Ctrl-C (the video is finished properly
    /// either way). No sound is recorded.
    Video(VideoArgs),
    /// Capture a web page by its address and seal it as a new item. Prints the new item id.
    ///
    /// Keeps what the server sent (a WARC file with every request and response, the
    /// certificate chain and the addresses used) and, with an installed Chromium, Chrome
    /// or Edge, how the page looked (full-page PNG, PDF, MHTML, DOM).
    ///
    /// With --browser, the page is loaded once in Safekeep's browser (with the logins you
    /// made there: `safekeep browser open`), and everything that load fetched — including
    /// what its scripts loaded — is recorded and sealed with screenshots of that same load
    /// (WARC and WACZ; login cookies removed).
    Url(UrlArgs),
    /// List the monitors and windows that can be captured.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// The arguments of `safekeep capture screen` (its help text is on `Command::Screen`).
#[derive(Debug, clap::Args)]
pub struct ScreenArgs {
    /// The case to add to (its id, or the start of it).
    #[arg(long = "case", value_name = "ID")]
    pub case_id: String,
    /// Only this monitor (1, 2…; `safekeep capture list` shows them).
    #[arg(long, value_name = "N", conflicts_with = "window")]
    pub monitor: Option<usize>,
    /// Only the window whose title contains this text.
    #[arg(long, value_name = "TITLE")]
    pub window: Option<String>,
    /// Wait this many seconds first (time to bring the right thing on screen).
    #[arg(long, value_name = "S", default_value_t = 0)]
    pub delay: u64,
    /// Continue a series (a long conversation captured in overlapping shots): give
    /// the previous shot's item id.
    #[arg(long, value_name = "ITEM")]
    pub again: Option<String>,
    /// In a no-images case: you have made sure no picture or video of the person is
    /// on screen. Without it such a capture is refused.
    #[arg(long)]
    pub no_images_case_understood: bool,
    #[command(flatten)]
    pub context: ContextArgs,
    /// Print the item and where the time went as JSON.
    #[arg(long)]
    pub json: bool,
}

/// The arguments of `safekeep capture video` (its help text is on `Command::Video`).
#[derive(Debug, clap::Args)]
pub struct VideoArgs {
    /// The case to add to (its id, or the start of it).
    #[arg(long = "case", value_name = "ID")]
    pub case_id: String,
    /// Only this monitor (1, 2…; `safekeep capture list` shows them).
    #[arg(long, value_name = "N", conflicts_with = "window")]
    pub monitor: Option<usize>,
    /// Only the area of the window whose title contains this text (the recording
    /// ends if that window closes).
    #[arg(long, value_name = "TITLE")]
    pub window: Option<String>,
    /// Stop after this many seconds (default: when you press Ctrl-C; at most 4 hours).
    #[arg(long, value_name = "SECONDS")]
    pub duration: Option<f64>,
    /// Wait this many seconds first (time to bring the right thing on screen).
    #[arg(long, value_name = "S", default_value_t = 0)]
    pub delay: u64,
    /// The FFmpeg program (default: `ffmpeg` on the PATH).
    #[arg(long, value_name = "PATH")]
    pub ffmpeg: Option<PathBuf>,
    /// In a no-images case: you have made sure no picture or video of the person will
    /// be on screen. Without it such a recording is refused.
    #[arg(long)]
    pub no_images_case_understood: bool,
    #[command(flatten)]
    pub context: ContextArgs,
    /// Print the item as JSON.
    #[arg(long)]
    pub json: bool,
}

/// The arguments of `safekeep capture url` (its help text is on `Command::Url`).
#[derive(Debug, clap::Args)]
pub struct UrlArgs {
    /// The page's address (https:// is assumed when left out).
    #[arg(required_unless_present = "check_again")]
    pub url: Option<String>,
    /// The case to add to (its id, or the start of it).
    #[arg(long = "case", value_name = "ID", required_unless_present = "check_again")]
    pub case_id: Option<String>,
    /// Capture the address of this earlier web-page item again, as a new item linked
    /// to it, and say whether the content is still up, changed, or gone.
    #[arg(long, value_name = "ITEM", conflicts_with = "url")]
    pub check_again: Option<String>,
    /// Fetch only: do not render the page in a browser.
    #[arg(long)]
    pub no_render: bool,
    /// The browser program to use (default: an installed Chromium, Chrome or Edge;
    /// or SAFEKEEP_BROWSER).
    #[arg(long, value_name = "PATH", conflicts_with = "no_render")]
    pub browser_program: Option<PathBuf>,
    /// Load and record the page in Safekeep's browser, with your logins there.
    #[arg(long, conflicts_with_all = ["no_render", "check_again"])]
    pub browser: bool,
    /// With --browser: scroll down first to load more (feeds), for at most 20 s and
    /// 50,000 pixels.
    #[arg(long, requires = "browser")]
    pub scroll: bool,
    /// With --browser: show the browser's window while capturing.
    #[arg(long, requires = "browser")]
    pub show: bool,
    /// With --browser: also fetch the address directly, without your logins, as a
    /// second, independent witness (the server's raw bytes and its own certificates).
    #[arg(long, requires = "browser")]
    pub also_fetch: bool,
    /// With --browser: also keep, as items of their own, the files the page starts
    /// downloading by itself (an address that is itself a download is always kept).
    #[arg(long, requires = "browser")]
    pub keep_downloads: bool,
    /// Also keep the videos the page shows (<video>, video links, HLS streams) as
    /// files of the same item: with yt-dlp when it is installed (it knows more sites,
    /// and keeps each video's details from the site), otherwise fetched by Safekeep.
    /// With --browser: the complete videos the page loaded (nothing more is fetched).
    #[arg(long)]
    pub media: bool,
    /// With --media: do not use yt-dlp, even when it is installed.
    #[arg(long, requires = "media", conflicts_with = "browser")]
    pub no_yt_dlp: bool,
    /// Capture even if the site's certificate does not verify. The record says it
    /// did not verify, and why.
    #[arg(long)]
    pub accept_invalid_certificate: bool,
    /// Also trust this certificate authority (a PEM file), e.g. your organisation's.
    #[arg(long = "ca-file", value_name = "PEM")]
    pub ca_files: Vec<PathBuf>,
    /// Largest response to keep, in MiB; a larger one stops the capture.
    #[arg(long, value_name = "MIB", default_value_t = 200,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub max_body_mib: u64,
    /// Seconds allowed for each request, and for the browser to load the page.
    #[arg(long, value_name = "S", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub timeout: u64,
    /// Redirects to follow.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub max_redirects: usize,
    #[command(flatten)]
    pub context: ContextArgs,
    /// Print the item and a summary as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs one `capture` subcommand.
pub fn run(dir: &Path, command: Command) -> Result<ExitCode> {
    match command {
        Command::List { json } => capture_targets(&screen::monitors()?, screen::windows(), json)?,
        Command::Screen(args) => screen_shot(dir, args)?,
        Command::Video(args) => record_video(dir, args)?,
        Command::Url(args) if args.browser => url_in_browser(dir, args)?,
        Command::Url(args) => url(dir, args)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// `capture screen`: waits `--delay`, captures, seals and prints the new item.
fn screen_shot(dir: &Path, args: ScreenArgs) -> Result<()> {
    let target = target(args.monitor, args.window);
    let mut vault = super::open(dir)?;
    vault.check_screen_capture(&args.case_id, args.no_images_case_understood)?;
    countdown(Duration::from_secs(args.delay));
    let req = ScreenRequest {
        target,
        again: args.again,
        context: args.context.into(),
    };
    captured(
        &screen::capture_to_vault(&mut vault, &args.case_id, &req)?,
        args.json,
    )?;
    super::stamp_new_items(&mut vault)
}

/// `capture video`: records until `--duration` or Ctrl-C, then seals and prints the item.
fn record_video(dir: &Path, args: VideoArgs) -> Result<()> {
    let target = target(args.monitor, args.window);
    let duration = args
        .duration
        .map(|d| {
            Duration::try_from_secs_f64(d)
                .map_err(|_| anyhow::anyhow!("--duration must be a number of seconds, e.g. 30"))
        })
        .transpose()?;
    let request = VideoRequest {
        target,
        duration,
        program: args.ffmpeg,
        context: args.context.into(),
    };
    let mut vault = super::open(dir)?;
    vault.check_screen_capture(&args.case_id, args.no_images_case_understood)?;
    countdown(Duration::from_secs(args.delay));
    let stop = Arc::new(AtomicBool::new(false));
    // The first Ctrl-C finishes the recording properly; a second one ends Safekeep.
    signal_hook::flag::register_conditional_shutdown(signal_hook::consts::SIGINT, 130, Arc::clone(&stop))?;
    signal_hook::flag::register(signal_hook::consts::SIGINT, Arc::clone(&stop))?;
    let item = video::record_to_vault(&mut vault, &args.case_id, &request, &stop, &mut || {
        eprintln!("Recording… press Ctrl-C to stop.");
    })?;
    recorded(&item, args.json)?;
    super::stamp_new_items(&mut vault)
}

/// `capture url --browser`: one load in Safekeep's browser, recorded and sealed.
fn url_in_browser(dir: &Path, args: UrlArgs) -> Result<()> {
    safekeep_capture::process::end_with_signals()?;
    let mut vault = super::open(dir)?;
    let req = BrowserRequest {
        url: args.url.unwrap_or_default(),
        program: args.browser_program,
        show: args.show,
        scroll: args.scroll.then(ScrollLimits::default),
        also_fetch: args.also_fetch,
        extra_authorities: args.ca_files,
        load_timeout: Duration::from_secs(args.timeout),
        max_body: args.max_body_mib.saturating_mul(1 << 20),
        context: args.context.into(),
        media: args.media,
        keep_downloads: args.keep_downloads,
    };
    let case_id = args.case_id.unwrap_or_default();
    print::captured_page(
        &web::browser::capture_url_to_vault(&mut vault, &case_id, &req)?,
        args.json,
    )?;
    super::stamp_new_items(&mut vault)
}

/// `capture url`: fetched (and rendered) directly; with `--check-again`, the earlier
/// item's address again, compared with it.
fn url(dir: &Path, args: UrlArgs) -> Result<()> {
    safekeep_capture::process::end_with_signals()?;
    let mut vault = super::open(dir)?;
    let (earlier_case, base) = match &args.check_again {
        Some(item) => web::again::request_for(&vault, item)?,
        None => (String::new(), WebRequest::default()),
    };
    let case_id = args.case_id.clone().unwrap_or(earlier_case);
    let json = args.json;
    let req = web_request(args, base);
    print::captured_page(&web::capture_to_vault(&mut vault, &case_id, &req)?, json)?;
    super::stamp_new_items(&mut vault)
}

/// The direct fetch `args` ask for, on top of `base` (an earlier item's, when checking again).
fn web_request(args: UrlArgs, base: WebRequest) -> WebRequest {
    WebRequest {
        url: args.url.unwrap_or(base.url),
        check_again: base.check_again,
        limits: Limits {
            max_body: args.max_body_mib.saturating_mul(1 << 20),
            timeout: Duration::from_secs(args.timeout),
            max_redirects: args.max_redirects,
            accept_invalid_certificate: args.accept_invalid_certificate
                || base.limits.accept_invalid_certificate,
            ..Limits::default()
        },
        extra_authorities: args.ca_files,
        render: match (args.no_render, args.browser_program) {
            (true, _) => Render::Skip,
            (false, Some(path)) => Render::With(path),
            (false, None) => Render::Auto,
        },
        context: args.context.into(),
        media: match (args.media, args.no_yt_dlp) {
            (false, _) => Media::Count,
            (true, false) => Media::Keep,
            (true, true) => Media::KeepWithoutYtDlp,
        },
        no_images: false,
    }
}

/// What `--monitor` / `--window` ask for; neither is every monitor.
fn target(monitor: Option<usize>, window: Option<String>) -> Target {
    match (monitor, window) {
        (Some(n), _) => Target::Monitor(n),
        (None, Some(t)) => Target::Window(t),
        (None, None) => Target::AllMonitors,
    }
}

/// Counts down on stderr, one line per second, so the person can switch windows.
fn countdown(delay: std::time::Duration) {
    for left in (1..=delay.as_secs()).rev() {
        eprintln!("Capturing in {left}…");
        std::thread::sleep(std::time::Duration::from_secs(1));
    }
}

/// Prints a capture: its id (or JSON with the item and timings).
fn captured(c: &safekeep_capture::screen::Captured, json: bool) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(c)?);
    } else {
        for a in &c.item.artifacts {
            eprintln!(
                "Captured {} ({} bytes, SHA-256 {})",
                a.original_name.as_deref().unwrap_or(&a.role),
                a.size,
                a.sha256
            );
        }
        println!("{}", c.item.id);
    }
    Ok(())
}

/// Reports a screen recording: the id on stdout, what was kept on stderr.
fn recorded(item: &safekeep_core::item::ItemRecord, json: bool) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(item)?);
        return Ok(());
    }
    let cap = item.capture.clone().unwrap_or_default();
    eprintln!(
        "Recorded {} ({}, {} frames, {:.1} s; ended because {}).",
        item.title,
        cap["resolution"].as_str().unwrap_or("?"),
        cap["frames"],
        cap["recorded_ms"].as_u64().unwrap_or(0) as f64 / 1000.0,
        cap["ended_because"].as_str().unwrap_or("it ended")
    );
    for a in &item.artifacts {
        eprintln!(
            "Sealed {} ({} bytes, SHA-256 {})",
            a.original_name.as_deref().unwrap_or(&a.role),
            a.size,
            a.sha256
        );
    }
    println!("{}", item.id);
    Ok(())
}

/// Lists what can be captured.
fn capture_targets(
    monitors: &[safekeep_capture::screen::MonitorInfo],
    windows: std::result::Result<
        Vec<safekeep_capture::screen::WindowInfo>,
        safekeep_capture::screen::CaptureError,
    >,
    json: bool,
) -> Result<()> {
    let (windows, note) = match windows {
        Ok(w) => (w, None),
        Err(e) => (Vec::new(), Some(e.to_string())),
    };
    if json {
        println!(
            "{}",
            serde_json::json!({ "monitors": monitors, "windows": windows, "windows_note": note })
        );
        return Ok(());
    }
    println!("Monitors (use --monitor N):");
    for m in monitors {
        println!(
            "  {}  {} {}×{} (scale {}){}",
            m.number,
            m.name,
            m.width,
            m.height,
            m.scale_factor,
            if m.primary { ", primary" } else { "" }
        );
    }
    println!("Windows (use --window \"part of the title\"):");
    for w in &windows {
        println!("  \"{}\" — {} ({}×{})", w.title, w.app_name, w.width, w.height);
    }
    if let Some(note) = note {
        println!("  ({note})");
    }
    Ok(())
}
