//! RFC 3161 tokens from a real time-stamp authority made with `openssl ts -reply` (a test
//! CA and a TSA certificate with a critical timeStamping EKU), checked by our verifier
//! and, for the good ones, by `openssl ts -verify`. Each bad token must be refused with
//! the right reason. `openssl` is installed by `make deps-test`.
#![allow(clippy::unwrap_used, missing_docs)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use der::Decode;
use safekeep_core::timestamp_token::{self, TokenError};
use sha2::{Digest, Sha256};

fn openssl(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "openssl {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A CA (`NAME.ca.crt`) and a certificate it issued (`NAME.crt`, `NAME.key`) with `ext`.
fn authority(dir: &Path, name: &str, ext: &str) {
    let ca = format!("{name}.ca");
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            &format!("{ca}.key"),
            "-out",
            &format!("{ca}.crt"),
            "-subj",
            "/CN=Test TSA Root",
            "-days",
            "10",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
    );
    openssl(
        dir,
        &[
            "req",
            "-new",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            &format!("{name}.key"),
            "-out",
            &format!("{name}.csr"),
            "-subj",
            &format!("/CN={name}"),
        ],
    );
    fs::write(dir.join(format!("{name}.ext")), ext).unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            &format!("{name}.csr"),
            "-CA",
            &format!("{ca}.crt"),
            "-CAkey",
            &format!("{ca}.key"),
            "-CAcreateserial",
            "-out",
            &format!("{name}.crt"),
            "-days",
            "5",
            "-extfile",
            &format!("{name}.ext"),
        ],
    );
}

const TSA_EXT: &str = "extendedKeyUsage=critical,timeStamping\nkeyUsage=critical,digitalSignature,nonRepudiation\nbasicConstraints=CA:FALSE\n";

/// Asks the openssl TSA `name` to time-stamp `imprint`; returns the raw response.
fn reply(dir: &Path, name: &str, imprint: &[u8; 32], nonce: &[u8; 8]) -> Vec<u8> {
    let d = dir.display();
    fs::write(
        dir.join(format!("{name}.cnf")),
        format!(
            "[ tsa ]\ndefault_tsa = c\n[ c ]\nserial = {d}/{name}.serial\ncrypto_device = builtin\nsigner_cert = {d}/{name}.crt\nsigner_key = {d}/{name}.key\nsigner_digest = sha256\ndefault_policy = 1.2.3.4.1\ndigests = sha256\naccuracy = secs:1, millisecs:500, microsecs:100\nordering = yes\ntsa_name = yes\ness_cert_id_chain = no\ness_cert_id_alg = sha256\n"
        ),
    )
    .unwrap();
    if !dir.join(format!("{name}.serial")).exists() {
        fs::write(dir.join(format!("{name}.serial")), "01\n").unwrap();
    }
    fs::write(
        dir.join("q.tsq"),
        timestamp_token::request(imprint, nonce).unwrap(),
    )
    .unwrap();
    openssl(
        dir,
        &[
            "ts",
            "-reply",
            "-config",
            &format!("{name}.cnf"),
            "-queryfile",
            "q.tsq",
            "-out",
            "r.tsr",
        ],
    );
    fs::read(dir.join("r.tsr")).unwrap()
}

fn trusted(dir: &Path, file: &str) -> Vec<x509_cert::Certificate> {
    timestamp_token::certificates_from_pem(&fs::read(dir.join(file)).unwrap()).unwrap()
}

struct Setup {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
}

fn setup() -> Setup {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    authority(&dir, "tsa", TSA_EXT);
    Setup { _tmp: tmp, dir }
}

#[test]
fn a_real_tsa_token_verifies_here_and_with_openssl() {
    let s = setup();
    let imprint: [u8; 32] = Sha256::digest(b"salted commitment").into();
    let nonce = [0x91, 2, 3, 4, 5, 6, 7, 8];
    let response = reply(&s.dir, "tsa", &imprint, &nonce);
    let token = timestamp_token::token_from_response(&response, &nonce).unwrap();
    let ok = timestamp_token::verify(&token, &imprint, &trusted(&s.dir, "tsa.ca.crt")).unwrap();
    assert_eq!(ok.policy, "1.2.3.4.1");
    assert_eq!(ok.signer, "CN=tsa");
    let age = chrono::Utc::now()
        - chrono::DateTime::parse_from_rfc3339(&ok.gen_time)
            .unwrap()
            .to_utc();
    assert!(age.num_seconds().abs() < 120, "genTime {}", ok.gen_time);
    // The same token, as a file on its own, verifies with OpenSSL.
    fs::write(s.dir.join("t.tst"), &token).unwrap();
    let out = openssl(
        &s.dir,
        &[
            "ts",
            "-verify",
            "-token_in",
            "-in",
            "t.tst",
            "-digest",
            &hex::encode(imprint),
            "-CAfile",
            "tsa.ca.crt",
        ],
    );
    assert!(out.contains("Verification: OK"), "{out}");

    // A different nonce in the answer than the one sent.
    assert_eq!(
        timestamp_token::token_from_response(&response, &[9; 8]),
        Err(TokenError::WrongNonce)
    );
    // Another hash.
    let other: [u8; 32] = Sha256::digest(b"something else").into();
    assert_eq!(
        timestamp_token::verify(&token, &other, &trusted(&s.dir, "tsa.ca.crt")),
        Err(TokenError::WrongImprint)
    );
    // Truncated, and garbage.
    for bad in [
        &token[..token.len() - 20],
        &token[..40],
        b"not a token at all".as_slice(),
    ] {
        let e = timestamp_token::verify(bad, &imprint, &trusted(&s.dir, "tsa.ca.crt")).unwrap_err();
        assert!(matches!(e, TokenError::Malformed(_)), "{e}");
        assert!(e.to_string().contains("damaged or is not an RFC 3161"), "{e}");
    }
    // Every flipped byte of what the signature covers — the TSTInfo, the signed
    // attributes —, of the signature itself and of the signer's certificate is refused.
    let info = cms::content_info::ContentInfo::from_der(&token).unwrap();
    let sd = info.content.decode_as::<cms::signed_data::SignedData>().unwrap();
    let tst = sd
        .encap_content_info
        .econtent
        .as_ref()
        .unwrap()
        .decode_as::<der::asn1::OctetString>()
        .unwrap();
    let signer = sd.signer_infos.0.as_slice()[0].clone();
    let attrs = der::Encode::to_der(signer.signed_attrs.as_ref().unwrap()).unwrap();
    let cert = match sd.certificates.as_ref().unwrap().0.iter().next().unwrap() {
        cms::cert::CertificateChoices::Certificate(c) => der::Encode::to_der(c).unwrap(),
        other => panic!("{other:?}"),
    };
    let find = |needle: &[u8]| token.windows(needle.len()).position(|w| w == needle).unwrap();
    let regions = [
        (find(tst.as_bytes()), tst.as_bytes().len()),
        (find(&attrs[1..]), attrs.len() - 1),
        (
            find(signer.signature.as_bytes()),
            signer.signature.as_bytes().len(),
        ),
        (find(&cert), cert.len()),
    ];
    let mut flipped = 0;
    for (start, len) in regions {
        for i in start..start + len {
            let mut t = token.clone();
            t[i] ^= 0x01;
            assert!(
                timestamp_token::verify(&t, &imprint, &trusted(&s.dir, "tsa.ca.crt")).is_err(),
                "byte {i} flipped was accepted"
            );
            flipped += 1;
        }
    }
    assert!(flipped > 500, "{flipped}");
}

#[test]
fn tokens_from_another_authority_are_refused() {
    let s = setup();
    authority(&s.dir, "other", TSA_EXT);
    let imprint: [u8; 32] = Sha256::digest(b"c").into();
    let nonce = [1; 8];
    let token =
        timestamp_token::token_from_response(&reply(&s.dir, "other", &imprint, &nonce), &nonce).unwrap();
    // Valid for its own root…
    timestamp_token::verify(&token, &imprint, &trusted(&s.dir, "other.ca.crt")).unwrap();
    // …but not for ours, although both roots have the same name.
    let e = timestamp_token::verify(&token, &imprint, &trusted(&s.dir, "tsa.ca.crt")).unwrap_err();
    assert!(matches!(e, TokenError::Untrusted(_)), "{e}");
}

/// OpenSSL's TSA refuses to sign with a certificate lacking the timeStamping EKU, so
/// such a token is made the way an impostor would: the genuine TSTInfo re-signed with
/// `openssl cms -sign` by a certificate from the same CA.
#[test]
fn a_signer_without_the_time_stamping_eku_is_refused() {
    let s = setup();
    let imprint: [u8; 32] = Sha256::digest(b"c").into();
    let nonce = [1; 8];
    let token =
        timestamp_token::token_from_response(&reply(&s.dir, "tsa", &imprint, &nonce), &nonce).unwrap();
    let info = cms::content_info::ContentInfo::from_der(&token).unwrap();
    let sd = info.content.decode_as::<cms::signed_data::SignedData>().unwrap();
    let tst = sd
        .encap_content_info
        .econtent
        .unwrap()
        .decode_as::<der::asn1::OctetString>()
        .unwrap();
    fs::write(s.dir.join("tst.der"), tst.as_bytes()).unwrap();
    for (name, ext) in [
        ("noeku", "keyUsage=critical,digitalSignature\n"),
        (
            "noncritical",
            "extendedKeyUsage=timeStamping\nkeyUsage=critical,digitalSignature\n",
        ),
    ] {
        // Issued by the same CA as the genuine TSA.
        openssl(
            &s.dir,
            &[
                "req",
                "-new",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                &format!("{name}.key"),
                "-out",
                &format!("{name}.csr"),
                "-subj",
                &format!("/CN={name}"),
            ],
        );
        fs::write(s.dir.join(format!("{name}.ext")), ext).unwrap();
        openssl(
            &s.dir,
            &[
                "x509",
                "-req",
                "-in",
                &format!("{name}.csr"),
                "-CA",
                "tsa.ca.crt",
                "-CAkey",
                "tsa.ca.key",
                "-CAcreateserial",
                "-out",
                &format!("{name}.crt"),
                "-days",
                "5",
                "-extfile",
                &format!("{name}.ext"),
            ],
        );
        openssl(
            &s.dir,
            &[
                "cms",
                "-sign",
                "-binary",
                "-nodetach",
                "-in",
                "tst.der",
                "-econtent_type",
                "1.2.840.113549.1.9.16.1.4",
                "-signer",
                &format!("{name}.crt"),
                "-inkey",
                &format!("{name}.key"),
                "-md",
                "sha256",
                "-outform",
                "DER",
                "-out",
                &format!("{name}.tst"),
            ],
        );
        let forged = fs::read(s.dir.join(format!("{name}.tst"))).unwrap();
        let e = timestamp_token::verify(&forged, &imprint, &trusted(&s.dir, "tsa.ca.crt")).unwrap_err();
        assert!(matches!(e, TokenError::NotTimeStamping(_)), "{name}: {e}");
    }
    // Sanity: the genuine token's certificate is what makes the difference.
    assert!(timestamp_token::verify(&token, &imprint, &trusted(&s.dir, "tsa.ca.crt")).is_ok());
}

/// Anyone holding the key of an ordinary certificate under a trusted root (a web server's:
/// CA:FALSE, serverAuth) could issue themselves a "time-stamping" certificate: a chain
/// through a certificate that is not a certification authority is refused.
#[test]
fn a_chain_through_an_end_entity_certificate_is_refused() {
    let s = setup();
    authority(
        &s.dir,
        "web",
        "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
    );
    openssl(
        &s.dir,
        &[
            "req",
            "-new",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "evil.key",
            "-out",
            "evil.csr",
            "-subj",
            "/CN=DigiCert Timestamp 2024",
        ],
    );
    fs::write(s.dir.join("evil.ext"), TSA_EXT).unwrap();
    openssl(
        &s.dir,
        &[
            "x509",
            "-req",
            "-in",
            "evil.csr",
            "-CA",
            "web.crt",
            "-CAkey",
            "web.key",
            "-CAcreateserial",
            "-out",
            "evil.crt",
            "-days",
            "3",
            "-extfile",
            "evil.ext",
        ],
    );
    let imprint: [u8; 32] = Sha256::digest(b"c").into();
    let nonce = [1; 8];
    let token =
        timestamp_token::token_from_response(&reply(&s.dir, "evil", &imprint, &nonce), &nonce).unwrap();
    let roots = trusted(&s.dir, "web.ca.crt");
    let web = trusted(&s.dir, "web.crt");
    let reached = timestamp_token::verify_reaching(&token, &imprint, &roots, &web);
    assert!(
        matches!(&reached, Err(e) if e.to_string().contains("not a certification authority")),
        "{reached:?}"
    );
    let list = safekeep_core::timestamp_trust::TrustList::default().with(roots.clone());
    let judged = list.judge(&token, &imprint, &[web[0].clone(), roots[0].clone()]);
    assert!(!judged.as_ref().is_ok_and(|a| a.is_recognised()), "{judged:?}");
}
