//! Android text messages as the "SMS Backup & Restore" app writes them: one XML file
//! (`sms-YYYYMMDDhhmmss.xml`) whose root `<smses>` holds `<sms>` elements (one text each:
//! `address`, `date` in ms since 1970 UTC, `type` 1 received / 2 sent / 3 draft / 4 outbox /
//! 5 failed / 6 queued, `body`, `contact_name`) and `<mms>` elements (`msg_box` 1 received /
//! 2 sent, `date` in ms, `<parts>` whose `<part>`s carry the text (`ct="text/plain"`,
//! `text`) or a file (`ct`, `cl`/`name`, its bytes as base64 in `data`), `<addrs>` whose
//! `<addr type="137">` is the sender).
//!
//! The file is read as a stream (backups reach gigabytes); a part's file is hashed, never
//! kept apart: it stays inside the sealed XML, so the record says where it is. The app
//! writes characters outside the Basic Multilingual Plane (emoji) as two numeric
//! references, one per UTF-16 surrogate (`&#55357;&#56832;`), which XML does not allow;
//! they are joined before unescaping. Messages are grouped by the other party's address,
//! oldest first. Memory: the messages read, and the largest one element (an MMS with its
//! parts' base64) at a time.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::{BufReader, Read};
use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use quick_xml::events::{BytesStart, Event};
use regex::Regex;
use sha2::{Digest, Sha256};

use crate::time::{self, Zone};
use crate::{Attachment, Conversation, Error, Export, Format, Message, MessageKind, Reading};

/// The files that are SMS backups: XML whose root is `<smses`.
pub fn chat_files(export: &Export) -> Vec<String> {
    export
        .files()
        .iter()
        .filter(|f| f.path.to_ascii_lowercase().ends_with(".xml"))
        .filter(|f| {
            export
                .head(&f.path, 4096)
                .is_some_and(|h| String::from_utf8_lossy(&h).contains("<smses"))
        })
        .map(|f| f.path.clone())
        .collect()
}

/// Where a part's file is, since it is not a file of the export.
const INSIDE: &str = "inside the backup file (an MMS part, base64 in the XML), not a file of its own";

/// One message before it is numbered: its chat (the other party) and exact time.
struct Read1 {
    chat: String,
    at: DateTime<Utc>,
    message: Message,
}

/// Reads the SMS backup(s) in `export`.
pub fn read(export: &Export, zone: &Zone) -> Result<Conversation, Error> {
    let files = chat_files(export);
    if files.is_empty() {
        return Err(Error::NotAnExport(
            "no SMS backup was found: SMS Backup & Restore writes an XML file named sms-….xml whose first element is <smses>".into(),
        ));
    }
    let mut all = Vec::new();
    let mut state = State::default();
    for path in &files {
        export.stream(path, |r| read_file(r, path, zone, &mut all, &mut state))?;
    }
    // Chats by the other party's name and number, in that order.
    all.sort_by(|a, b| a.chat.cmp(&b.chat));
    let (names, messages) = crate::in_chats(all.into_iter().map(|m| (m.chat, m.at, m.message)));
    let mut warnings = Vec::new();
    if state.undated > 0 {
        warnings.push(format!(
            "{} message(s) had no readable date and were left out of the reading",
            state.undated
        ));
    }
    if state.not_sent > 0 {
        warnings.push(format!(
            "{} message(s) were drafts or never sent (type 3–6); they are kept and marked",
            state.not_sent
        ));
    }
    let mut reading = Reading::new(
        Format::AndroidSms,
        "SMS Backup & Restore XML",
        files,
        zone,
        format!(
            "exact: date is milliseconds since 1970 in UTC; shown in {} ({})",
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
    undated: u32,
    not_sent: u32,
    pictures: u32,
    /// Bytes of message text read so far (bounded by [`crate::export::READ_MAX`]).
    text: u64,
}

/// Refuses a backup whose messages' text alone is more than Safekeep holds as one
/// conversation: the file is streamed, but the messages are kept in memory.
fn bounded(state: &mut State, text: &str, path: &str) -> Result<(), Error> {
    state.text += text.len() as u64;
    if state.text > crate::export::READ_MAX {
        return Err(Error::Unreadable(format!(
            "{path} holds more than {} MiB of message text, more than Safekeep reads as one conversation; make a backup of a shorter period or of fewer conversations",
            crate::export::READ_MAX >> 20
        )));
    }
    Ok(())
}

/// An `<mms>` being read: its attributes, then its parts and addresses.
struct Mms {
    attrs: BTreeMap<String, String>,
    texts: Vec<String>,
    attachments: Vec<Attachment>,
    from: Option<String>,
}

fn read_file(
    source: &mut dyn Read,
    path: &str,
    zone: &Zone,
    out: &mut Vec<Read1>,
    state: &mut State,
) -> Result<(), Error> {
    let mut reader = quick_xml::Reader::from_reader(BufReader::new(source));
    let mut buf = Vec::new();
    let mut mms: Option<Mms> = None;
    let mut saw_root = false;
    loop {
        buf.clear();
        let event = reader.read_event_into(&mut buf).map_err(|e| {
            Error::NotAnExport(format!(
                "{path} is not a readable SMS backup at byte {} ({e}); the file may be cut short (a backup that did not finish). Make the backup again and import the new file",
                reader.buffer_position()
            ))
        })?;
        match event {
            Event::Start(e) | Event::Empty(e) if e.name().into_inner() == "smses" => saw_root = true,
            Event::Empty(e) if e.name().into_inner() == "sms" => {
                let a = attributes(&e, path)?;
                bounded(state, given(&a, "body").unwrap_or(""), path)?;
                push_sms(&a, zone, out, state);
            }
            Event::Start(e) if e.name().into_inner() == "mms" => {
                mms = Some(Mms {
                    attrs: attributes(&e, path)?,
                    texts: Vec::new(),
                    attachments: Vec::new(),
                    from: None,
                });
            }
            Event::Empty(e) if e.name().into_inner() == "mms" => {
                let attrs = attributes(&e, path)?;
                push_mms(
                    Mms {
                        attrs,
                        texts: Vec::new(),
                        attachments: Vec::new(),
                        from: None,
                    },
                    zone,
                    out,
                    state,
                );
            }
            Event::Start(e) | Event::Empty(e) if e.name().into_inner() == "part" => {
                if let Some(m) = mms.as_mut() {
                    let a = attributes(&e, path)?;
                    bounded(state, given(&a, "text").unwrap_or(""), path)?;
                    part(&a, m, state);
                } else if has_data(&e) {
                    state.pictures += 1;
                }
            }
            Event::Start(e) | Event::Empty(e) if e.name().into_inner() == "addr" => {
                if let Some(m) = mms.as_mut() {
                    let a = attributes(&e, path)?;
                    if a.get("type").map(String::as_str) == Some("137") {
                        m.from = a.get("address").cloned();
                    }
                }
            }
            Event::End(e) if e.name().into_inner() == "mms" => {
                if let Some(m) = mms.take() {
                    push_mms(m, zone, out, state);
                }
            }
            Event::Eof => break,
            // Bytes carried anywhere else in the file are sealed with it too.
            Event::Start(e) | Event::Empty(e) if has_data(&e) => state.pictures += 1,
            _ => {}
        }
    }
    if !saw_root {
        return Err(Error::NotAnExport(format!(
            "{path} is XML but not an SMS backup (it has no <smses> element)"
        )));
    }
    if mms.is_some() {
        return Err(Error::NotAnExport(format!(
            "{path} ends inside a message: the backup was cut short. Make the backup again and import the new file"
        )));
    }
    Ok(())
}

/// Whether an element carries a `data` attribute (bytes, as MMS parts do).
fn has_data(e: &BytesStart<'_>) -> bool {
    e.attributes()
        .flatten()
        .any(|a| a.key.as_ref() == "data" && !a.value.is_empty() && &*a.value != "null")
}

/// An element's attributes, unescaped (with the app's split surrogates joined).
fn attributes(e: &BytesStart<'_>, path: &str) -> Result<BTreeMap<String, String>, Error> {
    let mut out = BTreeMap::new();
    for a in e.attributes() {
        let a = a.map_err(|err| Error::NotAnExport(format!("{path} has a malformed attribute ({err})")))?;
        let key: &str = a.key.as_ref();
        if key == "data" {
            // Base64, which holds no references: taken as it is (it is the largest value).
            out.insert(key.to_owned(), a.value.into_owned());
            continue;
        }
        let joined = join_surrogates(&a.value);
        let value = quick_xml::escape::unescape(&joined)
            .map(|v| v.into_owned())
            .unwrap_or_else(|_| joined.into_owned());
        out.insert(key.to_owned(), value);
    }
    Ok(out)
}

/// Two numeric references in a row (decimal, as the app writes them).
static TWO_REFERENCES: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"&#([0-9]{5});&#([0-9]{5});").expect("valid pattern"));

/// Joins `&#55357;&#56832;` (a UTF-16 surrogate pair written as two references) into the
/// one character it stands for, written as one reference; other references stay.
fn join_surrogates(raw: &str) -> Cow<'_, str> {
    if !raw.contains("&#5") {
        return raw.into();
    }
    TWO_REFERENCES.replace_all(raw, |c: &regex::Captures<'_>| {
        let (hi, lo): (u32, u32) = (c[1].parse().unwrap_or(0), c[2].parse().unwrap_or(0));
        if (0xD800..0xDC00).contains(&hi) && (0xDC00..0xE000).contains(&lo) {
            format!("&#{};", 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
        } else {
            c[0].to_owned()
        }
    })
}

/// The value of an attribute the app writes as `null` when empty.
fn given<'a>(a: &'a BTreeMap<String, String>, key: &str) -> Option<&'a str> {
    a.get(key)
        .map(String::as_str)
        .filter(|v| !v.is_empty() && *v != "null")
}

/// The other party: the contact's name as the phone knew it, and the number.
fn party(a: &BTreeMap<String, String>) -> String {
    let number = given(a, "address").unwrap_or("unknown number");
    match given(a, "contact_name").filter(|n| *n != "(Unknown)") {
        Some(name) => format!("{name} ({number})"),
        None => number.to_owned(),
    }
}

fn dated(a: &BTreeMap<String, String>) -> Option<(DateTime<Utc>, String)> {
    let written = given(a, "date")?;
    let at = time::from_unix_ms(written.parse().ok()?)?;
    Some((at, written.to_owned()))
}

fn message(zone: &Zone, at: DateTime<Utc>, written: String, sender: String, text: String) -> Message {
    Message {
        index: 0,
        chat: None,
        sender: Some(sender),
        sent_at: Some(time::utc(at)),
        sent_at_local: Some(time::local(zone, at)),
        sent_at_as_written: written,
        text,
        kind: MessageKind::Message,
        attachments: Vec::new(),
        edited: None,
        reply_to: None,
        forwarded_from: None,
        reactions: Vec::new(),
        note: None,
    }
}

/// Who sent a message of this box: the other party, or the phone's owner.
const OWNER: &str = "this phone's owner";

fn push_sms(a: &BTreeMap<String, String>, zone: &Zone, out: &mut Vec<Read1>, state: &mut State) {
    let Some((at, written)) = dated(a) else {
        state.undated += 1;
        return;
    };
    let chat = party(a);
    let kind = given(a, "type").unwrap_or("1");
    let sender = if kind == "1" {
        chat.clone()
    } else {
        OWNER.to_owned()
    };
    let mut m = message(
        zone,
        at,
        written,
        sender,
        given(a, "body").unwrap_or("").to_owned(),
    );
    if !matches!(kind, "1" | "2") {
        state.not_sent += 1;
        m.note = Some(format!("not a sent or received message: {}", box_name(kind)));
    }
    out.push(Read1 { chat, at, message: m });
}

fn box_name(kind: &str) -> &'static str {
    match kind {
        "3" => "a draft",
        "4" => "in the outbox (not yet sent)",
        "5" => "failed to send",
        "6" => "queued to send",
        _ => "of an unknown type",
    }
}

fn part(a: &BTreeMap<String, String>, m: &mut Mms, state: &mut State) {
    let ct = given(a, "ct").unwrap_or("").to_ascii_lowercase();
    // Whatever type the sender declared, a part that carries bytes and is not text may
    // be a picture (a no-images case refuses the backup).
    if given(a, "data").is_some() && !ct.starts_with("text/") {
        state.pictures += 1;
    }
    if ct == "application/smil" {
        return;
    }
    if ct == "text/plain" {
        if let Some(t) = given(a, "text") {
            m.texts.push(t.to_owned());
        }
        return;
    }
    let name = given(a, "cl")
        .or_else(|| given(a, "name"))
        .or_else(|| given(a, "fn"))
        .map(str::to_owned);
    let sha256 = given(a, "data").and_then(base64_sha256);
    m.attachments.push(Attachment {
        name,
        missing: Some(match (given(a, "data"), &sha256) {
            (_, Some(_)) => INSIDE.into(),
            (Some(_), None) => {
                "inside the backup file, but its base64 is malformed, so it has no hash".into()
            }
            (None, None) => "not included in the backup (the MMS part has no data)".into(),
        }),
        sha256,
        path: None,
    });
}

/// The SHA-256 (hex) of base64 data, decoded a slice at a time (a part is megabytes).
fn base64_sha256(b64: &str) -> Option<String> {
    let clean: Cow<'_, [u8]> = if b64.bytes().any(|b| b.is_ascii_whitespace()) {
        Cow::Owned(b64.bytes().filter(|b| !b.is_ascii_whitespace()).collect())
    } else {
        Cow::Borrowed(b64.as_bytes())
    };
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 48 * 1024];
    for chunk in clean.chunks(64 * 1024) {
        let n = data_encoding::BASE64.decode_len(chunk.len()).ok()?;
        let n = data_encoding::BASE64.decode_mut(chunk, &mut buf[..n]).ok()?;
        hasher.update(&buf[..n]);
    }
    Some(hex::encode(hasher.finalize()))
}

fn push_mms(m: Mms, zone: &Zone, out: &mut Vec<Read1>, state: &mut State) {
    let Some((at, written)) = dated(&m.attrs) else {
        state.undated += 1;
        return;
    };
    let chat = party(&m.attrs);
    // 1 is the inbox; 2 sent, 3 drafts, 4 outbox, 5 failed: the owner's.
    let msg_box = given(&m.attrs, "msg_box").unwrap_or("1");
    let received = !matches!(msg_box, "2" | "3" | "4" | "5");
    let sender = if received {
        match (&m.from, given(&m.attrs, "address")) {
            (Some(from), Some(address)) if from != address => from.clone(),
            _ => chat.clone(),
        }
    } else {
        OWNER.to_owned()
    };
    let mut msg = message(zone, at, written, sender, m.texts.join("\n"));
    msg.attachments = m.attachments;
    if matches!(msg_box, "3" | "4" | "5") {
        state.not_sent += 1;
        msg.note = Some(format!(
            "not a sent or received message: {}",
            match msg_box {
                "3" => "a draft",
                "4" => "in the outbox (not yet sent)",
                _ => "failed to send",
            }
        ));
    }
    out.push(Read1 {
        chat,
        at,
        message: msg,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_surrogates_become_one_character() {
        let joined = join_surrogates("Hi &#55357;&#56832; &amp; bye");
        assert_eq!(
            quick_xml::escape::unescape(&joined).expect("unescapes"),
            "Hi 😀 & bye"
        );
        assert_eq!(join_surrogates("plain"), "plain");
        assert_eq!(
            join_surrogates("&#50000;&#50001;"),
            "&#50000;&#50001;",
            "not a pair"
        );
    }
}
