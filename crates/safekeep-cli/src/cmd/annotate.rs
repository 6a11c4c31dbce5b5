//! `safekeep annotate` and `safekeep withdraw`.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Result, bail};
use safekeep_core::vault::AnnotationBody;

use crate::cli::AnnotateArgs;
use crate::output;

/// Adds one annotation and prints its id.
pub fn annotate(dir: &Path, item: &str, what: AnnotateArgs) -> Result<ExitCode> {
    let body = match what {
        AnnotateArgs {
            messages: Some(range),
            note,
            ..
        } => {
            let (from, to) = parse_range(&range)?;
            AnnotationBody::Messages { from, to, note }
        }
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
        AnnotateArgs {
            appears_at: Some(url),
            ..
        } => AnnotationBody::AppearsAt { url },
        AnnotateArgs {
            stopncii: Some(case_number),
            ..
        } => AnnotationBody::Stopncii { case_number },
        AnnotateArgs {
            crime_reference: Some(reference),
            force,
            ..
        } => AnnotationBody::CrimeReference { reference, force },
        _ => bail!(
            "say what to add: --tag, --note, --messages, --correct-description, --reported-to, --appears-at, --stopncii or --crime-reference"
        ),
    };
    println!("{}", super::open(dir)?.annotate(item, body)?.id);
    Ok(ExitCode::SUCCESS)
}

/// Shows a case's takedown list; with `out`, writes the takedown pack there.
pub fn takedown(dir: &Path, case_id: &str, out: Option<&Path>, json: bool) -> Result<ExitCode> {
    let vault = super::open_fingerprinted(dir)?;
    let t = vault.takedown_with_md5(case_id)?;
    let now = safekeep_core::clock::utc_rfc3339(&vault.clock().now());
    if let Some(out) = out {
        for path in safekeep_core::takedown::write_pack(&t, out, &now)? {
            eprintln!("Wrote {}", path.display());
        }
    }
    output::takedown(&t, &now, json)
}

/// Withdraws an item.
pub fn withdraw(dir: &Path, item: &str, reason: &str, keep_files: bool) -> Result<ExitCode> {
    super::open(dir)?.withdraw(item, reason, !keep_files)?;
    eprintln!("Withdrawn. The audit log keeps a record of it and of your reason.");
    Ok(ExitCode::SUCCESS)
}

/// `120-134` (or `120`) → (120, 134).
fn parse_range(range: &str) -> Result<(u32, u32)> {
    let bad = || {
        anyhow::anyhow!(
            "--messages {range}: give the first and last message numbers, like 120-134 (as `safekeep messages` shows them)"
        )
    };
    let (a, b) = range.split_once(['-', '–']).unwrap_or((range, range));
    let from = a.trim().parse().map_err(|_| bad())?;
    let to = b.trim().parse().map_err(|_| bad())?;
    Ok((from, to))
}
