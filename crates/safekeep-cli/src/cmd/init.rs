//! `safekeep init`, `safekeep key` and `safekeep host-name`.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use safekeep_core::Vault;

use crate::output;

/// Creates a vault, encrypted unless `no_passphrase`.
pub fn init(dir: &Path, no_passphrase: bool) -> Result<ExitCode> {
    let secret = if no_passphrase {
        None
    } else {
        Some(super::new_vault_passphrase()?)
    };
    let mut vault = Vault::init(dir, super::environment(), secret.as_deref().map(String::as_str))?;
    eprintln!("Created a new vault in {}", dir.display());
    match vault.take_recovery_key() {
        Some(key) => output::recovery_key(&key),
        None => eprintln!("It is NOT encrypted: anyone who can open the folder can see everything in it."),
    }
    eprintln!("Its signing key fingerprint (printed below) identifies bundles exported from it.");
    println!("{}", vault.key().fingerprint());
    Ok(ExitCode::SUCCESS)
}

/// Prints the signing key's fingerprint.
pub fn key(dir: &Path) -> Result<ExitCode> {
    println!("{}", super::open(dir)?.key().fingerprint());
    Ok(ExitCode::SUCCESS)
}

/// Sets (`on`/`off`) or prints whether new captures record the computer's name.
pub fn host_name(dir: &Path, record: Option<&str>) -> Result<ExitCode> {
    let mut vault = super::open(dir)?;
    if let Some(record) = record {
        vault.set_records_host_name(record == "on")?;
    }
    let on = vault.records_host_name();
    println!("{}", if on { "on" } else { "off" });
    if record.is_some() {
        eprintln!(
            "New captures {} this computer's name; items already captured keep what was sealed in them.",
            if on { "record" } else { "do not record" }
        );
    }
    Ok(ExitCode::SUCCESS)
}
