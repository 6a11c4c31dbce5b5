//! Conversation exports as evidence (docs/conversations.md): the export sealed byte for
//! byte as one item of kind `conversation` — a zip as one artifact, a folder or loose
//! files as one artifact each — and the messages read from it kept beside it.
//!
//! Order of work: the export is read first (so a folder that is not an export costs
//! nothing), then every file is staged as an import stages it (copied, hashed, flushed,
//! read again), then the item, its event and its messages are committed in one
//! transaction. What was read must be what was sealed: each file's size and time are
//! compared with what they were before it was read, and each chat file's SHA-256 as read
//! with its SHA-256 as sealed. The sealed record holds how it was read (`capture.reading`)
//! and the SHA-256 of the messages as `safekeep messages --json` prints them.

use std::collections::HashMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::batch::{Known, Outcome, Source, stage_all};
use super::capture::{BatchProgress, shorten, validate_context};
use super::{Annotation, AnnotationBody, Error, Result, Vault};
use crate::clock::utc_rfc3339;
use crate::db::{item_search, messages};
use crate::item::{Context, ItemKind, ItemRecord};

mod from_item;

pub use from_item::{CHAT_DETECT_MAX, FROM_ITEM_MAX, conversation_format_of};
pub use safekeep_chat::{
    DateOrder, Error as ChatError, Format as ChatFormat, Message, MessageKind, Options as ReadOptions,
    Reading,
};

/// The most messages a page of the app holds.
pub const MAX_MESSAGES_PAGE: u32 = 500;

/// The most message numbers a search returns.
const MAX_FOUND: u32 = 5_000;

/// Stores the messages read from a conversation item's export, and their words in the
/// item's search text, inside the transaction that holds the item (or adds it).
pub(super) fn store_messages(
    tx: &rusqlite::Transaction<'_>,
    id: &str,
    conversation: &safekeep_chat::Conversation,
) -> Result<()> {
    let mut words_all = String::new();
    for m in &conversation.messages {
        let body = serde_json::to_string(m).map_err(|e| Error::Invalid(e.to_string()))?;
        let words = message_words(m);
        messages::insert(tx, id, m.index, m.sent_at.as_deref(), &body, &words)?;
        if words_all.len() < ITEM_WORDS_MAX {
            words_all.push(' ');
            words_all.push_str(&words);
        }
    }
    item_search::add_words(tx, id, &words_all)?;
    Ok(())
}

/// Reads a conversation item's messages again from its files' bytes (as sealed), the
/// way its record says they were read. `None` when they cannot be read here (a newer
/// format, an export too large to hold): the item and its files are kept either way.
pub(super) fn read_again(
    record: &serde_json::Value,
    files: Vec<(String, Vec<u8>)>,
) -> Option<safekeep_chat::Conversation> {
    let reading: Reading = serde_json::from_value(record["capture"]["reading"].clone()).ok()?;
    let options = ReadOptions {
        format: Some(reading.format),
        zone: Some(reading.timezone.clone()),
        date_order: reading.date_order,
    };
    let name = record["title"].as_str().unwrap_or("conversation");
    let export = safekeep_chat::Export::from_memory(name, files).ok()?;
    let mut conversation = safekeep_chat::read(&export, &options).ok()?;
    let shas = held_hashes(&export).ok()?;
    conversation.fill_hashes(&|path| shas.get(path).cloned());
    Some(conversation)
}

/// The SHA-256 of every file of an export held in memory: a zip's entries as hashed
/// inside it, loose files as they were given.
fn held_hashes(export: &safekeep_chat::Export) -> std::result::Result<HashMap<String, String>, ChatError> {
    Ok(if export.is_zip() {
        export.hash_entries()?.into_iter().collect()
    } else {
        export
            .files()
            .iter()
            .filter_map(|f| Some((f.path.clone(), f.sha256.clone()?)))
            .collect()
    })
}

/// What a conversation item's record says of its reading: how it was read, and the
/// SHA-256 of the messages as `messages --json` prints them; in a no-images case, the
/// files left out (`removed`, a JSON list).
fn sealed_reading(
    conversation: &safekeep_chat::Conversation,
    removed: Option<serde_json::Value>,
) -> serde_json::Value {
    let mut machine = json!({
        "method": "conversation export",
        "reading": conversation.reading,
        "transcript_sha256": hex::encode(Sha256::digest(conversation.transcript_json())),
    });
    if let Some(removed) = removed {
        machine["no_images_case"] = json!({ "removed": removed });
    }
    machine
}

/// Words of the messages added to the item's own search text, at most (the rest are
/// still found by searching inside the conversation).
const ITEM_WORDS_MAX: usize = 8 << 20;

/// A run of messages, for the app.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MessagePage {
    /// The messages, as `messages --json` prints them.
    pub messages: Vec<serde_json::Value>,
    /// How many the conversation has.
    pub total: u32,
}

impl Vault {
    /// Seals a conversation export (one `.zip`, one folder, or loose files) into a case
    /// as one item, with the messages read from it. Returns the item's record.
    pub fn import_conversation(
        &mut self,
        case_id: &str,
        paths: &[PathBuf],
        options: &ReadOptions,
        context: Context,
        progress: &mut dyn FnMut(BatchProgress),
        cancelled: &(dyn Fn() -> bool + Sync),
    ) -> Result<ItemRecord> {
        let case = self.resolve_case(case_id)?;
        validate_context(&context)?;
        let vault = super::batch::canonical(&self.dir);
        for p in paths {
            if super::batch::inside(p, &vault) {
                return Err(Error::Input {
                    path: p.clone(),
                    reason: "it is inside Safekeep's own vault folder; nothing was imported".into(),
                });
            }
            // A folder that holds the vault is refused before anything in it is read
            // (on Windows the open vault's files cannot even be read by another handle).
            if super::batch::holds(p, &vault) {
                return Err(Error::Input {
                    path: p.clone(),
                    reason: "it holds Safekeep's own vault folder: give the export's own folder, not one that holds the vault; nothing was imported".into(),
                });
            }
        }
        let before: Vec<Option<fs::Metadata>> = paths.iter().map(|p| fs::metadata(p).ok()).collect();
        let export = safekeep_chat::Export::open(paths)?;
        let mut disk = export.disk_files();
        // A folder given whole must not hold the vault itself (its sealed files are not
        // an export, and would be sealed into themselves).
        if let Some((p, _)) = disk.iter().find(|(p, _)| super::batch::inside(p, &vault)) {
            return Err(Error::Input {
                path: p.clone(),
                reason: "it is inside Safekeep's own vault folder: give the export's own folder, not one that holds the vault; nothing was imported".into(),
            });
        }
        // Each file as it was before anything was read: a zip or loose file from before
        // it was opened, a folder's files from when it was listed.
        let mut seen: Vec<Option<fs::Metadata>> = disk
            .iter()
            .map(|(p, _)| match paths.iter().position(|g| g == p) {
                Some(i) => before[i].clone(),
                None => fs::metadata(p).ok(),
            })
            .collect();
        let mut conversation = safekeep_chat::read(&export, options)?;
        // A no-images case keeps the chat's text and leaves its pictures and videos out,
        // each named in the record as removed (docs/safeguarding.md).
        let mut inside: Vec<String> = if export.is_zip() {
            Vec::new()
        } else {
            export.files().iter().map(|f| f.path.clone()).collect()
        };
        let mut removed = Vec::new();
        if self.is_no_images_case(&case.id)? {
            super::safeguard::refuse_pictures_inside(&disk, &conversation.reading)?;
            if export.is_zip() {
                super::safeguard::refuse_zip_with_pictures(&disk, &export)?;
                // By their bytes too: a picture renamed `.dat` is still one.
                for (p, _) in &disk {
                    super::safeguard::refuse_picture(p)?;
                }
            } else {
                (disk, seen, inside, removed) = super::safeguard::leave_out_pictures(disk, seen, inside);
            }
        }
        self.clear_stale_staging();
        let sources: Vec<(Source, u64)> = disk
            .iter()
            .zip(&seen)
            .map(|((p, rel), m)| {
                (
                    Source::within(p, rel.clone()),
                    m.as_ref().map_or(0, fs::Metadata::len),
                )
            })
            .collect();
        let refs: Vec<(&Source, u64)> = sources.iter().map(|(s, n)| (s, *n)).collect();
        let tmp_ids: Vec<String> = sources.iter().map(|_| self.new_id()).collect();
        let bytes_total: u64 = sources.iter().map(|(_, n)| n).sum();
        let files = sources.len();
        let (mut files_done, mut bytes_done) = (0usize, 0u64);
        let blobs = &self.blobs;
        // A zip's entries are hashed on the core that sealing leaves free: once the zip
        // has been copied and sealed (both cores busy), while it is read a second time
        // and flushed (one core). Started at once they slowed sealing down.
        let (first_pass_over, wait_first_pass) = std::sync::mpsc::channel::<()>();
        let mut first_pass_over = Some(first_pass_over);
        let export_ref = &export;
        let (outcomes, entry_hashes) = std::thread::scope(|s| {
            let hashing = s.spawn(move || {
                // Either a signal or the sender dropped: both mean "go".
                let _ = wait_first_pass.recv();
                export_ref.hash_entries()
            });
            let outcomes = stage_all(
                blobs,
                &refs,
                &tmp_ids,
                &Known::new(),
                cancelled,
                &mut |j, done, total, finished| {
                    if finished || done >= total {
                        first_pass_over.take();
                    }
                    if finished {
                        files_done += 1;
                        bytes_done += total;
                    }
                    progress(BatchProgress {
                        file: j,
                        files,
                        path: sources[j].0.path().to_path_buf(),
                        done,
                        total,
                        files_done,
                        bytes_done: bytes_done + if finished { 0 } else { done },
                        bytes_total,
                    });
                },
            );
            first_pass_over.take();
            let hashed = hashing
                .join()
                .unwrap_or_else(|_| Err(safekeep_chat::Error::Unreadable("hashing the zip stopped".into())));
            (outcomes, hashed)
        });
        let mut ready = Vec::with_capacity(outcomes.len());
        let mut failure = None;
        for outcome in outcomes {
            match outcome {
                Outcome::Ready(r) => ready.push(*r),
                Outcome::Failed(e) => failure = failure.or(Some(e)),
                Outcome::Cancelled => failure = failure.or(Some(Error::Cancelled)),
                Outcome::Already(_) => {
                    failure = failure.or(Some(Error::Invalid("the import was not carried out".into())))
                }
            }
        }
        let entry_hashes = match entry_hashes {
            Ok(h) => h,
            Err(e) => {
                failure = failure.or(Some(e.into()));
                Vec::new()
            }
        };
        if let Some(e) = failure {
            for r in ready {
                self.blobs.discard(r.staged);
            }
            return Err(e);
        }
        // Each file of the export with its SHA-256: a zip's entries as hashed inside it,
        // a folder's files as sealed.
        let shas: HashMap<String, String> = if export.is_zip() {
            entry_hashes.into_iter().collect()
        } else {
            inside
                .iter()
                .zip(&ready)
                .map(|(f, r)| (f.clone(), r.artifact.sha256.clone()))
                .collect()
        };
        if let Err(e) = unchanged_since_read(&disk, &seen, &ready, &export, &inside, &shas) {
            for r in ready {
                self.blobs.discard(r.staged);
            }
            return Err(e);
        }
        conversation.fill_hashes(&|path| shas.get(path).cloned());
        let no_images = self.is_no_images_case(&case.id)?;
        let machine = sealed_reading(&conversation, no_images.then(|| json!(removed)));
        let title = context
            .title
            .clone()
            .unwrap_or_else(|| title_for(&conversation.reading));
        let (artifacts, staged): (Vec<_>, Vec<_>) = ready
            .into_iter()
            .map(|mut r| {
                r.artifact.role = "export".into();
                (r.artifact, r.staged)
            })
            .unzip();
        let captured = self.now();
        let record = self.new_record(
            &case.id,
            ItemKind::Conversation,
            title,
            captured,
            context,
            Some(machine),
            artifacts,
        );
        let names = self
            .blobs
            .commit_many(staged)
            .map_err(|e| Error::storage(self.blobs.blobs_dir(), e))?;
        let id = record.id.clone();
        let result = self.commit_items_then(&[(&record, &names)], &mut |tx| {
            store_messages(tx, &id, &conversation)
        });
        if result.is_err() {
            self.forget_unused(&names);
        }
        result.map(|()| record)
    }

    /// The messages numbered `from..=to` (all when not given) of a conversation item.
    pub fn messages(&self, item_id: &str, from: Option<u32>, to: Option<u32>) -> Result<Vec<Message>> {
        let id = self.conversation_item(item_id)?;
        let mut out = Vec::new();
        messages::for_each(
            self.conn(),
            &id,
            from.unwrap_or(1),
            to.unwrap_or(u32::MAX),
            &mut |_, body| {
                out.push(serde_json::from_str(body).map_err(|e| {
                    rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
                })?);
                Ok(())
            },
        )?;
        Ok(out)
    }

    /// Writes the messages numbered `from..=to` as `messages --json` prints them: a JSON
    /// array, each message as stored. All of them are, byte for byte, what the sealed
    /// `transcript_sha256` is the hash of. Returns how many were written.
    pub fn write_messages_json(
        &self,
        item_id: &str,
        from: Option<u32>,
        to: Option<u32>,
        out: &mut dyn Write,
    ) -> Result<u32> {
        let id = self.conversation_item(item_id)?;
        let failed =
            |e: std::io::Error| Error::Invalid(format!("the messages could not be written out: {e}"));
        let mut n = 0u32;
        let mut io_error = None;
        out.write_all(b"[").map_err(failed)?;
        let listed = messages::for_each(
            self.conn(),
            &id,
            from.unwrap_or(1),
            to.unwrap_or(u32::MAX),
            &mut |_, body| {
                let sep: &[u8] = if n == 0 { b"" } else { b"," };
                if let Err(e) = out.write_all(sep).and_then(|()| out.write_all(body.as_bytes())) {
                    io_error = Some(e);
                    return Err(rusqlite::Error::InvalidQuery);
                }
                n += 1;
                Ok(())
            },
        );
        if let Err(e) = listed {
            return Err(io_error.map_or_else(|| Error::from(e), failed));
        }
        out.write_all(b"]").map_err(failed)?;
        Ok(n)
    }

    /// A page of a conversation for the app: `limit` messages from number `from`.
    pub fn message_page(&self, item_id: &str, from: u32, limit: u32) -> Result<MessagePage> {
        let id = self.conversation_item(item_id)?;
        let limit = limit.clamp(1, MAX_MESSAGES_PAGE);
        let from = from.max(1);
        let mut list = Vec::with_capacity(limit as usize);
        messages::for_each(
            self.conn(),
            &id,
            from,
            from.saturating_add(limit - 1),
            &mut |_, body| {
                list.push(serde_json::from_str(body).unwrap_or(serde_json::Value::Null));
                Ok(())
            },
        )?;
        Ok(MessagePage {
            messages: list,
            total: messages::count(self.conn(), &id)?,
        })
    }

    /// The numbers of the messages whose sender, text or attachment names hold every word
    /// of `words` (each as the start of a word), in order.
    pub fn find_messages(&self, item_id: &str, words: &str) -> Result<Vec<u32>> {
        let id = self.conversation_item(item_id)?;
        match item_search::match_expression(words) {
            Some(expr) => Ok(messages::find(self.conn(), &id, &expr, MAX_FOUND)?),
            None => Ok(Vec::new()),
        }
    }

    /// The number of the first message sent on or after `date` (`YYYY-MM-DD`, taken as
    /// the start of that day in UTC, or an RFC 3339 time); none if every message is older.
    pub fn message_on(&self, item_id: &str, date: &str) -> Result<Option<u32>> {
        let id = self.conversation_item(item_id)?;
        let at = parse_day_or_time(date)?;
        Ok(messages::first_at_or_after(self.conn(), &id, &at)?)
    }

    /// Marks messages `from..=to` of a conversation as an exhibit: an annotation on the
    /// item, which itself does not change. The report prints the run as a transcript.
    pub fn mark_messages(
        &mut self,
        item_id: &str,
        from: u32,
        to: u32,
        note: Option<String>,
    ) -> Result<Annotation> {
        self.annotate(
            item_id,
            AnnotationBody::Messages {
                from,
                to,
                note: note.filter(|n| !n.trim().is_empty()),
            },
        )
    }

    /// Checks that `from..=to` names messages the item has.
    pub(super) fn check_message_range(&self, item_id: &str, from: u32, to: u32) -> Result<()> {
        let id = self.conversation_item(item_id)?;
        let total = messages::count(self.conn(), &id)?;
        if from == 0 || from > to || to > total {
            return Err(Error::Invalid(format!(
                "messages {from}–{to} are not a run of this conversation's messages, which are numbered 1 to {total}; nothing was marked"
            )));
        }
        Ok(())
    }

    /// Checks that an item is a conversation and returns its full id.
    fn conversation_item(&self, given: &str) -> Result<String> {
        let id = self.resolve_item(given)?;
        let kind: String = self
            .conn()
            .prepare_cached("SELECT kind FROM items WHERE id = ?1")?
            .query_row([&id], |r| r.get(0))?;
        if kind != ItemKind::Conversation.as_str() {
            return Err(Error::Invalid(format!(
                "item {id} is a {}, not a conversation: only an imported conversation export has messages",
                kind.replace('_', " ")
            )));
        }
        Ok(id)
    }
}

/// Checks that every file sealed is as it was before the export was read, and that each
/// chat file read is, by its hash, the one sealed.
fn unchanged_since_read(
    disk: &[(PathBuf, Option<String>)],
    seen: &[Option<fs::Metadata>],
    ready: &[super::batch::Ready],
    export: &safekeep_chat::Export,
    inside: &[String],
    shas: &HashMap<String, String>,
) -> Result<()> {
    let changed = |path: &Path, what: &str| Error::SourceChanged {
        path: path.to_path_buf(),
        what: what.to_owned(),
    };
    for (((path, _), meta), r) in disk.iter().zip(seen).zip(ready) {
        let Some(meta) = meta else {
            return Err(changed(path, "it could not be looked at before it was read"));
        };
        let time = meta
            .modified()
            .ok()
            .map(|t| utc_rfc3339(&DateTime::<Utc>::from(t).fixed_offset()));
        if meta.len() != r.artifact.size || time != r.artifact.modified_at {
            return Err(changed(path, "it changed while the export was being read"));
        }
    }
    for (read_path, sha) in export.read_hashes() {
        if shas.get(&read_path) != Some(&sha) {
            let at = if export.is_zip() {
                disk.first().map(|(p, _)| p.clone())
            } else {
                inside
                    .iter()
                    .position(|f| *f == read_path)
                    .and_then(|i| disk.get(i))
                    .map(|(p, _)| p.clone())
            }
            .unwrap_or_else(|| PathBuf::from(&read_path));
            return Err(changed(
                &at,
                "the bytes read as the chat are not the bytes sealed",
            ));
        }
    }
    Ok(())
}

/// A title for lists: `WhatsApp: Sam Doe`, `Telegram: 3 chats`.
fn title_for(r: &safekeep_chat::Reading) -> String {
    let what = match r.chats.as_slice() {
        [] => "conversation".to_owned(),
        [one] => one.clone(),
        many => format!("{} chats", many.len()),
    };
    shorten(&format!("{}: {what}", r.format.label()))
}

/// What a search inside the conversation looks at.
fn message_words(m: &Message) -> String {
    let mut w = String::new();
    if let Some(s) = &m.sender {
        w.push_str(s);
        w.push(' ');
    }
    w.push_str(&m.text);
    for a in &m.attachments {
        if let Some(n) = &a.name {
            w.push(' ');
            w.push_str(n);
        }
    }
    w
}

fn parse_day_or_time(given: &str) -> Result<String> {
    let g = given.trim();
    if let Ok(day) = NaiveDate::parse_from_str(g, "%Y-%m-%d") {
        let t = day.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
        return t
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            .ok_or_else(|| Error::Invalid(format!("\"{given}\" is not a date")));
    }
    DateTime::parse_from_rfc3339(g)
        .map(|t| {
            t.with_timezone(&Utc)
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        })
        .map_err(|_| {
            Error::Invalid(format!(
                "\"{given}\" is not a date Safekeep understands. Write it like 2026-01-31"
            ))
        })
}
