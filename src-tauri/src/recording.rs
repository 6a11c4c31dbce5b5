//! "Record the screen" from the app: Safekeep hides its window, FFmpeg records, and the
//! only stop control is Safekeep's icon in the system tray ("Stop recording"), which is
//! never in the picture. The recording also ends at the length chosen.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use safekeep_capture::video::{self, VideoRequest};
use safekeep_core::item::{Context, ItemRecord};
use serde::Serialize;
use tauri::menu::{Menu, MenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, State, WebviewWindow};

use crate::capture::{HIDE_SETTLE, TargetArg};
use crate::error::UiError;
use crate::state::AppState;

type Result<T> = std::result::Result<T, UiError>;

const TRAY: &str = "safekeep-recording";

/// What the page shows after a recording.
#[derive(Serialize)]
pub struct Recorded {
    item: ItemRecord,
}

/// Records `target` for `seconds` (or until "Stop recording" in the tray) and seals it.
#[tauri::command(async)]
pub fn record_screen(
    app: AppHandle,
    state: State<'_, AppState>,
    window: WebviewWindow,
    case_id: String,
    target: TargetArg,
    seconds: Option<u64>,
    no_images_understood: Option<bool>,
) -> Result<Recorded> {
    state
        .vault()?
        .check_screen_capture(&case_id, no_images_understood.unwrap_or(false))?;
    let request = VideoRequest {
        target: target.into(),
        duration: seconds.map(Duration::from_secs),
        program: None,
        context: Context::default(),
    };
    let mut vault = state.vault()?;
    let stop = Arc::new(AtomicBool::new(false));
    show_stop_control(&app, Arc::clone(&stop));
    let _ = window.hide();
    std::thread::sleep(HIDE_SETTLE);
    let recorded = video::record_to_vault(&mut vault, &case_id, &request, &stop, &mut || {});
    hide_stop_control(&app);
    let _ = window.show();
    let _ = window.set_focus();
    Ok(Recorded { item: recorded? })
}

/// The tray icon with "Stop recording". A desktop without a tray shows nothing; the
/// chosen length still ends the recording.
fn show_stop_control(app: &AppHandle, stop: Arc<AtomicBool>) {
    let build = |app: &AppHandle| -> tauri::Result<()> {
        let item = MenuItem::with_id(app, "stop-recording", "Stop recording", true, None::<&str>)?;
        let menu = Menu::with_items(app, &[&item])?;
        let mut tray = TrayIconBuilder::with_id(TRAY)
            .menu(&menu)
            .tooltip("Safekeep is recording the screen")
            .on_menu_event(move |_, event| {
                if event.id().as_ref() == "stop-recording" {
                    stop.store(true, Ordering::SeqCst);
                }
            });
        if let Some(icon) = app.default_window_icon() {
            tray = tray.icon(icon.clone());
        }
        tray.build(app).map(drop)
    };
    let handle = app.clone();
    let _ = app.run_on_main_thread(move || {
        if let Err(e) = build(&handle) {
            eprintln!("Safekeep: the tray's stop control could not be shown ({e})");
        }
    });
}

/// Removes the tray icon, on the main thread after its creation.
fn hide_stop_control(app: &AppHandle) {
    let handle = app.clone();
    let _ = app.run_on_main_thread(move || drop(handle.remove_tray_by_id(TRAY)));
}
