//! `safekeep annotate ITEM`: a tag, a note, a corrected description, a report made, a
//! run of messages marked as an exhibit, and other annotations beside an item.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Result, bail};
use safekeep_core::vault::AnnotationBody;

/// The arguments of `safekeep annotate` (its help text is on `Command::Annotate`).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The item's id (or the start of it).
    pub item: String,
    #[command(flatten)]
    pub what: AnnotateArgs,
}

/// Exactly one kind of annotation.
#[derive(Debug, clap::Args)]
pub struct AnnotateArgs {
    /// Mark a run of a conversation's messages as an exhibit, e.g. 120-134 (or one
    /// number). With --note, say why it matters.
    #[arg(long, value_name = "FROM-TO", conflicts_with_all = ["tag", "correct_description", "reported_to"])]
    pub messages: Option<String>,
    /// Add a tag.
    #[arg(long, conflicts_with_all = ["note", "correct_description", "reported_to"])]
    pub tag: Option<String>,
    /// Add a note.
    #[arg(long, conflicts_with_all = ["correct_description", "reported_to"])]
    pub note: Option<String>,
    /// Record a corrected description (the original stays on record).
    #[arg(long, value_name = "TEXT", conflicts_with = "reported_to")]
    pub correct_description: Option<String>,
    /// Record that you reported it, and to whom (a platform, the police, a hotline).
    #[arg(long, value_name = "WHO")]
    pub reported_to: Option<String>,
    /// When you reported it (with --reported-to).
    #[arg(long, value_name = "DATE", requires = "reported_to")]
    pub reported_on: Option<String>,
    /// The ticket, case or crime reference number you were given (with --reported-to).
    #[arg(long, requires = "reported_to")]
    pub reference: Option<String>,
    /// What happened: removed, refused, pending… (with --reported-to). Record a later
    /// outcome by giving the same --reported-to and --reference again.
    #[arg(long, requires = "reported_to")]
    pub outcome: Option<String>,
    /// Record another address where the same content appears (a repost, a mirror).
    #[arg(long, value_name = "URL", conflicts_with_all = ["tag", "note", "correct_description", "reported_to", "stopncii", "crime_reference"])]
    pub appears_at: Option<String>,
    /// Record the case number StopNCII.org gave you.
    #[arg(long, value_name = "CASE_NUMBER", conflicts_with_all = ["tag", "note", "correct_description", "reported_to", "crime_reference"])]
    pub stopncii: Option<String>,
    /// Record the crime reference number the police gave you.
    #[arg(long, value_name = "REFERENCE", conflicts_with_all = ["tag", "note", "correct_description", "reported_to"])]
    pub crime_reference: Option<String>,
    /// The police force or service (with --crime-reference).
    #[arg(long, requires = "crime_reference")]
    pub force: Option<String>,
}

/// Adds one annotation and prints its id.
pub fn run(dir: &Path, args: Args) -> Result<ExitCode> {
    let body = annotation(args.what)?;
    println!("{}", super::open(dir)?.annotate(&args.item, body)?.id);
    Ok(ExitCode::SUCCESS)
}

/// The one annotation the flags ask for.
fn annotation(what: AnnotateArgs) -> Result<AnnotationBody> {
    Ok(match what {
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
    })
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
