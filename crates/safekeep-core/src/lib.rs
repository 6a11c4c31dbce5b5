//! Safekeep's core: the evidence vault, its audit chain, signing, and bundles.
//!
//! No GUI, no network, no screen access. The desktop app, the CLI and the tests all call
//! the same functions here. Formats are specified in `docs/` and quoted where implemented.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod audit_log;
pub mod blob_store;
pub mod bundle;
pub mod canonical;
pub mod clock;
pub mod db;
pub mod item;
pub mod keyring;
pub mod links;
pub mod neutral_name;
pub mod perceptual;
pub mod picture;
pub mod private_file;
pub mod process_privacy;
pub mod receipt;
pub mod removal;
pub mod run_folder;
pub mod sealed_blob;
pub mod signing;
pub mod takedown;
pub mod timestamp_token;
pub mod timestamp_trust;
pub mod vault;
pub mod vpdq;

pub use vault::{Environment, Error, Vault};
