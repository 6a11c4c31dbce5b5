//! A conversation export in the real app: "Add a conversation export" seals a
//! 10,000-message WhatsApp chat, the conversation opens at once (paged by the vault),
//! search and "go to date" find messages, a run is marked as an exhibit, and the PDF
//! report names the run (read back with pdftotext). The same for an Android SMS backup.
#![allow(clippy::unwrap_used, missing_docs)]

use std::fmt::Write as _;
use std::fs;
use std::process::Command;

use safekeep_e2e::*;
use serde_json::json;

const MESSAGES: usize = 10_000;

/// Clicks an element after bringing it to the middle of the window (below the top bar).
async fn click_seen(c: &fantoccini::Client, css: &str) {
    js(
        c,
        &format!("document.querySelector({css:?}).scrollIntoView({{ block: 'center' }})"),
    )
    .await;
    click(c, css).await;
}

/// From the item back to its case, "Save the report" on the export screen with initials
/// AB and the bundle name `stem`.zip; returns the saved PDF's text (pdftotext).
async fn saved_report(c: &fantoccini::Client, dir: &std::path::Path, stem: &str) -> String {
    click_seen(c, "#back-to-case").await;
    visible(c, "case").await;
    click_seen(c, "#go-export").await;
    visible(c, "export").await;
    type_into(c, "#export-initials", "AB").await;
    let bundle = dir.join(format!("{stem}.zip"));
    type_into(c, "#export-out", bundle.to_str().unwrap()).await;
    click_seen(c, "#report-save").await;
    until(
        c,
        "!document.getElementById('report-result').hidden || !document.getElementById('alert').hidden",
    )
    .await;
    assert_eq!(
        js(
            c,
            "document.getElementById('alert').hidden ? '' : document.getElementById('alert').textContent"
        )
        .await,
        json!(""),
        "the report was saved"
    );
    let pdf = dir.join(format!("{stem}-report.pdf"));
    let out = Command::new("pdftotext").arg(&pdf).arg("-").output().unwrap();
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_long_chat_is_added_searched_marked_and_reported() {
    let home = tempfile::tempdir().unwrap();
    let mut v = make_vault(&home.path().join("vault"));
    v.create_case("Messages from Sam").unwrap();
    drop(v);
    // One message a minute from 1 January 2026, 00:00; message 7,777 is the threat.
    let export = home.path().join("WhatsApp Chat with Sam");
    fs::create_dir_all(&export).unwrap();
    let mut chat = String::new();
    for i in 0..MESSAGES {
        let (day, minute) = (1 + i / 1440, i % 1440);
        let text = if i + 1 == 7_777 {
            "final ultimatum: pay by Friday or the photos go out".to_owned()
        } else {
            format!("message number {}", i + 1)
        };
        let who = if i % 3 == 0 { "Alex" } else { "Sam" };
        writeln!(
            chat,
            "{day:02}/01/2026, {:02}:{:02} - {who}: {text}",
            minute / 60,
            minute % 60
        )
        .unwrap();
    }
    fs::write(export.join("WhatsApp Chat with Sam.txt"), &chat).unwrap();

    let (_driver, port) = start_driver(home.path());
    let c = connect(port).await;
    unlock_and_open_first_case(&c).await;
    click_seen(&c, "#add-chat").await;
    until(&c, "!document.getElementById('chat-form').hidden").await;
    type_into(&c, "#chat-zone", "Europe/London").await;
    // Every date (1 to 7 January) could be day or month first, and both keep the messages
    // in order: the app asks, and nothing is recorded until it is answered.
    let asked = run_async(
        &c,
        "window.safekeep.importChat(arguments[0])",
        vec![json!([export])],
    )
    .await;
    assert_eq!(asked, json!(null));
    until(&c, "!document.getElementById('chat-order').hidden").await;
    assert_eq!(
        js(&c, "document.getElementById('alert').hidden").await,
        json!(true),
        "a question, not an error"
    );
    axe_clean(&c, "the question about dates").await;
    shot(&c, "30-add-conversation-asks").await;
    js(
        &c,
        "document.getElementById('chat-order').scrollIntoView({ block: 'center' })",
    )
    .await;
    click_seen(&c, "#chat-day-first").await;
    click_seen(&c, "#chat-again").await;
    visible(&c, "item").await;
    until(&c, "document.getElementById('msg-1')").await;
    assert!(
        !js(&c, "document.getElementById('conversation').hidden")
            .await
            .as_bool()
            .unwrap()
    );
    let shown = js(&c, "document.querySelectorAll('#conv-list li').length").await;
    assert!(
        shown.as_u64().unwrap() <= 200,
        "a page, never the whole chat: {shown}"
    );
    let summary = js(&c, "document.getElementById('conv-summary').textContent").await;
    assert!(summary.as_str().unwrap().contains("10,000 messages"), "{summary}");
    shot(&c, "31-conversation").await;
    axe_clean(&c, "a conversation").await;

    // A search runs in the vault and opens the conversation at the message.
    type_into(&c, "#conv-words", "ultimatum").await;
    click_seen(&c, "#conv-find").await;
    until(&c, "document.querySelector('#msg-7777.hit')").await;
    let found = js(&c, "document.getElementById('conv-found').textContent").await;
    assert!(found.as_str().unwrap().contains('1'), "{found}");
    shot(&c, "32-conversation-found").await;

    // "Go to date": the first message of 5 January is number 4 × 1,440 + 1.
    js(&c, "document.getElementById('conv-date').value = '2026-01-05'").await;
    click_seen(&c, "#conv-go").await;
    until(&c, "document.querySelector('#msg-5761.hit')").await;

    // Mark a run around the threat: pick its first and last message by their numbers.
    type_into(&c, "#conv-words", "ultimatum").await;
    click_seen(&c, "#conv-find").await;
    until(&c, "document.querySelector('#msg-7777.hit')").await;
    click_seen(&c, "#msg-7776 .meta button").await;
    click_seen(&c, "#msg-7778 .meta button").await;
    assert_eq!(
        js(&c, "document.getElementById('conv-from').value").await,
        json!("7776")
    );
    assert_eq!(
        js(&c, "document.getElementById('conv-to').value").await,
        json!("7778")
    );
    type_into(&c, "#conv-note", "the ultimatum").await;
    click_seen(&c, "#conv-mark-go").await;
    until(
        &c,
        "document.getElementById('item-annotations').textContent.includes('7,776–7,778')",
    )
    .await;
    axe_clean(&c, "a conversation with a marked run").await;

    // The report names the run and quotes the messages.
    let text = saved_report(&c, home.path(), "for-solicitor").await;
    assert!(
        text.contains("AB/1, messages 7776–7778"),
        "the report names the run"
    );
    assert!(text.contains("final ultimatum: pay by Friday"), "and quotes it");
    assert!(text.contains("the ultimatum"));
}

/// An Android SMS backup (SMS Backup & Restore's XML) in the real app: added, searched, a
/// run of texts marked, and the PDF report naming and quoting the run.
#[tokio::test(flavor = "multi_thread")]
async fn an_sms_backup_is_added_searched_marked_and_reported() {
    let home = tempfile::tempdir().unwrap();
    let mut v = make_vault(&home.path().join("vault"));
    v.create_case("Texts from an unknown number").unwrap();
    drop(v);
    let backup = home.path().join("sms-20261101120000.xml");
    fs::copy(
        repo().join("tests/fixtures/conversations/android-sms/sms-20261101120000.xml"),
        &backup,
    )
    .unwrap();

    let (_driver, port) = start_driver(home.path());
    let c = connect(port).await;
    unlock_and_open_first_case(&c).await;
    click_seen(&c, "#add-chat").await;
    until(&c, "!document.getElementById('chat-form').hidden").await;
    type_into(&c, "#chat-zone", "Europe/London").await;
    let id = run_async(
        &c,
        "window.safekeep.importChat(arguments[0])",
        vec![json!([backup])],
    )
    .await;
    assert!(id.is_string(), "{id}");
    visible(&c, "item").await;
    until(&c, "document.getElementById('msg-1')").await;
    let summary = js(&c, "document.getElementById('conv-summary').textContent").await;
    assert!(
        summary.as_str().unwrap().contains("Android text messages"),
        "{summary}"
    );

    type_into(&c, "#conv-words", "pictures").await;
    click_seen(&c, "#conv-find").await;
    until(&c, "document.querySelector('#msg-2.hit')").await;
    click_seen(&c, "#msg-2 .meta button").await;
    click_seen(&c, "#msg-3 .meta button").await;
    type_into(&c, "#conv-note", "the threat and my answer").await;
    click_seen(&c, "#conv-mark-go").await;
    until(
        &c,
        "document.getElementById('item-annotations').textContent.includes('2–3')",
    )
    .await;

    // A name that says nothing of the case (one holding its title is questioned first).
    let text = saved_report(&c, home.path(), "for-the-police").await;
    assert!(
        text.contains("AB/1, messages 2–3"),
        "the report names the run: {text}"
    );
    assert!(text.contains("I have your pictures"), "and quotes it");
    assert!(text.contains("the threat and my answer"));
}
