//! `safekeep export` and `safekeep verify`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use safekeep_core::bundle::{ExportOptions, verify};

use crate::output;

/// Exports a case and prints the bundle's SHA-256.
pub fn export(
    dir: &Path,
    case_id: &str,
    out: PathBuf,
    exhibit_prefix: String,
    json: bool,
) -> Result<ExitCode> {
    let mut vault = super::open(dir)?;
    let bar = output::bytes_bar("Exporting");
    let options = ExportOptions {
        out,
        exhibit_prefix: exhibit_prefix.to_uppercase(),
    };
    let summary = vault.export(case_id, &options, &mut |p| bar.set_position(p.done))?;
    bar.finish_and_clear();
    output::export_summary(&summary, json)?;
    Ok(ExitCode::SUCCESS)
}

/// Verifies a bundle; the exit status is the verdict.
pub fn verify(bundle: &Path, expect_key: Option<&str>, json: bool) -> Result<ExitCode> {
    let bar = output::bytes_bar("Checking");
    let report = verify::verify_path(bundle, expect_key, &|n| bar.set_position(n));
    bar.finish_and_clear();
    output::verify_report(&report, json)?;
    Ok(ExitCode::from(report.verdict.exit_code()))
}
