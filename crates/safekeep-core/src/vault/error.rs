//! What can go wrong with a vault, in words that say what happened and what to do.

use std::io;
use std::path::PathBuf;

/// An error from a vault operation. Every variant leaves the vault as it was before the
/// operation: nothing half-written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The folder holds no vault.
    #[error(
        "there is no Safekeep vault in {0}. Create one with `safekeep init`, or point --vault (or SAFEKEEP_VAULT) at the folder that holds it"
    )]
    NotAVault(PathBuf),
    /// `init` was asked to create a vault where one exists.
    #[error("{0} already holds a Safekeep vault; nothing was changed")]
    AlreadyAVault(PathBuf),
    /// `init` was pointed at a folder with other things in it.
    #[error(
        "{0} is not empty. Choose a new or empty folder for the vault, so that evidence is not mixed with other files"
    )]
    FolderNotEmpty(PathBuf),
    /// Another process has the vault open.
    #[error(
        "the vault in {0} is in use by another Safekeep window or command. Close it (or wait for it to finish) and try again"
    )]
    Locked(PathBuf),
    /// The database file is damaged or is not SQLite.
    #[error(
        "the vault's database {path} is damaged or is not a Safekeep database ({detail}). Nothing was changed. Keep a copy of the whole vault folder and restore vault.db from a backup before doing anything else"
    )]
    Corrupt {
        /// The database file.
        path: PathBuf,
        /// What SQLite said.
        detail: String,
    },
    /// The vault was written by a newer Safekeep.
    #[error(
        "this vault was written by a newer version of Safekeep (schema {found}; this version understands up to {supported}). Nothing was changed: update Safekeep to open it"
    )]
    SchemaTooNew {
        /// Schema version found in the vault.
        found: u32,
        /// Newest schema this build knows.
        supported: u32,
    },
    /// A key file is missing or unreadable.
    #[error(
        "the vault key file {path} is missing or damaged ({detail}). Without it the vault cannot sign bundles; restore the vault folder from a backup"
    )]
    KeyFile {
        /// The key file.
        path: PathBuf,
        /// What went wrong.
        detail: String,
    },
    /// No case or item matches what was typed.
    #[error("no {what} matches \"{given}\". {hint}")]
    NotFound {
        /// "case" or "item".
        what: &'static str,
        /// What was typed.
        given: String,
        /// Where to look.
        hint: &'static str,
    },
    /// An id prefix matches several cases or items.
    #[error("\"{given}\" matches several {what}s ({matches}). Type more of the id")]
    Ambiguous {
        /// "case" or "item".
        what: &'static str,
        /// What was typed.
        given: String,
        /// The ids it matches.
        matches: String,
    },
    /// A file given for import cannot be used as it is.
    #[error("cannot import {path}: {reason}")]
    Input {
        /// The file.
        path: PathBuf,
        /// Why, and what to do.
        reason: String,
    },
    /// The source file changed while it was read.
    #[error(
        "{path} changed while it was being imported ({what}). Nothing was recorded. Wait until whatever is writing the file has finished, then import it again"
    )]
    SourceChanged {
        /// The file.
        path: PathBuf,
        /// What differed.
        what: String,
    },
    /// Writing into the vault failed.
    #[error("could not write into the vault ({path}): {source}. Nothing was recorded.{hint}")]
    Storage {
        /// Where.
        path: PathBuf,
        /// The operating system's error.
        source: io::Error,
        /// Extra advice, e.g. about a full disk.
        hint: &'static str,
    },
    /// A request that makes no sense (empty note, bad time, already withdrawn…).
    #[error("{0}")]
    Invalid(String),
    /// The vault is encrypted and nothing to open it with was given.
    #[error(
        "the vault in {0} is encrypted: give its passphrase (typed when asked, --passphrase-file FILE, or SAFEKEEP_PASSPHRASE)"
    )]
    NeedsPassphrase(PathBuf),
    /// A passphrase or recovery key was wrong, or the keyring is damaged.
    #[error(transparent)]
    Keyring(#[from] crate::keyring::KeyringError),
    /// An operation that needs an encrypted vault was asked of an unencrypted one.
    #[error("this vault is not encrypted. Encrypt it first with `safekeep encrypt`")]
    NotEncrypted,
    /// `encrypt` was asked of a vault that already is.
    #[error("this vault is already encrypted; nothing was changed")]
    AlreadyEncrypted,
    /// Replacing the vault's keys stopped before its switch-over: nothing changed.
    #[error(
        "the vault's keys were not changed: {reason}. The vault is as it was and opens with its current passphrase"
    )]
    KeysNotChanged {
        /// What stopped it, and what to do.
        reason: String,
    },
    /// A conversation export could not be read; nothing was recorded.
    #[error(transparent)]
    Conversation(#[from] safekeep_chat::Error),
    /// A receipt that cannot be made, read or accepted.
    #[error(transparent)]
    Receipt(#[from] crate::receipt::ReceiptError),
    /// A bundle offered as a case did not verify; nothing was stored.
    #[error(
        "the bundle did not pass every check, so nothing was imported: {}. Ask the sender for a fresh copy, and check it with `safekeep verify`",
        problems.join("; ")
    )]
    BundleNotIntact {
        /// What the checks found.
        problems: Vec<String>,
    },
    /// The bundle's case is already in this vault.
    #[error(
        "this bundle's case \"{title}\" ({case_id}) is already in this vault: it was opened here before, or it is this vault's own case. Nothing was changed"
    )]
    CaseExists {
        /// The case.
        case_id: String,
        /// Its title here.
        title: String,
    },
    /// A picture or video was offered to a no-images case (docs/safeguarding.md).
    #[error(
        "{path} was not kept: it is a picture or video ({media_type}), and this case is a no-images case because the person in the images is, or may have been, under 18. Nothing of it was stored. This is not your fault. Please do not keep or send the image; Report Remove (Childline and IWF, UK) or Take It Down (NCMEC) can have it taken down without anyone keeping a copy. You can still write down what happened, and keep web addresses and account names"
    )]
    NoImagesCase {
        /// The file (or the export's file) that was left out.
        path: PathBuf,
        /// What it was sniffed as.
        media_type: String,
    },
    /// A screen capture of a no-images case was asked for without the warning having been
    /// shown and accepted (docs/safeguarding.md).
    #[error(
        "this is a no-images case: before capturing the screen, make sure no picture or video of the person is on screen (close it, or scroll it out of view) — only messages, names and addresses. Nothing was captured. When the image is off screen, confirm it (in the app, or with --no-images-case-understood) and capture again"
    )]
    ScreenWarningNeeded,
    /// The batch or import was cancelled by the person before it finished.
    #[error("cancelled; nothing was recorded")]
    Cancelled,
    /// SQLite failed.
    #[error(
        "the vault's database reported an error: {0}. Nothing was recorded; try again, and run `safekeep check` if it persists"
    )]
    Database(#[from] rusqlite::Error),
}

impl Error {
    /// Wraps an I/O error writing to `path` inside the vault.
    pub fn storage(path: impl Into<PathBuf>, source: io::Error) -> Self {
        let hint = match source.kind() {
            io::ErrorKind::StorageFull | io::ErrorKind::FileTooLarge | io::ErrorKind::QuotaExceeded => {
                " The disk is full (or the file is larger than this disk allows): free some space, then try again."
            }
            io::ErrorKind::PermissionDenied | io::ErrorKind::ReadOnlyFilesystem => {
                " Safekeep is not allowed to write there: check the folder's permissions."
            }
            _ => "",
        };
        Self::Storage {
            path: path.into(),
            source,
            hint,
        }
    }
}

/// Result of a vault operation.
pub type Result<T> = std::result::Result<T, Error>;

impl crate::Coded for Error {
    /// A stable machine-readable code, for the UI's `{code, message}` errors.
    fn code(&self) -> &'static str {
        match self {
            Self::NotAVault(_) => "not_a_vault",
            Self::AlreadyAVault(_) => "already_a_vault",
            Self::FolderNotEmpty(_) => "folder_not_empty",
            Self::Locked(_) => "vault_locked",
            Self::Corrupt { .. } => "vault_corrupt",
            Self::SchemaTooNew { .. } => "schema_too_new",
            Self::KeyFile { .. } => "key_file",
            Self::NotFound { .. } => "not_found",
            Self::Ambiguous { .. } => "ambiguous_id",
            Self::Input { .. } => "bad_input",
            Self::SourceChanged { .. } => "source_changed",
            Self::Storage { .. } => "storage",
            Self::Invalid(_) => "invalid_request",
            Self::Database(_) => "database",
            Self::NeedsPassphrase(_) => "passphrase_needed",
            Self::Keyring(e) => match e {
                crate::keyring::KeyringError::WrongPassphrase => "wrong_passphrase",
                crate::keyring::KeyringError::WrongRecoveryKey => "wrong_recovery_key",
                crate::keyring::KeyringError::WeakPassphrase(_) => "weak_passphrase",
                _ => "keyring_damaged",
            },
            Self::NotEncrypted => "not_encrypted",
            Self::AlreadyEncrypted => "already_encrypted",
            Self::KeysNotChanged { .. } => "keys_not_changed",
            Self::Conversation(e) => match e {
                safekeep_chat::Error::NotAnExport(_) => "not_an_export",
                safekeep_chat::Error::AmbiguousDateOrder { .. } => "date_order_needed",
                safekeep_chat::Error::Contradicts(_) => "date_order_contradicted",
                safekeep_chat::Error::UnknownZone(_) => "unknown_timezone",
                safekeep_chat::Error::Unreadable(_) => "bad_input",
            },
            Self::Cancelled => "cancelled",
            Self::NoImagesCase { .. } => "no_images_case",
            Self::ScreenWarningNeeded => "no_images_screen_warning",
            Self::BundleNotIntact { .. } => "bundle_not_intact",
            Self::CaseExists { .. } => "case_exists",
            Self::Receipt(_) => "bad_receipt",
        }
    }
}
