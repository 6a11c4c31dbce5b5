//! Names for what the person saves outside the vault: neutral by default, and a warning
//! when a name they type gives the case away (`safekeep_core::neutral_name`).

use tauri::State;

use crate::error::UiError;
use crate::state::AppState;

/// A neutral file stem for a bundle, report or pack: today's date and a plain word.
#[tauri::command]
pub fn neutral_file_stem() -> String {
    safekeep_core::neutral_name::stem(chrono::Local::now().date_naive(), &mut rand::rng())
}

/// Whether the file name in `path` gives away the case's title.
#[tauri::command(async)]
pub fn file_name_names_case(
    state: State<'_, AppState>,
    case_id: String,
    path: String,
) -> Result<bool, UiError> {
    let case = state.vault()?.resolve_case(&case_id)?;
    Ok(safekeep_core::neutral_name::names_the_case(&path, &case.title))
}
