//! `safekeep list [--case ID] [filters]`: items as a table or JSON, searched and filtered
//! within a case (dates read as UTC days).

use std::io::{self, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use safekeep_core::vault::ItemView;

/// The arguments of `safekeep list` (its help text is on `Command::List`).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only this case's items.
    #[arg(long = "case", value_name = "ID")]
    pub case_id: Option<String>,
    /// Search and filters (need --case).
    #[command(flatten)]
    pub filter: ListFilter,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// Lists items: all, a case's, or a case's that match the filters.
pub fn run(dir: &Path, args: Args) -> Result<ExitCode> {
    let (case_id, filter) = (args.case_id.as_deref(), &args.filter);
    let vault = super::open_fingerprinted(dir)?;
    let found = match case_id {
        Some(case) if !filter.is_empty() => vault.search_items(case, &filter.query())?,
        _ => vault.items(case_id)?,
    };
    items(&found, args.json)?;
    Ok(ExitCode::SUCCESS)
}

/// What `safekeep list --case ID` narrows to; every filter given must match.
#[derive(Debug, clap::Args, Default)]
pub struct ListFilter {
    /// Words to find (each as the start of a word) in titles, descriptions, file names,
    /// addresses, tags, notes and written entries.
    #[arg(long, value_name = "WORDS", requires = "case_id")]
    pub search: Option<String>,
    /// Only items of this kind (file, note, screenshot, web_page, …).
    #[arg(long, requires = "case_id")]
    pub kind: Option<String>,
    /// Only items with this tag.
    #[arg(long, requires = "case_id")]
    pub tag: Option<String>,
    /// Only items from this platform (as written at capture or later).
    #[arg(long, requires = "case_id")]
    pub platform: Option<String>,
    /// Only items captured on or after this day (YYYY-MM-DD, UTC) or time (RFC 3339).
    #[arg(long, value_name = "DATE", requires = "case_id", value_parser = parse_from)]
    pub from: Option<String>,
    /// Only items captured on or before this day (YYYY-MM-DD, UTC; the whole day) or
    /// before this time (RFC 3339).
    #[arg(long, value_name = "DATE", requires = "case_id", value_parser = parse_to)]
    pub to: Option<String>,
}

impl ListFilter {
    /// The filters as the vault's timeline query.
    pub fn query(&self) -> safekeep_core::vault::TimelineQuery {
        safekeep_core::vault::TimelineQuery {
            search: self.search.clone(),
            kind: self.kind.clone(),
            tag: self.tag.clone(),
            platform: self.platform.clone(),
            from: self.from.clone(),
            until: self.to.clone(),
            ..Default::default()
        }
    }

    /// Whether any filter was given.
    pub fn is_empty(&self) -> bool {
        [
            &self.search,
            &self.kind,
            &self.tag,
            &self.platform,
            &self.from,
            &self.to,
        ]
        .iter()
        .all(|f| f.is_none())
    }
}

/// A day or an RFC 3339 time as the RFC 3339 time it starts at (plus `days`).
fn day_or_time(value: &str, days: i64) -> Result<String, String> {
    if let Ok(day) = chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        let start = day + chrono::Duration::days(days);
        return Ok(format!("{start}T00:00:00Z"));
    }
    chrono::DateTime::parse_from_rfc3339(value)
        .map(|t| t.to_rfc3339())
        .map_err(|_| {
            format!("\"{value}\" is not a date: write it as 2026-03-01, or a time as 2026-03-01T21:40:00Z")
        })
}

fn parse_from(value: &str) -> Result<String, String> {
    day_or_time(value, 0)
}

fn parse_to(value: &str) -> Result<String, String> {
    if value.len() == 10 {
        day_or_time(value, 1)
    } else {
        day_or_time(value, 0)
    }
}

/// Prints items as a table or a JSON array.
fn items(items: &[ItemView], json: bool) -> Result<()> {
    let mut out = io::stdout().lock();
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(items)?)?;
        return Ok(());
    }
    if items.is_empty() {
        eprintln!("No items yet. Add some with `safekeep import` or `safekeep note`.");
        return Ok(());
    }
    writeln!(
        out,
        "{:<36}  {:<24}  {:<10}  {:<12}  TITLE",
        "ID", "CAPTURED (UTC)", "KIND", "SHA-256"
    )?;
    for i in items {
        let r = &i.record;
        let sha = r.artifacts.first().map(|a| &a.sha256[..12]).unwrap_or("-");
        let mark = if i.withdrawn.is_some() { " [withdrawn]" } else { "" };
        writeln!(
            out,
            "{:<36}  {:<24}  {:<10}  {:<12}  {}{mark}",
            r.id,
            r.captured_at,
            r.kind.as_str(),
            sha,
            r.title
        )?;
    }
    Ok(())
}
