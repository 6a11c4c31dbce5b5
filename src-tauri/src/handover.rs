//! Handing a case over: "Open it as a case" after a bundle passed every check, and the
//! case page's note of where a case came from. Both are one call into the vault.

use std::path::PathBuf;

use safekeep_core::bundle::BundleKey;
use safekeep_core::vault::{Handover, ImportedCase};
use tauri::State;

use crate::error::UiError;
use crate::state::AppState;

type Result<T> = std::result::Result<T, UiError>;

/// Opens the bundle at `path` (with `passphrase` when it is encrypted) as a case of the
/// open vault. The vault checks it in full again first; nothing is stored unless it passes.
#[tauri::command(async)]
pub fn import_case(
    state: State<'_, AppState>,
    path: PathBuf,
    passphrase: Option<crate::secret::Secret>,
) -> Result<ImportedCase> {
    let key = passphrase
        .filter(|p| !p.is_empty())
        .map(|p| BundleKey::Passphrase(p.into_inner()));
    Ok(state.vault()?.import_case(&path, key.as_ref(), &|_| {})?)
}

/// The hand-overs recorded in a case, oldest first.
#[tauri::command(async)]
pub fn case_handovers(state: State<'_, AppState>, case_id: String) -> Result<Vec<Handover>> {
    Ok(state.vault()?.handovers(&case_id)?)
}
