//! PDQ hashes of a vault's images (docs/perceptual-hashes.md): computed from the stored
//! original right after capture (and once for older items when the vault is upgraded),
//! and compared across every case to say "this image looks like items X, Y".

use std::io::{Cursor, Read};

use serde::Serialize;

use super::{Result, Vault};
use crate::db::perceptual_hashes::{self, PerceptualRow};
use crate::db::{artifacts, items};
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

impl Vault {
    /// Hashes an item's pictures. Best effort: a file that cannot be decoded simply gets
    /// no hash (the evidence is kept either way).
    pub(crate) fn index_images(&mut self, record: &ItemRecord, blobs: &[String]) {
        for (idx, (a, blob)) in record.artifacts.iter().zip(blobs).enumerate() {
            if !perceptual::is_hashable(&a.media_type) || a.size > MAX_BYTES {
                continue;
            }
            let Ok(mut src) = self.blobs().open(blob) else {
                continue;
            };
            let mut bytes = Vec::with_capacity(usize::try_from(a.size).unwrap_or(0));
            if src.read_to_end(&mut bytes).is_err() {
                continue;
            }
            if let Ok(pdq) = perceptual::pdq_of(Cursor::new(bytes)) {
                let row = PerceptualRow {
                    item_id: record.id.clone(),
                    idx: idx as u32,
                    pdq: pdq.hex(),
                    quality: pdq.quality,
                };
                let _ = perceptual_hashes::put(self.conn(), &row);
            }
        }
    }

    /// Hashes the pictures of items captured before PDQ hashes existed.
    pub(crate) fn index_all_images(&mut self) -> Result<()> {
        let done: std::collections::HashSet<String> = perceptual_hashes::list(self.conn(), None)?
            .into_iter()
            .map(|r| r.item_id)
            .collect();
        for row in items::list(self.conn(), None)? {
            if done.contains(&row.id) {
                continue;
            }
            let Ok(record) = serde_json::from_str::<ItemRecord>(&row.record) else {
                continue;
            };
            if !record
                .artifacts
                .iter()
                .any(|a| perceptual::is_hashable(&a.media_type))
            {
                continue;
            }
            let blobs: Vec<String> = artifacts::list(self.conn(), Some(&row.id))?
                .into_iter()
                .map(|a| a.blob.unwrap_or_default())
                .collect();
            self.index_images(&record, &blobs);
        }
        Ok(())
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
