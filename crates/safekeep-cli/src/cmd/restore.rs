//! `safekeep restore DIR --vault NEW`: a working vault made from a backup.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use safekeep_core::vault::Unlock;

use crate::secret;

/// The arguments of `safekeep restore` (its help text is on `Command::Restore`).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The backup folder.
    pub dir: PathBuf,
    /// Unlock with the recovery key in this file instead of the passphrase.
    #[arg(long, value_name = "FILE")]
    pub recovery_key_file: Option<PathBuf>,
}

/// Restores the backup folder as a new vault at `vault` (the `--vault` folder).
pub fn run(vault: &Path, args: Args) -> Result<ExitCode> {
    let (from, recovery_key_file) = (args.dir.as_path(), args.recovery_key_file.as_deref());
    let secret = match recovery_key_file {
        Some(f) => secret::existing(Some(f), "", "recovery key", "Recovery key: ")?,
        None => super::vault_passphrase(from)?,
    };
    let unlock = match recovery_key_file {
        Some(_) => Unlock::RecoveryKey(&secret),
        None => Unlock::Passphrase(&secret),
    };
    let summary = safekeep_core::vault::restore(from, vault, super::environment(), unlock)?;
    restore_summary(&summary);
    Ok(ExitCode::SUCCESS)
}

/// What a restore made, for the person (stderr).
fn restore_summary(s: &safekeep_core::vault::RestoreSummary) {
    eprintln!(
        "Restored {} cases and {} items (backed up {}) into {}. Every stored file and every audit log was checked.",
        s.cases,
        s.items,
        s.backed_up_at,
        s.vault.display()
    );
}
