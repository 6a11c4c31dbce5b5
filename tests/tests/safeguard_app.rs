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

/// A page with a picture, served on loopback by Python's own server.
struct Site {
    child: std::process::Child,
    port: u16,
}

impl Drop for Site {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_site(dir: &std::path::Path) -> Site {
    let site = dir.join("site");
    std::fs::create_dir_all(&site).unwrap();
    std::fs::write(
        site.join("index.html"),
        "<!doctype html><meta charset=utf-8><title>Post</title><h1>POST-TEXT-7731 by @poster</h1><img src=pic.png alt=picture>",
    )
    .unwrap();
    std::fs::write(site.join("pic.png"), PNG).unwrap();
    let mut child = std::process::Command::new("python3")
        .args([
            "-u",
            "-m",
            "http.server",
            "0",
            "--bind",
            "127.0.0.1",
            "--directory",
        ])
        .arg(&site)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    let port = line
        .split_whitespace()
        .skip_while(|w| *w != "port")
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("http.server said: {line}"));
    Site { child, port }
}

/// Safekeep's browser in a no-images case keeps the page's text and the picture's
/// address, but no picture: no screenshot, and no picture body in its WARC.
#[tokio::test(flavor = "multi_thread")]
async fn safekeep_browser_keeps_a_no_images_page_without_its_picture() {
    let home = tempfile::tempdir().unwrap();
    let vault = home.path().join("vault");
    let mut v = make_vault(&vault);
    let case = v
        .create_case_answering("Posts", Some(safekeep_core::vault::Under18::Yes))
        .unwrap();
    drop(v);
    let site = start_site(home.path());
    let (driver, port) = start_driver(home.path());
    let c = connect(port).await;
    unlock_and_open_first_case(&c).await;
    click(&c, "#capture-browser").await;
    until(&c, "!document.getElementById('browser-start').hidden").await;
    let url = format!("http://127.0.0.1:{}/index.html", site.port);
    type_into(&c, "#browser-url", &url).await;
    click(&c, "#browser-open").await;
    until_long(&c, "!document.getElementById('browser-controls').hidden").await;
    press(&c, &['\u{E009}', '\u{E008}', 'S']).await.unwrap();
    until_long(&c, "!document.getElementById('capture-after').hidden").await;
    until(
        &c,
        "document.querySelectorAll('#timeline li[data-item]').length === 1",
    )
    .await;
    c.close().await.unwrap();
    drop(driver);

    let v = reopen_after_exit(&vault).await;
    let items = v.items(Some(&case)).unwrap();
    let record = &items[0].record;
    let names: Vec<String> = record
        .artifacts
        .iter()
        .filter_map(|a| a.original_name.clone())
        .collect();
    for name in ["viewport.png", "full-page.png", "snapshot.mhtml"] {
        assert!(!names.iter().any(|n| n == name), "{name} in {names:?}");
    }
    let warc = names.iter().position(|n| n == "page.warc.gz").unwrap();
    let gz = v.artifact_bytes(&record.id, warc, u64::MAX).unwrap().1;
    let mut warc = Vec::new();
    flate2::read::MultiGzDecoder::new(gz.as_slice())
        .read_to_end(&mut warc)
        .unwrap();
    let text = String::from_utf8_lossy(&warc);
    assert!(text.contains("POST-TEXT-7731"), "the page's text is kept");
    assert!(text.contains("/pic.png"), "the picture's address is kept");
    assert!(
        text.contains("WARC-Safekeep-Removed: picture or video not kept"),
        "{text}"
    );
    assert!(
        !warc.windows(PNG.len()).any(|w| w == PNG),
        "the picture's bytes are nowhere in the WARC"
    );
}
