//! Locking: the app opens locked, unlocks with the passphrase (or the recovery key),
//! locks itself after idle minutes, and slows down repeated wrong guesses.
//!
//! Locking drops the open [`Vault`], which zeroes its keys; the wait after wrong guesses
//! is [`crate::lockout`]'s.

use safekeep_core::Coded;
use std::sync::atomic::Ordering;
use std::time::{Duration, SystemTime};

use safekeep_core::Vault;
use safekeep_core::vault::{EncryptStep, Unlock};
use serde::Serialize;
use tauri::ipc::Channel;
use tauri::{AppHandle, Emitter, Manager, State};

use crate::commands::{Status, app_status};
use crate::error::UiError;
use crate::secret::Secret;
use crate::settings::Settings;
use crate::state::{APP_VERSION, AppState};

type Result<T> = std::result::Result<T, UiError>;

fn environment() -> safekeep_core::Environment {
    safekeep_core::Environment::system(APP_VERSION)
}

/// Opens the vault with `how`, applying the lockout; a wrong secret counts as a failure.
/// A successful unlock is recorded as the vault's latest opening (shown at the next one).
fn open_with(state: &AppState, how: Unlock<'_>) -> Result<Vault> {
    let dir = state
        .vault_dir
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone()
        .ok_or_else(|| UiError::new("no_vault", "Set up Safekeep first."))?;
    guarded(state, || {
        let mut vault = Vault::open(&dir, environment(), Some(how))?;
        vault.mark_opened()?;
        Ok(vault)
    })
}

/// Runs `attempt` (anything that checks the passphrase or the recovery key: unlocking,
/// and the current passphrase asked again before changing keys) under the lockout: refused
/// while a wait runs, a wrong secret counted, a right one clearing the count.
fn guarded<T>(
    state: &AppState,
    attempt: impl FnOnce() -> std::result::Result<T, safekeep_core::Error>,
) -> Result<T> {
    let now = SystemTime::now();
    let mut lockout = state.lockout.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(wait) = lockout.wait(now) {
        return Err(UiError::new(
            "too_many_tries",
            format!(
                "Too many wrong tries. Wait {} seconds, then try again (take your time: check Caps Lock and the keyboard layout).",
                wait.as_secs() + 1
            ),
        ));
    }
    match attempt() {
        Ok(v) => {
            if lockout.saved().is_some() {
                keep_wait(None);
            }
            lockout.succeeded();
            Ok(v)
        }
        Err(e) => {
            if matches!(e.code(), "wrong_passphrase" | "wrong_recovery_key") {
                lockout.failed(now);
                keep_wait(lockout.saved());
            }
            Err(e.into())
        }
    }
}

/// Keeps the running wait (or its end) in the settings, so that a restart does not reset
/// it. Not being able to write the settings only loses that.
fn keep_wait(wait: Option<crate::lockout::SavedWait>) {
    let mut settings = Settings::load();
    settings.lockout = wait;
    let _ = settings.save();
}

fn install(state: &AppState, vault: Vault) {
    *state.vault.lock().unwrap_or_else(|p| p.into_inner()) = Some(vault);
    *state.open_error.lock().unwrap_or_else(|p| p.into_inner()) = None;
    state.touch();
}

/// Unlocks the vault with its passphrase.
#[tauri::command(async)]
pub fn unlock(state: State<'_, AppState>, passphrase: Secret) -> Result<Status> {
    let vault = open_with(&state, Unlock::Passphrase(passphrase.as_str()))?;
    install(&state, vault);
    app_status(state)
}

/// Forgotten passphrase: unlocks with the recovery key and sets a new passphrase.
#[tauri::command(async)]
pub fn recover(state: State<'_, AppState>, recovery_key: Secret, new_passphrase: Secret) -> Result<Status> {
    let mut vault = open_with(&state, Unlock::RecoveryKey(recovery_key.as_str()))?;
    vault.change_passphrase(new_passphrase.as_str())?;
    install(&state, vault);
    app_status(state)
}

/// Locks the vault now.
#[tauri::command(async)]
pub fn lock(state: State<'_, AppState>) {
    state.lock_vault();
}

/// Changes the passphrase; the current one is asked again, in case the computer was left
/// unlocked.
#[tauri::command(async)]
pub fn change_passphrase(state: State<'_, AppState>, current: Secret, new: Secret) -> Result<()> {
    let mut vault = state.vault()?;
    guarded(&state, || vault.check_passphrase(current.as_str()))?;
    Ok(vault.change_passphrase(new.as_str())?)
}

/// What changing every key gives back: the new recovery key (shown once) and the last
/// backup, which still opens with the old secrets and should be replaced.
#[derive(Serialize)]
pub struct Rotated {
    recovery_key: Option<String>,
    old_backup: Option<safekeep_core::vault::LastBackup>,
}

/// Changes the passphrase and every key ("lock out old copies"), reporting each step;
/// the current passphrase is asked again. If it stops, the vault is opened again
/// with whichever of the two passphrases opens it.
#[tauri::command(async)]
pub fn rotate_keys(
    state: State<'_, AppState>,
    current: Secret,
    new: Secret,
    on_progress: Channel<(&'static str, usize, usize)>,
) -> Result<Rotated> {
    let old_backup = {
        let vault = state.vault()?;
        guarded(&state, || vault.check_passphrase(current.as_str()))?;
        vault.last_backup()?
    };
    let vault = take_vault(&state)?;
    let dir = vault.dir().to_path_buf();
    let mut vault = vault
        .rotate_keys(new.as_str(), &mut |s| drop(on_progress.send(rotate_progress(s))))
        .inspect_err(|_| reopen(&state, &dir, &[new.as_str(), current.as_str()]))?;
    let recovery_key = vault.take_recovery_key().map(|k| k.as_str().to_owned());
    install(&state, vault);
    Ok(Rotated {
        recovery_key,
        old_backup,
    })
}

/// The page's view of a rotation step: its phase, and files done of total in it.
fn rotate_progress(step: EncryptStep) -> (&'static str, usize, usize) {
    match step {
        EncryptStep::Sealing { done, total } => ("sealing", done, total),
        EncryptStep::Database | EncryptStep::Committed => ("database", 0, 0),
        EncryptStep::Finishing { done, total } => ("finishing", done, total),
    }
}

/// Makes a new recovery key, returned to be shown once; the current passphrase is asked
/// again. Quick, and it does not lock out copies (the page says so).
#[tauri::command(async)]
pub fn new_recovery_key(state: State<'_, AppState>, current: Secret) -> Result<String> {
    let mut vault = state.vault()?;
    guarded(&state, || vault.check_passphrase(current.as_str()))?;
    Ok(vault.new_recovery_key()?.as_str().to_owned())
}

/// Takes the open vault out of the app's hands, for an operation that consumes it.
fn take_vault(state: &AppState) -> Result<Vault> {
    state
        .vault
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take()
        .ok_or_else(|| UiError::new("no_vault", "Set up Safekeep first."))
}

/// Opens the vault again after an operation that consumed it stopped, with the first of
/// `secrets` that opens it; if none does, the app shows the lock screen.
fn reopen(state: &AppState, dir: &std::path::Path, secrets: &[&str]) {
    for secret in secrets {
        if let Ok(v) = Vault::open(dir, environment(), Some(Unlock::Passphrase(secret))) {
            return install(state, v);
        }
    }
}

/// What encrypting an existing vault gives back: the recovery key, shown once.
#[derive(Serialize)]
pub struct Encrypted {
    status: Status,
    recovery_key: Option<String>,
}

/// Encrypts an unencrypted (older) vault in place.
#[tauri::command(async)]
pub fn encrypt_vault(state: State<'_, AppState>, passphrase: Secret) -> Result<Encrypted> {
    let vault = state
        .vault
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take()
        .ok_or_else(|| UiError::new("no_vault", "Set up Safekeep first."))?;
    let dir = vault.dir().to_path_buf();
    let mut vault = match vault.encrypt(passphrase.as_str(), &mut |_| {}) {
        Ok(v) => v,
        Err(e) => {
            // The attempt consumed the open vault; an unencrypted vault (the attempt did
            // not reach its switch-over) is opened again so the person can carry on.
            if safekeep_core::vault::protection(&dir) == safekeep_core::vault::Protection::Plain
                && let Ok(v) = Vault::open(&dir, environment(), None)
            {
                install(&state, v);
            }
            return Err(e.into());
        }
    };
    let recovery_key = vault.take_recovery_key().map(|k| k.as_str().to_owned());
    install(&state, vault);
    Ok(Encrypted {
        status: app_status(state)?,
        recovery_key,
    })
}

/// Sets the auto-lock delay, in seconds (the page offers minutes).
#[tauri::command]
pub fn set_auto_lock(state: State<'_, AppState>, seconds: u64) -> Result<()> {
    if !(1..=24 * 3600).contains(&seconds) {
        return Err(UiError::new(
            "bad_input",
            "Choose an auto-lock time between 1 minute and 24 hours.",
        ));
    }
    state.auto_lock_seconds.store(seconds, Ordering::SeqCst);
    let mut settings = Settings::load();
    settings.auto_lock_seconds = Some(seconds);
    settings
        .save()
        .map_err(|e| UiError::new("settings", format!("Could not save the app's settings: {e}")))
}

/// The person is active (typing, clicking): postpone the auto-lock.
#[tauri::command]
pub fn touch(state: State<'_, AppState>) {
    state.touch();
}

/// Checks once a second whether the vault has been idle too long; if so locks it and
/// tells the page, which shows the lock screen.
pub fn spawn_auto_lock(app: AppHandle) {
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(Duration::from_secs(1));
            let state = app.state::<AppState>();
            let limit = Duration::from_secs(state.auto_lock_seconds.load(Ordering::SeqCst));
            let idle = state
                .last_active
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .elapsed();
            if idle < limit {
                continue;
            }
            // A command still working (an export) holds the vault: not idle, try later.
            if state.lock_if_free() {
                let _ = app.emit("vault-locked", ());
            }
        }
    });
}
