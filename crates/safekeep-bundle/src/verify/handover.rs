//! Check 8 of docs/bundle-format.md: every hand-over (docs/handover.md) verifies. For the
//! `k`-th `case.imported` event of the log, at position `s`, `data/handover/<k>/` holds the
//! signed tag files of the bundle the case arrived in; its signature must verify with its
//! key, that key must be the one the event names, and its manifest's SHA-256 of
//! `data/audit-log.jsonl` must be that of the first `s − 1` lines of this bundle's log. So
//! the events before each hand-over are exactly those its sender signed, whoever signed
//! this bundle.

use std::collections::{BTreeSet, HashMap};

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::{Files, VerifyReport};
use crate::format::{self, AUDIT_LOG, HANDOVER_DIR, HANDOVER_FILES, HANDOVER_REQUIRED, TAG_FILES};
use crate::timestamp_trust::{Authority, TrustList};
use crate::{signing, timestamp_token};

pub(super) fn check(
    files: &Files<'_>,
    info: &HashMap<String, String>,
    imported: &[(u64, Value)],
    trust: &TrustList,
    report: &mut VerifyReport,
) {
    let folders: BTreeSet<&str> = files
        .by_name
        .keys()
        .filter_map(|n| n.strip_prefix(HANDOVER_DIR)?.split_once('/').map(|(k, _)| k))
        .collect();
    if imported.is_empty() && folders.is_empty() {
        return;
    }
    let log = files.bytes(AUDIT_LOG).unwrap_or_default();
    let mut problems = Vec::new();
    let mut found = Vec::new();
    let mut unrecognised = false;
    for (k, (seq, data)) in imported.iter().enumerate() {
        let position = k + 1;
        match one(files, info, log, position, *seq, data, trust) {
            Ok((summary, recognised)) => {
                unrecognised |= !recognised;
                found.push(summary);
            }
            Err(mut p) => problems.append(&mut p),
        }
    }
    for f in folders {
        if !f
            .parse::<usize>()
            .is_ok_and(|k| (1..=imported.len()).contains(&k))
        {
            problems.push(format!(
                "{HANDOVER_DIR}{f}: no case.imported event of the audit log refers to it"
            ));
        }
    }
    report.add(
        "Each hand-over verifies: the events before it are exactly those its sender signed",
        problems,
        || found.join("; "),
    );
    if unrecognised {
        report.unrecognised();
    }
}

/// Checks hand-over `position` (its `case.imported` event is `seq`); returns a summary,
/// and false when the sender's bundle timestamp is by an authority `trust` does not
/// recognise.
fn one<'a>(
    files: &Files<'a>,
    info: &HashMap<String, String>,
    log: &[u8],
    position: usize,
    seq: u64,
    data: &Value,
    trust: &TrustList,
) -> Result<(String, bool), Vec<String>> {
    let label = format!("hand-over {position} (event #{seq})");
    let at = |f: &str| format!("{HANDOVER_DIR}{position}/{f}");
    let mut problems = Vec::new();
    if data["handover"].as_u64() != Some(position as u64) {
        problems.push(format!(
            "{label}: the event numbers it {} but it is hand-over {position} of the log",
            data["handover"]
        ));
    }
    if data["events"].as_u64() != Some(seq - 1) {
        problems.push(format!(
            "{label}: the event says {} events came before it, but {} did",
            data["events"],
            seq - 1
        ));
    }
    let missing: Vec<&str> = HANDOVER_FILES[..HANDOVER_REQUIRED]
        .iter()
        .map(|(n, _)| *n)
        .filter(|n| files.bytes(&at(n)).is_none())
        .collect();
    if !missing.is_empty() {
        problems.push(format!(
            "{label}: {} is missing the sender's {}",
            at(""),
            missing.join(", ")
        ));
        return Err(problems);
    }
    let bytes = |n: &str| file(files, position, n);
    let tag = bytes("tagmanifest-sha256.txt");
    if Some(hex::encode(Sha256::digest(tag)).as_str()) != data["tagmanifest_sha256"].as_str() {
        problems.push(format!(
            "{label}: its tagmanifest-sha256.txt is not the one the event recorded at import"
        ));
    }
    let key = std::str::from_utf8(bytes("vault-key.pem")).ok().and_then(|pem| {
        <ed25519_dalek::VerifyingKey as ed25519_dalek::pkcs8::DecodePublicKey>::from_public_key_pem(pem).ok()
    });
    let sig: Option<[u8; 64]> = bytes("tagmanifest-sha256.txt.sig").try_into().ok();
    let Some((key, sig)) = key.zip(sig) else {
        problems.push(format!(
            "{label}: the sender's key or signature is not an Ed25519 key and signature"
        ));
        return Err(problems);
    };
    let fp = signing::fingerprint(&key.to_bytes());
    if !signing::verify(&key.to_bytes(), tag, &sig) {
        problems.push(format!(
            "{label}: the sender's signature does not match its tag manifest: it was altered"
        ));
    }
    let same = |other: Option<&str>| {
        other.is_some_and(|o| signing::normalize_fingerprint(o) == signing::normalize_fingerprint(&fp))
    };
    if !same(data["key_fingerprint"].as_str()) {
        problems.push(format!(
            "{label}: it is signed by key {fp}, but the event names key {}",
            data["key_fingerprint"]
        ));
    }
    let their_info: HashMap<String, String> = std::str::from_utf8(bytes("bag-info.txt"))
        .ok()
        .and_then(|t| format::parse_bag_info(t).ok())
        .map(|v| v.into_iter().collect())
        .unwrap_or_default();
    if !same(their_info.get("Safekeep-Key-Fingerprint").map(String::as_str)) {
        problems.push(format!("{label}: its bag-info.txt does not name key {fp}"));
    }
    if their_info.get("External-Identifier") != info.get("External-Identifier") {
        problems.push(format!("{label}: it is the bundle of another case"));
    }
    let tags = std::str::from_utf8(tag)
        .ok()
        .and_then(|t| format::parse_manifest(t).ok())
        .unwrap_or_default();
    for name in TAG_FILES {
        let listed = tags.iter().find(|(_, p)| p == name).map(|(h, _)| h.as_str());
        let actual = files.by_name.get(at(name).as_str()).map(|d| d.sha256.as_str());
        if listed.is_none() || listed != actual {
            problems.push(format!("{label}: its {name} does not match its tag manifest"));
        }
    }
    let manifest = std::str::from_utf8(bytes("manifest-sha256.txt"))
        .ok()
        .and_then(|t| format::parse_manifest(t).ok())
        .unwrap_or_default();
    let signed_log = manifest
        .iter()
        .find(|(_, p)| p == AUDIT_LOG)
        .map(|(h, _)| h.as_str());
    let prefix = first_lines(log, seq - 1).map(|p| hex::encode(Sha256::digest(p)));
    if signed_log.is_none() || signed_log != prefix.as_deref() {
        problems.push(format!(
            "{label}: the first {} events of the audit log are not the ones its sender signed (they were changed, or events were added among them)",
            seq - 1
        ));
    }
    let stamp = bundle_token(files, position, tag, trust);
    if let Err(why) = &stamp {
        problems.push(format!("{label}: {why}"));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let recognised = !matches!(stamp, Ok(Some((_, false))));
    let summary = format!(
        "events 1–{} were signed by the sender's key {fp} (bundle \"{}\", exported {}{})",
        seq - 1,
        data["bag"].as_str().unwrap_or(""),
        their_info
            .get("Safekeep-Export-Time")
            .map_or("at an unstated time", String::as_str),
        match stamp {
            Ok(Some((t, true))) => format!(", time-stamped {t}"),
            Ok(Some((t, false))) => format!(", time-stamped {t}: {}", super::timestamps::UNRECOGNISED),
            _ => String::new(),
        }
    );
    Ok((summary, recognised))
}

/// The sender's bundle token, when it was carried: verified over its tag manifest.
fn bundle_token(
    files: &Files<'_>,
    position: usize,
    tag: &[u8],
    trust: &TrustList,
) -> Result<Option<(String, bool)>, String> {
    let (token, chain) = (
        file(files, position, "bundle.tsr"),
        file(files, position, "bundle.chain.pem"),
    );
    if token.is_empty() {
        return Ok(None);
    }
    let imprint: [u8; 32] = Sha256::digest(tag).into();
    timestamp_token::certificates_from_pem(chain)
        .and_then(|c| trust.judge(token, &imprint, &c))
        .map(|a: Authority| Some((a.verified().gen_time.clone(), a.is_recognised())))
        .map_err(|e| format!("the sender's bundle timestamp does not verify ({e})"))
}

/// The bytes of `name` in hand-over folder `position`; empty when it is not there.
fn file<'a>(files: &Files<'a>, position: usize, name: &str) -> &'a [u8] {
    files
        .bytes(&format!("{HANDOVER_DIR}{position}/{name}"))
        .unwrap_or_default()
}

/// The first `n` lines of `log`, with their line ends; `None` when it has fewer.
fn first_lines(log: &[u8], n: u64) -> Option<&[u8]> {
    if n == 0 {
        return Some(&[]);
    }
    let mut seen = 0;
    for (i, b) in log.iter().enumerate() {
        if *b == b'\n' {
            seen += 1;
            if seen == n {
                return Some(&log[..=i]);
            }
        }
    }
    None
}
