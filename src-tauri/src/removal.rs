//! Removal requests (docs/removal.md): the person's details, what to do before
//! reporting, drafting (with an RDAP look-up only when asked), sending recorded by the
//! person, and the clock. Safekeep sends nothing. The vault is never held while the
//! registries are asked.

use std::path::PathBuf;

use chrono::Utc;
use safekeep_core::removal::person::Person;
use safekeep_core::removal::requests::BeforeReporting;
use safekeep_core::removal::{self, DraftOptions, Drafted, RequestKind, RequestStatus, deadline};
use serde::Deserialize;
use tauri::State;

use crate::error::UiError;
use crate::state::AppState;

type Result<T> = std::result::Result<T, UiError>;

/// What the page asks to draft.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DraftRequest {
    item_id: String,
    kind: String,
    address: Option<String>,
    on_behalf_of: Option<String>,
    synthetic: Option<bool>,
    #[serde(default)]
    search_results: Vec<String>,
    /// Ask the registries for the host's abuse contact first.
    #[serde(default)]
    rdap: bool,
}

/// The person's saved details, if any.
#[tauri::command(async)]
pub fn removal_person(state: State<'_, AppState>) -> Result<Option<Person>> {
    Ok(state.vault()?.removal_person()?)
}

/// Saves the person's details (kept in the encrypted vault only).
#[tauri::command(async)]
pub fn set_removal_person(state: State<'_, AppState>, person: Person) -> Result<()> {
    Ok(state.vault()?.set_removal_person(&person)?)
}

/// Addresses not captured yet and the helpline's advice.
#[tauri::command(async)]
pub fn removal_before(state: State<'_, AppState>, case_id: String) -> Result<BeforeReporting> {
    Ok(state.vault()?.before_reporting(&case_id)?)
}

/// Drafts a request; with `rdap`, first looks up the abuse contacts (vault not held).
#[tauri::command(async)]
pub fn draft_removal(state: State<'_, AppState>, request: DraftRequest) -> Result<Drafted> {
    if request.rdap {
        let address = state
            .vault()?
            .address_for(&request.item_id, request.address.as_deref())?;
        let found = safekeep_capture::rdap::look_up(&address, &bootstrap());
        let mut vault = state.vault()?;
        for body in found {
            vault.annotate(&request.item_id, body)?;
        }
    }
    let opts = DraftOptions {
        kind: RequestKind::parse(&request.kind)?,
        item: request.item_id,
        address: request.address.filter(|a| !a.trim().is_empty()),
        on_behalf_of: request.on_behalf_of.filter(|a| !a.trim().is_empty()),
        synthetic: request.synthetic,
        search_results: request.search_results,
    };
    Ok(state.vault()?.draft_removal(&opts)?)
}

/// Every request of a case with its clock now, in this computer's zone.
#[tauri::command(async)]
pub fn removal_requests(state: State<'_, AppState>, case_id: String) -> Result<Vec<RequestStatus>> {
    let vault = state.vault()?;
    let now = vault.clock().now().with_timezone(&Utc);
    Ok(vault.removal_requests(&case_id, now, deadline::zone(None)?)?)
}

/// Records when the person sent a request (`at`: local `YYYY-MM-DDTHH:MM`; none: now).
#[tauri::command(async)]
pub fn mark_removal_sent(
    state: State<'_, AppState>,
    request_id: String,
    at: Option<String>,
    reference: Option<String>,
) -> Result<RequestStatus> {
    let mut vault = state.vault()?;
    let zone = deadline::zone(None)?;
    let now = vault.clock().now().with_timezone(&Utc);
    let at = match at.filter(|a| !a.trim().is_empty()) {
        Some(a) => deadline::parse_sent(&a, zone)?,
        None => now,
    };
    vault.mark_removal_sent(&request_id, at, reference)?;
    Ok(vault.removal_status(&request_id, now, zone)?)
}

/// Records what became of a request.
#[tauri::command(async)]
pub fn removal_outcome(state: State<'_, AppState>, request_id: String, outcome: String) -> Result<()> {
    state.vault()?.removal_outcome(&request_id, &outcome)?;
    Ok(())
}

/// Drafts the follow-up of a sent request.
#[tauri::command(async)]
pub fn removal_follow_up(state: State<'_, AppState>, request_id: String) -> Result<Drafted> {
    let mut vault = state.vault()?;
    let now = vault.clock().now().with_timezone(&Utc);
    Ok(vault.draft_follow_up(&request_id, now, deadline::zone(None)?)?)
}

/// A request's full text, to copy.
#[tauri::command(async)]
pub fn removal_text(state: State<'_, AppState>, request_id: String) -> Result<String> {
    Ok(state.vault()?.removal_text(&request_id)?.1)
}

/// Saves a request as a PDF where the person chose (never over a file).
#[tauri::command(async)]
pub fn save_removal_pdf(state: State<'_, AppState>, request_id: String, path: PathBuf) -> Result<()> {
    let (title, text) = state.vault()?.removal_text(&request_id)?;
    Ok(removal::pdf::save_request_pdf(&title, &text, &path)?)
}

/// Where the RDAP bootstrap files are: IANA's; `SAFEKEEP_RDAP_BOOTSTRAP` (a test's local
/// server) only in debug builds, so that nothing in a person's environment can point
/// the look-up elsewhere.
fn bootstrap() -> String {
    if cfg!(debug_assertions)
        && let Ok(given) = std::env::var("SAFEKEEP_RDAP_BOOTSTRAP")
    {
        return given;
    }
    removal::rdap::IANA_BOOTSTRAP.to_owned()
}
