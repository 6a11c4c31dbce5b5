//! The one trait every public error of Safekeep's libraries implements, so that the app
//! turns any of them into its `{code, message}` with one conversion, and scripts and
//! tests can match on a code instead of words.

/// An error with a stable, machine-readable code.
pub trait Coded: std::error::Error {
    /// A code such as `not_a_vault` or `removal_no_address`: the app's page and scripts
    /// react to it, so it never changes meaning; the message beside it is for people.
    fn code(&self) -> &'static str;
}
