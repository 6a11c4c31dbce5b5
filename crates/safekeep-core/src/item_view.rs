//! What the vault knows about an item, as read: its sealed record and everything
//! attached to it later (annotations, withdrawal, trusted timestamp, picture and video
//! fingerprints, look-alikes). Plain data, apart from the vault: the vault fills it, and
//! the bundle writer, the reports, the CLI and the app read it. Keeping it outside
//! `vault` is what lets the writer (`bundle`) know no `Vault`.

use serde::{Deserialize, Serialize};

use crate::item::ItemRecord;

/// An item with everything later attached to it.
///
/// As JSON: the sealed record's fields, each image artifact with `pdq` (64 hex
/// characters) and `pdq_quality` (0–100) added, or `pdq_pending: true` while it waits
/// in the fingerprint queue; each video artifact with `vpdq` (`[{second, pdq, quality}]`,
/// one frame a second) or `pdq_pending: true`; then `withdrawn`, `annotations`,
/// `timestamp` and (from `Vault::item`) `similar` and `similar_videos`.
#[derive(Debug, Clone)]
pub struct ItemView {
    /// The sealed record, unchanged since capture.
    pub record: ItemRecord,
    /// When and why it was withdrawn, if it was.
    pub withdrawn: Option<Withdrawal>,
    /// Notes, tags, corrections and reports, oldest first.
    pub annotations: Vec<Annotation>,
    /// Its trusted timestamp, if it was ever queued for one.
    pub timestamp: Option<ItemTimestamp>,
    /// PDQ hashes of its pictures, by artifact index.
    pub pdq: Vec<(u32, crate::perceptual::Pdq)>,
    /// Its pictures still waiting for their PDQ hash, by artifact index.
    pub pdq_waiting: Vec<u32>,
    /// Items whose pictures look like this one's (filled by `Vault::item` only).
    pub similar: Vec<SimilarImage>,
    /// Per-second PDQ hashes of its videos, by artifact index.
    pub vpdq: Vec<(u32, Vec<crate::vpdq::FramePdq>)>,
    /// Items whose videos look like this one's (filled by `Vault::item` only).
    pub similar_videos: Vec<SimilarVideo>,
}

#[derive(Serialize)]
struct ItemJson<'a> {
    #[serde(flatten)]
    record: &'a ItemRecord,
    #[serde(skip_serializing_if = "Option::is_none")]
    withdrawn: &'a Option<Withdrawal>,
    annotations: &'a [Annotation],
    #[serde(skip_serializing_if = "Option::is_none")]
    timestamp: &'a Option<ItemTimestamp>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    similar: &'a [SimilarImage],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    similar_videos: &'a [SimilarVideo],
}

impl Serialize for ItemView {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut value = serde_json::to_value(ItemJson {
            record: &self.record,
            withdrawn: &self.withdrawn,
            annotations: &self.annotations,
            timestamp: &self.timestamp,
            similar: &self.similar,
            similar_videos: &self.similar_videos,
        })
        .map_err(serde::ser::Error::custom)?;
        if let Some(arts) = value
            .get_mut("artifacts")
            .and_then(serde_json::Value::as_array_mut)
        {
            for (idx, pdq) in &self.pdq {
                if let Some(a) = arts
                    .get_mut(*idx as usize)
                    .and_then(serde_json::Value::as_object_mut)
                {
                    a.insert("pdq".into(), pdq.hex().into());
                    a.insert("pdq_quality".into(), pdq.quality.into());
                }
            }
            for (idx, frames) in &self.vpdq {
                if let Some(a) = arts
                    .get_mut(*idx as usize)
                    .and_then(serde_json::Value::as_object_mut)
                {
                    a.insert("vpdq".into(), vpdq_json(frames));
                }
            }
            for idx in &self.pdq_waiting {
                if let Some(a) = arts
                    .get_mut(*idx as usize)
                    .and_then(serde_json::Value::as_object_mut)
                {
                    a.insert("pdq_pending".into(), true.into());
                }
            }
        }
        value.serialize(s)
    }
}

/// A video's frame hashes as JSON: `[{second, pdq, quality}]`.
pub fn vpdq_json(frames: &[crate::vpdq::FramePdq]) -> serde_json::Value {
    frames
        .iter()
        .map(|f| serde_json::json!({"second": f.second, "pdq": f.pdq.hex(), "quality": f.pdq.quality}))
        .collect()
}

/// A withdrawal of an item.
#[derive(Debug, Clone, Serialize)]
pub struct Withdrawal {
    /// When, RFC 3339 UTC.
    pub at: String,
    /// Why.
    pub reason: String,
}

/// What an annotation says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AnnotationBody {
    /// A label for grouping and finding items.
    Tag {
        /// The label.
        tag: String,
    },
    /// A later note about the item.
    Note {
        /// The text.
        text: String,
    },
    /// A corrected description; the original stays in the sealed record.
    DescriptionCorrection {
        /// The corrected description.
        description: String,
    },
    /// What the person says about a capture, given after it (the moment on screen may
    /// be gone by the time they have typed it, so it is never asked before).
    Context {
        /// The same fields as an item's own context.
        context: crate::item::Context,
    },
    /// A report of the content to a platform, the police or a hotline.
    Report {
        /// Who it was reported to.
        reported_to: String,
        /// When (a date or RFC 3339 time, as the person gave it).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reported_on: Option<String>,
        /// Ticket, case or crime reference number.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reference: Option<String>,
        /// What happened (removed, refused, pending…).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        outcome: Option<String>,
    },
    /// Somewhere else the same content appears (a repost, a mirror).
    AppearsAt {
        /// Its full web address.
        url: String,
    },
    /// The case number StopNCII.org gave when the person made hashes there.
    Stopncii {
        /// The case number.
        case_number: String,
    },
    /// A run of a conversation's messages marked as an exhibit (numbers as `safekeep
    /// messages` shows them). The conversation itself does not change; the report prints
    /// the run as a transcript under the item's exhibit.
    Messages {
        /// The first message of the run.
        from: u32,
        /// The last message of the run.
        to: u32,
        /// Why the run matters, if the person said.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// The crime reference number the police gave.
    CrimeReference {
        /// The reference.
        reference: String,
        /// The police force or service, if given.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        force: Option<String>,
    },
    /// A removal request drafted from the item (docs/removal.md). The text kept here has
    /// the person's own details withheld (bundles carry annotations); the full text, as
    /// sent, is kept only in the encrypted vault, and `sha256` is its SHA-256.
    RemovalRequest {
        /// What sort of request (`take_it_down`, `uk_report`, `search_delisting`,
        /// `host_abuse`, `follow_up`).
        request_kind: String,
        /// The template and its version, `id@version`.
        template: String,
        /// Who it is addressed to.
        recipient: String,
        /// Its title.
        title: String,
        /// The text with the person's details withheld.
        text: String,
        /// SHA-256 of the full text as drafted (hex).
        sha256: String,
        /// Hours the recipient has to act once it is sent, where a duty or the
        /// platform's stated time applies.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        deadline_hours: Option<u32>,
        /// The request this one follows up.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        follows: Option<String>,
    },
    /// When the person sent a removal request (they send it; Safekeep sends nothing).
    RemovalSent {
        /// The request's annotation id.
        request: String,
        /// When it was sent, RFC 3339 UTC.
        sent_at: String,
        /// The recipient's ticket or reference number.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reference: Option<String>,
    },
    /// What became of a removal request (removed, refused…).
    RemovalOutcome {
        /// The request's annotation id.
        request: String,
        /// What happened.
        outcome: String,
    },
    /// An RDAP look-up the person asked for: what was asked, what was answered (bounded)
    /// and the abuse contacts found in it.
    RdapLookup {
        /// The host name or address looked up.
        target: String,
        /// Every address asked, in order.
        asked: Vec<String>,
        /// The last answer's JSON text (at most 64 KiB), if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        answer: Option<String>,
        /// SHA-256 of the whole last answer (hex), if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        answer_sha256: Option<String>,
        /// Abuse e-mail addresses found.
        abuse_emails: Vec<String>,
        /// The registrar or network holder named, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        holder: Option<String>,
        /// Why the look-up failed, if it did.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },
}

impl AnnotationBody {
    /// Describes the annotation in one line for people.
    pub fn describe(&self) -> String {
        match self {
            Self::Tag { tag } => format!("tag: {tag}"),
            Self::Note { text } => format!("note: {text}"),
            Self::DescriptionCorrection { description } => format!("corrected description: {description}"),
            Self::Context { context } => format!(
                "context: {}",
                context
                    .labelled()
                    .iter()
                    .filter_map(|(k, v)| v.map(|v| format!("{k}: {v}")))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            Self::Report {
                reported_to,
                reported_on,
                reference,
                outcome,
            } => format!(
                "reported to {reported_to}{}{}{}",
                reported_on
                    .as_ref()
                    .map(|d| format!(" on {d}"))
                    .unwrap_or_default(),
                reference
                    .as_ref()
                    .map(|r| format!(", reference {r}"))
                    .unwrap_or_default(),
                outcome
                    .as_ref()
                    .map(|o| format!(", outcome: {o}"))
                    .unwrap_or_default()
            ),
            Self::AppearsAt { url } => format!("also appears at {url}"),
            Self::Stopncii { case_number } => format!("StopNCII case number {case_number}"),
            Self::Messages { from, to, note } => format!(
                "messages {from}–{to} marked as an exhibit{}",
                note.as_ref().map(|n| format!(": {n}")).unwrap_or_default()
            ),
            Self::CrimeReference { reference, force } => format!(
                "police crime reference {reference}{}",
                force.as_ref().map(|f| format!(" ({f})")).unwrap_or_default()
            ),
            Self::RemovalRequest {
                title,
                recipient,
                sha256,
                ..
            } => format!("removal request drafted: {title}, to {recipient} (SHA-256 {sha256})"),
            Self::RemovalSent {
                request,
                sent_at,
                reference,
            } => format!(
                "removal request {request} sent at {sent_at}{}",
                reference
                    .as_ref()
                    .map(|r| format!(", reference {r}"))
                    .unwrap_or_default()
            ),
            Self::RemovalOutcome { request, outcome } => {
                format!("removal request {request}: {outcome}")
            }
            Self::RdapLookup {
                target,
                abuse_emails,
                error,
                ..
            } => match error {
                Some(e) => format!("RDAP look-up of {target} failed: {e}"),
                None => format!(
                    "RDAP look-up of {target}: abuse contact {}",
                    if abuse_emails.is_empty() {
                        "none found".to_owned()
                    } else {
                        abuse_emails.join(", ")
                    }
                ),
            },
        }
    }
}

/// An annotation as stored and as it appears in the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Annotation {
    /// UUID.
    pub id: String,
    /// The item it is about.
    pub item_id: String,
    /// When it was added, RFC 3339 UTC.
    pub created_at: String,
    /// What it says.
    #[serde(flatten)]
    pub body: AnnotationBody,
}

/// One item's timestamp, as shown per item.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ItemTimestamp {
    /// A verified token is stored.
    Stamped {
        /// The authority's address.
        tsa: String,
        /// The authority's time.
        gen_time: String,
        /// Who signed the token.
        signer: String,
    },
    /// A token is stored that arrived in a received bundle and whose chain reached no
    /// root this computer recognised when the case was opened: "timestamp by an authority
    /// this computer does not recognise". Never presented as a trusted timestamp.
    Unrecognised {
        /// The authority's address, as the sender's log names it.
        tsa: String,
        /// The time the token states.
        gen_time: String,
        /// Who signed the token.
        signer: String,
    },
    /// Queued; no token yet.
    Waiting {
        /// Queued at.
        since: String,
        /// Requests tried.
        attempts: u32,
        /// Why the last one failed.
        #[serde(skip_serializing_if = "Option::is_none")]
        last_error: Option<String>,
    },
}

/// Another item whose picture looks like this one's.
#[derive(Debug, Clone, Serialize)]
pub struct SimilarImage {
    /// This item's file (from 0).
    pub index: u32,
    /// The other item.
    pub item_id: String,
    /// Its case.
    pub case_id: String,
    /// Its title.
    pub title: String,
    /// Its file (from 0).
    pub other_index: u32,
    /// Bits that differ, of 256 (0 = the same picture to PDQ).
    pub distance: u32,
    /// When this item's file is a video: the second of its frame that looks alike.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub second: Option<u32>,
    /// When the other item's file is a video: the second of its frame that looks alike.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub other_second: Option<u32>,
}

/// Another item whose video looks like this one's (vPDQ: frames a second apart compared
/// both ways).
#[derive(Debug, Clone, Serialize)]
pub struct SimilarVideo {
    /// This item's video file (from 0).
    pub index: u32,
    /// The other item.
    pub item_id: String,
    /// Its case.
    pub case_id: String,
    /// Its title.
    pub title: String,
    /// Its video file (from 0).
    pub other_index: u32,
    /// Share of this video's frames (%) that have a look-alike in the other.
    pub this_in_other: u32,
    /// Share of the other video's frames (%) that have a look-alike in this one.
    pub other_in_this: u32,
}
