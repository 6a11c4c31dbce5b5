//! `safekeep case new | list | rename`.

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
    }
    Ok(ExitCode::SUCCESS)
}
