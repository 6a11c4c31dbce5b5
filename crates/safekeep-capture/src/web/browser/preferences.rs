//! What Safekeep's browser profile is set to, and the login cookies it keeps between runs
//! (docs/capture.md § "Your logins").
//!
//! - Chromium's password manager, its "Save password?" offer and autofill are off: the
//!   welcome page promises that Safekeep never stores passwords, and a saved password in
//!   the profile would be one more secret to lose. Set in the profile's `Preferences`
//!   before every start (the person cannot have turned them on: the settings page is an
//!   ordinary tab of this profile, and every start turns them off again).
//! - Session cookies (no expiry: most forums' and many apps' logins) end with the
//!   browser. So that a login made once works in every later capture, they are written
//!   into the private profile folder while the browser runs, sealed with the profile into
//!   the vault when it closes, and set again at the next start. "Forget my logins"
//!   deletes them with the profile.

use std::io;
use std::path::Path;

use serde_json::{Value, json};

use crate::web::cdp::Browser;

/// The file in the profile folder that holds the session cookies between runs.
pub const SESSION_COOKIES: &str = "safekeep-session-cookies.json";

/// Preferences set before every start, as (path, value).
const OFF: [(&[&str], bool); 8] = [
    (&["credentials_enable_service"], false),
    (&["credentials_enable_autosignin"], false),
    (&["profile", "password_manager_enabled"], false),
    (&["profile", "password_manager_leak_detection"], false),
    (&["autofill", "enabled"], false),
    (&["autofill", "profile_enabled"], false),
    (&["autofill", "credit_card_enabled"], false),
    (&["payments", "can_make_payment_enabled"], false),
];

/// Turns the password manager and autofill off in `profile` (see the module docs),
/// keeping every other preference as it is.
pub fn apply(profile: &Path) -> io::Result<()> {
    let dir = profile.join("Default");
    crate::web::spool::private_dir(&dir)?;
    let path = dir.join("Preferences");
    let mut prefs = match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice::<Value>(&bytes)
            .ok()
            .filter(Value::is_object)
            .unwrap_or_else(|| json!({})),
        Err(e) if e.kind() == io::ErrorKind::NotFound => json!({}),
        Err(e) => return Err(e),
    };
    for (keys, value) in OFF {
        set(&mut prefs, keys, value.into());
    }
    write_private(&path, prefs.to_string().as_bytes())
}

fn set(root: &mut Value, keys: &[&str], value: Value) {
    let Some((last, parents)) = keys.split_last() else {
        return;
    };
    let mut node = root;
    for k in parents {
        if !node[*k].is_object() {
            node[*k] = json!({});
        }
        node = &mut node[*k];
    }
    node[*last] = value;
}

/// Writes `bytes` to `path`, readable by the owner only.
fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut options = std::fs::File::options();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    io::Write::write_all(&mut options.open(path)?, bytes)
}

/// The fields of a cookie `Storage.setCookies` takes back.
const COOKIE_FIELDS: [&str; 11] = [
    "name",
    "value",
    "domain",
    "path",
    "secure",
    "httpOnly",
    "sameSite",
    "priority",
    "sourceScheme",
    "sourcePort",
    "partitionKey",
];

/// Writes the browser's session cookies into `profile` (see the module docs). Best
/// effort: a browser that does not answer keeps what was written last.
pub async fn save_session_cookies(browser: &Browser, profile: &Path) {
    let Ok(answer) = browser
        .connection()
        .call_raw(None, "Storage.getCookies", json!({}))
        .await
    else {
        return;
    };
    let session: Vec<Value> = answer["cookies"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["session"].as_bool() == Some(true))
        .map(|c| {
            let mut kept = serde_json::Map::new();
            for f in COOKIE_FIELDS {
                if let Some(v) = c.get(f).filter(|v| !v.is_null()) {
                    kept.insert(f.to_owned(), v.clone());
                }
            }
            Value::Object(kept)
        })
        .collect();
    let path = profile.join(SESSION_COOKIES);
    if session.is_empty() {
        let _ = std::fs::remove_file(&path);
        return;
    }
    let _ = write_private(&path, Value::Array(session).to_string().as_bytes());
}

/// Sets the session cookies kept in `profile` by the last run, if any.
pub async fn restore_session_cookies(browser: &Browser, profile: &Path) {
    let Ok(bytes) = std::fs::read(profile.join(SESSION_COOKIES)) else {
        return;
    };
    let Ok(cookies) = serde_json::from_slice::<Value>(&bytes) else {
        return;
    };
    if cookies.as_array().is_some_and(|c| !c.is_empty()) {
        let _ = browser
            .connection()
            .call_raw(None, "Storage.setCookies", json!({"cookies": cookies}))
            .await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_manager_is_turned_off_and_other_preferences_kept() {
        let dir = tempfile::tempdir().expect("dir");
        std::fs::create_dir(dir.path().join("Default")).expect("Default");
        let prefs = json!({"credentials_enable_service": true, "profile": {"password_manager_enabled": true, "name": "Person"}, "homepage": "x"});
        std::fs::write(dir.path().join("Default/Preferences"), prefs.to_string()).expect("write");
        apply(dir.path()).expect("apply");
        let got: Value =
            serde_json::from_slice(&std::fs::read(dir.path().join("Default/Preferences")).expect("read"))
                .expect("json");
        assert_eq!(got["credentials_enable_service"], false);
        assert_eq!(got["profile"]["password_manager_enabled"], false);
        assert_eq!(got["autofill"]["profile_enabled"], false);
        assert_eq!(got["profile"]["name"], "Person");
        assert_eq!(got["homepage"], "x");
    }
}
