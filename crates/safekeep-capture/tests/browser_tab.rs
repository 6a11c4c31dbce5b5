//! "Capture this page" seals the tab on screen, as the browser itself says it, not as a
//! page says it: a hostile page left open in a background tab that claims to be visible
//! and focused (overriding `document.visibilityState` and `hasFocus` in its own scripts)
//! is not the one chosen. Real Chromium with a window, under the X server `make test`
//! runs the tests in; fails, never skips.
#![allow(clippy::unwrap_used, missing_docs)]

use std::time::Duration;

use safekeep_capture::web::browser::recorder::RecordLimits;
use safekeep_capture::web::browser::{BrowserOptions, Session};
use safekeep_capture::web::render::find_browser;
use url::Url;

const HOSTILE: &str = "data:text/html,<title>hostile</title><script>Object.defineProperty(Document.prototype,'visibilityState',{get:()=>'visible'});Object.defineProperty(document,'visibilityState',{get:()=>'visible'});Document.prototype.hasFocus=()=>true;document.hasFocus=()=>true;</script>pretends to be on screen";
const SHOWN: &str = "data:text/html,<title>shown</title>the page the person is looking at";

#[test]
fn a_background_page_that_fakes_being_on_screen_is_not_the_tab_sealed() {
    assert!(
        std::env::var_os("DISPLAY").is_some(),
        "needs an X server: `make test` runs the tests under xvfb-run"
    );
    let profile = tempfile::tempdir().unwrap();
    let session = Session::launch(BrowserOptions {
        program: find_browser(None).unwrap(),
        profile: profile.path().to_path_buf(),
        headless: false,
        extra_authorities: Vec::new(),
        limits: RecordLimits {
            max_body: 1 << 20,
            max_total: 1 << 24,
        },
        load_timeout: Duration::from_secs(20),
        wacz_signer: None,
    })
    .unwrap();
    // The hostile tab is opened last, so it is asked first.
    let shown = session.open_tab(Some(&Url::parse(SHOWN).unwrap())).unwrap();
    let hostile = session.open_tab(Some(&Url::parse(HOSTILE).unwrap())).unwrap();
    session.show(&shown);
    std::thread::sleep(Duration::from_millis(500));
    let current = session.current_tab().unwrap();
    assert_eq!(
        current.id(),
        shown.id(),
        "the hostile tab ({}) was chosen",
        hostile.id()
    );
    session.close();
}
