//! `safekeep case new | list | rename | import`.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;

use crate::cli::CaseCommand;
use crate::output;

/// Runs a case subcommand.
pub fn run(dir: &Path, command: CaseCommand) -> Result<ExitCode> {
    let mut vault = super::open(dir)?;
    match command {
        CaseCommand::New { title } => println!("{}", vault.create_case(&title)?),
        CaseCommand::List { json } => output::cases(&vault.cases()?, json)?,
        CaseCommand::Rename { case_id, title } => vault.rename_case(&case_id, &title)?,
        CaseCommand::Import {
            bundle,
            bundle_passphrase_file,
            identity,
            json,
        } => {
            let key =
                super::bundle::bundle_key(&bundle, bundle_passphrase_file.as_deref(), identity.as_deref())?;
            let bar = output::bytes_bar("Checking the bundle");
            let got = vault.import_case(&bundle, key.as_ref(), &|p| output::handover_progress(&bar, p))?;
            bar.finish_and_clear();
            output::imported_case(&got, json)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
