//! Bundles encrypted for transfer: the ordinary bundle zip inside an age file
//! (<https://age-encryption.org/v1>), so that the standard `age` tool decrypts it to the
//! zip, and `safekeep verify` checks it in place without writing the plaintext anywhere.
//!
//! Why age: a short, public, audited format with independent implementations (Go, Rust),
//! passphrase (scrypt) and public-key (X25519) recipients, and random access to the
//! plaintext, which verifying a zip in place needs.

use std::fs::File;
use std::io::{self, BufReader, Read, Seek};
use std::path::Path;
use std::str::FromStr;
use std::sync::Mutex;

use age::secrecy::{ExposeSecret, SecretString};
use age_core::format::{FileKey, Stanza};
use zeroize::Zeroizing;

/// The first bytes of every (binary) age file.
const AGE_MAGIC: &[u8] = b"age-encryption.org/v1\n";
/// scrypt work factor for bundle passphrases: 2^18, ≈ 0.7 s and 256 MiB to open.
pub const DEFAULT_WORK_FACTOR: u8 = 18;

/// How to encrypt an exported bundle.
#[derive(Clone)]
pub enum BundleEncryption {
    /// A passphrase the recipient is told by another channel.
    Passphrase {
        /// The passphrase.
        passphrase: Zeroizing<String>,
        /// scrypt's log2(N); [`DEFAULT_WORK_FACTOR`] unless testing.
        work_factor: u8,
    },
    /// age public keys (`age1…`) of the people who may open it.
    Recipients(Vec<String>),
}

impl std::fmt::Debug for BundleEncryption {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Passphrase { .. } => f.write_str("Passphrase(…)"),
            Self::Recipients(r) => f.debug_tuple("Recipients").field(r).finish(),
        }
    }
}

/// What opens an encrypted bundle.
#[derive(Clone)]
pub enum BundleKey {
    /// The passphrase it was encrypted with.
    Passphrase(Zeroizing<String>),
    /// The text of an age identity file (`AGE-SECRET-KEY-1…` lines).
    Identities(Zeroizing<String>),
}

/// Why a bundle could not be encrypted.
#[derive(Debug, thiserror::Error)]
pub enum EncryptionError {
    /// A recipient is not an age public key.
    #[error("\"{0}\" is not an age public key; they start with age1 and are 62 characters long")]
    BadRecipient(String),
    /// The passphrase is too short to protect the bundle.
    #[error(
        "choose a passphrase of at least 10 characters for the bundle, and send it by another channel than the file"
    )]
    WeakPassphrase,
    /// Nobody could open the result.
    #[error("give a passphrase or at least one recipient to encrypt for")]
    NoRecipients,
}

impl BundleEncryption {
    /// The age encryptor for this choice, after checking the passphrase or recipients.
    pub fn encryptor(&self) -> Result<age::Encryptor, EncryptionError> {
        match self {
            Self::Passphrase {
                passphrase,
                work_factor,
            } => {
                if passphrase.trim().chars().count() < 10 {
                    return Err(EncryptionError::WeakPassphrase);
                }
                let mut r = age::scrypt::Recipient::new(SecretString::from(passphrase.to_string()));
                r.set_work_factor(*work_factor);
                age::Encryptor::with_recipients(std::iter::once(&r as &dyn age::Recipient))
                    .map_err(|_| EncryptionError::NoRecipients)
            }
            Self::Recipients(list) => {
                let parsed = list
                    .iter()
                    .map(|r| {
                        age::x25519::Recipient::from_str(r.trim())
                            .map_err(|_| EncryptionError::BadRecipient(r.clone()))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                age::Encryptor::with_recipients(parsed.iter().map(|r| r as &dyn age::Recipient))
                    .map_err(|_| EncryptionError::NoRecipients)
            }
        }
    }
}

/// Whether `path` is an age file.
pub fn is_encrypted(path: &Path) -> bool {
    File::open(path).is_ok_and(|mut f| starts_as_age(&mut f))
}

/// Whether the bytes `reader` gives start as an age file's.
pub fn starts_as_age(reader: &mut dyn Read) -> bool {
    let mut head = [0u8; AGE_MAGIC.len()];
    reader.read_exact(&mut head).is_ok_and(|()| head == AGE_MAGIC)
}

/// Something the zip reader can read and seek in.
pub trait ReadSeek: Read + Seek + Send {}
impl<T: Read + Seek + Send> ReadSeek for T {}

/// Opens an age-encrypted bundle, any number of times (one per verifying thread), paying
/// for the passphrase's scrypt only once: the file key found the first time is reused.
pub struct AgeOpener {
    identities: Vec<Box<dyn age::Identity + Send + Sync>>,
    file_key: Mutex<Option<Zeroizing<[u8; 16]>>>,
}

impl AgeOpener {
    /// Reads the passphrase or identities; nothing is decrypted yet.
    pub fn new(key: &BundleKey) -> Result<Self, String> {
        let identities: Vec<Box<dyn age::Identity + Send + Sync>> = match key {
            BundleKey::Passphrase(p) => {
                let mut id = age::scrypt::Identity::new(SecretString::from(p.to_string()));
                // 2^20 (1 GiB) at most: Safekeep writes 2^18, and a hostile file must not
                // make the check take the computer's memory (2^22 is 4 GiB).
                id.set_max_work_factor(20);
                vec![Box::new(id)]
            }
            BundleKey::Identities(text) => age::IdentityFile::from_buffer(text.as_bytes())
                .and_then(|f| f.into_identities().map_err(io::Error::other))
                .map_err(|e| format!("the identity file cannot be read ({e})"))?,
        };
        Ok(Self {
            identities,
            file_key: Mutex::new(None),
        })
    }

    /// Decrypts the age file `file` (named `name` in messages) on the fly.
    pub fn open(&self, file: Box<dyn ReadSeek>, name: &str) -> Result<Box<dyn ReadSeek>, String> {
        let decryptor = age::Decryptor::new_buffered(BufReader::new(file))
            .map_err(|e| format!("{name} is not a readable age file ({e})"))?;
        let reader = decryptor
            .decrypt(std::iter::once(self as &dyn age::Identity))
            .map_err(|e| match e {
                age::DecryptError::NoMatchingKeys | age::DecryptError::DecryptionFailed => {
                    "this passphrase or identity does not open the encrypted bundle; check it with the sender"
                        .to_owned()
                }
                other => format!("the encrypted bundle cannot be opened ({other})"),
            })?;
        Ok(Box::new(reader))
    }
}

impl age::Identity for AgeOpener {
    fn unwrap_stanza(&self, _stanza: &Stanza) -> Option<Result<FileKey, age::DecryptError>> {
        None
    }

    fn unwrap_stanzas(&self, stanzas: &[Stanza]) -> Option<Result<FileKey, age::DecryptError>> {
        if let Ok(cache) = self.file_key.lock()
            && let Some(k) = cache.as_ref()
        {
            return Some(Ok(FileKey::new(Box::new(**k))));
        }
        let found = self.identities.iter().find_map(|id| id.unwrap_stanzas(stanzas))?;
        if let (Ok(k), Ok(mut cache)) = (&found, self.file_key.lock()) {
            *cache = Some(Zeroizing::new(*k.expose_secret()));
        }
        Some(found)
    }
}
