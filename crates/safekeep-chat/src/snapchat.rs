//! Snapchat "My Data": `json/chat_history.json` (in `messages/` or at the top). Two layouts:
//!
//! - since 2023, one array per conversation, keyed by the friend's username (or a group's
//!   id): `{"From", "Media Type", "Created": "YYYY-MM-DD hh:mm:ss UTC", "Content",
//!   "Conversation Title", "IsSender", "Created(microseconds)", "IsSaved", "Media IDs"}`;
//! - before, arrays named `Received Saved Chat History`, `Sent Saved Chat History` (and
//!   without `Saved`), each message `{"From"` or `"To", "Media Type", "Created", "Text"}`.
//!
//! Times are exact, in UTC. Saved media are in `chat_media/` as `DATE_ID.ext` (or with a
//! `media~`/`overlay~` prefix), matched by the message's `Media IDs` (` | `-separated).
//! Snapchat keeps only what was saved in the chat: the rest is named and marked missing.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::{Map, Value};

use crate::time::{self, Zone};
use crate::{Attachment, Conversation, Error, Export, Format, Message, MessageKind, Reading};

/// The account whose data this is, as the older layout's sent messages name it.
const OWNER: &str = "this account (the export's owner)";

/// Why a Snapchat message's media has no file.
const NOT_SAVED: &str = "not included in the export (Snapchat keeps only media saved in the chat)";

/// The export's `chat_history.json`.
pub fn chat_file(export: &Export) -> Option<String> {
    export
        .files()
        .iter()
        .map(|f| f.path.clone())
        .find(|p| p.rsplit('/').next() == Some("chat_history.json"))
}

/// Reads the Snapchat chat history in `export`.
pub fn read(export: &Export, zone: &Zone) -> Result<Conversation, Error> {
    let path = chat_file(export).ok_or_else(|| {
        Error::NotAnExport(
            "no Snapchat chat history was found: Snapchat's \"My Data\" holds json/chat_history.json (ask for the JSON format when requesting it; the HTML-only download is not read)".into(),
        )
    })?;
    let bytes = export.read(&path)?;
    let v: Value = serde_json::from_slice(crate::strip_bom(&bytes)).map_err(|e| {
        Error::NotAnExport(format!(
            "{path} is not readable JSON ({e}); the download may be incomplete"
        ))
    })?;
    let top = v.as_object().ok_or_else(|| {
        Error::NotAnExport(format!(
            "{path} is not Snapchat's chat history (not a JSON object)"
        ))
    })?;
    let old = top.keys().any(|k| k.ends_with("Chat History"));
    let mut warnings = Vec::new();
    let mut undated = 0;
    let mut found: Vec<(String, DateTime<Utc>, Message)> = Vec::new();
    for (key, list) in top {
        for m in list.as_array().into_iter().flatten() {
            let Some(o) = m.as_object() else { continue };
            let Some((at, written)) = when(o) else {
                undated += 1;
                continue;
            };
            let s = |k: &str| o.get(k).and_then(Value::as_str).filter(|v| !v.is_empty());
            let (chat, sender) = if old {
                if key.starts_with("Sent") {
                    (s("To").unwrap_or("unknown").to_owned(), OWNER.to_owned())
                } else {
                    let from = s("From").unwrap_or("unknown").to_owned();
                    (from.clone(), from)
                }
            } else {
                let chat = s("Conversation Title").unwrap_or(key).to_owned();
                (chat, s("From").unwrap_or("unknown").to_owned())
            };
            let text = s("Content").or_else(|| s("Text")).unwrap_or("").to_owned();
            let media_type = s("Media Type").unwrap_or("TEXT");
            let mut attachments = Vec::new();
            if media_type != "TEXT" {
                attachments = media(export, s("Media IDs").unwrap_or(""), media_type);
            }
            found.push((
                chat,
                at,
                Message {
                    index: 0,
                    chat: None,
                    sender: Some(sender),
                    sent_at: Some(time::utc(at)),
                    sent_at_local: Some(time::local(zone, at)),
                    sent_at_as_written: written,
                    text,
                    kind: MessageKind::Message,
                    attachments,
                    edited: None,
                    reply_to: None,
                    forwarded_from: None,
                    reactions: Vec::new(),
                    note: (o.get("IsSaved") == Some(&Value::Bool(true)))
                        .then(|| "saved in the chat".to_owned()),
                },
            ));
        }
    }
    if undated > 0 {
        warnings.push(format!(
            "{undated} message(s) had no readable Created time and were left out of the reading"
        ));
    }
    let (names, messages) = crate::in_chats(found);
    Ok(Conversation {
        reading: Reading::new(
            Format::Snapchat,
            if old { "My Data before 2023" } else { "My Data" },
            vec![path],
            zone,
            format!(
                "exact: Created is written in UTC; shown in {} ({})",
                zone.name, zone.basis
            ),
            names,
            warnings,
        ),
        messages,
    })
}

/// The message's time: `Created(microseconds)` when given, else `Created`.
fn when(o: &Map<String, Value>) -> Option<(DateTime<Utc>, String)> {
    let written = o.get("Created").and_then(Value::as_str)?.to_owned();
    if let Some(us) = o.get("Created(microseconds)").and_then(Value::as_i64) {
        return Some((DateTime::from_timestamp_micros(us)?, written));
    }
    let naive = NaiveDateTime::parse_from_str(written.trim_end_matches(" UTC"), "%Y-%m-%d %H:%M:%S").ok()?;
    Some((naive.and_utc(), written))
}

/// The saved files of a message, by its media ids.
fn media(export: &Export, ids: &str, media_type: &str) -> Vec<Attachment> {
    let ids: Vec<&str> = ids.split('|').map(str::trim).filter(|i| !i.is_empty()).collect();
    if ids.is_empty() {
        return vec![Attachment {
            name: Some(media_type.to_ascii_lowercase()),
            sha256: None,
            path: None,
            missing: Some(NOT_SAVED.into()),
        }];
    }
    ids.iter()
        .map(|id| {
            let file = export.files().iter().find(|f| {
                let base = f.path.rsplit('/').next().unwrap_or(&f.path);
                f.path.contains("chat_media/") && base.contains(id)
            });
            match file {
                Some(f) => Attachment {
                    name: Some((*id).to_owned()),
                    sha256: f.sha256.clone(),
                    path: Some(f.path.clone()),
                    missing: None,
                },
                None => Attachment {
                    name: Some((*id).to_owned()),
                    sha256: None,
                    path: None,
                    missing: Some(NOT_SAVED.into()),
                },
            }
        })
        .collect()
}
