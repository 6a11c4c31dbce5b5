//! The app for everyone, checked in the real WebKit window (tauri-driver, Xvfb):
//!
//! - **axe-core** (Deque's rules for WCAG 2.0, 2.1 and 2.2, levels A and AA), injected
//!   into the page, finds **no violation** on any screen: first run, recovery key, cases,
//!   a case with a note and a picture, an item, export and its result, check a bundle and
//!   its verdict, settings, the lock screen, an error; and again in both pseudo-locales.
//! - A **keyboard-only** path, with real key presses (WebDriver actions) and the native
//!   file dialogs driven by xdotool's keyboard: first run → new case → a written entry →
//!   add a file → export under the neutral name proposed, through the "Save" dialog →
//!   check the bundle; the desktop's recent files list neither file. At every step the focused control shows a
//!   focus indicator and is not hidden under the sticky top bar (WCAG 2.4.11), each new screen moves focus to its heading, and Quick exit stays in
//!   view at the bottom of every screen.
//! - **Zoom**: at 200 % and at a width of 320 CSS pixels no screen scrolls sideways.
//! - **Languages**: in the generated pseudo-locales (en-XA accented and 40 % longer, ar-XB
//!   right to left) no visible word is left in plain ASCII outside data (`translate="no"`):
//!   every word the page shows comes from the catalogue.
//!
//! Screenshots at 200 % zoom and right to left go to target/screenshots/.
#![allow(clippy::unwrap_used, missing_docs)]

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use fantoccini::Client;
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use safekeep_e2e::*;
use serde_json::{Value, json};

const TAB: char = '\u{E004}';
const ENTER: char = '\u{E007}';
const CONTROL: char = '\u{E009}';

async fn keys(c: &Client, chord: &[char]) {
    press(c, chord).await.unwrap();
}

async fn type_text(c: &Client, text: &str) {
    let mut seq = KeyActions::new("keyboard".into());
    for ch in text.chars() {
        seq = seq
            .then(KeyAction::Down { value: ch })
            .then(KeyAction::Up { value: ch });
    }
    c.perform_actions(seq).await.unwrap();
}

/// Whether the focused element shows a focus indicator (outline or ring).
const FOCUS_SHOWN: &str = "(() => { const e = document.activeElement; if (!e || e === document.body) return 'nothing focused'; \
  const s = getComputedStyle(e); const ring = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2) || s.boxShadow !== 'none'; \
  const r = e.getBoundingClientRect(), bar = document.querySelector('header').getBoundingClientRect(); \
  const hidden = !e.closest('header') && !e.matches('.skip') && (r.bottom <= bar.bottom || r.top >= innerHeight); \
  return !ring ? `no visible focus on ${e.outerHTML.slice(0, 120)}` : hidden ? `focus entirely hidden under the top bar or off screen (${Math.round(r.top)}–${Math.round(r.bottom)} of ${Math.round(bar.bottom)}–${innerHeight}): ${e.id}` : ''; })()";

/// Presses Tab until `css` has focus, checking the focus indicator at every stop.
async fn tab_to(c: &Client, css: &str) {
    for _ in 0..80 {
        keys(c, &[TAB]).await;
        // WebKit scrolls a newly focused control into view at the next frame.
        run_async(
            c,
            "new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))",
            vec![],
        )
        .await;
        let problem = js(c, FOCUS_SHOWN).await;
        assert_eq!(problem, json!(""), "tabbing towards {css}");
        if js(c, &format!("document.activeElement.matches({css:?})")).await == json!(true) {
            return;
        }
    }
    panic!("{css} cannot be reached with Tab");
}

/// A new screen: shown, its heading focused, Quick exit in view at its bottom.
async fn arrived(c: &Client, screen: &str) {
    visible(c, screen).await;
    until(
        c,
        &format!("document.activeElement && document.activeElement.matches('#screen-{screen} h1')"),
    )
    .await;
    let in_view = js(
        c,
        "(() => { window.scrollTo(0, document.documentElement.scrollHeight); const r = document.getElementById('quick-exit').getBoundingClientRect(); \
         const ok = r.top >= 0 && r.bottom <= window.innerHeight && r.width > 0; window.scrollTo(0, 0); return ok; })()",
    )
    .await;
    assert_eq!(
        in_view,
        json!(true),
        "Quick exit is in view at the bottom of {screen}"
    );
}

/// Visible words outside data that are plain ASCII: words that bypassed the catalogue.
const UNTRANSLATED: &str = "(() => {
  const shown = (e) => e && (e.offsetWidth || e.offsetHeight || e.getClientRects().length) && getComputedStyle(e).visibility !== 'hidden';
  const bad = [];
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n; (n = walk.nextNode()); ) {
    const p = n.parentElement;
    if (!p || p.closest('[translate=no], script, style') || !shown(p)) continue;
    if (/[A-Za-z]/.test(n.nodeValue)) bad.push(n.nodeValue.trim().slice(0, 80));
  }
  for (const e of document.querySelectorAll('[placeholder], [title], [aria-label], img[alt]')) {
    if (e.closest('[translate=no]') || !shown(e)) continue;
    for (const a of ['placeholder', 'title', 'aria-label', 'alt']) {
      const v = e.getAttribute(a);
      if (v && /[A-Za-z]/.test(v) && !v.includes('⟦')) bad.push(`${a}=${v}`);
    }
  }
  for (const o of document.querySelectorAll('select option')) {
    if (o.closest('[translate=no]') || !shown(o.parentElement)) continue;
    if (/[A-Za-z]/.test(o.textContent) && !o.textContent.includes('⟦')) bad.push(`option ${o.textContent}`);
  }
  return bad;
})()";

async fn all_words_translated(c: &Client, what: &str) {
    assert_eq!(
        js(c, UNTRANSLATED).await,
        json!([]),
        "words outside the catalogue on {what}"
    );
}

/// No screen scrolls sideways: its content fits the window's width.
async fn fits_width(c: &Client, what: &str) {
    let (scroll, inner) = (
        js(c, "document.documentElement.scrollWidth").await,
        js(c, "window.innerWidth").await,
    );
    assert!(
        scroll.as_f64().unwrap() <= inner.as_f64().unwrap() + 1.0,
        "{what} scrolls sideways: {scroll} > {inner} CSS pixels"
    );
}

/// Clicks through the page itself (WebDriver's pointer does not follow WebKit's zoom).
async fn activate(c: &Client, css: &str) {
    until(c, &format!("document.querySelector({css:?})")).await;
    js(c, &format!("(document.querySelector({css:?}).click(), true)")).await;
}

async fn zoom(c: &Client, factor: f64) {
    let r = run_async(
        c,
        "window.__TAURI__.webview.getCurrentWebview().setZoom(arguments[0])",
        vec![json!(factor)],
    )
    .await;
    assert!(r.is_null(), "{r}");
    tokio::time::sleep(Duration::from_millis(400)).await;
}

async fn use_locale(c: &Client, code: &str) {
    js(
        c,
        &format!("(localStorage.setItem('safekeep.locale', {code:?}), location.reload(), true)"),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    until(c, "document.body && document.body.dataset.ready === 'true'").await;
    assert_eq!(js(c, "document.documentElement.lang").await, json!(code));
}

/// Chooses `file` in the native "Add files" dialog with the keyboard only (xdotool's
/// key presses through the X server): focus the dialog, type the path, Enter.
fn choose_in_native_dialog(title: &str, file: &Path) {
    let window = dialog_window(title);
    std::thread::sleep(Duration::from_millis(500));
    let xdo = |args: &[&str]| {
        let ok = Command::new("xdotool").args(args).status().unwrap().success();
        assert!(ok, "xdotool {args:?}");
    };
    // Keys can be lost while a loaded machine draws the location field: the whole
    // sequence is tried again (the field's text replaced) until the dialog closes.
    for _ in 0..3 {
        xdo(&["windowfocus", "--sync", &window]);
        xdo(&["key", "--clearmodifiers", "ctrl+l"]);
        std::thread::sleep(Duration::from_millis(600));
        xdo(&["key", "--clearmodifiers", "ctrl+a"]);
        xdo(&["type", "--delay", "15", file.to_str().unwrap()]);
        std::thread::sleep(Duration::from_millis(400));
        xdo(&["key", "Return"]);
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(5) {
            if !dialog_open(title) {
                return;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }
    panic!("the file dialog did not take the file");
}

/// Whether a visible native dialog called `title` is open.
fn dialog_open(title: &str) -> bool {
    Command::new("xdotool")
        .args(["search", "--onlyvisible", "--name", title])
        .output()
        .is_ok_and(|o| !String::from_utf8_lossy(&o.stdout).trim().is_empty())
}

/// The X window id of the visible native dialog called `title` (waits up to 20 s).
fn dialog_window(title: &str) -> String {
    let start = Instant::now();
    loop {
        let out = Command::new("xdotool")
            .args(["search", "--onlyvisible", "--name", title])
            .output()
            .unwrap();
        if let Some(id) = String::from_utf8_lossy(&out.stdout).lines().next() {
            return id.to_owned();
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the file dialog did not open"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Accepts what the native dialog called `title` proposes (Enter).
fn accept_native_dialog(title: &str) {
    let window = dialog_window(title);
    std::thread::sleep(Duration::from_millis(500));
    for args in [&["windowfocus", "--sync", &window][..], &["key", "Return"]] {
        let ok = Command::new("xdotool").args(args).status().unwrap().success();
        assert!(ok, "xdotool {args:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_screen_by_keyboard_without_accessibility_violations_in_any_language() {
    let home = tempfile::tempdir().unwrap();
    let image = home.path().join("screenshot-of-message.png");
    std::fs::copy(repo().join("icons/128x128@2x.png"), &image).unwrap();
    let recent = home.path().join("data/recently-used.xbel");
    std::fs::create_dir_all(recent.parent().unwrap()).unwrap();
    std::fs::write(&recent, RECENT).unwrap();
    let (_driver, port) = start_driver(home.path());
    let c = connect(port).await;
    until(&c, "document.body && document.body.dataset.ready === 'true'").await;

    // First run, by keyboard.
    arrived(&c, "setup").await;
    axe_clean(&c, "first run").await;
    tab_to(&c, "#setup-pass").await;
    type_text(&c, "a long keyboard passphrase").await;
    tab_to(&c, "#setup-pass2").await;
    type_text(&c, "a long keyboard passphrase").await;
    tab_to(&c, "#setup-initials").await;
    type_text(&c, "kb").await;
    tab_to(&c, "#setup-start").await;
    keys(&c, &[ENTER]).await;
    arrived(&c, "recovery").await;
    axe_clean(&c, "the recovery key").await;
    tab_to(&c, "#recovery-done").await;
    keys(&c, &[ENTER]).await;

    // A new case.
    arrived(&c, "cases").await;
    axe_clean(&c, "the case list").await;
    tab_to(&c, "#case-title").await;
    type_text(&c, "Messages from an old account").await;
    keys(&c, &[ENTER]).await;
    arrived(&c, "case").await;
    axe_clean(&c, "an empty case").await;

    // A written entry.
    tab_to(&c, "#write-note").await;
    keys(&c, &[ENTER]).await;
    until(&c, "document.activeElement.id === 'note-text'").await;
    type_text(&c, "He wrote from a new account at 10pm.").await;
    tab_to(&c, "#note-save").await;
    keys(&c, &[ENTER]).await;
    until(
        &c,
        "document.querySelectorAll('#timeline li[data-item]').length === 1",
    )
    .await;
    until(&c, "!document.getElementById('notice').hidden").await;
    axe_clean(&c, "a case with an entry and a notice").await;

    // A file, through the native dialog, by keyboard.
    tab_to(&c, "#add-files").await;
    keys(&c, &[ENTER]).await;
    let img = image.clone();
    tokio::task::spawn_blocking(move || choose_in_native_dialog("^Add files to this case$", &img))
        .await
        .unwrap();
    until(
        &c,
        "document.querySelectorAll('#timeline li[data-item]').length === 2",
    )
    .await;
    until(&c, "document.querySelector('#timeline .thumb.blurred img')").await;
    let alt = js(&c, "document.querySelector('#timeline .thumb img').alt").await;
    assert!(alt.as_str().unwrap().starts_with("Picture, "), "{alt}");
    assert!(alt.as_str().unwrap().ends_with("(blurred)"), "{alt}");
    axe_clean(&c, "a case with a blurred picture").await;

    // The item, and back.
    tab_to(&c, "#timeline li[data-item] .title").await;
    keys(&c, &[ENTER]).await;
    arrived(&c, "item").await;
    axe_clean(&c, "an item").await;
    tab_to(&c, "#back-to-case").await;
    keys(&c, &[ENTER]).await;
    arrived(&c, "case").await;

    // Export, through the real "Save" dialog. The name proposed is a date and a plain
    // word, nothing of the case's title; it is kept, in the test's own folder.
    tab_to(&c, "#go-export").await;
    keys(&c, &[ENTER]).await;
    arrived(&c, "export").await;
    axe_clean(&c, "export").await;
    let proposed = js(&c, "document.getElementById('export-out').value").await;
    let name = Path::new(proposed.as_str().unwrap())
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let (date, word) = name.strip_suffix(".zip").unwrap().split_at(11);
    assert!(
        date.chars().enumerate().all(|(i, c)| if [4, 7, 10].contains(&i) {
            c == '-'
        } else {
            c.is_ascii_digit()
        }) && !word.is_empty()
            && word.chars().all(|c| c.is_ascii_lowercase()),
        "a neutral name: {name}"
    );
    for part in ["messages", "old", "account"] {
        assert!(!name.to_lowercase().contains(part), "{name} names the case");
    }
    let bundle = home.path().join(&name);
    tab_to(&c, "#export-out").await;
    keys(&c, &[CONTROL, 'a']).await;
    type_text(&c, bundle.to_str().unwrap()).await;
    tab_to(&c, "#export-choose").await;
    keys(&c, &[ENTER]).await;
    tokio::task::spawn_blocking(|| accept_native_dialog("^Save the bundle as$"))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        js(&c, "document.getElementById('export-out').value").await,
        json!(bundle),
        "the dialog kept the proposed name"
    );
    tab_to(&c, "#export-go").await;
    keys(&c, &[ENTER]).await;
    until(&c, "!document.getElementById('export-result').hidden").await;
    until(&c, "document.activeElement.id === 'export-result-h'").await;
    assert_eq!(
        js(&c, "document.getElementById('export-sha').textContent").await,
        json!(sha256sum(&bundle))
    );
    axe_clean(&c, "an exported bundle").await;

    // Check the bundle.
    tab_to(&c, "#nav-verify").await;
    keys(&c, &[ENTER]).await;
    arrived(&c, "verify").await;
    axe_clean(&c, "check a bundle").await;
    tab_to(&c, "#verify-path").await;
    type_text(&c, bundle.to_str().unwrap()).await;
    keys(&c, &[ENTER]).await;
    until(&c, "!document.getElementById('verify-result').hidden").await;
    // The verdict is announced (a status region) and said in words, not colour alone.
    let said = js(&c, "document.getElementById('verify-progress').textContent").await;
    assert!(said.as_str().unwrap().starts_with("✔ Intact"), "{said}");
    let words = js(
        &c,
        "[...document.querySelectorAll('#verify-checks li')].every((l) => l.textContent.includes('Passed:'))",
    )
    .await;
    assert_eq!(words, json!(true));
    axe_clean(&c, "a verified bundle").await;

    // Settings, and the lock screen.
    tab_to(&c, "#nav-settings").await;
    keys(&c, &[ENTER]).await;
    arrived(&c, "settings").await;
    until(&c, "document.getElementById('ts-state').textContent !== ''").await;
    axe_clean(&c, "settings").await;
    tab_to(&c, "#lock-now").await;
    keys(&c, &[ENTER]).await;
    arrived(&c, "lock").await;
    axe_clean(&c, "the lock screen").await;
    tab_to(&c, "#unlock-pass").await;
    type_text(&c, "not the passphrase").await;
    keys(&c, &[ENTER]).await;
    until(
        &c,
        "document.getElementById('alert').dataset.code === 'wrong_passphrase'",
    )
    .await;
    axe_clean(&c, "a wrong passphrase").await;
    tab_to(&c, "#unlock-pass").await;
    keys(&c, &[CONTROL, 'a']).await;
    type_text(&c, "a long keyboard passphrase").await;
    keys(&c, &[ENTER]).await;
    arrived(&c, "cases").await;

    // 200 % zoom and 320 CSS pixels wide: nothing scrolls sideways.
    activate(&c, "#case-list button.case").await;
    arrived(&c, "case").await;
    let width = js(&c, "window.innerWidth").await.as_f64().unwrap();
    for (factor, name) in [(2.0, "200 % zoom"), (width / 320.0, "320 px wide")] {
        zoom(&c, factor).await;
        fits_width(&c, &format!("the case at {name}")).await;
        if factor == 2.0 {
            shot(&c, "20-case-zoom-200").await;
        }
        activate(&c, "#timeline li[data-item] .title").await;
        arrived(&c, "item").await;
        fits_width(&c, &format!("an item at {name}")).await;
        js(&c, "(window.safekeep.showVerify(), true)").await;
        fits_width(&c, &format!("check a bundle at {name}")).await;
        activate(&c, "#nav-cases").await;
        arrived(&c, "cases").await;
        activate(&c, "#case-list button.case").await;
        arrived(&c, "case").await;
    }
    zoom(&c, 1.0).await;

    // Every word from the catalogue, in both pseudo-locales.
    for code in ["en-XA", "ar-XB"] {
        use_locale(&c, code).await;
        let dir = js(&c, "document.documentElement.dir").await;
        assert_eq!(dir, json!(if code == "ar-XB" { "rtl" } else { "ltr" }));
        arrived(&c, "cases").await;
        all_words_translated(&c, &format!("the case list in {code}")).await;
        axe_clean(&c, &format!("the case list in {code}")).await;
        click(&c, "#case-list button.case").await;
        arrived(&c, "case").await;
        until(
            &c,
            "document.querySelectorAll('#timeline li[data-item]').length === 2",
        )
        .await;
        until(&c, "document.querySelector('#timeline .thumb img')").await;
        click(&c, "#capture-browser").await;
        until(&c, "!document.getElementById('browser-panel').hidden").await;
        // The panel is checked with the page at its top: scrolled part-way, axe counts a
        // control half under the sticky top bar as too small a target.
        js(&c, "(window.scrollTo(0, 0), true)").await;
        all_words_translated(&c, &format!("the Safekeep's browser panel in {code}")).await;
        axe_clean(&c, &format!("the Safekeep's browser panel in {code}")).await;
        click(&c, "#receive-phone").await;
        until(&c, "!document.getElementById('phone-panel').hidden").await;
        js(&c, "(window.scrollTo(0, 0), true)").await;
        all_words_translated(&c, &format!("the Receive from a phone panel in {code}")).await;
        axe_clean(&c, &format!("the Receive from a phone panel in {code}")).await;
        click(&c, "#write-note").await;
        all_words_translated(&c, &format!("a case in {code}")).await;
        axe_clean(&c, &format!("a case in {code}")).await;
        if code == "ar-XB" {
            shot(&c, "22-case-right-to-left").await;
            zoom(&c, 2.0).await;
            fits_width(&c, "a right-to-left case at 200 % zoom").await;
            shot(&c, "23-case-right-to-left-zoom-200").await;
            zoom(&c, 1.0).await;
        } else {
            shot(&c, "21-case-pseudo-accented").await;
        }
        click(&c, "#timeline li[data-item] .title").await;
        arrived(&c, "item").await;
        all_words_translated(&c, &format!("an item in {code}")).await;
        axe_clean(&c, &format!("an item in {code}")).await;
        click(&c, "#back-to-case").await;
        arrived(&c, "case").await;
        click(&c, "#go-export").await;
        arrived(&c, "export").await;
        // An error from the backend: a translated summary, its English detail marked so.
        type_into(&c, "#export-initials", "bad1").await;
        click(&c, "#export-go").await;
        until(
            &c,
            "document.getElementById('alert').dataset.code === 'bad_exhibit_prefix'",
        )
        .await;
        let detail = js(&c, "document.querySelector('#alert [lang=en]').textContent").await;
        assert!(detail.as_str().unwrap().contains("\"BAD1\""), "{detail}");
        all_words_translated(&c, &format!("an export error in {code}")).await;
        axe_clean(&c, &format!("an export error in {code}")).await;
        js(&c, "(window.safekeep.showVerify(), true)").await;
        arrived(&c, "verify").await;
        run_async(
            &c,
            "window.safekeep.verifyPath(arguments[0])",
            vec![json!(bundle)],
        )
        .await;
        until(&c, "!document.getElementById('verify-result').hidden").await;
        all_words_translated(&c, &format!("a verified bundle in {code}")).await;
        click(&c, "#nav-settings").await;
        arrived(&c, "settings").await;
        until(&c, "document.getElementById('ts-state').textContent !== ''").await;
        all_words_translated(&c, &format!("settings in {code}")).await;
        axe_clean(&c, &format!("settings in {code}")).await;
    }
    // The choice of language is kept, and English comes back when chosen.
    use_locale(&c, "en-GB").await;
    let v: Value = js(&c, "document.getElementById('nav-cases').textContent").await;
    assert_eq!(v, json!("Cases"));
    c.close().await.unwrap();
    // The native dialogs chose evidence and saved a bundle, and the desktop's recent
    // files (GTK writes them within a second of a choice) are exactly as they were: the
    // person's own entry kept, nothing of Safekeep's added.
    assert_eq!(
        std::fs::read_to_string(&recent).unwrap(),
        RECENT,
        "the dialogs changed the desktop's recent files"
    );
}

/// The desktop's recent files before the test: one entry of the person's own.
const RECENT: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<xbel version="1.0"
      xmlns:bookmark="http://www.freedesktop.org/standards/desktop-bookmarks"
      xmlns:mime="http://www.freedesktop.org/standards/shared-mime-info"
>
  <bookmark href="file:///home/someone/holiday.txt" added="2026-12-01T10:00:00.000000Z" modified="2026-12-01T10:00:00.000000Z" visited="2026-12-01T10:00:00.000000Z">
    <info>
      <metadata owner="http://freedesktop.org">
        <mime:mime-type type="text/plain"/>
        <bookmark:applications>
          <bookmark:application name="gedit" exec="&apos;gedit %u&apos;" modified="2026-12-01T10:00:00.000000Z" count="1"/>
        </bookmark:applications>
      </metadata>
    </info>
  </bookmark>
</xbel>
"#;
