//! PDQ hashes of a vault's images (docs/perceptual-hashes.md): queued when an item is
//! recorded (and once for older items when the vault is upgraded), computed off the
//! capture path on the cores that are free, and compared across every case to say
//! "this image looks like items X, Y".

use std::io::{Cursor, Read};

use super::{Result, SimilarImage, SimilarVideo, Vault};
use crate::blob_store::BlobStore;
use crate::db::items;
use crate::db::perceptual_hashes::{self, PerceptualRow};
use crate::db::perceptual_queue::{self, Media, QueuedPicture};
use crate::db::video_hashes;
use crate::item::ItemRecord;
use crate::perceptual::{self, MATCH_DISTANCE, Pdq};
use crate::vpdq::{self, FramePdq};

/// Largest stored picture read for hashing.
const MAX_BYTES: u64 = 256 << 20;

/// Largest stored video fingerprinted (the screen recorder's own cap).
const MAX_VIDEO_BYTES: u64 = 16 << 30;

/// Whether an artifact gets a fingerprint, and which: a picture PDQ reads, not too large
/// to decode, or a video.
pub(crate) fn wants_fingerprint(a: &crate::item::Artifact) -> Option<Media> {
    if perceptual::is_hashable(&a.media_type) && a.size <= MAX_BYTES {
        Some(Media::Picture)
    } else if vpdq::is_video(&a.media_type) && a.size <= MAX_VIDEO_BYTES {
        Some(Media::Video)
    } else {
        None
    }
}

/// Queues the artifact for its fingerprint if it gets one (in the transaction that
/// records it).
pub(crate) fn queue(
    tx: &rusqlite::Connection,
    item_id: &str,
    idx: u32,
    a: &crate::item::Artifact,
    at: &str,
) -> rusqlite::Result<()> {
    match wants_fingerprint(a) {
        Some(media) => perceptual_queue::add(tx, item_id, idx, at, media),
        None => Ok(()),
    }
}

/// A video's frames that matching uses, as (artifact, second, hash).
fn usable_frames(idx: u32, frames: Vec<FramePdq>) -> impl Iterator<Item = (u32, Option<u32>, Pdq)> {
    frames
        .into_iter()
        .filter(|f| f.pdq.quality >= vpdq::MIN_QUALITY)
        .map(move |f| (idx, Some(f.second), f.pdq))
}

/// Reads a stored video and hashes one frame a second with `ffmpeg`. None: FFmpeg
/// cannot read it (the evidence is kept either way; only the fingerprint is missing).
pub fn video_fingerprint_of(
    store: &BlobStore,
    video: &QueuedPicture,
    ffmpeg: &std::path::Path,
) -> Option<Vec<FramePdq>> {
    let src = store.open(&video.blob).ok()?;
    vpdq::vpdq_of(ffmpeg, src, video.size).ok()
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
        Ok(perceptual_queue::next(self.conn(), limit, Media::Picture)?)
    }

    /// How many pictures and videos wait for their fingerprint.
    pub fn fingerprints_waiting_count(&self) -> Result<u64> {
        Ok(perceptual_queue::count(self.conn(), Media::Picture)?
            + perceptual_queue::count(self.conn(), Media::Video)?)
    }

    /// Up to `limit` videos waiting for their fingerprint; with [`video_fingerprint_of`]
    /// and [`Vault::store_video_fingerprint`], as for pictures.
    pub fn videos_waiting(&self, limit: usize) -> Result<Vec<QueuedPicture>> {
        Ok(perceptual_queue::next(self.conn(), limit, Media::Video)?)
    }

    /// Stores a video's frame hashes (none: FFmpeg could not read it) and takes it off
    /// the queue, in one transaction.
    pub fn store_video_fingerprint(
        &mut self,
        video: &QueuedPicture,
        frames: Option<&[FramePdq]>,
    ) -> Result<()> {
        let tx = self.conn.transaction()?;
        if let Some(frames) = frames
            && items::get(&tx, &video.item_id)?.is_some_and(|r| r.withdrawn_at.is_none())
        {
            video_hashes::put(&tx, &video.item_id, video.idx, frames)?;
        }
        perceptual_queue::remove(&tx, &video.item_id, video.idx)?;
        tx.commit()?;
        Ok(())
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
    /// in small batches (a kill loses at most one batch of work), then every waiting
    /// video, one at a time, with FFmpeg (when it is not installed, videos stay queued);
    /// `progress` gets the files done and the total. Returns how many were hashed.
    pub fn fingerprint_waiting(&mut self, threads: usize, progress: &mut dyn FnMut(u64, u64)) -> Result<u64> {
        let total = self.fingerprints_waiting_count()?;
        let threads = threads.max(1);
        let mut done = 0u64;
        loop {
            let batch = self.fingerprints_waiting(threads * 4)?;
            if batch.is_empty() {
                break;
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
        let Some(ffmpeg) = vpdq::ffmpeg_on_path() else {
            return Ok(done);
        };
        while let Some(video) = self.videos_waiting(1)?.pop() {
            let frames = video_fingerprint_of(&self.blobs, &video, &ffmpeg);
            self.store_video_fingerprint(&video, frames.as_deref())?;
            done += 1;
            progress(done, total.max(done));
        }
        Ok(done)
    }

    /// Queues the videos of items recorded before videos had fingerprints.
    pub(crate) fn index_all_videos(&mut self) -> Result<()> {
        let tx = self.conn.transaction()?;
        for row in items::list(&tx, None)? {
            if row.withdrawn_at.is_some() {
                continue;
            }
            let Ok(record) = serde_json::from_str::<ItemRecord>(&row.record) else {
                continue;
            };
            for (idx, a) in record.artifacts.iter().enumerate() {
                if wants_fingerprint(a) == Some(Media::Video) {
                    perceptual_queue::add(&tx, &row.id, idx as u32, &record.captured_at, Media::Video)?;
                }
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// One item's video frame hashes by artifact index.
    pub(crate) fn item_vpdq(&self, item_id: &str) -> Result<Vec<(u32, Vec<FramePdq>)>> {
        Ok(video_hashes::list(self.conn(), Some(item_id))?
            .into_iter()
            .map(|r| (r.idx, r.frames))
            .collect())
    }

    /// Items, in any case and not withdrawn, with a video that contains this item's
    /// video or is contained in it (at least [`vpdq::MATCH_PERCENT`] of one's frames
    /// found in the other), the most alike first.
    pub fn similar_videos(&self, item_id: &str) -> Result<Vec<SimilarVideo>> {
        let mine = self.item_vpdq(item_id)?;
        if mine.is_empty() {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        for row in video_hashes::list(self.conn(), None)? {
            if row.item_id == item_id {
                continue;
            }
            let Some((index, (this_in_other, other_in_this))) = mine
                .iter()
                .filter_map(|(i, frames)| Some((*i, vpdq::overlap(frames, &row.frames)?)))
                .max_by_key(|(_, (a, b))| a + b)
                .filter(|(_, (a, b))| (*a).max(*b) >= vpdq::MATCH_PERCENT)
            else {
                continue;
            };
            let Some((case_id, title)) = self.match_listed(&row.item_id)? else {
                continue;
            };
            out.push(SimilarVideo {
                index,
                item_id: row.item_id,
                case_id,
                title,
                other_index: row.idx,
                this_in_other,
                other_in_this,
            });
        }
        out.sort_by(|a, b| {
            (b.this_in_other + b.other_in_this)
                .cmp(&(a.this_in_other + a.other_in_this))
                .then_with(|| a.item_id.cmp(&b.item_id))
        });
        Ok(out)
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
                queue(&tx, &row.id, idx as u32, a, &record.captured_at)?;
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

    /// The case and title of an item found by "looks like"; None when it is gone or
    /// withdrawn (the person said it should not have been kept: it is no match to show).
    fn match_listed(&self, item_id: &str) -> Result<Option<(String, String)>> {
        Ok(items::get(self.conn(), item_id)?
            .filter(|o| o.withdrawn_at.is_none())
            .map(|o| {
                let title = serde_json::from_str::<ItemRecord>(&o.record)
                    .map(|r| r.title)
                    .unwrap_or_default();
                (o.case_id, title)
            }))
    }

    /// Items, in any case and not withdrawn, with a picture within [`MATCH_DISTANCE`]
    /// of one of this item's, closest first. A frame of a video counts as a picture against pictures
    /// (a screenshot of a frame finds the video, and the video the screenshot); video
    /// against video is [`Vault::similar_videos`]. Frames below [`vpdq::MIN_QUALITY`] are
    /// left out: a flat frame looks like everything.
    pub fn similar_images(&self, item_id: &str) -> Result<Vec<SimilarImage>> {
        let pictures: Vec<(u32, Option<u32>, Pdq)> = self
            .item_pdq(item_id)?
            .into_iter()
            .map(|(i, p)| (i, None, p))
            .collect();
        let frames: Vec<(u32, Option<u32>, Pdq)> = self
            .item_vpdq(item_id)?
            .into_iter()
            .flat_map(|(i, frames)| usable_frames(i, frames))
            .collect();
        if pictures.is_empty() && frames.is_empty() {
            return Ok(Vec::new());
        }
        let closest = |mine: &[(u32, Option<u32>, Pdq)], theirs: &[(u32, Option<u32>, Pdq)]| {
            mine.iter()
                .flat_map(|m| theirs.iter().map(move |t| (m.2.distance(&t.2), m.0, m.1, t.1)))
                .min()
                .filter(|(d, ..)| *d <= MATCH_DISTANCE)
        };
        let mut found = Vec::new();
        for row in perceptual_hashes::list(self.conn(), None)? {
            if let Some(theirs) = Pdq::from_hex(&row.pdq, row.quality)
                && row.item_id != item_id
            {
                let theirs = [(row.idx, None, theirs)];
                let best = closest(&pictures, &theirs)
                    .into_iter()
                    .chain(closest(&frames, &theirs))
                    .min();
                found.extend(best.map(|b| (row.item_id, row.idx, b)));
            }
        }
        if !pictures.is_empty() {
            for row in video_hashes::list(self.conn(), None)? {
                if row.item_id != item_id {
                    let theirs: Vec<_> = usable_frames(row.idx, row.frames).collect();
                    found.extend(closest(&pictures, &theirs).map(|b| (row.item_id, row.idx, b)));
                }
            }
        }
        let mut out = Vec::new();
        for (other_id, other_index, (distance, index, second, other_second)) in found {
            let Some((case_id, title)) = self.match_listed(&other_id)? else {
                continue;
            };
            out.push(SimilarImage {
                index,
                item_id: other_id,
                case_id,
                title,
                other_index,
                distance,
                second,
                other_second,
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
