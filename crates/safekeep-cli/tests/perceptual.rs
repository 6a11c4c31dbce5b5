//! PDQ perceptual hashes: pictures made by tests/fixtures/pdq_images.py are imported, and
//! each stored hash must equal the one Meta's reference implementation (PyPI `pdqhash`,
//! run by the fixture) gives for the same file. A resized, recompressed copy must be
//! found as "looks like" across cases; an unrelated picture must not. `make test`
//! installs pdqhash in the tools venv; this test fails (it does not skip) without it.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

struct Session {
    vault: std::path::PathBuf,
}

impl Session {
    fn safekeep(&self, args: &[&str]) -> Output {
        common::safekeep(&self.vault).args(args).output().unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        common::stdout_of(args, self.safekeep(args))
    }

    fn json(&self, args: &[&str]) -> Value {
        serde_json::from_str(&self.ok(args)).unwrap()
    }
}

fn distance(a: &str, b: &str) -> u32 {
    hex_bytes(a)
        .iter()
        .zip(hex_bytes(b))
        .map(|(x, y)| (x ^ y).count_ones())
        .sum()
}

fn hex_bytes(h: &str) -> Vec<u8> {
    (0..h.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn pdq_hashes_equal_the_reference_and_find_a_recompressed_copy_across_cases() {
    let tmp = tempfile::tempdir().unwrap();
    let pics = tmp.path().join("pics");
    std::fs::create_dir(&pics).unwrap();
    let made = Command::new(common::tool("python"))
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pdq_images.py"))
        .arg(&pics)
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let reference: HashMap<String, Value> = serde_json::from_slice(&made.stdout).unwrap();
    assert_eq!(reference.len(), 8);

    let s = Session {
        vault: tmp.path().join("vault"),
    };
    s.ok(&["init"]);
    let first = s.ok(&["case", "new", "Original posts"]).trim().to_owned();
    let second = s.ok(&["case", "new", "Reposts elsewhere"]).trim().to_owned();
    let pic = |n: &str| pics.join(n).to_str().unwrap().to_owned();
    let originals: Vec<String> = (0..6).map(|i| format!("a{i}.png")).collect();
    let mut args = vec!["import".to_owned(), "--case".into(), first.clone()];
    args.extend(originals.iter().map(|n| pic(n)));
    s.ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
    s.ok(&[
        "import",
        "--case",
        &second,
        &pic("a0-copy.jpg"),
        &pic("unrelated.png"),
    ]);
    s.ok(&["note", "--case", &first, "A written entry has no picture."]);

    let items = s.json(&["list", "--json"]);
    let by_name: HashMap<&str, &Value> = items
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| Some((i["artifacts"][0]["original_name"].as_str()?, i)))
        .collect();
    for name in &originals {
        let art = &by_name[name.as_str()]["artifacts"][0];
        assert_eq!(
            art["pdq"], reference[name]["pdq"],
            "{name}: not the reference's PDQ hash"
        );
        let (q, rq) = (
            art["pdq_quality"].as_i64().unwrap(),
            reference[name]["quality"].as_i64().unwrap(),
        );
        assert!((q - rq).abs() <= 5, "{name}: quality {q}, reference {rq}");
    }
    let note = items
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "note")
        .unwrap();
    assert!(note["artifacts"][0].get("pdq").is_none(), "text is not hashed");

    // The copy was resized and recompressed: a different file, the same picture to PDQ.
    let copy = by_name["a0-copy.jpg"];
    let original = by_name["a0.png"];
    let copy_pdq = copy["artifacts"][0]["pdq"].as_str().unwrap();
    let d = distance(copy_pdq, original["artifacts"][0]["pdq"].as_str().unwrap());
    assert!(d <= 31, "copy is {d} bits from the original");
    // JPEG decoders may differ in their last bits; the hash stays all but the same.
    let decoders = distance(copy_pdq, reference["a0-copy.jpg"]["pdq"].as_str().unwrap());
    assert!(
        decoders <= 8,
        "{decoders} bits from the reference's hash of the same JPEG"
    );
    let shown = s.json(&["show", copy["id"].as_str().unwrap(), "--json"]);
    let similar = shown["similar"].as_array().unwrap();
    assert_eq!(similar.len(), 1, "{similar:?}");
    assert_eq!(similar[0]["item_id"], original["id"]);
    assert_eq!(similar[0]["case_id"], first.as_str());
    assert_eq!(similar[0]["distance"], d);
    let text = s.ok(&["show", copy["id"].as_str().unwrap()]);
    assert!(text.contains("Looks like") && text.contains("a0.png"), "{text}");
    assert!(text.contains(&format!("PDQ {copy_pdq}")), "{text}");

    // An unrelated picture looks like nothing here, and the original looks like its copy.
    let unrelated = by_name["unrelated.png"];
    let far = distance(
        unrelated["artifacts"][0]["pdq"].as_str().unwrap(),
        original["artifacts"][0]["pdq"].as_str().unwrap(),
    );
    assert!(far > 31, "unrelated picture only {far} bits away");
    let shown = s.json(&["show", unrelated["id"].as_str().unwrap(), "--json"]);
    assert!(shown.get("similar").is_none(), "{shown}");
    let shown = s.json(&["show", original["id"].as_str().unwrap(), "--json"]);
    assert_eq!(shown["similar"][0]["item_id"], copy["id"]);
}
