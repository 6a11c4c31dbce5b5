//! Check "Exhibit references and folder names follow the format's grammar"
//! (docs/bundle-format.md § "Exhibit references and folder names"): every item's
//! `metadata.json` `exhibit`, its folder's name and `bag-info.txt`'s
//! `Safekeep-Exhibit-Prefix` are exactly of the shapes Safekeep writes, and no two items
//! share a reference. Why: references of a received bundle are written into the
//! receiver's own bundles, their file names and the commands their README.txt prints; a
//! reference is data and must never be able to carry shell or path syntax.

use std::collections::{HashMap, HashSet};

use super::{BundledItem, VerifyReport};
use crate::reference;

/// The check's name, as reports and tests quote it.
const CHECK: &str = "Exhibit references and folder names follow the format's grammar";

pub(super) fn check(info: &HashMap<String, String>, items: &[BundledItem], report: &mut VerifyReport) {
    let mut problems = Vec::new();
    match info.get("Safekeep-Exhibit-Prefix") {
        Some(prefix) => {
            if let Err(e) = reference::check_prefix(prefix) {
                problems.push(format!("bag-info.txt Safekeep-Exhibit-Prefix: {e}"));
            }
        }
        None if !info.is_empty() => {
            problems.push("bag-info.txt has no Safekeep-Exhibit-Prefix".to_owned());
        }
        None => {}
    }
    let mut seen = HashSet::new();
    for item in items {
        let folder = &item.folder;
        let Some(r) = &item.reference else {
            problems.push(format!(
                "{folder}/metadata.json: \"exhibit\" is missing or not text"
            ));
            continue;
        };
        if let Err(e) = reference::check_reference(r) {
            problems.push(format!("{folder}/metadata.json \"exhibit\": {e}"));
            continue;
        }
        if let Err(e) = reference::check_folder(folder, r) {
            problems.push(format!("{folder}: folder name: {e}"));
        }
        if !seen.insert(r.as_str()) {
            problems.push(format!(
                "{folder}/metadata.json \"exhibit\": {r} is the reference of another item too"
            ));
        }
    }
    let n = items.len();
    report.add(CHECK, problems, || {
        format!("{n} references of the form AB/1, each in its folder AB-1-…")
    });
}
