//! `safekeep list`, `show` and `log`.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;

use crate::output;

/// Lists items.
pub fn list(dir: &Path, case_id: Option<&str>, json: bool) -> Result<ExitCode> {
    output::items(&super::open_fingerprinted(dir)?.items(case_id)?, json)?;
    Ok(ExitCode::SUCCESS)
}

/// Shows one item.
pub fn show(dir: &Path, item: &str, json: bool) -> Result<ExitCode> {
    output::item(&super::open_fingerprinted(dir)?.item(item)?, json)?;
    Ok(ExitCode::SUCCESS)
}

/// Prints a case's audit log.
pub fn log(dir: &Path, case_id: &str, json: bool) -> Result<ExitCode> {
    output::events(&super::open(dir)?.events(case_id)?, json)?;
    Ok(ExitCode::SUCCESS)
}
