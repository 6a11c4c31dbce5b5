//! The bundle file being written: the zip as is, or inside an age file (the format's
//! encryption lives in `safekeep_bundle::encrypted`).

use std::fs::File;
use std::io::{self, Write};

use super::output::HashedOutput;
use safekeep_bundle::encrypted::{BundleEncryption, EncryptionError};

/// The bundle file being written: the zip as is, or the zip inside an age file.
pub(super) enum Output {
    Plain(HashedOutput),
    Age(age::stream::StreamWriter<HashedOutput>),
}

impl Output {
    pub(super) fn new(file: File, encryption: Option<&BundleEncryption>) -> Result<Self, EncryptionError> {
        let out = HashedOutput::new(file);
        match encryption {
            None => Ok(Self::Plain(out)),
            Some(e) => {
                let enc = e.encryptor()?;
                // Writing the header only fails if the writer thread died; finishing reports it.
                enc.wrap_output(out)
                    .map(Self::Age)
                    .map_err(|_| EncryptionError::NoRecipients)
            }
        }
    }

    /// Finishes the file; returns it and the SHA-256 of all its bytes.
    pub(super) fn finish(self) -> io::Result<(File, [u8; 32])> {
        match self {
            Self::Plain(h) => h.finish(),
            Self::Age(w) => w.finish()?.finish(),
        }
    }
}

impl Write for Output {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        match self {
            Self::Plain(w) => w.write(data),
            Self::Age(w) => w.write(data),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Self::Plain(w) => w.flush(),
            Self::Age(w) => w.flush(),
        }
    }
}
