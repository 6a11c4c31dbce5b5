//! The open vault, shared by the commands. Commands that take long run on Tauri's worker
//! threads and hold the lock while they work; the page shows their progress.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use safekeep_capture::web::browser::WindowSlot;
use safekeep_core::vault::Protection;
use safekeep_core::{Environment, Vault};

use crate::error::UiError;
use crate::lockout::Lockout;
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
    /// Wrong-passphrase delays.
    pub lockout: Mutex<Lockout>,
    /// When the person last did something; the auto-lock counts from here.
    pub last_active: Mutex<Instant>,
    /// Auto-lock after this many idle seconds.
    pub auto_lock_seconds: AtomicU64,
    /// Safekeep's browser, when open. Always locked before `vault` when both are.
    browser: Mutex<WindowSlot>,
    /// Quick exit has begun: the app's exit must not wait for anything.
    quitting_now: AtomicBool,
    /// "Receive from a phone", while its panel is open. Stopped before every lock.
    phone: Mutex<Option<safekeep_capture::phone::Receiver>>,
}

impl AppState {
    /// Opens an unencrypted vault if one exists where the settings say. An encrypted
    /// vault stays locked until its passphrase is given.
    pub fn load() -> Self {
        let settings = Settings::load();
        let dir = settings.vault_dir();
        let opened = dir
            .as_ref()
            .filter(|d| safekeep_core::vault::protection(d) == Protection::Plain)
            .map(|d| Vault::open(d, Environment::system(APP_VERSION), None));
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
            lockout: Mutex::new(Lockout::restore(settings.lockout, std::time::SystemTime::now())),
            last_active: Mutex::new(Instant::now()),
            auto_lock_seconds: AtomicU64::new(settings.auto_lock_seconds()),
            browser: Mutex::new(WindowSlot::default()),
            quitting_now: AtomicBool::new(false),
            phone: Mutex::new(None),
        }
    }

    /// Notes that the person is using the app, postponing the auto-lock.
    pub fn touch(&self) {
        *self.last_active.lock().unwrap_or_else(|p| p.into_inner()) = Instant::now();
    }

    /// Safekeep's browser window, if open.
    pub fn browser(&self) -> MutexGuard<'_, WindowSlot> {
        self.browser.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Keeps `receiver` running until [`Self::stop_receiving`] or a lock.
    /// Returns false, having stopped it, when the vault was locked meanwhile (a lock
    /// that came while the receiver was starting must not leave it listening).
    pub fn set_receiver(&self, receiver: safekeep_capture::phone::Receiver) -> bool {
        let vault = self.vault.lock().unwrap_or_else(|p| p.into_inner());
        if vault.is_none() {
            drop(vault);
            receiver.stop();
            return false;
        }
        let old = self
            .phone
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .replace(receiver);
        drop(vault);
        if let Some(old) = old {
            old.stop();
        }
        true
    }

    /// Runs `f` on the running receiver, if any.
    pub fn receiver<T>(&self, f: impl FnOnce(&safekeep_capture::phone::Receiver) -> T) -> Option<T> {
        self.phone
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .map(f)
    }

    /// Stops receiving from a phone, if it runs: the port closes and a file not yet
    /// whole is abandoned. Done before the vault is locked (never while holding it: the
    /// file being stored holds the vault until it is abandoned).
    pub fn stop_receiving(&self) {
        let running = self.phone.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(r) = running {
            r.stop();
        }
    }

    /// Closes Safekeep's browser (keeping its logins, encrypted) and then the vault: its
    /// keys are zeroed as it drops. Waits for a running command.
    pub fn lock_vault(&self) {
        self.stop_receiving();
        let mut browser = self.browser();
        let mut guard = self.vault.lock().unwrap_or_else(|p| p.into_inner());
        let slot = &mut *browser;
        match guard.as_mut() {
            Some(vault) => drop(crate::browser::apart(move || slot.close(vault))),
            None => drop(crate::browser::apart(move || slot.discard())),
        }
        drop(guard.take());
        drop(guard);
        // A receiver that finished starting while this lock waited (see `set_receiver`).
        self.stop_receiving();
    }

    /// The auto-lock: closes Safekeep's browser (keeping its logins) and an encrypted
    /// vault, unless a command holds either (then it is not idle: try later). Returns
    /// whether it locked.
    pub fn lock_if_free(&self) -> bool {
        match self.vault.try_lock() {
            Ok(guard) if guard.as_ref().is_some_and(Vault::is_encrypted) => {}
            _ => return false,
        }
        // Receiving is no activity of the person's: the auto-lock ends it too (a file
        // being stored holds the vault, so none is cut off by it).
        self.stop_receiving();
        let Ok(mut browser) = self.browser.try_lock() else {
            return false;
        };
        let Ok(mut guard) = self.vault.try_lock() else {
            return false;
        };
        let Some(vault) = guard.as_mut().filter(|v| v.is_encrypted()) else {
            return false;
        };
        let slot = &mut *browser;
        drop(crate::browser::apart(move || slot.close(vault)));
        drop(guard.take());
        true
    }

    /// Ends Safekeep's browser at once, and closes the vault unless a command is using it
    /// (then the process exit that follows frees it); never waits, for quick exit.
    pub fn lock_vault_now(&self) {
        self.quitting_now
            .store(true, std::sync::atomic::Ordering::Release);
        safekeep_capture::web::browser::kill_all_now();
        if let Ok(mut phone) = self.phone.try_lock()
            && let Some(r) = phone.take()
        {
            r.stop_now();
        }
        if let Ok(mut guard) = self.vault.try_lock() {
            drop(guard.take());
        }
    }

    /// Closes Safekeep's browser (keeping its logins) and the vault as the app ends,
    /// unless quick exit already ended them (it must not wait for a running command).
    pub fn lock_vault_at_exit(&self) {
        if !self.quitting_now.load(std::sync::atomic::Ordering::Acquire) {
            self.lock_vault();
        }
    }

    /// Runs `f` on the open vault, if it is open, without counting as activity (for
    /// background work, which must never postpone the auto-lock).
    pub fn in_background<T>(&self, f: impl FnOnce(&mut Vault) -> T) -> Option<T> {
        self.vault
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_mut()
            .map(f)
    }

    /// Locks the open vault for one command, or says that it is locked or not set up.
    pub fn vault(&self) -> Result<VaultGuard<'_>, UiError> {
        self.touch();
        let guard = self.vault.lock().unwrap_or_else(|p| p.into_inner());
        if guard.is_none() {
            let dir = self.vault_dir.lock().unwrap_or_else(|p| p.into_inner()).clone();
            if dir.is_some_and(|d| safekeep_core::vault::protection(&d) == Protection::Encrypted) {
                return Err(UiError::new(
                    "vault_is_locked",
                    "Safekeep is locked. Type your passphrase to continue.",
                ));
            }
            return Err(UiError::new(
                "no_vault",
                "Set up Safekeep first: choose where to keep your evidence.",
            ));
        }
        Ok(VaultGuard(guard, self))
    }
}

/// A locked, open vault. Releasing it counts as activity, so a long import or export
/// does not end in an immediate auto-lock.
pub struct VaultGuard<'a>(MutexGuard<'a, Option<Vault>>, &'a AppState);

impl Drop for VaultGuard<'_> {
    fn drop(&mut self) {
        self.1.touch();
    }
}

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
