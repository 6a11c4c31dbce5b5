//! E-mail: `.eml` files (one message each, as mail programs save them) and mailboxes in the
//! mbox format (`.mbox`, Gmail Takeout's `All mail Including Spam and Trash.mbox`,
//! Thunderbird's extensionless `Inbox`), parsed with `mail-parser`, never by hand.
//!
//! Each e-mail is a message: the sender from `From`, the time from `Date` (which carries
//! its offset: exact), the subject and the text body (an HTML-only e-mail is read as its
//! text: HTML is never rendered and nothing remote is fetched), attachments hashed where
//! they are — inside the e-mail file, whose bytes are what is sealed. Threads are the
//! e-mails' subjects without `Re:`/`Fwd:`. What the servers said about the e-mail
//! (`Authentication-Results`) and who signed it (`DKIM-Signature`: domain and selector)
//! are noted as that — what was written in the headers — and not as proof: Safekeep does
//! not verify DKIM signatures yet (docs/conversations.md § "E-mail").

use std::io::BufReader;

use chrono::{DateTime, Utc};
use mail_parser::{MessageParser, MimeHeaders};
use sha2::{Digest, Sha256};

use crate::time::{self, Zone};
use crate::{Attachment, Conversation, Error, Export, Format, Message, MessageKind, Reading};

/// Where an attachment is, since it is not a file of the export.
const INSIDE: &str = "inside the e-mail file (a MIME part), not a file of its own";

/// The longest note about one e-mail's headers.
const NOTE_MAX: usize = 600;

/// The export's e-mail files: `.eml`, `.mbox`, and mailboxes recognised by their start.
pub fn chat_files(export: &Export) -> Vec<String> {
    export
        .files()
        .iter()
        .map(|f| f.path.clone())
        .filter(|p| {
            let lower = p.to_ascii_lowercase();
            if lower.ends_with(".eml") || lower.ends_with(".mbox") {
                return true;
            }
            !lower.contains('.') && is_mbox(&export.head(p, 4096).unwrap_or_default())
        })
        .collect()
}

/// A mailbox starts with a `From ` line and holds headers.
fn is_mbox(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(head);
    text.starts_with("From ") && (text.contains("\nFrom:") || text.contains("\nDate:"))
}

/// One e-mail before numbering.
struct Read1 {
    thread: String,
    at: Option<DateTime<Utc>>,
    message: Message,
}

/// Reads the e-mails of `export`.
pub fn read(export: &Export, zone: &Zone) -> Result<Conversation, Error> {
    let files = chat_files(export);
    if files.is_empty() {
        return Err(Error::NotAnExport(
            "no e-mail was found: Safekeep reads .eml files and mailboxes (.mbox, such as Gmail Takeout's)"
                .into(),
        ));
    }
    let mut all = Vec::new();
    let mut state = State::default();
    for path in &files {
        let lower = path.to_ascii_lowercase();
        if lower.ends_with(".eml") {
            let bytes = export.read(path)?;
            one(&bytes, zone, &mut all, &mut state);
            if state.text > crate::export::READ_MAX {
                return Err(Error::Unreadable(format!(
                    "these e-mails hold more than {} MiB of text, more than Safekeep reads as one conversation; import fewer at a time",
                    crate::export::READ_MAX >> 20
                )));
            }
        } else {
            export.stream(path, |r| {
                for m in mail_parser::mailbox::mbox::MessageIterator::new(BufReader::new(r)) {
                    let m = m.map_err(|e| Error::Unreadable(format!("{path} cannot be read: {e}")))?;
                    one(m.contents(), zone, &mut all, &mut state);
                    if state.text > crate::export::READ_MAX {
                        return Err(Error::Unreadable(format!(
                            "{path} holds more than {} MiB of e-mail text, more than Safekeep reads as one conversation; export one folder or label, or a shorter period",
                            crate::export::READ_MAX >> 20
                        )));
                    }
                }
                Ok(())
            })?;
        }
    }
    // Dated e-mails oldest first; an e-mail without a readable date after them.
    let (names, messages) = crate::in_chats(
        all.into_iter()
            .map(|m| (m.thread, (m.at.is_none(), m.at), m.message)),
    );
    let mut warnings = Vec::new();
    if state.unreadable > 0 {
        warnings.push(format!(
            "{} part(s) of the mailbox were not readable as e-mails and are not in the reading (they are in the sealed file)",
            state.unreadable
        ));
    }
    if state.undated > 0 {
        warnings.push(format!(
            "{} e-mail(s) have no readable Date header: they are kept, without a time, after the dated ones of their thread",
            state.undated
        ));
    }
    let mut reading = Reading::new(
        Format::Email,
        "e-mail (.eml, mbox)",
        files,
        zone,
        format!(
            "exact: each Date header gives its offset from UTC; shown in {} ({})",
            zone.name, zone.basis
        ),
        names,
        warnings,
    );
    reading.pictures_inside = state.pictures;
    Ok(Conversation { reading, messages })
}

#[derive(Default)]
struct State {
    unreadable: u32,
    undated: u32,
    pictures: u32,
    /// Bytes of message text read so far (bounded by [`crate::export::READ_MAX`]).
    text: u64,
}

/// Reads one e-mail's bytes into `out`.
fn one(bytes: &[u8], zone: &Zone, out: &mut Vec<Read1>, state: &mut State) {
    let Some(mail) = MessageParser::default().parse(bytes) else {
        state.unreadable += 1;
        return;
    };
    let sender = mail
        .from()
        .and_then(|a| a.first())
        .map(|a| match (a.name(), a.address()) {
            (Some(n), Some(e)) => format!("{n} <{e}>"),
            (None, Some(e)) => e.to_owned(),
            (Some(n), None) => n.to_owned(),
            (None, None) => "unknown sender".to_owned(),
        });
    let written = mail.header_raw("Date").unwrap_or("").trim().to_owned();
    let at = mail
        .date()
        .and_then(|d| DateTime::from_timestamp(d.to_timestamp(), 0));
    if at.is_none() {
        state.undated += 1;
    }
    let subject = mail.subject().unwrap_or("").trim().to_owned();
    let body = mail.body_text(0).map(|b| b.into_owned()).unwrap_or_default();
    let text = if subject.is_empty() {
        body.trim_end().to_owned()
    } else {
        format!("Subject: {subject}\n\n{}", body.trim_end())
    };
    let mut attachments = Vec::new();
    for part in mail.attachments() {
        let media_type = part
            .content_type()
            .map(|t| format!("{}/{}", t.ctype(), t.subtype().unwrap_or("")).to_ascii_lowercase())
            .unwrap_or_default();
        // Whatever type the sender declared, an attachment that is not text may be a
        // picture (or an e-mail holding one): a no-images case refuses the export.
        if !media_type.starts_with("text/") {
            state.pictures += 1;
        }
        attachments.push(Attachment {
            name: Some(part.attachment_name().unwrap_or("(no name)").to_owned()),
            sha256: Some(hex::encode(Sha256::digest(part.contents()))),
            path: None,
            missing: Some(INSIDE.into()),
        });
    }
    state.text += text.len() as u64;
    if mail.html_bodies().any(|p| {
        String::from_utf8_lossy(p.contents())
            .to_ascii_lowercase()
            .contains("data:")
    }) {
        // A picture written into the HTML as a `data:` address.
        state.pictures += 1;
    }
    let thread = mail
        .thread_name()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .unwrap_or("(no subject)")
        .to_owned();
    let reply_to = mail.in_reply_to().as_text().map(str::to_owned);
    out.push(Read1 {
        thread,
        at,
        message: Message {
            index: 0,
            chat: None,
            sender,
            sent_at: at.map(time::utc),
            sent_at_local: at.map(|t| time::local(zone, t)),
            sent_at_as_written: written,
            text,
            kind: MessageKind::Message,
            attachments,
            edited: None,
            reply_to,
            forwarded_from: None,
            reactions: Vec::new(),
            note: servers_said(&mail),
        },
    });
}

/// What the headers say about where the e-mail came from: the DKIM signatures' domains
/// and selectors, and the receiving servers' `Authentication-Results`, as written.
fn servers_said(mail: &mail_parser::Message<'_>) -> Option<String> {
    let mut said = Vec::new();
    for (name, value) in mail.headers_raw() {
        let one_line: String = value.split_whitespace().collect::<Vec<_>>().join(" ");
        if name.eq_ignore_ascii_case("DKIM-Signature") {
            let tag = |t: &str| {
                one_line
                    .split(';')
                    .map(str::trim)
                    .find_map(|kv| kv.strip_prefix(t).and_then(|v| v.strip_prefix('=')))
                    .unwrap_or("?")
                    .to_owned()
            };
            said.push(format!(
                "signed with DKIM by {} (selector {}); not verified by Safekeep",
                tag("d"),
                tag("s")
            ));
        } else if name.eq_ignore_ascii_case("Authentication-Results") {
            said.push(format!("a receiving server wrote: {one_line}"));
        }
    }
    if said.is_empty() {
        return None;
    }
    let mut note: String = said.join("; ").chars().filter(|c| !c.is_control()).collect();
    if note.chars().count() > NOTE_MAX {
        note = note.chars().take(NOTE_MAX).collect::<String>() + "…";
    }
    Some(format!("what the headers say (not proof): {note}"))
}
