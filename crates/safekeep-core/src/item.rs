//! The sealed record of an item: what was captured, when, how, and its artifacts' hashes.
//!
//! An item record is written once, inside its `item.captured` audit event, and never
//! changes. Later notes, tags and corrections are annotations that point at it. Fields
//! the machine recorded (`captured_at`, `host`, artifact hashes…) are kept apart from
//! what a person typed (`context`), because courts weigh the two differently.

use serde::{Deserialize, Serialize};

/// What kind of evidence an item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// A file the user already had (downloaded image, exported chat, email…).
    File,
    /// A written incident-log entry.
    Note,
    /// A screen capture.
    Screenshot,
    /// A web page captured by URL.
    WebPage,
    /// A conversation export (WhatsApp, Telegram, Instagram, Facebook, X) and the
    /// messages read from it.
    Conversation,
    /// A screen recording (MP4).
    Video,
}

impl ItemKind {
    /// The stable lowercase name (`file`, `note`, `screenshot`, `web_page`, `conversation`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::File => "file",
            Self::Note => "note",
            Self::Screenshot => "screenshot",
            Self::WebPage => "web_page",
            Self::Conversation => "conversation",
            Self::Video => "video",
        }
    }

    /// What reports call it (`File`, `Incident log entry`, `Screenshot`, `Web page`).
    pub fn label(self) -> &'static str {
        match self {
            Self::File => "File",
            Self::Note => "Incident log entry",
            Self::Screenshot => "Screenshot",
            Self::WebPage => "Web page",
            Self::Conversation => "Conversation",
            Self::Video => "Video",
        }
    }
}

/// One stored file of an item, by its evidence hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Artifact {
    /// What this file is to the item: `original`, `note`, `screenshot`, …
    pub role: String,
    /// Media type sniffed from the bytes (or from the name when the bytes say nothing).
    pub media_type: String,
    /// Length in bytes.
    pub size: u64,
    /// SHA-256 of the exact bytes, lowercase hex.
    pub sha256: String,
    /// The file's name where it came from, if it had one (lossy UTF-8).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_name: Option<String>,
    /// The original name's raw bytes in hex, only when they were not valid UTF-8.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_name_bytes: Option<String>,
    /// Where the file sat inside a folder that was imported: its path relative to that
    /// folder, `/`-separated (absent for files given on their own and for captures).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_path: Option<String>,
    /// Modification time of the source file (RFC 3339 UTC), as its file system reported it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified_at: Option<String>,
}

/// What a person said about an item when capturing it. All optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Context {
    /// Short title for lists; defaults to the file name or the note's first line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// What it shows and why it matters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// When the incident happened, if known (RFC 3339), as distinct from capture time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incident_time: Option<String>,
    /// Where it was seen (full URL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_url: Option<String>,
    /// Platform or service (e.g. "Instagram").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    /// The poster's account, handle or profile URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub poster_account: Option<String>,
}

impl Context {
    /// Returns the fields a person reads, with their labels, in the order reports show them.
    pub fn labelled(&self) -> [(&'static str, Option<&str>); 5] {
        [
            ("Description", self.description.as_deref()),
            ("Incident time", self.incident_time.as_deref()),
            ("Seen at", self.source_url.as_deref()),
            ("Platform", self.platform.as_deref()),
            ("Posted by", self.poster_account.as_deref()),
        ]
    }
}

/// The sealed record of one item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemRecord {
    /// UUID v4.
    pub id: String,
    /// The case it belongs to.
    pub case_id: String,
    /// What kind of evidence it is.
    pub kind: ItemKind,
    /// Title for lists (the person's, or derived from the capture).
    pub title: String,
    /// Capture time, RFC 3339 UTC with milliseconds.
    pub captured_at: String,
    /// The capturing computer's UTC offset at capture, `+HH:MM`.
    pub utc_offset: String,
    /// Where the capture time came from.
    pub clock_source: String,
    /// Software and version that captured it.
    pub app_version: String,
    /// Host name of the capturing computer; empty when the person chose not to record it
    /// ([`ItemRecord::host_shown`]).
    pub host: String,
    /// What the person said about it at capture time.
    pub context: Context,
    /// The stored files.
    pub artifacts: Vec<Artifact>,
    /// How it was captured, as recorded by the computer (screen, window, display server,
    /// start and end times…), kept apart from what the person said. Absent for imports
    /// and notes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capture: Option<serde_json::Value>,
}

impl ItemRecord {
    /// The host name as reports show it: "not recorded" when the person turned it off.
    pub fn host_shown(&self) -> &str {
        if self.host.is_empty() {
            "not recorded"
        } else {
            &self.host
        }
    }
}
