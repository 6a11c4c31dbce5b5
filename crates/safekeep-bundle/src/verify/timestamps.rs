//! Checks every RFC 3161 token in `signature/timestamps/` (docs/timestamps.md): each
//! item token's commitment must end with the sealed record of an item in this bundle and
//! hash to the token's imprint; the bundle token must cover `tagmanifest-sha256.txt`;
//! every token must verify against the chain stored beside it; and every item the audit
//! log says was timestamped must still carry its token. Each token's authority is then
//! judged by the trust list (`timestamp_trust`): one whose chain ends only at the root
//! shipped beside it is reported as "timestamp by an authority this computer does not
//! recognise" — the check passes (nothing was altered) but is marked unrecognised, and so
//! is the verdict.

use std::collections::HashSet;

use sha2::{Digest, Sha256};

use super::{BundledItem, Files, VerifyReport};
use crate::format::TAG_MANIFEST;
use crate::format::timestamps::{BUNDLE_STEM, DIR};
use crate::timestamp_token;
use crate::timestamp_trust::{Authority, TrustList};

/// What a token is said to be when its authority is not recognised (docs/timestamps.md).
pub(crate) const UNRECOGNISED: &str = "timestamp by an authority this computer does not recognise";

pub(super) fn check(
    files: &Files<'_>,
    items: &[BundledItem],
    timestamped_in_log: &HashSet<String>,
    trust: &TrustList,
    report: &mut VerifyReport,
) {
    let stems: Vec<&str> = files
        .by_name
        .keys()
        .filter_map(|n| n.strip_prefix(DIR)?.strip_suffix(".tsr"))
        .collect();
    let mut problems = Vec::new();
    let mut found = Vec::new();
    let mut unrecognised = 0usize;
    let mut carried = HashSet::new();
    for stem in &stems {
        let at = |ext: &str| format!("{DIR}{stem}.{ext}");
        let (label, data) = if *stem == BUNDLE_STEM {
            ("the bundle".to_owned(), files.bytes(TAG_MANIFEST))
        } else {
            let commitment = files.bytes(&at("commitment"));
            let record = commitment.and_then(timestamp_token::record_in_commitment);
            let item = record.and_then(|r| items.iter().find(|i| i.sealed == r));
            match (commitment, record, item) {
                (None, ..) => {
                    problems.push(format!("{stem}: the token's {stem}.commitment file is missing"));
                    continue;
                }
                (_, None, _) => {
                    problems.push(format!(
                        "{stem}: {stem}.commitment is not a Safekeep timestamp commitment"
                    ));
                    continue;
                }
                (_, _, None) => {
                    problems.push(format!(
                        "{stem}: the timestamped record is not the sealed record of any item in this bundle (the item or the commitment was altered)"
                    ));
                    continue;
                }
                (Some(_), _, Some(item)) if crate::format::timestamps::stem(&item.exhibit) != *stem => {
                    // Tokens are filed under their exhibit's reference, and whoever opens
                    // the bundle as a case takes them by that name: a token filed under
                    // another exhibit (files swapped) would move a time between exhibits.
                    problems.push(format!(
                        "{stem}: the token is filed under {stem} but covers exhibit {} (the timestamp files were swapped or renamed)",
                        item.exhibit
                    ));
                    continue;
                }
                (Some(c), _, Some(item)) => {
                    carried.insert(item.id.as_str());
                    (format!("{} ({})", item.exhibit, item.folder), Some(c))
                }
            }
        };
        let Some(data) = data else {
            problems.push(format!("{stem}: the data the token covers is missing"));
            continue;
        };
        match verify_one(files, stem, data, trust) {
            Ok(Authority::Recognised(v)) => found.push(format!(
                "{label}: timestamped {} by \"{}\"; root \"{}\" (SHA-256 {}), which this computer recognises",
                v.gen_time, v.signer, v.anchor, v.anchor_sha256
            )),
            Ok(Authority::Unrecognised { verified: v, .. }) => {
                unrecognised += 1;
                found.push(format!(
                    "{label}: {UNRECOGNISED}: timestamped {} by \"{}\", whose chain ends at \"{}\" (SHA-256 {}), a root shipped in the bundle that is neither among this computer's trusted roots nor Safekeep's list of time-stamp authorities",
                    v.gen_time, v.signer, v.anchor, v.anchor_sha256
                ));
            }
            Err(why) => problems.push(format!("{label}: {why}")),
        }
    }
    for item in items
        .iter()
        .filter(|i| timestamped_in_log.contains(&i.id) && !carried.contains(i.id.as_str()))
    {
        problems.push(format!(
            "{} ({}): the audit log says it was timestamped, but its token is not in {DIR} (removed after export)",
            item.exhibit, item.folder
        ));
    }
    let check = "Trusted timestamps (RFC 3161) cover what they claim and verify";
    if problems.is_empty() && found.is_empty() {
        report.add(check, Vec::new(), || {
            "none in this bundle: its capture times come from the capturing computer's clock only".into()
        });
        return;
    }
    let ok = problems.is_empty();
    report.add(check, problems, String::new);
    if ok && let Some(last) = report.checks.last_mut() {
        found.push(if unrecognised > 0 {
            format!(
                "{unrecognised} of these timestamps prove nothing until their root is recognised: anyone can make a time-stamp authority. Compare each root's SHA-256 with the one the authority publishes, and ask who runs it"
            )
        } else {
            "each root certificate is also included in the bundle: compare its SHA-256 with the one the authority publishes".into()
        });
        last.details = found;
        if unrecognised > 0 {
            report.unrecognised();
        }
    }
}

fn verify_one(files: &Files<'_>, stem: &str, data: &[u8], trust: &TrustList) -> Result<Authority, String> {
    let token = files
        .bytes(&format!("{DIR}{stem}.tsr"))
        .ok_or("the token cannot be read")?;
    let chain = files
        .bytes(&format!("{DIR}{stem}.chain.pem"))
        .ok_or_else(|| format!("{stem}.chain.pem (the authority's certificates) is missing"))?;
    let chain = timestamp_token::certificates_from_pem(chain).map_err(|e| e.to_string())?;
    let imprint: [u8; 32] = Sha256::digest(data).into();
    trust.judge(token, &imprint, &chain).map_err(|e| e.to_string())
}
