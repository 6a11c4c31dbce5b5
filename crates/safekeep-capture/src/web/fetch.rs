//! The fetch: one GET per hop over HTTP/1.1, each on its own connection, recording the
//! bytes exactly as they crossed the wire.
//!
//! Every connection is wrapped in a [`Tap`] that keeps a copy of what was written (the
//! request) and what was read (the response: status line, headers and body, chunked or
//! not). Those copies become the WARC's `request` and `response` blocks, so the archive
//! holds what the server sent rather than a re-serialisation of it. hyper parses the
//! same bytes for status, headers and the de-chunked body.
//!
//! Redirects are followed by hand so that every hop is its own recorded exchange. Only
//! the address the user gave, and the redirects it answers with, are ever requested.

use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Instant;

use chrono::{DateTime, Utc};
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use rustls::RootCertStore;
use rustls::pki_types::ServerName;
use serde::Serialize;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use url::Url;

use super::tls::{CertificateInfo, RecordingVerifier, Verdict, describe_chain};
use super::{Limits, WebError};

/// The `User-Agent` sent: an ordinary desktop Chrome's. A site that recognised an
/// evidence tool could answer it differently from its visitors (or warn the person
/// being documented); what was sent is recorded with each request.
pub const USER_AGENT: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/143.0.0.0 Safari/537.36";

/// Headers sent with every request, in this order (after `Host`). `identity` asks for the
/// body as the server stores it, so the saved body is the file itself, not a compression.
pub const REQUEST_HEADERS: [(&str, &str); 4] = [
    ("User-Agent", USER_AGENT),
    (
        "Accept",
        "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    ),
    ("Accept-Encoding", "identity"),
    ("Connection", "close"),
];

/// Room for the status line, headers and chunk framing on top of the body cap.
const HEAD_ALLOWANCE: u64 = 1 << 20;

/// One request and its response.
#[derive(Debug)]
pub struct Exchange {
    /// The address requested.
    pub url: Url,
    /// When the request was sent.
    pub sent_at: DateTime<Utc>,
    /// When the response was complete.
    pub received_at: DateTime<Utc>,
    /// What the host name resolved to (none for an address given as an IP).
    pub dns: Option<Vec<String>>,
    /// The address actually connected to.
    pub remote: SocketAddr,
    /// TLS details (https only).
    pub tls: Option<TlsSession>,
    /// The request bytes exactly as sent.
    pub request: Vec<u8>,
    /// The response bytes exactly as received.
    pub response: Vec<u8>,
    /// Length of the status line and headers within `response` (including the blank line).
    pub head_len: usize,
    /// Status code.
    pub status: u16,
    /// Reason phrase as sent.
    pub reason: String,
    /// Response headers (values decoded lossily: the exact bytes are in `response`).
    pub headers: Vec<(String, String)>,
    /// The message body after transfer decoding (chunked framing removed).
    pub body: Vec<u8>,
    /// Where a redirect pointed, resolved against `url`.
    pub location: Option<Url>,
    /// How long the exchange took (connect to last byte), ms.
    pub millis: u64,
}

impl Exchange {
    /// The first value of a response header (case-insensitive name).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What the TLS handshake settled on.
#[derive(Debug, Clone, Serialize)]
pub struct TlsSession {
    /// e.g. `TLSv1_3`.
    pub version: String,
    /// e.g. `TLS13_AES_256_GCM_SHA384`.
    pub cipher: String,
    /// ALPN protocol agreed, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alpn: Option<String>,
    /// Whether the certificate verified, and why not.
    pub verification: Verdict,
    /// Every certificate the server presented, in the order presented.
    pub chain: Vec<CertificateInfo>,
    /// The same chain as PEM (the DER bytes exactly).
    #[serde(skip)]
    pub chain_pem: String,
}

/// Fetches `url`, following redirects, and returns every exchange in order. A redirect
/// is not followed to a private address ([`is_private`]) unless the address asked for
/// was one itself.
pub async fn fetch(url: &Url, limits: &Limits, roots: Arc<RootCertStore>) -> Result<Vec<Exchange>, WebError> {
    fetch_from(url, limits, roots, None).await
}

/// [`fetch`], with the first hop's address taken as private or not (`first_private`)
/// instead of judged by where it connected: how a site on the internet redirecting to
/// this computer is tested, with both on loopback.
async fn fetch_from(
    url: &Url,
    limits: &Limits,
    roots: Arc<RootCertStore>,
    first_private: Option<bool>,
) -> Result<Vec<Exchange>, WebError> {
    let mut exchanges: Vec<Exchange> = Vec::new();
    let mut next = url.clone();
    // The person may ask for an address on their own computer or network; a site may
    // not send Safekeep there.
    let mut private_ok = limits.private_addresses.unwrap_or(true);
    loop {
        let exchange = tokio::time::timeout(limits.timeout, hop(&next, limits, roots.clone(), private_ok))
            .await
            .map_err(|_| WebError::Timeout {
                url: next.to_string(),
                seconds: limits.timeout.as_secs(),
            })??;
        if exchanges.is_empty() && limits.private_addresses.is_none() {
            private_ok = first_private.unwrap_or_else(|| is_private(exchange.remote.ip()));
        }
        let location = exchange.location.clone();
        exchanges.push(exchange);
        let Some(to) = location else { break };
        if exchanges.len() > limits.max_redirects {
            return Err(WebError::TooManyRedirects {
                url: url.to_string(),
                limit: limits.max_redirects,
            });
        }
        super::check_scheme(&to).map_err(|_| WebError::RedirectScheme {
            from: next.to_string(),
            to: to.to_string(),
        })?;
        next = to;
    }
    Ok(exchanges)
}

async fn hop(
    url: &Url,
    limits: &Limits,
    roots: Arc<RootCertStore>,
    private_ok: bool,
) -> Result<Exchange, WebError> {
    let began = Instant::now();
    let host = url.host_str().unwrap_or_default().to_owned();
    let port = url.port_or_known_default().unwrap_or(80);
    let (mut addresses, dns) = resolve(url, &host, port).await?;
    if !private_ok {
        // Judged on the addresses connected to, not the name: a public-looking name can
        // resolve to this computer.
        let refused: Vec<SocketAddr> = addresses.iter().filter(|a| is_private(a.ip())).copied().collect();
        addresses.retain(|a| !is_private(a.ip()));
        if let (true, Some(first)) = (addresses.is_empty(), refused.first()) {
            return Err(WebError::RedirectPrivate {
                to: url.to_string(),
                address: first.ip().to_string(),
            });
        }
    }
    let (tcp, remote) = connect(&host, &addresses).await?;
    let tap = Tap::default();
    let (exchange_tls, response) = if url.scheme() == "https" {
        let verifier = RecordingVerifier::new(roots, limits.accept_invalid_certificate)?;
        let config = verifier.config()?;
        let name = tls_name(url)?;
        let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
        let tls = connector.connect(name, tcp).await.map_err(|e| {
            match verifier.verdict().filter(|v| !v.verified) {
                Some(v) => WebError::Certificate {
                    url: url.to_string(),
                    reason: v.reason.unwrap_or_default(),
                },
                None => WebError::Connect {
                    url: url.to_string(),
                    reason: format!("the secure connection failed ({e})"),
                },
            }
        })?;
        let session = {
            let (_, conn) = tls.get_ref();
            let (chain, chain_pem) = describe_chain(conn.peer_certificates().unwrap_or_default());
            TlsSession {
                version: conn
                    .protocol_version()
                    .map(|v| format!("{v:?}"))
                    .unwrap_or_default(),
                cipher: conn
                    .negotiated_cipher_suite()
                    .map(|c| format!("{:?}", c.suite()))
                    .unwrap_or_default(),
                alpn: conn
                    .alpn_protocol()
                    .map(|p| String::from_utf8_lossy(p).into_owned()),
                verification: verifier.verdict().unwrap_or(Verdict {
                    verified: false,
                    reason: Some("the certificate was never checked".into()),
                    detail: None,
                }),
                chain,
                chain_pem,
            }
        };
        (
            Some(session),
            request(url, tap.wrap(tls, raw_limit(limits)), limits).await?,
        )
    } else {
        (
            None,
            request(url, tap.wrap(tcp, raw_limit(limits)), limits).await?,
        )
    };
    let Response {
        sent_at,
        status,
        reason,
        headers,
        body,
    } = response;
    let (written, read) = tap.take();
    let head_len = head_length(&read).ok_or_else(|| WebError::Protocol {
        url: url.to_string(),
        reason: "the response had no complete header block".into(),
    })?;
    let location = if (300..400).contains(&status) && status != 304 {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("location"))
            .and_then(|(_, v)| url.join(v).ok())
    } else {
        None
    };
    Ok(Exchange {
        url: url.clone(),
        sent_at,
        received_at: Utc::now(),
        dns,
        remote,
        tls: exchange_tls,
        request: written,
        response: read,
        head_len,
        status,
        reason,
        headers,
        body,
        location,
        millis: began.elapsed().as_millis() as u64,
    })
}

fn tls_name(url: &Url) -> Result<ServerName<'static>, WebError> {
    let name = match url.host() {
        Some(url::Host::Ipv4(ip)) => ServerName::IpAddress(std::net::IpAddr::V4(ip).into()),
        Some(url::Host::Ipv6(ip)) => ServerName::IpAddress(std::net::IpAddr::V6(ip).into()),
        Some(url::Host::Domain(d)) => ServerName::try_from(d.to_owned())
            .map_err(|e| WebError::Input(format!("{d} cannot be used as a secure site name ({e})")))?,
        None => return Err(WebError::Input(format!("{url} has no host name"))),
    };
    Ok(name)
}

async fn resolve(
    url: &Url,
    host: &str,
    port: u16,
) -> Result<(Vec<SocketAddr>, Option<Vec<String>>), WebError> {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => Ok((vec![SocketAddr::new(ip.into(), port)], None)),
        Some(url::Host::Ipv6(ip)) => Ok((vec![SocketAddr::new(ip.into(), port)], None)),
        _ => {
            let found = tokio::net::lookup_host((host, port))
                .await
                .map_err(|e| WebError::Dns {
                    host: host.to_owned(),
                    reason: e.to_string(),
                })?;
            let mut addresses: Vec<SocketAddr> = Vec::new();
            for a in found {
                if !addresses.contains(&a) {
                    addresses.push(a);
                }
            }
            if addresses.is_empty() {
                return Err(WebError::Dns {
                    host: host.to_owned(),
                    reason: "no address was returned".into(),
                });
            }
            let answers = addresses.iter().map(|a| a.ip().to_string()).collect();
            Ok((addresses, Some(answers)))
        }
    }
}

/// Whether `ip` is on this computer or a private network rather than the internet:
/// loopback, unspecified, link-local, private (RFC 1918), shared (100.64.0.0/10, CGNAT),
/// broadcast and multicast, unique-local IPv6 (fc00::/7), site-local (fec0::/10), and the
/// IPv6 forms that carry an IPv4 address (mapped `::ffff:a.b.c.d`, compatible `::a.b.c.d`,
/// NAT64 `64:ff9b::a.b.c.d`, 6to4 `2002:aabb:ccdd::`) judged by that address.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            let embedded =
                |hi: u16, lo: u16| Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8);
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_private(IpAddr::V4(v4));
            }
            if s[..6] == [0; 6] && !v6.is_loopback() && !v6.is_unspecified() {
                return is_private(IpAddr::V4(embedded(s[6], s[7])));
            }
            if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
                return is_private(IpAddr::V4(embedded(s[6], s[7])));
            }
            if s[0] == 0x2002 {
                return is_private(IpAddr::V4(embedded(s[1], s[2])));
            }
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
                || (s[0] & 0xffc0) == 0xfec0
        }
    }
}

/// Tries each address in the order the resolver gave them.
async fn connect(host: &str, addresses: &[SocketAddr]) -> Result<(TcpStream, SocketAddr), WebError> {
    let mut last = String::new();
    for addr in addresses {
        match TcpStream::connect(addr).await {
            Ok(s) => return Ok((s, *addr)),
            Err(e) => last = format!("{addr}: {e}"),
        }
    }
    Err(WebError::Connect {
        url: host.to_owned(),
        reason: format!("no connection could be made ({last})"),
    })
}

struct Response {
    sent_at: DateTime<Utc>,
    status: u16,
    reason: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

async fn request<S>(url: &Url, io: Tapped<S>, limits: &Limits) -> Result<Response, WebError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let failed = |e: &dyn std::fmt::Display| WebError::Protocol {
        url: url.to_string(),
        reason: e.to_string(),
    };
    let overflow = io.overflow.clone();
    let too_large = || WebError::TooLarge {
        url: url.to_string(),
        limit: limits.max_body,
    };
    let (mut sender, conn) = hyper::client::conn::http1::Builder::new()
        .title_case_headers(true)
        .handshake(hyper_util::rt::TokioIo::new(io))
        .await
        .map_err(|e| failed(&e))?;
    tokio::spawn(conn);
    let mut builder = hyper::Request::builder()
        .method("GET")
        .uri(&url[url::Position::BeforePath..url::Position::AfterQuery])
        .header("Host", &url[url::Position::BeforeHost..url::Position::AfterPort]);
    for (name, value) in REQUEST_HEADERS {
        builder = builder.header(name, value);
    }
    let req = builder.body(Empty::<Bytes>::new()).map_err(|e| failed(&e))?;
    let sent_at = Utc::now();
    let res = sender.send_request(req).await.map_err(|e| {
        if overflow.lock().map(|o| *o).unwrap_or(false) {
            too_large()
        } else {
            failed(&e)
        }
    })?;
    let status = res.status().as_u16();
    let reason = res
        .extensions()
        .get::<hyper::ext::ReasonPhrase>()
        .map(|r| String::from_utf8_lossy(r.as_bytes()).into_owned())
        .or_else(|| res.status().canonical_reason().map(str::to_owned))
        .unwrap_or_default();
    let headers = res
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    if let Some(len) = res
        .headers()
        .get("content-length")
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok())
        && len > limits.max_body
    {
        return Err(too_large());
    }
    let mut body_stream = res.into_body();
    let mut body = Vec::new();
    while let Some(frame) = body_stream.frame().await {
        let frame = frame.map_err(|e| {
            if overflow.lock().map(|o| *o).unwrap_or(false) {
                too_large()
            } else {
                failed(&e)
            }
        })?;
        if let Some(data) = frame.data_ref() {
            body.extend_from_slice(data);
            if body.len() as u64 > limits.max_body {
                return Err(too_large());
            }
        }
    }
    Ok(Response {
        sent_at,
        status,
        reason,
        headers,
        body,
    })
}

/// Position just after the blank line that ends the status line and headers.
fn head_length(raw: &[u8]) -> Option<usize> {
    raw.windows(4).position(|w| w == b"\r\n\r\n").map(|p| p + 4)
}

/// Copies of the bytes written and read on one connection.
#[derive(Default, Clone)]
struct Tap {
    written: Arc<Mutex<Vec<u8>>>,
    read: Arc<Mutex<Vec<u8>>>,
}

impl Tap {
    fn wrap<S>(&self, inner: S, limit: u64) -> Tapped<S> {
        Tapped {
            inner,
            tap: self.clone(),
            limit,
            overflow: Arc::new(Mutex::new(false)),
        }
    }

    fn take(&self) -> (Vec<u8>, Vec<u8>) {
        let take = |m: &Mutex<Vec<u8>>| m.lock().map(|mut v| std::mem::take(&mut *v)).unwrap_or_default();
        (take(&self.written), take(&self.read))
    }
}

/// A stream that records what passes through it, and refuses to read past `limit`.
struct Tapped<S> {
    inner: S,
    tap: Tap,
    limit: u64,
    overflow: Arc<Mutex<bool>>,
}

impl<S: AsyncRead + Unpin> AsyncRead for Tapped<S> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let poll = Pin::new(&mut this.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = &poll {
            let new = &buf.filled()[before..];
            if let Ok(mut read) = this.tap.read.lock() {
                if read.len() as u64 + new.len() as u64 > this.limit {
                    if let Ok(mut o) = this.overflow.lock() {
                        *o = true;
                    }
                    return Poll::Ready(Err(io::Error::other("the response is larger than the limit")));
                }
                read.extend_from_slice(new);
            }
        }
        poll
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Tapped<S> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.inner).poll_write(cx, data);
        if let Poll::Ready(Ok(n)) = &poll
            && let Ok(mut written) = this.tap.written.lock()
        {
            written.extend_from_slice(&data[..*n]);
        }
        poll
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

/// The body cap plus room for headers and framing: the most a tapped stream will read.
fn raw_limit(limits: &Limits) -> u64 {
    limits.max_body.saturating_add(HEAD_ALLOWANCE)
}

#[cfg(test)]
mod tests {
    use super::*;
    use safekeep_core::Coded;

    #[test]
    fn private_addresses_are_recognised_in_every_form() {
        for a in [
            "127.0.0.1",
            "127.8.9.10",
            "10.0.0.1",
            "172.16.5.4",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.254",
            "0.0.0.0",
            "0.1.2.3",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "fec0::1",
            "::ffff:127.0.0.1",
            "::ffff:10.1.2.3",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "2002:c0a8:0101::1",
        ] {
            assert!(is_private(a.parse().expect(a)), "{a}");
        }
        for a in [
            "93.184.216.34",
            "8.8.8.8",
            "100.63.255.255",
            "100.128.0.1",
            "172.32.0.1",
            "192.169.0.1",
            "2606:4700::1111",
            "::ffff:93.184.216.34",
            "64:ff9b::808:808",
            "2002:5db8:d822::1",
        ] {
            assert!(!is_private(a.parse().expect(a)), "{a}");
        }
    }

    /// A loopback server on `ip` answering every request with `answer`.
    fn serve(ip: &str, answer: String) -> u16 {
        let listener = std::net::TcpListener::bind((ip, 0)).expect("bind");
        let port = listener.local_addr().expect("addr").port();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let mut stream = stream;
                let mut buf = [0u8; 4096];
                let _ = std::io::Read::read(&mut stream, &mut buf);
                let _ = std::io::Write::write_all(&mut stream, answer.as_bytes());
            }
        });
        port
    }

    fn run(url: &str, first_private: Option<bool>) -> Result<Vec<Exchange>, WebError> {
        let url = Url::parse(url).expect("url");
        let roots = Arc::new(RootCertStore::empty());
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
            .block_on(fetch_from(&url, &Limits::default(), roots, first_private))
    }

    #[test]
    fn a_site_on_the_internet_cannot_redirect_to_this_computer() {
        // 127.0.0.2: another address of this computer (Linux and Windows answer on all
        // of 127.0.0.0/8).
        let inside = serve(
            "127.0.0.2",
            "HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\ninside".into(),
        );
        let outside = serve(
            "127.0.0.1",
            format!(
                "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.2:{inside}/admin\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            ),
        );
        // The first server stands for a site on the internet: the redirect is refused,
        // judged by the address it would connect to.
        let e = run(&format!("http://127.0.0.1:{outside}/"), Some(false)).expect_err("refused");
        assert_eq!(e.code(), "redirect_private", "{e}");
        assert!(e.to_string().contains("127.0.0.2"), "{e}");
        // Asked for by the person (the first address is itself private): followed.
        let got = run(&format!("http://127.0.0.1:{outside}/"), None).expect("followed");
        assert_eq!(got.len(), 2);
        assert_eq!(got[1].body, b"inside");
    }

    #[test]
    fn head_length_finds_the_blank_line() {
        assert_eq!(head_length(b"HTTP/1.1 200 OK\r\nA: b\r\n\r\nbody"), Some(25));
        assert_eq!(head_length(b"HTTP/1.1 200 OK\r\nA: b\r\n"), None);
    }
}
