//! The evidence bundle: a zipped BagIt bag that anyone can check (docs/bundle-format.md).

mod bag_writer;
pub mod encrypted;
mod exhibits;
pub mod export;
pub mod format;
mod output;
mod readme;
pub mod reference;
mod report;
pub mod report_pdf;
mod scratch;
mod shell_quote;
mod statement;
pub mod timestamps;
pub mod verify;

pub use encrypted::{BundleEncryption, BundleKey};
pub use export::{BundleTimestamp, ExportError, ExportOptions, ExportProgress, ExportSummary};
pub use report_pdf::ReportOptions;
pub use timestamps::Stamper;
pub use verify::{Check, Verdict, VerifyReport};
