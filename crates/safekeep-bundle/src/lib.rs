//! Safekeep's evidence bundle format (docs/bundle-format.md): what a bundle's names are,
//! how it is read and every check `safekeep verify` makes — the audit log's chain, the
//! signature, hand-over, trusted timestamps — with the signing and timestamp primitives
//! those checks need.
//!
//! No SQLite, no network, no file system assumed: the verifier reads a bundle through
//! [`verify::ZipBytes`] or [`verify::Folder`], so the same checks run in the CLI, in the
//! app, in `case import` and in a browser tab (`safekeep-verify.html`). The vault depends
//! on this crate, never the reverse.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod audit_log;
pub mod canonical;
pub mod coded;
pub mod encrypted;
pub mod format;
pub mod links;
pub mod reference;
pub mod signing;
pub mod timestamp_token;
pub mod timestamp_trust;
pub mod verify;
pub mod wacz_signature;

pub use coded::Coded;
pub use verify::{Check, Verdict, VerifyReport};
