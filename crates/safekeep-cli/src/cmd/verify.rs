//! `safekeep verify BUNDLE`: has anything been altered since export? Needs no vault; the
//! exit status is the verdict. Also how an encrypted bundle is opened (`case import` and
//! `receipt sign` open them the same way).

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use safekeep_core::bundle::{BundleKey, verify};

use crate::{print, secret};

/// The arguments of `safekeep verify` (its help text is on `Command::Verify`).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The bundle (.zip) or the unzipped bundle folder.
    pub bundle: std::path::PathBuf,
    /// Also require the bundle to be signed by the key with this fingerprint
    /// (as read out by the person who exported it, or from `safekeep key`).
    #[arg(long, value_name = "FINGERPRINT")]
    pub expect_key: Option<String>,
    /// For an encrypted bundle (.age): read its passphrase from this file. Without it
    /// (or --identity), SAFEKEEP_BUNDLE_PASSPHRASE is used, else you are asked.
    #[arg(long, value_name = "FILE", conflicts_with = "identity")]
    pub bundle_passphrase_file: Option<PathBuf>,
    /// For a bundle encrypted to an age public key: the age identity file that opens it.
    #[arg(long, value_name = "FILE")]
    pub identity: Option<PathBuf>,
    /// Also recognise time-stamp authorities whose tokens chain to a root in this PEM
    /// file (one you obtained from the authority yourself). Without it, a timestamp is
    /// recognised only when its root is among this computer's trusted roots or
    /// Safekeep's list of known authorities; any other is reported as by an authority
    /// this computer does not recognise (exit status 3).
    #[arg(long, value_name = "FILE")]
    pub trust_tsa_root: Vec<PathBuf>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Verifies a bundle; the exit status is the verdict. `--trust-tsa-root` gives PEM files
/// of time-stamp authorities' roots the person chose to recognise, besides the system's.
pub fn run(args: Args) -> Result<ExitCode> {
    let bundle = args.bundle.as_path();
    let key = bundle_key(
        bundle,
        args.bundle_passphrase_file.as_deref(),
        args.identity.as_deref(),
    )?;
    let trust = trust_list(&args.trust_tsa_root)?;
    let bar = print::bytes_bar("Checking");
    let report =
        verify::verify_path_trusting(bundle, args.expect_key.as_deref(), key.as_ref(), &trust, &|n| {
            bar.set_position(n)
        });
    bar.finish_and_clear();
    verify_report(&report, args.json)?;
    Ok(ExitCode::from(report.verdict.exit_code()))
}

/// The system's trusted roots and those in the `--trust-tsa-root` files.
fn trust_list(trust_roots: &[PathBuf]) -> Result<safekeep_core::timestamp_trust::TrustList> {
    let mut extra = Vec::new();
    for file in trust_roots {
        let pem = std::fs::read(file).with_context(|| format!("could not read {}", file.display()))?;
        extra.extend(
            safekeep_core::timestamp_token::certificates_from_pem(&pem)
                .with_context(|| format!("{} is not a PEM certificate file", file.display()))?,
        );
    }
    Ok(safekeep_core::timestamp_trust::TrustList::system().with(extra))
}

/// What opens an encrypted bundle: the age identity file, else (for a `.age` bundle) its
/// passphrase from the file, SAFEKEEP_BUNDLE_PASSPHRASE or the terminal; none for a zip.
pub(super) fn bundle_key(
    bundle: &Path,
    passphrase_file: Option<&Path>,
    identity: Option<&Path>,
) -> Result<Option<BundleKey>> {
    Ok(match identity {
        Some(path) => Some(BundleKey::Identities(zeroize::Zeroizing::new(
            std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the age identity file {}", path.display()))?,
        ))),
        None if safekeep_core::bundle::encrypted::is_encrypted(bundle) => {
            Some(BundleKey::Passphrase(secret::existing(
                passphrase_file,
                secret::BUNDLE_ENV,
                "bundle passphrase",
                "Bundle passphrase: ",
            )?))
        }
        None => None,
    })
}

/// Prints a verification report: one ✔/✘ line per check, then the verdict.
fn verify_report(r: &safekeep_core::bundle::VerifyReport, json: bool) -> Result<()> {
    use safekeep_core::bundle::Verdict;
    if json {
        println!("{}", serde_json::to_string_pretty(r)?);
        return Ok(());
    }
    let mut out = io::stdout().lock();
    for c in &r.checks {
        let mark = match (c.ok, c.unrecognised) {
            (true, false) => "✔",
            (true, true) => "?",
            (false, _) => "✘",
        };
        writeln!(out, "{mark} {}", c.check)?;
        // Details quote the bundle (entry names, certificate names): nothing in them may
        // act on the terminal.
        for d in c.details.iter().filter(|d| !d.is_empty()) {
            writeln!(out, "    {}", safekeep_core::bundle::format::inert_lines(d))?;
        }
    }
    if let Some(fp) = &r.key_fingerprint {
        writeln!(
            out,
            "Signing key fingerprint: {}",
            safekeep_core::bundle::format::inert_text(fp)
        )?;
    }
    let verdict = match r.verdict {
        Verdict::Intact => "INTACT: every check passed. Nothing in the bundle changed since it was exported.",
        Verdict::Altered => {
            "ALTERED OR INCONSISTENT: see the ✘ lines above. Do not rely on this bundle as it is."
        }
        Verdict::NotABundle => "NOT A SAFEKEEP BUNDLE, or it cannot be read.",
        Verdict::UnrecognisedTimestamp => {
            "INTACT, BUT A TIMESTAMP IS BY AN AUTHORITY THIS COMPUTER DOES NOT RECOGNISE (the ? line above): nothing changed since export, but that timestamp proves nothing until you recognise its root (compare its SHA-256 with the one the authority publishes, or give it with --trust-tsa-root)."
        }
    };
    writeln!(out, "{verdict}")?;
    Ok(())
}
