//! Signed WACZs: `datapackage-digest.json` with an anonymous signature, as the WACZ
//! Signing and Verification recommendation (wacz-auth 0.1.0, § "Anonymous Signature")
//! describes it and ReplayWeb.page checks it, so that a web capture's WACZ that travels
//! on its own still shows who packaged it and that it is unchanged (docs/capture.md
//! § "Signed WACZs").
//!
//! ```text
//! {"path": "datapackage.json", "hash": "sha256:<hex of datapackage.json>",
//!  "signedData": {"hash": <the same>, "created": <datapackage.json's "created">,
//!                 "software": "Safekeep", "version": "<version>",
//!                 "signature": <base64 ECDSA signature, r‖s>,
//!                 "publicKey": <base64 SubjectPublicKeyInfo DER>}}
//! ```
//!
//! The signature is ECDSA with SHA-256 over the UTF-8 bytes of `hash`, in the fixed-size
//! r‖s form WebCrypto makes and checks. The curve is **P-384**: ArchiveWeb.page signs with
//! it and ReplayWeb.page imports every anonymous `publicKey` as P-384, so a P-256 key
//! (what Safekeep's issue first asked for) would show there as a signature that fails.
//! The key is derived from the vault's signing seed (HKDF-SHA-256, its own label), so it
//! needs no storage of its own and changes when the vault's key does.

use std::io::{Read, Seek};

use data_encoding::BASE64;
use p384::ecdsa::signature::hazmat::{PrehashSigner, PrehashVerifier};
use p384::ecdsa::{Signature, SigningKey, VerifyingKey};
use p384::pkcs8::{DecodePublicKey, EncodePublicKey};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The HKDF label that makes a vault's WACZ key from its signing seed.
const LABEL: &[u8] = b"safekeep wacz-signing P-384 key v1";
/// Largest `datapackage.json` / `datapackage-digest.json` read from a WACZ.
const JSON_MAX: u64 = 16 << 20;

/// A vault's WACZ signing key.
#[derive(Clone)]
pub struct WaczSigner {
    key: SigningKey,
}

impl std::fmt::Debug for WaczSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "WaczSigner({})", key_fingerprint(&self.public_key_der()))
    }
}

impl WaczSigner {
    /// The key of the vault whose signing seed is `seed`.
    pub fn from_vault_seed(seed: &[u8; 32]) -> Self {
        let hk = hkdf::Hkdf::<Sha256>::new(None, seed);
        for counter in 0u8..=255 {
            let mut okm = zeroize::Zeroizing::new([0u8; 48]);
            // 48 bytes is far below HKDF-SHA-256's limit; expand cannot fail here.
            if hk.expand_multi_info(&[LABEL, &[counter]], okm.as_mut()).is_ok()
                && let Ok(key) = SigningKey::from_slice(okm.as_ref())
            {
                return Self { key };
            }
        }
        // Unreachable: each try fails with probability about 2^-190.
        unreachable!("no P-384 scalar in 256 HKDF outputs")
    }

    /// The public key, SubjectPublicKeyInfo DER.
    pub fn public_key_der(&self) -> Vec<u8> {
        // Encoding a valid P-384 public key cannot fail.
        self.key
            .verifying_key()
            .to_public_key_der()
            .map(|d| d.as_bytes().to_vec())
            .unwrap_or_default()
    }

    /// The public key as `publicKey` gives it (base64 SPKI DER).
    pub fn public_key_base64(&self) -> String {
        BASE64.encode(&self.public_key_der())
    }

    /// `datapackage-digest.json` for `datapackage` (whose `created` is `created`), signed.
    pub fn digest_json(&self, datapackage: &[u8], created: &str, version: &str) -> Value {
        let hash = format!("sha256:{}", hex::encode(Sha256::digest(datapackage)));
        // Signing a 32-byte prehash with a valid key cannot fail.
        let signature: Option<Signature> = self.key.sign_prehash(&Sha256::digest(hash.as_bytes())).ok();
        json!({
            "path": "datapackage.json",
            "hash": hash,
            "signedData": {
                "hash": hash,
                "created": created,
                "software": "Safekeep",
                "version": version,
                "signature": signature.map(|s| BASE64.encode(&s.to_bytes())),
                "publicKey": self.public_key_base64(),
            }
        })
    }
}

/// A short, readable name for a WACZ public key: the first 16 bytes of the SHA-256 of
/// its SubjectPublicKeyInfo, in groups of four hex digits.
pub fn key_fingerprint(spki_der: &[u8]) -> String {
    let digest = Sha256::digest(spki_der);
    hex::encode_upper(&digest[..16])
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// What a WACZ's signature says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signed {
    /// No `datapackage-digest.json`, or one without `signedData`.
    Unsigned,
    /// The signature verifies over the package's `datapackage.json`; the key's
    /// fingerprint ([`key_fingerprint`]) and its base64 SPKI.
    Verified {
        /// [`key_fingerprint`] of the key.
        fingerprint: String,
        /// `publicKey` as written.
        public_key: String,
    },
}

/// Checks the signature of the WACZ `wacz` (a zip): `datapackage-digest.json`'s hash is
/// that of `datapackage.json`, `signedData` repeats it and `created`, and the signature
/// verifies with `publicKey`. `Err` says what is wrong.
pub fn check<R: Read + Seek>(wacz: R) -> Result<Signed, String> {
    let mut zip = zip::ZipArchive::new(wacz).map_err(|e| format!("it is not a readable zip ({e})"))?;
    let mut read = |name: &str| -> Result<Option<Vec<u8>>, String> {
        let file = match zip.by_name(name) {
            Ok(f) => f,
            Err(zip::result::ZipError::FileNotFound) => return Ok(None),
            Err(e) => return Err(format!("{name} cannot be read ({e})")),
        };
        let mut bytes = Vec::new();
        file.take(JSON_MAX + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| format!("{name} cannot be read ({e})"))?;
        if bytes.len() as u64 > JSON_MAX {
            return Err(format!("{name} is larger than {JSON_MAX} bytes"));
        }
        Ok(Some(bytes))
    };
    let Some(digest) = read("datapackage-digest.json")? else {
        return Ok(Signed::Unsigned);
    };
    let datapackage =
        read("datapackage.json")?.ok_or("it has datapackage-digest.json but no datapackage.json")?;
    let digest: Value =
        serde_json::from_slice(&digest).map_err(|e| format!("datapackage-digest.json is not JSON ({e})"))?;
    let hash = format!("sha256:{}", hex::encode(Sha256::digest(&datapackage)));
    if digest["hash"].as_str() != Some(hash.as_str()) {
        return Err("datapackage.json does not have the hash datapackage-digest.json gives".into());
    }
    let Some(signed) = digest.get("signedData").filter(|s| !s.is_null()) else {
        return Ok(Signed::Unsigned);
    };
    if signed["hash"].as_str() != Some(hash.as_str()) {
        return Err("the signed hash is not datapackage.json's".into());
    }
    let package: Value =
        serde_json::from_slice(&datapackage).map_err(|e| format!("datapackage.json is not JSON ({e})"))?;
    if !signed["created"].is_string() || signed["created"] != package["created"] {
        return Err("the signed creation time is not datapackage.json's".into());
    }
    let public_key = signed["publicKey"].as_str().ok_or(
        "the signature names no publicKey (a signature by a domain certificate is not one Safekeep makes)",
    )?;
    let spki = BASE64
        .decode(public_key.as_bytes())
        .map_err(|_| "its publicKey is not base64".to_owned())?;
    let key = VerifyingKey::from_public_key_der(&spki)
        .map_err(|_| "its publicKey is not a P-384 public key".to_owned())?;
    let signature = signed["signature"]
        .as_str()
        .and_then(|s| BASE64.decode(s.as_bytes()).ok())
        .and_then(|b| Signature::from_slice(&b).ok())
        .ok_or("its signature is missing or not an ECDSA P-384 signature")?;
    key.verify_prehash(&Sha256::digest(hash.as_bytes()), &signature)
        .map_err(|_| {
            "its signature does not verify: the package was changed after it was signed".to_owned()
        })?;
    Ok(Signed::Verified {
        fingerprint: key_fingerprint(&spki),
        public_key: public_key.to_owned(),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::io::{Cursor, Write};

    use super::*;

    fn wacz(datapackage: &[u8], digest: &[u8]) -> Vec<u8> {
        let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let o = zip::write::SimpleFileOptions::default();
        z.start_file("datapackage.json", o).unwrap();
        z.write_all(datapackage).unwrap();
        z.start_file("datapackage-digest.json", o).unwrap();
        z.write_all(digest).unwrap();
        z.finish().unwrap().into_inner()
    }

    #[test]
    fn a_signed_package_verifies_and_any_change_is_found() {
        let signer = WaczSigner::from_vault_seed(&[7; 32]);
        assert_eq!(
            signer.public_key_der(),
            WaczSigner::from_vault_seed(&[7; 32]).public_key_der(),
            "the key follows from the seed"
        );
        assert_ne!(
            signer.public_key_der(),
            WaczSigner::from_vault_seed(&[8; 32]).public_key_der()
        );
        let dp = br#"{"created": "2026-12-08T01:00:00Z", "resources": []}"#;
        let digest = serde_json::to_vec(&signer.digest_json(dp, "2026-12-08T01:00:00Z", "0.1.0")).unwrap();
        match check(Cursor::new(wacz(dp, &digest))).unwrap() {
            Signed::Verified { fingerprint, .. } => {
                assert_eq!(fingerprint, key_fingerprint(&signer.public_key_der()))
            }
            other => panic!("{other:?}"),
        }
        let changed = br#"{"created": "2026-12-08T01:00:00Z", "resources": [1]}"#;
        assert!(check(Cursor::new(wacz(changed, &digest))).is_err());
        // Re-hashed but not re-signed: the signature no longer covers it.
        let mut forged: Value = serde_json::from_slice(&digest).unwrap();
        let h = format!("sha256:{}", hex::encode(Sha256::digest(changed)));
        forged["hash"] = json!(h);
        forged["signedData"]["hash"] = json!(h);
        let err = check(Cursor::new(wacz(changed, &serde_json::to_vec(&forged).unwrap()))).unwrap_err();
        assert!(err.contains("does not verify"), "{err}");
        let unsigned = br#"{"path": "datapackage.json", "hash": "sha256:0"}"#;
        assert!(
            check(Cursor::new(wacz(dp, unsigned))).is_err(),
            "a wrong hash is found"
        );
        // Signed by another key over a changed package: it verifies, but as that key's.
        let other = WaczSigner::from_vault_seed(&[9; 32]);
        let theirs =
            serde_json::to_vec(&other.digest_json(changed, "2026-12-08T01:00:00Z", "0.1.0")).unwrap();
        match check(Cursor::new(wacz(changed, &theirs))).unwrap() {
            Signed::Verified { public_key, .. } => assert_ne!(public_key, signer.public_key_base64()),
            other => panic!("{other:?}"),
        }
        // The signed creation time must be datapackage.json's.
        let mut moved: Value = serde_json::from_slice(&digest).unwrap();
        moved["signedData"]["created"] = json!("2020-01-01T00:00:00Z");
        let err = check(Cursor::new(wacz(dp, &serde_json::to_vec(&moved).unwrap()))).unwrap_err();
        assert!(err.contains("creation time"), "{err}");
        // Without signedData it is unsigned (verify then compares with the capture record).
        let mut stripped: Value = serde_json::from_slice(&digest).unwrap();
        stripped.as_object_mut().unwrap().remove("signedData");
        assert_eq!(
            check(Cursor::new(wacz(dp, &serde_json::to_vec(&stripped).unwrap()))).unwrap(),
            Signed::Unsigned
        );
    }
}
