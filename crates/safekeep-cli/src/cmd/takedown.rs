//! `safekeep takedown --case ID [--out DIR]`: what to ask platforms to take down, and
//! the takedown pack.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;

/// The arguments of `safekeep takedown` (its help text is on `Command::Takedown`).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The case (its id, or the start of it).
    #[arg(long = "case", value_name = "ID")]
    pub case_id: String,
    /// Write the takedown pack into this folder.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Shows a case's takedown list; with `--out`, writes the takedown pack there.
pub fn run(dir: &Path, args: Args) -> Result<ExitCode> {
    let vault = super::open_fingerprinted(dir)?;
    let t = vault.takedown_with_md5(&args.case_id)?;
    let now = safekeep_core::clock::utc_rfc3339(&vault.clock().now());
    if let Some(out) = &args.out {
        for path in safekeep_core::takedown::write_pack(&t, out, &now)? {
            eprintln!("Wrote {}", path.display());
        }
    }
    takedown(&t, &now, args.json)
}

/// Prints a case's takedown list (the pack's text form), or JSON with `open` requests.
fn takedown(t: &safekeep_core::takedown::Takedown, now: &str, json: bool) -> Result<ExitCode> {
    if json {
        let open: Vec<_> = t
            .open_requests()
            .iter()
            .map(|(i, r)| serde_json::json!({"item_id": i.item_id, "title": i.title, "report": r}))
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({"takedown": t, "open": open}))?
        );
    } else {
        print!("{}", safekeep_core::takedown::to_text(t, now));
    }
    Ok(ExitCode::SUCCESS)
}
