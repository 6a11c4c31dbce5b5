//! `items`: one row per captured item. `record` is the sealed record exactly as it
//! appears in the item's `item.captured` event; the other columns are for queries.

use rusqlite::{Connection, OptionalExtension, Row, params};

/// Creates the table.
pub const MIGRATION_1: &str = "
CREATE TABLE items (
    id               TEXT PRIMARY KEY,
    case_id          TEXT NOT NULL REFERENCES cases(id),
    kind             TEXT NOT NULL,
    captured_at      TEXT NOT NULL,
    record           TEXT NOT NULL,
    withdrawn_at     TEXT,
    withdrawn_reason TEXT
) STRICT;
CREATE INDEX items_by_case ON items(case_id, captured_at);";

/// An item as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemRow {
    /// UUID.
    pub id: String,
    /// Owning case.
    pub case_id: String,
    /// Canonical JSON of the sealed record.
    pub record: String,
    /// When it was withdrawn, if it was.
    pub withdrawn_at: Option<String>,
    /// Why it was withdrawn.
    pub withdrawn_reason: Option<String>,
}

const COLUMNS: &str = "id, case_id, record, withdrawn_at, withdrawn_reason";

fn from_row(r: &Row<'_>) -> rusqlite::Result<ItemRow> {
    Ok(ItemRow {
        id: r.get(0)?,
        case_id: r.get(1)?,
        record: r.get(2)?,
        withdrawn_at: r.get(3)?,
        withdrawn_reason: r.get(4)?,
    })
}

/// Inserts an item.
pub fn insert(
    conn: &Connection,
    id: &str,
    case_id: &str,
    kind: &str,
    captured_at: &str,
    record: &str,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO items (id, case_id, kind, captured_at, record) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![id, case_id, kind, captured_at, record],
    )?;
    Ok(())
}

/// Marks an item withdrawn.
/// Returns whether an item of that case was withdrawn: an id of another case changes
/// nothing (a change is always scoped to its case).
pub fn set_withdrawn(
    conn: &Connection,
    case_id: &str,
    id: &str,
    at: &str,
    reason: &str,
) -> rusqlite::Result<bool> {
    let n = conn.execute(
        "UPDATE items SET withdrawn_at = ?2, withdrawn_reason = ?3 WHERE id = ?1 AND case_id = ?4",
        params![id, at, reason, case_id],
    )?;
    Ok(n == 1)
}

/// Reads one item.
pub fn get(conn: &Connection, id: &str) -> rusqlite::Result<Option<ItemRow>> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM items WHERE id = ?1"))?
        .query_row([id], from_row)
        .optional()
}

/// Lists items in capture order, of one case or of all.
pub fn list(conn: &Connection, case_id: Option<&str>) -> rusqlite::Result<Vec<ItemRow>> {
    let mut st = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM items WHERE ?1 IS NULL OR case_id = ?1 ORDER BY captured_at, rowid"
    ))?;
    st.query_map([case_id], from_row)?.collect()
}

/// Where a page of a case's items starts: after this `(captured_at, rowid)`.
pub type PageCursor = (String, i64);

/// One page of a case's items that are not withdrawn, in capture order (then rowid),
/// starting after `after`; each with its cursor. Answered from `items_by_case`.
pub fn page_of_case(
    conn: &Connection,
    case_id: &str,
    after: Option<&PageCursor>,
    limit: u32,
) -> rusqlite::Result<Vec<(ItemRow, PageCursor)>> {
    let row = |r: &Row<'_>| Ok((from_row(r)?, (r.get(5)?, r.get(6)?)));
    let head = format!(
        "SELECT {COLUMNS}, captured_at, rowid FROM items WHERE case_id = ?1 AND withdrawn_at IS NULL"
    );
    match after {
        None => conn
            .prepare_cached(&format!("{head} ORDER BY captured_at, rowid LIMIT ?2"))?
            .query_map(params![case_id, limit], row)?
            .collect(),
        Some((at, rowid)) => conn
            .prepare_cached(&format!(
                "{head} AND (captured_at, rowid) > (?2, ?3) ORDER BY captured_at, rowid LIMIT ?4"
            ))?
            .query_map(params![case_id, at, rowid, limit], row)?
            .collect(),
    }
}

/// How many items of a case are not withdrawn.
pub fn count_of_case(conn: &Connection, case_id: &str) -> rusqlite::Result<u64> {
    conn.prepare_cached("SELECT count(*) FROM items WHERE case_id = ?1 AND withdrawn_at IS NULL")?
        .query_row([case_id], |r| r.get(0))
}

/// Lists the ids of items whose id starts with `prefix`.
pub fn ids_with_prefix(conn: &Connection, prefix: &str) -> rusqlite::Result<Vec<String>> {
    let mut st = conn.prepare("SELECT id FROM items WHERE substr(id, 1, length(?1)) = ?1 ORDER BY id")?;
    st.query_map([prefix], |r| r.get(0))?.collect()
}
