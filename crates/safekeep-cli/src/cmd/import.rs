//! `safekeep import`: one item per file; a failed file does not stop the others.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;

use crate::cli::ContextArgs;
use crate::output;

/// Imports each file, printing the new ids; exits non-zero if any file failed.
pub fn run(dir: &Path, case_id: &str, context: ContextArgs, files: &[PathBuf]) -> Result<ExitCode> {
    let mut vault = super::open(dir)?;
    let bars = output::ImportBars::default();
    let results = vault.import_files(
        case_id,
        files,
        &context.into(),
        &mut |p| bars.advance(&p),
        &|| false,
    );
    bars.finish();
    let code = output::import_results(&results)?;
    super::stamp_new_items(&mut vault)?;
    Ok(code)
}
