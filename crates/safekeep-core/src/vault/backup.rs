//! `backup` and `restore`: an encrypted, incremental copy of the vault in a folder the
//! person chooses (a USB drive, a folder a cloud client syncs), and a working vault made
//! from it on another computer (docs/backup.md).
//!
//! ```text
//! <backup>/keyring        the vault's keys/keyring.json (wrapped keys; needs the passphrase
//!                         or the recovery key)
//! <backup>/db/<id>       database snapshots (SQLCipher, the vault's own key), by random id
//! <backup>/blobs/ab/…     the sealed blobs, byte for byte, under their keyed names
//! <backup>/tmp/           copies being written
//! <backup>/head           sealed (the vault's blob key): which snapshot is current, and
//!                         whose backup this is
//! ```
//!
//! Invariants: nothing in the folder is readable without the vault's keys, and names are
//! the vault's keyed blob names or random. A run copies the blobs its snapshot needs that
//! the folder lacks, then the snapshot, verifies them, and only then replaces `head`
//! (write, fsync, rename): until that rename the previous `head` and everything it names
//! are untouched, so a run cut short at any point leaves the previous backup valid.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};
use serde::{Deserialize, Serialize};
use serde_json::json;
use zeroize::Zeroizing;

use super::{Environment, Error, Result, Unlock, Vault, append_event, check};
use crate::audit_log::event_type;
use crate::blob_store::{self, BlobStore};
use crate::clock::utc_rfc3339;
use crate::db::{artifacts, cases};
use crate::keyring::Keyring;
use crate::sealed_blob::{SealReader, SealWriter};

const HEAD: &str = "head";
const KEYRING: &str = "keyring";
const SNAPSHOTS: &str = "db";
const HEAD_FORMAT: u32 = 1;

/// What `head` says (sealed).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Head {
    format: u32,
    /// Whose backup this is: derived from the vault's blob-name key, so only that vault
    /// (or its restored copy) matches.
    vault: String,
    /// The current snapshot's file name in `db/`.
    db: String,
    /// When it was made, RFC 3339 UTC.
    at: String,
}

/// What a backup run did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct BackupSummary {
    /// The backup folder.
    pub dir: PathBuf,
    /// Items in the snapshot.
    pub items: u64,
    /// Stored files the snapshot needs.
    pub blobs: u64,
    /// Of those, copied in this run (the rest were already there).
    pub copied: u64,
    /// Bytes copied in this run.
    pub bytes_copied: u64,
    /// When the snapshot was taken.
    pub at: String,
}

/// The last backup this vault made: where and when.
#[derive(Debug, Clone, Serialize)]
pub struct LastBackup {
    /// The folder.
    pub dir: PathBuf,
    /// When, RFC 3339 UTC.
    pub at: String,
}

/// A backup reminder: when the last backup was, if ever.
#[derive(Debug, Clone, Serialize)]
pub struct BackupDue {
    /// The last backup, if any.
    pub last: Option<LastBackup>,
    /// Whole days since it.
    pub days_since: Option<i64>,
}

/// What a restore made.
#[derive(Debug, Clone, Serialize)]
pub struct RestoreSummary {
    /// The new vault.
    pub vault: PathBuf,
    /// When the backup was made.
    pub backed_up_at: String,
    /// Cases, items and stored files restored and checked.
    pub cases: u64,
    /// Items.
    pub items: u64,
    /// Stored files.
    pub blobs: u64,
}

fn storage(path: &Path) -> impl Fn(io::Error) -> Error + '_ {
    move |e| Error::storage(path, e)
}

/// Writes `bytes` to `path` crash-safely: a temporary file in `tmp`, fsynced, renamed.
fn write_durably(tmp: &Path, path: &Path, write: &mut dyn FnMut(&mut File) -> io::Result<()>) -> Result<()> {
    let part = tmp.join(format!("{}.part", uuid::Uuid::new_v4()));
    let result = (|| {
        let mut f = crate::private_file::create_new(&part)?;
        write(&mut f)?;
        f.sync_all()?;
        fs::rename(&part, path)?;
        blob_store::sync_dir(path.parent().unwrap_or(tmp))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&part);
    }
    result.map_err(storage(path))
}

impl Vault {
    fn backup_id(&self) -> String {
        use hmac::Mac;
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&self.blobs.name_key()[..])
            .expect("HMAC takes any key length");
        mac.update(b"safekeep backup id v1");
        hex::encode(mac.finalize().into_bytes())
    }

    /// Backs the vault up into `dir` (created if missing): copies what changed since the
    /// last run, verifies what it wrote, then makes it the current backup and records
    /// `vault.backed_up` in every case's log. Only an encrypted vault can be backed up.
    pub fn backup(&mut self, dir: &Path, progress: &mut dyn FnMut(u64, u64)) -> Result<BackupSummary> {
        let Some(seal) = self.blobs.seal_key().cloned() else {
            return Err(Error::Invalid(
                "this vault is not encrypted, so a backup of it would not be either. Run `safekeep encrypt` first, then back up".into(),
            ));
        };
        let master = self
            .master
            .as_ref()
            .ok_or_else(|| Error::Invalid("the vault is locked".into()))?;
        let db_key = master.db_key();
        let previous = self.prepare_backup_dir(dir, &seal)?;
        let store = BlobStore::new(dir, self.blobs.name_key().clone(), Some(seal.clone()));
        let tmp = store.tmp_dir();

        // 1. The snapshot: a consistent copy of the database, page by page.
        let now = self.now();
        let at = utc_rfc3339(&now);
        let snap_id = self.new_id().replace('-', "");
        let snapshot = dir.join(SNAPSHOTS).join(&snap_id);
        let part = tmp.join(format!("{snap_id}.db"));
        let copied_db = (|| -> Result<()> {
            let mut dst = keyed(&part, true, &db_key)?;
            rusqlite::backup::Backup::new(self.conn(), &mut dst)?.run_to_completion(
                256,
                std::time::Duration::ZERO,
                None,
            )?;
            dst.pragma_update(None, "journal_mode", "DELETE")?;
            drop(dst);
            blob_store::sync_file(&part).map_err(storage(&part))?;
            fs::rename(&part, &snapshot).map_err(storage(&snapshot))?;
            blob_store::sync_dir(&dir.join(SNAPSHOTS)).map_err(storage(dir))
        })();
        if let Err(e) = copied_db {
            let _ = fs::remove_file(&part);
            return Err(e);
        }

        // 2. The blobs it names that the folder lacks, then 3. verify all of it.
        let verified = (|| -> Result<BackupSummary> {
            let conn = keyed(&snapshot, false, &db_key)?;
            let mut report = check::CheckReport::default();
            let arts = check::check_database(&conn, &mut report)?;
            if let Some(p) = report.problems.first() {
                return Err(Error::Invalid(format!(
                    "the vault's own records do not check ({p}); nothing was backed up. Run `safekeep check`"
                )));
            }
            let mut names: Vec<&str> = arts.iter().filter_map(|a| a.blob.as_deref()).collect();
            names.sort_unstable();
            names.dedup();
            let total: u64 = arts.iter().filter(|a| a.blob.is_some()).map(|a| a.size).sum();
            let mut summary = BackupSummary {
                dir: dir.to_path_buf(),
                items: report.items,
                blobs: names.len() as u64,
                at: at.clone(),
                ..BackupSummary::default()
            };
            let mut done = 0u64;
            let mut written = Vec::new();
            for name in &names {
                let (from, to) = (self.blobs.path_of(name), store.path_of(name));
                let size = fs::metadata(&from).map_err(storage(&from))?.len();
                if fs::metadata(&to).is_ok_and(|m| m.len() == size) {
                    continue;
                }
                written.push(*name);
                if let Some(parent) = to.parent() {
                    crate::private_file::create_dir_all(parent).map_err(storage(parent))?;
                }
                write_durably(&tmp, &to, &mut |f| {
                    io::copy(&mut File::open(&from)?, f)?;
                    Ok(())
                })?;
                summary.copied += 1;
                summary.bytes_copied += size;
                done += size;
                progress(done, total);
            }
            // Every copy made now is read back through its authentication and hashed (those
            // from earlier runs were checked when they were written; a restore checks all).
            let by_name: std::collections::HashMap<&str, &artifacts::ArtifactRow> = arts
                .iter()
                .filter_map(|a| Some((a.blob.as_deref()?, a)))
                .collect();
            for name in &written {
                let a = by_name[name];
                let path = store.path_of(name);
                let got = store.open(name).and_then(|mut f| blob_store::hash_stream(&mut f));
                match got {
                    Ok((sha, size)) if hex::encode(sha) == a.sha256 && size == a.size => {}
                    Ok(_) => {
                        return Err(Error::Invalid(format!(
                            "the copy of stored file #{} of item {} in the backup ({}) does not match its SHA-256; the backup was not updated. Check the drive, then back up again",
                            a.idx + 1,
                            a.item_id,
                            path.display()
                        )));
                    }
                    Err(e) => return Err(Error::storage(&path, e)),
                }
            }
            Ok(summary)
        })();
        let summary = match verified {
            Ok(s) => s,
            Err(e) => {
                let _ = fs::remove_file(&snapshot);
                return Err(e);
            }
        };

        // 4. Make it current; only then let the previous snapshot go.
        let head = Head {
            format: HEAD_FORMAT,
            vault: self.backup_id(),
            db: snap_id.clone(),
            at: at.clone(),
        };
        let json = serde_json::to_vec(&head).map_err(|e| Error::Invalid(e.to_string()))?;
        write_durably(&tmp, &dir.join(HEAD), &mut |f| {
            let mut w = SealWriter::new(&mut *f, &seal)?;
            w.write_all(&json)?;
            w.finish()?;
            Ok(())
        })?;
        if let Some(old) = previous.filter(|old| old.db != snap_id) {
            let _ = fs::remove_file(dir.join(SNAPSHOTS).join(old.db));
        }
        let tx = self.conn_mut().transaction()?;
        for case in cases::list(&tx)? {
            append_event(
                &tx,
                &case.id,
                &at,
                event_type::VAULT_BACKED_UP,
                json!({"backup": head.vault, "snapshot": snap_id, "items": summary.items, "blobs": summary.blobs, "copied": summary.copied}),
            )?;
        }
        crate::db::meta::set(&tx, "backup.dir", &dir.to_string_lossy())?;
        crate::db::meta::set(&tx, "backup.at", &at)?;
        tx.commit()?;
        Ok(summary)
    }

    /// Backs up again into the folder of the last backup ("Back up now").
    pub fn backup_again(&mut self, progress: &mut dyn FnMut(u64, u64)) -> Result<BackupSummary> {
        let last = self.last_backup()?.ok_or_else(|| {
            Error::Invalid(
                "this vault has not been backed up yet: choose a folder for the backup first".into(),
            )
        })?;
        self.backup(&last.dir, progress)
    }

    /// Where and when this vault was last backed up, if ever (kept in the encrypted
    /// database, so the folder's name is as private as the rest).
    pub fn last_backup(&self) -> Result<Option<LastBackup>> {
        let dir = crate::db::meta::get(self.conn(), "backup.dir")?;
        let at = crate::db::meta::get(self.conn(), "backup.at")?;
        Ok(dir.zip(at).map(|(dir, at)| LastBackup { dir: dir.into(), at }))
    }

    /// Whether a gentle reminder to back up is due: the vault holds evidence and was never
    /// backed up, or not for more than `days` days (by this vault's clock).
    pub fn backup_due(&self, days: u64) -> Result<Option<BackupDue>> {
        let has_items: bool = self.conn().query_row(
            "SELECT EXISTS (SELECT 1 FROM items WHERE withdrawn_at IS NULL)",
            [],
            |r| r.get(0),
        )?;
        if !has_items {
            return Ok(None);
        }
        let last = self.last_backup()?;
        let days_since = last
            .as_ref()
            .and_then(|l| chrono::DateTime::parse_from_rfc3339(&l.at).ok())
            .map(|at| (self.now() - at).num_days());
        Ok(match days_since {
            Some(d) if d <= days as i64 => None,
            _ => Some(BackupDue { last, days_since }),
        })
    }

    /// Checks that `dir` is empty, new, or this vault's backup; makes its folders, clears
    /// what an interrupted run left in `tmp/`, and returns the current head if any.
    fn prepare_backup_dir(&self, dir: &Path, seal: &crate::sealed_blob::BlobKey) -> Result<Option<Head>> {
        let previous = match File::open(dir.join(HEAD)) {
            Ok(f) => Some(read_head(f, seal).map_err(|_| {
                Error::Invalid(format!(
                    "{} holds a backup of another vault (or a damaged one). Choose an empty folder for this vault's backups",
                    dir.display()
                ))
            })?),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(Error::storage(dir.join(HEAD), e)),
        };
        if let Some(h) = &previous
            && h.vault != self.backup_id()
        {
            return Err(Error::Invalid(format!(
                "{} holds a backup of another vault. Choose an empty folder for this vault's backups",
                dir.display()
            )));
        }
        if previous.is_none() && dir.exists() {
            let ours = [HEAD, KEYRING, SNAPSHOTS, "blobs", "tmp"];
            let entries = fs::read_dir(dir).map_err(storage(dir))?;
            for e in entries {
                let e = e.map_err(storage(dir))?;
                if !ours.iter().any(|o| e.file_name() == *o) {
                    return Err(Error::Invalid(format!(
                        "{} is not empty and is not a Safekeep backup. Choose an empty folder (or a new one) for backups",
                        dir.display()
                    )));
                }
            }
        }
        for sub in ["blobs", "tmp", SNAPSHOTS] {
            crate::private_file::create_dir_all(dir.join(sub)).map_err(storage(dir))?;
        }
        for e in fs::read_dir(dir.join("tmp")).map_err(storage(dir))?.flatten() {
            let _ = fs::remove_file(e.path());
        }
        // Snapshots the head does not name were left by an interrupted run.
        for e in fs::read_dir(dir.join(SNAPSHOTS)).map_err(storage(dir))?.flatten() {
            if previous.as_ref().is_none_or(|h| e.file_name() != h.db.as_str()) {
                let _ = fs::remove_file(e.path());
            }
        }
        let keyring = self.dir.join(super::KEYRING_FILE);
        let dest = dir.join(KEYRING);
        let current = fs::read(&keyring).map_err(storage(&keyring))?;
        if fs::read(&dest).ok().as_deref() != Some(&current[..]) {
            write_durably(&dir.join("tmp"), &dest, &mut |f| f.write_all(&current))?;
        }
        Ok(previous)
    }
}

fn read_head(f: File, seal: &crate::sealed_blob::BlobKey) -> io::Result<Head> {
    let mut json = Vec::new();
    SealReader::new(f, seal)?.read_to_end(&mut json)?;
    serde_json::from_slice(&json).map_err(io::Error::other)
}

/// Opens a database file keyed with the vault's SQLCipher key.
fn keyed(path: &Path, create: bool, key: &Zeroizing<String>) -> Result<Connection> {
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if create {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
    }
    Ok(crate::db::open(path, flags, Some(key.as_str()))?)
}

/// Makes a working vault at `vault` (which must not exist) from the backup in `dir`,
/// unlocked with the passphrase or the recovery key. Everything is checked (the
/// database, every chain, every stored file's authentication and SHA-256) before the
/// vault appears at `vault`; a backup that does not check is refused, naming what is
/// wrong, and nothing is left behind. Records `vault.restored` in every case's log.
pub fn restore(dir: &Path, vault: &Path, env: Environment, unlock: Unlock<'_>) -> Result<RestoreSummary> {
    if vault.exists() {
        return Err(Error::Invalid(format!(
            "{} already exists. Restore into a new folder: Safekeep never restores over anything",
            vault.display()
        )));
    }
    let ring_path = dir.join(KEYRING);
    let ring = Keyring::load(&ring_path).map_err(|e| {
        Error::Invalid(format!(
            "{} does not hold a Safekeep backup that can be read ({e}). Choose the folder you backed up to",
            dir.display()
        ))
    })?;
    let master = match unlock {
        Unlock::Passphrase(p) => ring.unlock(p)?,
        Unlock::RecoveryKey(r) => ring.unlock_with_recovery(r)?,
    };
    let seal = master.blob_key();
    let head_path = dir.join(HEAD);
    let head = File::open(&head_path)
        .and_then(|f| read_head(f, &seal))
        .map_err(|e| {
            Error::Invalid(format!(
                "the backup in {} has no readable current snapshot ({e}); it may be unfinished or altered",
                dir.display()
            ))
        })?;
    let parent = vault
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    crate::private_file::create_dir_all(parent).map_err(storage(parent))?;
    let staging = parent.join(format!(
        ".{}.restoring-{}",
        vault
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        uuid::Uuid::new_v4().simple()
    ));
    let made = (|| -> Result<RestoreSummary> {
        crate::private_file::create_dir_all(staging.join("keys")).map_err(storage(&staging))?;
        crate::private_file::create_dir_all(staging.join("blobs")).map_err(storage(&staging))?;
        crate::private_file::create_dir_all(staging.join("tmp")).map_err(storage(&staging))?;
        let copy = |from: &Path, to: &Path| -> Result<()> {
            fs::copy(from, to).map_err(storage(from))?;
            blob_store::sync_file(to).map_err(storage(to))
        };
        let ring_to = staging.join(super::KEYRING_FILE);
        ring.save(&ring_to).map_err(|e| super::keyring_io(&ring_to, e))?;
        copy(&dir.join(SNAPSHOTS).join(&head.db), &staging.join(super::DB_FILE))?;
        let source = BlobStore::new(dir, Zeroizing::new([0; 32]), None);
        for (path, name) in source.list().map_err(storage(dir))? {
            let Some(name) = name else { continue };
            let to = staging.join("blobs").join(&name[..2]);
            crate::private_file::create_dir_all(&to).map_err(storage(&to))?;
            copy(&path, &to.join(&name[2..]))?;
        }
        let mut v = Vault::open(&staging, env, Some(unlock))?;
        let report = v.check(true, &mut |_| {})?;
        if !report.problems.is_empty() {
            let listed: Vec<String> = report.problems.iter().take(5).map(ToString::to_string).collect();
            return Err(Error::Invalid(format!(
                "the backup in {} does not check, so nothing was restored: {}{}",
                dir.display(),
                listed.join("; "),
                if report.problems.len() > 5 {
                    format!(" (and {} more)", report.problems.len() - 5)
                } else {
                    String::new()
                }
            )));
        }
        let at = utc_rfc3339(&v.now());
        let tx = v.conn_mut().transaction()?;
        for case in cases::list(&tx)? {
            append_event(
                &tx,
                &case.id,
                &at,
                event_type::VAULT_RESTORED,
                json!({"backup": head.vault, "snapshot": head.db, "backed_up_at": head.at}),
            )?;
        }
        // The backup it came from is this vault's last backup: "Back up now" goes there,
        // and the reminder counts from when it was made.
        crate::db::meta::set(&tx, "backup.dir", &dir.to_string_lossy())?;
        crate::db::meta::set(&tx, "backup.at", &head.at)?;
        tx.commit()?;
        Ok(RestoreSummary {
            vault: vault.to_path_buf(),
            backed_up_at: head.at.clone(),
            cases: report.cases,
            items: report.items,
            blobs: report.blobs,
        })
    })();
    match made {
        Ok(summary) => {
            fs::rename(&staging, vault).map_err(storage(vault))?;
            blob_store::sync_dir(parent).map_err(storage(parent))?;
            Ok(summary)
        }
        Err(e) => {
            let _ = fs::remove_dir_all(&staging);
            Err(e)
        }
    }
}
