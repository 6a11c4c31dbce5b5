//! The vault's Ed25519 signing key and its human-readable fingerprint.
//!
//! Fingerprint (docs/vault.md § "Signing key"): the first 20 bytes of
//! SHA-256(raw 32-byte public key), as 40 uppercase hex digits in 10 groups of 4
//! separated by spaces — the shape people already read aloud for OpenPGP keys.

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use rand_core::RngCore;
use sha2::{Digest, Sha256};

/// A vault's signing key.
pub struct VaultKey {
    key: SigningKey,
}

impl std::fmt::Debug for VaultKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "VaultKey({})", fingerprint(&self.public_bytes()))
    }
}

impl VaultKey {
    /// Generates a new key from `rng`.
    pub fn generate(rng: &mut dyn RngCore) -> Self {
        let mut seed = [0u8; 32];
        rng.fill_bytes(&mut seed);
        Self {
            key: SigningKey::from_bytes(&seed),
        }
    }

    /// Rebuilds a key from its 32-byte secret seed.
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        Self {
            key: SigningKey::from_bytes(seed),
        }
    }

    /// The 32-byte secret seed, for storing the key.
    pub fn seed(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    /// The raw 32-byte public key.
    pub fn public_bytes(&self) -> [u8; 32] {
        self.key.verifying_key().to_bytes()
    }

    /// The key's fingerprint, as shown to people.
    pub fn fingerprint(&self) -> String {
        fingerprint(&self.public_bytes())
    }

    /// The public key as PEM SubjectPublicKeyInfo, the form OpenSSL reads.
    pub fn public_pem(&self) -> String {
        use ed25519_dalek::pkcs8::EncodePublicKey;
        use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
        // Encoding a valid Ed25519 key as SPKI cannot fail.
        self.key
            .verifying_key()
            .to_public_key_pem(LineEnding::LF)
            .unwrap_or_default()
    }

    /// Signs `message`, returning the 64-byte signature.
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.key.sign(message).to_bytes()
    }
}

/// Returns the fingerprint of a raw 32-byte Ed25519 public key.
pub fn fingerprint(public: &[u8; 32]) -> String {
    let digest = Sha256::digest(public);
    let hex = hex::encode_upper(&digest[..20]);
    hex.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Normalises a fingerprint someone typed (any case, any spacing) for comparison.
pub fn normalize_fingerprint(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace() && *c != ':' && *c != '-')
        .flat_map(char::to_uppercase)
        .collect()
}

/// Checks an Ed25519 signature strictly (no malleable or small-order encodings).
pub fn verify(public: &[u8; 32], message: &[u8], signature: &[u8; 64]) -> bool {
    let Ok(key) = VerifyingKey::from_bytes(public) else {
        return false;
    };
    let sig = Signature::from_bytes(signature);
    key.verify_strict(message, &sig).is_ok() && key.verify(message, &sig).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn signs_and_verifies() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let k = VaultKey::generate(&mut rng);
        let sig = k.sign(b"hello");
        assert!(verify(&k.public_bytes(), b"hello", &sig));
        assert!(!verify(&k.public_bytes(), b"hellO", &sig));
        let fp = k.fingerprint();
        assert_eq!(fp.len(), 49);
        assert_eq!(fp.split(' ').count(), 10);
        assert_eq!(normalize_fingerprint(&fp.to_lowercase()), fp.replace(' ', ""));
        assert_eq!(VaultKey::from_seed(&k.seed()).fingerprint(), fp);
    }
}
