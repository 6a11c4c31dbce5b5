//! Where Safekeep keeps things on this computer, named once for the app, the CLI and the
//! capture crate (each used to spell out the same `ProjectDirs` call).
//!
//! Machine-local folders, never roaming ones, for what belongs to the person: on Windows a
//! roaming profile is copied to the organisation's server at every sign-out, and a victim
//! on a shared or work computer must not have their evidence, or where it is, leave the
//! machine without asking. On Linux and macOS local and roaming are the same folders.

use std::path::PathBuf;

use directories::ProjectDirs;

/// The variable that names a recipient's key file instead of the default place.
pub const RECIPIENT_KEY_ENV: &str = "SAFEKEEP_RECIPIENT_KEY";

fn dirs() -> Option<ProjectDirs> {
    ProjectDirs::from("org", "Safekeep", "Safekeep")
}

/// The default vault folder (`%LOCALAPPDATA%\Safekeep\Safekeep\data\vault`,
/// `~/.local/share/safekeep/vault`).
pub fn default_vault() -> Option<PathBuf> {
    dirs().map(|d| d.data_local_dir().join("vault"))
}

/// The app's settings file (which vault, auto-lock, language).
pub fn app_settings() -> Option<PathBuf> {
    dirs().map(|d| d.config_local_dir().join("app.json"))
}

/// Where a capture's sealed staging files wait (a private run folder is made inside).
pub fn spool() -> Option<PathBuf> {
    dirs().map(|d| d.cache_dir().join("spool"))
}

/// The recipient's key for signing receipts (docs/receipts.md): the file given, else
/// [`RECIPIENT_KEY_ENV`], else `recipient-key.age` in the settings folder. That folder is
/// the roaming one on Windows, where keys made so far are: it is a solicitor's or
/// police officer's key on their own computer, not a victim's evidence.
pub fn recipient_key(given: Option<PathBuf>) -> Option<PathBuf> {
    given
        .or_else(|| std::env::var_os(RECIPIENT_KEY_ENV).map(PathBuf::from))
        .or_else(|| dirs().map(|d| d.config_dir().join("recipient-key.age")))
}
