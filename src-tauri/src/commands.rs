//! The commands the page calls. Each parses its arguments, calls one `safekeep-core`
//! function, and maps the error to `{code, message}`.

use safekeep_core::Coded;
use std::path::PathBuf;
use std::sync::atomic::Ordering;

use safekeep_core::bundle::encrypted::DEFAULT_WORK_FACTOR;
use safekeep_core::bundle::report_pdf::SavedReport;
use safekeep_core::bundle::{
    BundleEncryption, BundleKey, ExportOptions, ExportProgress, ExportSummary, ReportOptions, VerifyReport,
    verify,
};
use safekeep_core::db::cases::CaseRow;
use safekeep_core::item::Context;
use safekeep_core::takedown::Takedown;
use safekeep_core::vault::{
    Annotation, AnnotationBody, BackupSummary, BatchProgress, Facets, Imported, ItemView, LastBackup,
    Protection, TimelinePage, TimelineQuery,
};
use safekeep_core::{Environment, Vault};
use serde::Serialize;
use tauri::ipc::{Channel, Response};
use tauri::{AppHandle, State, WebviewWindow};

use crate::error::UiError;
use crate::secret::Secret;
use crate::settings::Settings;
use crate::state::{APP_VERSION, AppState};

type Result<T> = std::result::Result<T, UiError>;

/// What the first screen needs to know.
#[derive(Serialize)]
pub struct Status {
    vault_dir: Option<PathBuf>,
    /// A vault is open and ready.
    ready: bool,
    /// An encrypted vault is there, waiting for its passphrase.
    locked: bool,
    /// The open vault is encrypted (false: an older, unencrypted vault).
    encrypted: bool,
    initials: Option<String>,
    fingerprint: Option<String>,
    auto_lock_seconds: u64,
    /// New captures record the computer's name.
    records_host_name: bool,
    /// The unlock before this one (RFC 3339), so the person notices an opening that was
    /// not theirs; kept inside the encrypted database.
    last_opened: Option<String>,
    problem: Option<UiError>,
}

/// Says whether a vault is there, locked or open, where, and its key fingerprint.
#[tauri::command]
pub fn app_status(state: State<'_, AppState>) -> Result<Status> {
    let dir = state.vault_dir.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let problem = state.open_error.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let auto_lock_seconds = state.auto_lock_seconds.load(Ordering::SeqCst);
    let locked = dir
        .as_deref()
        .is_some_and(|d| safekeep_core::vault::protection(d) == Protection::Encrypted);
    Ok(match state.vault() {
        Ok(v) => Status {
            vault_dir: dir,
            ready: true,
            locked: false,
            encrypted: v.is_encrypted(),
            initials: v.producer_initials()?,
            fingerprint: Some(v.key().fingerprint()),
            auto_lock_seconds,
            records_host_name: v.records_host_name(),
            last_opened: v.previous_opening()?,
            problem: None,
        },
        Err(_) => Status {
            vault_dir: dir,
            ready: false,
            locked,
            encrypted: locked,
            initials: None,
            fingerprint: None,
            auto_lock_seconds,
            records_host_name: true,
            last_opened: None,
            problem,
        },
    })
}

/// What first run gives back: the recovery key, to be shown once.
#[derive(Serialize)]
pub struct SetUp {
    status: Status,
    recovery_key: Option<String>,
}

/// First run: creates the encrypted vault in `dir` (default: the usual place) and
/// records the producer's initials. If `dir` already holds a vault, it is used instead
/// (locked until its own passphrase is given).
#[tauri::command(async)]
pub fn setup_vault(
    state: State<'_, AppState>,
    dir: Option<PathBuf>,
    initials: String,
    passphrase: Secret,
) -> Result<SetUp> {
    let mut settings = Settings::load();
    let dir = dir
        .or_else(|| settings.vault_dir())
        .ok_or_else(|| UiError::new("no_dir", "Choose a folder for the vault."))?;
    // A folder that already holds a vault is opened (or offered for unlocking), never replaced.
    let (vault, recovery_key) = match safekeep_core::vault::protection(&dir) {
        Protection::Encrypted => (None, None),
        Protection::Plain => (
            Some(Vault::open(&dir, Environment::system(APP_VERSION), None)?),
            None,
        ),
        Protection::None => {
            let mut v = Vault::init(&dir, Environment::system(APP_VERSION), Some(passphrase.as_str()))?;
            v.set_producer_initials(&initials)?;
            let key = v.take_recovery_key().map(|k| k.as_str().to_owned());
            (Some(v), key)
        }
    };
    settings.vault_dir = Some(dir.clone());
    settings
        .save()
        .map_err(|e| UiError::new("settings", format!("Could not save the app's settings: {e}")))?;
    *state.vault_dir.lock().unwrap_or_else(|p| p.into_inner()) = Some(dir);
    *state.vault.lock().unwrap_or_else(|p| p.into_inner()) = vault;
    *state.open_error.lock().unwrap_or_else(|p| p.into_inner()) = None;
    Ok(SetUp {
        status: app_status(state)?,
        recovery_key,
    })
}

/// Lists cases.
#[tauri::command(async)]
pub fn list_cases(state: State<'_, AppState>) -> Result<Vec<CaseRow>> {
    Ok(state.vault()?.cases()?)
}

/// Whether new captures record this computer's name.
#[tauri::command(async)]
pub fn set_record_host_name(state: State<'_, AppState>, on: bool) -> Result<()> {
    Ok(state.vault()?.set_records_host_name(on)?)
}

/// Creates a case and returns its id.
#[tauri::command(async)]
pub fn create_case(state: State<'_, AppState>, title: String) -> Result<String> {
    Ok(state.vault()?.create_case(&title)?)
}

/// Renames a case.
#[tauri::command(async)]
pub fn rename_case(state: State<'_, AppState>, case_id: String, title: String) -> Result<()> {
    Ok(state.vault()?.rename_case(&case_id, &title)?)
}

/// Where and when the vault was last backed up.
#[tauri::command(async)]
pub fn last_backup(state: State<'_, AppState>) -> Result<Option<LastBackup>> {
    Ok(state.vault()?.last_backup()?)
}

/// Backs the vault up into `dir`, or into the folder of the last backup.
#[tauri::command(async)]
pub fn backup_vault(
    state: State<'_, AppState>,
    dir: Option<PathBuf>,
    on_progress: Channel<(u64, u64)>,
) -> Result<BackupSummary> {
    let mut vault = state.vault()?;
    let mut progress = |done, total| drop(on_progress.send((done, total)));
    Ok(match dir {
        Some(dir) => vault.backup(&dir, &mut progress)?,
        None => vault.backup_again(&mut progress)?,
    })
}

/// One page of a case's timeline, searched and filtered by the vault (never the whole
/// case: a case can hold tens of thousands of items).
#[tauri::command(async)]
pub fn timeline_page(
    state: State<'_, AppState>,
    case_id: String,
    query: TimelineQuery,
) -> Result<TimelinePage> {
    Ok(state.vault()?.timeline(&case_id, &query)?)
}

/// The kinds, platforms and tags of a case's items, with counts, for the timeline's filters.
#[tauri::command(async)]
pub fn timeline_facets(state: State<'_, AppState>, case_id: String) -> Result<Facets> {
    Ok(state.vault()?.timeline_facets(&case_id)?)
}

/// Reads one item with its annotations.
#[tauri::command(async)]
pub fn get_item(state: State<'_, AppState>, item_id: String) -> Result<ItemView> {
    Ok(state.vault()?.item(&item_id)?)
}

/// One file's outcome in a batch import: a new item, one the case already had
/// (`already: true`), or an error.
#[derive(Serialize)]
pub struct ImportResult {
    path: PathBuf,
    item_id: Option<String>,
    already: bool,
    error: Option<UiError>,
}

impl From<(PathBuf, safekeep_core::vault::Result<Imported>)> for ImportResult {
    fn from((path, r): (PathBuf, safekeep_core::vault::Result<Imported>)) -> Self {
        let (item_id, already, error) = match r {
            Ok(Imported::New(item)) => (Some(item.id), false, None),
            Ok(Imported::AlreadyInCase { item_id }) => (Some(item_id), true, None),
            Err(e) => (None, false, Some(e.into())),
        };
        Self {
            path,
            item_id,
            already,
            error,
        }
    }
}

/// Imports files and folders (one item per file), reporting progress; cancel stops
/// between files.
#[tauri::command(async)]
pub fn import_files(
    state: State<'_, AppState>,
    case_id: String,
    paths: Vec<PathBuf>,
    context: Context,
    on_progress: Channel<BatchProgress>,
) -> Result<Vec<ImportResult>> {
    state.cancel_import.store(false, Ordering::SeqCst);
    let results = state.vault()?.import_files(
        &case_id,
        &paths,
        &context,
        &mut |p| drop(on_progress.send(p)),
        &|| state.cancel_import.load(Ordering::SeqCst),
    )?;
    Ok(results.into_iter().map(ImportResult::from).collect())
}

/// Asks a running import to stop after the current file.
#[tauri::command]
pub fn cancel_import(state: State<'_, AppState>) {
    state.cancel_import.store(true, Ordering::SeqCst);
}

/// Records an incident-log entry and returns its item id.
#[tauri::command(async)]
pub fn add_note(
    state: State<'_, AppState>,
    case_id: String,
    text: String,
    context: Context,
) -> Result<String> {
    Ok(state.vault()?.add_note(&case_id, &text, context)?.id)
}

/// Adds an annotation to an item.
#[tauri::command(async)]
pub fn annotate(state: State<'_, AppState>, item_id: String, body: AnnotationBody) -> Result<Annotation> {
    Ok(state.vault()?.annotate(&item_id, body)?)
}

/// A case's takedown list: addresses, reports and where they stand, references, hashes.
#[tauri::command(async)]
pub fn takedown(state: State<'_, AppState>, case_id: String) -> Result<Takedown> {
    Ok(state.vault()?.takedown(&case_id)?)
}

/// Writes the case's takedown pack (CSV + text, no pictures) into `dir`.
#[tauri::command(async)]
pub fn save_takedown_pack(state: State<'_, AppState>, case_id: String, dir: PathBuf) -> Result<Vec<PathBuf>> {
    let vault = state.vault()?;
    let now = safekeep_core::clock::utc_rfc3339(&vault.clock().now());
    let t = vault.takedown_with_md5(&case_id)?;
    let written = safekeep_core::takedown::write_pack(&t, &dir, &now)
        .map_err(|e| UiError::new(e.code(), crate::error::capitalise(&e.to_string())))?;
    Ok(written.to_vec())
}

/// Withdraws an item captured by mistake, deleting its stored files; returns the other
/// items that hold the same files (which therefore stay).
#[tauri::command(async)]
pub fn withdraw(state: State<'_, AppState>, item_id: String, reason: String) -> Result<Vec<String>> {
    Ok(state.vault()?.withdraw(&item_id, &reason, true)?)
}

/// Largest file the page may preview.
const PREVIEW_LIMIT: u64 = 40 << 20;

/// Returns one stored file's bytes (checked against its hash) for a blurred preview.
#[tauri::command(async)]
pub fn artifact_bytes(state: State<'_, AppState>, item_id: String, index: usize) -> Result<Response> {
    let (_, bytes) = state.vault()?.artifact_bytes(&item_id, index, PREVIEW_LIMIT)?;
    Ok(Response::new(bytes))
}

/// Largest video the page may play (it is held in the page's memory while it plays).
const PLAY_LIMIT: u64 = 256 << 20;

/// Returns one stored video's bytes (checked against its hash) for the page's player,
/// which plays them from memory: WebKitGTK's player cannot read the app's own URL schemes.
#[tauri::command(async)]
pub fn video_bytes(state: State<'_, AppState>, item_id: String, index: usize) -> Result<Response> {
    let (media_type, bytes) = state.vault()?.artifact_bytes(&item_id, index, PLAY_LIMIT)?;
    if !safekeep_core::vpdq::is_video(&media_type) {
        return Err(UiError::new(
            "not_a_video",
            format!("File #{} is not a video.", index + 1),
        ));
    }
    Ok(Response::new(bytes))
}

/// A video's first frame, already blurred (JPEG), shown until the person plays it.
#[tauri::command(async)]
pub fn video_poster(state: State<'_, AppState>, item_id: String, index: usize) -> Result<Response> {
    Ok(Response::new(state.vault()?.video_poster(&item_id, index)?))
}

/// Exports a case as a bundle, reporting progress; with `passphrase`, encrypted (age).
#[tauri::command(async)]
pub fn export_case(
    state: State<'_, AppState>,
    case_id: String,
    exhibit_prefix: String,
    out: PathBuf,
    passphrase: Option<Secret>,
    unblurred_annex: bool,
    on_progress: Channel<ExportProgress>,
) -> Result<ExportSummary> {
    let encryption = passphrase.map(|p| BundleEncryption::Passphrase {
        passphrase: p.into_inner(),
        work_factor: DEFAULT_WORK_FACTOR,
    });
    crate::timestamp::drain(&state)?;
    let mut vault = state.vault()?;
    let options = ExportOptions {
        out: safekeep_core::bundle::export::output_path(out, encryption.is_some()),
        exhibit_prefix: exhibit_prefix.trim().to_uppercase(),
        encryption,
        timestamper: safekeep_capture::timestamp::bundle_stamper(&vault)?,
        report: ReportOptions {
            unblurred_annex,
            ..ReportOptions::default()
        },
    };
    Ok(vault.export(&case_id, &options, &mut |p| drop(on_progress.send(p)))?)
}

/// Saves a case's PDF report on its own (no bundle).
#[tauri::command(async)]
pub fn save_report(
    state: State<'_, AppState>,
    case_id: String,
    exhibit_prefix: String,
    out: PathBuf,
    unblurred_annex: bool,
) -> Result<SavedReport> {
    let options = ReportOptions {
        unblurred_annex,
        ..ReportOptions::default()
    };
    let prefix = exhibit_prefix.trim().to_uppercase();
    Ok(state.vault()?.save_report(&case_id, &prefix, options, &out)?)
}

/// Verifies a bundle (zip, encrypted .age with `passphrase`, or folder). Needs no vault.
#[tauri::command(async)]
pub fn verify_bundle(path: PathBuf, expect_key: Option<String>, passphrase: Option<Secret>) -> VerifyReport {
    let key = passphrase
        .filter(|p| !p.is_empty())
        .map(|p| BundleKey::Passphrase(p.into_inner()));
    verify::verify_path(
        &path,
        expect_key.as_deref().filter(|k| !k.trim().is_empty()),
        key.as_ref(),
        &|_| {},
    )
}

/// Quick exit: hides the window at once, locks the vault (zeroing its keys), then ends
/// the app. Everything already saved is safe; the next start opens locked.
#[tauri::command]
pub fn quick_exit(app: AppHandle, window: WebviewWindow, state: State<'_, AppState>) {
    let _ = window.hide();
    state.lock_vault_now();
    app.exit(0);
}
