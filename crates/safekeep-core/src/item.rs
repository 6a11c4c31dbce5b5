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
    /// The structured incident-log fields (when, where, who, witnesses, impact, what was
    /// done), written for a note. Absent from records made before they existed and from
    /// records where none was filled in, so those records serialise exactly as before and
    /// their hashes still verify. Boxed: most contexts have none, and every annotation
    /// carries a context.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incident: Option<Box<Incident>>,
}

impl Context {
    /// Returns the fields a person reads, with their labels, in the order reports show
    /// them: the five every item has, then the incident-log fields when there are any.
    pub fn labelled(&self) -> Vec<(&'static str, Option<&str>)> {
        let mut fields = vec![
            ("Description", self.description.as_deref()),
            ("Incident time", self.incident_time.as_deref()),
            ("Seen at", self.source_url.as_deref()),
            ("Platform", self.platform.as_deref()),
            ("Posted by", self.poster_account.as_deref()),
        ];
        if let Some(i) = &self.incident {
            fields.extend(i.labelled());
        }
        fields
    }
}

/// What a person wrote in the structured incident log: the questions police, helplines
/// and evidence toolkits ask. Every field is optional and is the person's own words,
/// never something the computer recorded; reports show them under "what the person
/// said". An empty string is stored as absent ([`Incident::normalised`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Incident {
    /// When it started: RFC 3339, or a date `YYYY-MM-DD` when the time is not known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started: Option<String>,
    /// When it ended (same forms as `started`), for something that went on for a while.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended: Option<String>,
    /// Where it happened: a platform, an app, or a place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    /// Who did it: names, account names or handles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub people: Option<String>,
    /// How the person knows them (an ex-partner, a stranger online…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relationship: Option<String>,
    /// Who else saw it or knows about it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub witnesses: Option<String>,
    /// What it did to the person, in their own words (the source of the impact summary
    /// drafted for a Victim Personal Statement).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub impact: Option<String>,
    /// What the person did about it: who they reported it to, and when.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reported_to: Option<String>,
    /// Reference numbers they were given (crime reference, platform report number…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub references: Option<String>,
}

impl Incident {
    /// Returns the fields with their labels, in the order reports show them.
    pub fn labelled(&self) -> [(&'static str, Option<&str>); 9] {
        [
            ("Started", self.started.as_deref()),
            ("Ended", self.ended.as_deref()),
            ("Where", self.place.as_deref()),
            ("Who", self.people.as_deref()),
            ("How they are known", self.relationship.as_deref()),
            ("Witnesses", self.witnesses.as_deref()),
            ("What it did to them", self.impact.as_deref()),
            ("Reported to", self.reported_to.as_deref()),
            ("References", self.references.as_deref()),
        ]
    }

    /// Checks that `started` and `ended` are dates Safekeep can sort and show, and that
    /// the end is not before the start; the error says what to write instead.
    pub fn check_times(&self) -> Result<(), String> {
        let parse = |which: &str, t: &str| {
            chrono::DateTime::parse_from_rfc3339(t)
                .map(|d| d.naive_utc())
                .or_else(|_| {
                    chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d")
                        .map(|d| d.and_hms_opt(0, 0, 0).unwrap_or_default())
                })
                .map_err(|_| {
                    format!(
                        "when it {which}, \"{t}\", is not a date Safekeep understands. Write it like 2026-03-01T21:40:00+00:00, or just the day, 2026-03-01"
                    )
                })
        };
        let started = self.started.as_deref().map(|t| parse("started", t)).transpose()?;
        let ended = self.ended.as_deref().map(|t| parse("ended", t)).transpose()?;
        if let (Some(s), Some(e)) = (started, ended)
            && e < s
        {
            return Err("the end of the incident is before its start; check the two dates".into());
        }
        Ok(())
    }

    /// Returns the incident with blank fields dropped, or `None` when nothing is left, so
    /// that an untouched form adds nothing to the sealed record.
    pub fn normalised(self) -> Option<Self> {
        let keep = |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        let i = Self {
            started: keep(self.started),
            ended: keep(self.ended),
            place: keep(self.place),
            people: keep(self.people),
            relationship: keep(self.relationship),
            witnesses: keep(self.witnesses),
            impact: keep(self.impact),
            reported_to: keep(self.reported_to),
            references: keep(self.references),
        };
        (i != Self::default()).then_some(i)
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
