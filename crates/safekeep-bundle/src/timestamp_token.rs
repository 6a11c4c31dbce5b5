//! RFC 3161 time-stamp requests and the verification of time-stamp tokens.
//!
//! No network here: building a request and checking a token are pure functions, shared
//! by the client that asks a time-stamp authority (TSA), `safekeep verify`, and tests.
//! ASN.1 and CMS come from the RustCrypto crates (`x509-tsp`, `cms`, `x509-cert`, `der`);
//! signatures from `rsa`, `p256` and `p384`. What is checked, in order (RFC 3161 § 2.4.2,
//! RFC 5652 § 5.4–5.6, RFC 5816 / RFC 2634 for ESS):
//!
//! 1. the token is a CMS `SignedData` whose content is a `TSTInfo`;
//! 2. the `TSTInfo`'s message imprint is SHA-256 of exactly the expected commitment;
//! 3. there is one signer; its signed attributes hold content-type = id-ct-TSTInfo and
//!    message-digest = the digest of the `TSTInfo` bytes;
//! 4. the signer's certificate (from the token or the stored TSA certificates) signed
//!    those attributes (RSA PKCS#1 v1.5 or ECDSA P-256/P-384);
//! 5. that certificate has a *critical* extended key usage of exactly id-kp-timeStamping;
//! 6. the ESS signing-certificate(-v2) attribute names that very certificate;
//! 7. the certificate chains, signature by signature, to one of the trusted TSA
//!    certificates, and every certificate on the way was valid at the token's genTime.

use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{SignedData, SignerIdentifier, SignerInfo};
use der::asn1::{Int, ObjectIdentifier, OctetString};
use der::oid::db::{rfc5280, rfc5911, rfc5912};
use der::{Any, Decode, Encode, Sequence};
use sha2::{Digest, Sha256, Sha384, Sha512};
use x509_cert::Certificate;
use x509_cert::ext::pkix::{BasicConstraints, ExtendedKeyUsage, KeyUsage};
use x509_cert::spki::AlgorithmIdentifierOwned;
use x509_tsp::{MessageImprint, TimeStampReq, TimeStampResp, TspVersion, TstInfo};

/// id-ct-TSTInfo (RFC 3161 § 2.4.2).
const ID_CT_TST_INFO: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");
/// id-aa-signingCertificate (RFC 2634 § 5.4).
const ID_AA_SIGNING_CERTIFICATE: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.12");
/// id-aa-signingCertificateV2 (RFC 5035 § 3).
const ID_AA_SIGNING_CERTIFICATE_V2: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.47");
const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const SHA256_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
const SHA384_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.12");
const SHA512_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.13");
const ECDSA_WITH_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
const ECDSA_WITH_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.3");

/// Why a token was not accepted. Each message says what is wrong in words.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenError {
    /// Not DER, or not the structure RFC 3161 defines.
    #[error("the token is damaged or is not an RFC 3161 time-stamp token ({0})")]
    Malformed(String),
    /// The authority refused the request.
    #[error("the time-stamp authority refused the request (status {0})")]
    Refused(String),
    /// The token is for another hash.
    #[error("the token does not cover this evidence: it time-stamps a different hash")]
    WrongImprint,
    /// The nonce in the answer is not the one sent.
    #[error("the token's nonce is not the one sent (a replayed or mixed-up answer)")]
    WrongNonce,
    /// The signature, its attributes or the signer's certificate are wrong.
    #[error("the token's signature is not valid: {0}")]
    BadSignature(String),
    /// The signer is not a time-stamping certificate.
    #[error("the token was not signed by a time-stamping certificate: {0}")]
    NotTimeStamping(String),
    /// The signer does not lead to a trusted TSA certificate.
    #[error("the token's signer does not chain to the time-stamp authority's certificates: {0}")]
    Untrusted(String),
}

/// What a valid token says.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Verified {
    /// The authority's time (RFC 3339, UTC), as it signed it.
    pub gen_time: String,
    /// The token's serial number, hex.
    pub serial: String,
    /// The authority's policy OID.
    pub policy: String,
    /// The signing certificate's subject.
    pub signer: String,
    /// SHA-256 of the trusted certificate the chain ended at, hex.
    pub anchor_sha256: String,
    /// The trusted certificate's subject.
    pub anchor: String,
    /// The chain from the signer to the trusted certificate, PEM, signer first: stored
    /// beside the token so that `openssl ts -verify -CAfile` can check it offline.
    #[serde(skip)]
    pub chain_pem: String,
}

/// Prefix of every item commitment (docs/timestamps.md).
pub const COMMITMENT_PREFIX: &str = "safekeep-timestamp-v1\n";

/// The bytes an item's token covers (docs/timestamps.md): "`input = \"safekeep-timestamp-v1\\n\"
/// || hex(salt) || \"\\n\" || sealed_record`". The salt makes the hash unlinkable to
/// any artifact; the record makes it cover every artifact hash.
pub fn commitment(salt: &[u8; 32], sealed_record: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(COMMITMENT_PREFIX.len() + 65 + sealed_record.len());
    out.extend_from_slice(COMMITMENT_PREFIX.as_bytes());
    out.extend_from_slice(hex::encode(salt).as_bytes());
    out.push(b'\n');
    out.extend_from_slice(sealed_record);
    out
}

/// The sealed record inside a commitment, if it has the documented shape.
pub fn record_in_commitment(input: &[u8]) -> Option<&[u8]> {
    let rest = input.strip_prefix(COMMITMENT_PREFIX.as_bytes())?;
    let (salt, record) = (rest.get(..64)?, rest.get(64..)?);
    let record = record.strip_prefix(b"\n")?;
    salt.iter()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b))
        .then_some(record)
}

/// The salt (hex) of a commitment of the documented shape.
pub fn salt_in_commitment(input: &[u8]) -> Option<&str> {
    record_in_commitment(input)?;
    let rest = input.strip_prefix(COMMITMENT_PREFIX.as_bytes())?;
    std::str::from_utf8(rest.get(..64)?).ok()
}

/// The DER of a time-stamp request for `imprint` (SHA-256), asking for the signer's
/// certificate in the answer. `nonce` is made positive and minimal.
pub fn request(imprint: &[u8; 32], nonce: &[u8; 8]) -> Result<Vec<u8>, TokenError> {
    let malformed = |e: der::Error| TokenError::Malformed(e.to_string());
    let req = TimeStampReq {
        version: TspVersion::V1,
        message_imprint: imprint_of(imprint).map_err(malformed)?,
        req_policy: None,
        nonce: Some(positive_int(nonce).map_err(malformed)?),
        cert_req: true,
        extensions: None,
    };
    req.to_der().map_err(malformed)
}

fn imprint_of(imprint: &[u8; 32]) -> der::Result<MessageImprint> {
    Ok(MessageImprint {
        hash_algorithm: x509_cert::spki::AlgorithmIdentifier {
            oid: rfc5912::ID_SHA_256,
            parameters: Some(Any::null()),
        },
        hashed_message: OctetString::new(imprint.to_vec())?,
    })
}

fn positive_int(bytes: &[u8]) -> der::Result<Int> {
    let trimmed: Vec<u8> = bytes.iter().copied().skip_while(|b| *b == 0).collect();
    let mut v = if trimmed.is_empty() { vec![0] } else { trimmed };
    if v[0] & 0x80 != 0 {
        v.insert(0, 0);
    }
    Int::new(&v)
}

/// Takes the token out of a TSA's answer (a `TimeStampResp`), checking the status and
/// that the nonce is the one sent. The token's own checks are [`verify`]'s.
pub fn token_from_response(response: &[u8], nonce: &[u8; 8]) -> Result<Vec<u8>, TokenError> {
    let resp = TimeStampResp::from_der(response).map_err(|e| TokenError::Malformed(e.to_string()))?;
    let status = format!("{:?}", resp.status.status);
    let token = match resp.time_stamp_token {
        Some(t) if matches!(status.as_str(), "Accepted" | "GrantedWithMods") => t,
        _ => {
            let text = resp
                .status
                .status_string
                .as_ref()
                .map(|s| format!("{s:?}"))
                .unwrap_or_default();
            return Err(TokenError::Refused(format!("{status} {text}").trim().to_owned()));
        }
    };
    let der = token.to_der().map_err(|e| TokenError::Malformed(e.to_string()))?;
    let (_, tst) = parse(&der)?;
    let expected = positive_int(nonce).map_err(|e| TokenError::Malformed(e.to_string()))?;
    if tst.nonce.as_ref() != Some(&expected) {
        return Err(TokenError::WrongNonce);
    }
    Ok(der)
}

fn parse(token: &[u8]) -> Result<(SignedData, TstInfo), TokenError> {
    let malformed = |what: &str, e: der::Error| TokenError::Malformed(format!("{what}: {e}"));
    let info = ContentInfo::from_der(token).map_err(|e| malformed("content info", e))?;
    if info.content_type != rfc5911::ID_SIGNED_DATA {
        return Err(TokenError::Malformed("it is not CMS SignedData".into()));
    }
    let sd = info
        .content
        .decode_as::<SignedData>()
        .map_err(|e| malformed("signed data", e))?;
    if sd.encap_content_info.econtent_type != ID_CT_TST_INFO {
        return Err(TokenError::Malformed(
            "the signed content is not a TSTInfo".into(),
        ));
    }
    let econtent = sd
        .encap_content_info
        .econtent
        .as_ref()
        .ok_or_else(|| TokenError::Malformed("the TSTInfo is missing".into()))?;
    let octets = econtent
        .decode_as::<OctetString>()
        .map_err(|e| malformed("TSTInfo wrapper", e))?;
    let tst = TstInfo::from_der(octets.as_bytes()).map_err(|e| malformed("TSTInfo", e))?;
    Ok((sd, tst))
}

/// Checks `token` against the commitment it should cover and the TSA certificates it
/// must chain to (see the module documentation for every check).
pub fn verify(token: &[u8], imprint: &[u8; 32], trusted: &[Certificate]) -> Result<Verified, TokenError> {
    verify_with(token, imprint, trusted, &[])
}

/// Verifies a token against a chain stored beside it (signer first, trusted root last,
/// as [`Verified::chain_pem`] writes it): only the last certificate is trusted; the others
/// may serve as intermediates.
pub fn verify_stored(
    token: &[u8],
    imprint: &[u8; 32],
    chain: &[Certificate],
) -> Result<Verified, TokenError> {
    let root = chain
        .last()
        .ok_or_else(|| TokenError::Untrusted("no certificate is stored with the token".into()))?;
    verify_with(token, imprint, std::slice::from_ref(root), chain)
}

/// Verifies a token whose chain must reach one of `trusted` (a trust list), the stored
/// chain serving only as intermediates: a root shipped beside the token is not enough
/// (`timestamp_trust`).
pub fn verify_reaching(
    token: &[u8],
    imprint: &[u8; 32],
    trusted: &[Certificate],
    stored: &[Certificate],
) -> Result<Verified, TokenError> {
    verify_with(token, imprint, trusted, stored)
}

fn verify_with(
    token: &[u8],
    imprint: &[u8; 32],
    trusted: &[Certificate],
    intermediates: &[Certificate],
) -> Result<Verified, TokenError> {
    let (sd, tst) = parse(token)?;
    if tst.message_imprint.hash_algorithm.oid != rfc5912::ID_SHA_256
        || tst.message_imprint.hashed_message.as_bytes() != imprint
    {
        return Err(TokenError::WrongImprint);
    }
    let signer = match sd.signer_infos.0.as_slice() {
        [one] => one,
        other => {
            return Err(TokenError::Malformed(format!(
                "it has {} signers, not one",
                other.len()
            )));
        }
    };
    // RFC 5652 § 5.1 and § 5.3: the versions a TSTInfo content and this signer identifier
    // require, and digestAlgorithms listing the signer's digest algorithm.
    let signer_version = match signer.sid {
        SignerIdentifier::IssuerAndSerialNumber(_) => CmsVersion::V1,
        SignerIdentifier::SubjectKeyIdentifier(_) => CmsVersion::V3,
    };
    if sd.version != CmsVersion::V3 || signer.version != signer_version {
        return Err(TokenError::Malformed("its CMS version numbers are wrong".into()));
    }
    if !sd
        .digest_algorithms
        .iter()
        .any(|a| a.oid == signer.digest_alg.oid)
    {
        return Err(TokenError::Malformed(
            "the signer's digest algorithm is not among the token's digest algorithms".into(),
        ));
    }
    let tst_der = sd
        .encap_content_info
        .econtent
        .as_ref()
        .and_then(|e| e.decode_as::<OctetString>().ok())
        .map(|o| o.as_bytes().to_vec())
        .unwrap_or_default();
    let signed_attrs = check_signed_attributes(signer, &tst_der)?;
    let mut pool: Vec<Certificate> = trusted.iter().chain(intermediates).cloned().collect();
    if let Some(set) = &sd.certificates {
        for choice in set.0.iter() {
            if let cms::cert::CertificateChoices::Certificate(c) = choice {
                pool.push(c.clone());
            }
        }
    }
    let cert = find_signer(&signer.sid, &pool)?;
    let cert_der = cert.to_der().map_err(|e| TokenError::Malformed(e.to_string()))?;
    let spki = cert
        .tbs_certificate
        .subject_public_key_info
        .to_der()
        .map_err(|e| TokenError::Malformed(e.to_string()))?;
    let alg = signature_alg(&signer.signature_algorithm, &signer.digest_alg)?;
    verify_signature(alg, &spki, &signed_attrs, signer.signature.as_bytes())
        .map_err(|e| TokenError::BadSignature(format!("the signed attributes do not verify ({e})")))?;
    check_time_stamping_eku(cert)?;
    check_ess(signer, &cert_der)?;
    let gen_time = tst.gen_time.to_unix_duration();
    let path = check_chain(cert, &pool, trusted, gen_time)?;
    let anchor = path.last().copied().unwrap_or(cert);
    let mut chain_pem = String::new();
    for c in &path {
        use der::EncodePem;
        chain_pem.push_str(
            &c.to_pem(der::pem::LineEnding::LF)
                .map_err(|e| TokenError::Malformed(e.to_string()))?,
        );
    }
    Ok(Verified {
        gen_time: rfc3339(gen_time),
        serial: hex::encode(tst.serial_number.as_bytes()),
        policy: tst.policy.to_string(),
        signer: cert.tbs_certificate.subject.to_string(),
        anchor_sha256: hex::encode(Sha256::digest(anchor.to_der().unwrap_or_default())),
        anchor: anchor.tbs_certificate.subject.to_string(),
        chain_pem,
    })
}

/// Returns the DER (SET OF) of the signed attributes after checking content-type and
/// message-digest.
fn check_signed_attributes(signer: &SignerInfo, tst_der: &[u8]) -> Result<Vec<u8>, TokenError> {
    let bad = |why: &str| TokenError::BadSignature(why.to_owned());
    let attrs = signer
        .signed_attrs
        .as_ref()
        .ok_or_else(|| bad("it has no signed attributes"))?;
    let value = |oid: ObjectIdentifier| {
        attrs
            .iter()
            .find(|a| a.oid == oid)
            .and_then(|a| a.values.iter().next().cloned())
    };
    let content_type = value(rfc5911::ID_CONTENT_TYPE)
        .and_then(|v| v.decode_as::<ObjectIdentifier>().ok())
        .ok_or_else(|| bad("the content-type attribute is missing"))?;
    if content_type != ID_CT_TST_INFO {
        return Err(bad("the content-type attribute is not TSTInfo"));
    }
    let digest = value(rfc5911::ID_MESSAGE_DIGEST)
        .and_then(|v| v.decode_as::<OctetString>().ok())
        .ok_or_else(|| bad("the message-digest attribute is missing"))?;
    let actual = digest_with(&signer.digest_alg.oid, tst_der)
        .ok_or_else(|| bad("its digest algorithm is not supported"))?;
    if digest.as_bytes() != actual.as_slice() {
        return Err(bad(
            "the TSTInfo does not match the signed digest (it was altered)",
        ));
    }
    attrs.to_der().map_err(|e| TokenError::Malformed(e.to_string()))
}

fn digest_with(oid: &ObjectIdentifier, data: &[u8]) -> Option<Vec<u8>> {
    match *oid {
        rfc5912::ID_SHA_256 => Some(Sha256::digest(data).to_vec()),
        rfc5912::ID_SHA_384 => Some(Sha384::digest(data).to_vec()),
        rfc5912::ID_SHA_512 => Some(Sha512::digest(data).to_vec()),
        _ => None,
    }
}

fn find_signer<'a>(sid: &SignerIdentifier, pool: &'a [Certificate]) -> Result<&'a Certificate, TokenError> {
    let found = pool.iter().find(|c| match sid {
        SignerIdentifier::IssuerAndSerialNumber(i) => {
            c.tbs_certificate.issuer == i.issuer && c.tbs_certificate.serial_number == i.serial_number
        }
        SignerIdentifier::SubjectKeyIdentifier(ski) => c
            .tbs_certificate
            .get::<x509_cert::ext::pkix::SubjectKeyIdentifier>()
            .ok()
            .flatten()
            .is_some_and(|(_, k)| k.0 == ski.0),
    });
    found.ok_or_else(|| {
        TokenError::Untrusted(
            "the signing certificate is neither in the token nor among the stored ones".into(),
        )
    })
}

/// RFC 3161 § 2.3: the EKU extension "MUST be marked critical" and contain exactly
/// id-kp-timeStamping.
fn check_time_stamping_eku(cert: &Certificate) -> Result<(), TokenError> {
    let subject = cert.tbs_certificate.subject.to_string();
    match cert.tbs_certificate.get::<ExtendedKeyUsage>() {
        Ok(Some((true, eku))) if eku.0 == [rfc5280::ID_KP_TIME_STAMPING] => Ok(()),
        Ok(Some((false, _))) => Err(TokenError::NotTimeStamping(format!(
            "{subject}'s extended key usage is not marked critical"
        ))),
        Ok(Some(_)) => Err(TokenError::NotTimeStamping(format!(
            "{subject}'s extended key usage is not time-stamping only"
        ))),
        _ => Err(TokenError::NotTimeStamping(format!(
            "{subject} has no time-stamping key usage"
        ))),
    }
}

/// ESS: `ESSCertIDv2 ::= SEQUENCE { hashAlgorithm DEFAULT sha256, certHash OCTET STRING,
/// issuerSerial OPTIONAL }` (RFC 5035); v1 uses SHA-1 (RFC 2634).
#[derive(Sequence)]
struct SigningCertificateV2 {
    certs: Vec<EssCertIdV2>,
    #[asn1(optional = "true")]
    policies: Option<Any>,
}

#[derive(Sequence)]
struct EssCertIdV2 {
    #[asn1(optional = "true")]
    hash_algorithm: Option<AlgorithmIdentifierOwned>,
    cert_hash: OctetString,
    #[asn1(optional = "true")]
    issuer_serial: Option<Any>,
}

#[derive(Sequence)]
struct SigningCertificate {
    certs: Vec<EssCertId>,
    #[asn1(optional = "true")]
    policies: Option<Any>,
}

#[derive(Sequence)]
struct EssCertId {
    cert_hash: OctetString,
    #[asn1(optional = "true")]
    issuer_serial: Option<Any>,
}

fn check_ess(signer: &SignerInfo, cert_der: &[u8]) -> Result<(), TokenError> {
    let attrs = signer
        .signed_attrs
        .as_ref()
        .map(|a| a.iter().collect::<Vec<_>>())
        .unwrap_or_default();
    let value = |oid| {
        attrs
            .iter()
            .find(|a| a.oid == oid)
            .and_then(|a| a.values.iter().next().cloned())
    };
    let first_hash = if let Some(v2) = value(ID_AA_SIGNING_CERTIFICATE_V2) {
        let sc = v2
            .decode_as::<SigningCertificateV2>()
            .map_err(|e| TokenError::Malformed(format!("signing-certificate-v2: {e}")))?;
        sc.certs.first().map(|id| {
            let oid = id
                .hash_algorithm
                .as_ref()
                .map(|a| a.oid)
                .unwrap_or(rfc5912::ID_SHA_256);
            (digest_with(&oid, cert_der), id.cert_hash.as_bytes().to_vec())
        })
    } else if let Some(v1) = value(ID_AA_SIGNING_CERTIFICATE) {
        let sc = v1
            .decode_as::<SigningCertificate>()
            .map_err(|e| TokenError::Malformed(format!("signing-certificate: {e}")))?;
        sc.certs.first().map(|id| {
            use sha1::Digest as _;
            (
                Some(sha1::Sha1::digest(cert_der).to_vec()),
                id.cert_hash.as_bytes().to_vec(),
            )
        })
    } else {
        return Err(TokenError::BadSignature(
            "the signing-certificate attribute is missing".into(),
        ));
    };
    match first_hash {
        Some((Some(actual), named)) if actual == named => Ok(()),
        _ => Err(TokenError::BadSignature(
            "the signing-certificate attribute names another certificate (a substituted signer)".into(),
        )),
    }
}

/// Walks from the signer to a trusted certificate, checking each signature and that
/// every certificate was valid at `at`. Returns the path, signer first, trusted last.
fn check_chain<'a>(
    signer: &'a Certificate,
    pool: &'a [Certificate],
    trusted: &'a [Certificate],
    at: std::time::Duration,
) -> Result<Vec<&'a Certificate>, TokenError> {
    let untrusted = |why: String| TokenError::Untrusted(why);
    let mut current = signer;
    let mut path = Vec::new();
    for _ in 0..8 {
        path.push(current);
        let v = &current.tbs_certificate.validity;
        if at < v.not_before.to_unix_duration() || at > v.not_after.to_unix_duration() {
            return Err(untrusted(format!(
                "{} was not valid at the token's time",
                current.tbs_certificate.subject
            )));
        }
        if trusted.iter().any(|t| t == current) {
            return Ok(path);
        }
        let issuer = pool
            .iter()
            .filter(|c| c.tbs_certificate.subject == current.tbs_certificate.issuer && *c != current)
            .find(|c| verify_certificate_signature(current, c).is_ok())
            .or_else(|| {
                trusted.iter().find(|c| {
                    c.tbs_certificate.subject == current.tbs_certificate.issuer
                        && verify_certificate_signature(current, c).is_ok()
                })
            })
            .ok_or_else(|| {
                untrusted(format!(
                    "no stored certificate issued and signed {}",
                    current.tbs_certificate.subject
                ))
            })?;
        may_issue(issuer, path.len() - 1, trusted.contains(issuer)).map_err(untrusted)?;
        current = issuer;
    }
    Err(untrusted("the certificate chain is too long".into()))
}

/// RFC 5280 § 6.1.4: a certificate may sign another in the path only as a certification
/// authority — basicConstraints cA TRUE (a trust anchor of the old X.509 v1 kind may lack
/// the extension, never say FALSE), keyUsage (when present) with keyCertSign, and a
/// pathLenConstraint that allows the `below` authorities already under it; and, for a
/// time-stamping path, an extended key usage (when present) that allows time-stamping.
/// Without this, anyone holding the key of an ordinary certificate under a trusted root
/// (a web server's) could issue themselves a "time-stamping" certificate.
fn may_issue(issuer: &Certificate, below: usize, anchor: bool) -> Result<(), String> {
    let name = &issuer.tbs_certificate.subject;
    match issuer.tbs_certificate.get::<BasicConstraints>() {
        Ok(Some((_, bc))) if bc.ca => {
            if bc.path_len_constraint.is_some_and(|n| usize::from(n) < below) {
                return Err(format!(
                    "{name} may not have as many authorities under it as this chain has"
                ));
            }
        }
        Ok(None) if anchor => {}
        Ok(_) => {
            return Err(format!(
                "{name} is not a certification authority, so it cannot vouch for another certificate"
            ));
        }
        Err(e) => return Err(format!("{name}'s basic constraints cannot be read ({e})")),
    }
    match issuer.tbs_certificate.get::<KeyUsage>() {
        Ok(Some((_, ku))) if !ku.key_cert_sign() => {
            return Err(format!("{name} may not sign certificates (its key usage)"));
        }
        Err(e) => return Err(format!("{name}'s key usage cannot be read ({e})")),
        _ => {}
    }
    match issuer.tbs_certificate.get::<ExtendedKeyUsage>() {
        Ok(Some((_, eku)))
            if !eku
                .0
                .iter()
                .any(|o| *o == rfc5280::ID_KP_TIME_STAMPING || *o == rfc5280::ANY_EXTENDED_KEY_USAGE) =>
        {
            Err(format!("{name} is limited to uses other than time-stamping"))
        }
        Err(e) => Err(format!("{name}'s extended key usage cannot be read ({e})")),
        _ => Ok(()),
    }
}

fn verify_certificate_signature(cert: &Certificate, issuer: &Certificate) -> Result<(), String> {
    let tbs = cert.tbs_certificate.to_der().map_err(|e| e.to_string())?;
    let spki = issuer
        .tbs_certificate
        .subject_public_key_info
        .to_der()
        .map_err(|e| e.to_string())?;
    let sig = cert.signature.as_bytes().ok_or("the signature has unused bits")?;
    let alg =
        signature_alg(&cert.signature_algorithm, &cert.signature_algorithm).map_err(|e| e.to_string())?;
    verify_signature(alg, &spki, &tbs, sig)
}

#[derive(Clone, Copy)]
enum SigAlg {
    Rsa(Hash),
    Ecdsa(Hash),
}

#[derive(Clone, Copy)]
enum Hash {
    Sha256,
    Sha384,
    Sha512,
}

fn signature_alg(
    sig: &AlgorithmIdentifierOwned,
    digest: &AlgorithmIdentifierOwned,
) -> Result<SigAlg, TokenError> {
    let hash_of = |oid: &ObjectIdentifier| match *oid {
        rfc5912::ID_SHA_256 => Some(Hash::Sha256),
        rfc5912::ID_SHA_384 => Some(Hash::Sha384),
        rfc5912::ID_SHA_512 => Some(Hash::Sha512),
        _ => None,
    };
    let alg = match sig.oid {
        SHA256_WITH_RSA => Some(SigAlg::Rsa(Hash::Sha256)),
        SHA384_WITH_RSA => Some(SigAlg::Rsa(Hash::Sha384)),
        SHA512_WITH_RSA => Some(SigAlg::Rsa(Hash::Sha512)),
        RSA_ENCRYPTION => hash_of(&digest.oid).map(SigAlg::Rsa),
        ECDSA_WITH_SHA256 => Some(SigAlg::Ecdsa(Hash::Sha256)),
        ECDSA_WITH_SHA384 => Some(SigAlg::Ecdsa(Hash::Sha384)),
        _ => None,
    };
    alg.ok_or_else(|| TokenError::BadSignature(format!("signature algorithm {} is not supported", sig.oid)))
}

fn verify_signature(alg: SigAlg, spki_der: &[u8], message: &[u8], signature: &[u8]) -> Result<(), String> {
    use rsa::pkcs8::DecodePublicKey;
    use rsa::signature::Verifier;
    let e = |e: &dyn std::fmt::Display| e.to_string();
    match alg {
        SigAlg::Rsa(hash) => {
            let key = rsa::RsaPublicKey::from_public_key_der(spki_der).map_err(|x| e(&x))?;
            let sig = rsa::pkcs1v15::Signature::try_from(signature).map_err(|x| e(&x))?;
            match hash {
                Hash::Sha256 => rsa::pkcs1v15::VerifyingKey::<Sha256>::new(key).verify(message, &sig),
                Hash::Sha384 => rsa::pkcs1v15::VerifyingKey::<Sha384>::new(key).verify(message, &sig),
                Hash::Sha512 => rsa::pkcs1v15::VerifyingKey::<Sha512>::new(key).verify(message, &sig),
            }
            .map_err(|x| e(&x))
        }
        SigAlg::Ecdsa(hash) => {
            if let Ok(key) = p256::ecdsa::VerifyingKey::from_public_key_der(spki_der) {
                let sig = p256::ecdsa::DerSignature::try_from(signature).map_err(|x| e(&x))?;
                return match hash {
                    Hash::Sha256 => key.verify(message, &sig).map_err(|x| e(&x)),
                    _ => Err("P-256 with a hash other than SHA-256 is not supported".into()),
                };
            }
            let key = p384::ecdsa::VerifyingKey::from_public_key_der(spki_der).map_err(|x| e(&x))?;
            let sig = p384::ecdsa::DerSignature::try_from(signature).map_err(|x| e(&x))?;
            match hash {
                Hash::Sha384 => key.verify(message, &sig).map_err(|x| e(&x)),
                _ => Err("P-384 with a hash other than SHA-384 is not supported".into()),
            }
        }
    }
}

fn rfc3339(since_epoch: std::time::Duration) -> String {
    chrono::DateTime::from_timestamp(since_epoch.as_secs() as i64, 0)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

/// Reads every `CERTIFICATE` block from PEM text (a TSA's chain as stored beside its
/// tokens, or a file the user gave). Text between blocks (labels, comments, blank lines,
/// as in many CA bundles) is ignored; each block is decoded by `der`.
pub fn certificates_from_pem(pem: &[u8]) -> Result<Vec<Certificate>, TokenError> {
    const BEGIN: &[u8] = b"-----BEGIN CERTIFICATE-----";
    const END: &[u8] = b"-----END CERTIFICATE-----";
    let find = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).position(|w| w == needle);
    let mut certs = Vec::new();
    let mut rest = pem;
    while let Some(start) = find(rest, BEGIN) {
        let block = &rest[start..];
        let end = find(block, END)
            .ok_or_else(|| TokenError::Malformed("a PEM certificate has no END line".into()))?
            + END.len();
        let cert = <Certificate as der::DecodePem>::from_pem(&block[..end])
            .map_err(|e| TokenError::Malformed(format!("certificate {}: {e}", certs.len() + 1)))?;
        certs.push(cert);
        rest = &block[end..];
    }
    Ok(certs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonces_are_positive_and_minimal() {
        assert_eq!(positive_int(&[0, 0, 1]).expect("int").as_bytes(), [1]);
        assert_eq!(positive_int(&[0x80, 1]).expect("int").as_bytes(), [0, 0x80, 1]);
        assert_eq!(positive_int(&[0; 8]).expect("int").as_bytes(), [0]);
    }

    #[test]
    fn commitments_keep_the_record_last_and_whole() {
        let record = br#"{"id":"x"}"#;
        let c = commitment(&[0xab; 32], record);
        assert_eq!(c.len(), COMMITMENT_PREFIX.len() + 64 + 1 + record.len());
        assert!(c.starts_with(b"safekeep-timestamp-v1\nabab"));
        assert_eq!(record_in_commitment(&c), Some(&record[..]));
        assert_eq!(record_in_commitment(&c[1..]), None);
        let mut bad_salt = c.clone();
        bad_salt[COMMITMENT_PREFIX.len()] = b'G';
        assert_eq!(record_in_commitment(&bad_salt), None);
    }

    #[test]
    fn pem_text_without_certificates_reads_as_none() {
        for text in ["", "\n", "\r\n\n", "# just a label\n"] {
            assert_eq!(
                certificates_from_pem(text.as_bytes()).expect("no error").len(),
                0,
                "{text:?}"
            );
        }
        assert!(certificates_from_pem(b"-----BEGIN CERTIFICATE-----\nAAAA\n").is_err());
        assert!(
            certificates_from_pem(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n").is_err()
        );
    }

    #[test]
    fn garbage_and_truncated_tokens_are_malformed() {
        assert!(matches!(
            verify(b"garbage", &[0; 32], &[]),
            Err(TokenError::Malformed(_))
        ));
        let req = request(&[7; 32], &[1; 8]).expect("request");
        assert!(matches!(
            verify(&req[..10], &[7; 32], &[]),
            Err(TokenError::Malformed(_))
        ));
    }
}
