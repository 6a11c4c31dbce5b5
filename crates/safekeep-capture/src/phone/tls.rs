//! The receiver's TLS: a certificate made in memory for this run only (its SHA-256 is the
//! fingerprint LocalSend shows for the device), and the sender's certificate read when
//! the sender offers one, so its fingerprint can be recorded.
//!
//! LocalSend's certificates are self-signed: neither side can check the other against an
//! authority. What TLS gives here is privacy on the network; who sends is settled by the
//! PIN and by the person accepting each transfer. The sender's certificate is therefore
//! taken without judgement (nothing is trusted because of it) and only recorded.

use std::sync::Arc;

use rustls::DigitallySignedStruct;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use sha2::{Digest, Sha256};

/// Why the receiver could not set up TLS.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsError {
    /// The certificate could not be made.
    #[error("the receiver's certificate could not be made ({0})")]
    Certificate(String),
    /// rustls refused the configuration.
    #[error("the receiver's TLS could not be set up ({0})")]
    Config(#[from] rustls::Error),
}

/// The TLS server configuration of one run and the fingerprint it announces.
pub struct RunTls {
    /// For the TLS acceptor.
    pub config: Arc<rustls::ServerConfig>,
    /// Upper-case hex SHA-256 of the certificate (DER).
    pub fingerprint: String,
}

/// Makes a fresh key and self-signed certificate in memory (never written anywhere) and
/// a server configuration that asks for, but does not require, a sender certificate.
pub fn for_this_run() -> Result<RunTls, TlsError> {
    // A name that says nothing: the certificate is visible to anyone who connects.
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()])
        .map_err(|e| TlsError::Certificate(e.to_string()))?;
    let der = cert.cert.der().clone();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(cert.signing_key.serialize_der()));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = Arc::new(AnySenderCertificate {
        algorithms: provider.signature_verification_algorithms,
    });
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_client_cert_verifier(verifier)
        .with_single_cert(vec![der.clone()], key)?;
    Ok(RunTls {
        config: Arc::new(config),
        fingerprint: fingerprint(&der),
    })
}

/// The fingerprint LocalSend uses: SHA-256 of the certificate's DER, upper-case hex.
pub fn fingerprint(der: &[u8]) -> String {
    hex::encode_upper(Sha256::digest(der))
}

/// Accepts any sender certificate, or none, after checking that the sender holds its
/// key (the handshake signature): the fingerprint recorded is then at least the one of
/// a key that took part in this connection.
#[derive(Debug)]
struct AnySenderCertificate {
    algorithms: rustls::crypto::WebPkiSupportedAlgorithms,
}

impl ClientCertVerifier for AnySenderCertificate {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        false
    }

    fn root_hint_subjects(&self) -> &[rustls::DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        Ok(ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    #[test]
    fn each_run_has_its_own_certificate() {
        let a = super::for_this_run().unwrap();
        let b = super::for_this_run().unwrap();
        assert_eq!(a.fingerprint.len(), 64);
        assert!(
            a.fingerprint
                .bytes()
                .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
        );
        assert_ne!(a.fingerprint, b.fingerprint);
    }
}
