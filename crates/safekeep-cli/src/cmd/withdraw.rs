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
    let kept_for = super::open(dir)?.withdraw(&args.item, &args.reason, !args.keep_files)?;
    eprintln!("Withdrawn. The audit log keeps a record of it and of your reason.");
    if !kept_for.is_empty() {
        eprintln!(
            "Its stored file was not deleted: item(s) {} hold the same file. Withdraw them too to delete it.",
            kept_for.join(", ")
        );
    }
    Ok(ExitCode::SUCCESS)
}
