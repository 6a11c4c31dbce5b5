//! `safekeep list`, `show` and `log`.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;

use crate::cli::ListFilter;
use crate::output;

/// Lists items: all, a case's, or a case's that match the filters.
pub fn list(dir: &Path, case_id: Option<&str>, filter: &ListFilter, json: bool) -> Result<ExitCode> {
    let vault = super::open_fingerprinted(dir)?;
    let items = match case_id {
        Some(case) if !filter.is_empty() => vault.search_items(case, &filter.query())?,
        _ => vault.items(case_id)?,
    };
    output::items(&items, json)?;
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
