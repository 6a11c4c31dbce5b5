//! The platform directory: offline, dated data (`data/removal/platforms.json`) saying
//! where each main platform takes reports, what its form asks, whether a US or UK duty
//! applies, and where to escalate, each entry with its source and the date it was
//! checked. Safekeep never fetches it; an address not in it gets a generic request.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

const PLATFORMS_JSON: &str = include_str!("../../data/removal/platforms.json");

/// The directory as shipped.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Directory {
    /// When it was compiled.
    pub compiled: String,
    /// What it is and how far to trust it.
    pub note: String,
    /// Its entries.
    pub platforms: Vec<Platform>,
}

/// One platform.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Platform {
    /// Stable id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Host names it serves content from (a sub-domain of one matches too).
    pub hosts: Vec<String>,
    /// `search_engine`, `user_to_user` or `host`.
    pub kind: String,
    /// Where it takes reports, when known.
    pub report_page: Option<String>,
    /// What its form asks.
    pub form_asks: Vec<String>,
    /// Whether it is a covered platform under the TAKE IT DOWN Act (or `unverified`).
    pub us_covered_platform: String,
    /// Whether it is a user-to-user service under the UK Online Safety Act.
    pub uk_user_to_user: String,
    /// The time it says it acts within, in hours, if it states one.
    pub stated_hours: Option<u32>,
    /// Where to go when it does not act.
    pub escalation: String,
    /// Where the entry comes from.
    pub source: String,
    /// When it was last checked against the platform's own page (none: never).
    pub checked: Option<String>,
}

/// The directory shipped with this copy of Safekeep.
pub fn directory() -> &'static Directory {
    static DIR: OnceLock<Directory> = OnceLock::new();
    DIR.get_or_init(|| {
        serde_json::from_str(PLATFORMS_JSON).unwrap_or_else(|_| Directory {
            compiled: String::new(),
            note: "the platform directory in this copy of Safekeep is damaged".into(),
            platforms: Vec::new(),
        })
    })
}

/// The platform an address belongs to, if the directory has it.
pub fn find(address: &str) -> Option<&'static Platform> {
    let host = host_of(address)?;
    directory().platforms.iter().find(|p| {
        p.hosts
            .iter()
            .any(|h| host == *h || host.strip_suffix(h.as_str()).is_some_and(|s| s.ends_with('.')))
    })
}

/// The lower-case host name of a web address.
pub fn host_of(address: &str) -> Option<String> {
    let url = url::Url::parse(address.trim()).ok()?;
    url.host_str()
        .map(|h| h.trim_end_matches('.').to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directory_parses_and_every_entry_is_sourced() {
        let d = directory();
        assert!(d.platforms.len() >= 5, "platforms.json did not parse");
        for p in &d.platforms {
            assert!(!p.source.is_empty(), "{} has no source", p.id);
        }
    }

    #[test]
    fn finds_by_host_and_sub_domain_only() {
        assert_eq!(
            find("https://old.reddit.com/r/x/1").map(|p| p.id.as_str()),
            Some("reddit")
        );
        assert_eq!(find("https://x.com/a/status/1").map(|p| p.id.as_str()), Some("x"));
        assert!(find("https://notreddit.com/x").is_none());
        assert!(find("https://reddit.com.evil.example/x").is_none());
        assert!(find("not an address").is_none());
    }
}
