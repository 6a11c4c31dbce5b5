//! `safekeep export` and `safekeep verify`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use safekeep_core::bundle::encrypted::DEFAULT_WORK_FACTOR;
use safekeep_core::bundle::{BundleEncryption, BundleKey, ExportOptions, ReportOptions, verify};

use crate::cli::{ExportEncryptionArgs, ReportArgs};
use crate::{output, passphrase};

/// Exports a case and prints the bundle's SHA-256.
pub fn export(
    dir: &Path,
    case_id: &str,
    out: PathBuf,
    exhibit_prefix: String,
    (enc, report): (ExportEncryptionArgs, ReportArgs),
    json: bool,
) -> Result<ExitCode> {
    let encryption = if !enc.recipient.is_empty() {
        Some(BundleEncryption::Recipients(enc.recipient))
    } else if enc.encrypt {
        let passphrase = passphrase::new(
            enc.bundle_passphrase_file.as_deref(),
            Some(passphrase::BUNDLE_ENV),
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
    };
    let mut vault = super::open(dir)?;
    warn_if_named(&vault, case_id, &out);
    super::stamp_new_items(&mut vault)?;
    let bar = output::bytes_bar("Exporting");
    let options = ExportOptions {
        out: safekeep_core::bundle::export::output_path(out, encryption.is_some()),
        exhibit_prefix: exhibit_prefix.to_uppercase(),
        encryption,
        timestamper: safekeep_capture::timestamp::bundle_stamper(&vault)?,
        report: report_options(&report),
    };
    let summary = vault.export(case_id, &options, &mut |p| bar.set_position(p.done))?;
    bar.finish_and_clear();
    output::export_summary(&summary, json)?;
    Ok(ExitCode::SUCCESS)
}

/// A file name travels further than its contents: say so when it holds the case's title.
fn warn_if_named(vault: &safekeep_core::Vault, case_id: &str, out: &Path) {
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

fn report_options(args: &ReportArgs) -> ReportOptions {
    ReportOptions {
        unblurred_annex: args.unblurred_annex,
        full_sections: args
            .full_sections
            .unwrap_or(safekeep_core::bundle::report_pdf::FULL_SECTIONS),
    }
}

/// Saves a case's PDF report on its own.
pub fn report(
    dir: &Path,
    case_id: &str,
    out: &Path,
    exhibit_prefix: &str,
    args: &ReportArgs,
) -> Result<ExitCode> {
    let vault = super::open_fingerprinted(dir)?;
    warn_if_named(&vault, case_id, out);
    let saved = vault.save_report(case_id, &exhibit_prefix.to_uppercase(), report_options(args), out)?;
    eprintln!(
        "Wrote {} ({} exhibits, {} bytes, {}).",
        saved.path.display(),
        saved.exhibits,
        saved.bytes,
        saved.conformance
    );
    Ok(ExitCode::SUCCESS)
}

/// Verifies a bundle; the exit status is the verdict. `trust_roots` are PEM files of
/// time-stamp authorities' roots the person chose to recognise, besides the system's.
pub fn verify(
    bundle: &Path,
    expect_key: Option<&str>,
    (passphrase_file, identity): (Option<&Path>, Option<&Path>),
    trust_roots: &[PathBuf],
    json: bool,
) -> Result<ExitCode> {
    let key = bundle_key(bundle, passphrase_file, identity)?;
    let mut extra = Vec::new();
    for file in trust_roots {
        let pem = std::fs::read(file).with_context(|| format!("could not read {}", file.display()))?;
        extra.extend(
            safekeep_core::timestamp_token::certificates_from_pem(&pem)
                .with_context(|| format!("{} is not a PEM certificate file", file.display()))?,
        );
    }
    let trust = safekeep_core::timestamp_trust::TrustList::system().with(extra);
    let bar = output::bytes_bar("Checking");
    let report =
        verify::verify_path_trusting(bundle, expect_key, key.as_ref(), &trust, &|n| bar.set_position(n));
    bar.finish_and_clear();
    output::verify_report(&report, json)?;
    Ok(ExitCode::from(report.verdict.exit_code()))
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
            Some(BundleKey::Passphrase(passphrase::existing(
                passphrase_file,
                passphrase::BUNDLE_ENV,
                "bundle passphrase",
                "Bundle passphrase: ",
            )?))
        }
        None => None,
    })
}
