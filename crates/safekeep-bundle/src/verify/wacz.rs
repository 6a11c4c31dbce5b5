//! Check "Each web archive (WACZ) is as its signature says" (docs/bundle-format.md § "What
//! `safekeep verify` checks", 9): every `page.wacz` of an item, read in place, whose
//! `datapackage-digest.json` carries a signature must verify ([`crate::wacz_signature`]).
//! The bag's manifest already proves the package unchanged since export; this proves
//! it unchanged since the capture packaged it, and is what a recipient of the WACZ alone
//! can check. A bundle without WACZs has no such check.

use super::{Listing, VerifyReport};
use crate::format::{ITEMS_DIR, WACZ_FILE_NAME};
use crate::wacz_signature::{self, Signed};

pub(super) fn check(listing: &Listing, report: &mut VerifyReport) {
    let packages: Vec<&str> = listing
        .entries
        .iter()
        .map(|e| e.name.as_str())
        .filter(|n| {
            n.strip_prefix(ITEMS_DIR)
                .and_then(|rest| rest.split_once('/'))
                .is_some_and(|(_, file)| file == WACZ_FILE_NAME)
        })
        .collect();
    if packages.is_empty() {
        return;
    }
    let mut problems = Vec::new();
    let mut signed = Vec::new();
    let mut unsigned = 0;
    for name in &packages {
        match listing.with_seekable(name, |r| wacz_signature::check(r)) {
            Ok(Ok(Signed::Verified { fingerprint, .. })) => signed.push(fingerprint),
            Ok(Ok(Signed::Unsigned)) => unsigned += 1,
            Ok(Err(why)) => problems.push(format!("{name}: {why}")),
            Err(why) => problems.push(why),
        }
    }
    report.add(
        "Each web archive (WACZ) is as its signature says",
        problems,
        || {
            signed.sort();
            signed.dedup();
            let mut words = format!("{} of {} WACZ files signed", packages.len() - unsigned, packages.len());
            if !signed.is_empty() {
                words.push_str(&format!(" (WACZ key {})", signed.join(", ")));
            }
            if unsigned > 0 {
                words.push_str("; the others were captured before Safekeep signed its WACZs");
            }
            words
        },
    );
}
