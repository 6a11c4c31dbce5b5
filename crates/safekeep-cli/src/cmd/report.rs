//! `safekeep report --case ID --out FILE.pdf`: a case's printable PDF report on its own,
//! and the PDF report's options (which `export` takes too).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use safekeep_core::bundle::ReportOptions;

/// The arguments of `safekeep report` (its help text is on `Command::Report`).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The case (its id, or the start of it).
    #[arg(long = "case", value_name = "ID")]
    pub case_id: String,
    /// The PDF file to create, e.g. report.pdf. It must not exist yet.
    #[arg(long, value_name = "FILE.pdf")]
    pub out: PathBuf,
    /// The initials of the person producing the exhibits; exhibits are numbered AB/1, AB/2…
    #[arg(long, value_name = "AB", default_value = "SK")]
    pub exhibit_prefix: String,
    #[command(flatten)]
    pub report: ReportArgs,
}

/// What the PDF report holds.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// Add to the PDF report an annex showing the pictures UNBLURRED (every page of it is
    /// marked so). Off by default: the report's pictures are blurred.
    #[arg(long)]
    pub unblurred_annex: bool,
    /// How many exhibits get a full section of their own in the PDF report (the first
    /// N; default 250). Beyond that the exhibit list gives one compact entry per exhibit
    /// with every file's SHA-256. `--full-sections all` gives every exhibit its section.
    #[arg(long, value_name = "N|all", value_parser = parse_full_sections)]
    pub full_sections: Option<usize>,
}

impl ReportArgs {
    /// The options as the PDF report writer takes them.
    pub fn options(&self) -> ReportOptions {
        ReportOptions {
            unblurred_annex: self.unblurred_annex,
            full_sections: self
                .full_sections
                .unwrap_or(safekeep_core::bundle::report_pdf::FULL_SECTIONS),
        }
    }
}

/// Saves a case's PDF report on its own.
pub fn run(dir: &Path, args: Args) -> Result<ExitCode> {
    let vault = super::open_fingerprinted(dir)?;
    super::export::warn_if_named(&vault, &args.case_id, &args.out);
    let prefix = args.exhibit_prefix.to_uppercase();
    let saved = vault.save_report(&args.case_id, &prefix, args.report.options(), &args.out)?;
    eprintln!(
        "Wrote {} ({} exhibits, {} bytes, {}).",
        saved.path.display(),
        saved.exhibits,
        saved.bytes,
        saved.conformance
    );
    Ok(ExitCode::SUCCESS)
}

fn parse_full_sections(value: &str) -> Result<usize, String> {
    if value.eq_ignore_ascii_case("all") {
        return Ok(usize::MAX);
    }
    value
        .parse()
        .map_err(|_| format!("\"{value}\" is not a number of exhibits: give a number such as 250, or all"))
}
