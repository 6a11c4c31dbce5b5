//! One module per subcommand; each parses, calls one core function, and prints.

mod annotate;
mod bundle;
mod case;
mod check;
mod import;
mod init;
mod list;
mod note;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use safekeep_core::{Environment, Vault};

use crate::cli::{Cli, Command, ContextArgs};

/// The version recorded in every item this binary captures.
pub const APP_VERSION: &str = concat!("safekeep-cli ", env!("CARGO_PKG_VERSION"));

/// Runs one parsed command line.
pub fn run(cli: Cli) -> Result<ExitCode> {
    let dir = || vault_dir(cli.vault.clone());
    match cli.command {
        Command::Init => init::init(&dir()?),
        Command::Key => init::key(&dir()?),
        Command::Case(c) => case::run(&dir()?, c),
        Command::Import {
            case_id,
            context,
            files,
        } => import::run(&dir()?, &case_id, context, &files),
        Command::Note {
            case_id,
            context,
            text,
        } => note::run(&dir()?, &case_id, context, &text),
        Command::List { case_id, json } => list::list(&dir()?, case_id.as_deref(), json),
        Command::Show { item, json } => list::show(&dir()?, &item, json),
        Command::Log { case_id, json } => list::log(&dir()?, &case_id, json),
        Command::Annotate { item, what } => annotate::annotate(&dir()?, &item, what),
        Command::Withdraw {
            item,
            reason,
            keep_files,
        } => annotate::withdraw(&dir()?, &item, &reason, keep_files),
        Command::Check { repair, json } => check::run(&dir()?, repair, json),
        Command::Export {
            case_id,
            out,
            exhibit_prefix,
            json,
        } => bundle::export(&dir()?, &case_id, out, exhibit_prefix, json),
        Command::Verify {
            bundle,
            expect_key,
            json,
        } => bundle::verify(&bundle, expect_key.as_deref(), json),
    }
}

fn vault_dir(given: Option<PathBuf>) -> Result<PathBuf> {
    given
        .or_else(safekeep_core::vault::default_dir)
        .context("cannot tell where your data folder is; give the vault folder with --vault DIR")
}

/// Opens the vault with the real clock and randomness.
pub fn open(dir: &std::path::Path) -> Result<Vault> {
    Ok(Vault::open(dir, Environment::system(APP_VERSION))?)
}

impl From<ContextArgs> for safekeep_core::item::Context {
    fn from(a: ContextArgs) -> Self {
        Self {
            title: a.title,
            description: a.description,
            incident_time: a.incident_time,
            source_url: a.source_url,
            platform: a.platform,
            poster_account: a.account,
        }
    }
}
