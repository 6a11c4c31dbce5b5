//! `safekeep note`.

use std::io::Read;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context as _, Result};

use crate::cli::{ContextArgs, IncidentArgs};

/// Records an incident-log entry, with any structured fields, and prints its id.
pub fn run(
    dir: &Path,
    case_id: &str,
    context: ContextArgs,
    incident: IncidentArgs,
    text: &str,
) -> Result<ExitCode> {
    let mut body = text.to_owned();
    if text == "-" {
        body.clear();
        std::io::stdin()
            .read_to_string(&mut body)
            .context("reading the note from standard input")?;
    }
    let mut vault = super::open(dir)?;
    let item = vault.add_note(case_id, &body, context.with_incident(incident))?;
    println!("{}", item.id);
    super::stamp_new_items(&mut vault)?;
    Ok(ExitCode::SUCCESS)
}
