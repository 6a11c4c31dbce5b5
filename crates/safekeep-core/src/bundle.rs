//! The evidence bundle: a zipped BagIt bag that anyone can check (docs/bundle-format.md).

mod bag_writer;
mod encrypted_output;
mod exhibits;
pub mod export;
mod output;
mod readme;
mod report;
pub mod report_pdf;
mod scratch;
mod shell_quote;
mod statement;
pub mod timestamps;

pub use export::{BundleTimestamp, ExportError, ExportOptions, ExportProgress, ExportSummary};
pub use report_pdf::ReportOptions;
pub use safekeep_bundle::encrypted::{BundleEncryption, BundleKey};
pub use safekeep_bundle::{encrypted, format, reference, verify, wacz_signature};
pub use timestamps::Stamper;
pub use verify::{Check, Verdict, VerifyReport};
