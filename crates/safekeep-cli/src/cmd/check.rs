//! `safekeep check [--repair]`.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;

use crate::output;

/// Checks the vault; exit 0 only if all is well.
pub fn run(dir: &Path, repair: bool, json: bool) -> Result<ExitCode> {
    let mut vault = super::open(dir)?;
    let bar = output::bytes_bar("Checking stored files");
    let report = vault.check(repair, &mut |done| bar.set_position(done))?;
    bar.finish_and_clear();
    output::check_report(&report, json)?;
    Ok(if report.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
