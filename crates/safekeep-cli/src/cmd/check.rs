//! `safekeep check [--repair]`: the whole vault checked, and its report.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use safekeep_core::vault::CheckReport;

use crate::print;

/// The arguments of `safekeep check` (its help text is on `Command::Check`).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Remove leftover files that no item uses (left by an interrupted import).
    /// Nothing else is ever changed.
    #[arg(long)]
    pub repair: bool,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Checks the vault; exit 0 only if all is well.
pub fn run(dir: &Path, args: Args) -> Result<ExitCode> {
    let mut vault = super::open(dir)?;
    let bar = print::bytes_bar("Checking stored files");
    let report = vault.check(args.repair, &mut |done| bar.set_position(done))?;
    bar.finish_and_clear();
    check_report(&report, args.json)?;
    Ok(if report.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Prints a check report.
fn check_report(report: &CheckReport, json: bool) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(report)?);
        return Ok(());
    }
    println!(
        "Checked {} case(s), {} audit event(s), {} item(s), {} stored file(s) ({} bytes).",
        report.cases, report.events, report.items, report.blobs, report.bytes
    );
    for p in &report.problems {
        println!("✘ {p}");
    }
    for o in &report.orphans {
        let done = if report.removed.contains(o) {
            "removed"
        } else {
            "run `safekeep check --repair` to remove it"
        };
        println!("✘ leftover file not used by any item: {} ({done})", o.display());
    }
    if report.is_ok() {
        println!("✔ Everything is intact.");
    }
    Ok(())
}
