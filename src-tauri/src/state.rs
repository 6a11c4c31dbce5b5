//! The open vault, shared by the commands. Commands that take long run on Tauri's worker
//! threads and hold the lock while they work; the page shows their progress.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::{Mutex, MutexGuard};

use safekeep_core::{Environment, Vault};

use crate::error::UiError;
use crate::settings::Settings;

/// Recorded in every item the app captures.
pub const APP_VERSION: &str = concat!("safekeep-app ", env!("CARGO_PKG_VERSION"));

/// What the app holds while it runs.
pub struct AppState {
    /// Where the vault is (or will be, before first run).
    pub vault_dir: Mutex<Option<PathBuf>>,
    /// The open vault, once there is one.
    pub vault: Mutex<Option<Vault>>,
    /// Set by "Cancel" during an import; checked between files.
    pub cancel_import: AtomicBool,
    /// Why the vault found at start-up could not be opened (in use, damaged…), if so.
    pub open_error: Mutex<Option<UiError>>,
}

impl AppState {
    /// Opens the vault if one exists where the settings say.
    pub fn load() -> Self {
        let dir = Settings::load().vault_dir();
        let opened = dir
            .as_ref()
            .filter(|d| d.join("vault.db").exists())
            .map(|d| Vault::open(d, Environment::system(APP_VERSION)));
        let (vault, open_error) = match opened {
            Some(Ok(v)) => (Some(v), None),
            Some(Err(e)) => (None, Some(UiError::from(e))),
            None => (None, None),
        };
        Self {
            vault_dir: Mutex::new(dir),
            vault: Mutex::new(vault),
            cancel_import: AtomicBool::new(false),
            open_error: Mutex::new(open_error),
        }
    }

    /// Locks the open vault, or says that there is none yet.
    pub fn vault(&self) -> Result<VaultGuard<'_>, UiError> {
        let guard = self.vault.lock().unwrap_or_else(|p| p.into_inner());
        if guard.is_none() {
            return Err(UiError::new(
                "no_vault",
                "Set up Safekeep first: choose where to keep your evidence.",
            ));
        }
        Ok(VaultGuard(guard))
    }
}

/// A locked, open vault.
pub struct VaultGuard<'a>(MutexGuard<'a, Option<Vault>>);

impl std::ops::Deref for VaultGuard<'_> {
    type Target = Vault;
    fn deref(&self) -> &Vault {
        // `AppState::vault` only hands out a guard over `Some`.
        self.0
            .as_ref()
            .unwrap_or_else(|| unreachable!("checked in AppState::vault"))
    }
}

impl std::ops::DerefMut for VaultGuard<'_> {
    fn deref_mut(&mut self) -> &mut Vault {
        self.0
            .as_mut()
            .unwrap_or_else(|| unreachable!("checked in AppState::vault"))
    }
}
