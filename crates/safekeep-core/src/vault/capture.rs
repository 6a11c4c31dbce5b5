//! Capturing items: importing files the user already has, and writing incident notes.
//!
//! Order of work (docs/vault.md § "Crash safety"): stream the bytes into `tmp/` while
//! hashing, fsync, confirm the source did not change, rename the blob into place, and
//! only then commit the item row, its artifact rows and its audit event in one
//! transaction. A crash before the commit leaves no item, only a stray file for `check`.

use std::fs::{self, File};
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use chrono::{DateTime, FixedOffset};
use serde_json::json;

use super::{Error, Result, Vault, append_event};
use crate::audit_log::event_type;
use crate::blob_store::{self, Staged};
use crate::canonical;
use crate::clock::{offset_string, utc_rfc3339};
use crate::db::{artifacts, items};
use crate::item::{Artifact, Context, ItemKind, ItemRecord};

/// Progress of one import, for progress bars.
#[derive(Debug, Clone, Copy)]
pub struct ImportProgress {
    /// Bytes copied so far.
    pub done: u64,
    /// Size of the file when the import started.
    pub total: u64,
}

/// Progress of a batch import, for progress bars.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BatchProgress {
    /// Which file (from 0).
    pub file: usize,
    /// How many files in all.
    pub files: usize,
    /// The file being imported.
    pub path: std::path::PathBuf,
    /// Bytes of it copied so far.
    pub done: u64,
    /// Its size.
    pub total: u64,
    /// Files finished (imported, skipped or failed) so far.
    pub files_done: usize,
    /// Bytes of the whole batch read so far.
    pub bytes_done: u64,
    /// Bytes of the whole batch, as the files' sizes were when it started.
    pub bytes_total: u64,
}

/// A capture made by this computer, ready to be sealed by [`Vault::add_capture`].
#[derive(Debug, Clone)]
pub struct CapturedItem {
    /// What kind of evidence it is.
    pub kind: ItemKind,
    /// A title for lists, used unless `context.title` is given.
    pub title: String,
    /// When the capture started.
    pub started: DateTime<FixedOffset>,
    /// The files, in order.
    pub files: Vec<CapturedFile>,
    /// What the computer recorded about the capture.
    pub machine: serde_json::Value,
    /// What the person said (often nothing yet: context is asked after the capture).
    pub context: Context,
}

/// One file of a capture, held in memory (screenshots are a few MiB).
#[derive(Debug, Clone)]
pub struct CapturedFile {
    /// Its role in the item, e.g. `screenshot`.
    pub role: String,
    /// A file name for bundles, e.g. `screen-1.png`.
    pub name: String,
    /// Media type, e.g. `image/png`.
    pub media_type: String,
    /// The bytes: the evidence, stored exactly.
    pub bytes: Vec<u8>,
}

/// One file of a capture streamed into the vault while it was made (a screen recording),
/// hashed as it was written and already durable: see [`Vault::stage_stream`].
#[derive(Debug)]
pub struct StreamedFile {
    /// Its role in the item, e.g. `recording`.
    pub role: String,
    /// A file name for bundles, e.g. `screen-recording.mp4`.
    pub name: String,
    /// Media type, e.g. `video/mp4`.
    pub media_type: String,
    staged: Staged,
}

impl StreamedFile {
    /// Its size in bytes.
    pub fn size(&self) -> u64 {
        self.staged.size
    }

    /// Its SHA-256.
    pub fn sha256(&self) -> [u8; 32] {
        self.staged.sha256
    }
}

/// Longest title derived automatically from a file name or note.
const TITLE_MAX: usize = 80;

impl Vault {
    /// Imports one file as a new item of kind `file`, byte-exact, and returns its record.
    ///
    /// Refuses directories and special files, and refuses (recording nothing) a file whose
    /// size, modification time or bytes differ between the copy and a second read.
    pub fn import_file(
        &mut self,
        case_id: &str,
        path: &Path,
        context: Context,
        progress: &mut dyn FnMut(ImportProgress),
    ) -> Result<ItemRecord> {
        self.import_file_recorded(case_id, path, context, None, progress)
    }

    /// [`Vault::import_file`] with what this computer recorded about where the file came
    /// from (e.g. a download in Safekeep's browser), sealed as the item's `capture`.
    pub fn import_file_recorded(
        &mut self,
        case_id: &str,
        path: &Path,
        context: Context,
        machine: Option<serde_json::Value>,
        progress: &mut dyn FnMut(ImportProgress),
    ) -> Result<ItemRecord> {
        let case = self.resolve_case(case_id)?;
        validate_context(&context)?;
        if self.is_no_images_case(&case.id)? {
            super::safeguard::refuse_picture(path)?;
        }
        let tmp_id = self.new_id();
        let source = super::batch::Source::single(path);
        let ready = match super::batch::stage_one(
            &self.blobs,
            &source,
            &tmp_id,
            &Default::default(),
            true,
            &mut |done, total| progress(ImportProgress { done, total }),
        ) {
            super::batch::Outcome::Ready(r) => *r,
            super::batch::Outcome::Failed(e) => return Err(e),
            super::batch::Outcome::Already(_) | super::batch::Outcome::Cancelled => {
                return Err(Error::Invalid("the import was not carried out".into()));
            }
        };
        let captured = self.now();
        let title = context
            .title
            .clone()
            .unwrap_or_else(|| shorten(ready.artifact.original_name.as_deref().unwrap_or("Imported file")));
        self.seal(
            &case.id,
            ItemKind::File,
            title,
            captured,
            context,
            machine,
            vec![(ready.artifact, ready.staged)],
        )
    }

    /// Records a written incident-log entry as a new item of kind `note`. Its structured
    /// fields (`context.incident`) are sealed in the record beside the text; blank ones
    /// are dropped first, so an untouched form seals the same record as before they
    /// existed.
    pub fn add_note(&mut self, case_id: &str, text: &str, mut context: Context) -> Result<ItemRecord> {
        let case = self.resolve_case(case_id)?;
        context.incident = context.incident.and_then(|i| i.normalised().map(Box::new));
        validate_context(&context)?;
        if text.trim().is_empty() {
            return Err(Error::Invalid(
                "the note is empty: write what happened, then save it".into(),
            ));
        }
        let captured = self.now();
        let tmp_id = self.new_id();
        let staged = self
            .blobs
            .stage(&mut text.as_bytes(), &tmp_id, &mut |_| {})
            .map_err(|e| Error::storage(self.blobs.tmp_dir(), e))?;
        let artifact = Artifact {
            role: "note".into(),
            media_type: "text/plain; charset=utf-8".into(),
            size: staged.size,
            sha256: hex::encode(staged.sha256),
            original_name: None,
            original_name_bytes: None,
            source_path: None,
            modified_at: None,
        };
        let title = context
            .title
            .clone()
            .unwrap_or_else(|| shorten(text.trim().lines().next().unwrap_or("Note")));
        let record = self.seal(
            &case.id,
            ItemKind::Note,
            title,
            captured,
            context,
            None,
            vec![(artifact, staged)],
        )?;
        // The entry's words are searchable. This follows the commit: the note is safe
        // either way, and only its search words could be missed by a crash right here.
        crate::db::item_search::add_words(self.conn(), &record.id, text)?;
        Ok(record)
    }

    /// Records a capture made by this computer (a screenshot, a web page…) as one item:
    /// each file's bytes exactly as given, hashed once as they are stored, with the
    /// machine-recorded `capture` metadata sealed beside the person's `context`.
    /// `capture.started` becomes the item's capture time. `staged` is called once every file is
    /// durable in `tmp/`, just before the commit, so callers can time the two phases.
    pub fn add_capture(
        &mut self,
        case_id: &str,
        capture: CapturedItem,
        staged: &mut dyn FnMut(),
    ) -> Result<ItemRecord> {
        self.seal_capture(case_id, capture, Vec::new(), staged)
    }

    /// Streams `src` into the vault's staging folder (sealed there like every blob when
    /// the vault is encrypted, so nothing lands in the clear), hashing as it is written,
    /// and flushes it to disk. `progress` is called with the bytes written so far. The
    /// result belongs to no item until [`Self::add_capture_streamed`]; drop it through
    /// [`Self::discard_stream`] when the capture is abandoned.
    pub fn stage_stream(
        &mut self,
        src: &mut dyn Read,
        role: &str,
        name: &str,
        media_type: &str,
        progress: &mut dyn FnMut(u64),
    ) -> Result<StreamedFile> {
        let tmp_id = self.new_id();
        let staged = self
            .blobs
            .stage(src, &tmp_id, progress)
            .and_then(|mut s| s.make_durable().map(|()| s))
            .map_err(|e| Error::storage(self.blobs.tmp_dir(), e))?;
        Ok(StreamedFile {
            role: role.to_owned(),
            name: name.to_owned(),
            media_type: media_type.to_owned(),
            staged,
        })
    }

    /// Reads a streamed file back (decrypted) before it is sealed, e.g. to derive a poster
    /// frame from a recording: the staged bytes are the ones that will be sealed.
    pub fn read_stream(&self, file: &StreamedFile) -> Result<Box<dyn Read + Send>> {
        let path = file.staged.path();
        let reader = self.blobs.open_path(path).map_err(|e| Error::storage(path, e))?;
        Ok(Box::new(reader))
    }

    /// Deletes a streamed file that will not be sealed.
    pub fn discard_stream(&self, file: StreamedFile) {
        self.blobs.discard(file.staged);
    }

    /// Seals a capture whose large files were streamed in while it was made ([`Self::stage_stream`]),
    /// those first and then its in-memory files (a poster frame…), as one item with one
    /// event. On any error every staged file is deleted: nothing is half-sealed.
    pub fn add_capture_streamed(
        &mut self,
        case_id: &str,
        capture: CapturedItem,
        streamed: Vec<StreamedFile>,
    ) -> Result<ItemRecord> {
        self.seal_capture(case_id, capture, streamed, &mut || {})
    }

    /// What [`Self::add_capture`] and [`Self::add_capture_streamed`] share: checks, the
    /// streamed files then the in-memory ones staged, `staged` called, then one seal. Any
    /// error deletes every staged file.
    fn seal_capture(
        &mut self,
        case_id: &str,
        capture: CapturedItem,
        streamed: Vec<StreamedFile>,
        staged: &mut dyn FnMut(),
    ) -> Result<ItemRecord> {
        let checked = self
            .resolve_case(case_id)
            .and_then(|case| validate_context(&capture.context).map(|()| case))
            .and_then(|case| {
                if capture.files.is_empty() && streamed.is_empty() {
                    Err(Error::Invalid("a capture needs at least one file".into()))
                } else {
                    Ok(case)
                }
            });
        let case = match checked {
            Ok(case) => case,
            Err(e) => {
                for f in streamed {
                    self.discard_stream(f);
                }
                return Err(e);
            }
        };
        let mut parts = Vec::with_capacity(capture.files.len() + streamed.len());
        for f in streamed {
            parts.push((artifact(&f.role, &f.media_type, &f.name, &f.staged), f.staged));
        }
        self.stage_files(&capture.files, &mut parts)?;
        staged();
        let title = capture.context.title.clone().unwrap_or(capture.title);
        self.seal(
            &case.id,
            capture.kind,
            title,
            capture.started,
            capture.context,
            Some(capture.machine),
            parts,
        )
    }

    /// Stages and flushes each in-memory file after `parts`; on an error every staged
    /// blob in `parts` (those before too) is deleted and `parts` left empty.
    fn stage_files(&mut self, files: &[CapturedFile], parts: &mut Vec<(Artifact, Staged)>) -> Result<()> {
        for file in files {
            let tmp_id = self.new_id();
            let stage = self
                .blobs
                .stage(&mut file.bytes.as_slice(), &tmp_id, &mut |_| {})
                .and_then(|mut s| s.make_durable().map(|()| s));
            match stage {
                Ok(s) => parts.push((artifact(&file.role, &file.media_type, &file.name, &s), s)),
                Err(e) => {
                    for (_, s) in parts.drain(..) {
                        self.blobs.discard(s);
                    }
                    return Err(Error::storage(self.blobs.tmp_dir(), e));
                }
            }
        }
        Ok(())
    }

    /// Moves staged blobs into the store, then commits the item and its event together.
    /// Used by every kind of capture; `capture` is the machine metadata of a capture made
    /// by this computer (none for imports and notes).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn seal(
        &mut self,
        case_id: &str,
        kind: ItemKind,
        title: String,
        captured: DateTime<FixedOffset>,
        context: Context,
        capture: Option<serde_json::Value>,
        parts: Vec<(Artifact, Staged)>,
    ) -> Result<ItemRecord> {
        let (artifacts, staged): (Vec<Artifact>, Vec<Staged>) = parts.into_iter().unzip();
        let record = self.new_record(case_id, kind, title, captured, context, capture, artifacts);
        let names = self
            .blobs
            .commit_many(staged)
            .map_err(|e| Error::storage(self.blobs.blobs_dir(), e))?;
        let result = self.commit_items(&[(&record, &names)]);
        if result.is_err() {
            self.forget_unused(&names);
        }
        result.map(|()| record)
    }

    /// A new item's sealed record, as this computer writes it.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn new_record(
        &mut self,
        case_id: &str,
        kind: ItemKind,
        title: String,
        captured: DateTime<FixedOffset>,
        context: Context,
        capture: Option<serde_json::Value>,
        artifacts: Vec<Artifact>,
    ) -> ItemRecord {
        ItemRecord {
            capture,
            id: self.new_id(),
            case_id: case_id.to_owned(),
            kind,
            title,
            captured_at: utc_rfc3339(&captured),
            utc_offset: offset_string(&captured),
            clock_source: self.env.clock.source(),
            app_version: self.env.app_version.clone(),
            host: if self.records_host_name() {
                self.env.host.clone()
            } else {
                String::new()
            },
            context,
            artifacts,
        }
    }

    /// Commits items whose blobs are in the store, in one transaction: for each, its row,
    /// its artifacts, its `item.captured` event, and its places in the timestamp and
    /// picture-fingerprint queues. All or nothing.
    pub(super) fn commit_items(&mut self, batch: &[(&ItemRecord, &[String])]) -> Result<()> {
        self.commit_items_then(batch, &mut |_| Ok(()))
    }

    /// [`Vault::commit_items`], and `then` in the same transaction (the messages read
    /// from a conversation export, which must never exist apart from their item).
    pub(super) fn commit_items_then(
        &mut self,
        batch: &[(&ItemRecord, &[String])],
        then: &mut dyn FnMut(&rusqlite::Transaction<'_>) -> Result<()>,
    ) -> Result<()> {
        let stamping = self.timestamp_settings()?.enabled;
        let mut no_images = std::collections::HashMap::new();
        for (record, _) in batch {
            if !no_images.contains_key(&record.case_id) {
                no_images.insert(record.case_id.clone(), self.is_no_images_case(&record.case_id)?);
            }
            if no_images[&record.case_id] {
                super::safeguard::refuse_record(record)?;
            }
        }
        let mut prepared = Vec::with_capacity(batch.len());
        for (record, _) in batch {
            let value = serde_json::to_value(record).map_err(|e| Error::Invalid(e.to_string()))?;
            let sealed = canonical::to_bytes(&value).map_err(|e| Error::Invalid(e.to_string()))?;
            let sealed = String::from_utf8(sealed).map_err(|e| Error::Invalid(e.to_string()))?;
            let salt = stamping.then(|| self.new_salt());
            prepared.push((value, sealed, salt));
        }
        let tx = self.conn.transaction()?;
        for ((record, names), (value, sealed, salt)) in batch.iter().zip(prepared) {
            let at = record.captured_at.clone();
            items::insert(
                &tx,
                &record.id,
                &record.case_id,
                record.kind.as_str(),
                &record.captured_at,
                &sealed,
            )?;
            for (idx, (a, name)) in record.artifacts.iter().zip(names.iter()).enumerate() {
                artifacts::insert(
                    &tx,
                    &artifacts::ArtifactRow {
                        item_id: record.id.clone(),
                        idx: idx as u32,
                        sha256: a.sha256.clone(),
                        size: a.size,
                        blob: Some(name.clone()),
                    },
                )?;
                super::perceptual::queue(&tx, &record.id, idx as u32, a, &at)?;
            }
            append_event(
                &tx,
                &record.case_id,
                &at,
                event_type::ITEM_CAPTURED,
                json!({ "item": value }),
            )?;
            if let Some(salt) = salt {
                crate::db::timestamps::queue(&tx, &record.id, &salt, &at)?;
            }
        }
        then(&tx)?;
        tx.commit()?;
        Ok(())
    }

    /// Removes blobs that no committed artifact uses (after a failed capture).
    pub(super) fn forget_unused(&self, names: &[String]) {
        for name in names {
            if matches!(artifacts::blob_users(&self.conn, name), Ok(0)) {
                let _ = self.blobs.remove(name);
            }
        }
    }
}

/// Checks that the source still has the size and time it had, and that a second read
/// hashes to what the first read hashed (and stored: the copy was written from the very
/// buffers that were hashed, and in an encrypted vault is authenticated from then on).
pub(super) fn confirm_unchanged(
    path: &Path,
    before: &fs::Metadata,
    src: &mut File,
    hashed: &[u8; 32],
    copied: u64,
) -> Result<()> {
    let changed = |what: String| Error::SourceChanged {
        path: path.to_path_buf(),
        what,
    };
    let after = fs::metadata(path).map_err(|e| changed(format!("it could not be read again: {e}")))?;
    if after.len() != before.len() || copied != before.len() {
        return Err(changed(format!(
            "its size went from {} to {} bytes",
            before.len(),
            if after.len() != before.len() {
                after.len()
            } else {
                copied
            }
        )));
    }
    if after.modified().ok() != before.modified().ok() {
        return Err(changed("its modification time changed".into()));
    }
    let reread = src
        .seek(SeekFrom::Start(0))
        .and_then(|_| blob_store::hash_stream(src as &mut dyn Read));
    match reread {
        Ok((sha, n)) if &sha == hashed && n == copied => Ok(()),
        Ok(_) => Err(changed("a second read gave different bytes".into())),
        Err(e) => Err(changed(format!("it could not be read a second time: {e}"))),
    }
}

pub(super) fn describe_open_error(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "there is no such file. Check the name and the folder".into(),
        std::io::ErrorKind::PermissionDenied => {
            "this account is not allowed to read it. Copy it somewhere you can read, or change its permissions".into()
        }
        _ => format!("it could not be opened ({e})"),
    }
}

/// Names the media type from the content's first bytes, else from the file name: what
/// every way into the vault records, whatever the sender declared.
pub fn sniff(head: &[u8], path: &Path) -> String {
    if let Some(t) = infer::get(head) {
        return t.mime_type().to_owned();
    }
    if let Some(m) = mime_guess::from_path(path).first() {
        return m.essence_str().to_owned();
    }
    if head.is_empty() {
        "application/x-empty".into()
    } else if std::str::from_utf8(head).is_ok() {
        "text/plain".into()
    } else {
        "application/octet-stream".into()
    }
}

pub(super) fn shorten(text: &str) -> String {
    let t = text.trim();
    if t.chars().count() <= TITLE_MAX {
        t.to_owned()
    } else {
        let cut: String = t.chars().take(TITLE_MAX - 1).collect();
        format!("{cut}…")
    }
}

pub(super) fn validate_context(c: &Context) -> Result<()> {
    if let Some(t) = &c.incident_time {
        DateTime::parse_from_rfc3339(t).map_err(|_| {
            Error::Invalid(format!(
                "the incident time \"{t}\" is not a date and time Safekeep understands. Write it like 2026-03-01T21:40:00+00:00"
            ))
        })?;
    }
    if let Some(i) = &c.incident {
        i.check_times().map_err(Error::Invalid)?;
    }
    if let Some(u) = &c.source_url
        && u.trim().is_empty()
    {
        return Err(Error::Invalid(
            "the source URL is empty; leave it out instead".into(),
        ));
    }
    Ok(())
}

/// The artifact row of a captured file staged as `s`.
fn artifact(role: &str, media_type: &str, name: &str, s: &Staged) -> Artifact {
    Artifact {
        role: role.to_owned(),
        media_type: media_type.to_owned(),
        size: s.size,
        sha256: hex::encode(s.sha256),
        original_name: Some(name.to_owned()),
        original_name_bytes: None,
        source_path: None,
        modified_at: None,
    }
}
