//! Safekeep's core: the evidence vault, its audit chain, signing, and bundles.
//!
//! No GUI, no network, no screen access. The desktop app, the CLI and the tests all call
//! the same functions here. Formats are specified in `docs/` and quoted where implemented.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod blob_store;
pub mod bundle;
pub mod clock;
pub mod db;
pub mod item;
pub mod item_view;
pub mod keyring;
pub mod neutral_name;
pub mod paths;
pub mod perceptual;
pub mod picture;
pub mod private_file;
pub mod process_privacy;
pub mod receipt;
pub mod removal;
pub mod run_folder;
pub mod sealed_blob;
pub mod takedown;
pub mod vault;
pub mod vpdq;

// The format, its checks and the signing and timestamp primitives live in `safekeep-bundle`
// (no SQLite, no network); they stay reachable under their old paths.
pub use safekeep_bundle::{Coded, audit_log, canonical, links, signing, timestamp_token, timestamp_trust};
pub use vault::{Environment, Error, Vault};
