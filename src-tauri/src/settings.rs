//! Where the vault lives, remembered between launches in the per-user config folder.
//! `SAFEKEEP_VAULT` (as for the CLI) takes precedence, so a caseworker can point the
//! app at a vault on removable media.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// The app's own settings (not evidence; never part of a bundle).
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Settings {
    /// The vault folder chosen at first run.
    pub vault_dir: Option<PathBuf>,
    /// Lock the vault after this many seconds without use (default 5 minutes).
    pub auto_lock_seconds: Option<u64>,
    /// Remind the person to back up when the last backup is older than this many days
    /// (default two weeks; 0: never remind).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup_reminder_days: Option<u64>,
    /// The wait after wrong passphrases, while one is running (see [`crate::lockout`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lockout: Option<crate::lockout::SavedWait>,
    /// The neutral look's id ([`crate::neutral_look::Look`]); none: Safekeep's own name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub neutral_look: Option<String>,
}

/// Remind after two weeks without a backup unless the person turned reminders off.
pub const DEFAULT_REMINDER_DAYS: u64 = 14;

/// Auto-lock after five idle minutes unless the person chose otherwise.
pub const DEFAULT_AUTO_LOCK_SECONDS: u64 = 300;

/// The settings file, in the machine-local config folder: on Windows a roaming profile
/// would copy it (and with it where the vault is) to the organisation's server.
fn path() -> Option<PathBuf> {
    safekeep_core::paths::app_settings()
}

impl Settings {
    /// Reads the settings; missing or unreadable settings are the defaults.
    pub fn load() -> Self {
        path()
            .and_then(|p| std::fs::read(p).ok())
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    /// Saves the settings.
    pub fn save(&self) -> std::io::Result<()> {
        let Some(p) = path() else { return Ok(()) };
        if let Some(dir) = p.parent() {
            safekeep_core::private_file::create_dir_all(dir)?;
        }
        std::fs::write(p, serde_json::to_vec_pretty(self).unwrap_or_default())
    }

    /// Seconds of inactivity before the vault locks itself.
    pub fn auto_lock_seconds(&self) -> u64 {
        self.auto_lock_seconds.unwrap_or(DEFAULT_AUTO_LOCK_SECONDS)
    }

    /// Days without a backup before the reminder shows (0: never).
    pub fn backup_reminder_days(&self) -> u64 {
        self.backup_reminder_days.unwrap_or(DEFAULT_REMINDER_DAYS)
    }

    /// The vault folder to use: `SAFEKEEP_VAULT`, else the saved choice, else the default.
    pub fn vault_dir(&self) -> Option<PathBuf> {
        std::env::var_os("SAFEKEEP_VAULT")
            .map(PathBuf::from)
            .or_else(|| self.vault_dir.clone())
            .or_else(safekeep_core::vault::default_dir)
    }
}
