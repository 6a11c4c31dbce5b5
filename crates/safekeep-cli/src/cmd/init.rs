//! `safekeep init` and `safekeep key`.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use safekeep_core::{Environment, Vault};

use super::APP_VERSION;

/// Creates a vault.
pub fn init(dir: &Path) -> Result<ExitCode> {
    let vault = Vault::init(dir, Environment::system(APP_VERSION))?;
    eprintln!("Created a new vault in {}", dir.display());
    eprintln!("Its signing key fingerprint (printed below) identifies bundles exported from it.");
    println!("{}", vault.key().fingerprint());
    Ok(ExitCode::SUCCESS)
}

/// Prints the signing key's fingerprint.
pub fn key(dir: &Path) -> Result<ExitCode> {
    println!("{}", super::open(dir)?.key().fingerprint());
    Ok(ExitCode::SUCCESS)
}
