//! When the vault was last unlocked on this computer, so the person can notice an
//! opening that was not theirs.
//!
//! Both times live in `meta` (`opened.at`, `opened.previous`), inside the database, which
//! is encrypted with the rest of the vault: nothing outside it says when it was used.
//! Only an unlock in the app counts ([`Vault::mark_opened`]); the CLI and backups do not
//! move it, so "last opened" means "last unlocked by a person at this app".

use super::{Result, Vault};
use crate::db;

const AT_KEY: &str = "opened.at";
const PREVIOUS_KEY: &str = "opened.previous";

impl Vault {
    /// Records that the vault was unlocked now, keeping the unlock before it as the
    /// "previous" one, and returns that previous time (RFC 3339, the vault clock's
    /// offset); `None` the first time.
    pub fn mark_opened(&mut self) -> Result<Option<String>> {
        let now = self.now().to_rfc3339_opts(chrono::SecondsFormat::Secs, false);
        let tx = self.conn_mut().transaction()?;
        let previous = db::meta::get(&tx, AT_KEY)?;
        if let Some(p) = &previous {
            db::meta::set(&tx, PREVIOUS_KEY, p)?;
        }
        db::meta::set(&tx, AT_KEY, &now)?;
        tx.commit()?;
        Ok(previous)
    }

    /// The unlock before the current one (RFC 3339), as [`Vault::mark_opened`] kept it;
    /// `None` until the vault has been unlocked twice.
    pub fn previous_opening(&self) -> Result<Option<String>> {
        Ok(db::meta::get(self.conn(), PREVIOUS_KEY)?)
    }
}
