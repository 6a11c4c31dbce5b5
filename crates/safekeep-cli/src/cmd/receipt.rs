//! `safekeep receipt sign`, `add` and `list` (docs/receipts.md).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, Result, bail};
use safekeep_core::receipt::{self, KEY_WORK_FACTOR};

use crate::cli::ReceiptCommand;
use crate::{output, passphrase};

/// Runs one `receipt` subcommand; `vault` gives the vault folder when one is needed.
pub fn run(vault: &dyn Fn() -> Result<PathBuf>, command: ReceiptCommand) -> Result<ExitCode> {
    match command {
        ReceiptCommand::Sign {
            bundle,
            name,
            organisation,
            out,
            key,
            bundle_passphrase_file,
            identity,
            timestamp,
            tsa,
            tsa_certs,
        } => {
            let bundle_key =
                super::bundle::bundle_key(&bundle, bundle_passphrase_file.as_deref(), identity.as_deref())?;
            let authorities = match (timestamp, tsa.is_empty()) {
                (_, false) => super::timestamp::authorities(tsa, &tsa_certs)?,
                (true, true) => safekeep_core::vault::DEFAULT_AUTHORITIES
                    .iter()
                    .map(|url| safekeep_core::vault::Authority {
                        url: (*url).to_owned(),
                        certificates: None,
                    })
                    .collect(),
                (false, true) => Vec::new(),
            };
            sign(&bundle, bundle_key, &name, &organisation, &out, key, authorities)
        }
        ReceiptCommand::Add { file, case_id } => add(&vault()?, &file, &case_id),
        ReceiptCommand::List { case_id, json } => {
            output::receipts(&super::open(&vault()?)?.receipts(&case_id)?, json)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn sign(
    bundle: &Path,
    bundle_key: Option<safekeep_core::bundle::BundleKey>,
    name: &str,
    organisation: &str,
    out: &Path,
    key: Option<PathBuf>,
    authorities: Vec<safekeep_core::vault::Authority>,
) -> Result<ExitCode> {
    if out.exists() {
        bail!(
            "{} already exists; choose another name for the receipt",
            out.display()
        );
    }
    let key_path = key_path(key)?;
    let pass = if key_path.exists() {
        passphrase::existing(
            super::passphrase_file(),
            passphrase::VAULT_ENV,
            "recipient key passphrase",
            "Passphrase of your recipient key: ",
        )?
    } else {
        eprintln!("Making your recipient key at {} (first use).", key_path.display());
        passphrase::new(
            super::passphrase_file(),
            Some(passphrase::VAULT_ENV),
            "recipient key passphrase",
        )?
    };
    let work_factor = if super::fast_kdf() { 10 } else { KEY_WORK_FACTOR };
    let (key, made) = receipt::load_or_create_key(&key_path, &pass, work_factor, &mut rand::rng())?;
    let now = safekeep_core::clock::utc_rfc3339(&chrono::Local::now().fixed_offset());
    let mut r = receipt::sign(bundle, bundle_key.as_ref(), name, organisation, &key, &now)?;
    if !authorities.is_empty() {
        let stamped =
            safekeep_capture::timestamp::stamper(authorities).0(&r.timestamp_imprint()?).and_then(|got| {
                r.add_timestamp(&got.tsa, &got.token, &got.chain_pem)
                    .map_err(|e| e.to_string())
            });
        match stamped {
            Ok(()) => {
                if let Some(t) = &r.timestamp {
                    eprintln!("Time-stamped by {} at {}.", t.tsa, t.gen_time);
                }
            }
            Err(why) => eprintln!(
                "The receipt could not be time-stamped ({why}); it is signed and complete without it."
            ),
        }
    }
    r.save(out)?;
    eprintln!(
        "{}Receipt signed with the key {} (read this out to the sender).",
        if made { "New key made. " } else { "" },
        r.recipient.key_fingerprint
    );
    eprintln!(
        "Wrote {} and {}.",
        out.display(),
        out.with_extension("txt").display()
    );
    if r.verdict != "intact" {
        eprintln!("The bundle is NOT intact; the receipt says so and lists what failed.");
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

fn add(dir: &Path, file: &Path, case_id: &str) -> Result<ExitCode> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let added = super::open(dir)?.add_receipt(case_id, &bytes)?;
    output::receipt_added(&added.receipt);
    Ok(ExitCode::SUCCESS)
}

fn key_path(given: Option<PathBuf>) -> Result<PathBuf> {
    safekeep_core::paths::recipient_key(given)
        .context("no settings folder was found for your recipient key: give one with --key FILE")
}
