//! `safekeep receipt sign`, `add` and `list` (docs/receipts.md): the recipient's signed
//! receipt for a bundle, and the sender's record of it.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, Result, bail};
use clap::Subcommand;
use safekeep_core::receipt::{self, KEY_WORK_FACTOR};

use crate::secret;

/// `safekeep receipt …`.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// For the recipient (solicitor, police officer, advocate): check a bundle you
    /// received and sign a receipt saying what you received, when, and what every check
    /// found. Needs no vault.
    ///
    /// The receipt is signed with your own key, made on first use and kept in your
    /// settings folder under a passphrase (--passphrase-file, SAFEKEEP_PASSPHRASE, or
    /// asked); its fingerprint is printed, to read out to the sender. Writes RECEIPT.json
    /// and, beside it, the same as text (.txt). Exit status 0 when the bundle is intact.
    Sign(SignArgs),
    /// For the sender: add the receipt the recipient sent back to the case it is about.
    /// It is checked (its signature, and that this case exported that very bundle) and
    /// recorded in the case's audit log as `bundle.received`.
    Add {
        /// The RECEIPT.json file.
        file: PathBuf,
        /// The case (its id, or the start of it).
        #[arg(long = "case", value_name = "ID")]
        case_id: String,
    },
    /// List the receipts recorded in a case.
    List {
        /// The case (its id, or the start of it).
        #[arg(long = "case", value_name = "ID")]
        case_id: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// The arguments of `safekeep receipt sign` (its help text is on `Command::Sign`).
#[derive(Debug, clap::Args)]
pub struct SignArgs {
    /// The bundle (.zip, or .zip.age) as you received it.
    pub bundle: PathBuf,
    /// Your name.
    #[arg(long)]
    pub name: String,
    /// Your firm, force or service.
    #[arg(long, default_value = "")]
    pub organisation: String,
    /// Where to write the receipt (it must not exist yet).
    #[arg(long, value_name = "RECEIPT.json")]
    pub out: PathBuf,
    /// Your recipient key file. Defaults to SAFEKEEP_RECIPIENT_KEY, else
    /// recipient-key.age in Safekeep's settings folder.
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
    /// For an encrypted bundle: read its passphrase from this file.
    #[arg(long, value_name = "FILE", conflicts_with = "identity")]
    pub bundle_passphrase_file: Option<PathBuf>,
    /// For a bundle encrypted to an age public key: the identity file that opens it.
    #[arg(long, value_name = "FILE")]
    pub identity: Option<PathBuf>,
    /// Time-stamp the receipt (RFC 3161) with DigiCert's and Sectigo's free public
    /// authorities: proof that it existed then. Sends one hash of the signed receipt.
    #[arg(long)]
    pub timestamp: bool,
    /// Time-stamp the receipt with this authority instead; repeat for fallbacks.
    #[arg(long = "tsa", value_name = "URL")]
    pub tsa: Vec<String>,
    /// The certificate (PEM) to trust for the --tsa at the same position.
    #[arg(long = "tsa-certs", value_name = "PEM")]
    pub tsa_certs: Vec<PathBuf>,
}

/// Runs one `receipt` subcommand; `vault` gives the vault folder when one is needed.
pub fn run(vault: &dyn Fn() -> Result<PathBuf>, command: Command) -> Result<ExitCode> {
    match command {
        Command::Sign(args) => sign(args),
        Command::Add { file, case_id } => add(&vault()?, &file, &case_id),
        Command::List { case_id, json } => {
            receipts(&super::open(&vault()?)?.receipts(&case_id)?, json)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `receipt sign`: opens the bundle, picks the authorities, and signs.
fn sign(args: SignArgs) -> Result<ExitCode> {
    let (passphrase_file, identity) = (args.bundle_passphrase_file.as_deref(), args.identity.as_deref());
    let bundle_key = super::verify::bundle_key(&args.bundle, passphrase_file, identity)?;
    let authorities = match (args.timestamp, args.tsa.is_empty()) {
        (_, false) => super::timestamp::authorities(args.tsa, &args.tsa_certs)?,
        (true, true) => safekeep_core::vault::DEFAULT_AUTHORITIES
            .iter()
            .map(|url| safekeep_core::vault::Authority {
                url: (*url).to_owned(),
                certificates: None,
            })
            .collect(),
        (false, true) => Vec::new(),
    };
    let who = (args.name.as_str(), args.organisation.as_str());
    signed(&args.bundle, bundle_key, who, &args.out, args.key, authorities)
}

/// Signs a receipt for the bundle with the recipient's key (made on first use),
/// time-stamped when asked; exits 1 when the bundle is not intact.
fn signed(
    bundle: &Path,
    bundle_key: Option<safekeep_core::bundle::BundleKey>,
    (name, organisation): (&str, &str),
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
        secret::existing(
            super::passphrase_file(),
            secret::VAULT_ENV,
            "recipient key passphrase",
            "Passphrase of your recipient key: ",
        )?
    } else {
        eprintln!("Making your recipient key at {} (first use).", key_path.display());
        secret::new(
            super::passphrase_file(),
            Some(secret::VAULT_ENV),
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
    receipt_added(&added.receipt);
    Ok(ExitCode::SUCCESS)
}

fn key_path(given: Option<PathBuf>) -> Result<PathBuf> {
    safekeep_core::paths::recipient_key(given)
        .context("no settings folder was found for your recipient key: give one with --key FILE")
}

/// Says what a receipt that was just added records.
fn receipt_added(r: &safekeep_core::receipt::Receipt) {
    eprintln!("{}", receipt_line(r));
    eprintln!("Recorded in the case's audit log as bundle.received (see `safekeep log`).");
}

fn receipt_line(r: &safekeep_core::receipt::Receipt) -> String {
    let state = match r.verdict.as_str() {
        "intact" => "Received intact",
        "altered" => "Received ALTERED",
        _ => "Received UNREADABLE",
    };
    let org = if r.recipient.organisation.is_empty() {
        String::new()
    } else {
        format!(", {}", r.recipient.organisation)
    };
    format!(
        "{state} by {}{org}, on {} (their key {}): {} (SHA-256 {})",
        r.recipient.name, r.received_at, r.recipient.key_fingerprint, r.bundle.file, r.bundle.sha256
    )
}

/// Lists a case's receipts.
fn receipts(list: &[safekeep_core::vault::ReceivedReceipt], json: bool) -> Result<()> {
    let mut out = io::stdout().lock();
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(list)?)?;
    } else if list.is_empty() {
        writeln!(out, "No receipt recorded in this case yet.")?;
    } else {
        for r in list {
            writeln!(out, "{}", receipt_line(&r.receipt))?;
        }
    }
    Ok(())
}
