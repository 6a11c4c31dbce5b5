//! `safekeep backup DIR`: the vault copied into a backup folder, only what changed.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;

use crate::print;

/// The arguments of `safekeep backup` (its help text is on `Command::Backup`).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The backup folder (empty, new, or this vault's earlier backup).
    pub dir: PathBuf,
}

/// Backs the vault up into the backup folder.
pub fn run(dir: &Path, args: Args) -> Result<ExitCode> {
    let mut vault = super::open(dir)?;
    let bar = print::bytes_bar("Copying what changed");
    let summary = vault.backup(&args.dir, &mut |done, total| {
        bar.set_length(total);
        bar.set_position(done);
    })?;
    bar.finish_and_clear();
    backup_summary(&summary);
    Ok(ExitCode::SUCCESS)
}

/// What a backup did, for the person (stderr).
fn backup_summary(s: &safekeep_core::vault::BackupSummary) {
    eprintln!(
        "Backed up {} items ({} stored files; {} copied this time, {}) to {}.\nEvery file copied was read back and checked. The backup is encrypted like the vault: anyone who can see the folder sees only its size and the times it changed.",
        s.items,
        s.blobs,
        s.copied,
        indicatif::HumanBytes(s.bytes_copied),
        s.dir.display()
    );
}
