//! `safekeep encrypt` and `safekeep passphrase change|recover`.

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

/// Changes the passphrase, or sets a new one with the recovery key.
pub fn passphrase(dir: &Path, cmd: PassphraseCommand) -> Result<ExitCode> {
    let (mut vault, new_file) = match cmd {
        PassphraseCommand::Change { new_passphrase_file } => (super::open(dir)?, new_passphrase_file),
        PassphraseCommand::Recover {
            recovery_key_file,
            new_passphrase_file,
        } => {
            let key =
                passphrase::existing(recovery_key_file.as_deref(), "", "recovery key", "Recovery key: ")?;
            let vault = Vault::open(dir, super::environment(), Some(Unlock::RecoveryKey(&key)))?;
            (vault, new_passphrase_file)
        }
    };
    let new = passphrase::new(new_file.as_deref(), None, "new vault passphrase")?;
    vault.change_passphrase(&new)?;
    eprintln!("The passphrase is changed. Your recovery key is unchanged and still works.");
    Ok(ExitCode::SUCCESS)
}
