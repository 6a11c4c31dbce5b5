//! A conversation export already sealed as an item of its own — a WhatsApp chat sent from
//! the phone with LocalSend, a zip imported as a plain file — read as a conversation.
//!
//! The result is a second item, of kind `conversation`, whose one file is the very blob
//! the first item sealed (shared, not copied: the store is named by content, and a blob
//! is removed only when no item uses it) and whose record names the item it was read
//! from (`capture.read_from_item`). The first item is never changed: its record is the
//! proof of how the file arrived (the phone's declared hash, the receiving times).
//!
//! The sealed bytes are read into memory, checked against the SHA-256 sealed with them,
//! and never written out in the clear; hence [`FROM_ITEM_MAX`].

use serde_json::json;

use super::super::capture::validate_context;
use super::super::{Error, Result, Vault};
use super::{ChatFormat, ReadOptions, store_messages, title_for};
use crate::db::artifacts;
use crate::item::{Artifact, Context, ItemKind, ItemRecord};

/// The largest sealed file read as a conversation: it is held in memory while read. A
/// chat export with years of photos can be larger; it is then imported from the
/// computer's files (`import chat`), which reads a zip in place.
pub const FROM_ITEM_MAX: u64 = 1 << 30;

/// The largest file looked into to recognise a chat export without being asked (a file
/// received from a phone): it is held in memory while looked into.
pub const CHAT_DETECT_MAX: u64 = 256 << 20;

/// The platform whose conversation export `bytes` (one file called `name`: a zip, or a
/// chat's text) is, when Safekeep recognises it from the files alone; `None` otherwise.
/// Reads names and the starts of files only; nothing is hashed or kept.
pub fn conversation_format_of(name: &str, bytes: Vec<u8>) -> Option<ChatFormat> {
    let export = safekeep_chat::Export::from_memory(name, vec![(name.to_owned(), bytes)]).ok()?;
    safekeep_chat::detect(&export).ok()
}

/// Media types an export's one file can have: a zip (WhatsApp on an iPhone, most
/// platforms' downloads) or a chat's text, JSON, XML or mail file given on its own.
fn may_be_export(media_type: &str) -> bool {
    matches!(
        media_type,
        "application/zip"
            | "text/plain"
            | "application/json"
            | "application/xml"
            | "text/xml"
            | "message/rfc822"
    ) || media_type.starts_with("text/")
}

impl Vault {
    /// The platform whose conversation export item `item_id`'s one file is, when
    /// Safekeep recognises it from the files alone; `None` when it is not one (or cannot
    /// be read as one here: withdrawn, too large, several files, already a conversation).
    /// Reads the sealed file: for a zip, its whole bytes.
    pub fn conversation_format_of_item(&self, item_id: &str) -> Result<Option<ChatFormat>> {
        let view = self.item(item_id)?;
        let record = &view.record;
        let [artifact] = record.artifacts.as_slice() else {
            return Ok(None);
        };
        if record.kind == ItemKind::Conversation
            || view.withdrawn.is_some()
            || !may_be_export(&artifact.media_type)
            || artifact.size > FROM_ITEM_MAX
        {
            return Ok(None);
        }
        let (_, bytes) = self.artifact_bytes(&record.id, 0, FROM_ITEM_MAX)?;
        Ok(conversation_format_of(&export_name(artifact), bytes))
    }

    /// Reads item `item_id`'s one sealed file as a conversation export and adds the
    /// conversation to the item's case as a new item sharing that file. Errors say why it
    /// is not one (as `import chat` would), or ask for the date order.
    pub fn import_conversation_from_item(
        &mut self,
        item_id: &str,
        options: &ReadOptions,
        context: Context,
    ) -> Result<ItemRecord> {
        validate_context(&context)?;
        let view = self.item(item_id)?;
        let source = view.record;
        if view.withdrawn.is_some() {
            return Err(Error::Invalid(format!(
                "item {} was withdrawn, so its file is no longer kept; nothing was read",
                source.id
            )));
        }
        if source.kind == ItemKind::Conversation {
            return Err(Error::Invalid(format!(
                "item {} is already a conversation; its messages are in it",
                source.id
            )));
        }
        let artifact = match source.artifacts.as_slice() {
            [one] => one.clone(),
            _ => {
                return Err(Error::Invalid(format!(
                    "item {} holds {} files; only an item of one file (a chat's zip or text file) can be read as a conversation. Import the export itself with `import chat`",
                    source.id,
                    source.artifacts.len()
                )));
            }
        };
        if let Some(done) = self.conversation_read_from(&source)? {
            return Err(Error::Invalid(format!(
                "item {} was already read as a conversation: item {done}",
                source.id
            )));
        }
        if artifact.size > FROM_ITEM_MAX {
            return Err(Error::Invalid(format!(
                "item {}'s file is {} bytes, more than Safekeep reads from a stored item ({FROM_ITEM_MAX}). Copy the export onto this computer and add it with \"Add a conversation export\" (`import chat`)",
                source.id, artifact.size
            )));
        }
        let (_, bytes) = self.artifact_bytes(&source.id, 0, FROM_ITEM_MAX)?;
        let export =
            safekeep_chat::Export::from_memory(&source.title, vec![(export_name(&artifact), bytes)])?;
        let mut conversation = safekeep_chat::read(&export, options)?;
        let no_images = self.is_no_images_case(&source.case_id)?;
        if no_images {
            super::super::safeguard::refuse_export_with_pictures(&export, &conversation.reading)?;
        }
        let shas = super::held_hashes(&export)?;
        conversation.fill_hashes(&|path| shas.get(path).cloned());
        // In a no-images case nothing can be left out of a file already sealed.
        let mut machine = super::sealed_reading(&conversation, no_images.then(|| json!([])));
        machine["read_from_item"] = json!({
            "id": source.id,
            "sha256": artifact.sha256,
            "how_it_arrived": source.capture.as_ref().and_then(|c| c.get("source")).cloned(),
        });
        let blob = artifacts::list(self.conn(), Some(&source.id))?
            .into_iter()
            .next()
            .and_then(|a| a.blob)
            .ok_or_else(|| Error::Invalid("this file was removed when the item was withdrawn".into()))?;
        let title = context
            .title
            .clone()
            .unwrap_or_else(|| title_for(&conversation.reading));
        let captured = self.now();
        let record = self.new_record(
            &source.case_id,
            ItemKind::Conversation,
            title,
            captured,
            context,
            Some(machine),
            vec![Artifact {
                role: "export".into(),
                ..artifact
            }],
        );
        let id = record.id.clone();
        let names = [blob];
        self.commit_items_then(&[(&record, &names)], &mut |tx| {
            store_messages(tx, &id, &conversation)
        })?;
        Ok(record)
    }

    /// The conversation item already read from `source`, if there is one.
    fn conversation_read_from(&self, source: &ItemRecord) -> Result<Option<String>> {
        Ok(self
            .items(Some(&source.case_id))?
            .into_iter()
            .find(|v| {
                v.record.kind == ItemKind::Conversation
                    && v.withdrawn.is_none()
                    && v.record
                        .capture
                        .as_ref()
                        .and_then(|c| c["read_from_item"]["id"].as_str())
                        == Some(source.id.as_str())
            })
            .map(|v| v.record.id))
    }
}

/// The name the export's file is read under: its own name where it had one (a chat's
/// `.txt` is recognised by it), else one its media type suggests.
fn export_name(artifact: &Artifact) -> String {
    artifact.original_name.clone().unwrap_or_else(|| {
        match artifact.media_type.as_str() {
            "application/zip" => "export.zip",
            "application/json" => "export.json",
            "message/rfc822" => "message.eml",
            _ => "export.txt",
        }
        .to_owned()
    })
}
