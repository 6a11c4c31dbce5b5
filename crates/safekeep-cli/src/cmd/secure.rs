//! `safekeep encrypt` and `safekeep passphrase change [--new-keys]|recover|new-recovery-key`.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use safekeep_core::Vault;
use safekeep_core::vault::Unlock;

use crate::cli::PassphraseCommand;
use crate::{output, passphrase};

/// Encrypts an unencrypted vault in place.
pub fn encrypt(dir: &Path) -> Result<ExitCode> {
    let vault = Vault::open(dir, super::environment(), None)?;
    let secret = super::new_vault_passphrase()?;
    let mut vault = vault.encrypt(&secret, &mut output::encrypt_step)?;
    if let Some(key) = vault.take_recovery_key() {
        output::recovery_key(&key);
    }
    eprintln!("The vault in {} is now encrypted.", dir.display());
    Ok(ExitCode::SUCCESS)
}

/// Runs one `passphrase` subcommand.
pub fn passphrase(dir: &Path, cmd: PassphraseCommand) -> Result<ExitCode> {
    match cmd {
        PassphraseCommand::Change {
            new_passphrase_file: file,
            new_keys,
        } if new_keys => rotate(dir, file.as_deref()),
        PassphraseCommand::Change {
            new_passphrase_file: file,
            ..
        } => change(super::open(dir)?, file.as_deref()),
        PassphraseCommand::Recover {
            recovery_key_file,
            new_passphrase_file,
        } => recover(dir, recovery_key_file.as_deref(), new_passphrase_file.as_deref()),
        PassphraseCommand::NewRecoveryKey => new_recovery_key(dir),
    }
}

/// Sets a new passphrase with the recovery key.
fn recover(dir: &Path, key_file: Option<&Path>, new_file: Option<&Path>) -> Result<ExitCode> {
    let key = passphrase::existing(key_file, "", "recovery key", "Recovery key: ")?;
    let vault = Vault::open(dir, super::environment(), Some(Unlock::RecoveryKey(&key)))?;
    change(vault, new_file)
}

/// Re-wraps the master key under a new passphrase (quick; copies are not locked out).
fn change(mut vault: Vault, new_file: Option<&Path>) -> Result<ExitCode> {
    let new = passphrase::new(new_file, None, "new vault passphrase")?;
    vault.change_passphrase(&new)?;
    output::passphrase_changed();
    Ok(ExitCode::SUCCESS)
}

/// Replaces every key and the passphrase: old copies are locked out of what comes next.
fn rotate(dir: &Path, new_file: Option<&Path>) -> Result<ExitCode> {
    let vault = super::open(dir)?;
    let last = vault.last_backup()?;
    let new = passphrase::new(new_file, None, "new vault passphrase")?;
    let mut vault = vault.rotate_keys(&new, &mut output::rotate_step)?;
    if let Some(key) = vault.take_recovery_key() {
        output::recovery_key(&key);
    }
    output::keys_rotated(dir, last.as_ref());
    Ok(ExitCode::SUCCESS)
}

/// Replaces the recovery key; the old one stops opening this vault's keyring.
fn new_recovery_key(dir: &Path) -> Result<ExitCode> {
    let mut vault = super::open(dir)?;
    let key = vault.new_recovery_key()?;
    output::recovery_key(&key);
    output::recovery_key_replaced();
    Ok(ExitCode::SUCCESS)
}
