//! Errors as the page sees them: `{code, message}`, so the UI never parses strings.

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

impl From<safekeep_core::Error> for UiError {
    fn from(e: safekeep_core::Error) -> Self {
        Self::new(e.code(), capitalise(&e.to_string()))
    }
}

impl From<safekeep_core::bundle::ExportError> for UiError {
    fn from(e: safekeep_core::bundle::ExportError) -> Self {
        Self::new(e.code(), capitalise(&e.to_string()))
    }
}

/// Starts a message with a capital letter, as the page shows it.
pub fn capitalise(text: &str) -> String {
    let mut c = text.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

impl From<safekeep_core::receipt::ReceiptError> for UiError {
    fn from(e: safekeep_core::receipt::ReceiptError) -> Self {
        let code = match e {
            safekeep_core::receipt::ReceiptError::WrongPassphrase(_) => "wrong_passphrase",
            safekeep_core::receipt::ReceiptError::WeakPassphrase => "weak_passphrase",
            _ => "bad_receipt",
        };
        Self::new(code, capitalise(&e.to_string()))
    }
}
