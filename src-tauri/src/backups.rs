//! "Restore from a backup" on the first-run screen, and the gentle reminder when the
//! last backup is old (Settings → Backups can turn it off).

use std::path::PathBuf;

use safekeep_core::vault::{BackupDue, Unlock};
use safekeep_core::{Environment, Vault};
use serde::Serialize;
use tauri::State;

use crate::commands::{Status, app_status};
use crate::error::UiError;
use crate::settings::Settings;
use crate::state::{APP_VERSION, AppState};

type Result<T> = std::result::Result<T, UiError>;

/// What a restore gave: the app's new status and what was restored and checked.
#[derive(Serialize)]
pub struct Restored {
    status: Status,
    summary: safekeep_core::vault::RestoreSummary,
}

/// Makes a working vault in `dir` (default: the usual place, which must not exist yet)
/// from the backup in `backup`, opened with the passphrase or, if `recovery`, the
/// recovery key; everything is checked before the vault appears, and it is then opened.
#[tauri::command(async)]
pub fn restore_vault(
    state: State<'_, AppState>,
    backup: PathBuf,
    dir: Option<PathBuf>,
    secret: crate::secret::Secret,
    recovery: bool,
) -> Result<Restored> {
    let mut settings = Settings::load();
    let dir = dir
        .or_else(|| settings.vault_dir())
        .ok_or_else(|| UiError::new("no_dir", "Choose a folder for the vault."))?;
    let unlock = if recovery {
        Unlock::RecoveryKey(secret.as_str())
    } else {
        Unlock::Passphrase(secret.as_str())
    };
    let summary = safekeep_core::vault::restore(&backup, &dir, Environment::system(APP_VERSION), unlock)?;
    let vault = Vault::open(&dir, Environment::system(APP_VERSION), Some(unlock))?;
    settings.vault_dir = Some(dir.clone());
    settings
        .save()
        .map_err(|e| UiError::new("settings", format!("Could not save the app's settings: {e}")))?;
    *state.vault_dir.lock().unwrap_or_else(|p| p.into_inner()) = Some(dir);
    *state.vault.lock().unwrap_or_else(|p| p.into_inner()) = Some(vault);
    *state.open_error.lock().unwrap_or_else(|p| p.into_inner()) = None;
    Ok(Restored {
        status: app_status(state)?,
        summary,
    })
}

/// The reminder to show, if one is due and reminders are on.
#[tauri::command(async)]
pub fn backup_reminder(state: State<'_, AppState>) -> Result<Option<BackupDue>> {
    match Settings::load().backup_reminder_days() {
        0 => Ok(None),
        days => Ok(state.vault()?.backup_due(days)?),
    }
}

/// Turns the backup reminder on (after two weeks) or off.
#[tauri::command]
pub fn set_backup_reminder(on: bool) -> Result<()> {
    let mut settings = Settings::load();
    settings.backup_reminder_days = Some(if on {
        crate::settings::DEFAULT_REMINDER_DAYS
    } else {
        0
    });
    settings
        .save()
        .map_err(|e| UiError::new("settings", format!("Could not save the app's settings: {e}")))
}

/// Whether the backup reminder is on.
#[tauri::command]
pub fn backup_reminder_on() -> bool {
    Settings::load().backup_reminder_days() > 0
}
