//! Safekeep's desktop app: a thin Tauri shell. Every command calls one function of
//! `safekeep-core`, the same one the CLI and the tests use; no evidence logic lives here.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod backups;
mod browser;
mod capture;
mod case_guide;
mod commands;
mod conversation;
mod error;
mod file_dialog;
mod fingerprints;
mod handover;
mod languages;
mod lock;
mod lockout;
mod names;
mod neutral_look;
mod phone;
mod receipts;
mod recording;
mod removal;
mod safeguard;
mod secret;
mod settings;
mod state;
mod timestamp;

fn main() {
    if file_dialog::run_if_child() {
        return;
    }
    if let Err(e) = safekeep_core::process_privacy::protect() {
        eprintln!("Safekeep could not keep its memory out of crash files ({e}); continuing");
    }
    // SIGTERM (logging out), SIGHUP: end the browser and remove its folders first.
    if let Err(e) = safekeep_capture::process::end_with_signals() {
        eprintln!("Safekeep could not watch for being ended ({e}); continuing");
    }
    let state = state::AppState::load();
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_opener::init())
        .manage(state)
        .setup(|app| {
            neutral_look::apply_at_start(app.handle());
            lock::spawn_auto_lock(app.handle().clone());
            timestamp::spawn_retry(app.handle().clone());
            fingerprints::spawn_worker(app.handle().clone());
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            capture::capture_targets,
            safeguard::create_case_answering,
            safeguard::case_safeguard,
            safeguard::answer_under_18,
            safeguard::record_service_reference,
            capture::capture_screen,
            capture::capture_url,
            recording::record_screen,
            phone::phone_receive_start,
            phone::phone_receive_decide,
            phone::phone_receive_stop,
            browser::browser_open,
            browser::browser_capture,
            browser::browser_close,
            browser::browser_keep_downloads,
            browser::browser_forget,
            browser::browser_state,
            lock::unlock,
            lock::recover,
            lock::lock,
            lock::change_passphrase,
            lock::rotate_keys,
            lock::new_recovery_key,
            lock::encrypt_vault,
            lock::set_auto_lock,
            lock::touch,
            commands::app_status,
            commands::setup_vault,
            backups::restore_vault,
            backups::backup_reminder,
            backups::set_backup_reminder,
            backups::backup_reminder_on,
            commands::list_cases,
            commands::set_record_host_name,
            commands::create_case,
            case_guide::case_guide,
            case_guide::set_case_guide,
            neutral_look::neutral_look,
            neutral_look::set_neutral_look,
            commands::rename_case,
            commands::timeline_page,
            commands::last_backup,
            commands::backup_vault,
            commands::timeline_facets,
            commands::get_item,
            commands::import_files,
            handover::import_case,
            handover::case_handovers,
            receipts::add_receipt,
            receipts::case_receipts,
            receipts::sign_receipt,
            conversation::import_conversation,
            conversation::import_conversation_from_item,
            conversation::message_page,
            conversation::find_messages,
            conversation::message_on,
            conversation::mark_messages,
            commands::cancel_import,
            commands::add_note,
            commands::annotate,
            commands::withdraw,
            commands::takedown,
            commands::save_takedown_pack,
            removal::removal_person,
            removal::set_removal_person,
            removal::removal_before,
            removal::draft_removal,
            removal::removal_requests,
            removal::mark_removal_sent,
            removal::removal_outcome,
            removal::removal_follow_up,
            removal::removal_text,
            removal::save_removal_pdf,
            commands::artifact_bytes,
            commands::video_bytes,
            commands::video_poster,
            commands::export_case,
            file_dialog::choose_paths,
            names::neutral_file_stem,
            names::file_name_names_case,
            commands::save_report,
            commands::verify_bundle,
            commands::quick_exit,
            languages::ui_languages,
            timestamp::timestamp_status,
            timestamp::enable_timestamps,
            timestamp::disable_timestamps,
            timestamp::timestamp_now,
        ])
        .build(tauri::generate_context!());
    match result {
        Ok(app) => app.run(|app, event| {
            if let tauri::RunEvent::Exit = event {
                on_exit(app);
            }
        }),
        Err(e) => {
            eprintln!("Safekeep could not start: {e}");
            std::process::exit(1);
        }
    }
}

/// The app is ending (its window closed, or quit): Safekeep's browser is closed with its
/// logins kept, the vault locked, then every program Safekeep started is ended and their
/// private folders removed, before the process goes (docs/security.md § "Nothing left
/// behind").
fn on_exit(app: &tauri::AppHandle) {
    use tauri::Manager;
    if let Some(state) = app.try_state::<state::AppState>() {
        state.lock_vault_at_exit();
    }
    safekeep_capture::web::browser::kill_all_now();
}
