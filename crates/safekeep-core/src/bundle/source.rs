//! What the bundle writer reads a case from: an exhibit source. The vault is the one
//! source (`vault/export.rs`, inside one read snapshot, so every walk sees the same
//! case); the writer knows nothing else about where exhibits come from, and never a
//! `Vault`. Direction: `vault` → `bundle` → {format, audit log, signing, item}.

use std::io::{self, Read, Write};
use std::path::PathBuf;

use super::error::ExportError;
use super::exhibits::{CaseFacts, Exhibit};
use super::readme::Handover;

/// An exhibit's trusted timestamp, as a bundle carries it.
#[derive(Debug, Clone)]
pub struct ExhibitToken {
    /// Exactly the bytes the token covers (docs/timestamps.md § "What is stamped").
    pub commitment: Vec<u8>,
    /// The token (DER).
    pub token: Vec<u8>,
    /// The authority's chain, PEM, signer first.
    pub chain_pem: String,
}

/// Opens an item's stored file by index (see [`ExhibitSource::artifact_opener`]).
pub type ArtifactOpener<'a> = Box<dyn FnMut(usize) -> Result<Box<dyn Read + 'a>, String> + 'a>;

/// Where a bundle's exhibits, log and keys come from.
pub trait ExhibitSource {
    /// How many exhibits the case has and what a report's cover says of their timestamps.
    fn case_facts(&self, case_id: &str) -> Result<CaseFacts, ExportError>;

    /// Calls `each` with every exhibit of the case in order, references assigned
    /// (`prefix`), holding a page at a time; returns how many there were. Stops at the
    /// first error `each` returns.
    fn for_each_exhibit(
        &self,
        case_id: &str,
        prefix: &str,
        each: &mut dyn FnMut(Exhibit) -> Result<(), ExportError>,
    ) -> Result<usize, ExportError>;

    /// Events in the case's audit log.
    fn event_count(&self, case_id: &str) -> Result<u64, ExportError>;

    /// Writes the case's audit log as `data/audit-log.jsonl` holds it: one line per event,
    /// `{"event":…,"hash":"…","prev_hash":"…"}`, in chain order.
    fn write_audit_log(&self, case_id: &str, out: &mut dyn Write) -> io::Result<()>;

    /// Opens item `item_id`'s stored files for reading, by index, one after the other;
    /// not yet checked against their SHA-256 (the writer hashes what it copies). Listing
    /// them fails as an [`ExportError`]; an opener's error says in words why that one file
    /// cannot be read ("is not stored", "cannot be read (…)").
    fn artifact_opener<'a>(&'a self, item_id: &str) -> Result<ArtifactOpener<'a>, ExportError>;

    /// Stored file `index` of item `item_id`, checked against its SHA-256, if it is at
    /// most `cap` bytes (for the report's pictures); else why not, in words.
    fn artifact_bytes(&self, item_id: &str, index: usize, cap: u64) -> Result<Vec<u8>, String>;

    /// The hand-overs the case went through, oldest first.
    fn handovers(&self, case_id: &str) -> Result<Vec<Handover>, ExportError>;

    /// The files each hand-over left, as `(handover, name, bytes)`.
    fn handover_files(&self, case_id: &str) -> Result<Vec<(u32, String, Vec<u8>)>, ExportError>;

    /// Item `item_id`'s trusted timestamp, if it has one.
    fn exhibit_token(&self, item_id: &str) -> Result<Option<ExhibitToken>, ExportError>;

    /// A folder for the writer's sealed scratch files (on the vault's disk).
    fn scratch_dir(&self) -> PathBuf;

    /// The signing key's public half, PEM (`signature/vault-key.pem`).
    fn public_key_pem(&self) -> String;

    /// The Ed25519 signature of `bytes` (the tag manifest).
    fn sign(&self, bytes: &[u8]) -> Vec<u8>;
}
