//! "Capture this page": a tab as it is now — its recording, two screenshots, MHTML and
//! DOM of the same load — as one `web_page` item with a WARC and a WACZ.
//!
//! The WARC and the WACZ are written to the session's spool (sealed, on disk) from the
//! recorded bodies, read as streams, and sealed into the vault from there: a page's size
//! costs disk, not memory.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chromiumoxide::cdp::browser_protocol::input::{DispatchMouseEventParams, DispatchMouseEventType};
use chromiumoxide::cdp::browser_protocol::network::GetCertificateParams;
use chromiumoxide::cdp::browser_protocol::page::{
    CaptureScreenshotFormat, CaptureScreenshotParams, GetLayoutMetricsParams, Viewport,
};
use chrono::{DateTime, FixedOffset, Utc};
use rustls::pki_types::CertificateDer;
use safekeep_core::Vault;
use safekeep_core::item::{Context, ItemKind};
use safekeep_core::vault::{CapturedFile, CapturedItem, StreamedFile};
use serde_json::{Value, json};
use url::Url;

use super::super::redact::{self, Removed};
use super::super::render::Size;
use super::super::spool::{Body, Spool};
use super::super::{Captured, Millis, Summary, WebError, no_images, tls, wacz, warc};
use super::message::messages;
use super::recorder::Recording;
use super::{SETTLE_QUIET, Session, Tab};

/// Tallest full-page picture, in CSS pixels; a longer page is cut there (and the record
/// says so). Chromium's own limit for one capture is 16,384 device pixels.
pub const MAX_SHOT_HEIGHT: u32 = 16_384;

/// "Scroll to load more": how long and how far.
#[derive(Debug, Clone, Copy)]
pub struct ScrollLimits {
    /// Longest time spent scrolling.
    pub time: Duration,
    /// Stop once the page is this tall (CSS pixels).
    pub height: u32,
}

impl Default for ScrollLimits {
    fn default() -> Self {
        Self {
            time: Duration::from_secs(20),
            height: 50_000,
        }
    }
}

/// One file of a browser capture: its bytes in memory or in the session's spool.
#[derive(Debug, Clone)]
pub struct PageFile {
    /// Its role in the item, e.g. `page`.
    pub role: String,
    /// A file name for bundles, e.g. `page.warc.gz`.
    pub name: String,
    /// Media type.
    pub media_type: String,
    /// The bytes.
    pub body: Body,
}

impl From<CapturedFile> for PageFile {
    fn from(f: CapturedFile) -> Self {
        Self {
            role: f.role,
            name: f.name,
            media_type: f.media_type,
            body: Body::Memory(f.bytes),
        }
    }
}

/// A sealed-to-be capture of one tab.
#[derive(Debug)]
pub struct PageCapture {
    /// The page's address now.
    pub url: String,
    /// Its title.
    pub title: String,
    /// The files, in order.
    pub files: Vec<PageFile>,
    /// What is recorded about it.
    pub machine: Value,
    /// What the person said.
    pub context: Context,
    /// When the capture began.
    pub started: DateTime<Utc>,
    /// Requests recorded.
    pub requests: usize,
    /// The status code of the document shown (0 when the recording does not hold it,
    /// e.g. a page from the browser's memory cache).
    pub status: u16,
    /// Time taken, ms.
    pub millis: u64,
    /// The videos the page loaded (files and what became of each).
    pub videos: super::videos::Recorded,
    /// Whether those videos become files of the item (otherwise only counted).
    pub keep_videos: bool,
    /// Made for a no-images case (docs/safeguarding.md): no picture of the page, no
    /// picture or video body, no video files.
    pub no_images: bool,
    /// The account the page is about, as its DOM says it.
    pub account: Option<super::super::account::Account>,
}

pub(super) async fn capture(
    session: &Session,
    tab: &Tab,
    scroll: Option<ScrollLimits>,
    no_images: bool,
) -> Result<PageCapture, WebError> {
    let began = Instant::now();
    let started = Utc::now();
    let failed = |what: &str, e: &dyn std::fmt::Display| {
        WebError::Browser(format!("the browser could not {what} ({e})"))
    };
    let page = &tab.page;
    let scrolled = match scroll {
        Some(limits) => Some(scroll_to_load(tab, limits, session.options.load_timeout).await),
        None => None,
    };
    let settled = tab.recorder.settle(SETTLE_QUIET, Duration::from_secs(5)).await;
    let url = page.url().await.unwrap_or_default();
    let parsed = Url::parse(&url).map_err(|_| {
        WebError::Input(format!(
            "the tab shows “{url}”, which is not a web page. Open the page to capture in the tab first"
        ))
    })?;
    super::super::check_scheme(&parsed).map_err(|scheme| WebError::Scheme {
        url: url.clone(),
        scheme,
    })?;
    let title = page.title().await.unwrap_or_default();
    let metrics = page
        .execute(GetLayoutMetricsParams::default())
        .await
        .map_err(|e| failed("measure the page", &e))?;
    let viewport = Size {
        width: metrics.css_layout_viewport.client_width as u32,
        height: metrics.css_layout_viewport.client_height as u32,
    };
    let content_height = metrics.css_content_size.height.max(1.0) as u32;
    let full = Size {
        width: (metrics.css_content_size.width.max(1.0) as u32).max(viewport.width),
        height: content_height.min(MAX_SHOT_HEIGHT),
    };
    // A no-images case gets no picture of the page at all: the screenshots and the MHTML
    // snapshot hold its pictures; the DOM keeps its text, without inline pictures.
    let (viewport_png, full_png) = if no_images {
        (Vec::new(), Vec::new())
    } else {
        screenshots(page, full).await?
    };
    let (mhtml, dom, password_fields) = super::super::render::documents(page)
        .await
        .map_err(WebError::Browser)?;
    let (mhtml, dom, inline_removed) = if no_images {
        let (dom, addresses, runs) = no_images::scrub(&dom);
        (Vec::new(), dom, addresses + runs)
    } else {
        (mhtml, dom, 0)
    };
    let account = super::super::account::from_page(&parsed, &dom);
    let mut recording = tab.recorder.take(Duration::from_secs(10)).await;
    let certificates = certificates(tab, &recording).await;
    let finished = Utc::now();
    let (files, mut machine) = build(
        &url,
        &title,
        session,
        &recording,
        &certificates,
        Shots {
            viewport,
            full,
            content_height,
            viewport_png,
            full_png,
            mhtml,
            dom,
            password_fields,
            no_images: no_images.then_some(inline_removed),
        },
        (started, finished),
        settled,
        scrolled,
    )?;
    if let Some(a) = &account {
        machine["account"] = a.record();
    }
    let status = document_status(&recording.exchanges, &url);
    let mut videos = super::videos::take(&mut recording);
    if no_images {
        videos.files.clear();
    }
    Ok(PageCapture {
        url,
        title,
        files,
        machine,
        context: Context::default(),
        started,
        requests: recording.exchanges.len(),
        status,
        millis: began.elapsed().as_millis() as u64,
        videos,
        keep_videos: false,
        no_images,
        account,
    })
}

/// The tab as it shows now, and the whole page (cut at [`MAX_SHOT_HEIGHT`]), as PNGs.
async fn screenshots(page: &super::super::cdp::Page, full: Size) -> Result<(Vec<u8>, Vec<u8>), WebError> {
    let failed = |what: &str, e: &dyn std::fmt::Display| {
        WebError::Browser(format!("the browser could not {what} ({e})"))
    };
    let shot = |clip: Option<Viewport>| CaptureScreenshotParams {
        format: Some(CaptureScreenshotFormat::Png),
        capture_beyond_viewport: Some(clip.is_some()),
        clip,
        ..CaptureScreenshotParams::default()
    };
    let decode = |b: chromiumoxide::types::Binary| data_encoding::BASE64.decode(AsRef::<[u8]>::as_ref(&b));
    let viewport_png = page
        .execute(shot(None))
        .await
        .map_err(|e| failed("take the screenshot", &e))
        .and_then(|r| decode(r.data).map_err(|e| failed("take the screenshot", &e)))?;
    let full_png = page
        .execute(shot(Some(Viewport {
            x: 0.0,
            y: 0.0,
            width: f64::from(full.width),
            height: f64::from(full.height),
            scale: 1.0,
        })))
        .await
        .map_err(|e| failed("take the full-page picture", &e))
        .and_then(|r| decode(r.data).map_err(|e| failed("take the full-page picture", &e)))?;
    Ok((viewport_png, full_png))
}

struct Shots {
    viewport: Size,
    full: Size,
    content_height: u32,
    viewport_png: Vec<u8>,
    full_png: Vec<u8>,
    mhtml: Vec<u8>,
    dom: Vec<u8>,
    password_fields: usize,
    /// Set for a no-images case: how many inline pictures left the DOM.
    no_images: Option<usize>,
}

/// Scrolls down a screen at a time, letting the page load what it loads, until the end,
/// the height cap or the time cap; then back to the top. Returns what happened.
async fn scroll_to_load(tab: &Tab, limits: ScrollLimits, load_timeout: Duration) -> Value {
    let began = Instant::now();
    let mut steps = 0u32;
    let mut unchanged = 0;
    let mut last_height = 0u64;
    let mut stopped = "reached the end of the page";
    tab.recorder.settle(SETTLE_QUIET, load_timeout).await;
    loop {
        // A real wheel event, as the person would scroll: pages listen for the scroll
        // events it causes (a script's scrollBy may not be followed by one).
        let mut wheel = DispatchMouseEventParams::new(DispatchMouseEventType::MouseWheel, 400.0, 300.0);
        wheel.delta_x = Some(0.0);
        wheel.delta_y = Some(600.0);
        let _ = tab.page.execute(wheel).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
        let height = tab
            .page
            .evaluate(
                "[document.documentElement.scrollHeight, Math.ceil(window.scrollY + window.innerHeight)]",
            )
            .await
            .ok()
            .and_then(|v| serde_json::from_value::<(u64, u64)>(v).ok());
        steps += 1;
        let remaining = limits.time.saturating_sub(began.elapsed());
        tab.recorder
            .settle(SETTLE_QUIET, remaining.min(Duration::from_secs(5)))
            .await;
        let Some((scroll_height, bottom)) = height else {
            stopped = "the page could not be scrolled";
            break;
        };
        if scroll_height >= u64::from(limits.height) {
            stopped = "reached the height limit";
            break;
        }
        if bottom >= scroll_height {
            if scroll_height == last_height {
                unchanged += 1;
            } else {
                unchanged = 0;
            }
            if unchanged >= 1 {
                break;
            }
        }
        last_height = scroll_height;
        if began.elapsed() >= limits.time {
            stopped = "reached the time limit";
            break;
        }
    }
    let _ = tab.page.evaluate("window.scrollTo(0, 0)").await;
    tab.recorder
        .settle(Duration::from_millis(200), Duration::from_secs(2))
        .await;
    json!({
        "steps": steps,
        "stopped": stopped,
        "seconds": began.elapsed().as_secs(),
        "limits": {"seconds": limits.time.as_secs(), "height": limits.height},
    })
}

/// The chain the browser used for each https origin the tab contacted.
async fn certificates(tab: &Tab, recording: &Recording) -> BTreeMap<String, Vec<Vec<u8>>> {
    let mut origins: BTreeMap<String, Vec<Vec<u8>>> = BTreeMap::new();
    for ex in &recording.exchanges {
        if let Ok(u) = Url::parse(&ex.url)
            && u.scheme() == "https"
            && !ex.from_cache
        {
            origins.entry(u.origin().ascii_serialization()).or_default();
        }
    }
    for (origin, chain) in origins.iter_mut() {
        if let Ok(r) = tab.page.execute(GetCertificateParams::new(origin.clone())).await {
            *chain = r
                .table_names
                .iter()
                .filter_map(|b| data_encoding::BASE64.decode(b.as_bytes()).ok())
                .collect();
        }
    }
    origins
}

#[allow(clippy::too_many_arguments)]
fn build(
    url: &str,
    title: &str,
    session: &Session,
    recording: &Recording,
    certificates: &BTreeMap<String, Vec<Vec<u8>>>,
    shots: Shots,
    (started, finished): (DateTime<Utc>, DateTime<Utc>),
    settled: bool,
    scrolled: Option<Value>,
) -> Result<(Vec<PageFile>, Value), WebError> {
    let built: Vec<_> = recording.exchanges.iter().map(messages).collect();
    let mut removed = Removed {
        password_fields: shots.password_fields,
        ..Removed::default()
    };
    for m in &built {
        removed.add(&m.removed);
    }
    // The tab's address is usually also an exchange's (counted there); a fragment is not.
    let mut shown = Removed::default();
    let url = &redact::address(url, &mut shown);
    if !built.iter().any(|m| m.url == *url) {
        removed.address_values += shown.address_values;
    }
    removed.names.extend(shown.names);
    // A `data:` address is no exchange: its bytes are in the page that names it, and WARC
    // readers take a record's block as HTTP only for http(s) addresses.
    let views: Vec<warc::WarcExchange<'_>> = recording
        .exchanges
        .iter()
        .zip(&built)
        .filter(|(_, m)| !is_data_address(&m.url))
        .map(|(ex, m)| {
            let mut fields = Vec::new();
            if let Some(p) = &ex.protocol {
                fields.push(("WARC-Protocol", p.to_ascii_lowercase()));
            }
            if let Some(tls) = ex.security.as_ref().and_then(|s| s["protocol"].as_str()) {
                fields.push(("WARC-Protocol", tls.to_ascii_lowercase().replace(' ', "/")));
            }
            warc::WarcExchange {
                url: &m.url,
                date: ex.sent_at,
                ip: ex
                    .remote
                    .as_ref()
                    .map(|(ip, _)| ip.trim_matches(['[', ']']).to_owned()),
                request: &m.request,
                response_head: &m.response_head,
                body: m
                    .body
                    .as_ref()
                    .or(ex.body.as_ref())
                    .map_or(warc::Payload::Bytes(&[]), warc::Payload::Body),
                status: ex.status,
                mime: ex.mime.clone(),
                fields,
            }
        })
        .collect();
    let mut chains = Vec::new();
    let mut pem = String::new();
    for (origin, ders) in certificates {
        let ders: Vec<CertificateDer<'_>> = ders.iter().map(|d| CertificateDer::from(d.as_slice())).collect();
        let (infos, text) = tls::describe_chain(&ders);
        if !text.is_empty() {
            pem.push_str(&format!("# {origin}\n{text}"));
        }
        let verdict = recording
            .exchanges
            .iter()
            .find(|e| {
                Url::parse(&e.url).is_ok_and(|u| u.origin().ascii_serialization() == *origin)
                    && e.security.is_some()
            })
            .map(|e| json!({"security_state": e.security_state, "details": e.security}));
        chains.push(json!({"origin": origin, "chain": infos, "browser_verdict": verdict}));
    }
    let exchanges: Vec<Value> = recording
        .exchanges
        .iter()
        .zip(&built)
        .map(|(e, m)| {
            json!({
                "url": if is_data_address(&m.url) { data_address_named(&m.url) } else { m.url.clone() },
                "method": e.method,
                "sent_at": e.sent_at.to_rfc3339(),
                "type": e.resource_type,
                "status": e.status,
                "mime": e.mime,
                "protocol": e.protocol,
                "remote": e.remote.as_ref().map(|(ip, port)| format!("{ip} port {port}")),
                "from_cache": e.from_cache,
                "security_state": e.security_state,
                "body_bytes": m.body.as_ref().or(e.body.as_ref()).map(Body::len),
                "body_redacted": m.body.is_some().then_some(true),
                "request_body_removed": (m.removed.request_bodies > 0).then_some(true),
                "body_streamed": e.body_streamed,
                "body_not_kept": e.body_note,
            })
        })
        .collect();
    let machine = json!({
        "source": "web",
        "method": "Safekeep's browser: recorded over the DevTools protocol from the tab's last top-level navigation; the screenshots, MHTML and DOM are of that same load (never a reload)",
        "url": url,
        "final_url": url,
        "title": title,
        "started": started.to_rfc3339(),
        "finished": finished.to_rfc3339(),
        "browser": {
            "executable": session.options.program.display().to_string(),
            "version": session.version(),
            "user_agent": session.user_agent(),
            "headless": session.options.headless,
            "profile": "Safekeep's own browser profile (never the person's everyday one)",
        },
        "viewport": shots.viewport,
        "full_page": shots.full,
        "page_height": shots.content_height,
        "full_page_cut": (shots.content_height > MAX_SHOT_HEIGHT).then(|| format!("the page is {} px tall; the picture stops at {MAX_SHOT_HEIGHT} px", shots.content_height)),
        "navigated_at": recording.navigated_at.map(|t| t.to_rfc3339()),
        "network_settled": settled,
        "scroll": scrolled,
        "requests": recording.exchanges.len(),
        "requests_unanswered": recording.failed,
        "requests_unfinished": recording.unfinished,
        "frames_and_workers": recording.children_not_recorded.as_ref().map_or_else(
            || "recorded: the tab's cross-site frames and dedicated workers were followed over a second DevTools connection".to_owned(),
            |why| format!("not recorded: {why}"),
        ),
        "login_secrets_removed": removed.record(),
        "certificates": chains,
        "exchanges": exchanges,
        "os": std::env::consts::OS,
    });
    let mut machine = integers_only(machine);
    if let Some(inline_removed) = shots.no_images {
        machine["no_images_case"] = no_images::record(
            views.iter().cloned(),
            "the screenshots and the MHTML snapshot were not made; the page's text is in dom.html",
            inline_removed,
        );
    }
    if let Some(signer) = &session.options.wacz_signer {
        // Sealed with the item, so the WACZ's key is tied to this capture in the bundle.
        machine["wacz_signed_by"] = serde_json::json!({
            "public_key": signer.public_key_base64(),
            "fingerprint": safekeep_core::bundle::wacz_signature::key_fingerprint(&signer.public_key_der()),
        });
    }
    let metadata = serde_json::to_vec_pretty(&machine).map_err(|e| WebError::Input(e.to_string()))?;
    let info = warc::WarcInfo {
        filename: "page.warc.gz".into(),
        date: started,
        description: "A web page captured as evidence in Safekeep's browser. Messages are rebuilt in HTTP/1.1 form from what the browser reported (WARC-Protocol gives the real protocol); bodies are as the browser decoded them; login secrets are removed.".into(),
        no_images: shots.no_images.is_some(),
    };
    let spool: &std::sync::Arc<Spool> = &session.spool;
    let spooled = |e: std::io::Error| {
        WebError::Input(format!(
            "the capture could not be written to the encrypted staging folder {} ({e}); free some space there and capture again",
            spool.path().display()
        ))
    };
    let mut out = spool.create().map_err(spooled)?;
    let index = warc::write_into(&mut out, &info, &views, &metadata, &mut rand::rng()).map_err(spooled)?;
    let warc_file = out.finish().map_err(spooled)?;
    drop(views);
    let page = wacz::PageInfo {
        url: url.to_owned(),
        title: title.to_owned(),
        date: started,
    };
    let mut warc_reader = warc_file.open().map_err(spooled)?;
    let package = wacz::package(
        &mut warc_reader,
        warc_file.len(),
        &index,
        &page,
        session.options.wacz_signer.as_ref(),
        spool.create().map_err(spooled)?,
    )
    .and_then(|w| w.finish())
    .map_err(spooled)?;
    let file = |role: &str, name: &str, media_type: &str, body: Body| PageFile {
        role: role.into(),
        name: name.into(),
        media_type: media_type.into(),
        body,
    };
    let mut files = vec![
        file(
            "page",
            "page.warc.gz",
            "application/warc",
            Body::Spooled(warc_file),
        ),
        file(
            "wacz",
            safekeep_core::bundle::format::WACZ_FILE_NAME,
            "application/wacz",
            Body::Spooled(package),
        ),
        file("dom", "dom.html", "text/html", Body::Memory(shots.dom)),
    ];
    if shots.no_images.is_none() {
        let pictures = [
            file(
                "viewport",
                "viewport.png",
                "image/png",
                Body::Memory(shots.viewport_png),
            ),
            file(
                "full_page",
                "full-page.png",
                "image/png",
                Body::Memory(shots.full_png),
            ),
            file(
                "snapshot",
                "snapshot.mhtml",
                "multipart/related",
                Body::Memory(shots.mhtml),
            ),
        ];
        files.splice(2..2, pictures);
    }
    if !pem.is_empty() {
        files.push(file(
            "tls_certificates",
            "tls-certificates.pem",
            "application/x-pem-file",
            Body::Memory(pem.into_bytes()),
        ));
    }
    Ok((files, machine))
}

fn is_data_address(url: &str) -> bool {
    url.get(..5).is_some_and(|s| s.eq_ignore_ascii_case("data:"))
}

/// A `data:` address as the record names it: its media type and length, never its
/// content (which may be a picture, kept in the page's own bytes where it belongs).
fn data_address_named(url: &str) -> String {
    let media_type: String = url[5..]
        .split([';', ','])
        .next()
        .unwrap_or_default()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "/+-.".contains(*c))
        .take(80)
        .collect();
    format!("data:{media_type} ({} characters, inline in the page)", url.len())
}

/// Sealed records hold no floats (canonical JSON): the browser's times in seconds become
/// whole seconds when they are whole, else decimal strings.
pub(super) fn integers_only(v: Value) -> Value {
    match v {
        Value::Number(n) if n.is_f64() => {
            let f = n.as_f64().unwrap_or_default();
            if f.fract() == 0.0 && f.abs() < 9e15 {
                Value::from(f as i64)
            } else {
                Value::String(n.to_string())
            }
        }
        Value::Array(a) => Value::Array(a.into_iter().map(integers_only).collect()),
        Value::Object(o) => Value::Object(o.into_iter().map(|(k, v)| (k, integers_only(v))).collect()),
        other => other,
    }
}

/// Seals a capture into `case_id`.
pub(super) fn store(
    vault: &mut Vault,
    case_id: &str,
    page: PageCapture,
    now: DateTime<FixedOffset>,
    began: Instant,
) -> Result<Captured, WebError> {
    // The case became a no-images case after the capture was made with its pictures
    // (docs/safeguarding.md): refused before anything is staged.
    if !page.no_images && vault.is_no_images_case(case_id)? {
        return Err(WebError::Input(
            "this case is now a no-images case, and this capture was made with the page's pictures, so it was not kept. Capture the page again: Safekeep will keep its address and text without pictures or videos".into(),
        ));
    }
    let started = page.started.with_timezone(now.offset());
    let host = Url::parse(&page.url)
        .ok()
        .and_then(|u| u.host_str().map(super::super::unicode_host))
        .unwrap_or_default();
    let title = if page.title.trim().is_empty() {
        format!("Web page {host}")
    } else {
        format!("{} — {host}", page.title.trim())
    };
    let browser = page.machine["browser"]["version"].as_str().map(str::to_owned);
    let (mut files, mut machine, mut context) = (page.files, page.machine, page.context);
    context.source_url = context.source_url.map(|u| redact::address_only(&u));
    let mut videos = page.videos.report;
    videos.asked = page.keep_videos && !page.no_images;
    if videos.asked {
        files.extend(page.videos.files);
    }
    videos.redact_addresses();
    let media = (videos.asked || !videos.found.is_empty()).then_some(videos);
    if let Some(m) = &media {
        machine["media"] = serde_json::to_value(m).unwrap_or(Value::Null);
    }
    redact::addresses_in(&mut machine);
    let item = CapturedItem {
        kind: ItemKind::WebPage,
        title,
        started,
        files: Vec::new(),
        machine,
        context,
    };
    let store_began = Instant::now();
    // Every file is staged as a stream, in the item's order: the spooled ones are never
    // read into memory whole.
    let mut staged: Vec<StreamedFile> = Vec::with_capacity(files.len());
    for f in &files {
        let result = f
            .body
            .reader()
            .map_err(|e| {
                WebError::Input(format!(
                    "the capture's {} could not be read back from the encrypted staging folder ({e}); capture again",
                    f.name
                ))
            })
            .and_then(|mut r| Ok(vault.stage_stream(&mut r, &f.role, &f.name, &f.media_type, &mut |_| {})?));
        match result {
            Ok(s) => staged.push(s),
            Err(e) => {
                for s in staged {
                    vault.discard_stream(s);
                }
                return Err(e);
            }
        }
    }
    drop(files);
    let item = vault.add_capture_streamed(case_id, item, staged)?;
    Ok(Captured {
        item,
        summary: Summary {
            browser,
            final_url: redact::address_only(&page.url),
            status: page.status,
            requests: page.requests,
            certificate_verified: None,
            render_skipped: None,
            login_suspected: false,
            account: page.account,
            media,
            compared: None,
            millis: Millis {
                fetch: 0,
                render: page.millis,
                store: store_began.elapsed().as_millis() as u64,
                total: began.elapsed().as_millis() as u64,
            },
        },
    })
}

/// The status of the document at `url`: the last top-level document recorded for it,
/// else the last document recorded at all.
fn document_status(exchanges: &[super::recorder::Recorded], url: &str) -> u16 {
    let documents = || exchanges.iter().rev().filter(|e| e.resource_type == "Document");
    documents()
        .find(|e| e.url == url)
        .or_else(|| documents().next())
        .map_or(0, |e| e.status)
}
