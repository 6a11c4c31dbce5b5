//! Files Safekeep's browser downloads. Never into the person's Downloads folder, where
//! an explicit picture would lie in the clear outside the vault: the browser is told
//! (`Browser.setDownloadBehavior`, `allowAndName`) to save every download under its
//! GUID in a private folder of the temporary profile ([`DOWNLOADS_DIR`], not kept with
//! the logins). A page can start a download by itself, so a finished download is sealed
//! into the case — an item of kind `file` whose record says where it came from
//! ([`keep`]) — only when the person chooses it; the others are deleted with the profile
//! on close, lock and quick exit.
//!
//! Invariants: a download is sealed at most once (`kept`); its bytes are streamed into
//! the vault as an import streams a file (hashed once, read again to be sure they did
//! not change); the private copy is deleted once sealed, and with the profile otherwise.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::web::cdp::Browser;
use chromiumoxide::cdp::browser_protocol::browser::{
    DownloadProgressState, EventDownloadProgress, EventDownloadWillBegin, SetDownloadBehaviorBehavior,
    SetDownloadBehaviorParams,
};
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use safekeep_core::Vault;
use safekeep_core::item::{Context, ItemRecord};
pub use safekeep_core::vault::DOWNLOADS_DIR;
use serde_json::json;

use super::message::redact;
use super::recorder::Recorded;
use crate::web::WebError;
use crate::web::spool::private_dir;

/// Where a download stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DownloadState {
    /// Still arriving.
    InProgress,
    /// Complete, waiting to be sealed.
    Completed,
    /// Stopped by the person or the site.
    Canceled,
}

/// One file the browser downloaded (or is downloading).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Download {
    /// The browser's id for it; also its file name in the private folder.
    pub guid: String,
    /// The address it came from.
    pub url: String,
    /// The name the site suggested.
    pub suggested_name: String,
    /// When it began.
    pub began_at: DateTime<Utc>,
    /// When the browser reported it complete.
    pub finished_at: Option<DateTime<Utc>>,
    /// Where it stands.
    pub state: DownloadState,
    /// Bytes received so far.
    pub received: u64,
    /// Sealed into a case already.
    pub kept: bool,
    /// Its private copy is gone (removed in the browser's download list): it cannot
    /// be kept, and is not offered again.
    pub gone: bool,
}

impl Download {
    /// Finished, and neither kept nor gone: waiting to be sealed into a case.
    pub fn waiting(&self) -> bool {
        self.state == DownloadState::Completed && !self.kept && !self.gone
    }
}

/// The downloads of one browser run, as the browser reports them.
pub(super) type Downloads = Arc<Mutex<Vec<Download>>>;

/// Points the browser's downloads at `dir` (created private) and follows them.
pub(super) async fn watch(
    browser: &Browser,
    dir: &Path,
) -> Result<(Downloads, tokio::task::JoinHandle<()>), String> {
    let fail = |e: &dyn std::fmt::Display| format!("the browser's downloads could not be kept private ({e})");
    private_dir(dir).map_err(|e| fail(&e))?;
    let mut began = browser.connection().listen::<EventDownloadWillBegin>(None);
    let mut progress = browser.connection().listen::<EventDownloadProgress>(None);
    let params = SetDownloadBehaviorParams::builder()
        .behavior(SetDownloadBehaviorBehavior::AllowAndName)
        .download_path(dir.to_string_lossy().into_owned())
        .events_enabled(true)
        .build()
        .map_err(|e| fail(&e))?;
    browser
        .connection()
        .call(None, params)
        .await
        .map_err(|e| fail(&e))?;
    let list: Downloads = Arc::default();
    let shared = Arc::clone(&list);
    let task = tokio::spawn(async move {
        loop {
            tokio::select! {
                biased;
                Some(e) = began.next() => lock(&shared).push(Download {
                    guid: e.guid.clone(),
                    url: e.url.clone(),
                    suggested_name: e.suggested_filename.clone(),
                    began_at: Utc::now(),
                    finished_at: None,
                    state: DownloadState::InProgress,
                    received: 0,
                    kept: false,
                    gone: false,
                }),
                Some(e) = progress.next() => {
                    let mut list = lock(&shared);
                    if let Some(d) = list.iter_mut().find(|d| d.guid == e.guid) {
                        d.received = e.received_bytes.max(0.0) as u64;
                        d.state = match e.state {
                            DownloadProgressState::InProgress => DownloadState::InProgress,
                            DownloadProgressState::Completed => DownloadState::Completed,
                            DownloadProgressState::Canceled => DownloadState::Canceled,
                        };
                        if d.state != DownloadState::InProgress && d.finished_at.is_none() {
                            d.finished_at = Some(Utc::now());
                        }
                    }
                }
                else => break,
            }
        }
    });
    Ok((list, task))
}

/// Seals the finished download `guid` from `dir` into `case_id` as an item of kind
/// `file` (its name the site's suggestion, made safe), then deletes the private copy.
/// On failure the private copy stays, so it can be kept later.
pub(super) fn keep(
    vault: &mut Vault,
    case_id: &str,
    dir: &Path,
    download: &Download,
    browser: &str,
    response: Option<&Recorded>,
) -> Result<ItemRecord, WebError> {
    let from = dir.join(&download.guid);
    if download.guid.is_empty() || download.guid.contains(['/', '\\', '.']) || !from.is_file() {
        return Err(WebError::Browser(format!(
            "the downloaded file from {} is not in Safekeep's private download folder any more",
            download.url
        )));
    }
    // Its own folder, so the file carries the site's name into the vault.
    let folder = dir.join(format!("{}.keep", download.guid));
    private_dir(&folder).map_err(|e| WebError::Input(format!("the download could not be prepared ({e})")))?;
    let named = folder.join(safe_name(&download.suggested_name));
    if let Err(e) = std::fs::rename(&from, &named) {
        let _ = std::fs::remove_dir_all(&folder);
        return Err(WebError::Input(format!(
            "the download could not be prepared ({e})"
        )));
    }
    let mut machine = json!({
        "method": "download in Safekeep's browser",
        "url": download.url,
        "suggested_name": download.suggested_name,
        "browser": browser,
        "began_at": download.began_at.to_rfc3339(),
        "finished_at": download.finished_at.map(|t| t.to_rfc3339()),
    });
    if let Some(r) = response {
        machine["response"] = super::seal::integers_only(response_json(r));
    }
    crate::web::redact::addresses_in(&mut machine);
    let context = Context {
        source_url: Some(crate::web::redact::address_only(&download.url)),
        ..Context::default()
    };
    let sealed = vault.import_file_recorded(case_id, &named, context, Some(machine), &mut |_| {});
    if sealed.is_err() {
        let _ = std::fs::rename(&named, &from);
    }
    let _ = std::fs::remove_dir_all(&folder);
    Ok(sealed?)
}

/// What the browser reported of the response a download came in, as recorded in its
/// tab (login secrets removed, as in every WARC): the server's answer and connection.
fn response_json(r: &Recorded) -> serde_json::Value {
    let (request_headers, _) = redact(&r.request_headers);
    let (response_headers, _) = redact(&r.response_headers);
    let pairs = |h: Vec<(String, String)>| h.into_iter().map(|(k, v)| json!([k, v])).collect::<Vec<_>>();
    json!({
        "method": r.method,
        "sent_at": r.sent_at.to_rfc3339(),
        "status": r.status,
        "status_text": r.status_text,
        "protocol": r.protocol,
        "remote": r.remote.as_ref().map(|(ip, port)| format!("{ip}:{port}")),
        "security_state": r.security_state,
        "security": r.security,
        "request_headers": pairs(request_headers),
        "response_headers": pairs(response_headers),
    })
}

/// A file name for the download: the last part of the site's suggestion, without
/// separators or control characters, at most 120 characters; "download" when nothing is
/// left; a name Windows reserves (`CON.pdf`) gets a leading `_` (it cannot be a file there).
fn safe_name(suggested: &str) -> String {
    let last = suggested.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, ':' | '*' | '?' | '"' | '<' | '>' | '|'))
        .take(120)
        .collect();
    let cleaned = cleaned.trim().trim_matches('.').to_owned();
    if cleaned.is_empty() {
        "download".into()
    } else if safekeep_core::bundle::format::reserved_on_windows(&cleaned) {
        format!("_{cleaned}")
    } else {
        cleaned
    }
}

fn lock(m: &Mutex<Vec<Download>>) -> std::sync::MutexGuard<'_, Vec<Download>> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The private download folder of a profile folder.
pub(super) fn folder_of(profile: &Path) -> PathBuf {
    profile.join(DOWNLOADS_DIR)
}

#[cfg(test)]
mod tests {
    use super::safe_name;

    #[test]
    fn names_are_made_safe() {
        assert_eq!(safe_name("statement.pdf"), "statement.pdf");
        assert_eq!(safe_name("../../etc/passwd"), "passwd");
        assert_eq!(safe_name("C:\\Users\\x\\a.jpg"), "a.jpg");
        assert_eq!(safe_name("a<b>:c?.txt"), "abc.txt");
        assert_eq!(safe_name(".."), "download");
        assert_eq!(safe_name(""), "download");
        assert_eq!(safe_name("x\u{0}y\n.png"), "xy.png");
        assert_eq!(safe_name(&"n".repeat(300)).len(), 120);
        assert_eq!(safe_name("CON.pdf"), "_CON.pdf");
        assert_eq!(safe_name("nul"), "_nul");
        assert_eq!(safe_name("console.pdf"), "console.pdf");
    }
}
