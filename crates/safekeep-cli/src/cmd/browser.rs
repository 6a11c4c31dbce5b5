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
        } => {
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
            for line in std::io::stdin().lock().lines() {
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
            // Downloads first, so each is named; a failure is said and the browser still
            // closes (keeping the logins and trying the downloads once more).
            if capturing {
                match window.keep_downloads(&mut vault) {
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
