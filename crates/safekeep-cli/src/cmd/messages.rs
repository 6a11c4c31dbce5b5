//! `safekeep messages ITEM`: an imported conversation's messages, oldest first, as text
//! or JSON.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;

/// The arguments of `safekeep messages` (its help text is on `Command::Messages`).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The conversation item's id (or the start of it).
    pub item: String,
    /// Print a JSON array: {index, sender, sent_at (RFC 3339 UTC), sent_at_as_written,
    /// text, kind (message|system|deleted), attachments: [{name, sha256}], …}.
    #[arg(long)]
    pub json: bool,
    /// From message number N (the first is 1).
    #[arg(long, value_name = "N")]
    pub from: Option<u32>,
    /// Up to message number M.
    #[arg(long, value_name = "M")]
    pub to: Option<u32>,
}

/// Prints a conversation's messages (`from..=to`), as text or as JSON.
pub fn run(dir: &Path, args: Args) -> Result<ExitCode> {
    let Args { item, json, from, to } = args;
    let vault = super::open(dir)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if json {
        vault.write_messages_json(&item, from, to, &mut out)?;
        writeln!(out)?;
    } else {
        messages(&vault.messages(&item, from, to)?, &mut out)?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Prints messages for people: number, time, sender, then the text and attachments.
fn messages(list: &[safekeep_core::vault::Message], out: &mut dyn Write) -> std::io::Result<()> {
    use safekeep_core::vault::MessageKind;
    for m in list {
        let when = m
            .sent_at_local
            .as_deref()
            .or(m.sent_at.as_deref())
            .unwrap_or("(no time)");
        let who = match (m.kind, m.sender.as_deref()) {
            (MessageKind::System, Some(s)) => format!("{s} (written by the platform)"),
            (MessageKind::System, None) => "(written by the platform)".into(),
            (MessageKind::Deleted, s) => format!("{} (deleted)", s.unwrap_or("(no sender)")),
            (MessageKind::Message, s) => s.unwrap_or("(no sender)").to_owned(),
        };
        let chat = m.chat.as_deref().map(|c| format!("  [{c}]")).unwrap_or_default();
        writeln!(out, "#{}  {when}  {who}{chat}", m.index)?;
        for line in m.text.lines() {
            writeln!(out, "    {line}")?;
        }
        for a in &m.attachments {
            let name = a.name.as_deref().unwrap_or("(media)");
            match (&a.sha256, &a.missing) {
                (Some(sha), _) => writeln!(out, "    [attachment {name}, SHA-256 {sha}]")?,
                (None, why) => writeln!(
                    out,
                    "    [attachment {name}: {}]",
                    why.as_deref().unwrap_or("no file")
                )?,
            }
        }
        if m.edited.is_some() {
            writeln!(out, "    [edited]")?;
        }
    }
    Ok(())
}
