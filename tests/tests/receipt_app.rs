//! A recipient's receipt added on the case page of the real app: the page shows who
//! received the bundle intact and when; a JSON file that is not a receipt is left to
//! be imported as evidence. And the advocate's side: another person's bundle, checked in
//! "Check a bundle", opened as a case, which says where it came from.
#![allow(clippy::unwrap_used, missing_docs)]

use safekeep_core::bundle::ExportOptions;
use safekeep_core::item::Context;
use safekeep_e2e::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn a_receipt_shows_on_the_case_page() {
    let home = tempfile::tempdir().unwrap();
    let mut v = make_vault(&home.path().join("vault"));
    let case = v.create_case("Messages from Sam").unwrap();
    v.add_note(&case, "He wrote again at 10pm", Context::default())
        .unwrap();
    let zip = home.path().join("case.zip");
    v.export(
        &case,
        &ExportOptions {
            out: zip.clone(),
            exhibit_prefix: "AB".into(),
            ..Default::default()
        },
        &mut |_| {},
    )
    .unwrap();
    drop(v);
    // A client's bundle from another vault, for the advocate's side below.
    let mut client = make_vault(&home.path().join("client-vault"));
    let theirs = client.create_case("Posts by @someone").unwrap();
    client
        .add_note(&theirs, "He posted it at 9pm", Context::default())
        .unwrap();
    let client_zip = home.path().join("from-client.zip");
    client
        .export(
            &theirs,
            &ExportOptions {
                out: client_zip.clone(),
                exhibit_prefix: "CL".into(),
                ..Default::default()
            },
            &mut |_| {},
        )
        .unwrap();
    let client_key = client.key().fingerprint();
    drop(client);
    // The solicitor's side: their own key, their receipt.
    let (key, _) = safekeep_core::receipt::load_or_create_key(
        &home.path().join("solicitor/key.age"),
        "the solicitor's passphrase",
        10,
        &mut rand_core(),
    )
    .unwrap();
    let receipt = safekeep_core::receipt::sign(
        &zip,
        None,
        "Jo Bloggs",
        "Bloggs & Co",
        &key,
        "2026-03-02T10:00:00.000Z",
    )
    .unwrap();
    let file = home.path().join("RECEIPT.json");
    std::fs::write(&file, serde_json::to_vec_pretty(&receipt).unwrap()).unwrap();
    let other = home.path().join("evidence.json");
    std::fs::write(&other, br#"{"post": "not a receipt"}"#).unwrap();

    let (_driver, port) = start_driver(home.path());
    let c = connect(port).await;
    unlock_and_open_first_case(&c).await;
    assert_eq!(
        js(&c, "document.getElementById('receipts-box').hidden").await,
        json!(true)
    );
    let added = run_async(&c, "window.safekeep.addReceipt(arguments[0])", vec![json!(file)]).await;
    assert_eq!(added, json!(true));
    until(&c, "!document.getElementById('receipts-box').hidden").await;
    let text = js(&c, "document.getElementById('receipts-list').textContent").await;
    let text = text.as_str().unwrap();
    assert!(
        text.contains("Received intact by Jo Bloggs, Bloggs & Co"),
        "{text}"
    );
    assert!(text.contains(&key.fingerprint()), "{text}");
    shot(&c, "33-receipt-received").await;
    axe_clean(&c, "a case with a receipt").await;
    let not = run_async(&c, "window.safekeep.addReceipt(arguments[0])", vec![json!(other)]).await;
    assert_eq!(
        not,
        json!(false),
        "not a receipt: left to be imported as evidence"
    );
    // The same receipt twice is refused, with the reason.
    let again = run_async(&c, "window.safekeep.addReceipt(arguments[0])", vec![json!(file)]).await;
    assert!(
        again["error"]["message"]
            .as_str()
            .unwrap()
            .contains("already recorded"),
        "{again}"
    );

    // The recipient's side in the app: "Check a bundle", then sign a receipt there.
    run_async(&c, "window.safekeep.showVerify()", vec![]).await;
    visible(&c, "verify").await;
    let report = run_async(&c, "window.safekeep.verifyPath(arguments[0])", vec![json!(zip)]).await;
    assert_eq!(report["verdict"], json!("intact"), "{report}");
    let signed = run_async(
        &c,
        "window.safekeep.signReceipt('Sam Officer', 'Example Police', 'an officer passphrase')",
        vec![],
    )
    .await;
    assert_eq!(signed["new_key"], json!(true), "{signed}");
    until(&c, "!document.getElementById('receipt-result').hidden").await;
    axe_clean(&c, "a signed receipt").await;
    shot(&c, "34-receipt-signed").await;
    let written = home.path().join("case-receipt.json");
    let bytes = std::fs::read(&written).unwrap();
    let r = safekeep_core::receipt::Receipt::read_verified(&bytes).unwrap();
    assert_eq!(r.recipient.name, "Sam Officer");
    assert_eq!(r.verdict, "intact");
    assert!(home.path().join("case-receipt.txt").exists());
    // A wrong passphrase for the key that now exists is refused.
    let wrong = run_async(
        &c,
        "window.safekeep.signReceipt('Sam Officer', '', 'not the passphrase')",
        vec![],
    )
    .await;
    assert_eq!(wrong["error"]["code"], json!("wrong_passphrase"), "{wrong}");
    // Back on the sender's case page, the second receipt is added too.
    run_async(
        &c,
        "window.safekeep.openCase(arguments[0], 'Messages from Sam')",
        vec![json!(case)],
    )
    .await;
    visible(&c, "case").await;
    let added = run_async(
        &c,
        "window.safekeep.addReceipt(arguments[0])",
        vec![json!(written)],
    )
    .await;
    assert_eq!(added, json!(true));
    until(&c, "document.querySelectorAll('#receipts-list li').length === 2").await;
    assert_eq!(
        js(&c, "document.getElementById('handover-box').hidden").await,
        json!(true),
        "a case made here says nothing of a hand-over"
    );

    // The advocate's side: check the client's bundle, then open it as a case.
    run_async(&c, "window.safekeep.showVerify()", vec![]).await;
    let report = run_async(
        &c,
        "window.safekeep.verifyPath(arguments[0])",
        vec![json!(client_zip)],
    )
    .await;
    assert_eq!(report["verdict"], json!("intact"), "{report}");
    assert_eq!(
        js(&c, "document.getElementById('open-case-panel').hidden").await,
        json!(false)
    );
    axe_clean(&c, "a checked bundle that can be opened as a case").await;
    let opened = run_async(&c, "window.safekeep.importCase()", vec![]).await;
    assert_eq!(opened["case_id"], json!(theirs), "{opened}");
    visible(&c, "case").await;
    until(&c, "!document.getElementById('handover-box').hidden").await;
    let text = js(&c, "document.getElementById('handover-list').textContent").await;
    let text = text.as_str().unwrap();
    assert!(
        text.contains("Handed over") && text.contains(&client_key),
        "{text}"
    );
    let title = js(&c, "document.getElementById('case-h').textContent").await;
    assert_eq!(title, json!("Posts by @someone"));
    shot(&c, "35-case-handed-over").await;
    axe_clean(&c, "a case that was handed over").await;
    // Twice: refused with the reason, nothing changed.
    run_async(&c, "window.safekeep.showVerify()", vec![]).await;
    run_async(
        &c,
        "window.safekeep.verifyPath(arguments[0])",
        vec![json!(client_zip)],
    )
    .await;
    let again = run_async(&c, "window.safekeep.importCase()", vec![]).await;
    assert_eq!(again["error"]["code"], json!("case_exists"), "{again}");
}

fn rand_core() -> impl rand::RngCore {
    use rand::SeedableRng;
    rand::rngs::StdRng::seed_from_u64(3)
}
