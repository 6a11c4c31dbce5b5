//! X (Twitter) archive: `data/direct-messages.js` and `data/direct-messages-group.js`
//! (and their `-part1`, `-part2`… files), each JavaScript assigning one JSON array:
//! `window.YTD.direct_messages.part0 = [ {"dmConversation": {…}} ]`.
//!
//! Messages are newest first and name people by account id only; the archive's own
//! account is named from `data/account.js`. Media are in `data/direct_messages_media/`
//! (or `…_group_media/`) as `MESSAGEID-NAME`, NAME being the end of the message's
//! `mediaUrls`. Times (`createdAt`) are exact, in UTC.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::time::{self, Zone};
use crate::{Attachment, Conversation, Error, Export, Format, Message, MessageKind, NOT_INCLUDED, Reading};

/// A message and its exact time, for sorting.
type Dated = (DateTime<Utc>, Message);

/// The archive's direct-message files.
pub fn chat_files(export: &Export) -> impl Iterator<Item = &str> {
    export.files().iter().map(|f| f.path.as_str()).filter(|p| {
        let base = p.rsplit('/').next().unwrap_or(p);
        base.starts_with("direct-messages") && base.ends_with(".js") && !base.contains("media")
    })
}

/// The JSON of a `window.YTD.… = […]` file.
fn script_json(export: &Export, path: &str) -> Result<Value, Error> {
    let bytes = export.read(path)?;
    let text = String::from_utf8_lossy(&bytes);
    let start = text.find('=').ok_or_else(|| {
        Error::NotAnExport(format!("{path} is not an X archive file (no \"window.YTD… =\")"))
    })?;
    serde_json::from_str(text[start + 1..].trim().trim_end_matches(';')).map_err(|e| {
        Error::NotAnExport(format!(
            "{path} is not readable ({e}); the archive may be incomplete"
        ))
    })
}

/// Reads the direct messages of the X archive in `export`.
pub fn read(export: &Export, zone: &Zone) -> Result<Conversation, Error> {
    let mut files: Vec<String> = chat_files(export).map(str::to_owned).collect();
    if files.is_empty() {
        return Err(Error::NotAnExport(
            "no X direct messages were found: the archive holds no data/direct-messages.js".into(),
        ));
    }
    files.sort();
    let mut names: HashMap<String, String> = HashMap::new();
    if let Some(account) = export
        .files()
        .iter()
        .find(|f| f.path.rsplit('/').next() == Some("account.js"))
        .map(|f| f.path.clone())
        && let Ok(v) = script_json(export, &account)
    {
        for a in v.as_array().into_iter().flatten() {
            if let (Some(id), Some(user)) = (
                a.pointer("/account/accountId").and_then(Value::as_str),
                a.pointer("/account/username").and_then(Value::as_str),
            ) {
                names.insert(id.to_owned(), format!("@{user}"));
            }
        }
    }
    let who =
        |id: Option<&str>| id.map(|id| names.get(id).cloned().unwrap_or_else(|| format!("X user {id}")));
    let mut warnings = Vec::new();
    let mut conversations: Vec<(String, Vec<Dated>)> = Vec::new();
    for path in &files {
        let v = script_json(export, path)?;
        for c in v.as_array().into_iter().flatten() {
            let Some(conv) = c.get("dmConversation") else {
                continue;
            };
            let id = conv
                .get("conversationId")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            let mut out = Vec::new();
            let mut undated = 0;
            for event in conv
                .get("messages")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let Some((kind_name, body)) = event.as_object().and_then(|o| o.iter().next()) else {
                    continue;
                };
                let Some(written) = body.get("createdAt").and_then(Value::as_str) else {
                    undated += 1;
                    continue;
                };
                let Ok(at) = DateTime::parse_from_rfc3339(written).map(|t| t.with_timezone(&Utc)) else {
                    undated += 1;
                    continue;
                };
                let s = |k: &str| body.get(k).and_then(Value::as_str);
                let (sender, text, kind, attachments) = match kind_name.as_str() {
                    "messageCreate" => {
                        let mid = s("id").unwrap_or("");
                        let atts = body
                            .get("mediaUrls")
                            .and_then(Value::as_array)
                            .into_iter()
                            .flatten()
                            .filter_map(Value::as_str)
                            .map(|url| media(export, path, mid, url))
                            .collect();
                        (
                            who(s("senderId")),
                            s("text").unwrap_or("").to_owned(),
                            MessageKind::Message,
                            atts,
                        )
                    }
                    "joinConversation" => (
                        who(s("initiatingUserId")),
                        "added this account to the conversation".into(),
                        MessageKind::System,
                        vec![],
                    ),
                    "participantsJoin" => (
                        who(s("initiatingUserId")),
                        format!("added {}", ids(body, &who)),
                        MessageKind::System,
                        vec![],
                    ),
                    "participantsLeave" => (
                        None,
                        format!("{} left", ids(body, &who)),
                        MessageKind::System,
                        vec![],
                    ),
                    "conversationNameUpdate" => (
                        who(s("initiatingUserId")),
                        format!("named the conversation \"{}\"", s("name").unwrap_or("")),
                        MessageKind::System,
                        vec![],
                    ),
                    other => (None, other.to_string(), MessageKind::System, vec![]),
                };
                let reactions = body
                    .get("reactions")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .map(|r| {
                        format!(
                            "{} by {}",
                            r.get("reactionKey").and_then(Value::as_str).unwrap_or("reaction"),
                            who(r.get("senderId").and_then(Value::as_str)).unwrap_or_default()
                        )
                    })
                    .collect();
                out.push((
                    at,
                    Message {
                        index: 0,
                        chat: None,
                        sender,
                        sent_at: Some(time::utc(at)),
                        sent_at_local: Some(time::local(zone, at)),
                        sent_at_as_written: written.to_owned(),
                        text,
                        kind,
                        attachments,
                        edited: None,
                        reply_to: None,
                        forwarded_from: None,
                        reactions,
                        note: None,
                    },
                ));
            }
            if undated > 0 {
                warnings.push(format!(
                    "{undated} event(s) of conversation {id} had no readable createdAt and were left out of the reading"
                ));
            }
            // Newest first in the archive: oldest first here, equal times kept in order.
            out.reverse();
            out.sort_by_key(|(at, _)| *at);
            conversations.push((id, out));
        }
    }
    let many = conversations.len() > 1;
    let chats: Vec<String> = conversations
        .iter()
        .map(|(id, _)| format!("conversation {id}"))
        .collect();
    let messages = conversations
        .into_iter()
        .flat_map(|(id, list)| {
            list.into_iter().map(move |(_, mut m)| {
                m.chat = many.then(|| format!("conversation {id}"));
                m
            })
        })
        .collect();
    Ok(Conversation {
        reading: Reading::new(
            Format::X,
            "archive",
            files,
            zone,
            format!(
                "exact: createdAt is written in UTC; shown in {} ({})",
                zone.name, zone.basis
            ),
            chats,
            warnings,
        ),
        messages,
    })
}

fn ids(body: &Value, who: &dyn Fn(Option<&str>) -> Option<String>) -> String {
    body.get("userIds")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|u| who(u.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The archive's file for one media URL of message `mid`: `MID-NAME`.
fn media(export: &Export, near: &str, mid: &str, url: &str) -> Attachment {
    let name = url
        .rsplit('/')
        .next()
        .unwrap_or(url)
        .split('?')
        .next()
        .unwrap_or("");
    let file = format!("{mid}-{name}");
    match export.find(&file, near) {
        Some(f) => Attachment {
            name: Some(file),
            sha256: f.sha256.clone(),
            path: Some(f.path.clone()),
            missing: None,
        },
        None => Attachment {
            name: Some(url.to_owned()),
            sha256: None,
            path: None,
            missing: Some(NOT_INCLUDED.into()),
        },
    }
}
