//! Conversation exports: "Add a conversation export", and the conversation view's pages,
//! search, jump to a date and "Mark as exhibit". Each command calls one core function.

use std::path::PathBuf;
use std::sync::atomic::Ordering;

use safekeep_core::item::Context;
use safekeep_core::vault::{Annotation, BatchProgress, ChatFormat, DateOrder, MessagePage, ReadOptions};
use serde::Deserialize;
use tauri::State;
use tauri::ipc::Channel;

use crate::error::UiError;
use crate::state::AppState;

type Result<T> = std::result::Result<T, UiError>;

/// How to read the export, as the page says it (every field optional: detected).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatOptions {
    format: Option<ChatFormat>,
    zone: Option<String>,
    date_order: Option<DateOrder>,
}

impl From<ChatOptions> for ReadOptions {
    fn from(o: ChatOptions) -> Self {
        Self {
            format: o.format,
            zone: o.zone.filter(|z| !z.trim().is_empty()),
            date_order: o.date_order,
        }
    }
}

/// Seals a conversation export (a zip, a folder or loose files) as one item; returns its id.
#[tauri::command(async)]
pub fn import_conversation(
    state: State<'_, AppState>,
    case_id: String,
    paths: Vec<PathBuf>,
    options: ChatOptions,
    on_progress: Channel<BatchProgress>,
) -> Result<String> {
    state.cancel_import.store(false, Ordering::SeqCst);
    let record = state.vault()?.import_conversation(
        &case_id,
        &paths,
        &options.into(),
        Context::default(),
        &mut |p| drop(on_progress.send(p)),
        &|| state.cancel_import.load(Ordering::SeqCst),
    )?;
    Ok(record.id)
}

/// Reads an export already kept as an item of its own (a chat received from a phone) into
/// a conversation item of the same case; returns the new item's id.
#[tauri::command(async)]
pub fn import_conversation_from_item(
    state: State<'_, AppState>,
    item_id: String,
    options: ChatOptions,
) -> Result<String> {
    let record =
        state
            .vault()?
            .import_conversation_from_item(&item_id, &options.into(), Context::default())?;
    Ok(record.id)
}

/// `limit` messages of a conversation from number `from`, and how many it has.
#[tauri::command(async)]
pub fn message_page(
    state: State<'_, AppState>,
    item_id: String,
    from: u32,
    limit: u32,
) -> Result<MessagePage> {
    Ok(state.vault()?.message_page(&item_id, from, limit)?)
}

/// The numbers of the messages that hold every word searched for.
#[tauri::command(async)]
pub fn find_messages(state: State<'_, AppState>, item_id: String, words: String) -> Result<Vec<u32>> {
    Ok(state.vault()?.find_messages(&item_id, &words)?)
}

/// The number of the first message sent on or after `date` (YYYY-MM-DD).
#[tauri::command(async)]
pub fn message_on(state: State<'_, AppState>, item_id: String, date: String) -> Result<Option<u32>> {
    Ok(state.vault()?.message_on(&item_id, &date)?)
}

/// Marks messages `from..=to` as an exhibit (an annotation; the conversation is unchanged).
#[tauri::command(async)]
pub fn mark_messages(
    state: State<'_, AppState>,
    item_id: String,
    from: u32,
    to: u32,
    note: Option<String>,
) -> Result<Annotation> {
    Ok(state.vault()?.mark_messages(&item_id, from, to, note)?)
}
