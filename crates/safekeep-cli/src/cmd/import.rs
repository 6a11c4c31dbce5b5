//! `safekeep import`: files and folders, one item per file; a failed file does not stop
//! the others, and files the case already holds are not imported twice.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;

use crate::cli::ContextArgs;
use crate::output;

/// Imports each file (and each folder's files), printing one item id per file;
/// exits non-zero if any file failed.
pub fn run(dir: &Path, case_id: &str, context: ContextArgs, files: &[PathBuf]) -> Result<ExitCode> {
    let mut vault = super::open(dir)?;
    let bar = output::ImportBar::default();
    let results = vault.import_files(case_id, files, &context.into(), &mut |p| bar.advance(&p), &|| {
        false
    });
    bar.finish();
    let code = output::import_results(&results?)?;
    super::stamp_new_items(&mut vault)?;
    output::fingerprints_waiting(&vault)?;
    Ok(code)
}
