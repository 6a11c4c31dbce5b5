//! `safekeep passphrase change [--new-keys] | recover | new-recovery-key`: the vault's
//! passphrase, keys and recovery key, and what each change does and does not lock out.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use clap::Subcommand;
use safekeep_core::Vault;
use safekeep_core::vault::Unlock;

use crate::{print, secret};

/// `safekeep passphrase …`
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Change the passphrase (you need the current one). Quick: your data is not
    /// re-encrypted and the recovery key stays valid. It does not lock out copies: a copy
    /// of the vault or a backup made before still opens with the old passphrase. To lock
    /// those out, add --new-keys.
    Change {
        /// Read the new passphrase from this file instead of asking.
        #[arg(long, value_name = "FILE")]
        new_passphrase_file: Option<PathBuf>,
        /// Also replace every key and lock out old copies: re-encrypts the whole vault
        /// under new keys, gives every stored file a new name and prints a new recovery
        /// key, so the old passphrase and recovery key open nothing added from now on.
        /// Takes about as long as encrypting the vault; safe to interrupt.
        #[arg(long)]
        new_keys: bool,
    },
    /// Forgot the passphrase? Open the vault with the recovery key and set a new one.
    Recover {
        /// Read the recovery key from this file instead of asking.
        #[arg(long, value_name = "FILE")]
        recovery_key_file: Option<PathBuf>,
        /// Read the new passphrase from this file instead of asking.
        #[arg(long, value_name = "FILE")]
        new_passphrase_file: Option<PathBuf>,
    },
    /// Make a new recovery key (the old one no longer opens this vault). It does not lock
    /// out copies made before: use `passphrase change --new-keys` for that.
    NewRecoveryKey,
}

/// Runs one `passphrase` subcommand.
pub fn run(dir: &Path, command: Command) -> Result<ExitCode> {
    match command {
        Command::Change {
            new_passphrase_file: file,
            new_keys,
        } if new_keys => rotate(dir, file.as_deref()),
        Command::Change {
            new_passphrase_file: file,
            ..
        } => change(super::open(dir)?, file.as_deref()),
        Command::Recover {
            recovery_key_file,
            new_passphrase_file,
        } => recover(dir, recovery_key_file.as_deref(), new_passphrase_file.as_deref()),
        Command::NewRecoveryKey => new_recovery_key(dir),
    }
}

/// Sets a new passphrase with the recovery key.
fn recover(dir: &Path, key_file: Option<&Path>, new_file: Option<&Path>) -> Result<ExitCode> {
    let key = secret::existing(key_file, "", "recovery key", "Recovery key: ")?;
    let vault = Vault::open(dir, super::environment(), Some(Unlock::RecoveryKey(&key)))?;
    change(vault, new_file)
}

/// Re-wraps the master key under a new passphrase (quick; copies are not locked out).
fn change(mut vault: Vault, new_file: Option<&Path>) -> Result<ExitCode> {
    let new = secret::new(new_file, None, "new vault passphrase")?;
    vault.change_passphrase(&new)?;
    passphrase_changed();
    Ok(ExitCode::SUCCESS)
}

/// Replaces every key and the passphrase: old copies are locked out of what comes next.
fn rotate(dir: &Path, new_file: Option<&Path>) -> Result<ExitCode> {
    let vault = super::open(dir)?;
    let last = vault.last_backup()?;
    let new = secret::new(new_file, None, "new vault passphrase")?;
    let mut vault = vault.rotate_keys(&new, &mut rotate_step)?;
    if let Some(key) = vault.take_recovery_key() {
        print::recovery_key(&key);
    }
    keys_rotated(dir, last.as_ref());
    Ok(ExitCode::SUCCESS)
}

/// Replaces the recovery key; the old one stops opening this vault's keyring.
fn new_recovery_key(dir: &Path) -> Result<ExitCode> {
    let mut vault = super::open(dir)?;
    let key = vault.new_recovery_key()?;
    print::recovery_key(&key);
    recovery_key_replaced();
    Ok(ExitCode::SUCCESS)
}

/// One line per step of `safekeep passphrase change --new-keys`, so progress survives in
/// a log and the moment of the switch is visible.
fn rotate_step(step: safekeep_core::vault::EncryptStep) {
    use safekeep_core::vault::EncryptStep::*;
    match step {
        Sealing { done, total } if done < total => {
            eprintln!("Re-encrypting stored file {} of {total}", done + 1)
        }
        Sealing { total, .. } => {
            eprintln!("Re-encrypted {total} stored files, each checked against its SHA-256")
        }
        Database => eprintln!("Re-encrypting the database"),
        Committed => {
            eprintln!("Switched to the new keys: from now on only the new passphrase opens the vault")
        }
        Finishing { done, total } if done < total => eprintln!("Tidying up: file {} of {total}", done + 1),
        Finishing { .. } => eprintln!("Removed the files under the old keys"),
    }
}

/// What a plain passphrase change did, and what it did not do.
fn passphrase_changed() {
    eprintln!("The passphrase is changed. Your recovery key is unchanged and still works.");
    eprintln!(
        "This does not lock out copies: a copy of the vault folder or a backup made before still opens with the old passphrase (and with the recovery key). To lock them out, run `safekeep passphrase change --new-keys`."
    );
}

/// What a key rotation did, and what no software can do: copies made before keep the old
/// secrets, so the person is told to make a fresh backup and remove the old one.
fn keys_rotated(dir: &std::path::Path, last_backup: Option<&safekeep_core::vault::LastBackup>) {
    eprintln!(
        "Every key of the vault in {} is new, and every stored file has a new name. The old passphrase and the old recovery key no longer open it.",
        dir.display()
    );
    eprintln!(
        "Copies made before still open with the old secrets: a backup or a copy of the vault folder taken before now still opens with the old passphrase or the old recovery key, and shows what the vault held then."
    );
    eprintln!(
        "The signing key is unchanged (so is the fingerprint): whoever holds such a copy could also sign bundles under it. If that may have happened, tell the people who rely on your fingerprint that only bundles you send them directly are yours."
    );
    match last_backup {
        Some(b) => eprintln!(
            "Make a fresh backup now, into a new empty folder (`safekeep backup FOLDER`), then delete the old backup in {} (made {}).",
            b.dir.display(),
            b.at
        ),
        None => eprintln!("Make a fresh backup now, into a new empty folder: `safekeep backup FOLDER`."),
    }
}

/// What replacing the recovery key did, and what it did not do.
fn recovery_key_replaced() {
    eprintln!("The old recovery key no longer opens this vault. Your passphrase is unchanged.");
    eprintln!(
        "This does not lock out copies: a copy of the vault folder or a backup made before still opens with the old recovery key. To lock them out, run `safekeep passphrase change --new-keys`."
    );
}
