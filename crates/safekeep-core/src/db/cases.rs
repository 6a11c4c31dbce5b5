//! `cases`: one row per case, with the head of its audit chain.
//!
//! `event_count` and `head_hash` are updated with every event appended, in the same
//! transaction, so that deleting the last events of a chain is noticed.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;

/// Creates the table.
pub const MIGRATION_1: &str = "
CREATE TABLE cases (
    id          TEXT PRIMARY KEY,
    title       TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    event_count INTEGER NOT NULL DEFAULT 0,
    head_hash   TEXT NOT NULL
) STRICT;";

/// A case as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseRow {
    /// UUID.
    pub id: String,
    /// Current title (its history is in the audit log).
    pub title: String,
    /// RFC 3339 UTC.
    pub created_at: String,
    /// Events in the case's chain.
    pub event_count: u64,
    /// Hash of the last event (hex).
    pub head_hash: String,
}

const COLUMNS: &str = "id, title, created_at, event_count, head_hash";

fn from_row(r: &Row<'_>) -> rusqlite::Result<CaseRow> {
    Ok(CaseRow {
        id: r.get(0)?,
        title: r.get(1)?,
        created_at: r.get(2)?,
        event_count: r.get(3)?,
        head_hash: r.get(4)?,
    })
}

/// Inserts a new case with an empty chain.
pub fn insert(conn: &Connection, id: &str, title: &str, created_at: &str) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO cases (id, title, created_at, event_count, head_hash) VALUES (?1, ?2, ?3, 0, ?4)",
        params![id, title, created_at, hex::encode(crate::audit_log::GENESIS_PREV)],
    )?;
    Ok(())
}

/// Changes a case's title.
pub fn set_title(conn: &Connection, id: &str, title: &str) -> rusqlite::Result<()> {
    conn.execute("UPDATE cases SET title = ?2 WHERE id = ?1", params![id, title])?;
    Ok(())
}

/// Records a new head of the case's chain.
pub fn set_head(conn: &Connection, id: &str, count: u64, head: &str) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE cases SET event_count = ?2, head_hash = ?3 WHERE id = ?1",
        params![id, count, head],
    )?;
    Ok(())
}

/// Reads one case.
pub fn get(conn: &Connection, id: &str) -> rusqlite::Result<Option<CaseRow>> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM cases WHERE id = ?1"),
        [id],
        from_row,
    )
    .optional()
}

/// Lists all cases, oldest first.
pub fn list(conn: &Connection) -> rusqlite::Result<Vec<CaseRow>> {
    let mut st = conn.prepare(&format!("SELECT {COLUMNS} FROM cases ORDER BY created_at, id"))?;
    st.query_map([], from_row)?.collect()
}

/// Lists the ids of cases whose id starts with `prefix`.
pub fn ids_with_prefix(conn: &Connection, prefix: &str) -> rusqlite::Result<Vec<String>> {
    let mut st = conn.prepare("SELECT id FROM cases WHERE substr(id, 1, length(?1)) = ?1 ORDER BY id")?;
    st.query_map([prefix], |r| r.get(0))?.collect()
}
