//! The guided start's answers for a case: what is happening and on which platforms.
//!
//! They are the page's memory of what to suggest capturing, not evidence: kept in the
//! vault's `meta` table (inside the encrypted database, so a shared computer learns
//! nothing from them), never in the audit log, a bundle or a report. The words and the
//! checklist built from them live in the app (`ui/guide/checklists.json`,
//! `docs/guide.md`); this module only checks that the answers are short identifiers.

use serde::{Deserialize, Serialize};

use super::{Error, Result, Vault};
use crate::db;

/// Most platforms one case may name (the page offers fewer).
const MAX_PLATFORMS: usize = 16;

/// The answers, as identifiers of `ui/guide/checklists.json` (`shared`, `instagram`…).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseGuide {
    /// What is happening (one situation).
    pub situation: String,
    /// Where it happens, in the order chosen.
    pub platforms: Vec<String>,
}

/// The `meta` key holding a case's answers.
fn key(case_id: &str) -> String {
    format!("case_guide:{case_id}")
}

/// Whether `s` is an identifier the checklist data could use: 1–32 of `a-z 0-9 _`.
fn is_identifier(s: &str) -> bool {
    (1..=32).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

impl CaseGuide {
    /// Checks the answers are identifiers, a bounded number of them, without repeats.
    fn check(&self) -> Result<()> {
        let bad = |what: &str| {
            Err(Error::Invalid(format!(
                "the guided start's {what} is not one it offers"
            )))
        };
        if !is_identifier(&self.situation) {
            return bad("situation");
        }
        if self.platforms.len() > MAX_PLATFORMS || !self.platforms.iter().all(|p| is_identifier(p)) {
            return bad("list of platforms");
        }
        let mut seen = self.platforms.clone();
        seen.sort();
        seen.dedup();
        if seen.len() != self.platforms.len() {
            return bad("list of platforms");
        }
        Ok(())
    }
}

impl Vault {
    /// Reads a case's guided-start answers; none when the person has not answered.
    pub fn case_guide(&self, case_id: &str) -> Result<Option<CaseGuide>> {
        let case = self.resolve_case(case_id)?;
        let Some(text) = db::meta::get(self.conn(), &key(&case.id))? else {
            return Ok(None);
        };
        // Written only by `set_case_guide`; anything else is treated as unanswered.
        Ok(serde_json::from_str(&text).ok())
    }

    /// Saves a case's guided-start answers, replacing earlier ones (answers are advice
    /// for the page, not evidence, so replacing them leaves no trace by design).
    pub fn set_case_guide(&mut self, case_id: &str, guide: &CaseGuide) -> Result<()> {
        guide.check()?;
        let case = self.resolve_case(case_id)?;
        let text = serde_json::to_string(guide).map_err(|e| Error::Invalid(e.to_string()))?;
        Ok(db::meta::set(self.conn(), &key(&case.id), &text)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guide(situation: &str, platforms: &[&str]) -> CaseGuide {
        CaseGuide {
            situation: situation.into(),
            platforms: platforms.iter().map(|p| (*p).to_owned()).collect(),
        }
    }

    #[test]
    fn answers_are_short_identifiers_without_repeats() {
        assert!(guide("threat", &["instagram", "whatsapp"]).check().is_ok());
        assert!(guide("threat", &[]).check().is_ok());
        assert!(guide("", &[]).check().is_err());
        assert!(guide("Threat", &[]).check().is_err());
        assert!(guide("threat", &["x", "x"]).check().is_err());
        assert!(guide("threat", &["<b>"]).check().is_err());
    }
}
