//! The page's words: every catalogue key the page names exists in English (UK), and
//! every other language's file is valid and keeps each string's placeholders, so a
//! translation can never drop a file name or a count. (The end-to-end test in `tests/`
//! checks the other half: that no word reaches the screen without the catalogue.)
#![allow(clippy::unwrap_used, missing_docs)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

fn ui() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui")
}

fn catalogue(name: &str) -> Value {
    let path = ui().join("locales").join(name);
    serde_json::from_slice(&std::fs::read(&path).unwrap())
        .unwrap_or_else(|e| panic!("{} is not valid JSON: {e}", path.display()))
}

/// Every string in a catalogue, by its dotted key.
fn strings(v: &Value, prefix: &str, out: &mut Vec<(String, String)>) {
    if let Value::Object(map) = v {
        for (k, x) in map {
            let key = if prefix.is_empty() {
                k.clone()
            } else {
                format!("{prefix}.{k}")
            };
            match x {
                Value::String(s) => out.push((key, s.clone())),
                other => strings(other, &key, out),
            }
        }
    }
}

fn placeholders(s: &str) -> BTreeSet<String> {
    s.split("{{")
        .skip(1)
        .filter_map(|p| p.split_once("}}").map(|(n, _)| n.to_owned()))
        .collect()
}

const PLURALS: [&str; 6] = ["_zero", "_one", "_two", "_few", "_many", "_other"];

fn has_key(all: &[(String, String)], key: &str) -> bool {
    all.iter()
        .any(|(k, _)| k == key || PLURALS.iter().any(|p| *k == format!("{key}{p}")))
}

/// Keys named in the page: `data-i18n="k"`, `data-i18n-attr="attr:k;…"`, and every
/// string literal in the scripts shaped like `"namespace.key"` for a namespace the
/// catalogue has.
fn keys_in_page(namespaces: &BTreeSet<String>) -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    let html = std::fs::read_to_string(ui().join("index.html")).unwrap();
    for part in html.split("data-i18n=\"").skip(1) {
        keys.insert(part.split('"').next().unwrap().to_owned());
    }
    for part in html.split("data-i18n-attr=\"").skip(1) {
        for pair in part.split('"').next().unwrap().split(';') {
            keys.insert(pair.split_once(':').unwrap().1.trim().to_owned());
        }
    }
    let mut scripts = vec![ui().join("js")];
    while let Some(dir) = scripts.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                scripts.push(path);
            } else if path.extension().is_some_and(|e| e == "js") {
                let text = std::fs::read_to_string(&path).unwrap();
                for literal in text.split('"').skip(1).step_by(2) {
                    let Some((ns, rest)) = literal.split_once('.') else {
                        continue;
                    };
                    let shaped = !rest.is_empty()
                        && rest
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c == '_' || c.is_ascii_digit());
                    if shaped && namespaces.contains(ns) {
                        keys.insert(literal.to_owned());
                    }
                }
            }
        }
    }
    keys
}

#[test]
fn every_key_the_page_names_is_in_english() {
    let english = catalogue("en-GB.json");
    let mut all = Vec::new();
    strings(&english, "", &mut all);
    let namespaces: BTreeSet<String> = english.as_object().unwrap().keys().cloned().collect();
    let keys = keys_in_page(&namespaces);
    assert!(
        keys.len() > 250,
        "the scan found the page's keys ({})",
        keys.len()
    );
    let missing: Vec<&String> = keys.iter().filter(|k| !has_key(&all, k)).collect();
    assert!(
        missing.is_empty(),
        "keys missing from ui/locales/en-GB.json: {missing:?}"
    );
    for (key, text) in &all {
        assert!(!text.trim().is_empty(), "{key} is empty");
        let open = text.matches("{{").count();
        assert_eq!(open, text.matches("}}").count(), "{key}: unbalanced placeholder");
    }
}

#[test]
fn every_language_keeps_the_placeholders_of_english() {
    let mut english = Vec::new();
    strings(&catalogue("en-GB.json"), "", &mut english);
    let base = |k: &str| {
        PLURALS
            .iter()
            .find_map(|p| k.strip_suffix(p))
            .unwrap_or(k)
            .to_owned()
    };
    for entry in std::fs::read_dir(ui().join("locales")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        assert!(
            name.ends_with(".json"),
            "only catalogues belong in ui/locales: {name}"
        );
        let mut theirs = Vec::new();
        let cat = catalogue(&name);
        assert!(
            cat["meta"]["name"].is_string(),
            "{name} names its language in meta.name"
        );
        strings(&cat, "", &mut theirs);
        for (key, text) in theirs.iter().filter(|(k, _)| !k.starts_with("meta.")) {
            let ours: Vec<&String> = english
                .iter()
                .filter(|(k, _)| base(k) == base(key))
                .map(|(_, s)| s)
                .collect();
            assert!(!ours.is_empty(), "{name}: {key} is not a key of en-GB.json");
            // A plural form may leave out {{count}} ("one file"), nothing else.
            let mut want: BTreeSet<String> = ours.iter().flat_map(|s| placeholders(s)).collect();
            let mut got = placeholders(text);
            want.remove("count");
            got.remove("count");
            assert_eq!(got, want, "{name}: {key} must keep the placeholders of English");
        }
    }
}
