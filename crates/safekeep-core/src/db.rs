//! The vault's SQLite database: one module per table, each holding its migration.
//!
//! Migrations are append-only: once released, a migration's SQL is never edited; a
//! change to the schema is a new migration. They run all-or-nothing in one transaction,
//! and `PRAGMA user_version` records how many have run.

pub mod annotations;
pub mod artifacts;
pub mod cases;
pub mod events;
pub mod handover_files;
pub mod item_search;
pub mod items;
pub mod messages;
pub mod meta;
pub mod perceptual_hashes;
pub mod perceptual_queue;
pub mod timestamps;
pub mod video_hashes;

use std::path::Path;
use std::sync::Once;

use rusqlite::{Connection, OpenFlags};

/// Opens a database file, keyed with `key` (a SQLCipher raw key `x'…'`) before any other
/// statement when given, as SQLCipher requires.
///
/// The first open in the process happens under a [`Once`]: SQLite marks itself
/// initialised *before* it runs SQLCipher's extra initialisation, so a second thread
/// opening at that moment gets a connection whose `PRAGMA key` fails ("An error occurred
/// with PRAGMA key or rekey"). Seen in CI with tests opening vaults in parallel; the app
/// opens from more than one thread too.
pub(crate) fn open(path: &Path, flags: OpenFlags, key: Option<&str>) -> rusqlite::Result<Connection> {
    static SQLCIPHER_READY: Once = Once::new();
    let mut first = None;
    SQLCIPHER_READY.call_once(|| first = Some(Connection::open_in_memory()));
    if let Some(Err(e)) = first {
        return Err(e);
    }
    let conn = Connection::open_with_flags(path, flags)?;
    if let Some(key) = key {
        conn.execute_batch(&zeroize::Zeroizing::new(format!("PRAGMA key = \"{key}\";")))?;
    }
    Ok(conn)
}

/// Every migration in order; index + 1 is the schema version it produces.
const MIGRATIONS: &[&[&str]] = &[
    &[
        meta::MIGRATION_1,
        cases::MIGRATION_1,
        events::MIGRATION_1,
        items::MIGRATION_1,
        artifacts::MIGRATION_1,
        annotations::MIGRATION_1,
    ],
    &[timestamps::MIGRATION_2],
    &[perceptual_hashes::MIGRATION_3],
    &[perceptual_queue::MIGRATION_4],
    &[item_search::MIGRATION_5],
    &[messages::MIGRATION_6],
    &[handover_files::MIGRATION_7],
    &[video_hashes::MIGRATION_8, perceptual_queue::MIGRATION_8],
    &[events::MIGRATION_9],
    &[timestamps::MIGRATION_10],
];

/// The schema version that added `perceptual_hashes`: older vaults get their images
/// hashed once when upgraded.
pub const PERCEPTUAL_HASHES_SINCE: u32 = 3;

/// The schema version that added `video_hashes`: older vaults get their videos queued
/// once when upgraded.
pub const VIDEO_HASHES_SINCE: u32 = 8;

/// The schema version that added the search index `item_text`: older vaults get their
/// incident-log entries' words added once when upgraded.
pub const ITEM_TEXT_SINCE: u32 = 5;

/// The schema version this build reads and writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// Returns the schema version recorded in the database.
pub fn schema_version(conn: &Connection) -> rusqlite::Result<u32> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
}

/// Brings the schema from `from` up to [`SCHEMA_VERSION`] in one transaction.
pub fn migrate(conn: &mut Connection, from: u32) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    for (i, steps) in MIGRATIONS.iter().enumerate().skip(from as usize) {
        for sql in *steps {
            tx.execute_batch(sql)?;
        }
        tx.pragma_update(None, "user_version", (i + 1) as u32)?;
    }
    tx.commit()
}
