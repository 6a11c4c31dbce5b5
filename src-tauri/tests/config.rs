//! The app's security configuration, checked against what docs/app.md promises: a strict
//! CSP and capabilities limited to Safekeep's own needs. (Cargo also builds the app binary
//! for this test, which the WebDriver tests in `tests/` then drive.)
#![allow(clippy::unwrap_used, missing_docs)]

use std::path::Path;

use serde_json::Value;

fn read(rel: &str) -> Value {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
}

#[test]
fn csp_allows_no_remote_or_inline_code() {
    let conf = read("tauri.conf.json");
    let csp = conf["app"]["security"]["csp"].as_str().unwrap();
    let directive = |name: &str| {
        csp.split(';')
            .map(str::trim)
            .find(|d| d.starts_with(name))
            .unwrap_or("")
            .to_owned()
    };
    assert_eq!(directive("default-src"), "default-src 'self'");
    assert_eq!(directive("script-src"), "script-src 'self'");
    assert!(
        !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
        "{csp}"
    );
    assert!(
        !csp.contains("http:") || csp.contains("http://ipc.localhost"),
        "no remote content: {csp}"
    );
    assert!(!csp.contains("https:"), "no remote content: {csp}");
    assert_eq!(conf["app"]["withGlobalTauri"], Value::Bool(true));
}

#[test]
fn capabilities_grant_only_what_the_page_uses() {
    let caps = read("capabilities/default.json");
    let perms: Vec<&str> = caps["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert_eq!(
        perms,
        [
            "core:default",
            "core:webview:allow-set-webview-zoom",
            "dialog:allow-open",
            "dialog:allow-save",
            "opener:allow-reveal-item-in-dir"
        ]
    );
    assert!(
        !perms
            .iter()
            .any(|p| p.starts_with("fs:") || p.starts_with("shell:") || p.starts_with("http:"))
    );
}

#[test]
fn the_app_binary_is_built() {
    assert!(Path::new(env!("CARGO_BIN_EXE_safekeep-app")).is_file());
}
