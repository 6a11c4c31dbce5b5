//! Why writing a bundle (or a report) failed: the writer's one error type, a leaf that
//! every part of the writer returns.

use std::io;
use std::path::PathBuf;

use super::encrypted::EncryptionError;

/// Why an export failed. Nothing is left at the output path when one is returned.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError {
    /// The exhibit source (the vault) could not be read; its own error says why.
    #[error(transparent)]
    Source(SourceError),
    /// The output file exists.
    #[error("{0} already exists. Choose another file name: Safekeep never overwrites a bundle")]
    Exists(PathBuf),
    /// The exhibit prefix is not 1–4 capital letters.
    #[error(
        "the exhibit prefix \"{0}\" should be 1 to 4 capital letters, usually the initials of the person producing the exhibits (for example AB)"
    )]
    BadPrefix(String),
    /// The case has nothing to export.
    #[error("case {0} has no items to export yet; add evidence first")]
    Empty(String),
    /// A stored original no longer matches its hash, or is gone.
    #[error(
        "stored file #{artifact} of item {item_id} {problem}, so it cannot be exported as evidence. Nothing was exported; run `safekeep check` for details"
    )]
    Damaged {
        /// The item.
        item_id: String,
        /// Which of its files (from 1).
        artifact: usize,
        /// What is wrong.
        problem: String,
    },
    /// The encryption asked for cannot be done.
    #[error(transparent)]
    Encryption(#[from] EncryptionError),
    /// Writing the bundle failed.
    #[error(
        "could not write the bundle {path}: {source}. Nothing was kept; check there is space and that you may write there"
    )]
    Write {
        /// The output path.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
}

/// An exhibit source's error, with the stable code the app reacts to (the vault's own).
#[derive(Debug, thiserror::Error)]
#[error("{error}")]
pub struct SourceError {
    code: &'static str,
    #[source]
    error: Box<dyn std::error::Error + Send + Sync>,
}

impl SourceError {
    /// Wraps `error`, keeping its code.
    pub fn new<E: std::error::Error + crate::Coded + Send + Sync + 'static>(error: E) -> Self {
        Self {
            code: error.code(),
            error: Box::new(error),
        }
    }
}

impl crate::Coded for ExportError {
    /// A stable machine-readable code, for the UI.
    fn code(&self) -> &'static str {
        match self {
            Self::Source(e) => e.code,
            Self::Exists(_) => "output_exists",
            Self::BadPrefix(_) => "bad_exhibit_prefix",
            Self::Empty(_) => "nothing_to_export",
            Self::Damaged { .. } => "vault_damaged",
            Self::Write { .. } => "export_write",
            Self::Encryption(_) => "bad_encryption",
        }
    }
}
