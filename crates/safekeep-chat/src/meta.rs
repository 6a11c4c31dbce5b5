//! Instagram's and Facebook's "Download your information" in JSON: each conversation is
//! a folder `…/messages/inbox/NAME_ID/` of `message_1.json`, `message_2.json`, … (newest
//! messages first, `message_1` the newest), with `photos/`, `videos/`, `audio/` beside.
//!
//! Pitfalls: every string is UTF-8 whose bytes were written as Latin-1 characters
//! (`"caf\u00c3\u00a9"` for "café"); it is repaired wherever the result is valid UTF-8.
//! Media `uri`s are paths from the top of the whole download, which may not be where the
//! person's folder starts, so they are matched by their ending. Unsent messages are
//! `is_unsent` or "… unsent a message". Times (`timestamp_ms`) are exact.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::time::{self, Zone};
use crate::{Conversation, Error, Export, Format, Message, MessageKind, NOT_INCLUDED, Reading, attachment};

/// The `message_N.json` files of `export`, by conversation folder.
pub fn chat_files(export: &Export) -> BTreeMap<String, Vec<(u32, String)>> {
    let mut threads: BTreeMap<String, Vec<(u32, String)>> = BTreeMap::new();
    for f in export.files() {
        let (dir, base) = f.path.rsplit_once('/').unwrap_or(("", &f.path));
        let Some(n) = base
            .strip_prefix("message_")
            .and_then(|b| b.strip_suffix(".json"))
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let looks = export.head(&f.path, 2048).is_some_and(|h| {
            let h = String::from_utf8_lossy(&h);
            h.contains("\"participants\"") || h.contains("\"sender_name\"")
        });
        if looks {
            threads
                .entry(dir.to_owned())
                .or_default()
                .push((n, f.path.clone()));
        }
    }
    threads
}

/// Instagram or Facebook, from the folder names Meta gives the download.
pub fn platform(export: &Export) -> Format {
    let says = |word: &str| {
        export
            .files()
            .iter()
            .any(|f| f.path.to_ascii_lowercase().contains(word))
    };
    if says("instagram") {
        Format::Instagram
    } else {
        Format::Facebook
    }
}

/// Reads every conversation of the download in `export`.
pub fn read(export: &Export, zone: &Zone, format: Format) -> Result<Conversation, Error> {
    let threads = chat_files(export);
    if threads.is_empty() {
        return Err(Error::NotAnExport(format!(
            "no {} messages were found: the download holds no messages/inbox/…/message_1.json. Ask for the download \"in JSON\", not HTML",
            format.label()
        )));
    }
    let mut warnings = Vec::new();
    if format == Format::Facebook
        && !export.files().iter().any(|f| {
            f.path.to_ascii_lowercase().contains("facebook")
                || f.path.to_ascii_lowercase().contains("messenger")
        })
    {
        warnings.push(
            "the files do not say whether they came from Facebook or Instagram; Facebook was assumed (give --format instagram if they came from Instagram)".into(),
        );
    }
    let many = threads.len() > 1;
    let mut repaired = 0usize;
    let mut chat_paths = Vec::new();
    let mut chats = Vec::new();
    let mut messages = Vec::new();
    for (_, mut files) in threads {
        // message_N is older than message_1: read the oldest file first.
        files.sort_by_key(|f| std::cmp::Reverse(f.0));
        let mut title = None;
        let mut found: Vec<(i64, Value, String)> = Vec::new();
        for (_, path) in &files {
            let bytes = export.read(path)?;
            let mut root: Value = serde_json::from_slice(crate::strip_bom(&bytes)).map_err(|e| {
                Error::NotAnExport(format!("{path} is not readable JSON ({e}); it may be incomplete"))
            })?;
            repaired += repair(&mut root);
            if title.is_none() {
                title = root
                    .get("title")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
                    .or_else(|| {
                        root.get("participants").and_then(Value::as_array).map(|p| {
                            p.iter()
                                .filter_map(|x| x.get("name").and_then(Value::as_str))
                                .collect::<Vec<_>>()
                                .join(", ")
                        })
                    });
            }
            let list = root.get_mut("messages").map(Value::take);
            let Some(Value::Array(list)) = list else {
                return Err(Error::NotAnExport(format!("{path} has no \"messages\" list")));
            };
            // Newest first within a file: reverse to oldest first.
            for m in list.into_iter().rev() {
                let ts = m.get("timestamp_ms").and_then(Value::as_i64).unwrap_or(i64::MIN);
                found.push((ts, m, path.clone()));
            }
            chat_paths.push(path.clone());
        }
        found.sort_by_key(|(ts, ..)| *ts);
        let name = title.unwrap_or_else(|| "conversation".into());
        chats.push(name.clone());
        let mut undated = 0;
        for (ts, m, path) in found {
            let Some(at) = time::from_unix_ms(ts).filter(|_| ts != i64::MIN) else {
                undated += 1;
                continue;
            };
            messages.push(message(
                export,
                &path,
                &m,
                at,
                ts,
                zone,
                many.then(|| name.clone()),
            ));
        }
        if undated > 0 {
            warnings.push(format!(
                "{undated} message(s) in {name} had no timestamp_ms and were left out of the reading (they stay in the sealed export)"
            ));
        }
    }
    if repaired > 0 {
        warnings.push(format!(
            "{repaired} text(s) were repaired from the Latin-1 form Meta writes UTF-8 in"
        ));
    }
    Ok(Conversation {
        reading: Reading::new(
            format,
            "download your information (JSON)",
            chat_paths,
            zone,
            format!(
                "exact: timestamp_ms counts milliseconds since 1970 UTC; shown in {} ({})",
                zone.name, zone.basis
            ),
            chats,
            warnings,
        ),
        messages,
    })
}

fn message(
    export: &Export,
    path: &str,
    m: &Value,
    at: chrono::DateTime<chrono::Utc>,
    ts: i64,
    zone: &Zone,
    chat: Option<String>,
) -> Message {
    let s = |k: &str| m.get(k).and_then(Value::as_str).map(str::to_owned);
    let mut text = s("content").unwrap_or_default();
    if let Some(link) = m.pointer("/share/link").and_then(Value::as_str)
        && !text.contains(link)
    {
        if !text.is_empty() {
            text.push('\n');
        }
        text.push_str(link);
    }
    let unsent = m.get("is_unsent").and_then(Value::as_bool) == Some(true)
        || text.ends_with(" unsent a message.")
        || text == "You unsent a message."
        || text.ends_with(" unsent a message");
    let kind = match m.get("type").and_then(Value::as_str) {
        _ if unsent => MessageKind::Deleted,
        Some("Subscribe" | "Unsubscribe") => MessageKind::System,
        _ => MessageKind::Message,
    };
    let mut attachments = Vec::new();
    for key in ["photos", "videos", "audio_files", "gifs", "files"] {
        for media in m.get(key).and_then(Value::as_array).into_iter().flatten() {
            if let Some(uri) = media.get("uri").and_then(Value::as_str) {
                attachments.push(attachment(export, Some(uri), path, NOT_INCLUDED));
            }
        }
    }
    if let Some(uri) = m.pointer("/sticker/uri").and_then(Value::as_str) {
        attachments.push(attachment(export, Some(uri), path, NOT_INCLUDED));
    }
    let reactions = m
        .get("reactions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|r| {
            format!(
                "{} by {}",
                r.get("reaction").and_then(Value::as_str).unwrap_or("reaction"),
                r.get("actor").and_then(Value::as_str).unwrap_or("someone")
            )
        })
        .collect();
    Message {
        index: 0,
        chat,
        sender: s("sender_name"),
        sent_at: Some(time::utc(at)),
        sent_at_local: Some(time::local(zone, at)),
        sent_at_as_written: ts.to_string(),
        text,
        kind,
        attachments,
        edited: None,
        reply_to: None,
        forwarded_from: None,
        reactions,
        note: None,
    }
}

/// Repairs every string of `v` whose characters are UTF-8 bytes written as Latin-1.
/// Returns how many were repaired.
fn repair(v: &mut Value) -> usize {
    match v {
        Value::String(s) => match unmangle(s) {
            Some(fixed) => {
                *s = fixed;
                1
            }
            None => 0,
        },
        Value::Array(a) => a.iter_mut().map(repair).sum(),
        Value::Object(o) => o.values_mut().map(repair).sum(),
        _ => 0,
    }
}

fn unmangle(s: &str) -> Option<String> {
    if !s.chars().any(|c| ('\u{80}'..='\u{ff}').contains(&c)) || s.chars().any(|c| c > '\u{ff}') {
        return None;
    }
    let bytes: Vec<u8> = s.chars().map(|c| c as u32 as u8).collect();
    String::from_utf8(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::unmangle;

    #[test]
    fn repairs_only_what_is_utf8_written_as_latin1() {
        assert_eq!(unmangle("caf\u{c3}\u{a9}").as_deref(), Some("café"));
        assert_eq!(unmangle("\u{f0}\u{9f}\u{98}\u{80}").as_deref(), Some("😀"));
        assert_eq!(unmangle("café"), None, "a lone é is not UTF-8 bytes");
        assert_eq!(unmangle("plain"), None);
        assert_eq!(unmangle("😀 and \u{c3}\u{a9}"), None);
    }
}
