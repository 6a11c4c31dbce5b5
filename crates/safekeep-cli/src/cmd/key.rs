//! `safekeep key`: the fingerprint of the vault's signing key.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;

/// Prints the signing key's fingerprint.
pub fn run(dir: &Path) -> Result<ExitCode> {
    println!("{}", super::open(dir)?.key().fingerprint());
    Ok(ExitCode::SUCCESS)
}
