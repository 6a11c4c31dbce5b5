//! `safekeep browser open` and `safekeep browser forget`: Safekeep's own browser, its
//! logins, and capturing the tab the person is looking at.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use clap::Subcommand;
use safekeep_capture::web::browser::{Window, WindowOptions};
use safekeep_core::Vault;

use crate::print;

/// `safekeep browser …`
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open Safekeep's browser in a window, with its own profile (never your everyday
    /// browser's). Log in to sites there as usual; Safekeep never sees your passwords.
    /// With --case, press Enter in this terminal to capture the tab you are looking at.
    /// Your logins are kept encrypted in the vault when the window closes.
    Open(OpenArgs),
    /// Forget my logins: delete the browser's stored profile (cookies, site data).
    Forget,
}

/// The arguments of `safekeep browser open` (its help text is on `Command::Open`).
#[derive(Debug, clap::Args)]
pub struct OpenArgs {
    /// A page to open in it (http or https), e.g. one you were sent.
    pub url: Option<String>,
    /// The case captures go into.
    #[arg(long = "case", value_name = "ID")]
    pub case_id: Option<String>,
    /// The browser program (default: an installed Chromium, Chrome or Edge).
    #[arg(long, value_name = "PATH")]
    pub browser_program: Option<PathBuf>,
    /// Also trust this certificate authority (a PEM file) in the browser, for this run.
    #[arg(long = "ca-file", value_name = "PEM")]
    pub ca_files: Vec<PathBuf>,
    /// Also fetch each captured page's address directly, without your logins, as a
    /// second witness.
    #[arg(long)]
    pub also_fetch: bool,
    /// With --case: keep every file downloaded in the browser, without asking one
    /// by one when it closes.
    #[arg(long, requires = "case_id")]
    pub keep_downloads: bool,
}

/// Runs one `browser` subcommand.
pub fn run(dir: &Path, command: Command) -> Result<ExitCode> {
    let mut vault = super::open(dir)?;
    match command {
        Command::Forget => forget(&mut vault)?,
        Command::Open(args) => open(&mut vault, args)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// `browser forget`: deletes the stored profile, and says whether there was one.
fn forget(vault: &mut Vault) -> Result<()> {
    let had = vault.forget_browser_profile()?;
    eprintln!(
        "{}",
        if had {
            "Your logins in Safekeep's browser were deleted."
        } else {
            "Safekeep's browser had no stored logins."
        }
    );
    Ok(())
}

/// `browser open`: the window, captures on Enter (with `--case`), then the downloads to
/// keep, then closing (which keeps the logins in an encrypted vault).
fn open(vault: &mut Vault, args: OpenArgs) -> Result<()> {
    safekeep_capture::process::end_with_signals()?;
    let capturing = args.case_id.is_some();
    let options = WindowOptions {
        case_id: args.case_id,
        start_url: args.url,
        program: args.browser_program,
        extra_authorities: args.ca_files,
        headless: false,
    };
    let window = Window::open(vault, &options)?;
    eprintln!(
        "{}",
        if capturing {
            "Safekeep's browser is open. Press Enter here to capture the tab you are looking at; type q and Enter (or close the window) to finish."
        } else {
            "Safekeep's browser is open. Log in to sites there; type q and Enter here (or close the window) to finish."
        }
    );
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    for line in lines.by_ref() {
        match line?.trim() {
            "q" | "quit" => break,
            _ if !window.is_open() => break,
            _ if capturing => match window.capture_current(vault, None, args.also_fetch) {
                Ok(c) => print::captured_page(&c, false)?,
                Err(e) => eprintln!("Not captured: {e}"),
            },
            _ => {}
        }
    }
    if capturing {
        keep_downloads(vault, &window, args.keep_downloads, &mut lines)?;
    }
    close(vault, window)
}

/// Downloads first, each kept only if the person says so (a page can start one by
/// itself); a failure is said and the browser still closes, keeping the logins. The ones
/// not kept are deleted with the private profile.
fn keep_downloads(
    vault: &mut Vault,
    window: &Window,
    keep_all: bool,
    answers: &mut impl Iterator<Item = std::io::Result<String>>,
) -> Result<()> {
    let chosen = choose_downloads(window, keep_all, answers)?;
    match window.keep_downloads(vault, Some(&chosen)) {
        Ok(items) => {
            for item in items {
                println!("{}", item.id);
                eprintln!(
                    "Kept the file downloaded in the browser: {} (item {}).",
                    item.title, item.id
                );
            }
        }
        Err(e) => eprintln!("A download was not kept: {e}"),
    }
    Ok(())
}

/// Closes the browser, says whether the logins were kept, and timestamps new items.
fn close(vault: &mut Vault, window: Window) -> Result<()> {
    let kept = window.close(vault)?;
    eprintln!(
        "{}",
        if kept {
            "The browser is closed; your logins are kept encrypted in the vault."
        } else {
            "The browser is closed. Your vault is not encrypted, so your logins were not kept."
        }
    );
    super::stamp_new_items(vault)
}

/// Asks, for each finished download, whether to keep it (all of them with
/// `--keep-downloads`); returns the ids of those to keep. No answer (the input ended) is no.
fn choose_downloads(
    window: &Window,
    keep_all: bool,
    answers: &mut impl Iterator<Item = std::io::Result<String>>,
) -> Result<Vec<String>> {
    let mut chosen = Vec::new();
    for d in window.downloads_waiting() {
        if !keep_all {
            eprint!(
                "Keep the downloaded file “{}” ({} bytes, from {}) in the case? [y/N] ",
                d.name, d.size, d.url
            );
            let answer = answers.next().transpose()?.unwrap_or_default();
            if !matches!(answer.trim(), "y" | "Y" | "yes" | "Yes") {
                eprintln!("Not kept: it is deleted with the browser's private folder.");
                continue;
            }
        }
        chosen.push(d.id);
    }
    Ok(chosen)
}
