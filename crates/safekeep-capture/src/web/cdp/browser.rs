//! Starting a browser on a pipe, and what is asked of the browser as a whole: its
//! version, its tabs, closing it.

use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chromiumoxide::cdp::browser_protocol::browser::{CloseParams, GetVersionParams, GetVersionReturns};
use chromiumoxide::cdp::browser_protocol::target::{
    AttachToTargetParams, CreateTargetParams, GetTargetsParams, SetDiscoverTargetsParams, TargetId,
};
use serde_json::json;

use super::connection::{CdpError, Connection};
use super::page::{Page, PageSetup};
use crate::process;

/// How a browser is started.
#[derive(Debug, Clone)]
pub struct Launch<'a> {
    /// The browser program.
    pub program: &'a Path,
    /// Its profile folder (a private run folder).
    pub profile: &'a Path,
    /// No window.
    pub headless: bool,
    /// The window's size, CSS pixels.
    pub window: (u32, u32),
    /// Emulate exactly this viewport in every tab (headless captures).
    pub fixed_viewport: bool,
    /// Switches added to Safekeep's own (without the leading dashes).
    pub extra: Vec<String>,
    /// Accept certificates that do not verify (the render, when the fetch's own check
    /// is the one that counts).
    pub ignore_certificate_errors: bool,
    /// Longest wait for any one command's answer.
    pub command_timeout: Duration,
}

/// A running browser, driven over its pipe. Dropping it kills the browser.
pub struct Browser {
    conn: Connection,
    child: Mutex<Option<Child>>,
    pid: u32,
    setup: Arc<PageSetup>,
    version: GetVersionReturns,
}

impl std::fmt::Debug for Browser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Browser")
            .field("pid", &self.pid)
            .field("product", &self.version.product)
            .finish_non_exhaustive()
    }
}

/// How long a browser may take to answer its first command.
const START_TIMEOUT: Duration = Duration::from_secs(30);

impl Browser {
    /// Starts the browser and waits until it answers. A browser that does not start, or
    /// ends at once, is an error that gives what it said last.
    pub async fn launch(launch: &Launch<'_>) -> Result<Self, String> {
        let program = launch.program.display().to_string();
        let (mut child, conn, said) =
            spawn(launch).map_err(|e| format!("{program} could not be started ({e})"))?;
        let pid = child.id();
        let started = async {
            conn.call(None, SetDiscoverTargetsParams::new(true)).await?;
            if launch.ignore_certificate_errors {
                conn.call_raw(
                    None,
                    "Security.setIgnoreCertificateErrors",
                    json!({"ignore": true}),
                )
                .await?;
            }
            conn.call(None, GetVersionParams::default()).await
        };
        let version = match tokio::time::timeout(START_TIMEOUT, started).await {
            Ok(Ok(v)) => v,
            failed => {
                let _ = child.kill();
                let _ = child.wait();
                process::forget(pid);
                let why = match failed {
                    Ok(Err(e)) => e.to_string(),
                    _ => "it did not answer within 30 s".to_owned(),
                };
                let said = String::from_utf8_lossy(&lock(&said)).trim().to_owned();
                return Err(if said.is_empty() {
                    format!("{program} could not be started ({why})")
                } else {
                    format!("{program} could not be started ({why}); it said: {said}")
                });
            }
        };
        // A headless browser names itself in every request it makes ("HeadlessChrome"),
        // which tells a site that a program, not a person, is looking: tabs say what the
        // same browser with a window would.
        let user_agent = version
            .user_agent
            .contains("HeadlessChrome")
            .then(|| version.user_agent.replace("HeadlessChrome", "Chrome"));
        let setup = Arc::new(PageSetup {
            viewport: launch.fixed_viewport.then_some(launch.window),
            user_agent,
        });
        Ok(Self {
            conn,
            child: Mutex::new(Some(child)),
            pid,
            setup,
            version,
        })
    }

    /// The connection, for listening to the browser's own events.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// The browser's process id.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// The browser's own name (`Chrome/131.0.6778.85`).
    pub fn product(&self) -> &str {
        &self.version.product
    }

    /// The user agent its tabs send (the headless marker removed; see [`Browser::launch`]).
    pub fn user_agent(&self) -> &str {
        self.setup
            .user_agent
            .as_deref()
            .unwrap_or(&self.version.user_agent)
    }

    /// Opens a tab at `about:blank` and attaches to it.
    pub async fn new_page(&self) -> Result<Page, CdpError> {
        let created = self
            .conn
            .call(None, CreateTargetParams::new("about:blank"))
            .await?;
        self.attach(created.target_id.as_ref()).await
    }

    /// Attaches to the tab `target` (one the person opened, say).
    pub async fn attach(&self, target: &str) -> Result<Page, CdpError> {
        let attached = self
            .conn
            .call(
                None,
                AttachToTargetParams::builder()
                    .target_id(TargetId::new(target))
                    .flatten(true)
                    .build()
                    .map_err(CdpError::Answer)?,
            )
            .await?;
        let page = Page::new(
            self.conn.clone(),
            attached.session_id.as_ref(),
            target,
            Arc::clone(&self.setup),
        );
        page.init().await?;
        Ok(page)
    }

    /// The tabs open now, each attached anew.
    pub async fn pages(&self) -> Result<Vec<Page>, CdpError> {
        let targets = self.conn.call(None, GetTargetsParams::default()).await?;
        let mut pages = Vec::new();
        for t in targets.target_infos.into_iter().filter(|t| t.r#type == "page") {
            if let Ok(page) = self.attach(t.target_id.as_ref()).await {
                pages.push(page);
            }
        }
        Ok(pages)
    }

    /// Closes the browser (so its profile is complete on disk) and waits, bounded, for
    /// it to end; one that does not is killed.
    pub async fn close(&self) {
        let _ = tokio::time::timeout(
            Duration::from_secs(5),
            self.conn.call(None, CloseParams::default()),
        )
        .await;
        if !self.wait(Duration::from_secs(10)).await {
            self.kill();
        }
    }

    /// Ends the browser at once and reaps it.
    pub fn kill(&self) {
        if let Some(mut child) = lock(&self.child).take() {
            // Quick exit may have ended and reaped it already; its id is then not ours.
            if process::is_listed(self.pid) {
                let _ = child.kill();
            }
            let _ = child.wait();
            process::forget(self.pid);
        }
    }

    /// Waits up to `limit` for the browser to end; returns whether it did.
    pub async fn wait(&self, limit: Duration) -> bool {
        let began = std::time::Instant::now();
        loop {
            {
                let mut child = lock(&self.child);
                match child.as_mut().map(Child::try_wait) {
                    None | Some(Ok(Some(_)) | Err(_)) => {
                        child.take();
                        process::forget(self.pid);
                        return true;
                    }
                    Some(Ok(None)) => {}
                }
            }
            if began.elapsed() >= limit {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Whether the browser is still running (the person may have closed its window).
    pub fn is_running(&self) -> bool {
        !self.conn.is_closed()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The switches every browser Safekeep starts gets: no traffic but the pages asked for
/// (no updates, sync, pings, QUIC probing, field trials), no crash reports, no automation
/// banner and no `navigator.webdriver` (a site must not learn it is being captured).
/// Popups are blocked as in any browser (only a click opens one): a page left in a
/// background tab must not put a window of its own in front of the person.
fn switches(launch: &Launch<'_>) -> Vec<String> {
    let (w, h) = launch.window;
    let mut args: Vec<String> = [
        "remote-debugging-pipe",
        "no-first-run",
        "no-default-browser-check",
        "disable-background-networking",
        "disable-component-update",
        "disable-quic",
        "no-pings",
        "disable-domain-reliability",
        "disable-sync",
        "disable-breakpad",
        "disable-client-side-phishing-detection",
        "disable-component-extensions-with-background-pages",
        "disable-default-apps",
        "disable-extensions",
        "disable-dev-shm-usage",
        "disable-hang-monitor",
        "disable-ipc-flooding-protection",
        "disable-prompt-on-repost",
        "disable-background-timer-throttling",
        "disable-backgrounding-occluded-windows",
        "disable-renderer-backgrounding",
        "metrics-recording-only",
        "disable-blink-features=AutomationControlled",
        "disable-features=TranslateUI,AutofillServerCommunication,PasswordManagerOnboarding",
        "enable-features=NetworkService,NetworkServiceInProcess",
        "force-color-profile=srgb",
        "password-store=basic",
        "use-mock-keychain",
        "lang=en_US",
    ]
    .iter()
    .map(|s| format!("--{s}"))
    .collect();
    args.push(format!("--user-data-dir={}", launch.profile.display()));
    args.push(format!("--window-size={w},{h}"));
    if launch.headless {
        args.extend(["--headless=new", "--hide-scrollbars", "--mute-audio"].map(String::from));
    }
    if crate::web::render::running_as_root() {
        // Chromium refuses to start its sandbox as root.
        args.extend(["--no-sandbox", "--disable-setuid-sandbox"].map(String::from));
    }
    args.extend(launch.extra.iter().map(|a| format!("--{a}")));
    args
}

type Said = Arc<Mutex<Vec<u8>>>;

/// Starts the browser with the protocol on inherited pipes; returns it, the connection
/// and the tail of what it writes to stderr (for a launch that fails).
fn spawn(launch: &Launch<'_>) -> std::io::Result<(Child, Connection, Said)> {
    let (browser_reads, to_browser) = std::io::pipe()?;
    let (from_browser, browser_writes) = std::io::pipe()?;
    let mut cmd = Command::new(launch.program);
    cmd.args(switches(launch))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    hand_over(&mut cmd, &browser_reads, &browser_writes)?;
    let mut child = process::spawn(cmd)?;
    // The browser has its own copies; ours would keep the pipe open after it ends.
    drop((browser_reads, browser_writes));
    let said: Said = Arc::default();
    if let Some(mut stderr) = child.stderr.take() {
        let tail = Arc::clone(&said);
        let _ = std::thread::Builder::new()
            .name("safekeep-browser-stderr".into())
            .spawn(move || {
                let mut buf = [0u8; 4096];
                while let Ok(n) = stderr.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    let mut t = lock(&tail);
                    t.extend_from_slice(&buf[..n]);
                    let excess = t.len().saturating_sub(2048);
                    t.drain(..excess);
                }
            });
    }
    let conn = Connection::start(from_browser, to_browser, launch.command_timeout)?;
    Ok((child, conn, said))
}

/// Gives the browser its ends of the pipes: fds 3 and 4 on Unix.
#[cfg(unix)]
#[allow(unsafe_code, reason = "pre_exec: moving the pipe ends onto fds 3 and 4")]
fn hand_over(
    cmd: &mut Command,
    browser_reads: &std::io::PipeReader,
    browser_writes: &std::io::PipeWriter,
) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    use std::os::unix::process::CommandExt;
    let (r, w) = (browser_reads.as_raw_fd(), browser_writes.as_raw_fd());
    // SAFETY: between fork and exec only fcntl and dup2 are called (async-signal-safe).
    // Both ends are first copied above fd 9, so that moving one onto 3 or 4 cannot
    // overwrite the other; dup2 clears close-on-exec on the copies the browser keeps.
    unsafe {
        cmd.pre_exec(move || {
            let r = libc::fcntl(r, libc::F_DUPFD_CLOEXEC, 10);
            let w = libc::fcntl(w, libc::F_DUPFD_CLOEXEC, 10);
            if r < 0 || w < 0 || libc::dup2(r, 3) < 0 || libc::dup2(w, 4) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    Ok(())
}

/// Gives the browser its ends of the pipes: two inheritable handles on Windows, named on
/// its command line.
#[cfg(windows)]
#[allow(unsafe_code, reason = "SetHandleInformation has no safe wrapper")]
fn hand_over(
    cmd: &mut Command,
    browser_reads: &std::io::PipeReader,
    browser_writes: &std::io::PipeWriter,
) -> std::io::Result<()> {
    use std::os::windows::io::AsRawHandle;
    use windows_sys::Win32::Foundation::{HANDLE_FLAG_INHERIT, SetHandleInformation};
    let (r, w) = (browser_reads.as_raw_handle(), browser_writes.as_raw_handle());
    for h in [r, w] {
        // SAFETY: the handles are ours and open for the duration of this call.
        if unsafe { SetHandleInformation(h, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT) } == 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    cmd.arg(format!(
        "--remote-debugging-io-pipes={},{}",
        r as usize, w as usize
    ));
    Ok(())
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
