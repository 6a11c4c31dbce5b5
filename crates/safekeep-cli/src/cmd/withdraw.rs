//! `safekeep withdraw ITEM --reason WHY`: an item captured by mistake withdrawn.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;

/// The arguments of `safekeep withdraw` (its help text is on `Command::Withdraw`).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The item's id (or the start of it).
    pub item: String,
    /// Why it is withdrawn, e.g. "captured the wrong window".
    #[arg(long)]
    pub reason: String,
    /// Keep the stored file instead of deleting it.
    #[arg(long)]
    pub keep_files: bool,
}

/// Withdraws an item.
pub fn run(dir: &Path, args: Args) -> Result<ExitCode> {
    super::open(dir)?.withdraw(&args.item, &args.reason, !args.keep_files)?;
    eprintln!("Withdrawn. The audit log keeps a record of it and of your reason.");
    Ok(ExitCode::SUCCESS)
}
