//! Safekeep's browser as a window the person uses (`safekeep browser open`, the app's
//! "Open Safekeep's browser"), and the one such window an app holds ([`WindowSlot`]).
//!
//! Every call here blocks on the browser's own async runtime: call it from a plain
//! thread, never from inside another runtime (the app runs it on a thread of its own).

use std::path::PathBuf;
use std::time::Instant;

use safekeep_core::Vault;
use safekeep_core::item::ItemRecord;
use safekeep_core::vault::BrowserProfile;
use url::Url;

use super::recorder::RecordLimits;
use super::{BrowserOptions, MAX_TOTAL_BODIES, ScrollLimits, Session};
use crate::web::render::find_browser;
use crate::web::{Captured, WebError, parse_address};

/// A visible browser: the person's logins from the vault, every tab recorded, and
/// "Capture this page" sealing the tab they are looking at.
#[derive(Debug)]
pub struct Window {
    session: Session,
    profile: BrowserProfile,
    case_id: Option<String>,
}

/// What a window is opened with.
#[derive(Debug, Clone, Default)]
pub struct WindowOptions {
    /// The case captures go into.
    pub case_id: Option<String>,
    /// An address to open in a tab of its own, beside the welcome tab.
    pub start_url: Option<String>,
    /// The browser program; `None` finds one.
    pub program: Option<PathBuf>,
    /// Extra certificate authorities (PEM files).
    pub extra_authorities: Vec<PathBuf>,
    /// No window (tests).
    pub headless: bool,
}

impl Window {
    /// Opens the window on a first tab that says whose browser it is and which case it
    /// records into (and a second at `start_url`, when given).
    pub fn open(vault: &Vault, options: &WindowOptions) -> Result<Self, WebError> {
        let case = match &options.case_id {
            Some(id) => Some(vault.resolve_case(id)?),
            None => None,
        };
        let start = options.start_url.as_deref().map(parse_address).transpose()?;
        let program = find_browser(options.program.as_deref()).map_err(WebError::Browser)?;
        let profile = vault.open_browser_profile()?;
        let mut session = Session::launch(BrowserOptions {
            program,
            profile: profile.path().to_path_buf(),
            headless: options.headless,
            extra_authorities: options.extra_authorities.clone(),
            limits: RecordLimits {
                max_body: crate::web::DEFAULT_MAX_BODY,
                max_total: MAX_TOTAL_BODIES,
            },
            load_timeout: crate::web::DEFAULT_TIMEOUT,
            wacz_signer: Some(vault.wacz_signer()),
        })?;
        let welcome = welcome_page(case.as_ref().map(|c| c.title.as_str()), profile.is_kept());
        let tab = session.open_tab(None)?;
        session.runtime.block_on(async {
            let _ = tab.page.set_content(&welcome).await;
        });
        session.watch_new_tabs()?;
        let window = Self {
            session,
            profile,
            case_id: case.map(|c| c.id),
        };
        if let Some(url) = start {
            window.open_address(&url)?;
        }
        Ok(window)
    }

    /// Opens `url` in a new recorded tab, in front.
    pub fn open_address(&self, url: &Url) -> Result<(), WebError> {
        let tab = self.session.open_tab(Some(url))?;
        self.session.show(&tab);
        Ok(())
    }

    /// The case this window captures into, if any.
    pub fn case_id(&self) -> Option<&str> {
        self.case_id.as_deref()
    }

    /// Seals the tab the person is looking at, as it is now, into the window's case
    /// (with the direct fetch beside it when `also_fetch`).
    pub fn capture_current(
        &self,
        vault: &mut Vault,
        scroll: Option<ScrollLimits>,
        also_fetch: bool,
    ) -> Result<Captured, WebError> {
        let case_id = self.case_id.clone().ok_or_else(|| {
            WebError::Input(
                "this browser window was opened without a case, so it cannot capture. Open it from a case"
                    .into(),
            )
        })?;
        let tab = self
            .session
            .current_tab()
            .ok_or_else(|| WebError::Browser("the browser has no tab open".into()))?;
        let began = Instant::now();
        let no_images = vault.is_no_images_case(&case_id)?;
        let mut page = self.session.capture(&tab, scroll, no_images)?;
        if also_fetch {
            self.session.add_direct_fetch(&mut page);
        }
        super::store(vault, &case_id, page, began)
    }

    /// Whether the person has closed the browser.
    pub fn is_open(&self) -> bool {
        self.session.is_running()
    }

    /// Seals the finished downloads the person chose (their ids; `None`: all waiting)
    /// into the window's case, one item each (see [`super::downloads`]).
    pub fn keep_downloads(
        &self,
        vault: &mut Vault,
        chosen: Option<&[String]>,
    ) -> Result<Vec<ItemRecord>, WebError> {
        let case_id = self.case_id.clone().ok_or_else(|| {
            WebError::Input(
                "this browser window was opened without a case, so its downloads cannot be kept. Open it from a case"
                    .into(),
            )
        })?;
        self.session.keep_downloads(vault, &case_id, chosen)
    }

    /// Finished downloads not yet sealed into a case, for the person to choose from.
    pub fn downloads_waiting(&self) -> Vec<WaitingDownload> {
        self.session
            .downloads()
            .iter()
            .filter(|d| d.waiting())
            .map(|d| WaitingDownload {
                id: d.guid.clone(),
                name: d.suggested_name.clone(),
                size: d.received,
                url: crate::web::redact::address_only(&d.url),
            })
            .collect()
    }

    /// Closes the browser and keeps the logins (encrypted) in the vault. Downloads the
    /// person did not choose to keep are deleted with the private profile: a page can
    /// start a download by itself, and nothing enters the evidence unchosen. Returns
    /// whether the logins were kept (not for an unencrypted vault).
    pub fn close(self, vault: &mut Vault) -> Result<bool, WebError> {
        self.session.close();
        Ok(vault.keep_browser_profile(self.profile)?)
    }

    /// Ends the browser at once and deletes its temporary profile without keeping it
    /// (quick exit, "Forget my logins"): logins made since it opened are lost, the
    /// ones kept before stay in the vault until forgotten.
    pub fn discard(self) {
        self.session.kill();
        drop(self.profile);
    }
}

/// The app's one browser window, if open. Opening again reuses a running window
/// (pointing it at the new case); a window the person closed is tidied away, its
/// logins kept, before anything else happens.
#[derive(Debug, Default)]
pub struct WindowSlot(Option<Window>);

/// Where the app's browser window stands.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct WindowState {
    /// Whether it is open.
    pub open: bool,
    /// The case it captures into.
    pub case_id: Option<String>,
    /// Finished downloads waiting for the person to keep them in that case (or not).
    pub downloads_waiting: Vec<WaitingDownload>,
}

/// A finished download, as the person is shown it before choosing to keep it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct WaitingDownload {
    /// The id to choose it by.
    pub id: String,
    /// The name the site gave it.
    pub name: String,
    /// Its size, bytes.
    pub size: u64,
    /// The address it came from (login secrets removed).
    pub url: String,
}

impl WindowSlot {
    /// Opens the window for `options.case_id`, or brings the running one to that case
    /// (and `options.start_url`, when given).
    pub fn open(&mut self, vault: &mut Vault, options: &WindowOptions) -> Result<WindowState, WebError> {
        self.tidy(vault)?;
        match &mut self.0 {
            Some(window) => {
                window.case_id = match &options.case_id {
                    Some(id) => Some(vault.resolve_case(id)?.id),
                    None => None,
                };
                if let Some(url) = options.start_url.as_deref() {
                    window.open_address(&parse_address(url)?)?;
                }
            }
            None => self.0 = Some(Window::open(vault, options)?),
        }
        Ok(self.state())
    }

    /// "Capture this page": seals the tab the person is looking at.
    pub fn capture(
        &mut self,
        vault: &mut Vault,
        scroll: Option<ScrollLimits>,
        also_fetch: bool,
    ) -> Result<Captured, WebError> {
        self.tidy(vault)?;
        let window = self.0.as_ref().ok_or_else(|| {
            WebError::Browser(
                "Safekeep's browser is not open (it may have been closed). Open it again from the case"
                    .into(),
            )
        })?;
        window.capture_current(vault, scroll, also_fetch)
    }

    /// "Keep the chosen files": seals the downloads the person chose into the case.
    pub fn keep_downloads(
        &mut self,
        vault: &mut Vault,
        chosen: &[String],
    ) -> Result<Vec<ItemRecord>, WebError> {
        match &self.0 {
            Some(window) => window.keep_downloads(vault, Some(chosen)),
            None => Ok(Vec::new()),
        }
    }

    /// Closes the window, keeping the logins (downloads not chosen are deleted); returns
    /// whether one was open.
    pub fn close(&mut self, vault: &mut Vault) -> Result<bool, WebError> {
        match self.0.take() {
            Some(window) => window.close(vault).map(|_| true),
            None => Ok(false),
        }
    }

    /// Ends the window at once without keeping its logins (quick exit).
    pub fn discard(&mut self) {
        if let Some(window) = self.0.take() {
            window.discard();
        }
    }

    /// "Forget my logins": ends the window without keeping them, then deletes the ones
    /// kept in the vault. Returns whether any were kept.
    pub fn forget(&mut self, vault: &Vault) -> Result<bool, WebError> {
        self.discard();
        Ok(vault.forget_browser_profile()?)
    }

    /// Where the window stands.
    pub fn state(&self) -> WindowState {
        WindowState {
            open: self.0.as_ref().is_some_and(Window::is_open),
            case_id: self.0.as_ref().and_then(|w| w.case_id.clone()),
            downloads_waiting: self.0.as_ref().map(Window::downloads_waiting).unwrap_or_default(),
        }
    }

    /// Keeps the logins of a window the person closed, and forgets it.
    fn tidy(&mut self, vault: &mut Vault) -> Result<(), WebError> {
        if self.0.as_ref().is_some_and(|w| !w.is_open()) {
            self.close(vault)?;
        }
        Ok(())
    }
}

fn welcome_page(case: Option<&str>, logins_kept: bool) -> String {
    let esc = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    let case = case.map_or_else(
        || "It is not recording into a case.".to_owned(),
        |c| format!("Pages you capture go into the case <strong>{}</strong>.", esc(c)),
    );
    let logins = if logins_kept {
        "When you close this window, your logins are kept encrypted in your Safekeep vault (\"Forget my logins\" deletes them)."
    } else {
        "Your vault is not encrypted, so this browser forgets your logins when it closes."
    };
    format!(
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>Safekeep's browser</title></head>\
         <body style=\"font:18px/1.5 system-ui,sans-serif;max-width:40em;margin:3em auto;color:#1a1a1a\">\
         <h1>This is Safekeep's browser</h1><p>{case}</p>\
         <p>It has its own profile, separate from your everyday browser. Log in to sites here as you always do: Safekeep never sees or stores your passwords.</p>\
         <p>The sites you visit see your own account and your internet address, as in any browser.</p>\
         <p>To keep a page as evidence, open it, then choose <strong>Capture this page</strong> in Safekeep. What you see is sealed with everything the page loaded; login cookies are removed.</p>\
         <p>{logins}</p></body></html>"
    )
}
