//! Removal requests (docs/removal.md): drafted from sealed evidence, for the person (or
//! their advocate) to send themselves — Safekeep sends nothing. A request per address
//! where the content appears: a TAKE IT DOWN Act request, a UK intimate image content
//! report, a search de-listing request, or an abuse letter to a host or registrar; then
//! the clock (when it was sent, its deadline, what is overdue, the follow-up).
//!
//! Privacy invariant: the person's name, contact and signature live in the encrypted
//! vault's settings ([`person`]) and appear only in the full text of a request, which is
//! also kept only in the vault. The annotation a request leaves on its item (and so any
//! bundle) holds the text with those details withheld, and the full text's SHA-256.
//! No request ever attaches or embeds an image.

pub mod deadline;
pub mod directory;
pub mod pdf;
pub mod person;
pub mod rdap;
pub mod requests;
pub mod status;
pub mod template;

pub use requests::{DraftOptions, Drafted};
pub use status::{Recapture, RequestStatus};

/// Which request to draft.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    /// A removal request under the TAKE IT DOWN Act (US).
    TakeItDown,
    /// An intimate image content report under the Online Safety Act (UK).
    UkReport,
    /// A request to a search engine to drop results.
    SearchDelisting,
    /// An abuse letter to a host or registrar.
    HostAbuse,
    /// A second request citing a first that was not acted on.
    FollowUp,
}

impl RequestKind {
    /// Its template's id.
    pub fn template_id(self) -> &'static str {
        match self {
            Self::TakeItDown => "us-take-it-down",
            Self::UkReport => "uk-intimate-image-content-report",
            Self::SearchDelisting => "search-delisting",
            Self::HostAbuse => "host-abuse",
            Self::FollowUp => "follow-up",
        }
    }

    /// The name stored in the annotation.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TakeItDown => "take_it_down",
            Self::UkReport => "uk_report",
            Self::SearchDelisting => "search_delisting",
            Self::HostAbuse => "host_abuse",
            Self::FollowUp => "follow_up",
        }
    }

    /// Reads a kind as the CLI and the app name it.
    pub fn parse(s: &str) -> Result<Self, RemovalError> {
        match s.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "take_it_down" | "us" => Ok(Self::TakeItDown),
            "uk_report" | "uk" => Ok(Self::UkReport),
            "search_delisting" | "search" => Ok(Self::SearchDelisting),
            "host_abuse" | "host" => Ok(Self::HostAbuse),
            _ => Err(RemovalError::Input(format!(
                "\"{s}\" is not a kind of request; choose take-it-down, uk-report, search-delisting or host-abuse"
            ))),
        }
    }
}

/// Why a removal request was not drafted or recorded. Nothing was changed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RemovalError {
    /// The item holds no web address to name in a request.
    #[error(
        "item {0} has no web address, so a request could not name where the content is. Add the address first (safekeep annotate ITEM --appears-at URL); nothing was drafted"
    )]
    NoAddress(String),
    /// The person's details are not set.
    #[error(
        "a request must say who sends it and how to reach them, and these are not set yet. Enter them once (safekeep removal me --name … --contact …); they stay in the encrypted vault; nothing was drafted"
    )]
    NoPerson,
    /// A sending time in the future.
    #[error(
        "the time sent ({sent_at}) is later than now ({now}); nothing was recorded. Give the time the request was actually sent"
    )]
    SentInFuture {
        /// The time given.
        sent_at: String,
        /// Now.
        now: String,
    },
    /// A sending time before the content was captured.
    #[error(
        "the time sent ({sent_at}) is before the content was captured ({captured_at}) or the request drafted; nothing was recorded. Check the date"
    )]
    SentBeforeCapture {
        /// The time given.
        sent_at: String,
        /// When the item was captured (or the request drafted).
        captured_at: String,
    },
    /// No removal request with that id.
    #[error(
        "{0} is not a removal request in this vault; `safekeep removal list --case ID` shows them. Nothing was changed"
    )]
    UnknownRequest(String),
    /// Something the person gave cannot be used.
    #[error("{0}")]
    Input(String),
    /// The vault failed.
    #[error(transparent)]
    Vault(#[from] crate::vault::Error),
}

impl crate::Coded for RemovalError {
    /// A stable machine-readable code, for the UI's `{code, message}` errors.
    fn code(&self) -> &'static str {
        match self {
            Self::NoAddress(_) => "removal_no_address",
            Self::NoPerson => "removal_no_person",
            Self::SentInFuture { .. } => "removal_sent_in_future",
            Self::SentBeforeCapture { .. } => "removal_sent_before_capture",
            Self::UnknownRequest(_) => "removal_unknown_request",
            Self::Input(_) => "invalid_request",
            Self::Vault(e) => e.code(),
        }
    }
}
