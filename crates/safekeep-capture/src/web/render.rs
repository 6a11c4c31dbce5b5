//! Rendering: how the page looked, from an installed Chromium, Chrome or Edge driven
//! headless over the DevTools protocol, on a pipe ([`super::cdp`]).
//!
//! The render is a second, separate load of the page by the browser (with its own
//! requests for the page's images, styles and scripts); the fetch's WARC is what the
//! server sent to Safekeep. Each render uses a fresh browser profile in a private run
//! folder ([`safekeep_core::run_folder`]) that is deleted afterwards (or by quick exit,
//! or by the next run after a crash), so no cookies, logins or history from anywhere
//! else are used, and nothing of the page stays readable.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chromiumoxide::cdp::browser_protocol::page::{CaptureSnapshotParams, PrintToPdfParams};
use serde::Serialize;

use super::cdp::{Browser, Launch, Page};

/// Width and height of the browser's window, in CSS pixels.
pub const VIEWPORT: (u32, u32) = (1280, 800);

/// How a render is made.
#[derive(Debug, Clone)]
pub struct RenderOptions {
    /// The browser program.
    pub browser: PathBuf,
    /// Longest wait for the page to load; after it, what has loaded is captured.
    pub load_timeout: Duration,
    /// Let the browser accept certificates that do not verify (set when the fetch used an
    /// authority the browser does not know, or the user accepted an invalid certificate).
    pub ignore_certificate_errors: bool,
}

/// What the browser produced.
#[derive(Debug)]
pub struct Rendered {
    /// The whole page, top to bottom, as PNG.
    pub png: Vec<u8>,
    /// The page printed to A4 PDF.
    pub pdf: Vec<u8>,
    /// The page and its resources as one MHTML file.
    pub mhtml: Vec<u8>,
    /// The DOM after scripts ran, as HTML.
    pub dom: Vec<u8>,
    /// Password fields blanked in `mhtml` and `dom`.
    pub password_fields: usize,
    /// What is recorded about the render.
    pub info: RenderInfo,
}

/// Recorded about a render (integers only: sealed records hold no floats).
#[derive(Debug, Clone, Serialize)]
pub struct RenderInfo {
    /// The program run.
    pub executable: String,
    /// e.g. `Chrome/131.0.6778.85` (the browser's own answer).
    pub browser: String,
    /// The user agent the browser sent.
    pub user_agent: String,
    /// Window size in CSS pixels.
    pub viewport: Size,
    /// Size of the full-page picture in pixels.
    pub full_page: Size,
    /// `complete`, or that the load timed out and what had loaded was captured.
    pub load: String,
    /// Whether the browser checked certificates itself.
    pub certificate_checks: String,
    /// Time for each step, ms.
    pub millis: RenderMillis,
}

/// A width and a height.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Size {
    /// Pixels across.
    pub width: u32,
    /// Pixels down.
    pub height: u32,
}

/// Where the render's time went.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct RenderMillis {
    /// Starting the browser.
    pub launch: u64,
    /// Loading the page.
    pub load: u64,
    /// Full-page PNG.
    pub png: u64,
    /// PDF, MHTML and DOM together.
    pub documents: u64,
}

/// Finds a Chromium-family browser: the one named, else `SAFEKEEP_BROWSER`, else the
/// usual install places on Linux, macOS and Windows. The error lists where it looked.
pub fn find_browser(named: Option<&Path>) -> Result<PathBuf, String> {
    if let Some(path) = named {
        return if path.is_file() {
            Ok(path.to_path_buf())
        } else {
            Err(format!("{} does not exist or is not a program", path.display()))
        };
    }
    if let Some(path) = std::env::var_os("SAFEKEEP_BROWSER").map(PathBuf::from) {
        return find_browser(Some(&path)).map_err(|e| format!("SAFEKEEP_BROWSER is set, but {e}"));
    }
    let candidates = candidates();
    candidates
        .iter()
        .find(|p| p.is_file())
        .cloned()
        .ok_or_else(|| {
            let looked: Vec<String> = candidates.iter().map(|p| p.display().to_string()).collect();
            format!(
                "no Chromium, Chrome or Edge was found (looked in {}). Install one (on Debian/Ubuntu: `apt install chromium`) to also save how the page looked",
                looked.join(", ")
            )
        })
}

fn candidates() -> Vec<PathBuf> {
    let mut list: Vec<PathBuf> = Vec::new();
    if cfg!(target_os = "windows") {
        for var in ["ProgramFiles", "ProgramFiles(x86)", "LocalAppData"] {
            if let Some(base) = std::env::var_os(var).map(PathBuf::from) {
                list.push(base.join(r"Google\Chrome\Application\chrome.exe"));
                list.push(base.join(r"Microsoft\Edge\Application\msedge.exe"));
                list.push(base.join(r"Chromium\Application\chrome.exe"));
            }
        }
    } else if cfg!(target_os = "macos") {
        for app in [
            "Google Chrome.app/Contents/MacOS/Google Chrome",
            "Chromium.app/Contents/MacOS/Chromium",
            "Microsoft Edge.app/Contents/MacOS/Microsoft Edge",
        ] {
            list.push(Path::new("/Applications").join(app));
            if let Some(home) = std::env::var_os("HOME") {
                list.push(Path::new(&home).join("Applications").join(app));
            }
        }
    } else {
        // Debian's /usr/bin/chromium is a wrapper script; the program itself comes first.
        for p in [
            "/usr/lib/chromium/chromium",
            "/usr/bin/chromium",
            "/usr/bin/chromium-browser",
            "/snap/bin/chromium",
            "/usr/bin/google-chrome-stable",
            "/usr/bin/google-chrome",
            "/opt/google/chrome/chrome",
            "/usr/bin/microsoft-edge-stable",
            "/usr/bin/microsoft-edge",
            "/opt/microsoft/msedge/msedge",
        ] {
            list.push(PathBuf::from(p));
        }
    }
    list
}

/// Loads `url` in a fresh headless browser and captures it four ways.
pub async fn render(url: &str, options: &RenderOptions) -> Result<Rendered, String> {
    let profile = safekeep_core::run_folder::RunFolder::new("render")
        .map_err(|e| format!("no private browser profile could be made ({e})"))?;
    let began = Instant::now();
    let browser = Browser::launch(&Launch {
        program: &options.browser,
        profile: profile.path(),
        headless: true,
        window: VIEWPORT,
        fixed_viewport: true,
        extra: Vec::new(),
        ignore_certificate_errors: options.ignore_certificate_errors,
        command_timeout: options.load_timeout + Duration::from_secs(30),
    })
    .await?;
    let launch = began.elapsed();
    let result = capture(&browser, url, options, launch).await;
    // Chromium ends at once when closed; one that does not must not keep the person
    // waiting for a capture that is done (an unbounded wait here is the likeliest cause
    // of a "check again" that never answered in an end-to-end run): bounded, then killed.
    browser.close().await;
    drop(profile);
    result
}

async fn capture(
    browser: &Browser,
    url: &str,
    options: &RenderOptions,
    launch: Duration,
) -> Result<Rendered, String> {
    let failed = |what: &str, e: &dyn std::fmt::Display| format!("the browser could not {what} ({e})");
    let page = browser.new_page().await.map_err(|e| failed("open a tab", &e))?;
    let mut millis = RenderMillis {
        launch: launch.as_millis() as u64,
        ..RenderMillis::default()
    };
    let step = Instant::now();
    let load = match tokio::time::timeout(options.load_timeout, page.goto(url)).await {
        Ok(Ok(_)) => "complete".to_owned(),
        Ok(Err(e)) => return Err(failed("load the page", &e)),
        Err(_) => format!(
            "still loading after {} s; what had loaded then was captured",
            options.load_timeout.as_secs()
        ),
    };
    millis.load = step.elapsed().as_millis() as u64;
    let step = Instant::now();
    let png = page
        .screenshot_full_page()
        .await
        .map_err(|e| failed("take the full-page picture", &e))?;
    millis.png = step.elapsed().as_millis() as u64;
    let step = Instant::now();
    let pdf = page
        .pdf(PrintToPdfParams {
            paper_width: Some(8.27),
            paper_height: Some(11.69),
            print_background: Some(true),
            ..PrintToPdfParams::default()
        })
        .await
        .map_err(|e| failed("print the page to PDF", &e))?;
    let (mhtml, dom, password_fields) = documents(&page).await?;
    millis.documents = step.elapsed().as_millis() as u64;
    let full_page = png_size(&png).ok_or_else(|| "the browser's picture is not a valid PNG".to_owned())?;
    let _ = page.close().await;
    Ok(Rendered {
        png,
        pdf,
        mhtml,
        dom,
        password_fields,
        info: RenderInfo {
            executable: options.browser.display().to_string(),
            browser: browser.product().to_owned(),
            user_agent: browser.user_agent().to_owned(),
            viewport: Size {
                width: VIEWPORT.0,
                height: VIEWPORT.1,
            },
            full_page,
            load,
            certificate_checks: if options.ignore_certificate_errors {
                "off: the fetch's own check (recorded with each exchange) is the one that counts".into()
            } else {
                "on".into()
            },
            millis,
        },
    })
}

/// The page as one MHTML file and its DOM as HTML, as they are now.
pub(crate) async fn documents(page: &Page) -> Result<(Vec<u8>, Vec<u8>, usize), String> {
    let failed = |what: &str, e: &dyn std::fmt::Display| format!("the browser could not {what} ({e})");
    // Typed passwords are blanked for the two snapshots and put back after
    // (docs/security.md § "Login secrets in web captures").
    let worlds = super::redact::page::blank_passwords(page).await;
    let snapshots = async {
        let mhtml = page
            .execute(CaptureSnapshotParams::default())
            .await
            .map_err(|e| failed("save the page as MHTML", &e))?
            .data
            .into_bytes();
        let dom = page
            .content()
            .await
            .map_err(|e| failed("read the page's DOM", &e))?
            .into_bytes();
        Ok::<_, String>((mhtml, dom))
    }
    .await;
    let blanked = super::redact::page::restore_passwords(page, &worlds).await;
    let (mhtml, dom) = snapshots?;
    Ok((super::redact::mhtml_addresses(mhtml), dom, blanked))
}

fn png_size(png: &[u8]) -> Option<Size> {
    let reader = png::Decoder::new(std::io::Cursor::new(png)).read_info().ok()?;
    let info = reader.info();
    Some(Size {
        width: info.width,
        height: info.height,
    })
}

#[cfg(unix)]
pub(crate) fn running_as_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self")
        .map(|m| m.uid() == 0)
        .unwrap_or(false)
}

#[cfg(not(unix))]
pub(crate) fn running_as_root() -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_named_browser_that_is_missing_is_an_error() {
        let e = find_browser(Some(Path::new("/nonexistent/chrome"))).expect_err("missing");
        assert!(e.contains("/nonexistent/chrome does not exist"), "{e}");
    }
}
