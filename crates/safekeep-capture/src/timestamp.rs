//! The RFC 3161 client: asks time-stamp authorities for tokens over salted commitments
//! (docs/timestamps.md) and hands verified tokens to the vault.
//!
//! What leaves this computer, per request: one HTTP POST of a `TimeStampReq` (RFC 3161
//! § 3.4, `application/timestamp-query`) holding a 32-byte SHA-256 of a commitment, a
//! random nonce and "send your certificate". Nothing else: no item hash, no file, no
//! name. The vault gives no work while timestamping is off, so nothing is ever sent then.
//!
//! Authorities are tried in the user's order. One that cannot be reached is skipped for
//! the rest of a run, so an offline computer fails fast and every item stays queued.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use rand::RngCore;
use safekeep_core::Vault;
use safekeep_core::bundle::Stamper;
use safekeep_core::timestamp_token::{self, TokenError};
use safekeep_core::vault::{Authority, ItemTimestamp, ObtainedToken, TimestampWork};
use serde::Serialize;
use tokio::net::TcpStream;
use url::Url;
use x509_cert::Certificate;
use x509_cert::der::Decode;

use crate::web::tls;

/// How long one request may take, connection included.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);
/// Largest answer read (real tokens are a few KiB).
const MAX_RESPONSE: usize = 1 << 20;

/// What one run did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RunSummary {
    /// False when timestamping is off (then nothing was sent).
    pub enabled: bool,
    /// Items that got a token now.
    pub stamped: Vec<StampedItem>,
    /// Items still waiting, with why.
    pub waiting: Vec<WaitingItem>,
}

/// An item that got a token.
#[derive(Debug, Clone, Serialize)]
pub struct StampedItem {
    /// The item.
    pub item_id: String,
    /// What it got.
    pub timestamp: ItemTimestamp,
}

/// An item that did not.
#[derive(Debug, Clone, Serialize)]
pub struct WaitingItem {
    /// The item.
    pub item_id: String,
    /// Each authority's answer, in words.
    pub why: String,
}

/// Asks for every waiting item's token now and stores those that verify. Holds the vault
/// throughout; the app uses [`obtain`] and [`store`] to release it during network waits.
pub fn run(vault: &mut Vault) -> Result<RunSummary, safekeep_core::Error> {
    let enabled = vault.timestamp_settings()?.enabled;
    let work = vault.timestamp_work()?;
    let got = obtain(&work, REQUEST_TIMEOUT);
    let mut summary = store(vault, got)?;
    summary.enabled = enabled;
    Ok(summary)
}

/// Stores what [`obtain`] brought back: tokens (verified again by the vault) and failures.
pub fn store(
    vault: &mut Vault,
    got: Vec<(String, Result<ObtainedToken, String>)>,
) -> Result<RunSummary, safekeep_core::Error> {
    let mut summary = RunSummary {
        enabled: true,
        ..RunSummary::default()
    };
    for (item_id, result) in got {
        let stored = result.and_then(|token| {
            vault
                .record_timestamp(&item_id, &token)
                .map_err(|e| e.to_string())
        });
        match stored {
            Ok(timestamp) => summary.stamped.push(StampedItem { item_id, timestamp }),
            Err(why) => {
                vault.record_timestamp_failure(&item_id, &why)?;
                summary.waiting.push(WaitingItem { item_id, why });
            }
        }
    }
    Ok(summary)
}

/// Asks the authorities for a token for each pending commitment. Needs no vault.
pub fn obtain(work: &TimestampWork, timeout: Duration) -> Vec<(String, Result<ObtainedToken, String>)> {
    if work.pending.is_empty() {
        return Vec::new();
    }
    let ran = block_on(async {
        let mut session = Session::default();
        let mut out = Vec::new();
        for p in &work.pending {
            let got = session.stamp(&work.authorities, &p.imprint, timeout).await;
            out.push((p.item_id.clone(), got));
        }
        out
    });
    ran.unwrap_or_else(|why| {
        work.pending
            .iter()
            .map(|p| (p.item_id.clone(), Err(why.clone())))
            .collect()
    })
}

/// A stamper for bundle exports (the tag manifest's token), or none while timestamping
/// is off.
pub fn bundle_stamper(vault: &Vault) -> Result<Option<Stamper>, safekeep_core::Error> {
    let settings = vault.timestamp_settings()?;
    if !settings.enabled {
        return Ok(None);
    }
    Ok(Some(stamper(settings.authorities)))
}

/// A stamper that asks `authorities` in order (a receipt's timestamp; a bundle's). Needs
/// no vault; contacts them only when called.
pub fn stamper(authorities: Vec<Authority>) -> Stamper {
    Stamper(Arc::new(move |imprint: &[u8; 32]| {
        block_on(async {
            Session::default()
                .stamp(&authorities, imprint, REQUEST_TIMEOUT)
                .await
        })?
    }))
}

/// Runs `f` to completion on a runtime of its own, on a thread of its own, so that it
/// works from any caller (including one already inside an async runtime).
fn block_on<T: Send>(f: impl std::future::Future<Output = T> + Send) -> Result<T, String> {
    std::thread::scope(|s| {
        s.spawn(|| {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| format!("the network could not be started ({e})"))?;
            Ok(runtime.block_on(f))
        })
        .join()
        .unwrap_or_else(|_| Err("the network task failed".into()))
    })
}

/// Remembers, within one run, each authority's trusted certificates and which
/// authorities could not be reached.
#[derive(Default)]
struct Session {
    trust: HashMap<String, Result<Vec<Certificate>, String>>,
    unreachable: HashMap<String, String>,
    /// TLS for `https://` authorities, built once (it reads the system's trust store).
    tls: Option<Result<Arc<rustls::ClientConfig>, String>>,
}

impl Session {
    /// Tries each authority in order; returns the first token that verifies, or every
    /// authority's reason.
    async fn stamp(
        &mut self,
        authorities: &[Authority],
        imprint: &[u8; 32],
        timeout: Duration,
    ) -> Result<ObtainedToken, String> {
        let mut reasons = Vec::new();
        for authority in authorities {
            let url = authority.url.as_str();
            if let Some(why) = self.unreachable.get(url) {
                reasons.push(format!("{url}: {why}"));
                continue;
            }
            let trusted = self
                .trust
                .entry(url.to_owned())
                .or_insert_with(|| trusted_certificates(authority));
            let trusted = match trusted {
                Ok(t) => t,
                Err(why) => {
                    reasons.push(format!("{url}: {why}"));
                    continue;
                }
            };
            let tls = if url.starts_with("https://") {
                let config = self.tls.get_or_insert_with(|| {
                    let roots = tls::root_store(&[]).map_err(|e| e.to_string())?;
                    tls::verifying_config(roots).map(Arc::new)
                });
                match config {
                    Ok(c) => Some(c.clone()),
                    Err(why) => {
                        reasons.push(format!("{url}: {why}"));
                        continue;
                    }
                }
            } else {
                None
            };
            match tokio::time::timeout(timeout, ask(authority, imprint, trusted, tls)).await {
                Ok(Ok(got)) => return Ok(got),
                Ok(Err(Failure::Answer(why))) => reasons.push(format!("{url}: {why}")),
                Ok(Err(Failure::Unreachable(why))) => {
                    reasons.push(format!("{url}: {why}"));
                    self.unreachable.insert(url.to_owned(), why);
                }
                Err(_) => {
                    let why = format!("no answer within {} seconds", timeout.as_secs());
                    reasons.push(format!("{url}: {why}"));
                    self.unreachable.insert(url.to_owned(), why);
                }
            }
        }
        Err(if reasons.is_empty() {
            "no time-stamp authority is configured".to_owned()
        } else {
            reasons.join("; ")
        })
    }
}

enum Failure {
    /// The authority could not be reached: skip it for the rest of the run.
    Unreachable(String),
    /// It answered, but not with a token that verifies.
    Answer(String),
}

/// The certificates an authority's tokens must chain to: the ones the user gave, else
/// the operating system's trusted roots.
fn trusted_certificates(authority: &Authority) -> Result<Vec<Certificate>, String> {
    if let Some(pem) = &authority.certificates {
        return timestamp_token::certificates_from_pem(pem.as_bytes()).map_err(|e| e.to_string());
    }
    let roots: Vec<Certificate> = rustls_native_certs::load_native_certs()
        .certs
        .iter()
        .filter_map(|c| Certificate::from_der(c.as_ref()).ok())
        .collect();
    if roots.is_empty() {
        return Err("this computer has no trusted root certificates; give the authority's certificate with --tsa-certs".into());
    }
    Ok(roots)
}

async fn ask(
    authority: &Authority,
    imprint: &[u8; 32],
    trusted: &[Certificate],
    tls: Option<Arc<rustls::ClientConfig>>,
) -> Result<ObtainedToken, Failure> {
    let mut nonce = [0u8; 8];
    rand::rng().fill_bytes(&mut nonce);
    let request = timestamp_token::request(imprint, &nonce).map_err(|e| Failure::Answer(e.to_string()))?;
    let response = post(&authority.url, request, tls).await?;
    let answer = |e: TokenError| Failure::Answer(e.to_string());
    let token = timestamp_token::token_from_response(&response, &nonce).map_err(answer)?;
    let verified = timestamp_token::verify(&token, imprint, trusted).map_err(answer)?;
    Ok(ObtainedToken {
        tsa: authority.url.clone(),
        token,
        chain_pem: verified.chain_pem,
    })
}

/// One `application/timestamp-query` POST over HTTP/1.1, plain or (with `tls`) TLS.
async fn post(
    address: &str,
    body: Vec<u8>,
    tls: Option<Arc<rustls::ClientConfig>>,
) -> Result<Vec<u8>, Failure> {
    let url = Url::parse(address).map_err(|e| Failure::Answer(format!("the address is not valid ({e})")))?;
    let host = url.host_str().unwrap_or_default().to_owned();
    let port = url.port_or_known_default().unwrap_or(80);
    let tcp = TcpStream::connect((host.as_str(), port))
        .await
        .map_err(|e| Failure::Unreachable(format!("could not connect ({e})")))?;
    if url.scheme() == "https" {
        let config =
            tls.ok_or_else(|| Failure::Answer("TLS was not set up for an https:// authority".into()))?;
        let name = rustls::pki_types::ServerName::try_from(host.clone())
            .map_err(|e| Failure::Answer(format!("the host name is not valid ({e})")))?;
        let stream = tokio_rustls::TlsConnector::from(config)
            .connect(name, tcp)
            .await
            .map_err(|e| Failure::Unreachable(format!("the secure connection failed ({e})")))?;
        exchange(&url, stream, body).await
    } else {
        exchange(&url, tcp, body).await
    }
}

async fn exchange<S>(url: &Url, io: S, body: Vec<u8>) -> Result<Vec<u8>, Failure>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let failed = |e: &dyn std::fmt::Display| Failure::Unreachable(format!("the exchange failed ({e})"));
    let (mut sender, conn) = hyper::client::conn::http1::Builder::new()
        .handshake(hyper_util::rt::TokioIo::new(io))
        .await
        .map_err(|e| failed(&e))?;
    tokio::spawn(conn);
    let req = hyper::Request::builder()
        .method("POST")
        .uri(&url[url::Position::BeforePath..url::Position::AfterQuery])
        .header("Host", &url[url::Position::BeforeHost..url::Position::AfterPort])
        .header("Content-Type", "application/timestamp-query")
        .header("Accept", "application/timestamp-reply")
        .header("Content-Length", body.len())
        .header("User-Agent", concat!("Safekeep/", env!("CARGO_PKG_VERSION")))
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| failed(&e))?;
    let res = sender.send_request(req).await.map_err(|e| failed(&e))?;
    let status = res.status();
    if !status.is_success() {
        return Err(Failure::Answer(format!("it answered HTTP {status}")));
    }
    let mut stream = res.into_body();
    let mut out = Vec::new();
    while let Some(frame) = stream.frame().await {
        let frame = frame.map_err(|e| failed(&e))?;
        if let Some(data) = frame.data_ref() {
            out.extend_from_slice(data);
            if out.len() > MAX_RESPONSE {
                return Err(Failure::Answer(
                    "its answer is far larger than a time-stamp token".into(),
                ));
            }
        }
    }
    Ok(out)
}
