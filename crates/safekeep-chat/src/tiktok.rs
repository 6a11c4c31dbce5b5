//! TikTok "Download your data" in JSON: `user_data.json` (or `user_data_tiktok.json`),
//! whose `Direct Messages` (or `Direct Message`) → `Chat History` → `ChatHistory` maps
//! `"Chat History with NAME:"` to the messages `{"Date": "YYYY-MM-DD hh:mm:ss", "From",
//! "Content"}`. Dates carry no zone; TikTok writes them in UTC (an assumption the reading
//! states). A shared video is its address in `Content`; no media is in the download.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::Value;

use crate::strip_bom;
use crate::time::{self, Zone};
use crate::{Conversation, Error, Export, Format, Message, MessageKind, Reading};

/// The download's `user_data.json`.
pub fn chat_file(export: &Export) -> Option<String> {
    export.files().iter().map(|f| f.path.clone()).find(|p| {
        matches!(
            p.rsplit('/').next(),
            Some("user_data.json" | "user_data_tiktok.json")
        )
    })
}

/// Reads the direct messages of the TikTok download in `export`.
pub fn read(export: &Export, zone: &Zone) -> Result<Conversation, Error> {
    let path = chat_file(export).ok_or_else(|| {
        Error::NotAnExport(
            "no TikTok data was found: TikTok's \"Download your data\" in JSON holds user_data.json (the TXT download is not read: ask for JSON)".into(),
        )
    })?;
    let v: Value = serde_json::from_slice(strip_bom(&export.read(&path)?)).map_err(|e| {
        Error::NotAnExport(format!(
            "{path} is not readable JSON ({e}); the download may be incomplete"
        ))
    })?;
    let history = ["Direct Messages", "Direct Message"]
        .iter()
        .find_map(|k| v.get(*k))
        .and_then(|d| d.get("Chat History"))
        .and_then(|c| c.get("ChatHistory"))
        .and_then(Value::as_object)
        .ok_or_else(|| {
            Error::NotAnExport(format!(
                "{path} holds no direct messages (no \"Direct Messages\" → \"Chat History\" in it): the download may have been made without them; choose \"All data\" or tick Direct Messages when requesting it"
            ))
        })?;
    let mut chats = Vec::new();
    let mut messages = Vec::new();
    let mut undated = 0;
    let many = history.len() > 1;
    for (key, list) in history {
        let chat = key
            .trim_end_matches(':')
            .trim_start_matches("Chat History with ")
            .to_owned();
        let mut out: Vec<(DateTime<Utc>, Message)> = Vec::new();
        for m in list.as_array().into_iter().flatten() {
            let s = |k: &str| m.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
            let written = s("Date");
            let Ok(naive) = NaiveDateTime::parse_from_str(written.trim(), "%Y-%m-%d %H:%M:%S") else {
                undated += 1;
                continue;
            };
            let at = naive.and_utc();
            let from = s("From");
            out.push((
                at,
                Message {
                    index: 0,
                    chat: many.then(|| chat.clone()),
                    sender: (!from.is_empty()).then_some(from),
                    sent_at: Some(time::utc(at)),
                    sent_at_local: Some(time::local(zone, at)),
                    sent_at_as_written: written,
                    text: s("Content"),
                    kind: MessageKind::Message,
                    attachments: Vec::new(),
                    edited: None,
                    reply_to: None,
                    forwarded_from: None,
                    reactions: Vec::new(),
                    note: None,
                },
            ));
        }
        out.sort_by_key(|(at, _)| *at);
        messages.extend(out.into_iter().map(|(_, m)| m));
        chats.push(chat);
    }
    let mut warnings = Vec::new();
    if undated > 0 {
        warnings.push(format!(
            "{undated} message(s) had no readable Date and were left out of the reading"
        ));
    }
    Ok(Conversation {
        reading: Reading::new(
            Format::Tiktok,
            "Download your data (JSON)",
            vec![path],
            zone,
            format!(
                "Date is written without a zone and read as UTC, as TikTok's download writes it; shown in {} ({})",
                zone.name, zone.basis
            ),
            chats,
            warnings,
        ),
        messages,
    })
}
