//! Whose timestamp it is: the trust list a token's chain must reach for Safekeep to call
//! its authority recognised (docs/timestamps.md § "Whose timestamp it is").
//!
//! Why: a bundle carries each token's chain (`.chain.pem`), and whoever made the bundle
//! chose it. A token that verifies against a root shipped inside the bundle proves only
//! that *someone* signed it; anyone can make an authority with `openssl ts`. So a token
//! is checked twice: against its own chain (is it consistent? else the bundle is
//! altered), then against this trust list (is the authority one this computer knows?).
//!
//! The list is: this computer's trusted root certificates (the operating system's store,
//! as `rustls-native-certs` reads it), the roots of known RFC 3161 authorities pinned in
//! `timestamp_trust/authorities.pem` (shipped, documented, extensible), and roots the
//! caller passes explicitly (`safekeep verify --trust-tsa-root`, the vault's own
//! authorities' certificates given with `--tsa-certs`, a test's local authority). Never
//! from an environment variable: who trusts what is said where it can be seen
//! (`SSL_CERT_FILE`/`SSL_CERT_DIR` are ignored, see [`system_roots`]).

use x509_cert::Certificate;

use crate::timestamp_token::{self, TokenError, Verified};

/// The pinned roots of known RFC 3161 authorities, PEM with comments.
const PINNED: &str = include_str!("timestamp_trust/authorities.pem");

/// The roots a token's chain may end at for its authority to be recognised.
#[derive(Debug, Clone, Default)]
pub struct TrustList {
    roots: Vec<Certificate>,
}

/// Whether a token's authority is recognised, once the token verified against its own
/// chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Authority {
    /// Its chain reaches a root of the trust list; `Verified` names that root.
    Recognised(Verified),
    /// It verifies only against the root shipped with it: "timestamp by an authority this
    /// computer does not recognise". `Verified` names the shipped root; `why` says
    /// where the chain stopped.
    Unrecognised {
        /// The token, verified against its own chain.
        verified: Verified,
        /// Why the trust list was not reached.
        why: String,
    },
}

impl Authority {
    /// The token as verified (against the trust list, or else its own chain).
    pub fn verified(&self) -> &Verified {
        match self {
            Self::Recognised(v) | Self::Unrecognised { verified: v, .. } => v,
        }
    }

    /// Whether the trust list was reached.
    pub fn is_recognised(&self) -> bool {
        matches!(self, Self::Recognised(_))
    }
}

impl TrustList {
    /// This computer's trusted roots and Safekeep's pinned authorities.
    pub fn system() -> Self {
        let mut list = Self::pinned();
        list.roots.extend(system_roots());
        list
    }

    /// Safekeep's pinned authorities only (not the computer's store).
    pub fn pinned() -> Self {
        Self {
            // A shipped file that did not parse is a build defect the unit test catches.
            roots: timestamp_token::certificates_from_pem(PINNED.as_bytes()).unwrap_or_default(),
        }
    }

    /// Adds roots someone chose to trust, passed explicitly.
    #[must_use]
    pub fn with(mut self, roots: impl IntoIterator<Item = Certificate>) -> Self {
        self.roots.extend(roots);
        self
    }

    /// The roots.
    pub fn roots(&self) -> &[Certificate] {
        &self.roots
    }

    /// Verifies `token` over `imprint` against the chain stored beside it (an error means
    /// the token, its commitment or its chain is wrong), then says whether that chain's
    /// authority is recognised by this list.
    pub fn judge(
        &self,
        token: &[u8],
        imprint: &[u8; 32],
        chain: &[Certificate],
    ) -> Result<Authority, TokenError> {
        let own = timestamp_token::verify_stored(token, imprint, chain)?;
        Ok(
            match timestamp_token::verify_reaching(token, imprint, &self.roots, chain) {
                Ok(v) => Authority::Recognised(v),
                Err(e) => Authority::Unrecognised {
                    verified: own,
                    why: e.to_string(),
                },
            },
        )
    }
}

/// The operating system's store. `rustls-native-certs` reads only `SSL_CERT_FILE` /
/// `SSL_CERT_DIR` when either is set; anyone who can edit the account's environment
/// (a shared login's `~/.profile`) could then make their own authority "recognised". So
/// with either set, the distribution's own bundle is read from its fixed place instead
/// (the places `openssl-probe` knows), and elsewhere no system root is used at all (a
/// token is then reported unrecognised, never wrongly recognised).
fn system_roots() -> Vec<Certificate> {
    store(
        ["SSL_CERT_FILE", "SSL_CERT_DIR"]
            .iter()
            .any(|v| std::env::var_os(v).is_some()),
    )
}

/// A browser tab has no store it may read: only the pinned and given roots count there.
#[cfg(target_arch = "wasm32")]
fn store(_redirected: bool) -> Vec<Certificate> {
    Vec::new()
}

#[cfg(not(target_arch = "wasm32"))]
fn store(redirected: bool) -> Vec<Certificate> {
    const BUNDLES: [&str; 5] = [
        "/etc/ssl/certs/ca-certificates.crt",
        "/etc/pki/tls/certs/ca-bundle.crt",
        "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
        "/etc/ssl/ca-bundle.pem",
        "/etc/ssl/cert.pem",
    ];
    let certs = if redirected {
        BUNDLES
            .iter()
            .map(std::path::Path::new)
            .find(|p| cfg!(unix) && p.is_file())
            .map(|p| rustls_native_certs::load_certs_from_paths(Some(p), None).certs)
            .unwrap_or_default()
    } else {
        rustls_native_certs::load_native_certs().certs
    };
    certs
        .iter()
        .filter_map(|c| der::Decode::from_der(c.as_ref()).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn with_the_store_redirected_the_distributions_own_bundle_is_read() {
        if std::path::Path::new("/etc/ssl/certs/ca-certificates.crt").is_file() {
            assert!(!super::store(true).is_empty());
        }
    }

    #[test]
    fn the_pinned_authorities_parse() {
        let names: Vec<String> = TrustList::pinned()
            .roots()
            .iter()
            .map(|c| c.tbs_certificate.subject.to_string())
            .collect();
        assert_eq!(names.len(), PINNED.matches("BEGIN CERTIFICATE").count());
        assert!(
            names.iter().any(|n| n.contains("DigiCert Trusted Root G4")),
            "{names:?}"
        );
        assert!(names.iter().any(|n| n.contains("USERTrust RSA")), "{names:?}");
    }
}
