//! A passphrase or recovery key as a command receives it from the page: zeroed when
//! dropped, never printed. What Tauri's IPC layer held before handing it over (the
//! message's JSON) is outside Safekeep's reach; the process's memory stays out of crash
//! files (`safekeep_core::process_privacy`).

use serde::{Deserialize, Deserializer};
use zeroize::Zeroizing;

/// A secret argument of a command.
pub struct Secret(Zeroizing<String>);

impl Secret {
    /// The secret, to pass on.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The secret, to keep (still zeroed when dropped).
    pub fn into_inner(self) -> Zeroizing<String> {
        self.0
    }

    /// Whether nothing was typed.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(|s| Self(Zeroizing::new(s)))
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}
