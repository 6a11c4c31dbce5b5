//! The guided start and the neutral look, in the real app (docs/guide.md): a new case
//! asks what is happening and where, its checklist's lines open the right capture and
//! tick as items arrive; a neutral look renames the window (seen from outside, as the
//! taskbar sees it) and writes the desktop's menu entry, and undoing it removes the
//! entry and gives the window its name back.
#![allow(clippy::unwrap_used, missing_docs)]

use std::process::Command;
use std::time::{Duration, Instant};

use safekeep_e2e::*;
use serde_json::json;

/// Clicks an element after bringing it to the middle of the window (the sticky top bar
/// could otherwise cover it).
async fn click_seen(c: &fantoccini::Client, css: &str) {
    js(
        c,
        &format!("document.querySelector({css:?}).scrollIntoView({{ block: 'center' }})"),
    )
    .await;
    click(c, css).await;
}

/// Windows on the test's display whose whole title is `title`, as xdotool sees them.
fn windows_titled(title: &str) -> usize {
    let out = Command::new("xdotool")
        .args(["search", "--onlyvisible", "--name", &format!("^{title}$")])
        .output()
        .expect("xdotool is installed by `make deps-test`");
    String::from_utf8_lossy(&out.stdout).lines().count()
}

/// Waits until a window is titled `title` (the title changes in the window system a
/// moment after the page hears back).
async fn until_window_titled(title: &str) {
    let start = Instant::now();
    while windows_titled(title) == 0 {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no window titled {title:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_guided_start_creates_a_case_whose_checklist_opens_each_capture() {
    let home = tempfile::tempdir().unwrap();
    drop(make_vault(&home.path().join("vault")));
    let (_driver, port) = start_driver(home.path());
    let c = connect(port).await;
    visible(&c, "lock").await;
    type_into(&c, "#unlock-pass", PASS).await;
    click(&c, "#unlock-go").await;
    visible(&c, "cases").await;

    // A new case asks the two questions.
    type_into(&c, "#case-title", "Threats from an account").await;
    click(&c, "#case-create").await;
    visible(&c, "case").await;
    until(&c, "!document.getElementById('guide-form').hidden").await;
    until(&c, "document.getElementById('guide-s-threat')").await;
    axe_clean(&c, "the guided start's questions").await;
    click_seen(&c, "#guide-s-threat").await;
    click_seen(&c, "#guide-p-instagram").await;
    click_seen(&c, "#guide-p-snapchat").await;
    click_seen(&c, "#guide-p-website").await;
    click_seen(&c, "#guide-show").await;
    until(&c, "!document.getElementById('guide-plan').hidden").await;
    until(&c, "document.querySelectorAll('#guide-list li').length > 0").await;

    // The threat's steps in order, each per platform where it applies: a website's
    // messages cannot be exported, so they are captured from the screen.
    let lines = js(
        &c,
        "[...document.querySelectorAll('#guide-list li')].map((li) => `${li.dataset.step}/${li.dataset.platform}`)",
    )
    .await;
    assert_eq!(
        lines,
        json!([
            "messages/instagram",
            "messages/snapchat",
            "messages_screen/website",
            "profile/instagram",
            "profile/snapchat",
            "profile/website",
            "screen/",
            "note/"
        ])
    );
    let advice = js(&c, "document.getElementById('guide-advice').textContent").await;
    assert!(advice.as_str().unwrap().contains("Do not pay"), "{advice}");
    assert_eq!(
        js(&c, "document.querySelectorAll('#guide-list li.done').length").await,
        json!(0)
    );
    axe_clean(&c, "the guided start's checklist").await;
    shot(&c, "30-guided-start-checklist").await;

    // Each line opens its capture, prepared for its platform.
    let line = |step: &str, platform: &str| {
        format!("#guide-list li[data-step='{step}'][data-platform='{platform}'] button")
    };
    click_seen(&c, &line("messages", "instagram")).await;
    until(&c, "!document.getElementById('chat-form').hidden").await;
    assert_eq!(
        js(&c, "document.getElementById('chat-format').value").await,
        json!("instagram")
    );
    let howto = js(&c, "document.getElementById('chat-howto').hidden ? '' : document.getElementById('chat-howto').textContent").await;
    assert!(
        howto.as_str().unwrap().contains("Download your information"),
        "{howto}"
    );
    axe_clean(&c, "the conversation panel opened from the checklist").await;

    click_seen(&c, &line("messages", "snapchat")).await;
    until(&c, "!document.getElementById('chat-form').hidden").await;
    assert_eq!(
        js(&c, "document.getElementById('chat-format').value").await,
        json!("snapchat")
    );
    click_seen(&c, &line("messages_screen", "website")).await;
    until(&c, "!document.getElementById('capture-form').hidden").await;
    until(&c, "document.getElementById('chat-form').hidden").await;

    click_seen(&c, &line("profile", "instagram")).await;
    until(&c, "!document.getElementById('browser-panel').hidden").await;
    assert_eq!(
        js(&c, "document.getElementById('browser-url').value").await,
        json!("https://www.instagram.com/")
    );

    click_seen(&c, &line("screen", "")).await;
    until(&c, "!document.getElementById('capture-form').hidden").await;
    until(&c, "document.getElementById('browser-panel').hidden").await;

    click_seen(&c, &line("note", "")).await;
    until(&c, "!document.getElementById('note-form').hidden").await;

    // An item of the line's kind ticks it, with words as well as the mark.
    type_into(&c, "#note-text", "He said he would send it to my friends at 9pm.").await;
    click_seen(&c, "#note-save").await;
    until(
        &c,
        "document.querySelector(\"#guide-list li[data-step='note']\").classList.contains('done')",
    )
    .await;
    let ticked = js(
        &c,
        "document.querySelector(\"#guide-list li[data-step='note']\").textContent",
    )
    .await;
    assert!(ticked.as_str().unwrap().contains("(done)"), "{ticked}");
    assert_eq!(
        js(&c, "document.querySelectorAll('#guide-list li.done').length").await,
        json!(1)
    );

    // The answers are kept in the vault: the checklist is there when the case is opened again.
    click(&c, "#nav-cases").await;
    visible(&c, "cases").await;
    click(&c, "#case-list button.case").await;
    visible(&c, "case").await;
    until(&c, "!document.getElementById('guide-plan').hidden").await;
    until(
        &c,
        "document.querySelectorAll('#guide-list li.done').length === 1",
    )
    .await;

    // The actions behind "More…" open with one click (and by keyboard: a <details>).
    assert_eq!(
        js(&c, "document.getElementById('add-more').open").await,
        json!(false)
    );
    click_seen(&c, "#add-more summary").await;
    until(&c, "document.getElementById('add-more').open").await;
    click_seen(&c, "#record-screen").await;
    until(&c, "!document.getElementById('capture-form').hidden").await;
    assert_eq!(
        js(&c, "document.getElementById('capture-what').value").await,
        json!("video")
    );
    axe_clean(&c, "a case with its actions grouped and one group open").await;

    // By keyboard: Enter on "More…" of Share and track shows its actions.
    js(&c, "document.querySelector('#share-more summary').focus()").await;
    press(&c, &['\u{E007}']).await.unwrap();
    until(&c, "document.getElementById('share-more').open").await;
    click_seen(&c, "#go-handover").await;
    visible(&c, "verify").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_neutral_look_renames_the_window_and_the_menu_entry_and_is_undone() {
    let home = tempfile::tempdir().unwrap();
    drop(make_vault(&home.path().join("vault")));
    let entry = home.path().join("data/applications/safekeep-app.desktop");
    let icon = home
        .path()
        .join("data/icons/hicolor/128x128/apps/neutral-look-notes.png");
    let (driver, port) = start_driver(home.path());
    let c = connect(port).await;
    visible(&c, "lock").await;
    until_window_titled("Safekeep").await;
    type_into(&c, "#unlock-pass", PASS).await;
    click(&c, "#unlock-go").await;
    visible(&c, "cases").await;

    click(&c, "#nav-settings").await;
    visible(&c, "settings").await;
    until(&c, "document.querySelector('#look option[value=notes]')").await;
    axe_clean(&c, "Settings with the neutral look").await;
    js(&c, "document.getElementById('look').value = 'notes'").await;
    click_seen(&c, "#look-save").await;
    until(&c, "!document.getElementById('notice').hidden").await;
    until_window_titled("Notes").await;
    assert_eq!(windows_titled("Safekeep"), 0);

    // The menu entry: no Safekeep is installed on the test machine, so a hidden entry
    // gives the taskbar the neutral name and icon.
    let text = std::fs::read_to_string(&entry).unwrap();
    assert!(text.contains("\nName=Notes\n"), "{text}");
    assert!(text.contains("NoDisplay=true"), "{text}");
    assert!(text.contains(&format!("Icon={}", icon.display())), "{text}");
    assert!(icon.exists());

    // Locked, the page shows nothing of Safekeep.
    click(&c, "#lock-now").await;
    visible(&c, "lock").await;
    until(&c, "document.getElementById('lock-h').textContent === 'Notes'").await;
    assert_eq!(js(&c, "document.title").await, json!("Notes"));
    let shown = js(&c, "document.body.innerText").await;
    assert!(!shown.as_str().unwrap().contains("Safekeep"), "{shown}");
    let titles = js(
        &c,
        "[...document.querySelectorAll('[title]')].filter((e) => e.getClientRects().length > 0).map((e) => e.title).join(' ')",
    )
    .await;
    assert!(!titles.as_str().unwrap().contains("Safekeep"), "{titles}");
    axe_clean(&c, "the lock screen under a neutral look").await;
    shot(&c, "31-lock-screen-neutral").await;

    // The look is applied at start, before the window is shown.
    c.close().await.unwrap();
    drop(driver);
    let (_driver, port) = start_driver(home.path());
    let c = connect(port).await;
    visible(&c, "lock").await;
    until_window_titled("Notes").await;
    assert_eq!(windows_titled("Safekeep"), 0);
    until(&c, "document.getElementById('lock-h').textContent === 'Notes'").await;

    // Undone: the window is Safekeep again, the entry and icon are gone.
    type_into(&c, "#unlock-pass", PASS).await;
    click(&c, "#unlock-go").await;
    visible(&c, "cases").await;
    click(&c, "#nav-settings").await;
    visible(&c, "settings").await;
    until(&c, "document.getElementById('look').value === 'notes'").await;
    js(&c, "document.getElementById('look').value = ''").await;
    click_seen(&c, "#look-save").await;
    until_window_titled("Safekeep").await;
    assert_eq!(windows_titled("Notes"), 0);
    assert!(!entry.exists(), "the menu entry is still there");
    assert!(!icon.exists(), "the icon is still there");
    // The backend retitles the window inside the command; the page's title follows once
    // the command has answered.
    until(&c, "document.title === 'Safekeep'").await;
}
