//! `safekeep capture screen`, `capture video`, `capture url` and `capture list`.

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Result;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use safekeep_capture::screen::{self, ScreenRequest, Target};
use safekeep_capture::video::{self, VideoRequest};
use safekeep_capture::web::browser::{BrowserRequest, ScrollLimits};
use safekeep_capture::web::media::Media;
use safekeep_capture::web::{self, Limits, Render, WebRequest};

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
            no_images_case_understood,
            context,
            json,
        } => {
            let target = target(monitor, window);
            let mut vault = super::open(dir)?;
            vault.check_screen_capture(&case_id, no_images_case_understood)?;
            output::countdown(Duration::from_secs(delay));
            let req = ScreenRequest {
                target,
                again,
                context: context.into(),
            };
            output::captured(&screen::capture_to_vault(&mut vault, &case_id, &req)?, json)?;
            super::stamp_new_items(&mut vault)?;
        }
        CaptureCommand::Video {
            case_id,
            monitor,
            window,
            duration,
            delay,
            ffmpeg,
            no_images_case_understood,
            context,
            json,
        } => {
            let target = target(monitor, window);
            let duration = duration
                .map(|d| {
                    Duration::try_from_secs_f64(d)
                        .map_err(|_| anyhow::anyhow!("--duration must be a number of seconds, e.g. 30"))
                })
                .transpose()?;
            let request = VideoRequest {
                target,
                duration,
                program: ffmpeg,
                context: context.into(),
            };
            let mut vault = super::open(dir)?;
            vault.check_screen_capture(&case_id, no_images_case_understood)?;
            output::countdown(Duration::from_secs(delay));
            let stop = Arc::new(AtomicBool::new(false));
            // The first Ctrl-C finishes the recording properly; a second one ends Safekeep.
            signal_hook::flag::register_conditional_shutdown(
                signal_hook::consts::SIGINT,
                130,
                Arc::clone(&stop),
            )?;
            signal_hook::flag::register(signal_hook::consts::SIGINT, Arc::clone(&stop))?;
            let item = video::record_to_vault(&mut vault, &case_id, &request, &stop, &mut || {
                eprintln!("Recording… press Ctrl-C to stop.");
            })?;
            output::recorded(&item, json)?;
            super::stamp_new_items(&mut vault)?;
        }
        CaptureCommand::Url {
            url,
            case_id,
            check_again,
            no_render,
            browser_program,
            browser,
            scroll,
            show,
            also_fetch,
            keep_downloads,
            media,
            no_yt_dlp,
            accept_invalid_certificate,
            ca_files,
            max_body_mib,
            timeout,
            max_redirects,
            context,
            json,
        } => {
            safekeep_capture::process::end_with_signals()?;
            let mut vault = super::open(dir)?;
            if browser {
                let req = BrowserRequest {
                    url: url.unwrap_or_default(),
                    program: browser_program,
                    show,
                    scroll: scroll.then(ScrollLimits::default),
                    also_fetch,
                    extra_authorities: ca_files,
                    load_timeout: Duration::from_secs(timeout),
                    max_body: max_body_mib.saturating_mul(1 << 20),
                    context: context.into(),
                    media,
                    keep_downloads,
                };
                let case_id = case_id.unwrap_or_default();
                output::captured_page(
                    &web::browser::capture_url_to_vault(&mut vault, &case_id, &req)?,
                    json,
                )?;
                super::stamp_new_items(&mut vault)?;
                return Ok(ExitCode::SUCCESS);
            }
            let (earlier_case, base) = match &check_again {
                Some(item) => web::again::request_for(&vault, item)?,
                None => (String::new(), WebRequest::default()),
            };
            let case_id = case_id.unwrap_or(earlier_case);
            let req = WebRequest {
                url: url.unwrap_or(base.url),
                check_again: base.check_again,
                limits: Limits {
                    max_body: max_body_mib.saturating_mul(1 << 20),
                    timeout: Duration::from_secs(timeout),
                    max_redirects,
                    accept_invalid_certificate: accept_invalid_certificate
                        || base.limits.accept_invalid_certificate,
                    ..Limits::default()
                },
                extra_authorities: ca_files,
                render: match (no_render, browser_program) {
                    (true, _) => Render::Skip,
                    (false, Some(path)) => Render::With(path),
                    (false, None) => Render::Auto,
                },
                context: context.into(),
                media: match (media, no_yt_dlp) {
                    (false, _) => Media::Count,
                    (true, false) => Media::Keep,
                    (true, true) => Media::KeepWithoutYtDlp,
                },
                no_images: false,
            };
            output::captured_page(&web::capture_to_vault(&mut vault, &case_id, &req)?, json)?;
            super::stamp_new_items(&mut vault)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// What `--monitor` / `--window` ask for; neither is every monitor.
fn target(monitor: Option<usize>, window: Option<String>) -> Target {
    match (monitor, window) {
        (Some(n), _) => Target::Monitor(n),
        (None, Some(t)) => Target::Window(t),
        (None, None) => Target::AllMonitors,
    }
}
