//! `safekeep note`: an incident-log entry in the person's own words, with the incident
//! log's structured answers.

use std::io::Read;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context as _, Result};

use super::shared_args::ContextArgs;

/// The arguments of `safekeep note` (its help text is on `Command::Note`).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The case to add to (its id, or the start of it).
    #[arg(long = "case", value_name = "ID")]
    pub case_id: String,
    #[command(flatten)]
    pub context: ContextArgs,
    /// The incident log's questions, all optional.
    #[command(flatten)]
    pub incident: IncidentArgs,
    /// What happened. Use - to read the text from standard input.
    pub text: String,
}

/// The structured incident-log fields of `safekeep note`, sealed in the note's record.
#[derive(Debug, clap::Args, Default)]
pub struct IncidentArgs {
    /// When it started (e.g. 2026-03-01T21:40:00+00:00, or just 2026-03-01).
    #[arg(long, value_name = "WHEN")]
    pub started: Option<String>,
    /// When it ended, if it went on for a while (same forms as --started).
    #[arg(long, value_name = "WHEN")]
    pub ended: Option<String>,
    /// Where it happened: a platform, an app or a place.
    #[arg(long = "where", value_name = "PLACE")]
    pub place: Option<String>,
    /// Who did it: names, account names or handles.
    #[arg(long, value_name = "ACCOUNTS")]
    pub who: Option<String>,
    /// How you know them (e.g. an ex-partner, someone met online).
    #[arg(long, value_name = "HOW")]
    pub known_as: Option<String>,
    /// Who else saw it or knows about it.
    #[arg(long)]
    pub witnesses: Option<String>,
    /// What it did to you, in your own words.
    #[arg(long)]
    pub impact: Option<String>,
    /// Who you reported it to, and when.
    #[arg(long, value_name = "WHO")]
    pub reported_to: Option<String>,
    /// Reference numbers you were given (crime reference, report numbers).
    #[arg(long)]
    pub references: Option<String>,
}

/// Records an incident-log entry, with any structured fields, and prints its id.
pub fn run(dir: &Path, args: Args) -> Result<ExitCode> {
    let mut body = args.text.clone();
    if args.text == "-" {
        body.clear();
        std::io::stdin()
            .read_to_string(&mut body)
            .context("reading the note from standard input")?;
    }
    let mut vault = super::open(dir)?;
    let item = vault.add_note(&args.case_id, &body, with_incident(args.context, args.incident))?;
    println!("{}", item.id);
    super::stamp_new_items(&mut vault)?;
    Ok(ExitCode::SUCCESS)
}

/// The context of a note: these fields and the incident log's answers.
fn with_incident(context: ContextArgs, incident: IncidentArgs) -> safekeep_core::item::Context {
    safekeep_core::item::Context {
        incident: Some(Box::new(incident.into())),
        ..context.into()
    }
}

impl From<IncidentArgs> for safekeep_core::item::Incident {
    fn from(a: IncidentArgs) -> Self {
        Self {
            started: a.started,
            ended: a.ended,
            place: a.place,
            people: a.who,
            relationship: a.known_as,
            witnesses: a.witnesses,
            impact: a.impact,
            reported_to: a.reported_to,
            references: a.references,
        }
    }
}
