//! PDQ hashes of a vault's images (docs/perceptual-hashes.md): queued when an item is
//! recorded (and once for older items when the vault is upgraded), computed off the
//! capture path on the cores that are free, and compared across every case to say
//! "this image looks like items X, Y".

use std::io::{Cursor, Read};

use serde::Serialize;

use super::{Result, Vault};
use crate::blob_store::BlobStore;
use crate::db::items;
use crate::db::perceptual_hashes::{self, PerceptualRow};
use crate::db::perceptual_queue::{self, QueuedPicture};
use crate::item::ItemRecord;
use crate::perceptual::{self, MATCH_DISTANCE, Pdq};

/// Largest stored file read for hashing.
const MAX_BYTES: u64 = 256 << 20;

/// Another item whose picture looks like this one's.
#[derive(Debug, Clone, Serialize)]
pub struct SimilarImage {
    /// This item's file (from 0).
    pub index: u32,
    /// The other item.
    pub item_id: String,
    /// Its case.
    pub case_id: String,
    /// Its title.
    pub title: String,
    /// Its file (from 0).
    pub other_index: u32,
    /// Bits that differ, of 256 (0 = the same picture to PDQ).
    pub distance: u32,
}

/// Whether an artifact gets a PDQ hash: a picture PDQ reads, not too large to decode.
pub(crate) fn wants_fingerprint(a: &crate::item::Artifact) -> bool {
    perceptual::is_hashable(&a.media_type) && a.size <= MAX_BYTES
}

/// Reads a stored picture and hashes it. None: it cannot be read or decoded (the
/// evidence is kept either way; only the fingerprint is missing).
pub fn fingerprint_of(store: &BlobStore, picture: &QueuedPicture) -> Option<Pdq> {
    if picture.size > MAX_BYTES {
        return None;
    }
    let mut src = store.open(&picture.blob).ok()?;
    let mut bytes = Vec::with_capacity(usize::try_from(picture.size).unwrap_or(0));
    src.read_to_end(&mut bytes).ok()?;
    perceptual::pdq_of(Cursor::new(bytes)).ok()
}

/// Hashes `batch` on `threads` threads, in order. A thread that stops unexpectedly
/// leaves its pictures out (they stay queued).
pub fn fingerprint_all(
    store: &BlobStore,
    batch: &[QueuedPicture],
    threads: usize,
) -> Vec<(QueuedPicture, Option<Pdq>)> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads.clamp(1, batch.len().max(1)))
            .map(|_| {
                s.spawn(|| {
                    let mut out = Vec::new();
                    while let Some(p) = batch.get(next.fetch_add(1, std::sync::atomic::Ordering::SeqCst)) {
                        out.push((p.clone(), fingerprint_of(store, p)));
                    }
                    out
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_default())
            .collect()
    })
}

impl Vault {
    /// Up to `limit` pictures waiting for their fingerprint. With [`fingerprint_all`] on
    /// a clone of [`Vault::blobs`] and [`Vault::store_fingerprints`], a caller can hash
    /// them without holding the vault meanwhile (the app does, on a background thread).
    pub fn fingerprints_waiting(&self, limit: usize) -> Result<Vec<QueuedPicture>> {
        Ok(perceptual_queue::next(self.conn(), limit)?)
    }

    /// How many pictures wait for their fingerprint.
    pub fn fingerprints_waiting_count(&self) -> Result<u64> {
        Ok(perceptual_queue::count(self.conn())?)
    }

    /// Stores computed fingerprints and takes their pictures off the queue, in one
    /// transaction. A picture whose item was withdrawn meanwhile is simply dropped.
    pub fn store_fingerprints(&mut self, done: &[(QueuedPicture, Option<Pdq>)]) -> Result<()> {
        let tx = self.conn.transaction()?;
        for (p, pdq) in done {
            if let Some(pdq) = pdq
                && items::get(&tx, &p.item_id)?.is_some_and(|r| r.withdrawn_at.is_none())
            {
                perceptual_hashes::put(
                    &tx,
                    &PerceptualRow {
                        item_id: p.item_id.clone(),
                        idx: p.idx,
                        pdq: pdq.hex(),
                        quality: pdq.quality,
                    },
                )?;
            }
            perceptual_queue::remove(&tx, &p.item_id, p.idx)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Hashes every waiting picture on `threads` threads, storing results as they come
    /// in small batches (a kill loses at most one batch of work); `progress` gets the
    /// pictures done and the total. Returns how many were hashed.
    pub fn fingerprint_waiting(&mut self, threads: usize, progress: &mut dyn FnMut(u64, u64)) -> Result<u64> {
        let total = self.fingerprints_waiting_count()?;
        let threads = threads.max(1);
        let mut done = 0u64;
        loop {
            let batch = self.fingerprints_waiting(threads * 4)?;
            if batch.is_empty() {
                return Ok(done);
            }
            let results = fingerprint_all(&self.blobs, &batch, threads);
            if results.len() < batch.len() {
                return Err(super::Error::Invalid(
                    "a fingerprint thread stopped unexpectedly; try again".into(),
                ));
            }
            self.store_fingerprints(&results)?;
            done += results.len() as u64;
            progress(done, total.max(done));
        }
    }

    /// Queues the pictures of items captured before PDQ hashes existed.
    pub(crate) fn index_all_images(&mut self) -> Result<()> {
        let done: std::collections::HashSet<String> = perceptual_hashes::list(self.conn(), None)?
            .into_iter()
            .map(|r| r.item_id)
            .collect();
        let tx = self.conn.transaction()?;
        for row in items::list(&tx, None)? {
            if done.contains(&row.id) || row.withdrawn_at.is_some() {
                continue;
            }
            let Ok(record) = serde_json::from_str::<ItemRecord>(&row.record) else {
                continue;
            };
            for (idx, a) in record.artifacts.iter().enumerate() {
                if wants_fingerprint(a) {
                    perceptual_queue::add(&tx, &row.id, idx as u32, &record.captured_at)?;
                }
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// The positions of an item's pictures still waiting for their fingerprint.
    pub(crate) fn item_pdq_waiting(&self, item_id: &str) -> Result<Vec<u32>> {
        Ok(perceptual_queue::of_item(self.conn(), item_id)?)
    }

    /// One item's PDQ hashes by artifact index.
    pub(crate) fn item_pdq(&self, item_id: &str) -> Result<Vec<(u32, Pdq)>> {
        Ok(perceptual_hashes::list(self.conn(), Some(item_id))?
            .into_iter()
            .filter_map(|r| Some((r.idx, Pdq::from_hex(&r.pdq, r.quality)?)))
            .collect())
    }

    /// Items, in any case, with a picture within [`MATCH_DISTANCE`] of one of this
    /// item's, closest first.
    pub fn similar_images(&self, item_id: &str) -> Result<Vec<SimilarImage>> {
        let mine = self.item_pdq(item_id)?;
        if mine.is_empty() {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        for row in perceptual_hashes::list(self.conn(), None)? {
            if row.item_id == item_id {
                continue;
            }
            let Some(theirs) = Pdq::from_hex(&row.pdq, row.quality) else {
                continue;
            };
            let Some((index, distance)) = mine
                .iter()
                .map(|(i, p)| (*i, p.distance(&theirs)))
                .min_by_key(|(_, d)| *d)
                .filter(|(_, d)| *d <= MATCH_DISTANCE)
            else {
                continue;
            };
            let Some(other) = items::get(self.conn(), &row.item_id)? else {
                continue;
            };
            let title = serde_json::from_str::<ItemRecord>(&other.record)
                .map(|r| r.title)
                .unwrap_or_default();
            out.push(SimilarImage {
                index,
                item_id: row.item_id,
                case_id: other.case_id,
                title,
                other_index: row.idx,
                distance,
            });
        }
        out.sort_by(|a, b| {
            a.distance
                .cmp(&b.distance)
                .then_with(|| a.item_id.cmp(&b.item_id))
        });
        Ok(out)
    }
}
