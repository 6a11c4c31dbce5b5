//! Receipts on the case page: a receipt file dropped on the case or chosen with "Add a
//! receipt…" is checked and recorded by the vault; the case page lists them.

use std::path::PathBuf;

use safekeep_core::vault::ReceivedReceipt;
use tauri::State;

use crate::error::UiError;
use crate::state::AppState;

type Result<T> = std::result::Result<T, UiError>;

/// Adds the receipt at `path` to the case. `None` when the file is not a receipt at all
/// (the page then imports it as evidence, as it would any dropped file).
#[tauri::command(async)]
pub fn add_receipt(
    state: State<'_, AppState>,
    case_id: String,
    path: PathBuf,
) -> Result<Option<ReceivedReceipt>> {
    let bytes = std::fs::read(&path)
        .map_err(|e| UiError::new("bad_input", format!("{} cannot be read: {e}", path.display())))?;
    if !safekeep_core::receipt::looks_like_receipt(&bytes) {
        return Ok(None);
    }
    Ok(Some(state.vault()?.add_receipt(&case_id, &bytes)?))
}

/// The receipts recorded in a case.
#[tauri::command(async)]
pub fn case_receipts(state: State<'_, AppState>, case_id: String) -> Result<Vec<ReceivedReceipt>> {
    Ok(state.vault()?.receipts(&case_id)?)
}
