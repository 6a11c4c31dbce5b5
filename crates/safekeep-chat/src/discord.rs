//! Discord's data package ("Request all of my data"): `messages/c<CHANNEL>/messages.json`
//! (an array of `{"ID", "Timestamp", "Contents", "Attachments"}`), or `messages.csv` in
//! older packages (columns `ID,Timestamp,Contents,Attachments`), beside `channel.json`
//! (`id`, `type`, `name`, `guild`, `recipients`); `messages/index.json` names each channel
//! ("Direct Message with …"). The folders are `Messages`/`Account` in newer packages.
//!
//! **The package holds only the messages its owner sent**: what others wrote is not in it.
//! The reading says so, so nobody takes the transcript for the whole conversation. Times
//! are UTC: older packages write the offset (`+00:00`), newer ones none, read as UTC (an
//! assumption the reading states). Attachments are addresses on Discord's servers,
//! not files of the package: named, marked missing, never fetched.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::Value;

use crate::strip_bom;
use crate::time::{self, Zone};
use crate::{Attachment, Conversation, Error, Export, Format, Message, MessageKind, Reading};

/// Why a Discord attachment has no file.
const ON_DISCORD: &str = "not included in the package: Discord gives the address on its servers, which Safekeep does not fetch (capture it by address if it is still there)";

/// The package's message files: `messages/c…/messages.json` or `.csv`.
pub fn chat_files(export: &Export) -> Vec<String> {
    let mut files: Vec<String> = export
        .files()
        .iter()
        .map(|f| f.path.clone())
        .filter(|p| {
            let parts: Vec<&str> = p.split('/').collect();
            parts.len() >= 3
                && parts[parts.len() - 3].eq_ignore_ascii_case("messages")
                && matches!(parts[parts.len() - 1], "messages.json" | "messages.csv")
        })
        .collect();
    files.sort();
    files
}

/// Reads the messages of the Discord package in `export`.
pub fn read(export: &Export, zone: &Zone) -> Result<Conversation, Error> {
    let files = chat_files(export);
    if files.is_empty() {
        return Err(Error::NotAnExport(
            "no Discord messages were found: Discord's data package holds messages/c…/messages.json".into(),
        ));
    }
    let owner = account_name(export).unwrap_or_else(|| "this account (the package's owner)".into());
    let index = channel_index(export);
    let mut warnings = vec![
        "Discord's data package holds only the messages its owner sent: what others wrote in these channels is not in it".to_owned(),
    ];
    let mut undated = 0;
    let (mut with_offset_n, mut without_offset_n) = (0u32, 0u32);
    let mut chats = Vec::new();
    let mut messages = Vec::new();
    let many = files.len() > 1;
    for path in &files {
        let folder = path.rsplit_once('/').map_or("", |(d, _)| d);
        let id = folder.rsplit('/').next().unwrap_or("").trim_start_matches('c');
        let chat = channel_name(export, folder, id, &index);
        let rows = if path.ends_with(".csv") {
            csv_rows(&export.read(path)?, path)?
        } else {
            json_rows(&export.read(path)?, path)?
        };
        let mut list = Vec::new();
        for row in rows {
            let Some((at, with_offset)) = when(&row.timestamp) else {
                undated += 1;
                continue;
            };
            if with_offset {
                with_offset_n += 1;
            } else {
                without_offset_n += 1;
            }
            let attachments = row
                .attachments
                .split_whitespace()
                .map(|url| Attachment {
                    name: Some(url.to_owned()),
                    sha256: None,
                    path: None,
                    missing: Some(ON_DISCORD.into()),
                })
                .collect();
            list.push((
                at,
                Message {
                    index: 0,
                    chat: many.then(|| chat.clone()),
                    sender: Some(owner.clone()),
                    sent_at: Some(time::utc(at)),
                    sent_at_local: Some(time::local(zone, at)),
                    sent_at_as_written: row.timestamp,
                    text: row.contents,
                    kind: MessageKind::Message,
                    attachments,
                    edited: None,
                    reply_to: None,
                    forwarded_from: None,
                    reactions: Vec::new(),
                    note: None,
                },
            ));
        }
        list.sort_by_key(|(at, _)| *at);
        messages.extend(list.into_iter().map(|(_, m)| m));
        chats.push(chat);
    }
    if undated > 0 {
        warnings.push(format!(
            "{undated} message(s) had no readable Timestamp and were left out of the reading"
        ));
    }
    Ok(Conversation {
        reading: Reading::new(
            Format::Discord,
            "data package",
            files,
            zone,
            format!(
                "{}; shown in {} ({})",
                match (with_offset_n, without_offset_n) {
                    (_, 0) => "exact: Timestamp is written with its offset (UTC)".to_owned(),
                    (0, _) => "Timestamp is written without an offset and read as UTC, as Discord's older packages wrote it explicitly".to_owned(),
                    (w, wo) => format!("{w} Timestamp(s) are written with their offset (UTC), exact; {wo} without one, read as UTC, as Discord's older packages wrote it explicitly"),
                },
                zone.name,
                zone.basis
            ),
            chats,
            warnings,
        ),
        messages,
    })
}

/// One message as the package writes it.
struct Row {
    timestamp: String,
    contents: String,
    attachments: String,
}

fn json_rows(bytes: &[u8], path: &str) -> Result<Vec<Row>, Error> {
    let v: Value = serde_json::from_slice(strip_bom(bytes)).map_err(|e| {
        Error::NotAnExport(format!(
            "{path} is not readable JSON ({e}); the package may be incomplete"
        ))
    })?;
    let list = v.as_array().ok_or_else(|| {
        Error::NotAnExport(format!("{path} is not a Discord message list (not a JSON array)"))
    })?;
    Ok(list
        .iter()
        .map(|m| {
            let s = |k: &str| m.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
            Row {
                timestamp: s("Timestamp"),
                contents: s("Contents"),
                attachments: s("Attachments"),
            }
        })
        .collect())
}

fn csv_rows(bytes: &[u8], path: &str) -> Result<Vec<Row>, Error> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(strip_bom(bytes));
    let headers = reader
        .headers()
        .map_err(|e| Error::NotAnExport(format!("{path} is not readable CSV ({e})")))?
        .clone();
    let column = |name: &str| headers.iter().position(|h| h.trim() == name);
    let (Some(t), Some(c)) = (column("Timestamp"), column("Contents")) else {
        return Err(Error::NotAnExport(format!(
            "{path} is not a Discord message list (no Timestamp and Contents columns)"
        )));
    };
    let a = column("Attachments");
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| Error::NotAnExport(format!("{path} is not readable CSV ({e})")))?;
        let field = |i: usize| record.get(i).unwrap_or("").to_owned();
        rows.push(Row {
            timestamp: field(t),
            contents: field(c),
            attachments: a.map(field).unwrap_or_default(),
        });
    }
    Ok(rows)
}

/// The time and whether it was written with its offset.
fn when(written: &str) -> Option<(DateTime<Utc>, bool)> {
    let w = written.trim();
    if let Ok(t) = DateTime::parse_from_str(w, "%Y-%m-%d %H:%M:%S%.f%:z") {
        return Some((t.with_timezone(&Utc), true));
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(w) {
        return Some((t.with_timezone(&Utc), true));
    }
    NaiveDateTime::parse_from_str(w, "%Y-%m-%d %H:%M:%S%.f")
        .ok()
        .map(|n| (n.and_utc(), false))
}

/// The package owner's username, from `account/user.json`.
fn account_name(export: &Export) -> Option<String> {
    let path = export
        .files()
        .iter()
        .map(|f| f.path.as_str())
        .find(|p| p.to_ascii_lowercase().ends_with("account/user.json"))?;
    let v: Value = serde_json::from_slice(strip_bom(&export.read(path).ok()?)).ok()?;
    let name = v.get("username").and_then(Value::as_str)?;
    Some(format!(
        "{} (the package's owner)",
        name.chars().take(64).collect::<String>()
    ))
}

/// `messages/index.json`: channel id → name.
fn channel_index(export: &Export) -> HashMap<String, String> {
    let Some(path) = export
        .files()
        .iter()
        .map(|f| f.path.as_str())
        .find(|p| p.to_ascii_lowercase().ends_with("messages/index.json"))
    else {
        return HashMap::new();
    };
    export
        .read(path)
        .ok()
        .and_then(|b| serde_json::from_slice::<HashMap<String, Value>>(strip_bom(&b)).ok())
        .map(|m| {
            m.into_iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k, s.to_owned())))
                .collect()
        })
        .unwrap_or_default()
}

/// A channel's name: the index's, else `channel.json`'s (server and channel), else its id.
fn channel_name(export: &Export, folder: &str, id: &str, index: &HashMap<String, String>) -> String {
    if let Some(name) = index.get(id) {
        return name.clone();
    }
    let channel = format!("{folder}/channel.json");
    let v: Option<Value> = export
        .files()
        .iter()
        .any(|f| f.path == channel)
        .then(|| export.read(&channel).ok())
        .flatten()
        .and_then(|b| serde_json::from_slice(strip_bom(&b)).ok());
    let s = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
    match v {
        Some(v) => match (v.get("guild").and_then(|g| s(g, "name")), s(&v, "name")) {
            (Some(guild), Some(name)) => format!("#{name} in {guild}"),
            (None, Some(name)) => name,
            _ => format!("channel {id}"),
        },
        None => format!("channel {id}"),
    }
}
