//! Help, the incident log's questions and "last opened", in the real app (tauri-driver,
//! Xvfb):
//!
//! - "Get help" opens from the top bar with the keyboard alone on every screen (first
//!   run, the lock screen, the case list, a case, an item, checking a bundle, settings),
//!   shows the services from `ui/help/services.json` and the advice for threats to share
//!   pictures, has no axe-core violation, and Escape gives focus back to the button.
//! - A written entry with the incident log's questions answered carries them into the
//!   PDF report (read with pdftotext), the item screen and the statement draft, whose
//!   impact summary quotes what the person wrote.
//! - After unlocking, the case list says when the vault was last opened: the time of the
//!   unlock before, not of this one.
#![allow(clippy::unwrap_used, missing_docs)]

use std::process::Command;

use fantoccini::Client;
use safekeep_e2e::*;
use serde_json::json;

const TAB: char = '\u{E004}';
const ENTER: char = '\u{E007}';
const ESCAPE: char = '\u{E00C}';

/// One app at a time on the display.
static ONE_APP: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Presses Tab until `css` has focus.
async fn tab_to(c: &Client, css: &str) {
    for _ in 0..120 {
        press(c, &[TAB]).await.unwrap();
        if js(c, &format!("document.activeElement.matches({css:?})")).await == json!(true) {
            return;
        }
    }
    panic!("{css} cannot be reached with Tab");
}

/// Opens "Get help" by keyboard from what is on screen, checks it, and closes it.
async fn help_by_keyboard(c: &Client, screen: &str) {
    // Start from the top of the page, as a keyboard user arriving on the screen does.
    js(
        c,
        "(document.activeElement && document.activeElement.blur(), true)",
    )
    .await;
    tab_to(c, "#nav-help").await;
    press(c, &[ENTER]).await.unwrap();
    until(
        c,
        "document.getElementById('help').open && document.activeElement.id === 'help-h'",
    )
    .await;
    until(
        c,
        "document.querySelectorAll('#help-services .help-service').length >= 13",
    )
    .await;
    let text = js(c, "document.getElementById('help').innerText").await;
    let text = text.as_str().unwrap();
    for needle in [
        "Revenge Porn Helpline",
        "0345 6000 459",
        "StopNCII.org",
        "Samaritans",
        "116 123",
        "Outside the UK",
        "Take It Down (NCMEC)",
        "Do not pay",
        "Stop contact",
        "Keep the evidence",
        "Report it",
    ] {
        assert!(text.contains(needle), "{needle} not in help on {screen}:\n{text}");
    }
    // UK services come first.
    assert!(text.find("In the UK").unwrap() < text.find("Outside the UK").unwrap());
    // An entry not confirmed on the service's own page shows its website only, and says so.
    let womens_aid = js(c, "document.querySelector('[data-service=womens_aid]').innerText").await;
    let womens_aid = womens_aid.as_str().unwrap();
    assert!(
        womens_aid.contains("https://www.womensaid.org.uk/") && womens_aid.contains("not yet been checked"),
        "{womens_aid}"
    );
    assert!(!womens_aid.contains("Phone"), "{womens_aid}");
    // Every confirmed entry names its source page and the day it was checked.
    let sourced = js(c, "[...document.querySelectorAll('#help .help-service')].filter((s) => !s.querySelector('.hint')).every((s) => /Source: https?:\\/\\/\\S+, checked on \\d{4}-\\d{2}-\\d{2}/.test(s.innerText))").await;
    assert_eq!(sourced, json!(true), "sources on {screen}");
    axe_clean(c, &format!("Get help over {screen}")).await;
    press(c, &[ESCAPE]).await.unwrap();
    until(
        c,
        "!document.getElementById('help').open && document.activeElement.id === 'nav-help'",
    )
    .await;
    visible(c, screen).await;
    // Escape twice is Quick exit: let the first press be forgotten.
    tokio::time::sleep(std::time::Duration::from_millis(900)).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn get_help_is_one_key_press_away_on_every_screen() {
    let _one = ONE_APP.lock().await;
    // First run.
    let fresh = tempfile::tempdir().unwrap();
    {
        let (_driver, port) = start_driver(fresh.path());
        let c = connect(port).await;
        until(&c, "document.body && document.body.dataset.ready === 'true'").await;
        visible(&c, "setup").await;
        help_by_keyboard(&c, "setup").await;
        c.close().await.unwrap();
    }

    // A vault with a case and an entry: the lock screen and every screen after it.
    let home = tempfile::tempdir().unwrap();
    let mut v = make_vault(&home.path().join("vault"));
    let case = v.create_case("Help").unwrap();
    v.add_note(&case, "Something happened.", Default::default())
        .unwrap();
    drop(v);
    let (_driver, port) = start_driver(home.path());
    let c = connect(port).await;
    until(&c, "document.body && document.body.dataset.ready === 'true'").await;
    visible(&c, "lock").await;
    help_by_keyboard(&c, "lock").await;
    unlock_and_open_first_case(&c).await;
    help_by_keyboard(&c, "case").await;
    click(&c, "#timeline li[data-item] .title").await;
    visible(&c, "item").await;
    help_by_keyboard(&c, "item").await;
    click(&c, "#nav-cases").await;
    visible(&c, "cases").await;
    help_by_keyboard(&c, "cases").await;
    click(&c, "#nav-verify").await;
    visible(&c, "verify").await;
    help_by_keyboard(&c, "verify").await;
    click(&c, "#nav-settings").await;
    visible(&c, "settings").await;
    help_by_keyboard(&c, "settings").await;

    // In the accented pseudo-locale every word of it comes from the catalogue: only
    // names, numbers, addresses and dates (data, translate="no") stay as written.
    js(
        &c,
        "(window.__before_reload = true, localStorage.setItem('safekeep.locale', 'en-XA'), location.reload(), true)",
    )
    .await;
    // The old page may answer first: wait for the new one to have its words.
    until(
        &c,
        "!window.__before_reload && document.body && document.body.dataset.ready === 'true'",
    )
    .await;
    js(&c, "(window.safekeep.showHelp(), true)").await;
    until(
        &c,
        "document.querySelectorAll('#help-services .help-service').length >= 13",
    )
    .await;
    let untranslated = js(
        &c,
        "(() => { const bad = []; const w = document.createTreeWalker(document.getElementById('help'), NodeFilter.SHOW_TEXT);
           for (let n; (n = w.nextNode()); ) { const p = n.parentElement; if (p.closest('[translate=no]')) continue;
             if (/[A-Za-z]/.test(n.nodeValue)) bad.push(n.nodeValue.trim().slice(0, 60)); } return bad; })()",
    )
    .await;
    assert_eq!(untranslated, json!([]), "words outside the catalogue in Get help");
    axe_clean(&c, "Get help in en-XA").await;
    c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_structured_entry_reaches_the_pdf_and_last_opened_is_the_unlock_before() {
    let _one = ONE_APP.lock().await;
    let home = tempfile::tempdir().unwrap();
    let mut v = make_vault(&home.path().join("vault"));
    v.create_case("Incident log").unwrap();
    drop(v);
    let (_driver, port) = start_driver(home.path());
    let c = connect(port).await;
    until(&c, "document.body && document.body.dataset.ready === 'true'").await;

    // The first unlock: never opened before, so nothing to say.
    let before = js(&c, "Date.now()").await.as_f64().unwrap();
    visible(&c, "lock").await;
    type_into(&c, "#unlock-pass", PASS).await;
    click(&c, "#unlock-go").await;
    visible(&c, "cases").await;
    let after = js(&c, "Date.now()").await.as_f64().unwrap();
    assert_eq!(
        js(&c, "document.getElementById('last-opened').hidden").await,
        json!(true)
    );

    // A written entry with the incident log's questions answered.
    click(&c, "#case-list button.case").await;
    visible(&c, "case").await;
    click(&c, "#write-note").await;
    until(&c, "document.activeElement.id === 'note-text'").await;
    type_into(&c, "#note-text", "He sent the messages again.").await;
    js(&c, "(document.getElementById('note-more').open = true, true)").await;
    let answers = [
        ("#note-where", "Instagram direct messages"),
        ("#note-who", "@night.owl.77"),
        ("#note-known-as", "someone I met at a gym class"),
        ("#note-witnesses", "my sister Ann"),
        ("#note-impact", "I cannot sleep and stopped going out."),
        ("#note-reported-to", "Example Police on 5 March"),
        ("#note-references", "CRN 44/12345/26"),
    ];
    for (css, text) in answers {
        type_into(&c, css, text).await;
    }
    axe_clean(&c, "the incident log's questions").await;
    click(&c, "#note-save").await;
    until(
        &c,
        "document.querySelectorAll('#timeline li[data-item]').length === 1",
    )
    .await;
    // The item screen shows the answers under what the person said.
    click(&c, "#timeline li[data-item] .title").await;
    visible(&c, "item").await;
    let said = js(&c, "document.getElementById('item-person').innerText").await;
    for (_, answer) in answers {
        assert!(
            said.as_str().unwrap().contains(answer),
            "{answer} not on the item screen: {said}"
        );
    }
    axe_clean(&c, "an entry with the incident log's answers").await;
    click(&c, "#back-to-case").await;
    visible(&c, "case").await;

    // Export; the PDF report beside it carries every answer.
    let bundle = home.path().join("bundle.zip");
    click(&c, "#go-export").await;
    visible(&c, "export").await;
    type_into(&c, "#export-initials", "AB").await;
    type_into(&c, "#export-out", bundle.to_str().unwrap()).await;
    click(&c, "#export-go").await;
    until(
        &c,
        "!document.getElementById('export-result').hidden || !document.getElementById('alert').hidden",
    )
    .await;
    let alert = js(
        &c,
        "document.getElementById('alert').hidden ? '' : document.getElementById('alert').innerText",
    )
    .await;
    assert_eq!(alert, json!(""), "the export was refused");
    click(&c, "#report-save").await;
    until(&c, "!document.getElementById('report-result').hidden").await;
    let out = Command::new("pdftotext")
        .arg(home.path().join("bundle-report.pdf"))
        .arg("-")
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for (_, answer) in answers {
        assert!(text.contains(answer), "{answer} not in the PDF:\n{text}");
    }
    for label in ["How they are known", "What it did to them", "Witnesses"] {
        assert!(text.contains(label), "{label} not in the PDF");
    }
    // The statement draft in the bundle, with the impact summary drafted from it.
    let out = Command::new("unzip")
        .arg("-p")
        .arg(&bundle)
        .arg("*/data/report/statement-draft.txt")
        .output()
        .unwrap();
    let statement = String::from_utf8_lossy(&out.stdout);
    assert!(
        statement
            .contains("I believe it was done by @night.owl.77, whom I know as someone I met at a gym class."),
        "{statement}"
    );
    let summary = statement
        .find("IMPACT SUMMARY - DRAFT, IN YOUR OWN WORDS")
        .expect("an impact summary");
    assert!(
        statement[summary..].contains("I cannot sleep and stopped going out."),
        "{statement}"
    );

    // Lock, unlock again: the case list gives the first unlock's time.
    click(&c, "#lock-now").await;
    visible(&c, "lock").await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    type_into(&c, "#unlock-pass", PASS).await;
    click(&c, "#unlock-go").await;
    visible(&c, "cases").await;
    until(&c, "!document.getElementById('last-opened').hidden").await;
    let shown = js(&c, "document.getElementById('last-opened').innerText").await;
    let shown = shown.as_str().unwrap().to_owned();
    assert!(
        shown.starts_with("Last opened on ") && shown.contains("on this computer"),
        "{shown}"
    );
    let at = js(
        &c,
        "Date.parse(document.getElementById('last-opened').dataset.at)",
    )
    .await
    .as_f64()
    .unwrap();
    assert!(
        at >= before - 1000.0 && at <= after + 1000.0,
        "{at} is not the first unlock ({before}–{after})"
    );
    let expected = js(&c, "new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(document.getElementById('last-opened').dataset.at))").await;
    assert!(
        shown.contains(expected.as_str().unwrap()),
        "{shown} should say {expected}"
    );
    c.close().await.unwrap();
}
