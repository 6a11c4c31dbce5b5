//! The vault's keys at rest: one random master key, wrapped by the passphrase and by a
//! one-time recovery key; the signing and blob-name keys sealed under it.
//!
//! `keys/keyring.json` (docs/security.md § "Keyring"):
//!
//! ```text
//! kek_pass     = Argon2id(passphrase, salt, m, t, p)            (32 bytes)
//! kek_recovery = HKDF-SHA-256(ikm = recovery key, info = "safekeep recovery v1")
//! passphrase   = XChaCha20-Poly1305(kek_pass, nonce, master, aad = "safekeep keyring v1 passphrase")
//! recovery     = XChaCha20-Poly1305(kek_recovery, nonce, master, aad = "safekeep keyring v1 recovery")
//! secrets      = XChaCha20-Poly1305(HKDF(master, "safekeep secrets v1"), nonce,
//!                                   JSON {signing_seed, name_key}, aad = "safekeep keyring v1 secrets")
//! db key       = HKDF(master, "safekeep sqlcipher v1")  → SQLCipher raw key
//! blob key     = HKDF(master, "safekeep blobs v1")      → sealed blobs
//! ```
//!
//! Why: changing the passphrase rewraps 32 bytes instead of re-encrypting the vault, and
//! the recovery key is an independent way to the same master key. Argon2id's parameters
//! are stored so that a vault made on a fast machine still opens on a slow one.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::{KeyInit, XChaCha20Poly1305, XNonce};
use hkdf::Hkdf;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::blob_store::sync_dir;
use crate::sealed_blob::BlobKey;

const FORMAT: &str = "safekeep-keyring/1";
const RECOVERY_BYTES: usize = 20;

/// Why the keyring could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyringError {
    /// The passphrase does not open the vault.
    #[error(
        "that passphrase does not open this vault. Check Caps Lock and the keyboard layout, then try again"
    )]
    WrongPassphrase,
    /// The recovery key does not open the vault.
    #[error(
        "that recovery key does not open this vault. Type the 32 letters and digits exactly as printed (dashes and case do not matter)"
    )]
    WrongRecoveryKey,
    /// The passphrase is unusable.
    #[error("{0}")]
    WeakPassphrase(String),
    /// The keyring file is damaged.
    #[error("the vault's keyring is damaged ({0}); restore the vault folder from a backup")]
    Damaged(String),
    /// Reading or writing the keyring failed.
    #[error("could not read or write the vault's keyring: {0}")]
    Io(#[from] io::Error),
}

/// Argon2id cost parameters, recorded in the keyring.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    /// Memory in KiB.
    pub m_kib: u32,
    /// Passes.
    pub t: u32,
    /// Lanes.
    pub p: u32,
}

impl KdfParams {
    /// The cheapest parameters Argon2 allows. Only for tests: a vault made with them
    /// falls to a passphrase guesser quickly.
    pub const INSECURE_FAST: Self = Self { m_kib: 8, t: 1, p: 1 };
    const TUNE_MEMORY_KIB: u32 = 64 * 1024;
}

/// How to choose Argon2id's cost when a passphrase is set.
#[derive(Debug, Clone, Copy)]
pub enum KdfPolicy {
    /// Measure this machine and take about this long per unlock.
    Tuned(Duration),
    /// Use these parameters.
    Fixed(KdfParams),
}

impl KdfPolicy {
    /// The parameters this policy picks on this machine.
    pub fn params(&self) -> KdfParams {
        match *self {
            Self::Fixed(p) => p,
            Self::Tuned(target) => tune(target),
        }
    }
}

/// Measures one Argon2id pass at 64 MiB and picks the number of passes that takes about
/// `target` (at least 2, at most 32).
pub fn tune(target: Duration) -> KdfParams {
    let probe = KdfParams {
        m_kib: KdfParams::TUNE_MEMORY_KIB,
        t: 1,
        p: 1,
    };
    let start = Instant::now();
    let _ = derive(b"probe", &[0u8; 16], probe);
    let one = start.elapsed().max(Duration::from_millis(1));
    let t = (target.as_secs_f64() / one.as_secs_f64()).round() as u32;
    KdfParams {
        t: t.clamp(2, 32),
        ..probe
    }
}

fn derive(passphrase: &[u8], salt: &[u8], p: KdfParams) -> Result<Zeroizing<[u8; 32]>, KeyringError> {
    let params = argon2::Params::new(p.m_kib, p.t, p.p, Some(32))
        .map_err(|e| KeyringError::Damaged(format!("Argon2 parameters: {e}")))?;
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut out = Zeroizing::new([0u8; 32]);
    argon
        .hash_password_into(passphrase, salt, out.as_mut())
        .map_err(|e| KeyringError::Damaged(format!("Argon2: {e}")))?;
    Ok(out)
}

fn cipher(key: &[u8; 32]) -> XChaCha20Poly1305 {
    XChaCha20Poly1305::new(chacha20poly1305::Key::from_slice(key))
}

fn hkdf(ikm: &[u8], info: &str) -> Zeroizing<[u8; 32]> {
    let mut out = Zeroizing::new([0u8; 32]);
    Hkdf::<Sha256>::new(None, ikm)
        .expand(info.as_bytes(), out.as_mut())
        .unwrap_or_else(|_| unreachable!("32 bytes is a valid HKDF-SHA-256 length"));
    out
}

/// Checks a new passphrase: long enough to resist guessing with the stored parameters.
pub fn check_new_passphrase(passphrase: &str) -> Result<(), KeyringError> {
    if passphrase.trim().chars().count() < 8 {
        return Err(KeyringError::WeakPassphrase(
            "choose a passphrase of at least 8 characters; several unrelated words are easiest to remember"
                .into(),
        ));
    }
    Ok(())
}

/// The vault's master key, held only while the vault is unlocked. Zeroed when dropped.
pub struct MasterKey(Zeroizing<[u8; 32]>);

impl MasterKey {
    /// The SQLCipher key, as the `PRAGMA key` value `x'…'`.
    pub fn db_key(&self) -> Zeroizing<String> {
        let k = hkdf(self.0.as_ref(), "safekeep sqlcipher v1");
        Zeroizing::new(format!("x'{}'", hex::encode(&k[..])))
    }

    /// The key sealing blobs.
    pub fn blob_key(&self) -> BlobKey {
        BlobKey::new(*hkdf(self.0.as_ref(), "safekeep blobs v1"))
    }

    fn secrets_cipher(&self) -> XChaCha20Poly1305 {
        cipher(&hkdf(&self.0[..], "safekeep secrets v1"))
    }
}

/// The keys that existed before encryption: kept so that a vault's fingerprint and blob
/// names survive encrypting it.
pub struct Secrets {
    /// The Ed25519 signing key's seed.
    pub signing_seed: Zeroizing<[u8; 32]>,
    /// The blob-name HMAC key.
    pub name_key: Zeroizing<[u8; 32]>,
}

#[derive(Serialize, Deserialize)]
struct SecretsJson {
    signing_seed: String,
    name_key: String,
}

#[derive(Serialize, Deserialize, Clone)]
struct Wrapped {
    nonce: String,
    ciphertext: String,
}

#[derive(Serialize, Deserialize, Clone)]
struct KdfRecord {
    algorithm: String,
    version: u32,
    #[serde(flatten)]
    params: KdfParams,
    salt: String,
}

/// The contents of `keys/keyring.json`.
#[derive(Serialize, Deserialize, Clone)]
pub struct Keyring {
    format: String,
    kdf: KdfRecord,
    passphrase: Wrapped,
    recovery: Wrapped,
    secrets: Wrapped,
}

fn seal(key: &XChaCha20Poly1305, aad: &str, plain: &[u8], rng: &mut dyn RngCore) -> Wrapped {
    let mut nonce = [0u8; 24];
    rng.fill_bytes(&mut nonce);
    let ct = key
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: plain,
                aad: aad.as_bytes(),
            },
        )
        .unwrap_or_else(|_| unreachable!("XChaCha20-Poly1305 encrypts any message under 256 GiB"));
    Wrapped {
        nonce: hex::encode(nonce),
        ciphertext: hex::encode(ct),
    }
}

fn open(key: &XChaCha20Poly1305, aad: &str, w: &Wrapped) -> Option<Zeroizing<Vec<u8>>> {
    let nonce = hex::decode(&w.nonce).ok().filter(|n| n.len() == 24)?;
    let ct = hex::decode(&w.ciphertext).ok()?;
    key.decrypt(
        XNonce::from_slice(&nonce),
        Payload {
            msg: &ct,
            aad: aad.as_bytes(),
        },
    )
    .ok()
    .map(Zeroizing::new)
}

fn to_key(bytes: &[u8]) -> Option<Zeroizing<[u8; 32]>> {
    let arr: [u8; 32] = bytes.try_into().ok()?;
    Some(Zeroizing::new(arr))
}

/// A recovery key as printed for the user: 32 base32 characters in groups of four.
pub struct RecoveryKey(Zeroizing<String>);

impl RecoveryKey {
    /// The printable form.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn bytes_of(text: &str) -> Option<Zeroizing<Vec<u8>>> {
        let clean: String = text
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let bytes = data_encoding::BASE32_NOPAD.decode(clean.as_bytes()).ok()?;
        (bytes.len() == RECOVERY_BYTES).then(|| Zeroizing::new(bytes))
    }
}

const AAD_PASS: &str = "safekeep keyring v1 passphrase";
const AAD_RECOVERY: &str = "safekeep keyring v1 recovery";
const AAD_SECRETS: &str = "safekeep keyring v1 secrets";

impl Keyring {
    /// Makes a keyring for a new master key, wrapped by `passphrase` and by a fresh
    /// recovery key, which is returned for showing once.
    pub fn create(
        passphrase: &str,
        params: KdfParams,
        secrets: &Secrets,
        rng: &mut dyn RngCore,
    ) -> Result<(Self, MasterKey, RecoveryKey), KeyringError> {
        check_new_passphrase(passphrase)?;
        let mut master = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(master.as_mut());
        let master = MasterKey(master);
        let (recovery, printable) = wrap_recovery(&master, rng);
        let json = Zeroizing::new(
            serde_json::to_string(&SecretsJson {
                signing_seed: hex::encode(&secrets.signing_seed[..]),
                name_key: hex::encode(&secrets.name_key[..]),
            })
            .map_err(|e| KeyringError::Damaged(e.to_string()))?,
        );
        let sealed = seal(&master.secrets_cipher(), AAD_SECRETS, json.as_bytes(), rng);
        let (kdf, passphrase) = wrap_passphrase(&master, passphrase, params, rng)?;
        Ok((
            Self {
                format: FORMAT.into(),
                kdf,
                passphrase,
                recovery,
                secrets: sealed,
            },
            master,
            printable,
        ))
    }

    /// Reads `path`.
    pub fn load(path: &Path) -> Result<Self, KeyringError> {
        let text = fs::read_to_string(path)?;
        let k: Self = serde_json::from_str(&text).map_err(|e| KeyringError::Damaged(e.to_string()))?;
        if k.format != FORMAT || k.kdf.algorithm != "argon2id" || k.kdf.version != 19 {
            return Err(KeyringError::Damaged(format!(
                "unknown format {} / {} v{}",
                k.format, k.kdf.algorithm, k.kdf.version
            )));
        }
        Ok(k)
    }

    /// Writes `path` crash-safely: temporary file, fsync, rename, directory fsync.
    pub fn save(&self, path: &Path) -> Result<(), KeyringError> {
        let tmp = path.with_extension("json.tmp");
        let text = serde_json::to_string_pretty(self).map_err(|e| KeyringError::Damaged(e.to_string()))?;
        let mut opts = OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
        let mut f = opts.open(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        fs::rename(&tmp, path)?;
        if let Some(dir) = path.parent() {
            sync_dir(dir)?;
        }
        Ok(())
    }

    /// The Argon2id parameters in use.
    pub fn kdf_params(&self) -> KdfParams {
        self.kdf.params
    }

    /// Derives the passphrase key (the slow step) and unwraps the master key.
    pub fn unlock(&self, passphrase: &str) -> Result<MasterKey, KeyringError> {
        let salt = hex::decode(&self.kdf.salt).map_err(|_| KeyringError::Damaged("salt".into()))?;
        let kek = derive(passphrase.as_bytes(), &salt, self.kdf.params)?;
        open(&cipher(&kek), AAD_PASS, &self.passphrase)
            .and_then(|m| to_key(&m))
            .map(MasterKey)
            .ok_or(KeyringError::WrongPassphrase)
    }

    /// Unwraps the master key with the printed recovery key.
    pub fn unlock_with_recovery(&self, recovery: &str) -> Result<MasterKey, KeyringError> {
        let bytes = RecoveryKey::bytes_of(recovery).ok_or(KeyringError::WrongRecoveryKey)?;
        let kek = hkdf(&bytes, "safekeep recovery v1");
        open(&cipher(&kek), AAD_RECOVERY, &self.recovery)
            .and_then(|m| to_key(&m))
            .map(MasterKey)
            .ok_or(KeyringError::WrongRecoveryKey)
    }

    /// Unseals the signing and blob-name keys.
    pub fn secrets(&self, master: &MasterKey) -> Result<Secrets, KeyringError> {
        let json = open(&master.secrets_cipher(), AAD_SECRETS, &self.secrets)
            .ok_or_else(|| KeyringError::Damaged("the sealed keys do not authenticate".into()))?;
        let s: SecretsJson =
            serde_json::from_slice(&json).map_err(|e| KeyringError::Damaged(e.to_string()))?;
        let key = |h: &str| {
            hex::decode(h)
                .ok()
                .and_then(|b| to_key(&b))
                .ok_or_else(|| KeyringError::Damaged("a sealed key is malformed".into()))
        };
        Ok(Secrets {
            signing_seed: key(&s.signing_seed)?,
            name_key: key(&s.name_key)?,
        })
    }

    /// Wraps the master key under a new passphrase (new salt, new parameters); the data,
    /// the recovery key and the sealed keys are unchanged.
    pub fn set_passphrase(
        &mut self,
        master: &MasterKey,
        passphrase: &str,
        params: KdfParams,
        rng: &mut dyn RngCore,
    ) -> Result<(), KeyringError> {
        check_new_passphrase(passphrase)?;
        let (kdf, wrapped) = wrap_passphrase(master, passphrase, params, rng)?;
        self.kdf = kdf;
        self.passphrase = wrapped;
        Ok(())
    }

    /// Wraps the master key under a fresh recovery key, which replaces the old one in this
    /// keyring, and returns it for showing once.
    ///
    /// The master key stays the same, so an old recovery key still opens any copy of the
    /// keyring taken before (and, through it, any copy of the data): only a new master key
    /// ([`crate::Vault::rotate_keys`]) locks copies out.
    pub fn set_recovery_key(&mut self, master: &MasterKey, rng: &mut dyn RngCore) -> RecoveryKey {
        let (wrapped, printable) = wrap_recovery(master, rng);
        self.recovery = wrapped;
        printable
    }
}

/// Makes a fresh recovery key and wraps `master` under it.
fn wrap_recovery(master: &MasterKey, rng: &mut dyn RngCore) -> (Wrapped, RecoveryKey) {
    let mut rec = Zeroizing::new([0u8; RECOVERY_BYTES]);
    rng.fill_bytes(rec.as_mut());
    let encoded = Zeroizing::new(data_encoding::BASE32_NOPAD.encode(rec.as_ref()));
    let printable = encoded
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("-");
    let rec_kek = hkdf(rec.as_ref(), "safekeep recovery v1");
    let wrapped = seal(&cipher(&rec_kek), AAD_RECOVERY, master.0.as_ref(), rng);
    (wrapped, RecoveryKey(Zeroizing::new(printable)))
}

fn wrap_passphrase(
    master: &MasterKey,
    passphrase: &str,
    params: KdfParams,
    rng: &mut dyn RngCore,
) -> Result<(KdfRecord, Wrapped), KeyringError> {
    let mut salt = [0u8; 16];
    rng.fill_bytes(&mut salt);
    let kek = derive(passphrase.as_bytes(), &salt, params)?;
    let wrapped = seal(&cipher(&kek), AAD_PASS, master.0.as_ref(), rng);
    Ok((
        KdfRecord {
            algorithm: "argon2id".into(),
            version: 19,
            params,
            salt: hex::encode(salt),
        },
        wrapped,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn secrets() -> Secrets {
        Secrets {
            signing_seed: Zeroizing::new([1; 32]),
            name_key: Zeroizing::new([2; 32]),
        }
    }

    #[test]
    fn passphrase_recovery_and_change() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let p = KdfParams::INSECURE_FAST;
        let (mut ring, master, rec) =
            Keyring::create("correct horse battery", p, &secrets(), &mut rng).expect("create");
        assert_eq!(rec.as_str().len(), 39);
        let db = master.db_key();
        assert!(matches!(
            ring.unlock("wrong horse battery"),
            Err(KeyringError::WrongPassphrase)
        ));
        let again = ring.unlock("correct horse battery").expect("unlock");
        assert_eq!(*again.db_key(), *db);
        let by_rec = ring
            .unlock_with_recovery(&rec.as_str().to_lowercase().replace('-', " "))
            .expect("recovery");
        assert_eq!(*by_rec.db_key(), *db);
        assert!(ring.unlock_with_recovery("AAAA-BBBB").is_err());
        ring.set_passphrase(&again, "a new long passphrase", p, &mut rng)
            .expect("change");
        assert!(ring.unlock("correct horse battery").is_err());
        let s = ring
            .secrets(&ring.unlock("a new long passphrase").expect("new"))
            .expect("secrets");
        assert_eq!(*s.signing_seed, [1; 32]);
        assert_eq!(*s.name_key, [2; 32]);
        let rec2 = ring.set_recovery_key(&again, &mut rng);
        assert!(matches!(
            ring.unlock_with_recovery(rec.as_str()),
            Err(KeyringError::WrongRecoveryKey)
        ));
        assert_eq!(
            *ring
                .unlock_with_recovery(rec2.as_str())
                .expect("new recovery")
                .db_key(),
            *db
        );
        assert!(matches!(
            Keyring::create("short", p, &secrets(), &mut rng),
            Err(KeyringError::WeakPassphrase(_))
        ));
    }
}
