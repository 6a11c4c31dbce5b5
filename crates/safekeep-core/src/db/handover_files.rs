//! `handover_files` (schema version 7): the signed tag files of each bundle a case was
//! handed over in (docs/handover.md), kept byte for byte so that every later bundle of
//! the case carries them in `data/handover/<k>/`. Rows are only ever inserted.

use rusqlite::{Connection, params};

/// Creates the table; the triggers refuse UPDATE and DELETE, as for `events`.
pub const MIGRATION_7: &str = "
CREATE TABLE handover_files (
    case_id  TEXT NOT NULL REFERENCES cases(id),
    handover INTEGER NOT NULL,
    name     TEXT NOT NULL,
    content  BLOB NOT NULL,
    PRIMARY KEY (case_id, handover, name)
) STRICT;
CREATE TRIGGER handover_files_no_update BEFORE UPDATE ON handover_files
BEGIN SELECT RAISE(ABORT, 'hand-over files are kept as they were received'); END;
CREATE TRIGGER handover_files_no_delete BEFORE DELETE ON handover_files
BEGIN SELECT RAISE(ABORT, 'hand-over files are kept as they were received'); END;";

/// Stores one file of hand-over `handover` (1, 2, … in the case's chain).
pub fn insert(
    conn: &Connection,
    case_id: &str,
    handover: u32,
    name: &str,
    content: &[u8],
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO handover_files (case_id, handover, name, content) VALUES (?1, ?2, ?3, ?4)",
        params![case_id, handover, name, content],
    )?;
    Ok(())
}

/// Lists a case's hand-over files as `(handover, name, content)`, by hand-over then name.
pub fn list(conn: &Connection, case_id: &str) -> rusqlite::Result<Vec<(u32, String, Vec<u8>)>> {
    conn.prepare_cached(
        "SELECT handover, name, content FROM handover_files WHERE case_id = ?1 ORDER BY handover, name",
    )?
    .query_map([case_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
    .collect()
}
