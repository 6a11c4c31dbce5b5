//! Telegram Desktop "Export chat history" in machine-readable JSON: `result.json`, for
//! one chat (`{"name", "type", "id", "messages": […]}`) or a whole account
//! (`{"chats": {"list": […]}, "left_chats": {"list": […]}}`).
//!
//! Pitfalls: `text` is a string or an array of strings and entity objects; `from` is null
//! for deleted accounts; media left out are placeholders such as "(File not included.
//! Change data exporting settings to download.)"; `date` is the exporting computer's
//! local time, `date_unixtime` (newer versions) the exact time; and some versions write
//! `\xNN` escapes, which JSON does not allow — they are repaired before parsing (each
//! run of them read as UTF-8 when it is, else as Latin-1) and counted in a warning.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use serde_json::Value;

use crate::time::{self, Zone};
use crate::{
    Attachment, Conversation, Error, Export, Format, Message, MessageKind, NOT_INCLUDED, Reading, attachment,
};

/// The `result.json` of `export`, shallowest first.
pub fn chat_file(export: &Export) -> Option<String> {
    let mut found: Vec<&str> = export
        .files()
        .iter()
        .map(|f| f.path.as_str())
        .filter(|p| p.rsplit('/').next() == Some("result.json"))
        .collect();
    found.sort_by_key(|p| p.matches('/').count());
    found
        .into_iter()
        .find(|p| {
            export.head(p, 4096).is_some_and(|h| {
                let h = String::from_utf8_lossy(&h);
                h.contains("\"messages\"") || h.contains("\"chats\"") || h.contains("Telegram")
            })
        })
        .map(str::to_owned)
}

/// Reads the Telegram export in `export`.
pub fn read(export: &Export, zone: &Zone) -> Result<Conversation, Error> {
    let path = chat_file(export).ok_or_else(|| {
        Error::NotAnExport(
            "no Telegram export was found: Telegram Desktop writes result.json (choose \"Machine-readable JSON\" when exporting)".into(),
        )
    })?;
    let bytes = export.read(&path)?;
    let (fixed, repaired) = repair_escapes(&bytes);
    let root: Value = serde_json::from_slice(&fixed).map_err(|e| {
        Error::NotAnExport(format!(
            "{path} is not readable JSON ({e}); it may be incomplete. Export the chat again from Telegram Desktop"
        ))
    })?;
    let mut warnings = Vec::new();
    if repaired > 0 {
        warnings.push(format!(
            "{repaired} \\x escape(s), which JSON does not allow, were repaired in {path}"
        ));
    }
    let (chats, variant): (Vec<&Value>, &str) = match root.get("chats") {
        Some(c) => {
            let mut list: Vec<&Value> = c
                .get("list")
                .and_then(Value::as_array)
                .map(|l| l.iter().collect())
                .unwrap_or_default();
            if let Some(left) = root.pointer("/left_chats/list").and_then(Value::as_array) {
                list.extend(left.iter());
            }
            (list, "full export")
        }
        None if root.get("messages").is_some() => (vec![&root], "single chat"),
        None => {
            return Err(Error::NotAnExport(format!(
                "{path} is JSON but not a Telegram chat export: it has neither \"messages\" nor \"chats\""
            )));
        }
    };
    let many = chats.len() > 1;
    let mut messages = Vec::new();
    let mut names = Vec::new();
    let mut exact = 0usize;
    let mut local = 0usize;
    let mut unreadable = 0usize;
    for chat in chats {
        let name = chat_name(chat);
        names.push(name.clone());
        let mut by_id: HashMap<i64, usize> = HashMap::new();
        for m in chat
            .get("messages")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let unix = m.get("date_unixtime").and_then(|v| {
                v.as_str()
                    .and_then(|s| s.parse::<i64>().ok())
                    .or_else(|| v.as_i64())
            });
            // The Unix time wins when both are given; a message with only it is kept.
            let unix_written = unix.map(|u| u.to_string());
            let Some(at_written) = m.get("date").and_then(Value::as_str).or(unix_written.as_deref()) else {
                unreadable += 1;
                continue;
            };
            let (at, note) = match unix.and_then(|u| time::from_unix_ms(u * 1000)) {
                Some(t) => {
                    exact += 1;
                    (t, None)
                }
                None => match NaiveDateTime::parse_from_str(at_written, "%Y-%m-%dT%H:%M:%S") {
                    Ok(naive) => {
                        local += 1;
                        zone.local(naive)
                    }
                    Err(_) => {
                        unreadable += 1;
                        continue;
                    }
                },
            };
            if let Some(id) = m.get("id").and_then(Value::as_i64) {
                by_id.insert(id, messages.len() + 1);
            }
            let service = m.get("type").and_then(Value::as_str) == Some("service");
            let text = text_of(m.get("text"));
            let (sender, kind, text) = if service {
                let actor = m.get("actor").and_then(Value::as_str).map(str::to_owned);
                (actor, MessageKind::System, describe_service(m, &text))
            } else {
                let from = m.get("from").and_then(Value::as_str).map(str::to_owned);
                (from, MessageKind::Message, text)
            };
            let mut note = note;
            if !service && sender.is_none() {
                note = Some("the export names no sender (usually a deleted account)".into());
            }
            let reply_to = m.get("reply_to_message_id").and_then(Value::as_i64).map(|id| {
                by_id.get(&id).map_or_else(
                    || format!("Telegram message id {id}, not in this export"),
                    |i| i.to_string(),
                )
            });
            messages.push(Message {
                index: 0,
                chat: many.then(|| name.clone()),
                sender,
                sent_at: Some(time::utc(at)),
                sent_at_local: Some(time::local(zone, at)),
                sent_at_as_written: at_written.to_owned(),
                text,
                kind,
                attachments: attachments(export, &path, m),
                edited: edited(m, zone),
                reply_to,
                forwarded_from: m.get("forwarded_from").and_then(Value::as_str).map(str::to_owned),
                reactions: reactions(m),
                note,
            });
        }
    }
    if unreadable > 0 {
        warnings.push(format!(
            "{unreadable} message(s) had no readable date and were left out of the reading (they stay in the sealed export)"
        ));
    }
    let timezone_basis = match (exact, local) {
        (_, 0) => format!(
            "exact: every time is given as a Unix time (date_unixtime); shown in {} ({})",
            zone.name, zone.basis
        ),
        (0, _) => format!(
            "Telegram wrote the exporting computer's local time without an offset; read in {}: {}",
            zone.name, zone.basis
        ),
        (e, l) => format!(
            "{e} time(s) exact (date_unixtime); {l} local time(s) without an offset read in {}: {}",
            zone.name, zone.basis
        ),
    };
    Ok(Conversation {
        reading: Reading::new(
            Format::Telegram,
            variant,
            vec![path],
            zone,
            timezone_basis,
            names,
            warnings,
        ),
        messages,
    })
}

fn chat_name(chat: &Value) -> String {
    match chat.get("name").and_then(Value::as_str) {
        Some(n) => n.to_owned(),
        None if chat.get("type").and_then(Value::as_str) == Some("saved_messages") => "Saved Messages".into(),
        None => format!(
            "chat {}",
            chat.get("id").map(Value::to_string).unwrap_or_default()
        ),
    }
}

/// `text` as a person reads it: a string, or the concatenation of an array's strings
/// and entities' `text`.
fn text_of(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(parts)) => parts
            .iter()
            .map(|p| match p {
                Value::String(s) => s.as_str(),
                other => other.get("text").and_then(Value::as_str).unwrap_or(""),
            })
            .collect(),
        _ => String::new(),
    }
}

fn describe_service(m: &Value, text: &str) -> String {
    // The actor is the message's sender; the text says what they did.
    let mut out = m
        .get("action")
        .and_then(Value::as_str)
        .unwrap_or("service message")
        .replace('_', " ");
    if let Some(members) = m.get("members").and_then(Value::as_array) {
        let names: Vec<&str> = members.iter().filter_map(Value::as_str).collect();
        if !names.is_empty() {
            out.push_str(&format!(" ({})", names.join(", ")));
        }
    }
    if let Some(title) = m.get("title").and_then(Value::as_str) {
        out.push_str(&format!(": {title}"));
    }
    if let Some(d) = m.get("duration_seconds").and_then(Value::as_i64) {
        out.push_str(&format!(", {d} s"));
    }
    if !text.is_empty() {
        out.push_str(&format!(" — {text}"));
    }
    out
}

fn attachments(export: &Export, chat_path: &str, m: &Value) -> Vec<Attachment> {
    let mut out = Vec::new();
    for key in ["photo", "file"] {
        let Some(v) = m.get(key).and_then(Value::as_str) else {
            continue;
        };
        if v.starts_with('(') {
            // "(File not included. Change data exporting settings to download.)", …
            out.push(Attachment {
                name: m.get("file_name").and_then(Value::as_str).map(str::to_owned),
                sha256: None,
                path: None,
                missing: Some(format!("{NOT_INCLUDED}: Telegram wrote {v}")),
            });
        } else {
            out.push(attachment(export, Some(v), chat_path, NOT_INCLUDED));
        }
    }
    out
}

fn edited(m: &Value, zone: &Zone) -> Option<String> {
    let unix = m.get("edited_unixtime").and_then(|v| {
        v.as_str()
            .and_then(|s| s.parse::<i64>().ok())
            .or_else(|| v.as_i64())
    });
    if let Some(t) = unix.and_then(|u| time::from_unix_ms(u * 1000)) {
        return Some(time::utc(t));
    }
    let written = m.get("edited").and_then(Value::as_str)?;
    Some(
        NaiveDateTime::parse_from_str(written, "%Y-%m-%dT%H:%M:%S")
            .map_or_else(|_| written.to_owned(), |n| time::utc(zone.local(n).0)),
    )
}

fn reactions(m: &Value) -> Vec<String> {
    m.get("reactions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|r| {
            let what = r
                .get("emoji")
                .and_then(Value::as_str)
                .or_else(|| r.get("document_id").and_then(Value::as_str))
                .unwrap_or("reaction");
            let count = r.get("count").and_then(Value::as_i64).unwrap_or(1);
            let who: Vec<&str> = r
                .get("recent")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|x| x.get("from").and_then(Value::as_str))
                .collect();
            if who.is_empty() {
                format!("{what} ×{count}")
            } else {
                format!("{what} ×{count} by {}", who.join(", "))
            }
        })
        .collect()
}

/// Replaces `\xNN` escapes (not JSON) with `\uNNNN` ones: each run of them is read as
/// UTF-8 when it is valid, else each byte as Latin-1. Returns the text and how many
/// escapes were repaired.
fn repair_escapes(bytes: &[u8]) -> (Vec<u8>, usize) {
    let hex = |b: u8| (b as char).to_digit(16);
    let mut out = Vec::with_capacity(bytes.len());
    let mut count = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'\\' {
            out.push(bytes[i]);
            i += 1;
            continue;
        }
        let mut run = Vec::new();
        let mut j = i;
        while j + 3 < bytes.len() && bytes[j] == b'\\' && bytes[j + 1] == b'x' {
            match (hex(bytes[j + 2]), hex(bytes[j + 3])) {
                (Some(a), Some(b)) => {
                    run.push((a * 16 + b) as u8);
                    j += 4;
                }
                _ => break,
            }
        }
        if run.is_empty() {
            // Any other escape, `\\` included, is copied whole so its second byte is
            // never taken for the start of another.
            out.extend_from_slice(&bytes[i..(i + 2).min(bytes.len())]);
            i += 2;
            continue;
        }
        count += run.len();
        let text = match std::str::from_utf8(&run) {
            Ok(s) => s.to_owned(),
            Err(_) => run.iter().map(|&b| b as char).collect(),
        };
        for unit in text.encode_utf16() {
            out.extend_from_slice(format!("\\u{unit:04x}").as_bytes());
        }
        i = j;
    }
    (out, count)
}

#[cfg(test)]
mod tests {
    use super::repair_escapes;

    #[test]
    fn repairs_x_escapes_but_not_escaped_backslashes() {
        let (out, n) = repair_escapes(br#"{"a":"caf\xc3\xa9 \\x41 \x41"}"#);
        let v: serde_json::Value = serde_json::from_slice(&out).expect("valid JSON");
        assert_eq!(v["a"], "café \\x41 A");
        assert_eq!(n, 3);
    }
}
