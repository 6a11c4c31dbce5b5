//! "Receive from a phone" in the app: starts and stops the LocalSend receiver of
//! `safekeep_capture::phone` for the case on screen, passes its events to the page, and
//! passes the person's answers back. It runs only while the screen is open: the page
//! stops it when the panel closes, and [`AppState`] stops it before every lock (by hand,
//! auto-lock, quick exit).

use std::sync::Arc;

use safekeep_capture::phone::{self, Pin, ReceiveEvent, ReceiveOptions, Receiver};
use safekeep_core::Vault;
use serde::Serialize;
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, State};

use crate::error::UiError;
use crate::state::AppState;

type Result<T> = std::result::Result<T, UiError>;

/// The open vault, as the receiver reaches it: through the app's state, so that a
/// locked vault is simply not there.
struct AppVault(AppHandle);

impl phone::VaultAccess for AppVault {
    fn with_vault(&self, f: &mut dyn FnMut(&mut Vault)) -> bool {
        self.0.state::<AppState>().in_background(|v| f(v)).is_some()
    }
}

/// What the page shows while receiving.
#[derive(Serialize)]
pub struct Receiving {
    alias: String,
    pin: String,
    address: String,
    port: u16,
    url: String,
    fingerprint: String,
    /// The address as a QR code (SVG), for phones that scan it.
    qr_svg: String,
}

/// Starts receiving into `case_id` as `alias` (none: a neutral random name); `on_event`
/// gets every [`ReceiveEvent`]. Stops a receiver already running first.
#[tauri::command(async)]
pub fn phone_receive_start(
    app: AppHandle,
    state: State<'_, AppState>,
    case_id: String,
    alias: Option<String>,
    on_event: Channel<ReceiveEvent>,
) -> Result<Receiving> {
    state.stop_receiving();
    let alias = phone::choose_alias(
        &*state.vault()?,
        &case_id,
        alias.as_deref().filter(|a| !a.trim().is_empty()),
    )?;
    let options = ReceiveOptions::new(&case_id, &alias, Pin::draw(&mut rand::rng()));
    let (receiver, events) = Receiver::start(options, Arc::new(AppVault(app)))?;
    std::thread::spawn(move || {
        for event in events {
            let _ = on_event.send(event);
        }
    });
    let shown = Receiving {
        alias: receiver.alias().to_owned(),
        pin: receiver.pin().to_owned(),
        address: receiver.address().to_string(),
        port: receiver.port(),
        url: receiver.url(),
        fingerprint: receiver.fingerprint().to_owned(),
        qr_svg: qr_svg(&receiver.url()),
    };
    if !state.set_receiver(receiver) {
        return Err(UiError::new(
            "vault_is_locked",
            "Safekeep was locked while receiving was starting, so it was stopped. Type your passphrase to continue.",
        ));
    }
    Ok(shown)
}

/// Answers an incoming transfer; `this_phone` accepts later ones from it without asking
/// until receiving stops. Returns whether the transfer was still waiting.
#[tauri::command]
pub fn phone_receive_decide(
    state: State<'_, AppState>,
    transfer: String,
    accept: bool,
    this_phone: bool,
) -> bool {
    state.touch();
    state
        .receiver(|r| r.decide(&transfer, accept, this_phone))
        .unwrap_or(false)
}

/// Stops receiving: nothing listens any more.
#[tauri::command(async)]
pub fn phone_receive_stop(state: State<'_, AppState>) {
    state.stop_receiving();
}

fn qr_svg(text: &str) -> String {
    match qrcode::QrCode::new(text.as_bytes()) {
        Ok(code) => code
            .render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(180, 180)
            .build(),
        Err(_) => String::new(),
    }
}
