//! Takedown tracking: where content appears, reports and their outcomes, StopNCII and
//! police references, and the takedown pack (CSV + text) that must hold addresses,
//! references and hashes but no picture bytes.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use std::process::{Command, Output};

use serde_json::Value;

struct Session {
    tmp: tempfile::TempDir,
}

impl Session {
    fn safekeep(&self, args: &[&str]) -> Output {
        common::safekeep(&self.tmp.path().join("vault"))
            .args(args)
            .output()
            .unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        common::stdout_of(args, self.safekeep(args))
    }

    fn fails(&self, args: &[&str]) -> String {
        let out = self.safekeep(args);
        assert!(!out.status.success(), "{args:?} should fail");
        String::from_utf8(out.stderr).unwrap()
    }
}

/// A noisy 64×48 picture (so PDQ has detail to hash).
fn picture() -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, 64, 48);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    let data: Vec<u8> = (0..64 * 48 * 3)
        .map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    enc.write_header().unwrap().write_image_data(&data).unwrap();
    out
}

#[test]
fn reports_are_tracked_to_their_outcome_and_the_pack_holds_no_picture() {
    let s = Session {
        tmp: tempfile::tempdir().unwrap(),
    };
    s.ok(&["init"]);
    let case = s.ok(&["case", "new", "Deepfake posts"]).trim().to_owned();
    let png = s.tmp.path().join("post.png");
    let bytes = picture();
    std::fs::write(&png, &bytes).unwrap();
    let item = s
        .ok(&[
            "import",
            "--case",
            &case,
            "--source-url",
            "https://site.example/p/1",
            png.to_str().unwrap(),
        ])
        .trim()
        .to_owned();
    let note = s
        .ok(&["note", "--case", &case, "He told me he made it."])
        .trim()
        .to_owned();

    s.ok(&["annotate", &item, "--appears-at", "https://mirror.example/x/9"]);
    s.ok(&[
        "annotate",
        &item,
        "--reported-to",
        "Site Example",
        "--reference",
        "T-100",
        "--reported-on",
        "2026-11-01",
        "--outcome",
        "pending",
    ]);
    s.ok(&[
        "annotate",
        &item,
        "--reported-to",
        "Site Example",
        "--reference",
        "T-100",
        "--outcome",
        "Removed on 3 Nov",
    ]);
    s.ok(&[
        "annotate",
        &item,
        "--reported-to",
        "Mirror Example",
        "--reference",
        "=HYPERLINK(\"x\")",
    ]);
    s.ok(&["annotate", &item, "--stopncii", "SNC-55501"]);
    s.ok(&[
        "annotate",
        &note,
        "--crime-reference",
        "CR/2026/0042",
        "--force",
        "Metropolitan Police",
    ]);
    let err = s.fails(&["annotate", &item, "--appears-at", "mirror.example/x"]);
    assert!(err.contains("is not a web address"), "{err}");

    let t: Value = serde_json::from_str(&s.ok(&["takedown", "--case", &case, "--json"])).unwrap();
    let open = t["open"].as_array().unwrap();
    assert_eq!(open.len(), 1, "only the mirror's report is still open: {open:?}");
    assert_eq!(open[0]["report"]["reported_to"], "Mirror Example");
    let items = t["takedown"]["items"].as_array().unwrap();
    let first = items.iter().find(|i| i["item_id"] == item.as_str()).unwrap();
    assert_eq!(
        first["urls"],
        serde_json::json!(["https://site.example/p/1", "https://mirror.example/x/9"])
    );
    let site = first["reports"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["reported_to"] == "Site Example")
        .unwrap();
    assert_eq!(
        (
            site["outcome"].as_str(),
            site["open"].as_bool(),
            site["reported_on"].as_str()
        ),
        (Some("Removed on 3 Nov"), Some(false), Some("2026-11-01"))
    );
    let pdq = first["files"][0]["pdq"].as_str().unwrap().to_owned();
    assert_eq!(pdq.len(), 64);

    // The pack: CSV and text with every address, reference and hash, and no picture.
    let out = s.tmp.path().join("pack");
    s.ok(&["takedown", "--case", &case, "--out", out.to_str().unwrap()]);
    let csv = std::fs::read(out.join("takedown.csv")).unwrap();
    let txt = std::fs::read(out.join("takedown.txt")).unwrap();
    let sha = first["files"][0]["sha256"].as_str().unwrap();
    for (name, body) in [("csv", &csv), ("txt", &txt)] {
        let text = std::str::from_utf8(body).unwrap();
        for needle in [
            "https://site.example/p/1",
            "https://mirror.example/x/9",
            "T-100",
            "SNC-55501",
            "CR/2026/0042",
            sha,
            &pdq,
        ] {
            assert!(text.contains(needle), "{name} lacks {needle}");
        }
        assert!(
            !body.windows(8).any(|w| w == &bytes[..8]),
            "{name} holds PNG bytes"
        );
        assert!(
            !body.windows(32).any(|w| bytes.windows(32).any(|b| b == w)),
            "{name} holds picture bytes"
        );
        assert!(!body.contains(&0), "{name} is not text");
    }
    let text = std::str::from_utf8(&csv).unwrap();
    assert!(text.starts_with(
        "item_id,item_title,row,url,reported_to,reported_on,reference,outcome,status,file,sha256,pdq,md5\n"
    ));
    assert!(
        text.contains("'=HYPERLINK"),
        "a formula-like cell is made inert: {text}"
    );
    assert!(text.contains("Removed on 3 Nov,closed"), "{text}");
    let err = s.fails(&["takedown", "--case", &case, "--out", out.to_str().unwrap()]);
    assert!(err.contains("already exists; nothing was written"), "{err}");
    let readable = String::from_utf8(txt).unwrap();
    assert!(readable.contains("OPEN REQUESTS (1)"), "{readable}");
}

#[test]
fn every_bundle_carries_a_statement_draft_producing_each_exhibit_and_pdq_in_metadata() {
    let s = Session {
        tmp: tempfile::tempdir().unwrap(),
    };
    s.ok(&["init"]);
    let case = s.ok(&["case", "new", "Posts"]).trim().to_owned();
    let png = s.tmp.path().join("post.png");
    std::fs::write(&png, picture()).unwrap();
    s.ok(&[
        "import",
        "--case",
        &case,
        "--description",
        "the fake picture",
        png.to_str().unwrap(),
    ]);
    s.ok(&["note", "--case", &case, "He sent it to my sister."]);
    let zip = s.tmp.path().join("case.zip");
    s.ok(&[
        "export",
        "--case",
        &case,
        "--exhibit-prefix",
        "AB",
        "--out",
        zip.to_str().unwrap(),
    ]);
    let unzip = |name: &str| {
        let out = Command::new("unzip")
            .arg("-p")
            .arg(&zip)
            .arg(name)
            .output()
            .unwrap();
        assert!(out.status.success(), "{name}");
        String::from_utf8(out.stdout).unwrap()
    };
    let draft = unzip("case/data/report/statement-draft.txt");
    assert!(draft.starts_with("DRAFT ONLY - TO BE COMPLETED WITH A SOLICITOR OR POLICE OFFICER\n"));
    assert!(
        draft
            .trim_end()
            .ends_with("DRAFT ONLY - TO BE COMPLETED WITH A SOLICITOR OR POLICE OFFICER")
    );
    assert!(draft.contains("Criminal Justice Act 1967, s. 9"));
    assert!(
        draft.contains("I produce as exhibit AB/1 a copy of \"post.png\", a file I had saved"),
        "{draft}"
    );
    assert!(draft.contains("It shows: the fake picture."), "{draft}");
    assert!(
        draft.contains("I produce as exhibit AB/2 a written record I made in Safekeep"),
        "{draft}"
    );
    let list: Value = serde_json::from_str(&s.ok(&["list", "--json"])).unwrap();
    for item in list.as_array().unwrap() {
        assert!(draft.contains(item["artifacts"][0]["sha256"].as_str().unwrap()));
    }
    let meta: Value = serde_json::from_str(&unzip("case/data/items/AB-1-post-png/metadata.json")).unwrap();
    assert_eq!(meta["files"][0]["pdq"], list[0]["artifacts"][0]["pdq"]);
    assert!(meta["files"][0]["pdq"].as_str().unwrap().len() == 64);
    let report: Value = serde_json::from_str(&s.ok(&["verify", zip.to_str().unwrap(), "--json"])).unwrap();
    assert_eq!(report["verdict"], "intact");
}
