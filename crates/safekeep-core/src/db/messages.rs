//! `messages` and `message_text` (schema version 6): the messages read from a
//! conversation export (docs/conversations.md).
//!
//! Derived, never evidence: each row is one message as `safekeep messages --json` prints
//! it (`body`, compact JSON), written in the transaction that records the item, so an
//! item of kind `conversation` never exists without its messages. The sealed record
//! holds the SHA-256 of the whole list as printed, so the rows can be checked against it
//! and re-derived from the sealed export at any time. `message_text` is a contentless
//! full-text index (`rowid` = the message's rowid) of each message's sender, text and
//! attachment names; messages are never deleted, so it never goes stale.

use rusqlite::{Connection, OptionalExtension, params};

/// Creates the tables (schema version 6).
pub const MIGRATION_6: &str = "
CREATE TABLE messages (
    item_id TEXT NOT NULL REFERENCES items(id),
    idx     INTEGER NOT NULL,
    sent_at TEXT,
    body    TEXT NOT NULL,
    UNIQUE (item_id, idx)
) STRICT;
CREATE VIRTUAL TABLE message_text USING fts5(words, content = '', tokenize = 'unicode61 remove_diacritics 2');";

/// Adds one message and its searchable words.
pub fn insert(
    conn: &Connection,
    item_id: &str,
    idx: u32,
    sent_at: Option<&str>,
    body: &str,
    words: &str,
) -> rusqlite::Result<()> {
    conn.prepare_cached("INSERT INTO messages (item_id, idx, sent_at, body) VALUES (?1, ?2, ?3, ?4)")?
        .execute(params![item_id, idx, sent_at, body])?;
    let rowid = conn.last_insert_rowid();
    conn.prepare_cached("INSERT INTO message_text (rowid, words) VALUES (?1, ?2)")?
        .execute(params![rowid, words])?;
    Ok(())
}

/// How many messages an item has.
pub fn count(conn: &Connection, item_id: &str) -> rusqlite::Result<u32> {
    conn.prepare_cached("SELECT count(*) FROM messages WHERE item_id = ?1")?
        .query_row([item_id], |r| r.get(0))
}

/// Calls `each` with the body of every message numbered `from..=to`, in order.
pub fn for_each(
    conn: &Connection,
    item_id: &str,
    from: u32,
    to: u32,
    each: &mut dyn FnMut(u32, &str) -> rusqlite::Result<()>,
) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached(
        "SELECT idx, body FROM messages WHERE item_id = ?1 AND idx BETWEEN ?2 AND ?3 ORDER BY idx",
    )?;
    let mut rows = stmt.query(params![item_id, from, to])?;
    while let Some(row) = rows.next()? {
        let body = row.get_ref(1)?.as_str()?;
        each(row.get(0)?, body)?;
    }
    Ok(())
}

/// The numbers of the messages whose words match an FTS5 expression, in order.
pub fn find(conn: &Connection, item_id: &str, expression: &str, limit: u32) -> rusqlite::Result<Vec<u32>> {
    conn.prepare_cached(
        "SELECT m.idx FROM message_text JOIN messages m ON m.rowid = message_text.rowid
         WHERE message_text MATCH ?1 AND m.item_id = ?2 ORDER BY m.idx LIMIT ?3",
    )?
    .query_map(params![expression, item_id, limit], |r| r.get(0))?
    .collect()
}

/// The number of the first message sent at or after `at` (RFC 3339 UTC).
pub fn first_at_or_after(conn: &Connection, item_id: &str, at: &str) -> rusqlite::Result<Option<u32>> {
    conn.prepare_cached("SELECT min(idx) FROM messages WHERE item_id = ?1 AND sent_at >= ?2")?
        .query_row(params![item_id, at], |r| r.get(0))
        .optional()
        .map(Option::flatten)
}
