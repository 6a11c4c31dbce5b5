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
