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

/// What signing a receipt in "Check a bundle" gave.
#[derive(serde::Serialize)]
pub struct SignedReceipt {
    /// RECEIPT.json, beside the bundle.
    path: PathBuf,
    /// The same as text.
    text_path: PathBuf,
    /// The recipient key's fingerprint, to read out to the sender.
    fingerprint: String,
    /// Whether the key was made just now (first use).
    new_key: bool,
    /// What the checks found.
    verdict: String,
}

/// For the recipient: checks the bundle at `path` again and signs a receipt with their
/// own key (made on first use under `key_passphrase`, kept in Safekeep's settings folder
/// or `SAFEKEEP_RECIPIENT_KEY`), written beside the bundle as `NAME-receipt.json`.
#[tauri::command(async)]
pub fn sign_receipt(
    state: State<'_, AppState>,
    path: PathBuf,
    bundle_passphrase: Option<crate::secret::Secret>,
    name: String,
    organisation: String,
    key_passphrase: crate::secret::Secret,
) -> Result<SignedReceipt> {
    let key_path = safekeep_core::paths::recipient_key(None).ok_or_else(|| {
        UiError::new(
            "no_dir",
            "There is no settings folder to keep your recipient key in.",
        )
    })?;
    let (key, new_key) = safekeep_core::receipt::load_or_create_key(
        &key_path,
        key_passphrase.as_str(),
        safekeep_core::receipt::KEY_WORK_FACTOR,
        &mut rand::rng(),
    )?;
    let bundle_key = bundle_passphrase
        .filter(|_| safekeep_core::bundle::encrypted::is_encrypted(&path))
        .map(|p| safekeep_core::bundle::BundleKey::Passphrase(p.into_inner()));
    let now = safekeep_core::clock::utc_rfc3339(&chrono::Local::now().fixed_offset());
    let mut receipt =
        safekeep_core::receipt::sign(&path, bundle_key.as_ref(), &name, &organisation, &key, &now)?;
    // Time-stamped when this computer's vault is open with timestamping on; a failure
    // leaves the receipt signed and complete without it.
    let stamper = state
        .vault()
        .ok()
        .and_then(|v| safekeep_capture::timestamp::bundle_stamper(&v).ok().flatten());
    if let Some(got) = stamper.and_then(|s| receipt.timestamp_imprint().ok().and_then(|i| s.0(&i).ok())) {
        let _ = receipt.add_timestamp(&got.tsa, &got.token, &got.chain_pem);
    }
    let file = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = file.trim_end_matches(".age").trim_end_matches(".zip");
    let out = path.with_file_name(format!("{stem}-receipt.json"));
    let text_path = receipt.save(&out)?;
    Ok(SignedReceipt {
        path: out,
        text_path,
        fingerprint: receipt.recipient.key_fingerprint,
        new_key,
        verdict: receipt.verdict,
    })
}
