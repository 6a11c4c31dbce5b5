//! `safekeep annotate` and `safekeep withdraw`.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Result, bail};
use safekeep_core::vault::AnnotationBody;

use crate::cli::AnnotateArgs;

/// Adds one annotation and prints its id.
pub fn annotate(dir: &Path, item: &str, what: AnnotateArgs) -> Result<ExitCode> {
    let body = match what {
        AnnotateArgs { tag: Some(tag), .. } => AnnotationBody::Tag { tag },
        AnnotateArgs { note: Some(text), .. } => AnnotationBody::Note { text },
        AnnotateArgs {
            correct_description: Some(description),
            ..
        } => AnnotationBody::DescriptionCorrection { description },
        AnnotateArgs {
            reported_to: Some(reported_to),
            reported_on,
            reference,
            outcome,
            ..
        } => AnnotationBody::Report {
            reported_to,
            reported_on,
            reference,
            outcome,
        },
        _ => bail!("say what to add: --tag, --note, --correct-description or --reported-to"),
    };
    println!("{}", super::open(dir)?.annotate(item, body)?.id);
    Ok(ExitCode::SUCCESS)
}

/// Withdraws an item.
pub fn withdraw(dir: &Path, item: &str, reason: &str, keep_files: bool) -> Result<ExitCode> {
    super::open(dir)?.withdraw(item, reason, !keep_files)?;
    eprintln!("Withdrawn. The audit log keeps a record of it and of your reason.");
    Ok(ExitCode::SUCCESS)
}
