//! `safekeep timestamp enable|disable|status|run`: trusted timestamps (RFC 3161), their
//! settings and queue, and the authorities given by `--tsa`/`--tsa-certs`.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, Result, bail};
use clap::Subcommand;
use safekeep_core::vault::Authority;

use crate::print;

/// `safekeep timestamp …`
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Turn timestamping on, and queue every item that has no timestamp yet.
    Enable {
        /// A time-stamp authority's address; repeat for fallbacks, tried in order.
        /// Default: DigiCert's and Sectigo's free public authorities.
        #[arg(long = "tsa", value_name = "URL")]
        tsa: Vec<String>,
        /// The certificate (PEM) to trust for the --tsa at the same position. Without it
        /// an authority must chain to this computer's trusted roots.
        #[arg(long = "tsa-certs", value_name = "PEM")]
        tsa_certs: Vec<PathBuf>,
    },
    /// Turn timestamping off. Nothing more is sent; queued items keep waiting.
    Disable,
    /// Show whether timestamping is on, the authorities, and how many items wait.
    Status {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Ask for every waiting item's timestamp now.
    Run {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Runs one `timestamp` subcommand.
pub fn run(dir: &Path, command: Command) -> Result<ExitCode> {
    let mut vault = super::open(dir)?;
    match command {
        Command::Enable { tsa, tsa_certs } => {
            let queued = vault.enable_timestamps(authorities(tsa, &tsa_certs)?)?;
            timestamp_enabled(&vault.timestamp_status()?, queued);
            super::stamp_new_items(&mut vault)?;
        }
        Command::Disable => {
            vault.disable_timestamps()?;
            eprintln!("Timestamping is off. Nothing more will be sent; queued items keep waiting.");
        }
        Command::Status { json } => timestamp_status(&vault.timestamp_status()?, json)?,
        Command::Run { json } => return stamp_waiting(&mut vault, json),
    }
    Ok(ExitCode::SUCCESS)
}

/// `timestamp run`: asks for every waiting item's timestamp; exits 1 if any still waits.
fn stamp_waiting(vault: &mut safekeep_core::Vault, json: bool) -> Result<ExitCode> {
    if !vault.timestamp_settings()?.enabled {
        bail!("timestamping is off, so nothing was sent. Turn it on with `safekeep timestamp enable`");
    }
    let summary = safekeep_capture::timestamp::run(vault)?;
    print::stamped(&summary, json)?;
    Ok(if summary.waiting.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Pairs each `--tsa` with the `--tsa-certs` at the same position.
pub(super) fn authorities(urls: Vec<String>, certs: &[PathBuf]) -> Result<Vec<Authority>> {
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

/// Reports that timestamping was turned on.
fn timestamp_enabled(status: &safekeep_core::vault::TimestampStatus, queued: usize) {
    eprintln!("Timestamping is on. Authorities, tried in order:");
    for a in &status.settings.authorities {
        let trust = if a.certificates.is_some() {
            "your certificate file"
        } else {
            "this computer's trusted roots"
        };
        eprintln!("  {} (trusted via {trust})", a.url);
    }
    eprintln!(
        "Each item sends one hash of a salted commitment, which reveals nothing about the evidence. {queued} item(s) queued."
    );
}

/// Prints the timestamp settings and queue.
fn timestamp_status(status: &safekeep_core::vault::TimestampStatus, json: bool) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(status)?);
        return Ok(());
    }
    let mut out = io::stdout().lock();
    let on = if status.settings.enabled { "on" } else { "off" };
    writeln!(out, "Timestamping: {on}")?;
    for a in &status.settings.authorities {
        writeln!(out, "Authority:    {}", a.url)?;
    }
    writeln!(out, "Timestamped:  {} item(s)", status.stamped)?;
    writeln!(out, "Waiting:      {} item(s)", status.waiting)?;
    if let Some(why) = &status.last_error {
        writeln!(out, "Last failure: {why}")?;
    }
    Ok(())
}
