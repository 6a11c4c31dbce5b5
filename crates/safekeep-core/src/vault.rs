//! An evidence vault: one folder holding `vault.db`, `blobs/`, `tmp/` and `keys/`.
//!
//! Layout, schema and invariants: `docs/vault.md`; encryption: `docs/security.md`. An
//! encrypted vault (the default) keeps nothing readable on disk: SQLCipher for the
//! database, sealed blobs, and a keyring that only the passphrase or recovery key opens.
//! Every change to a case is one SQLite transaction that also appends its audit event,
//! so the tables and the chain never disagree; blobs are made durable before the
//! transaction that references them commits.

mod backup;
mod batch;
mod browser_profile;
mod capture;
mod case_guide;
mod changes;
mod check;
mod conversation;
mod encrypt;
mod error;
mod export;
mod handover;
mod last_opened;
mod perceptual;
mod query;
mod receipts;
mod rotate;
mod safeguard;
mod timeline;
mod timestamps;

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use rand::RngCore;
use rusqlite::{Connection, OpenFlags, Transaction};
use serde_json::Value;

pub use crate::bundle::Handover;
pub use crate::bundle::timestamps::ObtainedToken;
pub use crate::db::item_search::Facets;
pub use crate::item_view::{
    Annotation, AnnotationBody, ItemTimestamp, ItemView, SimilarImage, SimilarVideo, Withdrawal, vpdq_json,
};
pub use backup::{BackupDue, BackupSummary, LastBackup, RestoreSummary, restore};
pub use batch::Imported;
pub use browser_profile::{BrowserProfile, DOWNLOADS_DIR, PROFILE_FILE};
pub use capture::{
    BatchProgress, CapturedFile, CapturedItem, ImportProgress, StreamedFile, sniff as sniff_media_type,
};
pub use case_guide::CaseGuide;
pub use check::{CheckReport, Problem};
pub use conversation::{
    CHAT_DETECT_MAX, ChatError, ChatFormat, DateOrder, FROM_ITEM_MAX, MAX_MESSAGES_PAGE, Message,
    MessageKind, MessagePage, ReadOptions, Reading, conversation_format_of,
};
pub use encrypt::EncryptStep;
pub use error::{Error, Result};
pub use handover::{HandoverProgress, ImportedCase};
pub use perceptual::{fingerprint_all, fingerprint_of, video_fingerprint_of};
pub use receipts::ReceivedReceipt;
pub use safeguard::{Safeguard, SafeguardChange, Service, ServiceReference, Under18, is_picture_or_video};
pub use timeline::{MAX_PAGE, TimelinePage, TimelineQuery};
pub use timestamps::{
    Authority, DEFAULT_AUTHORITIES, PendingStamp, TimestampSettings, TimestampStatus, TimestampWork,
};

use crate::audit_log::{self, Event};
use crate::blob_store::{self, BlobStore};
use crate::clock::{self, Clock, SystemClock};
use crate::db::{self, cases, events};
use crate::keyring::{KdfPolicy, Keyring, MasterKey, RecoveryKey, Secrets};
use crate::signing::VaultKey;
use zeroize::Zeroizing;

const DB_FILE: &str = "vault.db";
const LOCK_FILE: &str = "vault.lock";
const SIGNING_KEY_FILE: &str = "keys/signing.key";
const NAME_KEY_FILE: &str = "keys/blob-names.key";
const KEYRING_FILE: &str = "keys/keyring.json";

/// What the vault takes from the world: the time, randomness, and who is recording.
/// Passed in so that tests are reproducible.
pub struct Environment {
    /// Where times come from.
    pub clock: Box<dyn Clock>,
    /// Where ids and keys come from.
    pub rng: Box<dyn RngCore + Send>,
    /// Recorded in every item, e.g. `safekeep 0.1.0`.
    pub app_version: String,
    /// The capturing computer's name.
    pub host: String,
    /// How costly the passphrase key derivation is made when a passphrase is set.
    pub kdf: KdfPolicy,
}

impl Environment {
    /// The real world: the system clock, the OS's randomness, this host's name.
    pub fn system(app_version: &str) -> Self {
        use rand::SeedableRng;
        Self {
            clock: Box::new(SystemClock),
            rng: Box::new(rand::rngs::StdRng::from_os_rng()),
            app_version: app_version.to_owned(),
            host: gethostname::gethostname().to_string_lossy().into_owned(),
            kdf: KdfPolicy::Tuned(std::time::Duration::from_millis(500)),
        }
    }
}

/// Returns the default vault folder: the platform's per-user, machine-local data folder.
///
/// On Windows that is `%LOCALAPPDATA%\Safekeep\Safekeep\data\vault`, not the roaming
/// `%APPDATA%`: a roaming profile is copied to the organisation's server at every
/// sign-out, and a victim on a shared or work computer must not have their evidence
/// leave the machine without asking. On Linux and macOS the local and roaming folders
/// are the same (`~/.local/share/…`, `~/Library/Application Support/…`).
pub fn default_dir() -> Option<PathBuf> {
    crate::paths::default_vault()
}

/// What a folder holds, found without opening or unlocking anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protection {
    /// No vault.
    None,
    /// An unencrypted vault (made with `--no-passphrase`, or by an older Safekeep).
    Plain,
    /// An encrypted vault: it needs its passphrase or recovery key.
    Encrypted,
}

/// Returns whether `dir` holds a vault, and whether it is encrypted.
pub fn protection(dir: &Path) -> Protection {
    if dir.join(KEYRING_FILE).is_file() {
        Protection::Encrypted
    } else if dir.join(DB_FILE).is_file() {
        Protection::Plain
    } else {
        Protection::None
    }
}

/// What opens an encrypted vault.
#[derive(Clone, Copy)]
pub enum Unlock<'a> {
    /// The passphrase chosen at first run.
    Passphrase(&'a str),
    /// The recovery key printed at first run.
    RecoveryKey(&'a str),
}

/// An open vault. Holds an exclusive lock on the folder while it lives; its keys are
/// zeroed when it is dropped (which is what locking the vault means).
pub struct Vault {
    dir: PathBuf,
    conn: Connection,
    blobs: BlobStore,
    key: VaultKey,
    env: Environment,
    master: Option<MasterKey>,
    recovery_key: Option<RecoveryKey>,
    _lock: File,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

impl Vault {
    /// Creates a new vault in `dir` (created if missing; must be empty) and opens it.
    /// With a passphrase the vault is encrypted, and [`Vault::take_recovery_key`] gives
    /// the recovery key once; without one, nothing is encrypted.
    pub fn init(dir: &Path, mut env: Environment, passphrase: Option<&str>) -> Result<Self> {
        if let Some(p) = passphrase {
            crate::keyring::check_new_passphrase(p)?;
        }
        let db_path = dir.join(DB_FILE);
        if db_path.exists() {
            return Err(Error::AlreadyAVault(dir.to_path_buf()));
        }
        if dir.exists() {
            let mut entries = fs::read_dir(dir).map_err(|e| Error::storage(dir, e))?;
            if entries.next().is_some() {
                return Err(Error::FolderNotEmpty(dir.to_path_buf()));
            }
        }
        for sub in ["blobs", "tmp", "keys"] {
            crate::private_file::create_dir_all(dir.join(sub))
                .map_err(|e| Error::storage(dir.join(sub), e))?;
        }
        let lock = lock_dir(dir)?;
        let key = VaultKey::generate(env.rng.as_mut());
        let mut name_key = Zeroizing::new([0u8; 32]);
        env.rng.fill_bytes(name_key.as_mut());
        let (master, recovery_key) = match passphrase {
            Some(p) => {
                let secrets = Secrets {
                    signing_seed: Zeroizing::new(key.seed()),
                    name_key: name_key.clone(),
                };
                let (ring, master, rec) = Keyring::create(p, env.kdf.params(), &secrets, env.rng.as_mut())?;
                let path = dir.join(KEYRING_FILE);
                ring.save(&path).map_err(|e| keyring_io(&path, e))?;
                (Some(master), Some(rec))
            }
            None => {
                write_key(&dir.join(SIGNING_KEY_FILE), &key.seed())?;
                write_key(&dir.join(NAME_KEY_FILE), &name_key)?;
                (None, None)
            }
        };
        let db_key = master.as_ref().map(MasterKey::db_key);
        let mut conn = open_db(&db_path, true, db_key.as_deref().map(String::as_str))?;
        db::migrate(&mut conn, 0)?;
        let created = clock::utc_rfc3339(&env.clock.now());
        db::meta::set(&conn, "created_at", &created)?;
        db::meta::set(&conn, "format", "safekeep-vault 1")?;
        blob_store::sync_dir(dir).map_err(|e| Error::storage(dir, e))?;
        Ok(Self {
            dir: dir.to_path_buf(),
            conn,
            blobs: BlobStore::new(dir, name_key, master.as_ref().map(MasterKey::blob_key)),
            key,
            env,
            master,
            recovery_key,
            _lock: lock,
        })
    }

    /// The recovery key of a vault just created or encrypted, once. It is stored nowhere
    /// in readable form; the user must print or write it down now.
    pub fn take_recovery_key(&mut self) -> Option<RecoveryKey> {
        self.recovery_key.take()
    }

    /// Whether the vault is encrypted.
    pub fn is_encrypted(&self) -> bool {
        self.master.is_some()
    }

    /// Checks that `passphrase` is this vault's current passphrase (the slow derivation),
    /// so that a person at an unlocked, unattended computer cannot change it.
    pub fn check_passphrase(&self, passphrase: &str) -> Result<()> {
        let master = self.master.as_ref().ok_or(Error::NotEncrypted)?;
        let path = self.dir.join(KEYRING_FILE);
        let ring = Keyring::load(&path).map_err(|e| keyring_io(&path, e))?;
        let given = ring.unlock(passphrase)?;
        if *given.db_key() != *master.db_key() {
            return Err(crate::keyring::KeyringError::WrongPassphrase.into());
        }
        Ok(())
    }

    /// Sets a new passphrase. Only the keyring changes: the data, the recovery key, the
    /// signing key and every hash stay as they are.
    ///
    /// It does not lock out copies: the master key is the same, so a copy of the vault or
    /// a backup taken before still opens with the old passphrase, and the master key it
    /// yields opens this vault's files too. [`Vault::rotate_keys`] locks copies out.
    pub fn change_passphrase(&mut self, new: &str) -> Result<()> {
        let master = self.master.as_ref().ok_or(Error::NotEncrypted)?;
        let path = self.dir.join(KEYRING_FILE);
        let mut ring = Keyring::load(&path).map_err(|e| keyring_io(&path, e))?;
        ring.set_passphrase(master, new, self.env.kdf.params(), self.env.rng.as_mut())?;
        ring.save(&path).map_err(|e| keyring_io(&path, e))?;
        Ok(())
    }

    /// Opens the vault in `dir`, upgrading its schema if it is older than this build's.
    /// An encrypted vault needs `unlock`; a wrong passphrase changes nothing on disk.
    /// An unencrypted vault ignores it.
    pub fn open(dir: &Path, env: Environment, unlock: Option<Unlock<'_>>) -> Result<Self> {
        let lock = match protection(dir) {
            Protection::None => return Err(Error::NotAVault(dir.to_path_buf())),
            Protection::Plain => {
                let lock = lock_dir(dir)?;
                encrypt::discard_unfinished(dir)?;
                return Self::open_locked(dir, env, lock, None);
            }
            Protection::Encrypted => lock_dir(dir)?,
        };
        let unlock = unlock.ok_or_else(|| Error::NeedsPassphrase(dir.to_path_buf()))?;
        let path = dir.join(KEYRING_FILE);
        let ring = Keyring::load(&path).map_err(|e| keyring_io(&path, e))?;
        let master = match unlock {
            Unlock::Passphrase(p) => ring.unlock(p)?,
            Unlock::RecoveryKey(r) => ring.unlock_with_recovery(r)?,
        };
        encrypt::finish_unfinished(dir, &mut |_| {})?;
        rotate::settle(dir)?;
        Self::open_locked(dir, env, lock, Some((ring, master)))
    }

    fn open_locked(
        dir: &Path,
        env: Environment,
        lock: File,
        unlocked: Option<(Keyring, MasterKey)>,
    ) -> Result<Self> {
        let db_path = dir.join(DB_FILE);
        if !db_path.is_file() {
            return Err(Error::NotAVault(dir.to_path_buf()));
        }
        let db_key = unlocked.as_ref().map(|(_, m)| m.db_key());
        let mut conn = open_db(&db_path, false, db_key.as_deref().map(String::as_str))?;
        let version = db::schema_version(&conn).map_err(|e| corrupt_or(&db_path, e))?;
        if version > db::SCHEMA_VERSION {
            return Err(Error::SchemaTooNew {
                found: version,
                supported: db::SCHEMA_VERSION,
            });
        }
        if version < db::SCHEMA_VERSION {
            db::migrate(&mut conn, version).map_err(|e| corrupt_or(&db_path, e))?;
        }
        let (seed, name_key, master) = match unlocked {
            Some((ring, master)) => {
                let s = ring.secrets(&master)?;
                (s.signing_seed, s.name_key, Some(master))
            }
            None => (
                read_key(&dir.join(SIGNING_KEY_FILE))?,
                read_key(&dir.join(NAME_KEY_FILE))?,
                None,
            ),
        };
        crate::private_file::create_dir_all(dir.join("tmp"))
            .map_err(|e| Error::storage(dir.join("tmp"), e))?;
        let mut vault = Self {
            dir: dir.to_path_buf(),
            conn,
            blobs: BlobStore::new(dir, name_key, master.as_ref().map(MasterKey::blob_key)),
            key: VaultKey::from_seed(&seed),
            env,
            master,
            recovery_key: None,
            _lock: lock,
        };
        if version < db::PERCEPTUAL_HASHES_SINCE {
            vault.index_all_images()?;
        }
        if version < db::ITEM_TEXT_SINCE {
            vault.index_note_words()?;
        }
        if version < db::VIDEO_HASHES_SINCE {
            vault.index_all_videos()?;
        }
        Ok(vault)
    }

    /// The vault folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The vault's signing key.
    pub fn key(&self) -> &VaultKey {
        &self.key
    }

    /// The key that signs the WACZs this vault's web captures make, derived from its
    /// signing key ([`safekeep_bundle::wacz_signature`]).
    pub fn wacz_signer(&self) -> safekeep_bundle::wacz_signature::WaczSigner {
        safekeep_bundle::wacz_signature::WaczSigner::from_vault_seed(&zeroize::Zeroizing::new(
            self.key.seed(),
        ))
    }

    /// The blob store, for reading originals.
    pub fn blobs(&self) -> &BlobStore {
        &self.blobs
    }

    /// The database connection, for read-only queries by sibling modules.
    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    /// The database connection, for writes by sibling modules.
    pub(crate) fn conn_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }

    /// The vault's clock, so that captures made outside the core are timed by it.
    pub fn clock(&self) -> &dyn Clock {
        self.env.clock.as_ref()
    }

    /// Reads the clock once.
    pub(crate) fn now(&self) -> chrono::DateTime<chrono::FixedOffset> {
        self.env.clock.now()
    }

    /// Returns a fresh random UUID (v4) from the vault's RNG.
    pub(crate) fn new_id(&mut self) -> String {
        let mut b = [0u8; 16];
        self.env.rng.fill_bytes(&mut b);
        uuid::Builder::from_random_bytes(b).into_uuid().to_string()
    }

    /// Finds the case whose id is, or starts with, `given`.
    pub fn resolve_case(&self, given: &str) -> Result<cases::CaseRow> {
        let id = resolve(
            cases::ids_with_prefix(&self.conn, given.trim())?,
            "case",
            given,
            "`safekeep case list` shows every case and its id",
        )?;
        cases::get(&self.conn, &id)?.ok_or_else(|| Error::Invalid(format!("case {id} vanished")))
    }

    /// Finds the item whose id is, or starts with, `given`.
    pub fn resolve_item(&self, given: &str) -> Result<String> {
        resolve(
            db::items::ids_with_prefix(&self.conn, given.trim())?,
            "item",
            given,
            "`safekeep list` shows every item and its id",
        )
    }
}

fn resolve(mut ids: Vec<String>, what: &'static str, given: &str, hint: &'static str) -> Result<String> {
    let given_t = given.trim();
    if given_t.len() < 4 && ids.len() != 1 || given_t.is_empty() {
        ids.retain(|id| id == given_t);
    }
    match ids.len() {
        0 => Err(Error::NotFound {
            what,
            given: given.to_owned(),
            hint,
        }),
        1 => Ok(ids.remove(0)),
        _ => Err(Error::Ambiguous {
            what,
            given: given.to_owned(),
            matches: ids.join(", "),
        }),
    }
}

/// Appends one event to a case's chain inside `tx` and moves the case's head.
pub(crate) fn append_event(
    tx: &Transaction<'_>,
    case_id: &str,
    at: &str,
    kind: &str,
    data: Value,
) -> Result<events::EventRow> {
    append_event_with(tx, case_id, at, kind, data, None)
}

/// Like [`append_event`], with the member `raw.0` of `data` (present, its value ignored)
/// given as canonical bytes `raw.1`: for a list too long to hold as a `Value`.
pub(crate) fn append_event_with(
    tx: &Transaction<'_>,
    case_id: &str,
    at: &str,
    kind: &str,
    data: Value,
    raw: Option<(&str, &[u8])>,
) -> Result<events::EventRow> {
    let case = cases::get(tx, case_id)?.ok_or_else(|| Error::NotFound {
        what: "case",
        given: case_id.to_owned(),
        hint: "`safekeep case list` shows every case and its id",
    })?;
    let event = Event {
        case_id: case_id.to_owned(),
        seq: case.event_count + 1,
        at: at.to_owned(),
        kind: kind.to_owned(),
        data,
    };
    let body = match raw {
        Some((key, bytes)) => event.canonical_bytes_with(key, bytes),
        None => event.canonical_bytes(),
    };
    let prev: [u8; 32] = hex::decode(&case.head_hash)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| {
            Error::Invalid(format!(
                "case {case_id} has a damaged chain head; run `safekeep check`"
            ))
        })?;
    let hash = hex::encode(audit_log::chain_hash(&prev, &body));
    let row = events::EventRow {
        seq: event.seq,
        kind: event.kind,
        at: event.at,
        body: String::from_utf8(body).map_err(|e| Error::Invalid(e.to_string()))?,
        prev_hash: case.head_hash,
        hash: hash.clone(),
    };
    events::insert(tx, case_id, &row)?;
    cases::set_head(tx, case_id, row.seq, &hash)?;
    Ok(row)
}

/// How long opening waits for the lock before saying the vault is in use.
///
/// The lock is an `flock` on an open file, and a process this program starts (FFmpeg,
/// a browser) holds a copy of every open file from its fork until it execs. A vault
/// closed and reopened by one thread while another thread starts a process can
/// therefore find its own old lock still held for a moment; a second Safekeep holds it
/// for as long as it runs. A short wait tells the two apart.
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

fn lock_dir(dir: &Path) -> Result<File> {
    let path = dir.join(LOCK_FILE);
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| Error::storage(&path, e))?;
    let began = std::time::Instant::now();
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(file),
            Err(fs::TryLockError::WouldBlock) if began.elapsed() < LOCK_WAIT => {
                std::thread::sleep(std::time::Duration::from_millis(25));
            }
            Err(fs::TryLockError::WouldBlock) => return Err(Error::Locked(dir.to_path_buf())),
            Err(fs::TryLockError::Error(e)) => return Err(Error::storage(&path, e)),
        }
    }
}

/// Opens the vault's database (keyed when `key` is given) with its busy timeout, WAL
/// and full sync.
fn open_db(path: &Path, create: bool, key: Option<&str>) -> Result<Connection> {
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if create {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
    }
    let conn = db::open(path, flags, key).map_err(|e| corrupt_or(path, e))?;
    let setup = || -> rusqlite::Result<()> {
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", true)?;
        // Plans are fixed when a statement is prepared. Without this, a statement whose
        // plan could depend on a bound value (a partial index, a LIMIT) is prepared again
        // every time it is re-bound: most of an export's time at 10,000 items went into
        // re-preparing the per-item queries (perf).
        conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
        Ok(())
    };
    setup().map_err(|e| corrupt_or(path, e))?;
    Ok(conn)
}

/// Maps "not a database" and "corrupt" to [`Error::Corrupt`], anything else as is.
fn corrupt_or(path: &Path, e: rusqlite::Error) -> Error {
    use rusqlite::ErrorCode::{DatabaseCorrupt, NotADatabase};
    match e.sqlite_error_code() {
        Some(NotADatabase | DatabaseCorrupt) => Error::Corrupt {
            path: path.to_path_buf(),
            detail: e.to_string(),
        },
        _ => Error::Database(e),
    }
}

fn write_key(path: &Path, key: &[u8; 32]) -> Result<()> {
    let mut opts = OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let write = || -> io::Result<()> {
        let mut f = opts.open(path)?;
        f.write_all(format!("{}\n", hex::encode(key)).as_bytes())?;
        f.sync_all()
    };
    write().map_err(|e| Error::storage(path, e))
}

pub(crate) fn keyring_io(path: &Path, e: crate::keyring::KeyringError) -> Error {
    match e {
        crate::keyring::KeyringError::Io(source) => Error::storage(path, source),
        other => Error::Keyring(other),
    }
}

fn read_key(path: &Path) -> Result<Zeroizing<[u8; 32]>> {
    let bad = |detail: String| Error::KeyFile {
        path: path.to_path_buf(),
        detail,
    };
    let text = fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
    hex::decode(text.trim())
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .map(Zeroizing::new)
        .ok_or_else(|| bad("it does not hold a 32-byte key in hex".into()))
}
