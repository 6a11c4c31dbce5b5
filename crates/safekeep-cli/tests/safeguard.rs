//! The under-18 safeguard through the `safekeep` binary (docs/safeguarding.md): a
//! no-images case refuses pictures and videos with the explanation, refuses a screen
//! capture until the person confirms the image is off screen, withdraws pictures when a
//! case is switched to yes, and its web captures keep the page but no image body (the
//! real local HTTPS server of `common`, the WARC searched for the picture's bytes and
//! checked by warcio).
#![allow(clippy::unwrap_used, missing_docs)]

mod common;
use common::{WebServers, make_chain};

use std::fs;
use std::io::Read;
use std::path::Path;
use std::process::Output;

use serde_json::Value;

/// A tiny valid PNG (4×4, one colour).
fn png_bytes() -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, 4, 4);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    enc.write_header()
        .unwrap()
        .write_image_data(&[200u8; 48])
        .unwrap();
    out
}

fn run(vault: &Path, args: &[&str]) -> Output {
    common::safekeep(vault)
        .env_remove("SAFEKEEP_BROWSER")
        .args(args)
        .output()
        .unwrap()
}

fn ok(vault: &Path, args: &[&str]) -> String {
    let out = run(vault, args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn fails(vault: &Path, args: &[&str]) -> String {
    let out = run(vault, args);
    assert!(!out.status.success(), "{args:?} should fail");
    String::from_utf8(out.stderr).unwrap()
}

#[test]
fn a_no_images_case_refuses_pictures_and_videos_and_screen_captures_without_the_warning() {
    let tmp = tempfile::tempdir().unwrap();
    let vault = tmp.path().join("vault");
    ok(&vault, &["init"]);
    let case = ok(&vault, &["case", "new", "Messages", "--under-18", "not-sure"])
        .trim()
        .to_owned();
    let pic = tmp.path().join("photo.png");
    fs::write(&pic, png_bytes()).unwrap();
    let clip = tmp.path().join("clip.mp4");
    fs::write(&clip, b"\0\0\0\x18ftypmp42\0\0\0\0mp42isom\0\0\0\x08free").unwrap();
    let note = tmp.path().join("what-he-said.txt");
    fs::write(&note, "He said he would post it").unwrap();

    let err = fails(&vault, &["import", "--case", &case, pic.to_str().unwrap()]);
    assert!(err.contains("was not kept"), "{err}");
    assert!(err.contains("This is not your fault"), "{err}");
    assert!(err.contains("Report Remove"), "{err}");
    let err = fails(&vault, &["import", "--case", &case, clip.to_str().unwrap()]);
    assert!(err.contains("picture or video (video/mp4)"), "{err}");
    ok(&vault, &["import", "--case", &case, note.to_str().unwrap()]);
    let list: Value = serde_json::from_str(&ok(&vault, &["list", "--json"])).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1, "only the text was kept");

    // No display is needed: the refusal comes before the screen is touched.
    let err = fails(&vault, &["capture", "screen", "--case", &case]);
    assert!(err.contains("no-images case"), "{err}");
    assert!(err.contains("--no-images-case-understood"), "{err}");

    ok(
        &vault,
        &[
            "case",
            "safeguard",
            &case,
            "--service",
            "report-remove",
            "--reference",
            "RR 77",
        ],
    );
    let shown: Value = serde_json::from_str(&ok(&vault, &["case", "safeguard", &case, "--json"])).unwrap();
    assert_eq!(shown["safeguard"]["under_18"], "not_sure");
    assert_eq!(shown["safeguard"]["no_images"], true);
    assert_eq!(shown["safeguard"]["references"][0]["reference"], "RR 77");
}

#[test]
fn switching_a_case_to_yes_withdraws_its_pictures() {
    let tmp = tempfile::tempdir().unwrap();
    let vault = tmp.path().join("vault");
    ok(&vault, &["init"]);
    let case = ok(&vault, &["case", "new", "Posts"]).trim().to_owned();
    let pic = tmp.path().join("photo.png");
    fs::write(&pic, png_bytes()).unwrap();
    ok(&vault, &["import", "--case", &case, pic.to_str().unwrap()]);
    let out = ok(
        &vault,
        &[
            "case",
            "safeguard",
            &case,
            "--under-18",
            "yes",
            "--withdraw-pictures",
        ],
    );
    assert!(out.contains("Withdrawn, its stored files deleted"), "{out}");
    assert!(out.contains("no-images case"), "{out}");
    let list: Value = serde_json::from_str(&ok(&vault, &["list", "--json"])).unwrap();
    assert!(
        list[0]["withdrawn"]["reason"]
            .as_str()
            .unwrap()
            .contains("under 18"),
        "{list}"
    );
    let check = ok(&vault, &["check"]);
    assert!(!check.to_lowercase().contains("problem:"), "{check}");
}

#[test]
fn a_web_capture_of_a_no_images_case_keeps_the_page_but_no_image_body() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    fs::create_dir(&site).unwrap();
    let png = png_bytes();
    fs::write(site.join("pic.png"), &png).unwrap();
    let chain = make_chain(tmp.path());
    let servers = WebServers::start(&site, tmp.path());
    let vault = tmp.path().join("vault");
    ok(&vault, &["init"]);
    let case = ok(&vault, &["case", "new", "Posts", "--under-18", "yes"])
        .trim()
        .to_owned();
    let root = chain.root_pem.to_str().unwrap();

    // The page: its text is kept; its rendering (a picture, a PDF, an MHTML) is not.
    let page = servers.https("/page");
    let out: Value = serde_json::from_str(&ok(
        &vault,
        &[
            "capture",
            "url",
            &page,
            "--case",
            &case,
            "--ca-file",
            root,
            "--json",
        ],
    ))
    .unwrap();
    let item = &out["item"];
    let names: Vec<&str> = item["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["original_name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"page.warc.gz"), "{names:?}");
    assert!(
        !names.contains(&"full-page.png") && !names.contains(&"print.pdf"),
        "{names:?}"
    );
    assert!(item["capture"]["no_images_case"]["page_pictures_removed"].is_string());

    // The picture itself: its address and headers are kept, its body is not.
    let out: Value = serde_json::from_str(&ok(
        &vault,
        &[
            "capture",
            "url",
            &servers.https("/pic.png"),
            "--case",
            &case,
            "--ca-file",
            root,
            "--no-render",
            "--json",
        ],
    ))
    .unwrap();
    let item = &out["item"];
    let removed = &item["capture"]["no_images_case"]["bodies_removed"];
    assert_eq!(removed[0]["media_type"], "image/png", "{}", item["capture"]);
    assert!(
        item["artifacts"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| !a["media_type"].as_str().unwrap().starts_with("image/")),
        "{}",
        item["artifacts"]
    );
    let gz = common::stored_file(&vault, item, "page.warc.gz");
    // Still a valid WARC for tools Safekeep did not write: every digest checks.
    let stored = tmp.path().join("stored.warc.gz");
    fs::write(&stored, &gz).unwrap();
    let check = std::process::Command::new(common::tool("warcio"))
        .args(["check", "-v"])
        .arg(&stored)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&check.stdout);
    assert!(check.status.success() && !report.contains("fail"), "{report}");
    let mut warc = Vec::new();
    flate2::read::MultiGzDecoder::new(gz.as_slice())
        .read_to_end(&mut warc)
        .unwrap();
    let text = String::from_utf8_lossy(&warc);
    assert!(
        text.contains("WARC-Target-URI: https://localhost"),
        "the address is kept"
    );
    assert!(
        text.contains("WARC-Safekeep-Removed: picture or video not kept"),
        "{text}"
    );
    assert!(
        !warc.windows(png.len()).any(|w| w == png.as_slice()),
        "the picture's bytes are nowhere in the WARC"
    );
    assert!(
        !warc.windows(8).any(|w| w == b"\x89PNG\r\n\x1a\n"),
        "no PNG at all"
    );
}
