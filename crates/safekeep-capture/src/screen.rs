//! Screen capture: every monitor, one monitor, or one window, through the `xcap` crate.
//!
//! Invariants (docs/capture.md):
//! - The pixels xcap returns are encoded to PNG exactly once; those PNG bytes are the
//!   evidence, hashed as they are stored. Nothing re-encodes them later.
//! - What the computer knows about the capture (monitor, resolution, scale, window title
//!   and app, OS, display server, start and end times, method) is recorded as machine
//!   metadata, apart from anything the person types.
//! - A capture that comes back entirely black or transparent is refused, never stored:
//!   it is what a denied screen-sharing permission or a protected window looks like.

use safekeep_core::Coded;
use std::time::{Duration, Instant};

use chrono::{DateTime, FixedOffset};
use safekeep_core::Vault;
use safekeep_core::clock::{Clock, utc_rfc3339};
use safekeep_core::item::{Context, ItemKind, ItemRecord};
use safekeep_core::vault::{CapturedFile, CapturedItem};
use serde::Serialize;
use serde_json::{Value, json};
use xcap::image::RgbaImage;
use xcap::{Monitor, Window};

mod wayland_scratch;

/// What to capture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Every monitor, one PNG each, in one item.
    AllMonitors,
    /// One monitor, by its number in [`monitors`] (from 1).
    Monitor(usize),
    /// The one window whose title contains this text (case-insensitive).
    Window(String),
}

/// Why a capture could not be made. Nothing is stored in any of these cases.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CaptureError {
    /// No graphical session to capture.
    #[error(
        "there is no screen to capture: no graphical session was found (DISPLAY and WAYLAND_DISPLAY are not set). Run this from your desktop, not over SSH or a text console"
    )]
    NoDisplay,
    /// The monitor number does not exist.
    #[error("there is no monitor {given}: this computer has {count}. {list}")]
    NoSuchMonitor {
        /// What was asked for.
        given: usize,
        /// How many there are.
        count: usize,
        /// The monitors, one per line, for choosing.
        list: String,
    },
    /// No window, or several, match the title.
    #[error("{0}")]
    Window(String),
    /// The capture came back black or empty.
    #[error(
        "the capture came back completely black, so it was not saved. {0} Try again, or capture the screen with your computer's own tool and add the file"
    )]
    Blank(&'static str),
    /// The platform refused or failed.
    #[error("the screen could not be captured ({0}). {1}")]
    Backend(String, &'static str),
    /// Writing into the vault failed.
    #[error(transparent)]
    Vault(#[from] safekeep_core::Error),
}

impl Coded for CaptureError {
    /// A stable machine-readable code, for the UI.
    fn code(&self) -> &'static str {
        match self {
            Self::NoDisplay => "no_display",
            Self::NoSuchMonitor { .. } => "no_such_monitor",
            Self::Window(_) => "no_such_window",
            Self::Blank(_) => "blank_capture",
            Self::Backend(..) => "capture_failed",
            Self::Vault(e) => e.code(),
        }
    }
}

/// The kind of graphical session, which decides how capture works.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DisplayServer {
    /// X11 (or XWayland reached through DISPLAY only).
    X11,
    /// Wayland: capture goes through the desktop portal, which may ask permission.
    Wayland,
    /// Windows or macOS.
    Native,
    /// No graphical session.
    None,
}

/// The session this process runs in.
pub fn display_server() -> DisplayServer {
    if cfg!(any(target_os = "windows", target_os = "macos")) {
        return DisplayServer::Native;
    }
    let set = |v: &str| std::env::var_os(v).is_some_and(|s| !s.is_empty());
    let session = std::env::var("XDG_SESSION_TYPE").unwrap_or_default();
    if set("WAYLAND_DISPLAY") || session.eq_ignore_ascii_case("wayland") {
        DisplayServer::Wayland
    } else if set("DISPLAY") {
        DisplayServer::X11
    } else {
        DisplayServer::None
    }
}

fn advice() -> &'static str {
    match display_server() {
        DisplayServer::Wayland => {
            "On Wayland, screen capture goes through the desktop's screen-sharing permission: allow it when asked (GNOME and KDE show a dialog)."
        }
        DisplayServer::Native => {
            "Check that Safekeep is allowed to record the screen in the system settings."
        }
        _ => "Check that a desktop session is running on this display.",
    }
}

fn backend(e: xcap::XCapError) -> CaptureError {
    CaptureError::Backend(e.to_string(), advice())
}

/// One monitor, for choosing.
#[derive(Debug, Clone, Serialize)]
pub struct MonitorInfo {
    /// Its number for [`Target::Monitor`], from 1.
    pub number: usize,
    /// The name the system gives it.
    pub name: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Scale factor (2.0 on many high-density screens).
    pub scale_factor: f32,
    /// Whether the system calls it the primary monitor.
    pub primary: bool,
}

/// One window, for choosing.
#[derive(Debug, Clone, Serialize)]
pub struct WindowInfo {
    /// Its title.
    pub title: String,
    /// The application that owns it.
    pub app_name: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

fn ensure_display() -> Result<(), CaptureError> {
    if display_server() == DisplayServer::None {
        return Err(CaptureError::NoDisplay);
    }
    Ok(())
}

fn all_monitors() -> Result<Vec<Monitor>, CaptureError> {
    ensure_display()?;
    let list = Monitor::all().map_err(backend)?;
    if list.is_empty() {
        return Err(CaptureError::Backend("no monitor was reported".into(), advice()));
    }
    Ok(list)
}

/// The monitors, numbered from 1.
pub fn monitors() -> Result<Vec<MonitorInfo>, CaptureError> {
    all_monitors()?
        .iter()
        .enumerate()
        .map(|(i, m)| {
            Ok(MonitorInfo {
                number: i + 1,
                name: m.name().map_err(backend)?,
                width: m.width().map_err(backend)?,
                height: m.height().map_err(backend)?,
                scale_factor: m.scale_factor().map_err(backend)?,
                primary: m.is_primary().unwrap_or(false),
            })
        })
        .collect()
}

fn listable(w: &Window) -> bool {
    !w.is_minimized().unwrap_or(false) && w.width().unwrap_or(0) > 1 && w.height().unwrap_or(0) > 1
}

/// Every window the window manager reports; a display without one cannot list windows.
fn all_windows() -> Result<Vec<Window>, CaptureError> {
    ensure_display()?;
    Window::all().map_err(|e| {
        CaptureError::Window(format!(
            "this desktop does not say which windows are open ({e}), so a single window cannot be captured; capture the whole screen or a monitor instead"
        ))
    })
}

/// The windows that can be captured (not minimised), front to back.
pub fn windows() -> Result<Vec<WindowInfo>, CaptureError> {
    Ok(all_windows()?
        .iter()
        .filter(|w| listable(w))
        .map(|w| WindowInfo {
            title: w.title().unwrap_or_default(),
            app_name: w.app_name().unwrap_or_default(),
            width: w.width().unwrap_or(0),
            height: w.height().unwrap_or(0),
        })
        .collect())
}

fn find_window(title: &str) -> Result<Window, CaptureError> {
    let wanted = title.trim().to_lowercase();
    if wanted.is_empty() {
        return Err(CaptureError::Window("give part of the window's title".into()));
    }
    let all: Vec<Window> = Window::all()
        .map_err(backend)?
        .into_iter()
        .filter(listable)
        .collect();
    let exact: Vec<&Window> = all
        .iter()
        .filter(|w| w.title().is_ok_and(|t| t.to_lowercase() == wanted))
        .collect();
    let partial: Vec<&Window> = all
        .iter()
        .filter(|w| w.title().is_ok_and(|t| t.to_lowercase().contains(&wanted)))
        .collect();
    let titles = |ws: &[&Window]| {
        ws.iter()
            .map(|w| format!("\"{}\"", w.title().unwrap_or_default()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match (exact.as_slice(), partial.as_slice()) {
        ([one], _) | ([], [one]) => Ok((*one).clone()),
        ([], []) => {
            let open: Vec<&Window> = all.iter().collect();
            Err(CaptureError::Window(format!(
                "no open window has \"{title}\" in its title. Open windows: {}",
                if open.is_empty() {
                    "none".into()
                } else {
                    titles(&open)
                }
            )))
        }
        (_, many) => Err(CaptureError::Window(format!(
            "several windows match \"{title}\": {}. Give more of the title",
            titles(many)
        ))),
    }
}

/// Where the time of one capture went, in milliseconds.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Timings {
    /// Reading the pixels from the display.
    pub grab_ms: f64,
    /// Encoding them to PNG.
    pub encode_ms: f64,
    /// Hashing, encrypting and writing the PNG to the vault, and flushing it to disk.
    pub store_ms: f64,
    /// Moving it into place and committing the item and its audit event.
    pub commit_ms: f64,
    /// From the start of the capture to the item sealed in the vault.
    pub total_ms: f64,
}

/// A capture sealed in the vault.
#[derive(Debug, Clone, Serialize)]
pub struct Captured {
    /// The new item.
    pub item: ItemRecord,
    /// Where the time went.
    pub timings: Timings,
}

/// A capture to make: what, and which series of shots (a scrolling conversation) it
/// continues, if any.
#[derive(Debug, Clone)]
pub struct ScreenRequest {
    /// What to capture.
    pub target: Target,
    /// Continue the series this item belongs to ("capture again").
    pub again: Option<String>,
    /// What the person already said (the CLI lets them say it up front).
    pub context: Context,
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Encodes RGBA pixels as PNG, once. Fast compression: the pixels are kept exactly; only
/// the file is a little larger than the smallest possible.
fn encode_png(img: &RgbaImage) -> Result<Vec<u8>, CaptureError> {
    let mut out = Vec::with_capacity(img.as_raw().len() / 4);
    let mut enc = png::Encoder::new(&mut out, img.width(), img.height());
    enc.set_color(png::ColorType::Rgba);
    enc.set_depth(png::BitDepth::Eight);
    enc.set_compression(png::Compression::Fast);
    let fail = |e: png::EncodingError| CaptureError::Backend(format!("PNG encoding failed: {e}"), "");
    let mut w = enc.write_header().map_err(fail)?;
    w.write_image_data(img.as_raw()).map_err(fail)?;
    w.finish().map_err(fail)?;
    Ok(out)
}

/// Whether every pixel is black or fully transparent.
fn is_blank(img: &RgbaImage) -> bool {
    img.as_raw()
        .chunks_exact(4)
        .all(|p| p[3] == 0 || (p[0] == 0 && p[1] == 0 && p[2] == 0))
}

struct Grab {
    image: RgbaImage,
    name: String,
    meta: Value,
}

fn grab(target: &Target) -> Result<Vec<Grab>, CaptureError> {
    if display_server() == DisplayServer::Wayland {
        wayland_scratch::make_private(&wayland_scratch::folder())
            .map_err(|e| CaptureError::Backend(e.to_string(), advice()))?;
    }
    match target {
        Target::AllMonitors | Target::Monitor(_) => {
            let all = all_monitors()?;
            let chosen: Vec<(usize, &Monitor)> = match target {
                Target::Monitor(n) => {
                    let m = n
                        .checked_sub(1)
                        .and_then(|i| all.get(i))
                        .ok_or_else(|| no_such_monitor(*n, &all))?;
                    vec![(*n, m)]
                }
                _ => all.iter().enumerate().map(|(i, m)| (i + 1, m)).collect(),
            };
            chosen
                .into_iter()
                .map(|(n, m)| {
                    let image = m.capture_image().map_err(backend)?;
                    Ok(Grab {
                        name: format!("screen-{n}.png"),
                        meta: json!({
                            "monitor": n,
                            "monitor_name": m.name().unwrap_or_default(),
                            "width": image.width(),
                            "height": image.height(),
                            "scale_percent": scale_percent(m.scale_factor().ok()),
                            "position": [m.x().unwrap_or(0), m.y().unwrap_or(0)],
                        }),
                        image,
                    })
                })
                .collect()
        }
        Target::Window(title) => {
            let w = find_window(title)?;
            let image = w.capture_image().map_err(backend)?;
            let monitor = w.current_monitor().ok();
            Ok(vec![Grab {
                name: "window.png".into(),
                meta: json!({
                    "window_title": w.title().unwrap_or_default(),
                    "app_name": w.app_name().unwrap_or_default(),
                    "width": image.width(),
                    "height": image.height(),
                    "position": [w.x().unwrap_or(0), w.y().unwrap_or(0)],
                    "monitor_name": monitor.as_ref().and_then(|m| m.name().ok()),
                    "scale_percent": scale_percent(monitor.as_ref().and_then(|m| m.scale_factor().ok())),
                }),
                image,
            }])
        }
    }
}

/// The scale factor as a whole percentage (150 for 1.5): sealed records hold integers
/// only (docs/vault.md § "Canonical event encoding").
fn scale_percent(factor: Option<f32>) -> Option<u32> {
    factor
        .filter(|f| f.is_finite() && *f > 0.0)
        .map(|f| (f * 100.0).round() as u32)
}

fn method(target: &Target) -> &'static str {
    match (target, display_server()) {
        (Target::Window(_), DisplayServer::X11) => "xcap: X11 capture of the window's contents",
        (_, DisplayServer::X11) => "xcap: X11 XGetImage of the root window, cropped to the monitor",
        (_, DisplayServer::Wayland) => "xcap: xdg-desktop-portal Screenshot (Wayland)",
        (_, DisplayServer::Native) => "xcap: the operating system's screen capture API",
        (_, DisplayServer::None) => "none",
    }
}

fn now(clock: &dyn Clock) -> DateTime<FixedOffset> {
    clock.now()
}

/// Captures the screen and seals the capture in `vault` as one item of kind
/// `screenshot`. The vault's own clock times it. Nothing is stored if any step fails.
pub fn capture_to_vault(
    vault: &mut Vault,
    case_id: &str,
    req: &ScreenRequest,
) -> Result<Captured, CaptureError> {
    let case = vault.resolve_case(case_id)?;
    let series = match &req.again {
        Some(item) => {
            if vault.item(item)?.record.case_id != case.id {
                return Err(CaptureError::Vault(safekeep_core::Error::Invalid(format!(
                    "item {item} belongs to another case; \"capture again\" continues a series within one case"
                ))));
            }
            Some(vault.next_in_series(item)?)
        }
        None => None,
    };
    let t0 = Instant::now();
    let started = now(vault.clock());
    let grabs = grab(&req.target)?;
    let ended = now(vault.clock());
    let t_grab = t0.elapsed();
    if grabs.iter().all(|g| is_blank(&g.image)) {
        return Err(CaptureError::Blank(advice()));
    }
    let mut files = Vec::with_capacity(grabs.len());
    let mut shots = Vec::with_capacity(grabs.len());
    for g in grabs {
        files.push(CapturedFile {
            role: "screenshot".into(),
            name: g.name.clone(),
            media_type: "image/png".into(),
            bytes: encode_png(&g.image)?,
        });
        let mut meta = g.meta;
        meta["file"] = json!(g.name);
        shots.push(meta);
    }
    let t_encode = t0.elapsed();
    let (target, title) = match &req.target {
        Target::AllMonitors if shots.len() == 1 => {
            ("the whole screen".to_owned(), "Screen capture".to_owned())
        }
        Target::AllMonitors => (
            "all monitors".to_owned(),
            "Screen capture (all monitors)".to_owned(),
        ),
        Target::Monitor(n) => (format!("monitor {n}"), format!("Screen capture (monitor {n})")),
        Target::Window(_) => {
            let t = shots[0]["window_title"].as_str().unwrap_or_default().to_owned();
            ("window".to_owned(), format!("Window: {t}"))
        }
    };
    let mut machine = json!({
        "source": "screen",
        "target": target,
        "method": method(&req.target),
        "os": std::env::consts::OS,
        "display_server": display_server(),
        "started_at": utc_rfc3339(&started),
        "ended_at": utc_rfc3339(&ended),
        "shots": shots,
    });
    if let Some((id, index)) = &series {
        machine["series"] = json!({ "id": id, "index": index });
    }
    let title = match &series {
        Some((_, index)) => format!("{title} — part {index}"),
        None => title,
    };
    let mut t_staged = t_encode;
    let item = vault.add_capture(
        &case.id,
        CapturedItem {
            kind: ItemKind::Screenshot,
            title,
            started,
            files,
            machine,
            context: req.context.clone(),
        },
        &mut || t_staged = t0.elapsed(),
    )?;
    let total = t0.elapsed();
    Ok(Captured {
        item,
        timings: Timings {
            grab_ms: ms(t_grab),
            encode_ms: ms(t_encode - t_grab),
            store_ms: ms(t_staged - t_encode),
            commit_ms: ms(total - t_staged),
            total_ms: ms(total),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn png_round_trips_exactly_and_blank_is_detected() {
        let mut img = RgbaImage::new(7, 5);
        assert!(is_blank(&img));
        for (i, p) in img.pixels_mut().enumerate() {
            p.0 = [(i * 9) as u8, (i * 5) as u8, 200, 255];
        }
        assert!(!is_blank(&img));
        let png = encode_png(&img).expect("encode");
        let dec = png::Decoder::new(std::io::Cursor::new(png));
        let mut r = dec.read_info().expect("info");
        let mut buf = vec![0; r.output_buffer_size().expect("size")];
        let info = r.next_frame(&mut buf).expect("frame");
        assert_eq!((info.width, info.height), (7, 5));
        assert_eq!(&buf[..info.buffer_size()], img.as_raw().as_slice());
    }
}

/// A part of the screen, where it is now: what a screen recording records.
#[derive(Debug, Clone)]
pub struct Area {
    /// Left edge, in the desktop's pixels.
    pub x: i32,
    /// Top edge.
    pub y: i32,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// The window's own id, when the target is a window (recorders can follow it).
    pub window_id: Option<u32>,
    /// What it is (monitor or window, names), for the item's record.
    pub meta: Value,
}

/// Where `target` is on the screen now. All monitors is the box around them all.
pub fn area(target: &Target) -> Result<Area, CaptureError> {
    match target {
        Target::AllMonitors | Target::Monitor(_) => {
            let all = all_monitors()?;
            let chosen: Vec<&Monitor> = match target {
                Target::Monitor(n) => vec![
                    n.checked_sub(1)
                        .and_then(|i| all.get(i))
                        .ok_or_else(|| no_such_monitor(*n, &all))?,
                ],
                _ => all.iter().collect(),
            };
            let edges = |m: &Monitor| -> Result<(i32, i32, i32, i32), CaptureError> {
                let (x, y) = (m.x().map_err(backend)?, m.y().map_err(backend)?);
                let (w, h) = (m.width().map_err(backend)?, m.height().map_err(backend)?);
                Ok((x, y, x + w as i32, y + h as i32))
            };
            let mut bounds: Option<(i32, i32, i32, i32)> = None;
            for m in &chosen {
                let (l, t, r, b) = edges(m)?;
                bounds = Some(match bounds {
                    None => (l, t, r, b),
                    Some((l0, t0, r0, b0)) => (l0.min(l), t0.min(t), r0.max(r), b0.max(b)),
                });
            }
            let (l, t, r, b) = bounds.unwrap_or_default();
            Ok(Area {
                x: l,
                y: t,
                width: (r - l).max(0) as u32,
                height: (b - t).max(0) as u32,
                window_id: None,
                meta: json!({
                    "target": if matches!(target, Target::Monitor(_)) { "monitor" } else { "all_monitors" },
                    "monitors": chosen.iter().map(|m| json!({
                        "name": m.name().unwrap_or_default(),
                        "position": [m.x().unwrap_or(0), m.y().unwrap_or(0)],
                        "width": m.width().unwrap_or(0),
                        "height": m.height().unwrap_or(0),
                        "scale_percent": scale_percent(m.scale_factor().ok()),
                    })).collect::<Vec<_>>(),
                }),
            })
        }
        Target::Window(title) => {
            ensure_display()?;
            let w = find_window(title)?;
            Ok(Area {
                x: w.x().map_err(backend)?,
                y: w.y().map_err(backend)?,
                width: w.width().map_err(backend)?,
                height: w.height().map_err(backend)?,
                window_id: w.id().ok(),
                meta: json!({
                    "target": "window",
                    "window_title": w.title().unwrap_or_default(),
                    "app_name": w.app_name().unwrap_or_default(),
                }),
            })
        }
    }
}

fn no_such_monitor(given: usize, all: &[Monitor]) -> CaptureError {
    CaptureError::NoSuchMonitor {
        given,
        count: all.len(),
        list: monitors()
            .map(|ms| {
                ms.iter()
                    .map(|m| format!("{}: {} ({}×{})", m.number, m.name, m.width, m.height))
                    .collect::<Vec<_>>()
                    .join("; ")
            })
            .unwrap_or_default(),
    }
}
