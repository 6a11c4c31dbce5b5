//! Where secrets come from on the command line: a file, an environment variable, or the
//! terminal without echo, in that order. Secrets are zeroed when dropped.

use std::io::IsTerminal;
use std::path::Path;

use anyhow::{Context as _, Result, bail};
use zeroize::Zeroizing;

/// Environment variable holding the vault passphrase, for scripts and tests.
pub const VAULT_ENV: &str = "SAFEKEEP_PASSPHRASE";
/// Environment variable holding a bundle's passphrase.
pub const BUNDLE_ENV: &str = "SAFEKEEP_BUNDLE_PASSPHRASE";

/// Reads the first line of `path` (without its line ending).
pub fn from_file(path: &Path, what: &str) -> Result<Zeroizing<String>> {
    let text = Zeroizing::new(
        std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the {what} from {}", path.display()))?,
    );
    let line = text.lines().next().unwrap_or("");
    if line.is_empty() {
        bail!("{} is empty; put the {what} on its first line", path.display());
    }
    Ok(Zeroizing::new(line.to_owned()))
}

fn from_env(var: &str) -> Option<Zeroizing<String>> {
    std::env::var(var)
        .ok()
        .filter(|v| !v.is_empty())
        .map(Zeroizing::new)
}

fn prompt(question: &str) -> Result<Zeroizing<String>> {
    rpassword::prompt_password(question)
        .map(Zeroizing::new)
        .context("cannot read from the terminal")
}

/// An existing secret: `file`, else `env_var`, else asked once on the terminal.
pub fn existing(file: Option<&Path>, env_var: &str, what: &str, question: &str) -> Result<Zeroizing<String>> {
    if let Some(f) = file {
        return from_file(f, what);
    }
    if let Some(v) = from_env(env_var) {
        return Ok(v);
    }
    if !std::io::stdin().is_terminal() {
        bail!(
            "the {what} is needed: give it with a file option or {env_var}, or run this in a terminal to be asked"
        );
    }
    prompt(question)
}

/// A new secret: `file`, else `env_var`, else asked twice on the terminal.
pub fn new(file: Option<&Path>, env_var: Option<&str>, what: &str) -> Result<Zeroizing<String>> {
    if let Some(f) = file {
        return from_file(f, what);
    }
    if let Some(v) = env_var.and_then(from_env) {
        return Ok(v);
    }
    if !std::io::stdin().is_terminal() {
        let env_hint = env_var.map(|v| format!(" or {v}")).unwrap_or_default();
        bail!(
            "a new {what} is needed: give it with a file option{env_hint}, or run this in a terminal to be asked"
        );
    }
    let first = prompt(&format!("Choose the {what}: "))?;
    let second = prompt(&format!("Type the {what} again: "))?;
    if *first != *second {
        bail!("the two entries differ; nothing was changed. Try again");
    }
    Ok(first)
}
