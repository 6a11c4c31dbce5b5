//! `safekeep show ITEM`: everything recorded about one item.

use std::io::{self, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use safekeep_core::vault::ItemView;

/// The arguments of `safekeep show` (its help text is on `Command::Show`).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The item's id (or the start of it).
    pub item: String,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Shows one item.
pub fn run(dir: &Path, args: Args) -> Result<ExitCode> {
    item(&super::open_fingerprinted(dir)?.item(&args.item)?, args.json)?;
    Ok(ExitCode::SUCCESS)
}

/// Prints one item in full.
fn item(view: &ItemView, json: bool) -> Result<()> {
    let mut out = io::stdout().lock();
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(view)?)?;
        return Ok(());
    }
    let r = &view.record;
    let c = &r.context;
    writeln!(out, "{}\n", r.title)?;
    writeln!(out, "Recorded by the computer")?;
    for (k, v) in [
        ("Item", r.id.as_str()),
        ("Case", &r.case_id),
        ("Kind", r.kind.as_str()),
        ("Captured (UTC)", &r.captured_at),
        ("Local UTC offset", &r.utc_offset),
        ("Clock", &r.clock_source),
        ("Captured with", &r.app_version),
        ("Computer", r.host_shown()),
    ] {
        field(&mut out, k, Some(v))?;
    }
    for (n, a) in r.artifacts.iter().enumerate() {
        writeln!(
            out,
            "  File {}: {} ({}, {} bytes)",
            n + 1,
            a.source_path
                .as_deref()
                .or(a.original_name.as_deref())
                .unwrap_or(&a.role),
            a.media_type,
            a.size
        )?;
        writeln!(out, "    SHA-256 {}", a.sha256)?;
        if let Some((_, pdq)) = view.pdq.iter().find(|(i, _)| *i as usize == n) {
            writeln!(out, "    PDQ {} (quality {})", pdq.hex(), pdq.quality)?;
        }
        if let Some((_, frames)) = view.vpdq.iter().find(|(i, _)| *i as usize == n) {
            writeln!(
                out,
                "    vPDQ: {} frame hashes, one a second (show --json lists them)",
                frames.len()
            )?;
        }
        if view.pdq_waiting.contains(&(n as u32)) {
            if safekeep_core::vpdq::is_video(&a.media_type) {
                writeln!(
                    out,
                    "    Fingerprint pending: FFmpeg makes it and was not found (on Debian or Ubuntu: sudo apt install ffmpeg)"
                )?;
            } else {
                writeln!(out, "    Fingerprint pending")?;
            }
        }
        if let Some(m) = &a.modified_at {
            writeln!(out, "    File last modified {m}")?;
        }
    }
    if let Some(t) = &view.timestamp {
        use safekeep_core::vault::ItemTimestamp;
        match t {
            ItemTimestamp::Stamped {
                tsa,
                gen_time,
                signer,
            } => {
                field(
                    &mut out,
                    "Trusted timestamp",
                    Some(&format!("{gen_time} by {signer} ({tsa})")),
                )?;
            }
            ItemTimestamp::Unrecognised { gen_time, signer, .. } => {
                field(
                    &mut out,
                    "Trusted timestamp",
                    Some(&format!(
                        "none: a timestamp by an authority this computer does not recognise ({gen_time} by {signer})"
                    )),
                )?;
            }
            ItemTimestamp::Waiting { since, .. } => {
                field(
                    &mut out,
                    "Trusted timestamp",
                    Some(&format!("waiting since {since}")),
                )?;
            }
        }
    }
    if let Some(reading) = r
        .capture
        .as_ref()
        .and_then(|c| serde_json::from_value::<safekeep_core::vault::Reading>(c["reading"].clone()).ok())
    {
        writeln!(out, "\nHow the conversation was read")?;
        let read_as = format!(
            "{} ({}), {}, by {}",
            reading.format.label(),
            reading.variant,
            reading.format_basis,
            reading.parser
        );
        field(&mut out, "Read as", Some(&read_as))?;
        field(&mut out, "Chat file", Some(&reading.chat_files.join(", ")))?;
        field(&mut out, "Messages", Some(&reading.messages.to_string()))?;
        field(&mut out, "Times", Some(&reading.timezone_basis))?;
        field(&mut out, "Dates", reading.date_order_basis.as_deref())?;
        for w in &reading.warnings {
            field(&mut out, "Warning", Some(w))?;
        }
    }
    if !view.similar.is_empty() {
        writeln!(out, "\nLooks like (PDQ, within 31 of 256 bits)")?;
        for s in &view.similar {
            let frames = match (s.second, s.other_second) {
                (Some(mine), _) => format!(" (this video's frame at {mine} s)"),
                (None, Some(theirs)) => format!(" (its video's frame at {theirs} s)"),
                (None, None) => String::new(),
            };
            writeln!(
                out,
                "  item {} \"{}\" in case {}: distance {}{frames}",
                s.item_id, s.title, s.case_id, s.distance
            )?;
        }
    }
    if !view.similar_videos.is_empty() {
        writeln!(
            out,
            "\nVideos that look like it (vPDQ: share of each video's seconds found in the other)"
        )?;
        for s in &view.similar_videos {
            writeln!(
                out,
                "  item {} \"{}\" in case {}: {} % of this one in it, {} % of it in this one",
                s.item_id, s.title, s.case_id, s.this_in_other, s.other_in_this
            )?;
        }
    }
    writeln!(out, "\nWhat you said about it")?;
    for (k, v) in c.labelled() {
        field(&mut out, k, v)?;
    }
    for a in &view.annotations {
        let text = a.body.describe();
        writeln!(out, "  {}  {text}", a.created_at)?;
    }
    if let Some(w) = &view.withdrawn {
        writeln!(out, "\nWithdrawn on {}: {}", w.at, w.reason)?;
    }
    Ok(())
}

fn field(out: &mut impl Write, key: &str, value: Option<&str>) -> io::Result<()> {
    if let Some(v) = value {
        writeln!(out, "  {key:<17} {v}")?;
    }
    Ok(())
}
