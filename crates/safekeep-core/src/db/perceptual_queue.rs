//! `perceptual_queue`: pictures waiting for their PDQ hash (docs/perceptual-hashes.md).
//! A row is added in the transaction that records the item and removed in the one that
//! stores the hash (or records that the picture cannot be decoded), so the queue
//! survives a crash or a closed window and resumes where it stopped.

use rusqlite::{Connection, params};

/// Creates the table (schema version 4).
pub const MIGRATION_4: &str = "
CREATE TABLE perceptual_queue (
    item_id   TEXT NOT NULL REFERENCES items(id),
    idx       INTEGER NOT NULL,
    queued_at TEXT NOT NULL,
    PRIMARY KEY (item_id, idx)
) STRICT;";

/// Adds what is queued (schema version 8): `picture` (PDQ) or `video` (vPDQ, one PDQ a
/// second); rows queued before are pictures.
pub const MIGRATION_8: &str = "
ALTER TABLE perceptual_queue ADD COLUMN media TEXT NOT NULL DEFAULT 'picture';";

/// What a queued file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Media {
    /// A picture: one PDQ hash.
    Picture,
    /// A video: one PDQ hash a second.
    Video,
}

impl Media {
    fn as_str(self) -> &'static str {
        match self {
            Self::Picture => "picture",
            Self::Video => "video",
        }
    }
}

/// One picture (or video) waiting, with the blob that holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedPicture {
    /// The item.
    pub item_id: String,
    /// The artifact's position in the item.
    pub idx: u32,
    /// The stored blob's name.
    pub blob: String,
    /// Its size in bytes.
    pub size: u64,
}

/// Queues an artifact.
pub fn add(conn: &Connection, item_id: &str, idx: u32, at: &str, media: Media) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT OR IGNORE INTO perceptual_queue (item_id, idx, queued_at, media) VALUES (?1, ?2, ?3, ?4)",
        params![item_id, idx, at, media.as_str()],
    )?;
    Ok(())
}

/// Removes an artifact from the queue.
pub fn remove(conn: &Connection, item_id: &str, idx: u32) -> rusqlite::Result<()> {
    conn.execute(
        "DELETE FROM perceptual_queue WHERE item_id = ?1 AND idx = ?2",
        params![item_id, idx],
    )?;
    Ok(())
}

/// Up to `limit` waiting pictures (or videos), oldest first, with their blobs. Artifacts
/// whose blob is gone (a withdrawn item) are not listed.
pub fn next(conn: &Connection, limit: usize, media: Media) -> rusqlite::Result<Vec<QueuedPicture>> {
    let mut st = conn.prepare_cached(
        "SELECT q.item_id, q.idx, a.blob, a.size FROM perceptual_queue q
         JOIN artifacts a ON a.item_id = q.item_id AND a.idx = q.idx
         WHERE a.blob IS NOT NULL AND q.media = ?2 ORDER BY q.queued_at, q.item_id, q.idx LIMIT ?1",
    )?;
    st.query_map(
        params![i64::try_from(limit).unwrap_or(i64::MAX), media.as_str()],
        |r| {
            Ok(QueuedPicture {
                item_id: r.get(0)?,
                idx: r.get(1)?,
                blob: r.get(2)?,
                size: r.get::<_, i64>(3).map(|s| u64::try_from(s).unwrap_or(0))?,
            })
        },
    )?
    .collect()
}

/// How many pictures (or videos) wait.
pub fn count(conn: &Connection, media: Media) -> rusqlite::Result<u64> {
    conn.query_row(
        "SELECT count(*) FROM perceptual_queue WHERE media = ?1",
        [media.as_str()],
        |r| r.get::<_, i64>(0),
    )
    .map(|n| u64::try_from(n).unwrap_or(0))
}

/// The artifact positions of one item that wait.
pub fn of_item(conn: &Connection, item_id: &str) -> rusqlite::Result<Vec<u32>> {
    let mut st = conn.prepare_cached("SELECT idx FROM perceptual_queue WHERE item_id = ?1 ORDER BY idx")?;
    st.query_map([item_id], |r| r.get(0))?.collect()
}

/// Drops the queue rows of an item (when it is withdrawn and its files deleted).
pub fn forget_item(conn: &Connection, item_id: &str) -> rusqlite::Result<()> {
    conn.execute("DELETE FROM perceptual_queue WHERE item_id = ?1", [item_id])?;
    Ok(())
}
