//! TLS for web capture: which authorities are trusted, what the server presented, and
//! whether it verified.
//!
//! Verification is the ordinary WebPKI check (rustls' own verifier) against this
//! computer's trust store plus any authority the user added. The verifier is wrapped only
//! to *record* its verdict, so that a capture the user chose to make despite a bad
//! certificate says exactly why it did not verify. Handshake signatures are always
//! checked: even an accepted invalid certificate proves the server held its key.

use std::path::Path;
use std::sync::{Arc, Mutex};

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use serde::Serialize;
use sha2::{Digest, Sha256};
use x509_cert::der::{Decode, pem, pem::LineEnding};

use super::WebError;

/// The authorities a capture trusts: the system's store (Mozilla's list when the system
/// has none) plus authorities the user named, e.g. a company's own.
pub(crate) fn root_store(extra: &[std::path::PathBuf]) -> Result<Arc<RootCertStore>, WebError> {
    let mut roots = RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    roots.add_parsable_certificates(native.certs);
    if roots.is_empty() {
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    }
    for path in extra {
        let added = read_pem_certificates(path)?;
        let before = roots.len();
        roots.add_parsable_certificates(added);
        if roots.len() == before {
            return Err(WebError::Input(format!(
                "{} holds no usable certificate authority. Give a PEM file containing the authority's certificate",
                path.display()
            )));
        }
    }
    Ok(Arc::new(roots))
}

pub(crate) fn read_pem_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, WebError> {
    let bad = |why: String| {
        WebError::Input(format!(
            "could not read the certificate authority file {}: {why}",
            path.display()
        ))
    };
    let iter = CertificateDer::pem_file_iter(path).map_err(|e| bad(e.to_string()))?;
    iter.collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad(e.to_string()))
}

/// What the certificate check concluded, as recorded.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    /// True when the chain verified for this host name against the trusted authorities.
    pub verified: bool,
    /// Why it did not, in words (absent when it verified).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The TLS library's own error text, for experts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// Delegates every check to rustls' WebPKI verifier and remembers the verdict.
#[derive(Debug)]
pub(crate) struct RecordingVerifier {
    inner: Arc<WebPkiServerVerifier>,
    accept_invalid: bool,
    verdict: Mutex<Option<Verdict>>,
}

impl RecordingVerifier {
    pub(crate) fn new(roots: Arc<RootCertStore>, accept_invalid: bool) -> Result<Arc<Self>, WebError> {
        let inner = WebPkiServerVerifier::builder_with_provider(roots, Arc::new(provider()))
            .build()
            .map_err(|e| WebError::Input(format!("the trusted authorities could not be loaded: {e}")))?;
        Ok(Arc::new(Self {
            inner,
            accept_invalid,
            verdict: Mutex::new(None),
        }))
    }

    pub(crate) fn verdict(&self) -> Option<Verdict> {
        self.verdict.lock().map(|v| v.clone()).unwrap_or(None)
    }

    pub(crate) fn config(self: &Arc<Self>) -> Result<ClientConfig, WebError> {
        let mut config = ClientConfig::builder_with_provider(Arc::new(provider()))
            .with_safe_default_protocol_versions()
            .map_err(|e| WebError::Input(format!("TLS could not be set up: {e}")))?
            .dangerous()
            .with_custom_certificate_verifier(self.clone())
            .with_no_client_auth();
        // One HTTP/1.1 exchange per connection: it is what the WARC records byte for byte.
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(config)
    }
}

/// An ordinary, fully verifying TLS configuration (for talking to time-stamp
/// authorities over `https://`).
pub(crate) fn verifying_config(roots: Arc<RootCertStore>) -> Result<ClientConfig, String> {
    let mut config = ClientConfig::builder_with_provider(Arc::new(provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS could not be set up: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

fn provider() -> rustls::crypto::CryptoProvider {
    rustls::crypto::ring::default_provider()
}

impl ServerCertVerifier for RecordingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let result =
            self.inner
                .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now);
        let verdict = match &result {
            Ok(_) => Verdict {
                verified: true,
                reason: None,
                detail: None,
            },
            Err(e) => Verdict {
                verified: false,
                reason: Some(explain(e)),
                detail: Some(e.to_string()),
            },
        };
        if let Ok(mut slot) = self.verdict.lock() {
            *slot = Some(verdict);
        }
        match result {
            Err(_) if self.accept_invalid => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// Says in words why a certificate did not verify.
fn explain(e: &rustls::Error) -> String {
    match e {
        rustls::Error::InvalidCertificate(c) => match c {
            CertificateError::UnknownIssuer => {
                "it was not issued by an authority this computer trusts".into()
            }
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => "it has expired".into(),
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                "it is not valid yet (or this computer's clock is wrong)".into()
            }
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                "it was issued for a different site name".into()
            }
            CertificateError::Revoked => "it has been revoked".into(),
            CertificateError::BadSignature => "its signature is wrong".into(),
            CertificateError::BadEncoding => "it is malformed".into(),
            CertificateError::Other(o) if o.to_string().contains("CaUsedAsEndEntity") => {
                "it is a certificate authority's own certificate, not a website's (often a home-made, self-signed one)"
                    .into()
            }
            // The rest are rarer and technical: words for people, the variant in `detail`.
            _ => "it could not be traced to an authority this computer trusts".into(),
        },
        other => other.to_string(),
    }
}

/// One certificate as the server presented it.
#[derive(Debug, Clone, Serialize)]
pub struct CertificateInfo {
    /// Position in the chain the server sent (0 = the site's own certificate).
    pub index: usize,
    /// SHA-256 of the DER bytes, lowercase hex (what `openssl x509 -fingerprint -sha256` shows).
    pub sha256: String,
    /// Subject distinguished name (RFC 4514).
    pub subject: String,
    /// Issuer distinguished name (RFC 4514).
    pub issuer: String,
    /// Serial number, hex.
    pub serial: String,
    /// Valid from (RFC 3339, UTC).
    pub not_before: String,
    /// Valid until (RFC 3339, UTC).
    pub not_after: String,
}

/// The base64 SHA-256 of a certificate's SubjectPublicKeyInfo: what Chromium's
/// `--ignore-certificate-errors-spki-list` matches against a presented chain.
pub(crate) fn spki_sha256_base64(der: &[u8]) -> Option<String> {
    use x509_cert::der::Encode;
    let cert = x509_cert::Certificate::from_der(der).ok()?;
    let spki = cert.tbs_certificate.subject_public_key_info.to_der().ok()?;
    Some(data_encoding::BASE64.encode(&Sha256::digest(&spki)))
}

/// Describes a presented chain and renders it as PEM (the DER bytes exactly, in order).
pub(crate) fn describe_chain(chain: &[CertificateDer<'_>]) -> (Vec<CertificateInfo>, String) {
    let mut infos = Vec::with_capacity(chain.len());
    let mut pem_text = String::new();
    for (index, der) in chain.iter().enumerate() {
        let sha256 = hex::encode(Sha256::digest(der.as_ref()));
        if let Ok(block) = pem::encode_string("CERTIFICATE", LineEnding::LF, der.as_ref()) {
            pem_text.push_str(&block);
        }
        match x509_cert::Certificate::from_der(der.as_ref()) {
            Ok(cert) => {
                let tbs = &cert.tbs_certificate;
                infos.push(CertificateInfo {
                    index,
                    sha256,
                    subject: tbs.subject.to_string(),
                    issuer: tbs.issuer.to_string(),
                    serial: hex::encode(tbs.serial_number.as_bytes()),
                    not_before: rfc3339(tbs.validity.not_before.to_unix_duration()),
                    not_after: rfc3339(tbs.validity.not_after.to_unix_duration()),
                });
            }
            Err(e) => infos.push(CertificateInfo {
                index,
                sha256,
                subject: format!("(could not be parsed: {e})"),
                issuer: String::new(),
                serial: String::new(),
                not_before: String::new(),
                not_after: String::new(),
            }),
        }
    }
    (infos, pem_text)
}

fn rfc3339(since_epoch: std::time::Duration) -> String {
    chrono::DateTime::from_timestamp(since_epoch.as_secs() as i64, 0)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}
