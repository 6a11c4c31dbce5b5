//! The under-18 safeguard in the real app (docs/safeguarding.md): a case created with
//! "yes" is a no-images case; its page names Report Remove and Take It Down and keeps
//! their reference; a picture is refused with the explanation; its bundle says it is a
//! no-images case; the page stays axe-clean.
#![allow(clippy::unwrap_used, missing_docs)]

use std::io::Read;

use safekeep_e2e::*;
use serde_json::json;

/// A tiny PNG: its first bytes are what is sniffed.
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

#[tokio::test(flavor = "multi_thread")]
async fn an_under_18_case_refuses_a_picture_and_its_bundle_says_no_images() {
    let home = tempfile::tempdir().unwrap();
    drop(make_vault(&home.path().join("vault")));
    let files = home.path().join("files");
    std::fs::create_dir(&files).unwrap();
    let picture = files.join("photo.png");
    std::fs::write(&picture, PNG).unwrap();
    let note = files.join("what-he-said.txt");
    std::fs::write(&note, "He said he would send it to my school").unwrap();

    let (_driver, port) = start_driver(home.path());
    let c = connect(port).await;
    visible(&c, "lock").await;
    type_into(&c, "#unlock-pass", PASS).await;
    click(&c, "#unlock-go").await;
    visible(&c, "cases").await;
    type_into(&c, "#case-title", "Messages from Sam").await;
    click(&c, "#case-under18-yes").await;
    click(&c, "#case-create").await;
    visible(&c, "case").await;
    until(&c, "!document.getElementById('safeguard-no-images').hidden").await;
    axe_clean(&c, "a no-images case's page").await;

    // A picture is refused, kindly, and nothing is added; a text file is kept.
    let refused = run_async(
        &c,
        "window.safekeep.importPaths(arguments[0])",
        vec![json!([picture])],
    )
    .await;
    assert!(refused[0]["error"].is_object(), "{refused}");
    until(&c, "!document.getElementById('alert').hidden").await;
    assert_eq!(
        js(&c, "document.getElementById('alert').dataset.code").await,
        json!("no_images_case")
    );
    let words = js(&c, "document.getElementById('alert').textContent").await;
    let words = words.as_str().unwrap();
    assert!(
        words.contains("was not kept") && words.contains("This is not your fault"),
        "{words}"
    );
    run_async(
        &c,
        "window.safekeep.importPaths(arguments[0])",
        vec![json!([note])],
    )
    .await;
    assert_eq!(
        js(&c, "document.querySelectorAll('#timeline li[data-item]').length").await,
        json!(1)
    );

    // The reference Report Remove gave is kept in the case's record.
    type_into(&c, "#safeguard-ref", "RR-2026-41").await;
    click(&c, "#safeguard-ref-save").await;
    until(
        &c,
        "document.getElementById('safeguard-refs').textContent.includes('RR-2026-41')",
    )
    .await;

    // The bundle says it is a no-images case.
    let bundle = home.path().join("for-solicitor.zip");
    click(&c, "#go-export").await;
    visible(&c, "export").await;
    type_into(&c, "#export-initials", "AB").await;
    type_into(&c, "#export-out", bundle.to_str().unwrap()).await;
    click(&c, "#export-go").await;
    until(&c, "!document.getElementById('export-result').hidden").await;
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&bundle).unwrap()).unwrap();
    let mut info = String::new();
    zip.by_name("for-solicitor/bag-info.txt")
        .unwrap()
        .read_to_string(&mut info)
        .unwrap();
    assert!(
        info.contains("Safekeep-No-Images-Case: This is a no-images case"),
        "{info}"
    );
    assert!(info.contains("RR-2026-41"), "{info}");
}
