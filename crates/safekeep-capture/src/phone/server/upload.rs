//! `upload` and `cancel`: each file's body passed to the vault as it arrives, and the
//! transfer's end.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

use http_body_util::BodyExt;
use hyper::Request;
use hyper::StatusCode;
use hyper::body::Incoming;
use tokio::sync::watch;

use super::super::session::constant_time_eq;
use super::super::store::bytes_channel::{Chunk, ChunkReader};
use super::super::store::{self, Refusal, Stored};
use super::{FileState, PROGRESS_STEP, Reply, STALL, Shared, text};
use crate::phone::ReceiveEvent;

pub(super) async fn upload(
    req: Request<Incoming>,
    query: HashMap<String, String>,
    shared: &Arc<Shared>,
    ip: IpAddr,
) -> Reply {
    let (Some(session), Some(file_id), Some(token)) =
        (query.get("sessionId"), query.get("fileId"), query.get("token"))
    else {
        return text(
            StatusCode::BAD_REQUEST,
            "sessionId, fileId and token are required",
        );
    };
    let (offer, sender, mut cancel, transfer_id, done_before, total) = {
        let mut state = shared.state();
        let Some(t) = state
            .transfer
            .as_mut()
            .filter(|t| t.id == *session && t.sender.address == ip)
        else {
            return text(StatusCode::FORBIDDEN, "no such transfer from this address");
        };
        let Some(p) = t
            .files
            .get_mut(file_id)
            .filter(|p| constant_time_eq(p.token.as_bytes(), token.as_bytes()))
        else {
            return text(StatusCode::FORBIDDEN, "invalid token");
        };
        if p.state != FileState::Waiting {
            return text(StatusCode::CONFLICT, "this file was already sent");
        }
        p.state = FileState::Receiving;
        (
            p.offer.clone(),
            t.sender.clone(),
            t.cancel.subscribe(),
            t.id.clone(),
            t.done,
            t.total,
        )
    };
    let (tx, rx) = tokio::sync::mpsc::channel::<Chunk>(16);
    let worker = {
        let shared = Arc::clone(shared);
        let offer = offer.clone();
        let transfer = transfer_id.clone();
        tokio::task::spawn_blocking(move || {
            let mut reader = ChunkReader::new(rx);
            let mut stored = Stored::Refused(Refusal::Locked);
            let case = shared.options.case_id.clone();
            let mut reported = 0u64;
            shared.vault.with_vault(&mut |v| {
                stored = store::receive_file(
                    v,
                    &case,
                    &shared.me.fingerprint,
                    &sender,
                    &offer,
                    &mut reader,
                    &mut |n| {
                        if n >= reported + PROGRESS_STEP || n == offer.size {
                            reported = n;
                            shared.emit(ReceiveEvent::Progress {
                                transfer: transfer.clone(),
                                file_name: offer.file_name.clone(),
                                file_done: n,
                                file_size: offer.size,
                                done: done_before + n,
                                total,
                            });
                        }
                    },
                );
            });
            stored
        })
    };
    pump(req.into_body(), &tx, offer.size, &mut cancel).await;
    drop(tx);
    let stored = worker
        .await
        .unwrap_or_else(|e| Stored::Refused(Refusal::Vault(e.to_string())));
    let conversation = match &stored {
        Stored::Kept(item_id, media_type) => {
            let (shared, item_id, media_type) = (Arc::clone(shared), item_id.clone(), media_type.clone());
            let (name, size) = (offer.file_name.clone(), offer.size);
            tokio::task::spawn_blocking(move || {
                store::chat_export(shared.vault.as_ref(), &item_id, &name, &media_type, size)
            })
            .await
            .ok()
            .flatten()
        }
        Stored::Refused(_) => None,
    };
    let reply = match &stored {
        Stored::Kept(item_id, _) => {
            shared.emit(ReceiveEvent::Kept {
                transfer: transfer_id.clone(),
                item_id: item_id.clone(),
                file_name: offer.file_name.clone(),
                size: offer.size,
                conversation,
            });
            text(StatusCode::OK, "")
        }
        Stored::Refused(why) => {
            shared.emit(ReceiveEvent::Refused {
                transfer: transfer_id.clone(),
                file_name: offer.file_name.clone(),
                reason: why.to_string(),
            });
            let status = match why {
                Refusal::WrongHash { .. } | Refusal::WrongSize { .. } => StatusCode::UNPROCESSABLE_ENTITY,
                Refusal::CutOff(_) => StatusCode::BAD_REQUEST,
                Refusal::NoImages(_) | Refusal::NoImagesZip => StatusCode::FORBIDDEN,
                Refusal::Locked | Refusal::Vault(_) => StatusCode::INTERNAL_SERVER_ERROR,
            };
            text(status, &why.to_string())
        }
    };
    file_over(
        shared,
        &transfer_id,
        file_id,
        matches!(stored, Stored::Kept(..)),
        offer.size,
    );
    reply
}

/// Passes the body on in chunks, ending with [`Chunk::End`] only when exactly `size`
/// bytes came and the body ended; else [`Chunk::Fail`].
async fn pump(
    mut body: Incoming,
    tx: &tokio::sync::mpsc::Sender<Chunk>,
    size: u64,
    cancel: &mut watch::Receiver<bool>,
) {
    let mut got = 0u64;
    // A whole-file deadline besides the stall limit: an upload holds the vault open (the
    // auto-lock waits for it), so a sender trickling a byte a minute must not hold it for
    // ever. A minute, plus the declared size at 256 KiB/s (phones send megabytes a second).
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(60 + size / (256 * 1024));
    let end = loop {
        let frame = tokio::select! {
            f = tokio::time::timeout(STALL, body.frame()) => f,
            _ = cancel.wait_for(|c| *c) => break Chunk::Fail("the transfer was cancelled".into()),
            () = tokio::time::sleep_until(deadline) => {
                break Chunk::Fail(format!("the upload was too slow: {got} of {size} bytes arrived in the time allowed"));
            }
        };
        match frame {
            Err(_) => break Chunk::Fail("nothing arrived for a minute".into()),
            Ok(None) if got == size => break Chunk::End,
            Ok(None) => break Chunk::Fail(format!("the upload stopped after {got} of {size} bytes")),
            Ok(Some(Err(e))) => {
                break Chunk::Fail(format!("the connection broke after {got} of {size} bytes ({e})"));
            }
            Ok(Some(Ok(frame))) => {
                let Ok(data) = frame.into_data() else { continue };
                got += data.len() as u64;
                if got > size {
                    break Chunk::Fail(format!("more than the {size} bytes announced arrived"));
                }
                if tx.send(Chunk::Data(data.to_vec())).await.is_err() {
                    return;
                }
            }
        }
    };
    let _ = tx.send(end).await;
}

/// Records a file as over; ends the transfer when none is left.
fn file_over(shared: &Shared, transfer: &str, file_id: &str, kept: bool, size: u64) {
    let mut state = shared.state();
    let Some(t) = state.transfer.as_mut().filter(|t| t.id == transfer) else {
        return;
    };
    if let Some(p) = t.files.get_mut(file_id) {
        p.state = FileState::Over;
    }
    t.done += size;
    if kept {
        t.kept += 1;
    } else {
        t.refused += 1;
    }
    if t.files.values().all(|p| p.state == FileState::Over) {
        let event = ReceiveEvent::Finished {
            transfer: t.id.clone(),
            kept: t.kept,
            refused: t.refused,
        };
        state.transfer = None;
        state.busy = false;
        drop(state);
        shared.emit(event);
    }
}

/// Ends the transfer `session` when the phone that sends it (same address) cancels:
/// uploads in progress fail, whole files stay kept, files not yet sent are counted as
/// refused.
pub(super) fn cancel(shared: &Shared, session: Option<&str>, ip: IpAddr) {
    let mut state = shared.state();
    let Some(t) = state
        .transfer
        .take_if(|t| Some(t.id.as_str()) == session && t.sender.address == ip)
    else {
        return;
    };
    let _ = t.cancel.send(true);
    let not_kept = t.files.values().filter(|p| p.state != FileState::Over).count();
    state.busy = false;
    drop(state);
    shared.emit(ReceiveEvent::Finished {
        transfer: t.id,
        kept: t.kept,
        refused: t.refused + not_kept,
    });
}
