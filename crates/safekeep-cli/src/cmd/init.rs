//! `safekeep init`: a new vault, encrypted unless asked otherwise.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use safekeep_core::Vault;

use crate::print;

/// The arguments of `safekeep init` (its help text is on `Command::Init`).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Do not encrypt the vault. Not recommended: anyone who can open the folder can
    /// see everything in it. Only for a computer that is already encrypted and not shared.
    #[arg(long)]
    pub no_passphrase: bool,
}

/// Creates a vault, encrypted unless `--no-passphrase`.
pub fn run(dir: &Path, args: Args) -> Result<ExitCode> {
    let secret = (!args.no_passphrase)
        .then(super::new_vault_passphrase)
        .transpose()?;
    let mut vault = Vault::init(dir, super::environment(), secret.as_deref().map(String::as_str))?;
    eprintln!("Created a new vault in {}", dir.display());
    match vault.take_recovery_key() {
        Some(key) => print::recovery_key(&key),
        None => eprintln!("It is NOT encrypted: anyone who can open the folder can see everything in it."),
    }
    eprintln!("Its signing key fingerprint (printed below) identifies bundles exported from it.");
    println!("{}", vault.key().fingerprint());
    Ok(ExitCode::SUCCESS)
}
