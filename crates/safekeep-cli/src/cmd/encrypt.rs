//! `safekeep encrypt`: encrypting an unencrypted vault in place, one logged step at a time.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use safekeep_core::Vault;

use crate::print;

/// Encrypts an unencrypted vault in place.
pub fn run(dir: &Path) -> Result<ExitCode> {
    let vault = Vault::open(dir, super::environment(), None)?;
    let secret = super::new_vault_passphrase()?;
    let mut vault = vault.encrypt(&secret, &mut encrypt_step)?;
    if let Some(key) = vault.take_recovery_key() {
        print::recovery_key(&key);
    }
    eprintln!("The vault in {} is now encrypted.", dir.display());
    Ok(ExitCode::SUCCESS)
}

/// One line per step of `safekeep encrypt`, so progress survives in a log.
fn encrypt_step(step: safekeep_core::vault::EncryptStep) {
    use safekeep_core::vault::EncryptStep::*;
    match step {
        Sealing { done, total } if done < total => {
            eprintln!("Encrypting stored file {} of {total}", done + 1)
        }
        Sealing { total, .. } => eprintln!("Encrypted {total} stored files"),
        Database => eprintln!("Encrypting the database"),
        Committed => eprintln!("Switched to the encrypted vault"),
        Finishing { done, total } if done < total => eprintln!("Tidying up: file {} of {total}", done + 1),
        Finishing { .. } => eprintln!("Removed the unencrypted copies"),
    }
}
