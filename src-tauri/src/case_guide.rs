//! The guided start's answers for a case (what is happening, on which platforms), kept
//! inside the vault so that the checklist comes back when the case is opened again.

use safekeep_core::vault::CaseGuide;
use tauri::State;

use crate::error::UiError;
use crate::state::AppState;

/// Reads a case's answers; none before the person answers.
#[tauri::command(async)]
pub fn case_guide(state: State<'_, AppState>, case_id: String) -> Result<Option<CaseGuide>, UiError> {
    Ok(state.vault()?.case_guide(&case_id)?)
}

/// Saves a case's answers (identifiers from `ui/guide/checklists.json`).
#[tauri::command(async)]
pub fn set_case_guide(state: State<'_, AppState>, case_id: String, guide: CaseGuide) -> Result<(), UiError> {
    Ok(state.vault()?.set_case_guide(&case_id, &guide)?)
}
