//! `safekeep host-name [on|off]`: whether new captures record this computer's name.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;

/// The arguments of `safekeep host-name` (its help text is on `Command::HostName`).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// on or off.
    #[arg(value_parser = ["on", "off"])]
    pub record: Option<String>,
}

/// Sets (`on`/`off`) or prints whether new captures record the computer's name.
pub fn run(dir: &Path, args: Args) -> Result<ExitCode> {
    let record = args.record.as_deref();
    let mut vault = super::open(dir)?;
    if let Some(record) = record {
        vault.set_records_host_name(record == "on")?;
    }
    let on = vault.records_host_name();
    println!("{}", if on { "on" } else { "off" });
    if record.is_some() {
        eprintln!(
            "New captures {} this computer's name; items already captured keep what was sealed in them.",
            if on { "record" } else { "do not record" }
        );
    }
    Ok(ExitCode::SUCCESS)
}
