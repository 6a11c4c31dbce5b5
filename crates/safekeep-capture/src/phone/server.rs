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

use super::protocol::{self, DeviceInfo, FileOffer};
use super::session::PinGuard;
use super::store::Sender;
use super::{ReceiveEvent, ReceiveOptions, VaultAccess};

mod offer;
mod upload;

/// How long a TLS handshake may take.
const HANDSHAKE: Duration = Duration::from_secs(10);
/// Most connections open at once (a phone uses a few; LocalSend uploads one file per
/// connection).
const MAX_CONNECTIONS: usize = 64;
/// How long a request's head may take to arrive.
const HEADERS: Duration = Duration::from_secs(30);
/// How long a JSON request's body may take to arrive.
const JSON_TIME: Duration = Duration::from_secs(10);
/// Most connections open at once from one address: one neighbour cannot take them all.
const PER_ADDRESS: usize = 8;
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
                if accept && this_phone && !phone.is_empty() {
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
    let open = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    let per_address: Arc<Mutex<HashMap<IpAddr, usize>>> = Arc::default();
    loop {
        let Ok((tcp, peer)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        // Past the limit a connection is closed at once: someone on the network opening
        // connections by the thousand cannot exhaust this computer.
        let Ok(permit) = Arc::clone(&open).try_acquire_owned() else {
            drop(tcp);
            continue;
        };
        let Some(slot) = AddressSlot::take(&per_address, peer.ip()) else {
            drop(tcp);
            continue;
        };
        let acceptor = acceptor.clone();
        let shared = Arc::clone(&shared);
        tokio::spawn(async move {
            let _permit = permit;
            let _slot = slot;
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
            // A connection that sends no complete request head within 30 s is closed
            // (nothing is held open by someone who only connects).
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(HEADERS)
                .serve_connection(hyper_util::rt::TokioIo::new(tls), service)
                .await;
        });
    }
}

/// One of an address's [`PER_ADDRESS`] connections, given back when it closes.
struct AddressSlot {
    counts: Arc<Mutex<HashMap<IpAddr, usize>>>,
    ip: IpAddr,
}

impl AddressSlot {
    fn take(counts: &Arc<Mutex<HashMap<IpAddr, usize>>>, ip: IpAddr) -> Option<Self> {
        let mut map = counts.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let n = map.entry(ip).or_insert(0);
        if *n >= PER_ADDRESS {
            return None;
        }
        *n += 1;
        Some(Self {
            counts: Arc::clone(counts),
            ip,
        })
    }
}

impl Drop for AddressSlot {
    fn drop(&mut self) {
        let mut map = self
            .counts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(n) = map.get_mut(&self.ip) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                map.remove(&self.ip);
            }
        }
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
            offer::prepare_upload(req, query, shared, peer.ip(), certificate).await
        }
        (&Method::POST, "/api/localsend/v2/upload") => upload::upload(req, query, shared, peer.ip()).await,
        (&Method::POST, "/api/localsend/v2/cancel") => {
            upload::cancel(shared, query.get("sessionId").map(String::as_str), peer.ip());
            text(StatusCode::OK, "")
        }
        _ => text(StatusCode::NOT_FOUND, "not found"),
    }
}

async fn read_json(req: Request<Incoming>) -> Result<Bytes, Reply> {
    // A body that trickles in holds a connection slot: it must arrive in JSON_TIME.
    match tokio::time::timeout(
        JSON_TIME,
        Limited::new(req.into_body(), protocol::MAX_JSON_BYTES).collect(),
    )
    .await
    {
        Ok(Ok(b)) => Ok(b.to_bytes()),
        Ok(Err(_)) => Err(text(StatusCode::PAYLOAD_TOO_LARGE, "request too large")),
        Err(_) => Err(text(StatusCode::REQUEST_TIMEOUT, "request too slow")),
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
