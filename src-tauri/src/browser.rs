//! Safekeep's browser from the app: open it from a case, "Capture this page", close it,
//! forget the logins. The browser runs its own async runtime, so every call into it
//! runs on a plain thread of its own ([`apart`]), never on Tauri's.
//!
//! Lock order: the browser slot before the vault, everywhere (see `AppState`).

use safekeep_capture::web::Captured;
use safekeep_capture::web::browser::{ScrollLimits, WindowOptions, WindowState};
use safekeep_core::item::ItemRecord;
use tauri::State;

use crate::error::UiError;
use crate::state::AppState;

type Result<T> = std::result::Result<T, UiError>;

/// Runs `f` on a thread of its own, waiting for it.
pub(crate) fn apart<T: Send>(f: impl FnOnce() -> T + Send) -> Result<T> {
    std::thread::scope(|s| s.spawn(f).join()).map_err(|_| {
        UiError::new(
            "capture_failed",
            "Safekeep's browser stopped unexpectedly. Nothing was saved.",
        )
    })
}

/// Opens Safekeep's browser for the case (or points the open one at it), with `url`
/// in a tab of its own when given.
#[tauri::command(async)]
pub fn browser_open(state: State<'_, AppState>, case_id: String, url: Option<String>) -> Result<WindowState> {
    let mut slot = state.browser();
    let mut vault = state.vault()?;
    let (slot, vault) = (&mut *slot, &mut *vault);
    let options = WindowOptions {
        case_id: Some(case_id),
        start_url: url.filter(|u| !u.trim().is_empty()),
        ..WindowOptions::default()
    };
    Ok(apart(move || slot.open(vault, &options))??)
}

/// "Capture this page": seals the tab the person is looking at, as it is now (with a
/// direct fetch of its address beside it, when asked).
#[tauri::command(async)]
pub fn browser_capture(state: State<'_, AppState>, scroll: bool, also_fetch: bool) -> Result<Captured> {
    let mut slot = state.browser();
    let mut vault = state.vault()?;
    let (slot, vault) = (&mut *slot, &mut *vault);
    let scroll = scroll.then(ScrollLimits::default);
    Ok(apart(move || slot.capture(vault, scroll, also_fetch))??)
}

/// "Keep the chosen files": seals the downloads the person ticked into the case.
#[tauri::command(async)]
pub fn browser_keep_downloads(state: State<'_, AppState>, chosen: Vec<String>) -> Result<Vec<ItemRecord>> {
    let mut slot = state.browser();
    let mut vault = state.vault()?;
    let (slot, vault) = (&mut *slot, &mut *vault);
    Ok(apart(move || slot.keep_downloads(vault, &chosen))??)
}

/// Closes the browser (keeping the logins encrypted in the vault; downloads not chosen
/// are deleted); says whether it was open.
#[tauri::command(async)]
pub fn browser_close(state: State<'_, AppState>) -> Result<bool> {
    let mut slot = state.browser();
    let mut vault = state.vault()?;
    let (slot, vault) = (&mut *slot, &mut *vault);
    Ok(apart(move || slot.close(vault))??)
}

/// "Forget my logins": closes the browser without keeping them and deletes the kept ones.
#[tauri::command(async)]
pub fn browser_forget(state: State<'_, AppState>) -> Result<bool> {
    let mut slot = state.browser();
    let mut vault = state.vault()?;
    let (slot, vault) = (&mut *slot, &mut *vault);
    Ok(apart(move || slot.forget(vault))??)
}

/// Whether the browser is open, and for which case.
#[tauri::command(async)]
pub fn browser_state(state: State<'_, AppState>) -> WindowState {
    state.browser().state()
}
