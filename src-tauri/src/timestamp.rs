//! Trusted timestamps from the app: the setting, "timestamp now", and a background
//! retry. Tokens are fetched without holding the vault (it is locked only to read the
//! queue and to store what came back), so the app stays usable while an authority is
//! slow or the computer is offline. While timestamping is off the queue is empty and
//! nothing is ever sent.

use std::time::Duration;

use safekeep_capture::timestamp::{self, RunSummary};
use safekeep_core::vault::{Authority, DEFAULT_AUTHORITIES, TimestampStatus};
use serde::Serialize;
use tauri::{AppHandle, Manager, State};

use crate::error::UiError;
use crate::state::AppState;

type Result<T> = std::result::Result<T, UiError>;

/// How often waiting items are retried while the app is unlocked.
const RETRY_EVERY: Duration = Duration::from_secs(120);

/// The status, and the authorities offered when none were chosen yet.
#[derive(Serialize)]
pub struct Status {
    #[serde(flatten)]
    status: TimestampStatus,
    defaults: [&'static str; 2],
}

/// Whether timestamping is on, the authorities, and how many items wait.
#[tauri::command(async)]
pub fn timestamp_status(state: State<'_, AppState>) -> Result<Status> {
    Ok(Status {
        status: state.vault()?.timestamp_status()?,
        defaults: DEFAULT_AUTHORITIES,
    })
}

/// Turns timestamping on with these authorities (the default list when empty), then
/// asks for the waiting items' timestamps.
#[tauri::command(async)]
pub fn enable_timestamps(state: State<'_, AppState>, urls: Vec<String>) -> Result<TimestampStatus> {
    let authorities = urls
        .into_iter()
        .filter(|u| !u.trim().is_empty())
        .map(|url| Authority {
            url,
            certificates: None,
        })
        .collect();
    state.vault()?.enable_timestamps(authorities)?;
    drain(&state)?;
    Ok(state.vault()?.timestamp_status()?)
}

/// Turns timestamping off.
#[tauri::command(async)]
pub fn disable_timestamps(state: State<'_, AppState>) -> Result<TimestampStatus> {
    let mut vault = state.vault()?;
    vault.disable_timestamps()?;
    Ok(vault.timestamp_status()?)
}

/// Asks for every waiting item's timestamp now.
#[tauri::command(async)]
pub fn timestamp_now(state: State<'_, AppState>) -> Result<RunSummary> {
    drain(&state)
}

/// Reads the queue, asks the authorities with the vault released, stores the answers.
pub fn drain(state: &AppState) -> Result<RunSummary> {
    let work = state.vault()?.timestamp_work()?;
    if work.pending.is_empty() {
        return Ok(RunSummary::default());
    }
    let got = timestamp::obtain(&work, timestamp::REQUEST_TIMEOUT);
    Ok(timestamp::store(&mut *state.vault()?, got)?)
}

/// Retries waiting items every few minutes while the vault is unlocked. Background
/// work: it does not count as use, so it never postpones the auto-lock.
pub fn spawn_retry(app: AppHandle) {
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(RETRY_EVERY);
            let state = app.state::<AppState>();
            let Some(Ok(work)) = state.in_background(|v| v.timestamp_work()) else {
                continue;
            };
            if !work.pending.is_empty() {
                let got = timestamp::obtain(&work, timestamp::REQUEST_TIMEOUT);
                state.in_background(|v| timestamp::store(v, got));
            }
        }
    });
}
