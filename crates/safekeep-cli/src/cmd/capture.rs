//! `safekeep capture screen` and `safekeep capture list`.

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Result;
use safekeep_capture::screen::{self, ScreenRequest, Target};

use crate::cli::CaptureCommand;
use crate::output;

/// Runs one `capture` subcommand.
pub fn run(dir: &Path, cmd: CaptureCommand) -> Result<ExitCode> {
    match cmd {
        CaptureCommand::List { json } => {
            output::capture_targets(&screen::monitors()?, screen::windows(), json)?;
        }
        CaptureCommand::Screen {
            case_id,
            monitor,
            window,
            delay,
            again,
            context,
            json,
        } => {
            let target = match (monitor, window) {
                (Some(n), _) => Target::Monitor(n),
                (None, Some(t)) => Target::Window(t),
                (None, None) => Target::AllMonitors,
            };
            let mut vault = super::open(dir)?;
            output::countdown(Duration::from_secs(delay));
            let req = ScreenRequest {
                target,
                again,
                context: context.into(),
            };
            output::captured(&screen::capture_to_vault(&mut vault, &case_id, &req)?, json)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
