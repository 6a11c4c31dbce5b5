//! "Check again": re-capturing a web page item's address later, as a new item linked to
//! the first, so that a victim can show the content stayed up after a report, changed,
//! or was removed. The link (`check_again_of`) is sealed in the new item's capture
//! metadata; the comparison is of what the server answered, not of how the page looked.

use safekeep_core::Vault;
use safekeep_core::item::ItemKind;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::WebError;
use super::fetch::Exchange;

/// The earlier capture a new one checks again.
#[derive(Debug, Clone, Serialize)]
pub struct CheckAgain {
    /// The earlier item.
    pub item_id: String,
    /// When it was captured (UTC).
    pub captured_at: String,
    /// The status its final response had.
    pub status: Option<u16>,
    /// SHA-256 of its final response body.
    pub body_sha256: Option<String>,
}

/// What changed since the earlier capture.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    /// The earlier item.
    pub item_id: String,
    /// Its status then, and now.
    pub status_then: Option<u16>,
    /// The status now.
    pub status_now: u16,
    /// The response body is byte for byte the same as then.
    pub same_body: bool,
    /// In words: "still up, unchanged", "still up, changed" or "gone (status 404)".
    pub verdict: String,
}

/// Builds the request for checking `item_id` again: its address, its case, and what it
/// answered then.
pub fn request_for(vault: &Vault, item_id: &str) -> Result<(String, super::WebRequest), WebError> {
    let view = vault.item(item_id)?;
    let r = &view.record;
    if r.kind != ItemKind::WebPage {
        return Err(WebError::Input(format!(
            "item {} is not a web page capture, so there is no address to check again. Capture the screen instead",
            r.id
        )));
    }
    let capture = r.capture.as_ref();
    let url = capture
        .and_then(|c| c.get("url"))
        .and_then(|u| u.as_str())
        .ok_or_else(|| WebError::Input(format!("item {} does not record the address it captured", r.id)))?;
    let check = CheckAgain {
        item_id: r.id.clone(),
        captured_at: r.captured_at.clone(),
        status: capture
            .and_then(|c| c.get("status"))
            .and_then(|s| s.as_u64())
            .and_then(|s| u16::try_from(s).ok()),
        body_sha256: r
            .artifacts
            .iter()
            .find(|a| a.role == "response_body")
            .map(|a| a.sha256.clone()),
    };
    // The person already chose to keep this site despite its certificate: the second
    // look does the same (and records it again).
    let accepted = capture
        .and_then(|c| c.get("invalid_certificate_accepted_by_user"))
        .and_then(serde_json::Value::as_bool)
        .unwrap_or(false);
    let request = super::WebRequest {
        url: url.to_owned(),
        check_again: Some(check),
        limits: super::Limits {
            accept_invalid_certificate: accepted,
            ..super::Limits::default()
        },
        ..super::WebRequest::default()
    };
    Ok((r.case_id.clone(), request))
}

/// Compares the new final response with the earlier capture's; `kept` is its body as it
/// is stored (login secrets removed), as the earlier one was.
pub(super) fn compare(then: &CheckAgain, last: &Exchange, kept: &[u8]) -> Comparison {
    let body = hex::encode(Sha256::digest(kept));
    let same_body = then.body_sha256.as_deref() == Some(body.as_str());
    let verdict = match last.status {
        200..=299 if same_body => "still up, unchanged".to_owned(),
        200..=299 => "still up, changed".to_owned(),
        s => format!("gone (status {s})"),
    };
    Comparison {
        item_id: then.item_id.clone(),
        status_then: then.status,
        status_now: last.status,
        same_body,
        verdict,
    }
}
