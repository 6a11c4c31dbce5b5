//! Settings → Backups in the real app: a backup made there restores, on "another
//! computer", to a vault with the same items.
#![allow(clippy::unwrap_used, missing_docs)]

use safekeep_core::item::Context;
use safekeep_e2e::*;

#[tokio::test(flavor = "multi_thread")]
async fn a_backup_made_in_settings_restores() {
    let home = tempfile::tempdir().unwrap();
    let vault = home.path().join("vault");
    let mut v = make_vault(&vault);
    let case = v.create_case("Backed up").unwrap();
    v.add_note(&case, "He sent it to my sister", Context::default())
        .unwrap();
    drop(v);
    let (_driver, port) = start_driver(home.path());
    let c = connect(port).await;
    unlock_and_open_first_case(&c).await;
    click(&c, "#nav-settings").await;
    visible(&c, "settings").await;
    until(
        &c,
        "document.getElementById('backup-state').textContent.includes('Not backed up yet')",
    )
    .await;
    assert!(
        js(&c, "document.getElementById('backup-again').hidden")
            .await
            .as_bool()
            .unwrap()
    );

    // The folder dialog is native; the page function it calls is driven instead.
    let usb = home.path().join("USB stick/backup");
    let done = run_async(
        &c,
        "window.safekeep.backupTo(arguments[0])",
        vec![usb.to_str().unwrap().into()],
    )
    .await;
    assert!(done.get("error").is_none(), "{done}");
    until(
        &c,
        "document.getElementById('notice').textContent.includes('Backup done. 1 file was copied')",
    )
    .await;
    let state = js(&c, "document.getElementById('backup-state').textContent").await;
    assert!(state.as_str().unwrap().contains("USB stick"), "{state}");
    assert!(
        !js(&c, "document.getElementById('backup-again').hidden")
            .await
            .as_bool()
            .unwrap()
    );
    shot(&c, "22-settings-backup").await;
    // "Back up now" goes to the same folder and copies nothing new.
    click(&c, "#backup-again").await;
    until(
        &c,
        "document.getElementById('notice').textContent.includes('0 files were copied')",
    )
    .await;
    let _ = c.close().await;

    let mut env = safekeep_core::Environment::system("e2e");
    env.kdf = safekeep_core::keyring::KdfPolicy::Fixed(safekeep_core::keyring::KdfParams::INSECURE_FAST);
    let new = home.path().join("new computer/vault");
    let restored =
        safekeep_core::vault::restore(&usb, &new, env, safekeep_core::vault::Unlock::Passphrase(PASS))
            .unwrap();
    assert_eq!((restored.cases, restored.items), (1, 1));
}

/// First run on "a new computer": "Restore from a backup" makes the vault from the USB
/// stick, checks it, and opens it; the reminder to back up shows for a vault never backed
/// up, can be put off, and is off once turned off in Settings.
#[tokio::test(flavor = "multi_thread")]
async fn restore_on_first_run_and_the_backup_reminder() {
    let home = tempfile::tempdir().unwrap();
    let mut v = make_vault(&home.path().join("old laptop/vault"));
    let case = v.create_case("Backed up").unwrap();
    v.add_note(&case, "He sent it to my sister", Context::default())
        .unwrap();
    let usb = home.path().join("USB stick/backup");
    v.backup(&usb, &mut |_, _| {}).unwrap();
    drop(v);

    let (_driver, port) = start_driver(home.path());
    let c = connect(port).await;
    visible(&c, "setup").await;
    js(&c, "document.getElementById('restore-box').open = true").await;
    axe_clean(&c, "first run, restore open").await;
    let wrong = run_async(
        &c,
        "window.safekeep.restoreFrom(arguments[0], 'not the passphrase', false)",
        vec![usb.to_str().unwrap().into()],
    )
    .await;
    assert_eq!(
        wrong["error"]["code"],
        serde_json::json!("wrong_passphrase"),
        "{wrong}"
    );
    assert!(
        !home.path().join("vault").exists(),
        "nothing is made with a wrong passphrase"
    );
    let done = run_async(
        &c,
        "window.safekeep.restoreFrom(arguments[0], arguments[1], false)",
        vec![usb.to_str().unwrap().into(), PASS.into()],
    )
    .await;
    assert!(done.get("error").is_none(), "{done}");
    visible(&c, "cases").await;
    until(
        &c,
        "document.getElementById('notice').textContent.includes('Restored and checked: 1 item, 1 cases')",
    )
    .await;
    assert!(
        js(&c, "document.getElementById('case-list').textContent")
            .await
            .as_str()
            .unwrap()
            .contains("Backed up")
    );
    // Restored from a backup made just now: no reminder.
    assert_eq!(
        js(&c, "document.getElementById('backup-reminder').hidden").await,
        serde_json::json!(true)
    );
    shot(&c, "24-restored").await;
    let _ = c.close().await;
    drop(_driver);

    // A vault with evidence and no backup: the reminder shows, and goes when put off or
    // turned off.
    let other = tempfile::tempdir().unwrap();
    let mut v = make_vault(&other.path().join("vault"));
    let case = v.create_case("Never backed up").unwrap();
    v.add_note(&case, "A new message", Context::default()).unwrap();
    drop(v);
    let (_driver, port) = start_driver(other.path());
    let c = connect(port).await;
    visible(&c, "lock").await;
    type_into(&c, "#unlock-pass", PASS).await;
    click(&c, "#unlock-go").await;
    visible(&c, "cases").await;
    until(&c, "!document.getElementById('backup-reminder').hidden").await;
    let text = js(&c, "document.getElementById('backup-reminder-text').textContent").await;
    assert!(text.as_str().unwrap().contains("never been backed up"), "{text}");
    axe_clean(&c, "the backup reminder").await;
    click(&c, "#backup-reminder-later").await;
    assert_eq!(
        js(&c, "document.getElementById('backup-reminder').hidden").await,
        serde_json::json!(true)
    );
    click(&c, "#nav-settings").await;
    visible(&c, "settings").await;
    until(&c, "document.getElementById('backup-remind').checked").await;
    js(
        &c,
        "document.getElementById('backup-remind').scrollIntoView({ block: 'center' })",
    )
    .await;
    click(&c, "#backup-remind").await;
    let on = run_async(&c, "window.__TAURI__.core.invoke('backup_reminder_on')", vec![]).await;
    assert_eq!(on, serde_json::json!(false));
}
