//! Handing a case over (docs/handover.md): a real bundle from one vault opened as a case
//! in another, worked on, exported again and verified; tampered bundles refused before
//! anything is stored; a receiver who rewrites the sender's events and signs the result
//! with their own key is caught by the hand-over check alone.
#![allow(clippy::unwrap_used, missing_docs)]

mod corpus;

use corpus::{self_made_authority, stamp_all};
use safekeep_core::Coded;
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration};
use rand::SeedableRng;
use safekeep_core::audit_log::chain_hash;
use safekeep_core::bundle::verify::verify_path;
use safekeep_core::bundle::{Verdict, VerifyReport};
use safekeep_core::clock::SteppingClock;
use safekeep_core::item::Context;
use safekeep_core::signing::VaultKey;
use safekeep_core::vault::{AnnotationBody, Error};
use safekeep_core::{Environment, Vault, canonical};
use sha2::{Digest, Sha256};

fn env(seed: u64, start: &str) -> Environment {
    Environment {
        clock: Box::new(SteppingClock::new(
            DateTime::parse_from_rfc3339(start).unwrap(),
            Duration::seconds(1),
        )),
        rng: Box::new(rand::rngs::StdRng::seed_from_u64(seed)),
        app_version: "safekeep-test".into(),
        host: "test-host".into(),
        kdf: safekeep_core::keyring::KdfPolicy::Fixed(safekeep_core::keyring::KdfParams::INSECURE_FAST),
    }
}

fn vault(dir: &Path, name: &str, seed: u64) -> Vault {
    Vault::init(
        &dir.join(name),
        env(seed, "2026-03-01T21:40:00+01:00"),
        Some("correct horse battery staple"),
    )
    .unwrap()
}

fn titled(t: &str) -> Context {
    Context {
        title: Some(t.into()),
        ..Context::default()
    }
}

/// The victim's vault: a picture, a note, a report annotation and a withdrawn item.
fn sender(dir: &Path) -> (Vault, String) {
    let mut v = vault(dir, "victim", 1);
    let case = v.create_case("Posts by @someone").unwrap();
    let png = [&b"\x89PNG\r\n\x1a\n"[..], &[3u8; 4096]].concat();
    fs::write(dir.join("post.png"), &png).unwrap();
    fs::write(dir.join("mistake.txt"), b"wrong file").unwrap();
    let post = v
        .import_file(
            &case,
            &dir.join("post.png"),
            titled("Screenshot of post"),
            &mut |_| {},
        )
        .unwrap();
    v.add_note(
        &case,
        "He posted it at 9pm; reported the same night.",
        titled("What happened"),
    )
    .unwrap();
    v.annotate(
        &post.id,
        AnnotationBody::Report {
            reported_to: "Example".into(),
            reported_on: None,
            reference: Some("T-1".into()),
            outcome: None,
        },
    )
    .unwrap();
    let m = v
        .import_file(&case, &dir.join("mistake.txt"), Context::default(), &mut |_| {})
        .unwrap();
    v.withdraw(&m.id, "wrong file", true).unwrap();
    (v, case)
}

fn check<'a>(r: &'a VerifyReport, starts: &str) -> &'a safekeep_core::bundle::Check {
    r.checks
        .iter()
        .find(|c| c.check.starts_with(starts))
        .unwrap_or_else(|| panic!("no check {starts:?} in {:#?}", r.checks))
}

fn folders(v: &Vault, case: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = v
        .items(Some(case))
        .unwrap()
        .into_iter()
        .filter(|i| i.withdrawn.is_none())
        .map(|i| (i.record.id.clone(), i.record.artifacts[0].sha256.clone()))
        .collect();
    out.sort();
    out
}

fn blob_files(vault_dir: &Path) -> usize {
    fn walk(p: &Path) -> usize {
        fs::read_dir(p).map_or(0, |rd| {
            rd.filter_map(Result::ok)
                .map(|e| if e.path().is_dir() { walk(&e.path()) } else { 1 })
                .sum()
        })
    }
    walk(&vault_dir.join("blobs")) + walk(&vault_dir.join("tmp"))
}

#[test]
fn a_bundle_becomes_a_case_and_every_chain_verifies_when_it_is_exported_again() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (mut victim, case) = sender(dir);
    let first = dir.join("to-advocate.zip");
    corpus::export_case(&mut victim, &case, &first, "AB");
    let sent_events = victim.events(&case).unwrap();
    let sent_items = folders(&victim, &case);

    let mut advocate = vault(dir, "advocate", 2);
    let got = advocate.import_case(&first, None, &|_| {}).unwrap();
    assert_eq!(
        (got.case_id.as_str(), got.items, got.handover),
        (case.as_str(), 2, 1)
    );
    // The sender's chain is kept byte for byte (all but the export event, which came after
    // the bundle was written), then the receiver's own chain continues from its head.
    let kept = advocate.events(&case).unwrap();
    assert_eq!(got.events as usize, sent_events.len() - 1);
    assert_eq!(
        kept[..sent_events.len() - 1],
        sent_events[..sent_events.len() - 1]
    );
    assert_eq!(kept.last().unwrap().kind, "case.imported");
    assert_eq!(
        kept.last().unwrap().prev_hash,
        sent_events[sent_events.len() - 2].hash
    );
    assert_eq!(folders(&advocate, &case), sent_items);
    let report_annotated = advocate
        .items(Some(&case))
        .unwrap()
        .into_iter()
        .find(|i| i.record.title == "Screenshot of post")
        .unwrap();
    assert_eq!(
        report_annotated.annotations.len(),
        1,
        "the sender's annotation came along"
    );
    assert!(advocate.check(false, &mut |_| {}).unwrap().problems.is_empty());

    // Read-only: the sender's exhibits cannot be withdrawn; they can be annotated.
    let e = advocate
        .withdraw(&report_annotated.record.id, "not needed", true)
        .unwrap_err();
    assert!(e.to_string().contains("stays as its sender sealed it"), "{e}");
    advocate
        .annotate(
            &report_annotated.record.id,
            AnnotationBody::Note {
                text: "Client confirms this is the post".into(),
            },
        )
        .unwrap();
    advocate
        .add_note(
            &case,
            "Spoke to the client on 3 March.",
            titled("Call with client"),
        )
        .unwrap();

    // Twice, or into the vault it came from: refused, nothing changed.
    let before = advocate.events(&case).unwrap().len();
    assert!(matches!(
        advocate.import_case(&first, None, &|_| {}),
        Err(Error::CaseExists { .. })
    ));
    assert!(matches!(
        victim.import_case(&first, None, &|_| {}),
        Err(Error::CaseExists { .. })
    ));
    assert_eq!(advocate.events(&case).unwrap().len(), before);

    let second = dir.join("to-solicitor.zip");
    corpus::export_case(&mut advocate, &case, &second, "CD");
    let r = verify_path(&second, None, None, &|_| {});
    assert_eq!(r.verdict, Verdict::Intact, "{:#?}", r.checks);
    let h = check(&r, "Each hand-over verifies");
    assert!(
        h.ok && h.details[0].contains(&format!("events 1–{}", got.events)),
        "{h:?}"
    );
    // The sender's exhibits keep their references and folders; the new note is CD/1.
    let names = zip_names(&second);
    for f in [
        "data/items/AB-1-screenshot-of-post/metadata.json",
        "data/items/AB-2-what-happened/metadata.json",
        "data/items/CD-1-call-with-client/metadata.json",
        "data/handover/1/tagmanifest-sha256.txt",
        "data/handover/1/tagmanifest-sha256.txt.sig",
    ] {
        assert!(
            names.iter().any(|n| n.ends_with(f)),
            "{f} missing from {names:#?}"
        );
    }

    // A second hand-over: the solicitor opens the advocate's bundle and exports it again.
    let mut solicitor = vault(dir, "solicitor", 3);
    let got2 = solicitor.import_case(&second, None, &|_| {}).unwrap();
    assert_eq!((got2.items, got2.handover), (3, 2));
    solicitor
        .add_note(&case, "Reviewed for the hearing.", titled("Review"))
        .unwrap();
    let third = dir.join("to-court.zip");
    corpus::export_case(&mut solicitor, &case, &third, "EF");
    let r = verify_path(&third, None, None, &|_| {});
    assert_eq!(r.verdict, Verdict::Intact, "{:#?}", r.checks);
    let h = check(&r, "Each hand-over verifies");
    assert!(
        h.details[0].contains("; events 1–"),
        "both hand-overs reported: {h:?}"
    );
    let names = zip_names(&third);
    assert!(names.iter().any(|n| n.ends_with("data/handover/2/vault-key.pem")));
    assert!(
        names
            .iter()
            .any(|n| n.ends_with("data/items/EF-1-review/metadata.json"))
    );
    assert!(
        names
            .iter()
            .any(|n| n.ends_with("data/items/CD-1-call-with-client/metadata.json"))
    );
}

#[test]
fn a_tampered_bundle_is_refused_before_anything_is_stored() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (mut victim, case) = sender(dir);
    let good = dir.join("bundle.zip");
    corpus::export_case(&mut victim, &case, &good, "AB");
    let bag = unzip(&good, &dir.join("unzipped"));
    let png = bag.join("data/items/AB-1-screenshot-of-post/original.png");
    let mut bytes = fs::read(&png).unwrap();
    bytes[100] ^= 1;
    fs::write(&png, bytes).unwrap();

    let mut advocate = vault(dir, "advocate", 2);
    let e = advocate.import_case(&bag, None, &|_| {}).unwrap_err();
    assert_eq!(e.code(), "bundle_not_intact");
    assert!(e.to_string().contains("contents changed after export"), "{e}");
    assert!(advocate.cases().unwrap().is_empty());
    assert_eq!(
        blob_files(&dir.join("advocate")),
        0,
        "no blob and no staged file was left"
    );
    // The untouched bundle still opens.
    advocate.import_case(&good, None, &|_| {}).unwrap();
    assert!(blob_files(&dir.join("advocate")) >= 2);
}

#[test]
fn a_receiver_who_rewrites_the_senders_events_and_signs_them_is_caught() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (mut victim, case) = sender(dir);
    let first = dir.join("first.zip");
    corpus::export_case(&mut victim, &case, &first, "AB");
    let mut advocate = vault(dir, "advocate", 2);
    advocate.import_case(&first, None, &|_| {}).unwrap();
    let second = dir.join("second.zip");
    corpus::export_case(&mut advocate, &case, &second, "CD");
    let bag = unzip(&second, &dir.join("forged"));

    // Change what the sender recorded (the report's reference), re-chain the whole log,
    // re-hash every manifest and sign with the advocate's own (here: another) key.
    let log = bag.join("data/audit-log.jsonl");
    let text = fs::read_to_string(&log).unwrap();
    assert!(text.contains("\"reference\":\"T-1\""));
    let text = text.replacen("\"reference\":\"T-1\"", "\"reference\":\"T-9\"", 1);
    fs::write(&log, rechain(&text)).unwrap();
    let other = VaultKey::generate(&mut rand::rngs::StdRng::seed_from_u64(99));
    resign(&bag, &other);

    let r = verify_path(&bag, None, None, &|_| {});
    assert_eq!(r.verdict, Verdict::Altered);
    assert!(
        check(&r, "The bundle is signed").ok,
        "the outer signature is the forger's own, and valid"
    );
    assert!(
        check(&r, "The audit log is intact").ok,
        "the re-chained log is consistent in itself"
    );
    let h = check(&r, "Each hand-over verifies");
    assert!(
        !h.ok && h.details[0].contains("not the ones its sender signed"),
        "{h:?}"
    );
}

fn zip_names(path: &Path) -> Vec<String> {
    let z = zip::ZipArchive::new(fs::File::open(path).unwrap()).unwrap();
    z.file_names().map(|n| n.unwrap().into_owned()).collect()
}

/// Unzips a bundle into `to`; returns the bag folder.
fn unzip(zip_path: &Path, to: &Path) -> PathBuf {
    let mut z = zip::ZipArchive::new(fs::File::open(zip_path).unwrap()).unwrap();
    let mut bag = None;
    for i in 0..z.len() {
        let mut f = z.by_index(i).unwrap();
        let name = f.name().unwrap().into_owned();
        bag.get_or_insert_with(|| to.join(name.split('/').next().unwrap()));
        let out = to.join(&name);
        fs::create_dir_all(out.parent().unwrap()).unwrap();
        let mut b = Vec::new();
        f.read_to_end(&mut b).unwrap();
        fs::File::create(out).unwrap().write_all(&b).unwrap();
    }
    bag.unwrap()
}

fn rechain(log: &str) -> String {
    let mut prev = [0u8; 32];
    log.lines()
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let body = canonical::to_bytes(&v["event"]).unwrap();
            let h = chain_hash(&prev, &body);
            let out = format!(
                "{{\"event\":{},\"hash\":\"{}\",\"prev_hash\":\"{}\"}}\n",
                String::from_utf8(body).unwrap(),
                hex::encode(h),
                hex::encode(prev)
            );
            prev = h;
            out
        })
        .collect()
}

/// Re-hashes the manifest (same files, same order), names `key` and the payload's size in
/// bag-info.txt, re-hashes the tag manifest and signs it with `key`.
fn resign(bag: &Path, key: &VaultKey) {
    let sha = |p: &str| hex::encode(Sha256::digest(fs::read(bag.join(p)).unwrap()));
    let paths: Vec<String> = fs::read_to_string(bag.join("manifest-sha256.txt"))
        .unwrap()
        .lines()
        .map(|l| l.split_once("  ").unwrap().1.to_owned())
        .collect();
    let manifest: String = paths.iter().map(|p| format!("{}  {p}\n", sha(p))).collect();
    let octets: u64 = paths
        .iter()
        .map(|p| fs::metadata(bag.join(p)).unwrap().len())
        .sum();
    fs::write(bag.join("manifest-sha256.txt"), manifest).unwrap();
    let info: String = fs::read_to_string(bag.join("bag-info.txt"))
        .unwrap()
        .lines()
        .map(|l| {
            if l.starts_with("Safekeep-Key-Fingerprint:") {
                format!("Safekeep-Key-Fingerprint: {}\n", key.fingerprint())
            } else if l.starts_with("Payload-Oxum:") {
                format!("Payload-Oxum: {octets}.{}\n", paths.len())
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    fs::write(bag.join("bag-info.txt"), info).unwrap();
    let tags: String = ["bagit.txt", "bag-info.txt", "manifest-sha256.txt", "README.txt"]
        .iter()
        .map(|p| format!("{}  {p}\n", sha(p)))
        .collect();
    fs::write(bag.join("tagmanifest-sha256.txt"), &tags).unwrap();
    fs::write(
        bag.join("signature/tagmanifest-sha256.txt.sig"),
        key.sign(tags.as_bytes()),
    )
    .unwrap();
    fs::write(bag.join("signature/vault-key.pem"), key.public_pem()).unwrap();
}

#[test]
fn a_handed_over_conversation_is_read_again_from_its_sealed_files() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let chat =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/conversations/whatsapp-android-en");
    // The same export as a folder and as the zip WhatsApp makes.
    let zip_path = dir.join("WhatsApp Chat with Sam Doe.zip");
    let mut z = zip::ZipWriter::new(fs::File::create(&zip_path).unwrap());
    for e in fs::read_dir(&chat).unwrap() {
        let p = e.unwrap().path();
        z.start_file(
            p.file_name().unwrap().to_str().unwrap(),
            zip::write::SimpleFileOptions::default(),
        )
        .unwrap();
        z.write_all(&fs::read(&p).unwrap()).unwrap();
    }
    z.finish().unwrap();
    let mut victim = vault(dir, "victim", 1);
    let case = victim.create_case("Messages from Sam").unwrap();
    let options = safekeep_core::vault::ReadOptions {
        zone: Some("Europe/London".into()),
        ..Default::default()
    };
    let mut ids = Vec::new();
    for given in [chat.clone(), zip_path.clone()] {
        let rec = victim
            .import_conversation(
                &case,
                &[given],
                &options,
                Context::default(),
                &mut |_| {},
                &|| false,
            )
            .unwrap();
        ids.push(rec);
    }
    victim
        .mark_messages(&ids[0].id, 2, 4, Some("the threat".into()))
        .unwrap();
    let bundle = dir.join("chat.zip");
    corpus::export_case(&mut victim, &case, &bundle, "AB");

    let mut advocate = vault(dir, "advocate", 2);
    advocate.import_case(&bundle, None, &|_| {}).unwrap();
    for rec in &ids {
        let mut json = Vec::new();
        assert_eq!(
            advocate
                .write_messages_json(&rec.id, None, None, &mut json)
                .unwrap(),
            12
        );
        assert_eq!(
            hex::encode(Sha256::digest(&json)),
            rec.capture.as_ref().unwrap()["transcript_sha256"]
                .as_str()
                .unwrap(),
            "the messages read again are exactly those the sender's vault read"
        );
    }
    assert_eq!(
        advocate.find_messages(&ids[1].id, "pictures everyone").unwrap(),
        vec![3]
    );
    let again = dir.join("again.zip");
    corpus::export_case(&mut advocate, &case, &again, "CD");
    let r = verify_path(&again, None, None, &|_| {});
    assert_eq!(r.verdict, Verdict::Intact, "{:#?}", r.checks);
}

#[test]
fn a_bundle_from_a_newer_safekeep_is_refused_whole_not_stored_half_readable() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (mut victim, case) = sender(dir);
    let first = dir.join("first.zip");
    corpus::export_case(&mut victim, &case, &first, "AB");
    let bag = unzip(&first, &dir.join("newer"));
    // An annotation kind this version does not know, in a bundle that is otherwise
    // consistent and validly signed (by its own key).
    let log = bag.join("data/audit-log.jsonl");
    let text = fs::read_to_string(&log).unwrap();
    assert!(text.contains("\"kind\":\"report\""));
    fs::write(
        &log,
        rechain(&text.replacen("\"kind\":\"report\"", "\"kind\":\"future_kind\"", 1)),
    )
    .unwrap();
    resign(
        &bag,
        &VaultKey::generate(&mut rand::rngs::StdRng::seed_from_u64(7)),
    );
    assert_eq!(verify_path(&bag, None, None, &|_| {}).verdict, Verdict::Intact);

    let mut advocate = vault(dir, "advocate", 2);
    let e = advocate.import_case(&bag, None, &|_| {}).unwrap_err();
    assert!(e.to_string().contains("newer version"), "{e}");
    assert!(advocate.cases().unwrap().is_empty());
    assert_eq!(blob_files(&dir.join("advocate")), 0);
}

/// Regression (#34): a bundle made elsewhere, re-signed with a fresh key, whose chain
/// also annotates and withdraws an item of *another* case of the receiving vault (item
/// ids are public in every bundle). It used to be accepted, and the other client's item
/// carried the forged note and dropped out of its case.
#[test]
fn a_received_bundle_cannot_reach_into_another_case() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (mut victim, case) = sender(dir);
    let first = dir.join("to-advocate.zip");
    corpus::export_case(&mut victim, &case, &first, "AB");

    let mut advocate = vault(dir, "advocate", 2);
    let other_case = advocate.create_case("Another client").unwrap();
    fs::write(dir.join("theirs.txt"), b"another client's evidence").unwrap();
    let target = advocate
        .import_file(
            &other_case,
            &dir.join("theirs.txt"),
            titled("Their message"),
            &mut |_| {},
        )
        .unwrap()
        .id;

    let bag = unzip(&first, &dir.join("hostile"));
    let log = bag.join("data/audit-log.jsonl");
    let aimed: String = fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|line| {
            let mut v: serde_json::Value = serde_json::from_str(line).unwrap();
            match v["event"]["type"].as_str().or(v["event"]["kind"].as_str()) {
                Some("item.withdrawn") => v["event"]["data"]["item_id"] = target.clone().into(),
                Some("item.annotated") => {
                    v["event"]["data"]["annotation"]["item_id"] = target.clone().into();
                }
                _ => {}
            }
            format!("{v}\n")
        })
        .collect();
    assert!(
        aimed.contains(&target),
        "the forged events name the other case's item"
    );
    fs::write(&log, rechain(&aimed)).unwrap();
    resign(
        &bag,
        &VaultKey::generate(&mut rand::rngs::StdRng::seed_from_u64(7)),
    );

    let r = verify_path(&bag, None, None, &|_| {});
    assert_eq!(r.verdict, Verdict::Altered);
    assert!(check(&r, "The audit log is intact").ok, "consistent in itself");
    let reach = check(
        &r,
        "Every event about an item is about one this audit log captured",
    );
    assert!(!reach.ok && reach.details[0].contains(&target), "{reach:?}");

    let hostile = dir.join("hostile.zip");
    zip_dir(&bag, &hostile);
    assert!(advocate.import_case(&hostile, None, &|_| {}).is_err());
    let theirs = advocate
        .items(Some(&other_case))
        .unwrap()
        .into_iter()
        .find(|i| i.record.id == target)
        .expect("the other client's item is still in their case");
    assert!(theirs.annotations.is_empty(), "no forged note");
    assert!(advocate.check(false, &mut |_| {}).unwrap().problems.is_empty());
}

/// Zips the bag folder `bag` into `out`, the bag's name as the top folder.
fn zip_dir(bag: &Path, out: &Path) {
    let mut z = zip::ZipWriter::new(fs::File::create(out).unwrap());
    let top = bag.file_name().unwrap().to_string_lossy().into_owned();
    let mut stack = vec![bag.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(bag).unwrap().to_string_lossy().replace('\\', "/");
                z.start_file(format!("{top}/{rel}"), zip::write::SimpleFileOptions::default())
                    .unwrap();
                z.write_all(&fs::read(&p).unwrap()).unwrap();
            }
        }
    }
    z.finish().unwrap();
}

/// Regression (#34): a received bundle whose exhibit reference carries shell syntax
/// (`metadata.json` `exhibit`, the folder renamed to match), consistent and re-signed with
/// a fresh key. It used to pass verify and become a case, and the reference went unquoted
/// into the `openssl ts -verify` lines of the receiver's next README.txt.
#[test]
fn an_exhibit_reference_with_shell_syntax_is_refused_naming_the_field() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (mut victim, case) = sender(dir);
    let first = dir.join("first.zip");
    corpus::export_case(&mut victim, &case, &first, "AB");
    let bag = unzip(&first, &dir.join("hostile"));
    let (old_ref, old_folder) = ("AB/1", "AB-1-screenshot-of-post");
    let (new_ref, new_folder) = (
        "XX/1;touch${IFS}pwned",
        "XX-1;touch${IFS}pwned-screenshot-of-post",
    );
    let items = bag.join("data/items");
    fs::rename(items.join(old_folder), items.join(new_folder)).unwrap();
    let meta = items.join(new_folder).join("metadata.json");
    let text = fs::read_to_string(&meta)
        .unwrap()
        .replace(&format!("\"{old_ref}\""), &format!("\"{new_ref}\""))
        .replace(old_folder, new_folder);
    assert!(text.contains(new_ref));
    fs::write(&meta, text).unwrap();
    let manifest = bag.join("manifest-sha256.txt");
    let text = fs::read_to_string(&manifest)
        .unwrap()
        .replace(old_folder, new_folder);
    fs::write(&manifest, text).unwrap();
    resign(
        &bag,
        &VaultKey::generate(&mut rand::rngs::StdRng::seed_from_u64(7)),
    );

    let r = verify_path(&bag, None, None, &|_| {});
    assert_eq!(r.verdict, Verdict::Altered);
    let grammar = check(
        &r,
        "Exhibit references and folder names follow the format's grammar",
    );
    assert!(
        !grammar.ok && grammar.details[0].contains("\"exhibit\"") && grammar.details[0].contains(new_ref),
        "{grammar:?}"
    );
    assert!(
        r.checks.iter().filter(|c| !c.ok).count() == 1,
        "only the grammar fails: the bundle is otherwise consistent {:#?}",
        r.checks
    );

    let hostile = dir.join("hostile.zip");
    zip_dir(&bag, &hostile);
    let mut advocate = vault(dir, "advocate", 2);
    let e = advocate.import_case(&hostile, None, &|_| {}).unwrap_err();
    assert_eq!(e.code(), "bundle_not_intact");
    assert!(
        e.to_string().contains("metadata.json \"exhibit\""),
        "the refusal names the field: {e}"
    );
    assert!(advocate.cases().unwrap().is_empty());
    assert_eq!(blob_files(&dir.join("advocate")), 0);
}

/// A case whose two items were timestamped by a self-made `openssl ts` authority, exported
/// as `dir/stamped.zip`: the case id, the bundle and the authority's root.
fn stamped_by_a_self_made_authority(dir: &Path) -> (String, PathBuf, Vec<x509_cert::Certificate>) {
    let tsa = dir.join("tsa");
    self_made_authority(&tsa);
    let root =
        safekeep_core::timestamp_token::certificates_from_pem(&fs::read(tsa.join("root.pem")).unwrap())
            .unwrap();
    let (mut victim, case) = sender(dir);
    victim
        .enable_timestamps(vec![safekeep_core::vault::Authority {
            url: "http://tsa.example/self-made".into(),
            certificates: Some(fs::read_to_string(tsa.join("root.pem")).unwrap()),
        }])
        .unwrap();
    assert_eq!(stamp_all(&mut victim, &tsa), 2);
    let first = dir.join("stamped.zip");
    corpus::export_case(&mut victim, &case, &first, "AB");
    (case, first, root)
}

/// Regression (#34): a token whose chain ends at a root shipped inside the bundle (a
/// self-made authority) used to verify as intact, was stored as a trusted timestamp on
/// hand-over, and the receiver's next bundle presented it as trusted.
#[test]
fn a_self_made_authoritys_timestamp_is_reported_unrecognised_and_not_stored_as_trusted() {
    use safekeep_core::bundle::verify::verify_path_trusting;
    use safekeep_core::timestamp_trust::TrustList;
    use safekeep_core::vault::ItemTimestamp;

    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (case, first, root) = stamped_by_a_self_made_authority(dir);

    // Verified by a computer that does not know the authority: not "intact".
    let r = verify_path(&first, None, None, &|_| {});
    assert_eq!(r.verdict, Verdict::UnrecognisedTimestamp, "{:#?}", r.checks);
    assert_eq!(r.verdict.exit_code(), 3);
    let t = check(&r, "Trusted timestamps");
    assert!(t.ok && t.unrecognised, "{t:?}");
    assert!(
        t.details[0].contains("timestamp by an authority this computer does not recognise"),
        "{t:?}"
    );
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["verdict"], "unrecognised_timestamp");
    // By one told, explicitly, to trust that root: intact.
    let trusting = TrustList::system().with(root.clone());
    let r = verify_path_trusting(&first, None, None, &trusting, &|_| {});
    assert_eq!(r.verdict, Verdict::Intact, "{:#?}", r.checks);
    assert!(!check(&r, "Trusted timestamps").unrecognised);

    // Opened as a case by an advocate whose computer does not know it: kept, but as
    // unrecognised, never as a trusted timestamp.
    let mut advocate = vault(dir, "advocate", 2);
    advocate.import_case(&first, None, &|_| {}).unwrap();
    let items = advocate.items(Some(&case)).unwrap();
    assert!(!items.is_empty());
    for i in items.iter().filter(|i| i.withdrawn.is_none()) {
        assert!(
            matches!(
                advocate.item_timestamp(&i.record.id).unwrap(),
                Some(ItemTimestamp::Unrecognised { .. })
            ),
            "{:?}",
            advocate.item_timestamp(&i.record.id)
        );
    }
    assert!(advocate.check(false, &mut |_| {}).unwrap().problems.is_empty());
    let second = dir.join("again.zip");
    corpus::export_case(&mut advocate, &case, &second, "CD");
    let readme = {
        let mut z = zip::ZipArchive::new(fs::File::open(&second).unwrap()).unwrap();
        let name = zip_names(&second)
            .into_iter()
            .find(|n| n.ends_with("/README.txt") && n.matches('/').count() == 1)
            .unwrap();
        let mut s = String::new();
        z.by_name(&name).unwrap().read_to_string(&mut s).unwrap();
        s
    };
    assert!(readme.contains("AB/1: NOT A TRUSTED TIMESTAMP"), "{readme}");
    assert!(
        !readme.contains(": timestamped "),
        "presented as trusted: {readme}"
    );
    let r = verify_path(&second, None, None, &|_| {});
    assert_eq!(r.verdict, Verdict::UnrecognisedTimestamp, "{:#?}", r.checks);

    // A receiver who was given the authority's root explicitly stores it as trusted.
    let mut solicitor = vault(dir, "solicitor", 3);
    solicitor
        .import_case_trusting(&first, None, &trusting, &|_| {})
        .unwrap();
    let stamped = solicitor
        .items(Some(&case))
        .unwrap()
        .into_iter()
        .filter(|i| {
            matches!(
                solicitor.item_timestamp(&i.record.id).unwrap(),
                Some(ItemTimestamp::Stamped { .. })
            )
        })
        .count();
    assert_eq!(stamped, 2);
}

/// Two exhibits' timestamp files swapped (AB-1.* ↔ AB-2.*) and the bundle re-signed: each
/// token still covers an item of the bundle, but not the one it is filed under, so opening
/// it as a case would move a time between exhibits and make the receiver's own next bundle
/// fail. Verify fails it and opening it as a case is refused.
#[test]
fn swapped_timestamp_files_are_refused() {
    use safekeep_core::bundle::verify::verify_path_trusting;
    use safekeep_core::timestamp_trust::TrustList;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (_, first, root) = stamped_by_a_self_made_authority(dir);
    let bag = unzip(&first, &dir.join("hostile"));
    let ts = bag.join("signature/timestamps");
    for ext in ["tsr", "commitment", "chain.pem"] {
        let (a, b, t) = (
            ts.join(format!("AB-1.{ext}")),
            ts.join(format!("AB-2.{ext}")),
            ts.join("swap"),
        );
        fs::rename(&a, &t).unwrap();
        fs::rename(&b, &a).unwrap();
        fs::rename(&t, &b).unwrap();
    }
    resign(
        &bag,
        &VaultKey::generate(&mut rand::rngs::StdRng::seed_from_u64(7)),
    );
    let hostile = dir.join("hostile.zip");
    zip_dir(&bag, &hostile);
    let trusting = TrustList::system().with(root);
    let r = verify_path_trusting(&hostile, None, None, &trusting, &|_| {});
    assert_eq!(r.verdict, Verdict::Altered, "{:#?}", r.checks);
    assert!(
        r.checks
            .iter()
            .any(|c| !c.ok && c.details.iter().any(|d| d.contains("swapped"))),
        "{:#?}",
        r.checks
    );
    let mut advocate = vault(dir, "advocate", 2);
    assert!(
        advocate
            .import_case_trusting(&hostile, None, &trusting, &|_| {})
            .is_err()
    );
    assert!(advocate.cases().unwrap().is_empty(), "nothing is stored");
}
