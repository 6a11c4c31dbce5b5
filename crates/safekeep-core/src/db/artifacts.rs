//! `artifacts`: where each artifact of an item is stored. `blob` is NULL once the blob
//! was removed (item withdrawn); the hash stays, in the sealed record and the log.

use rusqlite::{Connection, params};

/// Creates the table.
pub const MIGRATION_1: &str = "
CREATE TABLE artifacts (
    item_id TEXT NOT NULL REFERENCES items(id),
    idx     INTEGER NOT NULL,
    sha256  TEXT NOT NULL,
    size    INTEGER NOT NULL,
    blob    TEXT,
    PRIMARY KEY (item_id, idx)
) STRICT;
CREATE INDEX artifacts_by_blob ON artifacts(blob);";

/// Where one artifact is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArtifactRow {
    /// Owning item.
    pub item_id: String,
    /// Position in the item's artifact list.
    pub idx: u32,
    /// SHA-256 of the content (hex).
    pub sha256: String,
    /// Length in bytes.
    pub size: u64,
    /// Blob name, unless removed.
    pub blob: Option<String>,
}

/// Records one artifact's blob.
pub fn insert(conn: &Connection, row: &ArtifactRow) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO artifacts (item_id, idx, sha256, size, blob) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![row.item_id, row.idx, row.sha256, row.size, row.blob],
    )?;
    Ok(())
}

/// Lists one item's artifacts in order, or every artifact when `item_id` is None.
pub fn list(conn: &Connection, item_id: Option<&str>) -> rusqlite::Result<Vec<ArtifactRow>> {
    // Two statements, not `?1 IS NULL OR item_id = ?1`: SQLite cannot use the primary
    // key for that, and export and the timeline ask once per item.
    let mut st = match item_id {
        Some(_) => conn.prepare_cached(
            "SELECT item_id, idx, sha256, size, blob FROM artifacts WHERE item_id = ?1 ORDER BY idx",
        )?,
        None => conn
            .prepare_cached("SELECT item_id, idx, sha256, size, blob FROM artifacts ORDER BY item_id, idx")?,
    };
    let params: &[&dyn rusqlite::ToSql] = match &item_id {
        Some(id) => &[id],
        None => &[],
    };
    st.query_map(params, |r| {
        Ok(ArtifactRow {
            item_id: r.get(0)?,
            idx: r.get(1)?,
            sha256: r.get(2)?,
            size: r.get(3)?,
            blob: r.get(4)?,
        })
    })?
    .collect()
}

/// Forgets the blobs of an item's artifacts.
pub fn clear_blobs(conn: &Connection, item_id: &str) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE artifacts SET blob = NULL WHERE item_id = ?1",
        params![item_id],
    )?;
    Ok(())
}

/// Counts artifacts still stored in blob `name`.
pub fn blob_users(conn: &Connection, name: &str) -> rusqlite::Result<u64> {
    conn.query_row("SELECT count(*) FROM artifacts WHERE blob = ?1", [name], |r| {
        r.get(0)
    })
}

/// The other items whose files are stored in blob `name` (the same bytes), withdrawn
/// ones with their files kept included, each once.
pub fn other_users(conn: &Connection, name: &str, item_id: &str) -> rusqlite::Result<Vec<String>> {
    let mut st = conn.prepare_cached(
        "SELECT DISTINCT item_id FROM artifacts WHERE blob = ?1 AND item_id != ?2 ORDER BY item_id",
    )?;
    st.query_map(params![name, item_id], |r| r.get(0))?.collect()
}

/// Moves every artifact stored in blob `old` to blob `new` (a key rotation renames every
/// blob; the hash and size stay).
pub fn rename_blob(conn: &Connection, old: &str, new: &str) -> rusqlite::Result<usize> {
    conn.prepare_cached("UPDATE artifacts SET blob = ?2 WHERE blob = ?1")?
        .execute(params![old, new])
}
