//! Web page capture by address: what the server sent (a WARC of every request and
//! response, with the TLS certificate chain and DNS answers), and what the page looked
//! like (full-page PNG, PDF, MHTML and DOM from a headless browser). All of it becomes
//! one sealed item of kind `web_page`. Specification: docs/capture.md § "Web pages".
//!
//! Nothing is stored until everything has been fetched: a refused address, a timeout or
//! an oversized page leaves no item behind. Only the address the user gave (and the
//! redirects it answers with) is requested, plus the page's own resources while the
//! browser renders it.

pub mod account;
pub mod again;
pub mod browser;
pub mod cdp;
pub mod fetch;
pub mod media;
mod no_images;
pub mod redact;
pub mod render;
pub mod spool;
pub mod tls;
pub mod wacz;
pub mod warc;

use safekeep_core::Coded;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use safekeep_core::Vault;
use safekeep_core::item::{Context, ItemKind, ItemRecord};
use safekeep_core::vault::{CapturedFile, CapturedItem};
use serde::Serialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use url::Url;

use fetch::Exchange;
use redact::Removed;
use render::{RenderInfo, RenderOptions, Rendered};

/// Longest address accepted. Browsers and servers commonly stop near 8 KiB; 32 KiB leaves
/// room for the long tracking addresses social sites produce.
pub const MAX_URL_LEN: usize = 32 * 1024;
/// Default cap on a response body.
pub const DEFAULT_MAX_BODY: u64 = 200 << 20;
/// Default time allowed for each request, and for the browser to load the page.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default number of redirects followed.
pub const DEFAULT_MAX_REDIRECTS: usize = 10;

/// What a capture may do before it gives up.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest response body, in bytes.
    pub max_body: u64,
    /// Time allowed for each request (connect to last byte).
    pub timeout: Duration,
    /// Redirects followed before giving up.
    pub max_redirects: usize,
    /// Capture even when the certificate does not verify (the user confirmed; the record
    /// says it did not verify and why).
    pub accept_invalid_certificate: bool,
    /// Whether this computer and private networks may be reached (`fetch::is_private`).
    /// `None`: only when the address asked for is itself there (then every redirect may
    /// be too). The videos a page names get the page's answer.
    pub private_addresses: Option<bool>,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body: DEFAULT_MAX_BODY,
            timeout: DEFAULT_TIMEOUT,
            max_redirects: DEFAULT_MAX_REDIRECTS,
            accept_invalid_certificate: false,
            private_addresses: None,
        }
    }
}

/// Whether and with what the page is rendered.
#[derive(Debug, Clone, Default)]
pub enum Render {
    /// Find an installed browser; without one, capture the fetch only and say so.
    #[default]
    Auto,
    /// Use this browser program.
    With(PathBuf),
    /// Fetch only.
    Skip,
}

/// One capture of a web page.
#[derive(Debug, Clone, Default)]
pub struct WebRequest {
    /// The address as the person typed it (`https://` is assumed when no scheme is given).
    pub url: String,
    /// Caps and timeouts.
    pub limits: Limits,
    /// Certificate authorities to trust besides the system's (PEM files).
    pub extra_authorities: Vec<PathBuf>,
    /// How the page is rendered.
    pub render: Render,
    /// What the person said about it.
    pub context: Context,
    /// The earlier capture of the same address this one checks again.
    pub check_again: Option<again::CheckAgain>,
    /// Whether the videos the page shows are kept too.
    pub media: media::Media,
    /// The case keeps no pictures or videos (docs/safeguarding.md): the capture keeps
    /// addresses, text and account names, and records each body it left out.
    pub no_images: bool,
}

/// Why a web capture failed. Nothing was stored in every case.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// The request itself is unusable (empty address, unreadable authority file…).
    #[error("{0}. Nothing was saved.")]
    Input(String),
    /// Not an http or https address.
    #[error(
        "“{url}” is a {scheme}: address. Only web addresses starting with http:// or https:// can be captured. To keep a file you already have, use Import instead. Nothing was saved."
    )]
    Scheme {
        /// As given.
        url: String,
        /// The refused scheme.
        scheme: String,
    },
    /// Not an address at all.
    #[error(
        "“{url}” is not a web address ({reason}). Copy the address from the browser's address bar. Nothing was saved."
    )]
    BadUrl {
        /// As given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Longer than [`MAX_URL_LEN`].
    #[error("the address is {len} characters long; at most {max} can be captured. Nothing was saved.")]
    UrlTooLong {
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The host name did not resolve.
    #[error(
        "the site name {host} could not be found ({reason}). Check the address and the internet connection. Nothing was saved."
    )]
    Dns {
        /// The host name.
        host: String,
        /// The resolver's answer.
        reason: String,
    },
    /// No connection could be made.
    #[error(
        "could not connect to {url}: {reason}. Check the address and the internet connection. Nothing was saved."
    )]
    Connect {
        /// Where.
        url: String,
        /// Why.
        reason: String,
    },
    /// The certificate did not verify and the user has not accepted that.
    #[error(
        "the site's certificate did not verify: {reason}. Someone may be intercepting the connection, or the site is misconfigured. You can capture it anyway (the record will say the certificate did not verify and why). Nothing was saved."
    )]
    Certificate {
        /// Where.
        url: String,
        /// Why, in words.
        reason: String,
    },
    /// A request took too long.
    #[error(
        "{url} did not answer within {seconds} s. Try again later, or capture the screen instead. Nothing was saved."
    )]
    Timeout {
        /// Where.
        url: String,
        /// The limit.
        seconds: u64,
    },
    /// Redirects went on too long.
    #[error(
        "{url} redirected more than {limit} times. Capture the address the browser finally shows instead. Nothing was saved."
    )]
    TooManyRedirects {
        /// Where it started.
        url: String,
        /// The limit.
        limit: usize,
    },
    /// A redirect pointed at a non-web address.
    #[error(
        "{from} redirected to “{to}”, which is not an http or https address, so it was not followed. Nothing was saved."
    )]
    RedirectScheme {
        /// The redirecting address.
        from: String,
        /// Where it pointed.
        to: String,
    },
    /// The site sent Safekeep (by a redirect, or a video it names) to this computer or a
    /// private network, and the address asked for is not there.
    #[error(
        "the site sent Safekeep to {to}, which is at {address}: this computer or a private network, not the internet. Safekeep does not follow a site there (it could reach devices on this network that the site should not). To capture that address, give it yourself. Nothing was saved."
    )]
    RedirectPrivate {
        /// Where it pointed.
        to: String,
        /// The private address it led to.
        address: String,
    },
    /// The body is over the cap.
    #[error(
        "{url} sends more than {} MiB, the limit for one capture. If this is expected (a long video, for example), capture it with `safekeep capture url --max-body-mib N`, or capture the screen instead. Nothing was saved.",
        limit >> 20
    )]
    TooLarge {
        /// Where.
        url: String,
        /// The cap in bytes.
        limit: u64,
    },
    /// The server's answer was not valid HTTP, or the connection broke.
    #[error("the exchange with {url} failed: {reason}. Try again. Nothing was saved.")]
    Protocol {
        /// Where.
        url: String,
        /// Why.
        reason: String,
    },
    /// A browser was named but cannot be used.
    #[error("{0}. Nothing was saved.")]
    Browser(String),
    /// The vault refused the item.
    #[error(transparent)]
    Vault(#[from] safekeep_core::Error),
}

impl Coded for WebError {
    /// A stable code for the UI and scripts.
    fn code(&self) -> &'static str {
        match self {
            Self::Input(_) => "bad_input",
            Self::Scheme { .. } => "unsupported_scheme",
            Self::BadUrl { .. } => "bad_url",
            Self::UrlTooLong { .. } => "url_too_long",
            Self::Dns { .. } => "dns_failed",
            Self::Connect { .. } => "connect_failed",
            Self::Certificate { .. } => "certificate_invalid",
            Self::Timeout { .. } => "timeout",
            Self::TooManyRedirects { .. } => "too_many_redirects",
            Self::RedirectScheme { .. } => "redirect_refused",
            Self::RedirectPrivate { .. } => "redirect_private",
            Self::TooLarge { .. } => "too_large",
            Self::Protocol { .. } => "http_failed",
            Self::Browser(_) => "no_browser",
            Self::Vault(e) => e.code(),
        }
    }
}

/// Reads an address as a person would type it: surrounding spaces ignored, `https://`
/// assumed when no scheme is given, only http and https accepted.
pub fn parse_address(input: &str) -> Result<Url, WebError> {
    let typed = input.trim();
    if typed.is_empty() {
        return Err(WebError::Input(
            "no address was given. Copy the page's address from the browser's address bar".into(),
        ));
    }
    if typed.len() > MAX_URL_LEN {
        return Err(WebError::UrlTooLong {
            len: typed.chars().count(),
            max: MAX_URL_LEN,
        });
    }
    let bad = |e: url::ParseError| WebError::BadUrl {
        url: typed.to_owned(),
        reason: e.to_string(),
    };
    let url = match Url::parse(typed) {
        // `example.com:8080/x` parses with the scheme `example.com`.
        Ok(u) if u.scheme().contains('.') => Url::parse(&format!("https://{typed}")).map_err(bad)?,
        Ok(u) => u,
        Err(url::ParseError::RelativeUrlWithoutBase) => {
            Url::parse(&format!("https://{typed}")).map_err(bad)?
        }
        Err(e) => return Err(bad(e)),
    };
    check_scheme(&url).map_err(|scheme| WebError::Scheme {
        url: typed.to_owned(),
        scheme,
    })?;
    if url.host_str().is_none_or(str::is_empty) {
        return Err(WebError::BadUrl {
            url: typed.to_owned(),
            reason: "it has no site name".into(),
        });
    }
    if url.as_str().len() > MAX_URL_LEN {
        return Err(WebError::UrlTooLong {
            len: url.as_str().len(),
            max: MAX_URL_LEN,
        });
    }
    Ok(url)
}

/// Accepts `http` and `https`; returns the scheme otherwise.
pub(crate) fn check_scheme(url: &Url) -> Result<(), String> {
    match url.scheme() {
        "http" | "https" => Ok(()),
        other => Err(other.to_owned()),
    }
}

/// A fetched (and perhaps rendered) page, ready to store.
#[derive(Debug)]
pub struct WebCapture {
    /// The item to seal.
    pub item: CapturedItem,
    /// What the person should be told.
    pub summary: Summary,
}

/// What happened, for the CLI and the app.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// The address after redirects.
    pub final_url: String,
    /// Recorded in Safekeep's browser: its name and version (otherwise fetched directly).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub browser: Option<String>,
    /// Its status code.
    pub status: u16,
    /// Requests made (1 + redirects).
    pub requests: usize,
    /// `Some(false)` when the certificate did not verify and the user accepted that.
    pub certificate_verified: Option<bool>,
    /// Why there is no render, when there is none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub render_skipped: Option<String>,
    /// The page looks like a login wall: the content itself probably needs a screen capture.
    pub login_suspected: bool,
    /// The account the page is about, as the page says it ([`account`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<account::Account>,
    /// The videos the page shows: kept, or only counted (when not asked to keep them).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media: Option<media::Report>,
    /// For "check again": what changed since the earlier capture.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compared: Option<again::Comparison>,
    /// Time taken, ms.
    pub millis: Millis,
}

/// Where a capture's time went, ms.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Millis {
    /// Fetching (every hop).
    pub fetch: u64,
    /// Rendering (launch to last output).
    pub render: u64,
    /// Sealing into the vault.
    pub store: u64,
    /// Everything.
    pub total: u64,
}

/// A stored capture.
#[derive(Debug, Serialize)]
pub struct Captured {
    /// The sealed item.
    pub item: ItemRecord,
    /// What happened.
    pub summary: Summary,
}

/// Fetches and renders the page without touching a vault (so the vault is not held
/// while the network is slow). `now` gives capture times.
pub fn capture(
    request: &WebRequest,
    now: &dyn Fn() -> DateTime<chrono::FixedOffset>,
) -> Result<WebCapture, WebError> {
    let began = Instant::now();
    let url = parse_address(&request.url)?;
    let browser = match &request.render {
        Render::Skip => Err("rendering was turned off".to_owned()),
        Render::Auto => render::find_browser(None),
        Render::With(path) => Ok(render::find_browser(Some(path)).map_err(WebError::Browser)?),
    };
    let roots = tls::root_store(&request.extra_authorities)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| WebError::Input(format!("the network could not be started ({e})")))?;
    let started = now();
    let exchanges = runtime.block_on(fetch::fetch(&url, &request.limits, roots.clone()))?;
    let fetch_ms = began.elapsed().as_millis() as u64;
    let render_began = Instant::now();
    let rendered: Result<Rendered, String> = match browser {
        Ok(browser) => {
            let options = RenderOptions {
                browser,
                load_timeout: request.limits.timeout,
                ignore_certificate_errors: request.limits.accept_invalid_certificate
                    || !request.extra_authorities.is_empty(),
            };
            runtime.block_on(render::render(url.as_str(), &options))
        }
        Err(why) => Err(why),
    };
    let mut inline_removed = 0;
    let rendered = rendered.map(|mut r| {
        if request.no_images {
            let (dom, addresses, runs) = no_images::scrub(&r.dom);
            (r.dom, inline_removed) = (dom, addresses + runs);
        }
        r
    });
    let render_ms = if rendered.is_ok() {
        render_began.elapsed().as_millis() as u64
    } else {
        0
    };
    // A page may name a video anywhere; reaching this computer or a private network is
    // allowed only when the page itself is there.
    let mut for_videos = request.clone();
    for_videos.limits.private_addresses = exchanges.first().map(|e| fetch::is_private(e.remote.ip()));
    if request.no_images {
        // A video is never downloaded for a no-images case: counting them is enough.
        for_videos.media = media::Media::Count;
    }
    let videos = match exchanges.last() {
        Some(last) if !is_media(last) => media::collect(
            &runtime,
            &last.url,
            if last.header("content-type").is_some_and(|t| t.contains("html")) {
                &last.body
            } else {
                &[]
            },
            rendered.as_ref().ok().map(|r| r.dom.as_slice()),
            &for_videos,
            roots,
        ),
        _ => media::Kept::default(),
    };
    drop(runtime);
    let finished = now();
    let last = exchanges
        .last()
        .ok_or_else(|| WebError::Input("no request was made".into()))?;
    let kept: Vec<Kept> = exchanges.iter().chain(&videos.exchanges).map(Kept::of).collect();
    let page_html = match &rendered {
        Ok(r) => r.dom.as_slice(),
        Err(_) if last.header("content-type").is_some_and(|t| t.contains("html")) => last.body.as_slice(),
        Err(_) => &[],
    };
    let account = account::from_page(&last.url, page_html);
    let summary = Summary {
        browser: None,
        final_url: redact::address_only(last.url.as_str()),
        status: last.status,
        requests: exchanges.len(),
        certificate_verified: last.tls.as_ref().map(|t| t.verification.verified),
        render_skipped: rendered.as_ref().err().cloned(),
        login_suspected: login_suspected(&url, last),
        account: account.clone(),
        media: (videos.report.asked || !videos.report.found.is_empty()).then(|| videos.report.clone()),
        compared: request.check_again.as_ref().map(|then| {
            let body = kept
                .get(exchanges.len().wrapping_sub(1))
                .and_then(|k| k.body.as_deref())
                .unwrap_or(&last.body);
            again::compare(then, last, body)
        }),
        millis: Millis {
            fetch: fetch_ms,
            render: render_ms,
            store: 0,
            total: began.elapsed().as_millis() as u64,
        },
    };
    let mut machine = describe(request, &url, &exchanges, &kept, &rendered, &started, &finished);
    if let Some(report) = &summary.media {
        machine["media"] = serde_json::to_value(report).unwrap_or(Value::Null);
        machine["media"]["exchanges"] = videos
            .exchanges
            .iter()
            .map(|e| {
                json!({
                    "url": redact::address_only(e.url.as_str()),
                    "sent_at": e.sent_at.to_rfc3339(),
                    "remote_ip": e.remote.ip().to_string(),
                    "status": e.status,
                    "response_bytes": e.response.len(),
                    "certificate_verified": e.tls.as_ref().map(|t| t.verification.verified),
                })
            })
            .collect();
    }
    if let Some(a) = &account {
        machine["account"] = a.record();
    }
    if request.no_images {
        machine["no_images_case"] = no_images::record(
            exchanges
                .iter()
                .chain(&videos.exchanges)
                .map(warc::WarcExchange::from),
            if rendered.is_ok() {
                "the full-page picture, the PDF and the MHTML snapshot were not kept; the page's text is in dom.html"
            } else {
                "none were made"
            },
            inline_removed,
        );
    }
    redact::addresses_in(&mut machine);
    let no_images = request.no_images;
    let mut files = files(
        exchanges,
        kept,
        videos,
        &machine,
        rendered.ok(),
        &started,
        no_images,
    )?;
    if no_images {
        // Text only (the WARC was judged body by body as it was written).
        files = files
            .into_iter()
            .filter_map(|mut f| {
                if f.role == "page" {
                    return Some(f);
                }
                let bytes = std::mem::take(&mut f.bytes);
                no_images::keep_file(&f.media_type, bytes).map(|b| {
                    f.bytes = b;
                    f
                })
            })
            .collect();
    }
    let title = match url.host_str() {
        Some(host) => format!("Web page {}{}", unicode_host(host), path_hint(&url)),
        None => format!("Web page {url}"),
    };
    Ok(WebCapture {
        item: CapturedItem {
            kind: ItemKind::WebPage,
            title,
            started,
            files,
            machine,
            context: with_source(request.context.clone(), &url),
        },
        summary,
    })
}

/// Seals a capture made by [`capture`] into `case`.
pub fn store(vault: &mut Vault, case_id: &str, mut page: WebCapture) -> Result<Captured, WebError> {
    let began = Instant::now();
    let source = page.item.context.source_url.take();
    page.item.context.source_url = source.map(|u| redact::address_only(&u));
    let item = vault.add_capture(case_id, page.item, &mut || {})?;
    let mut summary = page.summary;
    summary.millis.store = began.elapsed().as_millis() as u64;
    summary.millis.total += summary.millis.store;
    Ok(Captured { item, summary })
}

/// Fetches, renders and seals a page into `case_id` (checked first, before any request).
pub fn capture_to_vault(
    vault: &mut Vault,
    case_id: &str,
    request: &WebRequest,
) -> Result<Captured, WebError> {
    let case = vault.resolve_case(case_id)?;
    let mut request = request.clone();
    request.no_images |= vault.is_no_images_case(&case.id)?;
    let clock = vault.clock();
    let page = capture(&request, &|| clock.now())?;
    store(vault, &case.id, page)
}

/// The person's source address defaults to the one captured.
fn with_source(mut context: Context, url: &Url) -> Context {
    if context.source_url.as_deref().is_none_or(str::is_empty) {
        context.source_url = Some(url.to_string());
    }
    context
}

fn unicode_host(host: &str) -> String {
    let (unicode, result) = idna::domain_to_unicode(host);
    if result.is_ok() { unicode } else { host.to_owned() }
}

fn path_hint(url: &Url) -> String {
    let path = url.path();
    if path == "/" {
        return String::new();
    }
    let short: String = path.chars().take(48).collect();
    if short.len() < path.len() {
        format!("{short}…")
    } else {
        short
    }
}

/// The address is itself a video (or stream): its body is the video, nothing to look for.
fn is_media(last: &Exchange) -> bool {
    last.header("content-type")
        .and_then(|t| t.split(';').next())
        .map(|t| t.trim().to_ascii_lowercase())
        .is_some_and(|t| t.starts_with("video/") || t.starts_with("audio/") || t.contains("mpegurl"))
}

/// A login page answers instead of the content: the person should capture their screen.
fn login_suspected(asked: &Url, last: &Exchange) -> bool {
    if matches!(last.status, 401 | 403 | 407) {
        return true;
    }
    let moved_to_login = ["login", "signin", "sign_in", "sign-in", "accounts/", "auth"]
        .iter()
        .any(|w| {
            last.url.path().to_ascii_lowercase().contains(w) && !asked.path().to_ascii_lowercase().contains(w)
        });
    let html = last.header("content-type").is_some_and(|t| t.contains("html"));
    let password_field = html && {
        let text = String::from_utf8_lossy(&last.body[..last.body.len().min(2 << 20)]).to_ascii_lowercase();
        text.contains("type=\"password\"")
            || text.contains("type='password'")
            || text.contains("type=password")
    };
    moved_to_login || password_field
}

/// The machine metadata sealed with the item (and repeated in the WARC's metadata record).
fn describe(
    request: &WebRequest,
    url: &Url,
    exchanges: &[Exchange],
    kept: &[Kept],
    rendered: &Result<Rendered, String>,
    started: &DateTime<chrono::FixedOffset>,
    finished: &DateTime<chrono::FixedOffset>,
) -> Value {
    let hops: Vec<Value> = exchanges.iter().zip(kept).map(describe_exchange).collect();
    let mut removed = Removed::default();
    for k in kept {
        removed.add(&k.removed);
    }
    if let Ok(r) = rendered {
        removed.password_fields += r.password_fields;
    }
    let render: Value = match rendered {
        Ok(r) => serde_json::to_value::<&RenderInfo>(&r.info).unwrap_or(Value::Null),
        Err(why) => json!({ "skipped": why }),
    };
    let mut machine = json!({
        "source": "web",
        "method": "HTTP/1.1 GET by Safekeep (hyper over rustls), one connection per request, bytes recorded as sent and received; rendered separately by a headless Chromium-family browser",
        "requested": redact::address_only(request.url.trim()),
        "url": redact::address_only(url.as_str()),
        "host_unicode": url.host_str().map(unicode_host),
        "final_url": kept.get(exchanges.len().wrapping_sub(1)).map(|k| k.url.as_str()),
        "status": exchanges.last().map(|e| e.status),
        "started": started.to_rfc3339(),
        "finished": finished.to_rfc3339(),
        "limits": {
            "max_body_bytes": request.limits.max_body,
            "timeout_seconds": request.limits.timeout.as_secs(),
            "max_redirects": request.limits.max_redirects,
        },
        "invalid_certificate_accepted_by_user": request.limits.accept_invalid_certificate,
        "extra_authorities": request.extra_authorities.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
        "exchanges": hops,
        "render": render,
        "login_secrets_removed": removed.record(),
        "os": std::env::consts::OS,
    });
    if let Some(c) = &request.check_again {
        machine["check_again_of"] = json!({"item_id": c.item_id, "captured_at": c.captured_at});
    }
    machine
}

fn describe_exchange((ex, kept): (&Exchange, &Kept)) -> Value {
    let mut request_headers = [httparse::EMPTY_HEADER; 64];
    let mut parsed = httparse::Request::new(&mut request_headers);
    let sent: Vec<(String, String)> = match parsed.parse(&kept.request) {
        Ok(_) => parsed
            .headers
            .iter()
            .map(|h| (h.name.to_owned(), String::from_utf8_lossy(h.value).into_owned()))
            .collect(),
        Err(_) => Vec::new(),
    };
    let body = kept.body.as_deref().unwrap_or(&ex.body);
    json!({
        "url": kept.url,
        "method": parsed.method.unwrap_or("GET"),
        "sent_at": ex.sent_at.to_rfc3339(),
        "received_at": ex.received_at.to_rfc3339(),
        "dns": ex.dns,
        "remote_ip": ex.remote.ip().to_string(),
        "remote_port": ex.remote.port(),
        "request_headers": sent,
        "status": ex.status,
        "reason": ex.reason,
        "response_headers": kept.headers,
        "body_bytes": body.len(),
        "body_sha256": hex::encode(Sha256::digest(body)),
        "body_redacted": kept.body.is_some().then_some(true),
        "redirect_to": ex.location.as_ref().map(|l| redact::address_only(l.as_str())),
        "millis": ex.millis,
        "tls": ex.tls,
    })
}

/// One exchange of Safekeep's own fetch as it is written: the wire bytes with login
/// secrets removed (docs/security.md § "Login secrets in web captures").
struct Kept {
    /// The address, redacted: the records' target everywhere.
    url: String,
    /// The request as sent, redacted.
    request: Vec<u8>,
    /// The response head as received, redacted.
    head: Vec<u8>,
    /// The body, when secret values were removed from it (else the one received).
    body: Option<Vec<u8>>,
    /// The response headers, redacted.
    headers: Vec<(String, String)>,
    /// What was removed.
    removed: Removed,
}

impl Kept {
    fn of(ex: &Exchange) -> Self {
        let mut removed = Removed::default();
        let url = redact::address(ex.url.as_str(), &mut removed);
        // The address is also in the request line: counted once.
        let request = redact::wire_request(&ex.request, &mut Removed::default());
        let headers = redact::headers(&ex.headers, &mut Removed::default());
        let before = removed.clone();
        let body = ex
            .header("content-type")
            .and_then(|t| redact::body(t, &ex.body, &mut removed));
        let note = if body.is_some() {
            browser::message::redacted_field(&before, &removed)
        } else {
            String::new()
        };
        let raw_head = &ex.response[..ex.head_len.min(ex.response.len())];
        let head = redact::wire_response_head(raw_head, body.as_ref().map(Vec::len), &note, &mut removed);
        Self {
            url,
            request,
            head,
            body,
            headers,
            removed,
        }
    }

    fn warc<'a>(&'a self, ex: &'a Exchange) -> warc::WarcExchange<'a> {
        let mut view = warc::WarcExchange::from(ex);
        view.url = &self.url;
        view.request = &self.request;
        view.response_head = &self.head;
        if let Some(b) = &self.body {
            view.body = warc::Payload::Bytes(b);
        }
        view
    }
}

/// One file of a capture.
pub(crate) fn captured_file(role: &str, name: &str, media_type: &str, bytes: Vec<u8>) -> CapturedFile {
    CapturedFile {
        role: role.into(),
        name: name.into(),
        media_type: media_type.into(),
        bytes,
    }
}

/// The item's files, in order: WARC (the page's exchanges, then those for its videos),
/// body, certificates, the render, then the videos. Takes the exchanges so that the final
/// body moves into its file instead of being copied.
fn files(
    mut exchanges: Vec<Exchange>,
    kept: Vec<Kept>,
    videos: media::Kept,
    machine: &Value,
    rendered: Option<Rendered>,
    started: &DateTime<chrono::FixedOffset>,
    no_images: bool,
) -> Result<Vec<CapturedFile>, WebError> {
    let last = exchanges
        .last()
        .ok_or_else(|| WebError::Input("no request was made".into()))?;
    let metadata = serde_json::to_vec_pretty(machine).map_err(|e| WebError::Input(e.to_string()))?;
    let info = warc::WarcInfo {
        filename: "page.warc.gz".into(),
        date: started.with_timezone(&Utc),
        description: "A web page captured as evidence. Each request and response is recorded exactly as sent and received.".into(),
        no_images,
    };
    let views: Vec<warc::WarcExchange<'_>> = exchanges
        .iter()
        .chain(&videos.exchanges)
        .zip(&kept)
        .map(|(ex, k)| k.warc(ex))
        .collect();
    let warc = warc::write(&info, &views, &metadata, &mut rand::rng())
        .map_err(|e| WebError::Input(format!("the WARC could not be written ({e})")))?
        .bytes;
    drop(views);
    let media = last
        .header("content-type")
        .and_then(|t| t.split(';').next())
        .map(|t| t.trim().to_ascii_lowercase())
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| "application/octet-stream".into());
    let ext = mime_guess::get_mime_extensions_str(&media)
        .and_then(|e| {
            e.iter()
                .find(|x| {
                    [
                        "html", "htm", "png", "jpg", "jpeg", "gif", "webp", "json", "txt", "pdf", "mp4",
                        "svg", "xml", "css", "js",
                    ]
                    .contains(x)
                })
                .or(e.first())
        })
        .map(|e| if *e == "htm" { "html" } else { e })
        .unwrap_or("bin");
    let file = captured_file;
    let mut files = vec![
        file("page", "page.warc.gz", "application/warc", warc),
        file(
            "response_body",
            &format!("response-body.{ext}"),
            &media,
            Vec::new(),
        ),
    ];
    let chains: Vec<String> = exchanges
        .iter()
        .chain(&videos.exchanges)
        .zip(&kept)
        .filter_map(|(e, k)| e.tls.as_ref().map(|t| format!("# {}\n{}", k.url, t.chain_pem)))
        .collect();
    let last_kept = kept.into_iter().nth(exchanges.len().wrapping_sub(1));
    if let Some(last) = exchanges.last_mut() {
        files[1].bytes = last_kept
            .and_then(|k| k.body)
            .unwrap_or_else(|| std::mem::take(&mut last.body));
    }
    if !chains.is_empty() {
        files.push(file(
            "tls_certificates",
            "tls-certificates.pem",
            "application/x-pem-file",
            chains.concat().into_bytes(),
        ));
    }
    if let Some(r) = rendered {
        files.push(file("full_page", "full-page.png", "image/png", r.png));
        files.push(file("print", "print.pdf", "application/pdf", r.pdf));
        files.push(file("snapshot", "snapshot.mhtml", "multipart/related", r.mhtml));
        files.push(file("dom", "dom.html", "text/html", r.dom));
    }
    files.extend(videos.files);
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_read_as_people_type_them() {
        assert_eq!(
            parse_address("  example.com/a b ").expect("ok").as_str(),
            "https://example.com/a%20b"
        );
        assert_eq!(
            parse_address("example.com:8443/x").expect("ok").as_str(),
            "https://example.com:8443/x"
        );
        assert_eq!(
            parse_address("http://bücher.example/ü").expect("ok").as_str(),
            "http://xn--bcher-kva.example/%C3%BC"
        );
        assert_eq!(unicode_host("xn--bcher-kva.example"), "bücher.example");
    }

    #[test]
    fn only_web_addresses_are_accepted() {
        for (given, scheme) in [
            ("file:///etc/passwd", "file"),
            ("javascript:alert(1)", "javascript"),
            ("data:text/html,hi", "data"),
            ("ftp://example.com/x", "ftp"),
        ] {
            let e = parse_address(given).expect_err(given);
            assert_eq!(e.code(), "unsupported_scheme", "{given}");
            assert!(e.to_string().contains(&format!("is a {scheme}: address")), "{e}");
        }
        assert_eq!(parse_address("").expect_err("empty").code(), "bad_input");
        assert_eq!(parse_address("https://").expect_err("no host").code(), "bad_url");
        let long = format!("https://example.com/{}", "a".repeat(MAX_URL_LEN));
        assert_eq!(parse_address(&long).expect_err("long").code(), "url_too_long");
        let fits = format!("https://example.com/{}", "a".repeat(8000));
        assert!(parse_address(&fits).is_ok());
    }
}
