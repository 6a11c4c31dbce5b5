//! `safekeep export --case ID --out FILE.zip`: a case as an evidence bundle, optionally
//! encrypted for sending, and what the export produced.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use safekeep_core::bundle::encrypted::DEFAULT_WORK_FACTOR;
use safekeep_core::bundle::{BundleEncryption, ExportOptions};

use super::report::ReportArgs;
use crate::{print, secret};

/// The arguments of `safekeep export` (its help text is on `Command::Export`).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The case to export (its id, or the start of it).
    #[arg(long = "case", value_name = "ID")]
    pub case_id: String,
    /// The bundle file to create, e.g. case.zip. It must not exist yet.
    #[arg(long, value_name = "FILE.zip")]
    pub out: std::path::PathBuf,
    /// The initials of the person producing the exhibits; exhibits are numbered AB/1, AB/2…
    #[arg(long, value_name = "AB", default_value = "SK")]
    pub exhibit_prefix: String,
    #[command(flatten)]
    pub encryption: ExportEncryptionArgs,
    #[command(flatten)]
    pub report: ReportArgs,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Encrypting an exported bundle for sending it.
#[derive(Debug, clap::Args)]
pub struct ExportEncryptionArgs {
    /// Encrypt the bundle with a passphrase (an age file, `.zip.age`), to send it safely.
    /// Tell the passphrase to the recipient by another channel (a phone call, not the same
    /// email). The standard `age` tool or `safekeep verify` opens it.
    #[arg(long)]
    pub encrypt: bool,
    /// Encrypt to this age public key (age1…) instead of a passphrase. Repeat for several.
    #[arg(long, value_name = "AGE1…")]
    pub recipient: Vec<String>,
    /// Read the bundle's passphrase from this file. Without it, SAFEKEEP_BUNDLE_PASSPHRASE
    /// is used if set, else you are asked twice.
    #[arg(long, value_name = "FILE", requires = "encrypt")]
    pub bundle_passphrase_file: Option<PathBuf>,
}

/// Exports a case and prints the bundle's SHA-256.
pub fn run(dir: &Path, args: Args) -> Result<ExitCode> {
    let encryption = encryption(args.encryption)?;
    let mut vault = super::open(dir)?;
    warn_if_named(&vault, &args.case_id, &args.out);
    super::stamp_new_items(&mut vault)?;
    let bar = print::bytes_bar("Exporting");
    let options = ExportOptions {
        out: safekeep_core::bundle::export::output_path(args.out, encryption.is_some()),
        exhibit_prefix: args.exhibit_prefix.to_uppercase(),
        encryption,
        timestamper: safekeep_capture::timestamp::bundle_stamper(&vault)?,
        report: args.report.options(),
    };
    let summary = vault.export(&args.case_id, &options, &mut |p| bar.set_position(p.done))?;
    bar.finish_and_clear();
    export_summary(&summary, args.json)?;
    Ok(ExitCode::SUCCESS)
}

/// How the bundle is encrypted: to age recipients, with a passphrase, or not at all.
fn encryption(enc: ExportEncryptionArgs) -> Result<Option<BundleEncryption>> {
    Ok(if !enc.recipient.is_empty() {
        Some(BundleEncryption::Recipients(enc.recipient))
    } else if enc.encrypt {
        let passphrase = secret::new(
            enc.bundle_passphrase_file.as_deref(),
            Some(secret::BUNDLE_ENV),
            "bundle passphrase",
        )?;
        let work_factor = if super::fast_kdf() {
            10
        } else {
            DEFAULT_WORK_FACTOR
        };
        Some(BundleEncryption::Passphrase {
            passphrase,
            work_factor,
        })
    } else {
        None
    })
}

/// A file name travels further than its contents: say so when it holds the case's title.
pub(super) fn warn_if_named(vault: &safekeep_core::Vault, case_id: &str, out: &Path) {
    if let Ok(case) = vault.resolve_case(case_id)
        && safekeep_core::neutral_name::names_the_case(&out.to_string_lossy(), &case.title)
    {
        let stem = safekeep_core::neutral_name::stem(chrono::Local::now().date_naive(), &mut rand::rng());
        eprintln!(
            "Note: the file name {} holds words of the case's title, which anyone who sees the file reads. A neutral name such as {stem}.zip says nothing.",
            out.display()
        );
    }
}

/// Prints what an export produced.
fn export_summary(s: &safekeep_core::bundle::ExportSummary, json: bool) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(s)?);
        return Ok(());
    }
    eprintln!(
        "Exported {} exhibit(s), {} bytes of evidence, to {}",
        s.items,
        s.payload_bytes,
        s.path.display()
    );
    eprintln!("Signed by key {}", s.key_fingerprint);
    if s.timestamped_items > 0 {
        eprintln!("{} exhibit(s) carry a trusted timestamp", s.timestamped_items);
    }
    match &s.timestamp {
        Some(safekeep_core::bundle::BundleTimestamp::Stamped { tsa, gen_time }) => {
            eprintln!("The bundle was timestamped by {tsa} at {gen_time}");
        }
        Some(safekeep_core::bundle::BundleTimestamp::Failed { why }) => {
            eprintln!("The bundle could not be timestamped ({why}); it is complete without it.");
        }
        None => {}
    }
    eprintln!(
        "Send the key fingerprint by another channel (read it out, or text it) so the recipient can check it."
    );
    eprintln!("SHA-256 of the bundle:");
    println!("{}", s.sha256);
    Ok(())
}
