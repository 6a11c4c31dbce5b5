//! The neutral look: Safekeep can show itself as "Notes" or "Calculator" (a name and an
//! icon of our own, `icons/looks/`) in the window title, the taskbar, the desktop's menu
//! entry and the lock screen, so that someone glancing at a shared computer does not
//! learn that evidence is kept on it.
//!
//! Invariants: off by default; the choice is an app setting (`app.json`), applied at
//! start before the window is shown; turning it off restores the title and icon and
//! removes every file the look wrote (and only those, recognised by their marker).
//! What it does not hide is said in `docs/guide.md` § "A neutral look".

mod desktop_entry;

use serde::Serialize;
use tauri::image::Image;
use tauri::{AppHandle, Manager, WebviewWindow};

use crate::error::UiError;
use crate::settings::Settings;

/// The window title when no neutral look is chosen.
const OWN_TITLE: &str = "Safekeep";

/// One neutral look. Its id is what `app.json` and the page use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Look {
    /// A notepad.
    Notes,
    /// A calculator.
    Calculator,
}

impl Look {
    /// Every look, in the order Settings offers them.
    pub const ALL: [Look; 2] = [Look::Notes, Look::Calculator];

    /// The id stored in the settings.
    pub fn id(self) -> &'static str {
        match self {
            Look::Notes => "notes",
            Look::Calculator => "calculator",
        }
    }

    /// The look with this id; none for an id this version does not know.
    pub fn from_id(id: &str) -> Option<Look> {
        Look::ALL.into_iter().find(|l| l.id() == id)
    }

    /// The name shown in the title bar, the taskbar and the menu. English, like the
    /// names of the desktop's own small tools it imitates.
    pub fn name(self) -> &'static str {
        match self {
            Look::Notes => "Notes",
            Look::Calculator => "Calculator",
        }
    }

    /// The icon, 128×128 RGBA PNG drawn for Safekeep (`icons/looks/*.svg` is its source).
    pub fn png(self) -> &'static [u8] {
        match self {
            Look::Notes => include_bytes!("../../icons/looks/notes.png"),
            Look::Calculator => include_bytes!("../../icons/looks/calculator.png"),
        }
    }
}

/// Why a look could not be applied or undone.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LookError {
    /// The page asked for a look this version does not offer.
    #[error("there is no neutral look called {0:?}")]
    Unknown(String),
    /// The window refused its new title or icon.
    #[error("the window's title or icon could not be changed: {0}")]
    Window(#[from] tauri::Error),
    /// The icon shipped with the app could not be decoded (a build fault).
    #[error("the look's icon could not be read: {0}")]
    Icon(#[from] image::ImageError),
    /// The desktop's menu entry could not be written or removed.
    #[error("the desktop's menu entry at {path} could not be changed: {source}")]
    MenuEntry {
        /// The entry or icon file concerned.
        path: std::path::PathBuf,
        /// What the file system said.
        source: std::io::Error,
    },
    /// `app.json` could not be saved.
    #[error("the app's settings could not be saved: {0}")]
    Settings(std::io::Error),
}

impl safekeep_core::Coded for LookError {
    fn code(&self) -> &'static str {
        "neutral_look"
    }
}

/// The look saved in the settings, if any.
pub fn saved() -> Option<Look> {
    Settings::load().neutral_look.as_deref().and_then(Look::from_id)
}

/// Gives the window the look's title and icon, or Safekeep's own when `look` is none.
pub fn apply_to_window(window: &WebviewWindow, look: Option<Look>) -> Result<(), LookError> {
    match look {
        Some(look) => {
            let rgba = image::load_from_memory_with_format(look.png(), image::ImageFormat::Png)?.into_rgba8();
            let (w, h) = rgba.dimensions();
            window.set_icon(Image::new_owned(rgba.into_raw(), w, h))?;
            window.set_title(look.name())?;
        }
        None => {
            if let Some(icon) = window.app_handle().default_window_icon() {
                window.set_icon(icon.clone())?;
            }
            window.set_title(OWN_TITLE)?;
        }
    }
    Ok(())
}

/// Chooses a look (or none): saved first, so that a failure below still leaves the
/// choice in force at the next start; then the menu entry; then the window.
pub fn choose(window: &WebviewWindow, look: Option<Look>) -> Result<(), LookError> {
    let mut settings = Settings::load();
    settings.neutral_look = look.map(|l| l.id().to_owned());
    settings.save().map_err(LookError::Settings)?;
    match look {
        Some(look) => desktop_entry::write(look)?,
        None => desktop_entry::remove()?,
    }
    apply_to_window(window, look)
}

/// Applies the saved look to the main window, then shows it (the window starts hidden,
/// `tauri.conf.json`, so that Safekeep's own name never flashes up first).
pub fn apply_at_start(app: &AppHandle) {
    let Some(window) = app.get_webview_window("main") else {
        return;
    };
    if let Err(e) = apply_to_window(&window, saved()) {
        eprintln!("Safekeep could not apply its neutral look ({e}); continuing");
    }
    if let Err(e) = window.show() {
        eprintln!("Safekeep could not show its window: {e}");
    }
}

/// The look in force, for the page (lock screen and Settings).
#[derive(Serialize)]
pub struct LookState {
    /// The look's id; none when Safekeep shows its own name.
    look: Option<&'static str>,
    /// The ids Settings offers.
    choices: Vec<&'static str>,
}

/// Says which neutral look is in force.
#[tauri::command]
pub fn neutral_look() -> LookState {
    LookState {
        look: saved().map(Look::id),
        choices: Look::ALL.iter().map(|l| l.id()).collect(),
    }
}

/// Chooses a neutral look by id, or Safekeep's own with none.
#[tauri::command(async)]
pub fn set_neutral_look(window: WebviewWindow, look: Option<String>) -> Result<(), UiError> {
    let look = look
        .map(|id| Look::from_id(&id).ok_or(LookError::Unknown(id)))
        .transpose()?;
    Ok(choose(&window, look)?)
}
