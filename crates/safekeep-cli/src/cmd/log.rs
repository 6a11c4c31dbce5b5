//! `safekeep log --case ID`: a case's audit log, every change in order with its hash.

use std::io::{self, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use safekeep_core::db::events::EventRow;

/// The arguments of `safekeep log` (its help text is on `Command::Log`).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The case (its id, or the start of it).
    #[arg(long = "case", value_name = "ID")]
    pub case_id: String,
    /// Print the events as JSON lines.
    #[arg(long)]
    pub json: bool,
}

/// Prints a case's audit log.
pub fn run(dir: &Path, args: Args) -> Result<ExitCode> {
    events(&super::open(dir)?.events(&args.case_id)?, args.json)?;
    Ok(ExitCode::SUCCESS)
}

/// Prints a case's audit events.
fn events(events: &[EventRow], json: bool) -> Result<()> {
    let mut out = io::stdout().lock();
    for e in events {
        if json {
            writeln!(out, "{}", e.body)?;
        } else {
            writeln!(out, "#{:<4} {}  {:<15} {}", e.seq, e.at, e.kind, e.hash)?;
        }
    }
    Ok(())
}
