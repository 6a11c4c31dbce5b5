//! `annotations`: notes, tags, corrections and reports attached to an item later.
//! They point at an item and never rewrite it; each is also an `item.annotated` event.

use rusqlite::{Connection, params};

/// Creates the table.
pub const MIGRATION_1: &str = "
CREATE TABLE annotations (
    id         TEXT PRIMARY KEY,
    item_id    TEXT NOT NULL REFERENCES items(id),
    created_at TEXT NOT NULL,
    body       TEXT NOT NULL
) STRICT;
CREATE INDEX annotations_by_item ON annotations(item_id, created_at);";

/// Stores one annotation; `body` is its canonical JSON.
pub fn insert(
    conn: &Connection,
    id: &str,
    item_id: &str,
    created_at: &str,
    body: &str,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO annotations (id, item_id, created_at, body) VALUES (?1, ?2, ?3, ?4)",
        params![id, item_id, created_at, body],
    )?;
    Ok(())
}

/// Lists one item's annotations, oldest first, as their JSON bodies.
pub fn list(conn: &Connection, item_id: &str) -> rusqlite::Result<Vec<String>> {
    let mut st =
        conn.prepare_cached("SELECT body FROM annotations WHERE item_id = ?1 ORDER BY created_at, id")?;
    st.query_map([item_id], |r| r.get(0))?.collect()
}

/// The annotations whose id starts with `prefix` (at most two: enough to tell a unique
/// prefix from an ambiguous one), as (id, item id, JSON body).
pub fn by_id_prefix(conn: &Connection, prefix: &str) -> rusqlite::Result<Vec<(String, String, String)>> {
    let mut st = conn.prepare_cached(
        "SELECT id, item_id, body FROM annotations WHERE substr(id, 1, length(?1)) = ?1 ORDER BY id LIMIT 2",
    )?;
    st.query_map([prefix], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect()
}
