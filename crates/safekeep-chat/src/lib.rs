//! Reads the conversation exports that messaging platforms give their users (WhatsApp
//! "Export chat", Telegram Desktop "Export chat history", Instagram's and Facebook's
//! "Download your information", X's archive, Android text messages saved by "SMS Backup &
//! Restore", Snapchat's "My Data", Discord's data package, TikTok's "Download your data",
//! e-mail) into numbered messages.
//!
//! The reading is derived evidence: the export's own bytes are what Safekeep seals, and
//! anyone can read them again with the same [`PARSER`] and the same [`Options`] to get
//! the same messages. So the reading states everything it assumed — the format it took
//! the files for, the time zone local times were read in and why, the day/month order and
//! why — and never drops a line it could not read: such lines are kept as text of the
//! message before them and counted in a warning. Formats and their pitfalls:
//! `docs/conversations.md`.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod discord;
mod email;
mod export;
mod meta;
mod sms;
mod snapchat;
mod telegram;
mod tiktok;
mod time;
mod whatsapp;
mod x;

use serde::{Deserialize, Serialize};

pub use export::{Export, ExportFile};
pub use time::{DateOrder, Zone};

/// The reader's name and version, sealed with every reading. A new version is a new
/// name: a reading is only ever compared with one made by the same version.
pub const PARSER: &str = "safekeep-chat 1";

/// Which platform wrote the export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// WhatsApp "Export chat" (Android or iOS `.txt`, often in a `.zip`).
    Whatsapp,
    /// Telegram Desktop "Export chat history" in JSON (`result.json`).
    Telegram,
    /// Instagram "Download your information" in JSON.
    Instagram,
    /// Facebook / Messenger "Download your information" in JSON.
    Facebook,
    /// X (Twitter) archive, `data/direct-messages.js`.
    X,
    /// Android text messages (SMS and MMS) as "SMS Backup & Restore" writes them (XML).
    AndroidSms,
    /// Snapchat "My Data": `chat_history.json`.
    Snapchat,
    /// Discord data package: `messages/c…/messages.json` (or `.csv`) with `channel.json`.
    Discord,
    /// TikTok "Download your data": `user_data.json` (or `user_data_tiktok.json`).
    Tiktok,
    /// E-mail: `.eml` files and mailboxes (mbox).
    Email,
}

impl Format {
    /// The name people read (`WhatsApp`, `Telegram`, …).
    pub fn label(self) -> &'static str {
        match self {
            Self::Whatsapp => "WhatsApp",
            Self::Telegram => "Telegram",
            Self::Instagram => "Instagram",
            Self::Facebook => "Facebook",
            Self::X => "X",
            Self::AndroidSms => "Android text messages",
            Self::Snapchat => "Snapchat",
            Self::Discord => "Discord",
            Self::Tiktok => "TikTok",
            Self::Email => "E-mail",
        }
    }

    /// Parses the command-line name (`whatsapp`, `telegram`, `instagram`, `facebook`, `x`,
    /// `sms`, `snapchat`, `discord`, `tiktok`, `email`).
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name.to_ascii_lowercase().as_str() {
            "whatsapp" => Self::Whatsapp,
            "telegram" => Self::Telegram,
            "instagram" => Self::Instagram,
            "facebook" | "messenger" => Self::Facebook,
            "x" | "twitter" => Self::X,
            "sms" | "android-sms" | "android_sms" => Self::AndroidSms,
            "snapchat" => Self::Snapchat,
            "discord" => Self::Discord,
            "tiktok" => Self::Tiktok,
            "email" | "e-mail" | "eml" | "mbox" => Self::Email,
            _ => return None,
        })
    }
}

/// What a message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    /// Something a person sent.
    Message,
    /// Written by the platform: "Alice added Bob", "Messages are end-to-end encrypted"…
    System,
    /// A message its sender deleted; the export keeps only that it was there.
    Deleted,
}

/// A file a message carried.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    /// The file's name as the message gives it (absent when the platform wrote only
    /// "media omitted").
    pub name: Option<String>,
    /// SHA-256 of the matching file of the export; absent when the export does not hold it.
    pub sha256: Option<String>,
    /// Path of the matching file inside the export, `/`-separated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Why there is no file: "not included in the export", …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing: Option<String>,
}

/// One message, numbered from 1 in the order of the export (oldest first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// Its number, from 1.
    pub index: u32,
    /// The chat it belongs to, when the export holds more than one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chat: Option<String>,
    /// Who sent it, as the export names them (absent for system messages and deleted
    /// accounts).
    pub sender: Option<String>,
    /// When it was sent, RFC 3339 UTC (absent only for text before the first message).
    pub sent_at: Option<String>,
    /// The same moment in the zone the times were read in, RFC 3339 with that offset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_at_local: Option<String>,
    /// The time exactly as the export wrote it.
    pub sent_at_as_written: String,
    /// What it says (for system messages, what the platform wrote).
    pub text: String,
    /// What it is.
    pub kind: MessageKind,
    /// Files it carried.
    pub attachments: Vec<Attachment>,
    /// When the export marks it as edited: the time of the edit if it gives one, else "".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edited: Option<String>,
    /// The message it answers, by the export's own id or number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<String>,
    /// Who it was forwarded from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forwarded_from: Option<String>,
    /// Reactions, as `"❤ by Alice"`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reactions: Vec<String>,
    /// Something about this one message's reading a person should know (a local time
    /// that happened twice when clocks went back, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// How an export was read: sealed with the item so that the reading can be repeated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reading {
    /// [`PARSER`].
    pub parser: String,
    /// The platform.
    pub format: Format,
    /// Which of its layouts (`android`, `ios`, `single chat`, `full export`, …).
    pub variant: String,
    /// Whether the format was named by the person or detected.
    pub format_basis: String,
    /// The files of the export that hold the messages, `/`-separated.
    pub chat_files: Vec<String>,
    /// The IANA zone local times were read in.
    pub timezone: String,
    /// Why that zone, and which times it applies to.
    pub timezone_basis: String,
    /// The order of day and month in dates, when the format writes them ambiguously.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_order: Option<DateOrder>,
    /// Why that order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_order_basis: Option<String>,
    /// The chats' names (one for most exports).
    pub chats: Vec<String>,
    /// Everyone who sent a message, in order of first message.
    pub participants: Vec<String>,
    /// How many messages.
    pub messages: u32,
    /// Attachments matched to a file of the export.
    pub attachments_found: u32,
    /// Attachments the export does not hold.
    pub attachments_missing: u32,
    /// What could not be read cleanly, each with a count.
    pub warnings: Vec<String>,
    /// Files held inside the chat file itself that may be or hold a picture or video (an
    /// SMS backup's MMS parts, base64 in the XML; an e-mail's attachments that are not
    /// text, and `data:` addresses in its HTML), whatever type the sender declared: they
    /// cannot be left out of the sealed file, so a no-images case refuses such an export.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub pictures_inside: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl Reading {
    /// A reading before [`Conversation::finish`] counts its messages; the date order is
    /// filled in by the formats that write dates ambiguously.
    pub(crate) fn new(
        format: Format,
        variant: &str,
        chat_files: Vec<String>,
        zone: &Zone,
        timezone_basis: String,
        chats: Vec<String>,
        warnings: Vec<String>,
    ) -> Self {
        Self {
            parser: PARSER.into(),
            format,
            variant: variant.into(),
            format_basis: String::new(),
            chat_files,
            timezone: zone.name.clone(),
            timezone_basis,
            date_order: None,
            date_order_basis: None,
            chats,
            participants: Vec::new(),
            messages: 0,
            attachments_found: 0,
            attachments_missing: 0,
            warnings,
            pictures_inside: 0,
        }
    }
}

/// A conversation read from an export.
#[derive(Debug, Clone)]
pub struct Conversation {
    /// How it was read.
    pub reading: Reading,
    /// The messages, oldest first.
    pub messages: Vec<Message>,
}

/// What the person said about how to read the export.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The platform, when the person named it; detected otherwise.
    pub format: Option<Format>,
    /// The zone local times are in; this computer's zone otherwise.
    pub zone: Option<String>,
    /// The order of day and month, when the person gave it.
    pub date_order: Option<DateOrder>,
}

/// Why an export could not be read.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Not an export this reader knows.
    #[error("{0}")]
    NotAnExport(String),
    /// The dates could be day-first or month-first and nothing in the export decides.
    #[error(
        "every date in this export could be read day first or month first (for example {example}), and the messages' order does not decide it. Say which way the phone writes dates (safekeep import chat: --day-first or --month-first)"
    )]
    AmbiguousDateOrder {
        /// A date as written, to show the person.
        example: String,
    },
    /// The person's choice contradicts the export.
    #[error("{0}")]
    Contradicts(String),
    /// The time zone is not one this reader knows.
    #[error(
        "\"{0}\" is not a time zone Safekeep knows. Give an IANA name such as Europe/London, America/New_York or Asia/Kolkata"
    )]
    UnknownZone(String),
    /// A zip that is unsafe or damaged, or a file that cannot be read.
    #[error("{0}")]
    Unreadable(String),
}

/// Reads the conversation in `export`.
pub fn read(export: &Export, options: &Options) -> Result<Conversation, Error> {
    let zone = Zone::choose(options.zone.as_deref())?;
    let (format, basis) = match options.format {
        Some(f) => (f, "named by the person".to_owned()),
        None => (detect(export)?, "detected from the files".to_owned()),
    };
    let mut conversation = match format {
        Format::Whatsapp => whatsapp::read(export, &zone, options.date_order)?,
        Format::Telegram => telegram::read(export, &zone)?,
        Format::Instagram | Format::Facebook => meta::read(export, &zone, format)?,
        Format::X => x::read(export, &zone)?,
        Format::AndroidSms => sms::read(export, &zone)?,
        Format::Snapchat => snapchat::read(export, &zone)?,
        Format::Discord => discord::read(export, &zone)?,
        Format::Tiktok => tiktok::read(export, &zone)?,
        Format::Email => email::read(export, &zone)?,
    };
    conversation.reading.format_basis = basis;
    conversation.finish();
    Ok(conversation)
}

/// Names the platform from the export's files, as [`read`] does when none is given; an
/// error says why these files are not an export Safekeep reads.
pub fn detect(export: &Export) -> Result<Format, Error> {
    if x::chat_files(export).next().is_some() {
        return Ok(Format::X);
    }
    if !meta::chat_files(export).is_empty() {
        return Ok(meta::platform(export));
    }
    if telegram::chat_file(export).is_some() {
        return Ok(Format::Telegram);
    }
    if whatsapp::chat_file(export).is_some() {
        return Ok(Format::Whatsapp);
    }
    if !sms::chat_files(export).is_empty() {
        return Ok(Format::AndroidSms);
    }
    if snapchat::chat_file(export).is_some() {
        return Ok(Format::Snapchat);
    }
    if !discord::chat_files(export).is_empty() {
        return Ok(Format::Discord);
    }
    if tiktok::chat_file(export).is_some() {
        return Ok(Format::Tiktok);
    }
    if !email::chat_files(export).is_empty() {
        return Ok(Format::Email);
    }
    if let Some(why) = whatsapp::unread_layout(export) {
        return Err(Error::NotAnExport(why));
    }
    let shown: Vec<&str> = export.files().iter().take(5).map(|f| f.path.as_str()).collect();
    Err(Error::NotAnExport(format!(
        "this is not a conversation export Safekeep knows. It holds {} file(s) ({}{}). Safekeep reads WhatsApp's \"Export chat\" (.txt or .zip), Telegram Desktop's result.json, Instagram's and Facebook's message_1.json, X's data/direct-messages.js, SMS Backup & Restore's sms-….xml, Snapchat's chat_history.json, Discord's messages/c…/messages.json, TikTok's user_data.json, and e-mails (.eml, .mbox). To keep these files anyway, import them as files",
        export.files().len(),
        shown.join(", "),
        if export.files().len() > 5 { ", …" } else { "" }
    )))
}

impl Conversation {
    /// Numbers the messages and fills the reading's counts.
    fn finish(&mut self) {
        let mut participants: Vec<String> = Vec::new();
        let (mut found, mut missing) = (0, 0);
        for (i, m) in self.messages.iter_mut().enumerate() {
            m.index = i as u32 + 1;
            if let Some(s) = &m.sender
                && m.kind != MessageKind::System
                && !participants.contains(s)
            {
                participants.push(s.clone());
            }
            for a in &m.attachments {
                if a.path.is_some() {
                    found += 1;
                } else {
                    missing += 1;
                }
            }
        }
        self.reading.participants = participants;
        self.reading.messages = self.messages.len() as u32;
        self.reading.attachments_found = found;
        self.reading.attachments_missing = missing;
    }

    /// Gives each attachment matched to a file of the export that file's SHA-256, for
    /// exports whose files were hashed after reading (a folder is hashed as it is sealed).
    pub fn fill_hashes(&mut self, sha256_of: &dyn Fn(&str) -> Option<String>) {
        for a in self.messages.iter_mut().flat_map(|m| m.attachments.iter_mut()) {
            if a.sha256.is_none()
                && let Some(path) = &a.path
            {
                a.sha256 = sha256_of(path);
            }
        }
    }

    /// The messages as `messages --json` prints them; its SHA-256 is sealed as the
    /// transcript's digest, so the same bytes come from the same reading.
    pub fn transcript_json(&self) -> Vec<u8> {
        serde_json::to_vec(&self.messages).unwrap_or_default()
    }
}

/// Builds an attachment for `name`, matched against the export's files.
pub(crate) fn attachment(export: &Export, name: Option<&str>, near: &str, missing_why: &str) -> Attachment {
    match name.and_then(|n| export.find(n, near)) {
        Some(f) => Attachment {
            name: name.map(str::to_owned),
            sha256: f.sha256.clone(),
            path: Some(f.path.clone()),
            missing: None,
        },
        None => Attachment {
            name: name.map(str::to_owned),
            sha256: None,
            path: None,
            missing: Some(missing_why.to_owned()),
        },
    }
}

/// Messages found in several chats, each with a key that orders it within its chat:
/// the chats in order of first appearance, each ordered by its keys (equal keys keep the
/// order found), every message named by its chat when there is more than one. Returns the
/// chats' names and the messages.
pub(crate) fn in_chats<K: Ord>(
    found: impl IntoIterator<Item = (String, K, Message)>,
) -> (Vec<String>, Vec<Message>) {
    let mut chats: Vec<(String, Vec<(K, Message)>)> = Vec::new();
    let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (chat, key, message) in found {
        match index.get(&chat) {
            Some(&i) => chats[i].1.push((key, message)),
            None => {
                index.insert(chat.clone(), chats.len());
                chats.push((chat, vec![(key, message)]));
            }
        }
    }
    let many = chats.len() > 1;
    let names = chats.iter().map(|(c, _)| c.clone()).collect();
    let mut messages = Vec::new();
    for (chat, mut list) in chats {
        list.sort_by(|a, b| a.0.cmp(&b.0));
        messages.extend(list.into_iter().map(|(_, mut m)| {
            m.chat = many.then(|| chat.clone());
            m
        }));
    }
    (names, messages)
}

/// JSON that some exports start with a byte-order mark, which JSON does not allow.
pub(crate) fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

/// "not included in the export": the usual reason an attachment has no file.
pub(crate) const NOT_INCLUDED: &str = "not included in the export";
