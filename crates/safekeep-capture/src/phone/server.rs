//! The receiver's HTTPS side: LocalSend v2's `register`, `info`, `prepare-upload`,
//! `upload` and `cancel`, and nothing else (no downloads, no web share, no sending).
//!
//! One transfer at a time, as LocalSend's own receiver does (others get 409). Status
//! codes as the protocol's README gives them: 401 PIN missing or wrong, 403 declined or
//! bad token, 409 busy, 429 too many wrong PINs; 413 a transfer over the stated limits
//! and 422 a file that did not arrive as declared (neither is in the README; LocalSend
//! apps show any error code as a failed transfer).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::{Method, Request, Response, StatusCode};
use rand::Rng;
use tokio::sync::{oneshot, watch};

use super::protocol::{self, DeviceInfo, FileOffer, PrepareUpload, PrepareUploadAnswer};
use super::session::{PinCheck, PinGuard, constant_time_eq};
use super::store::bytes_channel::{Chunk, ChunkReader};
use super::store::{self, Refusal, Sender, Stored};
use super::{ReceiveEvent, ReceiveOptions, VaultAccess};

/// How long a TLS handshake may take.
const HANDSHAKE: Duration = Duration::from_secs(10);
/// How long an upload may go without a byte before it counts as cut off.
const STALL: Duration = Duration::from_secs(60);
/// Progress is reported at most this often per file (in bytes).
const PROGRESS_STEP: u64 = 4 << 20;

/// What every connection of one run shares.
pub(super) struct Shared {
    pub options: ReceiveOptions,
    pub me: DeviceInfo,
    vault: Arc<dyn VaultAccess>,
    events: std::sync::mpsc::Sender<ReceiveEvent>,
    state: Mutex<State>,
    stop: watch::Sender<bool>,
}

struct State {
    pin: PinGuard,
    /// A transfer waiting for the person's answer, or being received.
    busy: bool,
    transfer: Option<Transfer>,
    waiting: HashMap<String, (oneshot::Sender<bool>, String)>,
    trusted: HashSet<String>,
}

struct Transfer {
    id: String,
    sender: Sender,
    files: BTreeMap<String, Pending>,
    total: u64,
    done: u64,
    kept: usize,
    refused: usize,
    cancel: watch::Sender<bool>,
}

struct Pending {
    offer: FileOffer,
    token: String,
    state: FileState,
}

#[derive(PartialEq, Eq)]
enum FileState {
    Waiting,
    Receiving,
    Over,
}

type Reply = Response<Full<Bytes>>;

impl Shared {
    pub fn new(
        options: ReceiveOptions,
        me: DeviceInfo,
        vault: Arc<dyn VaultAccess>,
        events: std::sync::mpsc::Sender<ReceiveEvent>,
    ) -> Self {
        let pin = PinGuard::new(options.pin.clone());
        Self {
            options,
            me,
            vault,
            events,
            state: Mutex::new(State {
                pin,
                busy: false,
                transfer: None,
                waiting: HashMap::new(),
                trusted: HashSet::new(),
            }),
            stop: watch::channel(false).0,
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn emit(&self, event: ReceiveEvent) {
        let _ = self.events.send(event);
    }

    /// Marks the run as stopping: uploads in progress fail at their next chunk.
    pub fn stopping(&self) {
        let _ = self.stop.send(true);
        if let Some(t) = &self.state().transfer {
            let _ = t.cancel.send(true);
        }
    }

    pub fn decide(&self, transfer: &str, accept: bool, this_phone: bool) -> bool {
        let mut state = self.state();
        match state.waiting.remove(transfer) {
            Some((answer, phone)) => {
                if accept && this_phone {
                    state.trusted.insert(phone);
                }
                answer.send(accept).is_ok()
            }
            None => false,
        }
    }
}

/// Accepts connections until the runtime is shut down.
pub(super) async fn serve(
    listener: tokio::net::TcpListener,
    tls: Arc<rustls::ServerConfig>,
    shared: Arc<Shared>,
) {
    let acceptor = tokio_rustls::TlsAcceptor::from(tls);
    loop {
        let Ok((tcp, peer)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        let acceptor = acceptor.clone();
        let shared = Arc::clone(&shared);
        tokio::spawn(async move {
            let Ok(Ok(tls)) = tokio::time::timeout(HANDSHAKE, acceptor.accept(tcp)).await else {
                return;
            };
            let certificate = tls
                .get_ref()
                .1
                .peer_certificates()
                .and_then(|c| c.first())
                .map(|c| super::tls::fingerprint(c));
            let service = hyper::service::service_fn(move |req| {
                let shared = Arc::clone(&shared);
                let certificate = certificate.clone();
                async move { Ok::<_, Infallible>(route(req, &shared, peer, certificate).await) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(hyper_util::rt::TokioIo::new(tls), service)
                .await;
        });
    }
}

async fn route(
    req: Request<Incoming>,
    shared: &Arc<Shared>,
    peer: SocketAddr,
    certificate: Option<String>,
) -> Reply {
    let query = query_of(&req);
    match (req.method(), req.uri().path()) {
        (&Method::GET, "/api/localsend/v2/info") => json(StatusCode::OK, &shared.me),
        (&Method::POST, "/api/localsend/v2/register") => match read_json(req).await {
            Ok(body) if DeviceInfo::parse(&body).is_ok() => json(StatusCode::OK, &shared.me),
            _ => text(StatusCode::BAD_REQUEST, "not a LocalSend device description"),
        },
        (&Method::POST, "/api/localsend/v2/prepare-upload") => {
            prepare_upload(req, query, shared, peer.ip(), certificate).await
        }
        (&Method::POST, "/api/localsend/v2/upload") => upload(req, query, shared, peer.ip()).await,
        (&Method::POST, "/api/localsend/v2/cancel") => {
            cancel(shared, query.get("sessionId").map(String::as_str));
            text(StatusCode::OK, "")
        }
        _ => text(StatusCode::NOT_FOUND, "not found"),
    }
}

async fn prepare_upload(
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
            shared.emit(ReceiveEvent::PinRefused { attempts_left: left });
            return text(StatusCode::UNAUTHORIZED, "PIN required");
        }
        PinCheck::LockedOut => {
            shared.emit(ReceiveEvent::PinRefused { attempts_left: 0 });
            return text(StatusCode::TOO_MANY_REQUESTS, "too many wrong PINs");
        }
    }
    {
        let mut state = shared.state();
        if state.busy {
            return text(StatusCode::CONFLICT, "busy with another transfer");
        }
        state.busy = true;
    }
    let reply = prepare_upload_claimed(req, shared, ip, certificate).await;
    if reply.status() != StatusCode::OK {
        shared.state().busy = false;
    }
    reply
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
    let phone = certificate
        .clone()
        .unwrap_or_else(|| format!("{}|{}|{ip}", offer.info.fingerprint, offer.info.alias));
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

/// For a no-images case: takes pictures and videos (by declared type or name) out of the
/// offer, saying so; returns whether anything is left to receive. (Their bytes are
/// checked again before sealing, whatever they were called.)
fn drop_pictures(shared: &Shared, transfer: &str, offer: &mut PrepareUpload) -> bool {
    offer.files.retain(|_, f| {
        let guessed = mime_guess::from_path(&f.file_name).first_raw().unwrap_or("");
        let picture = safekeep_core::vault::is_picture_or_video(&f.file_type)
            || safekeep_core::vault::is_picture_or_video(guessed);
        if picture {
            shared.emit(ReceiveEvent::Refused {
                transfer: transfer.to_owned(),
                file_name: f.file_name.clone(),
                reason: "this case keeps no pictures or videos".into(),
            });
        }
        !picture
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
    let mut stop = shared.stop.subscribe();
    let answer = tokio::select! {
        a = tokio::time::timeout(shared.options.decision_timeout, wait) => matches!(a, Ok(Ok(true))),
        _ = stop.wait_for(|s| *s) => false,
    };
    shared.state().waiting.remove(transfer);
    answer
}

async fn keep_message(shared: &Arc<Shared>, message: String) {
    let shared2 = Arc::clone(shared);
    let kept = tokio::task::spawn_blocking(move || {
        let mut kept = Err("the vault is locked".to_owned());
        let case = shared2.options.case_id.clone();
        shared2.vault.with_vault(&mut |v| {
            kept = v
                .add_note(&case, &message, safekeep_core::item::Context::default())
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

async fn upload(
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
    let reply = match &stored {
        Stored::Kept(item_id) => {
            shared.emit(ReceiveEvent::Kept {
                transfer: transfer_id.clone(),
                item_id: item_id.clone(),
                file_name: offer.file_name.clone(),
                size: offer.size,
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
                Refusal::NoImages(_) => StatusCode::FORBIDDEN,
                Refusal::Locked | Refusal::Vault(_) => StatusCode::INTERNAL_SERVER_ERROR,
            };
            text(status, &why.to_string())
        }
    };
    file_over(
        shared,
        &transfer_id,
        file_id,
        matches!(stored, Stored::Kept(_)),
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
    let end = loop {
        let frame = tokio::select! {
            f = tokio::time::timeout(STALL, body.frame()) => f,
            _ = cancel.wait_for(|c| *c) => break Chunk::Fail("the transfer was cancelled".into()),
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

/// Ends the transfer `session` (the phone cancelled): uploads in progress fail, whole
/// files stay kept, files not yet sent are counted as refused.
fn cancel(shared: &Shared, session: Option<&str>) {
    let mut state = shared.state();
    let Some(t) = state.transfer.take_if(|t| Some(t.id.as_str()) == session) else {
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

async fn read_json(req: Request<Incoming>) -> Result<Bytes, Reply> {
    match Limited::new(req.into_body(), protocol::MAX_JSON_BYTES)
        .collect()
        .await
    {
        Ok(b) => Ok(b.to_bytes()),
        Err(_) => Err(text(StatusCode::PAYLOAD_TOO_LARGE, "request too large")),
    }
}

fn query_of(req: &Request<Incoming>) -> HashMap<String, String> {
    url::form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes())
        .take(8)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// A random 128-bit token, hex.
fn token() -> String {
    hex::encode(rand::rng().random::<[u8; 16]>())
}

fn json<T: serde::Serialize>(status: StatusCode, body: &T) -> Reply {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    let mut r = Response::new(Full::new(Bytes::from(bytes)));
    *r.status_mut() = status;
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    r
}

fn text(status: StatusCode, body: &str) -> Reply {
    let mut r = Response::new(Full::new(Bytes::from(body.to_owned())));
    *r.status_mut() = status;
    r
}
