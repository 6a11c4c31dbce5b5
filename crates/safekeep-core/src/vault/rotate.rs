//! Replacing an encrypted vault's keys: every key and every stored file's name at once
//! ("lock out old copies"), or the recovery key alone.
//!
//! Why: a passphrase change only re-wraps the master key, so a copy of the folder or a
//! backup taken before still opens with the old passphrase or recovery key, and the master
//! key it yields opens everything added since. Rotation makes a new master key (so a new
//! database key and blob key), a new blob-name key and a new recovery key; the signing
//! key (the fingerprint bundles carry) is kept. Afterwards an old keyring opens none of
//! the vault's files, and no file name or ciphertext is shared with an old copy.
//!
//! Protocol (docs/security.md § "Locking out old copies"):
//! 1. Everything new is written under `rotating/`: each stored file decrypted, hashed,
//!    sealed under the new blob key with its new name, then read back through its
//!    authentication and hashed again (both hashes must equal the recorded SHA-256); the
//!    browser's sealed logins re-sealed; the database exported with `sqlcipher_export`
//!    under the new key, its blob names changed; the list of the old names; the new
//!    keyring as `rotating/keyring.json`. All of it made durable.
//! 2. Commit: `keys/keyring.json` is replaced by the same bytes (temporary file, fsync,
//!    rename, directory fsync). Before this, the vault is untouched and opens with the
//!    old passphrase, and opening it throws `rotating/` away; after it, the vault opens
//!    with the new passphrase only.
//! 3. Roll forward (also run by every open that finds `rotating/keyring.json` equal to
//!    `keys/keyring.json`): move the new files into `blobs/`, the new database and the
//!    logins over the old, remove the old files and `tmp/` leftovers, remove `rotating/`
//!    (its keyring last but for the folder). Each step is a rename or removal that can be
//!    repeated, so a crash in the middle is finished by the next open.

use std::collections::{HashMap, HashSet};
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;

use rusqlite::OpenFlags;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::encrypt::{self, EncryptStep, ExportDbError};
use super::{DB_FILE, Error, KEYRING_FILE, PROFILE_FILE, Result, Vault, keyring_io};
use crate::blob_store::{self, BlobStore, sync_dir};
use crate::db::{self, artifacts, meta};
use crate::keyring::{Keyring, MasterKey, RecoveryKey, Secrets};
use crate::sealed_blob::{BlobKey, SealReader, SealWriter};

const WORK_DIR: &str = "rotating";
const NEW_KEYRING: &str = "keyring.json";
/// The old blob names, one a line: exactly the files step 3 removes.
const OLD_NAMES: &str = "old-blobs";
/// Where the last backup went: forgotten by rotation, since that backup holds the old
/// keys and a new backup must go into a new folder (docs/backup.md).
const BACKUP_META: [&str; 2] = ["backup.dir", "backup.at"];

/// One stored file to re-seal: its name now and what its records say it holds (`None`
/// for a file no record uses, which is re-sealed as it is and stays an orphan).
struct Job {
    old: String,
    expected: Option<(String, u64)>,
}

impl Vault {
    /// Replaces every key of this encrypted vault and sets `new_passphrase`; returns it
    /// reopened, with the new recovery key available once from
    /// [`Vault::take_recovery_key`]. The signing key (the fingerprint) and every item,
    /// hash and event are kept; every stored file gets a new name.
    ///
    /// Crash-safe: a kill at any moment leaves a vault that opens with the old passphrase
    /// (before the switch-over) or the new one (after it). On an error before the switch
    /// the vault is as it was; open it again with the current passphrase. The record of
    /// the last backup is forgotten: that backup still opens with the old secrets, and
    /// the next backup must go into a new folder.
    pub fn rotate_keys(
        mut self,
        new_passphrase: &str,
        progress: &mut dyn FnMut(EncryptStep),
    ) -> Result<Vault> {
        let Some(old_master) = self.master.as_ref() else {
            return Err(Error::NotEncrypted);
        };
        crate::keyring::check_new_passphrase(new_passphrase)?;
        let ring_path = self.dir.join(KEYRING_FILE);
        let current = Keyring::load(&ring_path).map_err(|e| keyring_io(&ring_path, e))?;
        if current
            .unlock(new_passphrase)
            .is_ok_and(|m| *m.db_key() == *old_master.db_key())
        {
            return Err(Error::KeysNotChanged {
                reason: "the new passphrase is the current one, and whoever knows it could open the new keys too. Choose a different passphrase".into(),
            });
        }
        discard(&self.dir)?;
        let prepared = prepare(&mut self, new_passphrase, progress);
        let Vault {
            dir,
            conn,
            env,
            _lock,
            ..
        } = self;
        let (ring, master, recovery) = match prepared {
            Ok(p) => p,
            Err(e) => {
                drop(conn);
                let _ = discard(&dir);
                return Err(e);
            }
        };
        drop(conn);
        ring.save(&ring_path).map_err(|e| keyring_io(&ring_path, e))?;
        progress(EncryptStep::Committed);
        finish_unfinished(&dir, progress)?;
        let mut vault = Vault::open_locked(&dir, env, _lock, Some((ring, master)))?;
        vault.recovery_key = Some(recovery);
        Ok(vault)
    }

    /// Replaces the recovery key with a new one, returned for showing once; the old one no
    /// longer opens this vault's keyring. Nothing else changes, so it is quick.
    ///
    /// It does not lock out copies: the master key is the same, so the old recovery key
    /// still opens a copy of the vault or a backup taken before, and through it the data
    /// of this vault. [`Vault::rotate_keys`] is the remedy for copies.
    pub fn new_recovery_key(&mut self) -> Result<RecoveryKey> {
        let master = self.master.as_ref().ok_or(Error::NotEncrypted)?;
        let path = self.dir.join(KEYRING_FILE);
        let mut ring = Keyring::load(&path).map_err(|e| keyring_io(&path, e))?;
        let key = ring.set_recovery_key(master, self.env.rng.as_mut());
        ring.save(&path).map_err(|e| keyring_io(&path, e))?;
        Ok(key)
    }
}

/// Step 1: writes everything new under `rotating/` and makes it durable; returns the new
/// keys. Touches nothing outside `rotating/`.
fn prepare(
    vault: &mut Vault,
    new_passphrase: &str,
    progress: &mut dyn FnMut(EncryptStep),
) -> Result<(Keyring, MasterKey, RecoveryKey)> {
    let dir = vault.dir.clone();
    let work = dir.join(WORK_DIR);
    let storage = |p: &Path| {
        let p = p.to_path_buf();
        move |e: io::Error| Error::storage(p, e)
    };
    fs::create_dir_all(work.join("blobs")).map_err(storage(&work))?;
    // An interrupted save of the browser's logins leaves them sealed under the old key
    // beside the profile: nothing the old keys open may stay.
    let stale = dir.join(format!("{}.part", super::browser_profile::PROFILE_FILE));
    match fs::remove_file(&stale) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(Error::storage(stale, e)),
        _ => {}
    }

    let jobs = jobs(vault)?;
    let rng = vault.env.rng.as_mut();
    let mut name_key = Zeroizing::new([0u8; 32]);
    rng.fill_bytes(name_key.as_mut());
    let secrets = Secrets {
        signing_seed: Zeroizing::new(vault.key.seed()),
        name_key: name_key.clone(),
    };
    let params = vault.env.kdf.params();
    let (ring, master, recovery) = Keyring::create(new_passphrase, params, &secrets, rng)?;
    let new_key = master.blob_key();
    let names = BlobStore::new(&dir, name_key, Some(new_key.clone()));
    // Off Linux there is no `syncfs`: each file is flushed as it is written.
    let each = !cfg!(target_os = "linux");

    let renamed = reseal_all(&vault.blobs, &jobs, &new_key, &names, &work, each, progress)?;
    let old: HashSet<&str> = jobs.iter().map(|j| j.old.as_str()).collect();
    if renamed.iter().any(|n| old.contains(n.as_str())) {
        // Two unrelated 256-bit HMACs agreeing: never seen, but step 3 must not remove a
        // new file as an old one.
        return Err(Error::KeysNotChanged {
            reason: "a new file name happened to equal an old one. Try again".into(),
        });
    }

    let profile = dir.join(PROFILE_FILE);
    if profile.is_file() {
        let key = vault.blobs.seal_key().ok_or(Error::NotEncrypted)?;
        reseal_profile(&profile, key, &work.join(PROFILE_FILE), &new_key, each)?;
    }

    progress(EncryptStep::Database);
    let new_db = work.join(DB_FILE);
    encrypt::export_db(vault.conn(), &new_db, &master).map_err(|e| match e {
        ExportDbError::Io(e) => Error::storage(&new_db, e),
        ExportDbError::Sql(e) => Error::Database(e),
    })?;
    rename_blobs(
        &new_db,
        &master,
        jobs.iter().map(|j| j.old.as_str()).zip(&renamed),
    )?;
    blob_store::sync_file(&new_db).map_err(storage(&new_db))?;

    let list: String = jobs.iter().map(|j| format!("{}\n", j.old)).collect();
    write_synced(&work.join(OLD_NAMES), list.as_bytes()).map_err(storage(&work))?;
    let new_ring = work.join(NEW_KEYRING);
    ring.save(&new_ring).map_err(|e| keyring_io(&new_ring, e))?;
    let synced = if each {
        sync_tree(&work)
    } else {
        blob_store::sync_filesystem(&work).and_then(|()| sync_dir(&work))
    };
    synced.map_err(storage(&work))?;
    Ok((ring, master, recovery))
}

/// Every file in the store, with what its records say it holds. A file in `blobs/` whose
/// place is not a blob name stops the rotation (it could not be re-sealed, and leaving it
/// would leave something the old keys open).
fn jobs(vault: &Vault) -> Result<Vec<Job>> {
    let mut expected: HashMap<String, (String, u64)> = HashMap::new();
    for a in artifacts::list(vault.conn(), None)? {
        if let Some(name) = a.blob {
            expected.insert(name, (a.sha256, a.size));
        }
    }
    let blobs = &vault.blobs;
    let listed = blobs.list().map_err(|e| Error::storage(blobs.blobs_dir(), e))?;
    let mut out = Vec::new();
    for (path, name) in listed {
        if path.starts_with(blobs.tmp_dir()) {
            continue;
        }
        let Some(old) = name else {
            return Err(Error::KeysNotChanged {
                reason: format!(
                    "{} is not a file Safekeep stored. Run `safekeep check --repair`, which removes files no record uses, then try again",
                    path.display()
                ),
            });
        };
        let expected = expected.remove(&old);
        out.push(Job { old, expected });
    }
    Ok(out)
}

/// Re-seals every job on all cores; returns the new names in the jobs' order.
fn reseal_all(
    old: &BlobStore,
    jobs: &[Job],
    new_key: &BlobKey,
    names: &BlobStore,
    work: &Path,
    each: bool,
    progress: &mut dyn FnMut(EncryptStep),
) -> Result<Vec<String>> {
    let total = jobs.len();
    progress(EncryptStep::Sealing { done: 0, total });
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let mut out: Vec<Option<String>> = vec![None; total];
    let mut first_error = None;
    std::thread::scope(|scope| {
        let (tx, rx) = mpsc::channel::<(usize, Result<String>)>();
        for _ in 0..threads.min(total) {
            let (tx, next, stop) = (tx.clone(), &next, &stop);
            scope.spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(job) = jobs.get(i) else { break };
                    let done = reseal(old, job, new_key, names, work, i, each);
                    if tx.send((i, done)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        for (done, (i, result)) in rx.into_iter().enumerate() {
            match result {
                Ok(name) => out[i] = Some(name),
                Err(e) => {
                    stop.store(true, Ordering::Relaxed);
                    first_error.get_or_insert(e);
                }
            }
            progress(EncryptStep::Sealing {
                done: done + 1,
                total,
            });
        }
    });
    if let Some(e) = first_error {
        return Err(e);
    }
    Ok(out.into_iter().map(Option::unwrap_or_default).collect())
}

/// Decrypts one stored file, seals it under the new key while hashing it, reads the new
/// file back through its authentication, and moves it to its new name in `work/blobs/`
/// once both hashes equal the recorded one. Returns the new name.
fn reseal(
    old: &BlobStore,
    job: &Job,
    new_key: &BlobKey,
    names: &BlobStore,
    work: &Path,
    i: usize,
    each: bool,
) -> Result<String> {
    let src = old.path_of(&job.old);
    let part = work.join("blobs").join(format!("{i}.part"));
    let unreadable = |e: io::Error| Error::KeysNotChanged {
        reason: match job.expected {
            Some(_) => format!(
                "the stored file {} cannot be read ({e}): it was altered or damaged. Run `safekeep check` to see which item it belongs to",
                src.display()
            ),
            None => format!(
                "{} is a file no record uses and it cannot be read ({e}). Run `safekeep check --repair`, which removes such files, then try again",
                src.display()
            ),
        },
    };
    let mut reader = old.open(&job.old).map_err(unreadable)?;
    let out = File::create(&part).map_err(|e| Error::storage(&part, e))?;
    let mut writer = SealWriter::new(out, new_key).map_err(|e| Error::storage(&part, e))?;
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(unreadable(e)),
        };
        hasher.update(&buf[..n]);
        writer
            .write_all(&buf[..n])
            .map_err(|e| Error::storage(&part, e))?;
        size += n as u64;
    }
    let file = writer.finish().map_err(|e| Error::storage(&part, e))?;
    if each {
        file.sync_all().map_err(|e| Error::storage(&part, e))?;
    }
    drop(file);
    let sha: [u8; 32] = hasher.finalize().into();
    if let Some((want, want_size)) = &job.expected
        && (hex::encode(sha) != *want || size != *want_size)
    {
        return Err(Error::KeysNotChanged {
            reason: format!(
                "the stored file {} no longer matches its recorded SHA-256: it was altered or damaged. Run `safekeep check` to see which item it belongs to",
                src.display()
            ),
        });
    }
    let back = File::open(&part)
        .and_then(|f| SealReader::new(f, new_key))
        .and_then(|mut r| blob_store::hash_stream(&mut r));
    if !matches!(back, Ok(got) if got == (sha, size)) {
        return Err(Error::KeysNotChanged {
            reason: format!(
                "the re-encrypted copy of {} did not read back as the same bytes; the disk may be failing. Copy the whole vault folder somewhere safe and check the disk",
                src.display()
            ),
        });
    }
    let name = names.name_for(&sha);
    let sub = work.join("blobs").join(&name[..2]);
    let placed = fs::create_dir_all(&sub).and_then(|()| fs::rename(&part, sub.join(&name[2..])));
    placed.map_err(|e| Error::storage(&sub, e))?;
    Ok(name)
}

/// Re-seals the browser's stored logins under the new key. They are not evidence, but
/// leaving them under the old key would leave live logins that an old keyring opens.
fn reseal_profile(from: &Path, old: &BlobKey, to: &Path, new: &BlobKey, each: bool) -> Result<()> {
    let copied = (|| -> io::Result<File> {
        let mut reader = SealReader::new(File::open(from)?, old)?;
        let mut writer = SealWriter::new(File::create(to)?, new)?;
        io::copy(&mut reader, &mut writer)?;
        writer.finish()
    })();
    let file = copied.map_err(|e| Error::KeysNotChanged {
        reason: format!(
            "the browser's stored logins ({}) cannot be re-encrypted ({e}). Forget them (`safekeep browser forget`, or \"Forget my logins\" in the app), then try again",
            from.display()
        ),
    })?;
    if each {
        file.sync_all().map_err(|e| Error::storage(to, e))?;
    }
    Ok(())
}

/// Gives every artifact of the exported database its blob's new name, and forgets the
/// last backup's folder (it holds the old keys), in one transaction.
fn rename_blobs<'a>(
    path: &Path,
    master: &MasterKey,
    renames: impl Iterator<Item = (&'a str, &'a String)>,
) -> Result<()> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let mut conn = db::open(path, flags, Some(master.db_key().as_str()))?;
    let tx = conn.transaction()?;
    for (old, new) in renames {
        artifacts::rename_blob(&tx, old, new)?;
    }
    for key in BACKUP_META {
        meta::remove(&tx, key)?;
    }
    tx.commit()?;
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    Ok(())
}

fn write_synced(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut f = File::create(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// Makes every folder under `root` (and `root`) durable, for systems without `syncfs`.
fn sync_tree(root: &Path) -> io::Result<()> {
    for e in fs::read_dir(root)? {
        let e = e?;
        if e.file_type()?.is_dir() {
            sync_tree(&e.path())?;
        }
    }
    sync_dir(root)
}

/// Settles what a rotation left: rolls a committed one forward, throws an unfinished one
/// away. Needs no key (only comparisons, renames and removals); run by every open of an
/// encrypted vault after its keyring opened.
pub(super) fn settle(dir: &Path) -> Result<()> {
    let work = dir.join(WORK_DIR);
    if !work.exists() {
        return Ok(());
    }
    let new = fs::read(work.join(NEW_KEYRING)).ok();
    let current = fs::read(dir.join(KEYRING_FILE)).map_err(|e| Error::storage(dir.join(KEYRING_FILE), e))?;
    if new.as_deref() == Some(&current[..]) {
        finish_unfinished(dir, &mut |_| {})
    } else {
        discard(dir)
    }
}

/// Removes a rotation that never reached its commit: `rotating/` holds nothing the vault
/// needs, and the keyring in `keys/` is the old one.
fn discard(dir: &Path) -> Result<()> {
    let work = dir.join(WORK_DIR);
    if work.exists() {
        fs::remove_dir_all(&work).map_err(|e| Error::storage(&work, e))?;
        sync_dir(dir).map_err(|e| Error::storage(dir, e))?;
    }
    let tmp = dir.join(KEYRING_FILE).with_extension("json.tmp");
    encrypt::remove_if_present(&tmp).map_err(|e| Error::storage(&tmp, e))
}

/// Step 3, rolling a committed rotation forward. Every step can be repeated.
fn finish_unfinished(dir: &Path, progress: &mut dyn FnMut(EncryptStep)) -> Result<()> {
    let work = dir.join(WORK_DIR);
    let run = |progress: &mut dyn FnMut(EncryptStep)| -> io::Result<()> {
        let sealed = encrypt::list_files(&work.join("blobs"))?;
        for (i, (sub, file)) in sealed.iter().enumerate() {
            progress(EncryptStep::Finishing {
                done: i,
                total: sealed.len(),
            });
            let to_dir = dir.join("blobs").join(sub);
            fs::create_dir_all(&to_dir)?;
            fs::rename(work.join("blobs").join(sub).join(file), to_dir.join(file))?;
            sync_dir(&to_dir)?;
        }
        progress(EncryptStep::Finishing {
            done: sealed.len(),
            total: sealed.len(),
        });
        let new_db = work.join(DB_FILE);
        if new_db.exists() {
            for side in ["-wal", "-shm"] {
                encrypt::remove_if_present(&dir.join(format!("{DB_FILE}{side}")))?;
            }
            fs::rename(&new_db, dir.join(DB_FILE))?;
        }
        let profile = work.join(PROFILE_FILE);
        if profile.exists() {
            fs::rename(&profile, dir.join(PROFILE_FILE))?;
        }
        sync_dir(dir)?;
        remove_old(dir, &work.join(OLD_NAMES))?;
        if let Ok(strays) = fs::read_dir(dir.join("tmp")) {
            for stray in strays {
                encrypt::remove_if_present(&stray?.path())?;
            }
        }
        fs::remove_dir_all(&work)?;
        sync_dir(dir)
    };
    run(progress).map_err(|e| Error::storage(&work, e))
}

/// Removes each old file named in `list` (gone already is fine), and folders left empty.
fn remove_old(dir: &Path, list: &Path) -> io::Result<()> {
    let names = match fs::read_to_string(list) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    let mut dirs: HashSet<PathBuf> = HashSet::new();
    for name in names.lines().filter(|n| n.len() == 64) {
        let sub = dir.join("blobs").join(&name[..2]);
        encrypt::remove_if_present(&sub.join(&name[2..]))?;
        dirs.insert(sub);
    }
    for sub in dirs {
        // Only an empty folder is removed; one that still holds new files stays.
        if fs::remove_dir(&sub).is_err() {
            sync_dir(&sub)?;
        }
    }
    sync_dir(&dir.join("blobs"))
}
