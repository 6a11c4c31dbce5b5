//! The evidence bundle: a zipped BagIt bag that anyone can check (docs/bundle-format.md).

pub mod encrypted;
pub mod export;
pub mod format;
mod output;
mod readme;
mod report;
pub mod verify;

pub use encrypted::{BundleEncryption, BundleKey};
pub use export::{ExportError, ExportOptions, ExportProgress, ExportSummary};
pub use verify::{Check, Verdict, VerifyReport};
