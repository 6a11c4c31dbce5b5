//! `safekeep case new | list | rename | safeguard | import`: cases, a case's under-18
//! safeguard, and a bundle someone sent opened as a case.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use clap::Subcommand;
use indicatif::ProgressBar;
use safekeep_core::Vault;
use safekeep_core::db::cases::CaseRow;
use safekeep_core::vault::{Safeguard, SafeguardChange, Service, Under18};

use crate::print;

/// `safekeep case …`
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a case and print its id.
    New {
        /// A title only you and your advocate will see, e.g. "Posts by @example, 2026".
        title: String,
        /// Is the person in the images under 18, or were they when the images were made?
        /// yes, no or not-sure; you never have to answer. Yes or not-sure makes it a
        /// no-images case: pictures and videos are not kept (docs/safeguarding.md).
        #[arg(long = "under-18", value_name = "ANSWER")]
        under_18: Option<String>,
    },
    /// Show or change a case's under-18 safeguard, and record the reference Report
    /// Remove (Childline and IWF, UK) or Take It Down (NCMEC) gave you.
    ///
    /// Report Remove and Take It Down have images of under-18s taken down without anyone
    /// keeping a copy. A no-images case keeps messages, addresses and account names, and
    /// never pictures or videos. Nothing is sent anywhere by this command.
    Safeguard(SafeguardArgs),
    /// List cases.
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Rename a case. Its id stays the same and the old title stays in the log.
    Rename {
        /// The case's id (or the start of it).
        case_id: String,
        /// The new title.
        title: String,
    },
    /// Open a bundle someone sent you (an advocate receiving a client's bundle) as a case
    /// of your vault, to add notes, takedown tracking and new captures to it.
    ///
    /// The bundle must pass every check of `safekeep verify`, or nothing is stored. Its
    /// items, records, annotations, timestamps and whole audit log are kept exactly, and
    /// stay as their sender sealed them; your own changes continue the same chain. Bundles
    /// you export from it carry the sender's signed files too, so both can be checked.
    /// Prints the case's id.
    Import(ImportArgs),
}

/// The arguments of `safekeep case safeguard` (its help text is on `Command::Safeguard`).
#[derive(Debug, clap::Args)]
pub struct SafeguardArgs {
    /// The case's id (or the start of it).
    pub case_id: String,
    /// Your answer: yes, no or not-sure.
    #[arg(long = "under-18", value_name = "ANSWER")]
    pub under_18: Option<String>,
    /// With --under-18 yes or not-sure: withdraw the case's pictures and videos now and
    /// delete their stored files (their hashes stay in the log).
    #[arg(long, requires = "under_18")]
    pub withdraw_pictures: bool,
    /// Record a reference number from this service: report-remove or take-it-down.
    #[arg(long, value_name = "SERVICE", requires = "reference")]
    pub service: Option<String>,
    /// The reference number the service gave.
    #[arg(long, value_name = "REF", requires = "service")]
    pub reference: Option<String>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// The arguments of `safekeep case import` (its help text is on `Command::Import`).
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The bundle (.zip, .zip.age, or the unzipped bundle folder).
    pub bundle: PathBuf,
    /// For an encrypted bundle: read its passphrase from this file. Without it (or
    /// --identity), SAFEKEEP_BUNDLE_PASSPHRASE is used, else you are asked.
    #[arg(long, value_name = "FILE", conflicts_with = "identity")]
    pub bundle_passphrase_file: Option<PathBuf>,
    /// For a bundle encrypted to an age public key: the age identity file that opens it.
    #[arg(long, value_name = "FILE")]
    pub identity: Option<PathBuf>,
    /// Print what was imported as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs a case subcommand.
pub fn run(dir: &Path, command: Command) -> Result<ExitCode> {
    let mut vault = super::open(dir)?;
    match command {
        Command::New { title, under_18 } => {
            let answer = under_18.as_deref().map(Under18::parse).transpose()?;
            println!("{}", vault.create_case_answering(&title, answer)?);
        }
        Command::Safeguard(args) => safeguard(&mut vault, args)?,
        Command::List { json } => cases(&vault.cases()?, json)?,
        Command::Rename { case_id, title } => vault.rename_case(&case_id, &title)?,
        Command::Import(args) => import(&mut vault, &args)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// `case safeguard`: records the answer and a reference when given, then shows the result.
fn safeguard(vault: &mut Vault, args: SafeguardArgs) -> Result<()> {
    let case_id = args.case_id.as_str();
    let change = match args.under_18 {
        Some(a) => Some(vault.answer_under_18(case_id, Under18::parse(&a)?, args.withdraw_pictures)?),
        None => None,
    };
    if let Some((service, reference)) = args.service.zip(args.reference) {
        vault.record_service_reference(case_id, Service::parse(&service)?, &reference)?;
    }
    print(&vault.safeguard(case_id)?, change.as_ref(), args.json)
}

/// `case import`: checks the bundle, stores it as a case, and prints what it became.
fn import(vault: &mut Vault, args: &ImportArgs) -> Result<()> {
    let (passphrase_file, identity) = (args.bundle_passphrase_file.as_deref(), args.identity.as_deref());
    let key = super::verify::bundle_key(&args.bundle, passphrase_file, identity)?;
    let bar = print::bytes_bar("Checking the bundle");
    let got = vault.import_case(&args.bundle, key.as_ref(), &|p| handover_progress(&bar, p))?;
    bar.finish_and_clear();
    imported_case(&got, args.json)
}

/// Prints a case's safeguard, and what a change withdrew.
fn print(s: &Safeguard, change: Option<&SafeguardChange>, json: bool) -> Result<()> {
    let mut out = std::io::stdout().lock();
    if json {
        let v = serde_json::json!({ "safeguard": s, "change": change });
        writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
        return Ok(());
    }
    let answer = match s.under_18 {
        None => "not answered (you never have to)",
        Some(Under18::Yes) => "yes",
        Some(Under18::No) => "no",
        Some(Under18::NotSure) => "not sure",
    };
    writeln!(out, "Under 18 when the images were made: {answer}")?;
    if s.no_images {
        writeln!(
            out,
            "This is a no-images case: pictures and videos are not kept. This is not your fault.\n\
Please do not keep or send the image. These services can have it taken down without anyone keeping a copy:\n\
  Report Remove (Childline and IWF, UK, for under-18s): report images, videos or web addresses; the IWF reviews them and has them removed.\n\
  Take It Down (NCMEC, outside the UK): makes a fingerprint of the image on your own device, so platforms can find and remove copies.\n\
Record their reference with: safekeep case safeguard CASE --service report-remove --reference REF"
        )?;
    }
    for r in &s.references {
        writeln!(
            out,
            "{} reference {} (recorded {})",
            r.service.name(),
            r.reference,
            r.recorded_at
        )?;
    }
    if let Some(c) = change {
        for id in &c.withdrawn {
            writeln!(out, "Withdrawn, its stored files deleted: {id}")?;
        }
        for (id, why) in &c.kept {
            writeln!(out, "Still holds pictures or videos: {id} ({why})")?;
        }
        if !c.kept.is_empty() {
            writeln!(
                out,
                "To withdraw them: safekeep case safeguard CASE --under-18 yes --withdraw-pictures"
            )?;
        }
    }
    Ok(())
}

/// Prints cases.
fn cases(cases: &[CaseRow], json: bool) -> Result<()> {
    let mut out = io::stdout().lock();
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(cases)?)?;
        return Ok(());
    }
    if cases.is_empty() {
        eprintln!("No cases yet. Create one with: safekeep case new \"A title\"");
    }
    for c in cases {
        writeln!(
            out,
            "{}  {}  {}",
            c.id,
            &c.created_at[..10.min(c.created_at.len())],
            c.title
        )?;
    }
    Ok(())
}

/// Moves the bar of `case import` on.
fn handover_progress(bar: &ProgressBar, p: safekeep_core::vault::HandoverProgress) {
    use safekeep_core::vault::HandoverProgress::{Checking, Storing};
    match p {
        Checking { done } => bar.set_position(done),
        Storing { done, .. } => {
            if bar.message() != "Storing its files" {
                bar.set_message("Storing its files");
            }
            bar.set_position(done);
        }
    }
}

/// Prints the case a bundle became: its id on stdout, what it holds on stderr.
fn imported_case(c: &safekeep_core::vault::ImportedCase, json: bool) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(c)?);
        return Ok(());
    }
    println!("{}", c.case_id);
    eprintln!(
        "The bundle \"{}\" passed every check and is now the case \"{}\": {} exhibits and the sender's {} audit events, kept as they were sealed.",
        c.bag, c.title, c.items, c.events
    );
    eprintln!(
        "It was signed by key {}. Read this fingerprint back to the person who sent it, to be sure the bundle is theirs.",
        c.key_fingerprint
    );
    Ok(())
}
