//! Receipts: the recipient of a bundle (solicitor, police officer, advocate) checks it and
//! signs, with their own key, what they received and what the checks found; the victim
//! adds the receipt to the case, where it is checked against the export the case recorded
//! and becomes a `bundle.received` event. Format: `docs/receipts.md`.
//!
//! The recipient's key is theirs, not the vault's: an Ed25519 key made on first use and
//! kept in the recipient's own settings, its seed encrypted with their passphrase (age,
//! scrypt), so a receipt proves who received the bundle and nobody else can make one in
//! their name.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::Path;

use age::secrecy::SecretString;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::bundle::{BundleKey, VerifyReport, verify};
use crate::canonical;
use crate::signing::{self, VaultKey};

/// The format name every receipt carries.
pub const FORMAT: &str = "safekeep-receipt 1";

/// Why a receipt could not be made, read or accepted.
#[derive(Debug, thiserror::Error)]
pub enum ReceiptError {
    /// The recipient's key file, or the receipt, could not be read or written.
    #[error("{path} {what}: {source}")]
    KeyFile {
        /// Where.
        path: String,
        /// What was being done.
        what: &'static str,
        /// The cause.
        source: io::Error,
    },
    /// The passphrase does not open the recipient's key.
    #[error(
        "this passphrase does not open the recipient key at {0}. Give the passphrase it was made with (or, to start again with a new key, move that file away: receipts signed with it stay valid)"
    )]
    WrongPassphrase(String),
    /// A new key's passphrase is too short.
    #[error("the passphrase for a new recipient key must be at least 10 characters long")]
    WeakPassphrase,
    /// The bundle could not be read to be hashed.
    #[error("{0} cannot be read: {1}")]
    Bundle(String, io::Error),
    /// Not a receipt, or a damaged one.
    #[error("{0}")]
    Invalid(String),
}

impl crate::Coded for ReceiptError {
    fn code(&self) -> &'static str {
        match self {
            Self::WrongPassphrase(_) => "wrong_passphrase",
            Self::WeakPassphrase => "weak_passphrase",
            _ => "bad_receipt",
        }
    }
}

/// Who received the bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recipient {
    /// Their name.
    pub name: String,
    /// Their firm, force or service.
    pub organisation: String,
    /// Their key's fingerprint, to be read out.
    pub key_fingerprint: String,
    /// Their Ed25519 public key, hex.
    pub public_key: String,
}

/// The bundle a receipt is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceivedBundle {
    /// The file's name as received.
    pub file: String,
    /// SHA-256 of the file as received.
    pub sha256: String,
    /// SHA-256 of its tag manifest (what the sender's signature covers), when it was read.
    pub tagmanifest_sha256: Option<String>,
    /// The fingerprint of the key that signed the bundle, when its signature parsed.
    pub signer_fingerprint: Option<String>,
}

/// A signed receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    /// [`FORMAT`].
    pub receipt: String,
    /// What was received.
    pub bundle: ReceivedBundle,
    /// `intact`, `altered` or `not_a_bundle`: what `safekeep verify` answered.
    pub verdict: String,
    /// Every check and what it found.
    pub checks: Vec<ReceiptCheck>,
    /// When it was checked and signed, RFC 3339 UTC.
    pub received_at: String,
    /// Who received it.
    pub recipient: Recipient,
    /// Ed25519 signature, hex, over the canonical JSON of everything above.
    pub signature: String,
    /// A trusted timestamp (RFC 3161) of the signed receipt, when the recipient asked for
    /// one: outside the signature, over the SHA-256 of the receipt's canonical JSON
    /// without this member (so the signature is covered).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<ReceiptTimestamp>,
}

/// The trusted timestamp of a receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptTimestamp {
    /// The authority's address.
    pub tsa: String,
    /// Its time, as the token states it (RFC 3339 UTC).
    pub gen_time: String,
    /// The token (DER `ContentInfo`), hex.
    pub token: String,
    /// The certificates it verifies against, signer first and root last (PEM).
    pub chain_pem: String,
}

/// One check of `verify`, as the receipt states it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptCheck {
    /// What was checked.
    pub check: String,
    /// Whether it passed.
    pub ok: bool,
    /// What was found.
    pub details: Vec<String>,
}

/// The scrypt work factor of a recipient key's passphrase (2^18, as for bundles).
pub const KEY_WORK_FACTOR: u8 = 18;

/// Opens the recipient key at `path`, or makes one there (returning `true`) if there is
/// none. A new key's file is written whole under a temporary name first, then renamed.
pub fn load_or_create_key(
    path: &Path,
    passphrase: &str,
    work_factor: u8,
    rng: &mut dyn RngCore,
) -> Result<(VaultKey, bool), ReceiptError> {
    let shown = path.display().to_string();
    let io_err = |what: &'static str| {
        let shown = format!("the recipient key {shown}");
        move |source| ReceiptError::KeyFile {
            path: shown,
            what,
            source,
        }
    };
    if path.exists() {
        let bytes = fs::read(path).map_err(io_err("cannot be read"))?;
        let mut id = age::scrypt::Identity::new(SecretString::from(passphrase.to_owned()));
        id.set_max_work_factor(22);
        let decryptor = age::Decryptor::new(&bytes[..])
            .map_err(|e| ReceiptError::Invalid(format!("the recipient key at {shown} is damaged ({e})")))?;
        let mut seed_hex = Zeroizing::new(String::new());
        decryptor
            .decrypt(std::iter::once(&id as &dyn age::Identity))
            .map_err(|_| ReceiptError::WrongPassphrase(shown.clone()))?
            .read_to_string(&mut seed_hex)
            .map_err(io_err("cannot be read"))?;
        let seed: [u8; 32] = hex::decode(seed_hex.trim())
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| ReceiptError::Invalid(format!("the recipient key at {shown} is damaged")))?;
        return Ok((VaultKey::from_seed(&seed), false));
    }
    if passphrase.trim().chars().count() < 10 {
        return Err(ReceiptError::WeakPassphrase);
    }
    let key = VaultKey::generate(rng);
    let mut r = age::scrypt::Recipient::new(SecretString::from(passphrase.to_owned()));
    r.set_work_factor(work_factor);
    let encryptor = age::Encryptor::with_recipients(std::iter::once(&r as &dyn age::Recipient))
        .map_err(|e| ReceiptError::Invalid(format!("the recipient key cannot be sealed ({e})")))?;
    let mut sealed = Vec::new();
    let mut w = encryptor
        .wrap_output(&mut sealed)
        .map_err(io_err("cannot be written"))?;
    w.write_all(hex::encode(key.seed()).as_bytes())
        .and_then(|()| w.finish().map(drop))
        .map_err(io_err("cannot be written"))?;
    if let Some(dir) = path.parent() {
        crate::private_file::create_dir_all(dir).map_err(io_err("cannot be written"))?;
    }
    let tmp = path.with_extension("part");
    let mut f = crate::private_file::create_new(&tmp).map_err(io_err("cannot be written"))?;
    f.write_all(&sealed)
        .and_then(|()| f.sync_all())
        .and_then(|()| fs::rename(&tmp, path))
        .map_err(io_err("cannot be written"))?;
    Ok((key, true))
}

/// Checks the bundle at `bundle` (opened with `bundle_key` if it is encrypted) and signs a
/// receipt stating what was found, whatever it was: a receipt for a damaged bundle says
/// so, which is what a sender needs to know.
pub fn sign(
    bundle: &Path,
    bundle_key: Option<&BundleKey>,
    name: &str,
    organisation: &str,
    key: &VaultKey,
    now: &str,
) -> Result<Receipt, ReceiptError> {
    if name.trim().is_empty() {
        return Err(ReceiptError::Invalid(
            "say who received the bundle: --name \"Your name\"".into(),
        ));
    }
    let sha256 = hash_file(bundle)?;
    let report: VerifyReport = verify::verify_path(bundle, None, bundle_key, &|_| {});
    let mut receipt = Receipt {
        receipt: FORMAT.into(),
        bundle: ReceivedBundle {
            file: bundle
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            sha256,
            tagmanifest_sha256: report.tagmanifest_sha256.clone(),
            signer_fingerprint: report.key_fingerprint.clone(),
        },
        verdict: serde_json::to_value(report.verdict)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
        checks: report
            .checks
            .iter()
            .map(|c| ReceiptCheck {
                check: c.check.clone(),
                ok: c.ok,
                details: c.details.clone(),
            })
            .collect(),
        received_at: now.to_owned(),
        recipient: Recipient {
            name: name.trim().to_owned(),
            organisation: organisation.trim().to_owned(),
            key_fingerprint: key.fingerprint(),
            public_key: hex::encode(key.public_bytes()),
        },
        signature: String::new(),
        timestamp: None,
    };
    receipt.signature = hex::encode(key.sign(&signed_bytes(&receipt, &["signature", "timestamp"])?));
    Ok(receipt)
}

/// A receipt's canonical JSON without the members `without`: without `signature` and
/// `timestamp` it is what the signature covers; without `timestamp`, what the timestamp covers.
fn signed_bytes(r: &Receipt, without: &[&str]) -> Result<Vec<u8>, ReceiptError> {
    let mut v = serde_json::to_value(r).map_err(|e| ReceiptError::Invalid(e.to_string()))?;
    if let Value::Object(o) = &mut v {
        for k in without {
            o.remove(*k);
        }
    }
    canonical::to_bytes(&v).map_err(|e| ReceiptError::Invalid(e.to_string()))
}

/// Whether `bytes` claim to be a receipt (JSON naming a `safekeep-receipt` format), so
/// that a file dropped on a case can go to [`crate::Vault::add_receipt`] rather than be
/// imported as evidence. Says nothing about whether the receipt is valid.
pub fn looks_like_receipt(bytes: &[u8]) -> bool {
    serde_json::from_slice::<Value>(bytes)
        .ok()
        .and_then(|v| {
            v.get("receipt")
                .and_then(Value::as_str)
                .map(|f| f.starts_with("safekeep-receipt"))
        })
        .unwrap_or(false)
}

impl Receipt {
    /// Reads a receipt file and checks its signature against the key it names.
    pub fn read_verified(bytes: &[u8]) -> Result<Self, ReceiptError> {
        let r: Receipt = serde_json::from_slice(bytes).map_err(|e| {
            ReceiptError::Invalid(format!(
                "this is not a Safekeep receipt ({e}); a receipt is the RECEIPT.json file `safekeep receipt sign` wrote"
            ))
        })?;
        if r.receipt != FORMAT {
            return Err(ReceiptError::Invalid(format!(
                "this receipt's format is \"{}\", which this version does not read (it reads \"{FORMAT}\")",
                r.receipt
            )));
        }
        let public: [u8; 32] = hex::decode(&r.recipient.public_key)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| ReceiptError::Invalid("the receipt's public key is not an Ed25519 key".into()))?;
        if signing::fingerprint(&public) != r.recipient.key_fingerprint {
            return Err(ReceiptError::Invalid(
                "the receipt's key fingerprint is not that of its public key: it was altered".into(),
            ));
        }
        let sig: [u8; 64] = hex::decode(&r.signature)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| ReceiptError::Invalid("the receipt's signature is missing or malformed".into()))?;
        if !signing::verify(&public, &signed_bytes(&r, &["signature", "timestamp"])?, &sig) {
            return Err(ReceiptError::Invalid(
                "the receipt's signature does not verify: it was altered after it was signed, or was not signed by the key it names".into(),
            ));
        }
        if let Some(t) = &r.timestamp {
            let token = hex::decode(&t.token).map_err(|_| {
                ReceiptError::Invalid("the receipt's timestamp token is not hex: it was altered".into())
            })?;
            let verified = r.check_token(&token, &t.chain_pem)?;
            if verified.gen_time != t.gen_time {
                return Err(ReceiptError::Invalid(format!(
                    "the receipt says it was time-stamped at {} but its token says {}: it was altered",
                    t.gen_time, verified.gen_time
                )));
            }
        }
        Ok(r)
    }

    /// What a timestamp of this receipt covers: SHA-256 of its canonical JSON without
    /// `timestamp` (so including the signature).
    pub fn timestamp_imprint(&self) -> Result<[u8; 32], ReceiptError> {
        Ok(Sha256::digest(signed_bytes(self, &["timestamp"])?).into())
    }

    /// Adds a token obtained for [`Self::timestamp_imprint`], after verifying it against
    /// `chain_pem` (whose last certificate is taken as the root, as for bundles).
    pub fn add_timestamp(&mut self, tsa: &str, token: &[u8], chain_pem: &str) -> Result<(), ReceiptError> {
        let verified = self.check_token(token, chain_pem)?;
        self.timestamp = Some(ReceiptTimestamp {
            tsa: tsa.to_owned(),
            gen_time: verified.gen_time,
            token: hex::encode(token),
            chain_pem: chain_pem.to_owned(),
        });
        Ok(())
    }

    fn check_token(
        &self,
        token: &[u8],
        chain_pem: &str,
    ) -> Result<crate::timestamp_token::Verified, ReceiptError> {
        let imprint = self.timestamp_imprint()?;
        crate::timestamp_token::certificates_from_pem(chain_pem.as_bytes())
            .and_then(|c| crate::timestamp_token::verify_stored(token, &imprint, &c))
            .map_err(|e| ReceiptError::Invalid(format!("the receipt's timestamp does not verify: {e}")))
    }

    /// Writes the receipt as `out` (RECEIPT.json) and, beside it, as text (`.txt`);
    /// neither may exist yet. Returns the text file's path.
    pub fn save(&self, out: &Path) -> Result<std::path::PathBuf, ReceiptError> {
        let json = serde_json::to_vec_pretty(self).map_err(|e| ReceiptError::Invalid(e.to_string()))?;
        let txt = out.with_extension("txt");
        for (path, bytes) in [(out, json), (txt.as_path(), self.text().into_bytes())] {
            let shown = path.display().to_string();
            let written = crate::private_file::create_new(path).and_then(|mut f| {
                f.write_all(&bytes)?;
                f.write_all(b"\n")?;
                f.sync_all()
            });
            written.map_err(|e| ReceiptError::KeyFile {
                path: shown,
                what: "cannot be written (a receipt never replaces a file)",
                source: e,
            })?;
        }
        Ok(txt)
    }

    /// The receipt for people: who received what, when, and what the checks found.
    pub fn text(&self) -> String {
        let mut t = format!(
            "RECEIPT FOR AN EVIDENCE BUNDLE ({})\n\nReceived by:      {}{}\nRecipient key:    {}\nChecked and signed: {}\n\nBundle file:      {}\nSHA-256:          {}\nTag manifest:     {}\nSigned by key:    {}\nResult:           {}\n\nChecks:\n",
            self.receipt,
            self.recipient.name,
            if self.recipient.organisation.is_empty() {
                String::new()
            } else {
                format!(", {}", self.recipient.organisation)
            },
            self.recipient.key_fingerprint,
            self.received_at,
            self.bundle.file,
            self.bundle.sha256,
            self.bundle.tagmanifest_sha256.as_deref().unwrap_or("(not read)"),
            self.bundle
                .signer_fingerprint
                .as_deref()
                .unwrap_or("(no valid signature)"),
            match self.verdict.as_str() {
                "intact" => "INTACT: nothing was altered since it was exported",
                "unrecognised_timestamp" =>
                    "INTACT, but a timestamp is by an authority the receiving computer did not recognise",
                "altered" => "ALTERED OR INCONSISTENT: see the checks",
                _ => "NOT A READABLE BUNDLE",
            }
        );
        for c in &self.checks {
            t.push_str(&format!(
                "  [{}] {}\n",
                if c.ok { "ok" } else { "FAILED" },
                c.check
            ));
            for d in &c.details {
                t.push_str(&format!("        {d}\n"));
            }
        }
        t.push_str(&format!(
            "\nSignature (Ed25519, over the canonical JSON of RECEIPT.json without it and without the timestamp):\n{}\n",
            self.signature
        ));
        if let Some(ts) = &self.timestamp {
            t.push_str(&format!(
                "\nTime-stamped (RFC 3161) by {} at {}: the receipt, signature included, existed then.\n",
                ts.tsa, ts.gen_time
            ));
        }
        t
    }
}

fn hash_file(path: &Path) -> Result<String, ReceiptError> {
    let shown = path.display().to_string();
    let mut f = File::open(path).map_err(|e| ReceiptError::Bundle(shown.clone(), e))?;
    let mut h = Sha256::new();
    io::copy(&mut f, &mut h).map_err(|e| ReceiptError::Bundle(shown, e))?;
    Ok(hex::encode(h.finalize()))
}
