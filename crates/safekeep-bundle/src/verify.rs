//! `verify`: is this bundle exactly what a Safekeep vault exported?
//!
//! Implements docs/bundle-format.md § "What `safekeep verify` checks". Needs no vault,
//! writes nothing, reads the zip in place in constant memory (apart from the tag files,
//! metadata and the log, which it parses), hashes on all cores, and never panics on any
//! input: every finding becomes a [`Check`] a solicitor can read.

mod handover;
mod references;
pub mod source;
mod timestamps;
mod wacz;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;

pub use self::source::{Digest256, Folder, Kind, ListError, Listing, LocalFolder, LocalZip, ZipBytes};
use crate::audit_log::{ChainVerifier, event_type};
use crate::canonical;
use crate::encrypted::BundleKey;
use crate::format::{
    self, AUDIT_LOG, BAGIT_TXT, ITEMS_DIR, MANIFEST, METADATA, PUBLIC_KEY, SIGNATURE, TAG_MANIFEST,
};
use crate::signing;
use crate::timestamp_trust::TrustList;

/// The overall answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Every check passed.
    Intact,
    /// Something was altered, or is inconsistent.
    Altered,
    /// Not a bundle at all, or unreadable.
    NotABundle,
    /// Every check passed, but a timestamp is by an authority this computer does not
    /// recognise: its chain ends only at a root shipped inside the bundle
    /// (`timestamp_trust`). Nothing was altered; the timestamp proves nothing until its
    /// root is recognised some other way.
    UnrecognisedTimestamp,
}

impl Verdict {
    /// The process exit status: 0 intact, 1 altered, 2 not a bundle, 3 intact but a
    /// timestamp's authority is not recognised.
    pub fn exit_code(self) -> u8 {
        match self {
            Self::Intact => 0,
            Self::Altered => 1,
            Self::NotABundle => 2,
            Self::UnrecognisedTimestamp => 3,
        }
    }

    /// Whether nothing was altered (intact, whatever is said of its timestamps' authorities).
    pub fn unaltered(self) -> bool {
        matches!(self, Self::Intact | Self::UnrecognisedTimestamp)
    }
}

/// One check and what it found.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// Whether it passed.
    pub ok: bool,
    /// What was checked, in plain words.
    pub check: String,
    /// What was found (each problem, or a summary when it passed).
    pub details: Vec<String>,
    /// It passed, but something in it is by an authority this computer does not
    /// recognise (a timestamp): shown apart from passed and failed.
    pub unrecognised: bool,
}

/// Everything `verify` found.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    /// The answer.
    pub verdict: Verdict,
    /// The bag folder's name, once known.
    pub bag: Option<String>,
    /// Fingerprint of the key that signed the bundle, when the signature parsed.
    pub key_fingerprint: Option<String>,
    /// SHA-256 of the bag's tag manifest (what the signature covers), once read.
    pub tagmanifest_sha256: Option<String>,
    /// Files read.
    pub files: u64,
    /// Bytes read.
    pub bytes: u64,
    /// The checks, in order.
    pub checks: Vec<Check>,
}

impl VerifyReport {
    fn new() -> Self {
        Self {
            verdict: Verdict::Intact,
            bag: None,
            key_fingerprint: None,
            tagmanifest_sha256: None,
            files: 0,
            bytes: 0,
            checks: Vec::new(),
        }
    }

    fn add(&mut self, check: &str, problems: Vec<String>, ok_detail: impl FnOnce() -> String) {
        let ok = problems.is_empty();
        if !ok && self.verdict.unaltered() {
            self.verdict = Verdict::Altered;
        }
        self.checks.push(Check {
            ok,
            check: check.to_owned(),
            details: if ok { vec![ok_detail()] } else { problems },
            unrecognised: false,
        });
    }

    /// Marks the last check, which passed, as naming an authority this computer does not
    /// recognise.
    fn unrecognised(&mut self) {
        if let Some(last) = self.checks.last_mut().filter(|c| c.ok) {
            last.unrecognised = true;
            if self.verdict == Verdict::Intact {
                self.verdict = Verdict::UnrecognisedTimestamp;
            }
        }
    }

    fn not_a_bundle(mut self, check: &str, why: String) -> Self {
        self.verdict = Verdict::NotABundle;
        self.checks.push(Check {
            ok: false,
            check: check.to_owned(),
            details: vec![why],
            unrecognised: false,
        });
        self
    }
}

/// Verifies a bundle: a `.zip` file, an age-encrypted `.zip.age` (opened with `key`,
/// decrypted on the fly, nothing written), or a folder someone already unzipped.
/// `expect_key` is a fingerprint the bundle's key must have; `progress` gets bytes read.
/// Timestamps' authorities are judged by this computer's trust list
/// ([`TrustList::system`]).
pub fn verify_path(
    path: &Path,
    expect_key: Option<&str>,
    key: Option<&BundleKey>,
    progress: &(dyn Fn(u64) + Sync),
) -> VerifyReport {
    verify_path_trusting(path, expect_key, key, &TrustList::system(), progress)
}

/// [`verify_path`], judging timestamps' authorities by `trust`.
pub fn verify_path_trusting(
    path: &Path,
    expect_key: Option<&str>,
    key: Option<&BundleKey>,
    trust: &TrustList,
    progress: &(dyn Fn(u64) + Sync),
) -> VerifyReport {
    verify_kept(path, expect_key, key, trust, progress).0
}

/// A bundle as it was verified, for reading it again (`case import`): the listing, and
/// the bytes of the tag files, metadata, log and hand-over files that were checked.
pub struct Verified {
    /// The bag's files.
    pub listing: Listing,
    /// Bag-relative name → bytes, for the files kept while checking.
    pub kept: BTreeMap<String, Vec<u8>>,
}

/// [`verify_path`], keeping what was read. `None` when the bundle could not be listed.
pub fn verify_kept(
    path: &Path,
    expect_key: Option<&str>,
    key: Option<&BundleKey>,
    trust: &TrustList,
    progress: &(dyn Fn(u64) + Sync),
) -> (VerifyReport, Option<Verified>) {
    let bundle = if path.is_dir() {
        Bundle::Folder(Arc::new(source::LocalFolder(path.to_path_buf())))
    } else {
        Bundle::Zip(Arc::new(source::LocalZip(path.to_path_buf())))
    };
    verify_bundle(bundle, expect_key, key, trust, progress)
}

/// A bundle to verify, wherever its bytes are.
pub enum Bundle {
    /// A `.zip` or `.zip.age` file.
    Zip(Arc<dyn ZipBytes>),
    /// A folder someone unzipped it into.
    Folder(Arc<dyn Folder>),
}

/// How many threads hash a bundle's files: one where there are none (a browser tab).
fn threads() -> usize {
    if cfg!(target_arch = "wasm32") {
        return 1;
    }
    std::thread::available_parallelism()
        .map(usize::from)
        .unwrap_or(2)
        .min(8)
}

/// Verifies `bundle`, keeping what was read: every check of docs/bundle-format.md.
pub fn verify_bundle(
    bundle: Bundle,
    expect_key: Option<&str>,
    key: Option<&BundleKey>,
    trust: &TrustList,
    progress: &(dyn Fn(u64) + Sync),
) -> (VerifyReport, Option<Verified>) {
    let report = VerifyReport::new();
    const SAFE: &str = "The archive is safe to open";
    let listing = match bundle {
        Bundle::Folder(f) => source::list_dir(f),
        Bundle::Zip(z) => source::list_zip(z, key),
    };
    let listing = match listing {
        Ok(l) => l,
        Err(ListError::NotABundle(why)) => {
            return (report.not_a_bundle("The file is a readable bundle", why), None);
        }
        Err(ListError::Unsafe(problems)) => {
            let mut report = report;
            report.add(SAFE, problems, String::new);
            return (report, None);
        }
    };
    let mut report = report;
    report.bag = Some(listing.bag.clone());
    report.add(SAFE, Vec::new(), || {
        format!(
            "{} files in one folder, \"{}\"; no unsafe names, links or encryption",
            listing.entries.len(),
            listing.bag
        )
    });
    let digests = listing.hash_all(threads(), progress);
    let report = check_bag(&listing, &digests, expect_key, trust, report);
    let kept = listing
        .entries
        .iter()
        .zip(digests)
        .filter_map(|(e, d)| d.ok()?.content.map(|c| (e.name.clone(), c)))
        .collect();
    (report, Some(Verified { listing, kept }))
}

/// The bag's files after reading: name → digest, for those read in full.
struct Files<'a> {
    by_name: BTreeMap<&'a str, &'a Digest256>,
}

impl<'a> Files<'a> {
    fn text(&self, name: &str) -> Option<&'a str> {
        self.by_name
            .get(name)
            .and_then(|d| d.content.as_deref())
            .and_then(|b| std::str::from_utf8(b).ok())
    }
    fn bytes(&self, name: &str) -> Option<&'a [u8]> {
        self.by_name.get(name).and_then(|d| d.content.as_deref())
    }
}

fn check_bag(
    listing: &Listing,
    digests: &[Result<Digest256, String>],
    expect_key: Option<&str>,
    trust: &TrustList,
    mut report: VerifyReport,
) -> VerifyReport {
    let mut unreadable = Vec::new();
    let mut by_name = BTreeMap::new();
    for (e, d) in listing.entries.iter().zip(digests) {
        match d {
            Ok(d) => {
                report.files += 1;
                report.bytes += d.size;
                by_name.insert(e.name.as_str(), d);
            }
            Err(why) => unreadable.push(format!("{}: {why}", e.name)),
        }
    }
    let files = Files { by_name };
    report.tagmanifest_sha256 = files.by_name.get(TAG_MANIFEST).map(|d| d.sha256.clone());
    report.add(
        "Every file can be read in full, with the size the archive declares",
        unreadable,
        || {
            format!(
                "{} files, {} bytes",
                report_count(&files),
                files.by_name.values().map(|d| d.size).sum::<u64>()
            )
        },
    );

    let Some(bagit) = files.bytes("bagit.txt") else {
        return report.not_a_bundle(
            "It is a BagIt bag",
            "there is no bagit.txt: this is not a Safekeep bundle".into(),
        );
    };
    let bag_problems = if bagit == BAGIT_TXT.as_bytes() {
        Vec::new()
    } else {
        vec!["bagit.txt is not the BagIt 1.0 declaration".to_owned()]
    };
    let info = match files.text("bag-info.txt").map(format::parse_bag_info) {
        Some(Ok(info)) => info.into_iter().collect::<HashMap<_, _>>(),
        Some(Err(e)) => {
            report.add(
                "It is a BagIt bag",
                vec![format!("bag-info.txt cannot be read: {e}")],
                String::new,
            );
            HashMap::new()
        }
        None => {
            report.add(
                "It is a BagIt bag",
                vec!["bag-info.txt is missing".into()],
                String::new,
            );
            HashMap::new()
        }
    };
    let payload: Vec<_> = files
        .by_name
        .iter()
        .filter(|(n, _)| n.starts_with("data/"))
        .collect();
    let octets: u64 = payload.iter().map(|(_, d)| d.size).sum();
    let oxum = format!("{octets}.{}", payload.len());
    let mut problems = bag_problems;
    match info.get("Payload-Oxum") {
        Some(v) if *v == oxum => {}
        Some(v) => problems.push(format!(
            "bag-info.txt's Payload-Oxum says the payload is {v} (bytes.files) but it is {oxum}: files were added, removed or changed in size"
        )),
        None if !info.is_empty() => problems.push("bag-info.txt has no Payload-Oxum".into()),
        None => {}
    }
    report.add(
        "It is a BagIt 1.0 bag with the declared payload size",
        problems,
        || format!("Payload-Oxum {oxum}"),
    );

    check_manifests(&files, listing, &mut report);
    check_signature(&files, &info, expect_key, &mut report);
    let items = check_items(&files, &info, &mut report);
    references::check(&info, &items, &mut report);
    let log = check_log(&files, &info, &items, &mut report);
    timestamps::check(&files, &items, &log.timestamped, trust, &mut report);
    handover::check(&files, &info, &log.imported, trust, &mut report);
    wacz::check(&files, listing, &mut report);
    report
}

fn report_count(files: &Files<'_>) -> usize {
    files.by_name.len()
}

fn check_manifests(files: &Files<'_>, listing: &Listing, report: &mut VerifyReport) {
    let mut problems = Vec::new();
    let listed = read_manifest(files, MANIFEST, &mut problems);
    let mut seen = HashSet::new();
    for (hash, path) in &listed {
        if !seen.insert(path.as_str()) {
            problems.push(format!("{path}: is listed twice in the manifest"));
            continue;
        }
        if !path.starts_with("data/") {
            problems.push(format!("{path}: the manifest lists a file outside data/"));
            continue;
        }
        match files.by_name.get(path.as_str()) {
            Some(d) if d.sha256 == *hash => {}
            Some(d) => problems.push(format!(
                "{path}: its contents changed after export (the manifest records SHA-256 {hash}, the file has {})",
                d.sha256
            )),
            None if listing.entries.iter().any(|e| e.name == *path) => problems.push(format!(
                "{path}: could not be read in full (see above), so it does not match the manifest"
            )),
            None => problems.push(format!("{path}: is listed in the manifest but missing (removed after export)")),
        }
    }
    for e in listing.entries.iter().filter(|e| e.name.starts_with("data/")) {
        if !seen.contains(e.name.as_str()) {
            problems.push(format!("{}: is not in the manifest (added after export)", e.name));
        }
    }
    let n = listed.len();
    report.add(
        "Every evidence file matches the manifest (SHA-256), none missing, none added",
        problems,
        || format!("{n} files match manifest-sha256.txt"),
    );

    let mut problems = Vec::new();
    let tags = read_manifest(files, TAG_MANIFEST, &mut problems);
    for required in format::TAG_FILES {
        if !tags.iter().any(|(_, p)| p == required) {
            problems.push(format!("the tag manifest does not cover {required}"));
        }
    }
    for (hash, path) in &tags {
        match files.by_name.get(path.as_str()) {
            Some(d) if d.sha256 == *hash => {}
            Some(_) => problems.push(format!(
                "{path}: was changed after export (its SHA-256 is not the one in the tag manifest)"
            )),
            None => problems.push(format!("{path}: is listed in the tag manifest but missing")),
        }
    }
    // Outside data/, a bundle holds its tag files and its signature files only: anything
    // else was added after export (BagIt tolerates extra tag files; a bundle does not, or
    // `bag/Data/x` or `bag//data/x`, which unzip into data/ on some systems, would pass).
    for e in listing.entries.iter().filter(|e| !e.name.starts_with("data/")) {
        let name = e.name.as_str();
        let stamp_file = name.strip_prefix(format::timestamps::DIR).is_some_and(|f| {
            !f.contains('/')
                && [".tsr", ".commitment", ".chain.pem"]
                    .iter()
                    .any(|x| f.ends_with(x))
        });
        let known = name == TAG_MANIFEST
            || name == SIGNATURE
            || name == PUBLIC_KEY
            || stamp_file
            || tags.iter().any(|(_, p)| p == name);
        if !known {
            problems.push(format!(
                "{name}: is not part of the bundle (neither in the tag manifest nor a signature file): it was added after export"
            ));
        }
    }
    report.add(
        "The manifest, bag-info.txt and README.txt match the tag manifest",
        problems,
        || format!("{} tag files match tagmanifest-sha256.txt", tags.len()),
    );
}

fn read_manifest(files: &Files<'_>, name: &str, problems: &mut Vec<String>) -> Vec<(String, String)> {
    match files.text(name).map(format::parse_manifest) {
        Some(Ok(v)) => v,
        Some(Err(e)) => {
            problems.push(format!("{name} cannot be read: {e}"));
            Vec::new()
        }
        None => {
            problems.push(format!("{name} is missing"));
            Vec::new()
        }
    }
}

fn check_signature(
    files: &Files<'_>,
    info: &HashMap<String, String>,
    expect_key: Option<&str>,
    report: &mut VerifyReport,
) {
    let mut problems = Vec::new();
    let key = files
        .text(PUBLIC_KEY)
        .ok_or_else(|| format!("{PUBLIC_KEY} is missing"))
        .and_then(|pem| {
            <ed25519_dalek::VerifyingKey as ed25519_dalek::pkcs8::DecodePublicKey>::from_public_key_pem(pem)
                .map_err(|e| format!("{PUBLIC_KEY} is not an Ed25519 public key ({e})"))
        });
    let sig: Result<[u8; 64], String> = files
        .bytes(SIGNATURE)
        .ok_or_else(|| format!("{SIGNATURE} is missing"))
        .and_then(|b| {
            b.try_into()
                .map_err(|_| format!("{SIGNATURE} is not a 64-byte Ed25519 signature"))
        });
    let tag = files.bytes(TAG_MANIFEST).unwrap_or_default();
    let mut fingerprint = None;
    match (key, sig) {
        (Ok(key), Ok(sig)) => {
            let fp = signing::fingerprint(&key.to_bytes());
            if !signing::verify(&key.to_bytes(), tag, &sig) {
                problems.push("the signature does not match tagmanifest-sha256.txt with the included key: the bundle was altered after signing, or the key or signature was replaced".into());
            }
            match info.get("Safekeep-Key-Fingerprint") {
                Some(claimed)
                    if signing::normalize_fingerprint(claimed) == signing::normalize_fingerprint(&fp) => {}
                Some(claimed) => problems.push(format!(
                    "bag-info.txt names key {claimed}, but the bundle was signed with key {fp}"
                )),
                None => problems.push("bag-info.txt does not name the signing key".into()),
            }
            fingerprint = Some(fp);
        }
        (k, s) => problems.extend(k.err().into_iter().chain(s.err())),
    }
    report.key_fingerprint = fingerprint.clone();
    let fp_text = fingerprint.clone().unwrap_or_default();
    report.add(
        "The bundle is signed by the vault key named in it",
        problems,
        || format!("signed by key {fp_text}"),
    );
    if let Some(expected) = expect_key {
        let ok = fingerprint
            .as_deref()
            .is_some_and(|fp| signing::normalize_fingerprint(fp) == signing::normalize_fingerprint(expected));
        let problems = if ok {
            Vec::new()
        } else {
            vec![format!(
                "you expected key {expected}, but the bundle is signed by {}",
                fingerprint.as_deref().unwrap_or("no valid key")
            )]
        };
        report.add("The signing key is the one you expected", problems, || {
            format!("key {expected}")
        });
    }
}

/// An item as the bundle presents it.
struct BundledItem {
    folder: String,
    /// The exhibit reference, or the folder's name when metadata.json gives none (for
    /// messages; the grammar check refuses such an item).
    exhibit: String,
    /// `metadata.json`'s `exhibit`, when it is a string.
    reference: Option<String>,
    id: String,
    sealed: Vec<u8>,
}

fn check_items(
    files: &Files<'_>,
    info: &HashMap<String, String>,
    report: &mut VerifyReport,
) -> Vec<BundledItem> {
    let mut folders: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for name in files.by_name.keys().filter_map(|n| n.strip_prefix(ITEMS_DIR)) {
        match name.split_once('/') {
            Some((folder, file)) => folders.entry(folder).or_default().push(file),
            None => folders.entry("").or_default().push(name),
        }
    }
    let case_id = info.get("External-Identifier").map(String::as_str);
    let mut problems = Vec::new();
    let mut items = Vec::new();
    for (folder, contents) in &folders {
        let at = |file: &str| format!("{ITEMS_DIR}{folder}/{file}");
        let Some(meta) = files
            .text(&at(METADATA))
            .and_then(|t| serde_json::from_str::<Value>(t).ok())
        else {
            problems.push(format!("{ITEMS_DIR}{folder}: has no readable metadata.json"));
            continue;
        };
        let listed = meta["files"].as_array().cloned().unwrap_or_default();
        let mut expected: HashSet<&str> = contents.iter().copied().filter(|f| *f != METADATA).collect();
        let arts = meta["item"]["artifacts"].as_array().cloned().unwrap_or_default();
        if arts.len() != listed.len() {
            problems.push(format!(
                "{folder}: metadata.json lists {} files but the item record {}",
                listed.len(),
                arts.len()
            ));
        }
        for (i, f) in listed.iter().enumerate() {
            let name = f["name"].as_str().unwrap_or("");
            let sha = f["sha256"].as_str().unwrap_or("");
            if !expected.remove(name) {
                problems.push(format!(
                    "{folder}: metadata.json lists {name:?}, which is not in the folder"
                ));
                continue;
            }
            match files.by_name.get(at(name).as_str()) {
                Some(d) if d.sha256 == sha && Some(d.size) == f["size"].as_u64() => {}
                _ => problems.push(format!(
                    "{folder}/{name}: does not match the hash and size in metadata.json"
                )),
            }
            if arts.get(i).and_then(|a| a["sha256"].as_str()) != Some(sha) {
                problems.push(format!(
                    "{folder}/{name}: metadata.json and the sealed item record disagree about its hash"
                ));
            }
        }
        for extra in expected {
            problems.push(format!(
                "{folder}/{extra}: is not listed in the item's metadata.json"
            ));
        }
        let id = meta["item"]["id"].as_str().unwrap_or("").to_owned();
        if meta["folder"].as_str() != Some(folder) {
            problems.push(format!(
                "{folder}: metadata.json names another folder ({})",
                meta["folder"]
            ));
        }
        if case_id.is_some() && meta["item"]["case_id"].as_str() != case_id {
            problems.push(format!(
                "{folder}: the item belongs to another case ({})",
                meta["item"]["case_id"]
            ));
        }
        match canonical::to_bytes(&meta["item"]) {
            Ok(sealed) => items.push(BundledItem {
                folder: (*folder).to_owned(),
                exhibit: meta["exhibit"].as_str().unwrap_or(folder).to_owned(),
                reference: meta["exhibit"].as_str().map(str::to_owned),
                id,
                sealed,
            }),
            Err(e) => problems.push(format!("{folder}: the item record is malformed ({e})")),
        }
    }
    let n = items.len();
    report.add("Each item's metadata agrees with its files", problems, || {
        format!("{n} items")
    });
    items
}

/// What an intact audit log says that later checks need.
#[derive(Default)]
struct LogFacts {
    /// Items the log says were given a trusted timestamp.
    timestamped: HashSet<String>,
    /// The `case.imported` events: sequence number and data.
    imported: Vec<(u64, Value)>,
}

/// Checks the audit log against the items.
fn check_log(
    files: &Files<'_>,
    info: &HashMap<String, String>,
    items: &[BundledItem],
    report: &mut VerifyReport,
) -> LogFacts {
    let mut timestamped = HashSet::new();
    let mut imported = Vec::new();
    let mut problems = Vec::new();
    let case_id = info.get("External-Identifier").cloned().unwrap_or_default();
    let mut verifier = ChainVerifier::new(&case_id);
    let mut captured: HashMap<String, Vec<u8>> = HashMap::new();
    let mut withdrawn = HashSet::new();
    let mut reaching = Vec::new();
    match files.text(AUDIT_LOG) {
        None => problems.push(format!("{AUDIT_LOG} is missing or not UTF-8")),
        Some(text) => {
            for (n, line) in text.lines().enumerate() {
                let seq = n as u64 + 1;
                let parsed: Option<Value> = serde_json::from_str(line).ok();
                let Some(rec) = parsed.filter(|v| v.is_object()) else {
                    problems.push(format!(
                        "line {seq} of the audit log is not a JSON object: the log was edited"
                    ));
                    break;
                };
                let body = canonical::to_bytes(&rec["event"]).unwrap_or_default();
                let prev = rec["prev_hash"].as_str();
                let hash = rec["hash"].as_str().unwrap_or("");
                match verifier.push(seq, &body, prev, hash) {
                    Ok(event) => {
                        // An event about an item may touch only an item this chain
                        // captured before it (docs/bundle-format.md § "Checks"): item ids
                        // are public in every bundle, and a forged chain must not reach
                        // into another case of the vault that opens it.
                        if let Some(id) = item_event_target(&event.kind, &event.data)
                            && !captured.contains_key(id)
                        {
                            reaching.push(format!(
                                "event {seq} ({}) is about item {id}, which this audit log did not capture before it",
                                event.kind
                            ));
                        }
                        if event.kind == event_type::ITEM_CAPTURED
                            && let Some(id) = event.data["item"]["id"].as_str()
                            && let Ok(b) = canonical::to_bytes(&event.data["item"])
                        {
                            captured.insert(id.to_owned(), b);
                        }
                        if event.kind == event_type::ITEM_WITHDRAWN
                            && let Some(id) = event.data["item_id"].as_str()
                        {
                            withdrawn.insert(id.to_owned());
                        }
                        if event.kind == event_type::ITEM_TIMESTAMPED
                            && let Some(id) = event.data["item_id"].as_str()
                        {
                            timestamped.insert(id.to_owned());
                        }
                        if event.kind == event_type::CASE_IMPORTED {
                            imported.push((event.seq, event.data));
                        }
                    }
                    Err(b) => {
                        problems.push(format!("audit log {b}"));
                        break;
                    }
                }
            }
        }
    }
    let events = verifier.len();
    let log_ok = problems.is_empty();
    report.add("The audit log is intact from its first event", problems, || {
        format!("{events} events, chain head {}", verifier.head())
    });
    if !log_ok {
        return LogFacts::default();
    }
    let reached = reaching.is_empty();
    report.add(
        "Every event about an item is about one this audit log captured",
        reaching,
        || "no event reaches outside the case".to_owned(),
    );
    if !reached {
        return LogFacts::default();
    }
    let mut problems = Vec::new();
    for item in items {
        match captured.get(&item.id) {
            None => problems.push(format!(
                "{}: the audit log has no capture of item {}",
                item.folder, item.id
            )),
            Some(sealed) if *sealed != item.sealed => problems.push(format!(
                "{}: the item's record differs from the one sealed in the audit log when it was captured",
                item.folder
            )),
            Some(_) => {}
        }
        if withdrawn.contains(&item.id) {
            problems.push(format!(
                "{}: the audit log says this item was withdrawn",
                item.folder
            ));
        }
    }
    let present: HashSet<&str> = items.iter().map(|i| i.id.as_str()).collect();
    for id in captured
        .keys()
        .filter(|id| !withdrawn.contains(*id) && !present.contains(id.as_str()))
    {
        problems.push(format!(
            "item {id} was captured in this case but is missing from the bundle"
        ));
    }
    let n = items.len();
    report.add(
        "The audit log records every item in the bundle, and the bundle holds every item",
        problems,
        || format!("{n} items, each sealed in the log at capture"),
    );
    LogFacts {
        timestamped,
        imported,
    }
}

/// The item an event changes or adds to (a note, a withdrawal, a timestamp), if it is
/// one about an item other than its capture.
pub fn item_event_target<'v>(kind: &str, data: &'v Value) -> Option<&'v str> {
    match kind {
        event_type::ITEM_ANNOTATED => data["annotation"]["item_id"].as_str(),
        event_type::ITEM_WITHDRAWN | event_type::ITEM_TIMESTAMPED => data["item_id"].as_str(),
        _ => None,
    }
}
