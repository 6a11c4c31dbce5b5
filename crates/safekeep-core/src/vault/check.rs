//! `check`: is everything in the vault what its records say it is?
//!
//! Verifies the database's own integrity, every case's chain from genesis to the head
//! recorded for the case, that every item row equals the record sealed in its capture
//! event, and every stored blob against its SHA-256. Files in the store that no record
//! uses (left by a crash) are orphans: reported, and removed only with `repair`.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::fs;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

use serde::Serialize;
use serde_json::Value;

use super::{Result, Vault};
use crate::audit_log::{ChainVerifier, event_type};
use crate::blob_store;
use crate::canonical;
use crate::db::{artifacts, cases, events, items};

/// One thing found wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum Problem {
    /// SQLite's own integrity check failed.
    Database {
        /// What SQLite reported.
        detail: String,
    },
    /// A case's audit chain is broken at an event.
    Chain {
        /// The case.
        case_id: String,
        /// Its title.
        title: String,
        /// The first event that does not verify.
        seq: u64,
        /// What is wrong with it.
        detail: String,
    },
    /// A case's chain verifies but ends before the head recorded for the case.
    ChainTruncated {
        /// The case.
        case_id: String,
        /// Its title.
        title: String,
        /// Events the case says it has.
        recorded: u64,
        /// Events found.
        found: u64,
    },
    /// An item row does not match the record sealed in its capture event.
    ItemUnsealed {
        /// The item.
        item_id: String,
        /// How it differs.
        detail: String,
    },
    /// A blob that an item needs is gone.
    BlobMissing {
        /// The item.
        item_id: String,
        /// Which artifact.
        artifact: u32,
        /// Where it should be.
        path: PathBuf,
    },
    /// A blob's bytes no longer match their hash.
    BlobAltered {
        /// The item.
        item_id: String,
        /// Which artifact.
        artifact: u32,
        /// The file.
        path: PathBuf,
        /// What was found instead.
        detail: String,
    },
    /// An event in a case's chain changes an item that the same chain did not capture
    /// before it (a note, a withdrawal or a timestamp aimed at another case's item, as a
    /// forged bundle opened as a case could carry).
    EventReachesOutside {
        /// The case whose chain holds the event.
        case_id: String,
        /// Its title.
        title: String,
        /// The event.
        seq: u64,
        /// Its type.
        kind: String,
        /// The item it names.
        item_id: String,
    },
    /// An item's row names a different case from the one whose chain captured it.
    ItemInOtherCase {
        /// The item.
        item_id: String,
        /// The case its row names.
        row_case: String,
        /// The case whose chain sealed its capture.
        sealed_case: String,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Database { detail } => {
                write!(f, "the database failed SQLite's integrity check: {detail}")
            }
            Self::Chain {
                case_id,
                title,
                seq,
                detail,
            } => write!(
                f,
                "case {case_id} (\"{title}\"): audit log broken at event #{seq}: {detail}"
            ),
            Self::ChainTruncated {
                case_id,
                title,
                recorded,
                found,
            } => write!(
                f,
                "case {case_id} (\"{title}\"): the audit log ends at event #{found}, but the case recorded {recorded} events: events after #{found} were deleted"
            ),
            Self::ItemUnsealed { item_id, detail } => write!(f, "item {item_id}: {detail}"),
            Self::BlobMissing {
                item_id,
                artifact,
                path,
            } => {
                write!(
                    f,
                    "item {item_id}: stored file #{} is missing ({})",
                    artifact + 1,
                    path.display()
                )
            }
            Self::BlobAltered {
                item_id,
                artifact,
                path,
                detail,
            } => write!(
                f,
                "item {item_id}: stored file #{} ({}) was altered: {detail}",
                artifact + 1,
                path.display()
            ),
            Self::EventReachesOutside {
                case_id,
                title,
                seq,
                kind,
                item_id,
            } => write!(
                f,
                "case {case_id} (\"{title}\"): event #{seq} ({kind}) is about item {item_id}, which this case's audit log did not capture before it; the event may have come from a forged bundle and changes nothing outside its case"
            ),
            Self::ItemInOtherCase {
                item_id,
                row_case,
                sealed_case,
            } => write!(
                f,
                "item {item_id}: it is filed under case {row_case}, but its capture was sealed in case {sealed_case}'s audit log"
            ),
        }
    }
}

/// What `check` looked at and found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CheckReport {
    /// Cases whose chains were checked.
    pub cases: u64,
    /// Events verified.
    pub events: u64,
    /// Items compared with their sealed records.
    pub items: u64,
    /// Blobs re-hashed.
    pub blobs: u64,
    /// Bytes re-hashed.
    pub bytes: u64,
    /// Everything found wrong.
    pub problems: Vec<Problem>,
    /// Files in the store that no record uses.
    pub orphans: Vec<PathBuf>,
    /// Orphans removed by `repair`.
    pub removed: Vec<PathBuf>,
}

impl CheckReport {
    /// Whether all is well: no problem, and no orphan left in the store.
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty() && self.orphans.len() == self.removed.len()
    }
}

impl Vault {
    /// Checks the whole vault; with `repair`, removes orphan files (and nothing else).
    /// `progress` is called with the bytes re-hashed so far.
    pub fn check(&mut self, repair: bool, progress: &mut dyn FnMut(u64)) -> Result<CheckReport> {
        let mut report = CheckReport::default();
        let arts = check_database(self.conn(), &mut report)?;
        let found = rehash_all(&self.blobs, &arts, progress);
        for (a, found) in arts.iter().zip(found) {
            let (Some(found), Some(name)) = (found, &a.blob) else {
                continue;
            };
            let path = self.blobs.path_of(name);
            match found {
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    report.problems.push(Problem::BlobMissing {
                        item_id: a.item_id.clone(),
                        artifact: a.idx,
                        path,
                    })
                }
                Err(e) => report.problems.push(Problem::BlobAltered {
                    item_id: a.item_id.clone(),
                    artifact: a.idx,
                    path,
                    detail: format!("it cannot be read ({e})"),
                }),
                Ok((sha, size)) => {
                    report.blobs += 1;
                    report.bytes += size;
                    if hex::encode(sha) != a.sha256 || size != a.size {
                        report.problems.push(Problem::BlobAltered {
                            item_id: a.item_id.clone(),
                            artifact: a.idx,
                            path,
                            detail: format!(
                                "expected SHA-256 {} and {} bytes, found {} and {size} bytes",
                                a.sha256,
                                a.size,
                                hex::encode(sha)
                            ),
                        });
                    }
                }
            }
        }

        let used: HashSet<&str> = arts.iter().filter_map(|a| a.blob.as_deref()).collect();
        let files = self
            .blobs
            .list()
            .map_err(|e| super::Error::storage(self.blobs.blobs_dir(), e))?;
        for (path, name) in files {
            if name.as_deref().is_some_and(|n| used.contains(n)) {
                continue;
            }
            if repair {
                let removed = if path.is_dir() {
                    fs::remove_dir_all(&path)
                } else {
                    fs::remove_file(&path)
                };
                removed.map_err(|e| super::Error::storage(&path, e))?;
                report.removed.push(path.clone());
            }
            report.orphans.push(path);
        }
        Ok(report)
    }
}

/// Checks a vault database on its own (SQLite's integrity, every case's chain, every item
/// against its sealed record) into `report`, and returns every artifact row, for the
/// caller to check the blobs. Serves `check` and the verification of a backup.
pub(super) fn check_database(
    conn: &rusqlite::Connection,
    report: &mut CheckReport,
) -> Result<Vec<artifacts::ArtifactRow>> {
    let mut st = conn.prepare("PRAGMA quick_check")?;
    let rows: Vec<String> = st.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
    drop(st);
    if rows != ["ok"] {
        report.problems.push(Problem::Database {
            detail: rows.join("; "),
        });
    }
    let mut sealed: HashMap<String, Sealed> = HashMap::new();
    for case in cases::list(conn)? {
        report.cases += 1;
        check_chain(&case, &events::list(conn, &case.id)?, report, &mut sealed);
    }
    let arts = artifacts::list(conn, None)?;
    let mut by_item: HashMap<&str, Vec<&artifacts::ArtifactRow>> = HashMap::new();
    for a in &arts {
        by_item.entry(a.item_id.as_str()).or_default().push(a);
    }
    for item in items::list(conn, None)? {
        report.items += 1;
        let rows = by_item.remove(item.id.as_str()).unwrap_or_default();
        check_item(&item, &rows, sealed.get(&item.id), report);
    }
    drop(by_item);
    Ok(arts)
}

/// An item's record as sealed in a capture event, and the case whose chain holds it.
struct Sealed {
    case_id: String,
    record: Vec<u8>,
}

/// What re-hashing one stored blob found: its SHA-256 and size, or why it cannot be read.
type Rehashed = std::io::Result<([u8; 32], u64)>;

/// Re-hashes (and, in an encrypted vault, authenticates) every artifact's blob on all
/// cores; one result per artifact, in order, `None` for artifacts with no blob.
/// `progress` is called on this thread with the bytes hashed so far.
fn rehash_all(
    blobs: &blob_store::BlobStore,
    arts: &[artifacts::ArtifactRow],
    progress: &mut dyn FnMut(u64),
) -> Vec<Option<Rehashed>> {
    let next = AtomicUsize::new(0);
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let mut found: Vec<Option<Rehashed>> = (0..arts.len()).map(|_| None).collect();
    std::thread::scope(|scope| {
        let (tx, rx) = mpsc::channel::<(usize, Rehashed)>();
        for _ in 0..threads.min(arts.len()) {
            let (tx, next) = (tx.clone(), &next);
            scope.spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(a) = arts.get(i) else { break };
                    let Some(name) = &a.blob else { continue };
                    let hashed = blobs.open(name).and_then(|mut f| blob_store::hash_stream(&mut f));
                    if tx.send((i, hashed)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let mut hashed = 0u64;
        for (i, result) in rx {
            if let Ok((_, size)) = &result {
                hashed += size;
                progress(hashed);
            }
            found[i] = Some(result);
        }
    });
    found
}

fn check_chain(
    case: &cases::CaseRow,
    rows: &[events::EventRow],
    report: &mut CheckReport,
    sealed: &mut HashMap<String, Sealed>,
) {
    let mut verifier = ChainVerifier::new(&case.id);
    let mut broken = false;
    let mut captured: HashSet<String> = HashSet::new();
    for row in rows {
        // Sealed records are collected from every readable event, even past a break, so
        // items are still compared with what was sealed.
        if row.kind == event_type::ITEM_CAPTURED
            && let Ok(v) = serde_json::from_str::<Value>(&row.body)
            && let Some(id) = v["data"]["item"]["id"].as_str()
            && let Ok(bytes) = canonical::to_bytes(&v["data"]["item"])
        {
            sealed.insert(
                id.to_owned(),
                Sealed {
                    case_id: case.id.clone(),
                    record: bytes,
                },
            );
        }
        if broken {
            continue;
        }
        match verifier.push(row.seq, row.body.as_bytes(), Some(&row.prev_hash), &row.hash) {
            Ok(event) => {
                report.events += 1;
                // The same rule as `verify` (docs/bundle-format.md § "Checks"): an event
                // about an item may touch only what this chain captured before it.
                if let Some(id) = crate::bundle::verify::item_event_target(&event.kind, &event.data)
                    && !captured.contains(id)
                {
                    report.problems.push(Problem::EventReachesOutside {
                        case_id: case.id.clone(),
                        title: case.title.clone(),
                        seq: row.seq,
                        kind: event.kind.clone(),
                        item_id: id.to_owned(),
                    });
                }
                if event.kind == event_type::ITEM_CAPTURED
                    && let Some(id) = event.data["item"]["id"].as_str()
                {
                    captured.insert(id.to_owned());
                }
            }
            Err(b) => {
                broken = true;
                report.problems.push(Problem::Chain {
                    case_id: case.id.clone(),
                    title: case.title.clone(),
                    seq: b.seq,
                    detail: b.problem,
                });
            }
        }
    }
    if !broken && (verifier.len() != case.event_count || verifier.head() != case.head_hash) {
        if verifier.len() < case.event_count {
            report.problems.push(Problem::ChainTruncated {
                case_id: case.id.clone(),
                title: case.title.clone(),
                recorded: case.event_count,
                found: verifier.len(),
            });
        } else {
            report.problems.push(Problem::Chain {
                case_id: case.id.clone(),
                title: case.title.clone(),
                seq: verifier.len(),
                detail: format!(
                    "the last event does not match the head recorded for the case ({} events, head {})",
                    case.event_count, case.head_hash
                ),
            });
        }
    }
}

fn check_item(
    item: &items::ItemRow,
    rows: &[&artifacts::ArtifactRow],
    sealed: Option<&Sealed>,
    report: &mut CheckReport,
) {
    let unsealed = |detail: String| Problem::ItemUnsealed {
        item_id: item.id.clone(),
        detail,
    };
    let Some(sealed) = sealed else {
        report
            .problems
            .push(unsealed("it has no capture event in its case's audit log".into()));
        return;
    };
    if sealed.case_id != item.case_id {
        report.problems.push(Problem::ItemInOtherCase {
            item_id: item.id.clone(),
            row_case: item.case_id.clone(),
            sealed_case: sealed.case_id.clone(),
        });
    }
    let sealed = &sealed.record;
    if sealed.as_slice() != item.record.as_bytes() {
        report.problems.push(unsealed(
            "its stored record differs from the record sealed in its capture event".into(),
        ));
        return;
    }
    let record: Value = serde_json::from_slice(sealed).unwrap_or_default();
    let listed = record["artifacts"].as_array().cloned().unwrap_or_default();
    if listed.len() != rows.len() {
        report.problems.push(unsealed(format!(
            "it lists {} stored files but the vault holds {}",
            listed.len(),
            rows.len()
        )));
        return;
    }
    for (a, row) in listed.iter().zip(rows) {
        if a["sha256"].as_str() != Some(row.sha256.as_str()) || a["size"].as_u64() != Some(row.size) {
            report.problems.push(unsealed(format!(
                "stored file #{} is recorded with a different hash or size than was sealed",
                row.idx + 1
            )));
        }
    }
}
