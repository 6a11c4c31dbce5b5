//! A conversation exhibit in the report: how the export was read, and each run of
//! messages the person marked, as a transcript (docs/report.md § "Conversations").

use super::super::exhibits::{Exhibit, Transcript};
use super::layout::{BODY, Flow, Ink, SMALL, Style};
use safekeep_chat::Message;

/// How the export was read, from the sealed record.
pub(super) fn reading(flow: &mut Flow<'_>, ex: &Exhibit) {
    let Some(capture) = &ex.view.record.capture else {
        return;
    };
    flow.heading("How the conversation was read", 11.0);
    let Ok(r) = serde_json::from_value::<safekeep_chat::Reading>(capture["reading"].clone()) else {
        flow.paragraph(&capture["reading"].to_string(), Style::Mono, SMALL, Ink::Grey);
        return;
    };
    flow.field(
        "Read as",
        &format!(
            "{} export ({}), {}, by {}",
            r.format.label(),
            r.variant,
            r.format_basis,
            r.parser
        ),
        Style::Body,
    );
    flow.field("Read from", &chat_files(ex, &r), Style::Mono);
    flow.field("Times", &r.timezone_basis, Style::Body);
    if let (Some(order), Some(basis)) = (r.date_order, &r.date_order_basis) {
        flow.field("Dates", &format!("{}: {basis}", order.label()), Style::Body);
    }
    flow.field(
        "Messages",
        &format!(
            "{} in {}; {} attachment(s) found in the export, {} not in it",
            r.messages,
            r.chats.join(", "),
            r.attachments_found,
            r.attachments_missing
        ),
        Style::Body,
    );
    if let Some(sha) = capture["transcript_sha256"].as_str() {
        flow.field(
            "Transcript SHA-256",
            &format!("{sha}\n(of every message as `safekeep messages --json` prints them)"),
            Style::Mono,
        );
    }
    for w in &r.warnings {
        flow.field("Warning", w, Style::Body);
    }
}

/// One marked run of messages, each with its time, sender, text and attachments' hashes.
pub(super) fn transcript(flow: &mut Flow<'_>, ex: &Exhibit, t: &Transcript) {
    flow.heading(&format!("{}, messages {}–{}", ex.reference, t.from, t.to), 11.0);
    if let Some(n) = &t.note {
        flow.paragraph(n, Style::Body, BODY, Ink::Black);
    }
    let parser = ex
        .view
        .record
        .capture
        .as_ref()
        .and_then(|c| c["reading"]["parser"].as_str())
        .unwrap_or("Safekeep");
    let reading = ex
        .view
        .record
        .capture
        .as_ref()
        .and_then(|c| serde_json::from_value::<safekeep_chat::Reading>(c["reading"].clone()).ok());
    let from = reading.as_ref().map_or_else(String::new, |r| chat_files(ex, r));
    flow.paragraph(
        &format!(
            "This transcript was read from the export by {parser}: {from}. It is derived from the sealed export, which is in the bundle unchanged, and can be read from it again; times are as the export gives them, read as said above."
        ),
        Style::Body,
        SMALL,
        Ink::Grey,
    );
    for m in &t.messages {
        flow.entry(&head(m), &body(m));
    }
}

fn head(m: &Message) -> String {
    let when = m
        .sent_at_local
        .as_deref()
        .or(m.sent_at.as_deref())
        .unwrap_or("(no time)");
    let who = m.sender.as_deref().unwrap_or("(no sender)");
    let what = match m.kind {
        safekeep_chat::MessageKind::Message => "",
        safekeep_chat::MessageKind::System => " · written by the platform",
        safekeep_chat::MessageKind::Deleted => " · deleted",
    };
    let chat = m
        .chat
        .as_deref()
        .map(|c| format!(" · in {c}"))
        .unwrap_or_default();
    format!("#{} · {when} · {who}{what}{chat}", m.index)
}

fn body(m: &Message) -> String {
    let mut lines = vec![if m.text.is_empty() {
        "(no text)".to_owned()
    } else {
        m.text.clone()
    }];
    for a in &m.attachments {
        let name = a.name.as_deref().unwrap_or("(media)");
        lines.push(match (&a.sha256, &a.missing) {
            (Some(sha), _) => format!("Attachment {name}: SHA-256 {sha}"),
            (None, Some(why)) => format!("Attachment {name}: {why}"),
            (None, None) => format!("Attachment {name}"),
        });
    }
    if let Some(e) = &m.edited {
        lines.push(if e.is_empty() {
            "Edited.".into()
        } else {
            format!("Edited {e}.")
        });
    }
    if let Some(r) = &m.reply_to {
        lines.push(format!("In reply to message {r}."));
    }
    if let Some(f) = &m.forwarded_from {
        lines.push(format!("Forwarded from {f}."));
    }
    if !m.reactions.is_empty() {
        lines.push(format!("Reactions: {}.", m.reactions.join("; ")));
    }
    lines.push(format!("As written: {}", m.sent_at_as_written));
    if let Some(n) = &m.note {
        lines.push(format!("Note: {n}"));
    }
    lines.join("\n")
}

/// The files the messages were read from, each with the SHA-256 it was sealed with.
fn chat_files(ex: &Exhibit, r: &safekeep_chat::Reading) -> String {
    let arts = &ex.view.record.artifacts;
    if let [zip] = arts.as_slice()
        && zip.source_path.is_none()
        && zip.media_type == "application/zip"
    {
        return format!(
            "{} inside {} (SHA-256 {})",
            r.chat_files.join(", "),
            ex.files.first().map_or("the zip", String::as_str),
            zip.sha256
        );
    }
    r.chat_files
        .iter()
        .map(|c| {
            let found = arts
                .iter()
                .zip(&ex.files)
                .find(|(a, _)| a.source_path.as_deref().or(a.original_name.as_deref()) == Some(c.as_str()));
            match found {
                Some((a, name)) => format!("{name} (SHA-256 {})", a.sha256),
                None => c.clone(),
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}
