//! Capture from the app. Screen: Safekeep's own window is hidden while the screen is
//! read, so it never appears in the evidence, and shown again afterwards. Web pages:
//! fetched and rendered without holding the vault, then sealed.

use std::time::Duration;

use safekeep_capture::screen::{
    self, Captured, DisplayServer, MonitorInfo, ScreenRequest, Target, WindowInfo,
};
use safekeep_capture::web::{self, Limits, Render, WebRequest};
use safekeep_core::item::Context;
use serde::{Deserialize, Serialize};
use tauri::{State, WebviewWindow};

use crate::error::UiError;
use crate::state::AppState;

type Result<T> = std::result::Result<T, UiError>;

/// Long enough for the desktop to repaint what was behind Safekeep's window.
pub(crate) const HIDE_SETTLE: Duration = Duration::from_millis(300);

/// What can be captured, and how capture works in this session.
#[derive(Serialize)]
pub struct Targets {
    monitors: Vec<MonitorInfo>,
    windows: Vec<WindowInfo>,
    /// Why windows cannot be listed here, if they cannot.
    windows_note: Option<String>,
    display_server: DisplayServer,
}

/// Lists monitors and windows (other than Safekeep's own).
#[tauri::command(async)]
pub fn capture_targets() -> Result<Targets> {
    let monitors = screen::monitors()?;
    let (windows, windows_note) = match screen::windows() {
        Ok(ws) => (ws.into_iter().filter(|w| w.title != "Safekeep").collect(), None),
        Err(e) => (Vec::new(), Some(crate::error::capitalise(&e.to_string()))),
    };
    Ok(Targets {
        monitors,
        windows,
        windows_note,
        display_server: screen::display_server(),
    })
}

/// What the page asks to capture.
#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TargetArg {
    /// Every monitor.
    All,
    /// One monitor, from 1.
    Monitor {
        /// Its number.
        number: usize,
    },
    /// One window, by title.
    Window {
        /// Its title.
        title: String,
    },
}

impl From<TargetArg> for Target {
    fn from(t: TargetArg) -> Self {
        match t {
            TargetArg::All => Target::AllMonitors,
            TargetArg::Monitor { number } => Target::Monitor(number),
            TargetArg::Window { title } => Target::Window(title),
        }
    }
}

/// Captures now (the page has already counted down): hides this window, captures,
/// seals, shows the window again.
#[tauri::command(async)]
pub fn capture_screen(
    state: State<'_, AppState>,
    window: WebviewWindow,
    case_id: String,
    target: TargetArg,
    again: Option<String>,
    no_images_understood: Option<bool>,
) -> Result<Captured> {
    state
        .vault()?
        .check_screen_capture(&case_id, no_images_understood.unwrap_or(false))?;
    let req = ScreenRequest {
        target: target.into(),
        again,
        context: Context::default(),
    };
    let mut vault = state.vault()?;
    let _ = window.hide();
    std::thread::sleep(HIDE_SETTLE);
    let captured = screen::capture_to_vault(&mut vault, &case_id, &req);
    let _ = window.show();
    let _ = window.set_focus();
    Ok(captured?)
}

/// Fetches (and, when asked, renders) a page, then seals it into the case. The vault is
/// only held to check the case and to store: never while waiting on the network. With
/// `check_again`, the address and case are those of that earlier web-page item.
#[tauri::command(async)]
pub fn capture_url(
    state: State<'_, AppState>,
    case_id: String,
    url: String,
    render: bool,
    media: Option<bool>,
    accept_invalid_certificate: bool,
    check_again: Option<String>,
) -> Result<web::Captured> {
    let (case, base) = match check_again {
        Some(item) => web::again::request_for(&*state.vault()?, &item)?,
        None => (
            state.vault()?.resolve_case(&case_id)?.id,
            WebRequest {
                url,
                ..WebRequest::default()
            },
        ),
    };
    let req = WebRequest {
        limits: Limits {
            accept_invalid_certificate: accept_invalid_certificate || base.limits.accept_invalid_certificate,
            ..Limits::default()
        },
        render: if render { Render::Auto } else { Render::Skip },
        media: if media.unwrap_or(false) {
            web::media::Media::Keep
        } else {
            web::media::Media::Count
        },
        no_images: state.vault()?.is_no_images_case(&case)?,
        ..base
    };
    // A thread of its own: the capture runs its own async runtime.
    let page = std::thread::spawn(move || web::capture(&req, &|| chrono::Local::now().fixed_offset()))
        .join()
        .map_err(|_| {
            UiError::new(
                "capture_failed",
                "The capture stopped unexpectedly. Nothing was saved.",
            )
        })??;
    let mut vault = state.vault()?;
    Ok(web::store(&mut vault, &case, page)?)
}
