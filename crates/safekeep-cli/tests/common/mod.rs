//! What several CLI test files share.
#![allow(clippy::unwrap_used, dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// A third-party tool: from the tools venv `make deps-test` fills, else from PATH. Panics
/// (the test fails, it does not skip) when it is missing.
pub fn tool(name: &str) -> PathBuf {
    let venv = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../target/tools-venv/bin")
        .join(name);
    if venv.exists() {
        return venv;
    }
    let found = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {name}"))
        .output()
        .unwrap();
    assert!(
        found.status.success(),
        "{name} is not installed; `make deps-test` installs it"
    );
    PathBuf::from(String::from_utf8(found.stdout).unwrap().trim())
}
