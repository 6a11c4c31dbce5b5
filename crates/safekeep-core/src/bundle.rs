//! The evidence bundle: a zipped BagIt bag that anyone can check (docs/bundle-format.md).

mod bag_writer;
pub(crate) mod context;
mod encrypted_output;
mod error;
pub(crate) mod exhibits;
pub mod export;
pub(crate) mod output;
mod readme;
mod report;
pub mod report_pdf;
mod scratch;
mod shell_quote;
pub mod source;
mod statement;
pub mod timestamps;

pub use exhibits::{CaseFacts, Exhibit, ExhibitStamp, Transcript};
pub use export::{BundleTimestamp, ExportError, ExportOptions, ExportProgress, ExportSummary, SourceError};
pub use readme::Handover;
pub use report_pdf::ReportOptions;
pub use safekeep_bundle::encrypted::{BundleEncryption, BundleKey};
pub use safekeep_bundle::{encrypted, format, reference, verify, wacz_signature};
pub use source::{ExhibitSource, ExhibitToken};
pub use timestamps::Stamper;
pub use verify::{Check, Verdict, VerifyReport};
