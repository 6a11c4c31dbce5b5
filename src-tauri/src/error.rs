//! Errors as the page sees them: `{code, message}`, so the UI never parses strings.

use safekeep_core::Coded;
use serde::Serialize;

/// An error for the page: a stable code and a message a person can act on.
#[derive(Debug, Clone, Serialize)]
pub struct UiError {
    /// Stable machine-readable code (the core error's `code()`).
    pub code: &'static str,
    /// What happened and what to do.
    pub message: String,
}

impl UiError {
    /// An error with a code and message.
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

/// Every library error the app meets becomes `{code, message}` the same way: its
/// [`Coded`] code and its message. (A blanket `impl<E: Coded> From<E>` is not allowed
/// beside `From<UiError> for UiError`, hence the list.)
macro_rules! from_coded {
    ($($error:ty),* $(,)?) => {$(
        impl From<$error> for UiError {
            fn from(e: $error) -> Self {
                Self::new(e.code(), capitalise(&e.to_string()))
            }
        }
    )*};
}

from_coded!(
    safekeep_core::Error,
    safekeep_core::bundle::ExportError,
    safekeep_core::receipt::ReceiptError,
    safekeep_core::removal::RemovalError,
    safekeep_capture::screen::CaptureError,
    safekeep_capture::web::WebError,
    safekeep_capture::video::VideoError,
    safekeep_capture::phone::ReceiveError,
    safekeep_capture::phone::AliasError,
    crate::neutral_look::LookError,
);

/// Starts a message with a capital letter, as the page shows it.
pub fn capitalise(text: &str) -> String {
    let mut c = text.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}
