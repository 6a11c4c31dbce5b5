//! Importing many files at once: a phone's worth of screenshots, or a folder of them
//! (docs/vault.md § "Batch import").
//!
//! Each file is still its own item with its own sealed record and audit event. What is
//! shared is the work around them: files are staged (copied, hashed, flushed, read again)
//! by several threads at once, a chunk of them is moved into the store with one flush
//! per directory, and the chunk's items are committed in one transaction. The crash
//! rules are those of a single import: blobs are durable and in place before the
//! transaction that records them commits, so a crash leaves whole items or none, plus at
//! most unreferenced files that `check` reports (and that a re-run adopts or clears).
//!
//! A file already in the case — same path (or name), same size, same SHA-256 — is not
//! imported again, so re-running an interrupted import imports only the rest.

use std::collections::HashMap;
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

use chrono::{DateTime, Utc};

use super::capture::{
    BatchProgress, confirm_unchanged, describe_open_error, shorten, sniff, validate_context,
};
use super::{Error, Result, Vault};
use crate::blob_store::{self, Staged};
use crate::clock::utc_rfc3339;
use crate::db::items;
use crate::item::{Artifact, Context, ItemKind, ItemRecord};

/// Files committed in one transaction.
const CHUNK_FILES: usize = 128;
/// Bytes staged before a chunk is committed, so a crash loses little work.
const CHUNK_BYTES: u64 = 256 << 20;
/// Threads staging at once: copying is mostly waiting on the disk, so a few more than
/// the cores, but not so many that large files fight over it.
const MAX_THREADS: usize = 4;

/// The case's files by (path or name, size): each one's SHA-256 and item id.
pub(super) type Known = HashMap<(String, u64), Vec<(String, String)>>;

/// Counts for progress bars across the whole batch.
struct Tally {
    files: usize,
    files_done: usize,
    bytes_done: u64,
    bytes_total: u64,
}

impl Tally {
    /// Progress while file `file` has `done` of its `total` bytes copied.
    fn progress(&self, file: usize, path: &Path, done: u64, total: u64) -> BatchProgress {
        BatchProgress {
            file,
            files: self.files,
            path: path.to_path_buf(),
            done,
            total,
            files_done: self.files_done,
            bytes_done: (self.bytes_done + if done < total { done } else { 0 })
                .min(self.bytes_total.max(self.bytes_done)),
            bytes_total: self.bytes_total,
        }
    }
}

/// What became of one file of a batch.
#[derive(Debug)]
pub enum Imported {
    /// A new item.
    New(Box<ItemRecord>),
    /// The same file (path or name, size and SHA-256) is already this item of the case.
    AlreadyInCase {
        /// The existing item.
        item_id: String,
    },
}

/// One file to import, and where it sat in a folder that was given.
#[derive(Debug, Clone)]
pub(super) struct Source {
    path: PathBuf,
    /// Path relative to the folder given, `/`-separated, when it came from a folder.
    relative: Option<String>,
}

impl Source {
    /// A file given on its own.
    pub(super) fn single(path: &Path) -> Self {
        Self {
            path: path.to_path_buf(),
            relative: None,
        }
    }

    /// A file of something given whole (a conversation export), with its path in it.
    pub(super) fn within(path: &Path, relative: Option<String>) -> Self {
        Self {
            path: path.to_path_buf(),
            relative,
        }
    }

    /// The file on disk.
    pub(super) fn path(&self) -> &Path {
        &self.path
    }

    fn key(&self) -> Option<String> {
        self.relative
            .clone()
            .or_else(|| self.path.file_name().map(|n| n.to_string_lossy().into_owned()))
    }
}

/// A file staged and checked, ready to be recorded.
pub(super) struct Ready {
    pub(super) artifact: Artifact,
    pub(super) staged: Staged,
}

pub(super) enum Outcome {
    Ready(Box<Ready>),
    Already(String),
    Failed(Error),
    Cancelled,
}

/// Lists the files `inputs` stand for: each file as it is, each folder's files
/// recursively in name order. Links inside a folder are not followed, and nothing
/// inside the vault's own folder is imported (each refused with a reason).
fn expand(inputs: &[PathBuf], vault: &Path) -> Vec<(PathBuf, std::result::Result<Source, Error>)> {
    let vault = canonical(vault);
    let mut out = Vec::new();
    for input in inputs {
        let before = out.len();
        match fs::metadata(input) {
            Ok(m) if m.is_dir() => walk(input, input, &vault, &mut out),
            _ if inside(input, &vault) => out.push((input.clone(), Err(in_vault(input)))),
            _ => out.push((
                input.clone(),
                Ok(Source {
                    path: input.clone(),
                    relative: None,
                }),
            )),
        }
        if out.len() == before {
            out.push((
                input.clone(),
                Err(Error::Input {
                    path: input.clone(),
                    reason: "the folder holds no files to import".into(),
                }),
            ));
        }
    }
    out
}

/// Whether `path` is the vault folder or inside it. `vault` must already be canonical
/// (`canonical`, once per import): on Windows `canonicalize` gives the `\\?\C:\…` form,
/// which never starts with a plain `C:\…` path.
pub(super) fn inside(path: &Path, vault: &Path) -> bool {
    fs::canonicalize(path).is_ok_and(|p| p.starts_with(vault))
}

/// Whether the folder `path` holds the vault (or is it); `vault` canonical, as for `inside`.
pub(super) fn holds(path: &Path, vault: &Path) -> bool {
    fs::canonicalize(path).is_ok_and(|p| vault.starts_with(p))
}

/// The form both sides of a containment test are compared in.
pub(super) fn canonical(path: &Path) -> PathBuf {
    fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

fn in_vault(path: &Path) -> Error {
    Error::Input {
        path: path.to_path_buf(),
        reason: "it is Safekeep's own vault folder (or inside it), which holds the evidence already kept; nothing in it was imported".into(),
    }
}

fn walk(root: &Path, dir: &Path, vault: &Path, out: &mut Vec<(PathBuf, std::result::Result<Source, Error>)>) {
    let input = |path: &Path, reason: String| Error::Input {
        path: path.to_path_buf(),
        reason,
    };
    if inside(dir, vault) {
        out.push((dir.to_path_buf(), Err(in_vault(dir))));
        return;
    }
    let mut entries = match fs::read_dir(dir) {
        Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).collect::<Vec<_>>(),
        Err(e) => {
            out.push((dir.to_path_buf(), Err(input(dir, describe_open_error(&e)))));
            return;
        }
    };
    entries.sort();
    for path in entries {
        let Ok(meta) = fs::symlink_metadata(&path) else {
            continue;
        };
        if crate::links::is_link(&meta) {
            out.push((
                path.clone(),
                Err(input(
                    &path,
                    "it is a link, not a file: import the file it points to instead".into(),
                )),
            ));
        } else if meta.is_dir() {
            walk(root, &path, vault, out);
        } else {
            let relative = path.strip_prefix(root).ok().map(|r| {
                r.components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/")
            });
            out.push((path.clone(), Ok(Source { path, relative })));
        }
    }
}

impl Vault {
    /// Imports files and folders (recursively) into a case, one item per file, in the
    /// order given (a folder's files in name order), and returns each file with what
    /// became of it. A file that fails does not stop the others; `cancelled` is asked
    /// between files. Errors that concern the whole batch (no such case, bad context)
    /// are returned before anything is read.
    pub fn import_files(
        &mut self,
        case_id: &str,
        inputs: &[PathBuf],
        context: &Context,
        progress: &mut dyn FnMut(BatchProgress),
        cancelled: &(dyn Fn() -> bool + Sync),
    ) -> Result<Vec<(PathBuf, Result<Imported>)>> {
        let case = self.resolve_case(case_id)?;
        validate_context(context)?;
        self.clear_stale_staging();
        let mut known = self.known_files(&case.id)?;
        let mut listed = expand(inputs, &self.dir);
        if self.is_no_images_case(&case.id)? {
            for (_, source) in &mut listed {
                if let Ok(s) = source
                    && let Err(e) = super::safeguard::refuse_picture(&s.path)
                {
                    *source = Err(e);
                }
            }
        }
        let files = listed.len();
        let sizes: Vec<u64> = listed
            .iter()
            .map(|(_, s)| {
                s.as_ref()
                    .ok()
                    .and_then(|s| fs::metadata(&s.path).ok())
                    .map_or(0, |m| m.len())
            })
            .collect();
        let mut tally = Tally {
            files,
            files_done: 0,
            bytes_done: 0,
            bytes_total: sizes.iter().sum(),
        };
        // None: not reached (the batch was cancelled first); such files are not reported.
        let mut results: Vec<(PathBuf, Option<Result<Imported>>)> = Vec::with_capacity(files);
        let mut pending: Vec<(usize, Source, u64)> = Vec::new();
        let mut pending_bytes = 0u64;
        for (i, (path, source)) in listed.into_iter().enumerate() {
            match source {
                Err(e) => {
                    tally.files_done += 1;
                    results.push((path, Some(Err(e))));
                }
                Ok(source) => {
                    pending_bytes += sizes[i];
                    results.push((path, None));
                    pending.push((i, source, sizes[i]));
                }
            }
            if pending.len() >= CHUNK_FILES || pending_bytes >= CHUNK_BYTES {
                if !self.import_chunk(
                    &case.id,
                    context,
                    std::mem::take(&mut pending),
                    &mut tally,
                    &mut known,
                    &mut results,
                    progress,
                    cancelled,
                ) {
                    break;
                }
                pending_bytes = 0;
            }
        }
        if !pending.is_empty() {
            self.import_chunk(
                &case.id,
                context,
                pending,
                &mut tally,
                &mut known,
                &mut results,
                progress,
                cancelled,
            );
        }
        Ok(results
            .into_iter()
            .filter_map(|(p, r)| r.map(|r| (p, r)))
            .collect())
    }

    /// Stages one chunk on several threads, then records it. Returns false when the
    /// batch was cancelled.
    #[allow(clippy::too_many_arguments)]
    fn import_chunk(
        &mut self,
        case_id: &str,
        context: &Context,
        chunk: Vec<(usize, Source, u64)>,
        tally: &mut Tally,
        known: &mut Known,
        results: &mut [(PathBuf, Option<Result<Imported>>)],
        progress: &mut dyn FnMut(BatchProgress),
        cancelled: &(dyn Fn() -> bool + Sync),
    ) -> bool {
        let tmp_ids: Vec<String> = chunk.iter().map(|_| self.new_id()).collect();
        let sources: Vec<(&Source, u64)> = chunk.iter().map(|(_, s, size)| (s, *size)).collect();
        let outcomes = stage_all(
            &self.blobs,
            &sources,
            &tmp_ids,
            known,
            cancelled,
            &mut |j, done, total, finished| {
                let (i, source, size) = &chunk[j];
                if finished {
                    tally.files_done += 1;
                    tally.bytes_done += size;
                }
                progress(tally.progress(*i, &source.path, done, total));
            },
        );
        let mut any_cancelled = false;
        let mut ready = Vec::new();
        for ((i, source, _), outcome) in chunk.into_iter().zip(outcomes) {
            match outcome {
                Outcome::Ready(r) => ready.push((i, source, *r)),
                Outcome::Already(item_id) => results[i].1 = Some(Ok(Imported::AlreadyInCase { item_id })),
                Outcome::Failed(e) => results[i].1 = Some(Err(e)),
                Outcome::Cancelled => any_cancelled = true,
            }
        }
        self.record_chunk(case_id, context, ready, known, results);
        !any_cancelled
    }

    /// Moves a chunk's blobs into the store and commits its items in one transaction;
    /// if that fails, commits them one by one so each gets its own error.
    fn record_chunk(
        &mut self,
        case_id: &str,
        context: &Context,
        ready: Vec<(usize, Source, Ready)>,
        known: &mut Known,
        results: &mut [(PathBuf, Option<Result<Imported>>)],
    ) {
        if ready.is_empty() {
            return;
        }
        let mut records = Vec::with_capacity(ready.len());
        let mut staged = Vec::with_capacity(ready.len());
        for (i, source, r) in ready {
            let captured = self.now();
            let title = context
                .title
                .clone()
                .unwrap_or_else(|| shorten(r.artifact.original_name.as_deref().unwrap_or("Imported file")));
            let record = self.new_record(
                case_id,
                ItemKind::File,
                title,
                captured,
                context.clone(),
                None,
                vec![r.artifact],
            );
            records.push((i, source, record));
            staged.push(r.staged);
        }
        let names = match self.blobs.commit_many(staged) {
            Ok(names) => names,
            Err(e) => {
                for (i, _, _) in &records {
                    results[*i].1 = Some(Err(Error::storage(
                        self.blobs.blobs_dir(),
                        std::io::Error::new(e.kind(), e.to_string()),
                    )));
                }
                return;
            }
        };
        let batch: Vec<(&ItemRecord, &[String])> = records
            .iter()
            .zip(&names)
            .map(|((_, _, r), n)| (r, std::slice::from_ref(n)))
            .collect();
        let committed: Vec<Result<()>> = match self.commit_items(&batch) {
            Ok(()) => (0..records.len()).map(|_| Ok(())).collect(),
            Err(_) => batch.iter().map(|(r, n)| self.commit_items(&[(r, n)])).collect(),
        };
        for (((i, source, record), name), done) in records.into_iter().zip(&names).zip(committed) {
            match done {
                Ok(()) => {
                    let a = &record.artifacts[0];
                    if let Some(key) = source.key() {
                        known
                            .entry((key, a.size))
                            .or_default()
                            .push((a.sha256.clone(), record.id.clone()));
                    }
                    results[i].1 = Some(Ok(Imported::New(Box::new(record))));
                }
                Err(e) => {
                    self.forget_unused(std::slice::from_ref(name));
                    results[i].1 = Some(Err(e));
                }
            }
        }
    }

    /// The case's imported files by (path or name, size): their SHA-256 and item.
    fn known_files(&self, case_id: &str) -> Result<Known> {
        let mut known = Known::new();
        for row in items::list(self.conn(), Some(case_id))? {
            if row.withdrawn_at.is_some() {
                continue;
            }
            let Ok(record) = serde_json::from_str::<ItemRecord>(&row.record) else {
                continue;
            };
            if record.kind != ItemKind::File {
                continue;
            }
            for a in &record.artifacts {
                if let Some(key) = a.source_path.clone().or_else(|| a.original_name.clone()) {
                    known
                        .entry((key, a.size))
                        .or_default()
                        .push((a.sha256.clone(), record.id.clone()));
                }
            }
        }
        Ok(known)
    }

    /// Removes files left in `tmp/` by an import (or a receiving) that was interrupted.
    /// Safe: this vault is open, and locked against every other writer, so nothing else
    /// is staging — call it only before this process starts staging.
    pub fn clear_stale_staging(&self) {
        if let Ok(rd) = fs::read_dir(self.blobs.tmp_dir()) {
            for entry in rd.flatten() {
                if entry.path().extension().is_some_and(|e| e == "part") {
                    let _ = fs::remove_file(entry.path());
                }
            }
        }
    }
}

/// Stages files on several threads (a few more than the cores: copying is mostly
/// waiting on the disk). `progress(j, done, total, finished)` is called on this thread
/// as file `j` is copied and when it is finished; `cancelled` is asked before each file.
pub(super) fn stage_all(
    store: &blob_store::BlobStore,
    sources: &[(&Source, u64)],
    tmp_ids: &[String],
    known: &Known,
    cancelled: &(dyn Fn() -> bool + Sync),
    progress: &mut dyn FnMut(usize, u64, u64, bool),
) -> Vec<Outcome> {
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(2, MAX_THREADS);
    let next = AtomicUsize::new(0);
    let (tx, rx) = mpsc::channel::<(usize, Option<Outcome>, u64, u64)>();
    let mut outcomes: Vec<Option<Outcome>> = (0..sources.len()).map(|_| None).collect();
    std::thread::scope(|s| {
        for _ in 0..threads.min(sources.len()) {
            let tx = tx.clone();
            let next = &next;
            s.spawn(move || {
                loop {
                    let j = next.fetch_add(1, Ordering::SeqCst);
                    let Some((source, size)) = sources.get(j) else {
                        break;
                    };
                    if cancelled() {
                        let _ = tx.send((j, Some(Outcome::Cancelled), 0, 0));
                        continue;
                    }
                    // Small files are flushed together by commit_many; large ones as they go.
                    let flush = *size > blob_store::SMALL as u64;
                    let outcome = stage_one(store, source, &tmp_ids[j], known, flush, &mut |done, total| {
                        let _ = tx.send((j, None, done, total));
                    });
                    let _ = tx.send((j, Some(outcome), 0, 0));
                }
            });
        }
        drop(tx);
        for (j, outcome, done, total) in rx {
            match outcome {
                None => progress(j, done, total, false),
                Some(o) => {
                    outcomes[j] = Some(o);
                    let size = sources[j].1;
                    progress(j, size, size, true);
                }
            }
        }
    });
    outcomes
        .into_iter()
        .map(|o| o.unwrap_or(Outcome::Cancelled))
        .collect()
}

/// Stages one file: checks it, skips it if the case has it already, copies and hashes
/// it, flushes it to disk (unless `flush` is false: small files of a batch are flushed
/// together when the chunk is committed) and reads it again to be sure it did not change.
pub(super) fn stage_one(
    store: &blob_store::BlobStore,
    source: &Source,
    tmp_id: &str,
    known: &Known,
    flush: bool,
    progress: &mut dyn FnMut(u64, u64),
) -> Outcome {
    let path = &source.path;
    let input = |reason: String| Error::Input {
        path: path.clone(),
        reason,
    };
    let before = match fs::metadata(path) {
        Ok(m) => m,
        Err(e) => return Outcome::Failed(input(describe_open_error(&e))),
    };
    if before.is_dir() {
        return Outcome::Failed(input(
            "it is a folder. Import the folder with `safekeep import --case ID FOLDER` (its files are imported one item each), or the files inside it".into(),
        ));
    }
    if !before.is_file() {
        return Outcome::Failed(input(
            "it is not a regular file (a device, pipe or socket cannot be kept as evidence)".into(),
        ));
    }
    let mut src = match File::open(path) {
        Ok(f) => f,
        Err(e) => return Outcome::Failed(input(describe_open_error(&e))),
    };
    let total = before.len();
    if let Some(same_size) = source.key().and_then(|k| known.get(&(k, total))) {
        match blob_store::hash_stream(&mut src) {
            Ok((sha, _)) => {
                let sha = hex::encode(sha);
                if let Some((_, item)) = same_size.iter().find(|(s, _)| *s == sha) {
                    return Outcome::Already(item.clone());
                }
            }
            Err(e) => {
                return Outcome::Failed(input(format!("reading it failed ({e}); nothing was recorded")));
            }
        }
        src = match File::open(path) {
            Ok(f) => f,
            Err(e) => return Outcome::Failed(input(describe_open_error(&e))),
        };
    }
    let mut staged = match store.stage_sized(&mut src, tmp_id, total, &mut |done| progress(done, total)) {
        Ok(s) => s,
        Err(e) => return Outcome::Failed(stage_error(store, path, e)),
    };
    let (hashed, copied) = (staged.sha256, staged.size);
    // The second read and the flush to disk are independent: for a large file do them at
    // once; for a small one a thread costs more than it saves.
    let (unchanged, durable) = if !flush {
        // The batch makes every staged file durable at once (BlobStore::commit_many).
        (
            confirm_unchanged(path, &before, &mut src, &hashed, copied),
            Ok(()),
        )
    } else if copied > blob_store::SMALL as u64 {
        std::thread::scope(|s| {
            let flush = s.spawn(|| staged.make_durable());
            let unchanged = confirm_unchanged(path, &before, &mut src, &hashed, copied);
            (
                unchanged,
                flush
                    .join()
                    .unwrap_or_else(|_| Err(std::io::Error::other("the flush thread stopped"))),
            )
        })
    } else {
        let durable = staged.make_durable();
        (
            confirm_unchanged(path, &before, &mut src, &hashed, copied),
            durable,
        )
    };
    if let Err(e) = unchanged {
        store.discard(staged);
        return Outcome::Failed(e);
    }
    if let Err(e) = durable {
        store.discard(staged);
        return Outcome::Failed(Error::storage(store.tmp_dir(), e));
    }
    let name = path.file_name().map(|n| n.as_encoded_bytes().to_vec());
    let (original_name, original_name_bytes) = match &name {
        Some(raw) => match std::str::from_utf8(raw) {
            Ok(s) => (Some(s.to_owned()), None),
            Err(_) => (
                Some(String::from_utf8_lossy(raw).into_owned()),
                Some(hex::encode(raw)),
            ),
        },
        None => (None, None),
    };
    let artifact = Artifact {
        role: "original".into(),
        media_type: sniff(&staged.head, path),
        size: staged.size,
        sha256: hex::encode(staged.sha256),
        original_name,
        original_name_bytes,
        source_path: source.relative.clone(),
        modified_at: before
            .modified()
            .ok()
            .map(|t| utc_rfc3339(&DateTime::<Utc>::from(t).fixed_offset())),
    };
    Outcome::Ready(Box::new(Ready { artifact, staged }))
}

fn stage_error(store: &blob_store::BlobStore, path: &Path, e: std::io::Error) -> Error {
    // Reading the source and writing the vault both happen while staging; the source
    // is read-only here, so a write-side kind means the vault's disk.
    use std::io::ErrorKind::*;
    match e.kind() {
        StorageFull | FileTooLarge | QuotaExceeded | ReadOnlyFilesystem | PermissionDenied
        | AlreadyExists => Error::storage(store.tmp_dir(), e),
        _ => Error::Input {
            path: path.to_path_buf(),
            reason: format!("reading it failed ({e}); nothing was recorded"),
        },
    }
}
