//! `perceptual_hashes`: the PDQ hash of each image artifact (docs/perceptual-hashes.md).
//! Derived data, computed locally after capture; never part of the sealed record.

use rusqlite::{Connection, params};

/// Creates the table (schema version 3).
pub const MIGRATION_3: &str = "
CREATE TABLE perceptual_hashes (
    item_id TEXT NOT NULL REFERENCES items(id),
    idx     INTEGER NOT NULL,
    pdq     TEXT NOT NULL,
    quality INTEGER NOT NULL,
    PRIMARY KEY (item_id, idx)
) STRICT;";

/// One stored hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PerceptualRow {
    /// The item.
    pub item_id: String,
    /// The artifact's position in the item.
    pub idx: u32,
    /// 64 hex characters.
    pub pdq: String,
    /// 0–100.
    pub quality: u8,
}

/// Stores (or replaces) one artifact's hash.
pub fn put(conn: &Connection, row: &PerceptualRow) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT OR REPLACE INTO perceptual_hashes (item_id, idx, pdq, quality) VALUES (?1, ?2, ?3, ?4)",
        params![row.item_id, row.idx, row.pdq, row.quality],
    )?;
    Ok(())
}

/// Every stored hash, or one item's, in item and artifact order.
pub fn list(conn: &Connection, item_id: Option<&str>) -> rusqlite::Result<Vec<PerceptualRow>> {
    // Two statements, not `?1 IS NULL OR item_id = ?1`: SQLite cannot use the primary
    // key for that, and export and the timeline ask once per item.
    let mut st = match item_id {
        Some(_) => conn.prepare_cached(
            "SELECT item_id, idx, pdq, quality FROM perceptual_hashes WHERE item_id = ?1 ORDER BY idx",
        )?,
        None => conn.prepare_cached(
            "SELECT item_id, idx, pdq, quality FROM perceptual_hashes ORDER BY item_id, idx",
        )?,
    };
    let params: &[&dyn rusqlite::ToSql] = match &item_id {
        Some(id) => &[id],
        None => &[],
    };
    st.query_map(params, |r| {
        Ok(PerceptualRow {
            item_id: r.get(0)?,
            idx: r.get(1)?,
            pdq: r.get(2)?,
            quality: r.get(3)?,
        })
    })?
    .collect()
}
