//! The person's own details for requests — name, contact, typed signature, and, for an
//! advocate, that they act for someone — entered once and kept in the encrypted vault's
//! settings (the `meta` table), never in an item, an annotation, the audit log or a bundle.

use serde::{Deserialize, Serialize};

use crate::db;
use crate::vault::{Error, Result, Vault};

const KEY: &str = "removal.person";

/// Who sends requests, and how to reach them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    /// Their full name.
    pub name: String,
    /// How to reach them: an e-mail address, a postal address or both (lines allowed).
    pub contact: String,
    /// Their typed electronic signature (default: `/Name/`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
}

impl Person {
    /// The signature as written in a request.
    pub fn signature(&self) -> String {
        self.signature
            .clone()
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| format!("/{}/", self.name.trim()))
    }
}

impl Vault {
    /// The person's details for requests, if entered.
    pub fn removal_person(&self) -> Result<Option<Person>> {
        db::meta::get(self.conn(), KEY)?
            .map(|s| {
                serde_json::from_str(&s).map_err(|e| {
                    Error::Invalid(format!("the saved details are damaged ({e}); enter them again"))
                })
            })
            .transpose()
    }

    /// Saves the person's details for requests (replacing earlier ones).
    pub fn set_removal_person(&mut self, person: &Person) -> Result<()> {
        if person.name.trim().is_empty() || person.contact.trim().is_empty() {
            return Err(Error::Invalid(
                "a request needs a name and a way to reach you (an e-mail or postal address); nothing was saved".into(),
            ));
        }
        let text = serde_json::to_string(person).map_err(|e| Error::Invalid(e.to_string()))?;
        Ok(db::meta::set(self.conn(), KEY, &text)?)
    }
}
