//! `prepare-upload`: the PIN, the limits, the no-images safeguard, the person's answer,
//! and then the session and its tokens (or, for a text message, the note).

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::sync::Arc;

use hyper::Request;
use hyper::StatusCode;
use hyper::body::Incoming;
use tokio::sync::{oneshot, watch};

use super::super::protocol::{PrepareUpload, PrepareUploadAnswer};
use super::super::session::PinCheck;
use super::super::store::Sender;
use super::{FileState, Pending, Reply, Shared, Transfer, json, read_json, text, token};
use crate::phone::ReceiveEvent;

pub(super) async fn prepare_upload(
    req: Request<Incoming>,
    query: HashMap<String, String>,
    shared: &Arc<Shared>,
    ip: IpAddr,
    certificate: Option<String>,
) -> Reply {
    let check = shared.state().pin.check(query.get("pin").map(String::as_str));
    match check {
        PinCheck::Right => {}
        PinCheck::Missing => return text(StatusCode::UNAUTHORIZED, "PIN required"),
        PinCheck::Wrong { left } => {
            // Said once per wrong PIN; after the last one, refusals are silent (someone
            // guessing cannot flood the person's screen).
            shared.emit(ReceiveEvent::PinRefused { attempts_left: left });
            return match left {
                0 => text(StatusCode::TOO_MANY_REQUESTS, "too many wrong PINs"),
                _ => text(StatusCode::UNAUTHORIZED, "PIN required"),
            };
        }
        PinCheck::LockedOut => return text(StatusCode::TOO_MANY_REQUESTS, "too many wrong PINs"),
    }
    {
        let mut state = shared.state();
        if state.busy {
            return text(StatusCode::CONFLICT, "busy with another transfer");
        }
        state.busy = true;
    }
    // Released however this ends — an answer other than OK, or the phone giving up (the
    // connection closed, so this future is dropped while it waits for the person): a
    // transfer that went away must not leave the receiver refusing every later one.
    let mut claim = Claim { shared, held: true };
    let reply = prepare_upload_claimed(req, shared, ip, certificate).await;
    claim.held = reply.status() != StatusCode::OK;
    reply
}

/// The receiver held for one transfer while it is offered; see [`prepare_upload`].
struct Claim<'a> {
    shared: &'a Arc<Shared>,
    held: bool,
}

impl Drop for Claim<'_> {
    fn drop(&mut self) {
        if self.held {
            self.shared.state().busy = false;
        }
    }
}

/// Removes a transfer's question when its wait ends, however it ends, and tells the
/// screen when the phone went away before the person answered.
struct Asking<'a> {
    shared: &'a Arc<Shared>,
    transfer: String,
    answered: bool,
}

impl Drop for Asking<'_> {
    fn drop(&mut self) {
        let gone = self.shared.state().waiting.remove(&self.transfer).is_some();
        if gone && !self.answered {
            self.shared.emit(ReceiveEvent::Finished {
                transfer: self.transfer.clone(),
                kept: 0,
                refused: 0,
            });
        }
    }
}

/// The rest of `prepare-upload`, once this transfer holds the receiver (`busy`).
async fn prepare_upload_claimed(
    req: Request<Incoming>,
    shared: &Arc<Shared>,
    ip: IpAddr,
    certificate: Option<String>,
) -> Reply {
    let limits = shared.options.limits;
    let body = match read_json(req).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let mut offer = match PrepareUpload::parse(&body, limits.max_files) {
        Ok(o) => o,
        Err(e) => {
            shared.emit(ReceiveEvent::TransferRefused {
                reason: e.to_string(),
            });
            return text(StatusCode::BAD_REQUEST, &e.to_string());
        }
    };
    let too_big = offer.files.values().find(|f| f.size > limits.max_file_size);
    if let Some(f) = too_big {
        let reason = format!(
            "\"{}\" is {} bytes; at most {} bytes a file can be received",
            f.file_name, f.size, limits.max_file_size
        );
        shared.emit(ReceiveEvent::TransferRefused {
            reason: reason.clone(),
        });
        return text(StatusCode::PAYLOAD_TOO_LARGE, &reason);
    }
    if offer.total_size() > limits.max_total {
        let reason = format!("the transfer is over the limit of {} bytes", limits.max_total);
        shared.emit(ReceiveEvent::TransferRefused {
            reason: reason.clone(),
        });
        return text(StatusCode::PAYLOAD_TOO_LARGE, &reason);
    }
    let transfer_id = token();
    // Asked off the async threads: an upload in progress holds the vault.
    let no_images = {
        let shared = Arc::clone(shared);
        tokio::task::spawn_blocking(move || {
            let mut no_images = true;
            let case = shared.options.case_id.clone();
            shared
                .vault
                .with_vault(&mut |v| no_images = v.is_no_images_case(&case).unwrap_or(true));
            no_images
        })
        .await
        .unwrap_or(true)
    };
    if no_images && offer.message().is_none() && !drop_pictures(shared, &transfer_id, &mut offer) {
        return text(StatusCode::FORBIDDEN, "this case keeps no pictures or videos");
    }
    // "Accept from this phone" trusts a phone only by the certificate it proved it holds:
    // its name, announced fingerprint and address can all be copied by someone on the
    // network. A phone that shows none is asked about every time ("" is never trusted).
    let phone = certificate.clone().unwrap_or_default();
    if !accepted(shared, &transfer_id, &offer, &phone).await {
        shared.emit(ReceiveEvent::Declined {
            transfer: transfer_id,
        });
        return text(StatusCode::FORBIDDEN, "declined");
    }
    shared.emit(ReceiveEvent::Accepted {
        transfer: transfer_id.clone(),
    });
    if let Some(message) = offer.message() {
        keep_message(shared, message.to_owned()).await;
        return text(StatusCode::NO_CONTENT, "");
    }
    let files: BTreeMap<String, Pending> = offer
        .files
        .into_iter()
        .map(|(id, offer)| {
            (
                id,
                Pending {
                    offer,
                    token: token(),
                    state: FileState::Waiting,
                },
            )
        })
        .collect();
    let answer = PrepareUploadAnswer {
        session_id: transfer_id.clone(),
        files: files
            .iter()
            .map(|(id, p)| (id.clone(), p.token.clone()))
            .collect(),
    };
    let total = files.values().map(|p| p.offer.size).sum();
    let sender = Sender {
        info: offer.info,
        certificate,
        address: ip,
    };
    shared.state().transfer = Some(Transfer {
        id: transfer_id,
        sender,
        files,
        total,
        done: 0,
        kept: 0,
        refused: 0,
        cancel: watch::channel(false).0,
    });
    json(StatusCode::OK, &answer)
}

/// For a no-images case: takes pictures, videos and zips (which can hold them) out of the
/// offer by declared type or name, saying so; returns whether anything is left to
/// receive. (Their bytes are checked again before sealing, whatever they were called.)
fn drop_pictures(shared: &Shared, transfer: &str, offer: &mut PrepareUpload) -> bool {
    offer.files.retain(|_, f| {
        let guessed = mime_guess::from_path(&f.file_name).first_raw().unwrap_or("");
        let picture = safekeep_core::vault::is_picture_or_video(&f.file_type)
            || safekeep_core::vault::is_picture_or_video(guessed);
        let zip = [f.file_type.as_str(), guessed].iter().any(|t| t.ends_with("/zip"));
        if picture || zip {
            shared.emit(ReceiveEvent::Refused {
                transfer: transfer.to_owned(),
                file_name: f.file_name.clone(),
                reason: if picture {
                    "this case keeps no pictures or videos".into()
                } else {
                    "this case keeps no pictures or videos, and a zip can hold them: export the chat again choosing \"Without media\"".into()
                },
            });
        }
        !(picture || zip)
    });
    !offer.files.is_empty()
}

/// Asks the person (unless they accept everything, or this phone, for the run).
async fn accepted(shared: &Arc<Shared>, transfer: &str, offer: &PrepareUpload, phone: &str) -> bool {
    let (answer, wait) = oneshot::channel();
    {
        let mut state = shared.state();
        if shared.options.accept_all || state.trusted.contains(phone) {
            return true;
        }
        state
            .waiting
            .insert(transfer.to_owned(), (answer, phone.to_owned()));
    }
    shared.emit(ReceiveEvent::Incoming {
        transfer: transfer.to_owned(),
        sender: offer.info.alias.clone(),
        device_model: offer.info.device_model.clone(),
        device_type: offer.info.device_type.clone(),
        files: offer.files.len(),
        bytes: offer.total_size(),
        message: offer.message().is_some(),
    });
    let mut asking = Asking {
        shared,
        transfer: transfer.to_owned(),
        answered: false,
    };
    let mut stop = shared.stop.subscribe();
    let answer = tokio::select! {
        a = tokio::time::timeout(shared.options.decision_timeout, wait) => matches!(a, Ok(Ok(true))),
        _ = stop.wait_for(|s| *s) => false,
    };
    asking.answered = true;
    answer
}

async fn keep_message(shared: &Arc<Shared>, message: String) {
    let shared2 = Arc::clone(shared);
    let kept = tokio::task::spawn_blocking(move || {
        let mut kept = Err("the vault is locked".to_owned());
        let case = shared2.options.case_id.clone();
        shared2.vault.with_vault(&mut |v| {
            // Not the person's own words: the note says where it came from.
            let context = safekeep_core::item::Context {
                title: Some("Text received from a phone (LocalSend)".into()),
                description: Some(
                    "Received from a phone with LocalSend: the text as the phone sent it, not written in Safekeep".into(),
                ),
                platform: Some("phone, received with LocalSend".into()),
                ..safekeep_core::item::Context::default()
            };
            kept = v
                .add_note(&case, &message, context)
                .map(|r| r.id)
                .map_err(|e| e.to_string());
        });
        kept
    })
    .await;
    match kept {
        Ok(Ok(item_id)) => shared.emit(ReceiveEvent::MessageKept { item_id }),
        Ok(Err(reason)) => shared.emit(ReceiveEvent::TransferRefused { reason }),
        Err(_) => {}
    }
    shared.state().busy = false;
}
