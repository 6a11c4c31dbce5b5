//! Handing a case over (docs/handover.md): a bundle that passes every check of `verify`
//! becomes a case of this vault — the sender's items, sealed records, annotations,
//! trusted timestamps and whole audit chain exactly as they were — and the receiver's own
//! chain continues from the sender's last hash with a `case.imported` event.
//!
//! Nothing is stored unless all of it is: every original is streamed from the bundle into
//! `tmp/` and must hash to its sealed record before the one transaction that adds the
//! case. The events are stored byte for byte as the sender's log holds them, so `check`,
//! export and every verifier see one chain from genesis.

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::Path;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::{Error, Result, Vault, append_event};
use crate::audit_log::{ChainVerifier, Event, event_type};
use crate::blob_store::Staged;
use crate::bundle::Handover;
use crate::bundle::encrypted::BundleKey;
use crate::bundle::format::{self, HANDOVER_DIR, HANDOVER_FILES, METADATA};
use crate::bundle::reference;
use crate::bundle::timestamps as stamps;
use crate::bundle::verify::{self, Verified};
use crate::canonical;
use crate::clock::utc_rfc3339;
use crate::db::{annotations, artifacts, cases, events, handover_files, items, timestamps};
use crate::item::ItemKind;
use crate::timestamp_trust::TrustList;

/// The most text of an incident-log entry added to the search index.
const NOTE_WORDS_MAX: usize = 1 << 20;

/// The most bytes of notes and conversation exports, all together, held in memory while a
/// bundle is opened: the per-item caps alone let a bundle of thousands of highly
/// compressed items take the computer's memory. Past it, further conversations are kept
/// unread and further notes unindexed, as a single oversized one is.
const KEPT_TOTAL_MAX: usize = 256 << 20;

/// The most bytes of a conversation export held in memory to read its messages again
/// (they are never written out in the clear); a larger export is kept, unread.
const CONVERSATION_READ_MAX: usize = 256 << 20;

/// What is kept of an original as it is streamed into the vault.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Keep {
    Nothing,
    /// An incident-log entry's text, for the search index.
    NoteText,
    /// A conversation export's file, to read its messages again.
    ChatFile,
}

/// One original of the bundle to store.
struct Original {
    item: String,
    entry: String,
    /// Its name in the export, for a conversation's files.
    export_path: String,
    sha256: String,
    size: u64,
    keep: Keep,
}

/// What staging gives: the staged files per item (bundle order), the text of notes and
/// each conversation's files.
struct StagedOriginals {
    staged: Vec<(String, Vec<Staged>)>,
    notes: HashMap<String, String>,
    chats: HashMap<String, Vec<(String, Vec<u8>)>>,
}

/// Where an import of a bundle is.
#[derive(Debug, Clone, Copy, serde::Serialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum HandoverProgress {
    /// Checking the bundle, as `verify` does: bytes read so far.
    Checking {
        /// Bytes read.
        done: u64,
    },
    /// Storing its originals into the vault.
    Storing {
        /// Bytes stored.
        done: u64,
        /// Bytes to store.
        total: u64,
    },
}

/// What a bundle became.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ImportedCase {
    /// The case's id (the sender's: a case keeps its id wherever it goes).
    pub case_id: String,
    /// Its title.
    pub title: String,
    /// The bundle's exhibits, now items of the case.
    pub items: usize,
    /// Events of the sender's chain kept.
    pub events: u64,
    /// Fingerprint of the key that signed the bundle.
    pub key_fingerprint: String,
    /// The bundle's folder name.
    pub bag: String,
    /// Which hand-over of the case this is (1 for the first).
    pub handover: u32,
}

/// One exhibit of the bundle, from its metadata.json.
struct Exhibit {
    reference: String,
    folder: String,
    names: Vec<String>,
}

/// One event of the sender's log, as stored.
struct Stored {
    row: events::EventRow,
    event: Event,
}

/// Everything read from the verified bundle's tag files, metadata and log.
struct Plan {
    case_id: String,
    bag: String,
    fingerprint: String,
    prefix: String,
    exported_at: String,
    manifest_sha256: String,
    tagmanifest_sha256: String,
    events: Vec<Stored>,
    /// Item id → its exhibit, for every item the bundle holds.
    exhibits: HashMap<String, Exhibit>,
    /// The files of earlier hand-overs, and this bundle's own, as `(handover, name, bytes)`.
    handover_files: Vec<(u32, String, Vec<u8>)>,
    handover: u32,
    /// The files of `signature/timestamps/`, by name.
    tokens_from: HashMap<String, Vec<u8>>,
}

impl Vault {
    /// Opens a bundle as a case of this vault ("Open a bundle as a case", `safekeep case
    /// import`). The bundle (a `.zip`, a `.zip.age` opened with `key`, or an unzipped
    /// folder) must pass every check of `verify`; a case already here is refused. Its
    /// timestamps' authorities are judged by [`Vault::timestamp_trust`]; a token by an
    /// authority it does not recognise is kept as such, never as a trusted timestamp.
    pub fn import_case(
        &mut self,
        path: &Path,
        key: Option<&BundleKey>,
        progress: &(dyn Fn(HandoverProgress) + Sync),
    ) -> Result<ImportedCase> {
        let trust = self.timestamp_trust()?;
        self.import_case_trusting(path, key, &trust, progress)
    }

    /// [`Vault::import_case`], judging timestamps' authorities by `trust` alone.
    pub fn import_case_trusting(
        &mut self,
        path: &Path,
        key: Option<&BundleKey>,
        trust: &TrustList,
        progress: &(dyn Fn(HandoverProgress) + Sync),
    ) -> Result<ImportedCase> {
        if super::batch::inside(path, &super::batch::canonical(&self.dir)) {
            return Err(Error::Input {
                path: path.to_path_buf(),
                reason: "it is inside Safekeep's own vault folder; nothing was imported".into(),
            });
        }
        let (report, verified) = verify::verify_kept(path, None, key, trust, &|done| {
            progress(HandoverProgress::Checking { done })
        });
        let verified = match verified {
            Some(v) if report.verdict.unaltered() => v,
            _ => {
                return Err(Error::BundleNotIntact {
                    problems: report
                        .checks
                        .into_iter()
                        .filter(|c| !c.ok)
                        .flat_map(|c| c.details.into_iter().map(move |d| format!("{}: {d}", c.check)))
                        .collect(),
                });
            }
        };
        let plan = Plan::read(&verified)?;
        if let Some(case) = cases::get(self.conn(), &plan.case_id)? {
            return Err(Error::CaseExists {
                case_id: case.id,
                title: case.title,
            });
        }
        for id in plan.exhibits.keys() {
            if items::get(self.conn(), id)?.is_some() {
                return Err(Error::Invalid(format!(
                    "item {id} of this bundle is already in this vault, in another case. Nothing was imported"
                )));
            }
        }
        let bundle_sha256 = if path.is_file() {
            let mut f = std::fs::File::open(path).map_err(|e| Error::Input {
                path: path.to_path_buf(),
                reason: format!("it could not be read again ({e})"),
            })?;
            let (sha, _) = crate::blob_store::hash_stream(&mut f).map_err(|e| Error::Input {
                path: path.to_path_buf(),
                reason: format!("it could not be read again ({e})"),
            })?;
            Some(hex::encode(sha))
        } else {
            None
        };
        self.clear_stale_staging();
        let StagedOriginals { staged, notes, chats } = self.stage_originals(&verified, &plan, progress)?;
        // Conversations' messages, read again from the very bytes being sealed.
        let conversations: HashMap<String, safekeep_chat::Conversation> = plan
            .events
            .iter()
            .filter(|s| s.event.kind == event_type::ITEM_CAPTURED)
            .filter_map(|s| {
                let record = &s.event.data["item"];
                let files = chats.get(record["id"].as_str()?)?.clone();
                Some((
                    record["id"].as_str()?.to_owned(),
                    super::conversation::read_again(record, files)?,
                ))
            })
            .collect();
        drop(chats);
        let order: Vec<(String, usize)> = staged.iter().map(|(id, s)| (id.clone(), s.len())).collect();
        let names = self
            .blobs
            .commit_many(staged.into_iter().flat_map(|(_, s)| s).collect())
            .map_err(|e| Error::storage(self.blobs.blobs_dir(), e))?;
        let mut blob_names: HashMap<String, Vec<String>> = HashMap::new();
        let mut rest = names.iter().cloned();
        for (id, n) in order {
            blob_names.insert(id, rest.by_ref().take(n).collect());
        }
        let at = utc_rfc3339(&self.now());
        let result = self.replay(
            &plan,
            trust,
            &blob_names,
            &notes,
            &conversations,
            bundle_sha256,
            &at,
        );
        if result.is_err() {
            self.forget_unused(&names);
        }
        result
    }

    /// The items of a case that arrived in a hand-over, which stay as their sender sealed
    /// them (they cannot be withdrawn here): item id → exhibit reference and folder, as
    /// the last `case.imported` event of the case's chain lists them.
    pub(crate) fn handed_over(&self, case_id: &str) -> Result<HashMap<String, (String, String)>> {
        let mut out = HashMap::new();
        for e in events::of_type(self.conn(), case_id, event_type::CASE_IMPORTED)? {
            let v: Value = serde_json::from_str(&e.body).unwrap_or(Value::Null);
            out.clear();
            for x in v["data"]["exhibits"].as_array().into_iter().flatten() {
                if let (Some(id), Some(r), Some(f)) =
                    (x["item_id"].as_str(), x["ref"].as_str(), x["folder"].as_str())
                {
                    out.insert(id.to_owned(), (r.to_owned(), f.to_owned()));
                }
            }
        }
        Ok(out)
    }

    /// Each hand-over of a case, oldest first (none for a case opened here).
    pub fn handovers(&self, case_id: &str) -> Result<Vec<Handover>> {
        let case = self.resolve_case(case_id)?;
        let mut out = Vec::new();
        for e in events::of_type(self.conn(), &case.id, event_type::CASE_IMPORTED)? {
            let v: Value = serde_json::from_str(&e.body).unwrap_or(Value::Null);
            let d = &v["data"];
            let text = |k: &str| d[k].as_str().unwrap_or("").to_owned();
            out.push(Handover {
                handover: d["handover"].as_u64().unwrap_or(0) as u32,
                events: d["events"].as_u64().unwrap_or(0),
                key_fingerprint: text("key_fingerprint"),
                bag: text("bag"),
                exported_at: text("exported_at"),
                imported_at: e.at.clone(),
                exhibits: d["exhibits"].as_array().map_or(0, Vec::len),
            });
        }
        Ok(out)
    }

    /// The hand-over files of a case, for its bundles, as `(handover, name, bytes)`.
    pub(crate) fn handover_files(&self, case_id: &str) -> Result<Vec<(u32, String, Vec<u8>)>> {
        Ok(handover_files::list(self.conn(), case_id)?)
    }

    /// Streams every original of the bundle into `tmp/`; each must hash to its sealed
    /// record. Keeps the text of notes and the files of conversations as they pass.
    fn stage_originals(
        &mut self,
        verified: &Verified,
        plan: &Plan,
        progress: &(dyn Fn(HandoverProgress) + Sync),
    ) -> Result<StagedOriginals> {
        // Items in chain order, so that blobs are named and committed as they were sealed.
        let mut wanted: Vec<(String, Value)> = Vec::new();
        for s in &plan.events {
            if s.event.kind == event_type::ITEM_CAPTURED
                && let Some(id) = s.event.data["item"]["id"].as_str()
                && plan.exhibits.contains_key(id)
            {
                wanted.push((id.to_owned(), s.event.data["item"].clone()));
            }
        }
        let mut originals = Vec::new();
        for (id, record) in &wanted {
            let ex = &plan.exhibits[id];
            let kind = record["kind"].as_str();
            for (i, a) in record["artifacts"].as_array().into_iter().flatten().enumerate() {
                let name = ex.names.get(i).cloned().unwrap_or_default();
                let keep = if kind == Some(ItemKind::Note.as_str()) && a["role"] == "note" {
                    Keep::NoteText
                } else if kind == Some(ItemKind::Conversation.as_str()) {
                    Keep::ChatFile
                } else {
                    Keep::Nothing
                };
                originals.push(Original {
                    item: id.clone(),
                    entry: format!("{}{}/{name}", format::ITEMS_DIR, ex.folder),
                    export_path: a["source_path"]
                        .as_str()
                        .or(a["original_name"].as_str())
                        .unwrap_or(&name)
                        .to_owned(),
                    sha256: a["sha256"].as_str().unwrap_or("").to_owned(),
                    size: a["size"].as_u64().unwrap_or(0),
                    keep,
                });
            }
        }
        let total: u64 = originals.iter().map(|o| o.size).sum();
        let tmp_ids: Vec<String> = originals.iter().map(|_| self.new_id()).collect();
        let names: Vec<&str> = originals.iter().map(|o| o.entry.as_str()).collect();
        let mut staged: Vec<Staged> = Vec::with_capacity(originals.len());
        let mut notes = HashMap::new();
        let mut chats: HashMap<String, Vec<(String, Vec<u8>)>> = HashMap::new();
        let mut too_large: HashSet<String> = HashSet::new();
        let mut kept_total = 0usize;
        let mut done = 0u64;
        let blobs = &self.blobs;
        let read = verified.listing.read_each(&names, &mut |k, src| {
            let o = &originals[k];
            let held: usize = chats.get(&o.item).map_or(0, |f| f.iter().map(|(_, b)| b.len()).sum());
            let limit = match o.keep {
                Keep::Nothing => 0,
                Keep::NoteText => NOTE_WORDS_MAX,
                Keep::ChatFile if too_large.contains(&o.item) => 0,
                Keep::ChatFile => CONVERSATION_READ_MAX.saturating_sub(held),
            }
            .min(KEPT_TOTAL_MAX.saturating_sub(kept_total));
            let mut kept = Vec::new();
            let mut tee = Tee {
                src,
                keep: (limit > 0).then_some(&mut kept),
                limit,
            };
            let base = done;
            let s = blobs
                .stage(&mut tee, &tmp_ids[k], &mut |n| {
                    progress(HandoverProgress::Storing { done: base + n, total })
                })
                .map_err(|e| format!("could not be stored in the vault ({e})"))?;
            done += s.size;
            kept_total += kept.len();
            let ok = hex::encode(s.sha256) == o.sha256 && s.size == o.size;
            staged.push(s);
            if !ok {
                return Err("no longer matches the SHA-256 sealed for it: the bundle changed while it was being imported".into());
            }
            match o.keep {
                Keep::NoteText => {
                    notes.insert(o.item.clone(), String::from_utf8_lossy(&kept).into_owned());
                }
                Keep::ChatFile if kept.len() as u64 == o.size && !too_large.contains(&o.item) => {
                    chats.entry(o.item.clone()).or_default().push((o.export_path.clone(), kept));
                }
                Keep::ChatFile => {
                    too_large.insert(o.item.clone());
                    chats.remove(&o.item);
                }
                Keep::Nothing => {}
            }
            Ok(())
        });
        if let Err(why) = read {
            for s in staged {
                self.blobs.discard(s);
            }
            return Err(Error::BundleNotIntact { problems: vec![why] });
        }
        let mut out: Vec<(String, Vec<Staged>)> = Vec::new();
        for (o, s) in originals.iter().zip(staged) {
            match out.last_mut() {
                Some((last, v)) if *last == o.item => v.push(s),
                _ => out.push((o.item.clone(), vec![s])),
            }
        }
        Ok(StagedOriginals {
            staged: out,
            notes,
            chats,
        })
    }

    /// The one transaction: the case, the sender's events byte for byte with the rows they
    /// imply, the hand-over files, and the receiver's `case.imported` event.
    #[allow(clippy::too_many_arguments)]
    fn replay(
        &mut self,
        plan: &Plan,
        trust: &TrustList,
        blob_names: &HashMap<String, Vec<String>>,
        notes: &HashMap<String, String>,
        conversations: &HashMap<String, safekeep_chat::Conversation>,
        bundle_sha256: Option<String>,
        at: &str,
    ) -> Result<ImportedCase> {
        let tokens = plan.tokens(trust)?;
        let first = plan.events.first().ok_or_else(|| Error::BundleNotIntact {
            problems: vec!["its audit log is empty".into()],
        })?;
        let mut title = first.event.data["title"].as_str().unwrap_or("").to_owned();
        let tx = self.conn.transaction()?;
        // The items this chain captured: the only ones its later events may touch.
        let mut own: std::collections::HashSet<String> = std::collections::HashSet::new();
        cases::insert(&tx, &plan.case_id, &title, &first.event.at)?;
        for s in &plan.events {
            events::insert(&tx, &plan.case_id, &s.row)?;
            let d = &s.event.data;
            match s.event.kind.as_str() {
                event_type::CASE_RENAMED => {
                    title = d["to"].as_str().unwrap_or(&title).to_owned();
                    cases::set_title(&tx, &plan.case_id, &title)?;
                }
                event_type::ITEM_CAPTURED => {
                    let record = &d["item"];
                    let id = record["id"].as_str().unwrap_or("");
                    let sealed = canonical::to_bytes(record).map_err(|e| Error::Invalid(e.to_string()))?;
                    let sealed = String::from_utf8(sealed).map_err(|e| Error::Invalid(e.to_string()))?;
                    let captured_at = record["captured_at"].as_str().unwrap_or(&s.event.at);
                    let kind = record["kind"].as_str().unwrap_or("file");
                    items::insert(&tx, id, &plan.case_id, kind, captured_at, &sealed)?;
                    own.insert(id.to_owned());
                    let names = blob_names.get(id);
                    let arts: Vec<crate::item::Artifact> =
                        serde_json::from_value(record["artifacts"].clone()).unwrap_or_default();
                    for (idx, a) in arts.iter().enumerate() {
                        let blob = names.and_then(|n| n.get(idx)).cloned();
                        artifacts::insert(
                            &tx,
                            &artifacts::ArtifactRow {
                                item_id: id.to_owned(),
                                idx: idx as u32,
                                sha256: a.sha256.clone(),
                                size: a.size,
                                blob: blob.clone(),
                            },
                        )?;
                        if blob.is_some() {
                            super::perceptual::queue(&tx, id, idx as u32, a, captured_at)?;
                        }
                    }
                    if let Some(c) = conversations.get(id) {
                        super::conversation::store_messages(&tx, id, c)?;
                    }
                    if let Some(text) = notes.get(id) {
                        let cut = text
                            .char_indices()
                            .nth(NOTE_WORDS_MAX)
                            .map_or(text.len(), |(i, _)| i);
                        crate::db::item_search::add_words(&tx, id, &text[..cut])?;
                    }
                }
                _ if crate::bundle::verify::item_event_target(&s.event.kind, d)
                    .is_some_and(|id| !own.contains(id)) =>
                {
                    // Verify refuses such a chain; this holds even if it did not.
                    return Err(Error::Invalid(format!(
                        "the bundle's audit log has an event ({}) about an item its own case did not capture; it was not opened, and no case was changed",
                        s.event.kind
                    )));
                }
                event_type::ITEM_ANNOTATED => {
                    let a = &d["annotation"];
                    let body = canonical::to_bytes(a).map_err(|e| Error::Invalid(e.to_string()))?;
                    annotations::insert(
                        &tx,
                        a["id"].as_str().unwrap_or(""),
                        a["item_id"].as_str().unwrap_or(""),
                        a["created_at"].as_str().unwrap_or(&s.event.at),
                        &String::from_utf8_lossy(&body),
                    )?;
                }
                event_type::ITEM_WITHDRAWN => {
                    let reason = d["reason"].as_str().unwrap_or("");
                    items::set_withdrawn(
                        &tx,
                        &plan.case_id,
                        d["item_id"].as_str().unwrap_or(""),
                        &s.event.at,
                        reason,
                    )?;
                }
                event_type::ITEM_TIMESTAMPED => {
                    let id = d["item_id"].as_str().unwrap_or("");
                    if let Some(t) = tokens.get(id) {
                        timestamps::queue(&tx, id, &t.salt, &s.event.at)?;
                        timestamps::stamped(
                            &tx,
                            id,
                            &s.event.at,
                            &timestamps::Stamp {
                                tsa: d["tsa"].as_str().unwrap_or(""),
                                token: &t.token,
                                chain_pem: &t.chain_pem,
                                gen_time: &t.gen_time,
                                signer: &t.signer,
                                authority_recognised: t.recognised,
                            },
                        )?;
                    }
                }
                _ => {}
            }
        }
        let last = plan.events.last().map(|s| (s.row.seq, s.row.hash.clone()));
        let (count, head) = last.unwrap_or_default();
        cases::set_head(&tx, &plan.case_id, count, &head)?;
        for (k, name, bytes) in &plan.handover_files {
            handover_files::insert(&tx, &plan.case_id, *k, name, bytes)?;
        }
        let mut exhibits: Vec<(&String, &Exhibit)> = plan.exhibits.iter().collect();
        exhibits.sort_by_key(|(_, e)| exhibit_order(&e.reference));
        let data = json!({
            "handover": plan.handover,
            "events": count,
            "bag": plan.bag,
            "bundle_sha256": bundle_sha256,
            "manifest_sha256": plan.manifest_sha256,
            "tagmanifest_sha256": plan.tagmanifest_sha256,
            "key_fingerprint": plan.fingerprint,
            "exhibit_prefix": plan.prefix,
            "exported_at": plan.exported_at,
            "exhibits": exhibits.iter().map(|(id, e)| json!({"ref": e.reference, "item_id": id, "folder": e.folder})).collect::<Vec<_>>(),
        });
        append_event(&tx, &plan.case_id, at, event_type::CASE_IMPORTED, data)?;
        tx.commit()?;
        Ok(ImportedCase {
            case_id: plan.case_id.clone(),
            title,
            items: plan.exhibits.len(),
            events: count,
            key_fingerprint: plan.fingerprint.clone(),
            bag: plan.bag.clone(),
            handover: plan.handover,
        })
    }
}

/// Refuses an event whose item or annotation this version cannot read (a bundle from a
/// newer Safekeep): stored, it would make the case unreadable here.
fn understood(event: &Event) -> Result<()> {
    let newer = |what: &str, e: serde_json::Error| {
        Error::Invalid(format!(
            "event #{} of this bundle's log holds {what} this version of Safekeep cannot read ({e}); the bundle may come from a newer version. Update Safekeep, then open it again. Nothing was imported",
            event.seq
        ))
    };
    match event.kind.as_str() {
        event_type::ITEM_CAPTURED => {
            serde_json::from_value::<crate::item::ItemRecord>(event.data["item"].clone())
                .map(drop)
                .map_err(|e| newer("an item", e))
        }
        event_type::ITEM_ANNOTATED => {
            serde_json::from_value::<super::Annotation>(event.data["annotation"].clone())
                .map(drop)
                .map_err(|e| newer("an annotation", e))
        }
        _ => Ok(()),
    }
}

/// Sorts `AB/10` after `AB/9`.
fn exhibit_order(reference: &str) -> (String, u64) {
    match reference.rsplit_once('/') {
        Some((p, n)) => (p.to_owned(), n.parse().unwrap_or(u64::MAX)),
        None => (reference.to_owned(), u64::MAX),
    }
}

/// A token of the bundle, checked again before it is stored.
struct Token {
    salt: String,
    token: Vec<u8>,
    chain_pem: String,
    gen_time: String,
    signer: String,
    /// Whether its chain reached a root of the receiver's trust list.
    recognised: bool,
}

impl Plan {
    fn read(v: &Verified) -> Result<Self> {
        let bad = |why: String| Error::BundleNotIntact { problems: vec![why] };
        let text = |name: &str| {
            v.kept
                .get(name)
                .and_then(|b| std::str::from_utf8(b).ok())
                .ok_or_else(|| bad(format!("{name} could not be read again")))
        };
        let info: HashMap<String, String> = format::parse_bag_info(text("bag-info.txt")?)
            .map_err(bad)?
            .into_iter()
            .collect();
        let field = |k: &str| info.get(k).cloned().unwrap_or_default();
        reference::check_prefix(&field("Safekeep-Exhibit-Prefix"))
            .map_err(|e| bad(format!("bag-info.txt Safekeep-Exhibit-Prefix: {e}")))?;
        let case_id = field("External-Identifier");
        let sha = |name: &str| {
            v.kept
                .get(name)
                .map(|b| hex::encode(Sha256::digest(b)))
                .unwrap_or_default()
        };
        // The log, parsed and checked again from the very bytes that were verified.
        let mut chain = ChainVerifier::new(&case_id);
        let mut evs = Vec::new();
        for (n, line) in text(format::AUDIT_LOG)?.lines().enumerate() {
            let rec: Value =
                serde_json::from_str(line).map_err(|e| bad(format!("audit log line {}: {e}", n + 1)))?;
            let body = canonical::to_bytes(&rec["event"]).map_err(|e| bad(e.to_string()))?;
            let prev = rec["prev_hash"].as_str().unwrap_or("").to_owned();
            let hash = rec["hash"].as_str().unwrap_or("").to_owned();
            let event = chain
                .push(n as u64 + 1, &body, Some(&prev), &hash)
                .map_err(|b| bad(format!("audit log {b}")))?;
            understood(&event)?;
            evs.push(Stored {
                row: events::EventRow {
                    seq: event.seq,
                    kind: event.kind.clone(),
                    at: event.at.clone(),
                    body: String::from_utf8(body).map_err(|e| bad(e.to_string()))?,
                    prev_hash: prev,
                    hash,
                },
                event,
            });
        }
        let mut exhibits = HashMap::new();
        for (name, bytes) in &v.kept {
            let Some(folder) = name
                .strip_prefix(format::ITEMS_DIR)
                .and_then(|r| r.strip_suffix(&format!("/{METADATA}")))
            else {
                continue;
            };
            let meta: Value = serde_json::from_slice(bytes).map_err(|e| bad(format!("{name}: {e}")))?;
            let names = meta["files"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|f| f["name"].as_str().unwrap_or("").to_owned())
                .collect();
            // Verify refuses a reference outside the grammar; this holds even if it did
            // not, since references go into this vault's own bundles and their commands.
            let reference = meta["exhibit"].as_str().unwrap_or_default();
            reference::check_folder(folder, reference)
                .map_err(|e| bad(format!("{name} \"exhibit\" or its folder: {e}")))?;
            exhibits.insert(
                meta["item"]["id"].as_str().unwrap_or("").to_owned(),
                Exhibit {
                    reference: reference.to_owned(),
                    folder: folder.to_owned(),
                    names,
                },
            );
        }
        let earlier = evs
            .iter()
            .filter(|s| s.event.kind == event_type::CASE_IMPORTED)
            .count() as u32;
        let mut files = Vec::new();
        for (name, bytes) in &v.kept {
            if let Some((k, file)) = name.strip_prefix(HANDOVER_DIR).and_then(|r| r.split_once('/'))
                && let Ok(k) = k.parse::<u32>()
                && (1..=earlier).contains(&k)
            {
                files.push((k, file.to_owned(), bytes.clone()));
            }
        }
        for (file, name) in HANDOVER_FILES {
            if let Some(bytes) = v.kept.get(name) {
                files.push((earlier + 1, file.to_owned(), bytes.clone()));
            }
        }
        Ok(Self {
            bag: v.listing.bag.clone(),
            fingerprint: field("Safekeep-Key-Fingerprint"),
            prefix: field("Safekeep-Exhibit-Prefix"),
            exported_at: field("Safekeep-Export-Time"),
            manifest_sha256: sha(format::MANIFEST),
            tagmanifest_sha256: sha(format::TAG_MANIFEST),
            case_id,
            events: evs,
            exhibits,
            handover_files: files,
            handover: earlier + 1,
            tokens_from: v
                .kept
                .iter()
                .filter(|(n, _)| n.starts_with(stamps::DIR))
                .map(|(n, b)| (n.clone(), b.clone()))
                .collect(),
        })
    }

    /// The item tokens of the bundle by item id, each verified again over its commitment
    /// and its authority judged by `trust`.
    fn tokens(&self, trust: &TrustList) -> Result<HashMap<String, Token>> {
        let mut out = HashMap::new();
        let stamped: HashSet<&str> = self
            .events
            .iter()
            .filter(|s| s.event.kind == event_type::ITEM_TIMESTAMPED)
            .filter_map(|s| s.event.data["item_id"].as_str())
            .collect();
        for (id, ex) in &self.exhibits {
            if !stamped.contains(id.as_str()) {
                continue;
            }
            let at = |ext: &str| format!("{}{}.{ext}", stamps::DIR, stamps::stem(&ex.reference));
            let get = |ext: &str| self.tokens_from.get(&at(ext));
            let (Some(token), Some(commitment), Some(chain)) =
                (get("tsr"), get("commitment"), get("chain.pem"))
            else {
                continue;
            };
            // The token must cover this very item's sealed record, whatever file name it
            // came under (verify checks the same; this keeps the case right on its own).
            let sealed = self
                .events
                .iter()
                .find(|s| {
                    s.event.kind == event_type::ITEM_CAPTURED && s.event.data["item"]["id"] == id.as_str()
                })
                .and_then(|s| canonical::to_bytes(&s.event.data["item"]).ok());
            if sealed.as_deref() != crate::timestamp_token::record_in_commitment(commitment) {
                return Err(Error::BundleNotIntact {
                    problems: vec![format!(
                        "the timestamp filed for exhibit {} covers another record",
                        ex.reference
                    )],
                });
            }
            let imprint: [u8; 32] = Sha256::digest(commitment).into();
            let judged = crate::timestamp_token::certificates_from_pem(chain)
                .and_then(|c| trust.judge(token, &imprint, &c))
                .map_err(|e| Error::BundleNotIntact {
                    problems: vec![format!("the timestamp of exhibit {}: {e}", ex.reference)],
                })?;
            let salt = crate::timestamp_token::salt_in_commitment(commitment).ok_or_else(|| {
                Error::BundleNotIntact {
                    problems: vec![format!(
                        "the timestamp commitment of exhibit {} is malformed",
                        ex.reference
                    )],
                }
            })?;
            out.insert(
                id.clone(),
                Token {
                    salt: salt.to_owned(),
                    token: token.clone(),
                    chain_pem: String::from_utf8_lossy(chain).into_owned(),
                    gen_time: judged.verified().gen_time.clone(),
                    signer: judged.verified().signer.clone(),
                    recognised: judged.is_recognised(),
                },
            );
        }
        Ok(out)
    }
}

/// Reads through, keeping a copy of at most `limit` bytes when asked.
struct Tee<'a, 'b> {
    src: &'a mut dyn Read,
    keep: Option<&'b mut Vec<u8>>,
    limit: usize,
}

impl Read for Tee<'_, '_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.src.read(buf)?;
        if let Some(k) = self.keep.as_mut()
            && k.len() < self.limit
        {
            k.extend_from_slice(&buf[..n.min(self.limit - k.len())]);
        }
        Ok(n)
    }
}
