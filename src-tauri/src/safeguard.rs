//! The under-18 safeguard of a case (docs/safeguarding.md): thin commands over
//! `safekeep_core::vault::safeguard`.

use safekeep_core::vault::{Safeguard, SafeguardChange, Service, Under18};
use tauri::State;

use crate::error::UiError;
use crate::state::AppState;

type Result<T> = std::result::Result<T, UiError>;

/// Creates a case with the answer to the under-18 question (`null`: not answered).
#[tauri::command(async)]
pub fn create_case_answering(
    state: State<'_, AppState>,
    title: String,
    under18: Option<String>,
) -> Result<String> {
    let answer = under18.as_deref().map(Under18::parse).transpose()?;
    Ok(state.vault()?.create_case_answering(&title, answer)?)
}

/// The case's answer, whether it keeps pictures, and the services' references.
#[tauri::command(async)]
pub fn case_safeguard(state: State<'_, AppState>, case_id: String) -> Result<Safeguard> {
    Ok(state.vault()?.safeguard(&case_id)?)
}

/// Records a new answer; `withdraw` withdraws the case's pictures and videos with it.
#[tauri::command(async)]
pub fn answer_under_18(
    state: State<'_, AppState>,
    case_id: String,
    answer: String,
    withdraw: bool,
) -> Result<SafeguardChange> {
    Ok(state
        .vault()?
        .answer_under_18(&case_id, Under18::parse(&answer)?, withdraw)?)
}

/// Records the reference Report Remove or Take It Down gave.
#[tauri::command(async)]
pub fn record_service_reference(
    state: State<'_, AppState>,
    case_id: String,
    service: String,
    reference: String,
) -> Result<()> {
    Ok(state
        .vault()?
        .record_service_reference(&case_id, Service::parse(&service)?, &reference)?)
}
