//! `safekeep import`: one item per file; a failed file does not stop the others.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;

use crate::cli::ContextArgs;
use crate::output;

/// Imports each file, printing the new ids; exits non-zero if any file failed.
pub fn run(dir: &Path, case_id: &str, context: ContextArgs, files: &[PathBuf]) -> Result<ExitCode> {
    let mut vault = super::open(dir)?;
    let context = safekeep_core::item::Context::from(context);
    let mut failed = 0;
    for file in files {
        let bar = output::progress_bar(file);
        match vault.import_file(case_id, file, context.clone(), &mut |p| {
            output::advance(&bar, p.done, p.total)
        }) {
            Ok(item) => println!("{}", item.id),
            Err(e) => {
                failed += 1;
                eprintln!("safekeep: {e}");
            }
        }
        bar.finish_and_clear();
    }
    output::import_summary(files.len(), failed)
}
