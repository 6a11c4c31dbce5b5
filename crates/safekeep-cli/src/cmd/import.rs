//! `safekeep import`: files and folders, one item per file; a failed file does not stop
//! the others, and files the case already holds are not imported twice. `import chat`
//! (a conversation export) is in `chat`.

pub mod chat;

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use clap::Subcommand;

use super::shared_args::ContextArgs;
use crate::print;

/// The arguments of `safekeep import` (its help text is on `Command::Import`).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Import a conversation export instead of files.
    #[command(subcommand)]
    pub what: Option<ImportCommand>,
    /// The case to add to (its id, or the start of it).
    #[arg(long = "case", value_name = "ID", required = true)]
    pub case_id: Option<String>,
    #[command(flatten)]
    pub context: ContextArgs,
    /// The files and folders to import.
    #[arg(required = true, value_name = "FILE_OR_FOLDER")]
    pub files: Vec<PathBuf>,
}

/// What `safekeep import` can import besides files.
#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Add a conversation export (WhatsApp "Export chat", Telegram Desktop "Export chat
    /// history" as JSON, Instagram's or Facebook's "Download your information" as JSON, an
    /// X archive) to a case, as one item.
    ///
    /// The export is kept exactly as given: a .zip as one file, a folder or loose files
    /// (a WhatsApp .txt and its media) each as they are. Its messages are read beside it,
    /// numbered, with their senders and times; see them with `safekeep messages ITEM`.
    /// Prints the new item's id.
    ///
    /// `--item ID` reads an export already kept as an item of its own (a WhatsApp chat
    /// received from a phone as a zip) into a conversation item of the same case, which
    /// shares the sealed file; the first item stays as it is.
    Chat(chat::ChatArgs),
}

/// Imports each file (and each folder's files), printing one item id per file;
/// exits non-zero if any file failed. `import chat` imports a conversation instead.
pub fn run(dir: &Path, args: Args) -> Result<ExitCode> {
    if let Some(ImportCommand::Chat(chat)) = args.what {
        return chat::run(dir, chat);
    }
    let mut vault = super::open(dir)?;
    let bar = print::ImportBar::default();
    let case_id = args.case_id.as_deref().unwrap_or_default();
    let context = args.context.into();
    let results = vault.import_files(case_id, &args.files, &context, &mut |p| bar.advance(&p), &|| {
        false
    });
    bar.finish();
    let code = import_results(&results?)?;
    super::stamp_new_items(&mut vault)?;
    print::fingerprints_waiting(&vault)?;
    Ok(code)
}

/// Prints the new ids on stdout and each failure on stderr; fails if any file failed.
fn import_results(
    results: &[(
        std::path::PathBuf,
        Result<safekeep_core::vault::Imported, safekeep_core::Error>,
    )],
) -> Result<ExitCode> {
    use safekeep_core::vault::Imported;
    let (mut failed, mut already) = (0, 0);
    let mut out = io::stdout().lock();
    for (path, r) in results {
        match r {
            Ok(Imported::New(item)) => writeln!(out, "{}", item.id)?,
            Ok(Imported::AlreadyInCase { item_id }) => {
                already += 1;
                writeln!(out, "{item_id}")?;
                if results.len() <= 20 {
                    eprintln!(
                        "safekeep: {} is already in this case as item {item_id}; not imported again.",
                        path.display()
                    );
                }
            }
            Err(e) => {
                failed += 1;
                eprintln!("safekeep: {e}");
            }
        }
    }
    out.flush()?;
    let new = results.len() - failed - already;
    if already > 0 && results.len() > 20 {
        eprintln!("safekeep: {already} file(s) were already in this case and were not imported again.");
    }
    if failed == 0 {
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!(
        "safekeep: {failed} of {} file(s) could not be imported (see above); {new} were kept safely{}.",
        results.len(),
        if already > 0 {
            format!(", {already} were already in the case")
        } else {
            String::new()
        }
    );
    Ok(ExitCode::FAILURE)
}
