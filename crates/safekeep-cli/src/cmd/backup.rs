//! `safekeep backup DIR` and `safekeep restore DIR --vault NEW`.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use safekeep_core::vault::Unlock;

use crate::{output, passphrase};

/// Backs the vault up into `to`.
pub fn backup(dir: &Path, to: &Path) -> Result<ExitCode> {
    let mut vault = super::open(dir)?;
    let bar = output::bytes_bar("Copying what changed");
    let summary = vault.backup(to, &mut |done, total| {
        bar.set_length(total);
        bar.set_position(done);
    })?;
    bar.finish_and_clear();
    output::backup_summary(&summary);
    Ok(ExitCode::SUCCESS)
}

/// Restores the backup in `from` as a new vault at `vault`.
pub fn restore(from: &Path, vault: &Path, recovery_key_file: Option<&Path>) -> Result<ExitCode> {
    let secret = match recovery_key_file {
        Some(f) => passphrase::existing(Some(f), "", "recovery key", "Recovery key: ")?,
        None => super::vault_passphrase(from)?,
    };
    let unlock = match recovery_key_file {
        Some(_) => Unlock::RecoveryKey(&secret),
        None => Unlock::Passphrase(&secret),
    };
    let summary = safekeep_core::vault::restore(from, vault, super::environment(), unlock)?;
    output::restore_summary(&summary);
    Ok(ExitCode::SUCCESS)
}
