//! Check "Each web archive (WACZ) is as its signature says" (docs/bundle-format.md § "What
//! `safekeep verify` checks", 9): every `page.wacz` of an item, read in place, whose
//! `datapackage-digest.json` carries a signature must verify ([`crate::wacz_signature`]),
//! and when the item's sealed capture record names the key that signed it
//! (`wacz_signed_by`), the package must carry a signature by exactly that key. The bytes
//! of the package are proven by the manifest and the sealed record; this proves that the
//! signature a recipient of the WACZ alone will see is the capture's. A bundle without
//! WACZs has no such check.

use serde_json::Value;

use super::{Files, Listing, VerifyReport};
use crate::format::{ITEMS_DIR, WACZ_FILE_NAME};
use crate::wacz_signature::{self, Signed};

/// The key the capture record in `metadata` says signed its WACZ, wherever it sits.
fn recorded_key(metadata: &Value) -> Option<&str> {
    match metadata {
        Value::Object(map) => map
            .get("wacz_signed_by")
            .and_then(|v| v["public_key"].as_str())
            .or_else(|| map.values().find_map(recorded_key)),
        Value::Array(list) => list.iter().find_map(recorded_key),
        _ => None,
    }
}

pub(super) fn check(files: &Files<'_>, listing: &Listing, report: &mut VerifyReport) {
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
    let mut unopened = Vec::new();
    let mut outcomes: Vec<Option<Result<Result<Signed, String>, String>>> = vec![None; packages.len()];
    listing.each_seekable(&packages, &mut |k, reader| {
        outcomes[k] = Some(reader.map(wacz_signature::check));
    });
    for (name, outcome) in packages.iter().zip(outcomes) {
        let folder = name.rsplit_once('/').map_or("", |(f, _)| f);
        let recorded = files
            .bytes(&format!("{folder}/metadata.json"))
            .and_then(|b| serde_json::from_slice::<Value>(b).ok())
            .and_then(|m| recorded_key(&m).map(str::to_owned));
        match outcome.unwrap_or_else(|| Err(format!("{name}: was not read"))) {
            Ok(Ok(Signed::Verified { public_key, .. }))
                if recorded.as_ref().is_some_and(|k| *k != public_key) =>
            {
                problems.push(format!(
                    "{name}: is signed by another key than the one its capture record names"
                ));
            }
            Ok(Ok(Signed::Verified { fingerprint, .. })) => signed.push(fingerprint),
            Ok(Ok(Signed::Unsigned)) if recorded.is_some() => problems.push(format!(
                "{name}: carries no signature, though its capture record says it was signed"
            )),
            Ok(Ok(Signed::Unsigned)) => unsigned += 1,
            Ok(Err(why)) => problems.push(format!("{name}: {why}")),
            // Not opened at all: the manifest check already vouches for its bytes.
            Err(why) => unopened.push(why),
        }
    }
    report.add(
        "Each web archive (WACZ) is as its signature says",
        problems,
        || {
            signed.sort();
            signed.dedup();
            let signed_count = packages.len() - unsigned - unopened.len();
            let mut words = format!("{signed_count} of {} WACZ files signed", packages.len());
            if !signed.is_empty() {
                words.push_str(&format!(" (WACZ key {})", signed.join(", ")));
            }
            if unsigned > 0 {
                words.push_str(&format!(
                    "; {unsigned} unsigned (captured before Safekeep signed its WACZs)"
                ));
            }
            for why in &unopened {
                words.push_str(&format!("; not checked: {why}"));
            }
            words
        },
    );
}
