//! Safekeep's browser: an installed Chromium, Chrome or Edge with its own profile, driven
//! over the DevTools protocol, recording every tab from its last top-level navigation
//! on, so that "Capture this page" seals the load the person saw — never a reload.
//! Specification: docs/capture.md § "Safekeep's browser".
//!
//! The profile (the person's logins) is a folder the caller provides; the vault keeps it
//! encrypted between runs ([`safekeep_core::vault::BrowserProfile`]). Nothing here reads
//! or stores passwords; login secrets in headers never reach an artifact
//! ([`message::redact`]).

pub mod downloads;
mod frames;
pub mod message;
mod preferences;
pub mod recorder;
mod seal;
mod videos;
mod window;
mod witness;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chromiumoxide::cdp::browser_protocol::target::EventTargetCreated;
use futures_util::StreamExt;
use safekeep_core::Vault;
use safekeep_core::item::{Context, ItemRecord};
use url::Url;

use super::cdp::{Browser, Launch, Page};
use super::render::{VIEWPORT, find_browser};
use super::spool::Spool;
use super::{Captured, WebError, parse_address, tls};
use recorder::{RecordLimits, Recorder};
pub use seal::{PageCapture, ScrollLimits};
pub use window::{WaitingDownload, Window, WindowOptions, WindowSlot, WindowState};

/// How long the network must be quiet before a page counts as loaded.
pub const SETTLE_QUIET: Duration = Duration::from_millis(500);

/// How Safekeep's browser is started.
#[derive(Debug, Clone)]
pub struct BrowserOptions {
    /// The browser program (see [`find_browser`]).
    pub program: PathBuf,
    /// The profile folder (private, temporary; see the module docs).
    pub profile: PathBuf,
    /// No window (scripted captures and tests).
    pub headless: bool,
    /// Certificate authorities the browser trusts for this run only, besides the
    /// system's (PEM files; e.g. an organisation's own authority, or a test's).
    pub extra_authorities: Vec<PathBuf>,
    /// What a recording keeps.
    pub limits: RecordLimits,
    /// Longest wait for a page to settle.
    pub load_timeout: Duration,
    /// Signs each capture's WACZ (the vault's key, [`Vault::wacz_signer`]); unsigned
    /// without one.
    pub wacz_signer: Option<safekeep_core::bundle::wacz_signature::WaczSigner>,
}

/// A running browser and the recorders of its tabs.
pub struct Session {
    runtime: tokio::runtime::Runtime,
    browser: Arc<Browser>,
    watcher: Option<tokio::task::JoinHandle<()>>,
    tabs: Arc<Mutex<Vec<Tab>>>,
    /// Tabs Safekeep itself is opening now: the watcher of new tabs leaves them to
    /// [`Session::open_tab`] (their creation is reported to both).
    opening: Arc<std::sync::atomic::AtomicUsize>,
    options: BrowserOptions,
    downloads: downloads::Downloads,
    downloads_task: tokio::task::JoinHandle<()>,
    /// Where recorded bodies, WARCs and packages wait, sealed, until they are kept.
    spool: Arc<Spool>,
}

/// Ends every browser (and other program) this process started, at once, and removes
/// their private folders: for quick exit, which must not wait for a capture in progress
/// and ends the process without running destructors.
pub fn kill_all_now() {
    crate::process::kill_all_now();
    safekeep_core::run_folder::remove_all_now();
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("browser", &self.browser)
            .finish_non_exhaustive()
    }
}

/// One tab and its recorder.
#[derive(Debug, Clone)]
pub struct Tab {
    page: Page,
    recorder: Arc<Recorder>,
}

impl Tab {
    /// The browser's id for the tab.
    pub fn id(&self) -> &str {
        self.page.target_id()
    }
}

impl Session {
    /// Starts the browser. A missing or broken browser is an error that says so.
    pub fn launch(options: BrowserOptions) -> Result<Self, WebError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| WebError::Input(format!("the browser's connection could not be started ({e})")))?;
        let mut spki = Vec::new();
        for path in &options.extra_authorities {
            for der in tls::read_pem_certificates(path)? {
                spki.push(tls::spki_sha256_base64(der.as_ref()).ok_or_else(|| {
                    WebError::Input(format!("a certificate in {} could not be read", path.display()))
                })?);
            }
        }
        let mut extra = Vec::new();
        if !spki.is_empty() {
            extra.push(format!("ignore-certificate-errors-spki-list={}", spki.join(",")));
        }
        preferences::apply(&options.profile).map_err(|e| {
            WebError::Input(format!(
                "the browser's private profile folder could not be prepared ({e}); check there is free space"
            ))
        })?;
        let spool = Spool::new().map_err(|e| {
            WebError::Input(format!(
                "the encrypted staging folder for recordings could not be made in your cache folder or in {} ({e}); free some space there or set TMPDIR to a folder with room",
                std::env::temp_dir().display()
            ))
        })?;
        let launch = Launch {
            program: &options.program,
            profile: &options.profile,
            headless: options.headless,
            window: VIEWPORT,
            fixed_viewport: options.headless,
            extra,
            ignore_certificate_errors: false,
            command_timeout: options.load_timeout + Duration::from_secs(30),
        };
        let browser = runtime
            .block_on(Browser::launch(&launch))
            .map_err(WebError::Browser)?;
        runtime.block_on(preferences::restore_session_cookies(&browser, &options.profile));
        let (downloads, downloads_task) = runtime
            .block_on(downloads::watch(
                &browser,
                &downloads::folder_of(&options.profile),
            ))
            .map_err(WebError::Browser)?;
        Ok(Self {
            runtime,
            browser: Arc::new(browser),
            watcher: None,
            tabs: Arc::new(Mutex::new(Vec::new())),
            opening: Arc::default(),
            options,
            downloads,
            downloads_task,
            spool,
        })
    }

    /// The browser's own name for itself, e.g. `Chrome/131.0.6778.85`.
    pub fn version(&self) -> &str {
        self.browser.product()
    }

    /// The user agent its tabs send.
    pub fn user_agent(&self) -> &str {
        self.browser.user_agent()
    }

    /// Opens a recorded tab, at `url` when given (the recording starts before the load).
    pub fn open_tab(&self, url: Option<&Url>) -> Result<Tab, WebError> {
        let limits = self.options.limits;
        let spool = Arc::clone(&self.spool);
        self.opening.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        let tab = self.runtime.block_on(async {
            let page = self
                .browser
                .new_page()
                .await
                .map_err(|e| WebError::Browser(format!("the browser could not open a tab ({e})")))?;
            let recorder = Recorder::start(&page, limits, spool)
                .await
                .map_err(WebError::Browser)?;
            Ok::<_, WebError>(Tab {
                page,
                recorder: Arc::new(recorder),
            })
        });
        if let Ok(tab) = &tab {
            lock(&self.tabs).push(tab.clone());
        }
        // Only now may the watcher of new tabs look at it: it is listed as recorded.
        self.opening.fetch_sub(1, std::sync::atomic::Ordering::AcqRel);
        let tab = tab?;
        if let Some(url) = url {
            self.navigate(&tab, url);
        }
        Ok(tab)
    }

    /// Loads `url` in `tab` and waits (bounded) for the network to settle. Returns
    /// whether it settled; a page that never settles is captured as it is.
    ///
    /// A download that begins meanwhile ends the wait at once: the address (or the page)
    /// gave a file, not something to wait for; the browser may never report such a
    /// navigation finished.
    pub fn navigate(&self, tab: &Tab, url: &Url) -> bool {
        let timeout = self.options.load_timeout;
        let before = lock(&self.downloads).len();
        self.runtime.block_on(async {
            let load = async {
                let _ = tokio::time::timeout(timeout, tab.page.goto(url.as_str())).await;
                tab.recorder.settle(SETTLE_QUIET, timeout).await
            };
            let download = async {
                while lock(&self.downloads).len() == before {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            };
            tokio::select! {
                settled = load => settled,
                () = download => true,
            }
        })
    }

    /// Loads `url` in a new tab, recorded or not, and returns the tab (when recorded)
    /// and how long the load took to its `load` event. What recording costs a page load
    /// is measured with this (`cargo bench -p safekeep-capture --bench browser`).
    pub fn timed_load(&self, url: &Url, recorded: bool) -> Result<(Option<Tab>, Duration), WebError> {
        let failed = |e: super::cdp::CdpError| WebError::Browser(format!("the page did not load ({e})"));
        if recorded {
            let tab = self.open_tab(None)?;
            let began = Instant::now();
            self.runtime
                .block_on(tab.page.goto(url.as_str()))
                .map_err(failed)?;
            return Ok((Some(tab), began.elapsed()));
        }
        self.runtime.block_on(async {
            let page = self.browser.new_page().await.map_err(failed)?;
            let began = Instant::now();
            page.goto(url.as_str()).await.map_err(failed)?;
            let took = began.elapsed();
            let _ = page.close().await;
            Ok((None, took))
        })
    }

    /// Shows `tab` in front of the others, as the person switching to it would.
    pub fn show(&self, tab: &Tab) {
        let _ = self.runtime.block_on(tab.page.bring_to_front());
    }

    /// Waits (bounded) until `tab`'s network has been quiet for [`SETTLE_QUIET`].
    pub fn settle(&self, tab: &Tab) -> bool {
        self.runtime
            .block_on(tab.recorder.settle(SETTLE_QUIET, self.options.load_timeout))
    }

    /// Records every tab the person opens from now on (the visible window), and the
    /// tabs already open.
    pub fn watch_new_tabs(&mut self) -> Result<(), WebError> {
        let limits = self.options.limits;
        let spool = Arc::clone(&self.spool);
        let browser = Arc::clone(&self.browser);
        let tabs = Arc::clone(&self.tabs);
        let opening = Arc::clone(&self.opening);
        let profile = self.options.profile.clone();
        let mut created = browser.connection().listen::<EventTargetCreated>(None);
        let open = self
            .runtime
            .block_on(browser.pages())
            .map_err(|e| WebError::Browser(format!("the browser's tabs could not be followed ({e})")))?;
        for page in open {
            let known = lock(&tabs).iter().any(|t| t.page.target_id() == page.target_id());
            if !known
                && let Ok(recorder) =
                    self.runtime
                        .block_on(Recorder::start(&page, limits, Arc::clone(&spool)))
            {
                lock(&tabs).push(Tab {
                    page,
                    recorder: Arc::new(recorder),
                });
            }
        }
        self.watcher = Some(self.runtime.spawn(async move {
            let mut cookies = tokio::time::interval(COOKIE_SNAPSHOT);
            loop {
                tokio::select! {
                    e = created.next() => {
                        let Some(e) = e else { return };
                        if e.target_info.r#type != "page" {
                            continue;
                        }
                        while opening.load(std::sync::atomic::Ordering::Acquire) > 0 {
                            tokio::time::sleep(Duration::from_millis(10)).await;
                        }
                        let id: &str = e.target_info.target_id.as_ref();
                        if lock(&tabs).iter().any(|t| t.page.target_id() == id) {
                            continue;
                        }
                        if let Ok(page) = browser.attach(id).await
                            && let Ok(recorder) = Recorder::start(&page, limits, Arc::clone(&spool)).await
                        {
                            lock(&tabs).push(Tab {
                                page,
                                recorder: Arc::new(recorder),
                            });
                        }
                    }
                    _ = cookies.tick() => {
                        // The person may close the window at any moment: login cookies
                        // that end with the browser are kept as they stand (see
                        // [`preferences::save_session_cookies`]).
                        preferences::save_session_cookies(&browser, &profile).await;
                    }
                }
            }
        }));
        Ok(())
    }

    /// The tab the person is looking at: the visible, focused one (else the last opened).
    ///
    /// Asked of each tab in a world of Safekeep's own beside the page's, where what the
    /// page's scripts do to `document.visibilityState` or `hasFocus` is not seen: a page
    /// left open in another tab cannot pass itself off as the one on screen.
    pub fn current_tab(&self) -> Option<Tab> {
        let tabs = lock(&self.tabs).clone();
        let mut best = None;
        for tab in tabs.iter().rev() {
            let state = self.runtime.block_on(async {
                tab.page
                    .evaluate_isolated("[document.visibilityState, document.hasFocus()]")
                    .await
                    .ok()
                    .and_then(|v| serde_json::from_value::<(String, bool)>(v).ok())
            });
            match state {
                Some((v, true)) if v == "visible" => return Some(tab.clone()),
                Some((v, _)) if v == "visible" && best.is_none() => best = Some(tab.clone()),
                _ => {}
            }
        }
        best.or_else(|| tabs.last().cloned())
    }

    /// Seals `tab` as it is now (after scrolling, when asked), without reloading it;
    /// `no_images` for a no-images case ([`super::no_images`]).
    pub fn capture(
        &self,
        tab: &Tab,
        scroll: Option<ScrollLimits>,
        no_images: bool,
    ) -> Result<PageCapture, WebError> {
        self.runtime.block_on(seal::capture(self, tab, scroll, no_images))
    }

    /// The files downloaded in this run so far, in the order they began.
    pub fn downloads(&self) -> Vec<downloads::Download> {
        lock(&self.downloads).clone()
    }

    /// Seals the finished downloads the person chose (`chosen`: their ids; `None`: every
    /// one waiting) into `case_id`, one item each, and deletes each private copy. A page
    /// can start a download by itself, so nothing is kept unless chosen (docs/capture.md
    /// § "Downloads"); the ones not chosen go with the profile. One that cannot be kept
    /// does not stop the others: the first such error is returned after them (its copy
    /// stays for another try, unless it is gone).
    pub fn keep_downloads(
        &self,
        vault: &mut Vault,
        case_id: &str,
        chosen: Option<&[String]>,
    ) -> Result<Vec<ItemRecord>, WebError> {
        let dir = downloads::folder_of(&self.options.profile);
        let mut kept = Vec::new();
        let mut failed = None;
        let tabs = lock(&self.tabs).clone();
        let wanted = |d: &downloads::Download| chosen.is_none_or(|c| c.contains(&d.guid));
        for d in self.downloads().into_iter().filter(|d| d.waiting() && wanted(d)) {
            let response = tabs.iter().rev().find_map(|t| t.recorder.response_for(&d.url));
            let sealed = downloads::keep(vault, case_id, &dir, &d, self.version(), response.as_ref());
            let gone = sealed.is_err() && !dir.join(&d.guid).is_file();
            if let Some(listed) = lock(&self.downloads).iter_mut().find(|x| x.guid == d.guid) {
                listed.kept = sealed.is_ok();
                listed.gone = gone;
            }
            match sealed {
                Ok(item) => kept.push(item),
                Err(e) => failed = failed.or(Some(e)),
            }
        }
        failed.map_or(Ok(kept), Err)
    }

    /// Waits (up to `limit`) until every download that has begun has finished; returns
    /// whether they all did.
    pub fn finish_downloads(&self, limit: Duration) -> bool {
        let began = Instant::now();
        self.runtime.block_on(async {
            loop {
                let busy = lock(&self.downloads)
                    .iter()
                    .any(|d| d.state == downloads::DownloadState::InProgress);
                if !busy {
                    return true;
                }
                if began.elapsed() >= limit {
                    return false;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
    }

    /// Closes the browser and waits for it to exit, so its profile is complete on disk.
    /// Login cookies that would end with the browser are kept in the profile first.
    pub fn close(mut self) {
        self.downloads_task.abort();
        if let Some(w) = self.watcher.take() {
            w.abort();
            let _ = self.runtime.block_on(w);
        }
        lock(&self.tabs).clear();
        self.runtime.block_on(async {
            if self.browser.is_running() {
                preferences::save_session_cookies(&self.browser, &self.options.profile).await;
            }
            self.browser.close().await;
        });
    }

    /// Ends the browser at once (quick exit): no graceful close, no waiting for pages.
    pub fn kill(mut self) {
        self.downloads_task.abort();
        if let Some(w) = self.watcher.take() {
            w.abort();
        }
        lock(&self.tabs).clear();
        self.browser.kill();
    }

    /// Whether the browser is still running (the person may have closed its window).
    pub fn is_running(&self) -> bool {
        self.browser.is_running()
    }

    /// The browser's process id.
    pub fn pid(&self) -> u32 {
        self.browser.pid()
    }
}

/// How often the visible browser's login cookies are kept while it is open.
const COOKIE_SNAPSHOT: Duration = Duration::from_secs(5);

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Seals a capture of a tab into `case_id` (what [`Window::capture_current`] does after
/// [`Session::capture`]); `began` is when the person asked for it.
pub fn store(
    vault: &mut Vault,
    case_id: &str,
    page: PageCapture,
    began: Instant,
) -> Result<Captured, WebError> {
    let now = vault.clock().now();
    seal::store(vault, case_id, page, now, began)
}

/// A scripted capture in Safekeep's browser (`safekeep capture url --browser`).
#[derive(Debug, Clone, Default)]
pub struct BrowserRequest {
    /// The address as typed.
    pub url: String,
    /// The browser program; `None` finds one.
    pub program: Option<PathBuf>,
    /// Show the window while capturing.
    pub show: bool,
    /// Scroll to load more before sealing.
    pub scroll: Option<ScrollLimits>,
    /// Also fetch the address directly, as a second witness (see [`Session::add_direct_fetch`]).
    pub also_fetch: bool,
    /// Extra certificate authorities (PEM files).
    pub extra_authorities: Vec<PathBuf>,
    /// Longest wait for the page to settle.
    pub load_timeout: Duration,
    /// Largest body kept.
    pub max_body: u64,
    /// What the person said about it.
    pub context: Context,
    /// Keep the complete videos the page loaded as files of their own.
    pub media: bool,
    /// Keep the files the page starts downloading by itself (the address itself being a
    /// download is always kept: the person asked for it).
    pub keep_downloads: bool,
}

/// Most body bytes one capture keeps.
pub const MAX_TOTAL_BODIES: u64 = 1 << 30;

/// Loads `request.url` in Safekeep's browser with the vault's profile, records and seals
/// it into `case_id`, and puts the profile back (encrypted) before returning.
pub fn capture_url_to_vault(
    vault: &mut Vault,
    case_id: &str,
    request: &BrowserRequest,
) -> Result<Captured, WebError> {
    let case = vault.resolve_case(case_id)?;
    let no_images = vault.is_no_images_case(&case.id)?;
    let url = parse_address(&request.url)?;
    let program = find_browser(request.program.as_deref()).map_err(WebError::Browser)?;
    let profile = vault.open_browser_profile()?;
    let began = Instant::now();
    let options = BrowserOptions {
        program,
        profile: profile.path().to_path_buf(),
        headless: !request.show,
        extra_authorities: request.extra_authorities.clone(),
        limits: RecordLimits {
            max_body: request.max_body,
            max_total: MAX_TOTAL_BODIES,
        },
        load_timeout: request.load_timeout,
        wacz_signer: Some(vault.wacz_signer()),
    };
    let result = (|| {
        let session = Session::launch(options)?;
        let captured = session
            .open_tab(None)
            .map(|tab| {
                let settled = session.navigate(&tab, &url);
                (tab, settled)
            })
            .and_then(|(tab, settled)| {
                // The address may be a file the browser downloads instead of showing:
                // that file is the evidence, kept as an item of its own.
                let mut downloaded = Vec::new();
                let mut not_kept = Vec::new();
                if !session.downloads().is_empty() {
                    // The address the person asked for is itself the file only when the
                    // tab stayed blank and the file came from that address (a page that
                    // starts a download and closes itself does not pass).
                    let shown = session.runtime.block_on(tab.page.url()).ok();
                    let asked = session.downloads().iter().any(|d| d.url == url.as_str());
                    if shown.as_deref() == Some("about:blank") && (asked || request.keep_downloads) {
                        let finished = session.finish_downloads(DOWNLOAD_WAIT);
                        downloaded = session.keep_downloads(vault, &case.id, None)?;
                        return Ok(Loaded::Download(downloaded, finished));
                    }
                    if shown.as_deref() == Some("about:blank") && !request.keep_downloads {
                        let from: Vec<String> = session
                            .downloads()
                            .iter()
                            .map(|d| super::redact::address_only(&d.url))
                            .collect();
                        return Err(WebError::Input(format!(
                            "{} led to a download from another address ({}), and no page is left to capture. Nothing was saved. If that file is what you meant to keep, run the capture again with --keep-downloads",
                            super::redact::address_only(url.as_str()),
                            from.join(", ")
                        )));
                    }
                    // The page started downloads by itself: kept only when asked.
                    if request.keep_downloads {
                        session.finish_downloads(DOWNLOAD_WAIT);
                        downloaded = session.keep_downloads(vault, &case.id, None)?;
                    } else {
                        not_kept = session.downloads();
                    }
                }
                let mut page = session.capture(&tab, request.scroll, no_images)?;
                if !downloaded.is_empty() {
                    // The page also started downloads: each is an item of its own.
                    page.machine["downloads_kept"] = downloaded
                        .iter()
                        .map(|i| serde_json::json!({"item_id": i.id, "url": i.context.source_url}))
                        .collect();
                }
                if !not_kept.is_empty() {
                    page.machine["downloads_not_kept"] = not_kept
                        .iter()
                        .map(|d| {
                            serde_json::json!({
                                "name": d.suggested_name,
                                "url": super::redact::address_only(&d.url),
                                "why": "the page started this download by itself; Safekeep keeps a download only when asked (--keep-downloads)",
                            })
                        })
                        .collect();
                }
                if request.also_fetch {
                    session.add_direct_fetch(&mut page);
                }
                page.machine["load"] = if settled {
                    "complete: the network was quiet before the capture".into()
                } else {
                    format!(
                        "still loading after {} s; what had loaded then was captured",
                        request.load_timeout.as_secs()
                    )
                    .into()
                };
                Ok(Loaded::Page(Box::new(page)))
            });
        let version = session.version().to_owned();
        session.close();
        captured.map(|c| (c, version))
    })();
    vault.keep_browser_profile(profile)?;
    let (loaded, version) = result?;
    let mut page = match loaded {
        Loaded::Page(page) => *page,
        Loaded::Download(kept, finished) => return download_captured(kept, finished, &url, version, began),
    };
    page.context = super::with_source(request.context.clone(), &url);
    page.keep_videos = request.media;
    store(vault, &case.id, page, began)
}

/// How long a scripted capture waits for the file an address downloads.
const DOWNLOAD_WAIT: Duration = Duration::from_secs(600);

/// What loading an address gave: a page, or a download (kept already) instead.
enum Loaded {
    Page(Box<PageCapture>),
    Download(Vec<ItemRecord>, bool),
}

/// The capture of an address that was a download: the item that holds the file.
fn download_captured(
    kept: Vec<ItemRecord>,
    finished: bool,
    url: &Url,
    browser: String,
    began: Instant,
) -> Result<Captured, WebError> {
    let Some(item) = kept.into_iter().next() else {
        return Err(WebError::Browser(format!(
            "{url} is a download, and the browser {}. Nothing was saved",
            if finished {
                "stopped it before it was complete"
            } else {
                "had not finished it after 10 minutes"
            }
        )));
    };
    let total = u64::try_from(began.elapsed().as_millis()).unwrap_or(u64::MAX);
    // The status the tab recorded for it (a download is a complete answer: 200 otherwise).
    let status = item
        .capture
        .as_ref()
        .and_then(|c| c["response"]["status"].as_u64())
        .and_then(|s| u16::try_from(s).ok())
        .unwrap_or(200);
    Ok(Captured {
        summary: super::Summary {
            final_url: item.context.source_url.clone().unwrap_or_else(|| url.to_string()),
            browser: Some(browser),
            status,
            requests: 1,
            certificate_verified: None,
            render_skipped: Some("the address is a download, not a page: the file is the item".into()),
            login_suspected: false,
            account: None,
            media: None,
            compared: None,
            millis: super::Millis {
                total,
                ..super::Millis::default()
            },
        },
        item,
    })
}
