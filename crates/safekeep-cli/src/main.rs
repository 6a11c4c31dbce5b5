//! `safekeep`: keep evidence of online abuse safe, and let anyone check it.
//!
//! A thin binary: each subcommand parses its arguments, calls one function of
//! `safekeep-core`, and prints the result. Results go to stdout; progress, messages and
//! errors go to stderr.

mod args;
mod cmd;
mod print;
mod secret;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    if let Err(e) = safekeep_core::process_privacy::protect() {
        eprintln!("safekeep: could not keep this process's memory out of crash files ({e}); continuing");
    }
    let args = args::Cli::parse();
    match cmd::run(args) {
        Ok(code) => code,
        Err(e) => {
            if e.downcast_ref::<std::io::Error>()
                .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            {
                return ExitCode::SUCCESS;
            }
            eprintln!("safekeep: {e:#}");
            ExitCode::FAILURE
        }
    }
}
