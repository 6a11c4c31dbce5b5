//! `video_hashes`: the per-second PDQ hashes of each video artifact (vPDQ;
//! docs/perceptual-hashes.md § Videos). Derived data, computed locally after capture;
//! never part of the sealed record.
//!
//! `frames` packs one frame a second, in order from second 0: the 32 bytes of its PDQ
//! hash (the reference's byte order) then one byte of quality (0–100), 33 bytes a frame.

use rusqlite::{Connection, params};

use crate::perceptual::Pdq;
use crate::vpdq::FramePdq;

/// Creates the table (schema version 8).
pub const MIGRATION_8: &str = "
CREATE TABLE video_hashes (
    item_id TEXT NOT NULL REFERENCES items(id),
    idx     INTEGER NOT NULL,
    frames  BLOB NOT NULL,
    PRIMARY KEY (item_id, idx)
) STRICT;";

/// Bytes a frame takes in `frames`.
const FRAME_BYTES: usize = 33;

/// One video artifact's frame hashes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VideoRow {
    /// The item.
    pub item_id: String,
    /// The artifact's position in the item.
    pub idx: u32,
    /// One frame a second, from second 0.
    pub frames: Vec<FramePdq>,
}

fn pack(frames: &[FramePdq]) -> Vec<u8> {
    let mut out = Vec::with_capacity(frames.len() * FRAME_BYTES);
    for f in frames {
        out.extend_from_slice(&f.pdq.hash);
        out.push(f.pdq.quality);
    }
    out
}

fn unpack(bytes: &[u8]) -> Vec<FramePdq> {
    bytes
        .chunks_exact(FRAME_BYTES)
        .enumerate()
        .filter_map(|(i, c)| {
            Some(FramePdq {
                second: u32::try_from(i).ok()?,
                pdq: Pdq {
                    hash: c[..32].try_into().ok()?,
                    quality: c[32],
                },
            })
        })
        .collect()
}

/// Stores (or replaces) one video artifact's frame hashes.
pub fn put(conn: &Connection, item_id: &str, idx: u32, frames: &[FramePdq]) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT OR REPLACE INTO video_hashes (item_id, idx, frames) VALUES (?1, ?2, ?3)",
        params![item_id, idx, pack(frames)],
    )?;
    Ok(())
}

/// Every stored video's hashes, or one item's, in item and artifact order.
pub fn list(conn: &Connection, item_id: Option<&str>) -> rusqlite::Result<Vec<VideoRow>> {
    let mut st = match item_id {
        Some(_) => conn.prepare_cached(
            "SELECT item_id, idx, frames FROM video_hashes WHERE item_id = ?1 ORDER BY idx",
        )?,
        None => conn.prepare_cached("SELECT item_id, idx, frames FROM video_hashes ORDER BY item_id, idx")?,
    };
    let params: &[&dyn rusqlite::ToSql] = match &item_id {
        Some(id) => &[id],
        None => &[],
    };
    st.query_map(params, |r| {
        Ok(VideoRow {
            item_id: r.get(0)?,
            idx: r.get(1)?,
            frames: unpack(&r.get::<_, Vec<u8>>(2)?),
        })
    })?
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_pack_and_unpack_in_order() {
        let frames: Vec<FramePdq> = (0..3u8)
            .map(|i| FramePdq {
                second: u32::from(i),
                pdq: Pdq {
                    hash: [i.wrapping_mul(77); 32],
                    quality: 40 + i,
                },
            })
            .collect();
        let packed = pack(&frames);
        assert_eq!(packed.len(), 3 * FRAME_BYTES);
        assert_eq!(unpack(&packed), frames);
    }
}
