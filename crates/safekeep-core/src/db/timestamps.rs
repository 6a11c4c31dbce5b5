//! `timestamps`: one row per item queued for, or holding, a trusted timestamp
//! (docs/timestamps.md). The row never changes the item: the salt is drawn when the item
//! is queued and the token, once verified, is added beside it.

use rusqlite::{Connection, OptionalExtension, Row, params};

/// Creates the table (schema version 2).
pub const MIGRATION_2: &str = "
CREATE TABLE timestamps (
    item_id         TEXT PRIMARY KEY REFERENCES items(id),
    salt            TEXT NOT NULL,
    queued_at       TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_attempt_at TEXT,
    last_error      TEXT,
    tsa             TEXT,
    token           BLOB,
    chain_pem       TEXT,
    gen_time        TEXT,
    signer          TEXT
) STRICT;";

/// Adds whether the token's authority was recognised (schema version 10). A token stored
/// from a received bundle whose chain reached no root of the receiving computer's trust
/// list is kept (the chain records its `item.timestamped` event, and verify wants the
/// token) but as unrecognised, never as a trusted timestamp (docs/timestamps.md § "Whose
/// timestamp it is"). Tokens this vault obtained itself were checked against its
/// authorities' trust: 1.
pub const MIGRATION_10: &str = "
ALTER TABLE timestamps ADD COLUMN authority_recognised INTEGER NOT NULL DEFAULT 1
    CHECK (authority_recognised IN (0, 1));";

/// A row as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimestampRow {
    /// The item.
    pub item_id: String,
    /// 32 random bytes, hex.
    pub salt: String,
    /// When it was queued, RFC 3339 UTC.
    pub queued_at: String,
    /// Requests made so far without a token.
    pub attempts: u32,
    /// When the last request was made.
    pub last_attempt_at: Option<String>,
    /// Why the last request failed.
    pub last_error: Option<String>,
    /// The authority that issued the token.
    pub tsa: Option<String>,
    /// The token (DER `ContentInfo`), once received and verified.
    pub token: Option<Vec<u8>>,
    /// The certificate chain it verified against, PEM.
    pub chain_pem: Option<String>,
    /// The authority's time.
    pub gen_time: Option<String>,
    /// The signing certificate's subject.
    pub signer: Option<String>,
    /// Whether the token's chain reached a root the vault's computer recognised.
    pub authority_recognised: bool,
}

const COLUMNS: &str = "item_id, salt, queued_at, attempts, last_attempt_at, last_error, tsa, token, chain_pem, gen_time, signer, authority_recognised";

fn from_row(r: &Row<'_>) -> rusqlite::Result<TimestampRow> {
    Ok(TimestampRow {
        item_id: r.get(0)?,
        salt: r.get(1)?,
        queued_at: r.get(2)?,
        attempts: r.get(3)?,
        last_attempt_at: r.get(4)?,
        last_error: r.get(5)?,
        tsa: r.get(6)?,
        token: r.get(7)?,
        chain_pem: r.get(8)?,
        gen_time: r.get(9)?,
        signer: r.get(10)?,
        authority_recognised: r.get(11)?,
    })
}

/// Queues an item; does nothing if it already has a row.
pub fn queue(conn: &Connection, item_id: &str, salt: &str, at: &str) -> rusqlite::Result<bool> {
    let n = conn.execute(
        "INSERT OR IGNORE INTO timestamps (item_id, salt, queued_at) VALUES (?1, ?2, ?3)",
        params![item_id, salt, at],
    )?;
    Ok(n == 1)
}

/// Records a failed request.
pub fn failed(conn: &Connection, item_id: &str, at: &str, error: &str) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE timestamps SET attempts = attempts + 1, last_attempt_at = ?2, last_error = ?3
         WHERE item_id = ?1 AND token IS NULL",
        params![item_id, at, error],
    )?;
    Ok(())
}

/// What a verified token adds to a row.
#[derive(Debug, Clone, Copy)]
pub struct Stamp<'a> {
    /// The authority's address.
    pub tsa: &'a str,
    /// The token.
    pub token: &'a [u8],
    /// The chain it verified against.
    pub chain_pem: &'a str,
    /// The authority's time.
    pub gen_time: &'a str,
    /// The signer's subject.
    pub signer: &'a str,
    /// Whether its chain reached a root of the trust list; false only for a token that
    /// arrived in a received bundle and is kept as unrecognised.
    pub authority_recognised: bool,
}

/// Stores a verified token; returns false if the item already had one.
pub fn stamped(conn: &Connection, item_id: &str, at: &str, s: &Stamp<'_>) -> rusqlite::Result<bool> {
    let n = conn.execute(
        "UPDATE timestamps SET last_attempt_at = ?2, last_error = NULL, tsa = ?3, token = ?4,
             chain_pem = ?5, gen_time = ?6, signer = ?7, authority_recognised = ?8
         WHERE item_id = ?1 AND token IS NULL",
        params![
            item_id,
            at,
            s.tsa,
            s.token,
            s.chain_pem,
            s.gen_time,
            s.signer,
            s.authority_recognised
        ],
    )?;
    Ok(n == 1)
}

/// Reads one item's row.
pub fn get(conn: &Connection, item_id: &str) -> rusqlite::Result<Option<TimestampRow>> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM timestamps WHERE item_id = ?1"))?
        .query_row([item_id], from_row)
        .optional()
}

/// Lists rows still waiting for a token, oldest first.
pub fn waiting(conn: &Connection) -> rusqlite::Result<Vec<TimestampRow>> {
    let mut st = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM timestamps WHERE token IS NULL ORDER BY queued_at, item_id"
    ))?;
    st.query_map([], from_row)?.collect()
}

/// Counts rows with and without a token.
pub fn counts(conn: &Connection) -> rusqlite::Result<(u64, u64)> {
    conn.query_row(
        "SELECT count(token), count(*) - count(token) FROM timestamps",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
}

/// Ids of items (not withdrawn) that have no row yet.
pub fn unqueued_items(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut st = conn.prepare(
        "SELECT id FROM items WHERE withdrawn_at IS NULL
           AND id NOT IN (SELECT item_id FROM timestamps) ORDER BY captured_at, id",
    )?;
    st.query_map([], |r| r.get(0))?.collect()
}

/// The authority of each stamped item of a case that is not withdrawn, in capture order.
pub fn authorities_of_case(conn: &Connection, case_id: &str) -> rusqlite::Result<Vec<String>> {
    conn.prepare_cached(
        "SELECT coalesce(t.tsa, '') FROM items i JOIN timestamps t ON t.item_id = i.id
         WHERE i.case_id = ?1 AND i.withdrawn_at IS NULL AND t.token IS NOT NULL AND t.gen_time IS NOT NULL
           AND t.authority_recognised = 1
         ORDER BY i.captured_at, i.rowid",
    )?
    .query_map([case_id], |r| r.get(0))?
    .collect()
}
