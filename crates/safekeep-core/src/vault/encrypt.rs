//! Encrypting an unencrypted vault in place, so that a kill at any moment leaves a vault
//! that opens and passes `check`.
//!
//! Protocol (docs/security.md § "Encrypting an existing vault"):
//! 1. Everything new is written under `encrypting/`: each blob sealed under its existing
//!    name, then the database exported with `sqlcipher_export`. Every file is fsynced.
//! 2. Commit: `keys/keyring.json` appears (written to a temporary file, fsynced, renamed).
//!    Before this moment the vault is the untouched unencrypted vault, and opening it
//!    throws `encrypting/` away; after it, the vault is encrypted.
//! 3. Roll forward (also run by every open that finds `encrypting/` next to a keyring):
//!    move each sealed blob over its plaintext twin, move the database over the old one,
//!    remove the old key files, remove `encrypting/`. Each step is a rename or removal that
//!    can be repeated, so a crash in the middle is finished by the next open.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use super::{DB_FILE, Error, KEYRING_FILE, NAME_KEY_FILE, Result, SIGNING_KEY_FILE, Vault, keyring_io};
use crate::blob_store::sync_dir;
use crate::keyring::{Keyring, MasterKey, Secrets};
use crate::sealed_blob::SealWriter;

const WORK_DIR: &str = "encrypting";

/// Where an encryption in place, or a change of every key ([`Vault::rotate_keys`]), has
/// got to, for progress displays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EncryptStep {
    /// Sealing stored files (`done` of `total`).
    Sealing {
        /// Files sealed so far.
        done: usize,
        /// Files to seal.
        total: usize,
    },
    /// Writing the encrypted database.
    Database,
    /// The keyring was written: from here on the vault is encrypted.
    Committed,
    /// Moving sealed files into place (`done` of `total`).
    Finishing {
        /// Files moved so far.
        done: usize,
        /// Files to move.
        total: usize,
    },
}

impl Vault {
    /// Encrypts this unencrypted vault in place with `passphrase`; returns it reopened,
    /// encrypted, with its recovery key available once from [`Vault::take_recovery_key`].
    /// The signing key (and so the fingerprint), blob names and every hash are kept.
    pub fn encrypt(self, passphrase: &str, progress: &mut dyn FnMut(EncryptStep)) -> Result<Vault> {
        if self.master.is_some() {
            return Err(Error::AlreadyEncrypted);
        }
        crate::keyring::check_new_passphrase(passphrase)?;
        let Vault {
            dir,
            conn,
            blobs,
            key,
            mut env,
            _lock,
            ..
        } = self;
        discard_unfinished(&dir)?;
        let work = dir.join(WORK_DIR);
        let storage = |p: &Path| {
            let p = p.to_path_buf();
            move |e: io::Error| Error::storage(p, e)
        };
        fs::create_dir_all(work.join("blobs")).map_err(storage(&work))?;

        let secrets = Secrets {
            signing_seed: Zeroizing::new(key.seed()),
            name_key: blobs.name_key().clone(),
        };
        let (ring, master, recovery) =
            Keyring::create(passphrase, env.kdf.params(), &secrets, env.rng.as_mut())?;
        let blob_key = master.blob_key();

        let names: Vec<String> = blobs
            .list()
            .map_err(storage(&blobs.blobs_dir()))?
            .into_iter()
            .filter_map(|(_, name)| name)
            .collect();
        for (i, name) in names.iter().enumerate() {
            progress(EncryptStep::Sealing {
                done: i,
                total: names.len(),
            });
            let dest = work.join("blobs").join(&name[..2]).join(&name[2..]);
            seal_file(&blobs.path_of(name), &dest, &blob_key).map_err(storage(&dest))?;
        }
        progress(EncryptStep::Sealing {
            done: names.len(),
            total: names.len(),
        });

        progress(EncryptStep::Database);
        let new_db = work.join(DB_FILE);
        export_db(&conn, &new_db, &master).map_err(|e| match e {
            ExportDbError::Io(e) => Error::storage(&new_db, e),
            ExportDbError::Sql(e) => Error::Database(e),
        })?;
        sync_dir(&work).map_err(storage(&work))?;
        drop(conn);

        let path = dir.join(KEYRING_FILE);
        ring.save(&path).map_err(|e| keyring_io(&path, e))?;
        progress(EncryptStep::Committed);

        finish_unfinished(&dir, progress)?;
        let mut vault = Vault::open_locked(&dir, env, _lock, Some((ring, master)))?;
        vault.recovery_key = Some(recovery);
        Ok(vault)
    }
}

fn seal_file(src: &Path, dest: &Path, key: &crate::sealed_blob::BlobKey) -> io::Result<()> {
    if let Some(parent) = dest.parent() {
        fs::create_dir_all(parent)?;
    }
    let tmp = dest.with_extension("part");
    let mut input = File::open(src)?;
    let out = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(&tmp)?;
    let mut w = SealWriter::new(out, key)?;
    io::copy(&mut input, &mut w)?;
    w.finish()?.sync_all()?;
    fs::rename(&tmp, dest)?;
    if let Some(parent) = dest.parent() {
        sync_dir(parent)?;
    }
    Ok(())
}

pub(super) enum ExportDbError {
    Io(io::Error),
    Sql(rusqlite::Error),
}

/// Copies the whole database, schema version included, into a new SQLCipher file.
pub(super) fn export_db(
    conn: &rusqlite::Connection,
    dest: &Path,
    master: &MasterKey,
) -> std::result::Result<(), ExportDbError> {
    // The vault's connection may not create files; an empty file is a new database.
    File::create(dest).map_err(ExportDbError::Io)?;
    let sql = ExportDbError::Sql;
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .map_err(sql)?;
    let version: u32 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(sql)?;
    let quoted = dest.to_string_lossy().replace('\'', "''");
    let attach = Zeroizing::new(format!(
        "ATTACH DATABASE '{quoted}' AS sealed KEY \"{}\";",
        master.db_key().as_str()
    ));
    conn.execute_batch(&attach).map_err(sql)?;
    let exported = conn
        .query_row("SELECT sqlcipher_export('sealed')", [], |_| Ok(()))
        .and_then(|()| conn.execute_batch(&format!("PRAGMA sealed.user_version = {version};")));
    let detached = conn.execute_batch("DETACH DATABASE sealed;");
    exported.map_err(sql)?;
    detached.map_err(sql)?;
    crate::blob_store::sync_file(dest).map_err(ExportDbError::Io)
}

/// Removes what an encryption that never reached its commit left behind. Only called
/// for an unencrypted vault (no keyring), where `encrypting/` holds nothing needed.
pub(super) fn discard_unfinished(dir: &Path) -> Result<()> {
    let work = dir.join(WORK_DIR);
    if work.exists() {
        fs::remove_dir_all(&work).map_err(|e| Error::storage(&work, e))?;
        sync_dir(dir).map_err(|e| Error::storage(dir, e))?;
    }
    let tmp = dir.join(KEYRING_FILE).with_extension("json.tmp");
    match fs::remove_file(&tmp) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(Error::storage(&tmp, e)),
        _ => Ok(()),
    }
}

/// Rolls a committed encryption forward. Needs no key: only renames and removals.
pub(super) fn finish_unfinished(dir: &Path, progress: &mut dyn FnMut(EncryptStep)) -> Result<()> {
    let work = dir.join(WORK_DIR);
    if !work.exists() {
        return Ok(());
    }
    let mut run = || -> io::Result<()> {
        let sealed = list_files(&work.join("blobs"))?;
        for (i, (sub, file)) in sealed.iter().enumerate() {
            progress(EncryptStep::Finishing {
                done: i,
                total: sealed.len(),
            });
            let from = work.join("blobs").join(sub).join(file);
            if from.extension().is_some_and(|e| e == "part") {
                continue;
            }
            let to_dir = dir.join("blobs").join(sub);
            fs::create_dir_all(&to_dir)?;
            fs::rename(&from, to_dir.join(file))?;
            sync_dir(&to_dir)?;
        }
        progress(EncryptStep::Finishing {
            done: sealed.len(),
            total: sealed.len(),
        });
        let new_db = work.join(DB_FILE);
        if new_db.exists() {
            for side in ["-wal", "-shm"] {
                remove_if_present(&dir.join(format!("{DB_FILE}{side}")))?;
            }
            fs::rename(&new_db, dir.join(DB_FILE))?;
            sync_dir(dir)?;
        }
        if let Ok(strays) = fs::read_dir(dir.join("tmp")) {
            for stray in strays {
                remove_if_present(&stray?.path())?;
            }
        }
        for old in [SIGNING_KEY_FILE, NAME_KEY_FILE] {
            remove_if_present(&dir.join(old))?;
        }
        sync_dir(&dir.join("keys"))?;
        fs::remove_dir_all(&work)?;
        sync_dir(dir)
    };
    run().map_err(|e| Error::storage(&work, e))
}

pub(super) fn remove_if_present(path: &Path) -> io::Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Lists `root/xx/file` as `(xx, file)`, sorted.
pub(super) fn list_files(root: &Path) -> io::Result<Vec<(PathBuf, PathBuf)>> {
    let mut out = Vec::new();
    if !root.exists() {
        return Ok(out);
    }
    for sub in fs::read_dir(root)? {
        let sub = sub?;
        if !sub.file_type()?.is_dir() {
            continue;
        }
        for file in fs::read_dir(sub.path())? {
            out.push((PathBuf::from(sub.file_name()), PathBuf::from(file?.file_name())));
        }
    }
    out.sort();
    Ok(out)
}
