//! `safekeep timestamp enable|disable|status|run`.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context as _, Result, bail};
use safekeep_core::vault::Authority;

use crate::cli::TimestampCommand;
use crate::output;

/// Runs one `timestamp` subcommand.
pub fn run(dir: &Path, cmd: TimestampCommand) -> Result<ExitCode> {
    let mut vault = super::open(dir)?;
    match cmd {
        TimestampCommand::Enable { tsa, tsa_certs } => {
            let queued = vault.enable_timestamps(authorities(tsa, &tsa_certs)?)?;
            output::timestamp_enabled(&vault.timestamp_status()?, queued);
            super::stamp_new_items(&mut vault)?;
        }
        TimestampCommand::Disable => {
            vault.disable_timestamps()?;
            eprintln!("Timestamping is off. Nothing more will be sent; queued items keep waiting.");
        }
        TimestampCommand::Status { json } => output::timestamp_status(&vault.timestamp_status()?, json)?,
        TimestampCommand::Run { json } => {
            if !vault.timestamp_settings()?.enabled {
                bail!(
                    "timestamping is off, so nothing was sent. Turn it on with `safekeep timestamp enable`"
                );
            }
            let summary = safekeep_capture::timestamp::run(&mut vault)?;
            output::stamped(&summary, json)?;
            if !summary.waiting.is_empty() {
                return Ok(ExitCode::from(1));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Pairs each `--tsa` with the `--tsa-certs` at the same position.
pub(super) fn authorities(urls: Vec<String>, certs: &[std::path::PathBuf]) -> Result<Vec<Authority>> {
    if !certs.is_empty() && certs.len() != urls.len() {
        bail!(
            "give one --tsa-certs for each --tsa, in the same order ({} --tsa, {} --tsa-certs)",
            urls.len(),
            certs.len()
        );
    }
    urls.into_iter()
        .enumerate()
        .map(|(i, url)| {
            let certificates = certs
                .get(i)
                .map(|p| {
                    std::fs::read_to_string(p)
                        .with_context(|| format!("cannot read the certificate file {}", p.display()))
                })
                .transpose()?;
            Ok(Authority { url, certificates })
        })
        .collect()
}
