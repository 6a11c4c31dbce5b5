//! `safekeep browser open` and `safekeep browser forget`.

use std::io::BufRead;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use safekeep_capture::web::browser::{Window, WindowOptions};

use crate::cli::BrowserCommand;
use crate::output;

/// Runs one `browser` subcommand.
pub fn run(dir: &Path, cmd: BrowserCommand) -> Result<ExitCode> {
    let mut vault = super::open(dir)?;
    match cmd {
        BrowserCommand::Forget => {
            let had = vault.forget_browser_profile()?;
            eprintln!(
                "{}",
                if had {
                    "Your logins in Safekeep's browser were deleted."
                } else {
                    "Safekeep's browser had no stored logins."
                }
            );
        }
        BrowserCommand::Open {
            url,
            case_id,
            browser_program,
            ca_files,
            also_fetch,
            keep_downloads,
        } => {
            safekeep_capture::process::end_with_signals()?;
            let capturing = case_id.is_some();
            let options = WindowOptions {
                case_id,
                start_url: url,
                program: browser_program,
                extra_authorities: ca_files,
                headless: false,
            };
            let window = Window::open(&vault, &options)?;
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
                    _ if capturing => match window.capture_current(&mut vault, None, also_fetch) {
                        Ok(c) => output::captured_page(&c, false)?,
                        Err(e) => eprintln!("Not captured: {e}"),
                    },
                    _ => {}
                }
            }
            // Downloads first, each kept only if the person says so (a page can start one
            // by itself); a failure is said and the browser still closes, keeping the
            // logins. The ones not kept are deleted with the private profile.
            if capturing {
                let chosen = choose_downloads(&window, keep_downloads, &mut lines)?;
                match window.keep_downloads(&mut vault, Some(&chosen)) {
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
            }
            let kept = window.close(&mut vault)?;
            eprintln!(
                "{}",
                if kept {
                    "The browser is closed; your logins are kept encrypted in the vault."
                } else {
                    "The browser is closed. Your vault is not encrypted, so your logins were not kept."
                }
            );
            super::stamp_new_items(&mut vault)?;
        }
    }
    Ok(ExitCode::SUCCESS)
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
